"""Issue 14: risk as the third axis, the save list, the cost-to-serve budget, pins, validated potential."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from segmentation.config import AnalysisConfig
from segmentation.errors import InputError
from segmentation.intake.table import ColumnRole, CustomerTable
from segmentation.service import (
    PotentialEstimate,
    PotentialSettings,
    ServiceSettings,
    estimate_potential,
    plan_service,
)
from segmentation.service.budget import resolve_pins, solve_budget
from segmentation.service.risk import score_risk
from segmentation.service.settings import SERVICE_MODELS
from tests.conftest import ROOT, SHARED_DATA

REFERENCE = pd.Timestamp("2026-06-30")


def make_table(frame: pd.DataFrame, roles: dict[str, str], grain: str = "customer") -> CustomerTable:
    """A CustomerTable built by hand: customer_id and revenue, plus columns with the given roles."""
    customers = frame.copy()
    customers["customer_id"] = customers["customer_id"].astype(str)
    customers["revenue"] = customers["revenue"].astype(float)
    return CustomerTable(
        customers=customers,
        roles={column: ColumnRole(column, role, 1.0, "set in the test") for column, role in roles.items()},
        id_column="customer_id",
        revenue_column="revenue",
        revenue_unit="ARR",
        source_name="test.csv",
        rows_read=len(customers),
        grain=grain,
    )


def one_segment(table: CustomerTable) -> np.ndarray:
    return np.ones(table.n_customers, dtype=int)


def plain_potential(table: CustomerTable) -> PotentialEstimate:
    return estimate_potential(table, one_segment(table), PotentialSettings())


# --- risk --------------------------------------------------------------------------------------


def test_risk_score_combines_signals_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "revenue": [10e3, 20e3, 30e3, 40e3],
            "nps_score": [3.0, 9.0, 3.0, np.nan],
            "logins_30d": [0.0, 12.0, 10.0, np.nan],
        }
    )
    risk = score_risk(make_table(frame, {"nps_score": "numeric", "logins_30d": "numeric"}))
    # A: NPS 3 → 0.6 × (7 − 3)/7 = 0.342857; no logins → 0.5; 1 − (1 − 0.342857)(1 − 0.5) = 0.671429.
    assert risk.score[0] == pytest.approx(67.1429, abs=1e-3)
    assert risk.score[1] == pytest.approx(0.0)
    assert risk.score[2] == pytest.approx(34.2857, abs=1e-3)
    assert np.isnan(risk.score[3])  # nothing known about D
    assert risk.at_risk.tolist() == [True, False, False, False]
    drivers = risk.drivers.to_pylist()
    assert drivers[0] == "NPS answer 3 of 10 (a detractor); no use in 'logins_30d'"
    assert drivers[1] == ""
    assert risk.signals == {"NPS": "nps_score", "logins": "logins_30d"}


def test_churn_flag_renewal_and_no_signal() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "revenue": [1.0, 2.0, 3.0],
            "Churn": ["Yes", "No", "No"],
            "renewal_date": [REFERENCE + pd.Timedelta(days=400), REFERENCE + pd.Timedelta(days=30), pd.NaT],
            "signup_date": [REFERENCE - pd.Timedelta(days=700)] * 2 + [REFERENCE],
        }
    )
    table = make_table(frame, {"Churn": "categorical", "renewal_date": "date", "signup_date": "date"})
    risk = score_risk(table)
    assert risk.score.tolist() == pytest.approx([100.0, 25.0, 0.0])
    assert risk.drivers.to_pylist()[:2] == ["marked as churned in 'Churn'", "renews in 30 days"]
    bare = score_risk(make_table(frame[["customer_id", "revenue"]], {}))
    assert np.isnan(bare.score).all()
    assert not bare.at_risk.any()
    assert "not scored" in bare.notes[0]


def test_purchase_rhythm_for_transactions() -> None:
    # A buys every 30 days and was last seen 120 days ago; B every 30 days, seen 20 days ago;
    # C bought once, 400 days ago (90% of repeat buyers come back within 30 days).
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "revenue": [100.0, 100.0, 50.0],
            "recency_days": [120.0, 20.0, 400.0],
            "frequency": [5.0, 5.0, 1.0],
            "tenure_days": [240.0, 140.0, 400.0],
        }
    )
    roles = dict.fromkeys(("recency_days", "frequency", "tenure_days"), "numeric")
    risk = score_risk(make_table(frame, roles, grain="transactions"))
    # A: own gap (240 − 120) / 4 = 30 days; 120 / 30 = 4 → (4 − 1) / 3 = 1, capped at 0.95.
    assert risk.score[0] == pytest.approx(95.0)
    assert risk.score[1] == pytest.approx(0.0)
    assert risk.score[2] == pytest.approx(95.0)
    assert risk.drivers.to_pylist()[0] == "no purchase for 120 days, 4.0× its usual gap of 30 days"


# --- the budget solve ----------------------------------------------------------------------------


def test_budget_keeps_the_largest_affordable_book() -> None:
    # Cost 12k, share 15%: slack after each account by revenue 200k, 50k, 10k, 5k is 18k, 13.5k, 3k, −8.25k.
    revenue = np.array([5e3, 200e3, 10e3, 50e3])
    model = np.zeros(4, dtype=np.int64)
    free = np.zeros(4, dtype=bool)
    cut, fell = solve_budget(model, revenue, free, name="high-touch", fallback="medium-touch", cost=12e3, share=0.15)
    assert fell.tolist() == [0]
    assert model.tolist() == [1, 0, 0, 0]
    assert (cut.kept, cut.fell, cut.revenue_floor) == (3, 1, 10e3)
    # A pinned account stays whatever it costs and uses up budget first.
    model = np.zeros(4, dtype=np.int64)
    pinned = np.array([True, False, False, False])
    cut, fell = solve_budget(model, revenue, pinned, name="high-touch", fallback="medium-touch", cost=12e3, share=0.15)
    # Pinned 5k: 0.75k − 12k = −11.25k; + 200k: 6.75k; + 50k: 2.25k; + 10k: −8.25k → the 10k account falls.
    assert model.tolist() == [0, 0, 1, 0]
    assert (cut.kept, cut.fell, cut.revenue_floor) == (3, 1, 50e3)


def ladder_table(n: int = 40) -> CustomerTable:
    revenue = np.geomspace(500.0, 400e3, n)
    return make_table(pd.DataFrame({"customer_id": [f"K{i:02d}" for i in range(n)], "revenue": revenue}), {})


def test_default_budget_bounds_each_model_and_every_view_counts_the_same() -> None:
    table = ladder_table()
    # Everything from 5k asks for high-touch at 30k a year; the budget must cut that back.
    settings = ServiceSettings(arr_high=5e3, arr_low=1e3, cost_high=30e3)
    plan = plan_service(table, one_segment(table), {1: "All"}, plain_potential(table), settings)
    for figures in plan.overview.models:
        assert figures.within_revenue, figures
        if figures.name != "tech-touch":
            assert figures.cost <= 0.15 * figures.revenue + 1e-6
    fell = np.flatnonzero(
        (plan.details["wanted_model"] == "high-touch") & (plan.details["service_model"] != "high-touch")
    )
    assert len(fell)
    assert pd.Series(plan.reason_at(fell)).str.contains("must stay within 15% of the ARR").all()
    grid = plan.grid_frame()
    models = plan.models_frame().set_index("name")
    for model in SERVICE_MODELS:
        assert grid[f"{model}_customers"].sum() == plan.overview.model(model).customers
        assert models.loc[model, "customers"] == plan.overview.model(model).customers
        assert models.loc[model, "headcount_needed"] == plan.overview.model(model).csms_needed


def test_allowing_cost_above_revenue_switches_the_bound_off() -> None:
    table = ladder_table()
    loose = ServiceSettings(arr_high=5e3, arr_low=1e3, cost_budget_share=None, allow_cost_above_revenue=True)
    plan = plan_service(table, one_segment(table), {1: "All"}, plain_potential(table), loose)
    assert all(cut.fell == 0 for cut in plan.budget.values())
    assert not all(m.within_revenue for m in plan.overview.models)


def test_capacity_card_and_grid_agree_with_few_csms() -> None:
    table = ladder_table(200)
    settings = ServiceSettings(high_touch_csms=1, accounts_per_csm_high=5)
    plan = plan_service(table, one_segment(table), {1: "All"}, plain_potential(table), settings)
    high = plan.overview.model("high-touch")
    assert high.customers <= 5
    assert high.csms_needed == int(np.ceil(high.customers / 5))
    assert plan.grid_frame()["high-touch_customers"].sum() == high.customers


def test_consumer_like_business_is_pooled_tech_touch_and_says_so() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    frame = pd.DataFrame({"customer_id": [f"S{i}" for i in range(n)], "revenue": rng.lognormal(3.5, 1.0, n)})
    table = make_table(frame, {})
    plan = plan_service(table, one_segment(table), {1: "All"}, plain_potential(table), ServiceSettings())
    assert plan.overview.consumer_like
    assert plan.overview.headline.startswith("This looks like a consumer business")
    assert (plan.frame["service_model"] == "tech-touch").all()
    tech = plan.overview.model("tech-touch")
    assert tech.cost == pytest.approx(0.15 * tech.revenue)
    said = " ".join(plan.playbooks.values()) + " ".join(" ".join(v) for v in plan.segment_actions.values())
    assert "quarterly business review" not in said.lower()
    assert "executive sponsor" not in said.lower()


def test_the_business_kind_is_read_on_the_customers_who_pay() -> None:
    """A free tier or lapsed buyers bring 0 and would pull the median there: a freemium B2B file with 2,000
    free accounts and 1,000 paying ~20k stays B2B; a shop whose 1,500 buyers spend ~40 and 2,500 bought
    nothing is consumer-like, and says the median is its buyers'."""
    rng = np.random.default_rng(5)

    def kind_of(paying: np.ndarray, free: int) -> Any:
        revenue = np.concatenate([paying, np.zeros(free)])
        frame = pd.DataFrame({"customer_id": [f"F{i}" for i in range(len(revenue))], "revenue": revenue})
        table = make_table(frame, {})
        return plan_service(table, one_segment(table), {1: "All"}, plain_potential(table), ServiceSettings())

    freemium = kind_of(rng.lognormal(np.log(20e3), 0.5, 1000), 2000)
    assert not freemium.business.consumer_like
    assert freemium.business.median_revenue == pytest.approx(20e3, rel=0.15)
    assert (freemium.frame["service_model"] != "tech-touch").any()
    shop = kind_of(rng.lognormal(np.log(40), 0.5, 1500), 2500)
    assert shop.business.consumer_like and shop.business.paying == 1500
    assert "across the 1,500 customers who pay; 2,500 more bring nothing" in shop.overview.headline
    assert shop.to_dict()["business"]["paying_customers"] == 1500


