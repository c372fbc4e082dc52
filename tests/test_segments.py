"""Tests for segmentation/segments: criteria, features, methods, numbering, profiles, rules, the k scan, charts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from segmentation.config import AnalysisConfig
from segmentation.errors import InputError
from segmentation.intake.table import ColumnRole, CustomerTable
from segmentation.segments import (
    CriteriaSettings,
    RFMScorer,
    SegmentationSettings,
    build_features,
    criteria_catalogue,
    scan_k,
    segment_customers,
)
from segmentation.segments.charts import k_scan_chart, profile_heatmap, segment_map

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ACCOUNTS = ROOT / "sample_data" / "saas_accounts.csv"
SAMPLE_TRUTH = ROOT / "sample_data" / "truth" / "accounts_truth.csv"
PLANTED = ["logins_30d", "feature_adoption_pct", "support_tickets_90d", "nps_score"]


def make_table(frame: pd.DataFrame, roles: dict[str, str]) -> CustomerTable:
    """Build a CustomerTable by hand: `frame` has customer_id, revenue and the columns named in `roles`."""
    return CustomerTable(
        customers=frame.reset_index(drop=True),
        roles={column: ColumnRole(column, role, 1.0, "set by the test") for column, role in roles.items()},
        id_column="customer_id",
        revenue_column="revenue",
        revenue_unit="ARR",
        source_name="test.csv",
        rows_read=len(frame),
    )


def blobs_table() -> CustomerTable:
    """Ten small customers (employees 10–14, logins 2) and ten large ones (employees 1000–1004, logins 40).

    The small ones earn 100 each (1,000 in all); the large ones 50 each (500 in all), so the small
    blob must be segment 1.
    """
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:02d}" for i in range(20)],
            "revenue": [100.0] * 10 + [50.0] * 10,
            "employees": [10.0 + i % 5 for i in range(10)] + [1000.0 + i % 5 for i in range(10)],
            "logins": [2.0] * 10 + [40.0] * 10,
        }
    )
    return make_table(frame, {"employees": "numeric", "logins": "numeric"})


def three_blobs(n_per: int = 20, seed: int = 0) -> CustomerTable:
    """Three well separated blobs on two numbers; blob b earns b+1 per customer."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = np.vstack([centres[b] + rng.normal(0, 0.5, size=(n_per, 2)) for b in range(3)])
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(3 * n_per)],
            "revenue": np.repeat([1.0, 2.0, 3.0], n_per),
            "usage": points[:, 0],
            "nps": points[:, 1],
        }
    )
    return make_table(frame, {"usage": "numeric", "nps": "numeric"})


# ---------------------------------------------------------------- criteria and features


def test_catalogue_places_columns_in_families_and_picks_defaults() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "revenue": [1.0, 2.0, 3.0],
            "Employees": [10.0, 20.0, 30.0],
            "industry": ["Retail", "Media", "Retail"],
            "country": ["FR", "US", "US"],
            "logins_30d": [1.0, 5.0, 9.0],
            "nps_score": [3.0, 8.0, 9.0],
            "arr_growth": [0.1, 0.2, 0.3],
            "carrier": ["x", "y", "x"],
            "company_name": ["A", "B", "C"],
            "signup_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "notes": ["free", "text", "here"],
        }
    )
    roles = {
        "Employees": "numeric",
        "industry": "categorical",
        "country": "geographic",
        "logins_30d": "numeric",
        "nps_score": "numeric",
        "arr_growth": "numeric",
        "carrier": "categorical",
        "company_name": "customer_name",
        "signup_date": "date",
        "notes": "text",
    }
    catalogue = {c.column: c for c in criteria_catalogue(make_table(frame, roles))}
    assert {c: catalogue[c].family for c in catalogue} == {
        "revenue": "value",
        "Employees": "firmographic",
        "industry": "firmographic",
        "country": "geographic",
        "logins_30d": "behavioural",
        "nps_score": "psychographic",
        "arr_growth": "value",
        "carrier": "firmographic",  # 'arr' inside 'carrier' must not make it money
        "signup_date": "behavioural",
    }
    assert "company_name" not in catalogue and "notes" not in catalogue
    assert catalogue["signup_date"].kind == "date-derived"
    picked = {c for c, entry in catalogue.items() if entry.default_selected}
    assert picked == {"Employees", "industry", "logins_30d", "nps_score", "carrier"}
    moved = criteria_catalogue(make_table(frame, roles), CriteriaSettings(families={"country": "firmographic"}))
    assert {c.column: c.family for c in moved}["country"] == "firmographic"


