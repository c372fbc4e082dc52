"""Setting up a session, choosing its file, and settings that travel (share links and settings files name
the file they were made from, never its data).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_support.stages import cached_table
from app_support.state import (
    APPLIED_KEY,
    CONFIG_KEY,
    EARLIER_KEY,
    ENTRY_KEY,
    GOTO_KEY,
    LINK_ERROR_KEY,
    PENDING_KEY,
    PREVIOUS_SAMPLE,
    RELATED_KEY,
    ROOT,
    SAMPLES,
    SHARE_PARAM,
    SOURCE_KEY,
    LoadedFile,
    current_file,
    get_config,
    related_file,
    set_config,
)
from app_support.text import inert
from segmentation.config import AnalysisConfig, SourceFingerprint
from segmentation.errors import InputError
from segmentation.sharing import decode_config, encode_config


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


def file_fingerprint(file: LoadedFile | None, config: AnalysisConfig | None = None) -> SourceFingerprint | None:
    """Return the name, rows and column fingerprint of `file` read with `config`'s intake (None if unreadable)."""
    if file is None:
        return None
    config = config or get_config()
    related = related_file()
    try:
        table = cached_table(
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


def use_sample_pair() -> None:
    """Make the sample accounts the current file and last quarter's export of them the earlier one."""
    use_sample("sample_accounts")
    st.session_state[EARLIER_KEY] = LoadedFile.of(PREVIOUS_SAMPLE.name, PREVIOUS_SAMPLE.read_bytes(), "sample_previous")


def use_earlier(files: list[tuple[str, bytes]]) -> None:
    """Keep the earlier file (one) or the earlier analysis's files (several) for this session."""
    loaded = tuple(LoadedFile.of(name, data, "upload") for name, data in files)
    st.session_state[EARLIER_KEY] = loaded[0] if len(loaded) == 1 else loaded
