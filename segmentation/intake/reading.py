"""Read a source into a table of text: encoding, dialect, header row, Excel sheets and Parquet.

Every text field is read as text so nothing is coerced before `parsing` looks at it; Parquet
columns whose type says what they hold (numbers, timestamps, flags), and Excel columns whose
filled cells are all numbers, stay typed, because writing them as text only for the parsers to
read them back costs seconds on large files. Libraries do the
heavy lifting: pyarrow's multithreaded CSV reader for delimited text, pandas' C reader for
whitespace-aligned columns, python-calamine for Excel, pyarrow for Parquet, charset-normalizer
for encodings that are neither UTF-8 nor UTF-16.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import mmap
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from segmentation.errors import InputError
from segmentation.intake.parsing import Distinct, is_typed, text_frame
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.sources import Source

TYPED_INTEGER_LIMIT = 10**15
"""Parquet integers below this in size are kept as numbers (exact in float64); larger ones are read as text."""
PARALLEL_ROWS = 200_000
"""Files with at least this many rows have their columns encoded in parallel threads."""
SAMPLE_BYTES = 1 << 20
"""How much of a text file is looked at to detect its encoding, delimiter and header."""
DELIMITERS = (",", ";", "\t", "|")
MAX_COLUMNS = 2_000
"""Most columns a file may have (a line with more fields is refused with its row number)."""
MAX_FIELD_BYTES = 128 * 1024 * 1024
"""Largest single field the Python csv reader (used for ragged or oddly quoted files) accepts."""
_NON_LATIN_ENCODINGS = (
    "cp1251", "cp1253", "cp1255", "cp1256", "cp866", "cp855", "cp1125", "cp720", "cp737", "cp862", "cp864",
    "cp869", "cp874", "cp932", "cp949", "cp950", "koi8", "iso8859-5", "iso8859-6", "iso8859-7", "iso8859-8",
    "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "mac-cyrillic", "mac_cyrillic", "mac-greek", "mac_greek",
    "shift", "euc", "gb", "big5", "hz", "iso2022", "tis", "ptcp154", "kz1048", "utf",
)  # fmt: skip
"""Encodings of non-Latin scripts: charset-normalizer's guess is trusted for these."""
_NEXT_TO_LETTER = re.compile(r"(?<=[A-Za-z\u00c0-\u024f])[^\x00-\x7f]|[^\x00-\x7f](?=[A-Za-z\u00c0-\u024f])")
WHITESPACE = "whitespace"
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
_LOOKS_LIKE_DATA = re.compile(r"^[-+(]?[$€£]?\s*\d[\d.,/: -]*%?\)?$")


@dataclass
class RawTable:
    """A file read as text: one column per source column (unique names), one row per data row.

    Typed Parquet columns are float64, datetime64 or bool Series, Excel number columns float64
    (`parsing.is_typed`); every other column is str.
    """

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    header_row: int = 1
    delimiter: str | None = None
    encoding: str | None = None
    file_format: str = "text"
    distinct: dict[str, Distinct] = field(default_factory=dict)
    """Every column factorised (made while trimming); later steps reuse it instead of hashing the text again."""


def file_format(source: Source) -> str:
    """Return ``excel``, ``parquet`` or ``text`` from the file's first bytes and its name."""
    head = _head_bytes(source, 8)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "excel"
    if head.startswith(b"PAR1"):
        return "parquet"
    if source.suffix in EXCEL_SUFFIXES:
        return "excel"
    if source.suffix in PARQUET_SUFFIXES:
        return "parquet"
    return "text"


def list_sheets(source: Source) -> list[str]:
    """Return the sheet names of an Excel workbook, in workbook order; [] for other formats."""
    if file_format(source) != "excel":
        return []
    return list(_open_workbook(source).sheet_names)


def read_raw(source: Source, settings: IntakeSettings) -> RawTable:
    """Read `source` as text. Raises `InputError` for empty, oversized, unreadable or header-only files."""
    _check_size(source, settings)
    kind = file_format(source)
    if kind == "excel":
        raw = _read_excel(source, settings)
    elif kind == "parquet":
        raw = _read_parquet(source)
    else:
        raw = _read_text(source, settings)
    if settings.sheet is not None and kind != "excel":
        raw.notes.append(
            f"The sheet setting ('{settings.sheet}') was ignored: '{source.name}' is not an Excel workbook."
        )
    raw.file_format = kind
    _tidy(raw, source)
    return raw


