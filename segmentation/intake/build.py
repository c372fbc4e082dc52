"""`build_customer_table`: read the file(s), pick the ID and revenue, fix the grain, keep the ledger."""

from __future__ import annotations

import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from segmentation.errors import InputError
from segmentation.intake.aggregate import Columns, aggregate
from segmentation.intake.parsing import (
    DateParse,
    Distinct,
    cells_as_text,
    integral_id_text,
    is_missing,
    is_typed,
    parse_booleans,
    parse_dates,
    parse_numbers,
    spreadsheet_errors,
    text_frame,
    written_currencies,
)
from segmentation.intake.reading import RawTable, read_raw
from segmentation.intake.roles import (
    _COORD,
    _DATE_NAME,
    OUTCOME_NAME,
    ColumnProfile,
    RevenueChoice,
    apply_override,
    check_overrides,
    choose_id,
    choose_revenue,
    compact,
    describe_role,
    id_name_score,
    margin_kind,
    profile_columns,
    tokens,
)
from segmentation.intake.rows import (
    as_categories,
    count_repeated_rows,
    identical_rows,
    later_repeats,
    matches,
    present_text,
)
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.sources import Source
from segmentation.intake.table import CHURNED_COLUMNS, ColumnRole, CustomerTable, LedgerEntry

RFM_COLUMNS = (
    "first_purchase",
    "last_purchase",
    "recency_days",
    "tenure_days",
    "frequency",
    "monetary",
    "average_order_value",
)
_RFM_REASONS = {
    "first_purchase": ("date", "date of the customer's first row"),
    "last_purchase": ("date", "date of the customer's latest row"),
    "recency_days": ("numeric", "days from the latest purchase to the latest date in the file"),
    "tenure_days": ("numeric", "days from the first purchase to the latest date in the file"),
    "frequency": ("numeric", "number of purchases (distinct orders, or purchase days)"),
    "monetary": ("numeric", "net amount over all rows"),
    "average_order_value": ("numeric", "net amount per purchase"),
}
_CANCELLED = r"(?i)\b(?:cancel+ed|cancel+ation|refund(?:ed)?|returned|void(?:ed)?|reversed|chargeback)\b"
_ORDER_WORDS = ("invoice", "order", "transaction", "receipt", "basket")
_TOTALS = r"(?i)^(?:grand[ _-]?)?(?:sub[ _-]?)?totals?:?$|^sum:?$|^summe:?$|^gesamt:?$|^totale?:?$"
"""A cell that labels a totals row of a report (Total, Grand total, Subtotal, Sum …)."""
TOTALS_ROW = "Totals row"
NEGATIVE_REVENUE = "Negative revenue (refund or credit) kept; counts as 0 in concentration"


@dataclass
class _Ledger:
    """Collects ledger entries and the excluded/changed source rows."""

    source: pd.DataFrame
    entries: list[LedgerEntry] = field(default_factory=list)
    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, mask: pd.Series, reason: str, action: str, example_column: str | None) -> None:
        count = int(mask.sum())
        if count == 0:
            return
        rows = text_frame(self.source.loc[mask.to_numpy()])  # typed columns as their text, like the rest
        examples: list[str] = []
        if example_column is not None:
            examples = [str(v) for v in rows[example_column].head(5).tolist()]
        else:
            examples = [f"row {int(i) + 1}" for i in rows.index[:5]]
        self.entries.append(LedgerEntry(reason=reason, rows=count, action=action, examples=examples))
        part = rows.copy()
        part.insert(0, "source_row", rows.index.to_numpy() + 1)
        part.insert(0, "action", action)
        part.insert(0, "reason", reason)
        self.parts.append(part)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=["reason", "action", "source_row", *self.source.columns])
        return pd.concat(self.parts, ignore_index=True)


def build_customer_table(primary: Source, settings: IntakeSettings, related: Source | None = None) -> CustomerTable:
    """Read `primary` (and `related`, joined by customer key) into one row per customer.

    Returns a `CustomerTable` whose ``revenue`` is annual when the file says ARR or MRR (MRR ×12).
    Raises `InputError` for unreadable, empty or oversized files and when no revenue column exists.
    """
    raw = read_raw(primary, settings)
    frame = raw.frame
    notes = list(raw.notes)
    notes += check_overrides(settings.roles, list(frame.columns))
    # every column factorised once: parsing, missing values, distinct counts and duplicate rows reuse it
    distinct = {str(name): raw.distinct.get(str(name)) or Distinct.of(frame[name]) for name in frame.columns}
    profiles = profile_columns(frame, settings.date_order, distinct)

    wanted_id = settings.id_column or _override_for(settings, "customer_id")
    id_role = choose_id(profiles, len(frame), primary.name, wanted_id)
    ignored = {c for c, r in settings.roles.items() if r == "ignore" and c in profiles}
    not_revenue = {c for c, r in settings.roles.items() if r not in {"revenue"} and c in profiles}
    wanted_revenue = settings.revenue_column or _override_for(settings, "revenue")
    if ignored:
        notes.append(f"Left out of the analysis as set: {', '.join(sorted(ignored))}.")

    # the ID is always text ("the exact text of the file"): a typed ID column is written out once per value
    id_values = distinct[id_role.column].as_text()
    ids = id_values.text
    if integral_id_text(id_values.values)[1]:
        ids = integral_id_text(ids)[0]
        id_values = Distinct.of(ids)
        notes.append(f"Customer IDs in '{id_role.column}' were written like 12345.0; read as whole numbers (12345).")
    read_notes = notes
    rejected: dict[str, str] = {}
    # a detected revenue column that is the same for every customer ranks nobody: try the next candidate
    while True:
        notes = list(read_notes)
        warnings: list[str] = []
        try:
            revenue = choose_revenue(
                profiles,
                {id_role.column} | ignored | not_revenue | set(rejected),
                wanted_revenue,
                primary.name,
                required=related is None,
            )
        except InputError:
            if not rejected:
                raise
            raise InputError(
                f"No usable revenue column in '{primary.name}': {_rejections(rejected)}; choose the revenue column "
                "with --revenue-column or on the Data page (naming a column there uses it even when it is flat)."
            ) from None
        if revenue is not None:
            _refuse_mixed_currencies(revenue, distinct, primary.name)
        source_roles = _source_roles(profiles, id_role, revenue, settings, len(frame), rejected=rejected)
        ledger = _Ledger(frame)
        facts: dict[str, str] = {}
        grain = _decide_grain(id_values, source_roles, settings)
        if grain == "transactions":
            table = _transactions(
                frame,
                ids=ids,
                id_values=id_values,
                distinct=distinct,
                id_role=id_role,
                revenue=revenue,
                roles=source_roles,
                profiles=profiles,
                settings=settings,
                ledger=ledger,
                notes=notes,
                primary=primary,
                facts=facts,
            )
        else:
            table = _customer_grain(
                frame,
                ids=ids,
                id_values=id_values,
                distinct=distinct,
                id_role=id_role,
                revenue=revenue,
                roles=source_roles,
                profiles=profiles,
                settings=settings,
                ledger=ledger,
                notes=notes,
            )
        customers, roles, revenue_column, unit = table
        flat = flat_revenue(customers["revenue"]) if revenue is not None else None
        if flat is None or revenue is None:
            break
        if wanted_revenue is None:
            rejected[revenue.column] = flat
            continue
        warnings.append(
            f"Red flag: the revenue '{revenue.column}' {flat}. Concentration, tiers and potential cannot rank "
            "customers on it; check that it is the revenue column."
        )
        break
    if rejected:
        notes.append(f"Not taken as revenue: {_rejections(rejected)}.")
    if related is not None:
        customers, roles, revenue_column, unit = _join_related(
            customers,
            roles=roles,
            revenue_column=revenue_column,
            unit=unit,
            related=related,
            settings=settings,
            ledger=ledger,
            notes=notes,
            primary=primary,
            need_revenue=revenue is None,
            facts=facts,
        )
    customers = _in_stable_order(customers)
    _date_notes(profiles, source_roles, notes, settings)
    _cent_residue(customers)
    churned = pd.DataFrame(columns=CHURNED_COLUMNS)
    if grain == "customer":
        customers, churned = _set_aside_churned(
            customers, roles=roles, source_roles=source_roles, settings=settings, ledger=ledger, notes=notes, unit=unit
        )
        customers = customers.reset_index(drop=True)
    _negative_revenue(customers, ledger, notes)
    _refuse_degenerate_money(customers, revenue_column, primary.name)
    currency = detect_currency(revenue.factors[0] if revenue is not None else revenue_column, frame)
    if currency is None and revenue is not None and revenue.operation != "single":
        currency = detect_currency(revenue_column, frame)
    if currency:
        notes.append(f"Money read as {currency} (from the revenue column's name or values).")
    notes.extend(warnings)
    return CustomerTable(
        customers=customers,
        roles=roles,
        id_column=id_role.column,
        revenue_column=revenue_column,
        revenue_unit=unit,
        source_name=primary.name,
        rows_read=len(frame),
        grain=grain,
        ledger=ledger.entries,
        excluded_rows=ledger.frame(),
        notes=notes,
        column_quality=column_quality(frame, profiles, source_roles, distinct),
        currency=currency,
        source_roles=source_roles,
        churned=churned,
        revenue_window=facts.get("window", ""),
        revenue_parts=revenue.parts if revenue is not None else (),
        warnings=warnings,
    )


