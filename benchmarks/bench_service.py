"""Service stage speed and memory against a bare pandas run of the same tiering.

    .venv/bin/python benchmarks/bench_service.py [--sizes 100000 1000000] [--repeats 1]

On n synthetic SaaS accounts (revenue, employees, industry, region, plan, seats bought and used,
signup date; five segments) each variant runs in a fresh process, so peak RSS is its own:
- ours: estimate_potential (seat headroom, look-alikes, ridge regression on mature accounts, drivers
  in words) + plan_service (grid, capacity, reasons, move lists) + plan.to_dict();
- bare: pandas only: look-alike potential (75th percentile revenue per industry × size band), revenue
  and potential tiers from quantile thresholds (90%/50%, 85%/50%), then a grid lookup; no reasons.
It prints seconds (best of `repeats`), peak RSS, the memory added over the loaded data, and our/bare ratios.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from segmentation.intake.table import ColumnRole, CustomerTable
from segmentation.service import PotentialSettings, ServiceSettings, estimate_potential, plan_service
from segmentation.service.settings import DEFAULT_GRID

INDUSTRIES = ["FinTech", "Retail", "Media", "Healthcare", "Logistics", "Education", "Software", "Manufacturing"]
REGIONS = ["North America", "EMEA", "APAC", "LATAM"]
PLANS = ["Starter", "Growth", "Business", "Enterprise"]


def synthetic(n: int, seed: int = 0) -> tuple[CustomerTable, np.ndarray]:
    """Return n synthetic accounts whose revenue grows with size, plan, seats and age, and 5 segment labels."""
    rng = np.random.default_rng(seed)
    employees = np.round(rng.lognormal(4.5, 1.3, n)).clip(1, None)
    plan = rng.integers(0, len(PLANS), n)
    seats = np.round(employees * rng.uniform(0.05, 0.4, n)).clip(1, None)
    used = np.round(seats * rng.uniform(0.3, 1.05, n))
    age_days = rng.integers(10, 2500, n)
    revenue = np.round(seats * (150 + 120 * plan) * rng.lognormal(0, 0.3, n) * (1 + age_days / 3000), 2)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:08d}" for i in range(n)],
            "revenue": revenue,
            "employees": employees,
            "industry": np.array(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), n)],
            "region": np.array(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), n)],
            "plan": np.array(PLANS, dtype=object)[plan],
            "seats_purchased": seats,
            "seats_used": used,
            "signup_date": pd.Timestamp("2026-06-30") - pd.to_timedelta(age_days, unit="D"),
        }
    )
    roles = {
        "employees": "numeric",
        "industry": "categorical",
        "region": "geographic",
        "plan": "categorical",
        "seats_purchased": "numeric",
        "seats_used": "numeric",
        "signup_date": "date",
    }
    table = CustomerTable(
        customers=frame,
        roles={c: ColumnRole(c, r, 1.0, "") for c, r in roles.items()},
        id_column="customer_id",
        revenue_column="revenue",
        revenue_unit="ARR",
        source_name="synthetic",
        rows_read=n,
    )
    labels = rng.integers(1, 6, n)
    return table, labels


def ours(table: CustomerTable, labels: np.ndarray) -> dict[str, float]:
    """Potential + plan + summary; return seconds per step."""
    start = time.perf_counter()
    potential = estimate_potential(table, labels, PotentialSettings())
    middle = time.perf_counter()
    plan = plan_service(table, labels, {i: f"Segment {i}" for i in range(1, 6)}, potential, ServiceSettings())
    json.dumps(plan.to_dict())
    end = time.perf_counter()
    return {"potential": middle - start, "plan": end - middle, "total": end - start, "move_up": len(plan.move_up)}


def bare(table: CustomerTable, labels: np.ndarray) -> dict[str, float]:
    """The same tiering in bare pandas: look-alike potential, quantile thresholds, grid lookup."""
    del labels
    start = time.perf_counter()
    frame = table.customers
    band = pd.cut(frame["employees"], [0, 10, 50, 200, 500, 1000, 5000, 10000, np.inf])
    lookalike = frame.groupby([frame["industry"], band], observed=True)["revenue"].transform("quantile", 0.75)
    potential = np.maximum(lookalike.to_numpy(), frame["revenue"].to_numpy())
    middle = time.perf_counter()
    revenue = frame["revenue"].to_numpy()
    arr_high, arr_low = np.quantile(revenue, [0.9, 0.5])
    pot_high, pot_low = np.quantile(potential, [0.85, 0.5])
    arr_tier = np.where(revenue >= arr_high, "high", np.where(revenue < arr_low, "low", "mid"))
    pot_tier = np.where(potential >= pot_high, "high", np.where(potential < pot_low, "low", "mid"))
    lookup = {f"{a}|{p}": model for a, row in DEFAULT_GRID.items() for p, model in row.items()}
    model = pd.Series(np.char.add(np.char.add(arr_tier, "|"), pot_tier)).map(lookup)
    model.value_counts()
    end = time.perf_counter()
    return {"potential": middle - start, "plan": end - middle, "total": end - start, "move_up": 0}


def worker(variant: str, n: int, repeats: int) -> None:
    """Run one variant in this process and print its figures as JSON."""
    table, labels = synthetic(n)
    loaded_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run = ours if variant == "ours" else bare
    best: dict[str, float] | None = None
    for _ in range(repeats):
        figures = run(table, labels)
        if best is None or figures["total"] < best["total"]:
            best = figures
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({**(best or {}), "peak_gb": peak_kb / 1e6, "added_gb": (peak_kb - loaded_kb) / 1e6}))


def main() -> None:
    """Run both variants at each size in fresh processes and print a table with ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--worker", choices=["ours", "bare"])
    parser.add_argument("--n", type=int, default=0)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.n, args.repeats)
        return
    header = ("customers", "variant", "potential s", "plan s", "total s", "peak GB", "added GB")
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, (10, 7, 11, 7, 8, 8, 9), strict=True)))
    for n in args.sizes:
        results = {}
        for variant in ("bare", "ours"):
            command = [sys.executable, __file__, "--worker", variant, "--n", str(n), "--repeats", str(args.repeats)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[variant] = json.loads(output.strip().splitlines()[-1])
            r = results[variant]
            print(
                f"{n:>10,} {variant:>7} {r['potential']:>11.2f} {r['plan']:>7.2f} {r['total']:>8.2f} "
                f"{r['peak_gb']:>8.2f} {r['added_gb']:>9.2f}"
            )
        ours_r, bare_r = results["ours"], results["bare"]
        print(
            f"{n:>10,}   ratio  time ours/bare {ours_r['total'] / bare_r['total']:.1f}×  "
            f"(plan alone vs bare tiering {ours_r['plan'] / bare_r['plan']:.1f}×)  "
            f"peak RSS {ours_r['peak_gb'] / bare_r['peak_gb']:.2f}×  added {ours_r['added_gb']:.2f} vs "
            f"{bare_r['added_gb']:.2f} GB;  move-up list {int(ours_r['move_up']):,}"
        )


if __name__ == "__main__":
    main()