# --------------------------------------------------------------------------- checks and helpers


def _head_bytes(source: Source, size: int) -> bytes:
    if source.data is not None:
        return source.data[:size]
    assert source.path is not None
    with Path(source.path).open("rb") as handle:
        return handle.read(size)


def _check_size(source: Source, settings: IntakeSettings) -> None:
    size = source.size
    limit = settings.max_file_mb * 1024 * 1024
    if size > limit:
        raise InputError(
            f"'{source.name}' is {size / 1024 / 1024:,.0f} MB, more than the {settings.max_file_mb:,} MB limit; "
            "export fewer rows or columns, or raise max_file_mb in the settings."
        )
    if size == 0:
        raise InputError(f"'{source.name}' is empty (0 bytes); export the file again with its rows.")


def _empty_error(source: Source) -> InputError:
    return InputError(f"'{source.name}' holds no table (no rows with values); check that you chose the right file.")


def _header_only_error(source: Source) -> InputError:
    return InputError(f"'{source.name}' has a header row but no data rows; export the file again including its rows.")


def make_unique(names: list[str]) -> tuple[list[str], list[str]]:
    """Return names made unique and non-blank (``Amount``, ``Amount_2``), and a note per change."""
    seen: dict[str, int] = {}
    result: list[str] = []
    notes: list[str] = []
    for position, raw_name in enumerate(names, start=1):
        name = str(raw_name).strip() or f"column_{position}"
        base = name
        count = seen.get(base.lower(), 0)
        while name.lower() in seen:
            count += 1
            name = f"{base}_{count}"
        seen[base.lower()] = max(count, 1)
        seen[name.lower()] = 1
        if name != base:
            notes.append(f"Column name '{base}' appears more than once; the repeat is called '{name}'.")
        result.append(name)
    return result, notes


# --------------------------------------------------------------------------- text files


def _detect_encoding(sample: bytes, source: Source) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample[1:4:2] == b"\x00\x00" and sample[0:4:2] != b"\x00\x00":
        return "utf-16-le"
    if len(sample) >= 4 and sample[0:4:2] == b"\x00\x00" and sample[1:4:2] != b"\x00\x00":
        return "utf-16-be"
    if b"\x00" in sample:
        raise InputError(
            f"'{source.name}' is not a text table (it holds binary data); "
            "upload a CSV, text, Excel (.xlsx) or Parquet file."
        )
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if exc.start < len(sample) - 4:
            return _guess_single_byte(sample)
    return "utf-8"


def _guess_single_byte(sample: bytes) -> str:
    from charset_normalizer import from_bytes  # noqa: PLC0415 - only needed for rare encodings

    matches = from_bytes(sample[: 1 << 16])
    # Western exports are mostly Windows-1252; prefer it whenever it reads the bytes as well as the best guess
    if any(match.encoding == "cp1252" for match in matches):
        return "cp1252"
    best = matches.best()
    name = (best.encoding if best is not None else "cp1252").lower().replace("_", "-")
    # charset-normalizer often picks a DOS or Central European code page (CP775, CP850, CP1250) for short
    # Western text; unless it saw a non-Latin script, cp1252 wins when it reads every letter as a letter
    if not name.startswith(_NON_LATIN_ENCODINGS) and _reads_as_western(sample):
        return "cp1252"
    # cp1252 is a superset of latin-1's printable range and the usual export of Excel on Windows
    if name in {"latin-1", "iso8859-1", "iso-8859-1", "ascii"}:
        return "cp1252"
    return name


def _reads_as_western(sample: bytes) -> bool:
    """Whether `sample` decodes as cp1252 with every non-ASCII character beside a letter being a letter.

    "Müller" passes; Polish cp1250 "Łódź" read as cp1252 gives "£ódŸ" and fails, as does text
    with bytes cp1252 leaves undefined.
    """
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 1:
            return False
        text = sample[: exc.start].decode("cp1252")
    return all(character.isalpha() for character in _NEXT_TO_LETTER.findall(text))


