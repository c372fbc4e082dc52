"""Settings for reading files and building the customer table (owned by the intake modules)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class IntakeSettings(BaseModel):
    """How files are read and turned into one row per customer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id_column: str | None = None
    """Column holding the customer ID; None means detect it."""
    revenue_column: str | None = None
    """Column holding revenue; None means detect it."""
