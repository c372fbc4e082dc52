"""The offline HTML report: one self-contained file, charts embedded as SVG, no network request.

Every number is read from `AnalysisResult.summary()`, the same data written to summary.json, so
the report and the JSON always agree. All user text goes through `html.escape`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any

import altair as alt

from segmentation import __version__
from segmentation.charts import report_charts, to_svg
from segmentation.config import AnalysisConfig
from segmentation.formatting import format_count, format_money, format_share
from segmentation.narrative import LedgerTotals, ledger_reading, model_mix, pareto_reading
from segmentation.result import AnalysisResult
from segmentation.segments.settings import METHOD_LABELS

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2733;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px 32px 64px;background:#fff}
h1{font-size:28px;margin:8px 0 4px}h2{font-size:21px;margin:36px 0 12px;border-bottom:2px solid #2f5da8;
padding-bottom:4px}h3{font-size:16px;margin:0 0 6px}.muted{color:#5b6675;font-size:13px}
.findings li{margin:6px 0;font-size:16px}.metrics{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.metric{border:1px solid #d8dde5;border-radius:8px;padding:10px 14px;min-width:150px}
.metric b{display:block;font-size:22px}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));
gap:14px}.card{border:1px solid #d8dde5;border-radius:8px;padding:14px}.card p{margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}th,td{border-bottom:1px solid #e3e7ee;
padding:5px 8px;text-align:left;vertical-align:top}th{background:#f0f3f8}td.num{text-align:right;white-space:nowrap}
.chart{margin:12px 0;overflow-x:auto}.flag{background:#fff4e5;border-left:4px solid #e08a00;padding:6px 10px;
margin:6px 0}pre{background:#f3f5f8;padding:10px;overflow:auto;font-size:12px;max-height:420px}
ul.plain{padding-left:18px}
"""


def build_report(result: AnalysisResult, *, charts: dict[str, alt.TopLevelMixin] | None = None) -> str:
    """Return the report as one HTML document (UTF-8 text) that opens offline in any browser."""
    summary = result.summary()
    currency = result.currency
    unit = result.revenue_unit
    rendered = {name: _own_ids(name, to_svg(chart)) for name, chart in (charts or report_charts(result)).items()}
    money = _money(currency, unit)
    title = result.config.report.title
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p class='muted'>{_e(summary['input']['file'])} · {format_count(summary['input']['customers'])} customers "
        f"· revenue is {_e(unit)}{' in ' + _e(currency) if currency else ''}"
        f"{' over the ' + _e(result.table.revenue_window) if result.table.revenue_window else ''} "
        f"· made with segmentation-studio {_e(__version__)}</p>",
        _headline(result, summary, money),
        _changes_section(result, summary, money),
        _segments_section(result, summary, money, rendered),
        _concentration_section(summary, money, rendered),
        _service_section(result, summary, money, rendered),
        _data_section(result, summary),
        _settings_section(summary),
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
        + "\n".join(body)
        + "</main></body></html>"
    )


_SVG_ID = re.compile(r'\bid="([^"]+)"')


def _own_ids(name: str, svg: str) -> str:
    """Give the ids inside one chart's SVG names of its own (``pareto-1`` …).

    The renderer numbers gradients and clip paths per process, so two charts inlined in one page
    could point at each other's definitions, and the same report built twice would differ.
    """
    ids = list(dict.fromkeys(_SVG_ID.findall(svg)))
    for number, old in enumerate(ids, start=1):
        new = f"{name}-{number}"
        svg = (
            svg.replace(f'id="{old}"', f'id="{new}"').replace(f"#{old})", f"#{new})").replace(f'"#{old}"', f'"#{new}"')
        )
    return svg


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _money(currency: str, unit: str) -> Any:
    def money(value: float | None) -> str:
        return "–" if value is None else format_money(float(value), currency, unit)

    return money


def _chart(rendered: dict[str, str], name: str) -> str:
    svg = rendered.get(name)
    return f"<div class='chart' data-chart='{_e(name)}'>{svg}</div>" if svg else ""


