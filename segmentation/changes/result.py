"""`ChangesResult`: everything the views, the CLI files and the report read about what changed between two dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segmentation.changes.bridge import BridgeLine
from segmentation.changes.migration import FreshMatch, Move
from segmentation.economics import ConcentrationMetrics

CHANGES_COLUMNS = [
    "customer_id",
    "revenue_before",
    "revenue_after",
    "revenue_change",
    "change_type",
    "segment_before",
    "segment_name_before",
    "segment_after",
    "segment_name_after",
    "fresh_segment",
    "fresh_segment_name",
    "service_model_before",
    "service_model_after",
    "service_model_change",
]
"""The columns of changes.csv, in order (``served_model_now`` follows when the newer file says how
accounts are served today)."""


@dataclass
class ConcentrationDrift:
    """Concentration then and now."""

    before: ConcentrationMetrics
    after: ConcentrationMetrics

    @property
    def top_share_rose(self) -> bool:
        """Whether the ten largest accounts hold a larger share now."""
        return self.after.top_10_customers_revenue_share > self.before.top_10_customers_revenue_share

    def to_dict(self) -> dict[str, Any]:
        """Return the figures then and now and whether the largest accounts' share rose."""
        keys = (
            "total_revenue",
            "gini",
            "top_20pct_revenue_share",
            "customer_share_for_80pct_revenue",
            "top_10_customers_revenue_share",
            "largest_customer_share",
            "customers",
        )
        before, after = self.before.to_dict(), self.after.to_dict()
        return {
            "before": {k: before.get(k) for k in keys},
            "after": {k: after.get(k) for k in keys},
            "customers_for_80pct_before": _customers_for_80(self.before),
            "customers_for_80pct_after": _customers_for_80(self.after),
            "top_10_share_rose": self.top_share_rose,
        }


def _customers_for_80(metrics: ConcentrationMetrics) -> int:
    """The number of customers (largest first) who bring 80% of revenue."""
    return round(metrics.customer_share_for_80pct_revenue * metrics.customers)


@dataclass
class ServiceModelChanges:
    """Accounts whose recommended service model changed, and today's served model against the new plan."""

    moved_up: int
    moved_down: int
    unchanged: int
    served_column: bool
    served_differs: int = 0
    served_under: int = 0
    """Served lighter than the new plan recommends."""
    served_over: int = 0
    """Served heavier than the new plan recommends."""

    def to_dict(self) -> dict[str, Any]:
        """Return the counts."""
        return dict(self.__dict__)


@dataclass
class ChangesResult:
    """What changed between an earlier and a later snapshot: the bridge, retention, moves and concentration."""

    before_label: str
    after_label: str
    before_source: str
    after_source: str
    revenue_unit: str
    currency: str
    accounts: pd.DataFrame
    """One row per account at either date (changes.csv): `CHANGES_COLUMNS`, largest moves first."""
    bridge: BridgeLine
    by_segment: list[BridgeLine]
    by_service_model: list[BridgeLine]
    migration: pd.DataFrame
    """migration.csv: accounts and revenue from each earlier segment to each current one."""
    moves: list[Move]
    fresh_segments: list[FreshMatch]
    service_models: ServiceModelChanges
    concentration: ConcentrationDrift
    movers: dict[str, pd.DataFrame]
    """Per change type (new, expanded, contracted, lost) the largest movers."""
    headlines: list[str]
    notes: list[str] = field(default_factory=list)
    model_agreement: float | None = None
    periods: dict[str, str] | None = None
    """One transactions file: the first and last day of each period (ISO dates)."""

    @property
    def change_counts(self) -> dict[str, int]:
        """Accounts per change type (inactive ones included when there are any)."""
        counts = self.accounts["change_type"].value_counts()
        return {str(k): int(counts.get(k, 0)) for k in ("new", "expanded", "flat", "contracted", "lost", "inactive")}

    def bridge_table(self, by: str = "segment") -> pd.DataFrame:
        """Return the bridges as a table to show: all accounts then each segment, or each service model.

        Money in the revenue unit (contraction and churn negative), NRR and GRR as 0–1 (None: no cohort).
        """
        lines = [self.bridge, *self.by_segment] if by == "segment" else self.by_service_model
        return pd.DataFrame(
            [
                {
                    "group": line.group,
                    "start": line.start,
                    "new": line.new,
                    "expansion": line.expansion,
                    "contraction": -line.contraction,
                    "churn": -line.churn,
                    "end": line.end,
                    "nrr": line.nrr,
                    "grr": line.grr,
                    "accounts_start": line.accounts_start,
                    "new_accounts": line.new_accounts,
                    "lost_accounts": line.lost_accounts,
                    "now": line.now,
                }
                for line in lines
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the ``changes`` section of summary.json (JSON-compatible, money in the revenue unit)."""
        mover_columns = ["customer_id", "revenue_before", "revenue_after", "revenue_change", "segment_name_before"]
        return {
            "before": {"file": self.before_source, "label": self.before_label},
            "after": {"file": self.after_source, "label": self.after_label},
            "periods": self.periods,
            "revenue_unit": self.revenue_unit,
            "currency": self.currency,
            "accounts": self.change_counts,
            "bridge": self.bridge.to_dict(),
            "by_segment": [line.to_dict() for line in self.by_segment],
            "by_service_model": [line.to_dict() for line in self.by_service_model],
            "largest_movers": {
                kind: frame[mover_columns].to_dict(orient="records") for kind, frame in self.movers.items()
            },
            "largest_moves": [move.to_dict() for move in self.moves],
            "fresh_segments": [match.to_dict() for match in self.fresh_segments],
            "service_models": self.service_models.to_dict(),
            "concentration": self.concentration.to_dict(),
            "model_agreement": self.model_agreement,
            "headlines": list(self.headlines),
            "notes": list(self.notes),
        }