def test_revenue_is_chosen_only_when_nothing_else_is_usable() -> None:
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "revenue": [1.0, 5.0, 9.0], "name": ["x", "y", "z"]})
    table = make_table(frame, {"name": "customer_name"})
    features = build_features(table, CriteriaSettings())
    assert features.columns == ["revenue"]


def test_features_impute_encode_weight_and_say_so() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": list("abcd"),
            "revenue": [1.0, 2.0, 3.0, 4.0],
            "logins": [1.0, np.nan, 3.0, 5.0],
            "plan": ["Pro", "Pro", None, "Basic"],
        }
    )
    table = make_table(frame, {"logins": "numeric", "plan": "categorical"})
    features = build_features(table, CriteriaSettings(columns=["logins", "plan"], weights={"logins": 2.0}))
    assert features.feature_names == ["logins", "plan = Pro", "plan = Basic", "plan = Missing"]
    assert features.matrix.dtype == np.float64
    assert not np.isnan(features.matrix).any()
    notes = " ".join(features.notes)
    assert "1 missing value(s) filled with the median (3)" in notes
    assert "'plan': 1 missing value(s) kept as their own category 'Missing'" in notes
    # logins after imputation: 1, 3, 3, 5 → mean 3, std sqrt(2); weight 2.
    assert np.allclose(features.matrix[:, 0], 2 * np.array([-2.0, 0.0, 0.0, 2.0]) / np.sqrt(2.0))
    # The one-hot block has the total variance of one standardised number.
    assert features.matrix[:, 1:].var(axis=0).sum() == pytest.approx(1.0)
    assert features.raw["plan"].tolist() == ["Pro", "Pro", "Missing", "Basic"]


def test_features_dates_become_days_since_and_bad_columns_raise() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": list("abc"),
            "revenue": [1.0, 2.0, 3.0],
            "signup": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-31"]),
            "same": [1.0, 1.0, 1.0],
            "name": ["x", "y", "z"],
        }
    )
    table = make_table(frame, {"signup": "date", "same": "numeric", "name": "customer_name"})
    features = build_features(table, CriteriaSettings(columns=["signup"]))
    assert features.feature_names == ["signup (days since)"]
    assert features.raw["signup"].tolist() == [30.0, 20.0, 0.0]
    with pytest.raises(InputError, match="'missing_col' is not in the customer table"):
        build_features(table, CriteriaSettings(columns=["missing_col"]))
    with pytest.raises(InputError, match="'name'"):
        build_features(table, CriteriaSettings(columns=["name"]))
    with pytest.raises(InputError, match="No usable segmentation criteria"):
        build_features(table, CriteriaSettings(columns=["same"]))


def test_many_levels_are_frequency_encoded_and_heavy_tails_logged() -> None:
    n = 200
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(n)],
            "revenue": np.ones(n),
            "city": [f"City {i % 40}" for i in range(160)] + ["City 0"] * 40,
            "spend": rng.lognormal(5, 1.5, n),
        }
    )
    table = make_table(frame, {"city": "categorical", "spend": "numeric"})
    features = build_features(table, CriteriaSettings(columns=["city", "spend"]))
    assert features.feature_names == ["city (how common)", "spend"]
    notes = " ".join(features.notes)
    assert "heavy-tailed" in notes
    assert "pulled in to the 1st–99th percentile" in notes


# ---------------------------------------------------------------- methods, numbering, merges, names