def _decode(data: bytes, encoding: str, source: Source) -> str:
    """Decode the whole file strictly; a byte the encoding cannot read is refused with its place."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _decode_error(source, data, encoding, exc.start) from None


def _decode_error(source: Source, data: bytes, encoding: str, offset: int) -> InputError:
    line = data.count(b"\n", 0, offset) + 1
    shown = data[max(0, offset - 12) : offset + 12].decode(encoding, errors="replace").replace("\n", " ")
    return InputError(
        f"'{source.name}' is not valid {encoding.upper()} text at byte {offset:,} (line {line:,}, near '{shown}'): "
        "the file mixes encodings. Save it again as UTF-8, or choose its encoding (e.g. cp1252) on the Data page "
        "or with intake.encoding in the settings."
    )


def _first_bad_byte(source: Source, encoding: str) -> InputError | None:
    """The decoding error of the whole file, or None when it decodes."""
    data = source.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return _decode_error(source, data, encoding, exc.start)
    return None


def _check_width(records: list[list[str]], source: Source, first_row: int = 1) -> None:
    """Refuse a row with more fields than `MAX_COLUMNS` (after dropping its empty trailing fields)."""
    for number, record in enumerate(records, start=first_row):
        if len(record) > MAX_COLUMNS and _width(record) > MAX_COLUMNS:
            raise InputError(
                f"Row {number:,} of '{source.name}' has {_width(record):,} fields, more than the {MAX_COLUMNS:,} "
                "columns the studio reads; check the field separator (intake.delimiter) or remove columns."
            )


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    return len(re.findall(r"[\x00-\x08\x0b\x0e-\x1f]", text)) / len(text)


def _read_text(source: Source, settings: IntakeSettings) -> RawTable:
    sample = _head_bytes(source, SAMPLE_BYTES)
    encoding = settings.encoding or _detect_encoding(sample, source)
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"Encoding '{encoding}' is not known; use a name such as utf-8, utf-16 or cp1252.") from None
    if not getattr(codec, "_is_text_encoding", True):
        raise InputError(f"'{encoding}' is not a text encoding; use a name such as utf-8, utf-16 or cp1252.")
    sample_text = sample.decode(encoding, errors="replace")
    if len(sample) == SAMPLE_BYTES:  # drop a line cut in half at the end of the sample
        sample_text = sample_text[: max(sample_text.rfind("\n"), 0)] or sample_text
    if _control_share(sample_text) > 0.01:
        raise InputError(
            f"'{source.name}' is not a text table (it holds binary data); "
            "upload a CSV, text, Excel (.xlsx) or Parquet file."
        )
    if not sample_text.strip():
        raise _empty_error(source)
    notes: list[str] = []
    if encoding not in {"utf-8", "utf-8-sig"}:
        notes.append(f"The file is encoded as {encoding.upper()}; it was read as such.")
    delimiter = settings.delimiter or _sniff_delimiter(sample_text)
    records = _sample_records(sample_text, delimiter)
    if not records:
        raise _empty_error(source)
    _check_width(records, source)
    header_index, has_header = _find_header(records, settings)
    if header_index > 0:
        notes.append(f"Skipped {header_index} line(s) above the header (titles or notes).")
    if not has_header:
        notes.append("The file has no header row; columns are named column_1, column_2, …")

    if delimiter == WHITESPACE:
        frame = _read_whitespace(source, encoding, header_index, has_header, records)
    else:
        frame = _read_delimited(
            source, encoding, delimiter, header_index=header_index, has_header=has_header, records=records
        )
    raw = RawTable(frame=frame, notes=notes, header_row=header_index + 1, delimiter=delimiter, encoding=encoding)
    name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", WHITESPACE: "whitespace-aligned"}
    raw.notes.insert(0, f"Read as {name.get(delimiter, repr(delimiter))}-separated text.")
    return raw


def _split_whitespace(line: str) -> list[str]:
    return line.split()


def _sample_records(text: str, delimiter: str, limit: int = 500) -> list[list[str]]:
    """Return up to `limit` non-empty records of the sample."""
    records: list[list[str]] = []
    if delimiter == WHITESPACE:
        for line in text.splitlines():
            if line.strip():
                records.append(_split_whitespace(line))
            if len(records) >= limit:
                break
        return records
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if record and "".join(record).strip():
                records.append(record)
            elif record:
                records.append([""])
            if len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def _nonempty(record: list[str]) -> int:
    return sum(1 for cell in record if cell.strip())


def _width(record: list[str]) -> int:
    """Number of fields up to the last non-empty one."""
    width = len(record)
    while width and not record[width - 1].strip():
        width -= 1
    return width


def _consistency(records: list[list[str]]) -> tuple[float, int]:
    """Return the share of body records with the modal width, and that width."""
    if not records:
        return 0.0, 0
    body = records[len(records) // 5 :] or records
    widths = pd.Series([len(r) for r in body])
    mode = int(widths.mode().iloc[0])
    return float((widths == mode).mean()), mode


def _sniff_delimiter(text: str) -> str:
    best: tuple[float, int, str] = (0.0, 0, ",")
    for delimiter in DELIMITERS:
        records = _sample_records(text, delimiter, limit=200)
        share, width = _consistency(records)
        if width >= 2 and (share, width) > best[:2]:
            best = (share, width, delimiter)
    if best[1] >= 2 and best[0] >= 0.8:
        return best[2]
    # ragged rows (some with an extra or a missing field) are still delimited: a separator that splits
    # nearly every line is the file's, whatever whitespace says
    split = max(DELIMITERS, key=lambda d: _split_share(text, d))
    if _split_share(text, split) >= 0.9:
        return split
    share, width = _consistency(_sample_records(text, WHITESPACE, limit=200))
    if width >= 2 and share >= max(0.8, best[0]):
        return WHITESPACE
    return best[2] if best[1] >= 2 else ","


def _split_share(text: str, delimiter: str) -> float:
    """Share of the sample's records that `delimiter` splits into two or more fields."""
    records = _sample_records(text, delimiter, limit=200)
    return sum(len(r) >= 2 for r in records) / len(records) if records else 0.0


