"""The shared sentences: each pinned word for word, and the CLI printout, report and result saying the same."""

from __future__ import annotations

import contextlib
import html
import io
import json
from dataclasses import fields
from typing import Any

import pandas as pd
import pytest

from segmentation.__main__ import main
from segmentation.config import AnalysisConfig
from segmentation.economics import ConcentrationMetrics, analyse_concentration
from segmentation.economics.settings import ConcentrationSettings
from segmentation.formatting import format_money
from segmentation.intake import LedgerEntry, Source
from segmentation.narrative import (
    LedgerTotals,
    budget_cut,
    capacity_cut,
    capacity_rule,
    headcount_reading,
    ledger_reading,
    model_mix,
    pareto_reading,
)
from segmentation.pipeline import run_analysis
from segmentation.result import AnalysisResult
from segmentation.service.budget import BudgetCut
from segmentation.service.capacity import ModelCapacity
from segmentation.service.overview import ModelFigures, PlanOverview
from tests.conftest import SAMPLE_INVOICES

TEN_CUSTOMERS = [50, 20, 10, 5, 5, 4, 3, 1, 1, 1]
"""Revenue of ten customers, total 100: the top two (20%) bring 70; the top three bring 80 (30% of customers)."""


@pytest.fixture(scope="module")
def ten() -> ConcentrationMetrics:
    frame = pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(10)], "revenue": TEN_CUSTOMERS, "segment": 1, "segment_name": "All"}
    )
    return analyse_concentration(frame, ConcentrationSettings()).metrics


def test_pareto_reading_is_pinned(ten: ConcentrationMetrics) -> None:
    assert pareto_reading(ten) == (
        "The top 20% of customers bring 70.0% of revenue; 80% of revenue comes from 30.0% of customers."
    )


def test_pareto_reading_with_window_and_gini(ten: ConcentrationMetrics) -> None:
    # Gini of the ten by hand: 0.626
    assert pareto_reading(ten, window="last 12 months to 2026-09-30", with_gini=True) == (
        "The top 20% of customers bring 70.0% of revenue (last 12 months to 2026-09-30); "
        "80% of revenue comes from 30.0% of customers (Gini 0.63)."
    )


def test_ledger_totals_add_up_by_action() -> None:
    ledger = [
        LedgerEntry("No customer ID", 3),
        LedgerEntry("Totals row", 1),
        LedgerEntry("Negative revenue counted as 0", 2, action="changed"),
    ]
    totals = LedgerTotals.count(ledger, "accounts.csv", rows_read=1204, customers=1200)
    assert (totals.excluded, totals.changed) == (4, 2)
    assert ledger_reading(totals) == (
        "1,204 rows read from accounts.csv; 1,200 customers analysed; 4 rows excluded and 2 changed."
    )


def test_ledger_reading_says_one_row_and_nothing_left_out() -> None:
    totals = LedgerTotals.count([], "one.csv", rows_read=1, customers=1)
    assert ledger_reading(totals) == "1 row read from one.csv; 1 customer analysed; 0 rows excluded and 0 changed."


