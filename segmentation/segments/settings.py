"""Settings for criteria, features and the segmentation method (owned by the segments modules)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from segmentation.validation import SEED_MAX, check_values

MAX_WEIGHT = 100.0
"""Largest column or family weight (a weight is a multiplier on a scaled feature)."""

Family = Literal["firmographic", "geographic", "behavioural", "psychographic", "value"]
"""The families people think in when they describe customers."""

Method = Literal["kmeans", "gmm", "hierarchical", "hdbscan", "mixed", "rule_tiers", "rfm"]

METHOD_LABELS = {
    "kmeans": "Similar customers (k-means)",
    "gmm": "Overlapping groups (Gaussian mixture)",
    "hierarchical": "Family tree of customers (hierarchical, Ward)",
    "hdbscan": "Dense groups, leave outliers unassigned (HDBSCAN)",
    "mixed": "Numbers and categories together (k-prototypes)",
    "rule_tiers": "Tiers by thresholds (e.g. Enterprise / Mid-market / SMB)",
    "rfm": "RFM groups (recency, frequency, monetary; for transactions)",
}
"""Each method in the words a sales leader reads, the technical name in brackets (app, report, CLI)."""
"""Every segmentation method the studio offers."""


class CriteriaSettings(BaseModel):
    """Which columns to segment on, and how much each counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: list[str] | None = None
    """Columns to segment on; None means a sensible default picked from the detected roles."""
    families: dict[str, Family] = Field(default_factory=dict)
    """Column → family, overriding the family guessed from the column's role and name."""
    weights: dict[str, float] = Field(default_factory=dict)
    """Column → weight (default 1); 2 makes a column count twice as much, 0 leaves it out."""
    family_weights: dict[str, float] = Field(default_factory=dict)
    """Family → weight (default 1), multiplied with the column weights."""
    max_default_columns: int = Field(default=12, ge=1, le=100)
    """How many columns the default selection takes at most."""
    log_heavy_tails: bool = True
    """Log-transform (log1p) heavy-tailed money and count columns, then scale by median and spread."""
    heavy_tail_skew: float = Field(default=1.0, ge=0)
    """Skewness above which a non-negative column counts as heavy-tailed."""
    clip_quantile: float | None = Field(default=0.01, ge=0, lt=0.5)
    """Clip numbers outside this quantile and its mirror (0.01 → 1st–99th percentile); None keeps outliers."""
    clip_min_customers: int = Field(default=50, ge=0)
    """Outliers are clipped only when there are at least this many customers."""
    max_levels: int = Field(default=10, ge=1, le=100)
    """A categorical column keeps at most this many categories; the rest become 'Other'."""
    frequency_encode_above: int = Field(default=20, ge=2)
    """A categorical column with more categories than this is encoded by how common each value is."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @field_validator("weights", "family_weights")
    @classmethod
    def _check_weights(cls, weights: dict[str, float]) -> dict[str, float]:
        """Weights are between 0 and `MAX_WEIGHT`."""
        for name, weight in weights.items():
            if not 0 <= weight <= MAX_WEIGHT:
                raise ValueError(f"the weight of '{name}' is {weight}; use a weight from 0 to {MAX_WEIGHT:g}")
        return weights


class SegmentationSettings(BaseModel):
    """The method and its parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Method = "kmeans"
    """kmeans | gmm | hierarchical | hdbscan | mixed | rule_tiers | rfm."""
    k: int = Field(default=4, ge=1, le=50)
    """Number of segments (ignored by hdbscan, rule_tiers and rfm, and when `auto_k` is on)."""
    auto_k: bool = True
    """Let the data choose the number of segments (the k scan: separation, stability, usefulness) instead of `k`.
    Giving `k` without `auto_k` turns this off, so a number you choose is the number you get."""
    max_auto_k: int = Field(default=8, ge=2, le=20)
    """The largest number of segments the automatic choice considers."""
    min_segment_share: float = Field(default=0.05, ge=0, lt=0.5)
    """The automatic choice of k keeps every segment at or above this share of customers or of revenue
    (0 allows segments of any size)."""
    seed: int = Field(default=42, ge=0, le=SEED_MAX)
    """Random seed: the same seed and data give the same segments."""
    minibatch_above: int | None = Field(default=None, ge=1000)
    """k-means switches to mini-batch k-means (batches of 10,240) above this many customers; None never.
    Measured on this machine kind, mini-batch was slower, not faster: 1M customers 31 s vs 1.6 s."""
    fit_sample_size: int = Field(default=50_000, ge=1000)
    """Gaussian mixture and the mixed method fit on at most this many customers; the rest are assigned."""
    hdbscan_sample_size: int = Field(default=20_000, ge=1000)
    """HDBSCAN fits on at most this many customers; the rest take their nearest sampled neighbour's group."""
    hierarchical_sample_size: int = Field(default=10_000, ge=100, le=30_000)
    """Ward clustering fits on at most this many customers; the rest join the nearest centre."""
    min_cluster_size: int | None = Field(default=None, ge=2)
    """HDBSCAN: the smallest group worth calling a segment; None means 2% of customers (at least 5)."""
    min_samples: int = Field(default=10, ge=1)
    """HDBSCAN: neighbours that make a customer part of a dense area; smaller leaves fewer unassigned."""
    mixed_gamma: float | None = Field(default=None, gt=0)
    """Mixed method: how much one differing category counts against scaled numbers; None means as much as
    one number on average (2 ÷ the chance two customers differ on it)."""
    tiers_column: str | None = None
    """Rule tiers: the column to cut; None means an employee/size column if present, else revenue."""
    tiers_thresholds: list[float] | None = None
    """Rule tiers: ascending cut points (a value at a cut point goes to the higher tier); None means
    quantiles (the top 10% Enterprise, the next 30% Mid-market, the rest SMB)."""
    tiers_names: list[str] | None = None
    """Rule tiers: names from the lowest tier to the highest (one more than thresholds)."""
    rules_max_depth: int = Field(default=3, ge=1, le=6)
    """Depth of the decision tree that explains the segments in rules."""
    names: dict[str, str] = Field(default_factory=dict)
    """Segment id (as text) → the name the user gave it; applied after merges."""
    merges: list[list[int]] = Field(default_factory=list)
    """Groups of segment ids to merge into one; segments are renumbered by revenue afterwards."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @model_validator(mode="before")
    @classmethod
    def _k_given_means_fixed(cls, data: Any) -> Any:
        """A k given without `auto_k` is the user's choice: keep it."""
        if isinstance(data, dict) and "k" in data and "auto_k" not in data:
            return {**data, "auto_k": False}
        return data
