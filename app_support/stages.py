"""The cached stages of the analysis, the downloads, help choosing k and the changes over time.

The analysis stages are ``st.cache_resource``: one object per file and settings, handed to every rerun
without a copy (a copy per rerun cost seconds and gigabytes at 100k customers), so views only read what
they are given (`tests/test_app_pages.py` checks no page changes it). Exports are ``st.cache_data`` bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

# The conversion `st.altair_chart` makes on every run, made here once per chart (see `_chart_spec`).
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from app_support.state import (
    CHANGES_RESULT_KEY,
    CHOSEN_K_KEY,
    COMPUTED_KEY,
    EARLIER_KEY,
    SCAN_KEY,
    LoadedFile,
    current_file,
    get_config,
    related_file,
)
from app_support.text import inert
from segmentation.charts import fit_to_width
from segmentation.config import AnalysisConfig
from segmentation.economics import ConcentrationReport, SegmentEconomics
from segmentation.economics.settings import ECONOMICS_SETTINGS
from segmentation.errors import InputError
from segmentation.intake import CustomerTable, Source
from segmentation.pipeline import (
    assemble,
    customers_frame,
    customers_ground,
    estimate,
    load_customers,
    measure_concentration,
    measure_economics,
    plan,
    plan_groundwork,
    potential_groundwork,
    with_names_only,
    with_words,
    without_words,
)
from segmentation.result import AnalysisResult
from segmentation.segments import Criterion, FeatureMatrix, Segmentation, build_features, criteria_catalogue
from segmentation.segments.segmenting import (
    DESCRIPTION_SETTINGS,
    Clustering,
    as_chosen,
    chooses_k,
    describe_segments,
    find_clusters,
)
from segmentation.service import PotentialEstimate, ServicePlan
from segmentation.service.policy import BASE_SETTINGS, PlanBase
from segmentation.service.potential import PotentialGround


def _sources(file: LoadedFile, related: LoadedFile | None) -> tuple[Source, Source | None]:
    return file.source(), related.source() if related else None


# Each stage is cached by the file's digest (name and bytes) and the JSON of the settings sections it
# reads, so a widget change reruns only the stages that read what it changed. Each stage fetches the
# stages it reads from their own caches by their own keys.
_stage = st.cache_resource(max_entries=6, show_spinner=False)
_CLUSTER_KEYS = ("intake", "criteria", "segmentation")


def _cluster_json(config: AnalysisConfig) -> str:
    """The sections the clustering reads: the segmentation settings without names, merges and rule depth."""
    data = json.loads(config.section_json(*_CLUSTER_KEYS))
    for name in DESCRIPTION_SETTINGS:
        data["segmentation"].pop(name, None)
    return json.dumps(data, sort_keys=True)


def _labels_json(config: AnalysisConfig, *sections: str) -> str:
    """The sections a stage reads that needs the segment labels but not their words: the segmentation
    settings without names and rule depth (merges stay: they change the labels), plus `sections`."""
    data = json.loads(config.section_json(*_CLUSTER_KEYS, *sections))
    for name in DESCRIPTION_SETTINGS - {"merges"}:
        data["segmentation"].pop(name, None)
    return json.dumps(data, sort_keys=True)


@_stage
def cached_table(
    digest: str, related_digest: str | None, intake_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> CustomerTable:
    config = AnalysisConfig.from_dict(json.loads(intake_json))
    primary, related = _sources(_file, _related)
    return load_customers(primary, config, related)


@_stage
def _cached_features(
    digest: str, related_digest: str | None, criteria_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> FeatureMatrix:
    config = AnalysisConfig.from_dict(json.loads(criteria_json))
    table = cached_table(digest, related_digest, config.section_json("intake"), _file, _related)
    return build_features(table, config.criteria)


def _table_and_features(
    config: AnalysisConfig, digest: str, related_digest: str | None, file: LoadedFile, related: LoadedFile | None
) -> tuple[CustomerTable, FeatureMatrix]:
    """The customer table and the criteria matrix, each from its own cache."""
    table = cached_table(digest, related_digest, config.section_json("intake"), file, related)
    features = _cached_features(digest, related_digest, config.section_json("intake", "criteria"), file, related)
    return table, features


@_stage
def _cached_clusters(
    digest: str, related_digest: str | None, cluster_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> Clustering:
    config = AnalysisConfig.from_dict(json.loads(cluster_json))
    table, features = _table_and_features(config, digest, related_digest, _file, _related)
    return find_clusters(table, features, config.segmentation)


@_stage
def _cached_segments(
    digest: str,
    related_digest: str | None,
    segment_json: str,
    fitted_json: str,
    _file: LoadedFile,
    _related: LoadedFile | None,
) -> tuple[FeatureMatrix, Segmentation]:
    """The segments for `segment_json`, described from the clustering fitted for `fitted_json` (the same
    settings, or their twin that chose the same k from the data: see `_fitted`)."""
    config = AnalysisConfig.from_dict(json.loads(segment_json))
    table, features = _table_and_features(config, digest, related_digest, _file, _related)
    clustering = _cached_clusters(digest, related_digest, fitted_json, _file, _related)
    if chooses_k(clustering.settings) and not chooses_k(config.segmentation):
        clustering = as_chosen(clustering)
    return features, describe_segments(table, features, clustering, config.segmentation)


def _upstream(
    config: AnalysisConfig,
    digest: str,
    related_digest: str | None,
    file: LoadedFile,
    related: LoadedFile | None,
    *,
    fitted: AnalysisConfig | None = None,
) -> tuple[CustomerTable, FeatureMatrix, Segmentation]:
    table = cached_table(digest, related_digest, config.section_json("intake"), file, related)
    features, segmentation = _cached_segments(
        digest, related_digest, config.section_json(*_CLUSTER_KEYS), _cluster_json(fitted or config), file, related
    )
    return table, features, segmentation


@_stage
def _cached_concentration(
    digest: str, related_digest: str | None, money_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> ConcentrationReport:
    config = AnalysisConfig.from_dict(json.loads(money_json))
    table, _features, segmentation = _upstream(config, digest, related_digest, _file, _related)
    return measure_concentration(table, segmentation, config)


@_stage
def _cached_economics(
    digest: str, related_digest: str | None, economics_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> SegmentEconomics:
    config = AnalysisConfig.from_dict(json.loads(economics_json))
    table, _features, segmentation = _upstream(config, digest, related_digest, _file, _related)
    return measure_economics(table, segmentation, config)


def _economics_json(config: AnalysisConfig) -> str:
    """The sections the economics read: the segments', and of the concentration settings only the columns
    their measures come from (`ECONOMICS_SETTINGS`)."""
    return _with_only(config, (*_CLUSTER_KEYS, "concentration"), "concentration", ECONOMICS_SETTINGS)


def _with_only(config: AnalysisConfig, sections: tuple[str, ...], cut: str, kept: frozenset[str]) -> str:
    """The JSON of `sections` of `config`, with the section `cut` holding only the settings in `kept`."""
    data = json.loads(config.section_json(*sections))
    data[cut] = {k: v for k, v in data[cut].items() if k in kept}
    return json.dumps(data, sort_keys=True)


@_stage
def _cached_potential(
    digest: str, related_digest: str | None, potential_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> PotentialEstimate:
    config = AnalysisConfig.from_dict(json.loads(potential_json))
    table, _features, segmentation = _upstream(config, digest, related_digest, _file, _related)
    ground = _cached_potential_ground(
        digest, related_digest, config.section_json("intake", "potential"), _file, _related
    )
    return estimate(table, segmentation, config, ground)


@_stage
def _cached_potential_ground(
    digest: str, related_digest: str | None, ground_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> PotentialGround:
    """The potential's label-free part, keyed by the table's and the potential's settings only: a new k, method
    or merge does not find the columns, the seat headroom or the risk again."""
    config = AnalysisConfig.from_dict(json.loads(ground_json))
    table = cached_table(digest, related_digest, config.section_json("intake"), _file, _related)
    return potential_groundwork(table, config)


@_stage
def _cached_plan_base(
    digest: str, related_digest: str | None, base_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> PlanBase:
    config = AnalysisConfig.from_dict(json.loads(base_json))
    table, _features, segmentation, potential = _with_potential(config, digest, related_digest, _file, _related)
    return plan_groundwork(table, segmentation, potential, config)


def _with_potential(
    config: AnalysisConfig, digest: str, related_digest: str | None, file: LoadedFile, related: LoadedFile | None
) -> tuple[CustomerTable, FeatureMatrix, Segmentation, PotentialEstimate]:
    """What the plan's stages read: the table, criteria and segments (`_upstream`) and the potential, each from
    its own cache."""
    table, features, segmentation = _upstream(config, digest, related_digest, file, related)
    potential = _cached_potential(digest, related_digest, _labels_json(config, "potential"), file, related)
    return table, features, segmentation, potential


def _base_json(config: AnalysisConfig) -> str:
    """The sections the plan's groundwork reads: the segments', the potential's, and of the service settings
    only the `BASE_SETTINGS` (not the CSMs, costs, budget or move rules)."""
    return _with_only(config, (*_CLUSTER_KEYS, "potential", "service"), "service", BASE_SETTINGS)


@_stage
def _cached_plan(
    digest: str, related_digest: str | None, plan_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> ServicePlan:
    config = AnalysisConfig.from_dict(json.loads(plan_json))
    table, _features, segmentation, potential = _with_potential(config, digest, related_digest, _file, _related)
    base = _cached_plan_base(digest, related_digest, _base_json(config), _file, _related)
    return plan(table, segmentation, potential, config, base)


@_stage
def _cached_result(
    digest: str,
    related_digest: str | None,
    config_json: str,
    fitted_json: str,
    _file: LoadedFile,
    _related: LoadedFile | None,
) -> AnalysisResult:
    """The whole analysis for `config_json`; the stages that read only labels and names (money, potential,
    the plan) are keyed by `fitted_json`, the settings whose clustering it uses (see `_fitted`)."""
    config = AnalysisConfig.from_json(config_json)
    fitted = AnalysisConfig.from_json(fitted_json)
    stages_read = without_words(config)
    if stages_read != config:
        # Words go on the analysis made without them: the segment names first, on a result cached by itself
        # (so its lists and charts, which show names, are made once), then playbooks, title, currency label.
        under, under_fitted = with_names_only(config), with_names_only(fitted)
        if under == config:
            under, under_fitted = stages_read, without_words(fitted)
        made = _cached_result(digest, related_digest, under.to_json(), under_fitted.to_json(), _file, _related)
        return with_words(made, config)
    table, features, segmentation = _upstream(config, digest, related_digest, _file, _related, fitted=fitted)
    key = (digest, related_digest)
    concentration = _cached_concentration(*key, fitted.section_json(*_CLUSTER_KEYS, "concentration"), _file, _related)
    economics = _cached_economics(*key, _economics_json(fitted), _file, _related)
    # read by labels only: renaming a segment does not estimate the potential again
    potential = _cached_potential(*key, _labels_json(fitted, "potential"), _file, _related)
    plan_json = fitted.section_json(*_CLUSTER_KEYS, "potential", "service")
    service = _cached_plan(*key, plan_json, _file, _related)
    return assemble(
        table,
        features,
        segmentation,
        money=(concentration, economics),
        potential=potential,
        service=service,
        config=config,
        accounts=_cached_customers(*key, plan_json, _file, _related),
    )


@_stage
def _cached_customers(
    digest: str, related_digest: str | None, plan_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> pd.DataFrame:
    """The customers frame for the plan of `plan_json` (it reads the segments, the potential and the plan, not
    the money): a top-N, flag or economics change reuses it (0.3 s at 1,000,000 customers). A new plan adds its
    columns to the kept `_cached_customer_ground`."""
    config = AnalysisConfig.from_dict(json.loads(plan_json))
    table, features, segmentation, potential = _with_potential(config, digest, related_digest, _file, _related)
    service = _cached_plan(digest, related_digest, plan_json, _file, _related)
    ground_json = config.section_json(*_CLUSTER_KEYS, "potential")
    ground = _cached_customer_ground(digest, related_digest, ground_json, _file, _related)
    return customers_frame(table, features, segmentation, potential, service, ground=ground)


@_stage
def _cached_customer_ground(
    digest: str, related_digest: str | None, ground_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> pd.DataFrame:
    """The customers frame's columns that no service setting changes (IDs, segments, potential, the criteria,
    the account name), keyed by the segments' and the potential's settings: a CSM, cost or grid change adds the
    plan's columns to it instead of building the million-row frame again."""
    config = AnalysisConfig.from_dict(json.loads(ground_json))
    table, features, segmentation, potential = _with_potential(config, digest, related_digest, _file, _related)
    return customers_ground(table, features, segmentation, potential)


