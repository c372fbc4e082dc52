"""The saved segment model: an earlier analysis's segments kept as JSON, applied to new data as they were.

`SegmentModel.fit` reads back the scaling that `build_features` applied (medians, clip range, log,
centre and spread per number; kept levels and their encoding per category; weights) and the
centre of each segment in that scaled space. `assign` puts the customers of a new table through
the same scaling and gives each the nearest earlier centre, so "segment 2 then" means the same
thing now. Rule tiers keep their cut points; RFM keeps its quintile reference points. Never pickle:
`to_json` / `from_json` round-trip plain numbers and text.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segmentation.errors import InputError
from segmentation.segments.features import MISSING, OTHER, categorical_codes, days_since
from segmentation.segments.methods import RFMScorer, RuleTiers

if TYPE_CHECKING:
    from segmentation.intake.table import CustomerTable
    from segmentation.result import AnalysisResult
    from segmentation.segments.settings import CriteriaSettings

MODEL_VERSION = 1
RFM_REFERENCE_POINTS = 2001
"""Order statistics kept per RFM dimension (the scores of new customers are read against them)."""


@dataclass
class NumberScaling:
    """How one number (or a date as days since the latest date) was turned into a matrix column."""

    column: str
    kind: str
    fill: float
    clip_low: float | None
    clip_high: float | None
    log: bool
    centre: float
    spread: float
    weight: float

    def apply(self, series: pd.Series) -> np.ndarray:
        """Return the scaled, weighted column for `series` (missing values take the earlier median)."""
        if self.kind == "date-derived":
            values = days_since(series)
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        x = np.where(np.isnan(values), self.fill, values)
        if self.clip_low is not None and self.clip_high is not None:
            x = np.clip(x, self.clip_low, self.clip_high)
        if self.log:
            x = np.log1p(np.clip(x, 0, None))
        return (x - self.centre) / self.spread * self.weight


@dataclass
class CategoryScaling:
    """How one category column was encoded: one-hot of kept levels, or by how common each value was."""

    column: str
    mode: str
    """"one_hot" or "frequency"."""
    rows: dict[str, list[float]]
    """Earlier category text → its row of the encoded block (already weighted)."""
    unseen: list[float]
    """The row a value the earlier data never held gets ('Other' when there was one, else no level)."""

    def apply(self, series: pd.Series) -> np.ndarray:
        """Return the encoded block (n × width) for `series`."""
        values = categorical_codes(series)
        texts = [str(c) for c in values.categories]
        table = np.array([self.rows.get(t, self.unseen) for t in texts] or [self.unseen], dtype=float)
        codes = np.asarray(values.codes)
        return table[codes] if len(codes) else np.empty((0, len(self.unseen)))


@dataclass
class SegmentModel:
    """An earlier segmentation in a form that can be applied to new customers (JSON, never pickle)."""

    method: str
    segment_names: dict[int, str]
    revenue_unit: str
    currency: str | None = None
    numbers: list[NumberScaling] = field(default_factory=list)
    categories: list[CategoryScaling] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    """Columns in matrix order."""
    centres: dict[int, list[float]] = field(default_factory=dict)
    """Segment id → its mean position in the scaled space (Unassigned, id 0, has none)."""
    tiers: dict[str, Any] | None = None
    """Rule tiers: column, thresholds, and the segment id of each tier (index = tier, last = unknown)."""
    rfm: dict[str, Any] | None = None
    """RFM: reference points per dimension and the segment id of each RFM group."""
    agreement: float | None = None
    """Share of the earlier customers the model puts back in their own segment (1.0 for k-means)."""
    version: int = MODEL_VERSION

    # --- building --------------------------------------------------------------------------

    @classmethod
    def fit(cls, result: AnalysisResult) -> SegmentModel:
        """Return the model of `result`'s segmentation, with its agreement on the earlier customers."""
        table, features, segmentation = result.table, result.features, result.segmentation
        labels = np.asarray(segmentation.labels)
        model = cls(
            method=segmentation.method,
            segment_names={int(k): str(v) for k, v in segmentation.names.items()},
            revenue_unit=table.revenue_unit,
            currency=table.currency,
        )
        if segmentation.method == "rule_tiers":
            settings = result.config.segmentation
            model.tiers = _fit_tiers(
                table, settings.tiers_column, settings.tiers_thresholds, labels, segmentation.notes
            )
        elif segmentation.method == "rfm":
            model.rfm = _fit_rfm(table, labels)
        else:
            _fit_scaling(
                model,
                raw=features.raw,
                kinds=features.kinds,
                weights=features.weights,
                criteria=result.config.criteria,
                table=table,
            )
            matrix = model.transform(table)
            for segment in sorted({int(i) for i in np.unique(labels)} - {0}):
                model.centres[segment] = [float(v) for v in matrix[labels == segment].mean(axis=0)]
        again = model.assign(table)
        model.agreement = float((again == labels).mean()) if len(labels) else None
        return model

    # --- applying --------------------------------------------------------------------------

    def transform(self, table: CustomerTable) -> np.ndarray:
        """Return `table`'s customers in the earlier scaled space (n × features)."""
        missing = [c for c in self.order if c not in table.customers.columns]
        if missing:
            raise InputError(
                f"The newer file has no column {', '.join(repr(c) for c in missing[:5])}, which the earlier "
                "segments were built on; export the same columns for both dates."
            )
        numbers = {s.column: s for s in self.numbers}
        categories = {s.column: s for s in self.categories}
        blocks: list[np.ndarray] = []
        for column in self.order:
            series = table.customers[column]
            if column in numbers:
                blocks.append(numbers[column].apply(series)[:, None])
            else:
                blocks.append(categories[column].apply(series))
        if not blocks:
            return np.zeros((table.n_customers, 0))
        return np.hstack(blocks)

    def assign(self, table: CustomerTable) -> np.ndarray:
        """Return each customer's earlier segment id (int per row of `table.customers`)."""
        if self.tiers is not None:
            return _assign_tiers(self.tiers, table)
        if self.rfm is not None:
            return _assign_rfm(self.rfm, table)
        matrix = self.transform(table)
        return self.nearest(matrix)

    def nearest(self, matrix: np.ndarray) -> np.ndarray:
        """Return the id of the nearest segment centre for each row of a scaled matrix."""
        ids = np.array(sorted(self.centres), dtype=np.int64)
        if len(ids) == 0:
            return np.zeros(len(matrix), dtype=np.int64)
        centres = np.array([self.centres[int(i)] for i in ids], dtype=float)
        # squared distances without an n × k × d array: |x|² − 2x·c + |c|²
        distance = -2.0 * matrix @ centres.T + (centres * centres).sum(axis=1)[None, :]
        return ids[np.argmin(distance, axis=1)]

    # --- JSON ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the model as plain JSON-compatible data."""
        data = asdict(self)
        data["segment_names"] = {str(k): v for k, v in self.segment_names.items()}
        data["centres"] = {str(k): v for k, v in self.centres.items()}
        return data

    def to_json(self) -> str:
        """Return the model as indented JSON with a stable key order (segment_model.json)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes, name: str = "segment_model.json") -> SegmentModel:
        """Read a model written by `to_json`; raises `InputError` when the text is not one."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or int(data.get("version", 0)) > MODEL_VERSION:
                raise TypeError
            return cls(
                method=str(data["method"]),
                segment_names={int(k): str(v) for k, v in data["segment_names"].items()},
                revenue_unit=str(data["revenue_unit"]),
                currency=data.get("currency"),
                numbers=[NumberScaling(**entry) for entry in data.get("numbers", [])],
                categories=[CategoryScaling(**entry) for entry in data.get("categories", [])],
                order=[str(c) for c in data.get("order", [])],
                centres={int(k): [float(x) for x in v] for k, v in data.get("centres", {}).items()},
                tiers=data.get("tiers"),
                rfm=data.get("rfm"),
                agreement=data.get("agreement"),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            raise InputError(
                f"'{name}' is not a segment model saved by this studio; run `analyze` again to write a new one."
            ) from None


# --- fitting helpers -------------------------------------------------------------------------


def _fit_scaling(
    model: SegmentModel,
    *,
    raw: pd.DataFrame,
    kinds: dict[str, str],
    weights: dict[str, float],
    criteria: CriteriaSettings,
    table: CustomerTable,
) -> None:
    """Read back, column by column, the scaling `build_features` applied (same rules, same order)."""
    for column in raw.columns:
        kind = kinds.get(column, "numeric")
        weight = float(weights.get(column, 1.0))
        model.order.append(str(column))
        if kind == "categorical":
            model.categories.append(_fit_category(str(column), table.customers[column], weight, criteria))
        else:
            values = np.asarray(raw[column].to_numpy(dtype=float, na_value=np.nan), dtype=float)
            model.numbers.append(_fit_number(str(column), kind, values, weight, criteria))


def _fit_number(column: str, kind: str, values: np.ndarray, weight: float, criteria: CriteriaSettings) -> NumberScaling:
    """Return the scaling of one number, as `features._numeric_block` made it."""
    missing = np.isnan(values)
    fill = float(np.median(values[~missing])) if (~missing).any() else 0.0
    x = np.where(missing, fill, values)
    low = high = None
    if criteria.clip_quantile and len(x) >= criteria.clip_min_customers:
        lo, hi = (float(q) for q in np.quantile(x, [criteria.clip_quantile, 1 - criteria.clip_quantile]))
        if ((x < lo) | (x > hi)).any() and hi > lo:
            low, high = lo, hi
            x = np.clip(x, lo, hi)
    log = bool(criteria.log_heavy_tails and float(x.min()) >= 0 and _skew(x) > criteria.heavy_tail_skew)
    if log:
        x = np.log1p(x)
        q1, centre, q3 = (float(q) for q in np.quantile(x, [0.25, 0.5, 0.75]))
        spread = float(q3 - q1) or float(x.std())
    else:
        centre, spread = float(x.mean()), float(x.std())
    return NumberScaling(column, kind, fill, low, high, log, centre, spread or 1.0, weight)


def _skew(values: np.ndarray) -> float:
    centred = values - values.mean()
    m2 = float(np.mean(centred * centred))
    return 0.0 if m2 <= 0 else float(np.mean(centred * centred * centred)) / m2**1.5


def _fit_category(column: str, series: pd.Series, weight: float, criteria: CriteriaSettings) -> CategoryScaling:
    """Return the encoding of one category column, as `features._categorical_block` made it."""
    values = categorical_codes(series)
    labels = [str(c) for c in values.categories]
    codes = np.asarray(values.codes)
    n = max(len(codes), 1)
    tally = np.bincount(codes, minlength=len(labels))
    order = sorted((i for i in range(len(labels)) if tally[i] > 0), key=lambda i: (-int(tally[i]), labels[i]))
    if len(order) > criteria.frequency_encode_above:
        frequency = tally / n
        share = frequency[codes]
        mean, std = float(share.mean()), float(share.std()) or 1.0
        rows = {labels[i]: [float((frequency[i] - mean) / std * weight)] for i in range(len(labels))}
        return CategoryScaling(column, "frequency", rows, [float((0.0 - mean) / std * weight)])
    kept = order[: criteria.max_levels]
    levels = [labels[i] for i in kept]
    position = np.full(len(labels), -1, dtype=np.int64)
    position[kept] = np.arange(len(kept))
    other: int | None = None
    if len(order) > criteria.max_levels:
        if OTHER in levels:
            other = levels.index(OTHER)
        else:
            other = len(levels)
            levels.append(OTHER)
        position[position == -1] = other
    counts = np.bincount(position[codes], minlength=len(levels)) if len(codes) else np.zeros(len(levels))
    shares = counts / n
    spread = math.sqrt(max(1.0 - float((shares**2).sum()), 1e-12))
    eye = np.eye(len(levels))
    block = (eye - shares) / spread * weight
    rows = {labels[i]: [float(v) for v in block[position[i]]] for i in range(len(labels)) if position[i] >= 0}
    unseen = block[other] if other is not None else (np.zeros(len(levels)) - shares) / spread * weight
    if MISSING not in rows:  # a missing value in new data that the earlier data never had
        rows[MISSING] = [float(v) for v in unseen]
    return CategoryScaling(column, "one_hot", rows, [float(v) for v in unseen])


def _majority_map(raw: np.ndarray, labels: np.ndarray) -> dict[int, int]:
    """Raw group → the final segment id most of its customers got."""
    frame = pd.DataFrame({"raw": raw, "label": labels})
    counts = frame.groupby(["raw", "label"]).size().reset_index(name="n")
    counts = counts.sort_values(["raw", "n", "label"], ascending=[True, False, True], kind="stable")
    return {int(r): int(g) for r, g in counts.drop_duplicates("raw")[["raw", "label"]].itertuples(index=False)}


def _tier_column(chosen: str | None, notes: list[str]) -> str:
    if chosen:
        return chosen
    for note in notes:  # "Rule tiers on 'employees' (…)": the column the stage picked
        if note.startswith("Rule tiers on '"):
            return note.split("'")[1]
    return "revenue"


def _fit_tiers(
    table: CustomerTable, chosen: str | None, cuts: list[float] | None, labels: np.ndarray, notes: list[str]
) -> dict[str, Any]:
    column = _tier_column(chosen, notes)
    values = pd.to_numeric(table.customers[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    tiers = RuleTiers(thresholds=None if cuts is None else list(cuts)).fit(values[:, None])
    raw = np.where(tiers.labels_ == -1, len(tiers.thresholds_) + 1, tiers.labels_)
    mapping = _majority_map(raw, labels)
    return {"column": column, "thresholds": [float(t) for t in tiers.thresholds_], "segments": mapping}


def _assign_tiers(tiers: dict[str, Any], table: CustomerTable) -> np.ndarray:
    column = str(tiers["column"])
    if column not in table.customers.columns:
        raise InputError(f"The newer file has no column '{column}', which the earlier tiers cut; export it too.")
    values = pd.to_numeric(table.customers[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    model = RuleTiers(thresholds=list(tiers["thresholds"])).fit(values[:, None])
    raw = np.where(model.labels_ == -1, len(model.thresholds_) + 1, model.labels_)
    mapping = {int(k): int(v) for k, v in tiers["segments"].items()}
    return np.array([mapping.get(int(r), 0) for r in raw], dtype=np.int64) if len(raw) else np.zeros(0, np.int64)


_RFM = ("recency_days", "frequency", "monetary")


def _rfm_values(table: CustomerTable) -> np.ndarray:
    missing = [c for c in _RFM if c not in table.customers.columns]
    if missing:
        raise InputError("The earlier segments are RFM groups, which need a transactions file for both dates.")
    values = table.customers[list(_RFM)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    fill = np.array([np.nanmax(values[:, 0]) if not np.isnan(values[:, 0]).all() else 0.0, 0.0, 0.0])
    return np.where(np.isnan(values), fill, values)


def _fit_rfm(table: CustomerTable, labels: np.ndarray) -> dict[str, Any]:
    values = _rfm_values(table)
    scorer = RFMScorer().fit(values)
    points = np.linspace(0, 1, RFM_REFERENCE_POINTS)
    reference = [[float(v) for v in np.quantile(ref, points)] for ref in scorer.sorted_]
    return {"reference": reference, "segments": _majority_map(np.asarray(scorer.labels_), labels)}


def _assign_rfm(rfm: dict[str, Any], table: CustomerTable) -> np.ndarray:
    values = _rfm_values(table)
    scorer = RFMScorer()
    scorer.sorted_ = [np.asarray(r, dtype=float) for r in rfm["reference"]]
    groups = scorer.predict(values)
    mapping = {int(k): int(v) for k, v in rfm["segments"].items()}
    return np.array([mapping.get(int(g), 0) for g in groups], dtype=np.int64) if len(groups) else np.zeros(0, np.int64)
