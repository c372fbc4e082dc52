"""Every page fits at 1440 and 800 px wide (issue 16), checked in the DOM of the real app in the system chromium.

One server for the module and one browser context per width; pages are visited by clicking the sidebar
navigation (a fresh page load would be a new session). On each page nothing may be cut or overprinted:
no metric or button label clipped to "…", nothing wider than the page, no chart text beyond its chart or
over another label, no chart title shortened, no traceback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.test_browser import app_url, browser, wait_idle  # noqa: F401 (the module's server and browser fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDTHS = (1440, 800)
HEIGHT = 900
SIDEBAR_AT = {1440: 240, 800: 300}
"""The sidebar's width in each run: the narrowest it starts (app.py's SIDEBAR_WIDTH) where the page names are
checked, and at 800 px the worst case: the sidebar starts collapsed there (app_chrome), so the user opened it
and dragged it to Streamlit's default 300 px, which leaves the page narrowest."""

LAYOUT_PROBLEMS = r"""
() => {
  const problems = [];
  const say = (what, el) => problems.push(`${what}: ${(el.textContent || '').trim().slice(0, 70)}`);
  const main = document.querySelector("[data-testid='stMain']");
  const block = document.querySelector("[data-testid='stMainBlockContainer']");
  const grids = "[data-testid='stDataFrame'], [data-testid='stDataFrameResizable'], [data-testid='stTable']";
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const clipped = (el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0;

  // Metric labels, values and deltas wrap or fit; never "…".
  for (const el of document.querySelectorAll("[data-testid='stMetric'] *")) {
    if (clipped(el)) say("metric clipped", el);
  }
  // Button, download-button and page-link labels (page and sidebar) are never cut.
  const labelled = "button, [data-testid='stPageLink'], [data-testid='stSidebarNavLink']";
  for (const holder of document.querySelectorAll(labelled)) {
    if (!shown(holder)) continue;
    for (const el of [holder, ...holder.querySelectorAll('*')]) {
      if (clipped(el)) { say("label cut", el); break; }
    }
  }
  // Nothing makes the page or its main column scroll sideways, nothing pokes out of the main column.
  const root = document.scrollingElement;
  if (root.scrollWidth > window.innerWidth + 1) problems.push(`page scrolls sideways: ${root.scrollWidth}px`);
  if (main && main.scrollWidth > main.clientWidth + 1) {
    problems.push(`main column scrolls sideways: ${main.scrollWidth} > ${main.clientWidth}px`);
  }
  if (block) {
    const edge = block.getBoundingClientRect();
    for (const el of block.querySelectorAll("[data-testid], .marks")) {
      if (el.closest(grids) && !el.matches(grids)) continue;  // a table scrolls inside its own frame
      if (!shown(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > edge.right + 1 || r.left < edge.left - 1) {
        say(`wider than the page (${Math.round(r.left)}–${Math.round(r.right)}px)`, el);
      }
    }
  }
  // Charts: every text inside its chart, no title cut, no label over another in the same group.
  const quad = (el) => {
    const b = el.getBBox(), m = el.getCTM();
    const inset = Math.min(2, b.width / 4, b.height / 4);  // glyph boxes carry line spacing
    const x0 = b.x + inset, y0 = b.y + inset, x1 = b.x + b.width - inset, y1 = b.y + b.height - inset;
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]].map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  };
  const separated = (p, q) => {
    for (const poly of [p, q]) {
      for (let i = 0; i < 4; i++) {
        const [ax, ay] = poly[i], [bx, by] = poly[(i + 1) % 4];
        const nx = by - ay, ny = ax - bx;
        const span = (pts) => pts.map(([x, y]) => x * nx + y * ny);
        const sp = span(p), sq = span(q);
        if (Math.max(...sp) <= Math.min(...sq) || Math.max(...sq) <= Math.min(...sp)) return true;
      }
    }
    return false;
  };
  for (const chart of document.querySelectorAll("[data-testid='stVegaLiteChart']")) {
    const drawn = chart.querySelector('.marks');
    if (!drawn) { problems.push('chart not drawn'); continue; }
    const frame = drawn.getBoundingClientRect();
    if (frame.width < 240) problems.push(`chart squeezed to ${Math.round(frame.width)}px`);
    const svg = chart.querySelector('svg.marks');
    if (!svg) continue;  // drawn on a canvas (many points): only its size can be checked
    // Vega hides a label it leaves out for overlap with opacity 0: only the drawn ones count.
    const drawnText = (t) => (t.textContent || '').trim() && shown(t) && getComputedStyle(t).opacity !== '0';
    const texts = [...svg.querySelectorAll('text')].filter(drawnText);
    for (const t of texts) {
      const r = t.getBoundingClientRect();
      // 3 px: a glyph box carries the line spacing around the letters
      if (r.left < frame.left - 3 || r.right > frame.right + 3) say('chart text beyond its chart', t);
      if (t.closest('.role-title') && t.textContent.includes('…')) say('chart title cut', t);
      if (t.closest('.role-axis-title, .role-legend-title') && t.textContent.includes('…')) say('axis title cut', t);
    }
    const groups = new Map();  // one axis, one legend or one text layer: its labels must not touch
    for (const t of texts) {
      const owner = t.closest('.role-axis') || t.closest('.role-legend') || t.closest('.role-mark');
      if (owner) groups.set(owner, [...(groups.get(owner) || []), t]);
    }
    for (const members of groups.values()) {
      const quads = members.map(quad);
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) {
          if (!separated(quads[i], quads[j])) {
            problems.push(`chart labels overprint: "${members[i].textContent}" / "${members[j].textContent}"`);
          }
        }
      }
    }
  }
  for (const el of document.querySelectorAll("[data-testid='stException']")) say('exception', el);
  return problems;
}
"""


