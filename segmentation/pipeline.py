"""Run the stages in order: intake → features → segments → money → potential → service plan.

Each stage is a separate function of its inputs so the app can cache it by the part of the
settings it reads, and a widget change reruns only the stages downstream of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.config import AnalysisConfig
from segmentation.economics import ConcentrationReport, SegmentEconomics, analyse_concentration, segment_economics
from segmentation.errors import InputError
from segmentation.formatting import plural
from segmentation.intake import CustomerTable, Source, build_customer_table
from segmentation.narrative import LedgerTotals
from segmentation.result import FIXED_CUSTOMER_COLUMNS, WORKING_LIST_COLUMNS, AnalysisResult
from segmentation.segments import FeatureMatrix, Segmentation, build_features, segment_customers
from segmentation.segments.segmenting import CLUSTERING_METHODS, name_segments
from segmentation.service import PotentialEstimate, ServicePlan, estimate_potential, plan_service
from segmentation.service.policy import PlanBase, plan_base
from segmentation.service.potential import PotentialGround, potential_ground
from segmentation.service.validation import CONFIDENCE_WORDS

Progress = Callable[[float, str], None]
"""A callback taking the fraction done (0–1) and a sentence saying what is happening."""


def load_customers(primary: Source, config: AnalysisConfig, related: Source | None = None) -> CustomerTable:
    """Read the file(s) and return one row per customer with the exclusion ledger."""
    table = build_customer_table(primary, config.intake, related)
    if table.n_customers == 0:
        raise InputError(
            f"No customers are left in '{primary.name}' after reading it "
            f"({plural(LedgerTotals.of(table).excluded, 'row')} excluded; see the exclusions); "
            "check the customer ID and revenue columns."
        )
    if table.n_customers == 1:
        raise InputError(
            f"'{primary.name}' holds only one customer ({table.customers['customer_id'].iloc[0]}); segments, "
            "concentration and service tiers compare customers with each other, so analyse at least 2 customers."
        )
    return table


def find_segments(
    table: CustomerTable, config: AnalysisConfig, progress: Progress | None = None
) -> tuple[FeatureMatrix, Segmentation]:
    """Build the feature matrix from the chosen criteria and segment the customers."""
    features = build_features(table, config.criteria)
    segmentation = segment_customers(table, features, config.segmentation, progress=progress)
    return features, segmentation


def segment_base(table: CustomerTable, segmentation: Segmentation) -> pd.DataFrame:
    """One row per customer: ID, revenue, segment and its name (what the money stages read)."""
    labels = np.asarray(segmentation.labels)
    names = {profile.id: profile.name for profile in segmentation.profiles}
    return pd.DataFrame(
        {
            "customer_id": table.customers["customer_id"].astype("str").array,
            "revenue": table.customers["revenue"].to_numpy(dtype=float),
            "segment": labels,
            # one name per segment, spread to the rows by the label (no per-row Python)
            "segment_name": pd.Series(labels).map(names).astype("str").array,
        }
    )


def measure_money(
    table: CustomerTable, segmentation: Segmentation, config: AnalysisConfig
) -> tuple[ConcentrationReport, SegmentEconomics]:
    """Revenue concentration and segment economics: the stage that reads `config.concentration` only."""
    base = segment_base(table, segmentation)
    return _concentration(base, table, config), segment_economics(base, table, config.concentration)


def measure_concentration(
    table: CustomerTable, segmentation: Segmentation, config: AnalysisConfig
) -> ConcentrationReport:
    """Revenue concentration alone (the app caches it apart from the economics, which read fewer settings)."""
    return _concentration(segment_base(table, segmentation), table, config)


def measure_economics(table: CustomerTable, segmentation: Segmentation, config: AnalysisConfig) -> SegmentEconomics:
    """Segment economics alone: they read only the `ECONOMICS_SETTINGS` of `config.concentration`."""
    return segment_economics(segment_base(table, segmentation), table, config.concentration)


def _concentration(base: pd.DataFrame, table: CustomerTable, config: AnalysisConfig) -> ConcentrationReport:
    group = config.concentration.group_column
    if group and group in table.customers.columns and group not in base.columns:
        return analyse_concentration(base.assign(**{group: table.customers[group].to_numpy()}), config.concentration)
    return analyse_concentration(base, config.concentration)


def estimate(
    table: CustomerTable, segmentation: Segmentation, config: AnalysisConfig, ground: PotentialGround | None = None
) -> PotentialEstimate:
    """Short- and long-term potential and risk: the stage that reads `config.potential` only (and the labels).

    `ground` is `potential_groundwork` of the same table and settings, when the caller keeps it.
    """
    return estimate_potential(table, np.asarray(segmentation.labels), config.potential, ground=ground)


def potential_groundwork(table: CustomerTable, config: AnalysisConfig) -> PotentialGround:
    """The potential's label-free part (columns, size, industry, seat and usage headroom, risk): it reads the
    table and `config.potential`, never the segments."""
    return potential_ground(table, config.potential)


def plan(
    table: CustomerTable,
    segmentation: Segmentation,
    potential: PotentialEstimate,
    config: AnalysisConfig,
    base: PlanBase | None = None,
) -> ServicePlan:
    """The service plan: the stage that reads `config.service` (and the potential it is given), from `base`
    (`plan_groundwork` of the same inputs) when the caller has it."""
    return plan_service(
        table, np.asarray(segmentation.labels), segmentation.names, potential, config.service, base=base
    )


def plan_groundwork(
    table: CustomerTable, segmentation: Segmentation, potential: PotentialEstimate, config: AnalysisConfig
) -> PlanBase:
    """The part of the plan before capacity and budget: it reads only the `BASE_SETTINGS` of `config.service`."""
    return plan_base(table, np.asarray(segmentation.labels), segmentation.names, potential, config.service)


def assemble(
    table: CustomerTable,
    features: FeatureMatrix,
    segmentation: Segmentation,
    *,
    money: tuple[ConcentrationReport, SegmentEconomics],
    potential: PotentialEstimate,
    service: ServicePlan,
    config: AnalysisConfig,
    accounts: pd.DataFrame | None = None,
) -> AnalysisResult:
    """Put the stages' results together with the one customers frame every export and view reads.

    `accounts` is `customers_frame` of the same stages when the caller keeps it (the app does, so a
    concentration or economics change does not build the million-row frame again); it is not changed.
    """
    concentration, economics = money
    if accounts is None:
        accounts = customers_frame(table, features, segmentation, potential, service)
    if economics.customer_profit is not None:  # appended: the file has a profit, margin or cost column
        profit = economics.customer_profit.to_numpy(dtype=float)
        accounts = accounts.assign(gross_profit=profit.round(2), loss_making=profit < -0.005)
    return AnalysisResult(
        config=config,
        table=table,
        features=features,
        segmentation=segmentation,
        concentration=concentration,
        economics=economics,
        potential=potential,
        service=service,
        accounts=accounts,
    )


WORD_SETTINGS = (
    "segmentation.names",
    "service.playbooks",
    "service.segment_playbooks",
    "report.title",
    "report.currency",
)
"""Settings that change words only, never a figure (segment names, playbook texts, the report's title, the
currency label): the stages are keyed without them and `with_words` puts them into a finished analysis."""


def without_words(config: AnalysisConfig) -> AnalysisConfig:
    """Return `config` with the `WORD_SETTINGS` at their defaults: what the stages read."""
    defaults = AnalysisConfig()
    return config.updated(**{path: defaults.value_at(path) for path in WORD_SETTINGS})


def with_names_only(config: AnalysisConfig) -> AnalysisConfig:
    """Return `without_words(config)` keeping the segment names of `config`: the renamed analysis the other
    words are put on (the app caches it, so a playbook typed after a rename renames nothing again)."""
    return without_words(config).updated(**{"segmentation.names": config.segmentation.names})


def with_words(result: AnalysisResult, config: AnalysisConfig) -> AnalysisResult:
    """Return `result` (made from `without_words(config)`) with the words of `config`: its settings, the
    segments' names and the plan's playbooks. Nothing is measured again, so renaming a segment or typing a
    playbook or a title answers at once. Raises `InputError` for names two segments would share."""
    named = name_segments(result.segmentation, config.segmentation)
    if named is not result.segmentation:
        result = result.renamed(named)
    return result.worded(config, result.service.with_playbooks(config.service))


def complete_analysis(
    table: CustomerTable,
    features: FeatureMatrix,
    segmentation: Segmentation,
    config: AnalysisConfig,
) -> AnalysisResult:
    """Add concentration, segment economics, potential and the service plan; return the result."""
    potential = estimate(table, segmentation, config)
    service = plan(table, segmentation, potential, config)
    money = measure_money(table, segmentation, config)
    return assemble(table, features, segmentation, money=money, potential=potential, service=service, config=config)


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


def customers_frame(
    table: CustomerTable,
    features: FeatureMatrix,
    segmentation: Segmentation,
    potential: PotentialEstimate,
    service: ServicePlan,
    *,
    ground: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The customers frame (customers.csv before the economics' profit columns, and without the service
    reasons, which `AnalysisResult.customers` writes when read): what the table, segments, potential and plan
    say per customer. It reads neither the concentration nor the economics. `ground` is `customers_ground` of
    the same table, segments and potential when the caller keeps it (the app does: a new plan then adds its own
    columns only, instead of building the million-row frame again)."""
    frame = (customers_ground(table, features, segmentation, potential) if ground is None else ground).copy(deep=False)
    plan = service.frame
    frame.insert(_position(frame, "segment_name") + 1, "service_model", plan["service_model"].array)
    priority = plan["priority_score"].to_numpy(dtype=float).round(2)
    frame.insert(_position(frame, "long_term_potential") + 1, "priority_score", priority)
    if "move" in plan:
        # Arrow kernels over the text column: 0.04-0.07 s at 1,000,000 accounts against 0.33-0.40 s for the
        # million-object round trip they replace (timed side by side on the same columns)
        move = pa.array(plan["move"], type=pa.large_string())
        move_direction: Any = pd.array(pc.if_else(pc.equal(move, ""), "none", move), dtype="str")
    else:
        move_direction = "none"
    working = {
        "current_service_model": plan["current_model"].array if "current_model" in plan else "",
        "move_direction": move_direction,
        "risk_score": plan["risk_score"].to_numpy(dtype=float) if "risk_score" in plan else np.nan,
        "risk_drivers": plan["risk_drivers"].array if "risk_drivers" in plan else "",
    }
    at = _position(frame, "potential_low")
    for offset, (name, values) in enumerate(working.items()):
        frame.insert(at + offset, name, values)
    frame.insert(_position(frame, "potential_confidence") + 1, "pin", plan["pin"].array if "pin" in plan else "")
    return frame


