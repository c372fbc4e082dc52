"""Overview: what the studio does, one click to a complete analysis, and the headline numbers."""

from __future__ import annotations

import streamlit as st

import app_support as support
from segmentation.charts import NARROWEST_CHART
from segmentation.economics import charts as money_charts
from segmentation.formatting import format_count, format_money, format_share
from segmentation.narrative import ledger_reading, model_mix

support.page_guard(__file__)
st.title("Customer segmentation studio")
st.write(
    "Drop in the customer export from your CRM or billing system and see **who your customers are**, "
    "**where the money really comes from**, and **how each account should be served**."
)

# A row at the labels' own width that wraps onto the next line when the page is narrow (never "Analyse the s…").
start = st.container(horizontal=True)
if start.button("Analyse the sample accounts", key="home_sample_accounts", icon=":material/play_arrow:", wrap=True):
    support.use_sample("sample_accounts")
    st.rerun()
if start.button("Try the transactions sample", key="home_sample_invoices", icon=":material/receipt_long:", wrap=True):
    support.use_sample("sample_invoices")
    st.rerun()
# A button like the two beside it (a page link read as a link, not as the third way to start).
if start.button("Upload your own file", key="home_upload", icon=":material/upload_file:", wrap=True):
    st.switch_page("pages/data.py")

result = support.analysis_or_stop()

st.caption(f"Now showing: {support.file_label(support.current_file())}.")
metrics = result.concentration.metrics
money = lambda value: format_money(value, result.currency, result.revenue_unit)  # noqa: E731
# Five in a row on a wide page, fewer (and more rows) when a cell would be too narrow for its label.
cols = st.grid(5, min_column_width=180)
cols.metric("Customers", format_count(result.table.n_customers))
cols.metric(f"Total {support.inert(result.revenue_unit)}", format_money(metrics.total_revenue, result.currency))
cols.metric("Top 20% of customers hold", format_share(metrics.top_20pct_revenue_share))
cols.metric("Segments", len(result.segmentation.profiles))
high_touch = int((result.accounts["service_model"] == "high-touch").sum())
cols.metric("High-touch accounts", format_count(high_touch))

st.subheader("In one minute")
top = result.segmentation.profiles[0]
st.markdown(
    f"- **Who:** {len(result.segmentation.profiles)} segments; the one that earns most, "
    f"*{support.inert(top.name)}*, is {format_share(top.customer_share)} of customers and "
    f"{format_share(top.revenue_share)} of revenue.\n"
    f"- **Where the money is:** {support.inert(result.concentration.reading())}\n"
    f"- **How to serve them:** {support.inert(model_mix(result.service.overview))}"
)
charts = st.grid(2, min_column_width=NARROWEST_CHART)
support.draw(
    charts,
    result,
    "overview.pareto",
    lambda: money_charts.pareto(result.concentration, result.revenue_unit).properties(height=260),
)
support.draw(charts, result, "segment_shares", lambda: money_charts.segment_shares(result.economics))
nav = st.container(horizontal=True)
nav.page_link("pages/segments.py", label="Segments", icon=":material/category:")
nav.page_link("pages/concentration.py", label="Revenue concentration", icon=":material/payments:")
nav.page_link("pages/service_models.py", label="Service models", icon=":material/handshake:")
nav.page_link("pages/story.py", label="Story mode for a workshop", icon=":material/co_present:")

if result.table.ledger:
    st.info(f"{support.inert(ledger_reading(result.ledger_totals))} The Data page lists each with its reason.")