def _looks_like_data(cell: str) -> bool:
    return bool(_LOOKS_LIKE_DATA.match(cell.strip()))


def _find_header(
    records: list[list[str]], settings: IntakeSettings, banners: frozenset[int] = frozenset()
) -> tuple[int, bool]:
    """Return the index of the header record among `records` and whether it is a header at all.

    `banners` are records that are titles merged across columns (from a workbook's merge metadata);
    they are never the header.
    """
    if settings.header_row is not None:
        return min(settings.header_row - 1, len(records) - 1), True
    body = records[len(records) // 5 :] or records
    typical = sorted(_nonempty(r) for r in body)[len(body) // 2]
    needed = max(2, math.ceil(0.5 * typical)) if typical >= 2 else 1
    index = 0
    for index, record in enumerate(records):
        if index not in banners and _nonempty(record) >= needed:
            break
    header = [cell for cell in records[index] if cell.strip()]
    data_like = sum(_looks_like_data(cell) for cell in header)
    has_header = not (header and data_like >= max(1, math.ceil(len(header) / 2)))
    return index, has_header


def _transcoded(source: Source, encoding: str) -> bytes | None:
    """Return UTF-8 bytes of the file, or None when it can be read as it is from disk."""
    if encoding == "utf-8" and source.path is not None:
        return None
    data = source.read_bytes()
    if encoding == "utf-8":
        return data
    return _decode(data, encoding, source).encode("utf-8")


def _read_delimited(
    source: Source, encoding: str, delimiter: str, *, header_index: int, has_header: bool, records: list[list[str]]
) -> pd.DataFrame:
    data = _transcoded(source, encoding)
    header = records[header_index]
    width = max(_width(header), max((_width(r) for r in records[header_index:]), default=0))
    names = [f"column_{i}" for i in range(1, width + 1)]
    skip = _line_count_before(source, data, header_index) + (1 if has_header else 0)
    # line breaks inside values need quotes; without any quote the reader can split the file and parse in parallel
    quoted = _holds_quote(source, data)
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data) if data is not None else str(source.path),
            read_options=pa_csv.ReadOptions(skip_rows=skip, column_names=names, block_size=1 << 22),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted, ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),  # what pandas' str columns hold: no cast
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        # Arrow columns wrapped as pandas str columns without a copy (to_pandas would copy every string)
        frame = pd.DataFrame(
            {name: pd.array(table.column(name), dtype="str") for name in names}, index=pd.RangeIndex(table.num_rows)
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        frame = _read_delimited_slowly(source, data, encoding, delimiter, header_index + (1 if has_header else 0))
    header_names = [cell.strip() for cell in header] if has_header else []
    return _name_columns(frame, header_names)


def _holds_quote(source: Source, data: bytes | None) -> bool:
    """Whether the file has a double quote anywhere (a memory-mapped byte search, no copy)."""
    if data is not None:
        return b'"' in data
    assert source.path is not None
    with Path(source.path).open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return mapped.find(b'"') >= 0


def _read_delimited_slowly(
    source: Source, data: bytes | None, encoding: str, delimiter: str, skip: int
) -> pd.DataFrame:
    """Read ragged or oddly quoted files with Python's csv module, padding short rows."""
    raw = data if data is not None else source.read_bytes()
    text = _decode(raw, "utf-8" if data is not None or encoding == "utf-8" else encoding, source)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_BYTES))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(
            f"'{source.name}' cannot be read as {delimiter!r}-separated text ({exc}); fields are limited to "
            f"{MAX_FIELD_BYTES // 1024 // 1024} MB: check the quotes and the field separator."
        ) from None
    rows = [r for r in rows if r][skip:]  # blank lines are not records, as in the sample
    _check_width(rows, source)
    width = max((len(r) for r in rows), default=0)
    padded = [r + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, columns=[f"column_{i}" for i in range(1, width + 1)], dtype="str")


