"""Turn text columns into numbers, dates and flags the way people write them, vectorised.

Every function takes a text Series (as read by `reading`) and returns a parsed Series of the
same length with missing values as NaN/NaT/None, so callers can tell "blank" from "not a
number" by comparing with `is_missing`.

Columns a file stores typed (Parquet numbers and timestamps) arrive as float64, datetime64 or
bool Series instead of text. The parsers take their values as they are; whatever needs the text
of such a column (a flag read from 0/1, categories, a pattern search) gets it from
`cells_as_text`, written once per distinct value the way the cell would show in a text export.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MISSING_TOKENS = frozenset(
    {"", "n/a", "na", "nan", "null", "none", "-", "--", "---", "—", "–", "?", "#n/a", "nil", "(blank)", "missing"}
    | {"#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!", "#getting_data"}
)
"""Cells that mean "no value" (compared lower-case, after trimming)."""

SPREADSHEET_ERRORS = frozenset(
    {"#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#n/a", "#spill!", "#calc!", "#getting_data",
     "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!", "#error!"}
)  # fmt: skip
"""Error values a spreadsheet writes when a formula fails (compared lower-case): no value, but not blank."""
MAX_NUMBER = 1e18
"""Numbers larger than this in size are read as not a number: no amount, count or measure is, and sums stay finite."""
_MINUS_SIGNS = "[\u2212\u2012\ufe63\uff0d]"
"""Unicode minus signs (−, ‒, ﹣, －) written for a hyphen-minus."""

TRUE_TOKENS = frozenset({"true", "yes", "y", "t", "1", "1.0"})
FALSE_TOKENS = frozenset({"false", "no", "n", "f", "0", "0.0"})

_CURRENCY = (
    r"\b(?:US|C|CA|A|AU|NZ|HK|S|SG|R|NT|MX)\$|[$€£¥₹₩₽¢]"
    r"|\b(?:USD|EUR|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|PLN|INR|CNY|BRL|ZAR|MXN|SGD|HKD)\b"
)
_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


_MISSING_SET = pa.array(sorted(MISSING_TOKENS), type=pa.large_string())
_EXACT_INTEGERS = 1e15
"""Whole numbers below this are written without a decimal point (12345, not 12345.0), as spreadsheets show them."""


def is_typed(column: pd.Series) -> bool:
    """Whether a column holds values a file stored typed (float64, datetime64 or bool), not text."""
    return column.dtype.kind in "fMb"


def cells_as_text(column: pd.Series) -> pd.Series:
    """A typed column written as text: whole numbers without ``.0``, other numbers as Python writes them
    (shortest exact form), timestamps as ``YYYY-MM-DD[ HH:MM:SS]``, flags as ``true``/``false``; missing as "".

    Text columns are returned as they are.
    """
    kind = column.dtype.kind
    if kind == "b":
        return pd.Series(np.where(column.to_numpy(), "true", "false"), index=column.index, dtype="str")
    if kind == "M":
        written = column.dt.strftime("%Y-%m-%d %H:%M:%S").str.replace(" 00:00:00", "", regex=False)
        return written.fillna("").astype("str")
    if kind != "f":
        return column.astype("str")
    numbers = column.to_numpy(dtype=np.float64)
    whole = np.zeros(len(numbers), dtype=bool)
    finite = np.isfinite(numbers)
    whole[finite] = (np.abs(numbers[finite]) < _EXACT_INTEGERS) & (numbers[finite] == np.floor(numbers[finite]))
    written_whole = pc.cast(pa.array(numbers[whole].astype(np.int64)), pa.large_string())
    text = np.full(len(numbers), "", dtype=object)
    text[whole] = written_whole.to_numpy(zero_copy_only=False)
    other = ~whole & ~np.isnan(numbers)
    text[other] = [repr(value) for value in numbers[other].tolist()]
    return pd.Series(text, index=column.index, dtype="str")


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its typed columns written as text (`cells_as_text`); text columns are not copied."""
    if not any(is_typed(frame[name]) for name in frame.columns):
        return frame
    return pd.DataFrame(
        {name: cells_as_text(frame[name]) for name in frame.columns}, index=frame.index, copy=False
    ).set_axis(frame.columns, axis=1)


