"""Run a segmentation method, number segments by revenue, apply merges and renames, profile and explain."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from segmentation.errors import InputError
from segmentation.segments.criteria import name_words
from segmentation.segments.features import category_codes
from segmentation.segments.methods import (
    KPrototypes,
    RFMScorer,
    RuleTiers,
    SampledHDBSCAN,
    SampledWard,
    kmeans_starts,
    sample_indices,
    threads_for,
)
from segmentation.segments.naming import stems_of
from segmentation.segments.profiles import SegmentProfile, build_profiles, renamed_profiles
from segmentation.segments.rules import explain_segments
from segmentation.segments.scan import scan_k
from segmentation.segments.settings import DEFAULT_RFM_GROUPS
from segmentation.segments.stability import (
    RULE_METHODS,
    is_rough_guide,
    measure_stability,
    stability_words,
    subset,
)

if TYPE_CHECKING:
    from segmentation.intake.table import CustomerTable
    from segmentation.segments.features import FeatureMatrix
    from segmentation.segments.settings import SegmentationSettings

Progress = Callable[[float, str], None]
CLUSTERING_METHODS = ("kmeans", "gmm", "hierarchical", "mixed")
"""Methods that take a number of segments k."""
RFM_COLUMNS = ("recency_days", "frequency", "monetary")
DEFAULT_TIER_NAMES = ("SMB", "Mid-market", "Enterprise")
AUTO_SCAN_SAMPLE = 5_000
"""Customers the automatic choice of k is scanned on (a sample in customer-ID order)."""
AUTO_SILHOUETTE_SAMPLE = 2_000
"""Customers the separation (silhouette) of each k is measured on in the automatic choice."""


@dataclass
class Segmentation:
    """Segment labels per customer (table order), their profiles and how they were found."""

    labels: np.ndarray
    """int per customer: 1..K, segment 1 earns most; 0 = Unassigned (HDBSCAN noise only)."""
    profiles: list[SegmentProfile]
    """One per segment, ids 1..K in order, then Unassigned (id 0) if any."""
    method: str
    notes: list[str]
    k: int = 0
    """Number of segments, Unassigned not counted."""
    rules: list[dict[str, Any]] = field(default_factory=list)
    """Per segment {segment, text, coverage}: readable rules from a shallow decision tree."""
    rules_fidelity: float | None = None
    """Share of customers the rules put in their own segment."""
    unassigned: int = 0
    """Customers HDBSCAN left in no group (segment 0)."""
    scores: pd.DataFrame | None = None
    """RFM only: recency_score, frequency_score, monetary_score per customer (1–5)."""
    stability: float | None = None
    """Mean adjusted Rand index of refits on resampled customers with other seeds (1 = always the same);
    None for rule-based methods and tiny files."""
    stability_words: str = ""
    """One sentence on how far the segments can be trusted, for every view and the report."""
    rough_guide: bool = False
    """The segments change noticeably on resampling: views and the report call them a rough guide."""
    k_reason: str = ""
    """Why this number of segments, in one sentence (the automatic choice), or that the user set it."""
    method_names: dict[int, str] = field(default_factory=dict, repr=False)
    """The names the method gives (rule tiers, RFM groups) by segment id, before the user's names."""
    name_notes: int = field(default=0, repr=False)
    """How many of the last `notes` are about the user's names (`name_segments` writes them again)."""
    user_names: dict[str, str] = field(default_factory=dict, repr=False)
    """The user's names these segments were named with (`settings.names`)."""

    @property
    def names(self) -> dict[int, str]:
        """Segment id → name."""
        return {p.id: p.name for p in self.profiles}

    def to_dict(self) -> dict[str, Any]:
        """Return method, k, notes, rules, rules_fidelity, unassigned and profiles (JSON-compatible)."""
        return {
            "method": self.method,
            "k": int(self.k),
            "notes": list(self.notes),
            "rules": [
                {"segment": int(r["segment"]), "text": str(r["text"]), "coverage": float(r.get("coverage", 0.0))}
                for r in self.rules
            ],
            "rules_fidelity": None if self.rules_fidelity is None else float(self.rules_fidelity),
            "unassigned": int(self.unassigned),
            "profiles": [p.to_dict() for p in self.profiles],
            "stability": None if self.stability is None else float(self.stability),
            "stability_words": self.stability_words,
            "rough_guide": bool(self.rough_guide),
            "k_reason": self.k_reason,
        }


