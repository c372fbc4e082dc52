"""Read the service model each account gets today from a column such as "CS coverage" or "Touch tier".

Values are mapped to high-, medium- or tech-touch by keywords ("Enterprise CSM" → high-touch,
"Pooled" → medium-touch, "Digital" → tech-touch); the user's own mapping wins; values that map to
nothing are named in the notes so the user can map them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segmentation.errors import InputError
from segmentation.service.columns import normalise
from segmentation.service.settings import SERVICE_MODELS

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable
    from segmentation.service.settings import ServiceSettings

HIGH, MEDIUM, TECH = SERVICE_MODELS
_LOW_TOUCH = "low-touch"
"""'Low touch' is the middle model where a tech-touch value exists beside it, else the lightest one."""

_NAME_WORDS = r"(service|touch|coverage|csm|success|engagement|motion|tier|segment_owner|owner_segment|cs_model)"
_NAME_TOKENS = {"cs", "csm", "tam", "cse"}
_MAX_LEVELS = 30
_MIN_MAPPED_SHARE = 0.5
"""A column counts as the current service model only when at least half its filled rows map to a model."""

_EXPLICIT = (
    (re.compile(r"\bhigh touch\b"), HIGH),
    (re.compile(r"\b(medium|mid|middle) touch\b"), MEDIUM),
    (re.compile(r"\b(tech|digital|no|zero) touch\b"), TECH),
    (re.compile(r"\blow touch\b"), _LOW_TOUCH),
)
_TECH = re.compile(
    r"\b(tech|digital|self serve|self served|self serv|self service|selfserve|automated|automation|unmanaged|"
    r"unassigned|one to many|1 many|community|no csm|no cs|no owner|no account manager|none)\b"
)
_MEDIUM = re.compile(r"\b(medium|mid|middle|pooled|pool|shared|hybrid|scale|scaled|programmatic|one to few|1 few)\b")
_HIGH = re.compile(
    r"\b(high|named|dedicated|white glove|strategic|csm|csms|tam|account manager|account management|"
    r"key account|one to one|1 1|vip|executive|enterprise cs)\b"
)


def _words(value: str) -> str:
    """Lower-case words separated by single spaces ("Self-Serve" → "self serve", "1:1" → "1 1")."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value.lower()).split())


def map_service_value(value: str) -> str | None:
    """Return the service model a value names by its words, "low-touch" for 'low touch', or None.

    Explicit "… touch" phrases win, then tech-touch words (so "Digital CSM" is tech-touch), then
    medium-touch words ("Pooled CSM"), then high-touch words ("Enterprise CSM", "Named").
    """
    words = _words(value)
    if not words:
        return None
    for pattern, model in _EXPLICIT:
        if pattern.search(words):
            return model
    for pattern, model in ((_TECH, TECH), (_MEDIUM, MEDIUM), (_HIGH, HIGH)):
        if pattern.search(words):
            return model
    return None


@dataclass
class CurrentModels:
    """The service model each account gets today, read from one column."""

    column: str
    detected: bool
    """True when the column was found by name and values; False when the user named it."""
    models: np.ndarray
    """Per account: high-touch | medium-touch | tech-touch, or "" where the value is empty or unmapped."""
    values: np.ndarray
    """Per account: the text of the column ("" where empty)."""
    mapping: dict[str, str]
    """Each distinct value that was read → the model it stands for."""
    unmapped: dict[str, int] = field(default_factory=dict)
    """Values that stand for no model → how many accounts have them."""
    notes: list[str] = field(default_factory=list)

    @property
    def known(self) -> int:
        """How many accounts have a current model."""
        return int((self.models != "").sum())

    def to_dict(self) -> dict[str, Any]:
        """Return the column, whether it was detected, the value mapping, unmapped values and counts."""
        return {
            "column": self.column,
            "detected": self.detected,
            "mapping": dict(self.mapping),
            "unmapped": dict(self.unmapped),
            "customers_known": self.known,
            "customers_unknown": len(self.models) - self.known,
        }


