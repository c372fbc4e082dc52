"""Charts of the service plan: the policy grid, capacity use, and revenue against potential.

Every chart is drawn from aggregated data (nine grid cells, three models) or a seeded sample
of at most `max_points` customers, so it stays light whatever the number of customers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from segmentation.charts import cell_ink_colour
from segmentation.formatting import plural
from segmentation.service.settings import SERVICE_MODELS, TIERS

if TYPE_CHECKING:
    from segmentation.service.policy import ServicePlan

WIDTH = 420
HEIGHT = 320
MODEL_COLOURS = ["#1b5e20", "#f9a825", "#90a4ae"]
"""High-, medium- and tech-touch colours (dark green, amber, grey)."""
MODEL_INK = ["white", "black", "black"]
"""The text colour on each model's tile: white on the dark green, black on amber and grey."""

_TIER_LABELS = {"high": "High", "mid": "Middle", "low": "Low"}


def _model_scale() -> alt.Scale:
    return alt.Scale(domain=list(SERVICE_MODELS), range=MODEL_COLOURS)


def service_grid(plan: ServicePlan) -> alt.LayerChart:
    """3×3 grid of current-revenue tier × potential tier, coloured by the policy's model, with counts and revenue."""
    cells = plan.grid_frame()
    cells["arr_label"] = cells["arr_tier"].map(_TIER_LABELS)
    cells["potential_label"] = cells["potential_tier"].map(_TIER_LABELS)
    # The counts are the plan after pins, capacity and budget (the same as the cards and lists), not the
    # grid's wish: a cell whose accounts fell to a lighter model says how many each model serves.
    served = cells[[f"{m}_customers" for m in SERVICE_MODELS]].to_numpy()
    cells["label"] = [
        f"{model}\n"
        + (
            plural(customers, "customer")
            if counts[list(SERVICE_MODELS).index(model)] == customers
            else " · ".join(f"{c:,} {m.split('-')[0]}" for m, c in zip(SERVICE_MODELS, counts, strict=True) if c)
        )
        for model, customers, counts in zip(cells["model"], cells["customers"], served, strict=True)
    ]
    cells["ink"] = cells["model"].map(dict(zip(SERVICE_MODELS, MODEL_INK, strict=True)))
    unit = plan.revenue_unit
    order = [_TIER_LABELS[t] for t in TIERS]
    base = alt.Chart(cells).encode(
        x=alt.X("potential_label:N", title="Potential tier", sort=order[::-1]),
        y=alt.Y("arr_label:N", title=f"Current {unit} tier", sort=order),
    )
    tiles = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("model:N", title="Service model", scale=_model_scale()),
        tooltip=[
            alt.Tooltip("arr_label:N", title=f"{unit} tier"),
            alt.Tooltip("potential_label:N", title="Potential tier"),
            alt.Tooltip("model:N", title="Policy"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
            alt.Tooltip("revenue:Q", title=unit, format=",.0f"),
            alt.Tooltip("high-touch_customers:Q", title="Now high-touch", format=","),
            alt.Tooltip("medium-touch_customers:Q", title="Now medium-touch", format=","),
            alt.Tooltip("tech-touch_customers:Q", title="Now tech-touch", format=","),
        ],
    )
    text = base.mark_text(fontSize=12, lineBreak="\n").encode(text="label:N", color=cell_ink_colour())
    return (tiles + text).properties(
        width=WIDTH, height=HEIGHT, title=f"Service policy: current {unit} tier × potential tier"
    )


def capacity(plan: ServicePlan) -> alt.LayerChart:
    """Accounts that call for each model (demand) against the places the CSM team has (capacity)."""
    rows = []
    for model in SERVICE_MODELS:
        entry = plan.capacity[model]
        rows.append(
            {
                "model": model,
                "demand": entry.demand,
                "served": entry.used,
                "capacity": entry.capacity,
                "spilled": entry.spilled,
                "headcount_for_demand": entry.csms_for_demand,
            }
        )
    data = pd.DataFrame(rows)
    # every model's name shown (Vega hides overlapping labels by default, which dropped "medium-touch")
    axis = alt.Axis(labelOverlap=False, labelLimit=160)
    base = alt.Chart(data).encode(y=alt.Y("model:N", title=None, sort=list(SERVICE_MODELS), axis=axis))
    tooltip = [
        alt.Tooltip("model:N", title="Model"),
        alt.Tooltip("demand:Q", title="Accounts calling for it", format=","),
        alt.Tooltip("served:Q", title="Accounts served", format=","),
        alt.Tooltip("capacity:Q", title="Places (no limit if blank)", format=","),
        alt.Tooltip("spilled:Q", title="Fell to the next model", format=","),
        alt.Tooltip("headcount_for_demand:Q", title="CSMs needed for all demand", format=","),
    ]
    demand = base.mark_bar(opacity=0.35).encode(
        x=alt.X("demand:Q", title="Accounts"),
        color=alt.Color("model:N", scale=_model_scale(), legend=None),
        tooltip=tooltip,
    )
    served = base.mark_bar(height=10).encode(
        x="served:Q", color=alt.Color("model:N", scale=_model_scale(), legend=None), tooltip=tooltip
    )
    limit = (
        alt.Chart(data.dropna(subset=["capacity"]))
        .mark_tick(color="#d62728", thickness=3, size=30)
        .encode(y=alt.Y("model:N", sort=list(SERVICE_MODELS)), x="capacity:Q", tooltip=tooltip)
    )
    title = alt.Title("Capacity by model", subtitle="pale: accounts calling for it · solid: served · red: places")
    return (demand + served + limit).properties(width=WIDTH, height=160, title=title)


def potential_scatter(frame: pd.DataFrame, max_points: int = 3000, unit: str = "revenue") -> alt.Chart:
    """Current revenue against long-term potential per customer (log scales), coloured by model, sampled.

    `frame` needs revenue, long_term_potential and service_model (customers.csv has them); a
    customer_id column is shown in tooltips when present.
    """
    columns = [
        c for c in ("customer_id", "segment_name", "revenue", "long_term_potential", "service_model") if c in frame
    ]
    data = frame[columns]
    data = data[(data["revenue"] > 0) & (data["long_term_potential"] > 0)]
    sampled = len(data) > max_points
    if sampled:
        data = data.sample(n=max_points, random_state=0).sort_index()
    tooltip = [
        alt.Tooltip(f"{c}:N", title=c.replace("_", " ").capitalize())
        for c in ("customer_id", "segment_name")
        if c in data
    ]
    tooltip += [
        alt.Tooltip("revenue:Q", title=f"Current {unit}", format=",.0f"),
        alt.Tooltip("long_term_potential:Q", title="Long-term potential", format=",.0f"),
        alt.Tooltip("service_model:N", title="Service model"),
    ]
    title = f"Current {unit} against long-term potential" + (f" ({max_points:,} customers sampled)" if sampled else "")
    return (
        alt.Chart(data)
        .mark_circle(size=22, opacity=0.6)
        .encode(
            x=alt.X("revenue:Q", title=f"Current {unit}", scale=alt.Scale(type="log")),
            y=alt.Y("long_term_potential:Q", title="Long-term potential", scale=alt.Scale(type="log")),
            color=alt.Color("service_model:N", title="Service model", scale=_model_scale()),
            tooltip=tooltip,
        )
        .properties(width=WIDTH, height=HEIGHT, title=title)
    )