def _in_stable_order(customers: pd.DataFrame) -> pd.DataFrame:
    """The customers sorted by ID (stable), so the order of the file's rows never reaches a seeded stage."""
    return customers.sort_values("customer_id", kind="stable", ignore_index=True)


def _refuse_mixed_currencies(revenue: RevenueChoice, distinct: dict[str, Distinct], file: str) -> None:
    """Refuse a money column whose cells name two or more currencies: they would be added up as one."""
    for factor in revenue.factors:
        if factor not in distinct:
            continue
        found = written_currencies(distinct[factor])
        if len(found) > 1:
            counts = ", ".join(f"{rows:,} in {code}" for code, rows in sorted(found.items(), key=lambda i: -i[1]))
            raise InputError(
                f"Column '{factor}' of '{file}' mixes currencies ({counts}); amounts are never converted, so "
                "convert them to one currency first, or analyse each currency's customers separately."
            )


def _refuse_degenerate_money(customers: pd.DataFrame, revenue_column: str, file: str) -> None:
    """Refuse revenue that is zero for everyone, or that no customer has above zero (refunds only)."""
    revenue = customers["revenue"].to_numpy(dtype=np.float64)
    if len(revenue) == 0 or (revenue > 0).any():
        return
    where = f"'{revenue_column}'" if revenue_column else "the revenue column"
    if not (revenue < 0).any():
        raise InputError(
            f"Every customer's revenue in {where} of '{file}' is 0, so there is nothing to segment or serve by "
            "value; choose the column that holds revenue (--revenue-column or the Data page)."
        )
    total = float(revenue.sum())
    raise InputError(
        f"No customer has revenue above 0 in {where} of '{file}': all {int((revenue < 0).sum()):,} amounts that "
        f"are not 0 are refunds or credits (total {total:,.2f}); choose the column of sales or ARR, "
        "not of refunds."
    )


FLAT_GINI = 0.01
"""Below this Gini (mean gap between two customers under 2% of the mean) revenue is taken as flat."""


def flat_revenue(revenue: pd.Series) -> str | None:
    """Say how per-customer revenue is constant or nearly so (one value, or a Gini below `FLAT_GINI`), else None.

    Three customers or fewer are never judged: so few cannot tell a flat column from a coincidence.
    """
    values = np.nan_to_num(revenue.to_numpy(dtype="float64"), nan=0.0)
    if len(values) <= 3:
        return None
    low, high = float(values.min()), float(values.max())
    if high - low < CENT:
        if abs(low) < CENT:
            return "is 0 for every customer"
        return f"holds the same value for every customer ({low:,.2f})"
    positive = np.sort(np.clip(values, 0.0, None))
    total = float(positive.sum())
    if total <= 0:
        return None
    n = len(positive)
    gini = float(((2 * np.arange(1, n + 1) - n - 1) * positive).sum() / (n * total))
    if gini < FLAT_GINI:
        return f"is nearly the same for every customer (Gini {gini:.3f}, from {low:,.2f} to {high:,.2f})"
    return None


def _rejections(rejected: dict[str, str]) -> str:
    return "; ".join(f"'{column}' {why}" for column, why in rejected.items())


CENT = 0.005
"""Amounts within half a cent of zero are zero (the residue of netted refunds such as -1e-14)."""


def _cent_residue(customers: pd.DataFrame) -> None:
    """Set amounts within `CENT` of zero to exactly zero, in revenue and the derived money columns."""
    for column in ("revenue", "monetary", "all_time_revenue", "prior_revenue", "average_order_value"):
        if column in customers.columns and pd.api.types.is_float_dtype(customers[column]):
            values = customers[column]
            customers[column] = values.where(~(values.abs() < CENT), 0.0)


def _negative_revenue(customers: pd.DataFrame, ledger: _Ledger, notes: list[str]) -> None:
    """Say in the ledger and the notes which customers keep a negative revenue."""
    negative = customers["revenue"] < 0
    count = int(negative.sum())
    if not count:
        return
    ledger.entries.append(
        LedgerEntry(
            reason=NEGATIVE_REVENUE,
            rows=count,
            action="changed",
            examples=[str(v) for v in customers.loc[negative, "customer_id"].head(5)],
        )
    )
    notes.append(
        f"{count:,} customer(s) have negative revenue (refunds larger than purchases); kept as they are, "
        "and counted as 0 in the concentration figures."
    )


def _override_for(settings: IntakeSettings, role: str) -> str | None:
    return next((column for column, r in settings.roles.items() if r == role), None)


def _source_roles(
    profiles: dict[str, ColumnProfile],
    id_role: ColumnRole,
    revenue: RevenueChoice | None,
    settings: IntakeSettings,
    n_rows: int,
    *,
    rejected: dict[str, str] | None = None,
) -> dict[str, ColumnRole]:
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


def _decide_grain(ids: Distinct, roles: dict[str, ColumnRole], settings: IntakeSettings) -> str:
    if settings.grain != "auto":
        return settings.grain
    present = ~ids.missing_values().to_numpy()
    present_rows = int(ids.counts[present].sum())
    if present_rows == 0:
        return "customer"
    unique_share = int(present.sum()) / present_rows
    has_date = any(r.role == "date" for r in roles.values())
    if unique_share < 0.5 or (unique_share < 0.9 and has_date):
        return "transactions"
    return "customer"