def test_two_obvious_blobs_give_two_segments_ordered_by_revenue() -> None:
    table = blobs_table()
    features = build_features(table, CriteriaSettings())
    result = segment_customers(table, features, SegmentationSettings(k=2))
    assert result.labels.tolist() == [1] * 10 + [2] * 10
    assert [p.id for p in result.profiles] == [1, 2]
    assert [p.customers for p in result.profiles] == [10, 10]
    assert [p.revenue for p in result.profiles] == [1000.0, 500.0]
    assert result.profiles[0].revenue_share == pytest.approx(2 / 3)
    assert result.profiles[0].name != result.profiles[1].name
    assert "Small" in result.profiles[0].name and "Large" in result.profiles[1].name
    assert "10 customers (50.0%) earning 66.7% of revenue" in result.profiles[0].description
    assert result.rules_fidelity == 1.0
    texts = {r["segment"]: r["text"] for r in result.rules}
    assert "employees" in texts[1] or "logins" in texts[1]
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert {"method", "k", "notes", "rules", "rules_fidelity", "profiles"} <= set(data)
    assert data["k"] == 2


def test_negative_revenue_counts_as_zero_and_ties_go_to_the_bigger_segment() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": list("abcdefg"),
            # Group x (a–c) has net −300 but +100 once negatives count as 0; group y (d–g) has 100.
            "revenue": [-500.0, 100.0, 100.0, 25.0, 25.0, 25.0, 25.0],
            "logins": [1.0, 1.0, 1.0, 50.0, 50.0, 50.0, 50.0],
        }
    )
    table = make_table(frame, {"logins": "numeric"})
    result = segment_customers(table, build_features(table, CriteriaSettings()), SegmentationSettings(k=2))
    # x earns 200 once its negative revenue counts as 0, y earns 100: x is segment 1.
    assert result.labels.tolist() == [1, 1, 1, 2, 2, 2, 2]
    frame.loc[1, "revenue"] = 0.0  # now x earns 100, y 100: the bigger y wins the tie
    table = make_table(frame, {"logins": "numeric"})
    result = segment_customers(table, build_features(table, CriteriaSettings()), SegmentationSettings(k=2))
    assert result.labels.tolist() == [2, 2, 2, 1, 1, 1, 1]
    assert sum(p.revenue_share for p in result.profiles) == pytest.approx(1.0)


def test_k_larger_than_customers_raises() -> None:
    table = blobs_table()
    with pytest.raises(InputError, match="only 20 customers"):
        segment_customers(table, build_features(table, CriteriaSettings()), SegmentationSettings(k=21))


@pytest.mark.parametrize("method", ["kmeans", "gmm", "hierarchical", "hdbscan", "mixed"])
def test_every_method_is_deterministic(method: str) -> None:
    table = three_blobs()
    features = build_features(table, CriteriaSettings())
    config = SegmentationSettings(method=method, k=3, seed=7, min_cluster_size=5)
    first = segment_customers(table, features, config)
    second = segment_customers(table, features, config)
    assert np.array_equal(first.labels, second.labels)
    assert first.to_dict() == second.to_dict()
    truth = np.repeat([0, 1, 2], 20)
    assert adjusted_rand_score(truth, first.labels) == 1.0
    # blob 2 earns most per customer, so it is segment 1
    assert set(first.labels[40:]) == {1}


def test_mixed_method_uses_categories() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(12)],
            "revenue": [1.0] * 12,
            "plan": ["Pro"] * 6 + ["Basic"] * 6,
            "industry": ["Retail"] * 6 + ["Media"] * 6,
            "logins": [5.0, 6.0, 5.0, 6.0, 5.0, 6.0] * 2,
        }
    )
    table = make_table(frame, {"plan": "categorical", "industry": "categorical", "logins": "numeric"})
    result = segment_customers(
        table, build_features(table, CriteriaSettings()), SegmentationSettings(method="mixed", k=2)
    )
    assert adjusted_rand_score([0] * 6 + [1] * 6, result.labels) == 1.0


