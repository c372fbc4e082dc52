"""How fast the app answers a widget change on the sample data (the workshop demo path).

    .venv/bin/python benchmarks/bench_app.py

Drives the real app headless with Streamlit's AppTest and times, per widget change, the whole
script rerun (the pages' work, the cached core calls and building the page), first with a new
value (the changed stage is computed) and then back to a value seen before (served from cache).
The yardstick is a bare pandas + scikit-learn run of the same k-means and concentration sums
on the same file, reported as a ratio.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "sample_data" / "saas_accounts.csv"


def bare(k: int) -> float:
    """Seconds for read → scale → k-means → revenue per cluster → top-20% share, no app."""
    start = time.perf_counter()
    frame = pd.read_csv(SAMPLE)
    numeric = frame.select_dtypes("number").drop(columns=["arr"]).fillna(0.0)
    labels = KMeans(n_clusters=k, n_init=1, random_state=0).fit_predict(StandardScaler().fit_transform(numeric))
    revenue = np.sort(frame["arr"].to_numpy())[::-1]
    _ = pd.Series(frame["arr"]).groupby(labels).sum() / revenue.sum()
    _ = revenue[: int(np.ceil(0.2 * len(revenue)))].sum() / revenue.sum()
    return time.perf_counter() - start


def timed(at: AppTest, action: object) -> float:
    start = time.perf_counter()
    action.run()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    assert not at.exception, at.exception
    return elapsed


def main() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    start = time.perf_counter()
    at.run()
    print(f"first run (imports, read, segment, whole analysis): {time.perf_counter() - start:.2f} s")
    at.switch_page("pages/segments.py").run()
    rows = []
    slider = lambda: at.slider(key="w.segmentation.k")  # noqa: E731
    rows.append(("Segments: k 4 → 5 (new)", timed(at, slider().set_value(5))))
    rows.append(("Segments: k 5 → 4 (cached)", timed(at, slider().set_value(4))))
    at.switch_page("pages/concentration.py").run()
    top_n = lambda: at.number_input(key="w.concentration.top_n")  # noqa: E731
    rows.append(("Concentration: top N 10 → 20 (new)", timed(at, top_n().set_value(20))))
    rows.append(("Concentration: top N 20 → 10 (cached)", timed(at, top_n().set_value(10))))
    at.switch_page("pages/service_models.py").run()
    csms = lambda: at.number_input(key="w.service.high_touch_csms")  # noqa: E731
    rows.append(("Service: 12 high-touch CSMs (new)", timed(at, csms().set_value(12))))
    rows.append(("Service: no CSM limit (cached)", timed(at, csms().set_value(0))))
    yardstick = min(bare(5) for _ in range(3))
    print(f"bare pandas + scikit-learn, same k-means and sums: {yardstick:.3f} s")
    for label, seconds in rows:
        print(f"{label:<40} {seconds:6.3f} s   ratio to bare {seconds / yardstick:5.1f}")


if __name__ == "__main__":
    main()
