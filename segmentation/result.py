"""`AnalysisResult`: everything the views, the CLI files and the report read.

Views never recompute: they read this object. The shapes of ``customers.csv`` and
``summary.json`` (the CLI contract) are defined here, so the app's downloads and the CLI's files
are the same bytes for the same input and settings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segmentation import __version__
from segmentation.economics.concentration import analyse_concentration
from segmentation.narrative import LedgerTotals
from segmentation.service.settings import REASON
from segmentation.service.text import with_words

if TYPE_CHECKING:
    from segmentation.changes.result import ChangesResult
    from segmentation.config import AnalysisConfig
    from segmentation.economics import ConcentrationReport, SegmentEconomics
    from segmentation.intake import CustomerTable
    from segmentation.segments import FeatureMatrix, Segmentation
    from segmentation.service import PotentialEstimate, ServicePlan

FIXED_CUSTOMER_COLUMNS = [
    "customer_id",
    "revenue",
    "segment",
    "segment_name",
    "service_model",
    "short_term_potential",
    "long_term_potential",
    "priority_score",
    "service_model_reason",
]
"""The first columns of customers.csv, in order; the features used follow them."""

SERVICE_MODELS = ["high-touch", "medium-touch", "tech-touch"]

WORKING_LIST_COLUMNS = [
    "current_service_model",
    "move_direction",
    "risk_score",
    "risk_drivers",
    "potential_low",
    "potential_high",
    "potential_confidence",
    "pin",
]
"""Appended to customers.csv after the feature columns: today's model ("" when unknown), the move
(up | down | save | none), churn risk 0–100 (blank when the file has no signal) and its drivers, the
long-term potential's range and confidence in words, and the pin that holds the account."""


