"""Segment charts (Altair): the customer map, the profile heat-map and the k scan. Data is pre-aggregated or sampled."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from segmentation.charts import AXIS_LABEL_LIMIT, cell_ink, cell_ink_colour, segment_colours
from segmentation.segments.methods import sample_indices
from segmentation.segments.profiles import readable

if TYPE_CHECKING:
    from segmentation.segments.features import FeatureMatrix
    from segmentation.segments.scan import KScan
    from segmentation.segments.segmenting import Segmentation

MAX_INLINE_ROWS = 5000


def segment_map(
    features: FeatureMatrix, segmentation: Segmentation, seed: int = 42, max_points: int = 3000
) -> alt.Chart:
    """Return a 2-D map (PCA) of at most `max_points` sampled customers, coloured by segment name."""
    max_points = min(max_points, MAX_INLINE_ROWS)
    idx = sample_indices(len(features.matrix), max_points, seed)
    x = features.matrix[idx]
    if x.shape[1] >= 2 and len(x) >= 2:
        coords = PCA(n_components=2, random_state=seed).fit_transform(x)
    else:
        first = x[:, 0] if x.shape[1] else np.zeros(len(x))
        coords = np.column_stack([first, np.zeros(len(x))])
    names = {p.id: p.short_name or p.name for p in segmentation.profiles}  # distinct at the legend's width
    labels = np.asarray(segmentation.labels)[idx]
    data = pd.DataFrame(
        {
            "x": coords[:, 0].round(4),
            "y": coords[:, 1].round(4),
            "segment": labels.astype(int),
            "segment_name": [names.get(int(label), str(label)) for label in labels],
        }
    )
    order = [p.short_name or p.name for p in segmentation.profiles]
    shown = f" (a sample of {len(idx):,} of {len(features.matrix):,})" if len(idx) < len(features.matrix) else ""
    return (
        alt.Chart(data, title=f"Customer map: each dot is a customer, colour is the segment{shown}")
        .mark_circle(size=18, opacity=0.6)
        .encode(
            x=alt.X("x:Q", title="Map dimension 1 (similar customers sit close)", axis=alt.Axis(labels=False)),
            y=alt.Y("y:Q", title="Map dimension 2 (similar customers sit close)", axis=alt.Axis(labels=False)),
            color=alt.Color("segment_name:N", title="Segment", sort=order, scale=segment_colours(order)),
            tooltip=[alt.Tooltip("segment:O", title="Segment"), alt.Tooltip("segment_name:N", title="Name")],
        )
        .properties(width=520, height=380)
    )


def profile_heatmap(segmentation: Segmentation) -> alt.Chart:
    """Return segments × numeric criteria coloured by the segment's median relative to the whole base."""
    rows = []
    for profile in segmentation.profiles:
        labels = profile.profile.get("labels", {})
        for column, stats in profile.profile.get("medians", {}).items():
            ratio = stats.get("ratio")
            rows.append(
                {
                    # the short name: distinct at the width an axis shows
                    "segment_name": profile.short_name or profile.name,
                    "criterion": labels.get(column) or readable(column),
                    "ratio": None if ratio is None else round(float(ratio), 3),
                    # a cell without a ratio (base median 0 or missing) reads "–", never "null"
                    "ratio_text": "–" if ratio is None else f"{float(ratio):.1f}",
                    "log2_ratio": None if not ratio else round(float(np.log2(max(ratio, 1e-3))), 3),
                    "segment_median": stats.get("segment"),
                    "base_median": stats.get("base"),
                }
            )
    data = pd.DataFrame(
        rows,
        columns=["segment_name", "criterion", "ratio", "ratio_text", "log2_ratio", "segment_median", "base_median"],
    )
    data["ink"] = cell_ink(data["log2_ratio"])
    order = [p.short_name or p.name for p in segmentation.profiles]
    base = alt.Chart(data, title="What sets each segment apart: median against all customers")
    heat = base.mark_rect().encode(
        x=alt.X("criterion:N", title="Criterion", axis=alt.Axis(labelAngle=-35, labelLimit=AXIS_LABEL_LIMIT)),
        y=alt.Y("segment_name:N", title="Segment", sort=order, axis=alt.Axis(labelLimit=AXIS_LABEL_LIMIT)),
        color=alt.Color(
            "log2_ratio:Q",
            title="Against all customers (red above, blue below)",
            scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True),
        ),
        tooltip=[
            alt.Tooltip("segment_name:N", title="Segment"),
            alt.Tooltip("criterion:N", title="Criterion"),
            alt.Tooltip("segment_median:Q", title="Segment median", format=",.3~g"),
            alt.Tooltip("base_median:Q", title="Median of all customers", format=",.3~g"),
            alt.Tooltip("ratio:Q", title="Times the overall median", format=".2f"),
        ],
    )
    text = base.mark_text(fontSize=10).encode(
        x="criterion:N",
        y=alt.Y("segment_name:N", sort=order),
        text=alt.Text("ratio_text:N"),
        color=cell_ink_colour(),
    )
    return alt.layer(heat, text).properties(width=alt.Step(70), height=alt.Step(28))  # type: ignore[return-value]


def k_scan_chart(scan: KScan) -> alt.Chart:
    """Return one small panel per measure against k, with the recommended k marked."""
    frame = scan.to_frame()
    titles = {
        "silhouette": "Separation (silhouette, higher is better)",
        "stability": "Stability (ARI, higher is better)",
        "davies_bouldin": "Overlap (Davies–Bouldin, lower is better)",
        "calinski_harabasz": "Compactness (Calinski–Harabasz, higher is better)",
    }
    long = frame.melt(id_vars="k", value_vars=list(titles), var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(titles)
    long["recommended"] = long["k"] == scan.recommended_k
    long["value"] = long["value"].astype(float).round(4)
    base = alt.Chart(long).encode(
        x=alt.X("k:O", title="Number of segments (k)"),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
    )
    points = base.mark_circle(size=70).encode(
        color=alt.condition("datum.recommended", alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=[
            alt.Tooltip("k:O", title="k"),
            alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("value:Q", title="Value", format=".3f"),
        ],
    )
    return (  # type: ignore[return-value]
        alt.layer(base.mark_line(color="#1f77b4"), points, data=long)
        .properties(width=220, height=150)
        .facet(facet=alt.Facet("measure:N", title=None, sort=list(titles.values())), columns=2)
        .resolve_scale(y="independent")
        .properties(title=f"How many segments? Recommended: {scan.recommended_k} (red)")
    )
