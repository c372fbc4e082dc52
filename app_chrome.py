"""The app's page chrome: small static scripts and styles around Streamlit's own layout.

Kept apart from ``app_support`` so that app.py can run them before the analysis modules load (about 3 s
on a cold server). Nothing here carries user text: every script and style is a constant of this module.
"""

from __future__ import annotations

import streamlit as st

NARROW_WINDOW = 1024
"""Windows narrower than this (pixels) start with the sidebar collapsed; it opens with the » button."""

# Once per browser tab, on a window narrower than NARROW_WINDOW, close the sidebar, as Streamlit's own
# "auto" does only at 768 px or less. A sidebar the user opens again stays open: the flag in
# sessionStorage keeps it from closing on the next page.
_COLLAPSE_WHEN_NARROW = """<script>
(() => {
  const NARROW = __NARROW__;
  const flag = "studio.sidebarChecked";
  if (sessionStorage.getItem(flag)) return;
  const close = (tries) => {
    const sidebar = document.querySelector("[data-testid='stSidebar']");
    const button = document.querySelector("[data-testid='stSidebarCollapseButton'] button");
    if (sidebar && button) {
      sessionStorage.setItem(flag, "1");
      if (window.innerWidth < NARROW && sidebar.getAttribute("data-collapsed") !== "true") button.click();
    } else if (tries > 0) {
      setTimeout(() => close(tries - 1), 100);
    }
  };
  close(50);
})();
</script>""".replace("__NARROW__", str(NARROW_WINDOW))


def collapse_sidebar_when_narrow() -> None:
    """Start the sidebar collapsed on a window narrower than `NARROW_WINDOW` (called by app.py)."""
    with st.sidebar:
        st.html(_COLLAPSE_WHEN_NARROW, unsafe_allow_javascript=True, width=1)


# Presenting (Story mode): the sidebar and Streamlit's header go, the text grows for a room's screen.
_PRESENTING_STYLE = """<style>
[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], [data-testid='stHeader'] { display: none; }
[data-testid='stMainBlockContainer'] { padding-top: 1.5rem; max-width: 1400px; }
[data-testid='stMain'] [data-testid='stMarkdownContainer'] p,
[data-testid='stMain'] [data-testid='stMarkdownContainer'] li { font-size: 1.3rem; }
[data-testid='stMain'] h3 { font-size: 2rem; }
</style>"""

# A "Full screen" button (the browser asks for a click before a page may fill the screen) and the arrow
# keys: ← presses "◀ Back" and → presses "Next ▶" unless a field, slider or table has the focus. The key listener is
# added once per tab and looks the buttons up at each press, so it does nothing on the other pages.
_PRESENTING_SCRIPT = """<button id="studio-full-screen" type="button"
  style="font: inherit; padding: 0.3rem 0.8rem; border-radius: 0.5rem; border: 1px solid currentColor;
         background: transparent; color: inherit; cursor: pointer;">⛶ Full screen (Esc leaves)</button>
<script>
(() => {
  const button = document.getElementById("studio-full-screen");
  if (button) {
    button.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(() => {});
    });
  }
  if (window.studioStoryKeys) return;
  window.studioStoryKeys = true;
  const press = (label) => {
    const target = [...document.querySelectorAll("[data-testid='stMain'] button")]
      .find((b) => b.innerText.trim() === label && !b.disabled);
    if (target) target.click();
  };
  document.addEventListener("keydown", (event) => {
    const inside = "input, textarea, select, [contenteditable], [role='slider'], [data-testid='stDataFrame']";
    const field = event.target && event.target.closest && event.target.closest(inside);
    if (field || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowRight") press("Next ▶");
    if (event.key === "ArrowLeft") press("◀ Back");
  });
})();
</script>"""


def presenting_mode() -> None:
    """Story mode's presenting view: no sidebar or header, larger text, a full-screen button, arrow keys."""
    st.html(_PRESENTING_STYLE)
    st.html(_PRESENTING_SCRIPT, unsafe_allow_javascript=True)
