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
    arr_high_by_cost: float | None = None
    """When the data's top-tier threshold was lowered to where high-touch costs `affordable_cost_share` of
    revenue, the data's own value (which `arr_high` replaced); None when it was not lowered."""
    arr_low_by_cost: float | None = None
    """As `arr_high_by_cost`, for the lower-tier threshold and medium-touch's cost."""
    affordable_share: float | None = None
    """The `affordable_cost_share` the revenue thresholds were held to (None when off)."""
    revenue_read_on: int | None = None
    """When the revenue thresholds read from the data were read on the accounts with revenue above 0 only
    (at least half had none), how many those were; None when read on every account."""
    potential_read_on: int | None = None
    """As `revenue_read_on`, for the potential thresholds."""

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
            "read_on_accounts_above_zero": {"revenue": self.revenue_read_on, "potential": self.potential_read_on},
            "lowered_from_data": {"arr_high": self.arr_high_by_cost, "arr_low": self.arr_low_by_cost},
        }

    def origin_words(self, name: str) -> str:
        """Where the threshold `name` ("arr_high", "arr_low", "potential_high", "potential_low") came from, in
        the words the policy's rules and the Service page's tier boxes both say."""
        if getattr(self, f"{name}_from") == "set":
            return "set by you"
        lowered = {"arr_high": self.arr_high_by_cost, "arr_low": self.arr_low_by_cost}.get(name)
        if lowered is not None and self.affordable_share is not None:
            model = "high-touch" if name == "arr_high" else "medium-touch"
            return (
                f"{model} costs {self.affordable_share:.0%} of it or less from there; "
                f"the data's: {format_money(lowered)}"
            )
        read_on = self.revenue_read_on if name.startswith("arr") else self.potential_read_on
        return "from the data" + (f", read on the {read_on:,} accounts above 0" if read_on is not None else "")

    def notes(self, customers: int, unit: str, potential: str) -> list[str]:
        """What the plan says when a pair of thresholds was read on the accounts above zero only (`unit`: the
        revenue's name, `potential`: what the potential tiers are on, in words), or when a revenue threshold
        was lowered to where a personal model costs `affordable_share` of the revenue (its cost is that share
        of the threshold)."""
        said = []
        share = self.affordable_share
        for lowered, tier, model, value in (
            (self.arr_high_by_cost, "top", "high-touch", self.arr_high),
            (self.arr_low_by_cost, "middle", "medium-touch", self.arr_low),
        ):
            if lowered is not None and share is not None:
                said.append(
                    f"The {tier} {unit} tier starts at {format_money(value)}, where {model}'s "
                    f"{format_money(value * share)} a year is {share:.0%} of the {unit}, not at the data's "
                    f"{format_money(lowered)}: an account that pays for its {model} service {1 / share:.0f} "
                    "times over gets it."
                )
        for read_on, what in ((self.revenue_read_on, unit), (self.potential_read_on, potential)):
            if read_on is not None:
                said.append(
                    f"{customers - read_on:,} of {customers:,} accounts have no {what}, so the {what} tiers are read "
                    f"on the {read_on:,} that have some; those without any are in the lower tier."
                )
        return said


def tier_thresholds(revenue: np.ndarray, basis: np.ndarray, settings: ServiceSettings, unit: str) -> TierThresholds:
    """Return the thresholds in force: the user's where set, else the data's quantiles.

    The data's are read on the accounts above 0 when at least half are at 0 (`_read_on`), and the revenue
    ones are never above where a personal model costs `affordable_cost_share` of the revenue (`_affordable`).
    Raises `InputError` when a low threshold ends up above its high one (the tiers would overlap).
    """
    revenue_on, revenue_read_on = _read_on(revenue)
    basis_on, potential_read_on = _read_on(basis)
    arr_high, arr_high_from = _threshold(settings.arr_high, revenue_on, _DEFAULT_SHARES["arr_high"])
    arr_low, arr_low_from = _threshold(settings.arr_low, revenue_on, _DEFAULT_SHARES["arr_low"])
    arr_high, arr_high_by_cost = _affordable(arr_high, arr_high_from, settings.cost_high, settings)
    arr_low, arr_low_by_cost = _affordable(arr_low, arr_low_from, settings.cost_medium, settings)
    if arr_low > arr_high and arr_low_by_cost is not None:  # medium-touch set dearer than high-touch
        arr_low = arr_high
    pot_high, pot_high_from = _threshold(settings.potential_high, basis_on, _DEFAULT_SHARES["potential_high"])
    pot_low, pot_low_from = _threshold(settings.potential_low, basis_on, _DEFAULT_SHARES["potential_low"])
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
        arr_high_by_cost=arr_high_by_cost,
        arr_low_by_cost=arr_low_by_cost,
        affordable_share=settings.affordable_cost_share,
        revenue_read_on=revenue_read_on if settings.arr_high is None or settings.arr_low is None else None,
        potential_read_on=potential_read_on
        if settings.potential_high is None or settings.potential_low is None
        else None,
    )


def _affordable(threshold: float, origin: Origin, cost: float, settings: ServiceSettings) -> tuple[float, float | None]:
    """A revenue threshold read from the data, lowered to where `cost` is `affordable_cost_share` of revenue
    when that is lower; returns the threshold and, when lowered, the data's value it replaced."""
    share = settings.affordable_cost_share
    if origin != "data" or share is None or cost <= 0:
        return threshold, None
    floor = cost / share
    return (floor, threshold) if floor < threshold else (threshold, None)


def _read_on(values: np.ndarray) -> tuple[np.ndarray, int | None]:
    """The values the data's thresholds are read on, and how many when not all of them.

    When at least half the accounts are at 0 (no revenue in the window: lapsed buyers, a free tier), the
    median is 0 and "below 0" would leave the lower tier empty, the accounts at 0 in the middle one. Then
    the thresholds are read on the accounts above 0, and those at 0 fall in the lower tier.
    """
    values = np.asarray(values, dtype=float)
    above = values[values > 0]
    if len(values) == 0 or len(above) == 0 or len(above) > len(values) / 2:
        return values, None
    return above, len(above)


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
