"""How fast the app answers a widget change on the sample data (the workshop demo path).

    .venv/bin/python benchmarks/bench_app.py                      # the 3,000-account sample
    .venv/bin/python benchmarks/bench_app.py --customers 100000   # a generated 13-column upload

Drives the real app headless with Streamlit's AppTest and times, per widget change, the whole
script rerun (the pages' work, the cached core calls and building the page), first with a new
value (the changed stage is computed) and then back to a value seen before (served from cache).
The yardstick is a bare pandas + scikit-learn run of the same k-means and concentration sums
on the same file, reported as a ratio.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
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

from app_support.stages import cached_table  # noqa: E402
from app_support.state import CONFIG_KEY, OPEN_PREFIX, SOURCE_KEY  # noqa: E402
from benchmarks.bench_intake import make_customers  # noqa: E402


def bare(k: int, customers: int = 0) -> float:
    """Seconds for read → scale → k-means → revenue per cluster → top-20% share, no app."""
    with tempfile.TemporaryDirectory() as folder:
        path = SAMPLE
        if customers:
            path = Path(folder) / "customers.csv"
            make_customers(path, customers)
        start = time.perf_counter()
        frame = pd.read_csv(path)
    frame["arr"] = pd.to_numeric(frame["arr"].astype(str).str.replace(r"[$,]", "", regex=True))
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=0, help="upload a generated CSV of N customers (0: sample)")
    args = parser.parse_args()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    start = time.perf_counter()
    at.run()
    print(f"first run (imports, read, segment, whole analysis): {time.perf_counter() - start:.2f} s")
    rows = []
    if args.customers:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "customers.csv"
            make_customers(path, args.customers)
            data = path.read_bytes()
        at.switch_page("pages/data.py").run()
        upload = at.file_uploader(key="upload").upload("customers.csv", data, "text/csv")  # type: ignore[attr-defined]
        rows.append((f"Data: upload {args.customers:,} customers", timed(at, upload)))
        rows.append(("Overview: first open (whole analysis)", timed(at, at.switch_page("app.py"))))
    at.switch_page("pages/segments.py").run()
    rows.append(("Segments: open again (cached)", timed(at, at.switch_page("pages/segments.py"))))
    slider = lambda: at.slider(key="w.segmentation.k")  # noqa: E731
    k = int(slider().value)
    rows.append((f"Segments: k {k} → {k + 1} (new)", timed(at, slider().set_value(k + 1))))
    rows.append((f"Segments: k {k + 1} → {k} (cached)", timed(at, slider().set_value(k))))
    rename = next(t for t in at.text_input if str(t.key).startswith("rename."))
    rows.append(("Segments: rename segment 1 (text only)", timed(at, rename.set_value("Our best accounts"))))
    at.session_state[OPEN_PREFIX + "concentration_views"] = True  # drawn only while open
    at.switch_page("pages/concentration.py").run()
    top_n = lambda: at.number_input(key="w.concentration.top_n")  # noqa: E731
    rows.append(("Concentration: top N 10 → 20 (new)", timed(at, top_n().set_value(20))))
    rows.append(("Concentration: top N 20 → 10 (cached)", timed(at, top_n().set_value(10))))
    at.session_state[OPEN_PREFIX + "policy"] = True  # the policy section, drawn only while open
    at.switch_page("pages/service_models.py").run()
    csms = lambda: at.number_input(key="w.service.high_touch_csms")  # noqa: E731
    rows.append(("Service: 12 high-touch CSMs (new)", timed(at, csms().set_value(12))))
    rows.append(("Service: no CSM limit (cached)", timed(at, csms().set_value(0))))
    playbook = at.text_area(key="playbook.tech-touch")
    rows.append(("Service: type a playbook (text only)", timed(at, playbook.set_value("Webinars and a help centre."))))
    rows.append(("Concentration: open again (cached)", timed(at, at.switch_page("pages/concentration.py"))))
    yardstick = min(bare(5, args.customers) for _ in range(3))
    print(f"bare pandas + scikit-learn, same k-means and sums: {yardstick:.3f} s")
    for label, seconds in rows:
        print(f"{label:<44} {seconds:7.3f} s   ratio to bare {seconds / yardstick:6.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")
    if args.customers:
        file = at.session_state[SOURCE_KEY]
        table = cached_table(file.digest, None, at.session_state[CONFIG_KEY].section_json("intake"), file, None)
        size = table.customers.memory_usage(deep=True).sum() / 1024**2
        print(f"customer table in memory: {size:,.0f} MB; peak memory / table {peak / size:.1f}x")


if __name__ == "__main__":
    main()
