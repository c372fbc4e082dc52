"""A second table joined by customer key: its key found, its rows matched and ledgered, rolled up per
customer with the table's name as a prefix, and its amounts taken as revenue when the primary file has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.errors import InputError
from segmentation.intake.aggregate import Columns, aggregate
from segmentation.intake.amounts import revenue_unit, revenue_values
from segmentation.intake.columns import prepare_rows
from segmentation.intake.currency import refuse_mixed_currencies
from segmentation.intake.grain import CustomerRows
from segmentation.intake.ledger import Ledger
from segmentation.intake.parsing import Distinct, integral_id_text, is_missing, text_frame
from segmentation.intake.reading import read_raw
from segmentation.intake.roles import (
    ColumnProfile,
    RevenueChoice,
    choose_revenue,
    describe_role,
    id_name_score,
    profile_columns,
    tokens,
)
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.sources import Source
from segmentation.intake.table import ColumnRole, LedgerEntry
from segmentation.intake.transactions import AGGREGATION_WORDS, aggregation_of
from segmentation.intake.windows import active_on, end_date_column, latest_date

_START_WORDS = ("start", "begin", "created", "date")


@dataclass
class _Related:
    """The related table as read: its rows (as text), key column and keys, roles, revenue, matched rows."""

    source: Source
    frame: pd.DataFrame
    profiles: dict[str, ColumnProfile]
    key: str
    keys: pd.Series
    stem: str  # the prefix of its columns in the customer table
    revenue: RevenueChoice | None
    roles: dict[str, ColumnRole]
    matched: pd.Series  # rows whose key is a customer of the primary file


@dataclass
class _Money:
    """How the related table's amounts are rolled up: the amount column, event date, end date and unit."""

    amount: str | None
    event_date: str | None
    active_until: str | None
    unit: str


def join_related(
    table: CustomerRows,
    *,
    related: Source,
    settings: IntakeSettings,
    ledger: Ledger,
    notes: list[str],
    primary: Source,
    need_revenue: bool,
    facts: dict[str, str],
) -> CustomerRows:
    """Join `related` to the customers by key, one row per customer; its amounts are revenue when `need_revenue`.

    Raises `InputError` when no key column matches the customers, or revenue is needed and the table has none.
    """
    rel = _read_related(related, table.customers, settings, primary, need_revenue)
    _unjoined_rows(rel, ledger, notes, primary)
    prepared, kinds = prepare_rows(rel.frame, rel.roles, rel.profiles, settings, skip={rel.key})
    rows = pd.DataFrame(prepared, index=rel.frame.index).loc[rel.matched]
    rows.insert(0, "_row", np.flatnonzero(rel.matched.to_numpy()).astype("int64"))
    rows.insert(0, "_key", rel.keys[rel.matched].astype("str"))
    money = _Money(None, None, None, table.unit)
    if rel.revenue is not None:
        money = _related_money(
            rel, rel.revenue, rows, kinds, settings=settings, ledger=ledger, notes=notes, facts=facts
        )
    result = aggregate(
        rows,
        kinds,
        settings.attribute_rule,
        amount=money.amount,
        event_date=money.event_date,
        order_key=None,
        window_months=None,
        active_until=money.active_until,
        prefix=f"{rel.stem}_",
        rfm=False,
    )
    result = result.rename(columns={"_rows": f"{rel.stem}_rows"})
    merged = _merged(table.customers, result, rel)
    roles = _joined_roles(table.roles, result, rel)
    without = merged[f"{rel.stem}_rows"] == 0
    if without.any():
        notes.append(f"{int(without.sum()):,} customers have no rows in '{related.name}'.")
    revenue_column, unit = table.revenue_column, table.unit
    if rel.revenue is not None:
        merged = _revenue_from_related(merged, without, rel, rel.revenue, ledger=ledger, notes=notes)
        revenue_column, unit = f"{related.name}: {rel.revenue.column}", money.unit
    for column in merged.columns:
        if column in roles and roles[column].role == "numeric" and column.startswith(f"{rel.stem}_"):
            merged[column] = merged[column].astype("float64")
    order = ["customer_id", "revenue", *[c for c in merged.columns if c not in {"customer_id", "revenue"}]]
    notes.append(
        f"Joined '{related.name}' by '{rel.key}' ({int(rel.matched.sum()):,} of {len(rel.frame):,} rows matched)."
    )
    return CustomerRows(merged[order], roles, revenue_column, unit)


