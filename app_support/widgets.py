"""Widgets bound to the settings: a change reaches the settings in the widget's callback, so a page is
drawn once, from the new settings.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st

from app_support.state import COMPUTED_KEY, ENTRY_ERRORS_KEY, OPEN_PREFIX, WIDGET_PREFIX, get_config, update_config
from app_support.text import inert
from segmentation.errors import InputError
from segmentation.formatting import format_money
from segmentation.result import AnalysisResult


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
        st.session_state[key] = to_widget(get_config().value_at(path))
    # The change reaches the settings in a callback, before the script runs again, so the page is drawn
    # once from the new settings (it was drawn from the old ones, then again: two runs a change).
    kwargs["on_change"] = partial(_apply_widget, key, path, from_widget, kwargs.get("on_change"))
    value = from_widget(widget(label, key=key, **kwargs))
    if value != get_config().value_at(path):
        try:
            update_config(**{path: value})
        except InputError as exc:
            st.error(inert(str(exc)))
        else:
            if st.session_state.get(COMPUTED_KEY):
                # The page above this widget was drawn from the old settings: draw it again.
                st.rerun()
    return value


def lazy_expander(label: str, name: str, draw: Callable[[], None]) -> None:
    """An expander, closed at first, whose content `draw` draws only while it is open; opening or closing
    it runs the page again. Streamlit builds and sends every widget of a closed expander on every run,
    and the browser draws them: the Service page's closed policy alone held 45 widgets. Its state is the
    widget key ``open.<name>``: a test opens it with ``at.session_state["open.<name>"] = True``."""
    box = st.expander(inert(label), key=OPEN_PREFIX + name, on_change="rerun")
    if box.open:
        with box:
            draw()


UNCHANGED = object()
"""What a `bound_entry` conversion returns when the widget's value should leave the settings as they are."""


def _apply_entry(key: str, path: str, entry: tuple[str, ...], from_widget: Callable[[Any], Any]) -> None:
    """A `bound_entry` widget's callback: its new value into one entry of the mapping at `path`."""
    new = from_widget(st.session_state[key])
    if new is UNCHANGED:
        return
    mapping = copy.deepcopy(dict(get_config().value_at(path)))
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
        st.session_state[ENTRY_ERRORS_KEY] = {**st.session_state.get(ENTRY_ERRORS_KEY, {}), key: str(exc)}


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
    error = st.session_state.get(ENTRY_ERRORS_KEY, {}).pop(key, None)
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
            st.caption(f"{format_money(in_force, result.currency)}: {inert(thresholds.origin_words(name))}")
    user_set = any(getattr(settings, name) is not None for name in labels)
    if user_set and st.button("Use the data's thresholds", key="tiers.reset", icon=":material/restart_alt:"):
        update_config(**{f"service.{name}": None for name in labels})
        st.rerun()
