"""Revenue concentration as engine expressions: the definitions of `economics.concentration`, by window functions.

Revenue below zero counts as 0; top x% = the ⌈x/100 · n⌉ customers with most revenue; the share of
customers for 80% is the smallest k/n whose top k reach 80%; HHI = Σ share²; Gini from the ranks.
Customers of equal revenue are ranked by ID, so every engine draws the same curve and top list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmentation.economics.concentration import ConcentrationMetrics, _top_count

_TOLERANCE = 1e-12


@dataclass
class EngineConcentration:
    """The small results of the concentration stage: figures, ABC classes, curves, top list, per segment."""

    metrics: ConcentrationMetrics
    abc: pd.DataFrame
    pareto: pd.DataFrame
    lorenz: pd.DataFrame
    top_customers: pd.DataFrame
    by_segment: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """summary.json's "concentration" for the engine path (plain JSON values)."""
        out = self.metrics.to_dict()
        out.update(
            {
                "abc": self.abc.to_dict(orient="records"),
                "top_customers": self.top_customers.to_dict(orient="records"),
                "by_segment": self.by_segment.to_dict(orient="records"),
                "curve_points": len(self.pareto),
            }
        )
        return out


def ranked(customers: ir.Table, group: str | None = None) -> ir.Table:
    """Customers with ``_x`` (revenue clipped at 0), ``_rank`` (1 = most revenue, ties by ID) and ``_cum``
    (revenue of the customers ranked at or above), within `group` when given."""
    x = ibis.greatest(customers.revenue.fill_null(0.0), 0.0)
    base = customers.mutate(_x=x)
    order = [ibis.desc("_x"), ibis.asc("customer_id")]
    window = ibis.window(group_by=group, order_by=order, rows=(None, 0))
    return base.mutate(_rank=ibis.row_number().over(window) + 1, _cum=base._x.sum().over(window))


