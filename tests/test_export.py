"""Exports neutralise spreadsheet formulas in text and keep numbers numeric."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from segmentation.export import neutralise_frame, neutralise_text, to_csv_bytes


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
