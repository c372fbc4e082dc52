"""One side of a comparison: the customers of an analysis at one date, with its segment model.

A snapshot comes from a fresh `AnalysisResult`, or from the output folder of an earlier
``analyze`` run (its customers.csv, summary.json and segment_model.json).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from segmentation.changes.model import SegmentModel
from segmentation.errors import InputError
from segmentation.export import FORMULA_START

if TYPE_CHECKING:
    from segmentation.config import AnalysisConfig
    from segmentation.result import AnalysisResult

MODEL_FILE = "segment_model.json"
SNAPSHOT_COLUMNS = ["customer_id", "revenue", "segment", "segment_name", "service_model"]


@dataclass
class Snapshot:
    """Customers at one date (id, revenue, segment, segment name, recommended service model) and their model."""

    customers: pd.DataFrame
    model: SegmentModel
    source_name: str
    revenue_unit: str
    currency: str | None
    label: str
    config: AnalysisConfig
    latest_date: pd.Timestamp | None = None
    """Transactions: the latest purchase in the snapshot (None for an account export)."""

    @classmethod
    def of(cls, result: AnalysisResult, label: str, model: SegmentModel | None = None) -> Snapshot:
        """Return the snapshot of an analysis (fitting its segment model unless given)."""
        customers = result.customers[SNAPSHOT_COLUMNS].copy()
        latest = None
        if "last_purchase" in result.table.customers.columns:
            value = pd.to_datetime(result.table.customers["last_purchase"], errors="coerce").max()
            latest = None if pd.isna(value) else pd.Timestamp(value)
        return cls(
            customers=customers,
            model=model or SegmentModel.fit(result),
            source_name=result.table.source_name,
            revenue_unit=result.revenue_unit,
            currency=result.table.currency,
            label=label,
            config=result.config,
            latest_date=latest,
        )

    @classmethod
    def from_folder(cls, folder: str | Path) -> Snapshot:
        """Read an earlier ``analyze`` output folder; raises `InputError` when a file it needs is missing."""
        from segmentation.config import AnalysisConfig  # noqa: PLC0415 - config imports this package's settings

        path = Path(folder)
        needed = ["customers.csv", "summary.json", MODEL_FILE]
        missing = [name for name in needed if not (path / name).is_file()]
        if missing:
            raise InputError(
                f"The folder '{path}' has no {', '.join(missing)}; pass the output folder of an earlier "
                "`analyze` run (made by this version, which writes segment_model.json) or the earlier file itself."
            )
        try:
            summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
            inputs = summary["input"]
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            raise InputError(
                f"'{path / 'summary.json'}' is not a summary written by `analyze`; run it again."
            ) from None
        model = SegmentModel.from_json((path / MODEL_FILE).read_bytes(), str(path / MODEL_FILE))
        frame = pd.read_csv(
            path / "customers.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig", usecols=SNAPSHOT_COLUMNS
        )
        for column in ("customer_id", "segment_name"):
            frame[column] = frame[column].map(_undo_neutralise)
        customers = pd.DataFrame(
            {
                "customer_id": frame["customer_id"].astype(str),
                "revenue": pd.to_numeric(frame["revenue"], errors="coerce").fillna(0.0),
                "segment": pd.to_numeric(frame["segment"], errors="coerce").fillna(0).astype("int64"),
                "segment_name": frame["segment_name"].astype(str),
                "service_model": frame["service_model"].astype(str),
            }
        )
        return cls(
            customers=customers,
            model=model,
            source_name=str(inputs.get("file", path.name)),
            revenue_unit=str(inputs.get("revenue_unit", model.revenue_unit)),
            currency=inputs.get("currency"),
            label=f"earlier analysis of {inputs.get('file', path.name)}",
            config=AnalysisConfig.from_dict(summary.get("settings", {})),
        )


def _undo_neutralise(text: str) -> str:
    """Drop the apostrophe the CSV export puts before text a spreadsheet would run as a formula."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text
