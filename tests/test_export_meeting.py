"""The Excel workbook and CSVs are ready for a meeting: formats, filters, frozen header, Summary, filled Exclusions."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from segmentation import export
from segmentation.intake import Source
from segmentation.pipeline import run_analysis
from tests.conftest import SAMPLE_INVOICES


@pytest.fixture(scope="module")
def result() -> object:
    return run_analysis(Source.from_path(SAMPLE_INVOICES))


def test_workbook_has_formats_filters_and_a_summary(result: object) -> None:
    book = load_workbook(io.BytesIO(export.workbook_bytes(result)))  # type: ignore[arg-type]
    assert book.sheetnames[0] == "Customers" and "Summary" in book.sheetnames
    assert book.active.title == "Summary"
    customers = book["Customers"]
    assert customers.freeze_panes == "A2"
    assert customers.auto_filter.ref and customers.auto_filter.ref.startswith("A1:")
    header = [c.value for c in customers[1]]
    revenue = customers.cell(2, header.index("revenue") + 1)
    # the sample names no currency, so none is shown (issue 12: never assume dollars)
    assert revenue.number_format == "#,##0.00" and isinstance(revenue.value, float)
    shares = book["Segments"]
    share_column = [c.value for c in shares[1]].index("revenue_share") + 1
    assert shares.cell(2, share_column).number_format == "0.0%"
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Customers analysed"] == "3,000"
    assert summary["Top 20% of customers hold"].endswith("%")


def test_workbook_money_carries_the_currency_the_user_names() -> None:
    from segmentation.config import AnalysisConfig

    config = AnalysisConfig().updated(**{"report.currency": "USD"})
    book = load_workbook(io.BytesIO(export.workbook_bytes(run_analysis(Source.from_path(SAMPLE_INVOICES), config))))
    header = [c.value for c in book["Customers"][1]]
    assert book["Customers"].cell(2, header.index("revenue") + 1).number_format == '"$"#,##0.00'


def test_exclusions_sheet_is_never_empty(result: object) -> None:
    book = load_workbook(io.BytesIO(export.workbook_bytes(result)))  # type: ignore[arg-type]
    rows = list(book["Exclusions"].iter_rows(min_row=2, values_only=True))
    assert rows and rows[0][1] == 308
    assert "Excluded rows" in book.sheetnames


def test_segments_csv_is_rounded(result: object) -> None:
    records = list(csv.DictReader(io.StringIO(export.segments_csv(result).decode("utf-8-sig"))))  # type: ignore[arg-type]
    assert len(records) == result.segmentation.k  # type: ignore[attr-defined]
    for record in records:
        assert len(record["customer_share"].split(".")[-1]) <= 4
        assert len(record["revenue"].split(".")[-1]) <= 2
