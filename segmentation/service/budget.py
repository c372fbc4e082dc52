"""Pins, the cost-to-serve budget and the consumer-like test: the bounds a plan must keep.

The budget caps what each personal model (high-, medium-touch) may cost as a share of the revenue
it serves. The cut-off is solved per model: members are taken by revenue, largest first (pinned
accounts always stay), and the model keeps the largest book whose cost fits; the rest fall one
model lighter, each told why. Tech-touch is the floor: where its per-account cost would exceed the
revenue it serves (or the business is consumer-like), it is pooled, i.e. priced as a share of that
revenue, and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segmentation.formatting import format_money
from segmentation.service.settings import SERVICE_MODELS

if TYPE_CHECKING:
    from segmentation.service.settings import ServiceSettings

HIGH, MEDIUM, TECH = SERVICE_MODELS


@dataclass(frozen=True)
class PinFigures:
    """One pin as the plan applied it."""

    accounts: list[str]
    arr_floor: float | None
    model: str | None
    set_by: str
    reason: str
    matched: int
    """Accounts of this file the pin covers."""
    missing: list[str]
    """IDs the pin names that are not in this file."""

    @property
    def description(self) -> str:
        """The pin in words, for the report and the page."""
        what = []
        if self.accounts:
            shown = ", ".join(self.accounts[:5]) + (
                f" and {len(self.accounts) - 5:,} more" if len(self.accounts) > 5 else ""
            )
            what.append(f"accounts {shown}")
        if self.arr_floor is not None:
            what.append(f"every account from {format_money(self.arr_floor)}")
        action = f"pinned to {self.model}" if self.model else "kept out of every move"
        who = self.set_by or "someone who did not sign it"
        why = f": {self.reason}" if self.reason else ""
        return f"{' and '.join(what) or 'no accounts'} {action} by {who}{why} ({self.matched:,} accounts here)."

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready pin with its match count and description."""
        return {
            "accounts": list(self.accounts),
            "arr_floor": self.arr_floor,
            "model": self.model,
            "set_by": self.set_by,
            "reason": self.reason,
            "matched": self.matched,
            "missing": list(self.missing),
            "description": self.description,
        }


@dataclass
class Pins:
    """The pins resolved against this file's accounts."""

    model: np.ndarray
    """Index into SERVICE_MODELS per account, −1 where no pin sets the model."""
    keep_out: np.ndarray
    """True per account that a pin covers (no up/down move is suggested for it)."""
    label: np.ndarray
    """"pinned to high-touch by CRO: strategic logo" per pinned account, "" elsewhere (object array)."""
    figures: list[PinFigures] = field(default_factory=list)

    @property
    def pinned(self) -> np.ndarray:
        """True per account a pin sets the model of."""
        return self.model >= 0


def resolve_pins(ids: pd.Series, revenue: np.ndarray, settings: ServiceSettings) -> Pins:
    """Match every pin to this file's accounts; a later pin wins where two cover the same account."""
    n = len(revenue)
    model = np.full(n, -1, dtype=np.int64)
    keep_out = np.zeros(n, dtype=bool)
    label = np.full(n, "", dtype=object)
    figures = []
    text_ids = ids.astype(str).str.strip()
    for pin in settings.pins:
        mask = text_ids.isin(pin.accounts).to_numpy(dtype=bool) if pin.accounts else np.zeros(n, dtype=bool)
        if pin.arr_floor is not None:
            mask |= revenue >= pin.arr_floor
        present = set(text_ids[text_ids.isin(pin.accounts)]) if pin.accounts else set()
        missing = [a for a in pin.accounts if a not in present]
        keep_out |= mask
        if pin.model is not None:
            model[mask] = SERVICE_MODELS.index(pin.model)
        who = pin.set_by or "unsigned"
        action = f"pinned to {pin.model}" if pin.model else "kept out of moves"
        label[mask] = f"{action} by {who}" + (f": {pin.reason}" if pin.reason else "")
        figures.append(
            PinFigures(
                accounts=list(pin.accounts),
                arr_floor=pin.arr_floor,
                model=pin.model,
                set_by=pin.set_by,
                reason=pin.reason,
                matched=int(mask.sum()),
                missing=missing[:20],
            )
        )
    return Pins(model=model, keep_out=keep_out, label=label, figures=figures)


@dataclass(frozen=True)
class BudgetCut:
    """What the budget did to one personal model."""

    model: str
    share: float | None
    """The most this model may cost as a share of the revenue it serves (None = no bound)."""
    wanted: int
    kept: int
    fell: int
    fell_to: str | None
    revenue_floor: float | None
    """The smallest revenue kept on this model by the solve (None when nothing fell)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready cut."""
        return {
            "model": self.model,
            "share": self.share,
            "wanted": self.wanted,
            "kept": self.kept,
            "fell": self.fell,
            "fell_to": self.fell_to,
            "revenue_floor": self.revenue_floor,
        }


