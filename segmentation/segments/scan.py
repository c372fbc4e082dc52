"""Choosing the number of segments: quality and stability over a range of k, and a recommended k in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture

from segmentation.errors import InputError
from segmentation.segments.features import FeatureMatrix, build_features
from segmentation.segments.methods import SampledWard, kmeans_starts, sample_indices, threads_for
from segmentation.segments.settings import CriteriaSettings

if TYPE_CHECKING:
    from segmentation.intake.table import CustomerTable
    from segmentation.segments.settings import SegmentationSettings

Progress = Callable[[float, str], None]
SCAN_SAMPLE_ABOVE = 200_000
SCAN_SAMPLE = 100_000
SILHOUETTE_SAMPLE = 10_000
INDEX_SAMPLE = 50_000
STABILITY_SAMPLE = 20_000
STABILITY_RESAMPLES = 2
STABLE_ARI = 0.8
"""Adjusted Rand index from which a k counts as stable."""
SILHOUETTE_SLACK = 0.02
"""A k whose silhouette is within this of the best counts as equally clear; the more stable one wins."""
RELATIVE_SLACK = 0.10
"""Among stable k, one whose silhouette is within this share of the best counts as nearly as clear; the
largest such k wins (more segments tell more). Silhouette alone favours merging small, distinct groups:
on planted enterprise / mid-market / self-serve / lapsing accounts it peaked at 3 (0.514, two merged)
with the true 4 at 0.488."""


@dataclass
class KScan:
    """Quality and stability of each number of segments, and the recommendation."""

    rows: list[dict[str, Any]]
    """One per k: k, silhouette, davies_bouldin, calinski_harabasz, inertia, stability, smallest_share
    (the smallest segment's larger share: of customers or of revenue)."""
    recommended_k: int
    reason: str
    """A plain sentence saying why the recommended k was chosen."""
    method: str
    customers_scanned: int
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Return the scan as a frame, one row per k."""
        return pd.DataFrame(
            self.rows,
            columns=[
                "k",
                "silhouette",
                "davies_bouldin",
                "calinski_harabasz",
                "inertia",
                "stability",
                "smallest_share",
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        """Return rows, recommended_k, reason, method, customers_scanned and notes (JSON-compatible)."""
        return {
            "rows": [{key: _plain(value) for key, value in row.items()} for row in self.rows],
            "recommended_k": int(self.recommended_k),
            "reason": self.reason,
            "method": self.method,
            "customers_scanned": int(self.customers_scanned),
            "notes": list(self.notes),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _fit_labels(method: str, x: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, Any]:
    """Fit the scanning model; return labels and the model (which can predict)."""
    if method == "gmm":
        gmm = GaussianMixture(n_components=k, covariance_type="full", random_state=seed, reg_covar=1e-4).fit(x)
        return gmm.predict(x), gmm
    if method == "hierarchical":
        ward = SampledWard(n_clusters=k, random_state=seed).fit(x)
        return ward.labels_, ward
    model = KMeans(n_clusters=k, n_init=kmeans_starts(len(x)), random_state=seed).fit(x)
    return model.labels_, model


def _inertia(x: np.ndarray, labels: np.ndarray) -> float:
    total = 0.0
    for c in np.unique(labels):
        members = x[labels == c]
        total += float(((members - members.mean(axis=0)) ** 2).sum())
    return total


def scan_k(
    table_or_features: CustomerTable | FeatureMatrix,
    settings: SegmentationSettings,
    k_range: range | list[int] = range(2, 11),
    progress: Progress | None = None,
    *,
    revenue: np.ndarray | None = None,
    sample_size: int | None = None,
    silhouette_size: int = SILHOUETTE_SAMPLE,
) -> KScan:
    """Score each k in `k_range` and recommend one.

    For each k: silhouette (on a seeded sample of at most 10,000), Davies–Bouldin and
    Calinski–Harabasz (on at most 50,000), inertia, and stability: the adjusted Rand index between
    the full fit and fits on two seeded subsamples, on the customers they share. Above 200,000
    customers the scan runs on a sample of 100,000. The recommended k has the highest silhouette
    among stable k (ARI ≥ 0.8; among those within 10% of it the largest k, as it tells more) whose
    every segment holds at least `settings.min_segment_share` of
    customers or of revenue (`revenue`, per row of the features; the table's when a table is given);
    within 0.02 of the best silhouette the more stable k wins. `sample_size` caps the customers
    scanned. Methods other than gmm and hierarchical are scanned with k-means.
    """
    report = progress or (lambda _fraction, _message: None)
    features = (
        table_or_features
        if isinstance(table_or_features, FeatureMatrix)
        else build_features(table_or_features, CriteriaSettings())
    )
    x_all = features.matrix
    n_all = len(x_all)
    if revenue is None and not isinstance(table_or_features, FeatureMatrix):
        revenue = table_or_features.customers["revenue"].to_numpy(dtype=float)
    money = np.clip(np.asarray(revenue, dtype=float), 0, None) if revenue is not None else np.ones(n_all)
    seed = settings.seed
    notes: list[str] = []
    method = settings.method if settings.method in ("gmm", "hierarchical") else "kmeans"
    if settings.method not in ("kmeans", "gmm", "hierarchical"):
        notes.append(f"The {settings.method.replace('_', ' ')} method does not take k; the scan uses k-means.")
    x = x_all
    limit = sample_size if sample_size is not None else SCAN_SAMPLE
    if n_all > (sample_size if sample_size is not None else SCAN_SAMPLE_ABOVE):
        picked = sample_indices(n_all, limit, seed)
        x, money = x_all[picked], money[picked]
        notes.append(f"{n_all:,} customers: the scan ran on a random sample of {limit:,} (seed {seed}).")
    n = len(x)
    ks = [int(k) for k in k_range if 2 <= int(k) < n]
    if not ks:
        raise InputError(
            f"Cannot compare numbers of segments with {n:,} customers; at least 3 customers are needed "
            "and k must be between 2 and the number of customers minus one."
        )
    rng = np.random.default_rng(seed)
    sil_idx = sample_indices(n, silhouette_size, seed)
    index_idx = sample_indices(n, INDEX_SAMPLE, seed)
    stability_size = max(2, min(int(0.8 * n), STABILITY_SAMPLE))
    subsamples = [np.sort(rng.choice(n, size=stability_size, replace=False)) for _ in range(STABILITY_RESAMPLES)]
    if n > silhouette_size:
        notes.append(f"Silhouette measured on a random sample of {silhouette_size:,} customers.")
    with threads_for(x.size):
        rows = _scan_rows(
            method,
            x,
            ks=ks,
            seed=seed,
            sil_idx=sil_idx,
            index_idx=index_idx,
            subsamples=subsamples,
            report=report,
            money=money,
        )
    report(1.0, "Scan finished")
    recommended, reason = _recommend(rows, settings.min_segment_share)
    return KScan(rows=rows, recommended_k=recommended, reason=reason, method=method, customers_scanned=n, notes=notes)


def _scan_rows(
    method: str,
    x: np.ndarray,
    *,
    ks: list[int],
    seed: int,
    sil_idx: np.ndarray,
    index_idx: np.ndarray,
    subsamples: list[np.ndarray],
    report: Progress,
    money: np.ndarray,
) -> list[dict[str, Any]]:
    """Return one row of measures per k."""
    rows: list[dict[str, Any]] = []
    for step, k in enumerate(ks):
        report(step / len(ks), f"Trying {k} segments ({step + 1} of {len(ks)})")
        labels, model = _fit_labels(method, x, k, seed)
        distinct = len(np.unique(labels))
        if distinct < 2:
            silhouette = davies = calinski = float("nan")
        else:
            sil_labels = labels[sil_idx]
            silhouette = (
                float(silhouette_score(x[sil_idx], sil_labels, random_state=seed))
                if len(np.unique(sil_labels)) > 1
                else float("nan")
            )
            davies = float(davies_bouldin_score(x[index_idx], labels[index_idx]))
            calinski = float(calinski_harabasz_score(x[index_idx], labels[index_idx]))
        inertia = float(model.inertia_) if hasattr(model, "inertia_") else _inertia(x, labels)
        aris = []
        for r, subset in enumerate(subsamples):
            if len(subset) <= k:
                continue
            sub_labels, _ = _fit_labels(method, x[subset], k, seed + 1 + r)
            aris.append(adjusted_rand_score(labels[subset], sub_labels))
        stability = float(np.mean(aris)) if aris else float("nan")
        rows.append(
            {
                "k": k,
                "silhouette": silhouette,
                "davies_bouldin": davies,
                "calinski_harabasz": calinski,
                "inertia": inertia,
                "stability": stability,
                "smallest_share": smallest_share(labels, money),
            }
        )
    return rows


def smallest_share(labels: np.ndarray, money: np.ndarray) -> float:
    """Return the smallest segment's larger share: of customers or of revenue (0–1)."""
    _, inverse = np.unique(labels, return_inverse=True)
    counts = np.bincount(inverse) / max(len(labels), 1)
    total = float(money.sum())
    revenue = np.bincount(inverse, weights=money) / total if total > 0 else counts
    return float(np.maximum(counts, revenue).min())


def _recommend(rows: list[dict[str, Any]], min_share: float = 0.0) -> tuple[int, str]:
    """Return the recommended k and the sentence saying why.

    Weighs usefulness (every segment at least `min_share` of customers or revenue), stability
    (ARI ≥ 0.8 on resamples) and separation (silhouette, within 0.02 of the best the steadier wins).
    """
    scored = [r for r in rows if np.isfinite(r["silhouette"])]
    if not scored:
        k = rows[0]["k"]
        return k, f"{k} segments: the customers do not split into clear groups, so the smallest number is suggested."
    useful = [r for r in scored if r.get("smallest_share", 1.0) >= min_share - 1e-12]
    stable = [r for r in (useful or scored) if np.isfinite(r["stability"]) and r["stability"] >= STABLE_ARI]
    pool = stable or useful or scored
    best_sil = max(r["silhouette"] for r in pool)
    close = [r for r in pool if r["silhouette"] >= best_sil - max(SILHOUETTE_SLACK, RELATIVE_SLACK * best_sil)]
    if stable:  # as clear and as steady: more segments tell more
        choice = max(close, key=lambda r: (r["k"], r["silhouette"]))
    else:
        choice = max(close, key=lambda r: (np.nan_to_num(r["stability"], nan=-1.0), r["silhouette"], -r["k"]))
    k = int(choice["k"])
    sil = choice["silhouette"]
    ari = choice["stability"]
    if stable:
        hold = f"that stays the same when the data is resampled (agreement {ari:.2f})"
    else:
        hold = f"though no number of segments stays the same when the data is resampled (agreement {ari:.2f} here)"
    if useful and min_share > 0:
        size = f"every segment holds at least {min_share:.0%} of customers or revenue"
    elif min_share > 0:
        size = f"no grouping keeps every segment at {min_share:.0%} of customers or revenue"
    else:
        size = f"the smallest segment holds {choice.get('smallest_share', 0.0):.0%} of customers or revenue"
    clearest = "the most distinct grouping" if sil >= best_sil else "nearly as distinct as the clearest grouping"
    text = f"{k} segments: {clearest} (separation {sil:.2f}) {hold}, and {size}."
    if not stable:
        text += " Treat the segments as a rough guide."
    return k, text
