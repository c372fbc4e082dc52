"""Segment economics: who earns the money per segment, and the ideal customer profile.

Per segment: customers and their share, revenue and its share, revenue per customer and the
ratio of revenue share to customer share. Where the data has the columns: churn rate, gross
margin or cost to serve, acquisition cost (CAC) and payback, growth and net revenue retention
against an earlier revenue column. Inputs that are missing are named, never invented.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from segmentation.economics.settings import ConcentrationSettings
from segmentation.formatting import format_ratio, format_share
from segmentation.segments.naming import label, stems_of
from segmentation.segments.profiles import median_phrase

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable

_PATTERNS = {
    "churn": re.compile(r"churn|cancel+ed|is_?lost|attrit", re.IGNORECASE),
    "cac": re.compile(r"\bcac\b|acquisition_?cost|cost_?to_?acquire|cost_?of_?acquisition", re.IGNORECASE),
    "prior": re.compile(
        r"(prior|previous|prev|last_?year|start(ing)?|initial|begin(ning)?)_?(arr|mrr|revenue)|"
        r"(arr|mrr|revenue)_?(prior|previous|prev|last_?year|start|12m_?ago|py)",
        re.IGNORECASE,
    ),
}

_TRUE_WORDS = {"yes", "y", "true", "t", "1", "churned", "lost", "cancelled", "canceled"}
_FALSE_WORDS = {"no", "n", "false", "f", "0", "active", "retained", "current"}


def _find_column(table: CustomerTable | None, key: str, chosen: str | None) -> str | None:
    """Return the chosen column, else the first column whose name matches the pattern for `key`."""
    if table is None:
        return None
    columns = [c for c in table.customers.columns if c not in ("customer_id", "revenue")]
    if chosen:
        return chosen if chosen in columns else None
    for column in columns:
        role = table.roles.get(column)
        if role is not None and role.role in ("customer_name", "text", "date", "constant"):
            continue
        if _PATTERNS[key].search(str(column)):
            return column
    return None


def _as_flag(values: pd.Series) -> pd.Series:
    """Read yes/no, true/false, 1/0 as 1.0/0.0 (anything else missing)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
        return numbers.where(numbers.isin([0.0, 1.0]))
    text = values.astype(str).str.strip().str.lower()
    return pd.Series(
        np.where(text.isin(_TRUE_WORDS), 1.0, np.where(text.isin(_FALSE_WORDS), 0.0, np.nan)), values.index
    )


@dataclass
class SegmentEconomics:
    """Per-segment economics, what could not be computed and why, and the ideal customer profile."""

    frame: pd.DataFrame
    """One row per segment (id order): segment, segment_name, customers, customer_share, revenue,
    revenue_share, revenue_per_customer, share_ratio, then the optional measures found."""
    measures: dict[str, str]
    """Optional measure → the column it was computed from."""
    missing: list[str]
    """Sentences naming measures that could not be computed and what would enable them."""
    icp: dict[str, Any]
    """The ideal customer profile: segments, traits with lift, and a sentence."""
    notes: list[str] = field(default_factory=list)
    loss_making: dict[str, Any] = field(default_factory=dict)
    """Customers whose gross profit is below 0: customers, revenue, gross_profit, largest_losses ({} without a
    profit, margin or cost column)."""
    customer_profit: pd.Series | None = None
    """Gross profit per customer, aligned with the customers frame (None without a margin column)."""

    def renamed(self, names: Mapping[str, str]) -> SegmentEconomics:
        """Return these economics with the segments' names changed (`names`: old → new): words only, nothing
        is measured again (the names are distinct, so an old name says which segment it was)."""
        frame = self.frame.assign(segment_name=[names.get(n, n) for n in self.frame["segment_name"]])
        icp = dict(self.icp)
        if icp.get("segment_names"):
            icp["segment_names"] = [names.get(n, n) for n in icp["segment_names"]]
            icp["sentence"] = icp_sentence(icp)
        return replace(self, frame=frame, icp=icp)

    def to_dict(self) -> dict[str, Any]:
        """Return summary.json's "economics"."""
        return {
            "segments": self.frame.to_dict(orient="records"),
            "measures": dict(self.measures),
            "missing": list(self.missing),
            "icp": self.icp,
            "notes": list(self.notes),
            "loss_making": dict(self.loss_making),
        }


