"""Settings for criteria, features and the segmentation method (owned by the segments modules)."""

from __future__ import annotations

import itertools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from segmentation.validation import MAX_NAME, SEED_MAX, check_values

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


RFM_SCORES = range(1, 6)
"""Recency, frequency and monetary scores run from 1 to 5 (5 = most recent, most frequent, highest spend)."""


class RFMGroup(BaseModel):
    """One named RFM group: the recency, frequency and monetary scores it takes, each an inclusive range.

    A range left out takes every score (1–5), so a group without ranges catches everyone left.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """The segment name customers in this group get ("Champions")."""
    meaning: str = ""
    """What the group's customers did, in words ("bought recently, buy often and spend the most")."""
    recency: tuple[int, int] = (1, 5)
    frequency: tuple[int, int] = (1, 5)
    monetary: tuple[int, int] = (1, 5)

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @model_validator(mode="after")
    def _check_ranges(self) -> RFMGroup:
        """Each range is low to high within the scores 1–5, so no group is empty by a typo."""
        for axis in ("recency", "frequency", "monetary"):
            low, high = getattr(self, axis)
            if low not in RFM_SCORES or high not in RFM_SCORES:
                raise ValueError(
                    f"RFM group '{self.name}' has {axis} scores {low}–{high}; scores run from 1 to 5 (5 best)"
                )
            if low > high:
                raise ValueError(
                    f"RFM group '{self.name}' has {axis} scores {low}–{high}, which takes no score; "
                    f"write the lower score first ({high}–{low})"
                )
        return self

    def takes(self, recency: int, frequency: int, monetary: int) -> bool:
        """Whether a customer with these scores (1–5 each) falls in this group's ranges."""
        return (
            self.recency[0] <= recency <= self.recency[1]
            and self.frequency[0] <= frequency <= self.frequency[1]
            and self.monetary[0] <= monetary <= self.monetary[1]
        )


DEFAULT_RFM_GROUPS: tuple[RFMGroup, ...] = (
    RFMGroup(
        name="Champions",
        meaning="bought recently, buy often and spend the most",
        recency=(4, 5),
        frequency=(4, 5),
        monetary=(4, 5),
    ),
    RFMGroup(name="Loyal", meaning="buy often", recency=(3, 5), frequency=(4, 5)),
    RFMGroup(
        name="Potential loyalists", meaning="recent customers with a few purchases", recency=(4, 5), frequency=(2, 5)
    ),
    RFMGroup(name="New", meaning="bought for the first time recently", recency=(5, 5)),
    RFMGroup(name="Promising", meaning="recent first-time buyers who have not come back yet", recency=(4, 4)),
    RFMGroup(name="Need attention", meaning="average recency and frequency", recency=(3, 3), frequency=(2, 5)),
    RFMGroup(name="About to sleep", meaning="one purchase some time ago", recency=(3, 3)),
    RFMGroup(
        name="Can't lose them",
        meaning="used to buy often and spend a lot, but not lately",
        frequency=(4, 5),
        monetary=(4, 5),
    ),
    RFMGroup(name="At risk", meaning="bought fairly often, but long ago", frequency=(3, 5)),
    RFMGroup(name="Hibernating", meaning="few purchases, long ago", recency=(2, 2)),
    RFMGroup(name="Lost", meaning="the fewest purchases, longest ago"),
)
"""The usual RFM segments, checked in order: a customer joins the first group whose ranges take their scores."""


def rfm_group_of_scores(groups: tuple[RFMGroup, ...]) -> dict[tuple[int, int, int], int]:
    """Return (recency, frequency, monetary) → the index of the first group that takes those scores.

    Scores no group takes are left out; `check_rfm_groups` refuses a table that leaves any.
    """
    found: dict[tuple[int, int, int], int] = {}
    for r, f, m in itertools.product(RFM_SCORES, repeat=3):
        index = next((i for i, group in enumerate(groups) if group.takes(r, f, m)), None)
        if index is not None:
            found[r, f, m] = index
    return found


def check_rfm_groups(groups: tuple[RFMGroup, ...]) -> tuple[RFMGroup, ...]:
    """Refuse an RFM table with repeated names, a group the groups above it leave no customer, or scores
    no group takes: each would put customers in no segment or hide a segment the user wrote.

    Raises `ValueError` naming the group or scores at fault; returns `groups` unchanged.
    """
    if not groups:
        raise ValueError("the RFM table has no groups; give at least one (a group without ranges takes everyone)")
    seen: set[str] = set()
    for group in groups:
        if group.name.casefold() in seen:
            raise ValueError(f"RFM group '{group.name}' is named twice; give every group its own name")
        seen.add(group.name.casefold())
    taken = rfm_group_of_scores(groups)
    reached = set(taken.values())
    for index, group in enumerate(groups):
        if index not in reached:
            raise ValueError(
                f"RFM group '{group.name}' gets no customer: the groups above it already take every score "
                "it covers; move it up or narrow the groups above it"
            )
    left = [(r, f, m) for r, f, m in itertools.product(RFM_SCORES, repeat=3) if (r, f, m) not in taken]
    if left:
        first = "R={}, F={}, M={}".format(*left[0])
        raise ValueError(
            f"the scores {first} (and {len(left) - 1} other combination(s)) fall in no RFM group; "
            "end the table with a catch-all group that gives no ranges"
        )
    return groups


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
    rfm_groups: tuple[RFMGroup, ...] = DEFAULT_RFM_GROUPS
    """RFM: the named groups, in the order they are checked; a customer joins the first whose recency,
    frequency and monetary ranges take their scores. The last group should give no ranges, to catch the rest."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @model_validator(mode="before")
    @classmethod
    def _k_given_means_fixed(cls, data: Any) -> Any:
        """A k given without `auto_k` is the user's choice: keep it."""
        if isinstance(data, dict) and "k" in data and "auto_k" not in data:
            return {**data, "auto_k": False}
        return data

    @field_validator("rfm_groups")
    @classmethod
    def _check_rfm_groups(cls, groups: tuple[RFMGroup, ...]) -> tuple[RFMGroup, ...]:
        """Every group is reachable and every combination of scores has a group (`check_rfm_groups`)."""
        return check_rfm_groups(groups)
