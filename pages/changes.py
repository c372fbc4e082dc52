"""Changes over time: what changed since the earlier snapshot — the ARR bridge, retention, who moved, the movers."""

from __future__ import annotations

import streamlit as st

import app_support as support
from segmentation.changes.charts import bridge_waterfall, migration_heatmap
from segmentation.changes.export import changes_csv, migration_csv
from segmentation.charts import fit_to_width
from segmentation.formatting import format_count, format_money, format_share

MODES = {"file": "An earlier export", "analysis": "An earlier analysis's files", "periods": "Two periods of this file"}


support.page_guard(__file__)
st.title("Changes over time")
st.caption(
    "What changed since the last review: which accounts grew, shrank or left, net and gross revenue retention, "
    "and who moved between segments and service models."
)
if st.button("Load the sample pair (last quarter → this quarter)", key="changes_sample_pair", wrap=True):
    support.use_sample_pair()
    st.rerun()
result = support.analysis_or_stop()

options = list(MODES)
if result.table.grain != "transactions":
    options.remove("periods")
mode = st.radio("Compare the current file with", options, format_func=MODES.get, key="changes_mode", horizontal=True)
if mode == "file":
    upload = st.file_uploader("The earlier export of the same accounts", key="changes_upload")
    if upload is not None:
        support.use_earlier([(upload.name, upload.getvalue())])
elif mode == "analysis":
    uploads = st.file_uploader(
        "customers.csv, summary.json and segment_model.json of an earlier analysis",
        key="changes_upload_analysis",
        accept_multiple_files=True,
    )
    if uploads:
        support.use_earlier([(u.name, u.getvalue()) for u in uploads])
else:
    support.bound(
        st.number_input,
        "Months per period (0 = 12 when the file covers two years, else the longest that fits)",
        "changes.period_months",
        to_widget=lambda v: v or 0,
        from_widget=lambda v: int(v) or None,
        min_value=0,
        max_value=120,
        step=1,
    )
earlier = support.earlier_files()
if earlier and mode != "periods":
    st.caption(
        f"Earlier: {support.inert(', '.join(f.name for f in earlier))} · now: {support.inert(result.table.source_name)}"
    )

changes = support.changes(mode)
if changes is None:
    st.stop()

money = lambda value: format_money(value, changes.currency, changes.revenue_unit)  # noqa: E731
bridge = changes.bridge
st.subheader(f"{support.inert(changes.before_label)} → {support.inert(changes.after_label)}")
st.markdown("\n".join(f"- {support.inert(sentence)}" for sentence in changes.headlines))
cols = st.grid(6, min_column_width=160)  # fewer a row when narrow, never a value cut to "…"
cols.metric("NRR", format_share(bridge.nrr), help="(start + expansion − contraction − churn) ÷ start, cohort only.")
cols.metric("GRR", format_share(bridge.grr), help="(start − contraction − churn) ÷ start; at most 100%.")
cols.metric(f"{support.inert(changes.revenue_unit)} then", money(bridge.start))
cols.metric(f"{support.inert(changes.revenue_unit)} now", money(bridge.end))
cols.metric("New accounts", format_count(bridge.new_accounts))
cols.metric("Lost accounts", format_count(bridge.lost_accounts))

st.subheader("The bridge")
groups = {line.group: line for line in [bridge, *changes.by_segment, *changes.by_service_model]}
chosen = st.selectbox("Bridge of", list(groups), key="changes_bridge_group")
st.altair_chart(fit_to_width(bridge_waterfall(changes, groups[chosen])), width="stretch")
money_column = st.column_config.NumberColumn(format="%,.0f")
share_column = st.column_config.NumberColumn(format="percent")
table_config = {
    "start": money_column,
    "new": money_column,
    "expansion": money_column,
    "contraction": money_column,
    "churn": money_column,
    "end": money_column,
    "now": money_column,
    "nrr": share_column,
    "grr": share_column,
}
st.markdown("**Retention by segment** (accounts counted where they started; new ones where they landed)")
st.dataframe(changes.bridge_table("segment"), hide_index=True, column_config=table_config)
st.markdown("**Retention by service model**")
st.dataframe(changes.bridge_table("service_model"), hide_index=True, column_config=table_config)

st.subheader("Who moved between segments")
measure = st.radio(
    "Show",
    ["accounts", "revenue_after"],
    format_func={"accounts": "Accounts", "revenue_after": "Revenue now"}.get,
    key="changes_migration_measure",
    horizontal=True,
)
st.altair_chart(fit_to_width(migration_heatmap(changes, measure)), width="stretch")
st.caption(
    "Segments now are the earlier segments applied to the new data as they were saved, so a segment means the "
    "same thing at both dates."
)
st.dataframe([m.to_dict() for m in changes.moves], hide_index=True)
st.markdown("**A fresh segmentation of the newer data, matched to the earlier segments**")
st.dataframe([m.to_dict() for m in changes.fresh_segments], hide_index=True)

st.subheader("Accounts that changed")
kind = st.selectbox("Largest movers", ["expanded", "contracted", "lost", "new"], key="changes_movers_kind")
st.dataframe(changes.movers[kind], hide_index=True)
models = changes.service_models
st.markdown(
    f"**Service models:** {format_count(models.moved_up)} continuing accounts now warrant more touch, "
    f"{format_count(models.moved_down)} less."
    + (
        f" Against how they are served today: {format_count(models.served_under)} served lighter, "
        f"{format_count(models.served_over)} heavier than recommended."
        if models.served_column
        else ""
    )
)
drift = changes.concentration
st.markdown(
    f"**Concentration:** top-10 share {format_share(drift.before.top_10_customers_revenue_share)} → "
    f"{format_share(drift.after.top_10_customers_revenue_share)}, top-20% share "
    f"{format_share(drift.before.top_20pct_revenue_share)} → "
    f"{format_share(drift.after.top_20pct_revenue_share)}, "
    f"Gini {drift.before.gini:.2f} → {drift.after.gini:.2f}."
)
saves = st.grid(2, min_column_width=300)
saves.download_button(
    "Download every account's change (changes.csv)",
    changes_csv(changes),
    "changes.csv",
    "text/csv",
    key="changes_download_accounts",
    on_click="ignore",
    wrap=True,
)
saves.download_button(
    "Download the migration matrix (migration.csv)",
    migration_csv(changes),
    "migration.csv",
    "text/csv",
    key="changes_download_migration",
    on_click="ignore",
    wrap=True,
)
for note in changes.notes:
    st.caption(f"ℹ️ {support.inert(note)}")