def _position(frame: pd.DataFrame, column: str) -> int:
    """Where `column` is among the frame's columns."""
    return list(frame.columns).index(column)


def customers_ground(
    table: CustomerTable, features: FeatureMatrix, segmentation: Segmentation, potential: PotentialEstimate
) -> pd.DataFrame:
    """The customers frame without the columns the plan writes: ID, revenue, segment, potential, each source
    column used as a feature, the potential's range and confidence, the account name; in customers.csv order."""
    frame = segment_base(table, segmentation)
    estimate = potential.frame
    frame["short_term_potential"] = estimate["short_term_potential"].to_numpy(dtype=float).round(2)
    frame["long_term_potential"] = estimate["long_term_potential"].to_numpy(dtype=float).round(2)
    for column in features.columns:
        if column not in table.customers.columns or column in ("customer_id", "revenue"):
            continue
        taken = column in frame.columns or column in FIXED_CUSTOMER_COLUMNS or column in WORKING_LIST_COLUMNS
        name = f"input_{column}" if taken else column
        frame[name] = table.customers[column].to_numpy()
    confidence: Any = ""
    if "potential_confidence" in estimate:
        levels = pa.array(estimate["potential_confidence"], type=pa.large_string())
        found = pc.index_in(levels, value_set=pa.array(list(CONFIDENCE_WORDS), type=pa.large_string()))
        confidence = pd.array(
            pa.array(list(CONFIDENCE_WORDS.values()), type=pa.large_string()).take(found), dtype="str"
        )
    frame = frame.assign(
        potential_low=estimate["long_term_low"].to_numpy(dtype=float).round(2)
        if "long_term_low" in estimate
        else np.nan,
        potential_high=estimate["long_term_high"].to_numpy(dtype=float).round(2)
        if "long_term_high" in estimate
        else np.nan,
        potential_confidence=confidence,
    )
    # The account name (role customer_name) goes last, so every list can show it beside the ID.
    names = table.columns_with_role("customer_name")
    if names and "customer_name" not in frame.columns:
        frame["customer_name"] = table.customers[names[0]].astype("string").fillna("").to_numpy(dtype=object)
    return frame
