"""Many rows per customer rolled up into one: the amounts kept, cancelled and netted, the rows handed to
DuckDB (`aggregate`), the RFM and attribute columns that come back, and the notes that say how.

The revenue window and which date is which come from `windows`; the row parsing from `columns`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from segmentation.errors import InputError
from segmentation.intake.aggregate import aggregate
from segmentation.intake.amounts import CENT, revenue_spreadsheet_errors, revenue_unit, revenue_values
from segmentation.intake.columns import prepare_rows
from segmentation.intake.grain import CustomerRows, FileRows
from segmentation.intake.ledger import without_totals_and_ids
from segmentation.intake.parsing import cells_as_text
from segmentation.intake.roles import RevenueChoice, compact, tokens
from segmentation.intake.rows import count_repeated_rows, matches
from segmentation.intake.table import ColumnRole
from segmentation.intake.windows import (
    Window,
    active_window,
    end_date_column,
    event_date_column,
    revenue_window,
)

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
_ALL_TIME_REASONS = (
    ("all_time_revenue", "all-time net amount (every row of the file), not the current revenue"),
    ("prior_revenue", "net amount of the same length of time before the revenue window (for growth)"),
)
CANCELLED = r"(?i)\b(?:cancel+ed|cancel+ation|refund(?:ed)?|returned|void(?:ed)?|reversed|chargeback)\b"
"""A status cell that says the row's sale did not stand (cancelled, refunded, returned, voided …)."""
_ORDER_WORDS = ("invoice", "order", "transaction", "receipt", "basket")
AGGREGATION_WORDS = {
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


def aggregation_of(column: str) -> str:
    """How a per-customer column was made from the rows, by the suffix the aggregation gave it."""
    for suffix, how in (("_mean", "mean"), ("_share", "share"), ("_latest", "latest")):
        if column.endswith(suffix):
            return how
    return "sum"


def order_key_column(roles: dict[str, ColumnRole], frame: pd.DataFrame) -> str | None:
    """The column that numbers orders or invoices (so a purchase is an order, not a row), or None."""
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


@dataclass
class _RollUp:
    """What came back from aggregating the rows: one row per customer code, and how it was made."""

    result: pd.DataFrame
    window: Window
    order_key: str | None
    unit: str


def transactions(rows: FileRows) -> CustomerRows:
    """Roll the rows of each customer up into one: revenue over the window, RFM columns, attributes per rule.

    Raises `InputError` when the file has no revenue column (nothing to add up).
    """
    revenue = rows.revenue
    if revenue is None:
        raise InputError(
            f"'{rows.source_name}' has many rows per customer but no revenue column; "
            "pass --revenue-column or pick one on the Data page."
        )
    values, keep = _amounts(rows, revenue)
    # counted in a background thread (numpy releases the GIL) while the rows are parsed and aggregated
    with ThreadPoolExecutor(max_workers=1) as pool:
        repeated_rows = pool.submit(count_repeated_rows, list(rows.distinct.values()), keep)
        repeated_note_at = len(rows.notes)
        rolled = _roll_up(rows, revenue, values, keep)
        duplicates = repeated_rows.result()
    if duplicates:
        rows.notes.insert(
            repeated_note_at, f"{duplicates:,} rows repeat another row exactly; kept as separate purchases."
        )
    customers, out_roles, aggregated = _per_customer(rows, rolled.result)
    _roll_up_notes(rows, customers, rolled, int(keep.sum()), aggregated)
    return CustomerRows(customers, out_roles, revenue.column, rolled.unit)


def _amounts(rows: FileRows, revenue: RevenueChoice) -> tuple[pd.Series, pd.Series]:
    """Return (amount per row, rows kept): bad amounts excluded, blanks and errors as 0, cancellations as 0.

    Every row changed or excluded is in the ledger; refunds and negative amounts are kept (netted).
    """
    ledger = rows.ledger
    keep = without_totals_and_ids(rows.id_values, rows.distinct, rows.roles, ledger, rows.id_role.column)
    values, blank, unparsed = revenue_values(rows.frame, revenue, rows.distinct)
    bad = unparsed & keep
    ledger.add(bad, f"Amount is not a number in '{revenue.column}'", "excluded", revenue.factors[0])
    keep &= ~bad
    errors = revenue_spreadsheet_errors(revenue, rows.distinct) & blank
    ledger.add(
        errors & keep, f"Spreadsheet error in '{revenue.column}' (#DIV/0!, #N/A …) counted as 0", "changed", None
    )
    ledger.add(
        blank & ~errors & keep, f"Blank amount in '{revenue.column}' counted as 0", "changed", rows.id_role.column
    )
    values = _without_cancelled(rows, values.fillna(0.0), keep)
    negative = (values < 0) & keep
    ledger.add(
        negative, "Refund or negative amount netted against the customer's purchases", "changed", rows.id_role.column
    )
    return values, keep


def _without_cancelled(rows: FileRows, values: pd.Series, keep: pd.Series) -> pd.Series:
    """`values` with the sales a category column marks cancelled or refunded set to 0 (and ledgered)."""
    for name, role in rows.roles.items():
        if role.role == "categorical" and name != rows.id_role.column:
            cancelled = matches(rows.distinct[name], CANCELLED) & keep & (values > 0)
            if cancelled.any():
                rows.ledger.add(cancelled, f"Cancelled or refunded ('{name}'): not counted as revenue", "changed", name)
                values = values.where(~cancelled, 0.0)
    return values


def _roll_up(rows: FileRows, revenue: RevenueChoice, values: pd.Series, keep: pd.Series) -> _RollUp:
    """Parse the kept rows, decide the revenue window and aggregate them per customer on DuckDB."""
    settings = rows.settings
    dates = [n for n, r in rows.roles.items() if r.role == "date"]
    event_date = event_date_column(dates)
    order_key = order_key_column(rows.roles, rows.frame)
    multiplier, unit, unit_note = revenue_unit(revenue, settings, "transactions")
    if unit_note:
        rows.notes.append(unit_note)
    parts = set(revenue.parts) if revenue.operation == "sum" else set()
    prepared, kinds = prepare_rows(
        rows.frame,
        rows.roles,
        rows.profiles,
        settings,
        skip={order_key or ""} | (set(revenue.factors) - parts),
        distinct=rows.distinct,
        parts=parts,
    )
    kept = keep.to_numpy()
    table = _arrow_rows(rows, prepared, values.to_numpy()[kept] * multiplier, kept, order_key)
    if event_date:
        kinds.dates = [d for d in kinds.dates if d != event_date]
    end = end_date_column([d for d in dates if d != event_date])
    active_until = end if unit in {"ARR", "MRR"} and event_date and end in prepared else None
    if active_until is not None and event_date is not None:
        window = active_window(prepared, active_until, event_date, kept, unit)
    else:
        window = revenue_window(prepared.get(event_date) if event_date else None, kept, settings)
    result = aggregate(
        table,
        kinds,
        settings.attribute_rule,
        amount="_amount",
        event_date=event_date,
        order_key="_order" if order_key else None,
        window_months=window.months,
        active_until=active_until,
        prior=window.prior,
    )
    return _RollUp(result, window, order_key, unit)


def _arrow_rows(
    rows: FileRows, prepared: dict[str, pd.Series], amounts: np.ndarray, kept: np.ndarray, order_key: str | None
) -> pa.Table:
    """The kept rows as an Arrow table (handed to DuckDB without a pandas frame in between).

    Grouped by the ID's integer code (faster than by text); the text is put back after aggregating.
    """
    every = bool(kept.all())  # then nothing is copied to select rows
    codes = rows.id_values.codes
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "_key": pa.array(codes if every else codes[kept]),
        "_row": pa.array(np.flatnonzero(kept)),
    }
    columns.update({name: pa.array(series if every else series[kept]) for name, series in prepared.items()})
    columns["_amount"] = pa.array(amounts)
    if order_key:
        columns["_order"] = pa.array(cells_as_text(rows.frame.loc[kept, order_key]))
    return pa.table(columns)


