"""Segmenters that scikit-learn lacks, written to its estimator conventions (fit → self, learned state ends in _).

- `SampledWard`: Ward clustering on a sample, the rest assigned to the nearest centre.
- `SampledHDBSCAN`: HDBSCAN on a sample, the rest take the group of their nearest sampled neighbour
  (noise included, label -1).
- `KPrototypes`: k-prototypes for numbers and categories together (Huang 1998), in numpy.
- `RuleTiers`: tiers by thresholds on one column (SMB / Mid-market / Enterprise).
- `RFMScorer`: quintile recency, frequency and monetary scores and the named RFM groups.

Each validates its input in `fit` and `predict` (scikit-learn's `validate_data`), records
`n_features_in_` and refuses `predict` before `fit`; `tests/test_estimators.py` runs scikit-learn's
estimator checks on them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import HDBSCAN, AgglomerativeClustering
from sklearn.metrics import pairwise_distances_argmin
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits  # installed with scikit-learn, which requires it

from segmentation.segments.settings import DEFAULT_RFM_GROUPS, RFMGroup, check_rfm_groups, rfm_group_of_scores

SINGLE_THREAD_BELOW = 5_000_000
"""Matrix cells (customers × features) below which fits run on one thread."""


@contextlib.contextmanager
def threads_for(cells: int) -> Iterator[None]:
    """Run small fits on one thread: on a busy 2-core machine, OpenMP thread start-up and waiting
    made k-means on 3,000 customers 50× slower (0.33 s vs 7 ms) and on 100,000 2× slower."""
    if cells < SINGLE_THREAD_BELOW:
        with threadpool_limits(limits=1):
            yield
    else:
        yield


def kmeans_starts(n: int) -> int:
    """Return how many seeded k-means starts to keep the best of: one start can settle on merged groups
    (on planted data, one start merged two of four groups: ARI 0.80 against 0.97 with ten). Twenty on
    small files: on telco's 5,174 accounts (2,077 distinct rows of yes/no answers) ten starts settled
    on the worse of two optima (inertia 39,724 against 38,204) for 2 of 8 seeds, so refits on resamples
    disagreed with the segments shown (agreement 0.46); with twenty all 8 seeds find the better one.
    Fewer starts on large files, where each start costs more and the groups are better sampled."""
    if n <= 20_000:
        return 20
    if n <= 200_000:
        return 4
    return 1


def sample_indices(n: int, size: int, random_state: int | None) -> np.ndarray:
    """Return sorted row indices of a seeded sample of at most `size` rows (all rows when n ≤ size)."""
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=size, replace=False))


class SampledWard(ClusterMixin, BaseEstimator):
    """Ward hierarchical clustering fitted on at most `sample_size` rows; every row joins its nearest centre."""

    def __init__(self, n_clusters: int = 4, sample_size: int = 10_000, random_state: int | None = None) -> None:
        self.n_clusters = n_clusters
        self.sample_size = sample_size
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: Any = None) -> SampledWard:
        """Fit Ward on a sample and set `centers_`, `labels_` (sampled rows keep their Ward group)."""
        x = validate_data(self, x, dtype=np.float64)
        idx = sample_indices(len(x), self.sample_size, self.random_state)
        ward = AgglomerativeClustering(n_clusters=self.n_clusters, linkage="ward").fit(x[idx])
        sample_labels = ward.labels_
        self.centers_ = np.vstack([x[idx][sample_labels == c].mean(axis=0) for c in range(self.n_clusters)])
        labels = pairwise_distances_argmin(x, self.centers_)
        labels[idx] = sample_labels
        self.labels_ = labels
        self.sample_size_used_ = len(idx)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the index of the nearest centre for each row."""
        check_is_fitted(self)
        return pairwise_distances_argmin(validate_data(self, x, dtype=np.float64, reset=False), self.centers_)