def _read_whitespace(
    source: Source, encoding: str, header_index: int, has_header: bool, records: list[list[str]]
) -> pd.DataFrame:
    data = _transcoded(source, encoding)
    width = max(len(r) for r in records[header_index:])
    names = [f"column_{i}" for i in range(1, width + 1)]
    try:
        frame = pd.read_csv(
            io.BytesIO(data) if data is not None else Path(str(source.path)),
            sep=r"\s+",
            header=None,
            names=names,
            skiprows=_line_count_before(source, data, header_index) + (1 if has_header else 0),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            quoting=csv.QUOTE_NONE,
            engine="c",
            skip_blank_lines=True,
        )
    except UnicodeDecodeError:
        raise _first_bad_byte(source, encoding) or _empty_error(source) from None
    frame = frame.fillna("")
    header_names = records[header_index] if has_header else []
    return _name_columns(frame, header_names)


def _line_count_before(source: Source, data: bytes | None, header_index: int) -> int:
    """Physical lines (blank ones included) before the `header_index`-th non-blank line."""
    if header_index == 0:
        head = data[:SAMPLE_BYTES] if data is not None else _head_bytes(source, SAMPLE_BYTES)
        lines = head.decode("utf-8", errors="replace").splitlines()
        count = 0
        for line in lines:
            if line.strip():
                return count
            count += 1
        return count
    head = data[:SAMPLE_BYTES] if data is not None else _head_bytes(source, SAMPLE_BYTES)
    seen = 0
    for number, line in enumerate(head.decode("utf-8", errors="replace").splitlines()):
        if line.strip():
            if seen == header_index:
                return number
            seen += 1
    return header_index


def _name_columns(frame: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    names = [header[i] if i < len(header) else "" for i in range(frame.shape[1])]
    frame.columns = pd.Index(names)
    return frame


# --------------------------------------------------------------------------- Excel


def _open_workbook(source: Source) -> Any:
    import python_calamine  # noqa: PLC0415 - Excel support is loaded only when needed

    try:
        if source.data is not None:
            return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(source.data))
        return python_calamine.CalamineWorkbook.from_path(str(source.path))
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise InputError(
            f"'{source.name}' cannot be opened as an Excel workbook ({type(exc).__name__}); "
            "save it again as .xlsx or export it as CSV."
        ) from None