def _fitted(config: AnalysisConfig, key: tuple[str, str | None]) -> AnalysisConfig:
    """The settings whose stages serve `config`: `config` itself, or, when it asks for the k the data chose
    for the same file and other settings earlier in this session, those settings (the same segments, so the
    same money, potential and plan: going back to that k is served from the caches, not fitted again)."""
    twin = st.session_state.get(CHOSEN_K_KEY, {}).get((*key, _cluster_json(config)))
    if twin is None:
        return config
    return config.updated(**{"segmentation.auto_k": True, "segmentation.k": twin})


def _chart_spec(result: AnalysisResult, name: str, build: Callable[[], alt.TopLevelMixin]) -> dict[str, Any]:
    """The chart `name` of `result` as the Vega-Lite spec `st.altair_chart` sends (its data as Arrow), built,
    fitted to the page's width, checked against the Vega-Lite schema and converted once per result. A chart
    reads the result only; building one cost 15-60 ms a page run on the sample (the segment map projects
    every segment's customers first) and converting it another 40 ms, most of it Altair's schema check,
    every run of every page that shows it. `name` must say everything else the chart reads (a segment, a
    measure)."""
    spec: dict[str, Any] = result.view(
        ("chart", name), lambda: _convert_altair_to_vega_lite_spec(fit_to_width(build()))
    )
    return spec


