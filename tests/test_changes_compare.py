"""Comparing two snapshots end to end: the saved segment model, migration with planted moves, the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.__main__ import main
from segmentation.changes import SegmentModel
from segmentation.changes.run import compare_snapshots
from segmentation.config import AnalysisConfig
from segmentation.intake import Source
from segmentation.pipeline import run_analysis

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "saas_accounts.csv"
PREVIOUS = ROOT / "sample_data" / "saas_accounts_previous.csv"
PREVIOUS_TRUTH = ROOT / "sample_data" / "truth" / "previous_truth.csv"
CONFIG = AnalysisConfig().updated(**{"criteria.columns": ["usage", "seats"], "segmentation.k": 2})
LOW_TO_HIGH = [f"C{i:03d}" for i in range(15)]
HIGH_TO_LOW = [f"C{i:03d}" for i in range(100, 105)]
LOST = [f"C{i:03d}" for i in range(90, 100)]


def _pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    """200 accounts in two clear groups (light: usage ≈ 5, heavy: usage ≈ 50 and more ARR).

    Between the snapshots 15 light accounts became heavy, 5 heavy ones became light, 10 light ones
    left, 8 new heavy ones arrived, and the heavy accounts that stayed heavy grew 10%.
    """
    rng = np.random.default_rng(7)
    ids = [f"C{i:03d}" for i in range(200)]
    heavy = np.arange(200) >= 100
    before = pd.DataFrame(
        {
            "account_id": ids,
            "usage": np.where(heavy, rng.normal(50, 3, 200), rng.normal(5, 1, 200)).round(1),
            "seats": np.where(heavy, rng.integers(40, 60, 200), rng.integers(2, 8, 200)),
            "arr": np.where(heavy, rng.uniform(18_000, 22_000, 200), rng.uniform(800, 1200, 200)).round(2),
        }
    )
    after = before.copy()
    now_heavy = heavy.copy()
    for account in LOW_TO_HIGH:
        now_heavy[ids.index(account)] = True
    for account in HIGH_TO_LOW:
        now_heavy[ids.index(account)] = False
    after["usage"] = np.where(now_heavy, rng.normal(50, 3, 200), rng.normal(5, 1, 200)).round(1)
    after["seats"] = np.where(now_heavy, rng.integers(40, 60, 200), rng.integers(2, 8, 200))
    after.loc[heavy & now_heavy, "arr"] = (after.loc[heavy & now_heavy, "arr"] * 1.1).round(2)
    after = after[~after["account_id"].isin(LOST)]
    new = pd.DataFrame(
        {
            "account_id": [f"N{i:03d}" for i in range(8)],
            "usage": rng.normal(50, 3, 8).round(1),
            "seats": rng.integers(40, 60, 8),
            "arr": rng.uniform(18_000, 22_000, 8).round(2),
        }
    )
    return before, pd.concat([after, new], ignore_index=True)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode()


def test_migration_finds_the_planted_moves() -> None:
    before, after = _pair()
    result = compare_snapshots(
        Source.from_bytes("before.csv", _csv(before)), Source.from_bytes("after.csv", _csv(after)), CONFIG
    )
    changes = result.changes
    assert changes is not None
    migration = changes.migration.set_index(["from_segment_name", "to_segment_name"])["accounts"]
    names = changes.accounts.dropna(subset=["segment_before"]).drop_duplicates("segment_before")
    heavy_name = names.loc[names["segment_before"] == 1, "segment_name_before"].iloc[0]  # segment 1 earns most
    light_name = names.loc[names["segment_before"] == 2, "segment_name_before"].iloc[0]
    assert migration[(light_name, heavy_name)] == len(LOW_TO_HIGH)
    assert migration[(heavy_name, light_name)] == len(HIGH_TO_LOW)
    assert migration[(heavy_name, heavy_name)] == 95
    assert migration[(light_name, light_name)] == 100 - len(LOW_TO_HIGH) - len(LOST)
    assert migration[("New accounts", heavy_name)] == 8
    assert migration[(light_name, "Lost accounts")] == len(LOST)
    moved = changes.accounts.set_index("customer_id")
    assert set(moved.index[(moved["segment_before"] == 2) & (moved["segment_after"] == 1)]) == set(LOW_TO_HIGH)
    assert changes.moves[0].accounts == len(LOW_TO_HIGH)
    assert f"{len(LOW_TO_HIGH)} accounts moved from '{light_name}' to '{heavy_name}'" in " ".join(changes.headlines)
    counts = changes.change_counts
    assert counts["lost"] == len(LOST) and counts["new"] == 8
    assert counts["expanded"] == 95
    # both fresh segments are the same two groups again, so they carry the earlier names
    assert sorted(m.name for m in changes.fresh_segments) == sorted([heavy_name, light_name])
    bridge = changes.bridge
    assert bridge.start + bridge.new + bridge.expansion - bridge.contraction - bridge.churn == pytest.approx(bridge.end)


def test_same_answer_whatever_the_row_order() -> None:
    before, after = _pair()
    first = compare_snapshots(
        Source.from_bytes("b.csv", _csv(before)), Source.from_bytes("a.csv", _csv(after)), CONFIG
    ).changes
    shuffled = compare_snapshots(
        Source.from_bytes("b.csv", _csv(before.sample(frac=1, random_state=3))),
        Source.from_bytes("a.csv", _csv(after.sample(frac=1, random_state=4))),
        CONFIG,
    ).changes
    assert first is not None and shuffled is not None
    pd.testing.assert_frame_equal(first.accounts, shuffled.accounts)
    assert first.bridge.to_dict() == pytest.approx(shuffled.bridge.to_dict())


def test_segment_model_reproduces_the_features_and_segments_as_json() -> None:
    result = run_analysis(Source.from_path(SAMPLE))
    model = SegmentModel.fit(result)
    assert np.allclose(model.transform(result.table), result.features.matrix)
    assert model.agreement == 1.0
    again = SegmentModel.from_json(model.to_json())
    assert (again.assign(result.table) == result.segmentation.labels).all()
    assert json.loads(model.to_json())["method"] == "kmeans"


def test_rule_tiers_model_keeps_its_cut_points() -> None:
    config = AnalysisConfig().updated(**{"segmentation.method": "rule_tiers", "segmentation.tiers_column": "seats"})
    before, after = _pair()
    result = run_analysis(Source.from_bytes("b.csv", _csv(before)), config)
    model = SegmentModel.from_json(SegmentModel.fit(result).to_json())
    assert model.tiers is not None and model.agreement == 1.0
    later = run_analysis(Source.from_bytes("a.csv", _csv(after.assign(seats=after["seats"] * 100))), config)
    labels = set(model.assign(later.table).tolist())
    assert {model.segment_names[label] for label in labels} == {"Enterprise"}  # all above the earlier top cut


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


def test_cli_compare_on_the_sample_pair_matches_the_planted_truth(tmp_path: Path) -> None:
    assert main(["compare", str(PREVIOUS), str(SAMPLE), "--out", str(tmp_path / "one"), "--quiet"]) == 0
    changes = pd.read_csv(tmp_path / "one" / "changes.csv", encoding="utf-8-sig", dtype={"customer_id": str})
    truth = pd.read_csv(PREVIOUS_TRUTH)
    merged = changes.merge(truth, left_on="customer_id", right_on="account_id", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["change_type_x"] == merged["change_type_y"]).all()
    summary = json.loads((tmp_path / "one" / "summary.json").read_text())
    bridge = summary["changes"]["bridge"]
    assert bridge["lost_accounts"] == (truth["change_type"] == "lost").sum()
    assert bridge["start"] + bridge["new"] + bridge["expansion"] - bridge["contraction"] - bridge["churn"] == (
        pytest.approx(bridge["end"])
    )
    report = (tmp_path / "one" / "report.html").read_text()
    assert "What changed" in report and "data-chart='changes-bridge'" in report
    # the output folder works as BEFORE for the next comparison (the same files against themselves: all flat)
    assert main(["compare", str(tmp_path / "one"), str(SAMPLE), "--out", str(tmp_path / "two"), "--quiet"]) == 0
    again = json.loads((tmp_path / "two" / "summary.json").read_text())["changes"]
    assert again["accounts"]["flat"] == 3000 and again["bridge"]["nrr"] == 1.0


def test_cli_compare_is_byte_identical(tmp_path: Path) -> None:
    before, after = _pair()
    (tmp_path / "b.csv").write_bytes(_csv(before))
    (tmp_path / "a.csv").write_bytes(_csv(after))
    config = tmp_path / "config.json"
    config.write_text(CONFIG.to_json())
    for name in ("x", "y"):
        args = ["compare", str(tmp_path / "b.csv"), str(tmp_path / "a.csv"), "--out", str(tmp_path / name)]
        assert main([*args, "--config", str(config), "--quiet"]) == 0
    for file in ("changes.csv", "migration.csv", "summary.json", "report.html", "segment_model.json"):
        assert (tmp_path / "x" / file).read_bytes() == (tmp_path / "y" / file).read_bytes(), file
    header = (tmp_path / "x" / "changes.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("customer_id,revenue_before,revenue_after,revenue_change,change_type,segment_before")


def test_formula_like_ids_are_neutralised(tmp_path: Path) -> None:
    before, after = _pair()
    before.loc[0, "account_id"] = after.loc[0, "account_id"] = "=HYPERLINK(1)"
    (tmp_path / "b.csv").write_bytes(_csv(before))
    (tmp_path / "a.csv").write_bytes(_csv(after))
    config = tmp_path / "config.json"
    config.write_text(CONFIG.to_json())
    args = ["compare", str(tmp_path / "b.csv"), str(tmp_path / "a.csv"), "--out", str(tmp_path / "o")]
    assert main([*args, "--config", str(config), "--quiet"]) == 0
    text = (tmp_path / "o" / "changes.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("ids", "No customer ID is in both files"),
        ("unit", "revenue is ARR but the newer file's is revenue"),
        ("monthly", "looks monthly"),
    ],
)
def test_cli_compare_mismatched_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str, message: str
) -> None:
    before, after = _pair()
    if change == "ids":
        after["account_id"] = "X" + after["account_id"]
    elif change == "unit":
        after = after.rename(columns={"arr": "sales"})
    else:
        after["arr"] = (after["arr"] / 12).round(2)
    (tmp_path / "b.csv").write_bytes(_csv(before))
    (tmp_path / "a.csv").write_bytes(_csv(after))
    code, err = _run(
        ["compare", str(tmp_path / "b.csv"), str(tmp_path / "a.csv"), "--out", str(tmp_path / "o")], capsys
    )
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_compare_folder_without_model_and_missing_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "customers.csv").write_text("customer_id,revenue\n1,2\n")
    code, err = _run(["compare", str(tmp_path / "old"), str(SAMPLE), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "segment_model.json" in err
    code, err = _run(["compare", str(tmp_path / "nope.csv"), str(SAMPLE), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "does not exist" in err


def test_one_file_that_is_not_dated_transactions_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, _ = _pair()
    (tmp_path / "b.csv").write_bytes(_csv(before))
    code, err = _run(["compare", str(tmp_path / "b.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "not a dated transactions file" in err


def _lines(days: int) -> bytes:
    rng = np.random.default_rng(1)
    dates = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, days, 400), unit="D")
    frame = pd.DataFrame(
        {
            "customer_id": [f"K{i % 60:02d}" for i in range(400)],
            "order_date": dates.strftime("%Y-%m-%d"),
            "amount": rng.uniform(10, 100, 400).round(2),
        }
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def test_one_transactions_file_in_two_periods(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "t.csv").write_bytes(_lines(365))
    args = ["compare", str(tmp_path / "t.csv"), "--out", str(tmp_path / "o"), "--period-months", "6", "--quiet"]
    assert main(args) == 0
    changes = json.loads((tmp_path / "o" / "summary.json").read_text())["changes"]
    periods = changes["periods"]
    assert periods["after_end"] == max(pd.read_csv(tmp_path / "t.csv")["order_date"])
    lines = pd.read_csv(tmp_path / "t.csv", parse_dates=["order_date"])
    later = lines[lines["order_date"] >= periods["after_start"]]
    earlier = lines[(lines["order_date"] >= periods["before_start"]) & (lines["order_date"] <= periods["before_end"])]
    assert changes["bridge"]["end"] == pytest.approx(later["amount"].sum())
    assert changes["bridge"]["start"] == pytest.approx(earlier["amount"].sum())
    # twelve months of data cannot hold two 12-month periods: one line, exit 2
    code, err = _run(
        ["compare", str(tmp_path / "t.csv"), "--out", str(tmp_path / "p"), "--period-months", "12"], capsys
    )
    assert code == 2 and "choose a period of at most" in err


def test_analyze_on_dated_transactions_writes_the_period_view(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_bytes(_lines(365))
    assert main(["analyze", str(tmp_path / "t.csv"), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["changes"]["periods"]["after_end"] == max(pd.read_csv(tmp_path / "t.csv")["order_date"])
    assert (tmp_path / "o" / "changes.csv").is_file() and (tmp_path / "o" / "migration.csv").is_file()
    assert (tmp_path / "o" / "segment_model.json").is_file()
