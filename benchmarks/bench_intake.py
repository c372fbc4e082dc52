"""Intake vs DuckDB run bare on the same files: seconds, peak memory and the ratio.

Run from the project root:
``.venv/bin/python benchmarks/bench_intake.py [--customers N] [--lines N [N ...]] [--repeat R]``.

Generated files (in a temporary folder, deleted afterwards):
- a customer CSV (default 1,000,000 rows × 13 columns: ID, ARR with currency text in 1% of
  rows, dates, categoricals, numbers);
- the same customers as typed Parquet (default 1,000,000 rows: float ARR, timestamp, int64
  counts, bool flag, text categories), where bare is ``pd.read_parquet``;
- transactions CSVs (default 1,000,000 and 5,000,000 lines: customer ID, ISO date, amount,
  quantity, country), so growth with size shows (it should be linear).

Each measurement runs in a fresh process (imports excluded from the timing; peak RSS of the
process included) so one run cannot warm the next. Ours and bare alternate `--repeat` times and
the medians are shown, because a shared 2-core machine is noisy:
- ours: `build_customer_table` (encoding/dialect sniffing, text read, parsing, roles, ledger,
  and for transactions the DuckDB aggregation);
- bare: DuckDB `read_csv` + the equivalent ``GROUP BY`` (transactions) or ``SELECT *`` into
  pandas (customers), or ``pd.read_parquet`` (Parquet), the least a script would do.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

PEAK = """
def peak_mb():
    # VmHWM starts afresh at exec; ru_maxrss would carry over the parent's peak (the file generator's)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
"""

OURS = (
    PEAK
    + """
import json, sys, time
from segmentation.intake import IntakeSettings, Source, build_customer_table
started = time.perf_counter()
table = build_customer_table(Source.from_path(sys.argv[1]), IntakeSettings())
seconds = time.perf_counter() - started
peak = peak_mb()
print(json.dumps({"seconds": seconds, "peak_mb": peak, "customers": table.n_customers, "rows": table.rows_read}))
"""
)

BARE = (
    PEAK
    + """
import json, sys, time
import duckdb
started = time.perf_counter()
path, kind = sys.argv[1], sys.argv[2]
if kind == "parquet":
    import pandas as pd
    frame = pd.read_parquet(path)
elif kind == "transactions":
    frame = duckdb.sql(
        f"SELECT customer_id, sum(amount) AS revenue, min(order_date) AS first_purchase, "
        f"max(order_date) AS last_purchase, count(DISTINCT order_date) AS frequency, "
        f"mode(country) AS country FROM read_csv('{path}', types={{'customer_id': 'VARCHAR'}}) "
        f"GROUP BY customer_id"
    ).df()
else:
    frame = duckdb.sql(f"SELECT * FROM read_csv('{path}', types={{'customer_id': 'VARCHAR'}})").df()
