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
    """Return segments.csv: one row per segment with sizes, revenue, shares and service-model mix."""
    return to_csv_bytes(result.segments_frame())


def exclusions_csv(result: AnalysisResult) -> bytes:
    """Return the excluded and changed source rows with their reason, as CSV."""
    return to_csv_bytes(result.table.excluded_rows)


def workbook_bytes(result: AnalysisResult) -> bytes:
    """Return an XLSX workbook: Customers, Segments, Service models, Exclusions and the three working lists.

    Text is written as string cells (never formulas or links), and text a spreadsheet would run as
    a formula gets a leading apostrophe as in the CSV exports, so it stays inert when copied or
    re-saved; numbers stay numeric.
    """
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        sheets = {
            "Customers": result.customers,
            "Segments": result.segments_frame(),
            "Service models": pd.DataFrame(result.service_models_summary()),
            "Exclusions": _ledger_frame(result),
            "Move up": result.service.move_up_frame(),
            "Move down": result.service.move_down_frame(),
            "Save list": result.service.save_frame(),
        }
        for name, frame in sheets.items():
            _excel_ready(neutralise_frame(frame)).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes(1, 0)
            for position, column in enumerate(frame.columns):
                width = min(60, max(10, len(str(column)) + 2))
                sheet.set_column(position, position, width)
    return buffer.getvalue()


def _ledger_frame(result: AnalysisResult) -> pd.DataFrame:
    """The exclusion ledger as a small table (reason, rows, action, examples)."""
    rows = [entry.to_dict() for entry in result.table.ledger]
    for row in rows:
        row["examples"] = ", ".join(str(e) for e in row["examples"])
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
