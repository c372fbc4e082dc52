"""The hostile-input suite: every case of `tests/hostile.py` exits 2 with one line, or gives a clean analysis.

A clean analysis: the exit status is 0; customers.csv and segments.csv read back with Python's csv
module to as many records as the summary has customers and segments; no field starts a live
formula; on a one-row-per-customer file every row read is a customer or a ledger exclusion; and
the notes or ledger say what the case expects. Most cases run the CLI in-process (fast); a few run
it as a real process to check what a user's terminal shows.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segmentation.__main__ import main
from segmentation.export import to_csv_bytes
from tests.hostile import Case, all_cases, config_bytes

CASES = {case.name: case for case in all_cases()}
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)*|\.\d+)([eE][+-]?\d+)?%?$")
ROOT = Path(__file__).resolve().parents[1]


def _arguments(case: Case, folder: Path) -> list[str]:
    """The CLI arguments of `case`, its files written into `folder`."""
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    extra = [argument.replace("{dir}", str(folder)) for argument in case.args]
    out = str(folder / "out")
    if "--out" in extra:
        at = extra.index("--out")
        out = extra[at + 1]
        del extra[at : at + 2]
    arguments = ["analyze", str(folder / next(iter(case.files))), "--out", out, "--quiet", *extra]
    settings = config_bytes(case)
    if settings is not None:
        (folder / "settings.json").write_bytes(settings)
        arguments += ["--config", str(folder / "settings.json")]
    return arguments


def _records(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _live_formulas(records: list[list[str]]) -> list[str]:
    """Fields a spreadsheet would run: starting with = + - @ tab or CR, and not a plain signed number."""
    return [
        field
        for record in records
        for field in record
        if field[:1] and field[0] in "=+-@\t\r" and not _PLAIN_NUMBER.match(field)
    ]


def _check_error(case: Case, status: int, stderr: str) -> None:
    assert status == 2, f"{case.name}: exit {status}, stderr {stderr!r}"
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"{case.name}: {stderr!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in stderr and "internal error" not in stderr
    for words in case.error_says:
        assert words.lower() in lines[0].lower(), f"{case.name}: {words!r} not in {lines[0]!r}"


def _check_analysis(case: Case, out: Path) -> None:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    customers = _records(out / "customers.csv")
    segments = _records(out / "segments.csv")
    assert len(customers) - 1 == summary["input"]["customers"], case.name
    assert len(segments) - 1 == len(summary["segments"]), case.name
    assert not _live_formulas(customers + segments), case.name
    width = len(customers[0])
    assert all(len(record) == width for record in customers), case.name
    if case.customers is not None:
        assert summary["input"]["customers"] == case.customers, case.name
    excluded = sum(entry["rows"] for entry in summary["input"]["excluded"] if entry["action"] == "excluded")
    if summary["input"]["grain"] == "customer" and not any(arg == "--related" for arg in case.args):
        assert summary["input"]["customers"] + excluded == summary["input"]["rows"], case.name
    said = " ".join(summary["input"]["notes"] + [entry["reason"] for entry in summary["input"]["excluded"]]).lower()
    for words in case.notes_say:
        assert words.lower() in said, f"{case.name}: {words!r} not in the notes or ledger"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[name]
    arguments = _arguments(case, tmp_path)
    status = main(arguments)
    stderr = capsys.readouterr().err
    if status == 0 and case.outcome != "error":
        _check_analysis(case, Path(arguments[3]))
        return
    if case.outcome == "ok":
        pytest.fail(f"{name}: expected an analysis, got exit {status}: {stderr.strip()}")
    _check_error(case, status, stderr)
    if name == "empty_out":
        assert not (Path.cwd() / "customers.csv").exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cr_inside_category", "deep_json_config", "date_9999", "seed_negative"])
def test_real_process(name: str, tmp_path: Path) -> None:
    """What a terminal shows: one line on stderr for bad input, nothing but files for good input."""
    case = CASES[name]
    arguments = _arguments(case, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "segmentation", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if case.outcome == "error":
        _check_error(case, done.returncode, done.stderr)
    else:
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        _check_analysis(case, Path(arguments[3]))


def test_bare_carriage_return_cannot_start_a_record(tmp_path: Path) -> None:
    """The reported case: 50 customers whose category holds "Retail\\r@SUM(1)" come back as 50 records."""
    case = CASES["cr_inside_category"]
    arguments = _arguments(case, tmp_path)
    assert main(arguments) == 0
    records = _records(Path(arguments[3]) / "customers.csv")
    assert len(records) == 51
    assert not any(field.startswith("@") for record in records for field in record)


def test_csv_writer_quotes_carriage_returns_and_line_feeds() -> None:
    """Values holding \\r or \\n are kept as written, inside quotes; a leading formula is neutralised."""
    frame = pd.DataFrame({"id": ["a", "b", "c"], "industry": ["Retail\r@SUM(1)", "x\n=1+1", "\r=HYPERLINK(1)"]})
    data = to_csv_bytes(frame)
    assert data == to_csv_bytes(frame.copy())
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert records == [["id", "industry"], ["a", "Retail\r@SUM(1)"], ["b", "x\n=1+1"], ["c", "'\r=HYPERLINK(1)"]]


def test_the_suite_covers_every_class() -> None:
    """Each class the issue names has at least one case."""
    names = set(CASES)
    for needed in (
        "cr_inside_category",
        "invalid_utf8_after_first_mb",
        "cp1252_muller",
        "mixed_dollar_euro",
        "all_zero_revenue",
        "refund_only",
        "one_customer",
        "date_9999",
        "overflow_1e400",
        "parquet_list_struct",
        "field_over_128kb_in_fallback",
        "seed_negative",
        "encoding_rot13",
        "deep_json_config",
        "one_line_20002_fields",
        "ten_thousand_columns",
        "related_changes_in_ledger",
        "transactions_without_firmographics",
    ):
        assert needed in names
