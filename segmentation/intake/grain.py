"""The grain of a file (one row per customer, or many) and the customer-grain path.

`decide_grain` reads how often customer IDs repeat; `customer_grain` keeps one row per customer
(the first of a repeated ID), ledgering what it sets aside. The many-rows path is `transactions`.
Both read the file through a `FileRows` and hand back `CustomerRows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from segmentation.intake.amounts import revenue_spreadsheet_errors, revenue_unit, revenue_values
from segmentation.intake.columns import parsed_column
from segmentation.intake.ledger import Ledger, without_totals_and_ids
from segmentation.intake.parsing import Distinct
from segmentation.intake.roles import ColumnProfile, RevenueChoice
from segmentation.intake.rows import identical_rows, later_repeats
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.table import ColumnRole


@dataclass
class FileRows:
    """The primary file as the grain paths read it: its rows, customer IDs, roles and revenue choice,
    and the ledger, notes and facts they write what they did into."""

    frame: pd.DataFrame
    ids: pd.Series  # the customer ID text of each row
    id_values: Distinct  # the same IDs, factorised
    distinct: dict[str, Distinct]  # every column, factorised
    id_role: ColumnRole
    revenue: RevenueChoice | None
    roles: dict[str, ColumnRole]
    profiles: dict[str, ColumnProfile]
    settings: IntakeSettings
    ledger: Ledger
    notes: list[str]
    facts: dict[str, str]  # "window": the revenue window in words, for the headline
    source_name: str


class CustomerRows(NamedTuple):
    """One row per customer with the roles of its columns, the revenue column's name and the unit shown."""

    customers: pd.DataFrame
    roles: dict[str, ColumnRole]
    revenue_column: str
    unit: str


def decide_grain(ids: Distinct, roles: dict[str, ColumnRole], settings: IntakeSettings) -> str:
    """``transactions`` when fewer than half the rows have their own ID (or 90% with a date column), else
    ``customer``; the setting wins unless it is ``auto``."""
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


def customer_grain(rows: FileRows) -> CustomerRows:
    """One row per customer: the first row of each ID, its revenue, and every kept column parsed for its role."""
    revenue, ledger = rows.revenue, rows.ledger
    keep = without_totals_and_ids(rows.id_values, rows.distinct, rows.roles, ledger, rows.id_role.column)
    if revenue is not None:
        values, blank, unparsed = revenue_values(rows.frame, revenue, rows.distinct)
        bad = unparsed & keep
        ledger.add(bad, f"Revenue is not a number in '{revenue.column}'", "excluded", revenue.factors[0])
        keep &= ~bad
    else:
        values = pd.Series(0.0, index=rows.frame.index)
        blank = pd.Series(data=False, index=rows.frame.index)
    keep &= ~_repeated_rows(rows, keep)
    if revenue is not None:
        _blank_revenue(rows, revenue, blank, keep)
    multiplier, unit, note = revenue_unit(revenue, rows.settings, "customer") if revenue else (1.0, "revenue", None)
    if note:
        rows.notes.append(note)
    customers = pd.DataFrame(
        {
            "customer_id": rows.ids[keep].astype("str"),
            "revenue": (values[keep].fillna(0.0) * multiplier).astype("float64"),
        }
    )
    kept_roles = _kept_columns(rows, customers, keep)
    revenue_column = revenue.column if revenue else ""
    return CustomerRows(customers, kept_roles, revenue_column, unit)


def _repeated_rows(rows: FileRows, keep: pd.Series) -> pd.Series:
    """Ledger rows that repeat another row exactly, then later rows of an ID seen before; return both."""
    codes, id_column = rows.id_values.codes, rows.id_role.column
    identical = identical_rows(rows.frame, codes, keep)
    rows.ledger.add(identical, "Duplicate identical row (merged into the first)", "excluded", id_column)
    repeated = later_repeats(codes, keep & ~identical)
    rows.ledger.add(repeated, "Duplicate customer ID with different values (kept the first row)", "excluded", id_column)
    return identical | repeated


def _blank_revenue(rows: FileRows, revenue: RevenueChoice, blank: pd.Series, keep: pd.Series) -> None:
    """Ledger the kept rows whose revenue is a spreadsheet error or blank (both counted as 0)."""
    errors = revenue_spreadsheet_errors(revenue, rows.distinct) & blank
    rows.ledger.add(
        errors & keep, f"Spreadsheet error in '{revenue.column}' (#DIV/0!, #N/A …) counted as 0", "changed", None
    )
    rows.ledger.add(
        blank & ~errors & keep, f"Blank revenue in '{revenue.column}' counted as 0", "changed", rows.id_role.column
    )


def _kept_columns(rows: FileRows, customers: pd.DataFrame, keep: pd.Series) -> dict[str, ColumnRole]:
    """Add every column kept for the analysis to `customers` (in place), parsed; return their roles.

    A column whose name is taken (``revenue`` as a part of a summed revenue) is kept as ``<name>_source``.
    """
    revenue = rows.revenue
    kept_roles: dict[str, ColumnRole] = {}
    parts = set(revenue.parts) if revenue is not None and revenue.operation == "sum" else set()
    for name, role in rows.roles.items():
        if role.role in {"customer_id", "revenue", "ignore"} and name not in parts:
            continue
        column = name if name not in customers.columns else f"{name}_source"
        customers[column] = parsed_column(rows.distinct[name].subset(keep), role, rows.profiles[name], rows.settings)
        kept_roles[column] = role if column == name else ColumnRole(column, role.role, role.confidence, role.reason)
    return kept_roles
