"""Take the README's screenshots with the system chromium: `.venv/bin/python docs/screenshot.py`.

Starts the app on a free port with the bundled sample, opens the Overview and Revenue concentration
pages and saves docs/screenshot.png and docs/concentration.png. With a directory argument it saves
a full-page shot of every page there instead (for reviewing the layout).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


PAGES = (("", "screenshot.png"), ("concentration", "concentration.png"))


def main() -> None:
    review = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    shots = PAGES
    if review:
        review.mkdir(parents=True, exist_ok=True)
        names = ["", "data", "segments", "concentration", "service_models", "share", "story"]
        shots = tuple((name, f"{name or 'home'}.png") for name in names)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603 (our own command)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):  # noqa: S310 (loopback)
                    break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            for path, name in shots:
                page.goto(f"{url}/{path}")
                page.wait_for_timeout(1500)
                page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120_000)
                page.wait_for_timeout(4000)
                target = (review or ROOT / "docs") / name
                page.screenshot(path=str(target), full_page=review is not None)
                print(f"wrote {target}")
            browser.close()
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
