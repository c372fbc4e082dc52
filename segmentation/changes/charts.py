"""Charts of what changed: the bridge waterfall and the migration heat-map (aggregated data only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from segmentation.charts import cell_ink, cell_ink_colour
from segmentation.formatting import format_money

if TYPE_CHECKING:
    from segmentation.changes.bridge import BridgeLine
    from segmentation.changes.result import ChangesResult

WIDTH = 560
HEIGHT = 320
STEP_COLOURS = {"total": "#2f5da8", "up": "#2ca02c", "down": "#d62728"}


def waterfall_frame(line: BridgeLine, currency: str) -> pd.DataFrame:
    """Return the waterfall's six bars: step, kind (total/up/down), bar start and end, amount and its text."""
    steps = [
        ("Start", "total", line.start),
        ("+ New", "up", line.new),
        ("+ Expansion", "up", line.expansion),
        ("− Contraction", "down", -line.contraction),
        ("− Churn", "down", -line.churn),
        ("End", "total", line.end),
    ]
    rows = []
    level = 0.0
    for order, (step, kind, amount) in enumerate(steps):
        if kind == "total":
            low, high, level = 0.0, amount, amount
        else:
            low, high = sorted((level, level + amount))
            level += amount
        rows.append(
            {
                "order": order,
                "step": step,
                "kind": kind,
                "low": low,
                "high": high,
                "amount": amount,
                "label": format_money(amount, currency, None),
            }
        )
    return pd.DataFrame(rows)


def bridge_waterfall(changes: ChangesResult, line: BridgeLine | None = None) -> alt.LayerChart:
    """The bridge as a waterfall: start → + new, + expansion, − contraction, − churn → end."""
    line = line or changes.bridge
    frame = waterfall_frame(line, changes.currency)
    order = frame["step"].tolist()
    base = alt.Chart(frame).encode(
        x=alt.X("step:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
    )
    bars = base.mark_bar(size=46).encode(
        y=alt.Y("low:Q", title=changes.revenue_unit, axis=alt.Axis(format="~s")),
        y2="high:Q",
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=list(STEP_COLOURS), range=list(STEP_COLOURS.values())),
            legend=None,
        ),
        tooltip=[alt.Tooltip("step:N", title="Step"), alt.Tooltip("label:N", title="Amount")],
    )
    text = base.mark_text(dy=-8, fontWeight="bold").encode(y="high:Q", text="label:N")
    nrr = "–" if line.nrr is None else f"{line.nrr:.0%}"
    return (bars + text).properties(
        width=WIDTH, height=HEIGHT, title=f"{line.group}: {changes.revenue_unit} bridge (NRR {nrr})"
    )


def migration_heatmap(changes: ChangesResult, measure: str = "accounts") -> alt.LayerChart:
    """Accounts (or `revenue_after`) from each earlier segment (rows) to each current one (columns)."""
    frame = changes.migration.copy()
    frame["from"] = frame["from_segment_name"]
    frame["to"] = frame["to_segment_name"]
    rows = list(dict.fromkeys(frame["from"]))
    columns = list(dict.fromkeys(frame["to"]))
    title = "Accounts" if measure == "accounts" else f"{changes.revenue_unit} now"
    frame["text"] = (
        frame[measure].map(lambda v: f"{int(v):,}")
        if measure == "accounts"
        else frame[measure].map(lambda v: format_money(v, changes.currency))
    )
    frame["ink"] = cell_ink(frame[measure])
    base = alt.Chart(frame).encode(
        x=alt.X("to:N", sort=columns, title="Segment now (earlier segments applied as saved)"),
        y=alt.Y("from:N", sort=rows, title="Segment then"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{measure}:Q", title=title, scale=alt.Scale(scheme="blues")),
        tooltip=[
            alt.Tooltip("from:N", title="Then"),
            alt.Tooltip("to:N", title="Now"),
            alt.Tooltip("accounts:Q", title="Accounts", format=","),
            alt.Tooltip("revenue_before:Q", title="Revenue then", format=",.0f"),
            alt.Tooltip("revenue_after:Q", title="Revenue now", format=",.0f"),
        ],
    )
    text = base.mark_text(fontSize=12).encode(text="text:N", color=cell_ink_colour())
    return (cells + text).properties(width=WIDTH, height=HEIGHT, title=f"Who moved: {title.lower()} then → now")


def change_charts(changes: ChangesResult) -> dict[str, alt.TopLevelMixin]:
    """Return the comparison's charts by name, in reading order."""
    return {
        "bridge": bridge_waterfall(changes),
        "migration_accounts": migration_heatmap(changes, "accounts"),
        "migration_revenue": migration_heatmap(changes, "revenue_after"),
    }
