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
from segmentation.intake import LedgerEntry, Source
from segmentation.narrative import LedgerTotals, ledger_reading, pareto_reading
from segmentation.pipeline import run_analysis
from segmentation.result import AnalysisResult
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


def test_the_result_object_carries_the_same_sentences(invoices_run: tuple[str, dict[str, Any], str]) -> None:
    """What a page reads (the result in memory) says what the CLI printed and summary.json holds."""
    printed, summary, _ = invoices_run
    result: AnalysisResult = run_analysis(Source.from_path(SAMPLE_INVOICES), AnalysisConfig())
    assert result.concentration.reading() == summary["concentration"]["reading"]
    assert ledger_reading(result.ledger_totals) == printed.splitlines()[0]
    assert result.ledger_totals == LedgerTotals.of(result.table)
