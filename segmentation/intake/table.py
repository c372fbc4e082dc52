"""The customer table that intake hands to every later stage, with its roles and ledger."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

ROLES = (
    "customer_id",
    "customer_name",
    "revenue",
    "date",
    "categorical",
    "numeric",
    "geographic",
    "text",
    "constant",
    "boolean",
    "outcome",
)
"""Every role a column can have. ``outcome``: what happened to the customer (churned, cancelled, an end
date): never a clustering input."""

CHURNED_COLUMNS = ["customer_id", "revenue", "churn_reason"]


@dataclass
class ColumnRole:
    """What a column is for, how sure we are, and why."""

    column: str
    role: str
    confidence: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Return role, confidence (0–1) and reason."""
        return {"role": self.role, "confidence": round(float(self.confidence), 3), "reason": self.reason}


@dataclass
class LedgerEntry:
    """Rows excluded or changed for one reason."""

    reason: str
    rows: int
    action: str = "excluded"
    examples: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return reason, rows, action and up to five examples."""
        return {"reason": self.reason, "rows": int(self.rows), "action": self.action, "examples": self.examples[:5]}


@dataclass
class CustomerTable:
    """One row per customer, ready for analysis, plus everything said about how it was built.

    ``customers`` has ``customer_id`` (exact text), ``revenue`` (float64, never NaN) and every
    other kept column with a parsed dtype. ``roles`` covers the other columns of ``customers``;
    ``source_roles`` covers every column of the primary file as read.
    """

    customers: pd.DataFrame
    roles: dict[str, ColumnRole]
    id_column: str
    revenue_column: str
    revenue_unit: str
    source_name: str
    rows_read: int
    grain: str = "customer"
    ledger: list[LedgerEntry] = field(default_factory=list)
    excluded_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    column_quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    source_roles: dict[str, ColumnRole] = field(default_factory=dict)
    currency: str | None = None
    """Currency code read from the revenue column's name or values (None when nothing says)."""
    churned: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHURNED_COLUMNS))
    """Accounts the file says have churned or ended, kept out of ``customers`` (out of current revenue,
    tiers, clustering and the plan): ``customer_id``, ``revenue`` (what they took with them), ``churn_reason``."""
    revenue_window: str = ""
    """The time window the revenue covers, in words ("last 12 months to 1998-06-30"); "" when the file's
    revenue column is taken as it is."""
    revenue_parts: tuple[str, ...] = ()
    """Source columns added up into revenue (``"A+B+C"``), or the two multiplied; () for one column."""
    warnings: list[str] = field(default_factory=list)
    """Red flags about the revenue base that every view shows (a constant revenue column the user chose …)."""

    @property
    def n_customers(self) -> int:
        """Number of analysed customers."""
        return len(self.customers)

    @functools.cached_property
    def id_order(self) -> np.ndarray:
        """Row positions ordered by a hash of the customer ID: a fixed, well-mixed order whatever the file's
        row order, in which fits and samples see the customers. Made once per table (hashing and sorting a
        million IDs took 0.5 s of every new k at 1,000,000 customers)."""
        keys = pd.util.hash_pandas_object(self.customers["customer_id"].astype("str"), index=False).to_numpy()
        order: np.ndarray = np.argsort(keys, kind="stable")
        order.flags.writeable = False
        return order

    def columns_with_role(self, *roles: str) -> list[str]:
        """Return the columns of ``customers`` whose role is one of `roles`, in table order."""
        return [c for c in self.customers.columns if c in self.roles and self.roles[c].role in roles]

    def to_dict(self) -> dict[str, Any]:
        """Return the ``input`` section of summary.json."""
        return {
            "file": self.source_name,
            "rows": int(self.rows_read),
            "customers": int(self.n_customers),
            "grain": self.grain,
            "id_column": self.id_column,
            "revenue_column": self.revenue_column,
            "revenue_unit": self.revenue_unit,
            "currency": self.currency,
            "revenue_window": self.revenue_window,
            "revenue_parts": list(self.revenue_parts),
            "churned": {
                "customers": len(self.churned),
                "revenue": float(self.churned["revenue"].clip(lower=0).sum()) if len(self.churned) else 0.0,
                "reasons": {str(k): int(v) for k, v in self.churned["churn_reason"].value_counts().items()}
                if len(self.churned)
                else {},
            },
            "warnings": list(self.warnings),
            "excluded": [entry.to_dict() for entry in self.ledger],
            "columns": {name: role.to_dict() for name, role in (self.source_roles or self.roles).items()},
            "notes": list(self.notes),
        }
