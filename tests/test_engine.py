"""The engine path on embedded DuckDB: small literal frames checked by hand, and the same answers as the
single-machine path on the bundled samples and the shared transactions data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentation.economics.concentration import abc_classes, concentration_metrics, lorenz_points, pareto_points
from segmentation.engine import EngineSettings, connect, run_engine
from segmentation.engine.assign import draw_sample
from segmentation.engine.concentration import by_segment, concentration
from segmentation.engine.text import text
from segmentation.intake import Source, build_customer_table
from segmentation.intake.settings import IntakeSettings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
SHARED = ROOT.parent / "shared" / "data"
CDNOW = SHARED / "cdnow" / "CDNOW_master.txt"


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "rows.parquet") -> Path:
    path = tmp_path / name
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def _transactions() -> pd.DataFrame:
    """Three customers over 30 months; every figure below is worked out by hand."""
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9"],
            "customer_id": ["A", "A", "A", "B", "B", None, "C", "C", "A"],
            "order_date": pd.to_datetime(
                [
                    "2022-01-15",  # A, 30 months before the end: all-time only
                    "2023-03-01",  # A, prior window (2022-06-30, 2023-06-30]
                    "2024-01-10",  # A, run-rate window (after 2023-06-30)
                    "2024-06-30",  # B, the latest date
                    "2023-07-01",  # B, run-rate window
                    "2024-01-01",  # no ID: excluded
                    "2024-02-01",  # C, refund
                    "2024-03-01",  # C
                    "2024-05-01",  # A, amount not a number: excluded
                ]
            ).date,
            "amount": ["100", "200", "$1,000.50", "50", "25", "999", "-40", "10", "n/a"],
            "status": ["paid", "paid", "paid", "paid", "refunded", "paid", "paid", "paid", "paid"],
        }
    )


def test_transactions_become_one_row_per_customer_with_the_run_rate(tmp_path: Path) -> None:
    result = run_engine(str(_write(tmp_path, _transactions())), EngineSettings(k=1))
    frame = result.segmented.to_pyarrow().to_pandas().set_index("customer_id").sort_index()
    assert list(frame.index) == ["A", "B", "C"]
    # run rate: the 12 months after 2023-06-30; prior: (2022-06-30, 2023-06-30]; B's refunded order counts 0
    assert frame.loc["A", "revenue"] == pytest.approx(1000.50)
    assert frame.loc["A", "prior_revenue"] == pytest.approx(200.0)
    assert frame.loc["A", "all_time_revenue"] == pytest.approx(1300.50)
    assert frame.loc["B", "revenue"] == pytest.approx(50.0)
    assert frame.loc["C", "revenue"] == pytest.approx(-30.0)
    assert frame.loc["A", "frequency"] == 3
    assert frame.loc["A", "recency_days"] == (pd.Timestamp("2024-06-30") - pd.Timestamp("2024-01-10")).days
    assert frame.loc["A", "tenure_days"] == (pd.Timestamp("2024-06-30") - pd.Timestamp("2022-01-15")).days
    assert frame.loc["B", "recency_days"] == 0
    assert frame.loc["A", "average_order_value"] == pytest.approx(1300.50 / 3)
    ledger = {entry.reason.split(" in ")[0].split(":")[0]: entry.rows for entry in result.ledger}
    assert ledger["No customer ID"] == 1
    assert ledger["Amount is not a number"] == 1
    assert ledger["Cancelled or refunded"] == 1
    assert ledger["Refund or negative amount netted against the customer's purchases"] == 1
    assert result.rows_read == 9
    assert result.rows_kept == 7
    assert result.window["run_rate_months"] == 12


def test_short_files_count_every_row_as_revenue(tmp_path: Path) -> None:
    frame = _transactions()
    frame = frame[frame["order_date"] >= pd.Timestamp("2023-07-01").date()]
    result = run_engine(str(_write(tmp_path, frame)), EngineSettings(k=1))
    customers = result.segmented.to_pyarrow().to_pandas().set_index("customer_id")
    assert result.window["run_rate_months"] is None
    assert customers.loc["A", "revenue"] == pytest.approx(1000.50)
    assert "prior_revenue" not in customers.columns


@pytest.mark.parametrize("typed", [False, True])
def test_nan_and_infinite_amounts_are_not_numbers_and_leave_revenue_whole(tmp_path: Path, typed: bool) -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "B", "C"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-03", "2024-03-01", "2024-01-01"]).date,
            "amount": ["10", "NaN", "inf", "5", "-Infinity"],
        }
    )
    if typed:  # doubles in Parquet: infinities stay values, pandas writes its NaN as a missing amount
        frame["amount"] = frame["amount"].astype("float64")
    result = run_engine(str(_write(tmp_path, frame)), EngineSettings(k=1))
    customers = result.segmented.to_pyarrow().to_pandas().set_index("customer_id").sort_index()
    assert customers["revenue"].to_dict() == {"A": 10.0, "B": 5.0}
    ledger = {entry.reason: entry.rows for entry in result.ledger}
    if typed:
        assert ledger["Amount is not a number in 'amount'"] == 2
        assert ledger["Blank amount in 'amount' counted as 0"] == 1
    else:
        assert ledger["Amount is not a number in 'amount'"] == 3


# IDs as a lake holds them, untrimmed: whitespace of every kind Python's str.strip removes, and IDs that begin
# or end in the letters of the escapes \t \n \r \v \f (Spark read Ibis' strip() as trimming 'v' and 'f')
UNTRIMMED_IDS = ["A-0a282f", "  B-1v  ", "\tC-2t\n", "\x0bD-3f\x0c", "\u00a0E-4r\u3000", "f-5", "v-6", "n-7\r"]
TRIMMED_IDS = ["A-0a282f", "B-1v", "C-2t", "D-3f", "E-4r", "f-5", "v-6", "n-7"]


def test_text_is_trimmed_as_python_strips_it() -> None:
    values = [*UNTRIMMED_IDS, "", "   ", "\x1c x \x85", "\u2009\u202fy\u205f", None]
    table = ibis.memtable({"value": values}, schema={"value": "string"})
    got = connect("duckdb").to_pyarrow(table.select(text=text(table.value))).column("text").to_pylist()
    assert got == [(value.strip() or None) if value is not None else None for value in values]


def test_ids_keep_their_letters_and_lose_only_whitespace(tmp_path: Path) -> None:
    amounts = ["10", " 20 ", "\t30", "40\x0b", "50", "60", "70", "80"]
    frame = pd.DataFrame({"account_id": UNTRIMMED_IDS, "arr": amounts})
    result = run_engine(str(_write(tmp_path, frame)), EngineSettings(k=1))
    customers = result.segmented.to_pyarrow().to_pandas().sort_values("revenue")
    assert customers["customer_id"].tolist() == TRIMMED_IDS
    assert customers["revenue"].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0]


def test_concentration_figures_match_the_economics_definitions() -> None:
    con = connect("duckdb")
    revenue = [500.0, 300.0, 100.0, 50.0, 25.0, 10.0, 10.0, 5.0, 0.0, -20.0]
    ids = [f"c{i:02d}" for i in range(len(revenue))]
    table = con.create_table("conc", pa.table({"customer_id": ids, "revenue": revenue}))
    metrics, with_abc, abc, pareto, lorenz, top = concentration(table, top_n=3, points=1000)
    expected = concentration_metrics(revenue, top_n=3)
    for key, value in expected.to_dict().items():
        assert metrics.to_dict()[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
    # by hand: total 1000 (the −20 counts 0); the top 2 of 10 (20%) hold 800
    assert metrics.total_revenue == 1000.0
    assert metrics.top_20pct_revenue_share == pytest.approx(0.8)
    assert metrics.customer_share_for_80pct_revenue == pytest.approx(0.2)
    assert metrics.hhi == pytest.approx(sum((v / 1000) ** 2 for v in revenue if v > 0))
    labels = with_abc.to_pyarrow().to_pandas().set_index("customer_id").loc[ids, "abc_class"].tolist()
    assert labels == list(abc_classes(revenue))
    np.testing.assert_allclose(pareto.to_numpy(), pareto_points(revenue).to_numpy(), atol=1e-12)
    np.testing.assert_allclose(lorenz.to_numpy(), lorenz_points(revenue).to_numpy(), atol=1e-12)
    assert top["customer_id"].tolist() == ["c00", "c01", "c02"]
    assert abc.set_index("class").loc["A", "customers"] == 2


def test_curves_are_cut_to_at_most_the_points_asked() -> None:
    con = connect("duckdb")
    rng = np.random.default_rng(3)
    revenue = rng.lognormal(8, 1.5, 5_000)
    ids = [f"id{i:05d}" for i in range(len(revenue))]
    table = con.create_table("many", pa.table({"customer_id": ids, "revenue": revenue}))
    _, _, _, pareto, lorenz, _ = concentration(table, points=200)
    assert len(pareto) == len(lorenz) == 200
    np.testing.assert_allclose(pareto.to_numpy(), pareto_points(revenue, 200).to_numpy(), atol=1e-9)
    np.testing.assert_allclose(lorenz.to_numpy(), lorenz_points(revenue, 200).to_numpy(), atol=1e-9)


def test_per_segment_concentration_matches_each_segment_on_its_own() -> None:
    con = connect("duckdb")
    revenue = [90.0, 5.0, 5.0, 40.0, 30.0, 20.0, 10.0]
    segments = [1, 1, 1, 2, 2, 2, 2]
    ids = [f"c{i}" for i in range(7)]
    table = con.create_table("seg", pa.table({"customer_id": ids, "revenue": revenue, "segment": segments}))
    frame = by_segment(table).set_index("segment")
    for segment in (1, 2):
        values = [r for r, s in zip(revenue, segments, strict=True) if s == segment]
        expected = concentration_metrics(values)
        assert frame.loc[segment, "gini"] == pytest.approx(expected.gini)
        assert frame.loc[segment, "top_20pct_revenue_share"] == pytest.approx(expected.top_20pct_revenue_share)
        assert frame.loc[segment, "largest_customer_share"] == pytest.approx(expected.largest_customer_share)
    assert frame.loc[1, "revenue_share"] == pytest.approx(0.5)


def test_the_sample_has_the_size_asked_and_does_not_depend_on_row_order() -> None:
    con = connect("duckdb")
    ids = [f"c{i:04d}" for i in range(1_000)]
    table = con.create_table("ids", pa.table({"customer_id": ids, "revenue": np.arange(1_000.0)}))
    shuffled = con.create_table("ids2", pa.table({"customer_id": ids[::-1], "revenue": np.arange(1_000.0)[::-1]}))
    first = draw_sample(table, 1_000, 100, seed=7).to_pyarrow().column("customer_id").to_pylist()
    again = draw_sample(shuffled, 1_000, 100, seed=7).to_pyarrow().column("customer_id").to_pylist()
    other = draw_sample(table, 1_000, 100, seed=8).to_pyarrow().column("customer_id").to_pylist()
    assert len(first) == 100
    assert len(set(first)) == 100
    assert sorted(first) == sorted(again)
    assert sorted(first) != sorted(other)


def test_same_segments_whatever_the_row_order(tmp_path: Path) -> None:
    frame = pd.read_csv(SAMPLES / "saas_invoices.csv", dtype=str)
    one = run_engine(str(_write(tmp_path, frame, "a.parquet")), EngineSettings(k=4))
    shuffled = frame.sample(frac=1.0, random_state=5)[list(reversed(frame.columns))]
    two = run_engine(str(_write(tmp_path, shuffled, "b.parquet")), EngineSettings(k=4))
    a = one.segmented.to_pyarrow().to_pandas().sort_values("customer_id").reset_index(drop=True)
    b = two.segmented.to_pyarrow().to_pandas().sort_values("customer_id").reset_index(drop=True)
    assert a["segment"].tolist() == b["segment"].tolist()
    np.testing.assert_allclose(a["revenue"], b["revenue"], rtol=1e-12)


@pytest.mark.parametrize("path", [SAMPLES / "saas_invoices.csv", CDNOW], ids=["invoices", "cdnow"])
def test_customer_table_matches_the_single_machine_path(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    result = run_engine(str(path), EngineSettings(k=2))
    engine = result.segmented.to_pyarrow().to_pandas().set_index("customer_id").sort_index()
    local = build_customer_table(Source.from_path(path), IntakeSettings(revenue_window_months=12))
    expected = local.customers.set_index("customer_id").sort_index()
    assert engine.index.tolist() == expected.index.tolist()
    np.testing.assert_array_equal(engine["revenue"].round(2), expected["revenue"].round(2))
    for column in ("frequency", "recency_days", "tenure_days", "monetary", "average_order_value"):
        np.testing.assert_allclose(engine[column], expected[column], rtol=1e-9, err_msg=column)
    everything = IntakeSettings(revenue_window_months=None)
    all_time = build_customer_table(Source.from_path(path), everything).customers.set_index("customer_id")
    np.testing.assert_array_equal(engine["all_time_revenue"].round(2), all_time.sort_index()["revenue"].round(2))


def test_customer_grain_file_keeps_one_row_per_customer() -> None:
    result = run_engine(str(SAMPLES / "saas_accounts.csv"), EngineSettings(k=3))
    local = build_customer_table(Source.from_path(SAMPLES / "saas_accounts.csv"), IntakeSettings())
    engine = result.segmented.to_pyarrow().to_pandas().set_index("customer_id").sort_index()
    expected = local.customers.set_index("customer_id").sort_index()
    assert result.plan.grain == "customer"
    assert engine.index.tolist() == expected.index.tolist()
    np.testing.assert_array_equal(engine["revenue"].round(2), expected["revenue"].round(2))
    assert sorted(engine["segment"].unique().tolist()) == [1, 2, 3]
    # segment 1 earns most
    by_revenue = engine.groupby("segment")["revenue"].sum()
    assert by_revenue.idxmax() == 1


def test_rule_tiers_cut_at_the_sample_quantiles(tmp_path: Path) -> None:
    frame = pd.DataFrame({"customer_id": [f"c{i:03d}" for i in range(100)], "arr": np.arange(1.0, 101.0)})
    result = run_engine(str(_write(tmp_path, frame)), EngineSettings(method="rule_tiers", tiers=(0.5, 0.9)))
    out = result.segmented.to_pyarrow().to_pandas()
    counts = out.groupby("segment").size().to_dict()
    assert counts == {1: 10, 2: 40, 3: 50}
    assert result.segments["segment_name"].tolist() == [
        "Top 10% by revenue",
        "Next 40% by revenue",
        "Bottom 50% by revenue",
    ]


@pytest.mark.slow
def test_cli_engine_writes_parquet_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation",
            "analyze",
            str(SAMPLES / "saas_invoices.csv"),
            "--out",
            str(out),
            "--engine",
            "duckdb",
            "--k",
            "4",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "engine_summary.json").read_text())
    assert summary["input"]["customers"] == 3000
    assert summary["fit"]["k"] == 4
    assert len(summary["segments"]) == 4
    written = pq.read_table(out / "customers.parquet").to_pandas()
    assert len(written) == 3000
    assert {"customer_id", "revenue", "segment", "segment_name", "abc_class"} <= set(written.columns)
    assert sorted(p.name for p in (out / "customers.parquet").iterdir()) == [f"segment={i}" for i in range(1, 5)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "oracle"], "Unknown engine 'oracle'"),
        (["--engine", "duckdb", "--method", "gmm"], "--engine runs kmeans or rule_tiers"),
    ],
)
def test_cli_engine_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation",
            "analyze",
            str(SAMPLES / "saas_invoices.csv"),
            "--out",
            str(tmp_path),
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_table_says_what_to_check(tmp_path: Path) -> None:
    from segmentation.errors import InputError

    with pytest.raises(InputError, match="neither a file, a Parquet folder nor a table"):
        run_engine("no_such_table", EngineSettings())


def test_decimal_commas_are_refused_not_misread(tmp_path: Path) -> None:
    from segmentation.errors import InputError

    frame = pd.DataFrame({"customer_id": ["a", "b", "a"], "amount": ["1.234,50", "10,00", "5,25"]})
    with pytest.raises(InputError, match="decimal commas"):
        run_engine(str(_write(tmp_path, frame)), EngineSettings(k=1))
