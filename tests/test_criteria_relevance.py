"""Default criteria come from what each column can tell, never from file order; the rest say why they are out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.intake.table import ColumnRole, CustomerTable
from segmentation.segments import criteria_catalogue
from segmentation.segments.relevance import group_structure, is_outcome

N = 300


def _frame(seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """300 customers in two behaviour groups, among columns a default must leave out."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, N)
    licence = rng.lognormal(8, 0.6, N).round(2)
    services = rng.lognormal(6, 0.6, N).round(2)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(N)],
            "revenue": licence + services,
            # the two behaviour columns carry the groups
            "weekly_sessions": np.where(group == 1, rng.normal(40, 4, N), rng.normal(8, 3, N)).round(1),
            "integrations": np.where(group == 1, rng.normal(9, 1, N), rng.normal(2, 1, N)).round(),
            # a category that goes with the groups
            "onboarding": np.where((group == 1) ^ (rng.random(N) < 0.1), "Guided", "Self-serve"),
            # one smooth hump: no natural groups
            "employees": rng.lognormal(4, 0.8, N).round(),
            # a category unrelated to anything
            "industry": rng.choice(["Retail", "Media", "Banking"], N),
            "account_owner": [
                f"{a} {b}"
                for a, b in zip(rng.choice(["Ana", "Ben", "Eve"], N), rng.choice(["Li", "Ode", "Ray"], N), strict=True)
            ],
            "product_code": rng.choice(["85123A", "22423B", "47566C", "84879D"], N),
            "product_description": rng.choice(["WHITE HANGING HEART", "REGENCY CAKESTAND", "PARTY BUNTING"], N),
            "last_order_ref": [f"ORD-{i * 7:06d}" for i in range(N)],
            "churned": np.where(rng.random(N) < 0.2, "Yes", "No"),
            "status": rng.choice(["Active", "Cancelled"], N),
            "licence_fees": licence,
            "services_fees": services,
            "revenue_copy": (licence + services) * 1.0001,
        }
    )
    roles = {
        "weekly_sessions": "numeric",
        "integrations": "numeric",
        "onboarding": "categorical",
        "employees": "numeric",
        "industry": "categorical",
        "account_owner": "categorical",
        "product_code": "categorical",
        "product_description": "categorical",
        "last_order_ref": "categorical",
        "churned": "boolean",
        "status": "categorical",
        "licence_fees": "numeric",
        "services_fees": "numeric",
        "revenue_copy": "numeric",
    }
    return frame, roles


def _table(
    frame: pd.DataFrame, roles: dict[str, str], revenue_column: str = "licence_fees+services_fees"
) -> CustomerTable:
    return CustomerTable(
        customers=frame.reset_index(drop=True),
        roles={c: ColumnRole(c, r, 1.0, "set by the test") for c, r in roles.items() if c in frame.columns},
        id_column="customer_id",
        revenue_column=revenue_column,
        revenue_unit="ARR",
        source_name="accounts.csv",
        rows_read=len(frame),
    )


def test_defaults_are_the_columns_that_tell_and_the_rest_say_why() -> None:
    frame, roles = _frame()
    catalogue = {c.column: c for c in criteria_catalogue(_table(frame, roles))}
    picked = {c for c, entry in catalogue.items() if entry.default_selected}
    assert picked == {"weekly_sessions", "integrations", "onboarding"}
    reasons = {c: entry.reason for c, entry in catalogue.items()}
    assert "no natural groups" in reasons["employees"]
    assert "unrelated to the other criteria" in reasons["industry"]
    assert "person's name" in reasons["account_owner"]
    assert "product code or description" in reasons["product_code"]
    assert "product code or description" in reasons["product_description"]
    assert "different values" in reasons["last_order_ref"] or "identifier" in reasons["last_order_ref"]
    assert "outcome" in reasons["churned"] and "outcome" in reasons["status"]
    assert "part of the revenue" in reasons["licence_fees"] and "part of the revenue" in reasons["services_fees"]
    assert "circular" in reasons["revenue_copy"]


def test_default_criteria_do_not_follow_the_file_column_or_row_order() -> None:
    frame, roles = _frame()
    first = criteria_catalogue(_table(frame, roles))
    columns = ["customer_id", "revenue", *reversed([c for c in frame.columns if c not in ("customer_id", "revenue")])]
    shuffled = frame[columns].sample(frac=1.0, random_state=3)
    second = criteria_catalogue(_table(shuffled, roles))
    assert [c.column for c in first] == [c.column for c in second]
    assert [c.column for c in first if c.default_selected] == [c.column for c in second if c.default_selected]
    assert [c.relevance for c in first] == [c.relevance for c in second]


def test_defaults_are_ordered_by_relevance_then_name() -> None:
    frame, roles = _frame()
    chosen = [c for c in criteria_catalogue(_table(frame, roles)) if c.default_selected]
    keys = [(-(c.relevance or 0.0), c.column) for c in chosen]
    assert keys == sorted(keys)


def test_left_out_columns_can_still_be_chosen() -> None:
    from segmentation.segments import CriteriaSettings, build_features

    frame, roles = _frame()
    features = build_features(_table(frame, roles), CriteriaSettings(columns=["employees", "industry"]))
    assert features.columns == ["employees", "industry"]


@pytest.mark.parametrize(
    ("column", "role", "expected"),
    [
        ("Churn", "categorical", True),
        ("churn_flag", "boolean", True),
        ("subscription_end_date", "date", True),
        ("account_status", "categorical", True),
        ("renewal_date", "date", False),
        ("weekly_sessions", "numeric", False),
        ("anything", "outcome", True),
    ],
)
def test_outcome_columns_are_recognised_by_role_and_name(column: str, role: str, expected: bool) -> None:
    assert is_outcome(column, role) is expected


def test_group_structure_tells_groups_from_one_hump() -> None:
    rng = np.random.default_rng(1)
    two_groups = np.concatenate([rng.normal(0, 1, 500), rng.normal(8, 1, 500)])
    one_hump = rng.normal(0, 1, 1000)
    assert group_structure(two_groups) > 0.3
    assert group_structure(one_hump) < 0.05


def test_with_nothing_standing_out_the_defaults_are_not_empty() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(200)],
            "revenue": rng.lognormal(8, 1, 200),
            "employees": rng.lognormal(4, 0.5, 200),
            "logins": rng.normal(20, 4, 200),
        }
    )
    table = _table(frame, {"employees": "numeric", "logins": "numeric"}, revenue_column="revenue")
    picked = [c.column for c in criteria_catalogue(table) if c.default_selected]
    assert picked == ["employees", "logins"] or sorted(picked) == ["employees", "logins"]
