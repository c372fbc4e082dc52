"""The exclusion ledger: every source row excluded or changed, counted by reason, with examples.

Nothing is dropped silently: the rows set aside here (totals rows, rows without a customer ID,
customers kept with a negative revenue) and by the grain, transactions and related-table steps
all go through `Ledger`, which the Data page, the report and ``summary.json`` show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from segmentation.intake.parsing import Distinct, is_missing, text_frame
from segmentation.intake.rows import matches
from segmentation.intake.table import ColumnRole, LedgerEntry

_TOTALS = r"(?i)^(?:grand[ _-]?)?(?:sub[ _-]?)?totals?:?$|^sum:?$|^summe:?$|^gesamt:?$|^totale?:?$"
"""A cell that labels a totals row of a report (Total, Grand total, Subtotal, Sum …)."""
TOTALS_ROW = "Totals row"
NEGATIVE_REVENUE = "Negative revenue (refund or credit) kept; counts as 0 in concentration"


@dataclass
class Ledger:
    """Collects ledger entries and the excluded/changed source rows."""

    source: pd.DataFrame
    entries: list[LedgerEntry] = field(default_factory=list)
    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, mask: pd.Series, reason: str, action: str, example_column: str | None) -> None:
        """Count the rows of `mask` under `reason` and keep them; examples from `example_column`, else row numbers."""
        count = int(mask.sum())
        if count == 0:
            return
        rows = text_frame(self.source.loc[mask.to_numpy()])  # typed columns as their text, like the rest
        examples: list[str] = []
        if example_column is not None:
            examples = [str(v) for v in rows[example_column].head(5).tolist()]
        else:
            examples = [f"row {int(i) + 1}" for i in rows.index[:5]]
        self.entries.append(LedgerEntry(reason=reason, rows=count, action=action, examples=examples))
        part = rows.copy()
        part.insert(0, "source_row", rows.index.to_numpy() + 1)
        part.insert(0, "action", action)
        part.insert(0, "reason", reason)
        self.parts.append(part)

    def frame(self) -> pd.DataFrame:
        """The excluded and changed source rows, with ``reason``, ``action`` and ``source_row`` first."""
        if not self.parts:
            return pd.DataFrame(columns=["reason", "action", "source_row", *self.source.columns])
        return pd.concat(self.parts, ignore_index=True)


def without_totals_and_ids(
    ids: Distinct, distinct: dict[str, Distinct], roles: dict[str, ColumnRole], ledger: Ledger, id_column: str
) -> pd.Series:
    """Exclude report totals rows and rows without a customer ID; return the rows kept."""
    totals = matches(ids, _TOTALS)
    no_id = is_missing(ids)
    if no_id.any():
        # a totals label often sits in the name column with the ID cell left blank
        for name, role in roles.items():
            if role.role in {"customer_name", "categorical", "text"} and name in distinct:
                totals |= no_id & matches(distinct[name], _TOTALS)
    ledger.add(totals, TOTALS_ROW, "excluded", id_column if not (totals & no_id).any() else None)
    ledger.add(no_id & ~totals, "No customer ID", "excluded", None)
    return ~(totals | no_id)


def negative_revenue(customers: pd.DataFrame, ledger: Ledger, notes: list[str]) -> None:
    """Say in the ledger and the notes which customers keep a negative revenue."""
    negative = customers["revenue"] < 0
    count = int(negative.sum())
    if not count:
        return
    ledger.entries.append(
        LedgerEntry(
            reason=NEGATIVE_REVENUE,
            rows=count,
            action="changed",
            examples=[str(v) for v in customers.loc[negative, "customer_id"].head(5)],
        )
    )
    notes.append(
        f"{count:,} customer(s) have negative revenue (refunds larger than purchases); kept as they are, "
        "and counted as 0 in the concentration figures."
    )
