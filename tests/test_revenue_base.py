"""The revenue base (issue 12): flat revenue, sums of columns, the 12-month run-rate, currency, churn, margin.

Small literal frames whose answers are worked out by hand in the comments, then every shared
dataset and sample (skipped when ../shared is absent).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.config import AnalysisConfig
from segmentation.economics import ConcentrationSettings, concentration_metrics, customer_value, segment_economics
from segmentation.errors import InputError
from segmentation.formatting import format_money
from segmentation.intake import CustomerTable, IntakeSettings, Source, build_customer_table
from segmentation.pipeline import run_analysis
from segmentation.report import build_report
from tests.conftest import ROOT, SAMPLE_ACCOUNTS, SAMPLE_INVOICES, SHARED_DATA


def _table(frame: pd.DataFrame, name: str = "accounts.csv", **settings: object) -> CustomerTable:
    data = frame.to_csv(index=False).encode("utf-8")
    return build_customer_table(Source.from_bytes(name, data), IntakeSettings(**settings))  # type: ignore[arg-type]


def _accounts(n: int = 8) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(1, n + 1)],
            "plan": ["Pro", "Basic"] * (n // 2),
            "seats": list(range(1, n + 1)),
        }
    )


# --------------------------------------------------------------------------- flat revenue


def test_a_constant_revenue_column_is_passed_over_for_the_next_candidate() -> None:
    frame = _accounts().assign(revenue=100.0, amount=[10, 20, 30, 40, 50, 60, 70, 80])
    table = _table(frame)
    assert table.revenue_column == "amount"
    assert table.customers["revenue"].tolist() == [10, 20, 30, 40, 50, 60, 70, 80]
    # one value in every row: a constant whatever its name, and the notes say why it was not taken
    assert table.source_roles["revenue"].role == "constant"
    assert "not taken as revenue" in table.source_roles["revenue"].reason
    assert any("Not taken as revenue: 'revenue' holds the same value for every customer" in n for n in table.notes)
    assert table.warnings == []


def test_a_nearly_constant_revenue_column_is_passed_over() -> None:
    # 1000 ± 1: the mean gap between two customers is about 0.1% of the mean (Gini well below 0.01)
    frame = _accounts().assign(arr=[1000, 1001, 999, 1000, 1001, 999, 1000, 1000], charges=[5, 9, 1, 7, 3, 8, 2, 6])
    table = _table(frame)
    assert table.revenue_column == "charges"
    assert "nearly the same for every customer" in table.source_roles["arr"].reason


def test_a_file_whose_only_revenue_column_is_constant_is_refused_in_one_sentence() -> None:
    frame = _accounts().assign(revenue=250)
    with pytest.raises(InputError, match=r"'revenue' holds the same value for every customer \(250\.00\)"):
        _table(frame)


def test_a_constant_revenue_column_chosen_by_the_user_is_used_with_a_red_flag() -> None:
    frame = _accounts().assign(revenue=250)
    table = _table(frame, revenue_column="revenue")
    assert table.customers["revenue"].tolist() == [250.0] * 8
    assert len(table.warnings) == 1 and table.warnings[0].startswith("Red flag: the revenue 'revenue' holds the same")
    assert table.to_dict()["warnings"] == table.warnings


def test_few_customers_with_equal_revenue_are_not_called_flat() -> None:
    # three customers paying the same is a coincidence, not a broken column
    frame = pd.DataFrame({"account_id": ["a", "b", "c"], "arr": [100, 100, 100]})
    assert _table(frame).revenue_column == "arr"


# --------------------------------------------------------------------------- sums of columns


def test_revenue_can_be_the_sum_of_columns_with_spaces_in_their_names() -> None:
    frame = _accounts(4).assign(
        **{"Mnt Wines": [10, 0, 5, None], "Mnt Meat": [1, 2, 3, 4], "MntFish": [0.5, 0.5, 0.5, 0.5]}
    )
    table = _table(frame, revenue_column="Mnt Wines + Mnt Meat+MntFish")
    # by hand: 10+1+0.5, 0+2+0.5, 5+3+0.5, (blank)+4+0.5
    assert table.customers["revenue"].tolist() == [11.5, 2.5, 8.5, 4.5]
    assert table.revenue_parts == ("Mnt Wines", "Mnt Meat", "MntFish")
    assert table.to_dict()["revenue_parts"] == ["Mnt Wines", "Mnt Meat", "MntFish"]
    for part in table.revenue_parts:
        role = table.source_roles[part]
        assert role.role == "revenue" and "part of the revenue" in role.reason
        assert part in table.customers.columns  # kept, so a user can still look at the mix
    assert table.ledger == []  # a blank part adds nothing; the row still has revenue


def test_a_sum_naming_a_missing_column_says_which() -> None:
    frame = _accounts(4).assign(a=[1, 2, 3, 4], b=[1, 1, 1, 1])
    with pytest.raises(InputError, match=re.escape("Revenue column 'a+c' is not in 'accounts.csv' (no column 'c')")):
        _table(frame, revenue_column="a+c")


def test_the_quantity_times_price_form_still_works() -> None:
    frame = _accounts(4).assign(Quantity=[1, 2, 3, 4], UnitPrice=[10.0, 10.0, 5.0, 2.5])
    table = _table(frame, revenue_column="Quantity * UnitPrice")
    assert table.customers["revenue"].tolist() == [10.0, 20.0, 15.0, 10.0]


def test_spend_columns_without_a_total_are_suggested_as_a_sum() -> None:
    frame = _accounts(4).assign(MntWines=[1, 2, 3, 4], MntFruits=[4, 3, 2, 1], NumWebPurchases=[1, 1, 2, 2])
    with pytest.raises(InputError, match=r'--revenue-column "MntFruits\+MntWines"'):
        _table(frame)


def test_sum_parts_of_a_transaction_file_add_up_to_revenue_per_customer() -> None:
    rows = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "customer_id": ["c1", "c1", "c2", "c2", "c2"],
            "order_date": ["2024-01-05", "2024-02-05", "2024-01-10", "2024-03-01", "2024-03-02"],
            "goods": [10.0, 20.0, 5.0, 5.0, 5.0],
            "shipping": [1.0, 2.0, 0.0, 1.0, 1.0],
        }
    )
    table = _table(rows, "orders.csv", revenue_column="goods+shipping")
    by_id = table.customers.set_index("customer_id")
    assert by_id["revenue"].to_dict() == {"c1": 33.0, "c2": 17.0}
    assert by_id["goods"].to_dict() == {"c1": 30.0, "c2": 15.0}
    assert by_id["shipping"].to_dict() == {"c1": 3.0, "c2": 2.0}


# --------------------------------------------------------------------------- the 12-month run-rate


def _ledger_rows() -> pd.DataFrame:
    """Invoices 2022-01 … 2024-06 (30 months): c1 every month at 100, c2 only in 2022, c3 from 2024-01 at 50."""
    months = pd.date_range("2022-01-01", "2024-06-01", freq="MS") + pd.Timedelta(days=14)
    rows = [("c1", d, 100.0) for d in months]
    rows += [("c2", d, 1000.0) for d in months if d.year == 2022]
    rows += [("c3", d, 50.0) for d in months if d >= pd.Timestamp("2024-01-01")]
    frame = pd.DataFrame(rows, columns=["customer_id", "invoice_date", "amount"])
    frame["invoice_date"] = frame["invoice_date"].dt.strftime("%Y-%m-%d")
    frame.insert(0, "invoice_id", [f"I{i}" for i in range(len(frame))])
    return frame


def test_a_transaction_file_over_more_than_a_year_counts_the_last_twelve_months() -> None:
    table = _table(_ledger_rows(), "invoices.csv")
    by_id = table.customers.set_index("customer_id")
    # latest date 2024-06-15: the window is 2023-06-16 … 2024-06-15, i.e. the invoices of 2023-07 … 2024-06
    assert by_id["revenue"].to_dict() == {"c1": 1200.0, "c2": 0.0, "c3": 300.0}
    assert by_id["all_time_revenue"].to_dict() == {"c1": 3000.0, "c2": 12000.0, "c3": 300.0}
    # the 12 months before (2022-07 … 2023-06) are covered in full: c2's second half of 2022 is there
    assert by_id["prior_revenue"].to_dict() == {"c1": 1200.0, "c2": 6000.0, "c3": 0.0}
    assert table.revenue_window == "last 12 months to 2024-06-15"
    assert table.to_dict()["revenue_window"] == "last 12 months to 2024-06-15"
    # c2 is dormant, not dropped
    assert table.n_customers == 3
    assert any("1 customers bought nothing in the last 12 months" in note for note in table.notes)


def test_without_two_full_years_no_prior_revenue_is_invented() -> None:
    rows = _ledger_rows()
    rows = rows[rows["invoice_date"] >= "2023-01-01"]  # 18 months
    table = _table(rows, "invoices.csv")
    assert "prior_revenue" not in table.customers.columns
    assert any("no prior-period revenue" in note for note in table.notes)


def test_a_transaction_file_within_a_year_counts_everything_and_says_so() -> None:
    rows = _ledger_rows()
    rows = rows[rows["invoice_date"] >= "2023-08-01"]
    table = _table(rows, "invoices.csv")
    assert table.customers.set_index("customer_id")["revenue"].to_dict() == {"c1": 1100.0, "c3": 300.0}
    assert table.revenue_window == "all transactions, 2023-08-15 to 2024-06-15"
    assert "all_time_revenue" not in table.customers.columns


def test_all_time_revenue_can_be_chosen() -> None:
    table = _table(_ledger_rows(), "invoices.csv", revenue_window_months=None)
    assert table.customers.set_index("customer_id")["revenue"].to_dict() == {"c1": 3000.0, "c2": 12000.0, "c3": 300.0}
    assert table.revenue_window.startswith("all transactions, 2022-01-15 to 2024-06-15")


def test_the_window_setting_round_trips_through_json() -> None:
    for value in ("auto", None, 6):
        config = AnalysisConfig().updated(**{"intake.revenue_window_months": value})
        assert AnalysisConfig.from_json(config.to_json()).intake.revenue_window_months == value
    with pytest.raises(InputError, match="revenue_window_months"):
        AnalysisConfig().updated(**{"intake.revenue_window_months": 0})


# --------------------------------------------------------------------------- currency and cents


def test_money_is_shown_without_a_symbol_unless_a_currency_is_named() -> None:
    assert format_money(8_440_000) == "8.44M"
    assert format_money(8_440_000, "GBP") == "£8.44M"
    assert format_money(-1e-14, "", "ARR") == "0 ARR"
    assert format_money(-0.3) == "0"  # shown as zero: no sign
    assert format_money(-0.6) == "-1"
    assert format_money(1500, "", "revenue") == "1.5k"  # the generic word adds nothing after an amount


def test_no_currency_is_assumed_when_the_file_names_none() -> None:
    frame = _accounts(8).assign(arr=[100, 200, 300, 400, 500, 600, 700, 800])
    result = run_analysis(Source.from_bytes("a.csv", frame.to_csv(index=False).encode()), fit_k_to_data=True)
    assert result.table.currency is None
    assert result.currency == ""
    html = build_report(result)
    assert "USD" not in html and "$" not in html.split("<style>")[0] + html.split("</style>")[1]
    named = result.config.updated(**{"report.currency": "EUR"})
    assert run_analysis(Source.from_bytes("a.csv", frame.to_csv(index=False).encode()), named).currency == "EUR"


def test_refund_residue_is_zero_not_negative_revenue() -> None:
    rows = pd.DataFrame(
        {
            "invoice_id": ["i1", "i2", "i3", "i4", "i5", "i6"],
            "customer_id": ["c1", "c1", "c1", "c2", "c3", "c3"],
            "invoice_date": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"],
            "amount": [0.1, 0.2, -0.3, 50.0, 20.0, 30.0],  # 0.1 + 0.2 - 0.3 is 5.55e-17 in floating point
        }
    )
    table = _table(rows, "invoices.csv")
    assert table.customers.set_index("customer_id").loc["c1", "revenue"] == 0.0
    assert not any("negative revenue" in note for note in table.notes)
    assert concentration_metrics([-1e-14, 5.0, 3.0]).negative_revenue_customers == 0
    assert concentration_metrics([-0.5, 5.0, 3.0]).negative_revenue_customers == 1


# --------------------------------------------------------------------------- churned accounts


def _churn_frame() -> pd.DataFrame:
    return _accounts(8).assign(
        arr=[100, 200, 300, 400, 500, 600, 700, 800], Churn=["No", "Yes", "No", "No", "Yes", "No", "No", "No"]
    )


def test_churned_accounts_are_set_aside_with_what_they_took() -> None:
    table = _table(_churn_frame())
    assert table.customers["customer_id"].tolist() == ["A1", "A3", "A4", "A6", "A7", "A8"]
    assert table.churned.to_dict(orient="list") == {
        "customer_id": ["A2", "A5"],
        "revenue": [200.0, 500.0],
        "churn_reason": ["Churned account (Churn = yes)"] * 2,
    }
    assert table.roles["Churn"].role == "outcome" and table.source_roles["Churn"].role == "outcome"
    entry = next(e for e in table.ledger if e.reason.startswith("Churned account"))
    assert (entry.reason, entry.rows, entry.action) == (
        "Churned account (Churn = yes): kept out of current ARR",
        2,
        "excluded",
    )
    assert table.to_dict()["churned"] == {
        "customers": 2,
        "revenue": 700.0,
        "reasons": {"Churned account (Churn = yes)": 2},
    }


def test_churn_can_be_switched_off_and_the_flag_is_still_no_clustering_input() -> None:
    table = _table(_churn_frame(), churn_rule="ignore")
    assert table.n_customers == 8 and table.churned.empty
    assert table.roles["Churn"].role == "outcome"


@pytest.mark.parametrize(
    ("column", "values", "churned"),
    [
        ("is_churned", [False, True, False, False, False, False, True, False], ["A2", "A7"]),
        ("churn_flag", [0, 0, 1, 0, 0, 0, 0, 0], ["A3"]),
        (
            "status",
            ["active", "Cancelled", "active", "closed", "active", "trial", "active", "Closed Won"],
            ["A2", "A4"],
        ),
        (
            "account_status",
            ["Active", "Churned", "Active", "Active", "Inactive", "Active", "Active", "Active"],
            ["A2", "A5"],
        ),
    ],
)
def test_flags_and_statuses_say_who_churned(column: str, values: list[object], churned: list[str]) -> None:
    frame = _accounts(8).assign(arr=[100, 200, 300, 400, 500, 600, 700, 800], **{column: values})
    table = _table(frame)
    assert table.churned["customer_id"].tolist() == churned
    assert table.source_roles[column].role == "outcome"


def test_an_end_date_before_the_files_latest_date_ends_the_account() -> None:
    frame = _accounts(6).assign(
        arr=[100, 200, 300, 400, 500, 600],
        signup_date=["2023-01-01", "2023-02-01", "2023-03-01", "2023-04-01", "2023-05-01", "2024-06-30"],
        end_date=["", "2024-01-31", "", "2025-03-31", "2022-12-31", ""],
        renewal_date=["2023-06-01", "2023-07-01", "2023-08-01", "2023-09-01", "2023-10-01", "2023-11-01"],
    )
    table = _table(frame)
    # renewal dates in the past are not ends; the file's latest date (outside end and renewal dates) is
    # signup 2024-06-30: A2 and A5 ended before it;
    # A4 ends in 2025 (still a customer), open rows (blank end) are active
    assert table.churned["customer_id"].tolist() == ["A2", "A5"]
    assert set(table.churned["churn_reason"]) == {"Churned account (end_date before 2024-06-30)"}
    assert table.roles["end_date"].role == "outcome"
    assert table.roles["renewal_date"].role == "date"


def test_a_churn_score_is_a_forecast_not_a_churned_account() -> None:
    frame = _accounts(8).assign(arr=[100, 200, 300, 400, 500, 600, 700, 800], churn_risk=["yes", "no"] * 4)
    table = _table(frame)
    assert table.churned.empty and table.n_customers == 8
    assert table.roles["churn_risk"].role == "outcome"  # still never a clustering input


def test_the_user_can_name_the_churn_column() -> None:
    frame = _accounts(8).assign(
        arr=[100, 200, 300, 400, 500, 600, 700, 800], left=["y", "n", "n", "n", "n", "n", "n", "y"]
    )
    table = _table(frame, churn_column="left")
    assert table.churned["customer_id"].tolist() == ["A1", "A8"]
    with pytest.raises(InputError, match="Churn column 'gone' is not a column"):
        _table(frame, churn_column="gone")


def test_a_file_of_churned_accounts_only_is_analysed_whole() -> None:
    frame = _accounts(4).assign(arr=[1, 2, 3, 4], churned=["yes"] * 4)
    table = _table(frame)
    assert table.n_customers == 4 and table.churned.empty
    assert any("Every account is marked churned" in note for note in table.notes)


def test_a_related_tables_churn_flag_does_not_end_the_account() -> None:
    accounts = _accounts(4).assign(arr=[1, 2, 3, 4])
    subscriptions = pd.DataFrame(
        {
            "subscription_id": ["s1", "s2", "s3", "s4", "s5"],
            "account_id": ["A1", "A1", "A2", "A3", "A4"],
            "churn_flag": [True, False, False, False, True],
            "end_date": ["2024-01-01", "", "", "", "2024-02-01"],
        }
    )
    table = build_customer_table(
        Source.from_bytes("accounts.csv", accounts.to_csv(index=False).encode()),
        IntakeSettings(),
        Source.from_bytes("subs.csv", subscriptions.to_csv(index=False).encode()),
    )
    assert table.n_customers == 4 and table.churned.empty
    assert table.roles["subs_churn_flag_share"].role == "outcome"


def test_churned_accounts_are_out_of_the_whole_analysis_and_reported_as_a_group(tmp_path: Path) -> None:
    frame = _churn_frame()
    result = run_analysis(Source.from_bytes("a.csv", frame.to_csv(index=False).encode()), fit_k_to_data=True)
    assert set(result.customers["customer_id"]) == {"A1", "A3", "A4", "A6", "A7", "A8"}
    assert result.concentration.metrics.total_revenue == 100 + 300 + 400 + 600 + 700 + 800
    assert "Churn" not in result.features.columns
    summary = result.summary()
    assert summary["input"]["churned"]["customers"] == 2 and summary["input"]["churned"]["revenue"] == 700.0
    assert not any(m == "churn_rate" for m in summary["economics"]["measures"])
    assert "2 churned or ended accounts are kept out of these figures; they took 700 ARR with them." in build_report(
        result
    )


# --------------------------------------------------------------------------- profit and margin


def _with_segments(table: CustomerTable, labels: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": table.customers["customer_id"],
            "revenue": table.customers["revenue"],
            "segment": labels,
            "segment_name": [f"S{label}" for label in labels],
        }
    )


def test_a_profit_column_gives_margin_per_segment_and_flags_loss_makers() -> None:
    frame = _accounts(4).assign(revenue=[100, 200, 300, 400], Profit=[30, -20, 60, 100])
    table = _table(frame)
    assert "read as profit" in table.roles["Profit"].reason
    economics = segment_economics(_with_segments(table, [1, 1, 2, 2]), table, ConcentrationSettings())
    rows = economics.frame.set_index("segment")
    # segment 1: profit 30 - 20 = 10 on revenue 300; segment 2: 160 on 700
    assert rows.loc[1, "gross_margin"] == pytest.approx(10 / 300)
    assert rows.loc[2, "gross_margin"] == pytest.approx(160 / 700)
    assert rows.loc[1, "gross_profit_per_customer"] == pytest.approx(5.0)
    assert rows.loc[1, "loss_making_customers"] == 1 and rows.loc[2, "loss_making_customers"] == 0
    assert economics.loss_making["customers"] == 1
    assert economics.loss_making["largest_losses"] == [{"customer_id": "A2", "gross_profit": -20.0}]
    assert not any("margin" in sentence.lower() for sentence in economics.missing)
    value, basis = customer_value(table, ConcentrationSettings(value_basis="margin"))
    assert value.tolist() == [30.0, -20.0, 60.0, 100.0] and basis.startswith("gross profit")
    assert customer_value(table, ConcentrationSettings())[0].tolist() == [100.0, 200.0, 300.0, 400.0]


@pytest.mark.parametrize(
    ("column", "values", "profit"),
    [
        ("gross_margin_pct", [0.5, 0.1, -0.1, 0.25], [50.0, 20.0, -30.0, 100.0]),
        ("margin", [50, 10, -10, 25], [50.0, 20.0, -30.0, 100.0]),
        ("cost_to_serve", [50, 180, 330, 300], [50.0, 20.0, -30.0, 100.0]),
    ],
)
def test_margin_and_cost_columns_are_read_as_profit(column: str, values: list[float], profit: list[float]) -> None:
    table = _table(_accounts(4).assign(revenue=[100, 200, 300, 400], **{column: values}))
    value, _ = customer_value(table, ConcentrationSettings(value_basis="margin"))
    assert value.tolist() == pytest.approx(profit)
    economics = segment_economics(_with_segments(table, [1, 1, 2, 2]), table, ConcentrationSettings())
    assert economics.loss_making["customers"] == 1


def test_without_a_margin_column_margin_is_named_missing_and_value_stays_revenue() -> None:
    table = _table(_accounts(4).assign(revenue=[100, 200, 300, 400]))
    economics = segment_economics(_with_segments(table, [1, 1, 2, 2]), table, ConcentrationSettings())
    assert "Gross margin: no profit, margin or cost column was found." in economics.missing
    assert economics.loss_making == {}
    assert customer_value(table, ConcentrationSettings(value_basis="margin"))[1].startswith("revenue")


# --------------------------------------------------------------------------- every dataset


DATASETS = {
    "telco csv": ([SHARED_DATA / "telco_churn" / "Telco-Customer-Churn.csv"], "MonthlyCharges", ""),
    "telco xlsx": ([SHARED_DATA / "telco_churn" / "Telco_customer_churn.xlsx"], "Monthly Charges", ""),
    "cdnow": ([SHARED_DATA / "cdnow" / "CDNOW_master.txt"], "dollar_value", "last 12 months to 1998-06-30"),
    "ravenstack": (
        [
            SHARED_DATA / "ravenstack" / "ravenstack_accounts.csv",
            SHARED_DATA / "ravenstack" / "ravenstack_subscriptions.csv",
        ],
        "ravenstack_subscriptions.csv: arr_amount",
        "subscriptions active on 2024-12-31",
    ),
    "sample accounts": ([SAMPLE_ACCOUNTS], "arr", ""),
    "sample invoices": ([SAMPLE_INVOICES], "amount", "last 12 months to 2026-09-30"),
}


@pytest.mark.parametrize("case", list(DATASETS))
def test_every_dataset_has_a_real_revenue_base(case: str) -> None:
    paths, column, window = DATASETS[case]
    if not all(p.is_file() for p in paths):
        pytest.skip("../shared/data is not beside the project")
    table = build_customer_table(
        Source.from_path(paths[0]), IntakeSettings(), Source.from_path(paths[1]) if len(paths) > 1 else None
    )
    assert table.revenue_column == column and table.warnings == []
    revenue = table.customers["revenue"].to_numpy()
    assert len(np.unique(revenue)) > 1 and concentration_metrics(revenue).gini > 0.05  # never flat
    assert table.revenue_window == window
    assert table.currency is None  # none of these files names its currency
    assert ((revenue == 0) | (np.abs(revenue) >= 0.005)).all()  # no refund residue
    assert not set(table.churned["customer_id"]) & set(table.customers["customer_id"])
    assert not any(role.role in {"outcome"} for c, role in table.roles.items() if c in {"revenue", "customer_id"})
    if table.grain == "transactions":
        assert table.revenue_window  # a transaction file always says what its revenue covers


@pytest.mark.parametrize(
    ("relative", "column", "churned", "left"),
    [
        ("telco_churn/Telco-Customer-Churn.csv", "Churn", 1869, 5174),
        ("telco_churn/Telco_customer_churn.xlsx", "Churn Label", 1869, 5174),
    ],
)
def test_telco_churned_customers_are_out_of_current_arr(relative: str, column: str, churned: int, left: int) -> None:
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip("../shared/data is not beside the project")
    table = build_customer_table(Source.from_path(path), IntakeSettings())
    assert (len(table.churned), table.n_customers) == (churned, left)
    assert table.source_roles[column].role == "outcome"
    raw = pd.read_csv(path) if path.suffix == ".csv" else pd.read_excel(path, engine="openpyxl")
    ids = raw.columns[0]
    charges = next(c for c in raw.columns if c.replace(" ", "") == "MonthlyCharges")
    lost = raw[raw[column] == "Yes"]
    # independent check: what the churned took with them is their monthly charges × 12
    assert table.churned["revenue"].sum() == pytest.approx(lost[charges].sum() * 12)
    assert set(table.churned["customer_id"]) == set(lost[ids].astype(str))


def test_ravenstack_churned_accounts_come_from_the_account_flag_only() -> None:
    accounts = SHARED_DATA / "ravenstack" / "ravenstack_accounts.csv"
    if not accounts.is_file():
        pytest.skip("../shared/data is not beside the project")
    table = build_customer_table(
        Source.from_path(accounts),
        IntakeSettings(),
        Source.from_path(accounts.with_name("ravenstack_subscriptions.csv")),
    )
    flagged = pd.read_csv(accounts).query("churn_flag")["account_id"]
    assert set(table.churned["customer_id"]) == set(flagged) and len(flagged) == 110
    assert table.roles["ravenstack_subscriptions_churn_flag_share"].role == "outcome"


@pytest.mark.slow
def test_the_cli_headline_says_the_window_and_the_churned_group(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "segmentation", "analyze", str(SAMPLE_INVOICES), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "of revenue (last 12 months to 2026-09-30)" in proc.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["input"]["revenue_window"] == "last 12 months to 2026-09-30"
    assert "(last 12 months to 2026-09-30)" in (tmp_path / "report.html").read_text()


def test_loss_making_accounts_are_listed_in_customers_csv_and_the_report() -> None:
    frame = _accounts(8).assign(
        revenue=[100, 200, 300, 400, 500, 600, 700, 800], profit=[10, -50, 30, 40, 50, 60, 70, -5]
    )
    result = run_analysis(Source.from_bytes("a.csv", frame.to_csv(index=False).encode()), fit_k_to_data=True)
    by_id = result.customers.set_index("customer_id")
    assert by_id.loc[["A2", "A8"], "loss_making"].all() and not by_id.loc["A1", "loss_making"]
    assert by_id.loc["A2", "gross_profit"] == -50.0
    assert list(result.customers.columns[-2:]) == ["gross_profit", "loss_making"]
    assert "2 accounts lose money (together a gross profit of -55 on 1k of revenue)" in build_report(result)


def test_a_joined_subscription_table_gives_the_as_of_day_in_the_headline() -> None:
    """Accounts with their ARR in a joined subscriptions table: the headline window names the day."""
    accounts = _accounts(4).drop(columns=["seats"])
    subscriptions = pd.DataFrame(
        {
            "account_id": ["A1", "A1", "A2", "A3", "A4"],
            "arr_amount": [1200, 2400, 600, 900, 300],
            "start_date": ["2023-01-01", "2024-01-01", "2023-06-01", "2024-03-01", "2022-01-01"],
            "end_date": ["2023-12-31", "", "", "", "2023-06-30"],
        }
    )
    primary = Source.from_bytes("accounts.csv", accounts.to_csv(index=False).encode())
    related = Source.from_bytes("subs.csv", subscriptions.to_csv(index=False).encode())
    table = build_customer_table(primary, IntakeSettings(), related)
    assert table.revenue_window == "subscriptions active on 2024-03-01"
    revenue = dict(zip(table.customers["customer_id"], table.customers["revenue"], strict=True))
    assert revenue["A1"] == 2400 and revenue["A2"] == 600 and revenue["A3"] == 900  # A1's ended line is not ARR
