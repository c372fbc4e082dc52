"""Decide what each column is for: customer ID, revenue, date, category … with a confidence and a reason.

Detection looks at a deterministic sample of rows (the head plus evenly spaced rows), so a
million-row file costs the same as a twenty-thousand-row one; the chosen parsers then run on
the whole column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.errors import InputError
from segmentation.intake.parsing import (
    DateParse,
    Distinct,
    NumberParse,
    cells_as_text,
    is_missing,
    is_typed,
    parse_booleans,
    parse_dates,
    parse_numbers,
)
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.table import ROLES, ColumnRole
from segmentation.vocabulary import words

SAMPLE_ROWS = 20_000
OVERRIDE_ROLES = (*ROLES, "ignore")

_ID_NAMES = {
    "customerid", "custid", "clientid", "accountid", "accountnumber", "customernumber", "customerno", "custno",
    "customercode", "clientnumber", "clientcode", "companyid", "organizationid", "organisationid", "orgid", "userid",
    "memberid", "subscriberid", "buyerid", "shopperid", "customerkey", "accountkey", "customer", "account", "client",
    "accountcode", "debtorid", "debtornumber", "partnerid", "tenantid", "workspaceid",
}  # fmt: skip
_TRANSACTION_WORDS = (
    "invoice", "order", "transaction", "subscription", "ticket", "usage", "event", "line", "item", "product",
    "sku", "stock", "payment", "session", "receipt", "feature", "churn",
)  # fmt: skip
_GEO = re.compile(
    r"(?i)(country|state|city|region|zip|postal|postcode|province|territory|county|latitude|longitude|"
    r"^lat$|^lon$|^lng$|lat.?long|location|address|geo|continent|market|iso2|iso3)"
)
_COORD = re.compile(r"(?i)(latitude|longitude|^lat$|^lon$|^lng$)")
_DATE_NAME = re.compile(
    r"(?i)(date|datetime|timestamp|_at$|^at$|^day$|created|signup|signed|joined|since|^start|^end|started|ended)"
)
OUTCOME_NAME = re.compile(r"(?i)churn|cancel|attrition|(?:^|[^a-z])(?:is[ _-]?)?lost(?:$|[^a-z])|terminat")
"""A column name that says what happened to the customer (churned, cancelled, lost): role ``outcome``."""
_NAME_COLUMN = re.compile(r"(?i)^(customer|account|company|client|org|organi[sz]ation|business|firm)?[ _-]?name$")
_NOT_MONEY = {
    "score", "rate", "pct", "percent", "percentage", "count", "age", "id", "number", "num", "no", "qty",
    "quantity", "tenure", "months", "days", "discount", "tax", "zip", "code", "income", "seats", "users",
    "index", "rank", "ratio", "share", "probability", "flag", "year", "latitude", "longitude",
}  # fmt: skip


_AMOUNT_WORDS = {
    "amount", "charges", "charge", "spend", "spent", "billed", "billing", "paid", "monetary",
    "betrag", "importe", "montant", "importo", "bedrag", "valor",
}  # fmt: skip
_REVENUE_WORDS = {
    "revenue", "revenues", "sales", "turnover", "gmv", "bookings", "acv", "tcv",
    "umsatz", "umsatzerlöse", "erlös", "erlöse", "ingresos", "ventas", "fatturato", "omzet", "receita", "ca", "chiffre",
}  # fmt: skip
"""Words that say revenue, in English and the languages of common European exports."""


tokens = words
"""The one column-name splitter (`segmentation.vocabulary.words`)."""


def compact(name: str) -> str:
    """Lower-case letters and digits only (``Customer ID`` → customerid)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def sample_positions(rows: int) -> np.ndarray | None:
    """Row positions of the sample (the head plus evenly spaced rows), or None when every row is used."""
    if rows <= SAMPLE_ROWS:
        return None
    half = SAMPLE_ROWS // 2
    spaced = np.linspace(half, rows - 1, SAMPLE_ROWS - half).astype(np.int64)
    return np.concatenate([np.arange(half), spaced])


