"""The sentences that more than one view says: the 80/20 reading and the ledger totals.

Each sentence is written here once, from figures the result already holds, so the Overview, Story
mode, the HTML report, summary.json and the CLI's printout read the same words and the same numbers.
Every function returns plain text: a view that renders Markdown or HTML escapes it there, because
file and column names (user text) can be part of a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from segmentation.formatting import format_count, format_share, plural

if TYPE_CHECKING:
    from segmentation.economics import ConcentrationMetrics
    from segmentation.intake import CustomerTable, LedgerEntry


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
