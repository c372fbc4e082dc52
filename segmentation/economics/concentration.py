"""Revenue concentration: how much of the revenue sits in how few customers.

Definitions (so that every number can be checked by hand):
- revenue below zero counts as 0 (how many customers that affects is reported);
- every analysed customer counts in the base, zero-revenue customers included;
- "top x%" means the ⌈x/100 · n⌉ customers with the most revenue;
- the share of customers holding 80% of revenue is the smallest k/n whose top k reach 80%;
- HHI is the sum of squared revenue shares (0–1); Gini is computed on the sorted shares
  (0 = everyone pays the same, (n−1)/n = one customer pays everything).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from segmentation.economics.settings import ConcentrationSettings
from segmentation.formatting import format_share
from segmentation.narrative import pareto_reading

_TOLERANCE = 1e-12
_CENT = 0.005
"""Revenue within half a cent of zero (refund residue such as -1e-14) is not negative revenue."""


def _top_count(n: int, percent: float) -> int:
    """Return ⌈percent/100 · n⌉ without floating-point surprises (20% of 10 is 2, not 3)."""
    return int(min(n, np.ceil(round(n * percent / 100.0, 9))))


@dataclass(frozen=True)
class ConcentrationMetrics:
    """The concentration figures of one set of customers (all of them, a segment or a group)."""

    customers: int
    total_revenue: float
    gini: float
    top_20pct_revenue_share: float
    customer_share_for_80pct_revenue: float
    top_10_customers_revenue_share: float
    hhi: float
    largest_customer_share: float
    negative_revenue_customers: int
    zero_revenue_customers: int
    top_n: int = 10
    top_n_revenue_share: float = 0.0
    top_percent: float = 20.0
    top_percent_revenue_share: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return every figure as plain JSON values."""
        return {
            "customers": int(self.customers),
            "total_revenue": float(self.total_revenue),
            "gini": float(self.gini),
            "top_20pct_revenue_share": float(self.top_20pct_revenue_share),
            "customer_share_for_80pct_revenue": float(self.customer_share_for_80pct_revenue),
            "top_10_customers_revenue_share": float(self.top_10_customers_revenue_share),
            "hhi": float(self.hhi),
            "largest_customer_share": float(self.largest_customer_share),
            "negative_revenue_customers": int(self.negative_revenue_customers),
            "zero_revenue_customers": int(self.zero_revenue_customers),
            "top_n": int(self.top_n),
            "top_n_revenue_share": float(self.top_n_revenue_share),
            "top_percent": float(self.top_percent),
            "top_percent_revenue_share": float(self.top_percent_revenue_share),
        }


def concentration_metrics(revenue: ArrayLike, top_n: int = 10, top_percent: float = 20.0) -> ConcentrationMetrics:
    """Compute the concentration figures for a vector of revenue, one value per customer."""
    raw = np.asarray(revenue, dtype=float)
    if raw.ndim != 1:
        raise ValueError("revenue must be one value per customer")
    raw = np.nan_to_num(raw, nan=0.0)
    values = np.clip(raw, 0.0, None)
    return _metrics(values, np.sort(values)[::-1], int((raw < -_CENT).sum()), top_n=top_n, top_percent=top_percent)


def _metrics(
    values: np.ndarray, descending: np.ndarray, negative: int, top_n: int = 10, top_percent: float = 20.0
) -> ConcentrationMetrics:
    """The figures from revenue clipped at 0 (input order), the same sorted largest first, and the negatives count."""
    n = len(values)
    zero = int((values == 0).sum())
    total = float(values.sum())
    if n == 0 or total <= 0:
        return ConcentrationMetrics(
            customers=n,
            total_revenue=total,
            gini=0.0,
            top_20pct_revenue_share=0.0,
            customer_share_for_80pct_revenue=0.0,
            top_10_customers_revenue_share=0.0,
            hhi=0.0,
            largest_customer_share=0.0,
            negative_revenue_customers=negative,
            zero_revenue_customers=zero,
            top_n=top_n,
            top_percent=top_percent,
        )
    cumulative = np.cumsum(descending) / total
    shares = descending / total
    ascending = descending[::-1]
    ranks = np.arange(1, n + 1, dtype=float)
    gini = float((2.0 * np.sum(ranks * ascending)) / (n * total) - (n + 1.0) / n)
    k80 = int(np.searchsorted(cumulative, 0.8 - _TOLERANCE, side="left")) + 1

    def top_share(count: int) -> float:
        return float(cumulative[count - 1]) if count > 0 else 0.0

    return ConcentrationMetrics(
        customers=n,
        total_revenue=total,
        gini=min(max(gini, 0.0), 1.0),
        top_20pct_revenue_share=top_share(_top_count(n, 20.0)),
        customer_share_for_80pct_revenue=min(k80, n) / n,
        top_10_customers_revenue_share=top_share(min(10, n)),
        hhi=float(np.sum(shares**2)),
        largest_customer_share=float(shares[0]),
        negative_revenue_customers=negative,
        zero_revenue_customers=zero,
        top_n=top_n,
        top_n_revenue_share=top_share(min(top_n, n)),
        top_percent=top_percent,
        top_percent_revenue_share=top_share(_top_count(n, top_percent)),
    )


