"""Glue between Streamlit and the core: session-state keys, cached stages, settings-bound widgets.

Pages import from here and never from each other. User data lives only in ``st.session_state``
(per browser session) and in the stage caches, every one keyed by a digest of the file's name and
bytes (everything a view shows of the file), never in module globals. The analysis stages are
``st.cache_resource``: one object per file and settings, handed to every rerun without a copy (a
copy per rerun cost seconds and gigabytes at 100k customers), so views only read what they are
given (`tests/test_app_pages.py` checks no page changes it). Exports are ``st.cache_data`` bytes.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from segmentation.config import AnalysisConfig, SourceFingerprint
from segmentation.economics import ConcentrationReport, SegmentEconomics
from segmentation.errors import InputError
from segmentation.formatting import format_money
from segmentation.intake import CustomerTable, Source
from segmentation.pipeline import assemble, estimate, load_customers, measure_money, plan
from segmentation.result import AnalysisResult
from segmentation.segments import Criterion, FeatureMatrix, Segmentation, build_features, criteria_catalogue
from segmentation.segments.segmenting import DESCRIPTION_SETTINGS, Clustering, describe_segments, find_clusters
from segmentation.service import PotentialEstimate, ServicePlan
from segmentation.sharing import decode_config, encode_config

ROOT = Path(__file__).resolve().parent
SAMPLES = {
    "sample_accounts": ("Sample: 3,000 SaaS accounts", ROOT / "sample_data" / "saas_accounts.csv"),
    "sample_invoices": ("Sample: invoice lines (transactions)", ROOT / "sample_data" / "saas_invoices.csv"),
}
SOURCE_KEY = "source"
RELATED_KEY = "related_source"
CONFIG_KEY = "config"
WIDGET_PREFIX = "w."
SHARE_PARAM = "cfg"
LINK_ERROR_KEY = "link_error"
_SCAN_KEY = "k_scans"
ENTRY_KEY = "entry_ran"
COMPUTED_KEY = "computed_this_run"
GOTO_KEY = "goto_page"
PENDING_KEY = "pending_settings"
APPLIED_KEY = "settings_applied_note"


@dataclass(frozen=True)
class LoadedFile:
    """A file the user chose (or a bundled sample), kept in session state for this browser session."""

    name: str
    data: bytes
    kind: str  # "upload" or a key of SAMPLES
    digest: str

    @classmethod
    def of(cls, name: str, data: bytes, kind: str) -> LoadedFile:
        """Return the file with a digest of its name and bytes (the cache key).

        The name is part of the key because views show it (captions, report, download names):
        two sessions uploading the same bytes under different names never share a cached stage.
        """
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass") + b"\x00" + data).hexdigest()
        return cls(name=name, data=data, kind=kind, digest=digest)

    def source(self) -> Source:
        """Return the core's view of this file."""
        return Source.from_bytes(self.name, self.data)


# --- user text -----------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&])")


def inert(value: object) -> str:
    """Return user text (file, column, category and segment names…) to show literally in Markdown.

    Every character that Streamlit's Markdown would read as a link, emphasis, heading, list,
    colour or icon directive (``:red[…]``, ``:material/…:``), emoji shortcode or LaTeX (``$``) is
    backslash-escaped, and line breaks become spaces, so the text shows as typed and nothing
    in it is live. Use it for every non-literal string passed to ``st.markdown``, ``st.caption``,
    ``st.write``, ``st.info``/``warning``/``success``/``error``, headers, expander and metric labels.
    """
    text = " ".join(str(value).splitlines())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


# --- session state -------------------------------------------------------------------------


def start_run() -> None:
    """Called by app.py at the top of every run: nothing has been computed yet in this run."""
    st.session_state[COMPUTED_KEY] = False


def mark_entry() -> None:
    """Record that the app's entry script ran in this session (called by app.py)."""
    st.session_state[ENTRY_KEY] = True


