"""CSV export speed: the pyarrow writer behind `to_csv_bytes` against the pandas writer it replaced.

    .venv/bin/python benchmarks/bench_export.py [--sizes 100000 1000000] [--repeats 3]

For each size it builds a customers.csv-like frame (18 columns: ids, names with commas, quotes and
the odd line break, text and categorical segments, money in cents, scores, counts with gaps, a
full-precision share, integers, dates, booleans, and about one formula-like text in a thousand),
then, in this one process and turn about, times `pandas_csv_bytes` (neutralise_frame + pandas
`to_csv`, as every CSV export was written before) and `to_csv_bytes` (pyarrow), and prints the
median of `repeats` runs, the output sizes and the pandas/pyarrow ratio. Before timing it checks
that both outputs of the first 20,000 rows read back (pd.read_csv) as the same frame.
It also times `to_csv_bytes` on one thread (`one thread s`): from 100,000 rows it converts the
columns and writes blocks of rows on up to four threads; the output is the same bytes either way.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from segmentation import export  # noqa: E402
from segmentation.export import pandas_csv_bytes, to_csv_bytes  # noqa: E402

INDUSTRIES = ["FinTech", "Retail", "Media", "Healthcare", "Logistics", "Education", "Software", "Manufacturing"]
SEGMENTS = ["Light users, few support tickets", "Typical customers", "Power users", "Large, quiet accounts"]
MODELS = ["tech-touch", "medium-touch", "high-touch"]
NAMES = ["Polar Light Software Inc.", "Summit View Commerce", "Müller & Söhne GmbH", 'The "Best" Co, Ltd', "Zoë Studio"]
DRIVERS = ["", "renews in 80 days", "low adoption: 14% of features", "payment issues; 3 tickets", "no logins"]
FORMULA_LIKE = ['=HYPERLINK("http://x")', "+1 555 0100", "-", "@SUM(A1)", "-12.5", "Line one\r\nline two"]


def customers_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Return n synthetic rows shaped like customers.csv (see the module docstring)."""
    rng = np.random.default_rng(seed)
    revenue = np.round(rng.lognormal(9, 1.2, n), 2)
    revenue[rng.random(n) < 0.1] = 0.0
    nps = rng.integers(0, 11, n).astype(float)
    nps[rng.random(n) < 0.3] = np.nan
    risk = np.round(rng.uniform(0, 100, n), 1)
    risk[rng.random(n) < 0.5] = 0.0
    names = np.array(NAMES, dtype=object)[rng.integers(0, len(NAMES), n)]
    odd = rng.random(n) < 0.001
    names[odd] = np.array(FORMULA_LIKE, dtype=object)[rng.integers(0, len(FORMULA_LIKE), int(odd.sum()))]
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:08d}" for i in range(n)],
            "revenue": revenue,
            "segment": rng.integers(1, len(SEGMENTS) + 1, n),
            "segment_name": pd.Categorical.from_codes(rng.integers(0, len(SEGMENTS), n), SEGMENTS),
            "service_model": pd.Series(np.array(MODELS, dtype=object)[rng.integers(0, len(MODELS), n)], dtype="str"),
            "short_term_potential": np.round(revenue * rng.uniform(0, 0.3, n), 2),
            "long_term_potential": np.round(revenue * rng.uniform(1, 3, n), 2),
            "priority_score": np.round(rng.uniform(0, 100, n), 2),
            "employees": rng.integers(1, 5000, n),
            "industry": pd.Series(np.array(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), n)], dtype="str"),
            "nps_score": nps,
            "risk_score": risk,
            "risk_drivers": pd.Series(np.array(DRIVERS, dtype=object)[rng.integers(0, len(DRIVERS), n)], dtype="str"),
            "signup_date": pd.Timestamp("2026-06-30") - pd.to_timedelta(rng.integers(0, 2500, n), unit="D"),
            "loss_making": rng.random(n) < 0.05,
            "revenue_share": revenue / revenue.sum(),
            "pin": pd.Series([""] * n, dtype="str"),
            "customer_name": pd.Series(names, dtype="str"),
        }
    )


def timed(write: Callable[[pd.DataFrame], bytes], frame: pd.DataFrame) -> tuple[float, int]:
    """Seconds for one call of `write` on `frame`, and the size of what it wrote."""
    start = time.perf_counter()
    data = write(frame)
    return time.perf_counter() - start, len(data)


def one_thread(frame: pd.DataFrame) -> bytes:
    """`to_csv_bytes` with its threads turned off (the way it writes a frame under 100,000 rows)."""
    kept = export._PARALLEL_ROWS
    export._PARALLEL_ROWS = len(frame) + 1
    try:
        return to_csv_bytes(frame)
    finally:
        export._PARALLEL_ROWS = kept


def main() -> None:
    """Time both writers at each size, turn about in one process, and print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'rows':>10} {'columns':>7} {'pandas s':>9} {'pyarrow s':>9} {'one thread s':>12} {'pandas MB':>9} "
        f"{'pyarrow MB':>10}  ratio"
    )
    for n in args.sizes:
        frame = customers_frame(n)
        head = frame.head(20_000)
        ours, theirs = (io.BytesIO(write(head)) for write in (to_csv_bytes, pandas_csv_bytes))
        pd.testing.assert_frame_equal(
            pd.read_csv(ours, encoding="utf-8-sig"), pd.read_csv(theirs, encoding="utf-8-sig"), check_exact=True
        )
        if one_thread(frame) != to_csv_bytes(frame):
            raise SystemExit("to_csv_bytes wrote other bytes on its threads than on one")
        writers = (("pandas", pandas_csv_bytes), ("pyarrow", to_csv_bytes), ("one thread", one_thread))
        timings: dict[str, list[float]] = {label: [] for label, _write in writers}
        sizes: dict[str, int] = {}
        for _ in range(args.repeats):
            for label, write in writers:
                seconds, sizes[label] = timed(write, frame)
                timings[label].append(seconds)
        pandas_s, pyarrow_s, single_s = (statistics.median(timings[label]) for label, _write in writers)
        print(
            f"{n:>10,} {frame.shape[1]:>7} {pandas_s:>9.2f} {pyarrow_s:>9.2f} {single_s:>12.2f} "
            f"{sizes['pandas'] / 1e6:>9.1f} "
            f"{sizes['pyarrow'] / 1e6:>10.1f}  {pandas_s / pyarrow_s:.1f}× faster (median of {args.repeats})"
        )


if __name__ == "__main__":
    main()