def test_when_most_accounts_bring_nothing_the_tiers_are_read_on_those_that_do() -> None:
    """With 60% of accounts at 0 the data's median is 0: "below 0" would leave the lower tier empty and put
    the accounts at 0 in the middle one. The tiers are read on the accounts above 0 instead, and it is said."""
    from segmentation.service.tiers import TierThresholds, tier_thresholds

    rng = np.random.default_rng(9)
    paying = rng.lognormal(np.log(20e3), 0.6, 400)
    revenue = np.concatenate([paying, np.zeros(600)])
    frame = pd.DataFrame({"customer_id": [f"Z{i}" for i in range(len(revenue))], "revenue": revenue})
    table = make_table(frame, {})
    plan = plan_service(table, one_segment(table), {1: "All"}, plain_potential(table), ServiceSettings())
    tiers: TierThresholds = plan.thresholds
    assert tiers.revenue_read_on == 400
    assert tiers.arr_low == pytest.approx(np.quantile(paying, 0.5))
    assert tiers.arr_high == pytest.approx(np.quantile(paying, 0.9))
    assert (plan.frame["arr_tier"].to_numpy()[400:] == "low").all()
    assert "600 of 1,000 accounts have no ARR, so the ARR tiers are read on the 400 that have some" in " ".join(
        plan.notes
    )
    assert "read on the 400 accounts above 0" in plan.rules_in_words[0]
    assert plan.to_dict()["thresholds"]["read_on_accounts_above_zero"]["revenue"] == 400
    # fewer than half at 0, or both thresholds set: read as before, on every account
    few = np.concatenate([paying, np.zeros(300)])
    assert tier_thresholds(few, few, ServiceSettings(), "ARR").revenue_read_on is None
    set_both = ServiceSettings(arr_high=50e3, arr_low=5e3)
    assert tier_thresholds(revenue, revenue, set_both, "ARR").revenue_read_on is None