def page_guard(page_file: str) -> None:
    """Make a page opened by its URL work even before app.py has ever run on this server.

    Streamlit runs a file of a ``pages/`` folder directly (its old multipage mode) until some
    session has run the entry script's ``st.navigation``: a share link opened on a freshly
    started server would get no settings, no sample and no navigation. Here such a page sets up
    the session, then hands over to app.py, which comes back to the page.
    """
    if st.session_state.get(ENTRY_KEY):
        show_settings_status()
        return
    init_session()
    st.session_state[GOTO_KEY] = Path(page_file).resolve().relative_to(ROOT).as_posix()
    st.switch_page("app.py")


def return_to_requested_page() -> None:
    """In app.py, after `st.navigation`: go on to the page a `page_guard` handed over from."""
    page = st.session_state.pop(GOTO_KEY, None)
    if page:
        st.switch_page(page)


def init_session() -> None:
    """Set up a new session: default settings (or those from a share link) and the sample data."""
    fresh = CONFIG_KEY not in st.session_state
    if fresh:
        st.session_state[CONFIG_KEY] = AnalysisConfig()
    if SOURCE_KEY not in st.session_state:
        use_sample("sample_accounts", reset_settings=False)
    if fresh and (linked := _config_from_link()) is not None:
        offer_settings(linked)


def _config_from_link() -> AnalysisConfig | None:
    """Return the settings carried by a share link, or None (a broken link is reported, not fatal)."""
    encoded = st.query_params.get(SHARE_PARAM)
    if not encoded:
        return None
    try:
        return decode_config(encoded)
    except InputError as exc:
        st.session_state[LINK_ERROR_KEY] = str(exc)
        return None


def show_link_error() -> None:
    """Say once, on screen, that the share link's settings could not be read (defaults are used)."""
    message = st.session_state.pop(LINK_ERROR_KEY, None)
    if message:
        st.error(f"{inert(message)} The default settings are used meanwhile.")


# --- settings that name the file they were made from ----------------------------------------


def file_fingerprint(file: LoadedFile | None, config: AnalysisConfig | None = None) -> SourceFingerprint | None:
    """Return the name, rows and column fingerprint of `file` read with `config`'s intake (None if unreadable)."""
    if file is None:
        return None
    config = config or get_config()
    related = related_file()
    try:
        table = _cached_table(
            file.digest, related.digest if related else None, config.section_json("intake"), file, related
        )
    except InputError:
        return None
    return SourceFingerprint.of_table(table)


def _matches(wanted: SourceFingerprint, config: AnalysisConfig) -> tuple[bool, list[str]]:
    """Whether the current file is the one `wanted` names (rows and columns), and what differs."""
    file = current_file()
    found = file_fingerprint(file, config) or file_fingerprint(file, AnalysisConfig())
    if found is None:
        return False, ["it could not be read with these settings"]
    differences = wanted.differences(found)
    return not differences, differences


def offer_settings(config: AnalysisConfig) -> bool:
    """Apply settings from a share link or a settings file if they fit the file in use; else keep them waiting.

    Settings that name their file (``config.source``) apply at once when the current file has
    the same rows and columns (a bundled sample of that name is switched to); otherwise they
    wait, a banner names the file to upload, and `use_upload` applies them when it matches.
    Settings that name no file apply at once. Returns True when they were applied.
    """
    wanted = config.source
    if wanted is None:
        _apply(config, None)
        return True
    file = current_file()
    if file is not None and file.name != wanted.file_name:
        for kind, (_label, path) in SAMPLES.items():
            if path.name == wanted.file_name and file.kind != kind:
                use_sample(kind, reset_settings=False)
                break
    matches, _differences = _matches(wanted, config)
    if matches:
        _apply(config, wanted)
        return True
    st.session_state[PENDING_KEY] = config
    return False


