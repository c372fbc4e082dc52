"""End-to-end flows in the system chromium (Playwright), against the real app on a free local port."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """Start `streamlit run app.py` on a free port; stop it after the module's tests."""
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def wait_idle(page: object) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=90_000)  # type: ignore[attr-defined]


def segment_rows(page: object) -> int:
    """Number of rows in the segment table (read from its accessible grid)."""
    grid = page.locator("[data-testid='stDataFrame']").first  # type: ignore[attr-defined]
    grid.wait_for()
    return int(grid.get_attribute("data-rows") or 0) or grid.locator("[role='row']").count() - 1


def test_sample_to_segments_k_change(page: object, app_url: str) -> None:
    """Open the app, the sample is loaded, change the number of segments, the table changes."""
    page.goto(app_url)  # type: ignore[attr-defined]
    page.get_by_text("Customer segmentation studio").first.wait_for()  # type: ignore[attr-defined]
    wait_idle(page)
    page.goto(f"{app_url}/segments")  # type: ignore[attr-defined]
    wait_idle(page)
    heading = page.get_by_role("heading", name="Segments").first  # type: ignore[attr-defined]
    heading.wait_for()
    slider = page.get_by_role("slider").first  # type: ignore[attr-defined]
    before = int(slider.get_attribute("aria-valuenow"))
    table_before = page.locator("[data-testid='stDataFrame']").first.inner_text()  # type: ignore[attr-defined]
    slider.focus()
    page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    wait_idle(page)
    page.wait_for_function(  # type: ignore[attr-defined]
        f"document.querySelector(\"[role='slider']\").getAttribute('aria-valuenow') == '{before + 1}'"
    )
    wait_idle(page)
    assert f"{before + 1} segments" in page.locator("body").inner_text()  # type: ignore[attr-defined]
    table_after = page.locator("[data-testid='stDataFrame']").first.inner_text()  # type: ignore[attr-defined]
    assert table_after != table_before
