"""`compare` core speed and memory on two large snapshots, against the same join and sums run bare in DuckDB.

    .venv/bin/python benchmarks/bench_compare.py [--size 1000000] [--repeats 1]

Two synthetic snapshots of n accounts (97% in both, 3% lost, 3% new; 25% expanded, 8% contracted;
five segments on one usage feature, 10% of accounts moving segment). Each variant runs in a fresh
process, so peak RSS is its own:
- ours: `segmentation.changes.compare` — the earlier segments applied to the new data (nearest
  saved centre), the outer join by ID, change types with the flat tolerance, the bridge overall,
  per segment and per service model, the migration matrix, fresh-segment matching, service-model
  moves, concentration then and now, the largest movers, headlines, and changes.csv's sorted frame;
- bare: DuckDB only: the outer join by ID and, per earlier segment, the sums of start, end, new,
  expansion, contraction and churn (the bridge numbers), nothing else.
It prints seconds (best of `repeats`), peak RSS and the ours/bare ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's package, not an installed one

MODELS = np.array(["tech-touch", "medium-touch", "high-touch"], dtype=object)
CENTRES = [0.0, 2.0, 4.0, 6.0, 8.0]


def snapshots(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the earlier and later snapshot frames (customer_id, revenue, usage, segment, service_model)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"A{i:08d}" for i in range(int(n * 1.03))], dtype=object)
    group = rng.integers(0, 5, len(ids))
    usage = np.array(CENTRES)[group] + rng.normal(0, 0.4, len(ids))
    revenue = np.round(rng.lognormal(8, 1.2, len(ids)) * (1 + group), 2)
    before_rows = slice(0, n)
    after_rows = slice(int(n * 0.03), len(ids))
    draw = rng.random(len(ids))
    growth = np.where(draw < 0.25, rng.uniform(1.05, 1.6, len(ids)), 1.0)
    growth = np.where((draw >= 0.25) & (draw < 0.33), rng.uniform(0.6, 0.95, len(ids)), growth)
    moved = rng.random(len(ids)) < 0.10
    usage_after = np.where(moved, usage + 2.0, usage)
    before = pd.DataFrame(
        {
            "customer_id": ids[before_rows],
            "revenue": revenue[before_rows],
            "usage": usage[before_rows],
            "segment": group[before_rows] + 1,
            "service_model": MODELS[np.minimum(group[before_rows] // 2, 2)],
        }
    )
    later_group = np.clip(np.round(usage_after / 2.0), 0, 4).astype(int)
    after = pd.DataFrame(
        {
            "customer_id": ids[after_rows],
            "revenue": np.round(revenue * growth, 2)[after_rows],
            "usage": usage_after[after_rows],
            "segment": later_group[after_rows] + 1,
            "service_model": MODELS[np.minimum(later_group[after_rows] // 2, 2)],
        }
    )
    return before, after


def ours(before: pd.DataFrame, after: pd.DataFrame) -> Any:
    """Run the real comparison core on the two frames (the newer analysis stood in by its columns)."""
    from segmentation.changes import ChangesSettings, SegmentModel, Snapshot, compare  # noqa: PLC0415
    from segmentation.changes.model import NumberScaling  # noqa: PLC0415
    from segmentation.config import AnalysisConfig  # noqa: PLC0415

    names = {i + 1: f"Segment {i + 1}" for i in range(5)}
    model = SegmentModel(
        method="kmeans",
        segment_names=names,
        revenue_unit="ARR",
        numbers=[NumberScaling("usage", "numeric", 0.0, None, None, False, 0.0, 1.0, 1.0)],
        order=["usage"],
        centres={i + 1: [c] for i, c in enumerate(CENTRES)},
    )
    snapshot = Snapshot(
        customers=before[["customer_id", "revenue", "segment", "segment_name", "service_model"]]
        if "segment_name" in before
        else before.assign(segment_name=before["segment"].map(names))[
            ["customer_id", "revenue", "segment", "segment_name", "service_model"]
        ],
        model=model,
        source_name="before.csv",
        revenue_unit="ARR",
        currency="USD",
        label="before",
        config=AnalysisConfig(),
    )
    table = SimpleNamespace(
        customers=after, n_customers=len(after), currency="USD", grain="customer", source_name="after.csv"
    )
    customers = after.assign(segment_name=after["segment"].map(names))
    labels = after["segment"].to_numpy()
    result = SimpleNamespace(
        revenue_unit="ARR",
        currency="USD",
        table=table,
        customers=customers,
        service=SimpleNamespace(frame=pd.DataFrame(index=after.index)),
        segmentation=SimpleNamespace(labels=labels, names=names),
    )
    changes = compare(snapshot, result, ChangesSettings(), "after")  # type: ignore[arg-type]
    return changes.bridge.end


BARE_SQL = """
WITH joined AS (
    SELECT b.segment AS seg, coalesce(b.revenue, 0) AS s, coalesce(a.revenue, 0) AS e
    FROM before b FULL OUTER JOIN after a ON b.customer_id = a.customer_id
)
SELECT seg, sum(s) AS start, sum(e) AS end_,
       sum(CASE WHEN s = 0 AND e > 0 THEN e ELSE 0 END) AS new,
       sum(CASE WHEN s > 0 AND e > s THEN e - s ELSE 0 END) AS expansion,
       sum(CASE WHEN s > 0 AND e > 0 AND e < s THEN s - e ELSE 0 END) AS contraction,
       sum(CASE WHEN s > 0 AND e = 0 THEN s ELSE 0 END) AS churn
FROM joined GROUP BY seg
"""


def bare(before: pd.DataFrame, after: pd.DataFrame) -> Any:
    """The same join and bridge sums, bare in DuckDB."""
    import duckdb  # noqa: PLC0415

    con = duckdb.connect()
    con.register("before", before)
    con.register("after", after)
    out = con.sql(BARE_SQL).df()
    con.close()
    return float(out["end_"].sum())


def _child(variant: str, size: int, repeats: int) -> None:
    import duckdb  # noqa: F401, PLC0415 - imports are not part of the timed work

    import segmentation.changes  # noqa: PLC0415
    import segmentation.config  # noqa: F401, PLC0415

    before, after = snapshots(size)
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = ours if variant == "ours" else bare
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run(before, after)
        best = min(best, time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": best, "peak_mb": peak / 1024, "added_mb": (peak - loaded) / 1024}))


def main() -> None:
    """Run both variants in fresh processes and print the figures and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--child", choices=["ours", "bare"])
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.size, args.repeats)
        return
    figures = {}
    for variant in ("ours", "bare"):
        command = [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--size",
            str(args.size),
            "--repeats",
            str(args.repeats),
        ]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        figures[variant] = json.loads(output.strip().splitlines()[-1])
        print(f"{variant}: {json.dumps(figures[variant])}")
    ratio = figures["ours"]["seconds"] / figures["bare"]["seconds"]
    memory = figures["ours"]["peak_mb"] / figures["bare"]["peak_mb"]
    print(f"{args.size:,} accounts per snapshot: ours/bare time {ratio:.1f}×, peak memory {memory:.1f}×")


if __name__ == "__main__":
    main()
