"""Report size and build time, on the bundled sample and on synthetic customers.

    .venv/bin/python benchmarks/bench_report.py [--sizes 100000]

For each input it runs the analysis once (not timed here: see bench_pipeline.py), then times
`build_report` twice in the same process (the first call pays vl-convert's cold start) and the
bare rendering of the same charts with vl-convert as the yardstick, and prints the report's size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_pipeline import make_table  # noqa: E402

from segmentation.charts import report_charts, to_svg  # noqa: E402
from segmentation.config import AnalysisConfig  # noqa: E402
from segmentation.intake import Source  # noqa: E402
from segmentation.pipeline import run_analysis  # noqa: E402
from segmentation.report import build_report  # noqa: E402


def measure(label: str, source: Source) -> None:
    """Print build times, the bare chart-rendering time and the report's size for one input."""
    result = run_analysis(source, AnalysisConfig())
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        html = build_report(result)
        timings.append(time.perf_counter() - start)
    start = time.perf_counter()
    for chart in report_charts(result).values():
        to_svg(chart)
    bare = time.perf_counter() - start
    size = len(html.encode("utf-8"))
    print(
        f"{label:>28}: {result.table.n_customers:>9,} customers  report {size / 1024:,.0f} KiB  "
        f"build cold {timings[0]:.2f} s, warm {timings[1]:.2f} s  charts alone (vl-convert) {bare:.2f} s  "
        f"ratio warm/bare {timings[1] / bare:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    args = parser.parse_args()
    measure("sample_data/saas_accounts.csv", Source.from_path(ROOT / "sample_data" / "saas_accounts.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"synthetic_{n}.parquet"
            make_table(n).to_parquet(path)
            measure(f"synthetic {n:,}", Source.from_path(path))


if __name__ == "__main__":
    main()