def _sample_column(
    frame: pd.DataFrame, name: str, positions: np.ndarray | None, factorised: Distinct | None
) -> tuple[pd.Series, pd.Series | None]:
    """One column of the sample as text, and its typed values (None for text columns).

    Taken from the factorised column when there is one (no gather over the long text). Typed
    columns are written as text (`cells_as_text`, only the sample's cells) so that lengths and
    patterns read exactly as the same values in a text file would.
    """
    if positions is None:
        column = frame[name]
    elif factorised is not None:
        column = pd.Series(factorised.values.array.take(factorised.codes[positions]), index=frame.index[positions])
    else:
        column = frame[name].iloc[positions]
    return (cells_as_text(column), column) if is_typed(column) else (column, None)


_COMPACT_DATES = (19000101, 20991231)
"""Whole numbers in this range may be YYYYMMDD dates."""
_SERIAL_DATES = (18264, 73051)
"""Numbers in this range may be Excel day numbers (1950 to 2100), in a column named like a date."""


def _typed_parses(
    typed: pd.Series, text: pd.Series, missing: pd.Series, date_order: str, allow_serial: bool
) -> tuple[NumberParse, DateParse]:
    """Numbers and dates of a typed sample, equal to parsing its text but without reading the text back.

    The text of a number can only read as a date when it is a whole YYYYMMDD number or, in a
    column named like a date, an Excel day number; only then is the text parsed for dates.
    Timestamps and flags are never numbers.
    """
    nothing = pd.Series(np.nan, index=text.index, dtype="float64")
    if typed.dtype.kind == "M":
        numbers = NumberParse(nothing, missing, decimal_comma=False, percent=False, currency=False)
        return numbers, parse_dates(typed.set_axis(text.index), date_order)
    numbers = parse_numbers(typed.set_axis(text.index))
    values = numbers.values.to_numpy()
    whole = values[np.isfinite(values) & (np.mod(values, 1) == 0)] if len(values) else values
    maybe_dates = bool(((whole >= _COMPACT_DATES[0]) & (whole <= _COMPACT_DATES[1])).any())
    maybe_dates |= allow_serial and bool(((values >= _SERIAL_DATES[0]) & (values <= _SERIAL_DATES[1])).any())
    if maybe_dates:
        return numbers, parse_dates(text, date_order, allow_serial=allow_serial)
    no_dates = DateParse(nothing.astype("datetime64[ns]"), missing, order="none", ambiguous=False)
    return numbers, no_dates


def _typed_boolean(typed: pd.Series, missing: pd.Series) -> bool:
    """Whether a typed sample reads as yes/no flags, as `parse_booleans` reads its text (true/false, 1/0)."""
    present = typed[~missing.to_numpy()]
    if typed.dtype.kind == "M" or present.empty:
        return False
    seen = set(np.unique(present.to_numpy()).tolist())
    if typed.dtype.kind == "b":
        return len(seen) == 2
    return seen == {0.0, 1.0} and int(missing.sum()) <= 0.05 * len(typed)


@dataclass
class ColumnProfile:
    """What a text column looks like (from the sample) and its distinct count (from all rows)."""

    name: str
    present_share: float
    distinct: int
    numbers: NumberParse
    dates: DateParse
    boolean: bool
    mean_length: float
    integral: bool
    sample_present: int

    @property
    def numeric(self) -> bool:
        """Nearly every non-blank cell is a number."""
        return self.sample_present > 0 and self.numbers.parse_rate >= 0.9

    @property
    def datelike(self) -> bool:
        """Nearly every non-blank cell is a date (numbers only when written as YYYYMMDD or named as dates)."""
        if self.sample_present == 0 or self.dates.parse_rate < 0.9:
            return False
        if self.numeric and self.dates.order not in {"yyyymmdd", "excel_serial"}:
            return False
        return not (self.dates.order == "excel_serial" and not _DATE_NAME.search(self.name))


