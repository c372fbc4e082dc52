"""Many rows per customer → one row per customer, as Ibis expressions run on embedded DuckDB.

The definitions here (exact sums, the revenue window, the RFM columns, the attribute rules) are the
ones the engine path (`segmentation.engine.customers`) builds on Spark or a warehouse too: both
call the expression builders of this module, so a customer's revenue, recency or plan is worked out
by one piece of code whichever engine runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import ibis
import ibis.backends.duckdb  # loaded with the module (0.2 s once per process), not at the first file read
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from segmentation.vocabulary import sums_per_customer

EXACT = dt.Decimal(38, 6)
"""Amounts are summed as exact decimals (to a millionth), so no sum depends on the order of the rows."""


def exact_sum(value: ir.NumericValue, where: ir.BooleanValue | None = None) -> ir.FloatingValue:
    """The exact sum of `value` (over the rows where `where` holds) as a float, 0 when there are none."""
    return value.cast(EXACT).sum(where=where).fill_null(0).cast("float64")


def exact_mean(value: ir.NumericValue) -> ir.FloatingValue:
    """The mean of `value` over exact decimals, as a float (NULL when there are no values)."""
    return value.cast(EXACT).mean().cast("float64")


def months_before(moment: date | datetime | pd.Timestamp, months: int) -> Any:
    """`moment` less `months` calendar months, clipped to the month's end as SQL intervals are (31 March
    less one month is 29 February in a leap year); a date stays a date."""
    shifted = pd.Timestamp(moment) - pd.DateOffset(months=months)
    return shifted.date() if type(moment) is date else shifted.to_pydatetime()


def window_sums(
    amount: ir.NumericValue, when: ir.Value, start: Any, prior_start: Any | None = None
) -> dict[str, ir.FloatingValue]:
    """``revenue`` over the rows after `start`, and ``prior_revenue`` over (`prior_start`, `start`]."""
    after = ibis.literal(start, type=when.type())
    sums = {"revenue": exact_sum(amount, when > after)}
    if prior_start is not None:
        before = ibis.literal(prior_start, type=when.type())
        sums["prior_revenue"] = exact_sum(amount, (when > before) & (when <= after))
    return sums


def days_until(moment: ir.Value, latest: Any) -> ir.FloatingValue:
    """Whole days from `moment` to the literal `latest` (day boundaries crossed), as a float."""
    return ibis.literal(latest, type=moment.type()).delta(moment, unit="day").cast("float64")


def pick_attribute(
    rows: ir.Table, key: str, column: str, rule: str, *, when: str | None = None, row: str | None = None
) -> ir.Table:
    """``key, column``: each key's most frequent value (ties: the first in text order) or, with rule
    ``latest``, its value on the latest `when` (ties on the day: the last in text order; without a date,
    the value of the last `row`; with neither, as a lake without dates has no row order, the most
    frequent). Ties go to the value, not the row, so neither the file's row order
    nor an engine's partitioning changes the answer."""
    present = rows.filter(rows[column].notnull())
    if rule == "latest" and (when is not None or row is not None):
        order = [ibis.desc(when), ibis.desc(present[column].cast("string"))] if when else [ibis.desc(row)]
        ranked = present.select(key, column, *([when] if when else [row])).mutate(
            _rank=ibis.row_number().over(group_by=key, order_by=order)
        )
    else:
        counted = present.group_by([key, column]).aggregate(_n=present.count())
        ranked = counted.mutate(
            _rank=ibis.row_number().over(
                group_by=key, order_by=[ibis.desc("_n"), ibis.asc(counted[column].cast("string"))]
            )
        )
    return ranked.filter(ranked._rank == 0).select(key, column)


@dataclass
class Columns:
    """Which prepared columns the aggregation reads (names in the prepared frame)."""

    numeric: list[str]
    categorical: list[str]
    boolean: list[str]
    dates: list[str]
    summed: list[str] = field(default_factory=list)
    """Numeric columns always summed, over the revenue window when there is one (the parts of revenue)."""


@dataclass(frozen=True)
class _Reading:
    """What `aggregate` reads from the rows: the amount, the dates and how revenue is bounded."""

    amount: str | None
    event_date: str | None
    order_key: str | None
    window_months: int | None
    active_until: str | None
    rfm: bool
    prior: bool