# --------------------------------------------------------------------------- parsing kept columns


def _parsed(
    text: pd.Series | Distinct, role: ColumnRole, profile: ColumnProfile, settings: IntakeSettings
) -> pd.Series:
    """Return a column parsed for its role: float64, datetime64, bool or str (missing as NA)."""
    if role.role == "date":
        return parse_dates(text, settings.date_order, allow_serial=bool(_DATE_NAME.search(role.column))).values
    if role.role == "boolean":
        flags = parse_booleans(text)
        return flags if flags is not None else present_text(text)
    if role.role == "numeric" or (role.role == "geographic" and _COORD.search(role.column) and profile.numeric):
        return parse_numbers(text).values
    if role.role in {"constant", "revenue"} and profile.numeric:
        return parse_numbers(text).values
    if role.role == "outcome":  # a churn flag, churn date or churn score keeps its type
        if profile.boolean:
            flags = parse_booleans(text)
            if flags is not None:
                return flags
        if profile.datelike:
            return parse_dates(text, settings.date_order, allow_serial=bool(_DATE_NAME.search(role.column))).values
        if profile.numeric:
            return parse_numbers(text).values
    return present_text(text)


def _revenue_values(
    frame: pd.DataFrame, revenue: RevenueChoice, distinct: dict[str, Distinct] | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (values, blank mask, not-a-number mask) for the revenue column or product."""
    parses = [parse_numbers(distinct[f] if distinct else frame[f]) for f in revenue.factors]
    values = parses[0].values
    blank = parses[0].missing
    unparsed = parses[0].unparsed
    if revenue.operation == "sum":  # a blank part adds nothing; the row is blank only when every part is
        values = values.fillna(0.0)
        for extra in parses[1:]:
            values = values + extra.values.fillna(0.0)
            blank = blank & extra.missing
            unparsed = unparsed | extra.unparsed
        values = values.where(~blank)
        return values, blank & ~unparsed, unparsed
    for extra in parses[1:]:
        values = values * extra.values
        blank = blank | extra.missing
        unparsed = unparsed | extra.unparsed
    return values, blank & ~unparsed, unparsed


def _spreadsheet_errors(revenue: RevenueChoice, distinct: dict[str, Distinct]) -> pd.Series:
    """Rows whose revenue cell (any factor) holds a spreadsheet error such as #DIV/0! or #N/A."""
    masks = [spreadsheet_errors(distinct[factor]) for factor in revenue.factors if factor in distinct]
    result = masks[0]
    for mask in masks[1:]:
        result = result | mask
    return result


def _unit(revenue: RevenueChoice, settings: IntakeSettings, grain: str) -> tuple[float, str, str | None]:
    """Return (multiplier, unit shown, note)."""
    unit = revenue.unit if settings.revenue_unit == "auto" else settings.revenue_unit
    if unit == "MRR" and (grain != "transactions" or settings.revenue_unit == "MRR"):
        return 12.0, "ARR", f"'{revenue.column}' holds monthly amounts (MRR); turned into ARR (×12)."
    if unit == "MRR":
        return 1.0, "revenue", None
    return 1.0, unit, None


# --------------------------------------------------------------------------- customer grain


def _customer_grain(
    frame: pd.DataFrame,
    *,
    ids: pd.Series,
    id_values: Distinct,
    distinct: dict[str, Distinct],
    id_role: ColumnRole,
    revenue: RevenueChoice | None,
    roles: dict[str, ColumnRole],
    profiles: dict[str, ColumnProfile],
    settings: IntakeSettings,
    ledger: _Ledger,
    notes: list[str],
) -> tuple[pd.DataFrame, dict[str, ColumnRole], str, str]:
    keep = _without_totals_and_ids(id_values, distinct, roles, ledger, id_role.column)
    if revenue is not None:
        values, blank, unparsed = _revenue_values(frame, revenue, distinct)
        bad = unparsed & keep
        ledger.add(bad, f"Revenue is not a number in '{revenue.column}'", "excluded", revenue.factors[0])
        keep &= ~bad
    else:
        values = pd.Series(0.0, index=frame.index)
        blank = pd.Series(data=False, index=frame.index)
    identical = identical_rows(frame, id_values.codes, keep)
    ledger.add(identical, "Duplicate identical row (merged into the first)", "excluded", id_role.column)
    keep &= ~identical
    repeated = later_repeats(id_values.codes, keep)
    ledger.add(repeated, "Duplicate customer ID with different values (kept the first row)", "excluded", id_role.column)
    keep &= ~repeated
    if revenue is not None:
        errors = _spreadsheet_errors(revenue, distinct) & blank
        ledger.add(
            errors & keep, f"Spreadsheet error in '{revenue.column}' (#DIV/0!, #N/A …) counted as 0", "changed", None
        )
        blank &= ~errors
        ledger.add(blank & keep, f"Blank revenue in '{revenue.column}' counted as 0", "changed", id_role.column)
    multiplier, unit, note = _unit(revenue, settings, "customer") if revenue else (1.0, "revenue", None)
    if note:
        notes.append(note)
    customers = pd.DataFrame(
        {"customer_id": ids[keep].astype("str"), "revenue": (values[keep].fillna(0.0) * multiplier).astype("float64")}
    )
    kept_roles: dict[str, ColumnRole] = {}
    parts = set(revenue.parts) if revenue is not None and revenue.operation == "sum" else set()
    for name, role in roles.items():
        if role.role in {"customer_id", "revenue", "ignore"} and name not in parts:
            continue
        column = name if name not in customers.columns else f"{name}_source"
        customers[column] = _parsed(distinct[name].subset(keep), role, profiles[name], settings)
        kept_roles[column] = role if column == name else ColumnRole(column, role.role, role.confidence, role.reason)
    revenue_column = revenue.column if revenue else ""
    return customers, kept_roles, revenue_column, unit


# --------------------------------------------------------------------------- transactions


def _prepare_rows(
    frame: pd.DataFrame,
    roles: dict[str, ColumnRole],
    profiles: dict[str, ColumnProfile],
    settings: IntakeSettings,
    skip: set[str],
    *,
    distinct: dict[str, Distinct] | None = None,
    parts: set[str] | None = None,
) -> tuple[dict[str, pd.Series], Columns]:
    """Return the parsed attribute columns of `frame` and which kind each is (`distinct`: factorised columns).

    `parts`: the columns added up into revenue, kept (summed per customer) though their role is revenue.
    """
    prepared: dict[str, pd.Series] = {}
    kinds = Columns(numeric=[], categorical=[], boolean=[], dates=[])
    parts = parts or set()
    for name, role in roles.items():
        if name in skip or (
            role.role in {"customer_id", "revenue", "ignore", "constant", "text", "customer_name"} and name not in parts
        ):
            continue
        if role.role in {"categorical", "numeric"} and _other_id(name):  # order, subscription … numbers
            continue
        if distinct and distinct[name].repeats and _reads_as_text(role, profiles[name]):
            # the text as categories: DuckDB groups them as small integers
            values = as_categories(distinct[name])
        else:
            values = _parsed(distinct[name] if distinct else frame[name], role, profiles[name], settings)
        prepared[name] = values
        if name in parts or (margin_kind(name) in {"profit", "cost"} and role.role == "numeric"):
            kinds.summed.append(name)  # money per row: summed over the same rows as revenue
        if pd.api.types.is_bool_dtype(values):
            kinds.boolean.append(name)
        elif pd.api.types.is_datetime64_any_dtype(values):
            kinds.dates.append(name)
        elif pd.api.types.is_float_dtype(values):
            kinds.numeric.append(name)
        else:
            kinds.categorical.append(name)
    return prepared, kinds


def _reads_as_text(role: ColumnRole, profile: ColumnProfile) -> bool:
    """Whether `_parsed` keeps the column as text (the roles that are neither dates, flags nor numbers)."""
    if role.role in {"date", "boolean", "numeric"}:
        return False
    if role.role == "geographic" and _COORD.search(role.column) and profile.numeric:
        return False
    if role.role == "outcome" and (profile.boolean or profile.datelike or profile.numeric):
        return False
    return not (role.role in {"constant", "revenue"} and profile.numeric)


def _other_id(name: str) -> bool:
    """The column names an identifier of something other than the customer (order, subscription, line)."""
    words = tokens(name)
    return id_name_score(name) >= 0.5 or bool(words and words[-1] in {"id", "key", "uuid", "guid"})


def _order_key(roles: dict[str, ColumnRole], frame: pd.DataFrame) -> str | None:
    for name in roles:
        words = tokens(name)
        if any(w in _ORDER_WORDS for w in words) and any(
            w in {"id", "no", "number", "nr", "key", "ref"} for w in words
        ):
            return name
        if compact(name) in {"invoice", "invoiceno", "orderid", "order"}:
            return name
    del frame
    return None


def _transactions(
    frame: pd.DataFrame,
    *,
    ids: pd.Series,
    id_values: Distinct,
    distinct: dict[str, Distinct],
    id_role: ColumnRole,
    revenue: RevenueChoice | None,
    roles: dict[str, ColumnRole],
    profiles: dict[str, ColumnProfile],
    settings: IntakeSettings,
    ledger: _Ledger,
    notes: list[str],
    primary: Source,
    facts: dict[str, str],
) -> tuple[pd.DataFrame, dict[str, ColumnRole], str, str]:
    if revenue is None:
        raise InputError(
            f"'{primary.name}' has many rows per customer but no revenue column; "
            "pass --revenue-column or pick one on the Data page."
        )
    keep = _without_totals_and_ids(id_values, distinct, roles, ledger, id_role.column)
    values, blank, unparsed = _revenue_values(frame, revenue, distinct)
    bad = unparsed & keep
    ledger.add(bad, f"Amount is not a number in '{revenue.column}'", "excluded", revenue.factors[0])
    keep &= ~bad
    errors = _spreadsheet_errors(revenue, distinct) & blank
    ledger.add(
        errors & keep, f"Spreadsheet error in '{revenue.column}' (#DIV/0!, #N/A …) counted as 0", "changed", None
    )
    ledger.add(blank & ~errors & keep, f"Blank amount in '{revenue.column}' counted as 0", "changed", id_role.column)
    values = values.fillna(0.0)
    for name, role in roles.items():
        if role.role == "categorical" and name != id_role.column:
            cancelled = matches(distinct[name], _CANCELLED) & keep & (values > 0)
            if cancelled.any():
                ledger.add(cancelled, f"Cancelled or refunded ('{name}'): not counted as revenue", "changed", name)
                values = values.where(~cancelled, 0.0)
    negative = (values < 0) & keep
    ledger.add(negative, "Refund or negative amount netted against the customer's purchases", "changed", id_role.column)
    # counted in a background thread (numpy releases the GIL) while the rows are parsed and aggregated
    with ThreadPoolExecutor(max_workers=1) as pool:
        repeated_rows = pool.submit(count_repeated_rows, list(distinct.values()), keep)
        repeated_note_at = len(notes)

        dates = [n for n, r in roles.items() if r.role == "date"]
        event_date = _event_date(dates)
        order_key = _order_key(roles, frame)
        multiplier, unit, unit_note = _unit(revenue, settings, "transactions")
        if unit_note:
            notes.append(unit_note)
        parts = set(revenue.parts) if revenue.operation == "sum" else set()
        prepared, kinds = _prepare_rows(
            frame,
            roles,
            profiles,
            settings,
            skip={order_key or ""} | (set(revenue.factors) - parts),
            distinct=distinct,
            parts=parts,
        )
        kept = keep.to_numpy()
        every = bool(kept.all())  # then nothing is copied to select rows
        # grouped by the ID's integer code (faster than by text); the text is put back after aggregating
        columns: dict[str, pa.Array | pa.ChunkedArray] = {
            "_key": pa.array(id_values.codes if every else id_values.codes[kept]),
            "_row": pa.array(np.flatnonzero(kept)),
        }
        columns.update({name: pa.array(series if every else series[kept]) for name, series in prepared.items()})
        columns["_amount"] = pa.array(values.to_numpy()[kept] * multiplier)
        if order_key:
            columns["_order"] = pa.array(cells_as_text(frame.loc[keep, order_key]))
        rows = pa.table(columns)  # handed to DuckDB as Arrow, without a pandas frame in between
        if event_date:
            kinds.dates = [d for d in kinds.dates if d != event_date]
        end = end_date_column([d for d in dates if d != event_date])
        active_until = end if unit in {"ARR", "MRR"} and event_date and end in prepared else None
        if active_until is not None and event_date is not None:
            window = _active_window(prepared, active_until, event_date, kept, unit)
        else:
            window = _window(prepared.get(event_date) if event_date else None, kept, settings)
        result = aggregate(
            rows,
            kinds,
            settings.attribute_rule,
            amount="_amount",
            event_date=event_date,
            order_key="_order" if order_key else None,
            window_months=window.months,
            active_until=active_until,
            prior=window.prior,
        )
        duplicates = repeated_rows.result()
    if duplicates:
        notes.insert(repeated_note_at, f"{duplicates:,} rows repeat another row exactly; kept as separate purchases.")
    customer_ids = id_values.values.take(result["_key"].to_numpy()).reset_index(drop=True)
    customers = pd.DataFrame({"customer_id": customer_ids.astype("str"), "revenue": result["revenue"]})
    out_roles: dict[str, ColumnRole] = {}
    for column in RFM_COLUMNS:
        if column in result.columns:
            customers[column] = result[column]
            role_name, reason = _RFM_REASONS[column]
            out_roles[column] = ColumnRole(column, role_name, 1.0, reason)
    aggregated: dict[str, list[str]] = {}
    for column in result.columns:
        if column in customers.columns or column.startswith("_") or column in {"revenue", *RFM_COLUMNS}:
            continue
        base = column.removesuffix("_mean").removesuffix("_share").removesuffix("_latest")
        source_role = roles.get(base) or roles.get(column)
        role_name = source_role.role if source_role else "numeric"
        if column.endswith("_share") and role_name != "outcome":
            role_name = "numeric"
        rule = "most frequent" if settings.attribute_rule == "most_frequent" else "latest"
        how = {"categorical": f"{rule} value per customer", "geographic": f"{rule} value per customer"}.get(
            role_name, _AGGREGATION_WORDS[_aggregation_of(column)]
        )
        if role_name not in {"categorical", "geographic"} and column not in {"all_time_revenue", "prior_revenue"}:
            aggregated.setdefault(_aggregation_of(column), []).append(base)
        customers[column] = result[column]
        out_roles[column] = ColumnRole(column, role_name, source_role.confidence if source_role else 0.8, how)
    for date_column in ("first_purchase", "last_purchase"):
        if date_column in customers.columns:
            customers[date_column] = pd.to_datetime(customers[date_column]).astype("datetime64[ns]")
    for column, reason in (
        ("all_time_revenue", "all-time net amount (every row of the file), not the current revenue"),
        ("prior_revenue", "net amount of the same length of time before the revenue window (for growth)"),
    ):
        if column in result.columns:
            customers[column] = result[column].astype("float64")
            out_roles[column] = ColumnRole(column, "numeric", 1.0, reason)
    if window.text:
        facts["window"] = window.text
    notes.extend(window.notes)
    if window.months and "all_time_revenue" in customers.columns:
        dormant = int(((customers["revenue"].abs() < CENT) & (customers["all_time_revenue"] > 0)).sum())
        if dormant:
            notes.append(
                f"{dormant:,} customers bought nothing in the {window.text}: kept as dormant customers "
                "with revenue 0 (their all-time total is in 'all_time_revenue')."
            )
    notes.append(
        f"{int(keep.sum()):,} rows with a customer ID were added up into {len(customers):,} customers "
        f"(many rows per customer: {'orders' if order_key else 'purchases'})."
    )
    said = [f"{_AGGREGATION_VERBS[how]}: {', '.join(sorted(names))}" for how, names in sorted(aggregated.items())]
    if said:
        notes.append("Per customer, " + "; ".join(said) + ".")
    return customers, out_roles, revenue.column, unit


_AGGREGATION_WORDS = {
    "sum": "summed over the customer's rows (money or a count)",
    "mean": "averaged over the customer's rows (a rate, fraction or score: a sum would count the rows)",
    "share": "share of the customer's rows where it is true",
    "latest": "the customer's latest date",
}
_AGGREGATION_VERBS = {
    "sum": "summed (money and counts)",
    "mean": "averaged (rates, fractions, scores)",
    "share": "share of rows true",
    "latest": "latest date",
}


def _aggregation_of(column: str) -> str:
    """How a per-customer column was made from the rows, by the suffix the aggregation gave it."""
    for suffix, how in (("_mean", "mean"), ("_share", "share"), ("_latest", "latest")):
        if column.endswith(suffix):
            return how
    return "sum"


@dataclass
class _Window:
    """The revenue window of a transaction file: months counted, whether the prior year is kept, in words."""

    months: int | None
    prior: bool
    text: str
    notes: list[str]


_LINE_END_WORDS = ("end", "ended", "cancelled", "canceled", "churned", "terminated")


def end_date_column(dates: list[str]) -> str | None:
    """The date column that says when a subscription line stopped (end, cancelled …), or None."""
    return next((d for d in dates if any(w in tokens(d) for w in _LINE_END_WORDS)), None)


def _latest_date(columns: Iterable[pd.Series]) -> pd.Timestamp:
    """The latest date in any of `columns` (NaT when none holds one): the day subscription ARR is taken on."""
    return pd.to_datetime(pd.concat(list(columns)), errors="coerce").max()


def _active_on(latest: pd.Timestamp) -> str:
    """The headline's window for subscription ARR: 'subscriptions active on DAY' (no day when none is known)."""
    return "subscriptions active" + (f" on {latest:%Y-%m-%d}" if pd.notna(latest) else "")


def _active_window(prepared: dict[str, pd.Series], end: str, event_date: str, kept: np.ndarray, unit: str) -> _Window:
    """ARR or MRR lines with an end date are subscriptions: revenue is what is active on the latest date.

    Summing the ARR of every line started in the last 12 months would add up contracts that ended
    and miss ones that began earlier and still run.
    """
    latest = _latest_date(pd.Series(prepared[c])[kept] for c in (end, event_date))
    day = f" on {latest:%Y-%m-%d}" if pd.notna(latest) else ""
    note = (
        f"Revenue is the {unit} of the subscription lines active{day}, the latest date in the file "
        f"('{end}' empty or on/after it): a line's {unit} counts while it runs, not when it started."
    )
    return _Window(None, prior=False, text=_active_on(latest), notes=[note])


def _window(dates: pd.Series | None, kept: np.ndarray, settings: IntakeSettings) -> _Window:
    """Decide the revenue window: the setting, or with ``auto`` the last 12 months when the file spans more.

    The prior 12 months (for growth) are kept only when the file covers them in full: growth against
    a part-year would read as growth that is not there.
    """
    if dates is None:
        return _Window(None, prior=False, text="", notes=[])
    present = dates[kept] if not kept.all() else dates
    present = present.dropna()
    if present.empty:
        return _Window(None, prior=False, text="", notes=[])
    first, last = pd.Timestamp(present.min()), pd.Timestamp(present.max())
    day = f"{last:%Y-%m-%d}"
    wanted = settings.revenue_window_months
    slack = pd.Timedelta(days=7)  # monthly invoices from the 1st with the file ending on the 30th cover the window
    spans_year = first <= last - pd.DateOffset(months=12)
    if wanted is None or (wanted == "auto" and not spans_year):
        text = f"all transactions, {first:%Y-%m-%d} to {day}"
        note = (
            [] if wanted is None else [f"Revenue counts every transaction: the file covers 12 months or less ({text})."]
        )
        return _Window(None, prior=False, text=text, notes=note)
    months = 12 if wanted == "auto" else int(wanted)
    text = f"last {months} months to {day}"
    why = "the annual run-rate" if months == 12 else "as set"
    notes = [f"Revenue is the {text} ({why}); the all-time total is kept as 'all_time_revenue'."]
    covers_prior = first <= last - pd.DateOffset(months=2 * months) + slack
    if not covers_prior:
        notes.append(
            f"The file starts {first:%Y-%m-%d}, less than two full windows before {day}: no prior-period revenue "
            "(growth) is given, since a part-period would read as growth that is not there."
        )
    return _Window(months, prior=covers_prior, text=text, notes=notes)


def _without_totals_and_ids(
    ids: Distinct, distinct: dict[str, Distinct], roles: dict[str, ColumnRole], ledger: _Ledger, id_column: str
) -> pd.Series:
    """Exclude report totals rows and rows without a customer ID; return the rows kept."""
    totals = matches(ids, _TOTALS)
    no_id = is_missing(ids)
    if no_id.any():
        # a totals label often sits in the name column with the ID cell left blank
        for name, role in roles.items():
            if role.role in {"customer_name", "categorical", "text"} and name in distinct:
                totals |= no_id & matches(distinct[name], _TOTALS)
    ledger.add(totals, TOTALS_ROW, "excluded", id_column if not (totals & no_id).any() else None)
    ledger.add(no_id & ~totals, "No customer ID", "excluded", None)
    return ~(totals | no_id)


def _event_date(dates: list[str]) -> str | None:
    """The date that marks a purchase: one named like order/invoice/purchase date, else the first date."""
    for name in dates:
        if any(w in tokens(name) for w in ("order", "invoice", "purchase", "transaction", "payment", "date")):
            return name
    return dates[0] if dates else None


# --------------------------------------------------------------------------- related table


def _join_related(
    customers: pd.DataFrame,
    *,
    roles: dict[str, ColumnRole],
    revenue_column: str,
    unit: str,
    related: Source,
    settings: IntakeSettings,
    ledger: _Ledger,
    notes: list[str],
    primary: Source,
    need_revenue: bool,
    facts: dict[str, str],
) -> tuple[pd.DataFrame, dict[str, ColumnRole], str, str]:
    raw: RawTable = read_raw(related, settings.model_copy(update={"sheet": None, "header_row": None}))
    frame = text_frame(raw.frame)  # matched by key text; a related table is read as text throughout
    profiles = profile_columns(frame, settings.date_order)
    key = _related_key(frame, customers=customers, settings=settings, related=related, primary=primary)
    keys, _ = integral_id_text(frame[key])
    stem = _stem(related.name)
    revenue = (
        choose_revenue(
            profiles, {key}, settings.revenue_column if need_revenue else None, related.name, required=need_revenue
        )
        if need_revenue
        else None
    )
    if need_revenue and revenue is None:
        raise InputError(
            f"No usable revenue column in '{primary.name}' or '{related.name}'; "
            "pass --revenue-column or pick one on the Data page."
        )
    related_roles = {
        name: ColumnRole(name, "customer_id", 1.0, "key")
        if name == key
        else (
            ColumnRole(name, "revenue", revenue.confidence, revenue.reason)
            if revenue is not None and name in revenue.factors
            else describe_role(profile, len(frame))
        )
        for name, profile in profiles.items()
    }
    known = set(customers["customer_id"])
    no_key = is_missing(keys)
    matched = keys.isin(known) & ~no_key
    _related_without_key(no_key, frame, related, ledger)
    unmatched = ~matched & ~no_key
    if unmatched.any():
        examples = keys[unmatched].head(5).tolist()
        ledger.entries.append(
            LedgerEntry(
                reason=f"Rows of '{related.name}' whose key is not a customer of '{primary.name}'",
                rows=int(unmatched.sum()),
                action="excluded",
                examples=[str(e) for e in examples],
            )
        )
        notes.append(f"{int(unmatched.sum()):,} rows of '{related.name}' have a '{key}' that matches no customer.")
    skip = {key}
    prepared, kinds = _prepare_rows(frame, related_roles, profiles, settings, skip=skip)
    rows = pd.DataFrame(prepared, index=frame.index).loc[matched]
    rows.insert(0, "_row", np.flatnonzero(matched.to_numpy()).astype("int64"))
    rows.insert(0, "_key", keys[matched].astype("str"))
    amount = None
    active_until = None
    event_date = None
    multiplier, new_unit = 1.0, unit
    if revenue is not None:
        _refuse_mixed_currencies(revenue, {f: Distinct.of(frame[f]) for f in revenue.factors}, related.name)
        values, _blank, unparsed = _revenue_values(frame, revenue)
        if unparsed.any():
            notes.append(f"{int(unparsed.sum()):,} amounts in '{related.name}' are not numbers; counted as 0.")
        _related_amount_ledger(
            frame,
            values=values,
            unparsed=unparsed & matched,
            matched=matched,
            revenue=revenue,
            related=related,
            ledger=ledger,
        )
        multiplier, new_unit, unit_note = _unit(revenue, settings, "customer")
        if unit_note:
            notes.append(unit_note)
        rows["_amount"] = values[matched].fillna(0.0).to_numpy() * multiplier
        amount = "_amount"
        kinds.numeric = [c for c in kinds.numeric if c not in revenue.factors]
        dates = list(kinds.dates)
        event_date = next(
            (d for d in dates if any(w in tokens(d) for w in ("start", "begin", "created", "date"))), None
        )
        end = end_date_column(dates)
        if new_unit in {"ARR", "MRR"} and end is not None:
            active_until = end
            latest = _latest_date(rows[c] for c in (end, event_date) if c is not None)
            as_of = f" on {latest:%Y-%m-%d}, the latest date in the table" if pd.notna(latest) else ""
            # the headline says the as-of day, as it does when the subscriptions are the primary file
            facts["window"] = _active_on(latest)
            notes.append(
                f"Revenue is the {new_unit} of the rows of '{related.name}' still active{as_of} "
                f"('{end}' empty or on/after that date)."
            )
    result = aggregate(
        rows,
        kinds,
        settings.attribute_rule,
        amount=amount,
        event_date=event_date,
        order_key=None,
        window_months=None,
        active_until=active_until,
        prefix=f"{stem}_",
        rfm=False,
    )
    result = result.rename(columns={"_rows": f"{stem}_rows"})
    base = customers.drop(columns=["revenue"]) if revenue is not None else customers
    merged = base.merge(result.drop(columns=["_first_row"]), left_on="customer_id", right_on="_key", how="left")
    merged = merged.drop(columns=["_key"])
    merged[f"{stem}_rows"] = merged[f"{stem}_rows"].fillna(0).astype("float64")
    roles = dict(roles)
    roles[f"{stem}_rows"] = ColumnRole(f"{stem}_rows", "numeric", 1.0, f"rows of '{related.name}' per customer")
    for column in result.columns:
        if column.startswith("_") or column in {"revenue", "monetary", f"{stem}_rows"}:
            continue
        source_column = column.removeprefix(f"{stem}_").removesuffix("_mean").removesuffix("_share")
        source_role = related_roles.get(source_column.removesuffix("_latest"))
        role_name = "numeric" if column.endswith("_share") or source_role is None else source_role.role
        if source_role is not None and source_role.role == "outcome":  # a churn flag per subscription stays an outcome
            role_name = "outcome"
        how = "" if role_name in {"categorical", "geographic"} else f": {_AGGREGATION_WORDS[_aggregation_of(column)]}"
        roles[column] = ColumnRole(column, role_name, 0.8, f"from '{related.name}', per customer{how}")
    without = merged[f"{stem}_rows"] == 0
    if without.any():
        notes.append(f"{int(without.sum()):,} customers have no rows in '{related.name}'.")
    if revenue is not None:
        rel_revenue = merged.pop("revenue").fillna(0.0).astype("float64")
        merged = merged.drop(columns=["monetary"], errors="ignore")
        merged["revenue"] = rel_revenue
        if without.any():
            missing_ids = merged.loc[without, "customer_id"]
            ledger.entries.append(
                LedgerEntry(
                    reason=f"No rows in '{related.name}': revenue counted as 0",
                    rows=int(without.sum()),
                    action="changed",
                    examples=[str(v) for v in missing_ids.head(5)],
                )
            )
        revenue_column = f"{related.name}: {revenue.column}"
        unit = new_unit
        notes.append(f"Revenue comes from '{revenue.column}' in '{related.name}', added up per customer.")
    for column in merged.columns:
        if column in roles and roles[column].role == "numeric" and column.startswith(f"{stem}_"):
            merged[column] = merged[column].astype("float64")
    order = ["customer_id", "revenue", *[c for c in merged.columns if c not in {"customer_id", "revenue"}]]
    notes.append(f"Joined '{related.name}' by '{key}' ({int(matched.sum()):,} of {len(frame):,} rows matched).")
    return merged[order], roles, revenue_column, unit


def _related_without_key(no_key: pd.Series, frame: pd.DataFrame, related: Source, ledger: _Ledger) -> None:
    """Ledger the related table's rows with no customer key (they join no customer)."""
    if no_key.any():
        ledger.entries.append(
            LedgerEntry(
                reason=f"No customer ID in '{related.name}' (rows not joined)",
                rows=int(no_key.sum()),
                action="excluded",
                examples=[f"row {int(i) + 1}" for i in frame.index[no_key.to_numpy()][:5]],
            )
        )


def _related_amount_ledger(
    frame: pd.DataFrame,
    *,
    values: pd.Series,
    unparsed: pd.Series,
    matched: pd.Series,
    revenue: RevenueChoice,
    related: Source,
    ledger: _Ledger,
) -> None:
    """Ledger the joined rows of the related table whose amount is not a number or is negative."""
    column = revenue.factors[0]
    if unparsed.any():
        ledger.entries.append(
            LedgerEntry(
                reason=f"Amount is not a number in '{related.name}': '{revenue.column}' (counted as 0)",
                rows=int(unparsed.sum()),
                action="changed",
                examples=[str(v) for v in frame.loc[unparsed.to_numpy(), column].head(5)],
            )
        )
    negative = (values < 0) & matched
    if negative.any():
        ledger.entries.append(
            LedgerEntry(
                reason=f"Refund or negative amount in '{related.name}' netted against the customer's other rows",
                rows=int(negative.sum()),
                action="changed",
                examples=[str(v) for v in frame.loc[negative.to_numpy(), column].head(5)],
            )
        )


def _stem(name: str) -> str:
    stem = Path(name).stem.lower()
    return "".join(ch if ch.isalnum() else "_" for ch in stem).strip("_") or "related"


def _related_key(
    frame: pd.DataFrame,
    *,
    customers: pd.DataFrame,
    settings: IntakeSettings,
    related: Source,
    primary: Source,
) -> str:
    """Return the related table's column holding the primary table's customer IDs."""
    if settings.related_key is not None:
        if settings.related_key not in frame.columns:
            raise InputError(
                f"Key column '{settings.related_key}' is not in '{related.name}'; "
                f"its columns are {', '.join(map(str, frame.columns[:15]))}."
            )
        return settings.related_key
    known = set(customers["customer_id"].head(100_000))
    best: tuple[float, str] | None = None
    for name in frame.columns:
        values = frame[name].head(50_000)
        values = values[values != ""]
        if values.empty:
            continue
        overlap = float(values.isin(known).mean())
        score = overlap + 0.1 * id_name_score(name)
        if overlap >= 0.5 and (best is None or score > best[0]):
            best = (score, name)
    if best is None:
        raise InputError(
            f"No column of '{related.name}' holds the customer IDs of '{primary.name}'; "
            "name the key column with related_key in the settings."
        )
    return best[1]


# --------------------------------------------------------------------------- notes and quality


def _date_notes(
    profiles: dict[str, ColumnProfile], roles: dict[str, ColumnRole], notes: list[str], settings: IntakeSettings
) -> None:
    for name, role in roles.items():
        if role.role != "date":
            continue
        dates = profiles[name].dates
        _out_of_range_note(name, dates, notes)
        if dates.order in {"day_first", "month_first"}:
            order = dates.order.replace("_", "-")
            if settings.date_order != "auto":
                notes.append(f"Dates in '{name}' read {order}, as set.")
            elif dates.ambiguous:
                notes.append(
                    f"Dates in '{name}' read {order}: the data cannot tell day from month; "
                    "switch date_order on the Data page if that is wrong."
                )
            else:
                notes.append(f"Dates in '{name}' read {order} (a value above 12 decides).")
        elif dates.order == "excel_serial":
            notes.append(f"Dates in '{name}' are Excel day numbers; read as dates.")


def _out_of_range_note(name: str, dates: DateParse, notes: list[str]) -> None:
    """Say how many dates lay beyond 1677–2262 and were read as no date."""
    if dates.out_of_range:
        notes.append(
            f"{dates.out_of_range:,} date(s) in '{name}' lie outside 1677–2262 (e.g. '{dates.outside_example}', "
            'a usual way to write "no end date"); read as no date (open).'
        )


def column_quality(
    frame: pd.DataFrame,
    profiles: dict[str, ColumnProfile],
    roles: dict[str, ColumnRole],
    distinct: dict[str, Distinct] | None = None,
) -> pd.DataFrame:
    """Return one row per source column: column, type (role), missing_share, distinct, examples."""
    rows = []
    for name, profile in profiles.items():
        factorised = distinct[name] if distinct is not None and name in distinct else Distinct.of(frame[name])
        present = ~factorised.missing_values().to_numpy()
        present_rows = int(factorised.counts[present].sum())
        # distinct values come in order of first appearance, as drop_duplicates would give them
        shown = factorised.values[present].head(3)
        examples = ", ".join(str(v) for v in (cells_as_text(shown) if is_typed(shown) else shown))
        rows.append(
            {
                "column": name,
                "type": roles[name].role if name in roles else "",
                "missing_share": round(1.0 - float(present_rows) / max(len(frame), 1), 4),
                "distinct": int(profile.distinct),
                "examples": examples,
            }
        )
    return pd.DataFrame(rows, columns=["column", "type", "missing_share", "distinct", "examples"])


_CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB"}
_CURRENCY_CODES = re.compile(
    r"(?<![A-Za-z])(USD|EUR|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|PLN|INR|CNY|BRL|ZAR|MXN|SGD|HKD)(?![A-Za-z])",
    re.IGNORECASE,
)


def detect_currency(revenue_column: str, frame: pd.DataFrame, sample: int = 2000) -> str | None:
    """Return the currency code the revenue column's name or its written values state, or None.

    A code or sign in the column name wins ("ARR (EUR)", "amount_gbp", "Revenue €"); otherwise the
    first `sample` written values are read for signs and codes. Two currencies mean None: nothing
    is converted, and a mixed column is better labelled by the user.
    """
    found: set[str] = set()
    name = str(revenue_column)
    found.update(code.upper() for code in _CURRENCY_CODES.findall(name.replace("_", " ")))
    found.update(code for sign, code in _CURRENCY_SIGNS.items() if sign in name)
    if not found and revenue_column in frame.columns and not is_typed(frame[revenue_column]):
        values = frame[revenue_column].head(sample).dropna().astype(str)
        text = " ".join(values.unique()[:500])
        found.update(code.upper() for code in _CURRENCY_CODES.findall(text))
        found.update(code for sign, code in _CURRENCY_SIGNS.items() if sign in text)
    return found.pop() if len(found) == 1 else None


# --------------------------------------------------------------------------- churned accounts

_CHURN_FLAG_WORDS = {"yes", "y", "true", "t", "1", "1.0", "churned", "churn", "lost", "cancelled", "canceled"}
_NOT_AN_EVENT = {"risk", "score", "probability", "prob", "predicted", "prediction", "propensity", "likelihood"}
"""Words of a churn column that is a forecast, not the fact that the account left."""
_ENDED_STATUS = re.compile(
    r"(?i)^\s*(?:churned|churn|cancel+ed|cancel+ation|closed|closed[ _-]?lost|lost|inactive|terminated|ended|"
    r"expired|former|lapsed|deactivated|discontinued)\s*$"
)
_STATUS_WORDS = {"status", "stage", "lifecycle", "state"}
_END_WORDS = {"end", "ended", "cancel", "cancelled", "canceled", "cancellation", "churn", "churned", "terminated"}
_FUTURE_WORDS = {"renewal", "renew", "next", "due", "expiry", "expires", "expiration", "end", "ended"}


def _flag_values(values: pd.Series) -> pd.Series | None:
    """A churn flag read as True/False per row (missing is False), or None when the column is not yes/no."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(values):
        present = values.dropna()
        if present.empty or not present.isin([0.0, 1.0]).all():
            return None
        return (values == 1.0).fillna(False).astype(bool)
    text = values.astype("string").str.strip().str.lower()
    seen = set(text.dropna().unique().tolist())
    if not seen or len(seen) > 2 or not seen & _CHURN_FLAG_WORDS:
        return None
    if not seen <= _CHURN_FLAG_WORDS | {"no", "n", "false", "f", "0", "0.0", "active", "retained", "current"}:
        return None
    return text.isin(_CHURN_FLAG_WORDS).fillna(False).astype(bool)


def _reference_date(
    customers: pd.DataFrame, roles: dict[str, ColumnRole], end_columns: list[str]
) -> pd.Timestamp | None:
    """The file's "today": its latest date outside end dates and future-looking dates (renewal, due …)."""
    latest: pd.Timestamp | None = None
    for column in customers.columns:
        role = roles.get(column)
        if column in end_columns or role is None or role.role not in {"date", "outcome"}:
            continue
        if not pd.api.types.is_datetime64_any_dtype(customers[column]) or set(tokens(column)) & _FUTURE_WORDS:
            continue
        value = customers[column].max()
        if pd.notna(value) and (latest is None or value > latest):
            latest = pd.Timestamp(value)
    return latest


def _churn_rules(
    customers: pd.DataFrame, roles: dict[str, ColumnRole], settings: IntakeSettings, own: set[str]
) -> list[tuple[str, pd.Series, str]]:
    """The columns that say an account churned: (column, churned mask, reason in words), flags first.

    Only the primary file's own columns (`own`) are read unasked: a related table's churn flag or end
    date belongs to a subscription, and an account with one ended subscription has not left.
    """
    chosen = settings.churn_column
    if chosen is not None and chosen not in customers.columns:
        raise InputError(
            f"Churn column '{chosen}' is not a column of the customer table; its columns are "
            f"{', '.join(repr(c) for c in list(customers.columns)[:15])}. "
            "Choose one of those or leave churn_column empty."
        )
    rules: list[tuple[str, pd.Series, str]] = []
    columns = (
        [chosen] if chosen else sorted(c for c in customers.columns if c in own and c not in {"customer_id", "revenue"})
    )
    flags: list[tuple[str, pd.Series, str]] = []
    statuses: list[tuple[str, pd.Series, str]] = []
    ends: list[str] = []
    for column in columns:
        role = roles.get(column)
        words = set(tokens(column))
        named = bool(OUTCOME_NAME.search(column))
        overridden = column in settings.roles and settings.roles[column] != "outcome"
        if chosen is None and (overridden or role is None or words & _NOT_AN_EVENT):
            continue
        values = customers[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            if chosen or (words & _END_WORDS and not words & (_FUTURE_WORDS - {"end", "ended"})):
                ends.append(column)
            continue
        if chosen or named:
            mask = _flag_values(values)
            if mask is not None:
                shown = "yes"
                if mask.any() and not pd.api.types.is_bool_dtype(values):
                    shown = str(values[mask].iloc[0]).strip()
                flags.append((column, mask, f"{column} = {shown}"))
                continue
        if chosen or (words & _STATUS_WORDS and role is not None and role.role in {"categorical", "outcome"}):
            text = values.astype("string")
            mask = text.str.match(_ENDED_STATUS).fillna(False).astype(bool)
            if mask.any() or chosen:
                shown = ", ".join(sorted(text[mask].str.strip().unique().tolist())[:3]) or "ended"
                statuses.append((column, mask, f"{column} = {shown}"))
    rules += flags[:1] + statuses[:1]  # one flag and one status decide; others say the same thing
    if ends:
        reference = _reference_date(customers, roles, ends)
        for column in ends[:1]:
            values = customers[column]
            today = reference if reference is not None else values.max()
            mask = (values < today).fillna(False).astype(bool)
            rules.append((column, mask, f"{column} before {today:%Y-%m-%d}"))
    return rules


def _set_aside_churned(
    customers: pd.DataFrame,
    *,
    roles: dict[str, ColumnRole],
    source_roles: dict[str, ColumnRole],
    settings: IntakeSettings,
    ledger: _Ledger,
    notes: list[str],
    unit: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move the accounts the file says have churned out of `customers`; return (current, churned).

    The deciding columns get the role ``outcome`` (never a clustering input). Every churned account
    is counted in the ledger by the rule that caught it first; when every account is marked churned
    none is set aside (the file is then a list of lost accounts, and analysing it is the point).
    """
    empty = pd.DataFrame({c: pd.Series(dtype="str" if c != "revenue" else "float64") for c in CHURNED_COLUMNS})
    if settings.churn_rule == "ignore":
        if any(r.role == "outcome" for r in roles.values()):
            notes.append("Churned accounts are counted as current customers, as set (churn_rule = ignore).")
        return customers, empty
    rules = _churn_rules(customers, roles, settings, set(source_roles))
    if not rules:
        return customers, empty
    reason = pd.Series("", index=customers.index, dtype="object")
    for column, mask, words in rules:
        reason = reason.where(~(mask & (reason == "")), f"Churned account ({words})")
        for table_roles in (roles, source_roles):
            if column in table_roles:
                old = table_roles[column]
                table_roles[column] = ColumnRole(
                    column, "outcome", max(old.confidence, 0.9), f"says which accounts churned ({old.reason})"
                )
    churned = (reason != "").to_numpy()
    count = int(churned.sum())
    if count == 0:
        return customers, empty
    if count == len(customers):
        notes.append(
            f"Every account is marked churned ({rules[0][2]}); none were set aside, so the analysis covers them all."
        )
        return customers, empty
    lost = customers.loc[churned]
    frame = pd.DataFrame(
        {
            "customer_id": lost["customer_id"].astype("str").to_numpy(),
            "revenue": lost["revenue"].astype("float64").to_numpy(),
            "churn_reason": reason[churned].to_numpy(),
        }
    )
    for text, group in frame.groupby("churn_reason", sort=True):
        ledger.entries.append(
            LedgerEntry(
                reason=f"{text}: kept out of current {unit}",
                rows=len(group),
                action="excluded",
                examples=group["customer_id"].head(5).tolist(),
            )
        )
    taken = float(frame["revenue"].clip(lower=0).sum())
    notes.append(
        f"{count:,} churned or ended accounts are kept out of current {unit}, tiers, segments and the plan, and "
        f"reported as their own group ({taken:,.0f} of {unit} left with them); "
        "set churn_rule to 'ignore' to count them."
    )
    return customers.loc[~churned], frame