def profile_columns(
    frame: pd.DataFrame, date_order: str, distinct: dict[str, Distinct] | None = None
) -> dict[str, ColumnProfile]:
    """Profile every column of a raw text frame (`distinct`: the columns already factorised, to count values)."""
    positions = sample_positions(len(frame))
    profiles: dict[str, ColumnProfile] = {}
    for name in frame.columns:
        factorised = distinct.get(str(name)) if distinct is not None else None
        column, typed = _sample_column(frame, name, positions, factorised)
        missing = is_missing(column)
        present = column[~missing]
        # text without digits is neither numbers nor dates: skip the costly parsers for it
        digits = float(present.head(1000).str.contains(r"\d", regex=True).mean()) if len(present) else 0.0
        allow_serial = bool(_DATE_NAME.search(str(name)))
        if digits >= 0.5 and typed is not None:
            numbers, dates = _typed_parses(typed, column, missing, date_order, allow_serial)
        elif digits >= 0.5:
            numbers = parse_numbers(column)
            dates = parse_dates(column, date_order, allow_serial=allow_serial)
        else:
            nothing = pd.Series(np.nan, index=column.index, dtype="float64")
            numbers = NumberParse(nothing, missing, decimal_comma=False, percent=False, currency=False)
            dates = DateParse(nothing.astype("datetime64[ns]"), missing, order="none", ambiguous=False)
        values = numbers.values.dropna()
        if factorised is not None:
            count = int((~factorised.missing_values()).sum())
        else:
            count = int(frame[name][~is_missing(frame[name])].nunique())
        profiles[str(name)] = ColumnProfile(
            name=str(name),
            present_share=float(1 - missing.mean()) if len(column) else 0.0,
            distinct=count,
            numbers=numbers,
            dates=dates,
            boolean=_typed_boolean(typed, missing) if typed is not None else parse_booleans(column) is not None,
            mean_length=float(present.str.len().mean()) if len(present) else 0.0,
            integral=bool(len(values) and np.all(np.mod(values, 1) == 0)),
            sample_present=len(present),
        )
    return profiles


# --------------------------------------------------------------------------- customer ID


def id_name_score(name: str) -> float:
    """How much a column's name says "customer ID" (0–1)."""
    key = compact(name)
    words = tokens(name)
    if key in _ID_NAMES:
        return 1.0
    if any(word in key for word in _TRANSACTION_WORDS):
        return 0.1
    if key == "id":
        return 0.75
    if any(w in {"customer", "account", "client", "cust", "company"} for w in words) and (
        words[-1] in {"id", "no", "number", "code", "key", "ref"}
    ):
        return 0.95
    if words and words[-1] in {"id", "key"}:
        return 0.5
    return 0.0


def choose_id(profiles: dict[str, ColumnProfile], n_rows: int, source_name: str, wanted: str | None) -> ColumnRole:
    """Return the customer-ID column's role. Raises `InputError` when none can be found."""
    if wanted is not None:
        if wanted not in profiles:
            raise InputError(
                f"Customer ID column '{wanted}' is not in '{source_name}'; its columns are "
                f"{_listing(profiles)}. Choose one of those (--id-column or the Data page)."
            )
        return ColumnRole(wanted, "customer_id", 1.0, "chosen in the settings")
    best: tuple[float, str] | None = None
    for name, profile in profiles.items():
        score = id_name_score(name)
        # one distinct value is fine in a one-row file; elsewhere it cannot tell customers apart
        too_few = profile.distinct < min(2, n_rows)
        if score == 0 or too_few or (profile.numeric and not profile.integral) or profile.datelike:
            continue
        score += 0.05 * min(profile.present_share, 1.0)
        if best is None or score > best[0]:
            best = (score, name)
    if best is not None and best[0] >= 0.5:
        name = best[1]
        share = profiles[name].distinct / max(n_rows, 1)
        return ColumnRole(
            name,
            "customer_id",
            min(best[0], 1.0),
            f"name looks like a customer ID; {share:.0%} of rows have distinct values",
        )
    for name, profile in profiles.items():  # a file without headers: the first identifier-like column
        if profile.distinct >= 2 and not profile.datelike and not (profile.numeric and not profile.integral):
            if profile.present_share < 0.5 or profile.boolean:
                continue
            return ColumnRole(name, "customer_id", 0.4, "first column that looks like an identifier (no ID-like name)")
    raise InputError(
        f"No customer ID column was found in '{source_name}' (columns: {_listing(profiles)}); "
        "choose one with --id-column or on the Data page."
    )


