"""The one column-name splitter, the one labeller (a phrase or a header), and which per-row numbers are added up
per customer and which averaged."""

from __future__ import annotations

import pytest

from segmentation.vocabulary import label, sums_per_customer, words


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


@pytest.mark.parametrize(
    ("name", "phrase", "header"),
    [
        ("logins_30d", "logins", "Logins (30 days)"),
        ("revenue_12m", "revenue", "Revenue (12 months)"),
        ("feature_adoption_pct", "feature adoption share", "Feature adoption %"),
        ("NumWebPurchases", "web purchases", "Number of web purchases"),
        ("is_trial", "trial", "Is trial"),
        ("recency_days", "days since last purchase", "Recency days"),
        ("StreamingTV", "streaming TV", "Streaming TV"),
        ("CLTV", "lifetime value", "Lifetime value"),
        ("Annual Income (k$)", "annual income", "Annual Income (k$)"),
    ],
)
def test_one_labeller_reads_a_name_as_a_phrase_or_as_a_header(name: str, phrase: str, header: str) -> None:
    assert label(name) == phrase
    assert label(name, header=True) == header


def test_a_phrase_drops_a_joined_files_name() -> None:
    assert label("ravenstack_subscriptions_rows", ["ravenstack_subscriptions"]) == "subscriptions"
    assert label("ravenstack_subscriptions_is_trial_share", ["ravenstack_subscriptions"]) == "trial rate"
