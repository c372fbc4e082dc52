"""Segments stage: criteria → features → segments with profiles, names, rules and the k scan.

Public API::

    criteria_catalogue(table) -> list[Criterion]
    build_features(table, criteria) -> FeatureMatrix
    segment_customers(table, features, settings, progress=None) -> Segmentation
    scan_k(table_or_features, settings, k_range=range(2, 11), progress=None) -> KScan

Charts live in `segmentation.segments.charts` (segment_map, profile_heatmap, k_scan_chart).
"""

from __future__ import annotations

from segmentation.segments.criteria import FAMILIES, Criterion, criteria_catalogue
from segmentation.segments.features import FeatureMatrix, build_features
from segmentation.segments.methods import KPrototypes, RFMScorer, RuleTiers, SampledHDBSCAN, SampledWard
from segmentation.segments.profiles import SegmentProfile
from segmentation.segments.scan import KScan, scan_k
from segmentation.segments.segmenting import Segmentation, renumber_by_revenue, segment_customers
from segmentation.segments.settings import CriteriaSettings, SegmentationSettings

__all__ = [
    "FAMILIES",
    "CriteriaSettings",
    "Criterion",
    "FeatureMatrix",
    "KPrototypes",
    "KScan",
    "RFMScorer",
    "RuleTiers",
    "SampledHDBSCAN",
    "SampledWard",
    "SegmentProfile",
    "Segmentation",
    "SegmentationSettings",
    "build_features",
    "criteria_catalogue",
    "renumber_by_revenue",
    "scan_k",
    "segment_customers",
]