# --------------------------------------------------------------------------- revenue


@dataclass
class RevenueChoice:
    """The revenue column (or the sum or product of columns), its unit and why."""

    column: str
    factors: tuple[str, ...]  # one column, the columns added up, or (quantity, price)
    unit: str  # "ARR" | "MRR" | "revenue"
    confidence: float
    reason: str
    operation: str = "single"  # "single" | "sum" | "product"

    @property
    def parts(self) -> tuple[str, ...]:
        """The source columns revenue is made of when it is a sum or a product (else ())."""
        return self.factors if self.operation != "single" else ()


def parse_revenue_formula(wanted: str, columns: Collection[str]) -> tuple[str, tuple[str, ...]]:
    """Read a revenue setting: one column, ``"A+B+C"`` (a sum) or ``"Quantity * UnitPrice"`` (a product).

    Returns (operation, columns); a name that is itself a column wins over reading ``+`` or ``*`` in it.
    The columns may be missing from `columns` (the caller names them in its message).
    """
    if wanted in columns:
        return "single", (wanted,)
    if "+" in wanted:
        return "sum", tuple(part.strip() for part in wanted.split("+"))
    if "*" in wanted:
        return "product", tuple(part.strip() for part in wanted.split("*"))
    return "single", (wanted.strip(),)


def revenue_formula(parts: list[str] | tuple[str, ...]) -> str:
    """The revenue setting that adds `parts` up (``"A+B+C"``), or the one column."""
    return "+".join(parts)


_SPEND_PREFIXES = {"mnt", "amt", "amount", "spend", "spent", "sales", "revenue", "purchase", "purchases", "charges"}


def spend_like_groups(profiles: dict[str, ColumnProfile], exclude: set[str]) -> list[list[str]]:
    """Groups of two or more numeric columns that share a spend-like first word (``MntWines``, ``MntMeat`` …).

    Used to suggest a sum as the revenue when no single column says revenue; never added up unasked,
    since columns that share a word can overlap (a total and its parts) or cover different periods.
    """
    groups: dict[str, list[str]] = {}
    for name, profile in profiles.items():
        words = tokens(name)
        if name in exclude or not profile.numeric or profile.datelike or not words:
            continue
        if words[0] in _SPEND_PREFIXES and not set(words) & (_NOT_MONEY - {"no"}):
            groups.setdefault(words[0], []).append(name)
    return [sorted(names) for _, names in sorted(groups.items()) if len(names) >= 2]


_MONTHLY_MONEY = {
    "charge", "charges", "fee", "fees", "revenue", "amount", "price", "payment", "spend", "bill", "billing", "value",
}  # fmt: skip
"""Words that, with "monthly", say MRR ("Monthly Charges", "monthly_value")."""
_MONEY_NAME_SCORES: tuple[tuple[frozenset[str], float, float], ...] = (
    (frozenset(_REVENUE_WORDS), 0.9, 0.9),
    (frozenset({"amount", "charges", "charge", "spend", "spent", "billed", "billing", "paid", "monetary"}), 0.75, 0.7),
    (frozenset({"dollar", "dollars", "value", "net", "gross", "payment", "payments", "fees", "fee"}), 0.6, 0.6),
    (frozenset({"total", "price"}), 0.4, 0.4),
)
"""(words, score, score when "total" is in the name too), tried in order: the first with a word of the name wins."""


def revenue_name_score(name: str) -> tuple[float, str]:
    """Return how much a name says "money the customer pays" (0–1) and the unit it implies."""
    words = tokens(name)
    if not words or any(w in _NOT_MONEY for w in words):
        return 0.0, "revenue"
    if "arr" in words or "annualrecurring" in compact(name):
        return 1.0, "ARR"
    if "mrr" in words or ("monthly" in words and any(w in _MONTHLY_MONEY for w in words)):
        return 0.95, "MRR"
    for money_words, score, with_total in _MONEY_NAME_SCORES:
        if any(w in money_words for w in words):
            return (with_total if "total" in words else score), "revenue"
    return 0.0, "revenue"


