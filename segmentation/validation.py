"""Checks every settings section shares: no flags for numbers, no NaN or infinity, bounded text.

Each `*/settings.py` model attaches `check_values` as a ``field_validator("*", mode="before")``,
so a saved settings file, a share link or a widget cannot smuggle ``k: true``, a ``NaN``
threshold, a 20 MB title or a million-entry mapping into an analysis.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any

from pydantic import ValidationInfo

MAX_TEXT = 5_000
"""Longest text a setting may hold (a playbook, a segment name …), in characters."""
MAX_NAME = 500
"""Longest column name, sheet name or mapping key a setting may hold, in characters."""
MAX_ENTRIES = 5_000
"""Most entries a list or mapping setting may hold."""
SEED_MAX = 2**32 - 1
"""Largest random seed (numpy and scikit-learn take 0 … 2**32 - 1)."""

_NAME_FIELDS = ("column", "columns", "key", "sheet", "encoding", "delimiter", "names", "currency")


def _allows_bool(annotation: Any) -> bool:
    """Whether a field's type admits True/False (bool itself, or a union or container holding it)."""
    if annotation is bool:
        return True
    origin = typing.get_origin(annotation)
    if origin in {typing.Union, types.UnionType, typing.Literal}:
        return any(_allows_bool(arg) or arg is True or arg is False for arg in typing.get_args(annotation))
    return annotation is Any


def _check(value: Any, where: str, text_limit: int, depth: int = 0) -> None:
    if depth > 6:
        raise ValueError(f"{where} is nested too deeply")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number (got {value})")
    if isinstance(value, str) and len(value) > text_limit:
        raise ValueError(f"{where} is {len(value):,} characters long; the limit is {text_limit:,}")
    if isinstance(value, list | tuple):
        if len(value) > MAX_ENTRIES:
            raise ValueError(f"{where} holds {len(value):,} entries; the limit is {MAX_ENTRIES:,}")
        for item in value:
            if isinstance(item, bool):
                continue
            _check(item, where, text_limit, depth + 1)
    if isinstance(value, dict):
        if len(value) > MAX_ENTRIES:
            raise ValueError(f"{where} holds {len(value):,} entries; the limit is {MAX_ENTRIES:,}")
        for key, item in value.items():
            _check(key, f"a key of {where}", MAX_NAME, depth + 1)
            _check(item, where, text_limit, depth + 1)


def check_values(cls: Any, value: Any, info: ValidationInfo) -> Any:
    """Refuse true/false where a number is wanted, NaN or infinite numbers, and text over the limits.

    Column, sheet and key names are limited to `MAX_NAME` characters, other text to `MAX_TEXT`,
    lists and mappings to `MAX_ENTRIES` entries. Returns `value` unchanged.
    """
    name = info.field_name or "value"
    if isinstance(value, bool):
        annotation = cls.model_fields[name].annotation if name in cls.model_fields else Any
        if not _allows_bool(annotation):
            raise ValueError(f"{name} takes a number or text here, not true/false")
        return value
    limit = MAX_NAME if any(part in _NAME_FIELDS for part in name.split("_")) else MAX_TEXT
    _check(value, name, limit)
    return value
