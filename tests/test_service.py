"""Tests for segmentation.service: potential, the service-model policy, capacity, moves and charts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from segmentation.errors import InputError
from segmentation.formatting import format_money
from segmentation.intake.table import ColumnRole, CustomerTable
from segmentation.service import (
    SERVICE_MODELS,
    PotentialEstimate,
    PotentialSettings,
    ServicePlan,
    ServiceSettings,
    compare_plans,
    estimate_potential,
    plan_service,
)
from segmentation.service import charts as service_charts
from segmentation.service.columns import find_potential_columns, size_bands, size_values
from segmentation.service.current import map_service_value
from segmentation.service.policy import _percentile_rank
from segmentation.service.text import concat, fill, group_codes, money_each, words_at

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "saas_accounts.csv"
TRUTH = ROOT / "sample_data" / "truth" / "accounts_truth.csv"


def make_table(frame: pd.DataFrame, roles: dict[str, str], unit: str = "ARR") -> CustomerTable:
    """A CustomerTable built by hand: customer_id and revenue, plus columns with the given roles."""
    customers = frame.copy()
    customers["customer_id"] = customers["customer_id"].astype(str)
    customers["revenue"] = customers["revenue"].astype(float)
    return CustomerTable(
        customers=customers,
        roles={column: ColumnRole(column, role, 1.0, "set in the test") for column, role in roles.items()},
        id_column="customer_id",
        revenue_column="revenue",
        revenue_unit=unit,
        source_name="test.csv",
        rows_read=len(customers),
    )


def hand_potential(short: list[float], long: list[float]) -> PotentialEstimate:
    """A PotentialEstimate with the given figures, for testing the policy on its own."""
    frame = pd.DataFrame(
        {
            "short_term_potential": np.asarray(short, dtype=float),
            "long_term_potential": np.asarray(long, dtype=float),
            "potential_confidence": "high",
        }
    )
    return PotentialEstimate(frame=frame, method="test")


# Eight accounts; thresholds set by hand: ARR high ≥ 100, low < 20; potential high ≥ 500, low < 100.
POLICY_REVENUE = [150.0, 120.0, 50.0, 50.0, 50.0, 10.0, 10.0, 10.0]
POLICY_LONG = [160.0, 900.0, 600.0, 200.0, 60.0, 800.0, 300.0, 15.0]
POLICY_EXPECTED = [
    "high-touch",  # high ARR, mid potential
    "high-touch",  # high ARR, high potential
    "high-touch",  # mid ARR, high potential
    "medium-touch",  # mid ARR, mid potential
    "medium-touch",  # mid ARR, low potential
    "medium-touch",  # low ARR, high potential
    "tech-touch",  # low ARR, mid potential
    "tech-touch",  # low ARR, low potential
]
POLICY_THRESHOLDS = {"arr_high": 100.0, "arr_low": 20.0, "potential_high": 500.0, "potential_low": 100.0}
# The grid, capacity and move rules are tested on their own here, without the cost-to-serve budget
# (tests/test_service_plan_bounds.py covers it): these accounts earn far less than a CSM costs.
UNBOUNDED = {"cost_budget_share": None, "allow_cost_above_revenue": True}


def policy_case(
    labels: list[int] | None = None, **changes: object
) -> tuple[CustomerTable, np.ndarray, PotentialEstimate, ServiceSettings]:
    table = make_table(
        pd.DataFrame({"customer_id": [f"C{i}" for i in range(1, 9)], "revenue": POLICY_REVENUE}), roles={}
    )
    potential = hand_potential([0.0] * 8, POLICY_LONG)
    settings_ = ServiceSettings(**{**POLICY_THRESHOLDS, **UNBOUNDED, **changes})  # type: ignore[arg-type]
    return table, np.asarray(labels or [1, 1, 1, 1, 2, 2, 2, 2]), potential, settings_


NAMES = {1: "Big spenders", 2: "Small accounts"}


def test_policy_grid_on_literal_frame_matches_hand_answer() -> None:
    table, labels, potential, settings_ = policy_case()
    plan = plan_service(table, labels, NAMES, potential, settings_)
    assert plan.frame["service_model"].tolist() == POLICY_EXPECTED
    assert plan.frame["arr_tier"].tolist() == ["high", "high", "mid", "mid", "mid", "low", "low", "low"]
    assert plan.frame["potential_tier"].tolist() == ["mid", "high", "high", "mid", "low", "high", "mid", "low"]
    assert pd.Series(plan.reason_texts()).iloc[1] == (
        "ARR 120 (top tier) and long-term potential 900 (high) → high-touch"
    )
    # No current-model column, so the plan's borderline cases: C4 (potential 200 = 4× ARR 50, ARR ≥ 20) and C6
    # (potential 800 in the top tier ≥ 500) move up; C1–C3 cost 12k a year against ARR of 150 or less → move down.
    assert plan.frame["move"].tolist() == ["down", "down", "down", "up", "", "up", "", ""]
    assert plan.frame["current_model"].tolist() == [""] * 8
    assert plan.thresholds.arr_high_from == "set"
    models = {m["name"]: m for m in plan.to_dict()["models"]}
    assert [m["name"] for m in plan.to_dict()["models"]] == list(SERVICE_MODELS)
    assert models["high-touch"]["customers"] == 3
    assert models["high-touch"]["revenue"] == pytest.approx(320.0)
    assert models["high-touch"]["cost"] == pytest.approx(3 * 12000.0)
    assert models["tech-touch"]["cost_to_revenue"] == pytest.approx(600.0 / 20.0)
    assert models["high-touch"]["headcount_needed"] == 1
    assert models["high-touch"]["capacity"] is None


def test_priority_score_weights_revenue_and_potential_percentiles() -> None:
    table, labels, potential, settings_ = policy_case(weight_current=1.0, weight_potential=0.0)
    plan = plan_service(table, labels, NAMES, potential, settings_)
    # Percentile rank of revenue (average ties): 150 → 8/8, 120 → 7/8, the three 50s → 5/8, the three 10s → 2/8.
    assert plan.frame["priority_score"].tolist() == [100.0, 87.5, 62.5, 62.5, 62.5, 25.0, 25.0, 25.0]


def test_capacity_keeps_highest_priority_and_says_who_fell() -> None:
    table, labels, potential, settings_ = policy_case(high_touch_csms=1, accounts_per_csm_high=2)
    plan = plan_service(table, labels, NAMES, potential, settings_)
    models = plan.frame["service_model"].tolist()
    # Demand 3 (C1, C2, C3); scores: C2 (ARR 7/8, potential 8/8) and C1 (8/8, 2/8 … ) outrank C3.
    assert models.count("high-touch") == 2
    assert models[2] == "medium-touch"
    assert pd.Series(plan.reason_texts()).iloc[2].startswith("would be high-touch but the 2 high-touch places")
    assert "(rank 3 of 3) → medium-touch" in pd.Series(plan.reason_texts()).iloc[2]
    cap = plan.to_dict()["capacity"]["high-touch"]
    assert (cap["demand"], cap["capacity"], cap["used"], cap["spilled"]) == (3, 2, 2, 1)
    assert cap["cut_score"] is not None
    assert cap["fell_examples"] == ["C3"]
    high = plan.to_dict()["models"][0]
    assert (high["name"], high["capacity"], high["customers"]) == ("high-touch", 2, 2)
    assert isinstance(high["capacity"], int)
    spilled = plan.spilled_frame()
    assert spilled[["customer_id", "wanted_model", "service_model"]].to_numpy().tolist() == [
        ["C3", "high-touch", "medium-touch"]
    ]
    assert plan.frame["move"].iloc[2] == "up"


def test_medium_capacity_spills_to_tech_touch_too() -> None:
    table, labels, potential, settings_ = policy_case(high_touch_csms=0, medium_touch_csms=1, accounts_per_csm_medium=2)
    plan = plan_service(table, labels, NAMES, potential, settings_)
    counts = plan.frame["service_model"].value_counts()
    assert "high-touch" not in counts
    assert counts["medium-touch"] == 2
    assert counts["tech-touch"] == 6
    double = [r for r in pd.Series(plan.reason_texts()) if "full too" in r]
    assert double[0].startswith("would be high-touch but there are no high-touch CSMs, and the 2 medium-touch places")
    assert all(r.endswith("→ tech-touch") for r in double)


@settings(max_examples=40, deadline=None)
@given(
    revenue=st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=60),
    high_csms=st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
    per_high=st.integers(min_value=1, max_value=5),
    medium_csms=st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
    per_medium=st.integers(min_value=1, max_value=10),
    growth=st.floats(min_value=1.0, max_value=20.0),
)
def test_capacity_is_never_exceeded_and_everyone_gets_one_model(
    revenue: list[float],
    high_csms: int | None,
    per_high: int,
    medium_csms: int | None,
    per_medium: int,
    growth: float,
) -> None:
    n = len(revenue)
    table = make_table(pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)], "revenue": revenue}), roles={})
    long = [r * growth + (i % 7) * 100 for i, r in enumerate(revenue)]
    potential = hand_potential([x / 10 for x in long], long)
    service = ServiceSettings(
        high_touch_csms=high_csms,
        accounts_per_csm_high=per_high,
        medium_touch_csms=medium_csms,
        accounts_per_csm_medium=per_medium,
    )
    plan = plan_service(table, np.ones(n, dtype=int), {1: "All"}, potential, service)
    models = plan.frame["service_model"]
    assert models.isin(SERVICE_MODELS).all()
    assert (pd.Series(plan.reason_texts()).str.len() > 0).all()
    if high_csms is not None:
        assert (models == "high-touch").sum() <= high_csms * per_high
    if medium_csms is not None:
        assert (models == "medium-touch").sum() <= medium_csms * per_medium
    assert plan.frame["priority_score"].between(0, 100).all()
    summary = plan.to_dict()
    assert sum(m["customers"] for m in summary["models"]) == n
    json.dumps(summary, allow_nan=False)


def test_segment_override_and_move_down() -> None:
    # cost_high=0 keeps the cost rule out of it: only "low potential and modest revenue" flags a move down.
    table, labels, potential, settings_ = policy_case(segment_overrides={"2": "high-touch"}, cost_high=0.0)
    plan = plan_service(table, labels, NAMES, potential, settings_)
    assert plan.frame["service_model"].tolist()[4:] == ["high-touch"] * 4
    assert pd.Series(plan.reason_texts()).iloc[7] == ("segment 2 (Small accounts) is set to high-touch by an override")
    # High-touch with low potential and revenue below the top tier → over-served: C5 (mid ARR) and C8 (low ARR).
    # C4 (medium-touch, potential 200 = 4× its ARR 50) moves up.
    assert plan.frame["move"].tolist() == ["", "", "", "up", "down", "", "", "down"]
    down = plan.move_down_frame()
    assert set(down["customer_id"]) == {"C5", "C8"}
    assert len(plan.move_down) == 2
    assert plan.to_dict()["move_down"] == 2
    assert any("segment 2 (Small accounts)" in rule for rule in plan.rules_in_words)


def test_override_for_missing_segment_is_noted_not_applied() -> None:
    table, labels, potential, settings_ = policy_case(segment_overrides={"9": "tech-touch"})
    plan = plan_service(table, labels, NAMES, potential, settings_)
    assert plan.frame["service_model"].tolist() == POLICY_EXPECTED
    assert any("segment 9" in note for note in plan.notes)


def test_custom_grid_and_bad_settings() -> None:
    table, labels, potential, settings_ = policy_case(grid={"low": {"high": "high-touch"}})
    plan = plan_service(table, labels, NAMES, potential, settings_)
    assert plan.frame["service_model"].iloc[5] == "high-touch"
    assert plan.grid["mid"]["mid"] == "medium-touch"  # unspecified cells keep the default
    with pytest.raises(ValueError, match="unknown"):
        ServiceSettings(grid={"top": {"high": "high-touch"}})
    with pytest.raises(ValueError, match="unknown"):
        ServiceSettings(segment_overrides={"1": "white-glove"})
    table, labels, potential, settings_ = policy_case(arr_high=10.0, arr_low=50.0)
    with pytest.raises(InputError, match="threshold"):
        plan_service(table, labels, NAMES, potential, settings_)


def test_compare_plans_counts_moves_between_models() -> None:
    table, labels, potential, before_settings = policy_case()
    before = plan_service(table, labels, NAMES, potential, before_settings)
    after = plan_service(table, labels, NAMES, potential, before_settings.model_copy(update={"arr_high": 130.0}))
    change = compare_plans(before, after)
    assert list(change.index) == list(SERVICE_MODELS)
    assert list(change.columns) == list(SERVICE_MODELS)
    # Raising the top-tier bar to 130 makes C2 (ARR 120) middle tier, but its high potential keeps it high-touch.
    assert int(np.trace(change.to_numpy())) == 8
    after_low = plan_service(table, labels, NAMES, potential, before_settings.model_copy(update={"arr_high": 200.0}))
    change = compare_plans(before, after_low)
    # C1 (ARR 150, potential 160: mid × mid) falls from high- to medium-touch.
    assert change.loc["high-touch", "medium-touch"] == 1
    assert change.loc["high-touch", "high-touch"] == 2


def test_default_thresholds_come_from_the_data_and_are_reported() -> None:
    revenue = [float(x) for x in range(1, 21)]
    table = make_table(pd.DataFrame({"customer_id": [f"C{i}" for i in range(20)], "revenue": revenue}), roles={})
    plan = plan_service(table, np.ones(20, dtype=int), {1: "All"}, hand_potential([0] * 20, revenue), ServiceSettings())
    thresholds = plan.to_dict()["thresholds"]
    assert thresholds["arr_high"] == pytest.approx(np.quantile(revenue, 0.9))
    assert thresholds["arr_low"] == pytest.approx(np.quantile(revenue, 0.5))
    assert thresholds["from"]["arr_high"] == "data"
    assert (plan.frame["arr_tier"] == "high").sum() == 2


def test_plan_to_dict_has_the_contract_keys_and_is_json() -> None:
    table, labels, potential, settings_ = policy_case(playbooks={"tech-touch": "Emails only."})
    summary = plan_service(table, labels, NAMES, potential, settings_).to_dict()
    for key in ("models", "grid", "thresholds", "capacity", "rules_in_words", "playbooks", "move_up", "move_down"):
        assert key in summary
    assert len(summary["grid"]) == 9
    assert {"arr_tier", "potential_tier", "model", "customers", "revenue"} <= set(summary["grid"][0])
    assert summary["playbooks"]["tech-touch"] == "Emails only."
    assert summary["playbooks"]["high-touch"]
    assert len(summary["by_segment"]) == 6
    json.dumps(summary, allow_nan=False)


# --- move up / move down --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Enterprise CSM", "high-touch"),
        ("named csm", "high-touch"),
        ("High touch", "high-touch"),
        ("1:1", "high-touch"),
        ("Pooled", "medium-touch"),
        ("Pooled CSM", "medium-touch"),
        ("Scaled", "medium-touch"),
        ("Digital", "tech-touch"),
        ("Digital CSM", "tech-touch"),
        ("self-serve", "tech-touch"),
        ("Tech-Touch", "tech-touch"),
        ("One-to-many", "tech-touch"),
        ("Enterprise", None),
        ("Gold", None),
        ("", None),
    ],
)
def test_service_values_map_by_keywords(value: str, expected: str | None) -> None:
    assert map_service_value(value) == expected


def coverage_case(coverage: list[str | None], **changes: object) -> ServicePlan:
    """The eight policy accounts with a 'CS Coverage' column saying how each is served today."""
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(1, 9)],
            "revenue": POLICY_REVENUE,
            "CS Coverage": pd.Series(coverage, dtype="str"),
            "plan_tier": ["Basic", "Pro", "Enterprise", "Basic", "Pro", "Enterprise", "Basic", "Pro"],
        }
    )
    table = make_table(frame, roles={"CS Coverage": "categorical", "plan_tier": "categorical"})
    settings_ = ServiceSettings(**{**POLICY_THRESHOLDS, **UNBOUNDED, **changes})  # type: ignore[arg-type]
    return plan_service(
        table, np.asarray([1, 1, 1, 1, 2, 2, 2, 2]), NAMES, hand_potential([0.0] * 8, POLICY_LONG), settings_
    )


COVERAGE = ["Enterprise CSM", "Pooled", "Digital", "Named CSM", "self-serve", "Gold", "High touch", None]


def test_moves_against_todays_model_from_a_detected_column() -> None:
    plan = coverage_case(COVERAGE)
    # Plan (POLICY_EXPECTED): H H H M M M T T; today: H M T H T ? H ?.
    assert plan.frame["current_model"].tolist() == [
        "high-touch",
        "medium-touch",
        "tech-touch",
        "high-touch",
        "tech-touch",
        "",
        "high-touch",
        "",
    ]
    assert plan.frame["move"].tolist() == ["", "up", "up", "down", "up", "", "down", ""]
    up = plan.move_up_frame()
    # Largest upside first: C2 900−120 = 780, C3 600−50 = 550, C5 60−50 = 10.
    assert up["customer_id"].tolist() == ["C2", "C3", "C5"]
    assert up["upside"].tolist() == [780.0, 550.0, 10.0]
    assert up["cost_change"].tolist() == [9000.0, 11700.0, 2700.0]
    assert up[["move_from", "move_to"]].iloc[0].tolist() == ["medium-touch", "high-touch"]
    assert up["move_reason"].iloc[0] == (
        "served medium-touch today ('Pooled'); the plan recommends high-touch: upside 780 in ARR"
    )
    down = plan.move_down_frame()
    assert set(down["customer_id"]) == {"C4", "C7"}
    c4 = down.set_index("customer_id").loc["C4"]
    assert c4["move_reason"] == (
        "served high-touch today ('Named CSM'); the plan recommends medium-touch: ARR 50 to keep while saving 9k a year"
    )
    summary = plan.to_dict()
    json.dumps(summary, allow_nan=False)
    assert summary["move_up"] == 3
    assert summary["move_down"] == 2
    assert summary["moves"]["based_on"] == "current_model_column"
    assert summary["moves"]["up"] == {"customers": 3, "revenue": 220.0, "upside": 1340.0, "cost_change": 23400.0}
    assert summary["moves"]["down"] == {"customers": 2, "revenue": 60.0, "upside": 440.0, "cost_change": -20700.0}
    assert summary["current_vs_recommended"] == {
        "high-touch": {"high-touch": 1, "medium-touch": 1, "tech-touch": 1},
        "medium-touch": {"high-touch": 1, "medium-touch": 0, "tech-touch": 0},
        "tech-touch": {"high-touch": 1, "medium-touch": 1, "tech-touch": 0},
        "not known": {"high-touch": 0, "medium-touch": 1, "tech-touch": 1},
    }
    assert summary["current_model"]["column"] == "CS Coverage"
    assert summary["current_model"]["detected"] is True
    assert summary["current_model"]["unmapped"] == {"Gold": 1}
    assert any("'Gold' (1)" in note for note in plan.notes)
    assert any("1 accounts have no value in 'CS Coverage'" in note for note in plan.notes)
    assert any("CS Coverage" in rule for rule in plan.rules_in_words)
    crosstab = plan.current_vs_recommended_frame()
    assert crosstab is not None
    assert int(crosstab.to_numpy().sum()) == 8


def test_costs_that_flag_most_high_touch_accounts_are_noted() -> None:
    table, labels, potential, settings_ = policy_case(segment_overrides={"2": "high-touch"})
    plan = plan_service(table, labels, NAMES, potential, settings_)
    # Seven high-touch accounts, none earning more than 150 a year against a 12k cost: all flagged, and said so.
    assert plan.frame["move"].tolist().count("down") == 7
    assert any("for 7 of the 7 high-touch accounts" in note for note in plan.notes)
    table, labels, potential, settings_ = policy_case()
    assert not any(
        "high-touch accounts" in note for note in plan_service(table, labels, NAMES, potential, settings_).notes
    )


def test_current_model_column_chosen_mapped_or_switched_off() -> None:
    plan = coverage_case(COVERAGE, current_model_values={"gold": "high-touch"})
    assert plan.frame["move"].iloc[5] == "down"  # C6: 'Gold' read as high-touch, the plan says medium-touch
    plan = coverage_case(COVERAGE, detect_current_model=False)
    assert plan.current is None
    assert plan.to_dict()["current_vs_recommended"] is None
    assert plan.to_dict()["moves"]["based_on"] == "plan_rules"
    assert plan.current_vs_recommended_frame() is None
    plan = coverage_case(COVERAGE, current_model_column="CS Coverage", detect_current_model=False)
    assert plan.to_dict()["current_model"]["detected"] is False
    with pytest.raises(InputError, match="'Touch' chosen for today's service model is not in the data"):
        coverage_case(COVERAGE, current_model_column="Touch")
    with pytest.raises(InputError, match="No value of 'plan_tier'"):
        coverage_case(COVERAGE, current_model_column="plan_tier")
    with pytest.raises(ValueError, match="unknown"):
        ServiceSettings(current_model_values={"Gold": "platinum-touch"})


def test_current_model_column_detection_by_name_and_values() -> None:
    # 'plan_tier' has a service-ish name but its values name no model; a column of mostly unmapped values is
    # not taken either, and 'Low touch' is the middle model unless a mid-touch value sits beside it.
    plan = coverage_case(["Gold", "Silver", "Gold", "Bronze", "Digital", "Gold", "Silver", "Gold"])
    assert plan.current is None
    plan = coverage_case(["High touch", "Low touch", "Tech touch", "Low touch", None, None, None, None])
    assert plan.current is not None
    assert plan.current.mapping == {"High touch": "high-touch", "Low touch": "medium-touch", "Tech touch": "tech-touch"}
    plan = coverage_case(["High touch", "Low touch", "Mid touch", "Low touch", None, None, None, None])
    assert plan.current is not None
    assert plan.current.mapping["Low touch"] == "tech-touch"


# Twelve accounts with thresholds set by hand (ARR high ≥ 100k, low < 20k; long-term potential high ≥ 500k,
# low < 100k) and the default costs (high-touch 12k, medium 2.5k, tech 300 a year).
RULES_REVENUE = [150e3, 105e3, 40e3, 30e3, 60e3, 10e3, 5e3, 10e3, 50e3, 200e3, 25e3, 300e3]
RULES_LONG = [600e3, 90e3, 550e3, 200e3, 150e3, 700e3, 50e3, 300e3, 80e3, 900e3, 520e3, 1.2e6]
RULES_SHORT = [0, 0, 20e3, 0, 0, 0, 0, 0, 0, 0, 5e3, 0]


def test_moves_by_the_plans_rules_without_a_current_column() -> None:
    n = len(RULES_REVENUE)
    table = make_table(pd.DataFrame({"customer_id": [f"A{i}" for i in range(1, n + 1)], "revenue": RULES_REVENUE}), {})
    thresholds = {"arr_high": 100e3, "arr_low": 20e3, "potential_high": 500e3, "potential_low": 100e3, **UNBOUNDED}
    plan = plan_service(
        table, np.ones(n, dtype=int), {1: "All"}, hand_potential(RULES_SHORT, RULES_LONG), ServiceSettings(**thresholds)
    )
    models = plan.frame["service_model"].tolist()
    assert [i + 1 for i, m in enumerate(models) if m == "high-touch"] == [1, 2, 3, 10, 11, 12]
    # A4: medium-touch, 200k = 6.7× its 30k (≥ 20k) → up. A6: medium-touch, 700k ≥ 500k → up.
    # A2: high-touch, low potential (90k) and 105k below the high-touch median (25, 40, 105, 150, 200, 300 → 127.5k).
    # A11: high-touch costs 12k, more than 25% of 25k + 5k = 30k → down. A3: 12k is not more than 25% of 60k.
    # A8 (30× its ARR) earns only 10k, below the 20k floor; A5 (150k = 2.5×) is under 3×.
    assert plan.frame["move"].tolist() == ["", "down", "", "up", "", "up", "", "", "", "", "down", ""]
    reasons = dict(zip(plan.details["customer_id"], plan.move_reason_at(np.arange(len(plan.details))), strict=True))
    assert reasons["A4"] == "medium-touch by the plan, but potential 200k is 6.7× its ARR 30k → consider high-touch"
    assert reasons["A6"] == (
        "medium-touch by the plan, but long-term potential 700k is in the top tier (≥ 500k) → consider high-touch"
    )
    assert reasons["A2"] == (
        "high-touch by the plan, but low long-term potential 90k and ARR 105k below the high-touch median 128k "
        "→ consider medium-touch"
    )
    assert reasons["A11"] == (
        "high-touch by the plan, but high-touch costs 12k a year, more than 25% of the ARR expected in 12 months "
        "(30k) → consider medium-touch"
    )
    summary = plan.to_dict()
    assert summary["moves"]["based_on"] == "plan_rules"
    assert summary["moves"]["up"] == {"customers": 2, "revenue": 40e3, "upside": 860e3, "cost_change": 18000.0}
    assert summary["moves"]["down"]["customers"] == 2
    assert summary["moves"]["down"]["cost_change"] == -18000.0
    assert summary["moves"]["thresholds"]["high_touch_median_revenue"] == 127.5e3
    assert summary["current_vs_recommended"] is None
    assert plan.move_up_frame()["customer_id"].tolist() == ["A6", "A4"]  # larger upside first
    assert any(rule.startswith("No column says how accounts are served today") for rule in plan.rules_in_words)
    # A higher multiple drops A4; a looser cost share drops A11.
    looser = plan_service(
        table,
        np.ones(n, dtype=int),
        {1: "All"},
        hand_potential(RULES_SHORT, RULES_LONG),
        ServiceSettings(**thresholds, move_up_multiple=8.0, max_cost_share=0.5),
    )
    assert looser.frame["move"].tolist() == ["", "down", "", "", "", "up", "", "", "", "", "", ""]
    # At 20% A3 sits on the line (12k = 20% of 60k: not more, so kept); at 19% it is flagged.
    for share, flagged in ((0.2, ""), (0.19, "down")):
        tighter = plan_service(
            table,
            np.ones(n, dtype=int),
            {1: "All"},
            hand_potential(RULES_SHORT, RULES_LONG),
            ServiceSettings(**thresholds, max_cost_share=share),
        )
        assert tighter.frame["move"].iloc[2] == flagged


@settings(max_examples=30, deadline=None)
@given(
    today=st.lists(st.sampled_from(["Named CSM", "Pooled", "Digital", "n/a"]), min_size=8, max_size=8),
)
def test_moves_against_today_follow_the_model_order(today: list[str]) -> None:
    plan = coverage_case(list(today), current_model_column="CS Coverage") if set(today) != {"n/a"} else None
    if plan is None:
        return
    order = {m: i for i, m in enumerate(SERVICE_MODELS)}
    for now, recommended, move in zip(
        plan.frame["current_model"], plan.frame["service_model"], plan.frame["move"], strict=True
    ):
        expected = (
            ""
            if not now
            else ("up" if order[recommended] < order[now] else "down" if order[recommended] > order[now] else "")
        )
        assert move == expected
    table = plan.to_dict()["current_vs_recommended"]
    assert sum(sum(row.values()) for row in table.values()) == 8


# --- potential -------------------------------------------------------------------------------------


def test_seat_headroom_and_segment_lookalikes_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "revenue": [1000.0, 2000.0, 3000.0, 4000.0],
            "Licenses Purchased": [10.0, 10.0, 10.0, 10.0],
            "Licenses Assigned": [10.0, 5.0, 12.0, 4.0],
        }
    )
    table = make_table(frame, {"Licenses Purchased": "numeric", "Licenses Assigned": "numeric"})
    potential_settings = PotentialSettings(seat_growth=0.5, realisation_factor=0.2, min_group_size=3)
    estimate = estimate_potential(table, np.ones(4, dtype=int), potential_settings)
    short = estimate.frame["short_term_potential"].tolist()
    # Look-alike: segment P75 = 3250. A: seats 100% used → (0 + 10·0.5) seats × 100 = 500 > (3250−1000)·0.2 = 450.
    # B: 50% used, no seat headroom → 1250·0.2 = 250. C: 120% → (2 + 5) × 300 = 2100. D: 40% → 0.
    assert short == pytest.approx([500.0, 250.0, 2100.0, 0.0])
    long = estimate.frame["long_term_potential"].to_numpy()
    assert (long >= frame["revenue"].to_numpy() + np.asarray(short) - 1e-6).all()
    assert (estimate.frame["potential_confidence"] == "low").all()  # no firmographics
    assert estimate.drivers_at(np.arange(1))[0].startswith("uses 100% of its 10 seats")
    assert any("no company size, industry or region/country" in note for note in estimate.notes)
    json.dumps(estimate.to_dict(), allow_nan=False)


def test_column_detection_by_role_and_name() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "revenue": [1.0, 2.0],
            "No. of Employees": [10.0, 20.0],
            "Vertical": ["Retail", "Banking"],
            "Sales Territory": ["EMEA", "APAC"],
            "Customer Since": pd.to_datetime(["2020-01-01", "2024-01-01"]),
            "Renewal Date": pd.to_datetime(["2027-01-01", "2027-01-01"]),
            "Edition": ["Pro", "Basic"],
            "api_calls_used": [90.0, 10.0],
            "api_calls_limit": [100.0, 100.0],
        }
    )
    roles = {
        "No. of Employees": "numeric",
        "Vertical": "categorical",
        "Sales Territory": "geographic",
        "Customer Since": "date",
        "Renewal Date": "date",
        "Edition": "categorical",
        "api_calls_used": "numeric",
        "api_calls_limit": "numeric",
    }
    found = find_potential_columns(make_table(frame, roles))
    assert found.size == "No. of Employees"
    assert found.industry == "Vertical"
    assert found.geography == ["Sales Territory"]
    assert found.start_date == "Customer Since"
    assert found.plan == "Edition"
    assert (found.usage, found.usage_limit) == ("api_calls_used", "api_calls_limit")
    assert found.seats_bought is None


def test_size_bands_as_text_and_active_users_as_seats_used() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "revenue": [1000.0, 2000.0, 3000.0],
            "Company Size": ["51-200", "1,001–5,000", "10,000+"],
            "licensed_users": [10.0, 20.0, 30.0],
            "active_users": [10.0, 5.0, 30.0],
        }
    )
    roles = {"Company Size": "categorical", "licensed_users": "numeric", "active_users": "numeric"}
    table = make_table(frame, roles)
    found = find_potential_columns(table)
    assert (found.size, found.seats_bought, found.seats_used) == ("Company Size", "licensed_users", "active_users")
    assert size_values(table.customers, found.size) == pytest.approx([np.sqrt(51 * 200), np.sqrt(1001 * 5000), 15000])


def test_size_bands_and_money_words() -> None:
    assert size_bands(np.array([5.0, 10.0, 11.0, 350.0, 20000.0, np.nan])).tolist() == [
        "1–10",
        "1–10",
        "11–50",
        "201–500",
        "10,000+",
        "",
    ]
    assert money_each(np.array([950.0, 18240.0, 182000.0, 1_400_000.0, 2.5e9])).to_pylist() == [
        "950",
        "18.2k",
        "182k",
        "1.4M",
        "2.5bn",
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-2_000_000, 2_000_000), min_size=1, max_size=60), st.sampled_from([1.0, 0.5, 0.05, 1e3]))
def test_money_each_writes_what_format_money_writes(steps: list[int], unit: float) -> None:
    """Formatting once per shown figure must not merge amounts that read differently (rounding halves included)."""
    values = np.array(steps, dtype=float) * unit
    values = np.append(values, [np.nan, 18150.0, 18160.0, 999.5, 999.49, -0.004, 0.5, 2.5])
    assert money_each(values).to_pylist() == [format_money(float(v)) for v in values]


def synthetic_firmographic_table(n: int = 400, seed: int = 1) -> tuple[CustomerTable, np.ndarray]:
    """Accounts whose mature value follows size and industry; current revenue is a share of it by age."""
    rng = np.random.default_rng(seed)
    employees = np.exp(rng.uniform(np.log(10), np.log(5000), n)).round()
    industry = rng.choice(["Bank", "Shop", "Clinic"], n)
    mature_value = 200 * employees**0.9 * np.select([industry == "Bank", industry == "Shop"], [2.0, 0.6], 1.0)
    mature_value *= np.exp(rng.normal(0, 0.2, n))
    age_months = rng.uniform(1, 72, n)
    revenue = mature_value / (1 + np.exp(-(age_months - 18) / 6))
    signup = pd.Timestamp("2026-01-01") - pd.to_timedelta(age_months * 30.4375, unit="D")
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "revenue": revenue,
            "employees": employees,
            "industry": industry,
            "signup_date": signup,
        }
    )
    table = make_table(frame, {"employees": "numeric", "industry": "categorical", "signup_date": "date"})
    return table, mature_value


def test_long_term_regression_recovers_mature_value() -> None:
    table, mature_value = synthetic_firmographic_table()
    estimate = estimate_potential(table, np.ones(table.n_customers, dtype=int), PotentialSettings())
    long = estimate.frame["long_term_potential"].to_numpy()
    revenue = table.customers["revenue"].to_numpy()
    assert (long >= revenue - 1e-6).all()
    assert (estimate.frame["short_term_potential"] >= 0).all()
    assert spearmanr(long, mature_value).statistic > 0.9
    summary = estimate.to_dict()
    assert summary["method"] == "regression on mature accounts"
    assert summary["fit"]["r2_held_out"] > 0.8
    assert summary["confidence"]["high"] > 0
    drivers = estimate.drivers_at(np.arange(1))[0]
    assert "employees" in drivers
    json.dumps(summary, allow_nan=False)


def test_without_dates_fits_on_best_penetrated_accounts() -> None:
    table, mature_value = synthetic_firmographic_table()
    table.customers = table.customers.drop(columns=["signup_date"])
    table.roles.pop("signup_date")
    estimate = estimate_potential(table, np.ones(table.n_customers, dtype=int), PotentialSettings())
    assert estimate.method == "regression on best-penetrated accounts"
    assert any("best-penetrated" in note for note in estimate.notes)
    assert spearmanr(estimate.frame["long_term_potential"], mature_value).statistic > 0.8


def test_transaction_only_data_falls_back_to_segment_lookalikes() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(6)],
            "revenue": [100.0, 200.0, 300.0, 1000.0, 2000.0, 3000.0],
            "recency_days": [10.0, 20.0, 30.0, 5.0, 6.0, 7.0],
            "frequency": [1.0, 2.0, 3.0, 10.0, 12.0, 14.0],
            "monetary": [100.0, 200.0, 300.0, 1000.0, 2000.0, 3000.0],
        }
    )
    table = make_table(frame, {"recency_days": "numeric", "frequency": "numeric", "monetary": "numeric"})
    estimate = estimate_potential(table, np.array([2, 2, 2, 1, 1, 1]), PotentialSettings(min_group_size=3))
    assert estimate.method == "look-alikes within segment"
    assert (estimate.frame["potential_confidence"] == "low").all()
    # Half-way to the segment's 75th percentile: segment 2's is 250 (100 → 175, 200 → 225, 300 stays);
    # segment 1's is 2500 (1000 → 1750).
    assert estimate.frame["long_term_potential"].tolist()[:4] == pytest.approx([175.0, 225.0, 300.0, 1750.0])
    assert "segment 2" in estimate.drivers_at(np.arange(1))[0]


def test_user_potential_column_replaces_the_estimate() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "revenue": [100.0, 200.0, 300.0],
            "crm_potential": [1000.0, 150.0, np.nan],
            "crm_upsell": [50.0, -5.0, 10.0],
        }
    )
    table = make_table(frame, {"crm_potential": "numeric", "crm_upsell": "numeric"})
    potential_settings = PotentialSettings(potential_column="CRM_Potential", short_term_column="crm_upsell")
    estimate = estimate_potential(table, np.ones(3, dtype=int), potential_settings)
    long = estimate.frame["long_term_potential"].tolist()
    assert long[0] == 1000.0
    assert long[1] == 200.0  # below current revenue → raised to it
    assert long[2] >= 300.0  # blank → estimated
    assert estimate.frame["short_term_potential"].tolist() == [50.0, 0.0, 10.0]
    assert estimate.method == "your column 'crm_potential'"
    assert any("your column 'crm_potential'" in note for note in estimate.notes)
    drivers = list(estimate.drivers_at(np.arange(3)))
    assert drivers[0] == drivers[1] != drivers[2]
    assert drivers[0] == (
        "short-term potential from your column 'crm_upsell'; long-term potential from your column 'crm_potential'"
    )
    assert drivers[2] == "short-term potential from your column 'crm_upsell'"
    assert list(estimate.drivers_at(np.array([2, 0, 2]))) == [drivers[2], drivers[0], drivers[2]]
    with pytest.raises(InputError, match="not in the customer table"):
        estimate_potential(table, np.ones(3, dtype=int), PotentialSettings(potential_column="nope"))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=80),
    seed=st.integers(min_value=0, max_value=10_000),
    with_seats=st.booleans(),
    with_firmographics=st.booleans(),
)
def test_potential_is_never_negative_and_long_term_covers_next_year(
    n: int, seed: int, *, with_seats: bool, with_firmographics: bool
) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"customer_id": [f"C{i}" for i in range(n)], "revenue": rng.lognormal(8, 2, n) * rng.choice([0, 1, 1, 1], n)}
    )
    roles: dict[str, str] = {}
    if with_seats:
        frame["seats_purchased"] = rng.integers(0, 50, n).astype(float)
        frame["seats_used"] = rng.integers(0, 60, n).astype(float)
        roles |= {"seats_purchased": "numeric", "seats_used": "numeric"}
    if with_firmographics:
        frame["employees"] = np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(5, 1.5, n))
        frame["industry"] = rng.choice(["Bank", "Shop", ""], n)
        roles |= {"employees": "numeric", "industry": "categorical"}
    table = make_table(frame, roles)
    estimate = estimate_potential(table, rng.integers(0, 3, n), PotentialSettings())
    short = estimate.frame["short_term_potential"].to_numpy()
    long = estimate.frame["long_term_potential"].to_numpy()
    revenue = frame["revenue"].to_numpy()
    assert np.isfinite(short).all()
    assert (short >= 0).all()
    assert (long >= revenue + short - 1e-6 * (1 + revenue)).all()
    assert estimate.frame["potential_confidence"].isin(["low", "medium", "high"]).all()
    assert pd.Series(estimate.drivers_at(np.arange(len(frame)))).map(type).eq(str).all()
    json.dumps(estimate.to_dict(), allow_nan=False)


def test_label_count_mismatch_is_an_input_error() -> None:
    table = make_table(pd.DataFrame({"customer_id": ["A", "B"], "revenue": [1.0, 2.0]}), roles={})
    with pytest.raises(InputError, match="labels"):
        estimate_potential(table, np.ones(3, dtype=int), PotentialSettings())


def test_charts_build_from_aggregates() -> None:
    table, labels, potential, settings_ = policy_case(high_touch_csms=1, accounts_per_csm_high=2)
    plan = plan_service(table, labels, NAMES, potential, settings_)
    grid = service_charts.service_grid(plan).to_dict()
    assert len(next(iter(grid["datasets"].values()))) == 9
    capacity_spec = json.dumps(service_charts.capacity(plan).to_dict())
    assert "high-touch" in capacity_spec
    frame = pd.DataFrame(
        {
            "customer_id": table.customers["customer_id"],
            "revenue": POLICY_REVENUE,
            "long_term_potential": POLICY_LONG,
            "service_model": plan.frame["service_model"],
        }
    )
    scatter = service_charts.potential_scatter(frame, max_points=5).to_dict()
    assert len(next(iter(scatter["datasets"].values()))) == 5
    assert "sampled" in json.dumps(scatter["title"])


# --- the bundled sample data -----------------------------------------------------------------------


def sample_table() -> CustomerTable:
    """The sample accounts as intake would hand them over (roles set by hand)."""
    raw = pd.read_csv(SAMPLE)
    roles = {
        "account_name": "customer_name",
        "industry": "categorical",
        "country": "geographic",
        "region": "geographic",
        "employees": "numeric",
        "plan": "categorical",
        "seats_purchased": "numeric",
        "seats_used": "numeric",
        "signup_date": "date",
        "monthly_active_users": "numeric",
        "logins_30d": "numeric",
        "feature_adoption_pct": "numeric",
        "support_tickets_90d": "numeric",
        "nps_score": "numeric",
        "renewal_date": "date",
    }
    frame = pd.DataFrame({"customer_id": raw["account_id"], "revenue": raw["arr"]})
    for column, role in roles.items():
        values = raw[column]
        if role == "date":
            values = pd.to_datetime(values)
        elif role == "numeric":
            values = values.astype(float)
        frame[column] = values.to_numpy()
    return make_table(frame, roles)


@pytest.mark.skipif(not (SAMPLE.exists() and TRUTH.exists()), reason="sample data not generated yet")
def test_sample_data_potential_tracks_the_planted_truth() -> None:
    table = sample_table()
    truth = pd.read_csv(TRUTH).set_index("account_id").loc[table.customers["customer_id"]]
    labels = np.ones(table.n_customers, dtype=int)
    estimate = estimate_potential(table, labels, PotentialSettings())
    # At-risk accounts count no 12-month expansion (issue 14: a save comes first); the planted truth
    # gives them some, so the short-term ranking is scored on the healthy accounts.
    healthy = ~estimate.risk.at_risk if estimate.risk is not None else np.ones(table.n_customers, dtype=bool)
    short = spearmanr(
        estimate.frame["short_term_potential"][healthy], truth["true_short_term_potential"][healthy]
    ).statistic
    long = spearmanr(estimate.frame["long_term_potential"], truth["true_long_term_potential"]).statistic
    assert short >= 0.6, f"short-term Spearman {short:.3f}"
    assert long >= 0.6, f"long-term Spearman {long:.3f}"
    assert estimate.columns_used["seats_bought"] == "seats_purchased"
    assert estimate.columns_used["company_size"] == "employees"
    plan = plan_service(table, labels, {1: "All"}, estimate, ServiceSettings(high_touch_csms=8))
    assert (plan.frame["service_model"] == "high-touch").sum() <= 8 * 25
    json.dumps(plan.to_dict(), allow_nan=False)


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample data not generated yet")
def test_sample_data_move_lists_are_a_non_empty_minority() -> None:
    table = sample_table()
    labels = np.ones(table.n_customers, dtype=int)
    estimate = estimate_potential(table, labels, PotentialSettings())
    plan = plan_service(table, labels, {1: "All"}, estimate, ServiceSettings())
    models = plan.frame["service_model"]
    up, down = len(plan.move_up_frame()), len(plan.move_down_frame())
    assert 0 < up < 0.5 * models.isin(["medium-touch", "tech-touch"]).sum()
    assert 0 < down < 0.5 * (models == "high-touch").sum()
    assert plan.to_dict()["moves"]["based_on"] == "plan_rules"


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample data not generated yet")
def test_sample_data_with_todays_coverage_read_through_intake() -> None:
    # Coverage by ARR alone, as spreadsheets do it today: the top 10% get a named CSM, the next 40% are pooled.
    from segmentation.intake import IntakeSettings, Source, build_customer_table

    raw = pd.read_csv(SAMPLE)
    rank = raw["arr"].rank(pct=True)
    raw["CS Coverage"] = np.where(rank > 0.9, "Enterprise CSM", np.where(rank > 0.5, "Pooled", "Digital"))
    table = build_customer_table(Source.from_bytes("accounts.csv", raw.to_csv(index=False).encode()), IntakeSettings())
    labels = np.ones(table.n_customers, dtype=int)
    estimate = estimate_potential(table, labels, PotentialSettings())
    plan = plan_service(table, labels, {1: "All"}, estimate, ServiceSettings())
    summary = plan.to_dict()
    assert summary["current_model"]["column"] == "CS Coverage"
    assert summary["current_model"]["customers_known"] == table.n_customers
    crosstab = summary["current_vs_recommended"]
    assert sum(sum(row.values()) for row in crosstab.values()) == table.n_customers
    # Potential lifts some pooled and digital accounts above what ARR alone gave them.
    assert summary["move_up"] > 0
    # Every move-up is a lighter model today than the plan's; at-risk accounts are on the save list instead,
    # and move-ups the budget cannot afford are dropped (issue 14), so the move-ups are at most those cells.
    assert summary["move_up"] <= crosstab["medium-touch"]["high-touch"] + sum(
        crosstab["tech-touch"][m] for m in ("high-touch", "medium-touch")
    )
    assert not (plan.frame["move"].eq("up") & (plan.frame["risk_score"] >= 50)).any()
    json.dumps(summary, allow_nan=False)


def test_a_plan_survives_the_app_cache_pickle_unchanged() -> None:
    """The app caches plans by pickling them without duplicated columns; nothing may change."""
    import pickle

    table, labels, potential, settings_ = policy_case()
    plan = plan_service(table, labels, NAMES, potential, settings_)
    again = pickle.loads(pickle.dumps(plan))
    pd.testing.assert_frame_equal(again.frame, plan.frame)
    pd.testing.assert_frame_equal(again.details, plan.details)
    assert again.to_dict() == plan.to_dict()
    assert again.reasons.whole().equals(plan.reasons.whole())
    assert again.move_reasons.whole().equals(plan.move_reasons.whole())


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    picks=st.lists(st.integers(0, 10_000), max_size=30),
)
def test_lazy_text_read_at_any_rows_is_the_column_written_out(n: int, seed: int, picks: list[int]) -> None:
    """Rows read one way or another (unsorted, repeated, none) say what writing every row says."""
    from segmentation.service.text import LazyText

    rng = np.random.default_rng(seed)
    masks = [rng.random(n) < share for share in (0.5, 0.4, 0.3)]
    lazy = (
        LazyText.of(n, lambda rows: np.array([f"row {r}" for r in rows], dtype=object))
        .put(masks[0], "constant")
        .put(masks[1], lambda rows: np.array([f"second {r}" for r in rows], dtype=object))
        .rewrite(masks[2], lambda rows, below: concat(below, " +"))
        .replaced("constant", "renamed")
    )
    expected = [f"row {r}" for r in range(n)]
    for r in range(n):
        expected[r] = "constant" if masks[0][r] else expected[r]
        expected[r] = f"second {r}" if masks[1][r] else expected[r]
        expected[r] = expected[r] + " +" if masks[2][r] else expected[r]
        expected[r] = "renamed" if expected[r] == "constant" else expected[r]
    assert lazy.whole().to_pylist() == expected
    rows = np.array([p % n for p in picks], dtype=np.int64)
    assert lazy.at(rows).to_pylist() == [expected[r] for r in rows]
    import pickle

    assert pickle.loads(pickle.dumps(lazy)).whole().to_pylist() == expected


def test_the_codes_a_plan_keeps_are_what_its_texts_say() -> None:
    """The plan keeps the model and tier codes its texts were written from; read back from the texts (as a
    copy of the plan made by pickling does) they are the same."""
    import pickle

    from segmentation.service.settings import TIERS

    table, labels, potential, settings_ = policy_case(high_touch_csms=1, accounts_per_csm_high=1)
    plan = plan_service(table, labels, NAMES, potential, settings_)
    read_back = pickle.loads(pickle.dumps(plan))  # no views: every code is read from the texts
    for column, words in (
        ("service_model", SERVICE_MODELS),
        ("wanted_model", SERVICE_MODELS),
        ("arr_tier", TIERS),
        ("potential_tier", TIERS),
    ):
        kept = plan.__dict__["_views"][f"codes of {column}"]
        assert kept.tolist() == read_back.codes(column, words).tolist(), column
        assert not kept.flags.writeable
    assert (plan.codes("wanted_model", SERVICE_MODELS) != plan.model_codes()).any()  # capacity moved one


def test_a_plans_reasons_read_for_some_accounts_are_those_of_every_account() -> None:
    """Capacity (twice), the budget, a pin and an override each rewrite reasons; reading a few accounts
    writes only theirs and says the same as writing all, in the lists too."""
    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    result = run_analysis(Source.from_path(SAMPLE_ACCOUNTS))
    ids = result.table.customers["customer_id"].astype(str)
    config = result.config.updated(
        **{
            "service.high_touch_csms": 2,
            "service.medium_touch_csms": 3,
            "service.cost_budget_share": 0.02,
            "service.segment_overrides": {"2": "high-touch"},
            "service.pins": [{"accounts": [str(ids.iloc[5])], "model": "tech-touch", "set_by": "the board"}],
        }
    )
    names = result.segment_names
    plan = plan_service(result.table, result.segmentation.labels, names, result.potential, config.service)
    whole = pd.Series(plan.reason_texts())
    for words in ("are full", "full too", "must stay within", "by an override", "by the board"):
        assert whole.str.contains(words).any(), words
    rows = np.random.default_rng(3).permutation(len(whole))[:400]
    assert list(plan.reason_at(rows)) == whole.iloc[rows].tolist()
    spilled = plan.spilled_frame()
    positions = ids.reset_index(drop=True)
    by_id = dict(zip(positions, whole, strict=True))
    assert len(spilled) and [by_id[i] for i in spilled["customer_id"]] == spilled["service_model_reason"].tolist()
    moves = pd.Series(plan.move_reasons.whole())
    assert moves.str.contains("save play").any() and moves.str.contains("consider").any()
    assert list(plan.move_reason_at(rows)) == moves.iloc[rows].tolist()
    move_by_id = dict(zip(positions, moves, strict=True))
    for listed in (plan.move_up_frame(), plan.save_frame()):
        assert len(listed) and [move_by_id[i] for i in listed["customer_id"]] == listed["move_reason"].tolist()
    largest = plan.overview.lists["save"].largest
    assert largest and [move_by_id[a.customer_id] for a in largest] == [a.reason for a in largest]
    assert result.potential.drivers is not None
    drivers = result.potential.drivers.whole().to_pylist()
    assert all(drivers) and list(result.potential.drivers_at(rows)) == [drivers[r] for r in rows]


def _factorised_groups(*keys: np.ndarray) -> np.ndarray:
    """Reference for group_codes: factorise every key, combine, number by first appearance."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(key, use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
    return pd.factorize(combined)[0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=1, max_size=40),
    st.sampled_from([1.0, 0.1, 0.37, 1e6]),
    st.booleans(),
)
def test_group_codes_match_factorising_each_key(ints: list[int], step: float, with_nan: bool) -> None:
    small = np.array(ints, dtype=np.int8)
    floats = np.round(np.array(ints, dtype=float) * step, 1)
    if with_nan:
        floats[0] = np.nan
    assert group_codes(small, floats).tolist() == _factorised_groups(small, floats).tolist()
    assert group_codes(floats).tolist() == _factorised_groups(floats).tolist()
    assert group_codes(np.array([0.0, -0.0, 2.0])).tolist() == [0, 0, 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 5).map(float), st.just(float("nan")), st.just(float("inf"))), max_size=30))