@dataclass
class _Measures:
    """Each customer's segment and revenue, the optional measures found beside them, and what is missing.

    `work` has one row per customer (segment, revenue, then churned, gross_profit, cac, prior_revenue
    where the file has them); `measures` names the column each came from; `missing` says in a sentence
    why a measure could not be computed.
    """

    work: pd.DataFrame
    measures: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def segment_economics(
    customers: pd.DataFrame, table: CustomerTable | None, settings: ConcentrationSettings
) -> SegmentEconomics:
    """Economics per segment of `customers` (customer_id, revenue, segment, segment_name).

    `table` (aligned row for row with `customers`) supplies the optional columns: churn, margin or
    cost to serve, acquisition cost and earlier revenue.
    """
    found = _optional_measures(customers, table, settings)
    work = found.work
    n, total = len(customers), float(work["revenue"].sum())
    # The name each segment has on its last row (one row per segment, not a million-row zip).
    last = customers[["segment", "segment_name"]].drop_duplicates("segment", keep="last")
    names = dict(zip(last["segment"].tolist(), last["segment_name"].tolist(), strict=False))
    frame = pd.DataFrame(
        [
            {**_segment_shares(segment, names[segment], group, n, total), **_segment_measures(group)}
            for segment, group in work.groupby("segment", sort=True)
        ]
    )
    notes = ["Revenue below zero counts as 0 in these shares."] if (customers["revenue"] < 0).any() else []
    if table is not None and table.revenue_unit == "MRR":
        notes.append("Payback uses monthly revenue (MRR).")
    loss_making: dict[str, Any] = {}
    customer_profit_values: pd.Series | None = None
    if "gross_profit" in work:
        customer_profit_values = pd.Series(work["gross_profit"].to_numpy(), index=customers.index)
        loss_making = _loss_making(customers["customer_id"], work)
        if loss_making["customers"]:
            notes.append(
                f"{loss_making['customers']:,} customers lose money (gross profit below 0 per "
                f"'{found.measures['gross_margin']}'); they are listed under loss-making accounts."
            )
    return SegmentEconomics(
        frame=frame,
        measures=found.measures,
        missing=found.missing,
        icp=ideal_customer_profile(customers, table, frame),
        notes=notes,
        loss_making=loss_making,
        customer_profit=customer_profit_values,
    )


def _optional_measures(
    customers: pd.DataFrame, table: CustomerTable | None, settings: ConcentrationSettings
) -> _Measures:
    """Each customer's segment and revenue (below 0 counts as 0), with churn, gross profit, acquisition
    cost and earlier revenue where the file has a column for them; a sentence for each one it has not."""
    revenue = customers["revenue"].astype(float).fillna(0.0).clip(lower=0.0)
    found = _Measures(pd.DataFrame({"segment": customers["segment"].to_numpy(), "revenue": revenue.to_numpy()}))
    source = table.customers.reset_index(drop=True) if table is not None else None
    _add_churn(found, table, source, settings)
    profit = customer_profit(table, settings)
    if profit is not None:
        margin, kind, values = profit
        found.work["gross_profit"] = values.to_numpy()
        found.measures["gross_margin"] = margin
        found.measures["margin_read_as"] = kind
    else:
        found.missing.append("Gross margin: no profit, margin or cost column was found.")
    cac = _find_column(table, "cac", settings.cac_column)
    if cac is not None and source is not None and pd.api.types.is_numeric_dtype(source[cac]):
        found.work["cac"] = source[cac].astype(float).to_numpy()
        found.measures["cac"] = cac
    else:
        found.missing.append("Acquisition cost (CAC) and payback: no CAC column was found.")
    prior = _find_column(table, "prior", settings.prior_revenue_column)
    if prior is not None and source is not None and pd.api.types.is_numeric_dtype(source[prior]):
        found.work["prior_revenue"] = source[prior].astype(float).clip(lower=0).to_numpy()
        found.measures["growth"] = prior
    else:
        found.missing.append(
            "Growth and net revenue retention: no earlier-revenue column (e.g. 'arr_last_year') was found."
        )
    return found


