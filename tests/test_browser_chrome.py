"""The app's chrome in the system chromium (issue 16): first load, narrow windows, the dark theme, presenting."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator

import pytest

from app_chrome import NARROW_WINDOW
from tests.test_browser import app_url, browser, serve  # noqa: F401 (the module's fixtures)
from tests.test_browser_layout import settle

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The pages folder's file names: what a cold server's first session listed before app.py declared the pages.
# (Lower case, as Streamlit lists them; the app's own titles are capitalised.)
FILE_NAMES = re.compile(
    r"^(app|home|data|segments|concentration|service[ _]models|share|story|changes|accounts|glossary)$"
)


@contextlib.contextmanager
def window(chromium: object, width: int, **options: object) -> Iterator[object]:
    """A page in a new browser context `width` × 900 px (`options`: e.g. color_scheme), closed afterwards."""
    context = chromium.new_context(viewport={"width": width, "height": 900}, **options)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        yield page
    finally:
        context.close()


def _luminance(colour: str) -> float:
    """Relative luminance 0–1 of a CSS rgb()/rgba() colour."""
    red, green, blue = (int(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _link_names(page: object) -> list[str]:
    """The names the sidebar navigation lists now (each link's last line: the text before it is its icon's name)."""
    return page.evaluate(  # type: ignore[attr-defined,no-any-return]
        "() => [...document.querySelectorAll(\"[data-testid='stSidebarNav'] a\")]"
        ".map((a) => a.innerText.trim().split('\\n').pop().trim()).filter((t) => t)"
    )


@pytest.mark.parametrize("width", (800, 1440), ids=["800px", "1440px"])
def test_first_load_on_a_cold_server_names_pages_and_fits_the_window(browser: object, width: int) -> None:  # noqa: F811
    """A cold server's first session never lists file names; 800 px starts collapsed, 1440 px open at 240 px."""
    with serve() as url, window(browser, width) as page:
        page.goto(url)
        seen: set[str] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not page.locator("[data-testid='stMain'] h1").count():
            seen.update(_link_names(page))
            page.wait_for_timeout(50)
        assert page.locator("[data-testid='stMain'] h1").count(), "the first page never drew its title"
        settle(page)
        seen.update(_link_names(page))
        assert not [name for name in seen if FILE_NAMES.match(name)], seen
        assert "Revenue concentration" in seen and "Story mode" in seen
        sidebar = page.locator("[data-testid='stSidebar']")
        if width < NARROW_WINDOW:
            assert sidebar.get_attribute("data-collapsed") == "true"
            main = page.locator("[data-testid='stMain']").bounding_box()
            assert main and main["width"] >= width - 20, main  # the page has the whole window
        else:
            assert sidebar.get_attribute("data-collapsed") == "false"
            box = sidebar.bounding_box()
            assert box and abs(box["width"] - 240) <= 1, box


def test_narrow_window_sidebar_stays_open_once_opened(browser: object, app_url: str) -> None:  # noqa: F811
    """The collapse is a starting point: a sidebar the user opens stays open on the next page."""
    with window(browser, 800) as page:
        page.goto(app_url)
        settle(page)
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.get_attribute("data-collapsed") == "true"
        page.locator("[data-testid='stExpandSidebarButton']").click()
        page.locator("[data-testid='stSidebar'][data-collapsed='false']").wait_for()
        page.locator("[data-testid='stSidebarNav'] a", has_text="Glossary").click()
        settle(page)
        assert page.locator("[data-testid='stMain'] h1").first.inner_text().strip() == "Glossary"
        assert sidebar.get_attribute("data-collapsed") == "false"


def test_dark_theme_is_readable(browser: object, app_url: str) -> None:  # noqa: F811
    """With the system in dark mode the app is dark, its text light and its chart labels readable."""
    with window(browser, 1440, color_scheme="dark") as page:
        page.goto(f"{app_url}/concentration")
        page.locator("[data-testid='stVegaLiteChart'] svg text").first.wait_for()
        settle(page)
        background = page.evaluate(
            "() => getComputedStyle(document.querySelector(\"[data-testid='stApp']\")).backgroundColor"
        )
        title = page.evaluate("() => getComputedStyle(document.querySelector(\"[data-testid='stMain'] h1\")).color")
        assert _luminance(background) < 0.1, background
        assert _luminance(title) > 0.6, title
        # Axis, legend and title text sits on the page; text marks (values on bars) too, unless they sit on
        # a heatmap cell with an ink of their own (white or black, chosen for the cell's colour).
        labels = page.evaluate(
            "() => [...document.querySelectorAll(\"[data-testid='stVegaLiteChart'] svg text\")]"
            ".filter((t) => t.textContent.trim()).map((t) => ["
            "  t.closest('.role-axis, .role-legend, .role-title') ? 'page' : 'mark', getComputedStyle(t).fill])"
        )
        assert len(labels) > 20, "the page draws its charts as SVG with text"
        page_text = [
            fill for where, fill in labels if where == "page" or fill not in ("rgb(0, 0, 0)", "rgb(255, 255, 255)")
        ]
        contrast = [
            (_luminance(fill) + 0.05) / (_luminance(background) + 0.05) for fill in page_text if fill.startswith("rgb")
        ]
        assert contrast and min(contrast) >= 3, sorted(set(page_text))


def _press_until(page: object, key: str, text: str) -> None:
    """Press `key` until `text` shows: once, and once more after 15 s, as a presenter would when a busy
    machine (the whole suite on two cores) was still redrawing the page as the first press came."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):
        page.keyboard.press(key)  # type: ignore[attr-defined]
        try:
            page.get_by_text(text).first.wait_for(timeout=15_000 if attempt == 0 else 60_000)  # type: ignore[attr-defined]
        except PlaywrightTimeout:
            if attempt:
                raise
            continue
        settle(page)
        return


def test_story_presenting_hides_the_menus_and_turns_chapters_with_the_arrow_keys(browser: object, app_url: str) -> None:  # noqa: F811
    with window(browser, 1440) as page:
        page.goto(f"{app_url}/story")
        settle(page)
        page.get_by_text("Chapter 1 of").first.wait_for()
        page.get_by_text("Presenting: hide the menus").click()
        page.get_by_role("button", name="⛶ Full screen (Esc leaves)").wait_for()
        settle(page)
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        size = page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector(\"[data-testid='stMain'] "
            "[data-testid='stMarkdownContainer'] p\")).fontSize)"
        )
        assert size >= 20, size
        page.locator("[data-testid='stMain'] h1").first.click()  # the focus on the page, not on the toggle
        for key, chapter in (("ArrowRight", 2), ("ArrowRight", 3), ("ArrowLeft", 2)):
            _press_until(page, key, f"Chapter {chapter} of")
        page.get_by_text("Presenting: hide the menus").click()
        page.get_by_role("button", name="⛶ Full screen (Esc leaves)").wait_for(state="detached")
        settle(page)
        assert page.get_by_text("Chapter 2 of").first.is_visible()
        page.locator("[data-testid='stSidebar']").wait_for(state="visible", timeout=10_000)
