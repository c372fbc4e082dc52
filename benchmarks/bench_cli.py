"""The CLI end to end against a bare script of the same work, as a ratio in one run.

    .venv/bin/python benchmarks/bench_cli.py                 # 1,000,000 customers, 3 pairs
    .venv/bin/python benchmarks/bench_cli.py --customers 100000 --pairs 1

Writes the generated 13-column customer CSV of `bench_intake.make_customers` (1% of its money
cells as "$1,234.56"), then runs, each as a fresh process, alternating, `--pairs` times:
- the yardstick: read the CSV with pandas → clean the money column → scale the numbers and one-hot
  the categories → KMeans(k, n_init=1) → revenue share per cluster, Gini and top-20% share → write
  customers.csv (every input column plus the segment) with pyarrow;
- ours: ``python -m segmentation analyze FILE --out DIR --k K --quiet``, every output written
  (customers.csv, summary.json, the report, the other CSVs).
Both are timed as whole processes (imports included, wall clock) with the peak RSS the kernel
reports for each; it prints each pair and the medians' ratios. Issue 11's targets: time ≤ 1.5×,
peak memory ≤ 1.5× "the bare script plus writing the same customers.csv with pyarrow". So each
pair also runs the yardstick that way (`bare + same CSV`): the bare script, which then writes, in
place of its own 14 columns, the customers.csv the CLI wrote in the first pair (every column,
reasons included; kept as Parquet by this script, its read time taken off the wall clock). Both
ratios are printed: against the bare script as it is, and against the bare script with the same CSV.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_intake import make_customers  # noqa: E402

BARE = r"""
import sys
import numpy as np, pandas as pd, pyarrow as pa, pyarrow.csv as pacsv
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
path, out, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
df = pd.read_csv(path)
df["arr"] = pd.to_numeric(df["arr"].astype(str).str.replace(r"[$,]", "", regex=True))
numeric = df.select_dtypes("number").drop(columns=["arr"]).fillna(0.0)
categories = pd.get_dummies(df[["industry", "country", "plan"]]).to_numpy(float)
X = np.hstack([StandardScaler().fit_transform(numeric.to_numpy(float)), categories])
labels = KMeans(n_clusters=k, n_init=1, random_state=0).fit_predict(X)
r = np.clip(df["arr"].to_numpy(float), 0, None)
shares = pd.Series(r).groupby(labels).sum() / r.sum()
s = np.sort(r); n = len(s); i = np.arange(1, n + 1)
gini = float(((2 * i - n - 1) * s).sum() / (n * s.sum()))
top20 = float(s[::-1][: int(np.ceil(0.2 * n))].sum() / s.sum())
df["segment"] = labels + 1
if len(sys.argv) > 4:  # the same customers.csv as the CLI's (see the module's doc): read, then written
    import time, pyarrow.parquet as pq
    started = time.perf_counter()
    same = pq.read_table(sys.argv[4])
    print(time.perf_counter() - started)
    pacsv.write_csv(same, out + "/customers.csv")
else:
    pacsv.write_csv(pa.Table.from_pandas(df, preserve_index=False), out + "/customers.csv")
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Run `command` as a fresh process; return its wall-clock seconds and peak RSS in GB.

    A number the process prints (the bare script's Parquet read) is seconds taken off the clock.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    printed = process.stdout.read().decode() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start - sum(float(line) for line in printed.split())
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:4]} failed: {process.stderr.read().decode()[-2000:] if process.stderr else ''}")
    return elapsed, usage.ru_maxrss / 1024**2


def keep_as_parquet(csv_path: Path, parquet_path: Path) -> None:
    """Keep the CLI's customers.csv as Parquet, typed as pyarrow reads it, for the bare script to write."""
    import pyarrow.csv as pa_csv  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    pq.write_table(pa_csv.read_csv(csv_path), parquet_path)


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """Median seconds and median peak GB of some runs."""
    return statistics.median(t for t, _ in runs), statistics.median(m for _, m in runs)


def main() -> None:
    """Print each pair and the ratio of the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        make_customers(path, args.customers)
        print(f"# CLI vs bare script, {args.customers:,} customers, k={args.k}; whole processes, imports included")
        bare_runs, same_runs, ours_runs = [], [], []
        same_csv = Path(folder) / "same_customers.parquet"
        for pair in range(args.pairs):
            bare_out, same_out, ours_out = (Path(folder) / f"{kind}{pair}" for kind in ("bare", "same", "ours"))
            bare_out.mkdir()
            same_out.mkdir()
            bare = timed([sys.executable, "-c", BARE, str(path), str(bare_out), str(args.k)])
            cli = ["-m", "segmentation", "analyze", str(path), "--out", str(ours_out), "--k", str(args.k), "--quiet"]
            ours = timed([sys.executable, *cli])
            if pair == 0:
                keep_as_parquet(ours_out / "customers.csv", same_csv)
            same = timed([sys.executable, "-c", BARE, str(path), str(same_out), str(args.k), str(same_csv)])
            bare_runs.append(bare)
            same_runs.append(same)
            ours_runs.append(ours)
            print(
                f"pair {pair + 1}: bare {bare[0]:.1f} s, {bare[1]:.2f} GB; bare + same CSV {same[0]:.1f} s, "
                f"{same[1]:.2f} GB; ours {ours[0]:.1f} s, {ours[1]:.2f} GB"
            )
        (bare_time, bare_rss), (same_time, same_rss), (ours_time, ours_rss) = map(
            medians, (bare_runs, same_runs, ours_runs)
        )
        print(
            f"median: bare {bare_time:.1f} s, {bare_rss:.2f} GB; bare + same CSV {same_time:.1f} s, {same_rss:.2f} GB; "
            f"ours {ours_time:.1f} s, {ours_rss:.2f} GB"
        )
        print(f"ratio ours/bare: time {ours_time / bare_time:.2f}x, peak memory {ours_rss / bare_rss:.2f}x")
        print(
            f"ratio ours/(bare + same CSV), the issue's yardstick: time {ours_time / same_time:.2f}x, "
            f"peak memory {ours_rss / same_rss:.2f}x"
        )


if __name__ == "__main__":
    main()
