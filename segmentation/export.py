"""Exports a spreadsheet can open safely: CSV and XLSX with formula-like text neutralised.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be run
as a formula by Excel or Sheets (CSV injection). Such text gets a leading apostrophe in CSV; in
XLSX it is written as a plain string cell, so it shows exactly as typed and never runs. Real
numbers stay numbers in both.

CSV records end with CRLF (RFC 4180, as Excel writes them), so Python's csv writer quotes every
field holding a carriage return or a line feed: a bare ``\r`` inside a value can never end a
record and start a new one with a live formula.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from segmentation.formatting import currency_prefix, format_count, format_money, format_share, plural
from segmentation.result import AnalysisResult

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_LINE_END = "\r\n"
"""Record terminator of every CSV export; fields holding ``\r`` or ``\n`` are quoted because of it."""
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)*|\.\d+)([eE][+-]?\d+)?%?$")


def neutralise_text(value: object) -> object:
    """Return `value` with a leading apostrophe if it is text a spreadsheet would run as a formula.

    Text that is just a signed number (``-12.5``) is left alone: it is data, not a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `frame` with every text cell passed through `neutralise_text`."""
    safe = frame.copy()
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.CategoricalDtype):
            # categories are written as their text: neutralise them as text
            safe[column] = safe[column].astype(object)
        if not (pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column])):
            continue
        values = safe[column]
        risky = values.astype("string").str.match(r"[=+\-@\t\r]", na=False)
        if risky.any():
            safe[column] = values.astype(object)
            safe.loc[risky, column] = values[risky].map(neutralise_text)
    safe.columns = [neutralise_text(str(c)) for c in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return `frame` as UTF-8 CSV (with BOM, so Excel reads accents right), formulas neutralised.

    Records end with CRLF, so every field holding a carriage return or line feed is quoted and the
    file reads back with the same number of records. The output is byte-for-byte stable for the
    same frame.
    """
    text = neutralise_frame(frame).to_csv(index=False, lineterminator=CSV_LINE_END, date_format="%Y-%m-%d")
    return ("\ufeff" + text).encode("utf-8")


def customers_csv(result: AnalysisResult) -> bytes:
    """Return customers.csv: one row per analysed customer (see `FIXED_CUSTOMER_COLUMNS`)."""
    return to_csv_bytes(result.customers)


def segments_csv(result: AnalysisResult) -> bytes:
    """Return segments.csv: one row per segment with sizes, revenue, shares and service-model mix.

    Money is rounded to cents and shares (0–1) to four decimals (0.1653 = 16.53%): the precision
    a reader can use, not float noise.
    """
    return to_csv_bytes(_rounded_segments(result.segments_frame()))


def _rounded_segments(frame: pd.DataFrame) -> pd.DataFrame:
    rounded = frame.copy()
    for column in rounded.columns:
        if not pd.api.types.is_float_dtype(rounded[column]):
            continue
        rounded[column] = rounded[column].round(4 if column.endswith("_share") else 2)
    return rounded


def exclusions_csv(result: AnalysisResult) -> bytes:
    """Return the excluded and changed source rows with their reason, as CSV."""
    return to_csv_bytes(result.table.excluded_rows)


def workbook_bytes(result: AnalysisResult) -> bytes:
    """Return an XLSX workbook for a meeting: Customers, Segments, Service models, Exclusions, three lists, Summary.

    Every sheet has a frozen, filterable header; money columns carry the currency's number format,
    shares a percentage format, counts a thousands separator. The workbook opens on Summary.
    Text is written as string cells (never formulas or links), and text a spreadsheet would run as
    a formula gets a leading apostrophe as in the CSV exports, so it stays inert when copied or
    re-saved; numbers stay numeric.
    """
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        book = writer.book
        symbol = currency_prefix(result.currency).replace('"', "")
        formats = {
            "money": book.add_format({"num_format": f'"{symbol}"#,##0.00' if symbol else "#,##0.00"}),
            "share": book.add_format({"num_format": "0.0%"}),
            "count": book.add_format({"num_format": "#,##0"}),
            "score": book.add_format({"num_format": "0.0"}),
        }
        sheets = {
            "Customers": result.customers,
            "Segments": result.segments_frame(),
            "Service models": pd.DataFrame(result.service_models_summary()),
            "Exclusions": _ledger_frame(result),
            "Move up": result.service.move_up_frame(),
            "Move down": result.service.move_down_frame(),
            "Save list": result.service.save_frame(),
        }
        if not result.table.excluded_rows.empty:
            sheets["Excluded rows"] = result.table.excluded_rows
        sheets["Summary"] = _summary_frame(result)
        for name, frame in sheets.items():
            _excel_ready(neutralise_frame(frame)).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes(1, 0)
            if len(frame.columns):
                sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
            for position, column in enumerate(frame.columns):
                width = min(60, max(10, len(str(column)) + 2))
                sheet.set_column(position, position, width, formats.get(_column_kind(str(column), frame[column]) or ""))
        writer.sheets["Summary"].set_column(0, 0, 34)
        writer.sheets["Summary"].set_column(1, 1, 60)
        writer.sheets["Summary"].activate()
    return buffer.getvalue()


