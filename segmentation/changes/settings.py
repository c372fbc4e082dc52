"""Settings for comparing two dates (owned by the changes modules)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class ChangesSettings(BaseModel):
    """How two snapshots (or two periods of one transactions file) are compared."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    flat_share: float = Field(default=0.005, ge=0, lt=1)
    """An account whose revenue moved by less than this share of its earlier revenue counts as flat."""
    flat_amount: float = Field(default=0.01, ge=0)
    """… or by less than this amount (a cent), whichever is larger."""
    period_months: int | None = Field(default=None, ge=1, le=120)
    """One transactions file: the length of each period in months. None: 12 when the file covers two
    full years, else the longest whole number of months that gives two equal periods."""
    period_end: dt.date | None = None
    """One transactions file: the last day of the later period; None means the latest date in the file."""
    top_movers: int = Field(default=10, ge=1, le=1000)
    """How many of the largest movers of each kind are listed."""
    name_match_overlap: float = Field(default=0.5, gt=0, le=1)
    """A fresh segment keeps an earlier segment's name when at least this share of its accounts falls
    in that earlier segment (the earlier model applied to the new data)."""
