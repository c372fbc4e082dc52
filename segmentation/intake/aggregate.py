"""Many rows per customer → one row per customer, in DuckDB (transactions and related tables)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from segmentation.vocabulary import sums_per_customer

_LATEST_VALUE = (
    "SELECT _key, value FROM (SELECT _key, {col} AS value, "
    "row_number() OVER (PARTITION BY _key ORDER BY {order}) AS rank "
    "FROM rows_in WHERE {col} IS NOT NULL) WHERE rank = 1"
)
_MOST_FREQUENT_VALUE = (
    "SELECT _key, value FROM (SELECT _key, value, "
    "row_number() OVER (PARTITION BY _key ORDER BY n DESC, value::VARCHAR) AS rank "
    "FROM (SELECT _key, {col} AS value, count(*) AS n, min(_row) AS first_row "
    "FROM rows_in WHERE {col} IS NOT NULL GROUP BY _key, {col})) WHERE rank = 1"
)
"""Per-customer attribute value; only quoted column names are filled in."""


def _q(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Columns:
    """Which prepared columns the aggregation reads (names in the prepared frame)."""

    numeric: list[str]
    categorical: list[str]
    boolean: list[str]
    dates: list[str]
    summed: list[str] = field(default_factory=list)
    """Numeric columns always summed, over the revenue window when there is one (the parts of revenue)."""


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
    con = duckdb.connect()
    try:
        # handed over as Arrow: DuckDB reads it without converting pandas columns row by row
        rows = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        con.register("rows_in", rows)
        selects = ["_key", "min(_row) AS _first_row", "count(*) AS _rows"]
        max_date = f"(SELECT max({_q(event_date)}) FROM rows_in)" if event_date else "NULL"  # noqa: S608 - quoted names only
        if amount is not None:
            condition = "TRUE"
            if window_months and event_date:
                condition = f"{_q(event_date)} > {max_date} - INTERVAL {int(window_months)} MONTH"
            if active_until is not None:
                latest = (
                    f"(SELECT max(greatest({_q(active_until)}, {_q(event_date)})) FROM rows_in)"  # noqa: S608 - quoted names only
                    if event_date
                    else (f"(SELECT max({_q(active_until)}) FROM rows_in)")  # noqa: S608 - quoted names only
                )
                condition = f"({_q(active_until)} IS NULL OR {_q(active_until)} >= {latest})"
            # summed as exact decimals (to a millionth), so the sum does not depend on the order of the rows
            exact = f"{_q(amount)}::DECIMAL(38, 6)"
            selects.append(f"coalesce(sum({exact}) FILTER (WHERE {condition}), 0)::DOUBLE AS revenue")
            selects.append(f"coalesce(sum({exact}), 0)::DOUBLE AS monetary")
            if window_months and event_date and active_until is None:
                selects.append(f"coalesce(sum({exact}), 0)::DOUBLE AS all_time_revenue")
                if prior:
                    start = f"{max_date} - INTERVAL {2 * int(window_months)} MONTH"
                    end = f"{max_date} - INTERVAL {int(window_months)} MONTH"
                    before = f"{_q(event_date)} > {start} AND {_q(event_date)} <= {end}"
                    selects.append(f"coalesce(sum({exact}) FILTER (WHERE {before}), 0)::DOUBLE AS prior_revenue")
        if event_date and rfm:
            selects += [
                f"min({_q(event_date)}) AS first_purchase",
                f"max({_q(event_date)}) AS last_purchase",
                f"date_diff('day', max({_q(event_date)}), {max_date})::DOUBLE AS recency_days",
                f"date_diff('day', min({_q(event_date)}), {max_date})::DOUBLE AS tenure_days",
            ]
        if rfm:
            if order_key:
                selects.append(f"count(DISTINCT {_q(order_key)})::DOUBLE AS frequency")
            elif event_date:
                selects.append(f"count(DISTINCT {_q(event_date)})::DOUBLE AS frequency")
            else:
                selects.append("count(*)::DOUBLE AS frequency")
        windowed = (
            f"{_q(event_date)} > {max_date} - INTERVAL {int(window_months)} MONTH"
            if window_months and event_date
            else "TRUE"
        )
        for column in columns.numeric:
            if column in columns.summed:  # a part of revenue: over the same rows as revenue
                selects.append(
                    f"coalesce(sum({_q(column)}::DECIMAL(38, 6)) FILTER (WHERE {windowed}), 0)::DOUBLE "
                    f"AS {_q(prefix + column)}"
                )
                continue
            how = "sum" if sums_per_customer(column) else "avg"
            name = _q(prefix + column + ("" if how == "sum" else "_mean"))
            # exact decimals here too, so no sum or mean depends on the order of the rows
            selects.append(f"{how}({_q(column)}::DECIMAL(38, 6))::DOUBLE AS {name}")
        for column in columns.boolean:
            selects.append(f"avg({_q(column)}::DOUBLE) AS {_q(prefix + column + '_share')}")
        for column in columns.dates:
            selects.append(f"max({_q(column)}) AS {_q(prefix + column + '_latest')}")
        sql = f"SELECT {', '.join(selects)} FROM rows_in GROUP BY _key"  # noqa: S608 - quoted names only
        result = con.sql(sql).to_arrow_table().to_pandas()
        for column in columns.categorical:
            picked = _pick_attribute(con, column, attribute_rule, event_date)
            result = result.merge(picked.rename(columns={"value": prefix + column}), on="_key", how="left")
        result = result.sort_values("_first_row", kind="stable").reset_index(drop=True)
    finally:
        con.close()
    if amount is not None and rfm:
        freq = result["frequency"].where(result["frequency"] > 0)
        result["average_order_value"] = (result["monetary"] / freq).fillna(0.0)
    return result


def _pick_attribute(con: duckdb.DuckDBPyConnection, column: str, rule: str, event_date: str | None) -> pd.DataFrame:
    """Return ``_key, value``: each key's most frequent value (ties: the first in text order) or latest value."""
    col = _q(column)
    if rule == "latest":
        # ties on the date go to the value, not the row: the file's row order must not change the answer
        order = f"{_q(event_date)} DESC NULLS LAST, value::VARCHAR DESC" if event_date else "_row DESC"
        sql = _LATEST_VALUE.format(col=col, order=order)
    else:
        sql = _MOST_FREQUENT_VALUE.format(col=col)
    return con.sql(sql).to_arrow_table().to_pandas()
