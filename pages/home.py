"""Overview: what the studio does, one click to a complete analysis, and the headline numbers."""

from __future__ import annotations

import streamlit as st

import app_support as support
from segmentation.economics import charts as money_charts
from segmentation.formatting import format_count, format_money, format_share

support.page_guard(__file__)
st.title("Customer segmentation studio")
st.write(
    "Drop in the customer export from your CRM or billing system and see **who your customers are**, "
    "**where the money really comes from**, and **how each account should be served**."
)

start = st.columns(3)
if start[0].button(
    "Analyse the sample accounts", key="home_sample_accounts", icon=":material/play_arrow:", width="stretch"
):
    support.use_sample("sample_accounts")
    st.rerun()
if start[1].button(
    "Try the transactions sample", key="home_sample_invoices", icon=":material/receipt_long:", width="stretch"
):
    support.use_sample("sample_invoices")
    st.rerun()
start[2].page_link("pages/data.py", label="Upload your own file", icon=":material/upload_file:")

result = support.analysis()
if result is None:
    st.stop()

st.caption(f"Now showing: {support.file_label(support.current_file())}.")
metrics = result.concentration.metrics
money = lambda value: format_money(value, result.currency, result.revenue_unit)  # noqa: E731
cols = st.columns(5)
cols[0].metric("Customers", format_count(result.table.n_customers))
cols[1].metric(f"Total {support.inert(result.revenue_unit)}", format_money(metrics.total_revenue, result.currency))
cols[2].metric("Top 20% of customers hold", format_share(metrics.top_20pct_revenue_share))
cols[3].metric("Segments", len(result.segmentation.profiles))
high_touch = int((result.customers["service_model"] == "high-touch").sum())
cols[4].metric("High-touch accounts", format_count(high_touch))

st.subheader("In one minute")
top = result.segmentation.profiles[0]
models = {m["name"]: m for m in result.service_models_summary()}
st.markdown(
    f"- **Who:** {len(result.segmentation.profiles)} segments; the one that earns most, "
    f"*{support.inert(top.name)}*, is {format_share(top.customer_share)} of customers and "
    f"{format_share(top.revenue_share)} of revenue.\n"
    f"- **Where the money is:** the top 20% of customers bring {format_share(metrics.top_20pct_revenue_share)} "
    f"of revenue; 80% of revenue comes from {format_share(metrics.customer_share_for_80pct_revenue)} "
    f"of customers.\n"
    f"- **How to serve them:** {format_count(models['high-touch']['customers'])} high-touch, "
    f"{format_count(models['medium-touch']['customers'])} medium-touch and "
    f"{format_count(models['tech-touch']['customers'])} tech-touch accounts."
)
left, right = st.columns(2)
left.altair_chart(money_charts.pareto(result.concentration, result.revenue_unit).properties(width=420, height=260))
right.altair_chart(money_charts.segment_shares(result.economics).properties(width=420))
nav = st.columns(4)
nav[0].page_link("pages/segments.py", label="Segments", icon=":material/category:")
nav[1].page_link("pages/concentration.py", label="Revenue concentration", icon=":material/payments:")
nav[2].page_link("pages/service_models.py", label="Service models", icon=":material/handshake:")
nav[3].page_link("pages/story.py", label="Story mode for a workshop", icon=":material/co_present:")

if ledger := result.table.ledger:
    excluded = sum(e.rows for e in ledger if e.action == "excluded")
    changed = sum(e.rows for e in ledger if e.action != "excluded")
    st.info(
        f"{format_count(excluded)} rows were excluded and {format_count(changed)} changed while reading the file; "
        "the Data page lists each with its reason."
    )