def budget_share(settings: ServiceSettings) -> float | None:
    """The cost bound per model as a share of its revenue: the budget, else 1 (cost ≤ revenue), else None."""
    if settings.cost_budget_share is not None:
        return float(settings.cost_budget_share)
    return None if settings.allow_cost_above_revenue else 1.0


def solve_budget(
    model: np.ndarray,
    revenue: np.ndarray,
    pinned: np.ndarray,
    *,
    name: str,
    fallback: str,
    cost: float,
    share: float | None,
) -> tuple[BudgetCut, np.ndarray]:
    """Keep the largest book of `name` (by revenue) whose cost fits `share` of its revenue; the rest fall.

    `model` (indices into SERVICE_MODELS) is changed in place. Returns the cut and the accounts that fell.
    """
    code = SERVICE_MODELS.index(name)
    members = np.flatnonzero(model == code)
    if share is None or cost <= 0 or len(members) == 0:
        return BudgetCut(name, share, len(members), len(members), 0, None, None), np.zeros(0, dtype=np.int64)
    fixed = members[pinned[members]]
    free = members[~pinned[members]]
    order = free[np.lexsort((free, -revenue[free]))]
    budget_left = share * float(revenue[fixed].sum()) - cost * len(fixed)
    # Adding the k-th account changes the slack by share × revenue − cost; the slack after k accounts:
    slack = budget_left + np.cumsum(share * revenue[order] - cost)
    fits = np.flatnonzero(slack >= 0)
    kept_count = int(fits[-1]) + 1 if len(fits) else 0
    fell = np.sort(order[kept_count:])
    model[fell] = SERVICE_MODELS.index(fallback)
    floor = float(revenue[order[kept_count - 1]]) if kept_count and len(fell) else None
    cut = BudgetCut(
        name, share, len(members), len(members) - len(fell), len(fell), fallback if len(fell) else None, floor
    )
    return cut, fell


def pooled_tech_cost(
    revenue: np.ndarray, model: np.ndarray, settings: ServiceSettings, *, consumer_like: bool
) -> tuple[float, str | None]:
    """The tech-touch cost per account used by the plan, and a note when it was pooled down."""
    tech = model == SERVICE_MODELS.index(TECH)
    count = int(tech.sum())
    if count == 0:
        return float(settings.cost_tech), None
    served = float(revenue[tech].sum())
    share = settings.cost_budget_share if settings.cost_budget_share is not None else 1.0
    over = settings.cost_tech * count > served
    if not consumer_like and (settings.allow_cost_above_revenue or not over):
        return float(settings.cost_tech), None
    pooled = min(float(settings.cost_tech), share * served / count)
    if pooled >= settings.cost_tech:
        return float(settings.cost_tech), None
    why = (
        "the business is consumer-like"
        if consumer_like
        else f"{format_money(settings.cost_tech)} each would cost more than the revenue it serves"
    )
    return pooled, (
        f"Tech-touch is pooled because {why}: its {count:,} accounts share one digital programme costing "
        f"{share:.0%} of the {format_money(served)} they bring, {format_money(pooled)} per account a year."
    )


@dataclass(frozen=True)
class BusinessKind:
    """Whether the business looks consumer-like, and the sentence that says so (computed once)."""

    consumer_like: bool
    median_revenue: float
    """The median revenue of the customers who pay (revenue above 0); 0 when none does."""
    customers: int
    decided_by: str
    """"data" or "setting"."""
    paying: int
    """Customers with revenue above 0."""

    @property
    def sentence(self) -> str:
        """The line on top of the Service page and the report ("" for a B2B-looking file)."""
        if not self.consumer_like:
            return ""
        across = (
            f"across {self.customers:,} customers"
            if self.paying == self.customers
            else f"across the {self.paying:,} customers who pay; {self.customers - self.paying:,} more bring nothing"
        )
        basis = (
            f"median revenue {format_money(self.median_revenue)} a year {across}"
            if self.decided_by == "data"
            else "set in the settings"
        )
        return (
            f"This looks like a consumer business ({basis}): the default plan serves customers through pooled, "
            "tech-touch programmes, because a named CSM costs more than such customers bring."
        )


def business_kind(revenue: np.ndarray, settings: ServiceSettings) -> BusinessKind:
    """Consumer-like when set so, or (auto) when the paying customers are many and each brings little.

    Read on the customers who pay: customers who bring nothing in the window (a free tier, lapsed
    buyers) would pull the median to 0 and make a freemium B2B file look like a consumer one.
    """
    revenue = np.asarray(revenue, dtype=float)
    paid = revenue[revenue > 0]
    median = float(np.median(paid)) if len(paid) else 0.0
    if settings.consumer_like != "auto":
        return BusinessKind(settings.consumer_like == "yes", median, len(revenue), "setting", len(paid))
    consumer = len(paid) >= settings.consumer_min_customers and median < settings.consumer_median_revenue
    return BusinessKind(consumer, median, len(revenue), "data", len(paid))