def draw(place: Any, result: AnalysisResult, name: str, build: Callable[[], alt.TopLevelMixin]) -> None:
    """Draw the chart `name` of `result` (see `_chart_spec`) in `place` (the page, a column, a grid's next cell),
    stretched to its width: what `place.altair_chart(chart, width="stretch")` draws."""
    place.vega_lite_chart(_chart_spec(result, name, build), width="stretch")


def chosen_k() -> int | None:
    """The number of segments the data chose for the current file and settings, or None when the number is
    the user's (or the clustering cannot run: the page says why where it shows the segments). Served from the
    clustering's cache: the analysis the page shows next reads the same clustering."""
    file = current_file()
    config = get_config()
    if file is None or not chooses_k(config.segmentation):
        return None
    related = related_file()
    try:
        clustering = _cached_clusters(
            file.digest, related.digest if related else None, _cluster_json(config), file, related
        )
    except InputError:
        return None
    return int(clustering.settings.k)


def _remember_chosen_k(
    config: AnalysisConfig, key: tuple[str, str | None], file: LoadedFile, related: LoadedFile | None
) -> None:
    """After an analysis that chose k from the data, note which explicit k it equals (see `_fitted`)."""
    if not chooses_k(config.segmentation):
        return
    clustering = _cached_clusters(*key, _cluster_json(config), file, related)  # in the cache: the analysis read it
    by_hand = config.updated(**{"segmentation.auto_k": False, "segmentation.k": clustering.settings.k})
    st.session_state.setdefault(CHOSEN_K_KEY, {})[(*key, _cluster_json(by_hand))] = config.segmentation.k