def _read_related(
    related: Source, customers: pd.DataFrame, settings: IntakeSettings, primary: Source, need_revenue: bool
) -> _Related:
    """Read the related table (as text throughout, matched by key text), find its key, revenue and roles."""
    raw = read_raw(related, settings.model_copy(update={"sheet": None, "header_row": None}))
    frame = text_frame(raw.frame)
    profiles = profile_columns(frame, settings.date_order)
    key = _related_key(frame, customers=customers, settings=settings, related=related, primary=primary)
    keys, _ = integral_id_text(frame[key])
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
    roles = {
        name: ColumnRole(name, "customer_id", 1.0, "key")
        if name == key
        else (
            ColumnRole(name, "revenue", revenue.confidence, revenue.reason)
            if revenue is not None and name in revenue.factors
            else describe_role(profile, len(frame))
        )
        for name, profile in profiles.items()
    }
    matched = keys.isin(set(customers["customer_id"])) & ~is_missing(keys)
    return _Related(related, frame, profiles, key, keys, _stem(related.name), revenue, roles, matched)


def _unjoined_rows(rel: _Related, ledger: Ledger, notes: list[str], primary: Source) -> None:
    """Ledger the related rows with no key (they join no customer) and those whose key is no customer."""
    no_key = is_missing(rel.keys)
    if no_key.any():
        ledger.entries.append(
            LedgerEntry(
                reason=f"No customer ID in '{rel.source.name}' (rows not joined)",
                rows=int(no_key.sum()),
                action="excluded",
                examples=[f"row {int(i) + 1}" for i in rel.frame.index[no_key.to_numpy()][:5]],
            )
        )
    unmatched = ~rel.matched & ~no_key
    if unmatched.any():
        examples = rel.keys[unmatched].head(5).tolist()
        ledger.entries.append(
            LedgerEntry(
                reason=f"Rows of '{rel.source.name}' whose key is not a customer of '{primary.name}'",
                rows=int(unmatched.sum()),
                action="excluded",
                examples=[str(e) for e in examples],
            )
        )
        notes.append(
            f"{int(unmatched.sum()):,} rows of '{rel.source.name}' have a '{rel.key}' that matches no customer."
        )


def _related_money(
    rel: _Related,
    revenue: RevenueChoice,
    rows: pd.DataFrame,
    kinds: Columns,
    *,
    settings: IntakeSettings,
    ledger: Ledger,
    notes: list[str],
    facts: dict[str, str],
) -> _Money:
    """Add the matched rows' amounts to `rows` as ``_amount`` (in place) and say how they are rolled up.

    ARR or MRR rows with an end date are subscriptions: revenue is what is active on the latest date.
    """
    refuse_mixed_currencies(revenue, {f: Distinct.of(rel.frame[f]) for f in revenue.factors}, rel.source.name)
    values, _blank, unparsed = revenue_values(rel.frame, revenue)
    if unparsed.any():
        notes.append(f"{int(unparsed.sum()):,} amounts in '{rel.source.name}' are not numbers; counted as 0.")
    _amount_ledger(rel, revenue, values=values, unparsed=unparsed & rel.matched, ledger=ledger)
    multiplier, unit, unit_note = revenue_unit(revenue, settings, "customer")
    if unit_note:
        notes.append(unit_note)
    rows["_amount"] = values[rel.matched].fillna(0.0).to_numpy() * multiplier
    kinds.numeric = [c for c in kinds.numeric if c not in revenue.factors]
    dates = list(kinds.dates)
    event_date = next((d for d in dates if any(w in tokens(d) for w in _START_WORDS)), None)
    end = end_date_column(dates)
    if unit not in {"ARR", "MRR"} or end is None:
        return _Money("_amount", event_date, None, unit)
    latest = latest_date(rows[c] for c in (end, event_date) if c is not None)
    as_of = f" on {latest:%Y-%m-%d}, the latest date in the table" if pd.notna(latest) else ""
    # the headline says the as-of day, as it does when the subscriptions are the primary file
    facts["window"] = active_on(latest)
    notes.append(
        f"Revenue is the {unit} of the rows of '{rel.source.name}' still active{as_of} "
        f"('{end}' empty or on/after that date)."
    )
    return _Money("_amount", event_date, end, unit)


