"""CSM capacity: how many accounts each personal model can take, and who falls to a lighter model when it is full."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.service.settings import SERVICE_MODELS
from segmentation.service.text import LazyText, TextPart, concat, put, text

_FELL_EXAMPLES = 10
"""How many of the accounts that fell for capacity are named (best first)."""


@dataclass(frozen=True)
class ModelCapacity:
    """One service model's demand against the places its CSMs have, after capacity and budget."""

    demand: int
    """Accounts the grid, overrides and pins asked this model for (before capacity)."""
    capacity: int | None
    """Places: CSMs × accounts per CSM (None = no limit set, or tech-touch, which has no CSMs)."""
    used: int
    """Accounts the plan serves on this model after capacity and budget."""
    spilled: int
    """Accounts capacity moved to `fell_to` (the budget's cut is `budget_fell`)."""
    csms: int | None
    """CSMs available for this model as set (None = no limit, or tech-touch)."""
    accounts_per_csm: int | None
    """Accounts one CSM of this model looks after (None for tech-touch)."""
    headcount_needed: int
    """CSMs it takes to serve the `used` accounts (0 for tech-touch)."""
    cut_score: float | None
    """The lowest priority score (0–100) kept when capacity cut the model (None when nothing fell)."""
    fell_to: str | None
    """The model the accounts over capacity fell to (None when nothing fell)."""
    fell_examples: tuple[str, ...]
    """The first customer IDs that fell for capacity, best first (at most ten)."""
    headcount_for_demand: int | None = None
    """CSMs it would take to serve every account in `demand` (None for tech-touch)."""
    budget_fell: int | None = None
    """Accounts the cost budget then moved to a lighter model (None for tech-touch, which has no budget cut)."""

    @property
    def csms_for_demand(self) -> int:
        """CSMs for every account that called for this model: `headcount_for_demand`, else `headcount_needed`."""
        return self.headcount_needed if self.headcount_for_demand is None else self.headcount_for_demand

    def after_budget(self, served: int, budget_fell: int) -> ModelCapacity:
        """Return these figures once the budget has cut the model to `served` accounts (`budget_fell` fell)."""
        per_csm = self.accounts_per_csm or 1  # set for every personal model, the only ones a budget cuts
        return dataclasses.replace(
            self, used=served, budget_fell=budget_fell, headcount_needed=math.ceil(served / per_csm)
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as written to summary.json (tech-touch has no headcount_for_demand or budget_fell)."""
        data: dict[str, Any] = {
            "demand": self.demand,
            "capacity": self.capacity,
            "used": self.used,
            "spilled": self.spilled,
            "csms": self.csms,
            "accounts_per_csm": self.accounts_per_csm,
            "headcount_needed": self.headcount_needed,
            "cut_score": self.cut_score,
            "fell_to": self.fell_to,
            "fell_examples": list(self.fell_examples),
        }
        if self.headcount_for_demand is not None:
            data["headcount_for_demand"] = self.headcount_for_demand
        if self.budget_fell is not None:
            data["budget_fell"] = self.budget_fell
        return data


def tech_capacity(accounts: int) -> ModelCapacity:
    """Tech-touch's figures: no CSMs and no limit, so every account that calls for it is served."""
    return ModelCapacity(
        demand=accounts,
        capacity=None,
        used=accounts,
        spilled=0,
        csms=None,
        accounts_per_csm=None,
        headcount_needed=0,
        cut_score=None,
        fell_to=None,
        fell_examples=(),
    )


def apply_capacity(
    model: np.ndarray,
    reason: LazyText,
    score: np.ndarray,
    revenue: np.ndarray,
    *,
    ids: pd.api.extensions.ExtensionArray,
    name: str,
    fallback: str,
    csms: int | None,
    per_csm: int,
    pinned: np.ndarray | None = None,
) -> tuple[ModelCapacity, LazyText]:
    """Keep the highest-priority accounts within capacity; move the rest to `fallback` (`model` in place).

    `model` holds an index into SERVICE_MODELS per account; `name` and `fallback` are models' names.

    Returns the model's capacity figures (the budget has not cut it yet) and the reasons with the
    fallen accounts' rewritten.
    """
    members = np.flatnonzero(model == SERVICE_MODELS.index(name))
    demand = len(members)
    limit = None if csms is None else csms * per_csm
    entry = ModelCapacity(
        demand=demand,
        capacity=limit,
        used=demand,
        spilled=0,
        csms=csms,
        accounts_per_csm=per_csm,
        headcount_needed=math.ceil(demand / per_csm),
        cut_score=None,
        fell_to=None,
        fell_examples=(),
        headcount_for_demand=math.ceil(demand / per_csm),
        budget_fell=0,
    )
    if limit is None or demand <= limit:
        return entry, reason
    # Highest score first; ties by revenue, then table order, so the cut is deterministic.
    # Pinned accounts keep their place first.
    first_keys = ~pinned[members] if pinned is not None else np.zeros(len(members), dtype=bool)
    order = members[np.lexsort((members, -revenue[members], -score[members], first_keys))]
    kept, fell = order[:limit], order[limit:]
    model[fell] = SERVICE_MODELS.index(fallback)
    reason = _fallen_reasons(reason, fell, entry, name=name, fallback=fallback)
    full = dataclasses.replace(
        entry,
        used=limit,
        spilled=len(fell),
        cut_score=float(score[kept[-1]]) if len(kept) else None,
        fell_to=fallback,
        fell_examples=tuple(str(x) for x in ids.take(fell[:_FELL_EXAMPLES])),
    )
    return full, reason


def _fallen_reasons(reason: LazyText, fell: np.ndarray, entry: ModelCapacity, *, name: str, fallback: str) -> LazyText:
    """Rewrite the reasons of the accounts in `fell` (in rank order) to say `name` was full, and their rank.

    `entry` holds the model's places and demand. An account that already fell from high- to
    medium-touch keeps that story and adds this one. The words are written when a row is read.
    """
    limit, demand, csms, per_csm = entry.capacity or 0, entry.demand, entry.csms, entry.accounts_per_csm
    if limit:
        places = f"the {limit:,} {name} places ({csms} CSMs × {per_csm}) are full"
        first, again_words = f"would be {name} but {places}", f", and {places} too"
    else:
        first, again_words = f"would be {name} but there are no {name} CSMs", f", and no {name} CSMs either"
    by_row = np.argsort(fell, kind="stable")
    fell_rows, fell_rank = fell[by_row], by_row + limit + 1  # rank of each fallen row, rows in order

    def write(rows: np.ndarray, previous: pa.Array) -> pa.Array:
        if limit:
            ranks = fell_rank[np.searchsorted(fell_rows, rows)]
            rank_words: TextPart = np.array([f" (rank {rank:,} of {demand:,}) → {fallback}" for rank in ranks.tolist()])
        else:
            rank_words = np.full(len(rows), f" → {fallback}", dtype=object)
        again = pc.starts_with(previous, "would be").to_numpy(zero_copy_only=False)
        words = concat(first, rank_words)
        if again.any():
            # Fell from high- to medium-touch already: keep that story (up to its last "→") and add this one.
            before_arrow = pc.split_pattern(pc.filter(previous, pa.array(again)), " → ", max_splits=1, reverse=True)
            earlier = pc.list_element(before_arrow, 0)
            words = put(words, again, concat(earlier, again_words, text(np.asarray(rank_words)[again])))
        return words

    fell_mask = np.zeros(reason.n, dtype=bool)
    fell_mask[fell] = True
    return reason.rewrite(fell_mask, write)
