"""The CLI on each public dataset in ../shared/data, checked by the independent contract checker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_DATA

CHECKER = ROOT.parent / "shared" / "tools" / "check_contract.py"

CASES = {
    "telco csv": (["telco_churn/Telco-Customer-Churn.csv"], 5174),
    "telco xlsx": (["telco_churn/Telco_customer_churn.xlsx"], 5174),
    "cdnow": (["cdnow/CDNOW_master.txt"], 23570),
    "ravenstack": (["ravenstack/ravenstack_accounts.csv", "--related", "ravenstack/ravenstack_subscriptions.csv"], 390),
}

pytestmark = pytest.mark.skipif(not CHECKER.is_file(), reason="../shared is not beside the project")


def _resolve(args: list[str]) -> list[str]:
    return [str(SHARED_DATA / a) if not a.startswith("--") and "/" in a else a for a in args]


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_contract_holds(case: str) -> None:
    args, customers = CASES[case]
    proc = subprocess.run(
        [sys.executable, str(CHECKER), *_resolve(args)], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith(f"OK: {customers} customers"), proc.stdout


@pytest.mark.slow
def test_cdnow_reads_every_purchase_row(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation",
            "analyze",
            str(SHARED_DATA / "cdnow" / "CDNOW_master.txt"),
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["input"]["rows"] == 69659
    assert summary["input"]["customers"] == 23570
    assert summary["input"]["grain"] == "transactions"


def test_mall_customers_without_revenue_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation",
            "analyze",
            str(SHARED_DATA / "mall_customers" / "Mall_Customers.csv"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "revenue" in proc.stderr.lower()