def choose_revenue(
    profiles: dict[str, ColumnProfile], exclude: set[str], wanted: str | None, source_name: str, required: bool
) -> RevenueChoice | None:
    """Return the revenue column, a sum or quantity × price product, or None (raises when `required`)."""
    if wanted is not None:
        return _chosen_revenue(profiles, wanted, source_name, required)
    candidates: list[tuple[float, str, str]] = []
    for name, profile in profiles.items():
        if name in exclude or profile.present_share < 0.3 or profile.datelike:
            continue
        score, unit = revenue_name_score(name)
        # a clear money name with a few text cells is still the revenue column: those rows go to the ledger
        if (score >= 0.6 and profile.numeric) or (score >= 0.75 and profile.numbers.parse_rate >= 0.5):
            rate = profile.numbers.parse_rate
            candidates.append((score + 0.05 * rate, name, unit))
    if candidates:
        score, name, unit = max(candidates, key=lambda c: c[0])
        rate = profiles[name].numbers.parse_rate
        return RevenueChoice(
            name, (name,), unit, min(score, 1.0), f"name says money ({unit}); {rate:.0%} of values are numbers"
        )
    if all(re.fullmatch(r"column_\d+", name) for name in profiles):  # no header: the rightmost amount column
        amounts = [
            n for n, p in profiles.items() if n not in exclude and p.numeric and not p.integral and not p.datelike
        ]
        if amounts:
            return RevenueChoice(amounts[-1], (amounts[-1],), "revenue", 0.4, "no header: rightmost column of amounts")
    quantity = _first(profiles, exclude, {"quantity", "qty", "units", "volume"})
    price = _first(profiles, exclude, {"price", "unitprice", "rate"})
    if quantity and price:
        return RevenueChoice(
            f"{quantity} * {price}",
            (quantity, price),
            "revenue",
            0.8,
            "quantity × price (no revenue column)",
            "product",
        )
    if not required:
        return None
    raise _no_revenue(profiles, exclude, source_name)


def _chosen_revenue(
    profiles: dict[str, ColumnProfile], wanted: str, source_name: str, required: bool
) -> RevenueChoice | None:
    """The revenue the settings name (a column, a sum or a product); None or `InputError` when it is not there."""
    operation, factors = parse_revenue_formula(wanted, profiles)
    missing = [f for f in factors if f not in profiles]
    if missing or (operation == "product" and len(factors) > 2) or (operation != "single" and len(factors) < 2):
        if not required:
            return None
        raise InputError(
            f"Revenue column '{wanted}' is not in '{source_name}'"
            + (f" (no column '{missing[0]}')" if missing and missing[0] != wanted else "")
            + f"; its columns are {_listing(profiles)}. Choose one of those, or add columns up as "
            "'A+B+C' (--revenue-column or the Data page)."
        )
    unit = revenue_name_score(factors[0])[1] if operation != "product" else "revenue"
    units = {revenue_name_score(f)[1] for f in factors} if operation == "sum" else {unit}
    unit = unit if len(units) == 1 else "revenue"
    reason = "chosen in the settings"
    if operation == "sum":
        reason = f"chosen in the settings: the sum of {', '.join(repr(f) for f in factors)}"
    return RevenueChoice(wanted, factors, unit, 1.0, reason, operation)