@dataclass
class AnalysisResult:
    """The outcome of one analysis: the inputs as read, the segments, the money and the service plan."""

    config: AnalysisConfig
    table: CustomerTable
    features: FeatureMatrix
    segmentation: Segmentation
    concentration: ConcentrationReport
    economics: SegmentEconomics
    potential: PotentialEstimate
    service: ServicePlan
    accounts: pd.DataFrame
    """`customers` without the service reasons: what the views filter, count and sort (the reasons of the
    rows they show come from `reasons_at`)."""
    changes: ChangesResult | None = None
    """What changed since an earlier snapshot or period (None for a single snapshot)."""

    @property
    def currency(self) -> str:
        """The currency label shown next to money; "" when neither the file nor the user names one."""
        chosen = self.config.report.currency
        if chosen == "auto":
            return self.table.currency or ""
        return chosen

    @property
    def criteria_labels(self) -> dict[str, str]:
        """Each criterion column as the words a person reads ('logins_30d' → 'logins'), in criteria order."""
        from segmentation.segments.naming import label, stems_of  # noqa: PLC0415

        stems = stems_of(self.table)
        return {column: label(column, stems) for column in self.features.columns}

    @property
    def ledger_totals(self) -> LedgerTotals:
        """Rows read, customers kept, and rows excluded or changed while reading the file (the ledger added up)."""
        return LedgerTotals.of(self.table)

    @property
    def revenue_unit(self) -> str:
        """What revenue means here (ARR, MRR, revenue …)."""
        return self.table.revenue_unit

    @property
    def customers(self) -> pd.DataFrame:
        """One row per analysed customer: `FIXED_CUSTOMER_COLUMNS`, then the source columns used (customers.csv).

        Made the first time it is read: writing every account's reason took about a second at 1,000,000,
        and only the exports read them all.
        """

        frame: pd.DataFrame = self.view(("customers",), lambda: self.reasons_at(self.accounts))
        return frame

    def reasons_at(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return `frame` (rows of `accounts`, any columns) with why each account gets its model, as in
        `customers`, right after the columns it has of those that come before the reason there."""
        if REASON in frame.columns:
            return frame
        before = FIXED_CUSTOMER_COLUMNS[: FIXED_CUSTOMER_COLUMNS.index(REASON)]
        at = max([list(frame.columns).index(c) + 1 for c in before if c in frame.columns], default=len(frame.columns))
        return with_words(frame, REASON, at, self.service.reasons)

    @property
    def has_account_names(self) -> bool:
        """True when the file names its accounts (a column with the role customer_name)."""
        return "customer_name" in self.accounts.columns

    def with_names(
        self, frame: pd.DataFrame, id_column: str = "customer_id", *, segments: bool = False
    ) -> pd.DataFrame:
        """Return `frame` with the account name inserted right after its ID column (unchanged without names),
        and with `segments` each account's segment name at the end (when the frame has none)."""
        wanted = [
            column
            for column, asked in (("customer_name", self.has_account_names), ("segment_name", segments))
            if asked and column not in frame.columns
        ]
        if id_column not in frame.columns or not wanted:
            return frame
        ids = self.accounts["customer_id"].astype("str").to_numpy()
        keys = frame[id_column].astype("str")
        named = frame.copy()
        for column in wanted:
            values = keys.map(pd.Series(self.accounts[column].to_numpy(), index=ids)).fillna("").to_numpy()
            if column == "customer_name":
                named.insert(list(named.columns).index(id_column) + 1, column, values)
            else:
                named[column] = values
        return named

    @property
    def segment_names(self) -> dict[int, str]:
        """Segment id → name, in id order."""
        return {p.id: p.name for p in self.segmentation.profiles}

    def view(self, key: tuple[object, ...], make: Callable[[], Any]) -> Any:
        """Return the view `key` of this result, made once (a result is not changed once built: pages read
        the same cached object on every run, so a view made per run cost its whole computation each time)."""
        views: dict[tuple[object, ...], Any] = self.__dict__.setdefault("_views", {})
        if key not in views:
            views[key] = make()
        return views[key]

    def worded(self, config: AnalysisConfig, service: ServicePlan) -> AnalysisResult:
        """Return this result with other word settings (`config`) and the plan holding their playbooks; the
        views made so far (charts, the mix, a segment's concentration) are shared: they read figures, never
        these words."""
        worded = replace(self, config=config, service=service)
        worded.__dict__["_views"] = self.__dict__.setdefault("_views", {})
        return worded

    def renamed(self, segmentation: Segmentation) -> AnalysisResult:
        """Return this result with the segments of `segmentation` (the same segments, named again by
        `name_segments`): every table, list and sentence that names a segment says the new names, and nothing
        is measured or planned again. Of the views made so far only the service mix is kept: the charts and
        lists show names."""
        before, after = self.segment_names, {p.id: p.name for p in segmentation.profiles}
        names = {before[i]: after[i] for i in before if before[i] != after.get(i, before[i])}
        service = self.service.renamed(after, self.config.service)
        accounts = self.accounts.assign(segment_name=service.details["segment_name"].array)
        named = replace(
            self,
            segmentation=segmentation,
            concentration=self.concentration.renamed(names, self.config.concentration),
            economics=self.economics.renamed(names),
            service=service,
            accounts=accounts,
        )
        if ("service_mix",) in self.__dict__.get("_views", {}):  # counts by segment id: no name in it
            named.__dict__["_views"] = {("service_mix",): self.__dict__["_views"][("service_mix",)]}
        return named

    def service_mix(self) -> pd.DataFrame:
        """Customers per segment (rows, by id) and service model (columns), zeros included."""

        def make() -> pd.DataFrame:
            # counted on the small integer codes (a crosstab of a million texts cost 0.06 s at 1,000,000)
            segments = self.accounts["segment"].to_numpy(dtype=np.int64)
            width = len(SERVICE_MODELS)
            cells = np.bincount(segments * width + self.service.model_codes(), minlength=width)
            counts = np.pad(cells, (0, -len(cells) % width)).reshape(-1, width)
            present = np.flatnonzero(counts.sum(axis=1))
            return pd.DataFrame(
                counts[present],
                index=pd.Index(present, name="segment"),
                columns=pd.Index(SERVICE_MODELS, name="service_model"),
            )

        return self.view(("service_mix",), make).copy(deep=False)

    def concentration_within(self, segment: int) -> ConcentrationReport:
        """Revenue concentration inside one segment, with the settings in force (made once per segment: the
        Concentration page filtered and measured the segment's customers on every run)."""

        def make() -> ConcentrationReport:
            members = self.accounts.loc[
                self.accounts["segment"] == segment, ["customer_id", "revenue", "segment", "segment_name"]
            ]
            return analyse_concentration(pd.DataFrame(members), self.config.concentration)

        report: ConcentrationReport = self.view(("concentration_within", int(segment)), make)
        return report

    @staticmethod
    def _mix_counts(mix: pd.DataFrame, segment: int) -> dict[str, int]:
        """Customers per service model in one segment (zeros included)."""
        row = mix.loc[segment].to_dict() if segment in mix.index else {}
        return {model: int(row.get(model, 0)) for model in SERVICE_MODELS}

    def segments_frame(self) -> pd.DataFrame:
        """The segment table written as segments.csv: one row per segment, shares 0–1."""
        mix = self.service_mix()
        rows = []
        for profile in self.segmentation.profiles:
            counts = self._mix_counts(mix, profile.id)
            rows.append(
                {
                    "segment": profile.id,
                    "segment_name": profile.name,
                    "customers": profile.customers,
                    "customer_share": profile.customer_share,
                    "revenue": profile.revenue,
                    "revenue_share": profile.revenue_share,
                    "revenue_per_customer": profile.revenue / profile.customers if profile.customers else 0.0,
                    **{f"{model}_customers": counts[model] for model in SERVICE_MODELS},
                    "description": profile.description,
                }
            )
        return pd.DataFrame(rows)

    def service_models_summary(self) -> list[dict[str, Any]]:
        """One entry per service model with at least name, customers and revenue (counted once per result,
        three passes over every account; each call gets its own copies)."""
        return [dict(entry) for entry in self.view(("service_models_summary",), self._service_models_summary)]

    def _service_models_summary(self) -> list[dict[str, Any]]:
        by_name = {entry["name"]: entry for entry in self.service.to_dict().get("models", [])}
        out = []
        for model in SERVICE_MODELS:
            members = self.accounts["service_model"] == model
            entry = dict(by_name.get(model, {}))
            entry.update(
                {
                    "name": model,
                    "customers": int(members.sum()),
                    "revenue": float(np.clip(self.accounts.loc[members, "revenue"], 0, None).sum()),
                }
            )
            out.append(entry)
        return out

    def summary(self) -> dict[str, Any]:
        """Return summary.json as a dict (JSON-compatible, no NaN)."""
        from segmentation.config import SourceFingerprint  # noqa: PLC0415

        mix = self.service_mix()
        segments = []
        for profile in self.segmentation.profiles:
            entry = profile.to_dict()
            counts = self._mix_counts(mix, profile.id)
            entry["service_model"] = {model: counts[model] for model in SERVICE_MODELS}
            segments.append(entry)
        segmentation = self.segmentation.to_dict()
        segmentation.pop("profiles", None)
        summary = {
            "software": {"name": "segmentation-studio", "version": __version__},
            "input": self.table.to_dict(),
            # The settings name the file they were made from, so reopening them in the app asks for it.
            "settings": self.config.with_source(SourceFingerprint.of_table(self.table)).to_dict(),
            "features": {
                "columns": list(self.features.columns),
                "labels": self.criteria_labels,
                "families": dict(self.features.families),
                "notes": list(self.features.notes),
            },
            "segmentation": segmentation,
            "segments": segments,
            "concentration": self.concentration.to_dict(),
            "economics": self.economics.to_dict(),
            "potential": self.potential.to_dict(),
            "service": self.service.to_dict(),
            "service_models": self.service_models_summary(),
        }
        if self.changes is not None:
            summary["changes"] = self.changes.to_dict()
        return _json_safe(summary)

    def summary_json(self) -> str:
        """Return summary.json text (indented, stable key order)."""
        return json.dumps(self.summary(), indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False)


def _json_safe(value: Any) -> Any:
    """Turn NumPy scalars, NaN, timestamps and tuples into plain JSON values, recursively."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return _json_scalar(value)


def _json_scalar(value: Any) -> Any:
    """Turn one value into a plain JSON value: NumPy scalars unwrapped, NaN and NaT as None, timestamps as ISO text,
    anything else unknown as its text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