def test_an_account_that_pays_for_a_csm_many_times_over_gets_one() -> None:
    """In an enterprise book (median ARR 200k) the data's quantiles alone put every account under 200k on
    tech-touch. High-touch at 12k is 5% of 240k and medium-touch at 3k is 5% of 60k: from there the tiers
    are never lower, it is said, and thresholds the user sets are kept as set."""
    from segmentation.service.tiers import tier_thresholds

    rng = np.random.default_rng(11)
    revenue = rng.lognormal(np.log(200e3), 0.6, 600)
    frame = pd.DataFrame({"customer_id": [f"E{i}" for i in range(len(revenue))], "revenue": revenue})
    table = make_table(frame, {})
    plan = plan_service(table, one_segment(table), {1: "All"}, plain_potential(table), ServiceSettings())
    assert plan.thresholds.arr_high == pytest.approx(240e3) and plan.thresholds.arr_low == pytest.approx(60e3)
    assert plan.thresholds.arr_high_by_cost == pytest.approx(np.quantile(revenue, 0.9))
    models = plan.frame["service_model"].to_numpy()
    assert (models[revenue >= 60e3] != "tech-touch").all()
    assert (models[revenue >= 240e3] == "high-touch").all()
    assert "The top ARR tier starts at 240k, where high-touch's 12k a year is 5% of the ARR" in " ".join(plan.notes)
    assert "(high-touch costs 5% of it or less from there; the data's: " in plan.rules_in_words[0]
    assert all(m.within_revenue for m in plan.overview.models)
    # the user's thresholds stand; None turns the floor off; a small book's quantiles are left alone
    kept = tier_thresholds(revenue, revenue, ServiceSettings(arr_high=500e3, arr_low=150e3), "ARR")
    assert (kept.arr_high, kept.arr_low, kept.arr_high_by_cost) == (500e3, 150e3, None)
    off = tier_thresholds(revenue, revenue, ServiceSettings(affordable_cost_share=None), "ARR")
    assert off.arr_low == pytest.approx(np.quantile(revenue, 0.5))
    small = rng.lognormal(np.log(5e3), 0.6, 600)
    assert tier_thresholds(small, small, ServiceSettings(), "ARR").arr_low_by_cost is None