def _table(headers: Iterable[str], rows: Iterable[Iterable[object]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    lines = []
    for row in rows:
        cells = "".join(
            f"<td class='num'>{_e(v)}</td>" if i in numeric else f"<td>{_e(v)}</td>" for i, v in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _headline(result: AnalysisResult, summary: dict[str, Any], money: Any) -> str:
    conc = summary["concentration"]
    n = summary["input"]["customers"]
    segments = summary["segments"]
    window = summary["input"].get("revenue_window") or ""
    churned = summary["input"].get("churned") or {}
    findings = [
        f"{format_count(n)} customers bring {money(conc['total_revenue'])} in all"
        + (f" ({window})." if window else "."),
        pareto_reading(result.concentration.metrics, with_gini=True),
    ]
    if segments:
        top = segments[0]
        findings.append(
            f"The segment that earns most, “{top['name']}”, is {format_share(top['customer_share'])} of customers "
            f"and {format_share(top['revenue_share'])} of revenue."
        )
    findings.append(model_mix(result.service.overview, money))
    losing = summary.get("economics", {}).get("loss_making") or {}
    if losing.get("customers"):
        findings.append(
            f"{format_count(losing['customers'])} accounts lose money (together a gross profit of "
            f"{format_money(losing['gross_profit'], result.currency)} on "
            f"{format_money(losing['revenue'], result.currency)} of revenue): "
            "check their price or cost to serve before serving them more."
        )
    if churned.get("customers"):
        findings.append(
            f"{format_count(churned['customers'])} churned or ended accounts are kept out of these figures; "
            f"they took {money(churned.get('revenue', 0.0))} with them."
        )
    flags = [flag for flag in conc.get("risk_flags", []) if flag.get("triggered", True)]
    if summary.get("segmentation", {}).get("rough_guide"):  # said where the segments are first named
        flags.append({"message": summary["segmentation"].get("stability_words", "")})
    items = "".join(f"<li>{_e(f)}</li>" for f in findings)
    flag_html = "".join(f"<div class='flag'>{_e(w)}</div>" for w in summary["input"].get("warnings", []))
    flag_html += "".join(f"<div class='flag'>{_e(flag.get('message', flag))}</div>" for flag in flags)
    metrics = [
        ("Customers", format_count(n)),
        (f"Total {result.revenue_unit}", money(conc["total_revenue"])),
        ("Top 20% share", format_share(conc["top_20pct_revenue_share"])),
        ("Gini", f"{conc['gini']:.2f}"),
        ("Segments", str(len(segments))),
    ]
    cards = "".join(f"<div class='metric'>{_e(label)}<b>{_e(value)}</b></div>" for label, value in metrics)
    return f"<h2>Headline findings</h2><div class='metrics'>{cards}</div><ul class='findings'>{items}</ul>{flag_html}"


def _changes_section(result: AnalysisResult, summary: dict[str, Any], money: Any) -> str:
    """The "What changed" section when the result compares two dates (else nothing)."""
    if result.changes is None:
        return ""
    from segmentation.changes.report import changes_html  # noqa: PLC0415

    return changes_html(result.changes, summary, money, lambda name, chart: _own_ids(name, to_svg(chart)))


def _stability_html(segmentation: dict[str, Any]) -> str:
    """Return why this number of segments and how far they hold; a flag when they are a rough guide."""
    why = segmentation.get("k_reason") or ""
    words = segmentation.get("stability_words") or ""
    html = f"<p>{_e(why)}</p>" if why else ""
    if words:
        html += f"<div class='flag'>{_e(words)}</div>" if segmentation.get("rough_guide") else f"<p>{_e(words)}</p>"
    return html


def _segments_section(result: AnalysisResult, summary: dict[str, Any], money: Any, rendered: dict[str, str]) -> str:
    playbooks = _playbooks(summary)
    segment_notes = summary.get("service", {}).get("segment_playbooks") or {}
    cards = []
    for segment in summary["segments"]:
        mix = segment.get("service_model", {})
        dominant = max(mix, key=mix.get) if mix else None
        playbook = playbooks.get(dominant or "", "")
        cards.append(
            "<div class='card'>"
            f"<h3>{_e(segment['id'])}. {_e(segment['name'])}</h3>"
            f"<p class='muted'>{format_count(segment['customers'])} customers "
            f"({format_share(segment['customer_share'])}) · {money(segment['revenue'])} "
            f"({format_share(segment['revenue_share'])} of revenue)</p>"
            f"<p>{_e(segment.get('description', ''))}</p>"
            + (
                "<p class='muted'>Service models: "
                + ", ".join(f"{_e(k)} {format_count(v)}" for k, v in mix.items() if v)
                + "</p>"
                if mix
                else ""
            )
            + (f"<p><b>Playbook ({_e(dominant)}):</b> {_e(playbook)}</p>" if playbook else "")
            + (f"<p><b>For this segment:</b> {_e(note)}</p>" if (note := segment_notes.get(str(segment["id"]))) else "")
            + "</div>"
        )
    rules = summary.get("segmentation", {}).get("rules") or []
    rules_html = ""
    if rules:
        names = {segment["id"]: segment["name"] for segment in summary["segments"]}
        rule_items = "".join(
            f"<li>{_e(r)}</li>"
            if isinstance(r, str)
            else f"<li><b>{_e(names.get(r.get('segment'), r.get('segment', '')))}:</b> {_e(r.get('text', ''))}"
            + (
                f"<br><span class='muted'>In the file's columns: {_e(r['formula'])}</span>"
                if r.get("formula") and r.get("formula") != r.get("text")
                else ""
            )
            + "</li>"
            for r in rules
        )
        fidelity = summary.get("segmentation", {}).get("rules_fidelity")
        note = (
            f"<p class='muted'>These rules of thumb (a shallow decision tree) put {format_share(fidelity)} of "
            "customers in the segment the method chose.</p>"
            if isinstance(fidelity, int | float)
            else ""
        )
        rules_html = f"<h3>How to recognise each segment</h3><ul class='plain'>{rule_items}</ul>{note}"
    method = str(summary.get("segmentation", {}).get("method", ""))
    return (
        f"<h2>Who our customers are: {len(summary['segments'])} segments</h2>"
        f"<p class='muted'>How: {_e(METHOD_LABELS.get(method, method))}, on "
        f"{_e(', '.join(summary['features']['labels'].values()) or 'no criteria')}.</p>"
        + _stability_html(summary.get("segmentation", {}))
        + f"<div class='cards'>{''.join(cards)}</div>{rules_html}"
        + _chart(rendered, "segment_map")
        + _chart(rendered, "profile_heatmap")
    )


def _playbooks(summary: dict[str, Any]) -> dict[str, str]:
    playbooks = summary.get("service", {}).get("playbooks") or {}
    out: dict[str, str] = {}
    for model, text in playbooks.items():
        out[model] = text if isinstance(text, str) else "; ".join(map(str, text))
    return out


def _concentration_section(summary: dict[str, Any], money: Any, rendered: dict[str, str]) -> str:
    conc = summary["concentration"]
    rows = [
        ("Total revenue", money(conc["total_revenue"])),
        ("Top 20% of customers' share", format_share(conc["top_20pct_revenue_share"])),
        ("Share of customers holding 80% of revenue", format_share(conc["customer_share_for_80pct_revenue"])),
        ("Top 10 customers' share", format_share(conc["top_10_customers_revenue_share"])),
        ("Largest customer's share", format_share(conc.get("largest_customer_share", 0.0))),
        ("Gini coefficient (0 = equal, 1 = one customer has all)", f"{conc['gini']:.3f}"),
        ("HHI (sum of squared shares, 0–1)", f"{conc['hhi']:.4f}"),
    ]
    segments = summary["segments"]
    seg_rows = [
        (
            s["id"],
            s["name"],
            format_count(s["customers"]),
            format_share(s["customer_share"]),
            money(s["revenue"]),
            format_share(s["revenue_share"]),
            f"{s['revenue_share'] / s['customer_share']:.2f}×" if s["customer_share"] else "–",
        )
        for s in segments
    ]
    return (
        "<h2>Where the money is</h2>"
        + _table(["Measure", "Value"], rows, {1})
        + _chart(rendered, "pareto")
        + _chart(rendered, "lorenz")
        + "<h3>Revenue share against customer share, by segment</h3>"
        + _table(
            ["#", "Segment", "Customers", "Customer share", "Revenue", "Revenue share", "Revenue ÷ customer share"],
            seg_rows,
            {2, 3, 4, 5, 6},
        )
        + _chart(rendered, "segment_shares")
    )


def _service_section(result: AnalysisResult, summary: dict[str, Any], money: Any, rendered: dict[str, str]) -> str:
    rows = []
    for model in summary["service_models"]:
        rows.append(
            (
                model["name"],
                format_count(model["customers"]),
                money(model["revenue"]),
                money(model.get("short_term_potential")),
                money(model.get("long_term_potential")),
                _fmt_number(model.get("headcount_needed")),
                "–" if model.get("cost") is None else format_money(float(model["cost"]), result.currency) + " a year",
            )
        )
    service = summary.get("service", {})
    rules = service.get("rules_in_words") or []
    rule_html = "".join(f"<li>{_e(r)}</li>" for r in rules)
    playbooks = _playbooks(summary)
    playbook_html = "".join(f"<li><b>{_e(m)}</b>: {_e(t)}</li>" for m, t in playbooks.items())
    return (
        "<h2>How to serve them</h2>"
        + _plan_bounds_html(summary, money, result.currency)
        + _table(
            [
                "Service model",
                "Customers",
                "Revenue",
                "Short-term potential",
                "Long-term potential",
                "CSMs needed",
                "Cost to serve",
            ],
            rows,
            {1, 2, 3, 4, 5, 6},
        )
        + _chart(rendered, "service_grid")
        + _chart(rendered, "capacity")
        + (f"<h3>The policy in force</h3><ul class='plain'>{rule_html}</ul>" if rule_html else "")
        + (f"<h3>Playbooks</h3><ul class='plain'>{playbook_html}</ul>" if playbook_html else "")
        + _segment_actions_html(summary)
    )


_LIST_TITLES = {
    "up": ("Move up", "More attention would pay; largest accounts first."),
    "down": ("Move down", "The CSM time is better spent elsewhere; largest accounts first."),
    "save": ("Save", "At risk: a save play before any expansion; largest revenue at risk first."),
}


def _plan_bounds_html(summary: dict[str, Any], money: Any, currency: str) -> str:
    """The plan's headline, cost against revenue per model, validation, the three lists and the pins."""
    service = summary.get("service", {})
    overview = service.get("overview") or {}
    if not overview:
        return ""
    headline = overview.get("headline") or ""
    share = overview.get("budget_share")
    budget = (
        f"Budget: each personal model may cost at most {format_share(share)} of the revenue it serves; "
        "cut-offs are solved from it."
        if share is not None
        else "No cost-to-serve budget is set."
    )
    cost_rows = [
        (
            m["name"],
            format_count(m["customers"]),
            money(m["revenue"]),
            format_money(float(m["cost"]), currency) + " a year",
            "–" if m.get("cost_to_revenue") is None else format_share(m["cost_to_revenue"]),
            "yes" if m.get("within_revenue") else "no",
            str(m.get("csms_needed", 0)),
        )
        for m in overview.get("models", [])
    ]
    validation = (summary.get("potential", {}).get("validation") or {}).get("sentence")
    lists_html = ""
    for direction, entry in (overview.get("lists") or {}).items():
        largest = entry.get("largest") or []
        title, explained = _LIST_TITLES.get(direction, (direction, ""))
        lists_html += (
            f"<h3>{_e(title)}: {format_count(entry['customers'])} accounts, {money(entry['revenue'])}</h3>"
            + (f"<p class='muted'>{_e(explained)}</p>" if explained else "")
            + (
                _table(
                    ["Customer", "Segment", "Revenue", "From", "To", "Why"],
                    [
                        (
                            a["customer_id"],
                            a["segment_name"],
                            money(a["revenue"]),
                            a["move_from"],
                            a["move_to"],
                            a["reason"],
                        )
                        for a in largest
                    ],
                    {2},
                )
                if largest
                else ""
            )
        )
    pins = overview.get("pins") or []
    pins_html = "<h3>Pins</h3><ul class='plain'>" + "".join(f"<li>{_e(p)}</li>" for p in pins) + "</ul>" if pins else ""
    return (
        (f"<div class='flag'>{_e(headline)}</div>" if headline else "")
        + f"<p>{_e(budget)}</p>"
        + "<h3>Cost to serve against the revenue it serves</h3>"
        + _table(
            ["Model", "Customers", "Revenue", "Cost to serve", "Cost ÷ revenue", "Within revenue", "CSMs"],
            cost_rows,
            {1, 2, 3, 4, 6},
        )
        + (f"<p class='muted'>{_e(validation)}</p>" if validation else "")
        + _plan_notes_html(summary)
        + lists_html
        + pins_html
    )


def _plan_notes_html(summary: dict[str, Any]) -> str:
    """What the plan and the potential estimate assumed, changed or could not check, in their own words."""
    notes = [*(summary.get("service", {}).get("notes") or []), *(summary.get("potential", {}).get("notes") or [])]
    if not notes:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in dict.fromkeys(notes))
    return f"<h3>What the plan assumed and changed</h3><ul class='plain'>{items}</ul>"


def _segment_actions_html(summary: dict[str, Any]) -> str:
    """Suggested actions per segment, each naming the trait that calls for it."""
    actions = summary.get("service", {}).get("segment_actions") or {}
    names = {str(s["id"]): s["name"] for s in summary.get("segments", [])}
    items = "".join(
        f"<li><b>{_e(names.get(key, key))}:</b> {_e(' '.join(lines))}</li>" for key, lines in actions.items() if lines
    )
    return f"<h3>Actions from each segment's traits</h3><ul class='plain'>{items}</ul>" if items else ""


def _fmt_number(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _data_section(result: AnalysisResult, summary: dict[str, Any]) -> str:
    """The data section: what was read, kept, excluded or changed and why, and the role of each column."""
    data = summary["input"]
    ledger = data.get("excluded", [])
    ledger_html = (
        _table(
            ["What happened", "Rows", "Action", "Examples"],
            [
                (e["reason"], format_count(e["rows"]), e.get("action", ""), ", ".join(map(str, e.get("examples", []))))
                for e in ledger
            ],
            {1},
        )
        if ledger
        else "<p>No rows were excluded or changed.</p>"
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in data.get("notes", []) + summary["features"].get("notes", []))
    columns = [
        (name, info.get("role", ""), f"{info.get('confidence', 0):.0%}", info.get("reason", ""))
        for name, info in data.get("columns", {}).items()
    ]
    return (
        "<h2>The data and what was excluded</h2>"
        f"<p>{_e(ledger_reading(LedgerTotals.of(result.table)))} Customer ID: {_e(data.get('id_column', ''))}; "
        f"revenue: {_e(data.get('revenue_column', ''))} ({_e(data.get('revenue_unit', ''))}); "
        f"{_e(data.get('grain', ''))} grain.</p>"
        + ledger_html
        + (f"<h3>Notes</h3><ul class='plain'>{notes}</ul>" if notes else "")
        + "<h3>Columns and their roles</h3>"
        + _table(["Column", "Role", "Confidence", "Why"], columns)
    )


def _settings_section(summary: dict[str, Any]) -> str:
    """The settings in force that differ from the defaults, as a table; the whole settings JSON folded below it."""
    settings = summary["settings"]
    changed = _changed_settings(settings, AnalysisConfig().to_dict())
    rows = [(path, _setting_text(value), _setting_text(default)) for path, value, default in changed]
    version = summary["software"]["version"]
    table = (
        _table(["Setting", "In force", "Default"], rows, set())
        if rows
        else "<p>Every setting is the default (the numbers chosen from the data are stated where they are used).</p>"
    )
    return (
        "<h2>Settings that reproduce this report</h2>"
        + table
        + f"<details><summary>The settings as JSON (segmentation-studio {_e(version)})</summary>"
        "<p class='muted'>Save this JSON as settings.json and run "
        "<code>python -m segmentation analyze FILE --out DIR --config settings.json</code>, or load it on the "
        "Share page, with the same data.</p>"
        f"<pre>{_e(json.dumps(settings, indent=2, sort_keys=True))}</pre></details>"
    )


def _changed_settings(value: Any, default: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted path, value, default) of every setting that differs from the default, in name order."""
    if isinstance(value, dict) and isinstance(default, dict) and value:
        found = []
        for key in sorted(set(value) | set(default)):
            if key in ("schema_version", "source"):
                continue
            found += _changed_settings(value.get(key), default.get(key), f"{path}.{key}" if path else key)
        return found
    return [] if value == default else [(path, value, default)]


def _setting_text(value: Any) -> str:
    if value is None or value in ({}, []):
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "…"
