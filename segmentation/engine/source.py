"""Open the input where it lives (a file, a Parquet folder, a table) and decide what each column is.

Roles are decided by the intake's own detectors (`segmentation.intake.roles`) on a sample brought
back from the engine, so the engine path reads a column the way the single-machine path does. The
grain (one row per customer or many) is decided on counts made by the engine over every row.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from segmentation.engine.text import trimmed
from segmentation.errors import InputError
from segmentation.intake.amounts import revenue_unit
from segmentation.intake.columns import is_other_id
from segmentation.intake.reading import read_raw
from segmentation.intake.roles import _COORD, choose_id, choose_revenue, profile_columns, source_column_roles
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.sources import Source
from segmentation.intake.table import ColumnRole
from segmentation.intake.transactions import order_key_column
from segmentation.intake.windows import event_date_column

SAMPLE_ROWS = 20_000
"""Rows brought back from an engine table to decide the columns' roles."""
_PARQUET = {".parquet", ".pq", ".parq"}
_SKIPPED_ROLES = {"customer_id", "revenue", "ignore", "constant", "text", "customer_name"}


@dataclass(frozen=True)
class Opened:
    """The input as an engine table, the name the user knows, and a sample of its rows for the roles."""

    table: ir.Table
    name: str
    sample: pd.DataFrame
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RowPlan:
    """What the engine reads from each row: the customer key, the amount, the dates and the attributes."""

    id_column: str
    amount_factors: tuple[str, ...]
    revenue_column: str
    revenue_unit: str
    multiplier: float
    grain: str
    event_date: str | None
    order_key: str | None
    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    roles: dict[str, ColumnRole]
    notes: tuple[str, ...] = ()


def open_input(con: BaseBackend, where: str, settings: IntakeSettings, workdir: Path | None = None) -> Opened:
    """Return the input as an engine table: a Parquet file or folder, a table name, or any file the app reads.

    A CSV/TXT/XLSX file is read by the intake's reader (encodings, header rows, delimiters, as in the
    app) and handed to the engine as Parquet in `workdir`; Parquet and tables are read in place.
    """
    path = Path(where)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in _PARQUET)
        if not files:
            raise InputError(f"Folder '{where}' holds no Parquet files; point INPUT at a Parquet folder or a file.")
        table = _read_parquet_folder(con, path)
        return Opened(table, path.name, _sample(table))
    if path.is_file() and path.suffix.lower() in _PARQUET:
        table = con.read_parquet(str(path))
        return Opened(table, path.name, _sample(table))
    if path.is_file():
        raw = read_raw(Source.from_path(path), settings)
        target = (workdir or Path(tempfile.mkdtemp(prefix="segmentation-engine-"))) / "input.parquet"
        pq.write_table(pa.Table.from_pandas(raw.frame, preserve_index=False), target)
        return Opened(con.read_parquet(str(target)), path.name, raw.frame, list(raw.notes))
    return Opened(_named_table(con, where), where, pd.DataFrame())


def _read_parquet_folder(con: BaseBackend, path: Path) -> ir.Table:
    """A Parquet folder (Hive-partitioned or not) as one table."""
    if con.name == "duckdb":
        return con.read_parquet(str(path / "**" / "*.parquet"), hive_partitioning=True)
    return con.read_parquet(str(path))


def _named_table(con: BaseBackend, name: str) -> ir.Table:
    """A table of the engine by name (``schema.table`` allowed)."""
    database, _, table = name.rpartition(".")
    try:
        return con.table(table, database=database or None)
    except Exception:  # each backend raises its own "not found"
        raise InputError(
            f"'{name}' is neither a file, a Parquet folder nor a table of the engine; check the path or the table name."
        ) from None


def _sample(table: ir.Table) -> pd.DataFrame:
    """The first rows of an engine table as a pandas frame, to decide the roles.

    Shaped like the intake's reader gives Parquet: floats, timestamps and flags typed, whole numbers
    and text as text, dates as timestamps.
    """
    frame = table.limit(SAMPLE_ROWS).to_pyarrow().to_pandas()
    for name, kind in table.schema().items():
        if kind.is_integer() or kind.is_decimal():
            frame[name] = frame[name].astype("string").astype("str").where(frame[name].notna(), None)
        elif kind.is_date() or kind.is_timestamp():
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    return frame


def plan_rows(opened: Opened, settings: IntakeSettings) -> RowPlan:
    """Decide the customer key, the amount and the attributes (the intake's detectors), then the grain."""
    sample = opened.sample
    if sample.empty:
        sample = _sample(opened.table)
    if sample.empty:
        raise InputError(f"'{opened.name}' has no rows; check the file or table.")
    sample = sample.astype({c: "str" for c in sample.columns if sample[c].dtype.kind in "OU"})
    profiles = profile_columns(sample, settings.date_order)
    wanted_id = settings.id_column or next((c for c, r in settings.roles.items() if r == "customer_id"), None)
    id_role = choose_id(profiles, len(sample), opened.name, wanted_id)
    ignored = {c for c, r in settings.roles.items() if r == "ignore" and c in profiles}
    not_revenue = {c for c, r in settings.roles.items() if r != "revenue" and c in profiles}
    wanted_revenue = settings.revenue_column or next((c for c, r in settings.roles.items() if r == "revenue"), None)
    revenue = choose_revenue(
        profiles, {id_role.column} | ignored | not_revenue, wanted_revenue, opened.name, required=True
    )
    assert revenue is not None  # required=True raises instead
    roles = source_column_roles(profiles, id_role, revenue, settings, len(sample))
    grain = settings.grain if settings.grain != "auto" else _grain(opened.table, id_role.column, roles)
    dates = [n for n, r in roles.items() if r.role == "date"]
    event_date = event_date_column(dates)
    order_key = order_key_column(roles, sample) if grain == "transactions" else None
    multiplier, unit, unit_note = revenue_unit(revenue, settings, grain)
    categorical: list[str] = []
    numeric: list[str] = []
    skip = {order_key or "", *revenue.factors, *(dates if grain == "transactions" else [])}
    for name, role in roles.items():
        if name in skip or role.role in _SKIPPED_ROLES or role.role in {"date", "boolean"}:
            continue
        if role.role in {"categorical", "numeric"} and is_other_id(name):
            continue
        if role.role == "numeric" or (role.role == "geographic" and _COORD.search(name) and profiles[name].numeric):
            numeric.append(name)
        else:
            categorical.append(name)
    return RowPlan(
        id_column=id_role.column,
        amount_factors=revenue.factors,
        revenue_column=revenue.column,
        revenue_unit=unit,
        multiplier=multiplier,
        grain=grain,
        event_date=event_date if grain == "transactions" else None,
        order_key=order_key,
        categorical=tuple(categorical),
        numeric=tuple(numeric),
        roles=roles,
        notes=(unit_note,) if unit_note else (),
    )


def _grain(table: ir.Table, id_column: str, roles: dict[str, ColumnRole]) -> str:
    """The intake's rule (`_decide_grain`) on counts over every row: many rows per ID means transactions."""
    key = trimmed(table[id_column])
    present = key.notnull() & (key != "")
    counts = table.aggregate(rows=present.sum(), ids=ibis.ifelse(present, key, None).nunique()).to_pyarrow()
    rows, ids = int(counts["rows"][0].as_py() or 0), int(counts["ids"][0].as_py() or 0)
    if rows == 0:
        return "customer"
    unique_share = ids / rows
    has_date = any(r.role == "date" for r in roles.values())
    return "transactions" if unique_share < 0.5 or (unique_share < 0.9 and has_date) else "customer"