def _no_revenue(profiles: dict[str, ColumnProfile], exclude: set[str], source_name: str) -> InputError:
    """The error for a file with no revenue column: what was looked at, and a sum to try when spend is split."""
    numeric = sorted(n for n, p in profiles.items() if p.numeric and n not in exclude)
    groups = spend_like_groups(profiles, exclude)
    hint = ""
    if groups:
        biggest = max(groups, key=len)
        hint = (
            f" The columns {', '.join(repr(c) for c in biggest)} look like spend per category with no total: "
            f'to analyse total spend, pass --revenue-column "{revenue_formula(biggest)}" or tick them under '
            "'Revenue is the sum of' on the Data page."
        )
    return InputError(
        f"No usable revenue column in '{source_name}': looked at {_listing(profiles)} "
        f"(numeric: {', '.join(numeric) or 'none'}) and none is named like revenue, ARR, MRR, amount or charges; "
        "pass --revenue-column or pick one on the Data page." + hint
    )


def _first(profiles: dict[str, ColumnProfile], exclude: set[str], words: set[str]) -> str | None:
    for name, profile in sorted(profiles.items()):  # by name: column order never decides
        if name not in exclude and profile.numeric and (compact(name) in words or set(tokens(name)) & words):
            return name
    return None


def _listing(profiles: dict[str, ColumnProfile]) -> str:
    names = sorted(profiles)  # by name, so the message does not depend on the file's column order
    shown = ", ".join(f"'{n}'" for n in names[:15])
    return shown + (f" and {len(names) - 15} more" if len(names) > 15 else "")


# --------------------------------------------------------------------------- other roles


def margin_kind(name: str) -> str | None:
    """What a money column says about margin: ``profit`` (money kept), ``margin`` (a share or an amount) or
    ``cost`` (cost of goods or to serve); None for anything else (acquisition cost is not a margin)."""
    words = set(tokens(name))
    key = compact(name)
    if "cac" in words or "acquisition" in words or "acquire" in words:
        return None
    if "profit" in key:
        return "profit"
    if "margin" in key:
        return "margin"
    if words & {"cost", "costs", "cogs"} or "costtoserve" in key or "servicecost" in key:
        return "cost"
    return None


def describe_role(profile: ColumnProfile, n_rows: int) -> ColumnRole:
    """Return the role of a column that is neither the customer ID nor revenue: the first of `_ROLE_RULES`
    that recognises it, else ``categorical``."""
    for rule in _ROLE_RULES:
        role = rule(profile, n_rows)
        if role is not None:
            return role
    return ColumnRole(profile.name, "categorical", 0.8, f"{profile.distinct:,} distinct values")


def _constant(profile: ColumnProfile, n_rows: int) -> ColumnRole | None:
    """One value in (nearly) every row, or nothing at all."""
    del n_rows
    if profile.distinct <= 1 and profile.present_share >= 0.99:
        return ColumnRole(profile.name, "constant", 1.0, "one value in every row")
    if profile.distinct == 0:
        return ColumnRole(profile.name, "constant", 1.0, "empty in every row")
    return None


def _outcome(profile: ColumnProfile, n_rows: int) -> ColumnRole | None:
    """Named like churn or cancellation: what happened to the customer, never a clustering input."""
    del n_rows
    if OUTCOME_NAME.search(profile.name):
        return ColumnRole(
            profile.name, "outcome", 0.9, "name says churn or cancellation: an outcome, never a clustering input"
        )
    return None


def _boolean(profile: ColumnProfile, n_rows: int) -> ColumnRole | None:
    """Only yes/no values."""
    del n_rows
    if profile.boolean:
        return ColumnRole(profile.name, "boolean", 0.95, "only yes/no (or true/false, 1/0) values")
    return None


def _date(profile: ColumnProfile, n_rows: int) -> ColumnRole | None:
    """Nearly every value is a date."""
    del n_rows
    if profile.datelike:
        order = profile.dates.order.replace("_", "-")
        return ColumnRole(profile.name, "date", 0.9, f"{profile.dates.parse_rate:.0%} of values are dates ({order})")
    return None


def _place(profile: ColumnProfile, n_rows: int) -> ColumnRole | None:
    """Named like a place (country, city, postcode, coordinates …)."""
    del n_rows
    if _GEO.search(profile.name):
        return ColumnRole(profile.name, "geographic", 0.85, "name says it is a place")
    return None


