"""Glossary: every measure the studio shows, in plain words."""

from __future__ import annotations

import streamlit as st

import app_support as support
from segmentation.glossary import GLOSSARY

support.page_guard(__file__)
st.title("Glossary")
st.caption("What each measure means, in plain words. The same definitions sit behind the ⓘ next to a figure.")
query = st.text_input("Find a term", key="glossary_search", placeholder="e.g. Gini, NRR, potential")
shown = {term: text for term, text in GLOSSARY.items() if query.lower() in f"{term} {text}".lower()}
if not shown:
    st.info("No term matches; clear the search to see them all.")
for term, text in shown.items():
    with st.container(border=True):
        st.markdown(f"**{support.inert(term)}**")
        st.write(support.inert(text))
