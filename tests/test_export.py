"""Exports neutralise spreadsheet formulas in text and keep numbers numeric; CSV reads back as written."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation.export import neutralise_frame, neutralise_text, pandas_csv_bytes, to_csv_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Acme", "Acme"),
        ("-12.5", "-12.5"),
        ("+44", "+44"),
        ("", ""),
        (12, 12),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_neutralise_text(value: object, expected: object) -> None:
    assert neutralise_text(value) == expected


def test_frame_keeps_numbers_numeric_and_neutralises_text() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "Acme", None], "revenue": [-5.0, 10.0, 2.5]})
    safe = neutralise_frame(frame)
    assert safe["name"].tolist()[:2] == ["'=1+1", "Acme"]
    assert pd.isna(safe["name"].iloc[2])
    assert safe["revenue"].tolist() == [-5.0, 10.0, 2.5]
    assert frame["name"].iloc[0] == "=1+1", "the input frame is not changed"


def test_csv_is_stable_and_readable() -> None:
    frame = pd.DataFrame({"customer_id": ["007", "=cmd"], "revenue": [1.25, 1e6]})
    first, second = to_csv_bytes(frame), to_csv_bytes(frame)
    assert first == second
    back = pd.read_csv(io.BytesIO(first), dtype={"customer_id": str}, encoding="utf-8-sig")
    assert back["customer_id"].tolist() == ["007", "'=cmd"]
    assert back["revenue"].tolist() == [1.25, 1e6]


def test_column_names_are_neutralised_too() -> None:
    safe = neutralise_frame(pd.DataFrame({"=evil": [1]}))
    assert list(safe.columns) == ["'=evil"]


def _awkward_frame() -> pd.DataFrame:
    """Every kind of cell an export meets: line breaks, quotes, formulas, unicode, gaps, dates, categories."""
    return pd.DataFrame(
        {
            "customer_id": ["007", "=cmd", "+44 20", "-12.5", "@home", "\tTab", "\rCR", "-١٢"],
            "note": ["a\rb", "c\nd", "e\r\nf", 'say "hi"', "x, y", "Zoë ✓ 北京", "", None],
            "formula_like": ["=1+1", "-", "-12\n", "+1,234.5%", "--1", "=", "@", "plain"],
            "revenue": [-5.25, 0.0, 1e6, np.nan, 12.5, -0.01, 3.0, 1234567.89],
            "share": [1 / 3, 0.0, 1e-5, 2.5e-7, np.nan, 1.0, 1e15, -0.1],
            "tickets": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0, 8.0],
            "seats": [1.0, 2.0, 3.0, 4.0, 5.0, -6.0, 0.0, 12.0],
            "big": [2**62, -(2**63), 0, 1, -1, 2**53 + 1, 7, 8],
            "maybe_count": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
            "signup": pd.to_datetime(
                ["2024-01-02", None, "1969-12-31 23:00", "2262-04-11", "2000-02-29 12:30", *["2024-01-02"] * 3],
                format="mixed",
            ),
            "seen_at": pd.date_range("2024-03-01 23:30", periods=8, freq="h", tz="America/New_York"),
            "plan": pd.Categorical(["Pro", None, "=Free", "Pro", "Basic, old", "Pro", "Pro", "Pro"]),
            "tier": pd.Categorical([1, 2, 1, 2, None, 1, 1, 2]),
            "active": [True, False, True, True, False, False, True, True],
            "churned": pd.array([True, None, False, True, False, None, True, False], dtype="boolean"),
            "mixed": [1, 2.5, "=x", None, [1, "a"], pd.Timestamp("2024-01-02 03:04"), float("-inf"), True],
            "gap": pd.to_timedelta([-1, 0, 1, 2, None, 3, 4, 5], unit="h"),
            "ratio32": np.array([0.1, 1.5, 2, 3, 4, 5, 6, 7], dtype=np.float32),
            "=risky name": ["a", "b", "c", "d", "e", "f", "g", "h"],
        }
    )


def _records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_pyarrow_writer_reads_back_as_the_pandas_writer_did() -> None:
    """pd.read_csv gives the same frame from both writers; every non-float cell has the same text."""
    frame = _awkward_frame()
    new, old = to_csv_bytes(frame), pandas_csv_bytes(frame)
    assert new.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(new), encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, pd.read_csv(io.BytesIO(old), encoding="utf-8-sig"), check_exact=True)
    records, expected = _records(new), _records(old)
    assert len(records) == len(frame) + 1, "a line break inside a value never starts a record"
    assert records[0] == expected[0] == [*frame.columns[:-1], "'=risky name"]
    floats = {"revenue", "share", "tickets", "seats", "ratio32"}
    columns = zip(records[0], zip(*records[1:], strict=True), zip(*expected[1:], strict=True), strict=True)
    for name, ours, theirs in columns:
        if name in floats:
            assert [float(v) if v else None for v in ours] == [float(v) if v else None for v in theirs], name
        else:
            assert ours == theirs, name
    assert records[1][:3] == ["007", "a\rb", "'=1+1"]
    assert [r[records[0].index("active")] for r in records[1:3]] == ["True", "False"]
    assert back["seats"].dtype == np.float64 and back["big"].dtype == np.int64


def test_pyarrow_writer_is_byte_stable_and_ends_records_with_crlf() -> None:
    frame = _awkward_frame()
    data = to_csv_bytes(frame)
    assert data == to_csv_bytes(frame) == to_csv_bytes(frame.copy())
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and text.count("\r\n") >= len(frame) + 1
    # outside quotes, every record break is CRLF: no bare CR or LF ends a record
    unquoted = "".join(part for position, part in enumerate(text.split('"')) if position % 2 == 0)
    assert unquoted.replace("\r\n", "").count("\r") == 0 and unquoted.replace("\r\n", "").count("\n") == 0


def test_a_large_frame_written_on_threads_is_the_bytes_one_thread_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of rows written side by side join into the file one writer makes, header once, every record whole."""
    import segmentation.export as export_module

    frame = pd.concat([_awkward_frame().drop(columns=["mixed"])] * 13, ignore_index=True)  # 104 rows
    monkeypatch.setattr(export_module, "_PARALLEL_ROWS", 10**9)
    alone = to_csv_bytes(frame)
    monkeypatch.setattr(export_module, "_PARALLEL_ROWS", 10)
    monkeypatch.setattr(export_module, "_WRITERS", 3)  # 35 + 35 + 34 rows: blocks of unequal length
    assert to_csv_bytes(frame) == alone
    assert len(_records(alone)) == len(frame) + 1
    assert (
        to_csv_bytes(frame.head(0)) == to_csv_bytes(frame.head(0).copy())
        and len(_records(to_csv_bytes(frame.head(0)))) == 1
    )