def _add_churn(
    found: _Measures, table: CustomerTable | None, source: pd.DataFrame | None, settings: ConcentrationSettings
) -> None:
    """Add each customer's churn flag (1/0) when a yes/no churn column is found, else say why there is none.

    Churned accounts the intake set aside leave only active customers, so a churn rate would read 0
    everywhere; it is left out unless the user names a churn column.
    """
    churn = _find_column(table, "churn", settings.churn_column)
    set_aside = len(table.churned) if table is not None and hasattr(table, "churned") else 0
    if set_aside and not settings.churn_column:
        found.missing.append(
            f"Churn rate per segment: the {set_aside:,} churned accounts are kept out of the segments "
            "(see the churned group), so every segment's current customers are active."
        )
    elif churn is not None and source is not None:
        flags = _as_flag(source[churn])
        if flags.notna().mean() >= 0.5:
            found.work["churned"] = flags.to_numpy()
            found.measures["churn_rate"] = churn
        else:
            found.missing.append(f"Churn rate: '{churn}' is not a yes/no column; choose another in the settings.")
    else:
        found.missing.append("Churn rate: no churn column (yes/no per customer) was found.")


def _segment_shares(segment: object, name: str, group: pd.DataFrame, n: int, total: float) -> dict[str, Any]:
    """One segment's size and money: customers and revenue, their shares of the base, and the ratio of the two."""
    seg_revenue = float(group["revenue"].sum())
    count = len(group)
    customer_share = count / n if n else 0.0
    revenue_share = seg_revenue / total if total > 0 else 0.0
    return {
        "segment": int(str(segment)),
        "segment_name": name,
        "customers": count,
        "customer_share": customer_share,
        "revenue": seg_revenue,
        "revenue_share": revenue_share,
        "revenue_per_customer": seg_revenue / count if count else 0.0,
        "share_ratio": revenue_share / customer_share if customer_share > 0 else None,
    }


def _segment_measures(group: pd.DataFrame) -> dict[str, Any]:
    """One segment's optional measures, for those the file has: churn rate, gross margin and profit,
    acquisition cost and its payback in months, growth and net revenue retention (None where undefined)."""
    seg_revenue = float(group["revenue"].sum())
    count = len(group)
    row: dict[str, Any] = {}
    if "churned" in group:
        row["churn_rate"] = float(group["churned"].mean()) if group["churned"].notna().any() else None
    if "gross_profit" in group:
        seg_profit = float(group["gross_profit"].sum())
        row["gross_margin"] = seg_profit / seg_revenue if seg_revenue > 0 else None
        row["gross_profit"] = seg_profit
        row["gross_profit_per_customer"] = seg_profit / count if count else 0.0
        row["loss_making_customers"] = int((group["gross_profit"] < -CENT).sum())
    if "cac" in group:
        # payback is paid from monthly gross profit where the file has it, else from monthly revenue
        monthly_profit = (group["gross_profit"] if "gross_profit" in group else group["revenue"]) / 12.0
        cac_mean = float(group["cac"].mean())
        row["cac"] = cac_mean
        profit = float(monthly_profit.mean())
        row["cac_payback_months"] = cac_mean / profit if profit > 0 else None
    if "prior_revenue" in group:
        start = float(group["prior_revenue"].sum())
        retained = group.loc[group["prior_revenue"] > 0, "revenue"].sum()
        row["growth"] = seg_revenue / start - 1.0 if start > 0 else None
        row["net_revenue_retention"] = float(retained) / start if start > 0 else None
    return row


