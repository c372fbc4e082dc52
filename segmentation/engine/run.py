"""The engine path end to end: rows → customers → segments → concentration, with only small results collected."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from segmentation import __version__
from segmentation.engine.assign import (
    Fitted,
    draw_sample,
    feature_columns,
    fit,
    names,
    numbering,
    raw_cluster,
    segment_expression,
    segment_summary,
)
from segmentation.engine.concentration import EngineConcentration, by_segment, concentration
from segmentation.engine.connect import connect
from segmentation.engine.customers import CustomerRows, customer_rows, prepared_rows
from segmentation.engine.settings import EngineSettings
from segmentation.engine.source import RowPlan, open_input, plan_rows
from segmentation.errors import InputError
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.table import LedgerEntry

CUSTOMERS_PARQUET = "customers.parquet"
SUMMARY_JSON = "engine_summary.json"


@dataclass
class EngineResult:
    """Everything small the engine path brings back; the per-customer table stays in the engine (or on disk)."""

    source_name: str
    engine: str
    plan: RowPlan
    rows_read: int
    rows_kept: int
    customers: int
    ledger: list[LedgerEntry]
    notes: list[str]
    window: dict[str, Any]
    fitted: Fitted
    segments: pd.DataFrame
    concentration: EngineConcentration
    segmented: ir.Table
    """The per-customer table with segment, segment_name and abc_class (lazy, in the engine)."""
    customers_path: Path | None = None
    settings: EngineSettings = field(default_factory=EngineSettings)

    def to_dict(self) -> dict[str, Any]:
        """engine_summary.json: input, ledger, segments, concentration, fit (plain JSON values)."""
        return {
            "input": {
                "file": self.source_name,
                "engine": self.engine,
                "rows": self.rows_read,
                "rows_kept": self.rows_kept,
                "customers": self.customers,
                "grain": self.plan.grain,
                "id_column": self.plan.id_column,
                "revenue_column": self.plan.revenue_column,
                "revenue_unit": self.plan.revenue_unit,
                "event_date": self.plan.event_date,
                "order_key": self.plan.order_key,
                "excluded": [
                    {"reason": e.reason, "rows": e.rows, "action": e.action, "examples": e.examples}
                    for e in self.ledger
                ],
                "window": self.window,
                "notes": list(self.notes),
            },
            "settings": self.settings.model_dump(mode="json"),
            "segments": self.segments.to_dict(orient="records"),
            "fit": {
                "method": self.fitted.method,
                "k": self.fitted.k,
                "features": self.fitted.features,
                "sample_customers": self.fitted.sample_customers,
                "check": self.fitted.check,
                "notes": self.fitted.notes,
            },
            "concentration": self.concentration.to_dict(),
            "customers_file": str(self.customers_path) if self.customers_path else None,
            "software": {"segmentation-studio": __version__},
        }


def run_engine(
    where: str,
    settings: EngineSettings | None = None,
    intake: IntakeSettings | None = None,
    out: Path | None = None,
    con: BaseBackend | None = None,
) -> EngineResult:
    """Analyse `where` (a file, a Parquet folder or a table) on the engine; write the outputs to `out` if given.

    Returns the small results. `con` reuses an open engine (tests keep one Spark session per module).
    """
    settings = settings or EngineSettings()
    intake = intake or IntakeSettings()
    con = con or connect(settings.engine, settings.spark_master)
    workdir = Path(tempfile.mkdtemp(prefix="segmentation-engine-"))
    try:
        return _run(con, where, settings, intake, out=out, workdir=workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(
    con: BaseBackend, where: str, settings: EngineSettings, intake: IntakeSettings, *, out: Path | None, workdir: Path
) -> EngineResult:
    opened = open_input(con, where, intake, workdir)
    plan = plan_rows(opened, intake)
    rows = prepared_rows(opened.table, plan, intake.date_order)
    table = customer_rows(rows, plan, intake.attribute_rule, intake.revenue_window_months)
    customers = table.customers
    n = int(customers.count().to_pyarrow().as_py())
    if n == 0:
        raise InputError(f"No customer in '{opened.name}' has an ID and an amount; check the ID and revenue columns.")
    features = feature_columns(list(customers.columns), plan.numeric)
    sample = _collect(draw_sample(customers, n, settings.sample_size, settings.seed), features)
    check = _collect(draw_sample(customers, n, settings.check_sample_size, settings.seed + 1), features)
    fitted = fit(sample, check, features, settings)
    if n <= min(settings.sample_size, settings.check_sample_size):
        fitted.notes.append(f"All {n:,} customers fit in one sample, so both samples hold every customer.")
    clustered = customers.mutate(_cluster=raw_cluster(customers, fitted)).cache()
    mapping = numbering(clustered, fitted)
    segmented = segment_expression(clustered, mapping, names(fitted, mapping))
    metrics, with_abc, abc, pareto, lorenz, top = concentration(
        segmented, top_n=settings.top_n, top_percent=settings.top_percent, points=settings.chart_points
    )
    per_segment = by_segment(segmented, "segment")
    summary = segment_summary(segmented, features)
    segment_names = dict(zip(summary["segment"], summary["segment_name"], strict=True))
    per_segment.insert(1, "segment_name", per_segment["segment"].map(segment_names))
    output = with_abc.drop("_x", "_rank", "_cum", "_rows")
    result = EngineResult(
        source_name=opened.name,
        engine=con.name,
        plan=plan,
        rows_read=table.rows_read,
        rows_kept=table.rows_kept,
        customers=n,
        ledger=table.ledger,
        notes=[*opened.notes, *table.notes],
        window=_window_dict(table),
        fitted=fitted,
        segments=summary,
        concentration=EngineConcentration(metrics, abc, pareto, lorenz, top, per_segment),
        segmented=output,
        settings=settings,
    )
    if out is not None:
        result.customers_path = write_outputs(con, result, out)
    return result


def _collect(sample: ir.Table, features: list[str]) -> pd.DataFrame:
    """A drawn sample, brought back with only the columns the fit needs, in ID order."""
    return sample.select("customer_id", *features).order_by("customer_id").to_pyarrow().to_pandas()


def _window_dict(table: CustomerRows) -> dict[str, Any]:
    window = table.window
    return {
        "latest_date": window.latest.isoformat() if window.latest else None,
        "earliest_date": window.earliest.isoformat() if window.earliest else None,
        "run_rate_months": window.months,
        "revenue_after": window.start.isoformat() if window.start else None,
        "prior_revenue_after": window.prior_start.isoformat() if window.prior_start else None,
    }


def write_outputs(con: BaseBackend, result: EngineResult, out: Path) -> Path:
    """Write the per-customer Parquet (by the engine, partitioned by segment) and engine_summary.json."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        target = out / CUSTOMERS_PARQUET
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        partition = result.settings.partition_output
        if con.name == "duckdb":
            options: dict[str, Any] = {"partition_by": ("segment",), "overwrite": True} if partition else {}
            con.to_parquet(result.segmented, target, **options)
        elif con.name == "pyspark":
            options = {"partitionBy": "segment", "mode": "overwrite"} if partition else {"mode": "overwrite"}
            con.to_parquet(result.segmented, target, **options)
        else:
            con.to_parquet(result.segmented, target)
        (out / SUMMARY_JSON).write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write to '{out}': {exc.strerror or exc}; choose another --out folder.") from None
    return target
