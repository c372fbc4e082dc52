"""Run the stages in order: intake → features → segments → money → potential → service plan.

Each stage is a separate function of its inputs so the app can cache it by the part of the
settings it reads, and a widget change reruns only the stages downstream of it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from segmentation.config import AnalysisConfig
from segmentation.economics import analyse_concentration, segment_economics
from segmentation.errors import InputError
from segmentation.intake import CustomerTable, Source, build_customer_table
from segmentation.result import FIXED_CUSTOMER_COLUMNS, AnalysisResult
from segmentation.segments import FeatureMatrix, Segmentation, build_features, segment_customers
from segmentation.segments.segmenting import CLUSTERING_METHODS
from segmentation.service import estimate_potential, plan_service

Progress = Callable[[float, str], None]
"""A callback taking the fraction done (0–1) and a sentence saying what is happening."""

INTAKE_SECTIONS = ("intake",)
SEGMENT_SECTIONS = ("intake", "criteria", "segmentation")


def load_customers(primary: Source, config: AnalysisConfig, related: Source | None = None) -> CustomerTable:
    """Read the file(s) and return one row per customer with the exclusion ledger."""
    table = build_customer_table(primary, config.intake, related)
    if table.n_customers == 0:
        raise InputError(
            f"No customers are left in '{primary.name}' after reading it "
            f"({sum(e.rows for e in table.ledger)} rows excluded; see the exclusions); "
            "check the customer ID and revenue columns."
        )
    return table


def find_segments(
    table: CustomerTable, config: AnalysisConfig, progress: Progress | None = None
) -> tuple[FeatureMatrix, Segmentation]:
    """Build the feature matrix from the chosen criteria and segment the customers."""
    features = build_features(table, config.criteria)
    segmentation = segment_customers(table, features, config.segmentation, progress=progress)
    return features, segmentation


def complete_analysis(
    table: CustomerTable,
    features: FeatureMatrix,
    segmentation: Segmentation,
    config: AnalysisConfig,
) -> AnalysisResult:
    """Add concentration, segment economics, potential and the service plan; return the result."""
    labels = np.asarray(segmentation.labels)
    names = {profile.id: profile.name for profile in segmentation.profiles}
    base = pd.DataFrame(
        {
            "customer_id": table.customers["customer_id"].astype("str").array,
            "revenue": table.customers["revenue"].to_numpy(dtype=float),
            "segment": labels,
            # one name per segment, spread to the rows by the label (no per-row Python)
            "segment_name": pd.Series(labels).map(names).astype("str").array,
        }
    )
    group = config.concentration.group_column
    if group and group in table.customers.columns and group not in base.columns:
        concentration = analyse_concentration(
            base.assign(**{group: table.customers[group].to_numpy()}), config.concentration
        )
    else:
        concentration = analyse_concentration(base, config.concentration)
    economics = segment_economics(base, table, config.concentration)
    potential = estimate_potential(table, labels, config.potential)
    service = plan_service(table, labels, names, potential, config.service)
    customers = _customers_frame(base, table, features, potential.frame, service.frame)
    return AnalysisResult(
        config=config,
        table=table,
        features=features,
        segmentation=segmentation,
        concentration=concentration,
        economics=economics,
        potential=potential,
        service=service,
        customers=customers,
    )


def run_analysis(
    primary: Source,
    config: AnalysisConfig | None = None,
    related: Source | None = None,
    progress: Progress | None = None,
    *,
    fit_k_to_data: bool = False,
) -> AnalysisResult:
    """Run the whole analysis on one file (and an optional related table); return the result.

    With `fit_k_to_data` (the CLI's default number of segments, not one the user chose), a file
    with fewer customers than k gets one segment per customer, said in the notes, instead of an
    error; the settings in the result record the k used, so they reproduce it.
    """
    config = config or AnalysisConfig()
    report = progress or (lambda _fraction, _message: None)
    report(0.0, f"Reading {primary.name}")
    table = load_customers(primary, config, related)
    k = config.segmentation.k
    if fit_k_to_data and config.segmentation.method in CLUSTERING_METHODS and table.n_customers < k:
        # too few customers to compare groupings: one segment each, recorded as a fixed k
        config = config.updated(**{"segmentation.k": table.n_customers, "segmentation.auto_k": False})
        table.notes.append(
            f"Only {table.n_customers:,} customers: made {table.n_customers:,} segments instead of the default {k}."
        )
    report(0.3, f"Segmenting {table.n_customers:,} customers")
    features, segmentation = find_segments(table, config)
    report(0.7, "Measuring revenue concentration and planning service models")
    result = complete_analysis(table, features, segmentation, config)
    report(1.0, "Done")
    return result


def _customers_frame(
    base: pd.DataFrame,
    table: CustomerTable,
    features: FeatureMatrix,
    potential: pd.DataFrame,
    service: pd.DataFrame,
) -> pd.DataFrame:
    """Assemble customers.csv: the fixed columns, then each source column used as a feature."""
    frame = base.copy()
    frame["service_model"] = service["service_model"].array
    frame["short_term_potential"] = potential["short_term_potential"].to_numpy(dtype=float).round(2)
    frame["long_term_potential"] = potential["long_term_potential"].to_numpy(dtype=float).round(2)
    frame["priority_score"] = service["priority_score"].to_numpy(dtype=float).round(2)
    frame["service_model_reason"] = service["service_model_reason"].array
    frame = frame[FIXED_CUSTOMER_COLUMNS]
    for column in features.columns:
        if column not in table.customers.columns or column in ("customer_id", "revenue"):
            continue
        name = column if column not in frame.columns else f"input_{column}"
        frame[name] = table.customers[column].to_numpy()
    return frame
