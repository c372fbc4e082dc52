"""Segment economics: who earns the money per segment, and the ideal customer profile.

Per segment: customers and their share, revenue and its share, revenue per customer and the
ratio of revenue share to customer share. Where the data has the columns: churn rate, gross
margin or cost to serve, acquisition cost (CAC) and payback, growth and net revenue retention
against an earlier revenue column. Inputs that are missing are named, never invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from segmentation.economics.settings import ConcentrationSettings
from segmentation.formatting import format_ratio, format_share

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable

_PATTERNS = {
    "churn": re.compile(r"churn|cancel+ed|is_?lost|attrit", re.IGNORECASE),
    "cac": re.compile(r"\bcac\b|acquisition_?cost|cost_?to_?acquire|cost_?of_?acquisition", re.IGNORECASE),
    "margin": re.compile(r"margin|cost_?to_?serve|cogs|service_?cost", re.IGNORECASE),
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

    def to_dict(self) -> dict[str, Any]:
        """Return summary.json's "economics"."""
        return {
            "segments": self.frame.to_dict(orient="records"),
            "measures": dict(self.measures),
            "missing": list(self.missing),
            "icp": self.icp,
            "notes": list(self.notes),
        }


def segment_economics(
    customers: pd.DataFrame, table: CustomerTable | None, settings: ConcentrationSettings
) -> SegmentEconomics:
    """Economics per segment of `customers` (customer_id, revenue, segment, segment_name).

    `table` (aligned row for row with `customers`) supplies the optional columns: churn, margin or
    cost to serve, acquisition cost and earlier revenue.
    """
    revenue = customers["revenue"].astype(float).fillna(0.0).clip(lower=0.0)
    n, total = len(customers), float(revenue.sum())
    work = pd.DataFrame({"segment": customers["segment"].to_numpy(), "revenue": revenue.to_numpy()})
    measures: dict[str, str] = {}
    missing: list[str] = []
    source = table.customers.reset_index(drop=True) if table is not None else None

    churn = _find_column(table, "churn", settings.churn_column)
    if churn is not None and source is not None:
        flags = _as_flag(source[churn])
        if flags.notna().mean() >= 0.5:
            work["churned"] = flags.to_numpy()
            measures["churn_rate"] = churn
        else:
            missing.append(f"Churn rate: '{churn}' is not a yes/no column; choose another in the settings.")
    else:
        missing.append("Churn rate: no churn column (yes/no per customer) was found.")

    margin = _find_column(table, "margin", settings.margin_column)
    if margin is not None and source is not None and pd.api.types.is_numeric_dtype(source[margin]):
        values = source[margin].astype(float)
        if "margin" in margin.lower():
            share = values / 100.0 if values.abs().median() > 1.5 else values
            work["gross_profit"] = revenue.to_numpy() * share.to_numpy()
            measures["gross_margin"] = margin
        else:
            work["gross_profit"] = revenue.to_numpy() - values.to_numpy()
            measures["gross_margin"] = margin
    else:
        missing.append("Gross margin: no margin or cost-to-serve column was found.")

    cac = _find_column(table, "cac", settings.cac_column)
    if cac is not None and source is not None and pd.api.types.is_numeric_dtype(source[cac]):
        work["cac"] = source[cac].astype(float).to_numpy()
        measures["cac"] = cac
    else:
        missing.append("Acquisition cost (CAC) and payback: no CAC column was found.")

    prior = _find_column(table, "prior", settings.prior_revenue_column)
    if prior is not None and source is not None and pd.api.types.is_numeric_dtype(source[prior]):
        work["prior_revenue"] = source[prior].astype(float).clip(lower=0).to_numpy()
        measures["growth"] = prior
    else:
        missing.append("Growth and net revenue retention: no earlier-revenue column (e.g. 'arr_last_year') was found.")

    rows = []
    # The name each segment has on its last row (one row per segment, not a million-row zip).
    last = customers[["segment", "segment_name"]].drop_duplicates("segment", keep="last")
    names = dict(zip(last["segment"].tolist(), last["segment_name"].tolist(), strict=False))
    for segment, group in work.groupby("segment", sort=True):
        seg_revenue = float(group["revenue"].sum())
        count = len(group)
        customer_share = count / n if n else 0.0
        revenue_share = seg_revenue / total if total > 0 else 0.0
        row: dict[str, Any] = {
            "segment": int(str(segment)),
            "segment_name": names[segment],
            "customers": count,
            "customer_share": customer_share,
            "revenue": seg_revenue,
            "revenue_share": revenue_share,
            "revenue_per_customer": seg_revenue / count if count else 0.0,
            "share_ratio": revenue_share / customer_share if customer_share > 0 else None,
        }
        if "churned" in group:
            row["churn_rate"] = float(group["churned"].mean()) if group["churned"].notna().any() else None
        if "gross_profit" in group:
            row["gross_margin"] = float(group["gross_profit"].sum() / seg_revenue) if seg_revenue > 0 else None
        if "cac" in group:
            monthly_profit = group["revenue"] / 12.0
            if "gross_profit" in group:
                monthly_profit = group["gross_profit"] / 12.0
            cac_mean = float(group["cac"].mean())
            row["cac"] = cac_mean
            profit = float(monthly_profit.mean())
            row["cac_payback_months"] = cac_mean / profit if profit > 0 else None
        if "prior_revenue" in group:
            start = float(group["prior_revenue"].sum())
            retained = group.loc[group["prior_revenue"] > 0, "revenue"].sum()
            row["growth"] = seg_revenue / start - 1.0 if start > 0 else None
            row["net_revenue_retention"] = float(retained) / start if start > 0 else None
        rows.append(row)
    frame = pd.DataFrame(rows)
    notes = ["Revenue below zero counts as 0 in these shares."] if (customers["revenue"] < 0).any() else []
    if table is not None and table.revenue_unit == "MRR":
        notes.append("Payback uses monthly revenue (MRR).")
    return SegmentEconomics(
        frame=frame,
        measures=measures,
        missing=missing,
        icp=ideal_customer_profile(customers, table, frame),
        notes=notes,
    )


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
        return {"segments": [], "traits": [], "sentence": ""}
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
                            "text": f"{format_ratio(lift)} as often {column} {level}",
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
                        "text": f"median {column} {mine_median:,.4g} ({format_ratio(lift)} the base)",
                    }
                )
    traits.sort(key=lambda t: -abs(np.log(t["lift"])))
    traits = traits[:max_traits]
    names = " and ".join(summary["segment_names"])
    sentence = (
        f"Your best customers ({names}: {format_share(summary['customer_share'])} of customers, "
        f"{format_share(summary['revenue_share'])} of revenue)"
    )
    if traits:
        sentence += ": " + "; ".join(t["text"] for t in traits) + "."
    else:
        sentence += " do not differ clearly from the rest on the columns available."
    summary["traits"] = traits
    summary["sentence"] = sentence
    return summary
