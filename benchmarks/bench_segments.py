"""Segments stage speed against bare scikit-learn doing the same work, plus quality on the sample data.

    .venv/bin/python benchmarks/bench_segments.py [--n 100000] [--k 5] [--repeats 3] [--no-scan]

On n synthetic customers (8 numbers, 3 categories, 5 planted groups) it times, best of `repeats`:
- ours: build_features (imputation, clipping, log scaling, one-hot) + segment_customers (k-means,
  numbering by revenue, profiles, names, decision-tree rules) + scan_k (k = 2..10 with sampled
  silhouette, Davies–Bouldin, Calinski–Harabasz and two-resample stability);
- bare: StandardScaler + one-hot + KMeans(k, n_init="auto"), then for k = 2..10 KMeans with a
  silhouette sampled at 10,000 (no stability, no profiles).
It prints seconds and our/bare ratios, the growth of peak RSS while our features and segments are
made (bare measured after ours, so its growth only shows above our peak), the ARI against the
planted groups, and, if the bundled sample data is there, the ARI on its planted criteria, the
recommended k and the scan time. `--no-scan` skips both k scans (minutes at 1M).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from segmentation.intake.table import ColumnRole, CustomerTable
from segmentation.segments import CriteriaSettings, SegmentationSettings, build_features, scan_k, segment_customers

ROOT = Path(__file__).resolve().parents[1]
NUMERIC = [
    "employees",
    "seats_used",
    "logins_30d",
    "feature_adoption",
    "support_tickets",
    "nps",
    "tenure_days",
    "usage",
]
CATEGORICAL = ["industry", "region", "plan"]
PLANTED = ["logins_30d", "feature_adoption_pct", "support_tickets_90d", "nps_score"]


def synthetic(n: int, groups: int = 5, seed: int = 0) -> tuple[CustomerTable, np.ndarray]:
    """Return n synthetic customers whose numbers shift with a planted group, and the groups."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    frame = pd.DataFrame({"customer_id": [f"C{i:08d}" for i in range(n)]})
    frame["revenue"] = np.round(rng.lognormal(9 + group * 0.6, 1.1), 2)
    for i, column in enumerate(NUMERIC):
        frame[column] = np.round(rng.normal(10 + 6 * ((group + i) % groups), 2.0, n), 1)
    frame["industry"] = rng.choice(["FinTech", "Retail", "Media", "Health", "Logistics", "Education"], n)
    frame["region"] = rng.choice(["North America", "EMEA", "APAC", "LATAM"], n)
    frame["plan"] = np.array(["Starter", "Growth", "Business", "Enterprise", "Growth"])[group % 5]
    roles = {c: ColumnRole(c, "numeric", 1.0, "") for c in NUMERIC}
    roles |= {c: ColumnRole(c, "categorical", 1.0, "") for c in CATEGORICAL}
    table = CustomerTable(
        customers=frame,
        roles=roles,
        id_column="customer_id",
        revenue_column="revenue",
        revenue_unit="ARR",
        source_name="synthetic",
        rows_read=n,
    )
    return table, group


def peak_gb() -> float:
    """Return this process's peak resident memory so far, in GB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def best_of(repeats: int, func: object) -> tuple[float, object]:
    """Return the best wall time of `repeats` calls and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times), result


def bare_segment(table: CustomerTable, k: int) -> np.ndarray:
    frame = table.customers
    x = np.hstack(
        [
            StandardScaler().fit_transform(frame[NUMERIC].to_numpy(float)),
            pd.get_dummies(frame[CATEGORICAL]).to_numpy(float),
        ]
    )
    return KMeans(n_clusters=k, n_init="auto", random_state=0).fit_predict(x)


def bare_scan(table: CustomerTable) -> list[float]:
    frame = table.customers
    x = np.hstack(
        [
            StandardScaler().fit_transform(frame[NUMERIC].to_numpy(float)),
            pd.get_dummies(frame[CATEGORICAL]).to_numpy(float),
        ]
    )
    scores = []
    for k in range(2, 11):
        labels = KMeans(n_clusters=k, n_init="auto", random_state=0).fit_predict(x)
        scores.append(float(silhouette_score(x, labels, sample_size=min(len(x), 10_000), random_state=0)))
    return scores