def _loss_making(customer_ids: pd.Series, work: pd.DataFrame) -> dict[str, Any]:
    """The customers whose gross profit is below 0: how many, their revenue and profit, and the ten largest losses."""
    profit = work["gross_profit"].to_numpy()
    losing = profit < -CENT
    order = np.argsort(profit[losing], kind="stable")
    ids = customer_ids.iloc[np.flatnonzero(losing)[order]].astype("str").to_numpy()  # the losing rows only
    return {
        "customers": int(losing.sum()),
        "revenue": float(work.loc[losing, "revenue"].sum()),
        "gross_profit": float(work.loc[losing, "gross_profit"].sum()),
        "largest_losses": [
            {"customer_id": str(i), "gross_profit": float(p)}
            for i, p in zip(ids[:10], np.sort(profit[losing])[:10], strict=False)
        ],
    }


CENT = 0.005
"""Amounts within half a cent of zero are zero."""

_PCT_WORDS = {"pct", "percent", "percentage", "rate", "ratio", "share"}


def _margin_column(table: CustomerTable, chosen: str | None) -> tuple[str, str] | None:
    """The profit, margin or cost column and its kind: the chosen one, else profit before margin before cost."""
    from segmentation.intake.roles import margin_kind  # noqa: PLC0415 - intake owns the name rules

    columns = [c for c in table.customers.columns if c not in ("customer_id", "revenue")]
    if chosen:
        return (chosen, margin_kind(chosen) or "cost") if chosen in columns else None
    found = []
    for column in columns:
        role = table.roles.get(column)
        if role is None or role.role != "numeric" or not pd.api.types.is_numeric_dtype(table.customers[column]):
            continue
        kind = margin_kind(str(column))
        if kind is not None:
            found.append(({"profit": 0, "margin": 1, "cost": 2}[kind], str(column), kind))
    if not found:
        return None
    _, column, kind = min(found)
    return column, kind


def customer_profit(table: CustomerTable | None, settings: ConcentrationSettings) -> tuple[str, str, pd.Series] | None:
    """Gross profit per customer (aligned with ``table.customers``) from its profit, margin or cost column.

    Returns (column, how it was read, profit) or None when the file has none. A profit column is the
    profit; a margin column is a share (0–1), a percentage (when its values run beyond ±1.5, up to ±100)
    or, with larger values, an amount of money; a cost column is taken off revenue.
    """
    if table is None:
        return None
    found = _margin_column(table, settings.margin_column)
    if found is None:
        return None
    column, kind = found
    values = pd.to_numeric(table.customers[column], errors="coerce").astype(float).reset_index(drop=True)
    revenue = table.customers["revenue"].astype(float).reset_index(drop=True)
    if kind == "profit":
        return column, "profit", values.fillna(0.0)
    if kind == "margin":
        return column, *_profit_from_margin(column, values, revenue)
    return column, "cost", revenue - values.fillna(0.0)


def _profit_from_margin(column: str, values: pd.Series, revenue: pd.Series) -> tuple[str, pd.Series]:
    """Read a margin column as a share (0–1), a percentage (values beyond ±1.5, up to ±100) or an amount.

    Returns how it was read and the gross profit per customer. A name that says pct, percent, rate,
    ratio or share is read as a share whatever its values.
    """
    present = values.dropna().abs()
    words = set(re.split(r"[^a-z]+", column.lower()))
    if words & _PCT_WORDS or present.empty or present.max() <= 1.5:
        return "margin share", revenue * values.fillna(0.0)
    if present.max() <= 100:
        return "margin percent", revenue * values.fillna(0.0) / 100.0
    return "profit", values.fillna(0.0)


def customer_value(table: CustomerTable, settings: ConcentrationSettings) -> tuple[pd.Series, str]:
    """What each customer is worth for tiering, by `settings.value_basis`, and the basis used in words.

    ``margin`` gives gross profit per customer where the file has a profit, margin or cost column, so a
    loss-making account ranks below a smaller profitable one; without such a column, revenue.
    """
    revenue = table.customers["revenue"].astype(float).reset_index(drop=True)
    if settings.value_basis == "margin":
        profit = customer_profit(table, settings)
        if profit is not None:
            return profit[2], f"gross profit (from '{profit[0]}', read as {profit[1]})"
        return revenue, "revenue (no profit, margin or cost column for a margin basis)"
    return revenue, "revenue"