def test_floats_keep_a_decimal_point_where_the_column_allows() -> None:
    """Cents keep two places, whole numbers ``.0``; full-precision floats use the shortest round-trip text."""
    frame = pd.DataFrame(
        {
            "revenue": [300.0, 6899.35, 0.0],
            "tickets": [3.0, np.nan, 0.0],
            "score": [32.6, -1.0, 0.5],
            "share": [1 / 3, 0.0, 2.5e-7],
        }
    )
    assert _records(to_csv_bytes(frame))[1:] == [
        ["300.00", "3.0", "32.6", "0.3333333333333333"],
        ["6899.35", "", "-1.0", "0"],
        ["0.00", "0.0", "0.5", "2.5e-7"],
    ]
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame.iloc[[0, 2]])), encoding="utf-8-sig")
    assert (back.dtypes == np.float64).all(), "a column of whole numbers still reads back as floats"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="=+-@\t\r\n0123456789.,eE%١ x'\"", max_size=8), min_size=1, max_size=20))
def test_neutralisation_in_pyarrow_matches_neutralise_text(values: list[str]) -> None:
    frame = pd.DataFrame({"text": values, "category": pd.Categorical(values), "row": range(len(values))})
    records = _records(to_csv_bytes(frame))[1:]
    assert [r[0] for r in records] == [neutralise_text(v) for v in values]
    assert [r[1] for r in records] == [neutralise_text(v) for v in values]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (pd.DataFrame({"a": [None, "x", ""]}), [["a"], [""], ["x"], [""]]),
        (pd.DataFrame({"n": [1.5, np.nan]}), [["n"], ["1.5"], [""]]),
        (pd.DataFrame({"a": ["=1", "x"]}), [["a"], ["'=1"], ["x"]]),
        (pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype=float)}), [["a", "b"]]),
    ],
)
def test_small_frames_keep_every_record(frame: pd.DataFrame, expected: list[list[str]]) -> None:
    """A one-column record holding nothing is still a record (``""``), never a blank line a reader skips."""
    data = to_csv_bytes(frame)
    assert _records(data) == expected
    assert len(pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")) == len(frame)


def test_the_workbook_is_the_same_bytes_whenever_it_is_written() -> None:
    """xlsxwriter stamps the time of writing into the workbook: two writes a second apart differed."""
    import time

    from segmentation.export import workbook_bytes
    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    result = run_analysis(Source.from_path(SAMPLE_ACCOUNTS))
    first = workbook_bytes(result)
    time.sleep(1.1)
    assert workbook_bytes(result) == first
