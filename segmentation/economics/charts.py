"""Charts of where the money is: Pareto, Lorenz, revenue share against customer share.

Every chart is drawn from pre-aggregated points (at most `ConcentrationSettings.chart_points`),
so it stays light whatever the number of customers.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from segmentation.economics.concentration import ConcentrationReport
from segmentation.economics.segments import SegmentEconomics
from segmentation.formatting import format_share

WIDTH = 560
HEIGHT = 320


def pareto(report: ConcentrationReport, unit: str = "revenue") -> alt.LayerChart:
    """Customers ranked by revenue against the cumulative share of revenue, with the 20% mark."""
    points = report.pareto
    top = report.metrics.top_20pct_revenue_share
    curve = (
        alt.Chart(points)
        .mark_area(line={"color": "#1f77b4"}, color="#1f77b4", opacity=0.25)
        .encode(
            x=alt.X("customer_share:Q", title="Share of customers (largest first)", axis=alt.Axis(format="%")),
            y=alt.Y("revenue_share:Q", title=f"Cumulative share of {unit}", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("customer_share:Q", title="Customers", format=".1%"),
                alt.Tooltip("revenue_share:Q", title=f"Share of {unit}", format=".1%"),
            ],
        )
    )
    mark = pd.DataFrame({"customer_share": [0.2], "revenue_share": [top], "label": [f"Top 20% → {format_share(top)}"]})
    rule = alt.Chart(mark).mark_rule(color="#d62728", strokeDash=[4, 4]).encode(x="customer_share:Q")
    dot = (
        alt.Chart(mark)
        .mark_point(color="#d62728", filled=True, size=80)
        .encode(x="customer_share:Q", y="revenue_share:Q")
    )
    text = (
        alt.Chart(mark)
        .mark_text(align="left", dx=8, dy=12, color="#d62728", fontWeight="bold")
        .encode(x="customer_share:Q", y="revenue_share:Q", text="label:N")
    )
    return (curve + rule + dot + text).properties(
        width=WIDTH, height=HEIGHT, title=f"Pareto: how much {unit} the largest customers bring"
    )


def lorenz(report: ConcentrationReport) -> alt.LayerChart:
    """The Lorenz curve with the line of equality; the title carries the Gini coefficient."""
    points = report.lorenz
    curve = (
        alt.Chart(points)
        .mark_line(color="#1f77b4", strokeWidth=2)
        .encode(
            x=alt.X("customer_share:Q", title="Share of customers (smallest first)", axis=alt.Axis(format="%")),
            y=alt.Y("revenue_share:Q", title="Cumulative share of revenue", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("customer_share:Q", title="Customers", format=".1%"),
                alt.Tooltip("revenue_share:Q", title="Revenue", format=".1%"),
            ],
        )
    )
    equality = (
        alt.Chart(pd.DataFrame({"customer_share": [0.0, 1.0], "revenue_share": [0.0, 1.0]}))
        .mark_line(color="#999999", strokeDash=[4, 4])
        .encode(x="customer_share:Q", y="revenue_share:Q")
    )
    return (equality + curve).properties(
        width=WIDTH, height=HEIGHT, title=f"Lorenz curve: Gini {report.metrics.gini:.2f} (0 = equal, 1 = one customer)"
    )


def segment_shares(economics: SegmentEconomics) -> alt.Chart:
    """Customer share and revenue share side by side for each segment."""
    frame = economics.frame
    long = pd.concat(
        [
            pd.DataFrame(
                {"Segment": frame["segment_name"], "measure": "Share of customers", "share": frame["customer_share"]}
            ),
            pd.DataFrame(
                {"Segment": frame["segment_name"], "measure": "Share of revenue", "share": frame["revenue_share"]}
            ),
        ],
        ignore_index=True,
    )
    order = frame["segment_name"].tolist()
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("Segment:N", sort=order, title=None),
            yOffset=alt.YOffset("measure:N"),
            x=alt.X("share:Q", title="Share", axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(range=["#9ecae1", "#08519c"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["Segment:N", "measure:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=WIDTH, title="Revenue share against customer share, per segment")
    )


def group_shares(frame: pd.DataFrame, column: str) -> alt.Chart:
    """Revenue share and customer share per value of a chosen column (largest 15 by revenue)."""
    top = frame.head(15)
    long = pd.concat(
        [
            pd.DataFrame({column: top[column], "measure": "Share of customers", "share": top["customer_share"]}),
            pd.DataFrame({column: top[column], "measure": "Share of revenue", "share": top["revenue_share"]}),
        ],
        ignore_index=True,
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y(f"{column}:N", sort=top[column].tolist(), title=column),
            yOffset=alt.YOffset("measure:N"),
            x=alt.X("share:Q", title="Share", axis=alt.Axis(format="%")),
            color=alt.Color("measure:N", title=None, scale=alt.Scale(range=["#9ecae1", "#08519c"])),
            tooltip=[f"{column}:N", "measure:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=WIDTH, title=f"Revenue share against customer share by {column}")
    )