# --- pins ----------------------------------------------------------------------------------------


def test_pins_hold_named_accounts_and_a_floor() -> None:
    table = ladder_table()
    revenue = table.customers["revenue"].to_numpy()
    pins = [
        {"accounts": ["K00", "K01", "NOPE"], "model": "high-touch", "set_by": "CRO", "reason": "strategic logos"},
        {"arr_floor": 300e3, "set_by": "VP CS", "reason": "renewal talks under way"},
    ]
    settings = ServiceSettings(pins=pins)  # type: ignore[arg-type]
    resolved = resolve_pins(table.customers["customer_id"], revenue, settings)
    big = revenue >= 300e3
    assert resolved.pinned.sum() == 2
    assert resolved.keep_out.sum() == 2 + big.sum()
    assert resolved.figures[0].missing == ["NOPE"]
    plan = plan_service(table, one_segment(table), {1: "All"}, plain_potential(table), settings)
    models = plan.frame["service_model"].tolist()
    # Tiny accounts the budget would never afford stay high-touch because the CRO pinned them.
    assert models[0] == models[1] == "high-touch"
    assert plan.frame["pin"].iloc[0] == "pinned to high-touch by CRO: strategic logos"
    assert set(plan.frame.loc[big, "move"]) <= {"", "save"}
    summary = plan.to_dict()
    assert (
        "accounts K00, K01, NOPE pinned to high-touch by CRO: strategic logos (2 accounts here)."
        in (summary["overview"]["pins"])
    )
    assert any("not in this file" in note for note in plan.notes)
    json.dumps(summary, allow_nan=False)


def test_pins_round_trip_through_the_settings_json_and_are_bounded() -> None:
    config = AnalysisConfig().updated(**{"service.pins": [{"accounts": ["A1"], "model": "tech-touch", "set_by": "me"}]})
    again = AnalysisConfig.from_json(config.to_json())
    assert again == config
    assert again.service.pins[0].accounts == ["A1"]
    with pytest.raises(InputError, match="pins"):
        AnalysisConfig().updated(**{"service.pins": [{"accounts": ["A1"], "reason": "x" * 301}]})
    with pytest.raises(InputError, match="pins"):
        AnalysisConfig().updated(**{"service.pins": [{"accounts": ["A1"], "model": "platinum"}]})


