"""The Streamlit app: page config and navigation only. Run with ``make run``."""

from __future__ import annotations

import streamlit as st

import app_support

st.set_page_config(
    page_title="Customer segmentation studio",
    page_icon=":material/insights:",
    layout="wide",
    # "auto" keeps the sidebar open on wide screens and collapsed on narrow ones (under ~768 px).
    initial_sidebar_state="auto",
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
