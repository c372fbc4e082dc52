"""Service stage: short- and long-term potential per account and the service-model plan within capacity."""

from segmentation.service.policy import ServicePlan, compare_plans, plan_service
from segmentation.service.potential import PotentialEstimate, estimate_potential
from segmentation.service.settings import SERVICE_MODELS, PotentialSettings, ServiceSettings

__all__ = [
    "SERVICE_MODELS",
    "PotentialEstimate",
    "PotentialSettings",
    "ServicePlan",
    "ServiceSettings",
    "compare_plans",
    "estimate_potential",
    "plan_service",
]
