"""Peak memory of reading a large customer CSV, as a multiple of the file's size.

Run from the project root:
``.venv/bin/python benchmarks/bench_memory.py [--rows 3000000] [--folder /tmp/bench_memory] [--cli]``.

Generates (once, kept in `--folder` for later runs) a customer CSV of `--rows` rows and 12 columns
(ID, industry, country, region, owner, plan, employees, ARR, signup date, seats, churned flag,
NPS), about 77 bytes
a row, so 3,000,000 rows make a file of about 230 MB. Each measurement runs in a fresh process
and reports its peak resident memory (VmHWM) beside the file size:
- intake: `build_customer_table` alone (read, parse, roles, ledger);
- bare: ``pd.read_csv`` of the same file with pyarrow (the least a script would hold);
- cli (with ``--cli``): the whole ``python -m segmentation analyze`` run.

The stated bounds (README "Limits"): intake peaks at no more than 10× the file's size, the CLI at 13×
(measured 2026-12-02 on 3,000,000 rows: 9.3× and 12.5×; a bare pandas read is 4.4×).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

PEAK = """
def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
"""

INTAKE = (
    PEAK
    + """
import json, sys, time
from segmentation.intake import IntakeSettings, Source, build_customer_table
started = time.perf_counter()
table = build_customer_table(Source.from_path(sys.argv[1]), IntakeSettings())
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "customers": table.n_customers}))
"""
)

BARE = (
    PEAK
    + """
import json, sys, time
import pandas as pd
started = time.perf_counter()
frame = pd.read_csv(sys.argv[1], engine="pyarrow")
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "customers": len(frame)}))
"""
)

CLI = (
    PEAK
    + """
import json, sys, time
from segmentation.__main__ import main
started = time.perf_counter()
status = main(["analyze", sys.argv[1], "--out", sys.argv[2], "--quiet"])
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "status": status}))
"""
)


def make_file(path: Path, rows: int) -> None:
    """Write the customer CSV (seeded, so every run measures the same bytes)."""
    rng = np.random.default_rng(7)
    chunk = 500_000
    with path.open("w", encoding="utf-8", newline="") as handle:
        for start in range(0, rows, chunk):
            size = min(chunk, rows - start)
            employees = (rng.lognormal(4.0, 1.2, size) + 1).astype(int)
            frame = pd.DataFrame(
                {
                    "account_id": [f"C{n:07d}" for n in range(start + 1, start + size + 1)],
                    "industry": rng.choice(["Software", "Retail", "Healthcare", "FinTech", "Media"], size),
                    "country": rng.choice(["US", "Germany", "France", "UK", "Spain", "Brazil"], size),
                    "region": rng.choice(["North America", "EMEA", "APAC", "LATAM"], size),
                    "owner": [f"rep_{n:03d}" for n in rng.integers(0, 400, size)],
                    "plan": rng.choice(["Starter", "Growth", "Scale"], size),
                    "employees": employees,
                    "arr": np.round(employees * rng.uniform(50, 250, size), 2),
                    "signup_date": pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2900, size), unit="D"),
                    "seats": rng.integers(1, 99, size),
                    "churned": rng.choice(["yes", "no"], size),
                    "nps": rng.integers(0, 11, size),
                }
            )
            frame.to_csv(handle, index=False, header=start == 0, date_format="%Y-%m-%d", lineterminator="\n")


def measure(script: str, *args: str) -> dict[str, float]:
    """Run `script` in a fresh interpreter from the project root and return its JSON line."""
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Generate the file if needed, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--folder", default="/tmp/bench_memory")
    parser.add_argument("--cli", action="store_true", help="also measure the whole CLI run")
    args = parser.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"customers_{args.rows}.csv"
    if not path.exists():
        make_file(path, args.rows)
    size_mb = path.stat().st_size / 1024 / 1024
    print(f"file: {path} ({size_mb:,.0f} MB, {args.rows:,} rows)")
    runs = {"bare pd.read_csv(pyarrow)": measure(BARE, str(path)), "intake": measure(INTAKE, str(path))}
    if args.cli:
        runs["cli analyze"] = measure(CLI, str(path), str(folder / "out"))
    for name, figures in runs.items():
        print(
            f"{name:28s} {figures['seconds']:7.1f} s  peak {figures['peak_mb']:8,.0f} MB "
            f"= {figures['peak_mb'] / size_mb:5.1f}× the file"
        )


if __name__ == "__main__":
    main()
