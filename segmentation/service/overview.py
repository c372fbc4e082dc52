"""One typed summary of the service plan that every view reads: the grid, the cards, the lists agree.

Counts per model are the plan after pins, capacity and budget (never the grid's wish), and the
headcount is what serving those accounts takes; the move lists' figures are counted once here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from segmentation.service.settings import SERVICE_MODELS
from segmentation.service.text import plain_float

if TYPE_CHECKING:
    from segmentation.service.policy import ServicePlan

TOP_ACCOUNTS = 10
DIRECTIONS = ("up", "down", "save")


@dataclass(frozen=True)
class ModelFigures:
    """One service model as planned."""

    name: str
    customers: int
    revenue: float
    cost: float
    cost_per_account: float
    cost_to_revenue: float | None
    csms_needed: int
    """CSMs it takes to serve the accounts the plan gives this model (0 for tech-touch)."""
    csms_for_demand: int
    """CSMs it would take to serve every account the grid asked this model for."""
    csms_available: int | None
    places: int | None
    wanted: int
    """Accounts the grid and overrides asked this model for, before capacity and budget."""

    @property
    def within_revenue(self) -> bool:
        """True when the model costs no more than the revenue it serves."""
        return self.cost <= self.revenue + 1e-9


@dataclass(frozen=True)
class ListedAccount:
    """One account on a move or save list."""

    customer_id: str
    segment_name: str
    revenue: float
    move_from: str
    move_to: str
    reason: str


@dataclass(frozen=True)
class MoveList:
    """A move-up, move-down or save list: how many, how much revenue, and its largest accounts."""

    direction: str
    customers: int
    revenue: float
    upside: float
    cost_change: float
    largest: list[ListedAccount] = field(default_factory=list)


@dataclass(frozen=True)
class PlanOverview:
    """The figures every page, the report and the exports show about the plan."""

    models: list[ModelFigures]
    lists: dict[str, MoveList]
    consumer_like: bool
    headline: str
    """The consumer-like sentence on top of the Service page and the report ("" otherwise)."""
    budget_share: float | None
    total_cost: float
    total_revenue: float
    pins: list[str]
    """Each pin in words, with who set it and why."""

    def model(self, name: str) -> ModelFigures:
        """The figures of one model by name."""
        return next(m for m in self.models if m.name == name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready overview."""
        data = asdict(self)
        for entry, figures in zip(data["models"], self.models, strict=True):
            entry["within_revenue"] = figures.within_revenue
            entry["cost_to_revenue"] = plain_float(figures.cost_to_revenue, 6)
        return data


_OVERVIEW_COLUMNS = [
    "customer_id",
    "segment_name",
    "revenue",
    "upside",
    "cost_change",
    "move_from",
    "move_to",
]


def build_overview(plan: ServicePlan) -> PlanOverview:
    """Count the plan once: models after capacity and budget, the three lists and their largest accounts."""
    details = plan.details
    # counted on the plan's small integer codes: counting a million texts cost 0.1 s a column
    counts = plan.counts("service_model", SERVICE_MODELS)
    wanted = plan.counts("wanted_model", SERVICE_MODELS)
    codes = plan.model_codes()
    totals = details["revenue"].groupby(codes, sort=False).sum()  # pandas' sum, as before: the same figures
    revenue_by = {
        SERVICE_MODELS[c]: float(v) for c, v in zip(totals.index.to_numpy(np.int64), totals, strict=True) if c >= 0
    }
    moves = plan.codes("move", DIRECTIONS)
    models = []
    for name in SERVICE_MODELS:
        customers = int(counts.get(name, 0))
        revenue = float(revenue_by.get(name, 0.0))
        cost = plan.costs[name] * customers
        capacity = plan.capacity[name]
        models.append(
            ModelFigures(
                name=name,
                customers=customers,
                revenue=revenue,
                cost=cost,
                cost_per_account=float(plan.costs[name]),
                cost_to_revenue=cost / revenue if revenue > 0 else None,
                csms_needed=capacity.headcount_needed,
                csms_for_demand=capacity.csms_for_demand,
                csms_available=capacity.csms,
                places=capacity.capacity,
                wanted=int(wanted.get(name, 0)),
            )
        )
    lists = {}
    for code, direction in enumerate(DIRECTIONS):
        # only the columns read: filtering every text column of a million rows cost 0.1 s a list
        rows = details.loc[moves == code, _OVERVIEW_COLUMNS]
        largest = rows.sort_values(["revenue", "customer_id"], ascending=[False, True], kind="stable").head(
            TOP_ACCOUNTS
        )
        largest = largest.assign(move_reason=plan.move_reason_at(largest.index.to_numpy()))  # for these rows only
        lists[direction] = MoveList(
            direction=direction,
            customers=len(rows),
            revenue=float(rows["revenue"].sum()),
            upside=float(rows["upside"].sum()) if direction != "save" else 0.0,
            cost_change=float(rows["cost_change"].sum()),
            largest=[
                ListedAccount(
                    customer_id=str(r["customer_id"]),
                    segment_name=str(r["segment_name"]),
                    revenue=float(r["revenue"]),
                    move_from=str(r["move_from"]),
                    move_to=str(r["move_to"]),
                    reason=str(r["move_reason"]),
                )
                for r in largest.to_dict(orient="records")
            ],
        )
    total_revenue = float(np.clip(details["revenue"].to_numpy(dtype=float), 0, None).sum())
    business = plan.business
    return PlanOverview(
        models=models,
        lists=lists,
        consumer_like=bool(business and business.consumer_like),
        headline=business.sentence if business else "",
        budget_share=plan.budget_share,
        total_cost=float(sum(m.cost for m in models)),
        total_revenue=total_revenue,
        pins=[pin.description for pin in plan.pins],
    )