def test_percentile_rank_matches_pandas(values: list[float]) -> None:
    array = np.array(values, dtype=float)
    expected = pd.Series(array).rank(method="average", pct=True).to_numpy(dtype=float)
    assert np.array_equal(_percentile_rank(array), expected, equal_nan=True)


def test_fill_spreads_values_to_the_masked_rows_only() -> None:
    mask = np.array([False, True, False, True, True])
    values = words_at(["ab", "", "xyz"], np.array([2, 1, 0]))
    assert fill(5, mask, values).to_pylist() == ["", "xyz", "", "", "ab"]
    sliced = values.slice(1, 2)  # ["", "ab"]: an array that starts inside its buffers
    assert fill(4, np.array([True, False, False, True]), sliced).to_pylist() == ["", "", "", "ab"]
    assert fill(3, np.zeros(3, dtype=bool), words_at(["a"], np.zeros(0, dtype=np.int64))).to_pylist() == ["", "", ""]


def test_grid_text_reads_on_each_tile_and_heatmap_ink_follows_the_cell() -> None:
    """White on the dark-green high-touch tile, black on amber and grey; a heatmap's strong cells get white."""
    from segmentation.charts import cell_ink, to_svg

    table, labels, potential, settings_ = policy_case()
    chart = service_charts.service_grid(plan_service(table, labels, NAMES, potential, settings_))
    spec = chart.to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert {row["model"] for row in rows} == set(SERVICE_MODELS)
    assert all(row["ink"] == ("white" if row["model"] == "high-touch" else "black") for row in rows)
    text_layer = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert "scale" not in text_layer["encoding"]["color"], "a condition: it shares no scale with the tiles"
    svg = to_svg(chart)
    assert 'fill="white"' in svg or "fill: white" in svg or 'fill="#ffffff"' in svg.lower()
    assert list(cell_ink(pd.Series([-3.0, -0.5, 0.0, 1.0, 2.5, None]))) == [
        "white",
        "black",
        "black",
        "black",
        "white",
        "black",
    ]
    assert list(cell_ink(pd.Series([0.0, 0.0]))) == ["black", "black"]


