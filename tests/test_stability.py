"""Segments that hold: planted groups recovered with no k given, stability measured and said, order-free."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from segmentation.config import AnalysisConfig
from segmentation.intake import Source
from segmentation.intake.table import ColumnRole, CustomerTable
from segmentation.pipeline import find_segments, load_customers
from segmentation.report import build_report
from segmentation.segments import CriteriaSettings, SegmentationSettings, build_features, segment_customers
from tests.conftest import ROOT, SAMPLE_ACCOUNTS
from tests.planted import planted_accounts

TRUTH = ROOT / "sample_data" / "truth" / "accounts_truth.csv"


def _table(frame: pd.DataFrame, roles: dict[str, str]) -> CustomerTable:
    return CustomerTable(
        customers=frame.reset_index(drop=True),
        roles={c: ColumnRole(c, r, 1.0, "set by the test") for c, r in roles.items()},
        id_column="customer_id",
        revenue_column="revenue",
        revenue_unit="ARR",
        source_name="test.csv",
        rows_read=len(frame),
    )


def _blobs(n_per: int = 150, spread: float = 0.3, seed: int = 0) -> CustomerTable:
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [6, 0], [0, 6]])
    points = np.vstack([rng.normal(c, spread, (n_per, 2)) for c in centres])
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(len(points))],
            "revenue": rng.lognormal(8, 0.4, len(points)),
            "usage_a": points[:, 0],
            "usage_b": points[:, 1],
        }
    )
    return _table(frame, {"usage_a": "numeric", "usage_b": "numeric"})


def test_clear_groups_hold_and_say_so() -> None:
    table = _blobs()
    features = build_features(table, CriteriaSettings(columns=["usage_a", "usage_b"]))
    segmentation = segment_customers(table, features, SegmentationSettings())
    assert segmentation.k == 3
    assert segmentation.stability is not None and segmentation.stability >= 0.95
    assert not segmentation.rough_guide
    assert "hold" in segmentation.stability_words
    assert segmentation.k_reason.startswith("3 segments:")
    assert "resampled" in segmentation.k_reason and "5%" in segmentation.k_reason
    summary = segmentation.to_dict()
    assert summary["stability"] == pytest.approx(segmentation.stability)
    assert summary["rough_guide"] is False


def test_groups_a_seed_changes_are_called_a_rough_guide() -> None:
    rng = np.random.default_rng(4)
    n = 600
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "revenue": rng.lognormal(8, 0.4, n),
            **{f"usage_{j}": rng.normal(0, 1, n) for j in range(6)},  # no groups at all
        }
    )
    columns = [f"usage_{j}" for j in range(6)]
    table = _table(frame, dict.fromkeys(columns, "numeric"))
    features = build_features(table, CriteriaSettings(columns=columns))
    segmentation = segment_customers(table, features, SegmentationSettings(k=7))
    assert segmentation.stability is not None and segmentation.stability < 0.75
    assert segmentation.rough_guide
    assert "rough guide" in segmentation.stability_words
    assert segmentation.k_reason == "7 segments, as you chose."


def test_a_k_given_is_the_k_used_and_settings_round_trip() -> None:
    assert SegmentationSettings(k=3).auto_k is False
    assert SegmentationSettings().auto_k is True
    config = AnalysisConfig().updated(**{"segmentation.k": 6, "segmentation.auto_k": False})
    again = AnalysisConfig.from_json(config.to_json())
    assert again.segmentation.auto_k is False and again.segmentation.k == 6
    assert AnalysisConfig.from_json(AnalysisConfig().to_json()).segmentation.auto_k is True


def test_rule_methods_have_no_resampling_figure() -> None:
    table = _blobs()
    features = build_features(table, CriteriaSettings(columns=["usage_a", "usage_b"]))
    segmentation = segment_customers(table, features, SegmentationSettings(method="rule_tiers"))
    assert segmentation.stability is None and not segmentation.rough_guide
    assert "fixed rules" in segmentation.stability_words


def test_automatic_k_keeps_every_segment_useful() -> None:
    rng = np.random.default_rng(5)
    # three groups of 300 and a tiny one of 8 that earns little: not worth its own segment
    centres = [(0, 0), (6, 0), (0, 6), (6, 6)]
    sizes = [300, 300, 300, 8]
    points = np.vstack([rng.normal(c, 0.3, (s, 2)) for c, s in zip(centres, sizes, strict=True)])
    n = len(points)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "revenue": rng.lognormal(8, 0.2, n),
            "usage_a": points[:, 0],
            "usage_b": points[:, 1],
        }
    )
    table = _table(frame, {"usage_a": "numeric", "usage_b": "numeric"})
    features = build_features(table, CriteriaSettings(columns=["usage_a", "usage_b"]))
    segmentation = segment_customers(table, features, SegmentationSettings())
    for profile in segmentation.profiles:
        assert max(profile.customer_share, profile.revenue_share) >= 0.05
    asked = segment_customers(table, features, SegmentationSettings(min_segment_share=0.0))
    assert asked.k == 4


def _sample_ari(table: CustomerTable, labels: np.ndarray) -> float:
    truth = pd.read_csv(TRUTH).set_index("account_id")["planted_group"]
    return float(adjusted_rand_score(truth.reindex(table.customers["customer_id"]).to_numpy(), labels))


@pytest.mark.slow
def test_default_settings_recover_the_planted_groups_of_the_sample() -> None:
    config = AnalysisConfig()
    table = load_customers(Source.from_path(SAMPLE_ACCOUNTS), config)
    _features, segmentation = find_segments(table, config)
    assert segmentation.k == 4
    assert _sample_ari(table, segmentation.labels) >= 0.9
    assert segmentation.stability is not None and segmentation.stability >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 11])
def test_default_settings_recover_groups_planted_by_the_test_generator(seed: int) -> None:
    frame, truth = planted_accounts(seed=seed)
    source = Source.from_bytes("accounts.csv", frame.to_csv(index=False).encode())
    config = AnalysisConfig()
    table = load_customers(source, config)
    features, segmentation = find_segments(table, config)
    planted = pd.Series(truth, index=frame["AcctRef"].astype(str))
    kept = planted.reindex(table.customers["customer_id"]).to_numpy()
    assert adjusted_rand_score(kept, segmentation.labels) >= 0.9
    for left_out in ("AccountOwner", "PlanCode", "Churned", "Notes", "Industry", "TotalContractValue"):
        assert left_out not in features.columns


@pytest.mark.slow
def test_row_and_column_order_change_nothing() -> None:
    raw = pd.read_csv(SAMPLE_ACCOUNTS, dtype=str, keep_default_na=False)
    columns = [raw.columns[0], *reversed(list(raw.columns[1:]))]
    shuffled = raw[columns].sample(frac=1.0, random_state=9)
    config = AnalysisConfig()
    results = []
    for frame in (raw, shuffled):
        source = Source.from_bytes("accounts.csv", frame.to_csv(index=False).encode())
        table = load_customers(source, config)
        features, segmentation = find_segments(table, config)
        by_id = pd.Series(segmentation.labels, index=table.customers["customer_id"]).sort_index()
        results.append((features.columns, by_id, [p.name for p in segmentation.profiles], segmentation.stability))
    (cols_a, labels_a, names_a, stab_a), (cols_b, labels_b, names_b, stab_b) = results
    assert cols_a == cols_b
    assert labels_a.equals(labels_b)
    assert names_a == names_b
    assert stab_a == pytest.approx(stab_b)


def test_the_report_says_rough_guide_when_segments_do_not_hold() -> None:
    from segmentation.pipeline import complete_analysis

    rng = np.random.default_rng(4)
    n = 600
    columns = [f"usage_{j}" for j in range(6)]
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "revenue": rng.lognormal(8, 0.4, n),
            **{c: rng.normal(0, 1, n) for c in columns},
        }
    )
    table = _table(frame, dict.fromkeys(columns, "numeric"))
    config = AnalysisConfig().updated(
        **{"criteria.columns": columns, "segmentation.k": 7, "segmentation.auto_k": False}
    )
    features, segmentation = find_segments(table, config)
    html = build_report(complete_analysis(table, features, segmentation, config))
    assert "rough guide" in html


def test_the_k_reason_and_the_stability_figure_agree_on_yes_no_answers(shared_data: Path) -> None:
    """Telco's accounts are mostly yes/no answers (2,077 distinct rows of 5,174): ten k-means starts put
    the segments shown in the worse of two optima, so the k scan said 'stays the same (agreement 1.00)'
    while the stability beside it said 'rough guide (0.46)'. Both must tell the same story."""
    path = shared_data / "telco_churn" / "Telco_customer_churn.xlsx"
    config = AnalysisConfig()
    table = load_customers(Source.from_path(path), config)
    _features, segmentation = find_segments(table, config)
    assert "stays the same" in segmentation.k_reason
    assert segmentation.stability is not None and segmentation.stability >= 0.9, segmentation.stability
