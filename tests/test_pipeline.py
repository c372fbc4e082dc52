"""The pipeline's word step: a rename, a playbook or a title put into a finished analysis must give what the
whole analysis made with them gives, to the byte, without measuring or planning again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segmentation.config import AnalysisConfig
from segmentation.intake import Source
from segmentation.pipeline import run_analysis, with_words, without_words
from segmentation.report import build_report
from tests.conftest import SAMPLE_ACCOUNTS, SAMPLE_INVOICES


def _words(base: AnalysisConfig, names: dict[str, str]) -> AnalysisConfig:
    return base.updated(
        **{
            "segmentation.names": names,
            "service.segment_overrides": {"1": "high-touch", "2": "tech-touch"},
            "service.playbooks": {"tech-touch": "Webinars and a help centre."},
            "report.title": "Quarterly review",
        }
    )


@pytest.mark.parametrize(
    ("path", "settings"),
    [
        (SAMPLE_ACCOUNTS, {"segmentation.method": "kmeans"}),
        (SAMPLE_ACCOUNTS, {"segmentation.method": "rule_tiers"}),
        (SAMPLE_INVOICES, {"segmentation.method": "rfm"}),
    ],
    ids=["kmeans", "rule tiers", "rfm"],
)
def test_words_put_in_afterwards_give_what_the_whole_analysis_gives(path: Path, settings: dict[str, object]) -> None:
    """Segment 1 renamed, segment 3 given segment 2's generated name (so segment 2 is named again), a name
    for a segment that does not exist, overrides that name their segments: customers.csv, summary.json and
    the report agree with the analysis run with those names from the start."""
    source = Source.from_path(path)
    base = AnalysisConfig().updated(**{"segmentation.auto_k": False, "segmentation.k": 5, **settings})
    generated = run_analysis(source, base).segment_names
    third = generated[2] if settings["segmentation.method"] == "kmeans" else "Renamed three"
    config = _words(base, {"1": "Our best accounts", "3": third, "40": "Gone"})
    whole = run_analysis(source, config)
    worded = with_words(run_analysis(source, without_words(config)), config)
    assert whole.segment_names[1] == "Our best accounts"
    assert whole.segment_names[3] == third
    if settings["segmentation.method"] == "kmeans":
        assert whole.segment_names[2] != generated[2], "segment 2 keeps a name segment 3 now has"
    assert any("Gone" in note for note in worded.segmentation.notes)
    pd.testing.assert_frame_equal(whole.customers, worded.customers)
    assert whole.summary() == worded.summary()
    assert build_report(whole) == build_report(worded)


def test_going_back_to_the_generated_names_gives_them_again() -> None:
    source = Source.from_path(SAMPLE_ACCOUNTS)
    config = _words(AnalysisConfig(), {"1": "Our best accounts"})
    unnamed = run_analysis(source, without_words(config))
    renamed = with_words(unnamed, config)
    back = with_words(renamed, without_words(config))
    assert back.segment_names == unnamed.segment_names
    assert back.segmentation.notes == unnamed.segmentation.notes
    pd.testing.assert_frame_equal(back.customers, unnamed.customers)


def test_renaming_the_unassigned_group_afterwards_gives_what_the_whole_analysis_gives() -> None:
    """HDBSCAN leaves customers in no group (segment 0, "Unassigned"); a name for it is words only too."""
    source = Source.from_path(SAMPLE_ACCOUNTS)
    config = _words(
        AnalysisConfig().updated(**{"segmentation.method": "hdbscan"}), {"0": "No clear group", "1": "Our best"}
    )
    whole = run_analysis(source, config)
    assert whole.segment_names[0] == "No clear group"
    worded = with_words(run_analysis(source, without_words(config)), config)
    pd.testing.assert_frame_equal(whole.customers, worded.customers)
    assert whole.summary() == worded.summary()