def concentration(
    customers: ir.Table,
    *,
    top_n: int = 10,
    top_percent: float = 20.0,
    points: int = 1000,
    a: float = 0.8,
    b: float = 0.95,
) -> tuple[ConcentrationMetrics, ir.Table, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The overall figures, the customers with their ABC class (lazy), the ABC summary, the curves and top list."""
    counts = customers.aggregate(
        n=customers.count(),
        negative=(customers.revenue < 0).sum(),
        total=ibis.greatest(customers.revenue.fill_null(0.0), 0.0).sum(),
    )
    first = counts.to_pyarrow().to_pylist()[0]
    n, total = int(first["n"]), float(first["total"] or 0.0)
    r = ranked(customers)
    top20, top_pct = _top_count(n, 20.0), _top_count(n, top_percent)
    asc_rank = n - r._rank + 1
    figures = (
        r.aggregate(
            zero=(r._x == 0).sum(),
            squares=(r._x * r._x).sum(),
            largest=r._x.max(),
            weighted=(asc_rank * r._x).sum(),
            top20=r._x.sum(where=r._rank <= top20),
            top10=r._x.sum(where=r._rank <= min(10, n)),
            topn=r._x.sum(where=r._rank <= min(top_n, n)),
            toppct=r._x.sum(where=r._rank <= top_pct),
            k80=r._rank.min(where=r._cum >= (0.8 - _TOLERANCE) * total) if total > 0 else ibis.literal(0),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    metrics = _metrics(n, total, int(first["negative"] or 0), figures, top_n=top_n, top_percent=top_percent)
    before = (r._cum - r._x) / total if total > 0 else ibis.literal(1.0)
    abc = ibis.cases(
        (r._x <= 0, "C"),
        (before < a - _TOLERANCE, "A"),
        (before < b - _TOLERANCE, "B"),
        else_="C",
    )
    with_abc = r.mutate(abc_class=abc)
    return metrics, with_abc, _abc_summary(with_abc, n, total), *_curves_and_top(r, n, total, points, top_n)


def _metrics(
    n: int, total: float, negative: int, f: dict[str, Any], *, top_n: int, top_percent: float
) -> ConcentrationMetrics:
    """`ConcentrationMetrics` from the engine's sums (the formulas of `economics.concentration._metrics`)."""
    zero = int(f["zero"] or 0)
    if n == 0 or total <= 0:
        return ConcentrationMetrics(
            n, total, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, negative, zero, top_n, 0.0, top_percent, 0.0
        )
    gini = float(2.0 * float(f["weighted"]) / (n * total) - (n + 1.0) / n)
    k80 = int(f["k80"] or n)
    return ConcentrationMetrics(
        customers=n,
        total_revenue=total,
        gini=min(max(gini, 0.0), 1.0),
        top_20pct_revenue_share=float(f["top20"] or 0.0) / total,
        customer_share_for_80pct_revenue=min(k80, n) / n,
        top_10_customers_revenue_share=float(f["top10"] or 0.0) / total,
        hhi=float(f["squares"]) / (total * total),
        largest_customer_share=float(f["largest"]) / total,
        negative_revenue_customers=negative,
        zero_revenue_customers=zero,
        top_n=top_n,
        top_n_revenue_share=float(f["topn"] or 0.0) / total,
        top_percent=top_percent,
        top_percent_revenue_share=float(f["toppct"] or 0.0) / total,
    )


def _abc_summary(with_abc: ir.Table, n: int, total: float) -> pd.DataFrame:
    """One row per class A/B/C: customers, customer_share, revenue, revenue_share."""
    got = with_abc.group_by("abc_class").aggregate(customers=with_abc.count(), revenue=with_abc._x.sum())
    found = {row["abc_class"]: row for row in got.to_pyarrow().to_pylist()}
    rows = []
    for name in ("A", "B", "C"):
        row = found.get(name, {"customers": 0, "revenue": 0.0})
        revenue = float(row["revenue"] or 0.0)
        rows.append(
            {
                "class": name,
                "customers": int(row["customers"]),
                "customer_share": int(row["customers"]) / n if n else 0.0,
                "revenue": revenue,
                "revenue_share": revenue / total if total > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows)


def _curves_and_top(
    r: ir.Table, n: int, total: float, points: int, top_n: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Pareto and Lorenz curves at most `points` points each (as `_thin` picks them), and the top list.

    Only the ranks the curves need come back: the cumulative revenue at rank k gives the Pareto point
    k/n and the Lorenz point (n−k)/n.
    """
    picks = np.unique(np.linspace(0, n, points).round().astype(int)) if n + 1 > points else np.arange(n + 1)
    ranks = sorted({int(k) for k in picks if k > 0} | {int(n - k) for k in picks if n - k > 0})
    got = r.filter(r._rank.isin(ranks)).select("_rank", "_cum").to_pyarrow().to_pandas()
    cum = dict(zip(got["_rank"].astype(int), got["_cum"].astype(float), strict=True))
    cum[0] = 0.0
    share = (lambda k: cum[k] / total) if total > 0 else (lambda k: 0.0)
    pareto = pd.DataFrame({"customer_share": picks / max(n, 1), "revenue_share": [share(int(k)) for k in picks]})
    # 1 − (top n−k share): clipped, since the two sums differ in their last bits (−2e−16 is not a share)
    lorenz_values = [min(max(1.0 - share(n - int(k)), 0.0), 1.0) if total > 0 and k > 0 else 0.0 for k in picks]
    lorenz = pd.DataFrame({"customer_share": picks / max(n, 1), "revenue_share": lorenz_values})
    top = r.filter(r._rank <= top_n).order_by("_rank").select("_rank", "customer_id", "_x", "_cum")
    frame = top.to_pyarrow().to_pandas()
    top_customers = pd.DataFrame(
        {
            "rank": frame["_rank"].astype(int),
            "customer_id": frame["customer_id"].astype(str),
            "revenue": frame["_x"].astype(float),
            "revenue_share": frame["_x"] / total if total > 0 else 0.0,
            "cumulative_share": frame["_cum"] / total if total > 0 else 0.0,
        }
    )
    return pareto, lorenz, top_customers


def by_segment(customers: ir.Table, segment: str = "segment") -> pd.DataFrame:
    """Concentration inside each segment: customers, shares, Gini, top-20% share, largest customer share."""
    r = ranked(customers, group=segment)
    size = r._x.count().over(group_by=segment)
    with_n = r.mutate(_n=size)
    top20 = (with_n._n * 0.2).round(9).ceil()
    per = with_n.group_by(segment).aggregate(
        customers=with_n.count(),
        revenue=with_n._x.sum(),
        weighted=((with_n._n - with_n._rank + 1) * with_n._x).sum(),
        top20=with_n._x.sum(where=with_n._rank <= top20),
        largest=with_n._x.max(),
    )
    frame = per.to_pyarrow().to_pandas()
    n, total = int(frame["customers"].sum()), float(frame["revenue"].sum())
    revenue = frame["revenue"].astype(float)
    count = frame["customers"].astype(float)
    safe = revenue.where(revenue > 0)
    gini = (2.0 * frame["weighted"] / (count * safe) - (count + 1.0) / count).clip(0.0, 1.0).fillna(0.0)
    out = pd.DataFrame(
        {
            segment: frame[segment],
            "customers": frame["customers"].astype(int),
            "customer_share": count / n if n else 0.0,
            "revenue": revenue,
            "revenue_share": revenue / total if total > 0 else 0.0,
            "gini": gini,
            "top_20pct_revenue_share": (frame["top20"].astype(float) / safe).fillna(0.0),
            "largest_customer_share": (frame["largest"].astype(float) / safe).fillna(0.0),
        }
    )
    return out.sort_values(["revenue", "customers", segment], ascending=[False, False, True]).reset_index(drop=True)