@_stage
def _cached_catalogue(
    digest: str, related_digest: str | None, intake_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> list[Criterion]:
    table = cached_table(digest, related_digest, intake_json, _file, _related)
    return criteria_catalogue(table)


def criteria_offered() -> list[Criterion]:
    """The columns the Segments page offers as criteria for the current file (cached with its table: a
    widget change on the page no longer scores every column again: at 100,000 customers the page opened again
    in 0.166 s, not 0.363 s, by benchmarks/bench_app.py)."""
    file = current_file()
    if file is None:
        return []
    related = related_file()
    return _cached_catalogue(
        file.digest, related.digest if related else None, get_config().section_json("intake"), file, related
    )


def customer_table() -> CustomerTable | None:
    """Return the current file read as a customer table, or None after showing the error."""
    file = current_file()
    if file is None:
        st.info("Choose a file on the **Data** page, or start with the sample data.")
        return None
    related = related_file()
    try:
        st.session_state[COMPUTED_KEY] = True
        with st.spinner(f"Reading {file.name}…"):
            return cached_table(
                file.digest, related.digest if related else None, get_config().section_json("intake"), file, related
            )
    except InputError as exc:
        st.error(inert(str(exc)))
        return None


def analysis_or_stop() -> AnalysisResult:
    """Return the full analysis (see `analysis`), or end the page's run after its message."""
    result = analysis()
    if result is None:
        st.stop()
    return result


def analysis() -> AnalysisResult | None:
    """Return the full analysis for the current file and settings, or None after showing the error.

    Every stage is cached by the file's digest and the settings it reads, so a widget change
    reruns only what it touches.
    """
    file = current_file()
    if file is None:
        st.info("Choose a file on the **Data** page, or start with the sample data.")
        return None
    related = related_file()
    config = get_config()
    try:
        st.session_state[COMPUTED_KEY] = True
        key = (file.digest, related.digest if related else None)
        with st.spinner("Analysing your customers…"):
            result = _cached_result(*key, config.to_json(), _fitted(config, key).to_json(), file, related)
        _remember_chosen_k(config, key, file, related)
        return result
    except InputError as exc:
        st.error(inert(str(exc)))
        return None


@st.cache_data(max_entries=6, show_spinner=False)
def _cached_downloads(
    digest: str, related_digest: str | None, config_json: str, kind: str, _result: AnalysisResult
) -> bytes:
    from segmentation import export  # noqa: PLC0415
    from segmentation.report import build_report  # noqa: PLC0415

    builders: dict[str, Callable[[AnalysisResult], bytes]] = {
        "report": lambda r: build_report(r).encode("utf-8"),
        "customers_csv": export.customers_csv,
        "segments_csv": export.segments_csv,
        "exclusions_csv": export.exclusions_csv,
        "workbook": export.workbook_bytes,
    }
    return builders[kind](_result)


def download_bytes(result: AnalysisResult, kind: str) -> bytes:
    """Return one export of `result` (report, customers_csv, segments_csv, exclusions_csv, workbook)."""
    return deferred_download(result, kind)()


def deferred_download(result: AnalysisResult, kind: str) -> Callable[[], bytes]:
    """Return a callable that builds one export of `result` when a download button is clicked.

    The file's digest (name and bytes) is read now, in the session's script run: Streamlit calls
    the callable later, outside it, where this session's state cannot be read, and a key
    without the file would hand one session's export to another with the same settings.
    """
    file = current_file()
    related = related_file()
    key = (file.digest if file else result.table.source_name, related.digest if related else None)
    config_json = result.config.to_json()
    return lambda: _cached_downloads(key[0], key[1], config_json, kind, result)


def k_scan(k_min: int, k_max: int) -> Any:
    """Return the k scan for the current file and criteria (a `KScan`), running it with a progress bar once."""
    from segmentation.segments import scan_k  # noqa: PLC0415

    file = current_file()
    if file is None:
        return None
    related = related_file()
    config = get_config()
    key = (file.digest, related.digest if related else None, config.section_json("intake", "criteria"), k_min, k_max)
    scans = st.session_state.setdefault(SCAN_KEY, {})
    if key in scans:
        return scans[key]
    try:
        features, _segmentation = _cached_segments(
            file.digest,
            related.digest if related else None,
            config.section_json("intake", "criteria", "segmentation"),
            _cluster_json(config),
            file,
            related,
        )
        bar = st.progress(0.0, text="Trying each number of segments…")

        def show(fraction: float, text: str) -> None:
            bar.progress(fraction, text=text)

        scan = scan_k(features, config.segmentation, range(k_min, k_max + 1), progress=show)
        bar.empty()
    except InputError as exc:
        st.error(inert(str(exc)))
        return None
    scans[key] = scan
    return scan


def default_policy_plan() -> Any:
    """Return the service plan under the default policy for the current data and segments (cached)."""
    file = current_file()
    if file is None:
        return None
    related = related_file()
    data = get_config().to_dict()
    data["service"] = AnalysisConfig().to_dict()["service"]
    config = AnalysisConfig.from_dict(data)
    try:
        key = (file.digest, related.digest if related else None)
        return _cached_result(*key, config.to_json(), _fitted(config, key).to_json(), file, related).service
    except InputError:
        return None


def earlier_files() -> tuple[LoadedFile, ...]:
    """The earlier file(s) chosen on the Changes page (empty when none)."""
    earlier = st.session_state.get(EARLIER_KEY)
    if earlier is None:
        return ()
    return earlier if isinstance(earlier, tuple) else (earlier,)


@st.cache_data(max_entries=4, show_spinner=False)
def _cached_changes(
    mode: str,
    digest: str,
    related_digest: str | None,
    earlier_digests: tuple[str, ...],
    config_json: str,
    _file: LoadedFile,
    _related: LoadedFile | None,
    _earlier: tuple[LoadedFile, ...],
) -> Any:
    from segmentation.changes import Snapshot, compare  # noqa: PLC0415
    from segmentation.changes.run import compare_periods  # noqa: PLC0415
    from segmentation.pipeline import run_analysis  # noqa: PLC0415

    config = AnalysisConfig.from_json(config_json)
    result = _cached_result(digest, related_digest, config_json, config_json, _file, _related)
    if mode == "periods":
        return compare_periods(_file.source(), config, main=result)
    if len(_earlier) == 1 and not _earlier[0].name.endswith(".json"):
        earlier = run_analysis(_earlier[0].source(), config, fit_k_to_data=True)
        snapshot = Snapshot.of(earlier, f"earlier file {_earlier[0].name}")
    else:
        snapshot = Snapshot.from_files({f.name: f.data for f in _earlier}, "the uploaded earlier analysis")
    return compare(snapshot, result, config.changes, f"current file {_file.name}")


def changes(mode: str) -> Any:
    """Return what changed (a `ChangesResult`) for the current file, or None after saying why."""
    file = current_file()
    if file is None:
        st.info("Choose a file on the **Data** page, or load the sample pair.")
        return None
    earlier = earlier_files() if mode != "periods" else ()
    if mode != "periods" and not earlier:
        st.info("Upload the earlier export (or the earlier analysis's files) above, or load the sample pair.")
        return None
    related = related_file()
    try:
        with st.spinner("Comparing the two dates…"):
            found = _cached_changes(
                mode,
                file.digest,
                related.digest if related else None,
                tuple(f.digest for f in earlier),
                get_config().to_json(),
                file,
                related,
                earlier,
            )
    except InputError as exc:
        st.session_state.pop(CHANGES_RESULT_KEY, None)
        st.error(inert(str(exc)))
        return None
    st.session_state[CHANGES_RESULT_KEY] = (file.digest, found)
    return found


def session_changes() -> Any:
    """The comparison the Changes page last made for the current file in this session, or None."""
    file = current_file()
    kept = st.session_state.get(CHANGES_RESULT_KEY)
    if file is None or kept is None or kept[0] != file.digest:
        return None
    return kept[1]