def ideal_customer_profile(
    customers: pd.DataFrame, table: CustomerTable | None, frame: pd.DataFrame, max_traits: int = 4
) -> dict[str, Any]:
    """The traits that set the highest-value segments apart from the rest, with lift, in a sentence.

    The highest-value segments are those whose revenue share is at least 1.2× their customer
    share (or the top segment when none is). Traits are categories over-represented there
    (lift = share inside ÷ share in the whole base, at least 1.3 and 5% of the group) and numeric
    columns whose median differs by a third or more.
    """
    if frame.empty:
        return {"segments": [], "traits": [], "sentence": "", "clear": False}
    ratio = frame["share_ratio"].astype(float).fillna(0.0)
    chosen = frame.loc[ratio >= 1.2, "segment"].tolist() or [int(frame.iloc[0]["segment"])]
    inside = customers["segment"].isin(chosen).to_numpy()
    group = frame[frame["segment"].isin(chosen)]
    summary: dict[str, Any] = {
        "segments": [int(s) for s in chosen],
        "segment_names": group["segment_name"].tolist(),
        "customer_share": float(group["customer_share"].sum()),
        "revenue_share": float(group["revenue_share"].sum()),
    }
    traits: list[dict[str, Any]] = []
    if table is not None and 0 < inside.sum() < len(inside):
        data = table.customers.reset_index(drop=True)
        stems = stems_of(table)  # the same words for a column as the segment profiles use
        for column in table.columns_with_role("categorical", "geographic", "boolean"):
            # Count int codes, not the text: same counts, shares and order as value_counts of the values.
            codes, levels = pd.factorize(data[column], use_na_sentinel=True)
            base = pd.Series(codes[codes >= 0]).value_counts(normalize=True)
            chosen_codes = codes[inside]
            mine = pd.Series(chosen_codes[chosen_codes >= 0]).value_counts(normalize=True)
            for code, share in mine.items():
                level = levels[cast(int, code)]
                lift = share / base.get(code, np.nan)
                if share >= 0.05 and lift >= 1.3:
                    traits.append(
                        {
                            "column": column,
                            "kind": "category",
                            "value": str(level),
                            "share": float(share),
                            "lift": float(lift),
                            "text": (
                                f"{label(column, stems)}: {level} ({format_share(share)} of them, "
                                f"{format_ratio(lift)} the base)"
                            ),
                        }
                    )
        for column in table.columns_with_role("numeric"):
            numbers = pd.to_numeric(data[column], errors="coerce")
            whole, mine_median = numbers.median(), numbers[inside].median()
            if pd.isna(whole) or pd.isna(mine_median) or whole <= 0:
                continue
            lift = float(mine_median / whole)
            if lift >= 1.33 or lift <= 0.75:
                traits.append(
                    {
                        "column": column,
                        "kind": "numeric",
                        "value": float(mine_median),
                        "share": None,
                        "lift": lift,
                        "text": median_phrase(column, float(mine_median), float(whole), lift, stems),
                    }
                )
    # strongest difference first; a median of 0 (or below) next to a positive base is as strong as it gets
    traits.sort(key=lambda t: -abs(np.log(max(t["lift"], 1e-6))))
    traits = traits[:max_traits]
    summary["clear"] = bool((ratio >= 1.2).any())
    summary["traits"] = traits
    summary["sentence"] = icp_sentence(summary)
    return summary


def icp_sentence(icp: dict[str, Any]) -> str:
    """The ideal customer profile in one sentence: its segments by name, their shares and their traits."""
    names = " and ".join(icp["segment_names"])
    shares = f"{format_share(icp['customer_share'])} of customers, {format_share(icp['revenue_share'])} of revenue"
    if icp["clear"]:
        sentence = f"Your best customers ({names}: {shares})"
    else:  # no segment earns clearly more than its share of customers: do not call the largest one "best"
        sentence = f"No segment earns clearly more than its share of customers; the largest earner ({names}: {shares})"
    if icp["traits"]:
        return sentence + ": " + "; ".join(t["text"] for t in icp["traits"]) + "."
    verb = "do" if icp["clear"] else "does"  # "your best customers do", "the largest earner does"
    return sentence + f" {verb} not differ clearly from the rest on the columns available."