def _thin(frame: pd.DataFrame, points: int) -> pd.DataFrame:
    """Keep at most `points` evenly spaced rows, always with the first and the last."""
    if len(frame) <= points:
        return frame.reset_index(drop=True)
    index = np.unique(np.linspace(0, len(frame) - 1, points).round().astype(int))
    return frame.iloc[index].reset_index(drop=True)


def _cumulative_curve(revenue: ArrayLike, points: int, largest_first: bool) -> pd.DataFrame:
    """Customers ranked by revenue against the cumulative share of revenue, from (0, 0) to (1, 1)."""
    values = np.sort(np.clip(np.nan_to_num(np.asarray(revenue, dtype=float)), 0, None))
    return _curve_from_sorted(values[::-1] if largest_first else values, points)


def _curve_from_sorted(values: np.ndarray, points: int) -> pd.DataFrame:
    """The cumulative curve of revenue already clipped at 0 and sorted in the curve's order."""
    n, total = len(values), float(values.sum())
    cumulative = np.cumsum(values) / total if total > 0 else np.zeros(n)
    frame = pd.DataFrame(
        {
            "customer_share": np.concatenate([[0.0], np.arange(1, n + 1) / max(n, 1)]),
            "revenue_share": np.concatenate([[0.0], cumulative]),
        }
    )
    return _thin(frame, points)


def pareto_points(revenue: ArrayLike, points: int = 1000) -> pd.DataFrame:
    """The Pareto curve (largest customers first): customer_share vs cumulative revenue_share."""
    return _cumulative_curve(revenue, points, largest_first=True)


def lorenz_points(revenue: ArrayLike, points: int = 1000) -> pd.DataFrame:
    """The Lorenz curve (smallest customers first): customer_share vs cumulative revenue_share."""
    return _cumulative_curve(revenue, points, largest_first=False)


def abc_classes(revenue: ArrayLike, a: float = 0.8, b: float = 0.95) -> np.ndarray:
    """Return "A", "B" or "C" per customer (input order) by cumulative share of revenue.

    A customer is in A while the revenue of the customers ranked above it is still below `a`
    (so the customer that crosses 80% is the last A), in B likewise up to `b`, else C. Zero-revenue
    customers are always C.
    """
    values = np.clip(np.nan_to_num(np.asarray(revenue, dtype=float)), 0, None)
    return _abc_from_order(values, np.argsort(-values, kind="stable"), a, b)


def _abc_from_order(values: np.ndarray, order: np.ndarray, a: float, b: float) -> np.ndarray:
    """`abc_classes` of revenue clipped at 0, given its stable largest-first order."""
    n, total = len(values), float(values.sum())
    labels = np.full(n, "C", dtype=object)
    if n == 0 or total <= 0:
        return labels
    before = (np.cumsum(values[order]) - values[order]) / total
    ranked = np.where(before < a - _TOLERANCE, "A", np.where(before < b - _TOLERANCE, "B", "C"))
    ranked[values[order] <= 0] = "C"
    labels[order] = ranked
    return labels


@dataclass
class RiskFlag:
    """One concentration risk: the figure, its threshold, whether it is crossed, and why it matters."""

    name: str
    value: float
    threshold: float
    triggered: bool
    message: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        """Return the flag as plain JSON values."""
        return {
            "name": self.name,
            "value": float(self.value),
            "threshold": float(self.threshold),
            "triggered": bool(self.triggered),
            "message": self.message,
            "why": self.why,
        }


