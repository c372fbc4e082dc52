"""The sentences that more than one view says: the 80/20 reading, the ledger totals, the model mix,
the capacity cut and the budget cut.

Each sentence is written here once, from figures the result already holds, so the Overview, Story
mode, the Service models page, the HTML report, summary.json and the CLI's printout read the same
words and the same numbers.
Every function returns plain text: a view that renders Markdown or HTML escapes it there, because
file and column names (user text) can be part of a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from segmentation.formatting import format_count, format_share, plural

if TYPE_CHECKING:
    from segmentation.economics import ConcentrationMetrics
    from segmentation.intake import CustomerTable, LedgerEntry
    from segmentation.service.budget import BudgetCut
    from segmentation.service.capacity import ModelCapacity
    from segmentation.service.overview import PlanOverview


def pareto_reading(metrics: ConcentrationMetrics, *, window: str = "", with_gini: bool = False) -> str:
    """Return the 80/20 reading: what the top 20% of customers bring and how few bring 80% of revenue.

    `window` names the time the revenue covers ("last 12 months to 2026-09-30"), for a printout
    that says it nowhere else; `with_gini` adds the Gini coefficient in brackets (the report's
    headline, where no card shows it).
    """
    within = f" ({window})" if window else ""
    gini = f" (Gini {metrics.gini:.2f})" if with_gini else ""
    return (
        f"The top 20% of customers bring {format_share(metrics.top_20pct_revenue_share)} of revenue{within}; "
        f"80% of revenue comes from {format_share(metrics.customer_share_for_80pct_revenue)} of customers{gini}."
    )


@dataclass(frozen=True)
class LedgerTotals:
    """What reading one file did: rows read, customers kept, and rows excluded or changed (each with a reason)."""

    source_name: str
    rows_read: int
    customers: int
    excluded: int
    """Rows left out of the analysis (no ID, a totals row, an amount that is not a number …)."""
    changed: int
    """Rows kept with a value changed (negative revenue counted as 0 …)."""

    @classmethod
    def count(cls, ledger: Iterable[LedgerEntry], source_name: str, rows_read: int, customers: int) -> LedgerTotals:
        """Add up the ledger's rows by action: "excluded" entries are excluded, every other action changed."""
        entries = list(ledger)
        return cls(
            source_name=source_name,
            rows_read=int(rows_read),
            customers=int(customers),
            excluded=sum(int(e.rows) for e in entries if e.action == "excluded"),
            changed=sum(int(e.rows) for e in entries if e.action != "excluded"),
        )

    @classmethod
    def of(cls, table: CustomerTable) -> LedgerTotals:
        """Return the totals of a customer table as read (its ledger, rows read and customers)."""
        return cls.count(table.ledger, table.source_name, table.rows_read, table.n_customers)


def ledger_reading(totals: LedgerTotals) -> str:
    """Return what was read and kept, and how many rows were excluded or changed, in one sentence.

    "2,013 rows read from accounts.csv; 2,000 customers analysed; 13 rows excluded and 0 changed."
    """
    return (
        f"{plural(totals.rows_read, 'row')} read from {totals.source_name}; "
        f"{plural(totals.customers, 'customer')} analysed; "
        f"{plural(totals.excluded, 'row')} excluded and {format_count(totals.changed)} changed."
    )


def model_mix(overview: PlanOverview, money: Callable[[float], str] | None = None) -> str:
    """Return how many accounts the plan puts on each service model, in one sentence.

    "The plan puts 120 accounts on high-touch, 400 on medium-touch and 1,480 on tech-touch."
    The counts are the plan's after pins, capacity and budget, not the grid's wish. `money` (a
    formatter) adds the revenue each model serves in brackets, for the report's headline, where
    no card shows it.
    """
    parts = [
        (plural(figures.customers, "account") if i == 0 else format_count(figures.customers))
        + f" on {figures.name}"
        + (f" ({money(figures.revenue)})" if money else "")
        for i, figures in enumerate(overview.models)
    ]
    *first, last = parts
    return f"The plan puts {', '.join(first)} and {last}."


def _places(capacity: ModelCapacity) -> str:
    """Return what a capped model's CSMs can take: "48 places (4 CSMs × 12 accounts)"."""
    return (
        f"{plural(capacity.capacity, 'place')} "
        f"({plural(capacity.csms, 'CSM')} × {plural(capacity.accounts_per_csm, 'account')})"
    )


