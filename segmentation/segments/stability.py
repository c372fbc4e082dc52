"""How much the segments hold: refits on resamples with other seeds, compared with the segments found.

Measured for every clustering analysis on a seeded sample (at most `STABILITY_SAMPLE` customers,
`STABILITY_REFITS` refits), so the cost stays flat however many customers there are; the figure is
the mean adjusted Rand index (1 = the same grouping every time, 0 = no better than chance).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

if TYPE_CHECKING:
    from segmentation.segments.features import FeatureMatrix
    from segmentation.segments.settings import SegmentationSettings

STABILITY_SAMPLE = 3_000
"""Customers each refit is made on (80% of them when there are fewer)."""
STABILITY_REFITS = 5
"""Refits, each on another resample with another seed."""
ROUGH_GUIDE_BELOW = 0.75
"""Mean adjusted Rand index below which the segments are called a rough guide."""
RULE_METHODS = ("rule_tiers", "rfm")
"""Methods that apply rules to the values: nothing random to refit."""

Fit = Callable[["FeatureMatrix", "SegmentationSettings"], np.ndarray]


def subset(features: FeatureMatrix, rows: np.ndarray) -> FeatureMatrix:
    """Return the feature matrix of the given rows only (raw values included)."""
    raw = features.raw.iloc[rows].reset_index(drop=True) if len(features.raw.columns) else features.raw
    return dataclasses.replace(features, matrix=np.ascontiguousarray(features.matrix[rows]), raw=raw)


def measure_stability(
    features: FeatureMatrix, labels: np.ndarray, settings: SegmentationSettings, fit: Fit
) -> float | None:
    """Return the mean adjusted Rand index between `labels` and refits on resamples with other seeds.

    `features` rows must be in a fixed order (customer-ID order), so the resamples do not depend
    on the row order of the file. `fit(features, settings)` returns raw labels for the rows given.
    """
    n = len(labels)
    if n < 10 or len(np.unique(labels)) < 2:
        return None
    size = min(STABILITY_SAMPLE, max(2, int(0.8 * n)))
    with threadpool_limits(limits=1):  # small refits: thread start-up costs more than it saves
        scores = [
            _refit_score(features, labels, settings, fit, size=size, refit=refit) for refit in range(STABILITY_REFITS)
        ]
    return float(np.mean(scores))


def _refit_score(
    features: FeatureMatrix, labels: np.ndarray, settings: SegmentationSettings, fit: Fit, *, size: int, refit: int
) -> float:
    """Return the adjusted Rand index of one refit on a seeded resample against the segments found."""
    rng = np.random.default_rng(settings.seed + 101 + refit)
    rows = np.sort(rng.choice(len(labels), size=size, replace=False))
    other = settings.model_copy(update={"seed": settings.seed + 1 + refit})
    refit_labels = fit(subset(features, rows), other)
    return float(adjusted_rand_score(labels[rows], refit_labels))


def stability_words(stability: float | None, method: str) -> str:
    """Return one plain sentence on how far the segments can be trusted."""
    if method in RULE_METHODS:
        return "These segments follow fixed rules on the values, so the same data always gives the same segments."
    if stability is None:
        return "Too few customers to check whether the segments hold when the data is resampled."
    if stability >= 0.9:
        return (
            f"The segments hold: refitted on resampled customers with other seeds they come out the same "
            f"(agreement {stability:.2f} of 1)."
        )
    if stability >= ROUGH_GUIDE_BELOW:
        return (
            f"The segments mostly hold: refitted on resampled customers a few accounts change segment "
            f"(agreement {stability:.2f} of 1)."
        )
    return (
        f"Treat these segments as a rough guide: refitted on resampled customers with other seeds they come out "
        f"noticeably different (agreement {stability:.2f} of 1), so decide per account, not per segment alone."
    )


def is_rough_guide(stability: float | None) -> bool:
    """Return whether the segments are too unstable to plan on as they are."""
    return stability is not None and stability < ROUGH_GUIDE_BELOW
