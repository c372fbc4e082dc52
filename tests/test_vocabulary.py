"""The one column-name splitter, and which per-row numbers are added up per customer and which averaged."""

from __future__ import annotations

import pytest

from segmentation.vocabulary import sums_per_customer, words


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("MonthlyCharges", ["monthly", "charges"]),
        ("ARRValue", ["arr", "value"]),
        ("discount_pct", ["discount", "pct"]),
        ("Annual Income (k$)", ["annual", "income", "k"]),
        ("Umsatz_Jährlich", ["umsatz", "jährlich"]),
    ],
)
def test_words(name: str, expected: list[str]) -> None:
    assert words(name) == expected


@pytest.mark.parametrize(
    ("name", "summed"),
    [
        ("amount", True),
        ("MntWines", True),
        ("NumWebPurchases", True),
        ("Quantity", True),
        ("total_price", True),
        # "discount" holds the letters of "count"; a per-line fraction summed would only count the lines
        ("discount_pct", False),
        ("discount", False),
        ("UnitPrice", False),
        ("revenue_share", False),
        ("nps_score", False),
    ],
)
def test_sums_per_customer(name: str, summed: bool) -> None:
    assert sums_per_customer(name) is summed


def test_a_per_line_fraction_is_averaged_and_said(tmp_path: object) -> None:
    from pathlib import Path

    from segmentation.config import AnalysisConfig
    from segmentation.intake import Source
    from segmentation.pipeline import load_customers

    lines = ["order_id,customer,date,amount,quantity,discount_pct"]
    lines += [f"O{i},C{i % 4},2025-0{i % 9 + 1}-15,{100 + 50 * (i % 4) ** 2},{i % 3 + 1},0.{i % 3}" for i in range(40)]
    path = Path(str(tmp_path)) / "orders.csv"
    path.write_text("\n".join(lines) + "\n")
    table = load_customers(Source.from_path(path), AnalysisConfig())
    assert "discount_pct_mean" in table.customers.columns
    assert float(table.customers["discount_pct_mean"].max()) <= 0.2 + 1e-9  # a mean of 0.0–0.2, not a sum
    note = next(n for n in table.notes if n.startswith("Per customer, "))
    assert "averaged (rates, fractions, scores): discount_pct" in note and "quantity" in note
