"""Revenue concentration: how much of the money sits in how few customers, and which segments earn it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import app_support as support
from segmentation.charts import NARROWEST_CHART
from segmentation.economics import charts as money_charts
from segmentation.formatting import format_count, format_money, format_share

support.page_guard(__file__)
st.title("Revenue concentration")
st.caption("Where the company actually earns its money: the few customers and the segments that bring most of it.")

result = support.analysis_or_stop()
report = result.concentration
metrics = report.metrics
unit = result.revenue_unit
money = lambda value: format_money(value, result.currency, unit)  # noqa: E731

st.markdown(f"### {support.inert(report.reading())}")
cols = st.grid(6, min_column_width=160)  # fewer a row, never a value cut to "…"
cols.metric(
    f"Total {support.inert(unit)}",
    format_money(metrics.total_revenue, result.currency),
    help="Negative revenue counts as 0.",
)
cols.metric(
    "Top 20% hold",
    format_share(metrics.top_20pct_revenue_share),
    help="Share of revenue from the ⌈0.2·n⌉ customers with the most revenue.",
)
cols.metric(
    "80% comes from",
    format_share(metrics.customer_share_for_80pct_revenue),
    help="The smallest share of customers (largest first) that together bring 80% of revenue.",
)
cols.metric(f"Top {format_count(metrics.top_n)} hold", format_share(metrics.top_n_revenue_share))
cols.metric("Largest customer", format_share(metrics.largest_customer_share))
cols.metric(
    "Gini",
    f"{metrics.gini:.2f}",
    help="0 = every customer pays the same; close to 1 = one customer pays everything.",
)
st.caption(
    f"HHI (sum of squared revenue shares) {metrics.hhi:.4f}. Top {metrics.top_percent:g}% of customers: "
    f"{format_share(metrics.top_percent_revenue_share)}. Figures use all {format_count(metrics.customers)} "
    f"customers; the curves are drawn from at most {result.config.concentration.chart_points:,} points."
)
for note in report.notes:
    st.caption(f"ℹ️ {support.inert(note)}")

curves = st.grid(2, min_column_width=NARROWEST_CHART)
support.draw(curves, result, "pareto", lambda: money_charts.pareto(report, unit))
support.draw(curves, result, "lorenz", lambda: money_charts.lorenz(report))

# --- risk flags ----------------------------------------------------------------------------
st.subheader("Concentration risks")
triggered = [flag for flag in report.flags if flag.triggered]
if not triggered:
    st.success("No concentration flag is raised at the current thresholds.")
for flag in report.flags:
    if flag.triggered:
        st.warning(f"**{support.inert(flag.message)}** {support.inert(flag.why)}")
    else:
        st.caption(f"✓ {support.inert(flag.message)}")


def _views_and_thresholds() -> None:
    """Top N, top x%, the ABC classes and the four concentration flags."""
    row = list(st.columns(3))
    with row[0]:
        support.bound(st.number_input, "Top N customers", "concentration.top_n", min_value=1, max_value=1000, step=1)
    with row[1]:
        support.bound(
            st.slider, "Top x% of customers", "concentration.top_percent", min_value=1.0, max_value=50.0, step=1.0
        )
    with row[2]:
        support.bound(
            st.slider,
            "ABC: class A is the first … of revenue",
            "concentration.abc_a",
            min_value=0.5,
            max_value=0.9,
            step=0.05,
        )
        support.bound(
            st.slider,
            "ABC: class B goes up to …",
            "concentration.abc_b",
            min_value=0.8,
            max_value=0.99,
            step=0.01,
        )
    widgets = st.grid(4, min_column_width=200)  # fewer a row when narrow
    row = [widgets.cell() for _ in range(4)]
    with row[0]:
        support.bound(
            st.slider, "Flag one customer above", "concentration.flag_largest_customer", min_value=0.01, max_value=0.5
        )
    with row[1]:
        support.bound(st.slider, "Flag top N above", "concentration.flag_top_n", min_value=0.1, max_value=1.0)
    with row[2]:
        support.bound(st.slider, "Flag top x% above", "concentration.flag_top_percent", min_value=0.3, max_value=1.0)
    with row[3]:
        support.bound(st.slider, "Flag one segment above", "concentration.flag_segment", min_value=0.2, max_value=1.0)


support.lazy_expander("Adjust the views and thresholds", "concentration_views", _views_and_thresholds)

# --- ABC and top customers -----------------------------------------------------------------
SHARES = {
    "customer_share": st.column_config.NumberColumn("Share of customers", format="percent"),
    "revenue": st.column_config.NumberColumn(unit, format="compact"),
    "revenue_share": st.column_config.NumberColumn(f"Share of {unit}", format="percent"),
}
tables = st.grid(2, min_column_width=NARROWEST_CHART)
with tables.cell():
    st.subheader("ABC classes")
    st.dataframe(
        report.abc,
        hide_index=True,
        column_config=SHARES,
    )
    st.caption("A: the customers that bring the first share of revenue set above; B: up to 95%; C: the rest.")
with tables.cell():
    st.subheader(f"Top {format_count(metrics.top_n)} customers")
    st.dataframe(
        result.with_names(report.top_customers),
        hide_index=True,
        column_config={
            "revenue": st.column_config.NumberColumn(unit, format="compact"),
            "revenue_share": st.column_config.NumberColumn("Share", format="percent"),
            "cumulative_share": st.column_config.NumberColumn("Cumulative", format="percent"),
        },
    )

# --- segments ------------------------------------------------------------------------------
st.subheader("Which segments earn the money")
economics = result.economics
support.draw(st, result, "segment_shares", lambda: money_charts.segment_shares(economics))
st.dataframe(
    economics.frame,
    hide_index=True,
    column_config={
        **SHARES,
        "revenue_per_customer": st.column_config.NumberColumn(f"{unit} per customer", format="compact"),
        "share_ratio": st.column_config.NumberColumn(
            "Revenue share ÷ customer share", format="%.2f", help="Above 1: the segment earns more than its size."
        ),
        "churn_rate": st.column_config.NumberColumn("Churn rate", format="percent"),
        "gross_margin": st.column_config.NumberColumn("Gross margin", format="percent"),
        "net_revenue_retention": st.column_config.NumberColumn("Net revenue retention", format="percent"),
        "growth": st.column_config.NumberColumn("Growth", format="percent"),
    },
)
if economics.icp.get("sentence"):
    st.info(f"**Ideal customer profile.** {support.inert(economics.icp['sentence'])}")
for line in economics.missing:
    st.caption(f"Not shown: {support.inert(line)}")


def _money_columns() -> None:
    """The columns for churn, margin, acquisition cost and last year's revenue."""
    st.caption("Detected by name when left on 'detect'; pick the column your file uses for each.")
    candidates = [c for c in result.table.customers.columns if c not in ("customer_id", "revenue")]
    widgets = st.grid(4, min_column_width=200)  # fewer a row when narrow
    row = [widgets.cell() for _ in range(4)]
    for col, (path, label) in zip(
        row,
        [
            ("concentration.churn_column", "Churned (yes/no)"),
            ("concentration.margin_column", "Gross margin or cost to serve"),
            ("concentration.cac_column", "Acquisition cost (CAC)"),
            ("concentration.prior_revenue_column", "Revenue a year ago"),
        ],
        strict=True,
    ):
        with col:
            support.bound(
                st.selectbox,
                label,
                path,
                options=[None, *candidates],
                format_func=lambda v: "detect" if v is None else v,
            )


