"""Whole-pipeline speed and memory against a bare pandas + scikit-learn run of the same work.

    .venv/bin/python benchmarks/bench_pipeline.py [--sizes 100000 1000000] [--k 5]

For each size it writes a synthetic 13-column customer table to Parquet, then runs, each in a
fresh process (so peak RSS is honest):
- the yardstick: read Parquet → one-hot 3 categoricals + scale 8 numerics → KMeans(k, n_init=1)
  → per-cluster revenue share → Gini / top-20% / HHI (as in ../shared/PERFORMANCE.md);
- ours: `run_analysis` on the same file with the same criteria and k (intake with role
  detection and ledger, features, k-means, profiles and names, concentration, segment
  economics, potential, service plan).
It prints seconds per stage, peak RSS, and our/bare ratios. Imports are excluded from both.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

NUMERIC = ["employees", "seats", "logins", "adoption", "tickets", "nps", "tenure_days", "usage_hours"]
CATEGORICAL = ["industry", "region", "plan"]


def make_table(n: int, seed: int = 0) -> pd.DataFrame:
    """Return n synthetic customers: id, ARR (heavy-tailed), 8 numeric and 3 categorical columns."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 5, n)
    frame = pd.DataFrame({"customer_id": [f"C{i:08d}" for i in range(n)]})
    frame["arr"] = np.round(rng.lognormal(9 + group * 0.6, 1.1), 2)
    for i, column in enumerate(NUMERIC):
        frame[column] = np.round(rng.gamma(2 + group + i % 3, 10 + 5 * i, n), 1)
    frame["industry"] = rng.choice(["FinTech", "Retail", "Media", "Health", "Logistics", "Education"], n)
    frame["region"] = rng.choice(["North America", "EMEA", "APAC", "LATAM"], n)
    frame["plan"] = np.array(["Starter", "Growth", "Business", "Enterprise", "Growth"])[group]
    return frame


BARE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import numpy as np, pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
path, k = sys.argv[1], int(sys.argv[2])
numeric, categorical = json.loads(sys.argv[3]), json.loads(sys.argv[4])
t = {}; start = time.perf_counter()
df = pd.read_parquet(path); t["read"] = time.perf_counter() - start; start = time.perf_counter()
X = np.hstack([StandardScaler().fit_transform(df[numeric].to_numpy(float)),
               pd.get_dummies(df[categorical]).to_numpy(float)])
t["features"] = time.perf_counter() - start; start = time.perf_counter()
labels = KMeans(n_clusters=k, n_init=1, random_state=0).fit_predict(X)
t["segment"] = time.perf_counter() - start; start = time.perf_counter()
r = np.clip(df["arr"].to_numpy(float), 0, None)
shares = pd.Series(r).groupby(labels).sum() / r.sum()
s = np.sort(r); n = len(s); i = np.arange(1, n + 1)
gini = float(((2 * i - n - 1) * s).sum() / (n * s.sum()))
top20 = float(s[::-1][: int(np.ceil(0.2 * n))].sum() / s.sum()); hhi = float(((s / s.sum()) ** 2).sum())
t["money"] = time.perf_counter() - start
t["total"] = sum(t.values())
t["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
print(json.dumps(t))
"""

OURS = r"""
import json, resource, sys, time
from segmentation.config import AnalysisConfig
from segmentation.intake import Source
from segmentation.pipeline import complete_analysis, find_segments, load_customers
path, k = sys.argv[1], int(sys.argv[2])
columns = json.loads(sys.argv[3]) + json.loads(sys.argv[4])
config = AnalysisConfig().updated(**{"segmentation.k": k, "segmentation.seed": 0, "criteria.columns": columns})
t = {}; start = time.perf_counter()
table = load_customers(Source.from_path(path), config); t["read"] = time.perf_counter() - start
start = time.perf_counter()
features, segmentation = find_segments(table, config); t["features+segment"] = time.perf_counter() - start
start = time.perf_counter()
result = complete_analysis(table, features, segmentation, config); t["money+service"] = time.perf_counter() - start
t["total"] = sum(t.values())
t["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
print(json.dumps(t))
"""


def run(script: str, path: Path, k: int) -> dict[str, float]:
    """Run one side in a fresh Python process; return its timings and peak RSS."""
    proc = subprocess.run(
        [sys.executable, "-c", script, str(path), str(k), json.dumps(NUMERIC), json.dumps(CATEGORICAL)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark run failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print the comparison table for each size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    print(f"# pipeline benchmark, k={args.k}; seconds exclude imports; peak RSS of each fresh process")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"customers_{n}.parquet"
            started = time.perf_counter()
            make_table(n).to_parquet(path, index=False)
            print(f"\n## {n:,} customers (data made in {time.perf_counter() - started:.1f} s)")
            bare, ours = run(BARE, path, args.k), run(OURS, path, args.k)
            print("bare pandas+sklearn: " + ", ".join(f"{k} {v:.2f}" for k, v in bare.items()))
            print("ours:                " + ", ".join(f"{k} {v:.2f}" for k, v in ours.items()))
            print(
                f"ratio ours/bare: time {ours['total'] / bare['total']:.2f}x, "
                f"peak memory {ours['peak_rss_gb'] / bare['peak_rss_gb']:.2f}x"
            )


if __name__ == "__main__":
    main()