def test_the_groundwork_reads_only_its_settings_and_a_plan_from_it_is_the_plan() -> None:
    """`BASE_SETTINGS` are all `plan_base` reads (the app keys it by these), and a plan made from a kept base
    with other CSMs, tech-touch cost, budget and move rules is the plan made from scratch with them."""
    from segmentation.intake import Source
    from segmentation.pipeline import plan, plan_groundwork, run_analysis
    from segmentation.service.policy import BASE_SETTINGS
    from tests.conftest import SAMPLE_ACCOUNTS

    result = run_analysis(Source.from_path(SAMPLE_ACCOUNTS))
    others = {
        "high_touch_csms": 2,
        "accounts_per_csm_high": 7,
        "medium_touch_csms": 3,
        "accounts_per_csm_medium": 40,
        "cost_tech": 90.0,
        "current_model_column": "plan",
        "detect_current_model": False,
        "current_model_values": {"enterprise": "high-touch"},
        "move_up_multiple": 2.5,
        "max_cost_share": 0.2,
        "playbooks": {"tech-touch": "Webinars."},
        "cost_budget_share": 0.1,
        "allow_cost_above_revenue": True,
        "consumer_like": "no",
        "consumer_median_revenue": 5.0,
        "consumer_min_customers": 10,
        "segment_playbooks": {"1": "Call."},
    }
    fields = set(type(result.config.service).model_fields)
    assert set(others) | {"move_rules"} == fields - BASE_SETTINGS, "a new service setting: does plan_base read it?"
    changed = result.config.updated(**{f"service.{k}": v for k, v in others.items()})
    kept = plan_groundwork(result.table, result.segmentation, result.potential, result.config)
    again = plan_groundwork(result.table, result.segmentation, result.potential, changed)
    for name in ("revenue", "basis", "model", "score", "arr_code", "potential_code"):
        assert np.array_equal(getattr(kept, name), getattr(again, name)), name
    assert kept.reason.whole().equals(again.reason.whole())
    assert kept.notes == again.notes and kept.thresholds == again.thresholds
    from_kept = plan(result.table, result.segmentation, result.potential, changed, kept)
    whole = plan(result.table, result.segmentation, result.potential, changed)
    pd.testing.assert_frame_equal(from_kept.details, whole.details)
    assert from_kept.reasons.whole().equals(whole.reasons.whole())
    assert from_kept.to_dict() == whole.to_dict()
    assert (
        kept.model.tolist()
        == plan_groundwork(result.table, result.segmentation, result.potential, result.config).model.tolist()
    ), "a plan changed its base"


def test_a_potential_from_kept_groundwork_is_the_potential_made_whole() -> None:
    """The label-free part (columns, size, industry, seat headroom, risk) kept from one segmentation gives,
    for other segments, the estimate made from scratch; and no estimate changes what it shares."""
    from segmentation.config import AnalysisConfig
    from segmentation.intake import Source
    from segmentation.pipeline import estimate, potential_groundwork, run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    result = run_analysis(Source.from_path(SAMPLE_ACCOUNTS))
    ground = potential_groundwork(result.table, result.config)
    other = run_analysis(Source.from_path(SAMPLE_ACCOUNTS), AnalysisConfig().updated(**{"segmentation.k": 6}))
    for segments in (result.segmentation, other.segmentation):
        kept = estimate(result.table, segments, result.config, ground)
        whole = estimate(result.table, segments, result.config)
        pd.testing.assert_frame_equal(kept.frame, whole.frame)
        assert kept.to_dict() == whole.to_dict() and kept.notes == whole.notes
    assert not ground.size.flags.writeable and not ground.usage.amount.flags.writeable
    assert ground.risk is not None and np.array_equal(ground.risk.score, whole.risk.score)
