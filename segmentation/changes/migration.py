"""Who moved: the migration matrix between earlier and current segments, and fresh segments matched to earlier ones."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

NEW_ROW = "New accounts"
LOST_COLUMN = "Lost accounts"
MODEL_ORDER = {"tech-touch": 0, "medium-touch": 1, "high-touch": 2}
"""Lighter to heavier touch: a move to a higher number is a move up."""


def migration_frame(accounts: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Return migration.csv: accounts and revenue from each earlier segment to each current one.

    Rows: ``from_segment`` (empty for new accounts), ``from_segment_name``, ``to_segment`` (empty for
    lost accounts), ``to_segment_name``, ``accounts``, ``revenue_before``, ``revenue_after``; every
    pair of earlier segments is listed (zeros included), then new and lost accounts; accounts with
    no revenue at either date are left out.
    """
    active = accounts[accounts["change_type"] != "inactive"]
    origin = active["segment_before"].where(active["change_type"] != "new")
    target = active["segment_after"].where(active["change_type"] != "lost")
    grouped = (
        pd.DataFrame(
            {
                "from": origin.fillna(-1).astype(np.int64),
                "to": target.fillna(-1).astype(np.int64),
                "before": active["revenue_before"],
                "after": active["revenue_after"],
            }
        )
        .groupby(["from", "to"])
        .agg(accounts=("before", "size"), revenue_before=("before", "sum"), revenue_after=("after", "sum"))
    )
    ids = list(names)
    pairs = [(a, b) for a in ids for b in ids] + [(-1, b) for b in ids] + [(a, -1) for a in ids]
    full = grouped.reindex(pd.MultiIndex.from_tuples(pairs, names=["from", "to"]), fill_value=0).reset_index()
    full = full[(full["accounts"] > 0) | ((full["from"] >= 0) & (full["to"] >= 0))]
    return pd.DataFrame(
        {
            "from_segment": full["from"].where(full["from"] >= 0).astype("Int64"),
            "from_segment_name": full["from"].map(lambda s: names.get(int(s), str(s)) if s >= 0 else NEW_ROW),
            "to_segment": full["to"].where(full["to"] >= 0).astype("Int64"),
            "to_segment_name": full["to"].map(lambda s: names.get(int(s), str(s)) if s >= 0 else LOST_COLUMN),
            "accounts": full["accounts"].astype(np.int64).to_numpy(),
            "revenue_before": full["revenue_before"].astype(float).round(2).to_numpy(),
            "revenue_after": full["revenue_after"].astype(float).round(2).to_numpy(),
        }
    ).reset_index(drop=True)


@dataclass
class Move:
    """A flow of accounts from one earlier segment to another one (both still customers)."""

    from_segment: int
    from_name: str
    to_segment: int
    to_name: str
    accounts: int
    revenue_before: float
    revenue_after: float

    def to_dict(self) -> dict[str, Any]:
        """Return the move as plain data."""
        return asdict(self)


def largest_moves(migration: pd.DataFrame, count: int = 5) -> list[Move]:
    """Return the largest flows between different segments, most accounts first (ties: more revenue, then ids)."""
    moves = migration.dropna(subset=["from_segment", "to_segment"])
    moves = moves[(moves["from_segment"] != moves["to_segment"]) & (moves["accounts"] > 0)]
    moves = moves.sort_values(
        ["accounts", "revenue_after", "from_segment", "to_segment"], ascending=[False, False, True, True]
    )
    return [
        Move(
            int(row["from_segment"]),
            str(row["from_segment_name"]),
            int(row["to_segment"]),
            str(row["to_segment_name"]),
            int(row["accounts"]),
            float(row["revenue_before"]),
            float(row["revenue_after"]),
        )
        for row in moves.head(count).to_dict(orient="records")
    ]


@dataclass
class FreshMatch:
    """A segment found afresh in the new data, and the earlier segment it matches (if any)."""

    fresh_segment: int
    fresh_name: str
    customers: int
    earlier_segment: int | None
    earlier_name: str | None
    overlap: float
    """Share of the fresh segment's accounts that the earlier segments put in `earlier_segment`."""
    name: str
    """The name to use: the earlier one when matched, else the fresh name marked new."""
    is_new: bool

    def to_dict(self) -> dict[str, Any]:
        """Return the match as plain data."""
        return asdict(self)


def match_fresh_segments(
    fresh: np.ndarray,
    fresh_names: dict[int, str],
    earlier: np.ndarray,
    earlier_names: dict[int, str],
    min_overlap: float,
) -> list[FreshMatch]:
    """Match each fresh segment to at most one earlier segment (Hungarian assignment on overlap).

    `fresh` and `earlier` are labels of the same new customers: from a fresh segmentation, and from
    the earlier segments applied to them. A pair is kept when at least `min_overlap` of the fresh
    segment's accounts are in the earlier one; the rest are new segments.
    """
    fresh_ids = sorted(fresh_names)
    earlier_ids = sorted(earlier_names)
    table = pd.crosstab(pd.Series(fresh), pd.Series(earlier)).reindex(
        index=fresh_ids, columns=earlier_ids, fill_value=0
    )
    sizes = table.sum(axis=1).to_numpy(dtype=float)
    overlap = table.to_numpy(dtype=float) / np.where(sizes > 0, sizes, 1.0)[:, None]
    chosen: dict[int, tuple[int, float]] = {}
    if overlap.size:
        rows, cols = linear_sum_assignment(-overlap)
        for r, c in zip(rows, cols, strict=True):
            chosen[fresh_ids[r]] = (earlier_ids[c], float(overlap[r, c]))
    matches = []
    for position, segment in enumerate(fresh_ids):
        earlier_id, share = chosen.get(segment, (None, 0.0))
        kept = earlier_id is not None and share >= min_overlap
        fresh_name = fresh_names[segment]
        matches.append(
            FreshMatch(
                fresh_segment=int(segment),
                fresh_name=fresh_name,
                customers=int(sizes[position]),
                earlier_segment=int(earlier_id) if kept and earlier_id is not None else None,
                earlier_name=earlier_names[earlier_id] if kept and earlier_id is not None else None,
                overlap=share,
                name=earlier_names[earlier_id] if kept and earlier_id is not None else f"New: {fresh_name}",
                is_new=not kept,
            )
        )
    return matches


def model_direction(before: pd.Series, after: pd.Series) -> pd.Series:
    """Return "up" (heavier touch), "down", "same" or "" (either side unknown) per account."""
    start = before.map(MODEL_ORDER)
    end = after.map(MODEL_ORDER)
    out = np.select([start.isna() | end.isna(), end > start, end < start], ["", "up", "down"], default="same")
    return pd.Series(out, index=before.index, dtype=object)