def _per_customer(
    rows: FileRows, result: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, ColumnRole], dict[str, list[str]]]:
    """Return the customers (IDs as text again), their columns' roles, and the columns by how each was made."""
    customer_ids = rows.id_values.values.take(result["_key"].to_numpy()).reset_index(drop=True)
    customers = pd.DataFrame({"customer_id": customer_ids.astype("str"), "revenue": result["revenue"]})
    out_roles: dict[str, ColumnRole] = {}
    for column in RFM_COLUMNS:
        if column in result.columns:
            customers[column] = result[column]
            role_name, reason = _RFM_REASONS[column]
            out_roles[column] = ColumnRole(column, role_name, 1.0, reason)
    aggregated = _attribute_columns(rows, result, customers, out_roles)
    for date_column in ("first_purchase", "last_purchase"):
        if date_column in customers.columns:
            customers[date_column] = pd.to_datetime(customers[date_column]).astype("datetime64[ns]")
    for column, reason in _ALL_TIME_REASONS:
        if column in result.columns:
            customers[column] = result[column].astype("float64")
            out_roles[column] = ColumnRole(column, "numeric", 1.0, reason)
    return customers, out_roles, aggregated


def _attribute_columns(
    rows: FileRows, result: pd.DataFrame, customers: pd.DataFrame, out_roles: dict[str, ColumnRole]
) -> dict[str, list[str]]:
    """Add the per-customer attributes to `customers` with their roles (in place); return the source
    columns by how each was aggregated (sum, mean, share, latest), for the notes."""
    rule = "most frequent" if rows.settings.attribute_rule == "most_frequent" else "latest"
    aggregated: dict[str, list[str]] = {}
    for column in result.columns:
        if column in customers.columns or column.startswith("_") or column in {"revenue", *RFM_COLUMNS}:
            continue
        base = column.removesuffix("_mean").removesuffix("_share").removesuffix("_latest")
        source_role = rows.roles.get(base) or rows.roles.get(column)
        role_name = source_role.role if source_role else "numeric"
        if column.endswith("_share") and role_name != "outcome":
            role_name = "numeric"
        how = {"categorical": f"{rule} value per customer", "geographic": f"{rule} value per customer"}.get(
            role_name, AGGREGATION_WORDS[aggregation_of(column)]
        )
        if role_name not in {"categorical", "geographic"} and column not in {"all_time_revenue", "prior_revenue"}:
            aggregated.setdefault(aggregation_of(column), []).append(base)
        customers[column] = result[column]
        out_roles[column] = ColumnRole(column, role_name, source_role.confidence if source_role else 0.8, how)
    return aggregated


def _roll_up_notes(
    rows: FileRows, customers: pd.DataFrame, rolled: _RollUp, kept_rows: int, aggregated: dict[str, list[str]]
) -> None:
    """Say the revenue window, the dormant customers, how many rows made how many customers, and how."""
    window, notes = rolled.window, rows.notes
    if window.text:
        rows.facts["window"] = window.text
    notes.extend(window.notes)
    if window.months and "all_time_revenue" in customers.columns:
        dormant = int(((customers["revenue"].abs() < CENT) & (customers["all_time_revenue"] > 0)).sum())
        if dormant:
            notes.append(
                f"{dormant:,} customers bought nothing in the {window.text}: kept as dormant customers "
                "with revenue 0 (their all-time total is in 'all_time_revenue')."
            )
    notes.append(
        f"{kept_rows:,} rows with a customer ID were added up into {len(customers):,} customers "
        f"(many rows per customer: {'orders' if rolled.order_key else 'purchases'})."
    )
    said = [f"{_AGGREGATION_VERBS[how]}: {', '.join(sorted(names))}" for how, names in sorted(aggregated.items())]
    if said:
        notes.append("Per customer, " + "; ".join(said) + ".")
