"""Every word of a segment name is backed by that segment's profile; no codes, raw column names or file names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.config import AnalysisConfig
from segmentation.intake import Source
from segmentation.intake.table import ColumnRole, CustomerTable
from segmentation.pipeline import find_segments, load_customers
from segmentation.segments import (
    CriteriaSettings,
    Segmentation,
    SegmentationSettings,
    build_features,
    segment_customers,
)
from segmentation.segments.charts import profile_heatmap
from segmentation.segments.naming import (
    SHORT_NAME_WIDTH,
    bad_tokens,
    category_phrase,
    contradictions,
    measure_kind,
    number_phrase,
    short_names,
    stems_of,
    unbacked,
)
from segmentation.vocabulary import label
from tests.conftest import SAMPLE_ACCOUNTS, SAMPLE_INVOICES, SHARED_DATA


def _table(frame: pd.DataFrame, roles: dict[str, str], reasons: dict[str, str] | None = None) -> CustomerTable:
    reasons = reasons or {}
    return CustomerTable(
        customers=frame.reset_index(drop=True),
        roles={c: ColumnRole(c, r, 1.0, reasons.get(c, "set by the test")) for c, r in roles.items()},
        id_column="customer_id",
        revenue_column="revenue",
        revenue_unit="ARR",
        source_name="test.csv",
        rows_read=len(frame),
    )


def _segment(table: CustomerTable, columns: list[str], k: int = 2) -> Segmentation:
    features = build_features(table, CriteriaSettings(columns=columns))
    return segment_customers(table, features, SegmentationSettings(k=k))


def assert_names_true(table: CustomerTable, segmentation: Segmentation) -> None:
    """The checks the issue asks for, on every segment of one analysis."""
    n = table.n_customers
    base = float(np.clip(table.customers["revenue"].to_numpy(dtype=float), 0, None).sum()) / n
    columns = [c for c in table.customers.columns if c != "customer_id"]
    stems = stems_of(table)
    shorts = [p.short_name for p in segmentation.profiles]
    assert len({s.casefold() for s in shorts}) == len(shorts), shorts
    assert all(len(s) <= SHORT_NAME_WIDTH for s in shorts), shorts
    for profile in segmentation.profiles:
        if profile.id == 0:
            continue
        per_customer = profile.revenue / max(profile.customers, 1)
        assert unbacked(profile.name, profile.profile, per_customer, base) == [], profile.name
        assert bad_tokens(profile.name, columns, stems) == [], profile.name
        assert contradictions(profile.profile.get("claims", [])) == [], profile.name
        assert "null" not in profile.name.casefold() and "nan" not in profile.name.casefold().split()


def _two_groups(n: int = 200, seed: int = 0) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng, np.arange(n) % 2


def test_tenure_and_recency_are_told_apart_not_by_the_word_days() -> None:
    rng, group = _two_groups()
    n = len(group)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "revenue": rng.lognormal(8, 0.3, n),
            # group 1: customers for years who ordered yesterday
            "tenure_days": np.where(group == 1, rng.normal(1500, 50, n), rng.normal(60, 10, n)),
            "days_since_last_order": np.where(group == 1, rng.normal(3, 1, n), rng.normal(200, 10, n)),
        }
    )
    table = _table(frame, {"tenure_days": "numeric", "days_since_last_order": "numeric"})
    segmentation = _segment(table, ["tenure_days", "days_since_last_order"])
    loyal = next(p for p in segmentation.profiles if p.profile["medians"]["tenure_days"]["segment"] > 1000)
    # days since the last *order*: a purchase word, not activity ("inactive" would be more than the data says)
    assert "long-standing" in loyal.name.casefold() and "bought recently" in loyal.name.casefold()
    assert "inactive" not in loyal.name.casefold()
    assert_names_true(table, segmentation)
    assert number_phrase("days_since_last_login", True)[0] == "long inactive"  # a login is activity
    assert number_phrase("recency_days", True)[0] == "no recent purchase"
    assert measure_kind("Tenure Months") == "tenure"
    assert measure_kind("days_since_signup") == "tenure"
    assert measure_kind("recency_days") == "recency"
    assert measure_kind("days_active") != "recency"


def test_a_segment_that_spends_less_is_never_called_high_value() -> None:
    rng, group = _two_groups()
    n = len(group)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            # group 1 spends a lot on meat but brings less revenue than group 0
            "revenue": np.where(group == 1, rng.normal(1000, 50, n), rng.normal(5000, 100, n)),
            "MntMeatProducts": np.where(group == 1, rng.normal(900, 30, n), rng.normal(50, 10, n)),
        }
    )
    table = _table(frame, {"MntMeatProducts": "numeric"})
    segmentation = _segment(table, ["MntMeatProducts"])
    meat = next(p for p in segmentation.profiles if p.profile["medians"]["MntMeatProducts"]["segment"] > 500)
    assert "high-value" not in meat.name.casefold() and "big spenders" not in meat.name.casefold()
    assert "meat products spend" in meat.name.casefold()
    richer = next(p for p in segmentation.profiles if p.id != meat.id)
    assert richer.revenue / richer.customers > meat.revenue / meat.customers
    assert_names_true(table, segmentation)


def test_negative_revenue_is_never_high_value() -> None:
    rng, group = _two_groups()
    n = len(group)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "revenue": np.where(group == 1, -rng.normal(500, 10, n), rng.normal(100, 10, n)),
            "logins": np.where(group == 1, rng.normal(50, 3, n), rng.normal(5, 1, n)),
        }
    )
    table = _table(frame, {"logins": "numeric"})
    segmentation = _segment(table, ["logins"])
    for profile in segmentation.profiles:
        if profile.revenue <= 0:
            assert "high-value" not in profile.name.casefold()
    assert_names_true(table, segmentation)


def test_codes_and_raw_column_names_stay_out_of_names() -> None:
    rng, group = _two_groups()
    n = len(group)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "revenue": rng.lognormal(8, 0.3, n),
            "StockCode": np.where(group == 1, "85123A", rng.choice(["22423B", "47566C", "84879D"], n)),
            "is_trial": np.where(group == 1, "Yes", "No"),
            "NumWebPurchases": np.where(group == 1, rng.normal(30, 2, n), rng.normal(3, 1, n)),
        }
    )
    roles = {"StockCode": "categorical", "is_trial": "categorical", "NumWebPurchases": "numeric"}
    table = _table(frame, roles)
    segmentation = _segment(table, ["StockCode", "is_trial", "NumWebPurchases"])
    names = " | ".join(p.name for p in segmentation.profiles)
    assert "85123A" not in names and "is trial" not in names.casefold() and "num" not in names.casefold().split()
    assert "trial accounts" in names.casefold()
    assert_names_true(table, segmentation)
    assert label("MntMeatProducts") == "meat products spend"
    assert label("logins_30d") == "logins"
    assert label("NumWebPurchases") == "web purchases"


def test_labels_keep_acronyms_and_drop_units_and_categories_read_as_english() -> None:
    # units and scales in brackets are profile detail ('high annual income k' was a name)
    assert label("Annual Income (k$)") == "annual income"
    assert label("Spending Score (1-100)") == "spending score"
    # an acronym written in capitals stays in capitals ('without streaming tv' was a name); an all-capitals
    # column name is not a row of acronyms
    assert label("StreamingTV") == "streaming TV"
    assert label("ANNUAL_REVENUE") == "annual revenue"
    assert category_phrase("StreamingTV", "No") == "without streaming TV"
    # a value says what it is of ('Fiber optic' alone was a name), but gender needs no noun ('Female gender')
    assert category_phrase("InternetService", "Fiber optic") == "Fiber optic internet service"
    assert category_phrase("Contract", "Month-to-month") == "Month-to-month contract"
    assert category_phrase("InternetService", "No internet service") == "No internet service"
    assert category_phrase("Gender", "Female") == "Female"
    assert number_phrase("Age", high=False)[0] == "younger"  # not 'low age'
    assert measure_kind("account_age_days") == "tenure"


def test_a_joined_files_name_never_reaches_a_segment_name() -> None:
    rng, group = _two_groups()
    n = len(group)
    rows = "ravenstack_subscriptions_rows"
    upgrades = "ravenstack_subscriptions_upgrade_flag_share"
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "revenue": rng.lognormal(8, 0.3, n),
            rows: np.where(group == 1, rng.poisson(30, n), rng.poisson(2, n)).astype(float),
            upgrades: np.where(group == 1, rng.uniform(0.6, 0.9, n), rng.uniform(0.0, 0.1, n)),
        }
    )
    reasons = {
        rows: "rows of 'ravenstack_subscriptions.csv' per customer",
        upgrades: "from 'ravenstack_subscriptions.csv', per customer",
    }
    table = _table(frame, {rows: "numeric", upgrades: "numeric"}, reasons)
    assert stems_of(table) == ["ravenstack_subscriptions"]
    segmentation = _segment(table, [rows, upgrades])
    names = " | ".join(p.name for p in segmentation.profiles).casefold()
    assert "ravenstack" not in names and "_" not in names
    assert "upgrade rate" in names
    assert_names_true(table, segmentation)


def test_heavy_users_and_low_engagement_never_meet_in_one_name() -> None:
    rng, group = _two_groups()
    n = len(group)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "revenue": rng.lognormal(8, 0.3, n),
            # group 1 uses many seats but rarely logs in
            "seats_used": np.where(group == 1, rng.normal(200, 10, n), rng.normal(10, 2, n)),
            "logins_30d": np.where(group == 1, rng.normal(2, 0.5, n), rng.normal(40, 3, n)),
        }
    )
    table = _table(frame, {"seats_used": "numeric", "logins_30d": "numeric"})
    segmentation = _segment(table, ["seats_used", "logins_30d"])
    for profile in segmentation.profiles:
        name = profile.name.casefold()
        assert not ("heavy users" in name and ("low engagement" in name or "light users" in name))
    assert_names_true(table, segmentation)


def test_short_names_stay_distinct_at_the_width_shown() -> None:
    names = {
        1: "Large, high-value, heavy users, frequent buyers",
        2: "Large, high-value, heavy users, rare buyers",
        3: "Small customers",
    }
    shorts = short_names(names)
    assert len(set(shorts.values())) == 3
    assert all(len(s) <= SHORT_NAME_WIDTH for s in shorts.values())
    assert shorts[3] == "Small customers"


def test_a_heatmap_cell_never_reads_null() -> None:
    rng, group = _two_groups()
    n = len(group)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "revenue": rng.lognormal(8, 0.3, n),
            "open_tickets": np.where(group == 1, rng.poisson(6, n), 0).astype(float),  # base median 0: no ratio
            "logins": np.where(group == 1, rng.normal(50, 3, n), rng.normal(5, 1, n)),
        }
    )
    table = _table(frame, {"open_tickets": "numeric", "logins": "numeric"})
    segmentation = _segment(table, ["open_tickets", "logins"])
    spec = profile_heatmap(segmentation).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert any(r["ratio"] is None for r in rows)
    assert all(r["ratio_text"] not in (None, "null", "nan") for r in rows)
    text_layer = spec["layer"][1]["encoding"]["text"]
    assert text_layer["field"] == "ratio_text"


CASES = {
    "sample accounts": (SAMPLE_ACCOUNTS, None),
    "sample invoices": (SAMPLE_INVOICES, None),
    "telco csv": (SHARED_DATA / "telco_churn" / "Telco-Customer-Churn.csv", None),
    "telco xlsx": (SHARED_DATA / "telco_churn" / "Telco_customer_churn.xlsx", None),
    "cdnow": (SHARED_DATA / "cdnow" / "CDNOW_master.txt", None),
    "ravenstack": (
        SHARED_DATA / "ravenstack" / "ravenstack_accounts.csv",
        SHARED_DATA / "ravenstack" / "ravenstack_subscriptions.csv",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_names_are_true_on_every_dataset(case: str) -> None:
    path, related = CASES[case]
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    config = AnalysisConfig()
    table = load_customers(Source.from_path(path), config, Source.from_path(related) if related else None)
    _features, segmentation = find_segments(table, config)
    assert_names_true(table, segmentation)


def test_the_checker_catches_unbacked_words_and_contradicted_claims() -> None:
    profile = {
        "medians": {"logins": {"segment": 2.0, "base": 10.0, "ratio": 0.2}},
        "categories": {},
        "claims": [
            {"phrase": "high-value", "kind": "value", "direction": "high", "group": "value"},
            {"phrase": "heavy users", "kind": "number", "column": "logins", "direction": "high", "effect": 1.0},
        ],
    }
    problems = unbacked("High-value, heavy users, big spenders", profile, 50.0, 100.0)
    assert any("revenue per customer is 0.50" in p for p in problems)
    assert any("not above the base" in p for p in problems)
    assert any("big spenders" in p for p in problems)
    assert bad_tokens("85123A, high mnt_meat", ["mnt_meat"], []) == ["mnt_meat", "85123A"]
    assert bad_tokens("Low ravenstack subscriptions rows", [], ["ravenstack_subscriptions"]) == [
        "ravenstack_subscriptions"
    ]
    claims = [{"phrase": "heavy users", "group": "usage"}, {"phrase": "low engagement", "group": "usage"}]
    assert contradictions(claims)
