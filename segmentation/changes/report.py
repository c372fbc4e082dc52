"""The report's "What changed" section, rendered from the ``changes`` section of summary.json (all text escaped)."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from segmentation.changes.charts import change_charts
from segmentation.formatting import format_count, format_share

if TYPE_CHECKING:
    import altair as alt

    from segmentation.changes.result import ChangesResult

Render = Callable[[str, "alt.TopLevelMixin"], str]
"""Turns a named chart into inline SVG (the report's renderer, which gives each chart its own ids)."""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: Iterable[str], rows: Iterable[Iterable[object]], numeric: set[int]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td class='num'>{_e(v)}</td>" if i in numeric else f"<td>{_e(v)}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _share(value: float | None) -> str:
    return "–" if value is None else format_share(value)


def _bridge_rows(lines: list[dict[str, Any]], money: Callable[[float], str]) -> list[tuple[object, ...]]:
    return [
        (
            line["group"],
            money(line["start"]),
            money(line["new"]),
            money(line["expansion"]),
            money(-line["contraction"]),
            money(-line["churn"]),
            money(line["end"]),
            _share(line["nrr"]),
            _share(line["grr"]),
            format_count(line["lost_accounts"]),
        )
        for line in lines
    ]


BRIDGE_HEADERS = ["", "Start", "+ New", "+ Expansion", "− Contraction", "− Churn", "End", "NRR", "GRR", "Lost"]


def changes_html(changes: ChangesResult, summary: dict[str, Any], money: Callable[[float], str], render: Render) -> str:
    """Return the "What changed" section: headlines, the bridge, retention, moves, movers and drift."""
    data = summary["changes"]
    charts = {name: render(f"changes-{name}", chart) for name, chart in change_charts(changes).items()}
    chart = lambda name: f"<div class='chart' data-chart='changes-{name}'>{charts[name]}</div>"  # noqa: E731
    headlines = "".join(f"<li>{_e(sentence)}</li>" for sentence in data["headlines"])
    bridge = data["bridge"]
    cards = [
        ("NRR", _share(bridge["nrr"])),
        ("GRR", _share(bridge["grr"])),
        ("New accounts", format_count(bridge["new_accounts"])),
        ("Lost accounts", format_count(bridge["lost_accounts"])),
        ("Expanded", format_count(bridge["expanded_accounts"])),
        ("Contracted", format_count(bridge["contracted_accounts"])),
    ]
    metrics = "".join(f"<div class='metric'>{_e(label)}<b>{_e(value)}</b></div>" for label, value in cards)
    moves = _table(
        ["From", "To", "Accounts", "Revenue now"],
        [
            (m["from_name"], m["to_name"], format_count(m["accounts"]), money(m["revenue_after"]))
            for m in data["largest_moves"]
        ],
        {2, 3},
    )
    fresh = _table(
        ["Fresh segment", "Customers", "Matches earlier", "Overlap", "Name used"],
        [
            (
                f["fresh_name"],
                format_count(f["customers"]),
                f["earlier_name"] or "– (new segment)",
                _share(f["overlap"]),
                f["name"],
            )
            for f in data["fresh_segments"]
        ],
        {1, 3},
    )
    movers = []
    for kind, title in (("expanded", "expanded most"), ("contracted", "contracted most"), ("lost", "lost")):
        rows = data["largest_movers"].get(kind, [])[:10]
        if rows:
            movers.append(
                f"<h3>Largest accounts that {title}</h3>"
                + _table(
                    ["Account", "Before", "After", "Change", "Segment then"],
                    [
                        (
                            r["customer_id"],
                            money(r["revenue_before"]),
                            money(r["revenue_after"]),
                            money(r["revenue_change"]),
                            r["segment_name_before"],
                        )
                        for r in rows
                    ],
                    {1, 2, 3},
                )
            )
    drift = data["concentration"]
    drift_rows = [
        (label, fmt(drift["before"][key]), fmt(drift["after"][key]))
        for label, key, fmt in (
            ("Gini", "gini", lambda v: f"{v:.3f}"),
            ("Top 20% of customers' share", "top_20pct_revenue_share", _share),
            ("Share of customers holding 80%", "customer_share_for_80pct_revenue", _share),
            ("Top 10 customers' share", "top_10_customers_revenue_share", _share),
            ("Customers", "customers", format_count),
        )
    ]
    models = data["service_models"]
    model_text = (
        f"{format_count(models['moved_up'])} continuing accounts now warrant more touch and "
        f"{format_count(models['moved_down'])} less; {format_count(models['unchanged'])} keep their model."
    )
    if models["served_column"]:
        model_text += (
            f" Against how they are served today, {format_count(models['served_under'])} are served lighter and "
            f"{format_count(models['served_over'])} heavier than the new plan recommends."
        )
    notes = "".join(f"<li>{_e(n)}</li>" for n in data["notes"])
    return (
        f"<h2>What changed: {_e(data['before']['label'])} → {_e(data['after']['label'])}</h2>"
        f"<div class='metrics'>{metrics}</div><ul class='findings'>{headlines}</ul>"
        + chart("bridge")
        + "<h3>Bridge and retention by segment (accounts counted where they started; new ones where they landed)</h3>"
        + _table(BRIDGE_HEADERS, _bridge_rows([bridge, *data["by_segment"]], money), set(range(1, 10)))
        + "<h3>By service model</h3>"
        + _table(BRIDGE_HEADERS, _bridge_rows(data["by_service_model"], money), set(range(1, 10)))
        + "<h3>Who moved between segments</h3>"
        + chart("migration_accounts")
        + moves
        + "<h3>A fresh segmentation of the newer data, matched to the earlier segments</h3>"
        + fresh
        + "<h3>Service models</h3>"
        + f"<p>{_e(model_text)}</p>"
        + "".join(movers)
        + "<h3>Concentration then and now</h3>"
        + _table(["Measure", "Then", "Now"], drift_rows, {1, 2})
        + f"<ul class='plain muted'>{notes}</ul>"
    )
