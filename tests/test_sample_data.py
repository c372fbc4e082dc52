"""The bundled sample data: deterministic, realistic, and with the planted structure recoverable."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from tests.conftest import ROOT, SAMPLE_ACCOUNTS, SAMPLE_INVOICES

SAMPLE_DIR = ROOT / "sample_data"
TRUTH = SAMPLE_DIR / "truth" / "accounts_truth.csv"
BEHAVIOUR = ["logins_30d", "feature_adoption_pct", "support_tickets_90d", "nps_score"]
EXPORT_DATE = pd.Timestamp("2026-10-01")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sample_data_generate", SAMPLE_DIR / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


@pytest.fixture(scope="module")
def accounts() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_ACCOUNTS)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return pd.read_csv(TRUTH)


@pytest.fixture(scope="module")
def invoices() -> pd.DataFrame:
    return pd.read_csv(SAMPLE_INVOICES)


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    generate.main(tmp_path)
    for relative in ["saas_accounts.csv", "saas_invoices.csv", "truth/accounts_truth.csv"]:
        assert (tmp_path / relative).read_bytes() == (SAMPLE_DIR / relative).read_bytes(), relative


def test_accounts_shape_and_values(accounts: pd.DataFrame) -> None:
    assert list(accounts.columns) == [
        "account_id",
        "account_name",
        "industry",
        "country",
        "region",
        "employees",
        "plan",
        "seats_purchased",
        "seats_used",
        "arr",
        "signup_date",
        "monthly_active_users",
        "logins_30d",
        "feature_adoption_pct",
        "support_tickets_90d",
        "nps_score",
        "renewal_date",
    ]
    assert len(accounts) == 3000
    assert accounts["account_id"].is_unique
    assert accounts["account_name"].is_unique
    assert accounts["account_id"].iloc[0] == "ACC-00001"
    assert set(accounts["industry"]) == set(generate.INDUSTRIES)
    assert accounts["industry"].value_counts().nunique() > 1  # unequal frequencies
    assert set(accounts["plan"]) == {"Starter", "Growth", "Business", "Enterprise"}
    # every country belongs to exactly one region
    assert accounts.groupby("country")["region"].nunique().max() == 1
    assert 10 <= accounts["country"].nunique() <= 14
    assert accounts["employees"].between(10, 20_000).all()
    assert accounts["employees"].max() > 20 * accounts["employees"].median()  # heavy tail
    assert (accounts["arr"] > 0).all()
    assert accounts["feature_adoption_pct"].between(0, 100).all()
    assert accounts["nps_score"].dropna().between(0, 10).all()
    assert 0.04 <= accounts["nps_score"].isna().mean() <= 0.08
    over = (accounts["seats_used"] > accounts["seats_purchased"]).mean()
    assert 0.01 < over < 0.2
    signup = pd.to_datetime(accounts["signup_date"], format="%Y-%m-%d")
    assert signup.min() >= EXPORT_DATE - pd.DateOffset(years=6)
    assert signup.max() < EXPORT_DATE
    pd.to_datetime(accounts["renewal_date"], format="%Y-%m-%d")  # every renewal date is ISO


def test_plan_follows_company_size(accounts: pd.DataFrame) -> None:
    medians = accounts.groupby("plan")["employees"].median()
    assert medians["Starter"] < medians["Growth"] < medians["Business"] < medians["Enterprise"]


def test_top_fifth_of_accounts_hold_70_to_80_percent_of_arr(accounts: pd.DataFrame) -> None:
    arr = np.sort(accounts["arr"].to_numpy())[::-1]
    top = math.ceil(0.2 * arr.size)
    share = arr[:top].sum() / arr.sum()
    assert 0.70 <= share <= 0.80
    assert generate.top_share(accounts["arr"].to_numpy()) == pytest.approx(share)


@given(st.integers(min_value=1, max_value=200))
def test_top_share_of_equal_values_is_the_share_of_accounts(n: int) -> None:
    assert generate.top_share(np.ones(n)) == pytest.approx(math.ceil(0.2 * n) / n)


def test_truth_file_is_aligned_and_consistent(accounts: pd.DataFrame, truth: pd.DataFrame) -> None:
    assert truth["account_id"].tolist() == accounts["account_id"].tolist()
    sizes = truth["planted_group"].value_counts(normalize=True)
    assert sizes.to_dict() == pytest.approx({"Steady": 0.35, "Power users": 0.30, "Struggling": 0.20, "Dormant": 0.15})
    long_term = truth["true_long_term_potential"]
    short_term = truth["true_short_term_potential"]
    assert (long_term >= accounts["arr"] - 0.01).all()
    assert (short_term >= 0).all()
    assert (short_term <= long_term - accounts["arr"] + 0.02).all()
    # most accounts sit below their potential; some are mature
    penetration = accounts["arr"] / long_term
    assert (penetration < 0.8).mean() > 0.5
    assert (penetration > 0.9).mean() > 0.05
    # the truth never leaks into the export
    assert not set(truth.columns[1:]) & set(accounts.columns)


def test_planted_groups_do_not_follow_size_or_arr(accounts: pd.DataFrame, truth: pd.DataFrame) -> None:
    overall = accounts["arr"].median()
    for _, arr in accounts["arr"].groupby(truth["planted_group"]):
        assert overall / 1.4 < arr.median() < overall * 1.4
    for _, employees in accounts["employees"].groupby(truth["planted_group"]):
        assert accounts["employees"].median() / 1.4 < employees.median() < accounts["employees"].median() * 1.4


def test_kmeans_on_behaviour_recovers_the_four_planted_groups(accounts: pd.DataFrame, truth: pd.DataFrame) -> None:
    frame = accounts[BEHAVIOUR].astype(float)
    frame["nps_score"] = frame["nps_score"].fillna(frame["nps_score"].median())
    matrix = StandardScaler().fit_transform(frame)
    silhouettes = {}
    for k in range(2, 9):
        labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(matrix)
        silhouettes[k] = silhouette_score(matrix, labels)
        if k == 4:
            assert adjusted_rand_score(truth["planted_group"], labels) >= 0.85
    assert max(silhouettes, key=silhouettes.__getitem__) == 4, silhouettes


def test_potential_is_recoverable_from_the_exported_columns(accounts: pd.DataFrame, truth: pd.DataFrame) -> None:
    """A plain estimator (log-log regression on mature accounts plus seat headroom) reaches Spearman ≥ 0.6."""
    age_years = (EXPORT_DATE - pd.to_datetime(accounts["signup_date"])).dt.days / 365.25
    design = pd.get_dummies(accounts[["industry", "region"]], drop_first=True, dtype=float)
    design.insert(0, "log_employees", np.log(accounts["employees"]))
    design.insert(0, "intercept", 1.0)
    log_arr = np.log(accounts["arr"])
    mature = (age_years >= 3).to_numpy()
    beta, *_ = np.linalg.lstsq(design[mature].to_numpy(), log_arr[mature].to_numpy(), rcond=None)
    fitted = design.to_numpy() @ beta
    residuals = log_arr[mature].to_numpy() - fitted[mature]
    # the long-term value is the regression line lifted to the upper quartile of mature accounts
    long_term = np.maximum(np.exp(fitted + np.quantile(residuals, 0.75)), accounts["arr"])
    assert spearmanr(long_term, truth["true_long_term_potential"])[0] >= 0.6
    # expected headroom over the spread of mature accounts, captured faster when seats are full
    spread = np.quantile(residuals - np.quantile(residuals, 0.75), np.linspace(0.01, 0.99, 99))
    draws = np.exp(fitted[:, None] + np.quantile(residuals, 0.75) + spread[None, :])
    headroom = np.maximum(draws - accounts["arr"].to_numpy()[:, None], 0).mean(axis=1)
    used = accounts["seats_used"] / accounts["seats_purchased"]
    capture = 0.05 + 0.4 * np.clip((used - 0.75) / 0.35, 0, 1)
    true_up = (
        np.maximum(accounts["seats_used"] - accounts["seats_purchased"], 0)
        * accounts["arr"]
        / accounts["seats_purchased"]
    )
    short_term = headroom * capture + true_up
    assert spearmanr(short_term, truth["true_short_term_potential"])[0] >= 0.6


def test_invoices_shape_and_ids(accounts: pd.DataFrame, invoices: pd.DataFrame) -> None:
    assert list(invoices.columns) == [
        "invoice_id",
        "account_id",
        "invoice_date",
        "amount",
        "plan",
        "billing_period",
        "description",
    ]
    assert SAMPLE_INVOICES.stat().st_size < 5_000_000
    assert invoices["invoice_id"].is_unique
    assert set(invoices["account_id"]) <= set(accounts["account_id"])
    dates = pd.to_datetime(invoices["invoice_date"], format="%Y-%m-%d")
    assert dates.min() >= EXPORT_DATE - pd.DateOffset(months=24)
    assert dates.max() < EXPORT_DATE
    assert set(invoices["billing_period"]) == {"monthly", "annual"}
    negative = invoices[invoices["amount"] < 0]
    assert 0.005 <= len(negative) / len(invoices) <= 0.02
    assert set(negative["description"]) == {"Refund", "Credit note"}


def test_line_counts_per_billing_period(accounts: pd.DataFrame, invoices: pd.DataFrame, truth: pd.DataFrame) -> None:
    subscriptions = invoices[invoices["description"].str.endswith("subscription")]
    counts = subscriptions.groupby("account_id").size().reindex(accounts["account_id"], fill_value=0).to_numpy()
    long_standing = (pd.to_datetime(accounts["signup_date"]) < EXPORT_DATE - pd.DateOffset(months=24)).to_numpy()
    full = long_standing & truth["churn_date"].isna().to_numpy()
    monthly = (truth["billing_period"] == "monthly").to_numpy()
    assert (counts[full & monthly] == 24).all()
    assert np.isin(counts[full & ~monthly], [1, 2]).all()
    assert (counts >= 1).all()


def test_last_year_of_invoices_matches_arr_for_active_accounts(
    accounts: pd.DataFrame, invoices: pd.DataFrame, truth: pd.DataFrame
) -> None:
    dates = pd.to_datetime(invoices["invoice_date"])
    last_year = invoices[dates >= EXPORT_DATE - pd.DateOffset(months=12)]
    net = last_year.groupby("account_id")["amount"].sum().reindex(accounts["account_id"], fill_value=0).to_numpy()
    active = (
        truth["churn_date"].isna() & (pd.to_datetime(accounts["signup_date"]) <= EXPORT_DATE - pd.DateOffset(months=12))
    ).to_numpy()
    ratio = net[active] / accounts["arr"].to_numpy()[active]
    assert (np.abs(ratio - 1) <= 0.10).mean() >= 0.80
    churned = truth["churn_date"].notna().to_numpy()
    assert 100 <= churned.sum() <= 500  # a few hundred stop being invoiced
    last_invoice = dates.groupby(invoices["account_id"]).max().reindex(accounts["account_id"]).to_numpy()
    assert (last_invoice[churned] < EXPORT_DATE - pd.DateOffset(days=45)).all()
