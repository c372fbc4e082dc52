"""Intake: the messy corpus (expected answers made independently), parsers, and the shared datasets."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.errors import InputError
from segmentation.intake import (
    ROLES,
    CustomerTable,
    IntakeSettings,
    Source,
    build_customer_table,
    ledger,
    list_sheets,
    parsing,
    preview_source,
    roles,
    transactions,
)
from segmentation.intake.parsing import Distinct, is_missing, parse_booleans, parse_dates, parse_numbers
from segmentation.intake.reading import _banner_records, _merged_ranges, _open_workbook, read_raw
from segmentation.intake.rows import count_repeated_rows
from tests.conftest import SHARED_DATA

MESSY = Path(__file__).resolve().parent / "messy"
EXPECTED: dict[str, dict] = json.loads((MESSY / "expected.json").read_text(encoding="utf-8"))
GOOD = sorted(name for name, case in EXPECTED.items() if "error" not in case)
BAD = sorted(name for name, case in EXPECTED.items() if "error" in case)


def _build(name: str, **overrides: object) -> CustomerTable:
    case = EXPECTED.get(name, {})
    config = IntakeSettings(**{**case.get("settings", {}), **overrides})
    related = Source.from_path(MESSY / case["related"]) if "related" in case else None
    return build_customer_table(Source.from_path(MESSY / name), config, related)


def _check_contract(table: CustomerTable) -> None:
    frame = table.customers
    assert list(frame.columns[:2]) == ["customer_id", "revenue"]
    assert frame["revenue"].dtype == np.float64 and not frame["revenue"].isna().any()
    assert frame["customer_id"].map(type).eq(str).all()
    assert frame["customer_id"].is_unique
    assert set(table.roles) == set(frame.columns) - {"customer_id", "revenue"}
    assert all(role.role in ROLES for role in table.roles.values())
    assert all(0 <= role.confidence <= 1 for role in table.roles.values())
    assert set(table.column_quality.columns) == {"column", "type", "missing_share", "distinct", "examples"}
    json.dumps(table.to_dict())  # JSON-compatible


@pytest.mark.parametrize("name", GOOD)
def test_corpus_counts_and_totals(name: str) -> None:
    case = EXPECTED[name]
    table = _build(name)
    _check_contract(table)
    assert table.n_customers == case["customers"]
    assert math.isclose(table.customers["revenue"].sum(), case["revenue_total"], rel_tol=1e-9, abs_tol=1e-6)
    assert table.grain == case.get("grain", "customer")
    if "rows" in case:
        assert table.rows_read == case["rows"]
    if table.grain == "customer" and "related" not in case:
        excluded = sum(e.rows for e in table.ledger if e.action == "excluded")
        assert table.rows_read == table.n_customers + excluded  # nothing dropped silently
        assert len(table.excluded_rows[table.excluded_rows["action"] == "excluded"]) == excluded
    for fragment, rows in case.get("ledger", {}).items():
        matching = [e for e in table.ledger if fragment in e.reason]
        assert matching and sum(e.rows for e in matching) == rows, (fragment, [e.to_dict() for e in table.ledger])
    for example in case.get("id_examples", []):
        assert example in set(table.customers["customer_id"])
    if "unit" in case:
        assert table.revenue_unit == case["unit"]
    if "note" in case:
        assert any(case["note"] in note for note in table.notes), table.notes
    for column in case.get("columns", []):
        assert column in table.customers.columns
    if "names" in case:
        name_column = next(c for c in table.customers.columns if table.roles.get(c) and c not in {"notes"})
        values = set(table.customers.astype("str").to_numpy().ravel())
        assert set(case["names"]) <= values, name_column
    if "negative" in case:
        assert int((table.customers["revenue"] < 0).sum()) == case["negative"]
        assert any("negative revenue" in note for note in table.notes)


@pytest.mark.parametrize("name", BAD)
def test_corpus_errors_are_one_clear_line(name: str) -> None:
    with pytest.raises(InputError) as info:
        _build(name)
    message = str(info.value)
    assert name in message and EXPECTED[name]["error"] in message.lower()
    assert "\n" not in message


def test_transactions_are_aggregated_per_customer() -> None:
    table = _build("transactions_day_first.csv")
    c1 = table.customers.set_index("customer_id").loc["C1"]
    assert c1["frequency"] == 3 and c1["recency_days"] == 0
    assert c1["first_purchase"] == pd.Timestamp("2024-01-03")  # day-first: 03/01 is 3 January
    assert c1["revenue"] == 175.0 and c1["average_order_value"] == pytest.approx(175 / 3)
    assert table.roles["frequency"].role == "numeric"
    assert pd.api.types.is_datetime64_any_dtype(table.customers["last_purchase"])
    flipped = _build("transactions_day_first.csv", date_order="month_first")
    # month-first cannot read 15/02/2024, so the column is no longer taken as dates
    assert flipped.source_roles["order_date"].role != "date" and "first_purchase" not in flipped.customers


def test_revenue_window_counts_recent_months_only() -> None:
    table = _build("transactions_day_first.csv", revenue_window_months=1)
    revenue = table.customers.set_index("customer_id")["revenue"]
    # latest date 2024-03-28; the window keeps rows after 2024-02-28
    assert revenue["C1"] == 25.0 and revenue["C3"] == 30.0 and revenue["C2"] == 0.0
    assert any("last 1 months" in note for note in table.notes)


def test_latest_attribute_rule() -> None:
    table = _build("transactions_day_first.csv", attribute_rule="latest")
    assert table.customers.set_index("customer_id").loc["C3", "status"] == "paid"
    frequent = _build("transactions_day_first.csv")
    assert frequent.customers.set_index("customer_id").loc["C1", "status"] == "paid"


def test_roles_and_overrides() -> None:
    table = _build("excel_title.xlsx")
    assert table.source_roles["Customer ID"].role == "customer_id"
    assert table.source_roles["Customer Name"].role == "customer_name"
    assert table.source_roles["Signup Date"].role == "date"
    assert table.customers["Signup Date"].iloc[2] == pd.Timestamp("2024-02-29")
    ignored = _build("excel_title.xlsx", roles={"Customer Name": "ignore"})
    assert "Customer Name" not in ignored.customers.columns
    with pytest.raises(InputError, match="not known"):
        _build("excel_title.xlsx", roles={"Customer Name": "wizard"})


def test_chosen_columns_and_unknown_names() -> None:
    table = _build("comma_basic.csv", revenue_column="arr", id_column="customer_id", revenue_unit="MRR")
    assert table.customers["revenue"].sum() == pytest.approx(12 * 2050.75)
    with pytest.raises(InputError, match=r"'nope' is not in 'comma_basic\.csv'"):
        _build("comma_basic.csv", revenue_column="nope")
    with pytest.raises(InputError, match="Customer ID column 'nope'"):
        _build("comma_basic.csv", id_column="nope")


def test_sheets_preview_and_size_limit() -> None:
    assert list_sheets(Source.from_path(MESSY / "excel_title.xlsx")) == EXPECTED["excel_title.xlsx"]["sheets"]
    assert list_sheets(Source.from_path(MESSY / "comma_basic.csv")) == []
    preview = preview_source(Source.from_path(MESSY / "title_rows.csv"), IntakeSettings(), rows=2)
    assert list(preview.columns) == ["Customer ID", "Name", "ARR", "Segment", "Segment_2"]
    assert len(preview) == 2 and preview.iloc[0, 0] == "K1"
    with pytest.raises(InputError, match="no sheet 'Missing'"):
        _build("excel_title.xlsx", sheet="Missing")
    big = Source.from_bytes("big.csv", b"customer_id,arr\n" + b"C1,1\n" * 300_000)
    with pytest.raises(InputError, match="more than the 1 MB limit"):
        build_customer_table(big, IntakeSettings(max_file_mb=1))


def test_uploaded_bytes_read_like_the_path() -> None:
    path = MESSY / "semicolon_cp1252.csv"
    config = IntakeSettings(**EXPECTED["semicolon_cp1252.csv"]["settings"])
    from_bytes = build_customer_table(Source.from_bytes(path.name, path.read_bytes()), config)
    from_path = build_customer_table(Source.from_path(path), config)
    pd.testing.assert_frame_equal(from_bytes.customers, from_path.customers)
    assert any("CP1252" in note for note in from_path.notes)


def test_duplicate_ledger_keeps_the_first_and_lists_rows() -> None:
    table = _build("duplicates.csv")
    assert table.customers.set_index("customer_id").loc["008", "Name"] == "Q"
    reasons = set(table.excluded_rows["reason"])
    assert any("kept the first" in r for r in reasons)
    assert "source_row" in table.excluded_rows.columns


def test_related_table_joined_with_prefix() -> None:
    table = _build("related_accounts.csv")
    assert "related_subscriptions_rows" in table.customers.columns
    rows = table.customers.set_index("customer_id")["related_subscriptions_rows"]
    assert rows.to_dict() == {"AC1": 2.0, "AC2": 2.0, "AC3": 0.0}
    assert table.revenue_column.startswith("related_subscriptions.csv")


# --------------------------------------------------------------------------- parsers


def test_parse_numbers_by_hand() -> None:
    text = pd.Series(["$1,234.50", "€ 1.234,50", "1 234,50 EUR", "12k", "1.2M", "(1,200)", "15%", "N/A", "x"])
    parsed = parse_numbers(text)
    expected = [1234.5, 1234.5, 1234.5, 12000, 1.2e6, -1200, 15, None, None]
    for got, want in zip(parsed.values.tolist(), expected, strict=True):
        assert (want is None and math.isnan(got)) or got == pytest.approx(want)
    assert parsed.unparsed.tolist() == [False] * 8 + [True]
    assert parse_numbers(pd.Series(["1.234,5", "2,5"])).decimal_comma


def test_parse_dates_by_hand() -> None:
    iso = parse_dates(pd.Series(["2024-01-31", "2024-02-01T10:00:00", ""]))
    assert iso.values.iloc[0] == pd.Timestamp("2024-01-31") and pd.isna(iso.values.iloc[2])
    day_first = parse_dates(pd.Series(["13/01/2024", "02/03/2024"]))
    assert day_first.order == "day_first" and day_first.values.iloc[1] == pd.Timestamp("2024-03-02")
    month_first = parse_dates(pd.Series(["01/13/2024", "02/03/2024"]))
    assert month_first.order == "month_first" and month_first.values.iloc[1] == pd.Timestamp("2024-02-03")
    compact = parse_dates(pd.Series(["19970101", "19981231"]))
    assert compact.values.iloc[1] == pd.Timestamp("1998-12-31")
    serial = parse_dates(pd.Series(["45000"]), allow_serial=True)
    assert serial.values.iloc[0] == pd.Timestamp("2023-03-15")


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=-1e7, max_value=1e7, allow_nan=False).map(lambda v: round(v, 2)),
    st.sampled_from(["us", "eu", "space", "plain"]),
)
def test_parse_numbers_round_trips_written_amounts(value: float, style: str) -> None:
    text = f"{abs(value):,.2f}"
    if style == "eu":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    elif style == "space":
        text = text.replace(",", " ")
    elif style == "plain":
        text = f"{abs(value):.2f}"
    if value < 0:
        text = f"({text})"
    parsed = parse_numbers(pd.Series([text, "1.234,56" if style == "eu" else "1,234.56"])).values.iloc[0]
    assert parsed == pytest.approx(value, abs=1e-9)


# --------------------------------------------------------------------------- shared datasets


SHARED_CASES = {
    # telco: the 1,869 customers with Churn = Yes are set aside as churned; ravenstack: 110 with churn_flag
    "telco csv": ("telco_churn/Telco-Customer-Churn.csv", None, 7043, 5174),
    "telco xlsx": ("telco_churn/Telco_customer_churn.xlsx", None, 7043, 5174),
    "cdnow": ("cdnow/CDNOW_master.txt", None, 69659, 23570),
    "ravenstack": ("ravenstack/ravenstack_accounts.csv", "ravenstack/ravenstack_subscriptions.csv", 500, 390),
}


@pytest.mark.parametrize("case", list(SHARED_CASES))
def test_shared_datasets(case: str, shared_data: Path) -> None:
    primary, related, rows, customers = SHARED_CASES[case]
    table = build_customer_table(
        Source.from_path(shared_data / primary),
        IntakeSettings(),
        Source.from_path(shared_data / related) if related else None,
    )
    _check_contract(table)
    assert table.rows_read == rows and table.n_customers == customers
    if case == "cdnow":
        assert table.grain == "transactions"
        assert table.customers["customer_id"].iloc[0] == "00001"
        assert table.customers["all_time_revenue"].sum() == pytest.approx(2500315.63)
        assert table.revenue_window == "last 12 months to 1998-06-30"
    if case.startswith("telco"):
        assert table.revenue_unit == "ARR" and any("×12" in note for note in table.notes)


def test_mall_customers_has_no_revenue(shared_data: Path) -> None:
    with pytest.raises(InputError, match="revenue") as info:
        build_customer_table(Source.from_path(shared_data / "mall_customers" / "Mall_Customers.csv"), IntakeSettings())
    assert "Mall_Customers.csv" in str(info.value) and "--revenue-column" in str(info.value)


def test_shared_data_constant_is_used() -> None:
    assert SHARED_DATA.name == "data"


# --------------------------------------------------------------------------- round 2: reports, ledger, parity


def test_excel_report_header_below_merged_titles_and_totals_row() -> None:
    table = _build("excel_report.xlsx")
    assert table.id_column == "Customer ID" and table.revenue_column == "ARR"
    assert "Total" not in set(table.customers["customer_id"])
    totals = next(entry for entry in table.ledger if entry.reason == "Totals row")
    assert totals.to_dict() == {"reason": "Totals row", "rows": 1, "action": "excluded", "examples": ["Total"]}
    assert table.excluded_rows.loc[0, "reason"] == "Totals row"
    assert table.customers.set_index("customer_id").loc["R-04", "Seats"] == 25.0


def test_merge_metadata_from_openpyxl_matches_calamine() -> None:
    source = Source.from_path(MESSY / "excel_report.xlsx")
    sheet = _open_workbook(source).get_sheet_by_name("Report")
    from_calamine = _merged_ranges(source, "Report", sheet)
    from_openpyxl = _merged_ranges(source, "Report", object())  # a sheet that does not report merges
    titles = [((0, 0), (0, 5)), ((1, 0), (1, 2)), ((1, 3), (1, 5))]
    groups = [((4, 0), (4, 1)), ((4, 2), (4, 3)), ((4, 4), (4, 5))]
    assert sorted(from_calamine) == sorted(from_openpyxl) == titles + groups
    records = [["Title", "", ""], ["Group", "", "Other"], ["ID", "ARR", "Plan"]]
    merged = [((0, 0), (0, 2)), ((1, 0), (1, 1)), ((1, 2), (1, 2))]  # a one-cell "merge" is not a banner
    assert _banner_records([0, 1, 2], records, merged) == frozenset({0})


def test_totals_rows_in_text_files() -> None:
    data = b"customer_id,company,arr\nC1,A,10\nC2,B,20\nGrand Total,,30\n,Total,30\n,Nobody,5\n"
    table = build_customer_table(Source.from_bytes("totals.csv", data), IntakeSettings())
    assert table.n_customers == 2 and table.customers["revenue"].sum() == 30.0
    ledger = {entry.reason: entry.rows for entry in table.ledger}
    assert ledger == {"Totals row": 2, "No customer ID": 1}


def test_negative_revenue_is_a_changed_ledger_entry() -> None:
    table = _build("tab_utf16.txt")
    entry = next(e for e in table.ledger if e.reason.startswith("Negative revenue"))
    assert entry.action == "changed" and entry.rows == 1 and entry.examples == ["A-3"]
    assert entry.reason == "Negative revenue (refund or credit) kept; counts as 0 in concentration"
    assert entry.to_dict() in table.to_dict()["excluded"]
    assert table.customers.set_index("customer_id").loc["A-3", "revenue"] == -150.0  # kept as it is


def test_text_patterns_have_no_capturing_groups() -> None:
    # pandas warns about match groups in str.contains; every pattern used there must group without capturing
    for pattern in (transactions.CANCELLED, ledger._TOTALS, parsing._CURRENCY, parsing._NAMED):
        assert re.compile(pattern).groups == 0, pattern


_MESSY_CELLS = ["", " ", "N/A", "null", "-", "1,234.50", "1.234,50", "€ 12", "12k", "(300)", "15%", "abc",
                "2024-01-31", "31/01/2024", "01/02/2024", "20240131", "45000", "Jan 5, 2024", "yes", "no", "0", "1",
                "7.5", "-2"]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_MESSY_CELLS), min_size=1, max_size=60))
def test_distinct_parsing_equals_row_parsing(cells: list[str]) -> None:
    text = pd.Series(cells * 3, dtype="str")  # repeated so the distinct path is taken
    distinct = Distinct.of(text)
    assert distinct.repeats
    pd.testing.assert_series_equal(is_missing(distinct), is_missing(text), check_names=False)
    by_row, by_value = parse_numbers(text), parse_numbers(distinct)
    pd.testing.assert_series_equal(by_value.values, by_row.values, check_names=False)
    assert (by_value.decimal_comma, by_value.percent, by_value.currency) == (
        by_row.decimal_comma,
        by_row.percent,
        by_row.currency,
    )
    dates_row, dates_value = parse_dates(text, allow_serial=True), parse_dates(distinct, allow_serial=True)
    pd.testing.assert_series_equal(dates_value.values, dates_row.values, check_names=False)
    assert (dates_value.order, dates_value.ambiguous) == (dates_row.order, dates_row.ambiguous)
    flags_row, flags_value = parse_booleans(text), parse_booleans(distinct)
    assert (flags_row is None) == (flags_value is None)
    if flags_row is not None and flags_value is not None:
        assert flags_row.tolist() == flags_value.tolist()
    kept = pd.Series([i % 2 == 0 for i in range(len(text))])
    subset = distinct.subset(kept)
    pd.testing.assert_series_equal(parse_numbers(subset).values, parse_numbers(text[kept]).values, check_names=False)


def test_repeated_rows_counted_exactly_on_large_input() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({name: rng.integers(0, size, 70_000).astype(str) for name, size in (("a", 300), ("b", 40))})
    frame = frame.astype("str")
    keep = pd.Series(rng.random(70_000) < 0.8)
    columns = [Distinct.of(frame[name]) for name in frame.columns]
    assert count_repeated_rows(columns, keep) == int(frame[keep].duplicated().sum()) > 0


def test_cells_are_trimmed_and_padded_ids_match() -> None:
    data = b"customer_id,arr,plan\n C1 ,10, Pro\nC1,5,Pro\nC2 ,\t7 ,Basic\n"
    table = build_customer_table(Source.from_bytes("padded.csv", data), IntakeSettings())
    assert table.customers["customer_id"].tolist() == ["C1", "C2"]
    assert table.customers["revenue"].tolist() == [10.0, 7.0]
    assert table.customers["plan"].tolist() == ["Pro", "Basic"]


def test_repeated_rows_counted_when_the_combined_key_must_be_renumbered() -> None:
    rng = np.random.default_rng(5)
    # five columns of ~20,000 distinct values: their product overflows 64 bits, so the key is renumbered
    frame = pd.DataFrame({f"c{i}": rng.integers(0, 10**6, 20_000).astype(str) for i in range(5)}).astype("str")
    frame.iloc[100:150] = frame.iloc[:50].to_numpy()
    keep = pd.Series(np.ones(len(frame), dtype=bool))
    columns = [Distinct.of(frame[name]) for name in frame.columns]
    assert count_repeated_rows(columns, keep) == int(frame.duplicated().sum()) == 50


def test_written_currencies_count_every_cell_that_names_one() -> None:
    """Signs, prefixed dollars and codes in any case count per cell; figures, words and gaps count nothing."""
    from segmentation.intake.parsing import Distinct, written_currencies

    cells = ["$1,200", "1200", "EUR 30", "eur 30", "12 £", "CA$3", "US$ 5", "usd5", "Pro plan", "", None, "$1,200"]
    column = pd.Series(cells * 3, dtype="str")
    expected = {"USD": 12, "EUR": 6, "GBP": 3, "CAD": 3}
    assert written_currencies(column) == expected
    assert written_currencies(Distinct.of(column)) == expected
    assert written_currencies(pd.Series(["1,200.50", "3", "abc"], dtype="str")) == {}


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("Annual Contract Value (EUR)", ["1.234,50", "99,00"], "EUR"),
        ("arr_gbp", ["100", "200"], "GBP"),
        ("Revenue", ["$1,200.00", "$300"], "USD"),
        ("Revenue", ["1 234,50 CHF", "99 CHF"], "CHF"),
        ("Revenue", ["$100", "€200"], None),
        ("Revenue", ["100", "200"], None),
    ],
)
def test_currency_is_read_from_the_revenue_column(column: str, values: list[str], expected: str | None) -> None:
    from segmentation.intake.currency import detect_currency

    assert detect_currency(column, pd.DataFrame({column: values})) == expected


TYPED_CSV = """account_id,arr,signup,last_login,is_trial,churned,plan,seats
101,1200.5,2023-01-05,2024-03-01 10:30:00,true,0,Pro,3
102,800,2023-02-11,,false,1,Basic,
103,,2023-03-20,2024-03-02 08:00:00,false,0,,12
,950.25,2023-04-01,2024-03-03 09:15:00,true,1,Pro,4
101,1200.5,2023-01-05,2024-03-01 10:30:00,true,0,Pro,3
104,-50,2023-05-09,2024-03-04 12:00:00,false,0,Basic,1
105,3000,2023-06-30,2024-03-05 18:45:00,false,1,Enterprise,40
"""


def _typed_frame() -> pd.DataFrame:
    """The rows of TYPED_CSV as typed columns (what a Parquet export holds)."""
    return pd.DataFrame(
        {
            "account_id": pd.array([101, 102, 103, None, 101, 104, 105], dtype="Int64"),
            "arr": [1200.5, 800.0, np.nan, 950.25, 1200.5, -50.0, 3000.0],
            "signup": pd.to_datetime(["2023-01-05", "2023-02-11", "2023-03-20", "2023-04-01", "2023-01-05",
                                      "2023-05-09", "2023-06-30"]).date,
            "last_login": pd.to_datetime(["2024-03-01 10:30", None, "2024-03-02 08:00", "2024-03-03 09:15",
                                          "2024-03-01 10:30", "2024-03-04 12:00", "2024-03-05 18:45"]),
            "is_trial": [True, False, False, True, True, False, False],
            "churned": np.array([0, 1, 0, 1, 0, 0, 1], dtype="int64"),
            "plan": ["Pro", "Basic", None, "Pro", "Pro", "Basic", "Enterprise"],
            "seats": pd.array([3, None, 12, 4, 3, 1, 40], dtype="Int64"),
        }
    )  # fmt: skip


def test_typed_parquet_reads_like_the_same_csv(tmp_path: Path) -> None:
    csv_path, parquet_path = tmp_path / "accounts.csv", tmp_path / "accounts.parquet"
    csv_path.write_text(TYPED_CSV, encoding="utf-8")
    _typed_frame().to_parquet(parquet_path, index=False)
    # 5 IDs in 6 rows with dates would otherwise read as purchases; churned accounts kept to compare every row
    one_row_each = IntakeSettings(grain="customer", churn_rule="ignore")
    from_csv = build_customer_table(Source.from_path(csv_path), one_row_each)
    from_parquet = build_customer_table(Source.from_path(parquet_path), one_row_each)
    pd.testing.assert_frame_equal(from_csv.customers, from_parquet.customers)
    pd.testing.assert_frame_equal(from_csv.column_quality, from_parquet.column_quality)
    pd.testing.assert_frame_equal(from_csv.excluded_rows, from_parquet.excluded_rows)
    as_dict = {key: value for key, value in from_parquet.to_dict().items() if key not in {"file", "notes"}}
    assert as_dict == {key: value for key, value in from_csv.to_dict().items() if key not in {"file", "notes"}}
    assert from_parquet.notes[1:] == from_csv.notes[1:]
    # checked by hand: IDs as text, the repeated row and the row without ID excluded, 0/1 read as a flag
    assert from_parquet.customers["customer_id"].tolist() == ["101", "102", "103", "104", "105"]
    assert from_parquet.customers["revenue"].tolist() == [1200.5, 800.0, 0.0, -50.0, 3000.0]
    roles = {name: role.role for name, role in from_parquet.roles.items()}
    assert roles == {
        "signup": "date",
        "last_login": "date",
        "is_trial": "boolean",
        "churned": "outcome",
        "plan": "categorical",
        "seats": "numeric",
    }
    assert {entry.reason: entry.rows for entry in from_parquet.ledger} == {
        "No customer ID": 1,
        "Duplicate identical row (merged into the first)": 1,
        "Blank revenue in 'arr' counted as 0": 1,
        ledger.NEGATIVE_REVENUE: 1,
    }
    assert from_parquet.excluded_rows["arr"].tolist()[:2] == ["950.25", "1200.5"]


def test_typed_parquet_columns_stay_typed_and_preview_as_text(tmp_path: Path) -> None:
    path = tmp_path / "accounts.parquet"
    _typed_frame().to_parquet(path, index=False)
    raw = read_raw(Source.from_path(path), IntakeSettings())
    kinds = {name: raw.frame[name].dtype.kind for name in raw.frame.columns}
    assert kinds == {
        "account_id": "f",
        "arr": "f",
        "signup": "M",
        "last_login": "M",
        "is_trial": "b",
        "churned": "f",
        "plan": "O" if raw.frame["plan"].dtype == object else raw.frame["plan"].dtype.kind,
        "seats": "f",
    }
    assert raw.frame["plan"].dtype == "str"
    shown = preview_source(Source.from_path(path), IntakeSettings(), rows=2)
    assert shown.iloc[0].tolist() == ["101", "1200.5", "2023-01-05", "2024-03-01 10:30:00", "true", "0", "Pro", "3"]
    assert shown.iloc[1].tolist() == ["102", "800", "2023-02-11", "", "false", "1", "Basic", ""]


def test_cells_as_text_by_hand() -> None:
    numbers = pd.Series([1.0, 2.5, np.nan, 1e16, -3.0, 0.1, float("inf")])
    assert parsing.cells_as_text(numbers).tolist() == ["1", "2.5", "", "1e+16", "-3", "0.1", "inf"]
    stamps = pd.Series(pd.to_datetime(["2024-01-02", "2024-01-02 03:04:05", None], format="ISO8601"))
    assert parsing.cells_as_text(stamps).tolist() == ["2024-01-02", "2024-01-02 03:04:05", ""]
    assert parsing.cells_as_text(pd.Series([True, False])).tolist() == ["true", "false"]
    # infinity is not a number a customer can pay: counted as unparsed, like the text "inf"
    parsed = parse_numbers(numbers)
    assert parsed.unparsed.tolist() == [False, False, False, False, False, False, True]


_TYPED_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(min_value=-(10**6), max_value=10**6).map(float),
    st.sampled_from([0.0, 1.0, np.nan, 20240131.0, 19991301.0, 45000.0, 45000.5, 18263.0]),
)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(_TYPED_NUMBERS, min_size=1, max_size=40),
    name=st.sampled_from(["amount", "signup_date", "is_active", "day"]),
    date_order=st.sampled_from(["auto", "day_first"]),
)
def test_typed_numbers_profile_like_their_text(cells: list[float], name: str, date_order: str) -> None:
    typed = pd.DataFrame({name: pd.Series(cells, dtype="float64")})
    typed_profile = roles.profile_columns(typed, date_order)[name]
    text_profile = roles.profile_columns(parsing.text_frame(typed), date_order)[name]
    for field in ("present_share", "distinct", "boolean", "mean_length", "integral", "sample_present"):
        assert getattr(typed_profile, field) == getattr(text_profile, field), field
    for parse in ("numbers", "dates"):
        mine, theirs = getattr(typed_profile, parse), getattr(text_profile, parse)
        assert mine.parse_rate == theirs.parse_rate
        pd.testing.assert_series_equal(mine.values, theirs.values, check_names=False)
    assert typed_profile.dates.order == text_profile.dates.order
    assert typed_profile.datelike == text_profile.datelike and typed_profile.numeric == text_profile.numeric


def test_typed_timestamps_and_flags_profile_like_their_text() -> None:
    typed = pd.DataFrame(
        {
            "seen": pd.Series(pd.to_datetime(["2024-01-02", "2024-02-03 04:05:06", None], format="ISO8601")),
            "flag": [True, False, True],
            "same": [True, True, True],
        }
    )
    typed_profiles = roles.profile_columns(typed, "auto")
    text_profiles = roles.profile_columns(parsing.text_frame(typed), "auto")
    for name in typed.columns:
        mine, theirs = typed_profiles[name], text_profiles[name]
        assert (mine.boolean, mine.datelike, mine.numeric, mine.mean_length, mine.dates.order) == (
            theirs.boolean,
            theirs.datelike,
            theirs.numeric,
            theirs.mean_length,
            theirs.dates.order,
        ), name


def test_excel_number_columns_read_like_the_same_csv(tmp_path: Path) -> None:
    csv_path, excel_path = tmp_path / "accounts.csv", tmp_path / "accounts.xlsx"
    # Excel flag cells are written True/False (Parquet's true/false)
    csv_path.write_text(TYPED_CSV.replace(",true,", ",True,").replace(",false,", ",False,"), encoding="utf-8")
    frame = _typed_frame()
    frame["signup"] = pd.to_datetime(frame["signup"])
    frame.to_excel(excel_path, index=False)
    one_row_each = IntakeSettings(grain="customer")
    from_csv = build_customer_table(Source.from_path(csv_path), one_row_each)
    from_excel = build_customer_table(Source.from_path(excel_path), one_row_each)
    raw = read_raw(Source.from_path(excel_path), one_row_each)
    # number cells stay numbers; dates, flags and text cells are read as text
    assert [name for name in raw.frame.columns if raw.frame[name].dtype == "float64"] == [
        "account_id",
        "arr",
        "churned",
        "seats",
    ]
    pd.testing.assert_frame_equal(from_csv.customers, from_excel.customers)
    pd.testing.assert_frame_equal(from_csv.column_quality, from_excel.column_quality)
    assert from_excel.to_dict()["columns"] == from_csv.to_dict()["columns"]
    assert [entry.to_dict() for entry in from_excel.ledger] == [entry.to_dict() for entry in from_csv.ledger]


def test_a_one_row_file_still_finds_its_id_column() -> None:
    table = build_customer_table(Source.from_bytes("one.csv", b"id,arr,plan\nC1,500,A\n"), IntakeSettings())
    assert table.id_column == "id"
    assert table.customers["customer_id"].tolist() == ["C1"]
    assert table.customers["revenue"].tolist() == [500.0]


def test_a_cover_sheet_in_front_of_the_data_is_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"About": ["Our customers", "Exported 2026-10-01"]}).to_excel(
            writer, sheet_name="Read me", index=False
        )
        pd.DataFrame({"Customer #": ["00007", "00008", "00009"], "ARR": [100.0, 250.0, 40.0]}).to_excel(
            writer, sheet_name="Customers", index=False
        )
    table = build_customer_table(Source.from_path(path), IntakeSettings())
    assert table.customers["customer_id"].tolist() == ["00007", "00008", "00009"]
    assert table.customers["revenue"].sum() == 390.0
    assert any("Read sheet 'Customers' of 2" in note for note in table.notes)
    with pytest.raises(InputError, match="revenue"):
        build_customer_table(Source.from_path(path), IntakeSettings(sheet="Read me"))
