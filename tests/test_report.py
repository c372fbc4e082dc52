"""The offline report: its numbers are summary.json's, it needs no network, and user text stays text."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from segmentation.config import AnalysisConfig
from segmentation.formatting import format_count, format_share
from segmentation.intake import Source
from segmentation.pipeline import run_analysis
from segmentation.report import build_report
from tests.conftest import SAMPLE_ACCOUNTS


@pytest.fixture(scope="module")
def sample_report() -> tuple[str, dict]:
    result = run_analysis(Source.from_path(SAMPLE_ACCOUNTS), AnalysisConfig())
    return build_report(result), result.summary()


def test_headline_numbers_are_those_of_summary_json(sample_report: tuple[str, dict]) -> None:
    report, summary = sample_report
    text = html.unescape(report)
    conc = summary["concentration"]
    assert format_share(conc["top_20pct_revenue_share"], 1) in text
    assert format_share(conc["customer_share_for_80pct_revenue"], 1) in text
    assert f"{conc['gini']:.3f}" in text
    assert format_count(summary["input"]["customers"]) in text
    for segment in summary["segments"]:
        assert segment["name"] in text
        assert format_count(segment["customers"]) in text
    for model in summary["service_models"]:
        assert format_count(model["customers"]) in text


def test_every_chart_is_embedded_and_nothing_is_fetched(sample_report: tuple[str, dict]) -> None:
    report, _ = sample_report
    charts = re.findall(r"<div class='chart' data-chart='([a-z_]+)'>\s*<svg", report)
    assert {"segment_map", "profile_heatmap", "pareto", "lorenz", "segment_shares", "service_grid", "capacity"} <= set(
        charts
    )
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=['\"]?https?:", report)
    assert "@import" not in report


def test_every_report_chart_is_a_valid_vega_lite_spec() -> None:
    """`to_svg` renders without checking the schema, so every chart the report and the slides offer is checked
    here, on the sample and on a rule-tier analysis of it (other charts' data)."""
    from segmentation.charts import report_charts

    for config in (AnalysisConfig(), AnalysisConfig().updated(**{"segmentation.method": "rule_tiers"})):
        charts = report_charts(run_analysis(Source.from_path(SAMPLE_ACCOUNTS), config))
        assert len(charts) >= 7
        for name, chart in charts.items():
            assert chart.to_dict(validate=True)["$schema"].startswith("https://vega.github.io/schema/vega-lite/"), name


def test_settings_in_the_report_reproduce_the_analysis(sample_report: tuple[str, dict]) -> None:
    report, summary = sample_report
    block = re.search(r"<pre[^>]*>(.*?)</pre>", report, re.S)
    assert block, "the settings are printed"
    assert json.loads(html.unescape(block.group(1))) == summary["settings"]


def test_user_text_is_escaped_never_markup(tmp_path: Path) -> None:
    rows = ["account,industry,arr"]
    rows += [f"A{i:02d},{'<script>alert(1)</script>' if i % 2 else '<b>Retail</b>'},{1000 + 90 * i}" for i in range(40)]
    path = tmp_path / "evil.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = build_report(run_analysis(Source.from_path(path), AnalysisConfig()))
    assert "<script>alert" not in report
    assert "<b>Retail</b>" not in report


def test_same_input_gives_the_same_report(sample_report: tuple[str, dict]) -> None:
    report, _ = sample_report
    again = build_report(run_analysis(Source.from_path(SAMPLE_ACCOUNTS), AnalysisConfig()))
    assert again == report


def test_playbook_notes_per_segment_reach_the_report() -> None:
    config = AnalysisConfig().updated(**{"service.segment_playbooks": {"1": "Invite to the customer advisory board"}})
    report = build_report(run_analysis(Source.from_path(SAMPLE_ACCOUNTS), config))
    assert "Invite to the customer advisory board" in report


def test_the_move_lists_are_in_the_report(sample_report: tuple[str, dict]) -> None:
    report, summary = sample_report
    moves = summary["service"]["moves"]
    assert f"Move up: {format_count(moves['up']['customers'])} accounts" in html.unescape(report)


def test_report_lists_the_settings_that_differ_from_the_defaults() -> None:
    """A reader sees what was changed in words, and the whole JSON is still there to reuse."""
    import html
    import json
    import re

    from segmentation.config import AnalysisConfig
    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis
    from segmentation.report import build_report
    from tests.conftest import SAMPLE_ACCOUNTS

    config = AnalysisConfig().updated(**{"segmentation.k": 5, "service.high_touch_csms": 10})
    page = build_report(run_analysis(Source.from_path(SAMPLE_ACCOUNTS), config))
    section = page[page.index("Settings that reproduce this report") :]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", section)
    assert ("segmentation.k", "5", "4") in rows and ("service.high_touch_csms", "10", "–") in rows
    assert all(path.split(".")[0] != "intake" for path, _, _ in rows)  # untouched sections are not listed
    attached = html.unescape(re.search(r"<pre>(.*?)</pre>", section, re.S).group(1))  # type: ignore[union-attr]
    reused = AnalysisConfig.from_dict(json.loads(attached))
    assert reused.source is not None and reused.source.file_name == SAMPLE_ACCOUNTS.name  # names its file
    assert reused.model_copy(update={"source": None}) == config
