"""Accounts: find one account by ID or name, or open a segment and see its accounts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import app_support as support
from segmentation.formatting import format_money, plural
from segmentation.vocabulary import label

ALL = 0
# The columns an account list shows first (those the file has); the criteria columns follow.
SHOWN = [
    "customer_id",
    "customer_name",
    "segment",
    "segment_name",
    "service_model",
    "revenue",
    "short_term_potential",
    "long_term_potential",
    "priority_score",
    "service_model_reason",
]

support.page_guard(__file__)
st.title("Accounts")
st.caption("Find an account by its ID or name, or pick a segment to see who is in it.")

result = support.analysis_or_stop()
customers = result.accounts  # the reasons are written for the rows shown only
segments = [ALL, *(p.id for p in result.segmentation.profiles)]
money = lambda value: format_money(value, result.currency, result.revenue_unit)  # noqa: E731

row = st.grid(3, min_column_width=260)  # the segment, then the search (two cells wide); stacked when narrow
with row.cell():
    # Bound to the address bar (?segment=2), so a link can open one segment's accounts.
    segment = st.selectbox(
        "Segment",
        segments,
        format_func=lambda i: "All segments" if i == ALL else f"{i}. {result.segment_names.get(i, i)}",
        key="segment",
        bind="query-params",
    )
with row.cell(column_span=2):
    query = st.text_input(
        "Search an account",
        key="account_search",
        placeholder="ID or name, e.g. ACC-00042 or Polar",
        help="Matches any part of the ID or the account name, ignoring case.",
    )

chosen = customers if segment == ALL else customers[customers["segment"] == segment]
if query.strip():
    needle = query.strip().lower()
    hit = chosen["customer_id"].astype("str").str.lower().str.contains(needle, regex=False)
    if result.has_account_names:
        hit |= chosen["customer_name"].astype("str").str.lower().str.contains(needle, regex=False)
    chosen = chosen[hit]

frame = pd.DataFrame(chosen).sort_values("revenue", ascending=False, kind="stable")
shown = result.reasons_at(frame.head(5000))
shown = shown[[c for c in SHOWN if c in shown.columns] + [c for c in shown.columns if c not in SHOWN]]
total = money(float(frame["revenue"].clip(lower=0).sum()))
st.markdown(
    f"**{plural(len(frame), 'account')}** "
    + ("in all segments" if segment == ALL else f"in segment {support.inert(result.segment_names.get(segment, ''))}")
    + f" · {support.inert(total)}"
)

if len(frame) == 1:
    account = shown.iloc[0]
    name = account.get("customer_name") or account["customer_id"]
    with st.container(border=True):
        st.subheader(support.inert(name))
        cols = st.grid(4, min_column_width=220)  # fewer a row when narrow
        cols.metric("Segment", support.inert(account["segment_name"]))
        cols.metric("Service model", support.inert(account["service_model"]))
        cols.metric(support.inert(result.revenue_unit), money(account["revenue"]))
        cols.metric("Long-term potential", money(account["long_term_potential"]))
        st.markdown(f"**Why this model:** {support.inert(account['service_model_reason'])}")
        drivers = str(result.potential.drivers_at(shown.index[:1].to_numpy())[0])
        if drivers:
            st.markdown(f"**What the potential rests on:** {support.inert(drivers)}")
        st.caption(
            f"ID {support.inert(account['customer_id'])} · "
            f"short-term potential {money(account['short_term_potential'])}"
            f" · priority {account['priority_score']:.0f} of 100"
        )
elif frame.empty:
    st.info("No account matches; check the spelling or search in all segments.")

labels = {column: label(column, header=True) for column in shown.columns}
labels.update({"customer_id": "ID", "customer_name": "Account", "segment": "#", "segment_name": "Segment"})
unit = result.revenue_unit
st.dataframe(
    shown,
    hide_index=True,
    column_config={
        **labels,
        "revenue": st.column_config.NumberColumn(unit, format="compact"),
        "short_term_potential": st.column_config.NumberColumn("Potential, 12 months", format="compact"),
        "long_term_potential": st.column_config.NumberColumn("Potential, long term", format="compact"),
        "priority_score": st.column_config.ProgressColumn("Priority", min_value=0, max_value=100, format="%.0f"),
        "service_model_reason": st.column_config.TextColumn("Why this model", width="large"),
    },
)
if len(frame) > 5000:
    st.caption(f"Showing the 5,000 largest of {plural(len(frame), 'account')}; the Share page downloads them all.")
