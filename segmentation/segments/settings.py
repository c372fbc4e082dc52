"""Settings for criteria, features and the segmentation method (owned by the segments modules)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CriteriaSettings(BaseModel):
    """Which columns to segment on, and how much each counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: list[str] | None = None
    """Columns to segment on; None means a sensible default picked from the detected roles."""


class SegmentationSettings(BaseModel):
    """The method and its parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: str = "kmeans"
    k: int = Field(default=4, ge=1, le=50)
    seed: int = 42
