"""The revenue and potential tiers: where the plan's four thresholds sit and which tier each account is in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from segmentation.errors import InputError
from segmentation.formatting import format_money

if TYPE_CHECKING:
    from segmentation.service.settings import ServiceSettings

Origin = Literal["set", "data"]
"""Where a threshold came from: "set" by the user in the settings, or read from the "data"."""

_DEFAULT_SHARES = {"arr_high": 0.90, "arr_low": 0.50, "potential_high": 0.85, "potential_low": 0.50}
"""The quantile of the values each threshold left unset is read at (top 10% / bottom 50% / top 15%)."""


@dataclass(frozen=True)
class TierThresholds:
    """The four tier thresholds the plan used, each with where it came from."""

    arr_high: float
    """Revenue at or above which an account is in the top revenue tier (the file's revenue unit)."""
    arr_low: float
    """Revenue below which an account is in the lower revenue tier."""
    potential_high: float
    """Potential (on `potential_basis`) at or above which an account has high potential."""
    potential_low: float
    """Potential below which an account has low potential."""
    potential_basis: str
    """Which potential the two potential thresholds are on: "long_term", "short_term" or "blend"."""
    arr_high_from: Origin
    """Whether `arr_high` was set by the user or read from the data."""
    arr_low_from: Origin
    """Whether `arr_low` was set by the user or read from the data."""
    potential_high_from: Origin
    """Whether `potential_high` was set by the user or read from the data."""
    potential_low_from: Origin
    """Whether `potential_low` was set by the user or read from the data."""

    def to_dict(self) -> dict[str, Any]:
        """Return the thresholds as written to summary.json: the four values, the basis, and "from" per value."""
        return {
            "arr_high": self.arr_high,
            "arr_low": self.arr_low,
            "potential_high": self.potential_high,
            "potential_low": self.potential_low,
            "potential_basis": self.potential_basis,
            "from": {
                "arr_high": self.arr_high_from,
                "arr_low": self.arr_low_from,
                "potential_high": self.potential_high_from,
                "potential_low": self.potential_low_from,
            },
        }


def tier_thresholds(revenue: np.ndarray, basis: np.ndarray, settings: ServiceSettings, unit: str) -> TierThresholds:
    """Return the thresholds in force: the user's where set, else the data's quantiles.

    Raises `InputError` when a low threshold ends up above its high one (the tiers would overlap).
    """
    arr_high, arr_high_from = _threshold(settings.arr_high, revenue, _DEFAULT_SHARES["arr_high"])
    arr_low, arr_low_from = _threshold(settings.arr_low, revenue, _DEFAULT_SHARES["arr_low"])
    pot_high, pot_high_from = _threshold(settings.potential_high, basis, _DEFAULT_SHARES["potential_high"])
    pot_low, pot_low_from = _threshold(settings.potential_low, basis, _DEFAULT_SHARES["potential_low"])
    if arr_low > arr_high:
        raise InputError(
            f"The low {unit} threshold ({format_money(arr_low)}) is above the high one ({format_money(arr_high)}); "
            "lower it or raise the high threshold."
        )
    if pot_low > pot_high:
        raise InputError(
            f"The low potential threshold ({format_money(pot_low)}) is above the high one ({format_money(pot_high)}); "
            "lower it or raise the high threshold."
        )
    return TierThresholds(
        arr_high=arr_high,
        arr_low=arr_low,
        potential_high=pot_high,
        potential_low=pot_low,
        potential_basis=settings.potential_basis,
        arr_high_from=arr_high_from,
        arr_low_from=arr_low_from,
        potential_high_from=pot_high_from,
        potential_low_from=pot_low_from,
    )


def _threshold(setting: float | None, values: np.ndarray, share: float) -> tuple[float, Origin]:
    """The user's value when set, else the `share` quantile of `values` (0 for an empty file)."""
    if setting is not None:
        return float(setting), "set"
    if len(values) == 0:
        return 0.0, "data"
    return float(np.quantile(values, share)), "data"


def tier_codes(values: np.ndarray, high: float, low: float) -> np.ndarray:
    """Index into TIERS per value: 0 high (≥ high), 2 low (< low), 1 mid (the rest, NaN included)."""
    return np.where(values >= high, 0, np.where(values < low, 2, 1))