# --- the save list -------------------------------------------------------------------------------


def test_save_list_is_the_at_risk_accounts_by_revenue_and_never_moves_up() -> None:
    n = 60
    revenue = np.linspace(5e3, 300e3, n)
    flagged = np.arange(n) % 5 == 0
    frame = pd.DataFrame(
        {
            "customer_id": [f"R{i:02d}" for i in range(n)],
            "revenue": revenue,
            "nps_score": np.where(flagged, 1.0, 9.0),
            "logins_30d": np.where(flagged, 0.0, 20.0),
        }
    )
    table = make_table(frame, {"nps_score": "numeric", "logins_30d": "numeric"})
    potential = plain_potential(table)
    assert potential.risk is not None
    at_risk = potential.risk.at_risk
    assert at_risk.tolist() == flagged.tolist()
    assert (potential.frame["short_term_potential"].to_numpy()[at_risk] == 0).all()
    plan = plan_service(table, one_segment(table), {1: "All"}, potential, ServiceSettings(move_up_multiple=1.0))
    saved = plan.save_frame()
    assert saved["customer_id"].tolist() == [f"R{i:02d}" for i in range(55, -1, -5)]
    assert saved["move_reason"].iloc[0].startswith("at risk (score ")
    assert not set(saved["customer_id"]) & set(plan.move_up_frame()["customer_id"])
    assert plan.overview.lists["save"].customers == 12
    assert plan.overview.lists["save"].revenue == pytest.approx(revenue[at_risk].sum())


# --- planted truth -------------------------------------------------------------------------------

INDUSTRY_LIFT = {"FinTech": 1.6, "Software": 1.25, "Health": 1.0, "Retail": 0.75, "Education": 0.5}


def planted_accounts(n: int = 1500, seed: int = 14) -> tuple[CustomerTable, pd.DataFrame]:
    """Accounts with known truth: true long-term value from size × industry; dormant accounts with zero
    true short-term potential; growing accounts with seats full and a known upside."""
    rng = np.random.default_rng(seed)
    employees = np.clip(np.round(rng.lognormal(5.0, 1.2, n)), 5, 50_000)
    industry = rng.choice(list(INDUSTRY_LIFT), n)
    lift = np.array([INDUSTRY_LIFT[i] for i in industry])
    true_long = 400.0 * employees**0.8 * lift * np.exp(rng.normal(0, 0.15, n))
    age_months = rng.uniform(1, 72, n)
    penetration = np.clip(0.08 + 0.9 * (1 - np.exp(-age_months / 18)) * np.exp(rng.normal(0, 0.3, n)), 0.05, 1.0)
    arr = true_long * penetration
    group = rng.choice(["dormant", "growing", "steady"], n, p=[0.15, 0.2, 0.65])
    seats = np.maximum(1, np.round(arr / 600.0))
    use = np.select([group == "dormant", group == "growing"], [0.1, 1.05], rng.uniform(0.55, 0.8, n))
    gap = np.maximum(true_long - arr, 0.0)
    true_short = np.select([group == "dormant", group == "growing"], [0.0, 0.4 * gap], 0.1 * gap)
    dormant = group == "dormant"
    frame = pd.DataFrame(
        {
            "customer_id": [f"P{i:04d}" for i in range(n)],
            "revenue": arr,
            "employees": employees,
            "industry": industry,
            "signup_date": REFERENCE - pd.to_timedelta(age_months * 30.4375, unit="D"),
            "seats_purchased": seats,
            "seats_used": np.round(seats * use),
            "logins_30d": np.where(dormant, 0.0, rng.uniform(8, 30, n).round()),
            "feature_adoption_pct": np.where(dormant, 3.0, rng.uniform(35, 80, n).round(1)),
            "nps_score": np.where(dormant, 3.0, rng.integers(7, 11, n).astype(float)),
        }
    )
    roles = {
        "employees": "numeric",
        "industry": "categorical",
        "signup_date": "date",
        "seats_purchased": "numeric",
        "seats_used": "numeric",
        "logins_30d": "numeric",
        "feature_adoption_pct": "numeric",
        "nps_score": "numeric",
    }
    truth = pd.DataFrame({"group": group, "true_long": true_long, "true_short": true_short})
    return make_table(frame, roles), truth


