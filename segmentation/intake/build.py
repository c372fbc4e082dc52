"""`build_customer_table`: read the file(s), pick the ID and revenue, fix the grain, keep the ledger.

This module is the orchestration; each step lives in its own module: `ledger` (what was excluded and
why), `grain` (one row per customer), `transactions` and `windows` (many rows rolled up), `related`
(a second table joined by key), `churn` (accounts that left), `amounts` (revenue as numbers and its
checks), `currency`, and `quality` (what the Data page says about each column).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from segmentation.errors import InputError
from segmentation.intake.amounts import cent_residue, flat_revenue, refuse_degenerate_money
from segmentation.intake.churn import set_aside_churned
from segmentation.intake.currency import refuse_mixed_currencies, table_currency
from segmentation.intake.grain import CustomerRows, FileRows, customer_grain, decide_grain
from segmentation.intake.ledger import Ledger, negative_revenue
from segmentation.intake.parsing import Distinct, integral_id_text
from segmentation.intake.quality import column_quality, date_notes
from segmentation.intake.reading import read_raw
from segmentation.intake.related import join_related
from segmentation.intake.roles import (
    ColumnProfile,
    RevenueChoice,
    check_overrides,
    choose_id,
    choose_revenue,
    profile_columns,
    source_column_roles,
)
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.sources import Source
from segmentation.intake.table import CHURNED_COLUMNS, ColumnRole, CustomerTable
from segmentation.intake.transactions import transactions


@dataclass(frozen=True)
class _PrimaryFile:
    """The primary file read once, with everything that does not depend on which column is revenue
    (so trying the next revenue candidate reads nothing again)."""

    source: Source
    frame: pd.DataFrame
    distinct: dict[str, Distinct]  # every column factorised once: parsing, counts and duplicates reuse it
    profiles: dict[str, ColumnProfile]
    id_role: ColumnRole
    ids: pd.Series
    id_values: Distinct
    not_revenue: set[str]  # the ID and the columns the settings give another role
    wanted_revenue: str | None
    notes: list[str]


class _Attempt(NamedTuple):
    """The file read with one revenue choice: its rows (ledger and notes included), grain and customers."""

    rows: FileRows
    grain: str
    table: CustomerRows


def build_customer_table(primary: Source, settings: IntakeSettings, related: Source | None = None) -> CustomerTable:
    """Read `primary` (and `related`, joined by customer key) into one row per customer.

    Returns a `CustomerTable` whose ``revenue`` is annual when the file says ARR or MRR (MRR ×12).
    Raises `InputError` for unreadable, empty or oversized files and when no revenue column exists.
    """
    file = _read_primary(primary, settings)
    attempt, rejected, warnings = _with_ranking_revenue(file, settings, required=related is None)
    rows, grain, table = attempt
    notes, ledger, revenue = rows.notes, rows.ledger, rows.revenue
    if rejected:
        notes.append(f"Not taken as revenue: {_rejections(rejected)}.")
    if related is not None:
        table = join_related(
            table,
            related=related,
            settings=settings,
            ledger=ledger,
            notes=notes,
            primary=primary,
            need_revenue=revenue is None,
            facts=rows.facts,
        )
    customers = _in_stable_order(table.customers)
    date_notes(file.profiles, rows.roles, notes, settings)
    cent_residue(customers)
    churned = pd.DataFrame(columns=CHURNED_COLUMNS)
    if grain == "customer":
        customers, churned = set_aside_churned(
            customers,
            roles=table.roles,
            source_roles=rows.roles,
            settings=settings,
            ledger=ledger,
            notes=notes,
            unit=table.unit,
        )
        customers = customers.reset_index(drop=True)
    negative_revenue(customers, ledger, notes)
    refuse_degenerate_money(customers, table.revenue_column, primary.name)
    currency = table_currency(revenue, table.revenue_column, file.frame, notes)
    notes.extend(warnings)
    return CustomerTable(
        customers=customers,
        roles=table.roles,
        id_column=file.id_role.column,
        revenue_column=table.revenue_column,
        revenue_unit=table.unit,
        source_name=primary.name,
        rows_read=len(file.frame),
        grain=grain,
        ledger=ledger.entries,
        excluded_rows=ledger.frame(),
        notes=notes,
        column_quality=column_quality(file.frame, file.profiles, rows.roles, file.distinct),
        currency=currency,
        source_roles=rows.roles,
        churned=churned,
        revenue_window=rows.facts.get("window", ""),
        revenue_parts=revenue.parts if revenue is not None else (),
        warnings=warnings,
    )


def _read_primary(primary: Source, settings: IntakeSettings) -> _PrimaryFile:
    """Read and profile the primary file, choose its customer ID, and note what the settings leave out."""
    raw = read_raw(primary, settings)
    frame = raw.frame
    notes = [*raw.notes, *check_overrides(settings.roles, list(frame.columns))]
    distinct = {str(name): raw.distinct.get(str(name)) or Distinct.of(frame[name]) for name in frame.columns}
    profiles = profile_columns(frame, settings.date_order, distinct)
    wanted_id = settings.id_column or _override_for(settings, "customer_id")
    id_role = choose_id(profiles, len(frame), primary.name, wanted_id)
    ignored = {c for c, r in settings.roles.items() if r == "ignore" and c in profiles}
    not_revenue = {c for c, r in settings.roles.items() if r not in {"revenue"} and c in profiles}
    if ignored:
        notes.append(f"Left out of the analysis as set: {', '.join(sorted(ignored))}.")
    ids, id_values = _customer_ids(distinct[id_role.column], id_role, notes)
    return _PrimaryFile(
        source=primary,
        frame=frame,
        distinct=distinct,
        profiles=profiles,
        id_role=id_role,
        ids=ids,
        id_values=id_values,
        not_revenue={id_role.column} | ignored | not_revenue,
        wanted_revenue=settings.revenue_column or _override_for(settings, "revenue"),
        notes=notes,
    )


def _customer_ids(column: Distinct, id_role: ColumnRole, notes: list[str]) -> tuple[pd.Series, Distinct]:
    """The customer ID of each row as text, and factorised ("the exact text of the file").

    A typed ID column is written out once per value; IDs written like 12345.0 are read as 12345.
    """
    id_values = column.as_text()
    ids = id_values.text
    if integral_id_text(id_values.values)[1]:
        ids = integral_id_text(ids)[0]
        id_values = Distinct.of(ids)
        notes.append(f"Customer IDs in '{id_role.column}' were written like 12345.0; read as whole numbers (12345).")
    return ids, id_values


def _with_ranking_revenue(
    file: _PrimaryFile, settings: IntakeSettings, *, required: bool
) -> tuple[_Attempt, dict[str, str], list[str]]:
    """Read the file with the best revenue candidate that ranks customers; return it, the rejected
    candidates (column: why) and warnings.

    A detected revenue column that is the same for every customer ranks nobody: the next candidate
    is tried. A column named in the settings is used even when flat, with a red-flag warning.
    """
    rejected: dict[str, str] = {}
    while True:
        revenue = _revenue_choice(file, rejected, required=required)
        attempt = _attempt(file, revenue, settings, rejected)
        flat = flat_revenue(attempt.table.customers["revenue"]) if revenue is not None else None
        if flat is None or revenue is None:
            return attempt, rejected, []
        if file.wanted_revenue is None:
            rejected[revenue.column] = flat
            continue
        warning = (
            f"Red flag: the revenue '{revenue.column}' {flat}. Concentration, tiers and potential cannot rank "
            "customers on it; check that it is the revenue column."
        )
        return attempt, rejected, [warning]


def _revenue_choice(file: _PrimaryFile, rejected: dict[str, str], *, required: bool) -> RevenueChoice | None:
    """The revenue column left once `rejected` is set aside; says why when none is left after rejections."""
    try:
        return choose_revenue(
            file.profiles, file.not_revenue | set(rejected), file.wanted_revenue, file.source.name, required=required
        )
    except InputError:
        if not rejected:
            raise
        raise InputError(
            f"No usable revenue column in '{file.source.name}': {_rejections(rejected)}; choose the revenue column "
            "with --revenue-column or on the Data page (naming a column there uses it even when it is flat)."
        ) from None


def _attempt(
    file: _PrimaryFile, revenue: RevenueChoice | None, settings: IntakeSettings, rejected: dict[str, str]
) -> _Attempt:
    """Read the file into customers with `revenue` as the revenue: roles, grain, ledger and notes afresh."""
    if revenue is not None:
        refuse_mixed_currencies(revenue, file.distinct, file.source.name)
    roles = source_column_roles(file.profiles, file.id_role, revenue, settings, len(file.frame), rejected=rejected)
    rows = FileRows(
        frame=file.frame,
        ids=file.ids,
        id_values=file.id_values,
        distinct=file.distinct,
        id_role=file.id_role,
        revenue=revenue,
        roles=roles,
        profiles=file.profiles,
        settings=settings,
        ledger=Ledger(file.frame),
        notes=list(file.notes),
        facts={},
        source_name=file.source.name,
    )
    grain = decide_grain(file.id_values, roles, settings)
    table = transactions(rows) if grain == "transactions" else customer_grain(rows)
    return _Attempt(rows, grain, table)


def _in_stable_order(customers: pd.DataFrame) -> pd.DataFrame:
    """The customers sorted by ID (stable), so the order of the file's rows never reaches a seeded stage."""
    return customers.sort_values("customer_id", kind="stable", ignore_index=True)


def _rejections(rejected: dict[str, str]) -> str:
    """The rejected revenue candidates in words: 'col' why; 'col' why."""
    return "; ".join(f"'{column}' {why}" for column, why in rejected.items())


def _override_for(settings: IntakeSettings, role: str) -> str | None:
    """The column the settings give `role`, if any."""
    return next((column for column, r in settings.roles.items() if r == role), None)