def _apply(config: AnalysisConfig, wanted: SourceFingerprint | None) -> None:
    st.session_state.pop(PENDING_KEY, None)
    set_config(config.with_source(None), reset_widgets=True)
    file = current_file()
    if wanted is not None and file is not None:
        renamed = f" (it was called {wanted.file_name} then)" if wanted.file_name != file.name else ""
        st.session_state[APPLIED_KEY] = f"Saved settings applied to {file.name}{renamed}."
    else:
        st.session_state[APPLIED_KEY] = "Saved settings applied."


def pending_settings() -> AnalysisConfig | None:
    """Return settings waiting for their file (from a link or a settings upload), or None."""
    pending = st.session_state.get(PENDING_KEY)
    return pending if isinstance(pending, AnalysisConfig) else None


def show_settings_status() -> None:
    """In app.py, above every page: say which file waiting settings need, or that they were applied."""
    if note := st.session_state.pop(APPLIED_KEY, None):
        st.toast(inert(note), icon=":material/check_circle:")
    pending = pending_settings()
    if pending is None or pending.source is None:
        return
    wanted = pending.source
    _matches_now, differences = _matches(wanted, pending)
    with st.container(border=True):
        st.markdown(
            f"**These settings were made from {inert(wanted.describe())}.** Upload that file on the Data page "
            "and they apply to it; until then the current file is shown with its own settings."
        )
        file = current_file()
        if differences and file is not None:
            st.caption(f"The file in use, {inert(file.name)}, differs: {inert('; '.join(differences))}.")
        cols = st.columns([1, 1, 2])
        if cols[0].button("Upload the file", key="pending_upload", icon=":material/upload_file:", width="stretch"):
            st.switch_page("pages/data.py")
        if cols[1].button("Apply to this file anyway", key="pending_force", width="stretch"):
            _apply(pending, wanted)
            st.rerun()
        if cols[2].button("Forget these settings", key="pending_drop", type="tertiary"):
            st.session_state.pop(PENDING_KEY, None)
            st.rerun()


def get_config() -> AnalysisConfig:
    """Return the current settings."""
    config = st.session_state.get(CONFIG_KEY)
    if not isinstance(config, AnalysisConfig):
        config = AnalysisConfig()
        st.session_state[CONFIG_KEY] = config
    return config


KEEP_ON_RESET = {LINK_ERROR_KEY, "upload", "related_upload", "settings_upload", "settings_loaded", "scan_shown"}
KEEP_ON_RESET |= {PENDING_KEY, APPLIED_KEY}
"""Session keys that are not views of the settings: they survive `set_config(..., reset_widgets=True)`."""


def set_config(config: AnalysisConfig, *, reset_widgets: bool = False) -> None:
    """Replace the settings; with `reset_widgets`, every widget re-reads its value from them.

    Every page widget that shows a setting (bound ``w.`` keys, the grid, overrides, playbooks,
    criteria pickers, editors) is forgotten, or its old value would be written back over the new
    settings on the next run; the app's own state and the file uploaders are kept.
    """
    st.session_state[CONFIG_KEY] = config
    if reset_widgets:
        keep = KEEP_ON_RESET | {CONFIG_KEY, SOURCE_KEY, RELATED_KEY, ENTRY_KEY, COMPUTED_KEY, GOTO_KEY, _SCAN_KEY}
        for key in [k for k in st.session_state if str(k) not in keep]:
            del st.session_state[key]


def update_config(**changes: Any) -> AnalysisConfig:
    """Apply dotted-path changes to the settings, e.g. ``update_config(**{"segmentation.k": 5})``."""
    config = get_config().updated(**changes)
    st.session_state[CONFIG_KEY] = config
    return config


def current_file() -> LoadedFile | None:
    """Return the primary file in use, or None."""
    return st.session_state.get(SOURCE_KEY)


def related_file() -> LoadedFile | None:
    """Return the optional second (related) table, or None."""
    return st.session_state.get(RELATED_KEY)