def _cell_text(value: Any) -> str:
    """An Excel cell as text: whole numbers without ``.0``, ISO dates (with the time only when it is not
    midnight); flags, durations and text as Python writes them."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)  # bool → True/False, timedelta → 1 day, 2:00:00


def _read_excel(source: Source, settings: IntakeSettings) -> RawTable:
    workbook = _open_workbook(source)
    names = list(workbook.sheet_names)
    if settings.sheet is not None:
        if settings.sheet not in names:
            raise InputError(f"'{source.name}' has no sheet '{settings.sheet}'; its sheets are {', '.join(names)}.")
        candidates = [settings.sheet]
    else:
        candidates = names
    # Without a chosen sheet, read the one that looks most like a table (most rows with two or more
    # filled cells): a "Read me" or cover sheet in front of the data is common in exports.
    numbered: list[tuple[int, list[Any]]] = []
    chosen = candidates[0] if candidates else ""
    sheet: Any = None
    best = -1
    for sheet_name in candidates:
        candidate = workbook.get_sheet_by_name(sheet_name)
        values = candidate.to_python(skip_empty_area=False)
        rows = [(number, row) for number, row in enumerate(values) if any(map(_filled, row))]
        tableness = sum(1 for _, row in rows if sum(map(_filled, row)) >= 2)
        if rows and tableness > best:
            numbered, chosen, sheet, best = rows, sheet_name, candidate, tableness
    if not numbered:
        raise _empty_error(source)
    # only the head is written as text to find the header; the body's columns are built one by one below
    head = [(number, [_cell_text(v) for v in row]) for number, row in numbered[:500]]
    records = [r for _, r in head]
    merged = _merged_ranges(source, chosen, sheet) if settings.header_row is None else []
    banners = _banner_records([number for number, _ in head], records, merged)
    header_index, has_header = _find_header(records, settings, banners)
    body = [row for _, row in numbered[header_index + (1 if has_header else 0) :]]
    width = max(len(row) for _, row in numbered[header_index:])
    cells = [row + [""] * (width - len(row)) if len(row) < width else row for row in body]
    frame = pd.DataFrame(
        {position: _excel_column(list(column)) for position, column in enumerate(zip(*cells, strict=True))},
        index=pd.RangeIndex(len(cells)),
    )
    if frame.shape[1] == 0:
        frame = pd.DataFrame(columns=range(width), dtype="str")
    header = records[header_index] if has_header else []
    frame = _name_columns(frame, header)
    notes = [
        f"Read sheet '{chosen}'"
        + (
            f" of {len(names)} (the one most like a table; choose another with --sheet or on the Data page)."
            if len(names) > 1 and settings.sheet is None
            else f" of {len(names)}."
            if len(names) > 1
            else "."
        )
    ]
    if header_index > 0:
        notes.append(f"Skipped {header_index} row(s) above the header (titles or notes).")
    return RawTable(frame=frame, notes=notes, header_row=header_index + 1)


def _filled(value: Any) -> bool:
    """Whether a cell holds something (its text would not be blank)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


_NUMBER_CELLS = frozenset({float, int, str, type(None)})


def _excel_column(cells: list[Any]) -> pd.Series:
    """One column of a sheet's body: float64 when every filled cell is a number, else the cells' text.

    Number cells would otherwise be written out (``repr``) only to be parsed back; whole numbers
    too large to stay exact in float64 keep their text.
    """
    kinds = set(map(type, cells))
    if kinds <= _NUMBER_CELLS and kinds & {float, int}:
        texts = [cell for cell in cells if isinstance(cell, str)]
        if not any(text.strip() for text in texts):
            numbers = np.array(
                [None if isinstance(cell, str) else cell for cell in cells] if texts else cells, dtype=float
            )
            finite = numbers[np.isfinite(numbers)]
            if not (np.abs(finite) >= TYPED_INTEGER_LIMIT).any():
                return pd.Series(numbers, dtype="float64")
    return pd.Series([_cell_text(cell) for cell in cells], dtype="str")