def _amount_ledger(
    rel: _Related, revenue: RevenueChoice, *, values: pd.Series, unparsed: pd.Series, ledger: Ledger
) -> None:
    """Ledger the joined rows of the related table whose amount is not a number or is negative."""
    column = revenue.factors[0]
    if unparsed.any():
        ledger.entries.append(
            LedgerEntry(
                reason=f"Amount is not a number in '{rel.source.name}': '{revenue.column}' (counted as 0)",
                rows=int(unparsed.sum()),
                action="changed",
                examples=[str(v) for v in rel.frame.loc[unparsed.to_numpy(), column].head(5)],
            )
        )
    negative = (values < 0) & rel.matched
    if negative.any():
        ledger.entries.append(
            LedgerEntry(
                reason=f"Refund or negative amount in '{rel.source.name}' netted against the customer's other rows",
                rows=int(negative.sum()),
                action="changed",
                examples=[str(v) for v in rel.frame.loc[negative.to_numpy(), column].head(5)],
            )
        )


def _merged(customers: pd.DataFrame, result: pd.DataFrame, rel: _Related) -> pd.DataFrame:
    """The customers with the related table's per-customer columns (customers without rows get 0 rows)."""
    base = customers.drop(columns=["revenue"]) if rel.revenue is not None else customers
    merged = base.merge(result.drop(columns=["_first_row"]), left_on="customer_id", right_on="_key", how="left")
    merged = merged.drop(columns=["_key"])
    merged[f"{rel.stem}_rows"] = merged[f"{rel.stem}_rows"].fillna(0).astype("float64")
    return merged


def _joined_roles(roles: dict[str, ColumnRole], result: pd.DataFrame, rel: _Related) -> dict[str, ColumnRole]:
    """The customer table's roles with those of the related table's per-customer columns added."""
    stem, name = rel.stem, rel.source.name
    roles = dict(roles)
    roles[f"{stem}_rows"] = ColumnRole(f"{stem}_rows", "numeric", 1.0, f"rows of '{name}' per customer")
    for column in result.columns:
        if column.startswith("_") or column in {"revenue", "monetary", f"{stem}_rows"}:
            continue
        source_column = column.removeprefix(f"{stem}_").removesuffix("_mean").removesuffix("_share")
        source_role = rel.roles.get(source_column.removesuffix("_latest"))
        role_name = "numeric" if column.endswith("_share") or source_role is None else source_role.role
        if source_role is not None and source_role.role == "outcome":  # a churn flag per subscription stays an outcome
            role_name = "outcome"
        how = "" if role_name in {"categorical", "geographic"} else f": {AGGREGATION_WORDS[aggregation_of(column)]}"
        roles[column] = ColumnRole(column, role_name, 0.8, f"from '{name}', per customer{how}")
    return roles


def _revenue_from_related(
    merged: pd.DataFrame, without: pd.Series, rel: _Related, revenue: RevenueChoice, *, ledger: Ledger, notes: list[str]
) -> pd.DataFrame:
    """Take the related table's sum per customer as revenue (0, ledgered, for customers without rows)."""
    rel_revenue = merged.pop("revenue").fillna(0.0).astype("float64")
    merged = merged.drop(columns=["monetary"], errors="ignore")
    merged["revenue"] = rel_revenue
    if without.any():
        missing_ids = merged.loc[without, "customer_id"]
        ledger.entries.append(
            LedgerEntry(
                reason=f"No rows in '{rel.source.name}': revenue counted as 0",
                rows=int(without.sum()),
                action="changed",
                examples=[str(v) for v in missing_ids.head(5)],
            )
        )
    notes.append(f"Revenue comes from '{revenue.column}' in '{rel.source.name}', added up per customer.")
    return merged


def _stem(name: str) -> str:
    """The related file's name as a column prefix (``Subscriptions 2024.csv`` → subscriptions_2024)."""
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