seconds = time.perf_counter() - started
peak = peak_mb()
print(json.dumps({"seconds": seconds, "peak_mb": peak, "customers": len(frame), "rows": None}))
"""
)


def make_customers(path: Path, rows: int, seed: int = 7) -> None:
    """Write a 13-column customer CSV with some messy money cells."""
    frame = customer_frame(rows, seed)
    arr = frame["arr"].to_numpy()
    arr_text = pd.Series(arr).map("{:.2f}".format)
    messy = np.random.default_rng(seed + 1).random(rows) < 0.01
    arr_text[messy] = pd.Series(arr[messy]).map("${:,.2f}".format).to_numpy()
    frame["arr"] = arr_text
    frame["signup_date"] = frame["signup_date"].dt.strftime("%Y-%m-%d")
    frame["is_trial"] = np.where(frame["is_trial"], "True", "False")
    frame.to_csv(path, index=False)


def make_customers_parquet(path: Path, rows: int, seed: int = 7) -> None:
    """Write the same 13 customer columns typed, as a Parquet export holds them."""
    customer_frame(rows, seed).to_parquet(path, index=False)


def customer_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """Return 13 typed customer columns: ID, ARR, signup date, 3 categoricals, 6 counts, a flag."""
    rng = np.random.default_rng(seed)
    arr = np.round(rng.lognormal(8, 1.2, rows), 2)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(rows)],
            "arr": arr,
            "signup_date": pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2500, rows), unit="D"),
            "industry": rng.choice(["FinTech", "EdTech", "Retail", "Health", "Media"], rows),
            "country": rng.choice(["US", "DE", "FR", "GB", "NL", "ES"], rows),
            "plan": rng.choice(["Basic", "Pro", "Enterprise"], rows),
            "seats": rng.integers(1, 500, rows),
            "employees": rng.integers(1, 20000, rows),
            "logins_30d": rng.integers(0, 3000, rows),
            "tickets_90d": rng.integers(0, 40, rows),
            "nps": rng.integers(-100, 101, rows),
            "usage_hours": np.round(rng.gamma(2, 30, rows), 1),
            "is_trial": rng.random(rows) < 0.1,
        }
    )


def make_transactions(path: Path, lines: int, customers: int = 195_000, seed: int = 11) -> None:
    """Write a transactions CSV: customer ID, ISO date, amount, quantity, country."""
    rng = np.random.default_rng(seed)
    ids = rng.zipf(1.3, lines) % customers
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(ids).map("{:06d}".format),
            "order_date": (
                pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, lines), unit="D")
            ).strftime("%Y-%m-%d"),
            "amount": np.round(rng.gamma(2, 40, lines), 2),
            "quantity": rng.integers(1, 10, lines),
            "country": rng.choice(["US", "DE", "FR", "GB"], lines),
        }
    )
    frame.to_csv(path, index=False)


def measure(script: str, *args: str) -> dict[str, float]:
    """Run `script` in a fresh process and return its JSON report."""
    proc = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, check=False, timeout=3600
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_median(repeat: int, path: Path, kind: str) -> tuple[dict[str, float], dict[str, float]]:
    """Alternate ours and bare `repeat` times; return the median seconds and peak MB of each."""
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "bare": []}
    for _ in range(repeat):
        runs["ours"].append(measure(OURS, str(path)))
        runs["bare"].append(measure(BARE, str(path), kind))

    def median(side: str) -> dict[str, float]:
        return {
            "seconds": statistics.median(r["seconds"] for r in runs[side]),
            "peak_mb": statistics.median(r["peak_mb"] for r in runs[side]),
            "customers": runs[side][0]["customers"],
        }

    return median("ours"), median("bare")


def main() -> None:
    """Generate the files, measure both ways, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="rows of the customer CSV (0: none)")
    parser.add_argument("--parquet", type=int, default=1_000_000, help="rows of the customer Parquet file (0: none)")
    parser.add_argument("--lines", type=int, nargs="*", default=[1_000_000, 5_000_000], help="transaction files")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as folder:
        files: list[tuple[str, Path, str]] = []
        if args.parquet:
            customers_parquet = Path(folder) / "customers.parquet"
            make_customers_parquet(customers_parquet, args.parquet)
            files.append((f"customers {args.parquet:,} Parquet", customers_parquet, "parquet"))
        if args.customers:
            customers_csv = Path(folder) / "customers.csv"
            make_customers(customers_csv, args.customers)
            files.append((f"customers {args.customers:,} rows", customers_csv, "customers"))
        for lines in args.lines:
            transactions_csv = Path(folder) / f"transactions_{lines}.csv"
            make_transactions(transactions_csv, lines)
            files.append((f"transactions {lines:,} lines", transactions_csv, "transactions"))
        print(f"medians of {args.repeat} fresh-process runs each")
        print(f"{'file':<32}{'ours s':>9}{'bare s':>9}{'ratio':>7}{'ours MB':>9}{'bare MB':>9}{'ratio':>7}  customers")
        for label, path, kind in files:
            ours, bare = measure_median(args.repeat, path, kind)
            print(
                f"{label:<32}{ours['seconds']:>9.2f}{bare['seconds']:>9.2f}{ours['seconds'] / bare['seconds']:>7.2f}"
                f"{ours['peak_mb']:>9.0f}{bare['peak_mb']:>9.0f}{ours['peak_mb'] / bare['peak_mb']:>7.2f}"
                f"  {ours['customers']:,} (bare {bare['customers']:,})"
            )


if __name__ == "__main__":
    main()
