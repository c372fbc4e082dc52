"""Settings for ARR potential and the service-model policy (owned by the service modules)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PotentialSettings(BaseModel):
    """How short- and long-term ARR potential are estimated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    potential_column: str | None = None
    """A column with the user's own potential estimate (from the CRM); None means estimate it."""


class ServiceSettings(BaseModel):
    """The policy that maps value and potential to high-, medium- and tech-touch."""

    model_config = ConfigDict(frozen=True, extra="forbid")