def use_sample(kind: str, *, reset_settings: bool = True) -> None:
    """Make a bundled sample the current file (and, by default, start from default settings)."""
    path = SAMPLES[kind][1]
    st.session_state[SOURCE_KEY] = LoadedFile.of(path.name, path.read_bytes(), kind)
    st.session_state.pop(RELATED_KEY, None)
    if reset_settings:
        set_config(AnalysisConfig(), reset_widgets=True)


def use_upload(name: str, data: bytes) -> None:
    """Make an uploaded file the current file.

    Settings waiting for this file (from a share link or a settings upload made before it)
    apply when its rows and columns match; otherwise the file starts from default settings
    (settings that name columns of another file would not fit it).
    """
    st.session_state[SOURCE_KEY] = LoadedFile.of(name, data, "upload")
    st.session_state.pop(RELATED_KEY, None)
    pending = pending_settings()
    if pending is not None and pending.source is not None:
        matches, _differences = _matches(pending.source, pending)
        if matches:
            _apply(pending, pending.source)
            return
    set_config(AnalysisConfig(), reset_widgets=True)


def use_related(name: str | None, data: bytes | None) -> None:
    """Set (or with None, clear) the second table joined by key."""
    if name is None or data is None:
        st.session_state.pop(RELATED_KEY, None)
    else:
        st.session_state[RELATED_KEY] = LoadedFile.of(name, data, "upload")


def file_label(file: LoadedFile | None) -> str:
    """A short phrase naming the file in use, for captions."""
    if file is None:
        return "no file"
    if file.kind in SAMPLES:
        return SAMPLES[file.kind][0]
    return f"your file '{inert(file.name)}'"


# --- settings-bound widgets ------------------------------------------------------------------


def get_path(config: AnalysisConfig, path: str) -> Any:
    """Return the settings value at a dotted path, e.g. ``segmentation.k``."""
    node: Any = config
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def _apply_widget(
    key: str, path: str, from_widget: Callable[[Any], Any], then: Callable[[], Any] | None = None
) -> None:
    """A bound widget's callback: its new value into the settings (a value the settings refuse is left for
    `bound` to report on the page, where an error can be shown)."""
    with contextlib.suppress(InputError):
        update_config(**{path: from_widget(st.session_state[key])})
    if then is not None:
        then()


def bound(
    widget: Callable[..., Any],
    label: str,
    path: str,
    *,
    to_widget: Callable[[Any], Any] | None = None,
    from_widget: Callable[[Any], Any] | None = None,
    key: str | None = None,
    **kwargs: Any,
) -> Any:
    """Render `widget` bound to the setting at `path`; a change updates the settings at once.

    The widget's key is ``w.<path>`` (or `key`): stable for tests and share links. `to_widget` and
    `from_widget` convert between the setting and what the widget shows (e.g. None ↔ "Detect").
    Returns the setting's (converted) value.
    """
    key = key or WIDGET_PREFIX + path
    to_widget = to_widget or (lambda v: v)
    from_widget = from_widget or (lambda v: v)
    if key not in st.session_state:
        st.session_state[key] = to_widget(get_path(get_config(), path))
    # The change reaches the settings in a callback, before the script runs again, so the page is drawn
    # once from the new settings (it was drawn from the old ones, then again: two runs a change).
    kwargs["on_change"] = partial(_apply_widget, key, path, from_widget, kwargs.get("on_change"))
    value = from_widget(widget(label, key=key, **kwargs))
    if value != get_path(get_config(), path):
        try:
            update_config(**{path: value})
        except InputError as exc:
            st.error(inert(str(exc)))
        else:
            if st.session_state.get(COMPUTED_KEY):
                # The page above this widget was drawn from the old settings: draw it again.
                st.rerun()
    return value


UNCHANGED = object()
"""What a `bound_entry` conversion returns when the widget's value should leave the settings as they are."""