@pytest.fixture(scope="module")
def invoices_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any], str]:
    """The CLI on the transactions sample (a revenue window, 308 refunds netted): printout, summary, report."""
    out = tmp_path_factory.mktemp("invoices")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["analyze", str(SAMPLE_INVOICES), "--out", str(out), "--k", "4"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return printed.getvalue(), summary, (out / "report.html").read_text(encoding="utf-8")


def _metrics(summary: dict[str, Any]) -> ConcentrationMetrics:
    conc = summary["concentration"]
    return ConcentrationMetrics(**{f.name: conc[f.name] for f in fields(ConcentrationMetrics)})


def _totals(summary: dict[str, Any]) -> LedgerTotals:
    data = summary["input"]
    entries = [LedgerEntry(e["reason"], e["rows"], e["action"]) for e in data["excluded"]]
    return LedgerTotals.count(entries, data["file"], data["rows"], data["customers"])


def test_result_report_and_printout_give_the_same_pareto_reading(invoices_run: tuple[str, dict[str, Any], str]) -> None:
    printed, summary, report = invoices_run
    metrics = _metrics(summary)
    assert summary["concentration"]["reading"] == pareto_reading(metrics)
    assert pareto_reading(metrics, window=summary["input"]["revenue_window"]) in printed
    assert html.escape(pareto_reading(metrics, with_gini=True)) in report


def test_report_and_printout_give_the_same_ledger_totals(invoices_run: tuple[str, dict[str, Any], str]) -> None:
    printed, summary, report = invoices_run
    sentence = ledger_reading(_totals(summary))
    assert (
        sentence
        == "31,151 rows read from saas_invoices.csv; 3,000 customers analysed; 0 rows excluded and 308 changed."
    )
    assert printed.splitlines()[0] == sentence
    assert html.escape(sentence) in report


def test_printout_lines(invoices_run: tuple[str, dict[str, Any], str]) -> None:
    printed, _, _ = invoices_run
    lines = printed.splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("4 segments. The top 20% of customers bring ")
    assert lines[2].startswith("Wrote customers.csv, segments.csv, summary.json, report.html to ")


@pytest.fixture(scope="module")
def invoices_result() -> AnalysisResult:
    """The transactions sample analysed in memory with the settings of `invoices_run` (k = 4, as given)."""
    config = AnalysisConfig().updated(**{"segmentation.k": 4, "segmentation.auto_k": False})
    return run_analysis(Source.from_path(SAMPLE_INVOICES), config)


def test_the_result_object_carries_the_same_sentences(
    invoices_run: tuple[str, dict[str, Any], str], invoices_result: AnalysisResult
) -> None:
    """What a page reads (the result in memory) says what the CLI printed and summary.json holds."""
    printed, summary, _ = invoices_run
    result = invoices_result
    assert result.concentration.reading() == summary["concentration"]["reading"]
    assert ledger_reading(result.ledger_totals) == printed.splitlines()[0]
    assert result.ledger_totals == LedgerTotals.of(result.table)


def _figures(name: str, customers: int, revenue: float) -> ModelFigures:
    return ModelFigures(
        name=name,
        customers=customers,
        revenue=revenue,
        cost=0.0,
        cost_per_account=0.0,
        cost_to_revenue=None,
        csms_needed=0,
        csms_for_demand=0,
        csms_available=None,
        places=None,
        wanted=customers,
    )


def _overview(high: int, medium: int, tech: int) -> PlanOverview:
    models = [
        _figures("high-touch", high, 1_200_000.0),
        _figures("medium-touch", medium, 600_000.0),
        _figures("tech-touch", tech, 150_000.0),
    ]
    return PlanOverview(
        models=models,
        lists={},
        consumer_like=False,
        headline="",
        budget_share=None,
        total_cost=0.0,
        total_revenue=1_950_000.0,
        pins=[],
    )


def _millions(value: float) -> str:
    return f"${value / 1e6:.2f}M"


def test_model_mix_is_pinned() -> None:
    assert model_mix(_overview(120, 400, 1480)) == (
        "The plan puts 120 accounts on high-touch, 400 on medium-touch and 1,480 on tech-touch."
    )
    assert (
        model_mix(_overview(1, 0, 2)) == "The plan puts 1 account on high-touch, 0 on medium-touch and 2 on tech-touch."
    )


def test_model_mix_with_revenue() -> None:
    assert model_mix(_overview(120, 400, 1480), _millions) == (
        "The plan puts 120 accounts on high-touch ($1.20M), 400 on medium-touch ($0.60M) and "
        "1,480 on tech-touch ($0.15M)."
    )


def _high_touch(**figures: Any) -> ModelCapacity:
    """300 accounts call for high-touch at 12 accounts a CSM: 25 CSMs would serve them all (300 / 12)."""
    base: dict[str, Any] = {
        "demand": 300,
        "capacity": None,
        "used": 300,
        "spilled": 0,
        "csms": None,
        "accounts_per_csm": 12,
        "headcount_needed": 25,
        "cut_score": None,
        "fell_to": None,
        "fell_examples": (),
        "headcount_for_demand": 25,
        "budget_fell": 0,
    }
    return ModelCapacity(**{**base, **figures})


FOUR_CSMS = {"capacity": 48, "csms": 4, "used": 48, "spilled": 252, "headcount_needed": 4}
"""4 CSMs × 12 accounts = 48 places for 300 accounts: 252 fall, the 48 kept take 4 CSMs."""


def test_capacity_rule_with_a_limit() -> None:
    capacity = _high_touch(**FOUR_CSMS, cut_score=81.34, fell_to="medium-touch")
    assert capacity_rule("high-touch", capacity, lighter="medium-touch") == (
        "High-touch capacity: 48 places (4 CSMs × 12 accounts); beyond that the lowest priority scores move to "
        "medium-touch."
    )
    # Nothing fell yet: the rule names the lighter model it would fall to.
    assert capacity_rule("medium-touch", _high_touch(capacity=600, csms=12), lighter="tech-touch").endswith(
        "600 places (12 CSMs × 12 accounts); beyond that the lowest priority scores move to tech-touch."
    )


def test_capacity_rule_without_a_limit_counts_every_account_that_calls_for_the_model() -> None:
    assert capacity_rule("high-touch", _high_touch(), lighter="medium-touch") == (
        "High-touch has no capacity limit; serving its 300 accounts takes 25 CSMs at 12 accounts each."
    )
    # The budget then kept 240 of the 300 (20 CSMs): the rule says so, never that the plan serves all 300.
    capacity = _high_touch(used=240, headcount_needed=20, budget_fell=60)
    assert capacity_rule("high-touch", capacity, lighter="medium-touch") == (
        "High-touch has no capacity limit: 300 accounts call for it (25 CSMs at 12 accounts each); the budget "
        "keeps 240 of them (20 CSMs) and moves the rest to medium-touch."
    )
    kept_none = _high_touch(used=0, headcount_needed=0, budget_fell=300)
    assert "the budget keeps none of them and moves them all to medium-touch." in capacity_rule(
        "high-touch", kept_none, lighter="medium-touch"
    )


def test_capacity_cut_names_the_score_and_the_headcount_for_all() -> None:
    capacity = _high_touch(**FOUR_CSMS, cut_score=81.34, fell_to="medium-touch")
    assert capacity_cut("high-touch", capacity) == (
        "300 accounts call for high-touch but 48 places (4 CSMs × 12 accounts) exist: the 252 with a priority "
        "score below 81.3 fall to medium-touch (25 CSMs would serve them all)."
    )


def test_capacity_cut_with_no_places_at_all() -> None:
    capacity = _high_touch(capacity=0, csms=0, used=0, spilled=300, headcount_needed=0, fell_to="medium-touch")
    assert capacity_cut("high-touch", capacity) == (
        "300 accounts call for high-touch but 0 places (0 CSMs × 12 accounts) exist: all 300 fall to medium-touch "
        "(25 CSMs would serve them all)."
    )


def test_headcount_reading_counts_the_accounts_served() -> None:
    capacity = _high_touch(**FOUR_CSMS, cut_score=81.34, fell_to="medium-touch")
    assert headcount_reading("high-touch", capacity) == (
        "Serving the 48 high-touch accounts takes 4 CSMs at 12 accounts each."
    )
    one = _high_touch(demand=1, used=1, headcount_needed=1, headcount_for_demand=1)
    assert headcount_reading("high-touch", one) == "Serving the 1 high-touch account takes 1 CSM at 12 accounts each."


def _thousands(value: float) -> str:
    return f"${value / 1e3:.0f}k"


def test_budget_cut_is_pinned() -> None:
    cut = BudgetCut("high-touch", 0.15, wanted=120, kept=30, fell=90, fell_to="medium-touch", revenue_floor=250_000.0)
    assert budget_cut(cut, "ARR", _thousands) == (
        "The budget keeps 30 of the 120 accounts that call for high-touch (from $250k): the other 90 move to "
        "medium-touch, as high-touch would cost more than 15.0% of the ARR it serves."
    )


def test_budget_cut_that_keeps_no_account_names_no_floor() -> None:
    cut = BudgetCut("medium-touch", 1.0, wanted=7, kept=0, fell=7, fell_to="tech-touch", revenue_floor=None)
    assert budget_cut(cut, "revenue", _thousands) == (
        "The budget keeps 0 of the 7 accounts that call for medium-touch: the other 7 move to tech-touch, as "
        "medium-touch would cost more than 100.0% of the revenue it serves."
    )


def test_report_and_summary_give_the_plan_sentences(
    invoices_run: tuple[str, dict[str, Any], str], invoices_result: AnalysisResult
) -> None:
    """The report's headline says the model mix of the plan summary.json counts; the rules in words (in
    summary.json and the report) say each capacity rule as the narrative writes it."""
    _, summary, report = invoices_run
    result = invoices_result
    plan = result.service
    counts = [m.customers for m in plan.overview.models]
    assert counts == [m["customers"] for m in summary["service_models"]]
    assert sum(counts) == 3000

    def money(value: float) -> str:
        return format_money(value, result.currency, result.revenue_unit)

    assert html.escape(model_mix(plan.overview, money)) in report
    rules = summary["service"]["rules_in_words"]
    for model, lighter in (("high-touch", "medium-touch"), ("medium-touch", "tech-touch")):
        assert capacity_rule(model, plan.capacity[model], lighter=lighter) in rules
        assert html.escape(capacity_rule(model, plan.capacity[model], lighter=lighter)) in report