class SampledHDBSCAN(ClusterMixin, BaseEstimator):
    """HDBSCAN on at most `sample_size` rows; other rows take the label of their nearest sampled row."""

    def __init__(
        self,
        min_cluster_size: int = 5,
        min_samples: int | None = None,
        sample_size: int = 20_000,
        random_state: int | None = None,
    ) -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.sample_size = sample_size
        self.random_state = random_state

    def fit(self, x: np.ndarray, y: Any = None) -> SampledHDBSCAN:
        """Fit and set `labels_` (-1 is noise: customers that belong to no dense group)."""
        x = validate_data(self, x, dtype=np.float64)
        idx = sample_indices(len(x), self.sample_size, self.random_state)
        min_samples = None if self.min_samples is None else min(self.min_samples, self.min_cluster_size)
        model = HDBSCAN(min_cluster_size=self.min_cluster_size, min_samples=min_samples, copy=True).fit(x[idx])
        self.sample_X_ = x[idx]
        self.sample_labels_ = model.labels_.astype(int)
        if len(idx) == len(x):
            self.labels_ = self.sample_labels_.copy()
        else:
            labels = self._nearest_label(x)
            labels[idx] = self.sample_labels_
            self.labels_ = labels
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the label of the nearest fitted row for each row."""
        check_is_fitted(self)
        return self._nearest_label(validate_data(self, x, dtype=np.float64, reset=False))

    def _nearest_label(self, x: np.ndarray) -> np.ndarray:
        """Return the label of each row's nearest sampled row (validated rows)."""
        neighbours = NearestNeighbors(n_neighbors=1).fit(self.sample_X_)
        nearest = neighbours.kneighbors(x, return_distance=False)[:, 0]
        return self.sample_labels_[nearest]


