"""Settings for revenue concentration and segment economics (owned by the economics modules)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from segmentation.validation import check_values


class ConcentrationSettings(BaseModel):
    """Choices behind the concentration views, the risk flags and segment economics."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    top_n: int = Field(default=10, ge=1)
    """The N in "the top N customers' share of revenue"."""
    top_percent: float = Field(default=20.0, gt=0, le=100)
    """The x in "the top x% of customers bring …" (the 80/20 reading uses 20)."""
    abc_a: float = Field(default=0.80, gt=0, lt=1)
    """Class A: the customers that together make the first 80% of revenue."""
    abc_b: float = Field(default=0.95, gt=0, lt=1)
    """Class B: the customers after A up to 95% of revenue; the rest are class C."""
    flag_largest_customer: float = Field(default=0.10, gt=0, le=1)
    """Flag when one customer holds more than this share of revenue."""
    flag_top_n: float = Field(default=0.50, gt=0, le=1)
    """Flag when the top N customers hold more than this share of revenue."""
    flag_top_percent: float = Field(default=0.80, gt=0, le=1)
    """Flag when the top x% of customers hold more than this share of revenue."""
    flag_hhi: float = Field(default=0.15, gt=0, le=1)
    """Flag when the Herfindahl–Hirschman index (sum of squared shares) exceeds this."""
    flag_segment: float = Field(default=0.60, gt=0, le=1)
    """Flag when one segment holds more than this share of revenue."""
    group_column: str | None = None
    """A column (industry, country, plan …) to break concentration down by; None = none chosen."""
    chart_points: int = Field(default=1000, ge=50, le=5000)
    """Most points a Pareto or Lorenz curve is drawn from (metrics always use every customer)."""
    churn_column: str | None = None
    """Column saying whether a customer churned (yes/no, 1/0); None = detect by name."""
    cac_column: str | None = None
    """Column with the cost to acquire each customer; None = detect by name."""
    margin_column: str | None = None
    """Column with gross margin (share or %) or cost to serve (money); None = detect by name."""
    prior_revenue_column: str | None = None
    """Column with revenue at an earlier date, for growth and net revenue retention; None = detect."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @model_validator(mode="after")
    def _check_abc(self) -> ConcentrationSettings:
        """Class A must end before class B does."""
        if self.abc_a >= self.abc_b:
            raise ValueError(
                f"abc_a ({self.abc_a}) must be below abc_b ({self.abc_b}): class A is the first part of revenue, "
                "B the part after it"
            )
        return self

    value_basis: Literal["revenue", "margin"] = "revenue"
    """What a customer is worth to tiering: revenue, or gross profit (revenue × margin) where the file has a
    profit, margin or cost column (`customer_value`); revenue when it has none."""


ECONOMICS_SETTINGS = frozenset({"churn_column", "cac_column", "margin_column", "prior_revenue_column"})
"""The concentration settings `segment_economics` reads (the columns its measures come from): the app keys the
economics by these alone, so a top-N or a flag threshold change does not work them out again."""