def _text_levels(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes (−1 for empty) and the distinct trimmed texts of a column."""
    text = series.astype("string").str.strip()
    codes, uniques = pd.factorize(text.where(text != ""), use_na_sentinel=True)
    return codes, [str(u) for u in uniques]


def _map_levels(levels: list[str], overrides: dict[str, str]) -> dict[str, str | None]:
    """Map each distinct value to a model: the user's mapping first, then keywords; resolve 'low touch'."""
    own = {_words(key): model for key, model in overrides.items()}
    mapped: dict[str, str | None] = {}
    for level in levels:
        mapped[level] = own.get(_words(level)) or map_service_value(level)
    low = MEDIUM if MEDIUM not in mapped.values() else TECH
    return {level: (low if model == _LOW_TOUCH else model) for level, model in mapped.items()}


def _name_matches(column: str) -> bool:
    name = normalise(column)
    return bool(re.search(_NAME_WORDS, name) or _NAME_TOKENS.intersection(name.split("_")))


def find_current_model_column(table: CustomerTable) -> str | None:
    """Return the column that holds today's service model, found by its name and values (None if none).

    The name must speak of service, touch, coverage, CSM, customer success, engagement or tier; the
    column must have at most 30 distinct values and at least half its filled rows must map to a model.
    Among several, the one whose rows map best wins (then the first in the file).
    """
    frame = table.customers
    best: tuple[float, str] | None = None
    for column in frame.columns:
        if column in ("customer_id", "revenue") or not _name_matches(str(column)):
            continue
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        codes, levels = _text_levels(series)
        if not levels or len(levels) > _MAX_LEVELS:
            continue
        mapping = _map_levels(levels, {})
        filled = codes >= 0
        hits = np.array([mapping[level] is not None for level in levels], dtype=bool)
        share = float(hits[codes[filled]].mean()) if filled.any() else 0.0
        if share >= _MIN_MAPPED_SHARE and (best is None or share > best[0]):
            best = (share, str(column))
    return None if best is None else best[1]


def read_current_models(table: CustomerTable, settings: ServiceSettings) -> CurrentModels | None:
    """Return today's service model per account from the chosen or detected column (None when there is none).

    Raises `InputError` when the chosen column is missing or none of its values name a model.
    """
    column = settings.current_model_column
    detected = False
    if column is None:
        if not settings.detect_current_model:
            return None
        column = find_current_model_column(table)
        detected = True
        if column is None:
            return None
    frame = table.customers
    if column not in frame.columns:
        available = [str(c) for c in frame.columns if c not in ("customer_id", "revenue")][:8]
        raise InputError(
            f"The column '{column}' chosen for today's service model is not in the data; "
            f"pick one of {', '.join(repr(c) for c in available) or 'the columns'} or leave it empty."
        )
    codes, levels = _text_levels(frame[column])
    mapping = _map_levels(levels, settings.current_model_values)
    level_models = np.array([mapping[level] or "" for level in levels] + [""], dtype=object)
    models = level_models[codes]  # code −1 picks the trailing ""
    values = np.array([*levels, ""], dtype=object)[codes]
    counts = np.bincount(codes[codes >= 0], minlength=len(levels))
    unmapped = {level: int(counts[i]) for i, level in enumerate(levels) if mapping[level] is None}
    known = {level: model for level, model in mapping.items() if model is not None}
    if not known:
        examples = ", ".join(repr(level) for level in levels[:5]) or "only empty cells"
        raise InputError(
            f"No value of '{column}' ({examples}) reads as high-, medium- or tech-touch; "
            "map its values to service models or choose another column."
        )
    how = "found by its name and values" if detected else "chosen by you"
    readings = "; ".join(f"'{level}' → {model}" for level, model in sorted(known.items()))
    notes = [f"Today's service model is read from '{column}' ({how}): {readings}."]
    if unmapped:
        listed = ", ".join(f"'{level}' ({count:,})" for level, count in sorted(unmapped.items(), key=lambda x: -x[1]))
        notes.append(
            f"Values of '{column}' that name no service model, so those accounts are left out of the move lists: "
            f"{listed}; map them to a model to include them."
        )
    empty = int((codes < 0).sum())
    if empty:
        notes.append(f"{empty:,} accounts have no value in '{column}' and are left out of the move lists.")
    return CurrentModels(
        column=str(column),
        detected=detected,
        models=models,
        values=values,
        mapping=known,
        unmapped=unmapped,
        notes=notes,
    )
