"""Exports a spreadsheet can open safely: CSV and XLSX with formula-like text neutralised.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be run
as a formula by Excel or Sheets (CSV injection). Such text gets a leading apostrophe in CSV; in
XLSX it is written as a plain string cell, so it shows exactly as typed and never runs. Real
numbers stay numbers in both.

CSV records end with CRLF (RFC 4180, as Excel writes them) and every field holding a carriage
return or a line feed is quoted: a bare ``\r`` inside a value can never end a record and start a
new one with a live formula. pyarrow's CSV writer writes the records (it quotes every text field,
so these are always quoted); the header is written by Python's csv writer, as pandas writes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from segmentation.formatting import currency_prefix, format_count, format_money, format_share, plural
from segmentation.result import AnalysisResult

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_LINE_END = "\r\n"
"""Record terminator of every CSV export; fields holding ``\r`` or ``\n`` are quoted because of it."""
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)*|\.\d+)([eE][+-]?\d+)?%?$")
_FORMULA_CANDIDATE = r"^[=+\-@\t\r]"
"""Text that may need an apostrophe: starts with one of `FORMULA_START` (pandas and pyarrow both take this)."""
_ASCII_PLAIN_NUMBER = r"^[+-]?([0-9]+([.,][0-9]+)*|\.[0-9]+)([eE][+-]?[0-9]+)?%?\n?$"
"""`_PLAIN_NUMBER` in RE2 for ASCII text (Python's ``$`` also matches before a final newline)."""
DATE_FORMAT = "%Y-%m-%d"
_FIXED_PLACES = (1, 2)
"""Decimal places a float column may be written with; beyond two, trailing zeros would be noise."""
_EXACT_SCALED = {8: 1e15, 4: 1e6}
"""By float width in bytes: below this, a float times 10**places is an integer that names one decimal exactly."""
_RECORDS = pa_csv.WriteOptions(include_header=False, eol=CSV_LINE_END, batch_size=1 << 16)
_PARALLEL_ROWS = 100_000
"""From this many rows `to_csv_bytes` converts columns and writes row blocks on `_WRITERS` threads."""
_WRITERS = max(1, min(4, os.cpu_count() or 1))


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
        risky = values.astype("string").str.match(_FORMULA_CANDIDATE, na=False)
        if risky.any():
            safe[column] = values.astype(object)
            safe.loc[risky, column] = values[risky].map(neutralise_text)
    safe.columns = [neutralise_text(str(c)) for c in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return `frame` as UTF-8 CSV (with BOM, so Excel reads accents right), formulas neutralised.

    Records end with CRLF, so every field holding a carriage return or line feed is quoted and the
    file reads back with the same number of records. Text is neutralised as `neutralise_frame`
    does; dates are written as `DATE_FORMAT`, categories as their text, booleans as True/False,
    missing values as empty fields, integers as integers and floats so that they read back as the
    same floats (see `_csv_floats`). pyarrow writes the records and quotes every text field; the
    output is byte-for-byte stable for the same frame.
    """
    if frame.shape[1] == 0 or (frame.shape[1] == 1 and bool(frame.iloc[:, 0].isna().any())):
        # pyarrow writes a missing value in a one-field record as an empty line, which readers skip;
        # Python's csv writer writes it as "" and keeps the record. No columns: nothing for pyarrow.
        return pandas_csv_bytes(frame)
    header = io.StringIO()
    csv.writer(header, lineterminator=CSV_LINE_END).writerow([neutralise_text(str(c)) for c in frame.columns])
    columns = [frame.iloc[:, position] for position in range(frame.shape[1])]
    writers = _WRITERS if len(frame) >= _PARALLEL_ROWS else 1
    with ThreadPoolExecutor(writers) as pool:
        # numpy's and Arrow's kernels let go of the GIL: columns convert and row blocks write side by side
        records = pa.Table.from_arrays(
            list(pool.map(_csv_column, columns)), names=[str(p) for p in range(len(columns))]
        )
        step = max(1, -(-len(records) // writers))
        blocks = list(pool.map(_csv_records, [records.slice(start, step) for start in range(0, len(records), step)]))
    # Arrow's buffers join as they are: one copy, into the bytes returned
    return b"".join([("\ufeff" + header.getvalue()).encode("utf-8"), *blocks])


def _csv_records(records: pa.Table) -> pa.Buffer:
    """One block of rows as CSV records (no header): a block's records never depend on another's."""
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(records, sink, _RECORDS)
    return sink.getvalue()


def pandas_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return `frame` as `to_csv_bytes` does, written by pandas (the fallback, and the yardstick for speed)."""
    text = neutralise_frame(frame).to_csv(index=False, lineterminator=CSV_LINE_END, date_format=DATE_FORMAT)
    return ("\ufeff" + text).encode("utf-8")


def _csv_column(series: pd.Series) -> pa.Array:
    """One column as a pyarrow array whose CSV text is what pandas writes for it (see `to_csv_bytes`)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _csv_categorical(series)
    if isinstance(dtype, pd.DatetimeTZDtype):
        # strftime formats the wall-clock time: the date where the customer is
        return _csv_column(series.dt.tz_localize(None))
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return _single(pc.cast(pa.array(series), pa.date32()))
    if isinstance(dtype, pd.SparseDtype):
        return _csv_python_text(series)
    return _csv_plain(series)


def _csv_plain(series: pd.Series) -> pa.Array:
    """A column of plain values (booleans, integers, floats, text, objects) as an array written like pandas."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        # pyarrow writes true/false; pandas writes True/False, and so do we
        indices = pc.cast(_single(pa.array(series)), pa.int8())
        return pa.DictionaryArray.from_arrays(indices, pa.array(["False", "True"]))
    if pd.api.types.is_integer_dtype(dtype):
        return _single(pa.array(series))
    if pd.api.types.is_float_dtype(dtype) and getattr(dtype, "itemsize", 0) in (4, 8):
        return _csv_floats(series)
    if pd.api.types.is_string_dtype(dtype) and (
        not pd.api.types.is_object_dtype(dtype) or pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty")
    ):
        return _neutralised(_single(pa.array(series, type=pa.large_string(), from_pandas=True)))
    return _csv_python_text(series)


def _csv_floats(series: pd.Series) -> pa.Array:
    """Floats as text that reads back as the same floats, missing values empty.

    A column whose values need at most one or two decimal places (money in cents, scores, counts
    with gaps) is written with that many places in every value: ``12.0``, ``32.6`` (Python's text,
    as pandas writes it) or ``300.00``, ``6899.35``, so every value shows a decimal point and the
    column reads back as floats. Any other column is written in pyarrow's shortest round-trip form
    (``0.3333333333333333``, ``2.5e-7``; pandas wrote ``2.5e-07``), where a whole number shows as ``3``.
    """
    width = np.float32 if getattr(series.dtype, "itemsize", 8) == 4 else np.float64
    numbers = np.asarray(series.to_numpy(dtype=width, na_value=np.nan), dtype=width)
    present = ~np.isnan(numbers)
    values = numbers[present]
    for places in _FIXED_PLACES:
        factor = values.dtype.type(10**places)
        scaled = values * factor
        if not bool((np.abs(scaled) < _EXACT_SCALED[values.dtype.itemsize]).all()):
            break
        unscaled = np.rint(scaled)
        # in the column's own precision, the decimal text parses to the float nearest unscaled / 10**places
        if bool((unscaled / factor == values).all()):
            digits = np.zeros(len(numbers), dtype=np.int64)
            digits[present] = unscaled
            return pc.cast(pa.array(digits, mask=~present), pa.decimal128(38, 0)).view(pa.decimal128(38, places))
    return pa.array(numbers, from_pandas=True)


def _csv_categorical(series: pd.Series) -> pa.Array:
    """Categories written as their own text (neutralised like a column); text ones stay dictionary-encoded."""
    categories = _csv_column(pd.Series(series.cat.categories))
    codes = series.cat.codes.to_numpy()
    indices = pa.array(codes, mask=codes < 0)
    if pa.types.is_large_string(categories.type) or pa.types.is_string(categories.type):
        return pa.DictionaryArray.from_arrays(indices, categories)
    return categories.take(indices)


def _csv_python_text(series: pd.Series) -> pa.Array:
    """Cells of a type pyarrow has no CSV text for (mixed objects, lists, timedeltas) as pandas writes them.

    pandas hands such cells to Python's csv writer: ``str()`` of the value, dates and times by
    `DATE_FORMAT`, missing values empty; text is neutralised first, as `neutralise_frame` does.
    """
    missing = series.isna().to_numpy()
    values = series.astype(object).to_numpy()
    return pa.array(
        [None if gone else _cell_text(value) for value, gone in zip(values, missing, strict=True)], type=pa.string()
    )


def _cell_text(value: object) -> str:
    value = neutralise_text(value)
    if isinstance(value, dt.datetime | pd.Period):
        return value.strftime(DATE_FORMAT)
    return str(value)


def _neutralised(strings: pa.Array) -> pa.Array:
    """`strings` with `neutralise_text` applied to each, decided by RE2 for ASCII text and by Python for the rest."""
    candidates = pc.fill_null(pc.match_substring_regex(strings, _FORMULA_CANDIDATE), False)
    if not pc.any(candidates).as_py():
        return strings
    suspects = strings.filter(candidates)
    apostrophe, nothing = pa.scalar("'", type=strings.type), pa.scalar("", type=strings.type)
    safe = pc.if_else(
        pc.match_substring_regex(suspects, _ASCII_PLAIN_NUMBER),
        suspects,
        pc.binary_join_element_wise(apostrophe, suspects, nothing),
    )
    unicode_text = pc.invert(pc.string_is_ascii(suspects))
    if pc.any(unicode_text).as_py():
        decided = [neutralise_text(value) for value in suspects.filter(unicode_text).to_pylist()]
        safe = pc.replace_with_mask(safe, unicode_text, pa.array(decided, type=strings.type))
    return pc.replace_with_mask(strings, candidates, safe)


def _single(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


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


_WORKBOOK_CREATED = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
"""The creation date every workbook states: the earliest a ZIP archive can record, as its members have."""


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
        # A fixed creation date (xlsxwriter writes the time of writing): the same input gives the same bytes.
        book.set_properties({"created": _WORKBOOK_CREATED})
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
    totals = result.ledger_totals
    rows = [
        ("File", totals.source_name),
        ("Rows read", format_count(totals.rows_read)),
        ("Customers analysed", format_count(totals.customers)),
        (
            "Rows excluded / changed",
            f"{format_count(totals.excluded)} / {format_count(totals.changed)} (see Exclusions)",
        ),
        (f"Total {result.revenue_unit}", format_money(metrics.total_revenue, result.currency)),
        ("Top 20% of customers hold", format_share(metrics.top_20pct_revenue_share)),
        ("Share of customers for 80% of revenue", format_share(metrics.customer_share_for_80pct_revenue)),
        ("Gini (0 = equal, 1 = one customer)", f"{metrics.gini:.2f}"),
        ("Segments", format_count(len(result.segmentation.profiles))),
        *(
            (
                f"{profile.id}. {profile.name}",
                f"{plural(profile.customers, 'customer')}, "
                f"{format_share(profile.revenue_share)} of {result.revenue_unit}",
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