def settle(page: object) -> None:
    """Wait until the script has run, no spinner is left and every chart is drawn, then let the layout rest."""
    wait_idle(page)
    page.wait_for_selector("[data-testid='stSpinner']", state="detached", timeout=180_000)  # type: ignore[attr-defined]
    wait_idle(page)
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll(\"[data-testid='stVegaLiteChart']\")]"
        ".every((c) => c.querySelector('.marks'))",
        timeout=60_000,
    )
    page.wait_for_timeout(400)  # type: ignore[attr-defined]


def nav_links(page: object) -> object:
    """The sidebar's page links, opening the sidebar first when it starts collapsed."""
    links = page.locator("[data-testid='stSidebarNav'] a")  # type: ignore[attr-defined]
    if page.locator("[data-testid='stSidebar'][data-collapsed='true']").count():  # type: ignore[attr-defined]
        page.locator("[data-testid='stExpandSidebarButton']").click()  # type: ignore[attr-defined]
        page.locator("[data-testid='stSidebar'][data-collapsed='false']").wait_for()  # type: ignore[attr-defined]
        page.wait_for_timeout(400)  # type: ignore[attr-defined]  # the sidebar slides in
    return links


def every_page(page: object, url: str, *, chapters: bool = True) -> Iterator[str]:
    """Open the app at `url`, then each page of the sidebar navigation in turn; yield its title once it is drawn.

    With `chapters`, Story mode is walked chapter by chapter too (yielded as "Story mode, chapter n"). Last,
    the Changes page compares the sample pair (yielded as "Changes over time, sample pair"); it replaces
    the file in use, so it comes after every other page. docs/screenshots.py walks the pages the same way.
    """
    page.goto(url)  # type: ignore[attr-defined]
    page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=120_000)  # type: ignore[attr-defined]
    settle(page)
    links = nav_links(page)
    pages = [
        (links.nth(i).inner_text().strip().splitlines()[-1], links.nth(i).get_attribute("href") or "")
        for i in range(links.count())
    ]  # (title, address); the text before the title is the icon's name
    assert len(pages) >= 10, pages
    for title, href in pages:
        nav_links(page).and_(page.locator(f"[href='{href}']")).click()  # type: ignore[attr-defined]
        page.wait_for_url(href)  # type: ignore[attr-defined]
        settle(page)
        yield title
        if chapters and title == "Story mode":
            chapter = 1
            forward = page.get_by_role("button", name="Next ▶")  # type: ignore[attr-defined]
            while forward.is_enabled():
                forward.click()
                chapter += 1
                page.get_by_text(f"Chapter {chapter} of").first.wait_for()  # type: ignore[attr-defined]
                settle(page)
                yield f"Story mode, chapter {chapter}"
    changes = next(href for title, href in pages if title == "Changes over time")
    nav_links(page).and_(page.locator(f"[href='{changes}']")).click()  # type: ignore[attr-defined]
    page.wait_for_url(changes)  # type: ignore[attr-defined]
    settle(page)
    page.get_by_role("button", name="Load the sample pair").click()  # type: ignore[attr-defined]
    page.get_by_text("The bridge", exact=True).wait_for(timeout=180_000)  # type: ignore[attr-defined]
    settle(page)
    yield "Changes over time, sample pair"


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def test_every_page_fits(browser: object, app_url: str, width: int) -> None:  # noqa: F811 (fixtures)
    """At `width` × 900 px no page clips a metric or a button, scrolls sideways, overprints a chart or fails."""
    context = browser.new_context(viewport={"width": width, "height": HEIGHT})  # type: ignore[attr-defined]
    # Streamlit keeps a sidebar width the user dragged to under this key and starts with it.
    context.add_init_script(f"localStorage.setItem('sidebarWidth', '{SIDEBAR_AT[width]}')")
    page = context.new_page()
    page.set_default_timeout(60_000)
    started = time.monotonic()
    problems: dict[str, list[str]] = {}
    visited = []
    try:
        for title in every_page(page, app_url):
            visited.append(title)
            found = page.evaluate(LAYOUT_PROBLEMS)
            if found:  # a second look once it has settled again: a chart may have been mid-redraw
                settle(page)
                found = page.evaluate(LAYOUT_PROBLEMS)
            if found:
                problems[title] = sorted(set(found))
            sidebar = page.locator("[data-testid='stSidebar']").bounding_box()
            assert sidebar and abs(sidebar["width"] - SIDEBAR_AT[width]) <= 1, sidebar  # the case meant
    finally:
        context.close()
    report = "\n".join(f"{title}:\n  " + "\n  ".join(found) for title, found in problems.items())
    assert not problems, f"at {width}px ({time.monotonic() - started:.0f} s, {len(visited)} views):\n{report}"