def test_hdbscan_noise_is_an_unassigned_segment_that_is_counted() -> None:
    rng = np.random.default_rng(3)
    points = np.vstack([rng.normal(0, 0.3, (20, 2)), rng.normal(10, 0.3, (20, 2)), [[50.0, -50.0]]])
    frame = pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(41)],
            "revenue": [1.0] * 20 + [2.0] * 20 + [1000.0],
            "usage": points[:, 0],
            "nps": points[:, 1],
        }
    )
    table = make_table(frame, {"usage": "numeric", "nps": "numeric"})
    features = build_features(table, CriteriaSettings())
    result = segment_customers(table, features, SegmentationSettings(method="hdbscan", min_cluster_size=5))
    assert result.labels[-1] == 0
    assert result.unassigned == 1
    assert result.k == 2
    assert result.labels[:20].tolist() == [2] * 20 and result.labels[20:40].tolist() == [1] * 20
    by_id = {p.id: p for p in result.profiles}
    assert by_id[0].name == "Unassigned" and by_id[0].customers == 1
    assert sum(p.customers for p in result.profiles) == 41
    assert sum(p.revenue_share for p in result.profiles) == pytest.approx(1.0)
    assert result.to_dict()["unassigned"] == 1


def test_rule_tiers_on_a_literal_frame() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": list("abcdefg"),
            "revenue": [1.0, 2.0, 3.0, 50.0, 60.0, 500.0, 7.0],
            "employees": [5.0, 99.0, 100.0, 999.0, 1000.0, 20000.0, np.nan],
        }
    )
    table = make_table(frame, {"employees": "numeric"})
    settings_ = SegmentationSettings(
        method="rule_tiers", tiers_column="employees", tiers_thresholds=[100, 1000], tiers_names=["SMB", "Mid", "Ent"]
    )
    result = segment_customers(table, build_features(table, CriteriaSettings()), settings_)
    names = result.names
    tiers = [names[int(label)] for label in result.labels]
    assert tiers == ["SMB", "SMB", "Mid", "Mid", "Ent", "Ent", "Unknown employees"]
    # Ent earns 560, Mid 53, Unknown 7, SMB 3.
    assert [p.name for p in result.profiles] == ["Ent", "Mid", "Unknown employees", "SMB"]
    assert any("Rule tiers on 'employees'" in note for note in result.notes)
    with pytest.raises(InputError, match="need 3 names"):
        segment_customers(
            table,
            build_features(table, CriteriaSettings()),
            SegmentationSettings(
                method="rule_tiers", tiers_column="employees", tiers_thresholds=[1, 2], tiers_names=["a"]
            ),
        )


def test_rule_tiers_default_to_employees_and_quantiles() -> None:
    frame = pd.DataFrame(
        {"customer_id": [str(i) for i in range(10)], "revenue": np.arange(10.0), "employees": np.arange(1.0, 11.0)}
    )
    table = make_table(frame, {"employees": "numeric"})
    result = segment_customers(
        table, build_features(table, CriteriaSettings()), SegmentationSettings(method="rule_tiers")
    )
    tiers = [result.names[int(label)] for label in result.labels]
    # 60th percentile 6.4, 90th 9.1: 1–6 SMB, 7–9 Mid-market, 10 Enterprise.
    assert tiers == ["SMB"] * 6 + ["Mid-market"] * 3 + ["Enterprise"]


def rfm_table() -> CustomerTable:
    frame = pd.DataFrame(
        {
            "customer_id": list("ABCDE"),
            "revenue": [1000.0, 10.0, 900.0, 50.0, 100.0],
            "recency_days": [1.0, 300.0, 200.0, 5.0, 100.0],
            "frequency": [10.0, 1.0, 9.0, 2.0, 5.0],
            "monetary": [1000.0, 10.0, 900.0, 50.0, 100.0],
        }
    )
    return make_table(frame, {"recency_days": "numeric", "frequency": "numeric", "monetary": "numeric"})


def test_rfm_scores_and_groups_on_a_literal_frame() -> None:
    table = rfm_table()
    result = segment_customers(table, build_features(table, CriteriaSettings()), SegmentationSettings(method="rfm"))
    assert result.scores is not None
    # Five distinct values: each score is the rank (recency reversed: fewest days scores 5).
    assert result.scores.to_numpy().tolist() == [[5, 5, 5], [1, 1, 1], [2, 4, 4], [4, 2, 2], [3, 3, 3]]
    groups = [result.names[int(label)] for label in result.labels]
    assert groups == ["Champions", "Lost", "Can't lose them", "Potential loyalists", "Need attention"]
    assert result.labels.tolist() == [1, 5, 2, 4, 3]  # numbered by revenue