@dataclass(frozen=True)
class Distinct:
    """A text column as its distinct values and, per row, which of them the row holds.

    Large files repeat most values (dates, countries, plans, amounts), so the parsers read each
    distinct value once and spread the result back to the rows with one array lookup.
    """

    text: pd.Series
    """The column itself (str)."""
    values: pd.Series
    """Distinct texts in order of first appearance, indexed 0..n-1."""
    codes: np.ndarray
    """Per row, the position of its text in `values`."""
    counts: np.ndarray
    """Per distinct text, how many rows hold it."""

    @classmethod
    def of(cls, text: pd.Series) -> Distinct:
        """Factorise a text column, or a typed one by its values (one hash pass over the rows)."""
        if is_typed(text):
            codes, uniques = pd.factorize(text, use_na_sentinel=False)
            values = pd.Series(uniques, dtype=text.dtype).reset_index(drop=True)
            codes = codes.astype(
                np.int32 if len(values) < 2**31 else np.int64
            )  # as Arrow's text codes: half the memory
            return cls(text=text, values=values, codes=codes, counts=np.bincount(codes, minlength=len(values)))
        encoded = pc.dictionary_encode(_arrow_text(text), null_encoding="encode")
        chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
        # Arrow encodes the chunks against one growing dictionary: the last chunk's holds every value
        dictionary = chunks[-1].dictionary if chunks else None
        if dictionary is not None and all(len(chunk.dictionary) == len(dictionary) for chunk in chunks):
            codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in chunks])
            values = pd.Series(pd.array(dictionary, dtype="str"))
        else:
            codes, uniques = pd.factorize(text.astype("str"), use_na_sentinel=False)
            values = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
        return cls(text=text, values=values, codes=codes, counts=np.bincount(codes, minlength=len(values)))

    @property
    def typed(self) -> bool:
        """Whether the column holds typed values (numbers, timestamps, flags) rather than text."""
        return is_typed(self.values)

    def as_text(self) -> Distinct:
        """The column with its values written as text (`cells_as_text`, once per distinct value); text stays as is."""
        if not self.typed:
            return self
        values = cells_as_text(self.values)
        text = pd.Series(values.array.take(self.codes), index=self.text.index, name=self.text.name)
        return Distinct(text=text, values=values, codes=self.codes, counts=self.counts)

    @property
    def repeats(self) -> bool:
        """True when parsing the distinct values saves work (at most half as many as rows)."""
        return len(self.values) <= 0.5 * len(self.text)

    def spread(self, per_value: pd.Series) -> pd.Series:
        """Return `per_value` (one entry per distinct text) as one entry per row, on the column's index."""
        # taking from the array keeps the dtype and skips building a throw-away index
        return pd.Series(per_value.array.take(self.codes), index=self.text.index, name=per_value.name)

    def subset(self, mask: pd.Series | np.ndarray) -> Distinct:
        """The rows where `mask` is True, keeping only the distinct values they hold."""
        keep = np.asarray(mask, dtype=bool)
        if keep.all():  # every row kept holds every distinct value: nothing to copy
            return self
        codes = self.codes[keep]
        counts = np.bincount(codes, minlength=len(self.values))
        used = counts > 0
        renumber = np.cumsum(used) - 1
        values = self.values[used].reset_index(drop=True)
        return Distinct(text=self.text[keep], values=values, codes=renumber[codes], counts=counts[used])

    def missing_values(self) -> pd.Series:
        """Per distinct value, whether it means "no value"."""
        if self.typed:
            return pd.Series(self.values.isna().to_numpy(), index=self.values.index, dtype=bool)
        return _missing(self.values)


def as_text(text: pd.Series | Distinct) -> pd.Series | Distinct:
    """A column as text: typed values written by `cells_as_text` (a `Distinct` once per distinct value)."""
    if isinstance(text, Distinct):
        return text.as_text()
    return cells_as_text(text) if is_typed(text) else text


def _typed_column(text: pd.Series | Distinct) -> pd.Series | None:
    """The typed values of a column, or None for text."""
    column = text.text if isinstance(text, Distinct) else text
    return column if is_typed(column) else None


def _as_distinct(text: pd.Series | Distinct) -> Distinct | None:
    return text if isinstance(text, Distinct) and text.repeats else None


def _as_text(text: pd.Series | Distinct) -> pd.Series:
    return text.text if isinstance(text, Distinct) else text


