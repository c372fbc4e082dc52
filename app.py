"""The Streamlit app: page config and navigation only. Run with ``make run``."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import app_chrome

# The sidebar's starting width in pixels (Streamlit's default is 300): an 800 px window keeps a 560 px page.
# (A comment, not a docstring: with magic on, Streamlit would print a bare string on every page.)
SIDEBAR_WIDTH = 240
ICON = Path(__file__).parent / "app_support" / "icon.png"

st.set_page_config(
    page_title="Customer segmentation studio",
    # A file beside the app, not a ":material/…:" icon: Streamlit fetches those favicons from fonts.gstatic.com,
    # and the app makes no network request at run time.
    page_icon=str(ICON),
    layout="wide",
    # A number is Streamlit's "auto" with that starting width: 240 px keeps the longest page name whole.
    # "auto" collapses the sidebar only at 768 px or less (a fixed breakpoint), so windows under
    # app_chrome.NARROW_WINDOW (1024 px) are collapsed by app_chrome.collapse_sidebar_when_narrow. A user who
    # opens it again and drags it to 300 px still gets pages whose rows wrap to fit.
    initial_sidebar_state=SIDEBAR_WIDTH,
)

pages = {
    "Start": [
        st.Page("pages/home.py", title="Overview", icon=":material/home:", default=True),
        st.Page("pages/story.py", title="Story mode", icon=":material/co_present:"),
    ],
    "Analysis": [
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
        st.Page("pages/segments.py", title="Segments", icon=":material/category:"),
        st.Page("pages/accounts.py", title="Accounts", icon=":material/person_search:"),
        st.Page("pages/concentration.py", title="Revenue concentration", icon=":material/payments:"),
        st.Page("pages/service_models.py", title="Service models", icon=":material/handshake:"),
        st.Page("pages/changes.py", title="Changes over time", icon=":material/timeline:"),
    ],
    "Share": [
        st.Page("pages/share.py", title="Share", icon=":material/ios_share:"),
        st.Page("pages/glossary.py", title="Glossary", icon=":material/menu_book:"),
    ],
}
# Until st.navigation runs, a cold server's first session would list the pages folder's file names ("app,
# accounts, changes…") in the sidebar: .streamlit/config.toml hides the sidebar navigation, and the app's own
# is shown from here on. It is declared before the analysis modules load (about 3 s on a cold server).
st.set_option("client.showSidebarNavigation", True)
navigation = st.navigation(pages)
app_chrome.collapse_sidebar_when_narrow()
with st.spinner("Starting the studio: loading the analysis tools…"):
    import app_support  # after the navigation on purpose, see above

app_support.init_session()
app_support.mark_entry()
app_support.start_run()
app_support.return_to_requested_page()
with st.sidebar:
    st.caption(f"Data: {app_support.file_label(app_support.current_file())}")
app_support.show_link_error()
navigation.run()
app_support.sync_share_link()