MergedRange = tuple[tuple[int, int], tuple[int, int]]
"""((first row, first column), (last row, last column)), 0-based sheet positions, inclusive."""
OPENPYXL_MERGE_LIMIT = 20 * 1024 * 1024
"""Largest .xlsx opened with openpyxl only to read merged cells (it loads the whole sheet)."""


def _merged_ranges(source: Source, sheet_name: str, sheet: Any) -> list[MergedRange]:
    """Merged cell ranges of a sheet: from calamine, or from openpyxl when calamine cannot tell."""
    ranges = getattr(sheet, "merged_cell_ranges", None)
    if ranges is not None:
        return [((int(a), int(b)), (int(c), int(d))) for (a, b), (c, d) in ranges]
    if source.suffix not in {".xlsx", ".xlsm"} or source.size > OPENPYXL_MERGE_LIMIT:
        return []
    import openpyxl  # noqa: PLC0415 - only for workbooks whose merges calamine does not report

    try:
        target = io.BytesIO(source.data) if source.data is not None else str(source.path)
        workbook = openpyxl.load_workbook(target, read_only=False, data_only=True)
        cells = workbook[sheet_name].merged_cells.ranges
    except Exception:  # the merges only refine the header guess; the values were read already
        return []
    return [((r.min_row - 1, r.min_col - 1), (r.max_row - 1, r.max_col - 1)) for r in cells]


def _banner_records(numbers: list[int], records: list[list[str]], merged: list[MergedRange]) -> frozenset[int]:
    """Records whose every filled cell starts a merge across columns: titles and group labels, not headers."""
    anchors = {(first_row, first_col) for (first_row, first_col), (_, last_col) in merged if last_col > first_col}
    if not anchors:
        return frozenset()
    banners = set()
    for index, (number, record) in enumerate(zip(numbers, records, strict=True)):
        filled = [column for column, cell in enumerate(record) if cell.strip()]
        if filled and all((number, column) in anchors for column in filled):
            banners.add(index)
    return frozenset(banners)


# --------------------------------------------------------------------------- Parquet


def _read_parquet(source: Source) -> RawTable:
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        target = io.BytesIO(source.data) if source.data is not None else str(source.path)
        table = pq.read_table(target)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(
            f"'{source.name}' cannot be read as Parquet ({str(exc)[:80]}); export it again or use CSV."
        ) from None
    if table.num_columns > MAX_COLUMNS:
        raise InputError(
            f"'{source.name}' has {table.num_columns:,} columns, more than the {MAX_COLUMNS:,} the studio reads; "
            "export the columns you need."
        )
    nested = [str(name) for name, kind in zip(table.column_names, table.schema.types, strict=True) if kind.num_fields]
    columns = {
        str(name): _parquet_column(column)
        for name, column in zip(table.column_names, table.columns, strict=True)
        if str(name) not in nested
    }
    notes = ["Read as Parquet."]
    if nested:
        notes.append(
            f"Left out {len(nested)} column(s) holding lists or records (Parquet nested types): "
            f"{', '.join(nested[:10])}; flatten them to text or numbers to use them."
        )
    if not columns:
        raise _empty_error(source)
    return RawTable(frame=pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False), notes=notes)


