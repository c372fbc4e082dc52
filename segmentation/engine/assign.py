"""Segments at scale: fit in scikit-learn on a sample the engine draws, assign every customer in the engine.

The sample is drawn the same on every engine: customers are numbered in ID order and the seeded
permutation r ↦ (r·p + c) mod n (p a prime not dividing n) picks exactly `size` of them. The
recommended k (best silhouette) is fitted on one sample and checked on a second one drawn with
another seed. Assignment is an expression: the features scaled as in the fit, then the nearest
centroid (k-means) or revenue tiers (rule tiers). Segment 1 earns most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from segmentation.engine.settings import EngineSettings

_PRIMES = (1_000_003, 998_244_353, 2_147_483_647, 104_729, 7_919)
_LOG_FEATURES = {"revenue", "frequency", "monetary", "average_order_value"}
_WORDS = {
    "revenue": ("high revenue", "low revenue"),
    "frequency": ("frequent buyers", "occasional buyers"),
    "recency_days": ("lapsed", "recently active"),
    "tenure_days": ("long-standing", "new"),
    "average_order_value": ("large orders", "small orders"),
}
_SILHOUETTE_POINTS = 5_000


@dataclass
class Fitted:
    """What was learned on the sample: features, their scaling, centroids or tier cut-offs, the chosen k."""

    method: str
    features: list[str]
    medians: dict[str, float]
    means: np.ndarray
    scales: np.ndarray
    centroids: np.ndarray
    cutoffs: list[float]
    tiers: list[float]
    k: int
    sample_customers: int
    check: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def draw_sample(customers: ir.Table, n: int, size: int, seed: int) -> ir.Table:
    """Exactly min(size, n) customers, the same ones on every engine for the same seed and data."""
    if n <= size:
        return customers
    prime = next(p for p in _PRIMES if n % p)
    offset = (seed * 7_919 + 17) % n
    step = prime % n  # r·step < n², within int64 for any customer count an engine holds
    # Spark's row_number is a 32-bit int that Ibis takes for int64, so a plain cast to int64 is dropped and
    # r·step overflowed under ANSI arithmetic past about 46,000 customers; through int32 the cast is kept
    rank = ibis.row_number().over(order_by="customer_id").cast("int32").cast("int64")
    numbered = customers.mutate(_r=rank)
    picked = numbered.filter(((numbered._r * step + offset) % n) < size)
    return picked.drop("_r")


def feature_columns(columns: list[str], numeric: tuple[str, ...]) -> list[str]:
    """The value and behaviour features: revenue and RFM for transactions, else revenue and the numbers."""
    rfm = [c for c in ("frequency", "recency_days", "tenure_days", "average_order_value") if c in columns]
    if rfm:
        return ["revenue", *rfm]
    extra = [c for c in columns if c in numeric or c.removesuffix("_mean") in numeric]
    return ["revenue", *extra[:6]]


def _transform(frame: pd.DataFrame, features: list[str], medians: dict[str, float]) -> np.ndarray:
    """The features as the engine computes them: median-imputed, log1p of money and counts (clipped at 0)."""
    columns = []
    for name in features:
        values = frame[name].astype(float).fillna(medians[name]).to_numpy()
        columns.append(np.log1p(np.clip(values, 0.0, None)) if name in _LOG_FEATURES else values)
    return np.column_stack(columns)


def fit(sample: pd.DataFrame, check: pd.DataFrame, features: list[str], settings: EngineSettings) -> Fitted:
    """Fit the segmentation on `sample`; choose k by silhouette when not set, and check it on `check`."""
    medians = {name: float(np.nan_to_num(sample[name].astype(float).median(), nan=0.0)) for name in features}
    raw = _transform(sample, features, medians)
    means, scales = raw.mean(axis=0), raw.std(axis=0)
    scales = np.where(scales > 0, scales, 1.0)
    scaled = (raw - means) / scales
    notes: list[str] = []
    if settings.method == "rule_tiers":
        revenue = sample["revenue"].astype(float).fillna(0.0).to_numpy()
        tiers = sorted(settings.tiers, reverse=True)
        cutoffs = [float(np.quantile(revenue, q)) for q in tiers]
        notes.append(f"Revenue tiers cut at the sample's {', '.join(f'{q:.0%}' for q in tiers)} revenue quantiles.")
        return Fitted(
            "rule_tiers",
            features,
            medians,
            means,
            scales,
            np.empty((0, 0)),
            cutoffs,
            tiers,
            len(tiers) + 1,
            len(sample),
            {"cutoffs": cutoffs},
            notes,
        )
    distinct = len(np.unique(scaled, axis=0))
    if settings.k is not None:
        k = min(settings.k, max(distinct, 1))
        check_result: dict[str, Any] = {"k_set": settings.k}
    else:
        k, scores = _recommend(scaled, settings, distinct)
        check_raw = (_transform(check, features, medians) - means) / scales
        k_check, check_scores = _recommend(check_raw, settings, len(np.unique(check_raw, axis=0)))
        check_result = {
            "recommended_k": k,
            "silhouette_by_k": scores,
            "check_sample_customers": len(check),
            "check_recommended_k": k_check,
            "check_silhouette_by_k": check_scores,
            "agrees": k == k_check,
        }
        notes.append(
            f"k = {k} has the best silhouette on a sample of {len(sample):,} customers; a second sample of "
            f"{len(check):,} customers {'agrees' if k == k_check else f'prefers k = {k_check}'}."
        )
    model = KMeans(n_clusters=k, n_init=10, random_state=settings.seed).fit(scaled)
    return Fitted(
        "kmeans", features, medians, means, scales, model.cluster_centers_, [], [], k, len(sample), check_result, notes
    )


def _recommend(scaled: np.ndarray, settings: EngineSettings, distinct: int) -> tuple[int, dict[str, float]]:
    """The k of best silhouette within `settings.k_range` (never more than the distinct points allow)."""
    low, high = settings.k_range
    high = min(high, distinct - 1, len(scaled) - 1)
    if high < max(low, 2):
        return max(1, min(low, distinct)), {}
    scores: dict[str, float] = {}
    for k in range(max(low, 2), high + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=settings.seed).fit_predict(scaled)
        size = min(len(scaled), _SILHOUETTE_POINTS)
        scores[str(k)] = float(silhouette_score(scaled, labels, sample_size=size, random_state=settings.seed))
    best = max(scores, key=lambda key: (scores[key], -int(key)))
    return int(best), scores


def scaled_features(customers: ir.Table, fitted: Fitted) -> list[ir.FloatingValue]:
    """The fitted scaling as expressions, one per feature."""
    out = []
    for i, name in enumerate(fitted.features):
        value = customers[name].cast("float64").fill_null(fitted.medians[name])
        if name in _LOG_FEATURES:
            value = (ibis.greatest(value, 0.0) + 1.0).ln()
        out.append((value - float(fitted.means[i])) / float(fitted.scales[i]))
    return out


def raw_cluster(customers: ir.Table, fitted: Fitted) -> ir.IntegerValue:
    """Each customer's cluster before renumbering: nearest centroid, or tier (0 = top revenue)."""
    if fitted.method == "rule_tiers":
        revenue = customers.revenue.fill_null(0.0)
        cases = [(revenue >= cut, i) for i, cut in enumerate(fitted.cutoffs)]
        return ibis.cases(*cases, else_=len(fitted.cutoffs))
    scaled = scaled_features(customers, fitted)
    distances = []
    for centroid in fitted.centroids:
        terms = [(value - float(c)) * (value - float(c)) for value, c in zip(scaled, centroid, strict=True)]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        distances.append(total)
    best: ir.IntegerValue = ibis.literal(0)
    best_distance = distances[0]
    for i, distance in enumerate(distances[1:], start=1):
        closer = distance < best_distance
        best = ibis.ifelse(closer, i, best)
        best_distance = ibis.ifelse(closer, distance, best_distance)
    return best