def test_rfm_ties_share_a_score_and_missing_columns_raise() -> None:
    scorer = RFMScorer().fit(np.array([[1, 1, 1], [1, 1, 1], [2, 2, 2], [3, 3, 3]], dtype=float))
    # Average ranks with ties: recency (fewest days best) 3.5, 3.5, 2, 1 → 1 + ⌊5 (r − ½) / 4⌋ = 4, 4, 2, 1;
    # frequency 1.5, 1.5, 3, 4 → 2, 2, 4, 5. Equal values share a score.
    assert scorer.scores_[:, 0].tolist() == [4, 4, 2, 1]
    assert scorer.scores_[:, 1].tolist() == [2, 2, 4, 5]
    table = blobs_table()
    with pytest.raises(InputError, match="missing: recency_days, frequency, monetary"):
        segment_customers(table, build_features(table, CriteriaSettings()), SegmentationSettings(method="rfm"))


def test_merges_then_renames_and_renumbering() -> None:
    table = three_blobs()
    features = build_features(table, CriteriaSettings())
    plain = segment_customers(table, features, SegmentationSettings(k=3))
    assert [p.revenue for p in plain.profiles] == pytest.approx([60.0, 40.0, 20.0])
    merged = segment_customers(
        table, features, SegmentationSettings(k=3, merges=[[2, 3]], names={"2": "Key accounts", "9": "Nobody"})
    )
    # Segments 2 (40) and 3 (20) merge into one earning 60 with 40 customers; 60 = 60, bigger wins the tie.
    assert merged.k == 2
    assert merged.labels[:40].tolist() == [1] * 40 and merged.labels[40:].tolist() == [2] * 20
    assert merged.names[2] == "Key accounts"
    notes = " ".join(merged.notes)
    assert "Merged segments 2, 3" in notes and "numbered again by revenue" in notes
    assert "no segment 9" in notes
    with pytest.raises(InputError, match="same name"):
        segment_customers(table, features, SegmentationSettings(k=3, names={"1": "A", "2": "a"}))


def test_names_are_distinct_even_when_traits_collide() -> None:
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(n)],
            "revenue": rng.uniform(1, 100, n),
            "nps": rng.normal(0, 1, n),
        }
    )
    table = make_table(frame, {"nps": "numeric"})
    result = segment_customers(table, build_features(table, CriteriaSettings()), SegmentationSettings(k=6))
    names = [p.name for p in result.profiles]
    assert len(set(names)) == len(names) == 6


def test_settings_round_trip_through_the_config() -> None:
    config = AnalysisConfig().updated(
        **{
            "segmentation.method": "rule_tiers",
            "segmentation.tiers_thresholds": [100.0, 1000.0],
            "segmentation.merges": [[2, 3]],
            "segmentation.names": {"1": "Key accounts"},
            "criteria.weights": {"nps": 2.0},
            "criteria.families": {"country": "firmographic"},
        }
    )
    assert AnalysisConfig.from_json(config.to_json()) == config
    with pytest.raises(InputError):
        AnalysisConfig().updated(**{"segmentation.method": "magic"})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    revenue=st.lists(st.floats(-1000, 1e6, allow_nan=False), min_size=3, max_size=40),
    k=st.integers(1, 4),
    data=st.data(),
)
def test_customer_and_revenue_shares_add_up_to_one(revenue: list[float], k: int, data: st.DataObject) -> None:
    n = len(revenue)
    usage = data.draw(st.lists(st.floats(0, 100, allow_nan=False), min_size=n, max_size=n))
    frame = pd.DataFrame({"customer_id": [str(i) for i in range(n)], "revenue": revenue, "usage": usage})
    table = make_table(frame, {"usage": "numeric"})
    try:
        features = build_features(table, CriteriaSettings())
    except InputError:
        return  # every usage value equal: nothing to segment on, said clearly
    result = segment_customers(table, features, SegmentationSettings(k=min(k, n)))
    assert sum(p.customers for p in result.profiles) == n
    assert sum(p.customer_share for p in result.profiles) == pytest.approx(1.0)
    if abs(sum(revenue)) > 1e-6:  # all-zero revenue has no shares (the intake refuses such files anyway)
        assert sum(p.revenue_share for p in result.profiles) == pytest.approx(1.0)
    revenues = [p.revenue for p in result.profiles]
    assert revenues == sorted(revenues, reverse=True)
    assert sorted(set(result.labels.tolist())) == list(range(1, len(result.profiles) + 1))