def capacity_rule(model: str, capacity: ModelCapacity, *, lighter: str) -> str:
    """Return the capacity in force for one personal model, for the rules in words.

    With a limit: "High-touch capacity: 48 places (4 CSMs × 12 accounts); beyond that the lowest
    priority scores move to medium-touch." (`lighter`, the model the rest fall to). Without one,
    the headcount every account that calls for the model would take: "High-touch has no capacity
    limit; serving its 300 accounts takes 25 CSMs at 12 accounts each." When the cost budget then
    moved some of them, it says how many stay, so the sentence never counts accounts the plan does not
    have: "High-touch has no capacity limit: 300 accounts call for it (25 CSMs at 12 accounts each);
    the budget keeps 240 of them (20 CSMs) and moves the rest to medium-touch."
    """
    if capacity.capacity is None:
        each = f"{plural(capacity.csms_for_demand, 'CSM')} at {format_count(capacity.accounts_per_csm)} accounts each"
        if not capacity.budget_fell:
            return (
                f"{model.capitalize()} has no capacity limit; serving its {plural(capacity.demand, 'account')} "
                f"takes {each}."
            )
        lighter = capacity.fell_to or lighter
        kept = (
            f"the budget keeps {format_count(capacity.used)} of them ({plural(capacity.headcount_needed, 'CSM')}) "
            f"and moves the rest to {lighter}"
            if capacity.used
            else f"the budget keeps none of them and moves them all to {lighter}"
        )
        demand = plural(capacity.demand, "account")
        return f"{model.capitalize()} has no capacity limit: {demand} call for it ({each}); {kept}."
    return (
        f"{model.capitalize()} capacity: {_places(capacity)}; beyond that the lowest priority scores move to "
        f"{capacity.fell_to or lighter}."
    )


def capacity_cut(model: str, capacity: ModelCapacity) -> str:
    """Return what capacity did to a model it cut (`capacity.spilled` > 0): who fell, and the headcount for all.

    "300 accounts call for high-touch but 48 places (4 CSMs × 12 accounts) exist: the 252 with a
    priority score below 81.3 fall to medium-touch (25 CSMs would serve them all)." With no places
    at all (0 CSMs set), every account falls and no score is named.
    """
    fell = (
        f"the {format_count(capacity.spilled)} with a priority score below {capacity.cut_score:.1f}"
        if capacity.cut_score is not None
        else f"all {format_count(capacity.spilled)}"
    )
    return (
        f"{plural(capacity.demand, 'account')} call for {model} but {_places(capacity)} exist: "
        f"{fell} fall to {capacity.fell_to} ({plural(capacity.csms_for_demand, 'CSM')} would serve them all)."
    )


def headcount_reading(model: str, capacity: ModelCapacity) -> str:
    """Return the CSMs it takes to serve the accounts the plan gives a personal model.

    "Serving the 120 high-touch accounts takes 10 CSMs at 12 accounts each." (after capacity and
    budget: the accounts served, not the ones that called for the model).
    """
    return (
        f"Serving the {plural(capacity.used, f'{model} account')} takes {plural(capacity.headcount_needed, 'CSM')} "
        f"at {format_count(capacity.accounts_per_csm)} accounts each."
    )


def budget_cut(cut: BudgetCut, unit: str, money: Callable[[float], str]) -> str:
    """Return what the cost budget did to a model it cut (`cut.fell` > 0), in the unit of revenue shown.

    "The budget keeps 30 of the 120 accounts that call for high-touch (from $250k): the other 90
    move to medium-touch, as high-touch would cost more than 15.0% of the ARR it serves."
    `money` formats the smallest revenue kept.
    """
    floor = f" (from {money(cut.revenue_floor)})" if cut.revenue_floor is not None else ""
    return (
        f"The budget keeps {format_count(cut.kept)} of the {format_count(cut.wanted)} accounts that call for "
        f"{cut.model}{floor}: the other {format_count(cut.fell)} move to {cut.fell_to}, as {cut.model} would "
        f"cost more than {format_share(cut.share)} of the {unit} it serves."
    )
