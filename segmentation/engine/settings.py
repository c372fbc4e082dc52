"""Settings of the engine path (sample sizes, the k scan, where the engine runs)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EngineSettings(BaseModel):
    """How the engine path fits and assigns segments; JSON round-trip like every settings object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: str = "duckdb"
    """``duckdb`` (embedded), ``spark``, or an Ibis connection string such as ``postgres://…``."""
    spark_master: str = "local[*]"
    """Spark master URL when `engine` is ``spark`` (``local[*]``, ``spark://host:7077``, ``yarn`` …)."""
    sample_size: int = Field(default=50_000, ge=100)
    """Customers drawn by the engine to fit the segmentation in scikit-learn."""
    check_sample_size: int = Field(default=20_000, ge=100)
    """Customers of the second sample on which the recommended number of segments is checked."""
    k: int | None = Field(default=None, ge=1, le=12)
    """Number of segments; None means the recommended k (silhouette over `k_range`)."""
    k_range: tuple[int, int] = (2, 8)
    """Smallest and largest k tried when recommending k."""
    method: str = Field(default="kmeans", pattern="^(kmeans|rule_tiers)$")
    """``kmeans`` (scaled value and RFM features, nearest centroid) or ``rule_tiers`` (revenue tiers)."""
    seed: int = 42
    """Seed of the samples and of k-means: same seed, same segments, on every engine."""
    tiers: tuple[float, ...] = (0.5, 0.8, 0.95)
    """Rule tiers: revenue quantiles of the sample that separate the tiers (top tier first in labels)."""
    partition_output: bool = True
    """Write the per-customer Parquet partitioned by segment (one folder per segment)."""
    top_n: int = Field(default=10, ge=1)
    """Size of the top-customers list and of the top-N share."""
    top_percent: float = Field(default=20.0, gt=0, le=100)
    """The top-x% share reported beside the top 20%."""
    chart_points: int = Field(default=1000, ge=10, le=1000)
    """Most points of the Pareto and Lorenz curves brought back."""