def numbering(customers: ir.Table, fitted: Fitted) -> dict[int, int]:
    """Raw cluster → segment id (1 earns most; ties by cluster number), from revenue summed in the engine."""
    if fitted.method == "rule_tiers":
        return {i: i + 1 for i in range(fitted.k)}
    per = customers.group_by("_cluster").aggregate(revenue=ibis.greatest(customers.revenue.fill_null(0.0), 0.0).sum())
    rows = per.to_pyarrow().to_pylist()
    found = {int(r["_cluster"]): float(r["revenue"] or 0.0) for r in rows}
    order = sorted(range(fitted.k), key=lambda c: (-found.get(c, 0.0), c))
    return {cluster: rank + 1 for rank, cluster in enumerate(order)}


def names(fitted: Fitted, ids: dict[int, int]) -> dict[int, str]:
    """Segment id → a short plain-language name from its centroid (or tier)."""
    out: dict[int, str] = {}
    if fitted.method == "rule_tiers":
        bounds = [1.0, *fitted.tiers]
        for i in range(len(fitted.tiers)):
            width = round((bounds[i] - bounds[i + 1]) * 100, 1)
            out[i + 1] = f"{'Top' if i == 0 else 'Next'} {width:g}% by revenue"
        out[len(fitted.tiers) + 1] = f"Bottom {round(fitted.tiers[-1] * 100, 1):g}% by revenue"
        return out
    for cluster, segment in ids.items():
        centre = fitted.centroids[cluster]
        words = []
        for name, value in zip(fitted.features, centre, strict=True):
            high, low = _WORDS.get(name, (f"high {name}", f"low {name}"))
            if value > 0.5:
                words.append(high)
            elif value < -0.5:
                words.append(low)
        text = ", ".join(words[:3]) if words else "typical"
        out[segment] = f"Segment {segment}: {text}"
    return out


def segment_expression(customers: ir.Table, mapping: dict[int, int], labels: dict[int, str]) -> ir.Table:
    """Customers with ``segment`` (1..K) and ``segment_name``, from ``_cluster``."""
    segment = ibis.cases(*[(customers._cluster == raw, seg) for raw, seg in mapping.items()], else_=0)
    named = customers.mutate(segment=segment)
    name = ibis.cases(*[(named.segment == seg, text) for seg, text in labels.items()], else_="Unassigned")
    return named.mutate(segment_name=name).drop("_cluster")


def segment_summary(customers: ir.Table, features: list[str]) -> pd.DataFrame:
    """Per segment, in the engine: customers, revenue (negative as 0), shares and the mean of each feature."""
    x = ibis.greatest(customers.revenue.fill_null(0.0), 0.0)
    means = {f"mean_{name}": customers[name].cast("float64").mean() for name in features}
    per = customers.group_by(["segment", "segment_name"]).aggregate(
        customers=customers.count(), revenue=x.sum(), **means
    )
    frame = per.to_pyarrow().to_pandas().sort_values("segment").reset_index(drop=True)
    n, total = int(frame["customers"].sum()), float(frame["revenue"].sum())
    frame.insert(3, "customer_share", frame["customers"] / n if n else 0.0)
    frame.insert(5, "revenue_share", frame["revenue"] / total if total > 0 else 0.0)
    return frame.replace({math.nan: None})
