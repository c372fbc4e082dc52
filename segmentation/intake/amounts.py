"""The revenue amounts: the chosen column, sum or product read as numbers per row, its unit, and the checks
on revenue per customer (flat, zero for everyone, refunds only, cent residue).

Choosing which column is revenue is `roles.choose_revenue`; this module reads the amounts of that choice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.errors import InputError
from segmentation.intake.parsing import Distinct, parse_numbers, spreadsheet_errors
from segmentation.intake.roles import RevenueChoice
from segmentation.intake.settings import IntakeSettings

CENT = 0.005
"""Amounts within half a cent of zero are zero (the residue of netted refunds such as -1e-14)."""
FLAT_GINI = 0.01
"""Below this Gini (mean gap between two customers under 2% of the mean) revenue is taken as flat."""


def revenue_values(
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


def revenue_spreadsheet_errors(revenue: RevenueChoice, distinct: dict[str, Distinct]) -> pd.Series:
    """Rows whose revenue cell (any factor) holds a spreadsheet error such as #DIV/0! or #N/A."""
    masks = [spreadsheet_errors(distinct[factor]) for factor in revenue.factors if factor in distinct]
    result = masks[0]
    for mask in masks[1:]:
        result = result | mask
    return result


def revenue_unit(revenue: RevenueChoice, settings: IntakeSettings, grain: str) -> tuple[float, str, str | None]:
    """Return (multiplier, unit shown, note): MRR is turned into ARR (×12) except in a transactions file
    (monthly invoices add up to a year by themselves), unless the settings say the amounts are MRR."""
    unit = revenue.unit if settings.revenue_unit == "auto" else settings.revenue_unit
    if unit == "MRR" and (grain != "transactions" or settings.revenue_unit == "MRR"):
        return 12.0, "ARR", f"'{revenue.column}' holds monthly amounts (MRR); turned into ARR (×12)."
    if unit == "MRR":
        return 1.0, "revenue", None
    return 1.0, unit, None


def cent_residue(customers: pd.DataFrame) -> None:
    """Set amounts within `CENT` of zero to exactly zero, in revenue and the derived money columns."""
    for column in ("revenue", "monetary", "all_time_revenue", "prior_revenue", "average_order_value"):
        if column in customers.columns and pd.api.types.is_float_dtype(customers[column]):
            values = customers[column]
            customers[column] = values.where(~(values.abs() < CENT), 0.0)


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


def refuse_degenerate_money(customers: pd.DataFrame, revenue_column: str, file: str) -> None:
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