def risk_flags(
    metrics: ConcentrationMetrics, settings: ConcentrationSettings, segment_shares: pd.Series | None = None
) -> list[RiskFlag]:
    """Check the figures against the thresholds in the settings; every flag says why it matters."""
    flags = [
        RiskFlag(
            "largest_customer",
            metrics.largest_customer_share,
            settings.flag_largest_customer,
            metrics.largest_customer_share > settings.flag_largest_customer,
            f"The largest customer brings {format_share(metrics.largest_customer_share)} of revenue "
            f"(flag above {format_share(settings.flag_largest_customer)}).",
            "Losing one account would cut revenue by that much; lenders and acquirers discount it.",
        ),
        RiskFlag(
            "top_n",
            metrics.top_n_revenue_share,
            settings.flag_top_n,
            metrics.top_n_revenue_share > settings.flag_top_n,
            f"The top {metrics.top_n} customers bring {format_share(metrics.top_n_revenue_share)} of revenue "
            f"(flag above {format_share(settings.flag_top_n)}).",
            "A handful of renewals decide the year; each needs an executive sponsor and a plan.",
        ),
        RiskFlag(
            "top_percent",
            metrics.top_percent_revenue_share,
            settings.flag_top_percent,
            metrics.top_percent_revenue_share > settings.flag_top_percent,
            f"The top {metrics.top_percent:g}% of customers bring {format_share(metrics.top_percent_revenue_share)} "
            f"of revenue (flag above {format_share(settings.flag_top_percent)}).",
            "Revenue is more concentrated than the usual 80/20; the long tail earns little.",
        ),
        RiskFlag(
            "hhi",
            metrics.hhi,
            settings.flag_hhi,
            metrics.hhi > settings.flag_hhi,
            f"The concentration index (HHI) is {metrics.hhi:.3f} (flag above {settings.flag_hhi:.2f}).",
            "An HHI above 0.15 is what competition authorities call moderately concentrated.",
        ),
    ]
    if segment_shares is not None and len(segment_shares):
        top_name = str(segment_shares.idxmax())
        top_value = float(segment_shares.max())
        flags.append(
            RiskFlag(
                "segment",
                top_value,
                settings.flag_segment,
                top_value > settings.flag_segment,
                f"One segment ({top_name}) brings {format_share(top_value)} of revenue "
                f"(flag above {format_share(settings.flag_segment)}).",
                "A downturn in one kind of customer would hit most of the revenue at once.",
            )
        )
    return flags


@dataclass
class ConcentrationReport:
    """Concentration of the whole base: metrics, curve points, ABC classes, flags and top customers."""

    metrics: ConcentrationMetrics
    pareto: pd.DataFrame
    lorenz: pd.DataFrame
    abc: pd.DataFrame
    """One row per class A/B/C: customers, customer_share, revenue, revenue_share."""
    abc_labels: np.ndarray
    """A/B/C per customer, in the order of the customers frame."""
    flags: list[RiskFlag]
    top_customers: pd.DataFrame
    """The top N customers: rank, customer_id, revenue, revenue_share, cumulative_share."""
    by_segment: pd.DataFrame
    """Concentration inside each segment (see `concentration_by_group`)."""
    by_group: pd.DataFrame | None = None
    group_column: str | None = None
    notes: list[str] = field(default_factory=list)

    def renamed(self, names: Mapping[str, str], settings: ConcentrationSettings) -> ConcentrationReport:
        """Return this report with the segments' names changed (`names`: old → new) and the flags that name
        one said again: words only, nothing is measured again."""
        if self.by_segment.empty:
            return self
        by_segment = self.by_segment.assign(segment_name=[names.get(n, n) for n in self.by_segment["segment_name"]])
        shares = by_segment.set_index("segment_name")["revenue_share"]
        return replace(self, by_segment=by_segment, flags=risk_flags(self.metrics, settings, shares))

    def reading(self) -> str:
        """The 80/20 reading in one sentence (`narrative.pareto_reading` of these metrics)."""
        return pareto_reading(self.metrics)

    def to_dict(self) -> dict[str, Any]:
        """Return summary.json's "concentration": the metrics, flags, ABC classes and top customers."""
        out = self.metrics.to_dict()
        out.update(
            {
                "reading": self.reading(),
                "risk_flags": [flag.to_dict() for flag in self.flags],
                "abc": self.abc.to_dict(orient="records"),
                "top_customers": self.top_customers.to_dict(orient="records"),
                "by_segment": self.by_segment.to_dict(orient="records"),
                "group_column": self.group_column,
                "by_group": None if self.by_group is None else self.by_group.to_dict(orient="records"),
                "curve_points": len(self.pareto),
                "notes": list(self.notes),
            }
        )
        return out