MONEY_COLUMNS = ("revenue", "potential", "cost", "upside", "spend", "monetary", "average_order_value")


def _column_kind(column: str, values: pd.Series) -> str | None:
    """Which number format a column takes: money, share, count, score, or none (text, dates)."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    name = column.lower()
    if name.endswith(("_share", "_rate")) or name in ("share", "cost_to_revenue"):
        return "share"
    if name.endswith("score"):
        return "score"
    if any(word in name for word in MONEY_COLUMNS) and "customers" not in name:
        return "money"
    if pd.api.types.is_integer_dtype(values) or name.endswith(("customers", "rows")) or name == "customers":
        return "count"
    return None


def _summary_frame(result: AnalysisResult) -> pd.DataFrame:
    """The headline figures as two columns (what, value), in words, for the workbook's first look."""
    metrics = result.concentration.metrics
    models = {m["name"]: m for m in result.service_models_summary()}
    excluded = sum(e.rows for e in result.table.ledger if e.action == "excluded")
    changed = sum(e.rows for e in result.table.ledger if e.action != "excluded")
    rows = [
        ("File", result.table.source_name),
        ("Rows read", format_count(result.table.rows_read)),
        ("Customers analysed", format_count(result.table.n_customers)),
        ("Rows excluded / changed", f"{format_count(excluded)} / {format_count(changed)} (see Exclusions)"),
        (f"Total {result.revenue_unit}", format_money(metrics.total_revenue, result.currency)),
        ("Top 20% of customers hold", format_share(metrics.top_20pct_revenue_share, 1)),
        ("Share of customers for 80% of revenue", format_share(metrics.customer_share_for_80pct_revenue, 1)),
        ("Gini (0 = equal, 1 = one customer)", f"{metrics.gini:.2f}"),
        ("Segments", format_count(len(result.segmentation.profiles))),
        *(
            (
                f"{profile.id}. {profile.name}",
                f"{plural(profile.customers, 'customer')}, "
                f"{format_share(profile.revenue_share, 1)} of {result.revenue_unit}",
            )
            for profile in result.segmentation.profiles
        ),
        *(
            (f"{model.capitalize()} accounts", format_count(models[model]["customers"]))
            for model in ("high-touch", "medium-touch", "tech-touch")
            if model in models
        ),
        ("Currency", result.currency or "not named in the file"),
    ]
    return pd.DataFrame(rows, columns=["What", "Value"])


def _ledger_frame(result: AnalysisResult) -> pd.DataFrame:
    """The exclusion ledger as a small table (reason, rows, action, examples)."""
    rows = [entry.to_dict() for entry in result.table.ledger]
    for row in rows:
        row["examples"] = ", ".join(str(e) for e in row["examples"])
    if not rows:
        rows = [{"reason": "Every row was used as it was", "rows": 0, "action": "none", "examples": ""}]
    return pd.DataFrame(rows, columns=["reason", "rows", "action", "examples"])


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop time zones (Excel has none) and turn lists into text, keeping numbers numeric."""
    ready = frame.copy()
    for column in ready.columns:
        series = ready[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            ready[column] = series.dt.tz_localize(None)
        elif series.dtype == object:
            ready[column] = series.map(lambda v: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v)
    return ready