def _apply_entry(key: str, path: str, entry: tuple[str, ...], from_widget: Callable[[Any], Any]) -> None:
    """A `bound_entry` widget's callback: its new value into one entry of the mapping at `path`."""
    new = from_widget(st.session_state[key])
    if new is UNCHANGED:
        return
    mapping = copy.deepcopy(dict(get_path(get_config(), path)))
    node = mapping
    for part in entry[:-1]:
        node = node.setdefault(part, {})
    if new is None:
        node.pop(entry[-1], None)
    else:
        node[entry[-1]] = new
    try:
        update_config(**{path: mapping})
    except InputError as exc:
        st.session_state[_ENTRY_ERRORS] = {**st.session_state.get(_ENTRY_ERRORS, {}), key: str(exc)}


_ENTRY_ERRORS = "_entry_errors"


def bound_entry(
    widget: Callable[..., Any],
    label: str,
    path: str,
    entry: str | tuple[str, ...],
    *,
    key: str,
    shown: Any,
    from_widget: Callable[[Any], Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Render `widget` bound to one entry of the mapping setting at `path` (a segment's name, one grid
    cell, a segment's model override, a playbook, a segment's note).

    The widget starts from `shown` (what the plan or segments use now); a change reaches the settings in
    the widget's callback, so the page is drawn once, from the new settings. `from_widget` turns the
    widget's value into the entry's new value: None removes the entry (back to the default), `UNCHANGED`
    leaves the settings alone. Returns the widget's value.
    """
    entry = (entry,) if isinstance(entry, str) else entry
    if key not in st.session_state:
        st.session_state[key] = shown
    kwargs["on_change"] = partial(_apply_entry, key, path, entry, from_widget or (lambda v: v))
    value = widget(label, key=key, **kwargs)
    error = st.session_state.get(_ENTRY_ERRORS, {}).pop(key, None)
    if error:
        st.error(inert(error))
    return value


NO_LIMIT = 0
"""A CSM count of 0 in the capacity inputs: no limit (the headcount needed is shown instead)."""


def capacity_inputs() -> None:
    """The four capacity inputs (CSMs and accounts per CSM, high- and medium-touch), bound to the settings.

    The Service models page and Story mode's what-if show the same inputs and change the same settings.
    """
    widgets = st.grid(4, min_column_width=200)  # fewer a row when narrow
    row = [widgets.cell() for _ in range(4)]
    for cell, model in zip(row[::2], ("high", "medium"), strict=True):
        with cell:
            bound(
                st.number_input,
                f"{model.capitalize()}-touch CSMs",
                f"service.{model}_touch_csms",
                min_value=0,
                step=1,
                to_widget=lambda v: NO_LIMIT if v is None else int(v),
                from_widget=lambda v: None if v == NO_LIMIT else int(v),
                help="0 = no limit: the plan says how many CSMs it needs.",
            )
    for cell, model in zip(row[1::2], ("high", "medium"), strict=True):
        with cell:
            bound(st.number_input, f"Accounts per {model}-touch CSM", f"service.accounts_per_csm_{model}", min_value=1)


def _threshold_shown(value: float | None, *, in_force: float) -> float:
    """A tier box shows the user's threshold, or the one in force when the data decides."""
    return float(value) if value is not None else in_force


def _threshold_set(shown: float, *, in_force: float, own: bool) -> float | None:
    """A tier box's value as a setting: the user's own, or None (the data decides) while it shows the data's."""
    return float(shown) if own or abs(float(shown) - in_force) > 0.5 else None


def tier_inputs(result: AnalysisResult) -> None:
    """The four tier thresholds, each showing the value in force: picked from the data, or set by the user.

    A threshold left to the data shows the value the plan uses (not 0); typing another value sets it, and
    "Use the data's thresholds" hands all four back to the data. The widget's key carries the data's
    value while the data decides, so a new data pick is shown, never taken for the user's own.
    """
    thresholds = result.service.thresholds
    settings = result.config.service
    unit = inert(result.revenue_unit)  # a widget label renders Markdown
    basis = {"long_term": "potential", "short_term": "12-month growth", "blend": "potential"}[settings.potential_basis]
    labels = {
        "arr_high": f"Top {unit} tier from",
        "arr_low": f"Lower {unit} tier below",
        "potential_high": f"High {basis} from",
        "potential_low": f"Low {basis} below",
    }
    widgets = st.grid(4, min_column_width=200)  # fewer a row when narrow
    row = [widgets.cell() for _ in range(4)]
    for cell, (name, label) in zip(row, labels.items(), strict=True):
        in_force = float(getattr(thresholds, name) or 0.0)
        mine = getattr(settings, name) is not None
        with cell:
            bound(
                st.number_input,
                label,
                f"service.{name}",
                min_value=0.0,
                step=1000.0,
                format="%.0f",
                to_widget=partial(_threshold_shown, in_force=in_force),
                from_widget=partial(_threshold_set, in_force=in_force, own=mine),
                key=None if mine else f"{WIDGET_PREFIX}service.{name}.data.{in_force:.2f}",
            )
            st.caption(f"{format_money(in_force, result.currency)}: " + ("set by you" if mine else "from the data"))
    user_set = any(getattr(settings, name) is not None for name in labels)
    if user_set and st.button("Use the data's thresholds", key="tiers.reset", icon=":material/restart_alt:"):
        update_config(**{f"service.{name}": None for name in labels})
        st.rerun()


# --- cached stages ---------------------------------------------------------------------------


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
def _cached_table(
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
    table = _cached_table(digest, related_digest, config.section_json("intake"), _file, _related)
    return build_features(table, config.criteria)


def _table_and_features(
    config: AnalysisConfig, digest: str, related_digest: str | None, file: LoadedFile, related: LoadedFile | None
) -> tuple[CustomerTable, FeatureMatrix]:
    """The customer table and the criteria matrix, each from its own cache."""
    table = _cached_table(digest, related_digest, config.section_json("intake"), file, related)
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
    digest: str, related_digest: str | None, segment_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> tuple[FeatureMatrix, Segmentation]:
    config = AnalysisConfig.from_dict(json.loads(segment_json))
    table, features = _table_and_features(config, digest, related_digest, _file, _related)
    clustering = _cached_clusters(digest, related_digest, _cluster_json(config), _file, _related)
    return features, describe_segments(table, features, clustering, config.segmentation)


def _upstream(
    config: AnalysisConfig, digest: str, related_digest: str | None, file: LoadedFile, related: LoadedFile | None
) -> tuple[CustomerTable, FeatureMatrix, Segmentation]:
    table = _cached_table(digest, related_digest, config.section_json("intake"), file, related)
    features, segmentation = _cached_segments(
        digest, related_digest, config.section_json(*_CLUSTER_KEYS), file, related
    )
    return table, features, segmentation


@_stage
def _cached_money(
    digest: str, related_digest: str | None, money_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> tuple[ConcentrationReport, SegmentEconomics]:
    config = AnalysisConfig.from_dict(json.loads(money_json))
    table, _features, segmentation = _upstream(config, digest, related_digest, _file, _related)
    return measure_money(table, segmentation, config)


@_stage
def _cached_potential(
    digest: str, related_digest: str | None, potential_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> PotentialEstimate:
    config = AnalysisConfig.from_dict(json.loads(potential_json))
    table, _features, segmentation = _upstream(config, digest, related_digest, _file, _related)
    return estimate(table, segmentation, config)


@_stage
def _cached_plan(
    digest: str, related_digest: str | None, plan_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> ServicePlan:
    config = AnalysisConfig.from_dict(json.loads(plan_json))
    table, _features, segmentation = _upstream(config, digest, related_digest, _file, _related)
    potential = _cached_potential(digest, related_digest, _labels_json(config, "potential"), _file, _related)
    return plan(table, segmentation, potential, config)


@_stage
def _cached_result(
    digest: str, related_digest: str | None, config_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> AnalysisResult:
    config = AnalysisConfig.from_json(config_json)
    table, features, segmentation = _upstream(config, digest, related_digest, _file, _related)
    key = (digest, related_digest)
    money = _cached_money(*key, config.section_json(*_CLUSTER_KEYS, "concentration"), _file, _related)
    # read by labels only: renaming a segment does not estimate the potential again
    potential = _cached_potential(*key, _labels_json(config, "potential"), _file, _related)
    service = _cached_plan(*key, config.section_json(*_CLUSTER_KEYS, "potential", "service"), _file, _related)
    return assemble(table, features, segmentation, money=money, potential=potential, service=service, config=config)


@_stage
def _cached_catalogue(
    digest: str, related_digest: str | None, intake_json: str, _file: LoadedFile, _related: LoadedFile | None
) -> list[Criterion]:
    table = _cached_table(digest, related_digest, intake_json, _file, _related)
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
            return _cached_table(
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
        with st.spinner("Analysing your customers…"):
            return _cached_result(file.digest, related.digest if related else None, config.to_json(), file, related)
    except InputError as exc:
        st.error(inert(str(exc)))
        return None


# --- share links -----------------------------------------------------------------------------


def share_token() -> str | None:
    """Return the share-link token for the current settings and file, or None for the defaults on the sample."""
    config = get_config()
    file = current_file()
    if config == AnalysisConfig() and (file is None or file.kind == "sample_accounts"):
        return None
    return encode_config(config, file_fingerprint(file, config))


def sync_share_link() -> None:
    """Keep the address bar's settings token in step with the current settings and file (never the data).

    While settings from a link wait for their file, the link is left as it came.
    """
    if pending_settings() is not None:
        return
    token = share_token()
    if token is None:
        if SHARE_PARAM in st.query_params:
            del st.query_params[SHARE_PARAM]
    elif st.query_params.get(SHARE_PARAM) != token:
        st.query_params[SHARE_PARAM] = token


# --- downloads (cached like the stages: by file digest and settings) ---------------------------


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


# --- help choosing k (runs with a progress bar, so it is remembered per session, by input) -----


def k_scan(k_min: int, k_max: int) -> Any:
    """Return the k scan for the current file and criteria (a `KScan`), running it with a progress bar once."""
    from segmentation.segments import scan_k  # noqa: PLC0415

    file = current_file()
    if file is None:
        return None
    related = related_file()
    config = get_config()
    key = (file.digest, related.digest if related else None, config.section_json("intake", "criteria"), k_min, k_max)
    scans = st.session_state.setdefault(_SCAN_KEY, {})
    if key in scans:
        return scans[key]
    try:
        features, _segmentation = _cached_segments(
            file.digest,
            related.digest if related else None,
            config.section_json("intake", "criteria", "segmentation"),
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
        return _cached_result(file.digest, related.digest if related else None, config.to_json(), file, related).service
    except InputError:
        return None


# --- changes over time (issue 15) ----------------------------------------------------------

EARLIER_KEY = "changes_earlier"
"""The earlier snapshot the Changes page compares with: a LoadedFile, or a tuple of an earlier analysis's files."""
CHANGES_RESULT_KEY = "changes_result"
PREVIOUS_SAMPLE = ROOT / "sample_data" / "saas_accounts_previous.csv"


def use_sample_pair() -> None:
    """Make the sample accounts the current file and last quarter's export of them the earlier one."""
    use_sample("sample_accounts")
    st.session_state[EARLIER_KEY] = LoadedFile.of(PREVIOUS_SAMPLE.name, PREVIOUS_SAMPLE.read_bytes(), "sample_previous")


def use_earlier(files: list[tuple[str, bytes]]) -> None:
    """Keep the earlier file (one) or the earlier analysis's files (several) for this session."""
    loaded = tuple(LoadedFile.of(name, data, "upload") for name, data in files)
    st.session_state[EARLIER_KEY] = loaded[0] if len(loaded) == 1 else loaded


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
    result = _cached_result(digest, related_digest, config_json, _file, _related)
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
