"""Settings for revenue concentration and segment economics (owned by the economics modules)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ConcentrationSettings(BaseModel):
    """Choices behind the concentration views."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    top_n: int = Field(default=10, ge=1)
