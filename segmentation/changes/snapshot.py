"""One side of a comparison: the customers of an analysis at one date, with its segment model.

A snapshot comes from a fresh `AnalysisResult`, or from the output folder of an earlier
``analyze`` run (its customers.csv, summary.json and segment_model.json).
"""

from __future__ import annotations

import io
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
SAVED_FILES = ("customers.csv", "summary.json", MODEL_FILE)
"""What an earlier analysis needs to be compared with: the files `analyze` writes."""


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
        customers = result.accounts[SNAPSHOT_COLUMNS].copy()
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
        path = Path(folder)
        missing = [name for name in SAVED_FILES if not (path / name).is_file()]
        if missing:
            raise InputError(
                f"The folder '{path}' has no {', '.join(missing)}; pass the output folder of an earlier "
                "`analyze` run (made by this version, which writes segment_model.json) or the earlier file itself."
            )
        return cls.from_files({name: (path / name).read_bytes() for name in SAVED_FILES}, str(path))

    @classmethod
    def from_files(cls, files: dict[str, bytes], where: str = "the earlier analysis") -> Snapshot:
        """Read an earlier analysis from its customers.csv, summary.json and segment_model.json bytes."""
        from segmentation.config import AnalysisConfig  # noqa: PLC0415 - config imports this package's settings

        missing = [name for name in SAVED_FILES if name not in files]
        if missing:
            raise InputError(
                f"{where} lacks {', '.join(missing)}; give all three files an earlier `analyze` wrote: "
                + ", ".join(SAVED_FILES)
                + "."
            )
        try:
            summary = json.loads(files["summary.json"].decode("utf-8-sig"))
            inputs = summary["input"]
        except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            raise InputError(f"The summary.json of {where} is not one written by `analyze`; run it again.") from None
        model = SegmentModel.from_json(files[MODEL_FILE], f"the {MODEL_FILE} of {where}")
        try:
            frame = pd.read_csv(
                io.BytesIO(files["customers.csv"]),
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                usecols=SNAPSHOT_COLUMNS,
            )
        except (ValueError, UnicodeDecodeError):
            raise InputError(
                f"The customers.csv of {where} lacks the columns {', '.join(SNAPSHOT_COLUMNS)}; "
                "use the customers.csv that `analyze` wrote."
            ) from None
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
        file = str(inputs.get("file", where))
        return cls(
            customers=customers,
            model=model,
            source_name=file,
            revenue_unit=str(inputs.get("revenue_unit", model.revenue_unit)),
            currency=inputs.get("currency"),
            label=f"earlier analysis of {file}",
            config=AnalysisConfig.from_dict(summary.get("settings", {})),
        )


def _undo_neutralise(text: str) -> str:
    """Drop the apostrophe the CSV export puts before text a spreadsheet would run as a formula."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text