def sample_report() -> None:
    path = ROOT / "sample_data" / "saas_accounts.csv"
    truth_path = ROOT / "sample_data" / "truth" / "accounts_truth.csv"
    if not path.exists() or not truth_path.exists():
        print("sample data: not there, skipped")
        return
    frame = pd.read_csv(path).rename(columns={"account_id": "customer_id", "arr": "revenue"})
    table = CustomerTable(
        customers=frame[["customer_id", "revenue", *PLANTED]],
        roles={c: ColumnRole(c, "numeric", 1.0, "") for c in PLANTED},
        id_column="account_id",
        revenue_column="arr",
        revenue_unit="ARR",
        source_name=path.name,
        rows_read=len(frame),
    )
    truth = pd.read_csv(truth_path)["planted_group"].to_numpy()
    features = build_features(table, CriteriaSettings(columns=PLANTED))
    result = segment_customers(table, features, SegmentationSettings(k=4))
    start = time.perf_counter()
    scan = scan_k(features, SegmentationSettings())
    seconds = time.perf_counter() - start
    print(
        f"sample data ({len(frame):,} accounts, planted criteria): "
        f"ARI {adjusted_rand_score(truth, result.labels):.3f}; "
        f"recommended k {scan.recommended_k}; scan k=2..10 {seconds:.2f} s"
    )
    print(f"  {scan.reason}")


def stability_only(features: object, labels: np.ndarray, settings: SegmentationSettings) -> float | None:
    """Time the stability measure alone (k-means refits on seeded resamples)."""
    from segmentation.segments.segmenting import _run_method  # noqa: PLC0415
    from segmentation.segments.stability import measure_stability  # noqa: PLC0415

    return measure_stability(
        features,  # type: ignore[arg-type]
        labels,
        settings,
        lambda f, s: np.asarray(_run_method(None, f, s, [])[0]),  # type: ignore[arg-type]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-scan", action="store_true", help="skip the k scans")
    args = parser.parse_args()
    table, group = synthetic(args.n)
    criteria = CriteriaSettings(columns=NUMERIC + CATEGORICAL)
    settings = SegmentationSettings(k=args.k, seed=0)

    before = peak_gb()
    t_features, features = best_of(args.repeats, lambda: build_features(table, criteria))
    t_segment, result = best_of(args.repeats, lambda: segment_customers(table, features, settings))  # type: ignore[arg-type]
    ours_peak = peak_gb() - before
    t_bare_segment, bare_labels = best_of(args.repeats, lambda: bare_segment(table, args.k))

    ours = t_features + t_segment
    print(f"{args.n:,} synthetic customers, {len(NUMERIC)} numbers + {len(CATEGORICAL)} categories, k = {args.k}")
    print(f"  build_features            {t_features:7.2f} s")
    print(f"  segment_customers         {t_segment:7.2f} s  (k-means, numbering, profiles, names, rules)")
    print(
        f"  features + segments       {ours:7.2f} s  vs bare scale+one-hot+KMeans {t_bare_segment:.2f} s  "
        f"ratio {ours / t_bare_segment:.2f}"
    )
    print(f"  peak RSS growth while making features + segments: {ours_peak:.2f} GB")
    print(f"  stability (refits on resamples, inside segment_customers): {result.stability:.3f}")  # type: ignore[attr-defined]
    t_stability, _ = best_of(args.repeats, lambda: stability_only(features, result.labels, settings))  # type: ignore[attr-defined]
    print(f"  of which stability        {t_stability:7.2f} s  ({t_stability / t_segment:.0%} of segment_customers)")
    t_auto, auto = best_of(1, lambda: segment_customers(table, features, SegmentationSettings(seed=0)))
    print(
        f"  segment_customers, k from the data {t_auto:7.2f} s  ratio {t_auto / t_segment:.2f} to the fixed k; "
        f"k = {auto.k}: {auto.k_reason}"  # type: ignore[attr-defined]
    )
    scan = None
    if not args.no_scan:
        t_scan, scan = best_of(1, lambda: scan_k(features, settings))  # type: ignore[arg-type]
        t_bare_scan, _ = best_of(1, lambda: bare_scan(table))
        print(
            f"  scan_k k=2..10            {t_scan:7.2f} s  vs bare KMeans + sampled silhouette {t_bare_scan:.2f} s  "
            f"ratio {t_scan / t_bare_scan:.2f}"
        )
    print(
        f"  ARI vs planted groups: ours {adjusted_rand_score(group, result.labels):.3f}, "  # type: ignore[attr-defined]
        f"bare {adjusted_rand_score(group, bare_labels):.3f}"
    )  # type: ignore[arg-type]
    if scan is not None:
        print(f"  recommended k {scan.recommended_k} (planted 5): {scan.reason}")  # type: ignore[attr-defined]
        sample_report()


if __name__ == "__main__":
    main()