# ---------------------------------------------------------------- scan and charts


def test_scan_recommends_three_for_three_blobs() -> None:
    table = three_blobs(n_per=30)
    calls: list[float] = []
    scan = scan_k(table, SegmentationSettings(), k_range=range(2, 7), progress=lambda f, _m: calls.append(f))
    assert scan.recommended_k == 3
    assert scan.reason.startswith("3 segments: the most distinct grouping")
    frame = scan.to_frame()
    assert frame["k"].tolist() == [2, 3, 4, 5, 6]
    assert frame.loc[frame["k"] == 3, "stability"].item() == pytest.approx(1.0)
    assert calls and calls[-1] == 1.0
    json.dumps(scan.to_dict(), allow_nan=False)


def test_charts_are_sampled_and_titled() -> None:
    table = three_blobs(n_per=30)
    features = build_features(table, CriteriaSettings())
    result = segment_customers(table, features, SegmentationSettings(k=3))
    spec = segment_map(features, result, max_points=50).to_dict()
    assert len(next(iter(spec["datasets"].values()))) == 50
    assert spec["encoding"]["x"]["title"] == "Map dimension 1 (similar customers sit close)"
    heat = profile_heatmap(result).to_dict()
    assert "median against all customers" in json.dumps(heat)
    scan = scan_k(features, SegmentationSettings(), k_range=range(2, 5))
    assert "Recommended: 3" in json.dumps(k_scan_chart(scan).to_dict())


# ---------------------------------------------------------------- the bundled sample data


@pytest.fixture(scope="module")
def sample() -> tuple[CustomerTable, np.ndarray]:
    if not SAMPLE_ACCOUNTS.exists() or not SAMPLE_TRUTH.exists():
        pytest.skip("sample_data/saas_accounts.csv is not there yet")
    raw = pd.read_csv(SAMPLE_ACCOUNTS)
    frame = raw.rename(columns={"account_id": "customer_id", "arr": "revenue"})
    frame["customer_id"] = frame["customer_id"].astype(str)
    roles = {
        "industry": "categorical",
        "region": "geographic",
        "employees": "numeric",
        "plan": "categorical",
        "seats_used": "numeric",
        **dict.fromkeys(PLANTED, "numeric"),
    }
    table = make_table(frame[["customer_id", "revenue", *roles]], roles)
    truth = pd.read_csv(SAMPLE_TRUTH)["planted_group"].to_numpy()
    return table, truth


def test_sample_data_kmeans_recovers_planted_groups(sample: tuple[CustomerTable, np.ndarray]) -> None:
    table, truth = sample
    features = build_features(table, CriteriaSettings(columns=PLANTED))
    config = SegmentationSettings(k=4)
    first = segment_customers(table, features, config)
    second = segment_customers(table, features, config)
    assert np.array_equal(first.labels, second.labels)
    assert adjusted_rand_score(truth, first.labels) >= 0.8
    assert len({p.name for p in first.profiles}) == 4


def test_sample_data_scan_recommends_the_planted_number(sample: tuple[CustomerTable, np.ndarray]) -> None:
    table, truth = sample
    features = build_features(table, CriteriaSettings(columns=PLANTED))
    scan = scan_k(features, SegmentationSettings(), k_range=range(2, 9))
    assert scan.recommended_k == len(set(truth)) == 4


