"""Session state: every session key, the file in use and the settings, in one place.

User data lives only in ``st.session_state`` (per browser session) and in the stage caches, never in
module globals.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from app_support.text import inert
from segmentation.config import AnalysisConfig
from segmentation.intake import Source

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {
    "sample_accounts": ("Sample: 3,000 SaaS accounts", ROOT / "sample_data" / "saas_accounts.csv"),
    "sample_invoices": ("Sample: invoice lines (transactions)", ROOT / "sample_data" / "saas_invoices.csv"),
}
SOURCE_KEY = "source"
RELATED_KEY = "related_source"
CONFIG_KEY = "config"
WIDGET_PREFIX = "w."
OPEN_PREFIX = "open."
"""Before a section's name: whether its `lazy_expander` is open (a widget key, forgotten with the others)."""
SHARE_PARAM = "cfg"
LINK_ERROR_KEY = "link_error"
SCAN_KEY = "k_scans"
ENTRY_KEY = "entry_ran"
COMPUTED_KEY = "computed_this_run"
GOTO_KEY = "goto_page"
PENDING_KEY = "pending_settings"
APPLIED_KEY = "settings_applied_note"
ENTRY_ERRORS_KEY = "entry_errors"
"""Per widget key, why a `bound_entry` change was refused (shown by the widget on the next run)."""
CHOSEN_K_KEY = "chosen_k"
"""(file digests, clustering settings with a k chosen by hand) → the k of the settings that chose it from the
data: the analysis of those settings serves the explicit k (`stages._fitted`)."""


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


def start_run() -> None:
    """Called by app.py at the top of every run: nothing has been computed yet in this run."""
    st.session_state[COMPUTED_KEY] = False


def mark_entry() -> None:
    """Record that the app's entry script ran in this session (called by app.py)."""
    st.session_state[ENTRY_KEY] = True


def return_to_requested_page() -> None:
    """In app.py, after `st.navigation`: go on to the page a `page_guard` handed over from."""
    page = st.session_state.pop(GOTO_KEY, None)
    if page:
        st.switch_page(page)


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
        keep = KEEP_ON_RESET | {CONFIG_KEY, SOURCE_KEY, RELATED_KEY, ENTRY_KEY, COMPUTED_KEY, GOTO_KEY, SCAN_KEY}
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


def file_label(file: LoadedFile | None) -> str:
    """A short phrase naming the file in use, for captions."""
    if file is None:
        return "no file"
    if file.kind in SAMPLES:
        return SAMPLES[file.kind][0]
    return f"your file '{inert(file.name)}'"


EARLIER_KEY = "changes_earlier"
"""The earlier snapshot the Changes page compares with: a LoadedFile, or a tuple of an earlier analysis's files."""
CHANGES_RESULT_KEY = "changes_result"
PREVIOUS_SAMPLE = ROOT / "sample_data" / "saas_accounts_previous.csv"
