"""Screenshots of every page at 1440 and 800 px, for the README: `PYTHONPATH=. .venv/bin/python docs/screenshots.py`.

Starts the app on a free port with the bundled sample, walks the sidebar navigation in the system
chromium (the server, waits and walk of tests/test_browser_layout.py) and saves
docs/screenshots/<page>-<width>.png: the top of each page, at most `TALLEST` px of it, and a JPEG
instead when the PNG would pass 300 KB (the Segments page's map). Under app_chrome.NARROW_WINDOW the
sidebar is closed before each shot, as a user first sees the page there. At the widest width Story mode's
chapters are shot too, then the Overview in the dark theme (overview-dark-<width>.png). `--widths 1024`
or `--out DIR` take other sizes or write elsewhere (for reviewing a change).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402 (after the path is set)

from app_chrome import NARROW_WINDOW  # noqa: E402
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
from tests.test_browser_layout import HEIGHT, every_page, settle  # noqa: E402

TALLEST = 2000
"""Tallest screenshot in pixels: the first screens of a long page, where its point is."""
LARGEST = 300 * 1024
"""Largest PNG kept, in bytes; a larger shot is saved as a JPEG (quality 80) instead."""


def slug(title: str) -> str:
    """Return a page title as a file name: "Revenue concentration" -> "revenue-concentration"."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def shoot(page: object, target: Path, width: int) -> None:
    """Save the page's top (up to `TALLEST` px) to `target`, then give the window back its height."""
    if width < NARROW_WINDOW and page.locator("[data-testid='stSidebar'][data-collapsed='false']").count():  # type: ignore[attr-defined]
        # The button shows on hover only: pressed from the page's script, as app_chrome does.
        page.evaluate("() => document.querySelector(\"[data-testid='stSidebarCollapseButton'] button\").click()")  # type: ignore[attr-defined]
        page.locator("[data-testid='stSidebar'][data-collapsed='true']").wait_for()  # type: ignore[attr-defined]
        page.wait_for_timeout(400)  # type: ignore[attr-defined]  # the sidebar slides out
    tall = page.evaluate(  # type: ignore[attr-defined]
        "() => document.querySelector(\"[data-testid='stMainBlockContainer']\").getBoundingClientRect().height"
    )
    page.set_viewport_size({"width": width, "height": int(min(max(tall + 100, HEIGHT), TALLEST))})  # type: ignore[attr-defined]
    settle(page)
    page.screenshot(path=str(target))  # type: ignore[attr-defined]
    photo = target.with_suffix(".jpg")
    photo.unlink(missing_ok=True)
    if target.stat().st_size > LARGEST:  # thousands of map dots: a JPEG keeps it small
        page.screenshot(path=str(photo), type="jpeg", quality=80)  # type: ignore[attr-defined]
        target.unlink()
        target = photo
    page.set_viewport_size({"width": width, "height": HEIGHT})  # type: ignore[attr-defined]
    size = target.stat().st_size // 1024
    print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target} ({size} KB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[1440, 800])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with serve() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width in args.widths:
            context = browser.new_context(viewport={"width": width, "height": HEIGHT})
            page = context.new_page()
            page.set_default_timeout(120_000)
            for title in every_page(page, url, chapters=width == max(args.widths)):
                shoot(page, args.out / f"{slug(title)}-{width}.png", width)
            context.close()
        widest = max(args.widths)
        context = browser.new_context(viewport={"width": widest, "height": HEIGHT}, color_scheme="dark")
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(url)
        page.locator("[data-testid='stMain'] h1").first.wait_for()
        settle(page)
        shoot(page, args.out / f"overview-dark-{widest}.png", widest)
        context.close()
        browser.close()


if __name__ == "__main__":
    main()
