"""Settings for ARR potential and the service-model policy (owned by the service modules)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from segmentation.service.move_rules import DEFAULT_MOVE_RULES, MoveRule
from segmentation.validation import SEED_MAX, check_values

SERVICE_MODELS = ("high-touch", "medium-touch", "tech-touch")
"""Every service model, from the most to the least personal."""

TIERS = ("high", "mid", "low")
"""Tier names for current revenue and for potential, from the top down."""

REASON = "service_model_reason"
"""The column (of the plan's lists and of customers.csv) that says in words why an account gets its model."""

MOVE_REASON = "move_reason"
"""The column of the move and save lists that says in words why an account is on one."""

DEFAULT_GRID: dict[str, dict[str, str]] = {
    "high": {"high": "high-touch", "mid": "high-touch", "low": "high-touch"},
    "mid": {"high": "high-touch", "mid": "medium-touch", "low": "medium-touch"},
    "low": {"high": "medium-touch", "mid": "tech-touch", "low": "tech-touch"},
}
"""Current-revenue tier → potential tier → service model, the default policy."""

DEFAULT_PLAYBOOKS: dict[str, str] = {
    "high-touch": (
        "Named CSM; quarterly business reviews with an executive sponsor; a joint success plan with "
        "goals the customer signs up to; expansion mapping across teams; early renewal talks 6 months out. "
        "Message: we know your business and invest in your results."
    ),
    "medium-touch": (
        "Pooled CSMs with a shared queue; onboarding and adoption programmes by cohort; webinars and "
        "office hours; health-score alerts trigger a call; renewal outreach 90 days out. "
        "Message: proven practices from companies like yours."
    ),
    "tech-touch": (
        "Automated onboarding emails and in-app guides; a self-serve help centre and community; "
        "usage-triggered nudges toward the next plan; digital renewal reminders. "
        "Message: get value fast on your own, help is a click away."
    ),
}
"""A short default playbook (motions and messaging) per service model."""


class PotentialSettings(BaseModel):
    """How short- and long-term ARR potential are estimated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    potential_column: str | None = None
    """A column with the user's own potential estimate (from the CRM); None means estimate it."""

    short_term_column: str | None = None
    """A column with the user's own short-term (next 12 months, additional) potential; None estimates it."""

    mature_after_months: int = Field(default=24, ge=1, le=240)
    """Accounts at least this many months old count as mature when fitting long-term potential."""

    lookalike_percentile: float = Field(default=75.0, ge=50.0, le=99.0)
    """Similar accounts' revenue at this percentile is what an account could reach."""

    realisation_factor: float = Field(default=0.2, ge=0.0, le=1.0)
    """Share of the look-alike gap an account can realistically close in the next 12 months."""

    min_group_size: int = Field(default=10, ge=3, le=1000)
    """Smallest group of similar accounts to trust; smaller groups fall back to a broader group."""

    near_full_utilisation: float = Field(default=0.85, ge=0.3, le=2.0)
    """Seat or usage utilisation from which an account is treated as ready to expand."""

    seat_growth: float = Field(default=0.15, ge=0.0, le=3.0)
    """Extra seats (share of seats bought) a near-full account is expected to add in 12 months."""

    long_term_quantile: float = Field(default=0.75, ge=0.5, le=0.95)
    """Quantile of what mature look-alikes reach that is taken as the long-term potential."""

    seed: int = Field(default=0, ge=0, le=SEED_MAX)
    """Seed for the held-out split used to measure the long-term model's fit."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""
    at_risk_from: float = Field(default=50.0, ge=1.0, le=100.0)
    """Risk score (0–100) from which an account is at risk: its 12-month expansion potential is not
    counted, it never goes on the move-up list and it gets a save play instead."""


PIN_TEXT_LIMIT = 300
"""Most characters kept in a pin's "who" and "why" (free text, shown as text, never as HTML)."""


class Pin(BaseModel):
    """A leader's decision the plan honours: named accounts (or every account above an ARR floor)
    pinned to a model, or kept out of any move; with who set it and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accounts: list[str] = Field(default_factory=list, max_length=10_000)
    """Customer IDs, exactly as in the file."""
    arr_floor: float | None = Field(default=None, ge=0.0)
    """Every account whose revenue is at least this much is pinned too."""
    model: Literal["high-touch", "medium-touch", "tech-touch"] | None = None
    """The model these accounts get whatever the grid, capacity or budget say; None = keep today's
    (or the plan's) model and keep them out of every move list."""
    set_by: str = Field(default="", max_length=PIN_TEXT_LIMIT)
    reason: str = Field(default="", max_length=PIN_TEXT_LIMIT)

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @field_validator("accounts")
    @classmethod
    def _strip_ids(cls, accounts: list[str]) -> list[str]:
        """Trim the IDs and drop blanks, keeping their order."""
        return [str(a).strip() for a in accounts if str(a).strip()]


class ServiceSettings(BaseModel):
    """The policy that maps value and potential to high-, medium- and tech-touch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    arr_high: float | None = None
    """Current revenue at or above which an account is in the high tier; None = the top 10% boundary."""

    arr_low: float | None = None
    """Current revenue below which an account is in the low tier; None = the bottom 50% boundary."""

    potential_high: float | None = None
    """Potential at or above which an account is in the high potential tier; None = the top 15% boundary."""

    potential_low: float | None = None
    """Potential below which an account is in the low potential tier; None = the bottom 50% boundary."""

    potential_basis: Literal["long_term", "short_term", "blend"] = "long_term"
    """Which potential sets the potential tier: long-term (total at maturity), short-term (extra in 12
    months) or blend (the average of next year's total and the total at maturity)."""

    grid: dict[str, dict[str, str]] = Field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_GRID.items()})
    """Current-revenue tier (high/mid/low) → potential tier (high/mid/low) → service model."""

    segment_overrides: dict[str, str] = Field(default_factory=dict)
    """Segment id (as text) → service model that every customer of that segment gets."""

    high_touch_csms: int | None = Field(default=None, ge=0)
    """CSMs available for high-touch accounts; None = no limit (the headcount needed is reported)."""

    accounts_per_csm_high: int = Field(default=12, ge=1)
    """Accounts one high-touch CSM can look after (public rule of thumb: 8–15)."""

    medium_touch_csms: int | None = Field(default=None, ge=0)
    """CSMs available for medium-touch accounts; None = no limit (the headcount needed is reported)."""

    accounts_per_csm_medium: int = Field(default=50, ge=1)
    """Accounts one medium-touch CSM can look after (public rule of thumb: 30–75)."""

    weight_current: float = Field(default=0.5, ge=0.0, le=1000.0)
    """Weight of current revenue (percentile) in the priority score."""

    weight_potential: float = Field(default=0.5, ge=0.0, le=1000.0)
    """Weight of potential (percentile) in the priority score."""

    cost_high: float = Field(default=12000.0, ge=0.0)
    """Yearly cost to serve one high-touch account: a fully loaded CSM (about 150k a year) over a book of 12."""

    cost_medium: float = Field(default=3000.0, ge=0.0)
    """Yearly cost to serve one medium-touch account: a fully loaded CSM over a book of 50."""

    cost_tech: float = Field(default=300.0, ge=0.0)
    """Yearly cost to serve one tech-touch account."""

    affordable_cost_share: float | None = Field(default=0.05, gt=0.0, le=1.0)
    """A personal model is always worth offering an account it would cost at most this share of the
    account's yearly revenue: revenue tiers read from the data never put such an account below the tier
    that calls for it (at 5%: the top tier from 240k for high-touch's 12k, the middle tier from 60k for
    medium-touch's 3k). Quantiles alone would put a 200k account on tech-touch in a book whose median is
    200k. None = the tiers follow the data alone. Thresholds you set are kept as set."""

    current_model_column: str | None = None
    """The column that says how each account is served today (e.g. "CS coverage": "Enterprise CSM",
    "Pooled", "Digital"); None = look for one by its name and values."""

    detect_current_model: bool = True
    """When no current-model column is named, look for one; False = judge moves by the plan's rules alone."""

    current_model_values: dict[str, str] = Field(default_factory=dict)
    """Value of the current-model column → service model, for values the keywords do not read."""

    move_up_multiple: float = Field(default=3.0, ge=1.0, le=100.0)
    """Without a current-model column: an account whose potential is at least this many times its
    revenue (and whose revenue reaches the middle tier) is flagged to move up."""

    max_cost_share: float = Field(default=0.25, gt=0.0, le=10.0)
    """Without a current-model column: a high-touch account whose cost to serve is more than this
    share of its revenue is flagged to move down."""

    move_rules: tuple[MoveRule, ...] = Field(default=DEFAULT_MOVE_RULES, max_length=100)
    """Without a current-model column: the rules that put accounts on the move-up and move-down lists,
    in the order their reasons are written (`move_rules.DEFAULT_MOVE_RULES`; replace the whole table
    in the settings JSON to change them)."""

    playbooks: dict[str, str] = Field(default_factory=dict)
    """Service model → playbook text replacing the default one."""

    cost_budget_share: float | None = Field(default=0.15, gt=0.0, le=10.0)
    """The most each personal model (high- and medium-touch) may cost, as a share of the revenue it
    serves; cut-offs are solved so the plan stays within it (None = no budget). 15% follows the public
    rule of thumb of $1–2M ARR per CSM at a fully loaded cost of about $150k a year."""

    allow_cost_above_revenue: bool = False
    """False: no model may cost more than the revenue it serves (tech-touch is pooled down to fit)."""

    consumer_like: Literal["auto", "yes", "no"] = "auto"
    """Whether the business is consumer-like (tiny revenue per customer, thousands of customers); "auto"
    decides from the data. Consumer-like plans are pooled and tech-touch by default."""

    consumer_median_revenue: float = Field(default=1000.0, ge=0.0)
    """auto: a median revenue per paying customer below this (a year) with `consumer_min_customers` or more
    paying customers reads as consumer-like (customers bringing nothing are left out of both)."""

    consumer_min_customers: int = Field(default=1000, ge=1)
    """auto: the fewest paying customers for a consumer-like business."""

    pins: list[Pin] = Field(default_factory=list, max_length=200)
    """Named accounts or an ARR floor pinned to a model or kept out of moves, with who and why."""

    segment_playbooks: dict[str, str] = Field(default_factory=dict)
    """Segment id (as text) → extra playbook text for that segment."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @field_validator("grid")
    @classmethod
    def _check_grid(cls, grid: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        """Fill missing cells with the default policy and reject unknown tiers or models."""
        full = {k: dict(v) for k, v in DEFAULT_GRID.items()}
        for arr_tier, row in grid.items():
            if arr_tier not in TIERS:
                raise ValueError(f"grid tier '{arr_tier}' is unknown; use high, mid or low")
            for potential_tier, model in row.items():
                if potential_tier not in TIERS:
                    raise ValueError(f"grid tier '{potential_tier}' is unknown; use high, mid or low")
                if model not in SERVICE_MODELS:
                    raise ValueError(f"service model '{model}' is unknown; use {', '.join(SERVICE_MODELS)}")
                full[arr_tier][potential_tier] = model
        return full

    @field_validator("segment_overrides")
    @classmethod
    def _check_overrides(cls, overrides: dict[str, str]) -> dict[str, str]:
        """Reject overrides to an unknown model or for a segment id that is not a whole number."""
        for segment, model in overrides.items():
            if not str(segment).strip().lstrip("-").isdigit():
                raise ValueError(f"segment override key '{segment}' must be a segment number")
            if model not in SERVICE_MODELS:
                raise ValueError(f"service model '{model}' is unknown; use {', '.join(SERVICE_MODELS)}")
        return {str(int(k)): v for k, v in overrides.items()}

    @field_validator("current_model_values")
    @classmethod
    def _check_current_values(cls, values: dict[str, str]) -> dict[str, str]:
        """Reject a mapping to an unknown service model."""
        for value, model in values.items():
            if model not in SERVICE_MODELS:
                raise ValueError(f"'{value}' is mapped to '{model}', which is unknown; use {', '.join(SERVICE_MODELS)}")
        return values

    @field_validator("playbooks")
    @classmethod
    def _check_playbooks(cls, playbooks: dict[str, str]) -> dict[str, str]:
        """Reject playbooks for an unknown service model."""
        for model in playbooks:
            if model not in SERVICE_MODELS:
                raise ValueError(f"playbook for '{model}' is unknown; use {', '.join(SERVICE_MODELS)}")
        return playbooks