def test_default_criteria_leave_out_columns_that_move_in_step() -> None:
    """Seats bought, seats used and active users measure one trait; only the first is picked by default."""
    from segmentation.intake.table import ColumnRole, CustomerTable
    from segmentation.segments import criteria_catalogue

    rng = np.random.default_rng(0)
    seats = rng.integers(1, 500, 200).astype(float)
    customers = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(200)],
            "revenue": rng.lognormal(8, 1, 200),  # not made of seats: seats are no part of it
            "seats_purchased": seats,
            "seats_used": seats * 0.9,
            "logins_30d": rng.normal(20, 5, 200),
        }
    )
    roles = {c: ColumnRole(c, "numeric", 1.0, "test") for c in ["seats_purchased", "seats_used", "logins_30d"]}
    table = CustomerTable(customers, roles, "customer_id", "revenue", "ARR", "t.csv", 200)
    picked = {c.column: c for c in criteria_catalogue(table)}
    assert picked["seats_purchased"].default_selected
    assert picked["logins_30d"].default_selected
    assert not picked["seats_used"].default_selected
    assert "moves with 'seats_purchased'" in picked["seats_used"].reason


def test_hdbscan_groups_beyond_the_cap_join_the_nearest_kept_group() -> None:
    """Dozens of small dense groups cannot be served: the largest `cap` stay, the rest join the nearest, said."""
    from segmentation.segments.segmenting import _fold_to_cap

    rng = np.random.default_rng(0)
    sizes = [20 + i for i in range(12)]
    matrix = np.vstack([rng.normal(i * 5.0, 0.3, (size, 2)) for i, size in enumerate(sizes)])
    labels = np.repeat(np.arange(12), sizes)
    labels[:3] = -1  # noise stays unassigned
    notes: list[str] = []
    out = _fold_to_cap(matrix, labels, 8, notes)
    assert set(np.unique(out[out >= 0])) == set(range(4, 12))  # the 8 largest groups
    assert (out == -1).sum() == 3
    # group 3 sits at x = 15, nearest to the kept group 4 at x = 20
    assert set(out[labels == 3]) == {4}
    assert "12 dense groups" in notes[0] and "at most 8 segments" in notes[0]
    assert _fold_to_cap(matrix, labels, 20, []) is labels  # under the cap nothing changes


def test_a_segment_without_revenue_is_never_said_to_earn_a_share() -> None:
    from segmentation.segments.profiles import _earning

    assert _earning(0.32, 1000.0) == "earning 32.0% of revenue"
    assert _earning(0.0, 0.0) == "earning no revenue"
    assert _earning(0.0, 1e-9) == "earning no revenue"
    assert _earning(-0.1, -7904.9).startswith("with net negative revenue (-7,905")


def test_rules_read_in_words_and_keep_the_files_columns_for_an_analyst() -> None:
    """'feature adoption ≤ 60.5%' and 'logins (30 days) ≥ 15' for a sales leader; the raw names beside them."""
    import re

    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis
    from segmentation.segments.naming import rule_label

    rules = run_analysis(Source.from_path(SAMPLE_ACCOUNTS)).segmentation.rules
    assert rules
    for rule in rules:
        assert not re.search(r"[a-z]_[a-z0-9]", rule["text"]), rule["text"]  # no snake_case in the words
        assert re.search(r"[a-z]_[a-z0-9]", rule["formula"]), rule["formula"]  # the file's own names
        # the same thresholds in both, a per-cent column with its % sign
        numbers = lambda text: re.findall(r"\d+(?:\.\d+)?", re.sub(r"\(\d+ days\)|_\d+d\b", "", text))  # noqa: E731
        assert numbers(rule["text"]) == numbers(rule["formula"])
    joined = " ".join(r["text"] for r in rules)
    assert "feature adoption" in joined and "%" in joined
    assert rule_label("is_trial_share", fraction=True) == ("trial rate", "%", 100.0)
    assert rule_label("logins_30d") == ("logins (30 days)", "", 1.0)
    assert rule_label("signup_date (days since)")[0].endswith("(days ago)")
