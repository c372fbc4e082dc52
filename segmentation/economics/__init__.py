"""Where the money is: revenue concentration, segment economics and the ideal customer profile."""

from segmentation.economics.concentration import (
    ConcentrationMetrics,
    ConcentrationReport,
    RiskFlag,
    abc_classes,
    analyse_concentration,
    concentration_by_group,
    concentration_metrics,
    lorenz_points,
    pareto_points,
)
from segmentation.economics.segments import (
    SegmentEconomics,
    customer_profit,
    customer_value,
    ideal_customer_profile,
    segment_economics,
)
from segmentation.economics.settings import ConcentrationSettings

__all__ = [
    "ConcentrationMetrics",
    "ConcentrationReport",
    "ConcentrationSettings",
    "RiskFlag",
    "SegmentEconomics",
    "abc_classes",
    "analyse_concentration",
    "concentration_by_group",
    "concentration_metrics",
    "customer_profit",
    "customer_value",
    "ideal_customer_profile",
    "lorenz_points",
    "pareto_points",
    "segment_economics",
]