def renumber_by_revenue(raw_labels: np.ndarray, revenue: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Return labels 1..K (most revenue first, ties by size, then first appearance) and the raw → new map.

    Raw label -1 (noise) becomes 0. Negative revenue counts as 0.
    """
    raw_labels = np.asarray(raw_labels)
    money = np.clip(np.asarray(revenue, dtype=float), 0, None)
    uniques, first, inverse = np.unique(raw_labels, return_index=True, return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(uniques))
    totals = np.bincount(inverse, weights=money, minlength=len(uniques))
    order = sorted(
        (i for i in range(len(uniques)) if uniques[i] != -1),
        key=lambda i: (-float(totals[i]), -int(sizes[i]), int(first[i])),
    )
    mapping = {int(uniques[i]): rank + 1 for rank, i in enumerate(order)}
    if -1 in uniques:
        mapping[-1] = 0
    lookup = np.array([mapping[int(u)] for u in uniques], dtype=np.int64)
    return lookup[inverse.reshape(-1)], mapping


def _kmeans(features: FeatureMatrix, settings: SegmentationSettings, notes: list[str]) -> np.ndarray:
    n = len(features.matrix)
    if settings.minibatch_above is not None and n > settings.minibatch_above:
        notes.append(f"{n:,} customers: used mini-batch k-means (batches of 10,240), as set.")
        model: Any = MiniBatchKMeans(
            n_clusters=settings.k, batch_size=10_240, n_init="auto", random_state=settings.seed
        ).fit(features.matrix)
    else:
        model = KMeans(n_clusters=settings.k, n_init=kmeans_starts(n), random_state=settings.seed).fit(features.matrix)
    return np.asarray(model.labels_)


def _gmm(features: FeatureMatrix, settings: SegmentationSettings, notes: list[str]) -> np.ndarray:
    idx = sample_indices(len(features.matrix), settings.fit_sample_size, settings.seed)
    model = GaussianMixture(n_components=settings.k, covariance_type="full", random_state=settings.seed, reg_covar=1e-4)
    model.fit(features.matrix[idx])
    if len(idx) < len(features.matrix):
        notes.append(f"Gaussian mixture fitted on a sample of {len(idx):,} customers; everyone else assigned by it.")
    return np.asarray(model.predict(features.matrix))


def _hierarchical(features: FeatureMatrix, settings: SegmentationSettings, notes: list[str]) -> np.ndarray:
    model = SampledWard(
        n_clusters=settings.k, sample_size=settings.hierarchical_sample_size, random_state=settings.seed
    )
    model.fit(features.matrix)
    if model.sample_size_used_ < len(features.matrix):
        notes.append(
            f"Ward clustering built on a sample of {model.sample_size_used_:,} customers; "
            "the others joined the nearest segment centre."
        )
    return np.asarray(model.labels_)


def _hdbscan(features: FeatureMatrix, settings: SegmentationSettings, notes: list[str]) -> np.ndarray:
    n = len(features.matrix)
    fit_n = min(n, settings.hdbscan_sample_size)
    size = settings.min_cluster_size or max(5, round(0.02 * fit_n))
    size = min(size, max(2, fit_n))
    model = SampledHDBSCAN(
        min_cluster_size=size,
        min_samples=settings.min_samples,
        sample_size=settings.hdbscan_sample_size,
        random_state=settings.seed,
    )
    model.fit(features.matrix)
    notes.append(
        f"HDBSCAN finds the number of segments itself (k is not used); the smallest segment it accepts has {size:,} "
        "customers. Customers in no dense group form the 'Unassigned' segment (number 0)."
    )
    if fit_n < n:
        notes.append(
            f"HDBSCAN ran on a sample of {fit_n:,} customers; the others took their nearest neighbour's group."
        )
    return _fold_to_cap(features.matrix, np.asarray(model.labels_), settings.max_auto_k, notes)


def _fold_to_cap(matrix: np.ndarray, labels: np.ndarray, cap: int, notes: list[str]) -> np.ndarray:
    """Keep the `cap` largest groups; customers of the smaller ones join the nearest kept group's centre.

    Dozens of small dense groups cannot be read or served; noise (-1) stays unassigned.
    """
    groups, sizes = np.unique(labels[labels >= 0], return_counts=True)
    if len(groups) <= cap:
        return labels
    order = np.lexsort((groups, -sizes))  # largest first, ties by label: the same input keeps the same groups
    kept, folded = groups[order[:cap]], groups[order[cap:]]
    centres = np.vstack([matrix[labels == g].mean(axis=0) for g in kept])
    moving = np.isin(labels, folded)
    points = matrix[moving]
    # squared distances without a points × centres × features array: |x|² − 2x·c + |c|²
    distances = -2.0 * points @ centres.T + (centres**2).sum(axis=1)[None, :]
    out = labels.copy()
    out[moving] = kept[distances.argmin(axis=1)]
    notes.append(
        f"HDBSCAN found {len(groups)} dense groups; the {len(folded)} smallest ({int(moving.sum()):,} customers) "
        f"joined the nearest of the {cap} largest, so there are at most {cap} segments to read and serve "
        "(the most segments the studio suggests; change it with max_auto_k)."
    )
    return out


def _mixed(features: FeatureMatrix, settings: SegmentationSettings, notes: list[str]) -> np.ndarray:
    # Numbers: the scaled matrix columns of numeric criteria; categories: their raw values as codes.
    numeric_sources = set(features.numeric_columns)
    numeric_positions = [i for i, src in enumerate(features.feature_sources) if src in numeric_sources]
    parts = [features.matrix[:, numeric_positions]]
    cat_weights = []
    for column in features.categorical_columns:
        codes = category_codes(features.raw[column])[0]
        parts.append(codes.astype(float)[:, None])
        shares = np.bincount(codes) / len(codes)
        weight = features.weights.get(column, 1.0)
        if settings.mixed_gamma is None:
            # Two random customers differ on a standardised number by 2 on average (squared); a
            # category gets the same average pull, so it counts like one number (as in the one-hot).
            cat_weights.append(2.0 * weight**2 / max(1.0 - float((shares**2).sum()), 0.05))
        else:
            cat_weights.append(settings.mixed_gamma * weight**2)
    x = np.hstack(parts)
    categorical = list(range(len(numeric_positions), x.shape[1]))
    model = KPrototypes(
        n_clusters=settings.k,
        categorical=categorical,
        gamma=1.0,
        category_weights=cat_weights,
        random_state=settings.seed,
    )
    idx = sample_indices(len(x), settings.fit_sample_size, settings.seed)
    model.fit(x[idx])
    how = (
        "each category counts as much as one number"
        if settings.mixed_gamma is None
        else f"a differing category counts {settings.mixed_gamma:g}"
    )
    notes.append(f"Mixed method (k-prototypes): numbers compared after scaling, {how}.")
    if len(idx) < len(x):
        notes.append(f"k-prototypes fitted on a sample of {len(idx):,} customers; the others joined the nearest one.")
    return np.asarray(model.predict(x))


def _default_tier_column(table: CustomerTable) -> str:
    for column in table.customers.columns:
        role = table.roles.get(column)
        if role is None or role.role != "numeric":
            continue
        words = set(name_words(column))
        if words & {"employees", "employee", "headcount"} or {"company", "size"} <= words:
            return column
    return "revenue"


def _rule_tiers(
    table: CustomerTable, settings: SegmentationSettings, notes: list[str]
) -> tuple[np.ndarray, dict[int, str]]:
    """Cut one column into tiers; return labels by tier (a last tier for missing values) and the tier names."""
    column = settings.tiers_column or _default_tier_column(table)
    values = _tier_values(table, column)
    thresholds = settings.tiers_thresholds
    if thresholds is not None and list(thresholds) != sorted(thresholds):
        raise InputError(f"Tier thresholds {thresholds} must go from low to high, e.g. [100, 1000].")
    model = RuleTiers(thresholds=None if thresholds is None else list(thresholds)).fit(values[:, None])
    cuts = [float(c) for c in model.thresholds_]
    count = len(cuts) + 1
    names = _tier_names(settings.tiers_names, count)
    how = "set by you" if thresholds is not None else "the 60th and 90th percentiles"
    notes.append(f"Rule tiers on '{column}' ({how}): " + "; ".join(_tier_bands(names, cuts)) + ".")
    labels = model.labels_
    raw_names = dict(enumerate(names))
    missing = int((labels == -1).sum())
    if missing:
        unknown = f"Unknown {column}"
        labels = np.where(labels == -1, count, labels)
        raw_names[count] = unknown
        notes.append(f"{missing:,} customers have no '{column}' value and form the segment '{unknown}'.")
    return labels, raw_names


def _tier_values(table: CustomerTable, column: str) -> np.ndarray:
    """Return the tier column as numbers (NaN where missing); raises `InputError` when it is absent or holds none."""
    if column not in table.customers.columns:
        raise InputError(
            f"Tier column '{column}' is not in the customer table; choose a numeric column to cut into tiers."
        )
    values = pd.to_numeric(table.customers[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).all():
        raise InputError(
            f"Tier column '{column}' holds no numbers; choose a numeric column such as employees or revenue."
        )
    return values


def _tier_names(given: list[str] | None, count: int) -> list[str]:
    """Return a name per tier, lowest first: the user's, else SMB / Mid-market / Enterprise for three, else numbered.

    Raises `InputError` when the user's names are too few or too many, or repeat.
    """
    if given is not None:
        names = list(given)
        if len(names) != count:
            raise InputError(
                f"Rule tiers need {count} names (one more than the {count - 1} thresholds) but got {len(names)}; "
                "list one name per tier from the lowest to the highest."
            )
    elif count == len(DEFAULT_TIER_NAMES):
        names = list(DEFAULT_TIER_NAMES)
    else:
        names = [f"Tier {i + 1}" for i in range(count)]
    if len({n.casefold() for n in names}) != len(names):
        raise InputError(f"Tier names {names} repeat a name; give every tier its own name.")
    return names


def _tier_bands(names: list[str], cuts: list[float]) -> list[str]:
    """Return each tier with its range in words ('SMB below 120', 'Mid-market from 120 to below 900')."""
    bands = []
    for i, name in enumerate(names):
        if i == 0:
            bands.append(f"{name} below {cuts[0]:,.6g}" if cuts else name)
        elif i == len(cuts):
            bands.append(f"{name} from {cuts[i - 1]:,.6g} up")
        else:
            bands.append(f"{name} from {cuts[i - 1]:,.6g} to below {cuts[i]:,.6g}")
    return bands


def _rfm(
    table: CustomerTable, settings: SegmentationSettings, notes: list[str]
) -> tuple[np.ndarray, dict[int, str], pd.DataFrame]:
    missing = [c for c in RFM_COLUMNS if c not in table.customers.columns]
    if missing:
        raise InputError(
            f"RFM needs the columns {', '.join(RFM_COLUMNS)} (made from a transactions file); "
            f"missing: {', '.join(missing)}. Load a file with one row per purchase, or choose another method."
        )
    frame = table.customers[list(RFM_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    gaps = np.isnan(values)
    if gaps.any():
        fill = np.array([np.nanmax(values[:, 0]) if not np.isnan(values[:, 0]).all() else 0.0, 0.0, 0.0])
        values = np.where(gaps, fill, values)
        notes.append(
            f"{int(gaps.any(axis=1).sum()):,} customers lack recency, frequency or spend: "
            "scored as least recent / zero."
        )
    model = RFMScorer(groups=settings.rfm_groups).fit(values)
    table_words = (
        "the usual RFM segments"
        if settings.rfm_groups == DEFAULT_RFM_GROUPS
        else f"your RFM table ({len(settings.rfm_groups)} groups)"
    )
    notes.append(
        "RFM: recency, frequency and spend each scored 1–5 by quintile (5 = most recent, most frequent, "
        f"highest spend); customers grouped by {table_words}."
    )
    scores = pd.DataFrame(model.scores_, columns=["recency_score", "frequency_score", "monetary_score"])
    names = {i: group.name for i, group in enumerate(settings.rfm_groups)}
    return np.asarray(model.labels_), names, scores


def _apply_merges(labels: np.ndarray, merges: list[list[int]], notes: list[str]) -> tuple[np.ndarray, bool]:
    """Merge groups of segment ids (each group takes its smallest id); return labels and whether anything merged."""
    existing = {int(i) for i in np.unique(labels) if i != 0}
    parent = {i: i for i in existing}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    merged = False
    for group in merges:
        wanted = [int(i) for i in group]
        unknown = [i for i in wanted if i not in existing]
        if unknown:
            notes.append(f"Merge of segments {wanted} skipped: segment(s) {unknown} do not exist in this segmentation.")
            continue
        roots = sorted({root(i) for i in wanted})
        if len(roots) < 2:
            continue
        for r in roots[1:]:
            parent[r] = roots[0]
        merged = True
        notes.append(f"Merged segments {', '.join(str(i) for i in wanted)} into one, as you asked.")
    if not merged:
        return labels, False
    lookup = np.arange(labels.max() + 1)
    for i in existing:
        lookup[i] = root(i)
    return lookup[labels], True


def _run_method(
    table: CustomerTable, features: FeatureMatrix, settings: SegmentationSettings, notes: list[str]
) -> tuple[np.ndarray, dict[int, str], pd.DataFrame | None]:
    """Run the chosen method; return raw labels (-1 = noise), fixed names by raw label, and RFM scores."""
    method = settings.method
    raw_names: dict[int, str] = {}
    scores: pd.DataFrame | None = None
    if method == "kmeans":
        raw = _kmeans(features, settings, notes)
    elif method == "gmm":
        raw = _gmm(features, settings, notes)
    elif method == "hierarchical":
        raw = _hierarchical(features, settings, notes)
    elif method == "hdbscan":
        raw = _hdbscan(features, settings, notes)
    elif method == "mixed":
        raw = _mixed(features, settings, notes)
    elif method == "rule_tiers":
        raw, raw_names = _rule_tiers(table, settings, notes)
    elif method == "rfm":
        raw, raw_names, scores = _rfm(table, settings, notes)
    else:  # pragma: no cover - the settings model only allows the methods above
        raise InputError(
            f"Unknown segmentation method '{method}'; "
            "choose kmeans, gmm, hierarchical, hdbscan, mixed, rule_tiers or rfm."
        )
    return raw, raw_names, scores


DESCRIPTION_SETTINGS = frozenset({"names", "merges", "rules_max_depth"})
"""Segmentation settings read only after the clustering (by `describe_segments`): changing them reclusters nothing."""


@dataclass(frozen=True)
class Clustering:
    """What the clustering found, before segments are numbered, merged, named and explained.

    `settings` are the ones used (with the k chosen when `auto_k` is on). Kept apart so the
    app can cache the heavy part by the settings it reads (all but `DESCRIPTION_SETTINGS`).
    """

    raw: np.ndarray
    raw_names: dict[int, str]
    scores: pd.DataFrame | None
    notes: list[str]
    stability: Any
    k_reason: str
    settings: SegmentationSettings


def segment_customers(
    table: CustomerTable,
    features: FeatureMatrix,
    settings: SegmentationSettings,
    progress: Progress | None = None,
) -> Segmentation:
    """Segment the customers with the chosen method and return labels 1..K (segment 1 earns most), profiles and rules.

    The same table, features and settings always give the same labels. Raises `InputError` when
    k is larger than the number of customers, or a method's columns are missing.
    """
    clustering = find_clusters(table, features, settings, progress)
    return describe_segments(table, features, clustering, settings, progress)


def find_clusters(
    table: CustomerTable,
    features: FeatureMatrix,
    settings: SegmentationSettings,
    progress: Progress | None = None,
) -> Clustering:
    """Run the method (choosing k first when asked) and measure how well its segments hold."""
    report = progress or (lambda _fraction, _message: None)
    n = table.n_customers
    if features.matrix.shape[0] != n:
        raise InputError(
            f"The features have {features.matrix.shape[0]:,} rows but the table has {n:,} customers; "
            "build the features again from this table."
        )
    if n == 0:
        raise InputError("There are no customers to segment; check the customer ID and revenue columns.")
    method = settings.method
    notes: list[str] = []
    auto = chooses_k(settings)
    if method in CLUSTERING_METHODS and settings.k > n and not auto:
        raise InputError(
            f"Asked for {settings.k} segments but there are only {n:,} customers; choose k of at most {n:,}."
        )
    revenue = table.customers["revenue"].to_numpy(dtype=float)
    # Fits see the customers in a fixed order (by customer ID), so the file's row order cannot change them.
    order = table.id_order
    fit_features = features if bool(np.all(order == np.arange(n))) else subset(features, order)
    k_reason = "" if method not in CLUSTERING_METHODS else f"{settings.k} segments, as you chose."
    with warnings.catch_warnings(), threads_for(features.matrix.size):
        # Fewer distinct groups than k is reported in the notes below, in words.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if auto:
            report(0.02, "Choosing the number of segments")
            settings, k_reason = _auto_k(fit_features, revenue[order], settings, n)
            notes.append(f"{AUTO_K_NOTE}{k_reason}")
        report(0.05, f"Finding segments with {method.replace('_', ' ')}")
        if method in RULE_METHODS:
            raw, raw_names, scores = _run_method(table, features, settings, notes)
        else:
            sorted_raw, raw_names, scores = _run_method(table, fit_features, settings, notes)
            raw = np.empty(n, dtype=np.asarray(sorted_raw).dtype)
            raw[order] = sorted_raw
        report(0.4, "Checking that the segments hold on resampled customers")
        stability = None
        if method not in RULE_METHODS:
            stability = measure_stability(
                fit_features,
                np.asarray(sorted_raw),
                settings,
                lambda f, s: np.asarray(_run_method(table, f, s, [])[0]),
            )
    found = len({int(i) for i in np.unique(raw) if i != -1})
    if method in CLUSTERING_METHODS and found < settings.k:
        notes.append(
            f"Asked for {settings.k} segments but only {found} distinct groups exist "
            "(many customers have identical values on the chosen criteria)."
        )
    return Clustering(
        raw=raw,
        raw_names=raw_names,
        scores=scores,
        notes=notes,
        stability=stability,
        k_reason=k_reason,
        settings=settings,
    )


def chooses_k(settings: SegmentationSettings) -> bool:
    """Whether the data chooses the number of segments: `auto_k` is on and the method takes a k."""
    return settings.auto_k and settings.method in CLUSTERING_METHODS


AUTO_K_NOTE = "Number of segments chosen from the data: "
"""How the note that says why k was chosen begins (`as_chosen` leaves it out)."""


def as_chosen(clustering: Clustering) -> Clustering:
    """Return what choosing this clustering's k by hand gives: the same fit, said as the user's choice.

    The method and the stability check read k, never how it was chosen, so an explicit k equal to the one
    chosen from the data finds the same segments; only the reason, the note and `auto_k` differ. The app
    uses it so that going back to the number it chose is served from the cache instead of fitted again.
    """
    settings = clustering.settings.model_copy(update={"auto_k": False})
    return replace(
        clustering,
        notes=[note for note in clustering.notes if not note.startswith(AUTO_K_NOTE)],
        k_reason=f"{settings.k} segments, as you chose.",
        settings=settings,
    )


def describe_segments(
    table: CustomerTable,
    features: FeatureMatrix,
    clustering: Clustering,
    settings: SegmentationSettings,
    progress: Progress | None = None,
) -> Segmentation:
    """Number the clusters by revenue, apply merges and names from `settings`, profile and explain them.

    The user's names are put in last, by `name_segments`: the app describes the segments once without them
    and names them on every rename, which describes nothing again."""
    report = progress or (lambda _fraction, _message: None)
    update = {name: getattr(settings, name) for name in DESCRIPTION_SETTINGS}
    settings = clustering.settings.model_copy(update=update)
    raw, raw_names, scores, stability = clustering.raw, clustering.raw_names, clustering.scores, clustering.stability
    method, k_reason, notes = settings.method, clustering.k_reason, list(clustering.notes)
    revenue = table.customers["revenue"].to_numpy(dtype=float)
    report(0.6, "Numbering segments by revenue")
    labels, method_names = _number_and_merge(raw, raw_names, revenue, settings.merges, notes)
    k = len({int(i) for i in np.unique(labels) if i != 0})
    report(0.7, "Describing the segments")
    extra = {} if scores is None else _rfm_details(scores, labels, method_names, settings)
    profiles = build_profiles(table, features, labels, method_names, extra)
    report(0.85, "Writing rules that explain the segments")
    explained = explain_segments(
        features, labels, max_depth=settings.rules_max_depth, seed=settings.seed, stems=stems_of(table)
    )
    if explained.fidelity is not None:
        notes.append(f"The rules put {explained.fidelity:.0%} of customers in their own segment.")
    report(1.0, "Segments ready")
    unassigned = int((labels == 0).sum())
    described = Segmentation(
        labels=labels.astype(np.int64),
        profiles=profiles,
        method=method,
        notes=notes,
        k=k,
        rules=explained.rules,
        rules_fidelity=explained.fidelity,
        unassigned=unassigned,
        scores=scores,
        stability=stability,
        stability_words=stability_words(stability, method),
        rough_guide=is_rough_guide(stability),
        k_reason=k_reason,
        method_names=method_names,
    )
    return name_segments(described, settings)


def name_segments(segmentation: Segmentation, settings: SegmentationSettings) -> Segmentation:
    """Return `segmentation` with the user's names (`settings.names`) in place of its earlier ones.

    Words only: the other segments' names are chosen again from the names their traits gave (so none shares
    a user's name), and an RFM group's meaning follows its name. Raises `InputError` for a key that is no
    segment number, or when two segments would share a name.
    """
    if settings.names == segmentation.user_names:
        return segmentation  # named so already: the same object, so nothing downstream is named again
    notes = segmentation.notes[: len(segmentation.notes) - segmentation.name_notes]
    name_notes: list[str] = []
    fixed = _with_user_names(
        [p.id for p in segmentation.profiles], segmentation.method_names, settings.names, name_notes
    )
    profiles = renamed_profiles(segmentation.profiles, fixed)
    if segmentation.scores is not None:
        meanings = {group.name: group.meaning for group in settings.rfm_groups}
        profiles = [
            replace(p, profile={**p.profile, "meaning": meanings.get(fixed.get(p.id, ""), "")})
            if "meaning" in p.profile
            else p
            for p in profiles
        ]
    return replace(
        segmentation,
        profiles=profiles,
        notes=[*notes, *name_notes],
        name_notes=len(name_notes),
        user_names=dict(settings.names),
    )


def _number_and_merge(
    raw: np.ndarray, raw_names: dict[int, str], revenue: np.ndarray, merges: list[list[int]], notes: list[str]
) -> tuple[np.ndarray, dict[int, str]]:
    """Return labels 1..K by revenue, with the merges applied (and numbered again), and the method's fixed
    names (tiers, RFM groups) by new segment id; a merged segment keeps the name of its lowest old id."""
    labels, mapping = renumber_by_revenue(raw, revenue)
    fixed_names = {mapping[r]: name for r, name in raw_names.items() if r in mapping}
    notes.append("Segments are numbered by revenue: segment 1 earns the most.")
    if not merges:
        return labels, fixed_names
    labels, merged = _apply_merges(labels, merges, notes)
    if merged:
        before = fixed_names
        labels, second = renumber_by_revenue(np.where(labels == 0, -1, labels), revenue)
        fixed_names = {}
        for old, name in sorted(before.items()):
            new = second.get(old)
            if new is not None and new not in fixed_names:
                fixed_names[new] = name
        notes.append("After merging, segments were numbered again by revenue.")
    return labels, fixed_names


def _with_user_names(
    present: list[int], fixed_names: dict[int, str], names: dict[str, str], notes: list[str]
) -> dict[int, str]:
    """Return `fixed_names` with the user's segment names put in (a name for a segment that no longer exists is
    noted, not used).

    Raises `InputError` for a key that is no segment number, or when two segments would share a name.
    """
    fixed_names = dict(fixed_names)
    for key, name in names.items():
        try:
            segment = int(key)
        except ValueError:
            raise InputError(f"Segment rename key '{key}' is not a segment number; use numbers like \"1\".") from None
        text = str(name).strip()
        if not text:
            continue
        if segment not in present:
            notes.append(f"Your name '{text}' for segment {segment} was not used: there is no segment {segment} now.")
            continue
        fixed_names[segment] = text
    user_names = [v.casefold() for v in fixed_names.values()]
    if len(set(user_names)) != len(user_names):
        raise InputError("Two segments would get the same name; give each segment its own name.")
    return fixed_names


def _rfm_details(
    scores: pd.DataFrame, labels: np.ndarray, fixed_names: dict[int, str], settings: SegmentationSettings
) -> dict[int, dict[str, Any]]:
    """Return per segment its mean R, F, M scores and, when it keeps an RFM group's name, what the group means
    (`name_segments` says it again for the names the user gives)."""
    means = scores.groupby(labels).mean()
    meanings = {group.name: group.meaning for group in settings.rfm_groups}
    extra: dict[int, dict[str, Any]] = {}
    for position, segment_id in enumerate(means.index.to_numpy()):
        segment = int(segment_id)
        extra[segment] = {
            "rfm": {col: float(means[col].iloc[position]) for col in scores.columns},
            "meaning": meanings.get(fixed_names.get(segment, ""), ""),
        }
    return extra


def _auto_k(
    features: FeatureMatrix, revenue: np.ndarray, settings: SegmentationSettings, n: int
) -> tuple[SegmentationSettings, str]:
    """Return the settings with k chosen from the data, and the sentence saying why."""
    top = min(settings.max_auto_k, n - 1)
    if top < 2:
        k = max(1, min(settings.k, n))
        return settings.model_copy(update={"k": k}), f"{k} segment(s): too few customers to compare groupings."
    scan = scan_k(
        features,
        settings,
        range(2, top + 1),
        revenue=revenue,
        sample_size=AUTO_SCAN_SAMPLE,
        silhouette_size=AUTO_SILHOUETTE_SAMPLE,
    )
    return settings.model_copy(update={"k": scan.recommended_k}), scan.reason


__all__ = ["Segmentation", "name_segments", "renumber_by_revenue", "segment_customers"]
