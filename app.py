"""The Streamlit app: page config and navigation only. Run with ``make run``."""

from __future__ import annotations

import streamlit as st

import app_support

# The sidebar's starting width in pixels (Streamlit's default is 300): an 800 px window keeps a 560 px page.
# (A comment, not a docstring: Streamlit's magic would print a bare string on every page.)
SIDEBAR_WIDTH = 240

st.set_page_config(
    page_title="Customer segmentation studio",
    page_icon=":material/insights:",
    layout="wide",
    # A number is Streamlit's "auto" with that starting width. "auto" starts the sidebar collapsed only on a
    # window of 768 px or less (a fixed breakpoint, not configurable), so at 800 px it is open: 240 px keeps
    # the longest page name whole and leaves the page 60 px more than the default. (A cold server's first
    # session draws the sidebar before this call and keeps 300 px; every page's rows wrap to fit that too.)
    initial_sidebar_state=SIDEBAR_WIDTH,
)
app_support.init_session()
app_support.mark_entry()
app_support.start_run()

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
navigation = st.navigation(pages)
app_support.return_to_requested_page()
with st.sidebar:
    st.caption(f"Data: {app_support.file_label(app_support.current_file())}")
app_support.show_link_error()
navigation.run()
app_support.sync_share_link()