def concentration_by_group(customers: pd.DataFrame, column: str, top_n: int = 10) -> pd.DataFrame:
    """Concentration inside each value of `column`: customers, revenue, shares, Gini, top-20% share."""
    revenue = customers["revenue"].astype(float).fillna(0.0).clip(lower=0.0)
    total = float(revenue.sum())
    n = len(customers)
    key_codes, keys = _text_codes(customers[column])
    # Rows of each group in table order (a stable sort by group), groups in order of first appearance.
    order = np.argsort(key_codes, kind="stable")
    bounds = np.searchsorted(key_codes[order], np.arange(len(keys) + 1))
    amounts = revenue.to_numpy()
    rows = []
    for code, key in enumerate(keys):
        values = amounts[order[bounds[code] : bounds[code + 1]]]
        metrics = concentration_metrics(values, top_n=top_n)
        rows.append(
            {
                column: key,
                "customers": len(values),
                "customer_share": len(values) / n if n else 0.0,
                "revenue": float(values.sum()),
                "revenue_share": float(values.sum()) / total if total > 0 else 0.0,
                "gini": metrics.gini,
                "top_20pct_revenue_share": metrics.top_20pct_revenue_share,
                "largest_customer_share": metrics.largest_customer_share,
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["revenue", "customers"], ascending=False, kind="stable").reset_index(drop=True)


def _text_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes (numbered by first appearance) of each value as text, blanks as "(blank)", and those texts.

    Only the distinct values are turned into text, so a million rows cost one factorisation: at 1M
    customers 0.04 s against 0.25 s for turning every row into text, 21% of the 0.97 s money stage
    (``.venv/bin/python benchmarks/bench_tricks.py``).
    """
    raw_codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [*pd.Series(uniques, dtype=object).astype(str).tolist(), "(blank)"]
    merged, distinct = pd.factorize(np.array(texts, dtype=object))  # raw code −1 (blank) → the last text
    codes, first_seen = pd.factorize(merged[raw_codes])
    return codes.astype(np.int64), [str(distinct[i]) for i in first_seen]


def analyse_concentration(customers: pd.DataFrame, settings: ConcentrationSettings) -> ConcentrationReport:
    """Concentration of `customers` (customer_id, revenue, segment, segment_name, optional group column)."""
    revenue = customers["revenue"].astype(float).to_numpy()
    # Sort once: the metrics, both curves, the ABC classes and the top list all read this order.
    raw = np.nan_to_num(revenue, nan=0.0)
    clipped = np.clip(raw, 0.0, None)
    order = np.argsort(-clipped, kind="stable")
    descending = clipped[order]
    metrics = _metrics(
        clipped, descending, int((raw < -_CENT).sum()), top_n=settings.top_n, top_percent=settings.top_percent
    )
    notes = []
    if metrics.negative_revenue_customers:
        notes.append(
            f"{metrics.negative_revenue_customers:,} customers with negative revenue count as 0 in these figures."
        )
    if metrics.zero_revenue_customers:
        notes.append(f"{metrics.zero_revenue_customers:,} customers have no revenue; they count in the customer base.")
    labels = _abc_from_order(clipped, order, settings.abc_a, settings.abc_b)
    total = float(clipped.sum())
    abc_rows = []
    for name in ("A", "B", "C"):
        members = labels == name
        abc_rows.append(
            {
                "class": name,
                "customers": int(members.sum()),
                "customer_share": float(members.mean()) if len(labels) else 0.0,
                "revenue": float(clipped[members].sum()),
                "revenue_share": float(clipped[members].sum()) / total if total > 0 else 0.0,
            }
        )
    order = order[: settings.top_n]
    top = pd.DataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "customer_id": customers["customer_id"].iloc[order].astype(str).to_numpy(),  # the top rows only
            "revenue": clipped[order],
            "revenue_share": clipped[order] / total if total > 0 else np.zeros(len(order)),
        }
    )
    top["cumulative_share"] = top["revenue_share"].cumsum()
    by_segment = concentration_by_group(customers, "segment_name", settings.top_n)
    by_group = None
    if settings.group_column and settings.group_column in customers.columns:
        by_group = concentration_by_group(customers, settings.group_column, settings.top_n)
    elif settings.group_column:
        notes.append(f"The group column '{settings.group_column}' is not in the data; no breakdown shown.")
    segment_shares = by_segment.set_index("segment_name")["revenue_share"] if not by_segment.empty else None
    return ConcentrationReport(
        metrics=metrics,
        pareto=_curve_from_sorted(descending, settings.chart_points),
        lorenz=_curve_from_sorted(descending[::-1], settings.chart_points),
        abc=pd.DataFrame(abc_rows),
        abc_labels=labels,
        flags=risk_flags(metrics, settings, segment_shares),
        top_customers=top,
        by_segment=by_segment,
        by_group=by_group,
        group_column=settings.group_column if by_group is not None else None,
        notes=notes,
    )
