"""Per-customer text and the short figures shared by the potential drivers and the service-model reasons.

Per-customer text is built as Arrow string arrays: each distinct figure or phrase is formatted once
in Python, spread to the rows with `take`, and pieces are joined element-wise in Arrow's C++
kernels, so a million reasons cost a few vectorised passes rather than a million Python joins.
`str_array` hands the result to pandas as its default "str" dtype without copying.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.formatting import format_money, money_key

TEXT = pa.large_string()
"""The Arrow type of every per-customer text array (the type behind pandas' "str" dtype)."""

TextPart: TypeAlias = pa.Array | pa.ChunkedArray | np.ndarray | str
"""A piece of text per row: an Arrow or numpy array of str, or one str for every row."""


def plain_float(value: float | None, digits: int = 4) -> float | None:
    """Return a JSON-safe float rounded to `digits` (None for NaN/inf/None)."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def text(values: TextPart) -> pa.Array:
    """Return `values` (Arrow array, numpy array or list of str) as one Arrow large-string array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == TEXT else values.cast(TEXT)
    return pa.array(np.asarray(values, dtype=object), type=TEXT)


def words_at(words: Sequence[str], codes: np.ndarray) -> pa.Array:
    """Return ``words[code]`` for every code (an int array), as text."""
    return pc.take(pa.array(list(words), type=TEXT), pa.array(np.asarray(codes, dtype=np.int64)))


def blank(n: int) -> pa.Array:
    """Return n empty strings."""
    return pa.repeat(pa.scalar("", type=TEXT), n)


def fill(n: int, mask: np.ndarray, values: TextPart) -> pa.Array:
    """Return n strings: `values` (one str, or one per True of `mask`, in row order) where `mask` holds, else ""."""
    return put(blank(n), mask, values)


def put(target: pa.Array, mask: np.ndarray, values: TextPart) -> pa.Array:
    """Return `target` with the rows where `mask` holds replaced by `values` (one str, or one per True row)."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return target
    if isinstance(values, str):
        return pc.if_else(pa.array(mask), pa.scalar(values, type=TEXT), target)
    return pc.replace_with_mask(target, pa.array(mask), text(values))


def str_array(values: TextPart) -> pd.api.extensions.ExtensionArray:
    """Return text as a pandas array of the default "str" dtype (no copy of the Arrow data)."""
    return pd.array(text(values), dtype="str")


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Row of the first occurrence of each code, in code order, for codes numbered by first appearance.

    A code's first row is where the running maximum first reaches it: one pass instead of the sort
    in ``np.unique(codes, return_index=True)``. At 1M customers that saves 0.12 s of the 0.89 s
    potential estimate (13%) and of the 2.1 s service plan (6%), measured by
    ``.venv/bin/python benchmarks/bench_tricks.py``.
    """
    if len(codes) == 0:
        return np.empty(0, dtype=np.int64)
    running = np.maximum.accumulate(codes)
    return np.flatnonzero(np.diff(running, prepend=-1) > 0)


def format_each(values: np.ndarray, formatter: Callable[[float], str], key: np.ndarray | None = None) -> pa.Array:
    """Format every value with `formatter`, calling it once per distinct `key` (default: the value itself).

    `key` should be the value rounded as the formatter shows it, so a million rows cost a few
    thousand calls; each distinct key is formatted from its first row.
    """
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return pa.array([], type=TEXT)
    keys = values if key is None else np.asarray(key)
    codes, _uniques = pd.factorize(keys, use_na_sentinel=False)
    first = _first_rows(codes)
    return words_at([formatter(float(values[i])) for i in first], codes)


def group_codes(*keys: np.ndarray) -> np.ndarray:
    """One int64 code per distinct row of the aligned `keys` arrays (numbers or str), numbered 0…G−1.

    Codes are numbered in order of first appearance. Works on the arrays as they are (no
    conversion to a string dtype), which matters at a million rows.
    """
    combined = np.zeros(len(keys[0]) if keys else 0, dtype=np.int64)
    size = 1
    for key in keys:
        codes, uniques = pd.factorize(np.asarray(key), use_na_sentinel=False)
        levels = len(uniques)
        if size * (levels + 1) >= 2**62:  # keep the combined codes inside int64
            combined = pd.factorize(combined)[0].astype(np.int64)
            size = int(combined.max(initial=0)) + 1
        combined = combined * (levels + 1) + codes
        size *= levels + 1
    return pd.factorize(combined)[0].astype(np.int64)


def format_rows(formatter: Callable[..., str], *keys: np.ndarray) -> pa.Array:
    """Call ``formatter(*row)`` once per distinct row of the aligned `keys` arrays; return one str per row.

    Phrases built from a few shown values (a band, an industry, a rounded ratio) repeat a lot, so
    this is much cheaper than formatting every row.
    """
    n = len(keys[0]) if keys else 0
    if n == 0:
        return pa.array([], type=TEXT)
    codes = group_codes(*keys)
    first = _first_rows(codes)
    columns = [np.asarray(key)[first].tolist() for key in keys]
    return words_at([formatter(*row) for row in zip(*columns, strict=True)], codes)


def money_each(values: np.ndarray) -> pa.Array:
    """`format_money` (no currency) for every value of an array, computed once per shown figure."""
    values = np.asarray(values, dtype=float)
    return format_each(values, format_money, key=money_key(values))


def concat(*parts: TextPart) -> pa.Array:
    """Join text element-wise: aligned arrays of str and plain str pieces (the same for every row)."""
    pieces = [pa.scalar(p, type=TEXT) if isinstance(p, str) else text(p) for p in parts]
    if all(isinstance(p, pa.Scalar) for p in pieces):
        raise ValueError("concat needs at least one array")
    return pc.binary_join_element_wise(*pieces, pa.scalar("", type=TEXT))


def join_nonempty(arrays: Sequence[TextPart], n: int, separator: str = "; ") -> pa.Array:
    """Join the non-empty strings of several aligned arrays with `separator`, element-wise.

    A separator goes before a part only where the part is non-empty and an earlier part was, so the
    whole join is one element-wise pass.
    """
    if not arrays:
        return blank(n)
    parts = [text(array) for array in arrays]
    pieces: list[pa.Array] = [parts[0]]
    said = pc.greater(pc.binary_length(parts[0]), 0).to_numpy(zero_copy_only=False)
    for part in parts[1:]:
        filled = pc.greater(pc.binary_length(part), 0).to_numpy(zero_copy_only=False)
        pieces.extend([words_at(["", separator], said & filled), part])
        said = said | filled
    return pc.binary_join_element_wise(*pieces, pa.scalar("", type=TEXT))
