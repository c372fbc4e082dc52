"""Turn text columns into numbers, dates and flags the way people write them, vectorised.

Every function takes a text Series (as read by `reading`) and returns a parsed Series of the
same length with missing values as NaN/NaT/None, so callers can tell "blank" from "not a
number" by comparing with `is_missing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MISSING_TOKENS = frozenset(
    {"", "n/a", "na", "nan", "null", "none", "-", "--", "---", "—", "–", "?", "#n/a", "nil", "(blank)", "missing"}
)
"""Cells that mean "no value" (compared lower-case, after trimming)."""

TRUE_TOKENS = frozenset({"true", "yes", "y", "t", "1", "1.0"})
FALSE_TOKENS = frozenset({"false", "no", "n", "f", "0", "0.0"})

_CURRENCY = r"[$€£¥₹₩₽¢]|\b(?:USD|EUR|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|PLN|INR|CNY|BRL|ZAR|MXN|SGD|HKD)\b"
_SUFFIX = {"k": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def is_missing(text: pd.Series) -> pd.Series:
    """Return True where a cell is blank or says there is no value (N/A, -, null, none …)."""
    lowered = text.astype("str").str.strip().str.lower()
    return lowered.isin(MISSING_TOKENS)


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


def parse_numbers(text: pd.Series) -> NumberParse:
    """Read numbers written like ``$1,234.50``, ``€ 1.234,50``, ``1 234,50 EUR``, ``12k``, ``(1,200)``, ``15%``.

    The decimal mark is decided per column from the values where it is unambiguous; a value with
    both marks uses the last one as decimal. Percentages are read as numbers of percent (15% → 15).
    """
    source = text.astype("str")
    missing = is_missing(source)
    cleaned = source.str.strip()
    currency = cleaned.str.contains(_CURRENCY, regex=True, na=False)
    cleaned = cleaned.str.replace(_CURRENCY, "", regex=True)
    negative = cleaned.str.match(r"^\s*\(.*\)\s*$", na=False) | cleaned.str.match(r"^.*\d\s*-$", na=False)
    cleaned = cleaned.str.replace(r"^\s*\((.*)\)\s*$", r"\1", regex=True).str.replace(r"(\d)\s*-$", r"\1", regex=True)
    # spaces of every kind and apostrophes are thousands separators (1 234,50 / 1'234.50)
    cleaned = cleaned.str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    percent = cleaned.str.endswith("%")
    cleaned = cleaned.str.removesuffix("%")
    suffix = cleaned.str.extract(r"(?i)^[-+]?[\d.,]+(k|mm|mn|m|bn|b)$", expand=False).str.lower()
    multiplier = suffix.map(_SUFFIX).astype("float64").fillna(1.0)
    cleaned = cleaned.str.replace(r"(?i)(?<=[\d.])(k|mm|mn|m|bn|b)$", "", regex=True)

    has_dot = cleaned.str.contains(".", regex=False)
    has_comma = cleaned.str.contains(",", regex=False)
    comma_decimal_evidence = has_comma & ~has_dot & ~cleaned.str.match(r"^[-+]?\d{1,3}(,\d{3})+$", na=False)
    comma_decimal_evidence |= cleaned.str.match(r"^[-+]?\d{1,3}(\.\d{3})+,\d*$", na=False)
    dot_decimal_evidence = has_dot & ~has_comma & ~cleaned.str.match(r"^[-+]?\d{1,3}(\.\d{3})+$", na=False)
    dot_decimal_evidence |= cleaned.str.match(r"^[-+]?\d{1,3}(,\d{3})+\.\d*$", na=False)
    decimal_comma = int(comma_decimal_evidence.sum()) > int(dot_decimal_evidence.sum())

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

    @property
    def parse_rate(self) -> float:
        """Share of non-blank cells that are dates."""
        present = int((~self.missing).sum())
        return 0.0 if present == 0 else float(self.values.notna().sum()) / present


_ISO = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
_DMY = r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:[ T](\d{1,2}:\d{2}(?::\d{2})?))?$"
_COMPACT = r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$"
_NAMED = r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"


def parse_dates(text: pd.Series, date_order: str = "auto", allow_serial: bool = False) -> DateParse:
    """Read dates in ISO, D/M/Y or M/D/Y (decided from the data), YYYYMMDD, month names or Excel serials.

    `date_order` is ``auto``, ``day_first`` or ``month_first``. Excel serial numbers are read only
    when `allow_serial` (the column's name says it is a date).
    """
    source = text.astype("str").str.strip()
    missing = is_missing(source)
    result = pd.Series(pd.NaT, index=source.index, dtype="datetime64[ns]")
    orders: list[str] = []
    ambiguous = False

    iso = source.str.match(_ISO, na=False) & ~missing
    if iso.any():
        normal = source[iso].str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", regex=True)
        parsed = pd.to_datetime(normal, errors="coerce", format="ISO8601", utc=True).dt.tz_localize(None)
        result[iso] = parsed.astype("datetime64[ns]")
        orders.append("iso")

    parts = source.str.extract(_DMY)
    dmy = parts[0].notna() & ~missing
    if dmy.any():
        first = pd.to_numeric(parts.loc[dmy, 0], errors="coerce")
        second = pd.to_numeric(parts.loc[dmy, 1], errors="coerce")
        order = date_order
        if order == "auto":
            if (first > 12).any() and not (second > 12).any():
                order = "day_first"
            elif (second > 12).any() and not (first > 12).any():
                order = "month_first"
            else:
                order = "month_first"
                ambiguous = not ((first > 12).any() and (second > 12).any())
        day, month = (
            (parts.loc[dmy, 0], parts.loc[dmy, 1]) if order == "day_first" else (parts.loc[dmy, 1], parts.loc[dmy, 0])
        )
        year = parts.loc[dmy, 2].where(parts.loc[dmy, 2].str.len() == 4, "20" + parts.loc[dmy, 2])
        stamp = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
        stamp = stamp.where(parts.loc[dmy, 3].isna(), stamp + " " + parts.loc[dmy, 3].fillna(""))
        result[dmy] = pd.to_datetime(stamp, errors="coerce", format="ISO8601").astype("datetime64[ns]")
        orders.append(order)

    compact = source.str.match(_COMPACT, na=False) & ~missing
    if compact.any():
        result[compact] = pd.to_datetime(source[compact], errors="coerce", format="%Y%m%d").astype("datetime64[ns]")
        orders.append("yyyymmdd")

    named = source.str.contains(_NAMED, regex=True, na=False) & ~missing & result.isna()
    if named.any():
        parsed = pd.to_datetime(source[named], errors="coerce", format="mixed", dayfirst=date_order == "day_first")
        result[named] = parsed.astype("datetime64[ns]")
        orders.append("mixed")

    if allow_serial:
        rest = result.isna() & ~missing
        serial = pd.to_numeric(source.where(rest), errors="coerce")
        usable = serial.between(18264, 73051)  # 1950 to 2100: other numbers are not dates
        if usable.any():
            days = pd.to_timedelta(serial[usable], unit="D")
            result[usable] = (EXCEL_EPOCH + days).astype("datetime64[ns]")
            orders.append("excel_serial")

    order_name = orders[0] if len(orders) == 1 else ("mixed" if orders else "none")
    if any(o in {"day_first", "month_first"} for o in orders):
        order_name = next(o for o in orders if o in {"day_first", "month_first"})
    return DateParse(values=result.where(~missing), missing=missing, order=order_name, ambiguous=ambiguous)


def parse_booleans(text: pd.Series) -> pd.Series | None:
    """Return a bool Series when every non-blank cell is a yes/no flag with both values present, else None.

    Blank cells count as False only when at most 5% of cells are blank; otherwise None.
    """
    lowered = text.astype("str").str.strip().str.lower()
    missing = lowered.isin(MISSING_TOKENS)
    present = lowered[~missing]
    if present.empty:
        return None
    distinct = set(present.unique())
    if not distinct <= (TRUE_TOKENS | FALSE_TOKENS) or len(distinct) != 2:
        return None
    if not (distinct & TRUE_TOKENS and distinct & FALSE_TOKENS):
        return None
    if float(missing.mean()) > 0.05:
        return None
    return lowered.isin(TRUE_TOKENS)


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