def _parquet_column(column: pa.ChunkedArray) -> pd.Series:
    """A Parquet column kept typed where its type says what it holds, else as text.

    Numbers become float64 (whole numbers only while they stay exact and are written without
    a decimal point), timestamps and dates datetime64[ns] at whole seconds (as their text would
    read), flags without gaps bool. Everything else (text, decimals, flags with gaps, lists …)
    becomes text, which the parsers and checks then read like any text file.
    """
    kind = column.type
    try:
        if pa.types.is_floating(kind):
            return pd.Series(column.cast(pa.float64()).to_numpy(), dtype="float64")
        if pa.types.is_integer(kind):
            largest = pc.max(pc.abs(column)).as_py() if column.null_count < len(column) else 0
            if largest is None or largest < TYPED_INTEGER_LIMIT:
                return pd.Series(column.cast(pa.float64()).to_numpy(), dtype="float64")
        elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            stamps = pd.Series(pd.to_datetime(pd.Series(column.to_pandas())))
            if stamps.dt.tz is not None:
                stamps = stamps.dt.tz_localize(None)  # the wall-clock time its text shows
            return stamps.dt.floor("s").astype("datetime64[ns]")
        elif pa.types.is_boolean(kind) and column.null_count == 0:
            return pd.Series(column.to_numpy(zero_copy_only=False), dtype=bool)
    except (pa.ArrowException, ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        pass  # values a typed column cannot hold (dates beyond 2262 …) are read as text
    try:
        text = pc.fill_null(column.cast(pa.large_string()), "")
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):  # types Arrow cannot cast (durations, binary …)
        text = pa.array(["" if value is None else str(value) for value in column.to_pylist()], pa.large_string())
    return pd.Series(pd.array(text, dtype="str"))


# --------------------------------------------------------------------------- tidy


def _tidy(raw: RawTable, source: Source) -> None:
    """Strip cells, drop empty rows and empty unnamed columns, make names unique."""
    frame = raw.frame
    if frame.shape[1] == 0:
        raise _empty_error(source)
    original = [str(c) for c in frame.columns]
    # trimmed per distinct value: most columns have nothing to trim, so no new copy of the text is made
    columns: list[pd.Series] = []
    distinct: list[Distinct] = []
    filled: list[np.ndarray] = []
    # typed columns (Parquet numbers, timestamps, flags) keep their values: nothing to trim, blank means missing
    raw_columns = [frame.iloc[:, position] for position in range(frame.shape[1])]
    raw_columns = [column if is_typed(column) else column.astype("str") for column in raw_columns]
    if len(frame) >= PARALLEL_ROWS and len(raw_columns) > 1:
        # Arrow's dictionary encoding releases the GIL: columns are encoded side by side
        with ThreadPoolExecutor(max_workers=min(len(raw_columns), os.cpu_count() or 1, 4)) as pool:
            encoded = list(pool.map(Distinct.of, raw_columns))
    else:
        encoded = [Distinct.of(column) for column in raw_columns]
    for untrimmed, factorised in zip(raw_columns, encoded, strict=True):
        if factorised.typed:
            columns.append(untrimmed)
            distinct.append(factorised)
            filled.append(untrimmed.notna().to_numpy())
            continue
        column, trimmed_column = untrimmed, factorised
        trimmed = factorised.values.str.strip()
        if not trimmed.equals(factorised.values):
            column = factorised.spread(trimmed)
            trimmed_column = Distinct.of(column)
            trimmed = trimmed_column.values
        columns.append(column)
        distinct.append(trimmed_column)
        filled.append(trimmed.str.len().fillna(0).gt(0).to_numpy()[trimmed_column.codes])
    blank_columns = {i for i, name in enumerate(original) if not name.strip() and not filled[i].any()}
    if blank_columns:
        raw.notes.append(f"Ignored {len(blank_columns)} empty column(s) without a name.")
    kept = [i for i in range(len(original)) if i not in blank_columns]
    names, rename_notes = make_unique([original[i] for i in kept])
    raw.notes.extend(rename_notes)
    if not kept:
        raise _empty_error(source)
    frame = pd.DataFrame(dict(zip(names, (columns[i] for i in kept), strict=True)), index=frame.index, copy=False)
    nonempty = np.logical_or.reduce([filled[i] for i in kept])
    empty_rows = int((~nonempty).sum())
    if empty_rows:
        frame = frame.loc[nonempty].reset_index(drop=True)
        raw.notes.append(f"Ignored {empty_rows} empty row(s).")
        raw.distinct = {name: Distinct.of(frame[name]) for name in names}
    else:
        raw.distinct = {name: replace(distinct[i], text=frame[name]) for name, i in zip(names, kept, strict=True)}
    if len(frame) == 0:
        raise _header_only_error(source)
    raw.frame = frame


def preview(raw: RawTable, rows: int) -> pd.DataFrame:
    """Return the first `rows` rows of a raw table, as text."""
    return text_frame(raw.frame.head(rows)).copy()
