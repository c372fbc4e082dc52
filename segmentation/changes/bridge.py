"""Account changes, the ARR bridge and revenue retention (GRR, NRR) by the standard definitions.

Definitions (stated in the README too). Revenue below zero counts as 0, as in concentration. An
account is *active* at a date when its revenue there is above 0. The *cohort* is the accounts
active at the start.

- new: active at the end only; lost (churn): active at the start only;
- expanded / contracted: active at both, revenue up / down by at least the flat tolerance
  (the larger of `flat_share` of the start revenue and `flat_amount`); flat otherwise.
- start = Σ start revenue; end = Σ end revenue; new = Σ end revenue of new accounts; churn = Σ
  start revenue of lost accounts; expansion / contraction = Σ of the rises / falls of the accounts
  active at both dates (flat accounts' moves within the tolerance included, so the bridge adds up
  exactly): start + new + expansion − contraction − churn = end.
- NRR = (start + expansion − contraction − churn) / start; GRR = (start − contraction − churn) /
  start, never above 100%. Both None when the cohort had no revenue.

Per segment (or service model), an account counts where it *started*; a new account where it
*landed*. So each group's bridge adds up on its own; `moved_in` / `moved_out` then say how much of
the end revenue now sits in another group.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from segmentation.changes.settings import ChangesSettings

CHANGE_TYPES = ("new", "expanded", "flat", "contracted", "lost")
"""Every change type, in the order lists show them."""
INACTIVE = "inactive"
"""No revenue at either date (kept in the list, outside every bridge line)."""


def tag_changes(before: pd.Series, after: pd.Series, settings: ChangesSettings) -> pd.DataFrame:
    """Return ``revenue_before``, ``revenue_after`` (0 where absent, negatives as 0), ``revenue_change`` and
    ``change_type`` for aligned start and end revenue (NaN = the account is not in that snapshot)."""
    start = np.clip(np.nan_to_num(before.to_numpy(dtype=float), nan=0.0), 0, None)
    end = np.clip(np.nan_to_num(after.to_numpy(dtype=float), nan=0.0), 0, None)
    change = end - start
    tolerance = np.maximum(settings.flat_share * start, settings.flat_amount)
    was, now = start > 0, end > 0
    kinds = np.select(
        [was & ~now, ~was & now, was & now & (np.abs(change) < tolerance), was & now & (change > 0), was & now],
        ["lost", "new", "flat", "expanded", "contracted"],
        default=INACTIVE,
    )
    return pd.DataFrame(
        {"revenue_before": start, "revenue_after": end, "revenue_change": change, "change_type": kinds},
        index=before.index,
    )


@dataclass
class BridgeLine:
    """One bridge: start → + new + expansion − contraction − churn → end, with the accounts behind each step."""

    group: str
    start: float
    new: float
    expansion: float
    contraction: float
    churn: float
    end: float
    accounts_start: int
    accounts_end: int
    new_accounts: int
    expanded_accounts: int
    flat_accounts: int
    contracted_accounts: int
    lost_accounts: int
    nrr: float | None
    grr: float | None
    segment: int | None = None
    moved_in: float = 0.0
    moved_out: float = 0.0
    now: float = 0.0
    """Revenue in this group at the end (the earlier segments applied to the new data)."""

    def to_dict(self) -> dict[str, Any]:
        """Return every figure (money in the revenue unit, NRR/GRR as 0–1 or None)."""
        return asdict(self)


_KIND_CODES = {name: code for code, name in enumerate((*CHANGE_TYPES, INACTIVE))}


def _kind_codes(accounts: pd.DataFrame) -> np.ndarray:
    """Change types as small integers (codes of `_KIND_CODES`), so each group compares numbers, not text."""
    return np.asarray(pd.Categorical(accounts["change_type"], categories=list(_KIND_CODES)).codes)


def _line(start: np.ndarray, end: np.ndarray, kind: np.ndarray, group: str) -> dict[str, Any]:
    both = (start > 0) & (end > 0)
    change = end - start
    tally = np.bincount(kind, minlength=len(_KIND_CODES))
    totals = {
        "start": float(start.sum()),
        "new": float(end[kind == _KIND_CODES["new"]].sum()),
        "expansion": float(change[both & (change > 0)].sum()),
        "contraction": float(-change[both & (change < 0)].sum()),
        "churn": float(start[kind == _KIND_CODES["lost"]].sum()),
        "end": float(end.sum()),
    }
    cohort = totals["start"]
    # the same figures as (start + expansion − contraction − churn) and (start − contraction − churn),
    # summed per account so rounding can never push GRR above 100% or either below 0
    members = start > 0
    retained = float(end[members].sum())
    gross = float(np.minimum(start, end)[members].sum())
    return {
        "group": group,
        **totals,
        "accounts_start": int(members.sum()),
        "accounts_end": int((end > 0).sum()),
        **{f"{name}_accounts": int(tally[_KIND_CODES[name]]) for name in ("new", "expanded", "flat", "contracted")},
        "lost_accounts": int(tally[_KIND_CODES["lost"]]),
        "nrr": retained / cohort if cohort > 0 else None,
        "grr": min(gross / cohort, 1.0) if cohort > 0 else None,
    }


def _money(accounts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return accounts["revenue_before"].to_numpy(dtype=float), accounts["revenue_after"].to_numpy(dtype=float)


def overall_bridge(accounts: pd.DataFrame) -> BridgeLine:
    """Return the bridge of every account (columns as made by `tag_changes`)."""
    start, end = _money(accounts)
    line = _line(start, end, _kind_codes(accounts), "All accounts")
    return BridgeLine(**line, now=line["end"])


def group_bridges(
    accounts: pd.DataFrame, before: str, after: str, names: dict[Any, str], *, segments: bool = True
) -> list[BridgeLine]:
    """Return one bridge per group: accounts by their group at the start (`before`), new ones by `after`.

    `names` maps group keys to what users read, in the order lines are returned; groups not in it follow.
    """
    kind = _kind_codes(accounts)
    start, end = _money(accounts)
    # both group columns as codes of one shared list of keys (-1 = none): integer compares per group
    values = pd.concat([accounts[before], accounts[after]], ignore_index=True)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    then, now_code = codes[: len(accounts)], codes[len(accounts) :]
    is_new = kind == _KIND_CODES["new"]
    home = np.where(is_new, now_code, then)
    active_end = end > 0
    moved = active_end & ~is_new & (then != now_code)
    present = list(uniques)
    keys = list(names) + sorted({k for k in present if k not in names}, key=str)
    lines = []
    for key in keys:
        code = present.index(key) if key in present else -2
        members = home == code
        landed = now_code == code
        if not members.any() and not (landed & active_end).any():
            continue  # no account starts here and none is here at the end (lost accounts land nowhere)
        line = _line(start[members], end[members], kind[members], str(names.get(key, key)))
        lines.append(
            BridgeLine(
                **line,
                segment=int(key) if segments else None,
                moved_in=float(end[landed & moved].sum()),
                moved_out=float(end[members & moved].sum()),
                now=float(end[landed & active_end].sum()),
            )
        )
    return lines


def largest_movers(accounts: pd.DataFrame, count: int) -> dict[str, pd.DataFrame]:
    """Return, per change type except flat, the `count` accounts that moved the most money (ties by ID)."""
    out: dict[str, pd.DataFrame] = {}
    size = accounts["revenue_change"].abs()
    for kind in ("new", "expanded", "contracted", "lost"):
        chosen = accounts[accounts["change_type"] == kind]
        order = pd.DataFrame({"size": size[chosen.index], "id": chosen["customer_id"]})
        order = order.sort_values(["size", "id"], ascending=[False, True], kind="stable")
        out[kind] = chosen.loc[order.index[:count]]
    return out