support.lazy_expander("Columns for churn, margin, acquisition cost and growth", "money_columns", _money_columns)

# --- inside a segment or a group -----------------------------------------------------------
st.subheader("Concentration inside a segment or a group")
inside_views = st.grid(2, min_column_width=NARROWEST_CHART)
with inside_views.cell():
    options = [p.id for p in result.segmentation.profiles]
    segment = st.selectbox(
        "Segment", options, format_func=lambda i: f"{i}. {result.segment_names[i]}", key="conc_segment"
    )
    inside = result.concentration_within(segment)
    seg_metrics = inside.metrics
    st.markdown(
        f"Within *{support.inert(result.segment_names.get(segment, segment))}* "
        f"({format_count(seg_metrics.customers)} customers): "
        f"the top 20% bring {format_share(seg_metrics.top_20pct_revenue_share)}, Gini {seg_metrics.gini:.2f}, "
        f"largest customer {format_share(seg_metrics.largest_customer_share)}."
    )
    support.draw(
        st, result, f"pareto_within.{segment}", lambda: money_charts.pareto(inside, unit).properties(height=240)
    )
with inside_views.cell():
    groupable = result.table.columns_with_role("categorical", "geographic", "boolean")
    support.bound(
        st.selectbox,
        "Break down by",
        "concentration.group_column",
        options=[None, *groupable],
        format_func=lambda v: "(choose a column)" if v is None else v,
    )
if report.by_group is not None and report.group_column:
    by_group, group_column = report.by_group, report.group_column
    support.draw(st, result, "group_shares", lambda: money_charts.group_shares(by_group, group_column))
    st.dataframe(pd.DataFrame(report.by_group), hide_index=True)
