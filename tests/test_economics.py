"""Concentration and segment economics checked against figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.economics import (
    ConcentrationSettings,
    abc_classes,
    analyse_concentration,
    concentration_metrics,
    lorenz_points,
    pareto_points,
    segment_economics,
)


def test_equal_revenue_is_perfectly_even() -> None:
    m = concentration_metrics([100.0] * 10)
    assert m.gini == pytest.approx(0.0, abs=1e-12)
    assert m.top_20pct_revenue_share == pytest.approx(0.2)  # ⌈0.2·10⌉ = 2 customers of 10
    assert m.customer_share_for_80pct_revenue == pytest.approx(0.8)
    assert m.top_10_customers_revenue_share == pytest.approx(1.0)
    assert m.hhi == pytest.approx(0.1)
    assert m.largest_customer_share == pytest.approx(0.1)


def test_one_customer_holding_everything_gives_the_limits() -> None:
    m = concentration_metrics([0.0, 0.0, 0.0, 500.0])
    assert m.gini == pytest.approx(3 / 4)  # (n−1)/n
    assert m.top_20pct_revenue_share == pytest.approx(1.0)
    assert m.customer_share_for_80pct_revenue == pytest.approx(1 / 4)
    assert m.hhi == pytest.approx(1.0)
    assert m.zero_revenue_customers == 3


def test_a_worked_example() -> None:
    # Revenue 50, 30, 10, 5, 5 (total 100), n = 5.
    m = concentration_metrics([5, 50, 10, 5, 30])
    assert m.top_20pct_revenue_share == pytest.approx(0.5)  # ⌈1.0⌉ = 1 customer
    assert m.customer_share_for_80pct_revenue == pytest.approx(2 / 5)  # 50 + 30 = 80
    assert m.hhi == pytest.approx(0.25 + 0.09 + 0.01 + 0.0025 + 0.0025)
    # Gini = 2·Σ i·x_(i) / (n·Σx) − (n+1)/n with ascending x = 5, 5, 10, 30, 50.
    expected = 2 * (1 * 5 + 2 * 5 + 3 * 10 + 4 * 30 + 5 * 50) / (5 * 100) - 6 / 5
    assert m.gini == pytest.approx(expected)


def test_negative_revenue_counts_as_zero_and_is_counted() -> None:
    m = concentration_metrics([-20.0, 10.0, 30.0])
    assert m.negative_revenue_customers == 1
    assert m.total_revenue == pytest.approx(40.0)
    assert m.customers == 3


def test_top_percent_rounds_up_without_float_noise() -> None:
    # 20% of 10 is exactly 2 customers; 20% of 11 rounds up to 3.
    assert concentration_metrics(list(range(1, 11))).top_20pct_revenue_share == pytest.approx((10 + 9) / 55)
    assert concentration_metrics(list(range(1, 12))).top_20pct_revenue_share == pytest.approx((11 + 10 + 9) / 66)


def test_abc_classes_by_cumulative_share() -> None:
    labels = abc_classes([50, 30, 10, 6, 4, 0])
    # Before each: 0, 50, 80, 90, 96 → A, A, B, B, C; zero revenue is C.
    assert labels.tolist() == ["A", "A", "B", "B", "C", "C"]


def test_curves_stay_under_the_point_cap_on_large_inputs() -> None:
    revenue = np.random.default_rng(1).pareto(1.2, 250_000)
    for frame in (pareto_points(revenue, 1000), lorenz_points(revenue, 1000)):
        assert len(frame) <= 1000
        assert frame.iloc[0].tolist() == [0.0, 0.0]
        assert frame.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
        assert frame["revenue_share"].is_monotonic_increasing


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e9, allow_nan=False), min_size=1, max_size=300))
def test_metrics_stay_in_range(values: list[float]) -> None:
    m = concentration_metrics(values)
    assert 0.0 <= m.gini < 1.0
    for share in (m.top_20pct_revenue_share, m.customer_share_for_80pct_revenue, m.hhi, m.largest_customer_share):
        assert 0.0 <= share <= 1.0 + 1e-9
    if m.total_revenue > 0:
        assert m.top_10_customers_revenue_share >= m.largest_customer_share - 1e-12
        assert m.hhi >= 1 / len(values) - 1e-12


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(8)],
            "revenue": [400.0, 300.0, 100.0, 60.0, 50.0, 40.0, 30.0, 20.0],
            "segment": [1, 1, 2, 2, 2, 3, 3, 3],
            "segment_name": ["Big", "Big", "Mid", "Mid", "Mid", "Small", "Small", "Small"],
        }
    )


def test_segment_economics_shares_add_up_and_name_missing_inputs() -> None:
    econ = segment_economics(_customers(), None, ConcentrationSettings())
    frame = econ.frame
    assert frame["customer_share"].sum() == pytest.approx(1.0)
    assert frame["revenue_share"].sum() == pytest.approx(1.0)
    big = frame.iloc[0]
    assert big["revenue"] == pytest.approx(700.0)
    assert big["share_ratio"] == pytest.approx((700 / 1000) / (2 / 8))
    assert any("Churn" in line for line in econ.missing)
    assert econ.icp["segments"] == [1]


def test_analyse_concentration_flags_and_top_customers() -> None:
    report = analyse_concentration(_customers(), ConcentrationSettings(top_n=3))
    flags = {flag.name: flag for flag in report.flags}
    assert flags["largest_customer"].triggered  # 40% > 10%
    assert flags["top_n"].triggered  # top 3 = 80% > 50%
    assert report.top_customers["customer_id"].tolist() == ["c0", "c1", "c2"]
    assert report.top_customers["cumulative_share"].iloc[-1] == pytest.approx(0.8)
    data = report.to_dict()
    assert math.isclose(data["top_n_revenue_share"], 0.8)
    assert [row["class"] for row in data["abc"]] == ["A", "B", "C"]


def test_the_economics_read_only_their_settings() -> None:
    """`ECONOMICS_SETTINGS` are all the economics read (the app keys them by these): every other concentration
    setting changed gives the same economics."""
    from segmentation.economics.settings import ECONOMICS_SETTINGS
    from segmentation.intake import Source
    from segmentation.pipeline import measure_economics, run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    result = run_analysis(Source.from_path(SAMPLE_ACCOUNTS))
    others = {
        "top_n": 3,
        "top_percent": 5.0,
        "abc_a": 0.5,
        "abc_b": 0.6,
        "flag_largest_customer": 0.01,
        "flag_top_n": 0.02,
        "flag_top_percent": 0.03,
        "flag_hhi": 0.04,
        "flag_segment": 0.05,
        "group_column": "industry",
        "chart_points": 60,
        "value_basis": "margin",
    }
    fields = set(type(result.config.concentration).model_fields)
    assert set(others) == fields - ECONOMICS_SETTINGS, "a new concentration setting: is it read by the economics?"
    changed = result.config.updated(**{f"concentration.{k}": v for k, v in others.items()})
    again = measure_economics(result.table, result.segmentation, changed)
    assert again.to_dict() == result.economics.to_dict()