def test_planted_truth_dormant_never_move_up_and_potential_beats_simple_rankings() -> None:
    table, truth = planted_accounts()
    potential = plain_potential(table)
    plan = plan_service(table, one_segment(table), {1: "All"}, potential, ServiceSettings())
    dormant = truth["group"].to_numpy() == "dormant"
    move = plan.frame["move"].to_numpy()
    assert (move == "up").any()
    assert not ((move == "up") & dormant).any()
    assert (move[dormant] == "save").mean() > 0.95
    assert (potential.frame["short_term_potential"].to_numpy()[dormant] == 0).mean() > 0.95
    long = spearmanr(potential.frame["long_term_potential"], truth["true_long"]).statistic
    by_arr = spearmanr(table.customers["revenue"], truth["true_long"]).statistic
    by_size = spearmanr(table.customers["employees"], truth["true_long"]).statistic
    assert long > max(by_arr, by_size), (long, by_arr, by_size)
    check = potential.validation
    assert check is not None
    assert check.method == "cross-validation"
    assert check.used == "model"
    assert "Spearman" in check.sentence


def test_segment_actions_name_the_traits() -> None:
    table, truth = planted_accounts(900, seed=5)
    labels = np.select([truth["group"] == "dormant", truth["group"] == "growing"], [1, 2], 3)
    potential = estimate_potential(table, labels, PotentialSettings())
    plan = plan_service(table, labels, {1: "Quiet", 2: "Growing", 3: "Steady"}, potential, ServiceSettings())
    quiet = " ".join(plan.segment_actions["1"])
    assert "Low adoption (median 3% of features used" in quiet
    assert "onboarding" in quiet
    assert "Low NPS" in quiet
    assert "executive outreach" in quiet
    assert "Many at risk" in quiet
    growing = " ".join(plan.segment_actions["2"])
    assert "Seats near full" in growing
    assert "expansion conversation" in growing
    assert plan.segment_actions["3"] == []


def test_a_transactions_file_without_firmographics_does_not_crash_ridge() -> None:
    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame(
        {
            "customer_id": [f"T{i}" for i in range(n)],
            "revenue": rng.lognormal(4, 1, n),
            "country": ["DE"] * (n - 2) + ["FR", "IT"],  # one usable level only
            "recency_days": rng.uniform(0, 300, n),
            "frequency": rng.integers(1, 10, n).astype(float),
            "tenure_days": np.full(n, 320.0),
        }
    )
    roles = {"country": "geographic", "recency_days": "numeric", "frequency": "numeric", "tenure_days": "numeric"}
    potential = plain_potential(make_table(frame, roles, grain="transactions"))
    assert potential.method == "look-alikes within segment"
    assert potential.validation is not None
    assert potential.validation.confidence == "rough guide"


# --- every shared dataset, default settings ------------------------------------------------------

DATASETS = {
    "saas accounts": ("sample_data/saas_accounts.csv", None),
    "saas invoices": ("sample_data/saas_invoices.csv", None),
    "telco csv": ("telco_churn/Telco-Customer-Churn.csv", None),
    "telco xlsx": ("telco_churn/Telco_customer_churn.xlsx", None),
    "cdnow": ("cdnow/CDNOW_master.txt", None),
    "ravenstack": ("ravenstack/ravenstack_accounts.csv", "ravenstack/ravenstack_subscriptions.csv"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DATASETS))
def test_every_model_costs_no_more_than_it_serves_on_real_files(name: str) -> None:
    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis

    primary, related = DATASETS[name]
    path = (ROOT / primary) if primary.startswith("sample_data") else (SHARED_DATA / primary)
    if not path.exists():
        pytest.skip(f"{path} is not here")
    extra = Source.from_path(SHARED_DATA / related) if related else None
    result = run_analysis(Source.from_path(path), related=extra, fit_k_to_data=True)
    for figures in result.service.overview.models:
        assert figures.within_revenue, (name, figures)
    up = result.customers["move_direction"] == "up"
    assert not (up & (result.customers["risk_score"] >= 50)).any()
    assert set(result.customers["move_direction"]) <= {"up", "down", "save", "none"}
