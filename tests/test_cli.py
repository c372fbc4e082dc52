"""The CLI contract: files, shapes, determinism, --config round trip, and one-line errors (exit 2)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from segmentation.__main__ import main
from tests.conftest import ROOT, SAMPLE_ACCOUNTS, SAMPLE_INVOICES


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "segmentation", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    assert main(["analyze", str(SAMPLE_ACCOUNTS), "--out", str(out), "--k", "4", "--quiet"]) == 0
    return out


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_writes_the_four_files(sample_run: Path) -> None:
    for name in ["customers.csv", "segments.csv", "summary.json", "report.html"]:
        assert (sample_run / name).stat().st_size > 0, name


def test_customers_csv_columns_and_rows(sample_run: Path) -> None:
    rows = read_rows(sample_run / "customers.csv")
    summary = json.loads((sample_run / "summary.json").read_text())
    assert list(rows[0])[:5] == ["customer_id", "revenue", "segment", "segment_name", "service_model"]
    for column in ["short_term_potential", "long_term_potential", "priority_score", "service_model_reason"]:
        assert column in rows[0]
    assert len(rows) == summary["input"]["customers"]
    assert {r["service_model"] for r in rows} <= {"high-touch", "medium-touch", "tech-touch"}
    assert all(r["service_model_reason"] for r in rows)
    assert len({r["customer_id"] for r in rows}) == len(rows)


def test_summary_shape_and_sums(sample_run: Path) -> None:
    summary = json.loads((sample_run / "summary.json").read_text())
    for key in ["input", "settings", "segments", "concentration", "service_models"]:
        assert key in summary
    for key in ["file", "rows", "customers", "excluded", "columns"]:
        assert key in summary["input"]
    n = summary["input"]["customers"]
    assert len(summary["segments"]) == 4
    assert sum(s["customers"] for s in summary["segments"]) == n
    assert sum(m["customers"] for m in summary["service_models"]) == n
    assert abs(sum(s["revenue_share"] for s in summary["segments"]) - 1) < 1e-9
    assert [s["id"] for s in summary["segments"]] == [1, 2, 3, 4]
    revenues = [s["revenue"] for s in summary["segments"]]
    assert revenues == sorted(revenues, reverse=True), "segment 1 earns most"
    for segment in summary["segments"]:
        assert sum(segment["service_model"].values()) == segment["customers"]
    assert summary["settings"]["segmentation"]["k"] == 4


def test_summary_figures_recompute_from_customers_csv(sample_run: Path) -> None:
    """Every concentration figure in summary.json follows from customers.csv by the stated definitions."""
    import math

    rows = read_rows(sample_run / "customers.csv")
    conc = json.loads((sample_run / "summary.json").read_text())["concentration"]
    revenue = sorted((max(float(r["revenue"]), 0.0) for r in rows), reverse=True)
    n, total = len(revenue), sum(revenue)
    top20 = sum(revenue[: math.ceil(0.2 * n)]) / total
    running, k80 = 0.0, n
    for i, value in enumerate(revenue, start=1):
        running += value
        if running >= 0.8 * total - 1e-9:
            k80 = i
            break
    ascending = revenue[::-1]
    gini = 2 * sum(i * x for i, x in enumerate(ascending, start=1)) / (n * total) - (n + 1) / n
    expected = {
        "total_revenue": total,
        "top_20pct_revenue_share": top20,
        "customer_share_for_80pct_revenue": k80 / n,
        "top_10_customers_revenue_share": sum(revenue[:10]) / total,
        "hhi": sum((x / total) ** 2 for x in revenue),
        "gini": gini,
    }
    for key, value in expected.items():
        # shares agree to six decimal places; the total to a relative 1e-12 (float summation order)
        assert conc[key] == pytest.approx(value, rel=1e-12, abs=5e-7), key


def test_same_settings_give_byte_identical_customers_csv(sample_run: Path, tmp_path: Path) -> None:
    assert main(["analyze", str(SAMPLE_ACCOUNTS), "--out", str(tmp_path), "--k", "4", "--quiet"]) == 0
    assert (tmp_path / "customers.csv").read_bytes() == (sample_run / "customers.csv").read_bytes()


def test_config_round_trip_reproduces_the_analysis(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["analyze", str(SAMPLE_ACCOUNTS), "--out", str(first), "--k", "5", "--seed", "3", "--quiet"]) == 0
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(json.loads((first / "summary.json").read_text())["settings"]))
    assert main(["analyze", str(SAMPLE_ACCOUNTS), "--out", str(second), "--config", str(settings), "--quiet"]) == 0
    assert (second / "customers.csv").read_bytes() == (first / "customers.csv").read_bytes()
    # summary.json itself is accepted as --config too
    third = tmp_path / "third"
    assert (
        main(["analyze", str(SAMPLE_ACCOUNTS), "--out", str(third), "--config", str(first / "summary.json"), "--quiet"])
        == 0
    )
    assert (third / "customers.csv").read_bytes() == (first / "customers.csv").read_bytes()


def test_transactions_sample_runs(tmp_path: Path) -> None:
    assert main(["analyze", str(SAMPLE_INVOICES), "--out", str(tmp_path), "--quiet"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["input"]["grain"] == "transactions"
    assert summary["input"]["customers"] < summary["input"]["rows"]


def test_xlsx_option(tmp_path: Path) -> None:
    assert main(["analyze", str(SAMPLE_ACCOUNTS), "--out", str(tmp_path), "--xlsx", "--quiet"]) == 0
    assert (tmp_path / "customers.xlsx").read_bytes()[:2] == b"PK"


def _bad_inputs(tmp: Path) -> dict[str, list[str]]:
    empty = tmp / "empty.csv"
    empty.write_text("")
    header_only = tmp / "header_only.csv"
    header_only.write_text("customer_id,arr\n")
    no_revenue = tmp / "no_revenue.csv"
    no_revenue.write_text("customer_id,industry\nA,Retail\nB,Media\nC,Retail\n")
    tiny = tmp / "tiny.csv"
    tiny.write_text("customer_id,arr\nA,100\nB,200\nC,300\n")
    garbage = tmp / "garbage.xlsx"
    garbage.write_bytes(b"\x00\x01not really a workbook\xff" * 20)
    bad_config = tmp / "bad.json"
    bad_config.write_text("{not json")
    return {
        "empty file": [str(empty)],
        "header only": [str(header_only)],
        "no revenue column": [str(no_revenue)],
        "k larger than customers": [str(tiny), "--k", "10"],
        "unreadable workbook": [str(garbage)],
        "missing file": [str(tmp / "nope.csv")],
        "bad config": [str(tiny), "--config", str(bad_config)],
        "unknown revenue column": [str(tiny), "--revenue-column", "MRR"],
        "unknown id column": [str(tiny), "--id-column", "account"],
        "k of zero": [str(tiny), "--k", "0"],
        "unknown method": [str(tiny), "--method", "astrology"],
    }


@pytest.mark.parametrize(
    "case",
    [
        "empty file",
        "header only",
        "no revenue column",
        "k larger than customers",
        "unreadable workbook",
        "missing file",
        "bad config",
        "unknown revenue column",
        "unknown id column",
        "k of zero",
        "unknown method",
    ],
)
def test_bad_input_exits_2_with_one_line(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _bad_inputs(tmp_path)[case]
    status = main(["analyze", args[0], "--out", str(tmp_path / "out"), *args[1:]])
    err = capsys.readouterr().err
    assert status == 2, (case, err)
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err


@pytest.mark.slow
def test_usage_errors_are_one_line_too() -> None:
    proc = run_cli("analyze", str(SAMPLE_ACCOUNTS))  # no --out
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--out" in proc.stderr


@pytest.mark.slow
def test_real_process_prints_a_summary_line(tmp_path: Path) -> None:
    proc = run_cli("analyze", str(SAMPLE_ACCOUNTS), "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "customers" in proc.stdout and "top 20%" in proc.stdout
    assert proc.stderr == ""


def test_default_k_fits_a_file_with_fewer_customers(tmp_path: Path) -> None:
    """Without --k, three customers get three segments (said in the notes); an explicit --k 5 is an error."""
    data = tmp_path / "three.csv"
    data.write_text("account,arr\nA,100\nB,250\nC,900\n", encoding="utf-8")
    assert main(["analyze", str(data), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert len(summary["segments"]) == 3
    assert summary["settings"]["segmentation"]["k"] == 3
    assert any("instead of the default" in note for note in summary["input"]["notes"])
    assert main(["analyze", str(data), "--out", str(tmp_path / "again"), "--k", "5", "--quiet"]) == 2