def aggregate(
    frame: pd.DataFrame | pa.Table,
    columns: Columns,
    attribute_rule: str,
    *,
    amount: str | None,
    event_date: str | None,
    order_key: str | None,
    window_months: int | None,
    active_until: str | None = None,
    prefix: str = "",
    rfm: bool = True,
    prior: bool = False,
) -> pd.DataFrame:
    """Aggregate `frame` (columns ``_key``, ``_row`` plus the named ones) to one row per ``_key``.

    Returns ``_key``, ``_first_row`` and: ``revenue`` (net sum of `amount`, optionally over the
    last `window_months` of data, or over rows still active per `active_until`), RFM columns
    when `event_date` is given and `rfm`, then per-column aggregates named ``prefix + column``
    (sums or means for numbers, most frequent or latest value for categories, share true for
    flags, latest for dates). Rows come in order of first appearance. With a window, also
    ``all_time_revenue`` (every row) and, with `prior`, ``prior_revenue`` (the window before it).
    """
    reading = _Reading(amount, event_date, order_key, window_months, active_until, rfm, prior)
    con = ibis.duckdb.connect()
    try:
        # handed over as Arrow: DuckDB reads it in place, without converting pandas columns row by row
        arrow = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        con.con.register("rows_in", arrow)
        rows = con.table("rows_in")
        latest = _latest(con, rows, reading)
        start = (
            months_before(latest, int(window_months)) if window_months and event_date and latest is not None else None
        )
        metrics = _revenue_metrics(rows, reading, latest, start) | _numeric_metrics(
            rows, columns, reading, start, prefix
        )
        customers = rows.group_by("_key").aggregate(_first_row=rows._row.min(), _rows=rows.count(), **metrics)
        for column in columns.categorical:
            picked = pick_attribute(rows, "_key", column, attribute_rule, when=event_date or None, row="_row")
            customers = customers.left_join(picked.rename({prefix + column: column}), "_key").drop("_key_right")
        result = con.to_pyarrow(customers).to_pandas()
    finally:
        con.disconnect()
    result = result.sort_values("_first_row", kind="stable").reset_index(drop=True)
    if amount is not None and rfm:
        freq = result["frequency"].where(result["frequency"] > 0)
        result["average_order_value"] = (result["monetary"] / freq).fillna(0.0)
    return result


def _latest(con: Any, rows: ir.Table, reading: _Reading) -> Any:
    """The latest event date of the rows (the day revenue windows and recency are counted to), or None."""
    if not reading.event_date:
        return None
    return con.to_pyarrow(rows[reading.event_date].max()).as_py()


def _revenue_metrics(rows: ir.Table, reading: _Reading, latest: Any, start: Any) -> dict[str, ir.Value]:
    """Revenue (windowed after `start`, or active), monetary, all-time and prior revenue, and the RFM columns."""
    metrics: dict[str, ir.Value] = {}
    amount, when = reading.amount, reading.event_date
    windowed = start is not None
    if amount is not None:
        value = rows[amount]
        if reading.active_until is not None:
            until = rows[reading.active_until]
            ends = rows.aggregate(last=(ibis.greatest(until, rows[when]) if when else until).max()).to_pyarrow()
            still_active = ends.column("last")[0].as_py()
            active = until.isnull() | (until >= ibis.literal(still_active, type=until.type()))
            metrics["revenue"] = exact_sum(value, active if still_active is not None else None)
        elif windowed:
            assert when is not None and reading.window_months is not None
            months = int(reading.window_months)
            prior_start = months_before(latest, 2 * months) if reading.prior else None
            metrics |= window_sums(value, rows[when], start, prior_start)
        else:
            metrics["revenue"] = exact_sum(value)
        metrics["monetary"] = exact_sum(value)
        if windowed and reading.active_until is None:
            metrics["all_time_revenue"] = exact_sum(value)
            if "prior_revenue" in metrics:  # after all_time_revenue, as the outputs list them
                metrics["prior_revenue"] = metrics.pop("prior_revenue")
    if when and reading.rfm:
        metrics["first_purchase"] = rows[when].min()
        metrics["last_purchase"] = rows[when].max()
        if latest is not None:
            metrics["recency_days"] = days_until(rows[when].max(), latest)
            metrics["tenure_days"] = days_until(rows[when].min(), latest)
    if reading.rfm:
        if reading.order_key:
            metrics["frequency"] = rows[reading.order_key].nunique().cast("float64")
        elif when:
            metrics["frequency"] = rows[when].nunique().cast("float64")
        else:
            metrics["frequency"] = rows.count().cast("float64")
    return metrics


def _numeric_metrics(
    rows: ir.Table, columns: Columns, reading: _Reading, start: Any, prefix: str
) -> dict[str, ir.Value]:
    """Per-column aggregates: sums or means of numbers (parts of revenue over the rows after `start`, as
    revenue), the share true of flags, the latest of dates."""
    metrics: dict[str, ir.Value] = {}
    windowed = None
    if start is not None and reading.event_date:
        windowed = rows[reading.event_date] > ibis.literal(start, type=rows[reading.event_date].type())
    for column in columns.numeric:
        if column in columns.summed:  # a part of revenue: over the same rows as revenue
            metrics[prefix + column] = exact_sum(rows[column], windowed)
        elif sums_per_customer(column):
            metrics[prefix + column] = rows[column].cast(EXACT).sum().cast("float64")
        else:
            metrics[prefix + column + "_mean"] = exact_mean(rows[column])
    for column in columns.boolean:
        metrics[prefix + column + "_share"] = rows[column].cast("float64").mean()
    for column in columns.dates:
        metrics[prefix + column + "_latest"] = rows[column].max()
    return metrics