def _customer_name(profile: ColumnProfile, n_rows: int) -> ColumnRole | None:
    """Named like the customer's name, with mostly distinct values."""
    name = profile.name
    if _NAME_COLUMN.match(name.strip()) and profile.distinct > 0.5 * max(n_rows * profile.present_share, 1):
        return ColumnRole(name, "customer_name", 0.85, "name says customer name; mostly distinct values")
    return None


def _number(profile: ColumnProfile, n_rows: int) -> ColumnRole | None:
    """Nearly every value is a number (a profit, margin or cost column says so)."""
    del n_rows
    if not profile.numeric:
        return None
    reason = f"{profile.numbers.parse_rate:.0%} of values are numbers"
    kind = margin_kind(profile.name)
    if kind is not None:
        reason += f"; read as {kind} (segment margin and loss-making accounts)"
    return ColumnRole(profile.name, "numeric", 0.9, reason)


def _free_text(profile: ColumnProfile, n_rows: int) -> ColumnRole | None:
    """Long free text, or labels where almost every value differs: nothing to group customers by."""
    present_rows = max(n_rows * profile.present_share, 1)
    if profile.mean_length > 25 and profile.distinct > 0.3 * present_rows:
        return ColumnRole(profile.name, "text", 0.8, f"long free text (average {profile.mean_length:.0f} characters)")
    if profile.distinct > 0.9 * present_rows and present_rows > 50:
        return ColumnRole(profile.name, "text", 0.6, "almost every value is different (labels or notes)")
    return None


_ROLE_RULES: tuple[Callable[[ColumnProfile, int], ColumnRole | None], ...] = (
    _constant,
    _outcome,
    _boolean,
    _date,
    _place,
    _customer_name,
    _number,
    _free_text,
)
"""The role rules in the order they are tried; the order decides (a yes/no column named "churned" is an outcome)."""


def apply_override(role: ColumnRole, override: str) -> ColumnRole:
    """Return the role set by the user."""
    return ColumnRole(role.column, override, 1.0, f"set in the settings (detected: {role.role})")


def check_overrides(roles: dict[str, str], columns: list[str]) -> list[str]:
    """Validate role overrides; return notes about overrides naming columns this file does not have."""
    notes = []
    for column, role in roles.items():
        if role not in OVERRIDE_ROLES:
            raise InputError(
                f"Role '{role}' for column '{column}' is not known; use one of {', '.join(OVERRIDE_ROLES)}."
            )
        if column not in columns:
            notes.append(f"The settings give column '{column}' a role, but the file has no such column.")
    return notes


def source_column_roles(
    profiles: dict[str, ColumnProfile],
    id_role: ColumnRole,
    revenue: RevenueChoice | None,
    settings: IntakeSettings,
    n_rows: int,
    *,
    rejected: dict[str, str] | None = None,
) -> dict[str, ColumnRole]:
    """Return the role of every source column once the customer ID and revenue are chosen.

    The revenue column (or each part of a summed revenue) gets the role ``revenue``; the rest are
    detected (`describe_role`) and then set as the settings say. `rejected`: columns tried as revenue
    and refused, with why, which their reason then says.
    """
    roles: dict[str, ColumnRole] = {}
    single = revenue is not None and revenue.operation == "single"
    revenue_columns = set(revenue.factors) if revenue is not None and single else set()
    summed = set(revenue.factors) if revenue is not None and revenue.operation == "sum" else set()
    rejected = rejected or {}
    for name, profile in profiles.items():
        if name == id_role.column:
            roles[name] = id_role
        elif name in revenue_columns and revenue is not None:
            roles[name] = ColumnRole(name, "revenue", revenue.confidence, revenue.reason)
        elif name in summed and revenue is not None:
            roles[name] = ColumnRole(
                name, "revenue", revenue.confidence, f"part of the revenue: revenue = {' + '.join(revenue.factors)}"
            )
        else:
            role = describe_role(profile, n_rows)
            if name in rejected:
                role = ColumnRole(
                    name, role.role, role.confidence, f"{role.reason}; not taken as revenue: it {rejected[name]}"
                )
            override = settings.roles.get(name)
            roles[name] = apply_override(role, override) if override else role
    return roles