def _arrow_text(text: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as Arrow strings (zero-copy for the usual Arrow-backed str columns)."""
    array = pa.array(text.astype("str"))
    return array if pa.types.is_large_string(array.type) else array.cast(pa.large_string())


def is_missing(text: pd.Series | Distinct) -> pd.Series:
    """Return True where a cell is blank or says there is no value (N/A, -, null, none …)."""
    typed = _typed_column(text)
    if typed is not None:
        return pd.Series(typed.isna().to_numpy(), index=typed.index, dtype=bool)
    distinct = _as_distinct(text)
    if distinct is not None:
        return distinct.spread(distinct.missing_values())
    return _missing(_as_text(text))


def _missing(text: pd.Series) -> pd.Series:
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(_arrow_text(text)))
    flags = pc.fill_null(pc.is_in(lowered, value_set=_MISSING_SET), fill_value=True)
    return pd.Series(flags.to_numpy(zero_copy_only=False), index=text.index, dtype=bool)


@dataclass
class NumberParse:
    """Numbers read from a text column, and how they were read."""

    values: pd.Series  # float64, NaN where blank or not a number
    missing: pd.Series  # bool: blank / N/A …
    decimal_comma: bool
    percent: bool
    currency: bool

    @property
    def unparsed(self) -> pd.Series:
        """True where a cell holds text that is not a number."""
        return self.values.isna() & ~self.missing

    @property
    def parse_rate(self) -> float:
        """Share of non-blank cells that are numbers (1.0 when every cell is blank)."""
        present = int((~self.missing).sum())
        return 1.0 if present == 0 else float(self.values.notna().sum()) / present


def parse_numbers(text: pd.Series | Distinct) -> NumberParse:
    """Read numbers written like ``$1,234.50``, ``€ 1.234,50``, ``1 234,50 EUR``, ``12k``, ``(1,200)``, ``15%``.

    The decimal mark is decided per column from the values where it is unambiguous (counted per
    row); a value with both marks uses the last one as decimal. Percentages are read as numbers
    of percent (15% → 15). A `Distinct` column is parsed once per distinct value; typed numbers are
    taken as they are (infinities count as not a number, as their text ``inf`` would).
    """
    typed = _typed_column(text)
    if typed is not None and typed.dtype.kind == "f":
        missing = pd.Series(typed.isna().to_numpy(), index=typed.index, dtype=bool)
        values = _bounded(typed.astype("float64"))
        return NumberParse(values=values, missing=missing, decimal_comma=False, percent=False, currency=False)
    text = as_text(text)
    distinct = _as_distinct(text)
    if distinct is None:
        parsed = _parse_numbers(_as_text(text), None)
        parsed.values = _bounded(parsed.values)
        return parsed
    parsed = _parse_numbers(distinct.values, pd.Series(distinct.counts, dtype="float64"))
    parsed.values = _bounded(parsed.values)
    return NumberParse(
        values=distinct.spread(parsed.values),
        missing=distinct.spread(parsed.missing),
        decimal_comma=parsed.decimal_comma,
        percent=parsed.percent,
        currency=parsed.currency,
    )


def _bounded(values: pd.Series) -> pd.Series:
    """`values` with infinities and numbers larger in size than `MAX_NUMBER` as NaN (not a number)."""
    numbers = values.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        outside = np.abs(numbers) > MAX_NUMBER
    return values.where(~outside) if outside.any() else values


def _parse_numbers(text: pd.Series, weights: pd.Series | None) -> NumberParse:
    """`parse_numbers` on rows; `weights` counts how many rows each entry stands for (None: one each)."""
    source = text.astype("str")
    missing = _missing(source)
    # fast path: most cells of most columns are plain numbers that pandas reads directly
    plain = _plain_numbers(source, missing)
    rest = plain.isna() & ~missing
    if not rest.any():
        return NumberParse(values=plain, missing=missing, decimal_comma=False, percent=False, currency=False)
    written = _parse_written(source[rest], missing[rest], None if weights is None else weights[rest])
    if written.decimal_comma and plain.notna().any():
        # "1.234" read as plain means 1234 in a column that writes decimals with a comma
        return _parse_written(source, missing, weights)
    values = plain.copy()
    values[rest] = written.values
    return NumberParse(
        values=values,
        missing=missing,
        decimal_comma=written.decimal_comma,
        percent=written.percent,
        currency=written.currency,
    )


_PLAIN = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


def _plain_numbers(source: pd.Series, missing: pd.Series) -> pd.Series:
    """Cells that are plain numbers (``-12.5``, ``3e4``) as float64, NaN elsewhere; in Arrow, without Python loops."""
    array = _arrow_text(source)
    plain = pc.fill_null(pc.match_substring_regex(array, _PLAIN), fill_value=False)
    values = pc.cast(pc.if_else(plain, array, pa.scalar(None, pa.large_string())), pa.float64())
    result = pd.Series(values.to_numpy(zero_copy_only=False), index=source.index, dtype="float64")
    return result.where(~missing)


def _parse_written(source: pd.Series, missing: pd.Series, weights: pd.Series | None = None) -> NumberParse:
    """Parse numbers with currency, separators, suffixes and brackets (the slow path of `parse_numbers`)."""
    cleaned = source.str.strip().str.replace(_MINUS_SIGNS, "-", regex=True)
    currency = cleaned.str.contains(_CURRENCY, regex=True, na=False)
    cleaned = cleaned.str.replace(_CURRENCY, "", regex=True)
    # spaces of every kind and apostrophes are thousands separators (1 234,50 / 1'234.50)
    cleaned = cleaned.str.replace("[\\s\u00a0\u202f']", "", regex=True)
    # (1,200) and 1,200- are negative; patterns without groups keep pandas on its fast Arrow path
    negative = cleaned.str.match(r"^\(.*\)$", na=False) | cleaned.str.match(r"^.*\d-$", na=False)
    cleaned = cleaned.where(~negative, cleaned.str.replace(r"^\(|\)$|-$", "", regex=True))
    percent = cleaned.str.endswith("%")
    cleaned = cleaned.str.removesuffix("%")
    has_suffix = cleaned.str.match(r"(?i)^[-+]?[\d.,]*\d[\d.,]*(k|mm|mn|m|bn|b)$", na=False)
    multiplier = pd.Series(1.0, index=cleaned.index)
    if has_suffix.any():
        suffix = cleaned[has_suffix].str.lower().str.replace(r"^[-+]?[\d.,]+", "", regex=True)
        multiplier[has_suffix] = suffix.map(_SUFFIX).astype("float64").fillna(1.0)
        cleaned = cleaned.where(~has_suffix, cleaned.str.replace(r"(?i)(k|mm|mn|m|bn|b)$", "", regex=True))

    has_dot = cleaned.str.contains(".", regex=False)
    has_comma = cleaned.str.contains(",", regex=False)
    comma_decimal_evidence = has_comma & ~has_dot & ~cleaned.str.match(r"^[-+]?\d{1,3}(,\d{3})+$", na=False)
    comma_decimal_evidence |= cleaned.str.match(r"^[-+]?\d{1,3}(\.\d{3})+,\d*$", na=False)
    dot_decimal_evidence = has_dot & ~has_comma & ~cleaned.str.match(r"^[-+]?\d{1,3}(\.\d{3})+$", na=False)
    dot_decimal_evidence |= cleaned.str.match(r"^[-+]?\d{1,3}(,\d{3})+\.\d*$", na=False)
    rows = pd.Series(1.0, index=cleaned.index) if weights is None else weights
    decimal_comma = float(rows[comma_decimal_evidence].sum()) > float(rows[dot_decimal_evidence].sum())

    as_dot = cleaned.str.replace(",", "", regex=False)
    as_comma = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    both = has_dot & has_comma
    comma_last = cleaned.str.rfind(",") > cleaned.str.rfind(".")
    # a lone mark followed by other than three digits, or repeated, says what it is in that very value
    comma_alone_decimal = has_comma & ~has_dot & cleaned.str.match(r"^[-+]?\d*,(\d{1,2}|\d{4,})$", na=False)
    dot_alone_thousands = has_dot & ~has_comma & cleaned.str.match(r"^[-+]?\d{1,3}(\.\d{3}){2,}$", na=False)
    comma_alone_thousands = has_comma & ~has_dot & cleaned.str.match(r"^[-+]?\d{1,3}(,\d{3}){2,}$", na=False)
    dot_alone_decimal = has_dot & ~has_comma & cleaned.str.match(r"^[-+]?\d*\.(\d{1,2}|\d{4,})$", na=False)
    decided = both | comma_alone_decimal | dot_alone_thousands | comma_alone_thousands | dot_alone_decimal
    use_comma = (both & comma_last) | comma_alone_decimal | dot_alone_thousands | (~decided & decimal_comma)
    chosen = as_dot.where(~use_comma, as_comma)
    chosen = chosen.where(chosen.str.match(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", na=False), "")
    values = pd.to_numeric(chosen.where(chosen != ""), errors="coerce").astype("float64")
    values = values * multiplier
    values = values.where(~negative, -values.abs())
    values = values.where(~missing)
    present = ~missing
    return NumberParse(
        values=values,
        missing=missing,
        decimal_comma=decimal_comma,
        percent=bool((percent & present).any()),
        currency=bool((currency & present).any()),
    )


@dataclass
class DateParse:
    """Dates read from a text column, and how they were read."""

    values: pd.Series  # datetime64[ns], NaT where blank or not a date
    missing: pd.Series
    order: str  # "iso" | "day_first" | "month_first" | "yyyymmdd" | "excel_serial" | "mixed" | "none"
    ambiguous: bool  # day-first vs month-first could not be told from the data
    outside: pd.Series | None = None
    """True where a cell holds a date before 1677-09-22 or after 2262-04-11 (such as 9999-12-31, a usual
    "no end date"): beyond what datetime64[ns] holds, so read as no date (and counted in `missing`)."""
    outside_example: str = ""

    @property
    def out_of_range(self) -> int:
        """How many cells hold a date beyond the range datetime64[ns] holds (read as no date)."""
        return 0 if self.outside is None else int(self.outside.sum())

    @property
    def parse_rate(self) -> float:
        """Share of non-blank cells that are dates."""
        present = int((~self.missing).sum())
        return 0.0 if present == 0 else float(self.values.notna().sum()) / present


_ISO = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
_DMY = r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:[ T](\d{1,2}:\d{2}(?::\d{2})?))?$"
_COMPACT = r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$"
_NAMED = r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"


def parse_dates(text: pd.Series | Distinct, date_order: str = "auto", allow_serial: bool = False) -> DateParse:
    """Read dates in ISO, D/M/Y or M/D/Y (decided from the data), YYYYMMDD, month names or Excel serials.

    `date_order` is ``auto``, ``day_first`` or ``month_first``. Excel serial numbers are read only
    when `allow_serial` (the column's name says it is a date). A `Distinct` column is parsed once
    per distinct value; typed timestamps are taken as they are (order ``iso``).
    """
    typed = _typed_column(text)
    if typed is not None and typed.dtype.kind == "M":
        missing = pd.Series(typed.isna().to_numpy(), index=typed.index, dtype=bool)
        return DateParse(values=typed.astype("datetime64[ns]"), missing=missing, order="iso", ambiguous=False)
    text = as_text(text)
    distinct = _as_distinct(text)
    if distinct is None:
        return _parse_dates(_as_text(text), date_order, allow_serial)
    parsed = _parse_dates(distinct.values, date_order, allow_serial)
    return DateParse(
        values=distinct.spread(parsed.values),
        missing=distinct.spread(parsed.missing),
        order=parsed.order,
        ambiguous=parsed.ambiguous,
        outside=None if parsed.outside is None else distinct.spread(parsed.outside),
        outside_example=parsed.outside_example,
    )


def _parse_dates(text: pd.Series, date_order: str, allow_serial: bool) -> DateParse:
    """Parse each cell by the way of writing a date it matches (ISO, D/M/Y, YYYYMMDD, month names, Excel days)."""
    source = text.astype("str").str.strip()
    missing = _missing(source)
    result = pd.Series(pd.NaT, index=source.index, dtype="datetime64[ns]")
    outside = pd.Series(data=False, index=source.index)
    orders: list[str] = []
    ambiguous = False

    iso = source.str.match(_ISO, na=False) & ~missing
    if iso.any():
        result[iso] = _in_range(_iso_dates(source[iso]), outside)
        orders.append("iso")

    dmy = source.str.match(_DMY, na=False) & ~missing
    if dmy.any():
        parsed, order, ambiguous = _dmy_dates(source[dmy], date_order)
        result[dmy] = _in_range(parsed, outside)
        orders.append(order)

    compact = source.str.match(_COMPACT, na=False) & ~missing
    if compact.any():
        result[compact] = _in_range(pd.to_datetime(source[compact], errors="coerce", format="%Y%m%d"), outside)
        orders.append("yyyymmdd")

    named = source.str.contains(_NAMED, regex=True, na=False) & ~missing & result.isna()
    if named.any():
        parsed = pd.to_datetime(source[named], errors="coerce", format="mixed", dayfirst=date_order == "day_first")
        result[named] = _in_range(parsed, outside)
        orders.append("mixed")

    if allow_serial:
        usable, serials = _excel_serials(source.where(result.isna() & ~missing))
        if usable.any():
            result[usable] = serials
            orders.append("excel_serial")

    order_name = _order_name(orders)
    if outside.any():
        missing = missing | outside
        return DateParse(
            values=result.where(~missing),
            missing=missing,
            order=order_name,
            ambiguous=ambiguous,
            outside=outside,
            outside_example=str(source[outside].iloc[0]),
        )
    return DateParse(values=result.where(~missing), missing=missing, order=order_name, ambiguous=ambiguous)


def _iso_dates(text: pd.Series) -> pd.Series:
    """ISO dates (``2024-01-31``, also ``2024/01/31`` and ``2024.01.31``), with time and zone, as naive UTC."""
    slashed = text.str.match(r"^\d{4}[/.]", na=False)
    if slashed.any():
        text = text.where(~slashed, text.str.slice(0, 10).str.replace(r"[/.]", "-", regex=True) + text.str.slice(10))
    return pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True).dt.tz_localize(None)


def _dmy_dates(text: pd.Series, date_order: str) -> tuple[pd.Series, str, bool]:
    """D/M/Y or M/D/Y dates: (dates, order read, whether the data could not tell day from month)."""
    parts = text.str.extract(_DMY)
    order, ambiguous = _day_month_order(
        pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce"), date_order
    )
    day, month = (parts[0], parts[1]) if order == "day_first" else (parts[1], parts[0])
    year = parts[2].where(parts[2].str.len() == 4, "20" + parts[2])
    stamp = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    stamp = stamp.where(parts[3].isna(), stamp + " " + parts[3].fillna(""))
    return pd.to_datetime(stamp, errors="coerce", format="ISO8601"), order, ambiguous


def _day_month_order(first: pd.Series, second: pd.Series, date_order: str) -> tuple[str, bool]:
    """The setting, or with ``auto`` the order a value above 12 decides (month first when none does).

    Ambiguous when no value decides; values above 12 in both places (bad data) decide nothing either.
    """
    if date_order != "auto":
        return date_order, False
    first_high, second_high = bool((first > 12).any()), bool((second > 12).any())
    if first_high and not second_high:
        return "day_first", False
    if second_high and not first_high:
        return "month_first", False
    return "month_first", not (first_high and second_high)


def _excel_serials(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Which cells are Excel day numbers from 1950 to 2100 (other numbers are not dates), and their dates."""
    serial = pd.to_numeric(text, errors="coerce")
    usable = serial.between(18264, 73051)
    days = pd.to_timedelta(serial[usable], unit="D")
    return usable, (EXCEL_EPOCH + days).astype("datetime64[ns]")


def _order_name(orders: list[str]) -> str:
    """One name for the ways dates were written: day-first or month-first wins, else the one way, or mixed."""
    order_name = orders[0] if len(orders) == 1 else ("mixed" if orders else "none")
    if any(o in {"day_first", "month_first"} for o in orders):
        order_name = next(o for o in orders if o in {"day_first", "month_first"})
    return order_name


_FIRST_NS = pd.Timestamp("1677-09-22")
_LAST_NS = pd.Timestamp("2262-04-11")


def _in_range(parsed: pd.Series, outside: pd.Series) -> pd.Series:
    """`parsed` as datetime64[ns], with dates beyond its range as NaT and marked in `outside` (in place)."""
    parsed = pd.Series(parsed)
    if parsed.dtype != "datetime64[ns]":
        beyond = parsed.notna() & ((parsed < _FIRST_NS) | (parsed > _LAST_NS))
        if beyond.any():
            outside[beyond[beyond].index] = True
            parsed = parsed.where(~beyond)
    return parsed.astype("datetime64[ns]")


def parse_booleans(text: pd.Series | Distinct) -> pd.Series | None:
    """Return a bool Series when every non-blank cell is a yes/no flag with both values present, else None.

    Blank cells count as False only when at most 5% of cells are blank; otherwise None.
    """
    text = as_text(text)
    distinct = _as_distinct(text)
    column = distinct.values if distinct is not None else _as_text(text)
    rows = distinct.counts if distinct is not None else np.ones(len(column))
    lowered = column.astype("str").str.strip().str.lower()
    missing = lowered.isin(MISSING_TOKENS)
    present = lowered[~missing]
    if present.empty:
        return None
    seen = set(present.unique())
    if not seen <= (TRUE_TOKENS | FALSE_TOKENS) or len(seen) != 2:
        return None
    if not (seen & TRUE_TOKENS and seen & FALSE_TOKENS):
        return None
    if float(rows[missing.to_numpy()].sum()) > 0.05 * float(rows.sum()):
        return None
    flags = lowered.isin(TRUE_TOKENS)
    return distinct.spread(flags) if distinct is not None else flags


def integral_id_text(ids: pd.Series) -> tuple[pd.Series, bool]:
    """Return IDs with a trailing ``.0`` removed when every present ID is an integral number so written.

    The second value says whether anything was changed.
    """
    text = ids.astype("str")
    present = text[text != ""]
    if present.empty or not present.str.match(r"^-?\d+\.0+$").any():
        return text, False
    if not present.str.match(r"^-?\d+(\.0+)?$").all():
        return text, False
    return text.str.replace(r"\.0+$", "", regex=True), True


_SIGN_CODES = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB"}
_DOLLAR_PREFIXES = {"US": "USD", "C": "CAD", "CA": "CAD", "A": "AUD", "AU": "AUD", "NZ": "NZD", "HK": "HKD"}
_DOLLAR_PREFIXES |= {"S": "SGD", "SG": "SGD", "R": "BRL", "NT": "TWD", "MX": "MXN"}
_WRITTEN_CURRENCY = (
    r"(?i)\b(US|CA|AU|NZ|HK|SG|NT|MX|C|A|S|R)\$|([$€£¥₹₩₽])"
    r"|(?<![A-Za-z])(USD|EUR|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|PLN|INR|CNY|BRL|ZAR|MXN|SGD|HKD)(?![A-Za-z])"
)
_CURRENCY_CANDIDATE = r"[$€£¥₹₩₽]|[A-Za-z]{3}"
"""What every match of `_WRITTEN_CURRENCY` holds: a sign, or a code's three letters (a filter Arrow runs)."""


def written_currencies(text: pd.Series | Distinct) -> dict[str, int]:
    """How many cells name each currency (ISO code) by a sign or code: ``{"USD": 30, "EUR": 30}``.

    ``$``, ``US$`` and ``USD`` all count as USD; a cell naming none is not counted. Read once per
    distinct value of a `Distinct` column; typed columns name no currency.
    """
    if _typed_column(text) is not None:
        return {}
    distinct = text if isinstance(text, Distinct) else Distinct.of(text)
    values = distinct.values.astype("str")
    # every match holds a sign or three letters: Python's regex reads only the cells that do
    values = values[values.str.contains(_CURRENCY_CANDIDATE, regex=True, na=False)]
    found = values.str.extract(_WRITTEN_CURRENCY)
    codes = found[0].str.upper().map(_DOLLAR_PREFIXES).fillna(found[1].map(_SIGN_CODES)).fillna(found[2].str.upper())
    counts = pd.Series(distinct.counts[values.index.to_numpy()], index=values.index)
    named = codes.notna()
    totals = counts[named].groupby(codes[named].to_numpy()).sum()
    return {str(code): int(rows) for code, rows in totals.items()}


def spreadsheet_errors(text: pd.Series | Distinct) -> pd.Series:
    """True where a cell holds a spreadsheet error value (``#DIV/0!``, ``#N/A``, ``#VALUE!`` …)."""
    typed = _typed_column(text)
    if typed is not None:
        return pd.Series(data=False, index=typed.index)
    distinct = text if isinstance(text, Distinct) else Distinct.of(text)
    flags = distinct.values.astype("str").str.strip().str.lower().isin(SPREADSHEET_ERRORS)
    return distinct.spread(flags)
