"""Transactions → one row per customer, as Ibis expressions (the same definitions as `intake.aggregate`).

Revenue is the run rate: when the rows span more than 12 months, ``revenue`` is the net amount of the
last 12 months up to the latest date, ``prior_revenue`` the 12 months before, and
``all_time_revenue`` everything. RFM columns follow `intake.transactions.RFM_COLUMNS`. The exclusions are
counted by the engine and come back as ledger entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from segmentation.engine.source import RowPlan
from segmentation.engine.text import SPACE, text
from segmentation.errors import InputError
from segmentation.intake.aggregate import (
    EXACT,
    days_until,
    exact_mean,
    exact_sum,
    months_before,
    pick_attribute,
    window_sums,
)
from segmentation.intake.parsing import parse_dates
from segmentation.intake.table import LedgerEntry
from segmentation.intake.transactions import CANCELLED
from segmentation.vocabulary import sums_per_customer

RUN_RATE_MONTHS = 12
MAX_TEXT_DATES = 500_000
"""Distinct written dates parsed in Python (a mapping joined back); more means the dates should be typed."""
_NUMBER_NOISE = rf"[{SPACE}$€£¥₹%']|[A-Za-z]{{3}}$|^[A-Za-z]{{3}}"
_EXAMPLES = 5


@dataclass(frozen=True)
class Window:
    """The run-rate window: revenue counts rows after `start`; prior revenue rows in (`prior_start`, `start`]."""

    latest: date | None
    earliest: date | None
    start: date | None
    prior_start: date | None
    months: int | None


@dataclass
class CustomerRows:
    """The per-customer table (lazy, cached in the engine), its window, ledger and notes."""

    customers: ir.Table
    window: Window
    ledger: list[LedgerEntry]
    notes: list[str]
    rows_read: int
    rows_kept: int


def number(column: ir.Value) -> ir.FloatingValue:
    """A column as float64: typed numbers as they are; text without currency signs, spaces or
    thousands commas, ``(12.50)`` and ``12.50-`` as negatives; NULL when it is not a number (NaN and
    infinities included)."""
    if column.type().is_numeric() or column.type().is_boolean():
        value = column.cast("float64")
    else:
        cleaned = text(column).re_replace(_NUMBER_NOISE, "")
        negative = cleaned.re_search(r"^\(.*\)$") | cleaned.re_search(r"^[0-9.,]+-$")
        parsed = cleaned.re_replace(r"[(),]", "").re_replace(r"-$", "").try_cast("float64")
        value = ibis.ifelse(negative, -parsed.abs(), parsed)
    # NaN and infinities are not amounts (and have no exact decimal to be summed as)
    return ibis.ifelse(value.isnan() | value.isinf(), ibis.null("float64"), value)


def _check_decimal_commas(table: ir.Table, factors: tuple[str, ...]) -> None:
    """Refuse amounts written with decimal commas (1.234,50): the engine reads dots as decimals."""
    for name in factors:
        column = table[name]
        if not column.type().is_string():
            continue
        pattern = rf"^[{SPACE}]*-?[0-9]{{1,3}}(\.[0-9]{{3}})*,[0-9]{{1,2}}[{SPACE}]*$"
        found = table.filter(column.re_search(pattern)).select(column).limit(1).to_pyarrow()
        if found.num_rows:
            raise InputError(
                f"Amounts in '{name}' use decimal commas (e.g. '{found.column(0)[0].as_py()}'); the engine path reads "
                "dots as decimals: store the amounts as numbers, or analyse the file without --engine."
            )


def _dates(table: ir.Table, name: str, date_order: str) -> ir.DateValue:
    """A column as dates: typed dates and timestamps as they are; text read by the intake's date parser
    once per distinct value (a small mapping the engine joins back)."""
    column = table[name]
    if column.type().is_timestamp():
        return column.date()
    if column.type().is_date():
        return column
    raise TypeError("text dates are mapped in `_with_text_dates`")


def _with_text_dates(con_table: ir.Table, name: str, date_order: str) -> ir.Table:
    """Add ``_date`` read from text column `name` through a mapping of its distinct values."""
    distinct = con_table.select(_v=text(con_table[name])).distinct().filter(lambda t: t._v.notnull())
    count = int(distinct.count().to_pyarrow().as_py())
    if count > MAX_TEXT_DATES:
        raise InputError(
            f"'{name}' holds {count:,} different written dates; store it as a date or timestamp column "
            "in the table or Parquet file so the engine can read it."
        )
    values = distinct.to_pyarrow().column("_v").to_pylist()
    parsed = parse_dates(pd.Series(values, dtype="str"), date_order, allow_serial=True)
    keep = parsed.values.notna().to_numpy()
    mapping = pa.table(
        {
            "_v": pa.array([v for v, k in zip(values, keep, strict=True) if k], pa.string()),
            "_d": pa.array(parsed.values[keep].dt.date.tolist(), pa.date32()),
        }
    )
    lookup = ibis.memtable(mapping)
    keyed = con_table.mutate(_v=text(con_table[name]))
    joined = keyed.left_join(lookup, "_v")
    dated = joined.drop("_v", *[c for c in joined.columns if c.endswith("_right")]).rename(_date="_d")
    # a query registers the mapping with the engine; Ibis' Spark backend does not when it caches a table
    dated.limit(0).to_pyarrow()
    return dated


def prepared_rows(table: ir.Table, plan: RowPlan, date_order: str) -> ir.Table:
    """The rows in the engine's words: ``_id``, ``_amount`` (NULL when not a number), ``_amount_blank``,
    ``_date``, ``_order`` and the attribute columns, each parsed for its role."""
    _check_decimal_commas(table, plan.amount_factors)
    if plan.event_date and not (table[plan.event_date].type().is_temporal()):
        table = _with_text_dates(table, plan.event_date, date_order)
        date_expr: ir.Value = table["_date"]
    elif plan.event_date:
        date_expr = _dates(table, plan.event_date, date_order)
    else:
        date_expr = ibis.null("date")
    amount: ir.FloatingValue | None = None
    blank: ir.BooleanValue | None = None
    for factor in plan.amount_factors:
        parsed = number(table[factor])
        missing = table[factor].isnull()
        if table[factor].type().is_string():  # a blank cell; a typed number is blank only when NULL
            missing = missing | text(table[factor]).isnull()
        amount = parsed if amount is None else amount * parsed
        blank = missing if blank is None else (blank | missing)
    assert amount is not None and blank is not None
    cancelled = ibis.literal(False)
    for name in plan.categorical:
        marked = _cancelled_values(table, name)
        if marked:
            cancelled = cancelled | text(table[name]).isin(marked).fill_null(False)
    columns: dict[str, ir.Value] = {
        "_id": text(table[plan.id_column]),
        "_amount": amount * plan.multiplier,
        "_blank": blank,
        "_cancelled": cancelled,
        "_date": date_expr.cast("date"),
        "_order": _order(table, plan.order_key),
    }
    columns.update({name: text(table[name]) for name in plan.categorical})
    columns.update({name: number(table[name]) for name in plan.numeric})
    return table.select(**columns)


def _cancelled_values(table: ir.Table, name: str) -> list[str]:
    """The values of categorical column `name` that mark a row cancelled or refunded (few: the column is a
    category). The pattern runs over the distinct values, not over every row."""
    values = table.select(_v=text(table[name])).distinct()
    found = values.filter(values._v.re_search(CANCELLED)).to_pyarrow()
    return sorted(str(v) for v in found.column("_v").to_pylist() if v is not None)


def _order(table: ir.Table, order_key: str | None) -> ir.Value:
    """The order key, only ever counted distinct: text trimmed, typed keys as they are."""
    if not order_key:
        return ibis.null("string")
    column = table[order_key]
    return text(column) if column.type().is_string() else column


def _ledger(rows: ir.Table, plan: RowPlan) -> tuple[list[LedgerEntry], int, int]:
    """Count what is excluded or changed, in one pass of the engine; return the entries, rows read and kept."""
    has_id = rows._id.notnull()
    not_number = has_id & ~rows._blank & rows._amount.isnull()
    kept = has_id & ~not_number
    counts = (
        rows.aggregate(
            rows=rows.count(),
            no_id=(~has_id).sum(),
            not_number=not_number.sum(),
            blank=(kept & rows._blank).sum(),
            cancelled=(kept & rows._cancelled & (rows._amount > 0)).sum(),
            negative=(kept & (rows._amount < 0)).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    amount = plan.revenue_column
    entries = []
    reasons = [
        ("no_id", "No customer ID", "excluded", None),
        ("not_number", f"Amount is not a number in '{amount}'", "excluded", "not_number"),
        ("blank", f"Blank amount in '{amount}' counted as 0", "changed", None),
        ("cancelled", "Cancelled or refunded: not counted as revenue", "changed", None),
        ("negative", "Refund or negative amount netted against the customer's purchases", "changed", None),
    ]
    for key, reason, action, example in reasons:
        count = int(counts[key] or 0)
        if count:
            examples = _bad_amounts(rows, plan, not_number) if example else []
            entries.append(LedgerEntry(reason=reason, rows=count, action=action, examples=examples))
    rows_read = int(counts["rows"])
    return entries, rows_read, rows_read - int(counts["no_id"] or 0) - int(counts["not_number"] or 0)


def _bad_amounts(rows: ir.Table, plan: RowPlan, mask: ir.BooleanValue) -> list[str]:
    """Up to five distinct customer IDs of rows whose amount is not a number (smallest first, on every engine)."""
    del plan
    found = rows.filter(mask).select("_id").distinct().order_by("_id").limit(_EXAMPLES).to_pyarrow()
    return [str(v) for v in found.column("_id").to_pylist()]


def _window(kept: ir.Table, window_months: int | str | None) -> Window:
    """The latest and earliest dates, and the revenue window: ``auto`` is the run-rate (the last 12 months when
    the rows span more than 12 months), a number is that many months, None is all of the rows (as in intake)."""
    bounds = kept.aggregate(latest=kept._date.max(), earliest=kept._date.min()).to_pyarrow().to_pylist()[0]
    latest, earliest = bounds["latest"], bounds["earliest"]
    if latest is None or earliest is None:
        return Window(None, None, None, None, None)
    months = window_months if isinstance(window_months, int) else None
    if window_months == "auto" and earliest <= months_before(latest, RUN_RATE_MONTHS):
        months = RUN_RATE_MONTHS
    if months is None:
        return Window(latest, earliest, None, None, None)
    return Window(latest, earliest, months_before(latest, months), months_before(latest, 2 * months), months)


def customer_rows(rows: ir.Table, plan: RowPlan, attribute_rule: str, window_months: int | str | None) -> CustomerRows:
    """Aggregate the prepared rows to one row per customer, in the engine; the result is cached there.

    The prepared rows are cached first: the ledger, the window, the sums and each attribute read them,
    and without the cache each of those passes parsed the IDs, amounts and flags (regular expressions
    over every row) again.
    """
    rows = rows.cache()
    ledger, rows_read, rows_kept = _ledger(rows, plan)
    kept = rows.filter(rows._id.notnull() & (rows._blank | rows._amount.notnull()))
    amount = ibis.ifelse(kept._cancelled & (kept._amount > 0), 0.0, kept._amount.fill_null(0.0))
    kept = kept.mutate(_amount=amount)
    transactions = plan.grain == "transactions"
    window = _window(kept, window_months) if transactions and plan.event_date else Window(None, None, None, None, None)
    metrics: dict[str, ir.Value] = {"_rows": kept.count()}
    if window.start is not None:
        metrics |= window_sums(kept._amount, kept._date, window.start, window.prior_start)
    else:
        metrics["revenue"] = exact_sum(kept._amount)
    if transactions:
        metrics["all_time_revenue"] = exact_sum(kept._amount)
        metrics.update(_rfm(kept, plan))
        if window.latest is not None:
            metrics["recency_days"] = days_until(kept._date.max(), window.latest)
            metrics["tenure_days"] = days_until(kept._date.min(), window.latest)
    for name in plan.numeric:
        if sums_per_customer(name):
            metrics[name] = kept[name].cast(EXACT).sum().cast("float64")
        else:
            metrics[name + "_mean"] = exact_mean(kept[name])
    customers = kept.group_by("_id").aggregate(**metrics)
    if transactions:
        frequency = customers.frequency
        customers = customers.mutate(
            average_order_value=ibis.ifelse(frequency > 0, customers.monetary / frequency, 0.0)
        )
    for name in plan.categorical:
        when = "_date" if plan.event_date else None
        picked = pick_attribute(kept, "_id", name, attribute_rule, when=when)
        customers = customers.left_join(picked, "_id").drop("_id_right")
    notes = _notes(plan, window, rows_kept, transactions)
    duplicates = 0 if transactions else int(customers.filter(customers._rows > 1).count().to_pyarrow().as_py())
    if duplicates:
        ledger.append(
            LedgerEntry(
                reason="Duplicate customer ID: its rows were added up (numbers summed or averaged)",
                rows=duplicates,
                action="changed",
                examples=[],
            )
        )
    ordered = ["customer_id", "revenue", *[c for c in customers.columns if c not in {"_id", "revenue", "_rows"}]]
    final = customers.rename(customer_id="_id").select(*ordered, "_rows")
    return CustomerRows(final.cache(), window, ledger, notes, rows_read, rows_kept)


def _rfm(kept: ir.Table, plan: RowPlan) -> dict[str, ir.Value]:
    """First/last purchase, frequency (distinct orders, else purchase days, else rows) and monetary."""
    if plan.order_key:
        frequency = kept._order.nunique()
    elif plan.event_date:
        frequency = kept._date.nunique()
    else:
        frequency = kept.count()
    out: dict[str, ir.Value] = {
        "frequency": frequency.cast("float64"),
        "monetary": exact_sum(kept._amount),
    }
    if plan.event_date:
        out["first_purchase"] = kept._date.min()
        out["last_purchase"] = kept._date.max()
    return out


def _notes(plan: RowPlan, window: Window, rows_kept: int, transactions: bool) -> list[str]:
    """Sentences on how the rows were read and added up."""
    notes = list(plan.notes)
    if window.start is not None:
        notes.append(
            f"Revenue is the run rate: the last {window.months} months of '{plan.event_date}' "
            f"(after {window.start.isoformat()} up to {window.latest.isoformat() if window.latest else ''}); "
            f"prior_revenue is the {window.months} months before; all_time_revenue keeps every row."
        )
    if transactions:
        notes.append(f"{rows_kept:,} rows with a customer ID were added up per customer in the engine.")
    return notes
