"""The engine path on DuckDB and on Spark local against DuckDB SQL run bare on the same Parquet files.

Run from the project root:
``.venv/bin/python benchmarks/bench_engines.py [--lines 10M 50M 100M] [--cases duckdb spark bare] [--root DIR]``.

For each size it generates transaction lines (invoice ID, customer ID, invoice date over three
years, amount with 1% refunds, plan) as Parquet split into files of 5M lines under `--root`
(default ``/tmp/<user>/bench_engines``; kept between runs, never in the repo), then times in a
fresh process each:
- ``duckdb``: `run_engine` on embedded DuckDB (customers, run-rate window, RFM, ledger counts,
  concentration, seeded samples, k-means fit, assignment, per-customer Parquet written);
- ``spark``: the same on a Spark ``local[2]`` session;
- ``bare``: one hand-written DuckDB SQL ``GROUP BY`` with the same sums, windows and RFM columns,
  written to Parquet: the least a script would do for the customer table alone.
Peak memory is the largest summed RSS of the process and its children (the JVM for Spark),
polled every 0.2 s. Ratios are against bare.
"""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 5_000_000
LINES_PER_CUSTOMER = 20

BARE_SQL = """
COPY (
  WITH rows AS (SELECT * FROM read_parquet('{files}')),
  bounds AS (SELECT max(invoice_date) AS latest FROM rows)
  SELECT customer_id,
    coalesce(sum(amount) FILTER (WHERE invoice_date > latest - INTERVAL 12 MONTH), 0) AS revenue,
    coalesce(sum(amount) FILTER (WHERE invoice_date > latest - INTERVAL 24 MONTH
                                  AND invoice_date <= latest - INTERVAL 12 MONTH), 0) AS prior_revenue,
    sum(amount) AS all_time_revenue,
    count(DISTINCT invoice_id) AS frequency,
    min(invoice_date) AS first_purchase, max(invoice_date) AS last_purchase,
    date_diff('day', max(invoice_date), any_value(latest)) AS recency_days,
    date_diff('day', min(invoice_date), any_value(latest)) AS tenure_days
  FROM rows, bounds WHERE customer_id IS NOT NULL GROUP BY customer_id
) TO '{out}' (FORMAT parquet)
"""


def _size(text: str) -> int:
    text = text.upper().replace("_", "")
    factor = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KMG")) * factor)


def generate(lines: int, folder: Path) -> Path:
    """Write `lines` transaction lines as Parquet files of at most 5M lines; reuse them if present."""
    done = folder / "_complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    customers = max(lines // LINES_PER_CUSTOMER, 1)
    rng = np.random.default_rng(17)
    start = np.datetime64("2023-01-01")
    plans = pa.array(["Starter", "Growth", "Enterprise"])
    for part, first in enumerate(range(0, lines, CHUNK)):
        n = min(CHUNK, lines - first)
        ids = rng.zipf(1.3, n) % customers
        amount = np.round(rng.lognormal(4.5, 1.2, n), 2)
        amount[rng.random(n) < 0.01] *= -1
        table = pa.table(
            {
                "invoice_id": pa.array(np.arange(first, first + n, dtype=np.int64)),
                "customer_id": pa.array(np.char.add("C", ids.astype(str))),
                "invoice_date": pa.array(start + rng.integers(0, 3 * 365, n).astype("timedelta64[D]")),
                "amount": pa.array(amount),
                "plan": plans.take(pa.array(rng.integers(0, 3, n))),
            }
        )
        pq.write_table(table, folder / f"part-{part:05d}.parquet")
        del table, ids, amount
    done.touch()
    return folder


def run_case(case: str, folder: Path, out: Path) -> None:
    """One measurement (in the child process)."""
    if case == "bare":
        import duckdb  # noqa: PLC0415 - timed in the child only

        duckdb.connect().execute(BARE_SQL.format(files=folder / "*.parquet", out=out / "bare.parquet"))
        return
    from segmentation.engine import EngineSettings, run_engine  # noqa: PLC0415

    if case == "spark":
        from segmentation.engine.connect import spark_session  # noqa: PLC0415

        memory = os.environ.get("BENCH_SPARK_MEMORY", "6g")
        spark_session("local[2]", shuffle_partitions=16, **{"spark.driver.memory": memory})
    settings = EngineSettings(engine="spark" if case == "spark" else "duckdb", spark_master="local[2]")
    run_engine(str(folder), settings, out=out / case)


def _tree_rss_mb(pid: int) -> float:
    """Summed resident memory of `pid` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def measure(case: str, folder: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak MB of one case, in a fresh process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", case, str(folder), str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    peak = 0.0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_mb(child.pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    code = child.wait()
    stop.set()
    watcher.join()
    if code != 0:
        raise SystemExit(f"{case} failed with exit status {code}")
    return time.perf_counter() - started, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", nargs="+", default=["10M", "50M", "100M"])
    parser.add_argument("--cases", nargs="+", default=["bare", "duckdb", "spark"])
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / getpass.getuser() / "bench_engines")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_case(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    print(f"{'lines':>12} {'case':>7} {'seconds':>9} {'peak MB':>9} {'× bare time':>12} {'× bare memory':>14}")
    for text in args.lines:
        lines = _size(text)
        folder = generate(lines, args.root / f"lines_{lines}")
        out = args.root / f"out_{lines}"
        out.mkdir(parents=True, exist_ok=True)
        bare: tuple[float, float] | None = None
        for case in args.cases:  # each row printed as soon as it is measured
            seconds, peak = measure(case, folder, out)
            if case == "bare":
                bare = (seconds, peak)
            ratio = f"{seconds / bare[0]:.2f}" if bare else "-"
            memory = f"{peak / bare[1]:.2f}" if bare and bare[1] else "-"
            print(f"{lines:>12,} {case:>7} {seconds:>9.1f} {peak:>9.0f} {ratio:>12} {memory:>14}", flush=True)


if __name__ == "__main__":
    main()