class KPrototypes(ClusterMixin, BaseEstimator):
    """k-prototypes: squared distance on numbers plus `gamma` × the weighted count of differing categories.

    `x` is a float array; the columns listed in `categorical` hold category codes (whole numbers from 0).
    Prototypes are means for numbers and modes for categories. The best of `n_init` seeded starts
    (lowest cost) is kept.
    """

    def __init__(
        self,
        n_clusters: int = 4,
        *,
        categorical: list[int] | None = None,
        gamma: float = 0.5,
        category_weights: list[float] | None = None,
        n_init: int = 4,
        max_iter: int = 100,
        random_state: int | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.categorical = categorical
        self.gamma = gamma
        self.category_weights = category_weights
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def _split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the number columns and the category-code columns; codes must be whole numbers from 0."""
        cats = list(self.categorical or [])
        nums = [j for j in range(x.shape[1]) if j not in set(cats)]
        codes = x[:, cats]
        if codes.size and (codes.min() < 0 or not np.array_equal(codes, np.floor(codes))):
            raise ValueError("KPrototypes: the categorical columns must hold category codes, whole numbers from 0")
        return x[:, nums].astype(float), codes.astype(np.int64)

    def _costs(self, num: np.ndarray, cat: np.ndarray, centres: np.ndarray, modes: np.ndarray) -> np.ndarray:
        """Return the n × k matrix of distances from each row to each prototype."""
        cost = np.zeros((len(num), len(centres)))
        if num.shape[1]:
            cost += ((num**2).sum(axis=1)[:, None] - 2 * num @ centres.T + (centres**2).sum(axis=1)[None, :]).clip(
                min=0
            )
        weights = self._category_weights(cat.shape[1])
        for j in range(cat.shape[1]):
            cost += self.gamma * weights[j] * (cat[:, j][:, None] != modes[None, :, j])
        return cost

    def _category_weights(self, m: int) -> np.ndarray:
        return np.ones(m) if self.category_weights is None else np.asarray(self.category_weights, dtype=float)

    def _update(
        self, num: np.ndarray, cat: np.ndarray, labels: np.ndarray, centres: np.ndarray, modes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        centres = centres.copy()
        modes = modes.copy()
        for c in range(self.n_clusters):
            members = labels == c
            if not members.any():
                continue
            if num.shape[1]:
                centres[c] = num[members].mean(axis=0)
            for j in range(cat.shape[1]):
                modes[c, j] = int(np.bincount(cat[members, j]).argmax())
        return centres, modes

    def _seed(self, num: np.ndarray, cat: np.ndarray, rng: np.random.Generator) -> list[int]:
        """Return the rows that start one run: k-means++-style on the combined distance, so starts are spread out."""
        n = len(num)
        first = int(rng.integers(n))
        chosen = [first]
        dist = self._costs(num, cat, num[[first]], cat[[first]])[:, 0]
        for _c in range(1, self.n_clusters):
            total = dist.sum()
            pick = int(rng.choice(n, p=dist / total)) if total > 0 else int(rng.integers(n))
            chosen.append(pick)
            dist = np.minimum(dist, self._costs(num, cat, num[[pick]], cat[[pick]])[:, 0])
        return chosen

    def _run(
        self, num: np.ndarray, cat: np.ndarray, chosen: list[int]
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, int]:
        """Assign and update from the chosen rows until no row moves; return cost, labels, centres, modes, steps."""
        centres, modes = num[chosen].copy(), cat[chosen].copy()
        labels = np.full(len(num), -1)
        steps = 0
        for _it in range(self.max_iter):
            steps += 1
            new = self._costs(num, cat, centres, modes).argmin(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            centres, modes = self._update(num, cat, labels, centres, modes)
        cost = float(self._costs(num, cat, centres, modes)[np.arange(len(num)), labels].sum())
        return cost, labels, centres, modes, steps

    def fit(self, x: np.ndarray, y: Any = None) -> KPrototypes:
        """Fit and set `labels_`, `cluster_centers_` (numbers), `cluster_modes_` (codes), `cost_` and `n_iter_`."""
        x = validate_data(self, x, dtype=np.float64)
        num, cat = self._split(x)
        rng = np.random.default_rng(self.random_state)
        best: tuple[float, np.ndarray, np.ndarray, np.ndarray, int] | None = None
        for _ in range(self.n_init):
            run = self._run(num, cat, self._seed(num, cat, rng))
            if best is None or run[0] < best[0]:
                best = run
        assert best is not None
        self.cost_, self.labels_, self.cluster_centers_, self.cluster_modes_, self.n_iter_ = best
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the nearest prototype for each row."""
        check_is_fitted(self)
        num, cat = self._split(validate_data(self, x, dtype=np.float64, reset=False))
        return self._costs(num, cat, self.cluster_centers_, self.cluster_modes_).argmin(axis=1)


class RuleTiers(ClusterMixin, BaseEstimator):
    """Tiers by ascending thresholds on one column: label i means thresholds[i-1] ≤ value < thresholds[i].

    The tiers cut column `column` of `x` (by position; other columns are not read). With
    `thresholds=None`, the cut points are the `quantiles` of the fitted values. Missing values (NaN) get -1.
    """

    def __init__(
        self, thresholds: list[float] | None = None, quantiles: tuple[float, ...] = (0.6, 0.9), column: int = 0
    ) -> None:
        self.thresholds = thresholds
        self.quantiles = quantiles
        self.column = column

    def __sklearn_tags__(self) -> Tags:
        """Missing values are allowed: they form their own tier (-1)."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _values(self, x: np.ndarray, *, reset: bool) -> np.ndarray:
        """Return the cut column of `x` as floats, NaN kept."""
        x = validate_data(self, x, dtype=np.float64, ensure_all_finite="allow-nan", reset=reset)
        if not 0 <= self.column < x.shape[1]:
            raise ValueError(f"RuleTiers cuts column {self.column}, but x has n_features = {x.shape[1]}")
        return np.asarray(x[:, self.column])

    def fit(self, x: np.ndarray, y: Any = None) -> RuleTiers:
        """Set `thresholds_` and `labels_`."""
        values = self._values(x, reset=True)
        if self.thresholds is not None:
            self.thresholds_ = np.asarray(sorted(self.thresholds), dtype=float)
        else:
            known = values[~np.isnan(values)]
            cuts = np.quantile(known, self.quantiles) if len(known) else np.zeros(len(self.quantiles))
            self.thresholds_ = np.asarray(cuts, dtype=float)
        self.labels_ = self._tiers(values)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the tier index (0 = lowest) per row, -1 where the value is missing."""
        check_is_fitted(self)
        return self._tiers(self._values(x, reset=False))

    def _tiers(self, values: np.ndarray) -> np.ndarray:
        tiers = np.searchsorted(self.thresholds_, values, side="right")
        return np.where(np.isnan(values), -1, tiers).astype(int)


RFM_COLUMNS = ("days since the last purchase", "purchases", "spend")
"""What `RFMScorer` reads in its three columns, in order."""


class RFMScorer(ClusterMixin, BaseEstimator):
    """Quintile scores 1–5 for recency (fewer days is better), frequency and monetary, and the RFM group.

    `x` has three columns: days since the last purchase, number of purchases, money spent. A
    value's score is 1 + ⌊5 × (its average rank − ½) / n⌋ within the fitted values, so equal values
    share a score and n distinct values split into five equal bands. `groups` is the table of named
    groups, checked in order (None: `DEFAULT_RFM_GROUPS`).
    """

    def __init__(self, groups: tuple[RFMGroup, ...] | None = None) -> None:
        self.groups = groups

    def fit(self, x: np.ndarray, y: Any = None) -> RFMScorer:
        """Set `scores_` (n × 3 ints, columns R, F, M) and `labels_` (indices into the groups)."""
        x = self._rows(x, reset=True)
        self.sorted_ = [np.sort(-x[:, 0]), np.sort(x[:, 1]), np.sort(x[:, 2])]
        self.scores_ = self._score(x)
        self.labels_ = self._groups(self.scores_)
        return self

    def _rows(self, x: np.ndarray, *, reset: bool) -> np.ndarray:
        """Return `x` validated: finite numbers in three columns."""
        x = validate_data(self, x, dtype=np.float64, reset=reset)
        if x.shape[1] != len(RFM_COLUMNS):
            raise ValueError(f"RFMScorer takes 3 columns ({', '.join(RFM_COLUMNS)}); got n_features = {x.shape[1]}")
        return np.asarray(x)

    def score_rows(self, x: np.ndarray) -> np.ndarray:
        """Return R, F, M scores (1–5) for each row against the fitted values."""
        check_is_fitted(self)
        return self._score(self._rows(x, reset=False))

    def _score(self, x: np.ndarray) -> np.ndarray:
        out = np.empty((len(x), 3), dtype=int)
        for j, reference in enumerate(self.sorted_):
            values = -x[:, 0] if j == 0 else x[:, j]
            left = np.searchsorted(reference, values, side="left")
            right = np.searchsorted(reference, values, side="right")
            average_rank = (left + right + 1) / 2.0
            n = len(reference)
            out[:, j] = np.clip(1 + np.floor(5 * (average_rank - 0.5) / n), 1, 5).astype(int)
        return out

    def _groups(self, scores: np.ndarray) -> np.ndarray:
        """Return the index of each row's group: the first in the table whose ranges take its scores."""
        groups = check_rfm_groups(DEFAULT_RFM_GROUPS if self.groups is None else tuple(self.groups))
        lookup = np.empty((6, 6, 6), dtype=int)
        for (r, f, m), index in rfm_group_of_scores(groups).items():
            lookup[r, f, m] = index
        return lookup[scores[:, 0], scores[:, 1], scores[:, 2]]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the RFM group index for each row."""
        return self._groups(self.score_rows(x))
