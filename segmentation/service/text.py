"""Per-customer text and the short figures shared by the potential drivers and the service-model reasons.

Per-customer text is built as Arrow string arrays: each distinct figure or phrase is formatted once
in Python, spread to the rows with `take`, and pieces are joined element-wise in Arrow's C++
kernels, so a million reasons cost a few vectorised passes rather than a million Python joins.
`str_array` hands the result to pandas as its default "str" dtype without copying. `LazyText` holds
text that is written only for the rows read (a page shows a few thousand of a million reasons).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


def money_between(before: str, figures: np.ndarray, after: str) -> Write:
    """A writer of `before`, the row's figure as money (no currency), then `after`."""
    return lambda rows: concat(before, money_each(figures[rows]), after)


Write: TypeAlias = Callable[[np.ndarray], TextPart]
"""Writes the text of the given rows (sorted row positions), one per row or one str for all of them."""

Rewrite: TypeAlias = Callable[[np.ndarray, pa.Array], TextPart]
"""Writes the text of the given rows from the text the layers below gave those rows."""


@dataclass(frozen=True)
class LazyText:
    """Per-row text written only for the rows someone reads.

    A plan's reasons are a base text for every row, then layers that rewrite some rows (an override,
    a pin, capacity, the budget). Writing all of them for a million accounts took most of a plan
    (1.5-2 s at 1,000,000), while a page shows a few thousand and only an export reads every row.
    So each layer keeps its rows (a mask) and a function that writes them; `at` writes the rows
    asked for, layer by layer, exactly as the layers would have been written over the whole column.
    """

    n: int
    layers: tuple[tuple[np.ndarray | None, Write | Rewrite, bool], ...]
    """(rows the layer writes, None for all; the writer; whether it reads the text below)."""
    replaced_texts: tuple[tuple[str, str], ...] = ()
    """Whole texts swapped for others once the layers are written (a renamed segment's override reason)."""

    @classmethod
    def of(cls, n: int, write: Write) -> LazyText:
        """Text for n rows, every row written by `write`."""
        return cls(n, ((None, write, False),))

    @classmethod
    def empty(cls, n: int) -> LazyText:
        """n empty strings (to be written over by layers)."""
        return cls.of(n, lambda rows: blank(len(rows)))

    @classmethod
    def ready(cls, values: TextPart) -> LazyText:
        """Text already written (an Arrow or numpy array of str)."""
        whole = text(values)
        return cls.of(len(whole), lambda rows: pc.take(whole, pa.array(rows)))

    def put(self, mask: np.ndarray, write: Write | str) -> LazyText:
        """This text with the rows where `mask` holds written by `write` instead (or all reading one str)."""
        if isinstance(write, str):
            words = write
            return self._layer(mask, lambda _rows: words, False)
        return self._layer(mask, write, False)

    def rewrite(self, mask: np.ndarray, write: Rewrite) -> LazyText:
        """This text with the rows where `mask` holds written by `write` from their text so far."""
        return self._layer(mask, write, True)

    def _layer(self, mask: np.ndarray, write: Write | Rewrite, reads: bool) -> LazyText:
        mask = np.array(mask, dtype=bool)  # a copy: the caller's mask may change after
        if not mask.any():
            return self
        mask.flags.writeable = False
        return LazyText(self.n, (*self.layers, (mask, write, reads)), self.replaced_texts)

    def replaced(self, old: str, new: str) -> LazyText:
        """This text with every row that reads exactly `old` reading `new`."""
        return LazyText(self.n, self.layers, (*self.replaced_texts, (old, new)))

    def at(self, rows: np.ndarray) -> pa.Array:
        """The text of `rows` (row positions, in the order given)."""
        rows = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        out: pa.Array | None = None
        for mask, write, reads in self.layers:
            if mask is None:
                out = text(write(ordered))  # type: ignore[call-arg]
                continue
            chosen = mask[ordered]
            if out is None or not chosen.any():
                continue
            picked = ordered[chosen]
            values = write(picked, pc.filter(out, pa.array(chosen))) if reads else write(picked)  # type: ignore[call-arg]
            out = put(out, chosen, values)
        if out is None:
            out = blank(len(rows))
        for old, new in self.replaced_texts:
            out = pc.if_else(pc.equal(out, pa.scalar(old, type=TEXT)), pa.scalar(new, type=TEXT), out)
        return out if np.array_equal(order, np.arange(len(rows))) else pc.take(out, pa.array(np.argsort(order)))

    def whole(self) -> pa.Array:
        """The text of every row."""
        return self.at(np.arange(self.n))

    def __reduce__(self) -> tuple[Callable[[TextPart], LazyText], tuple[pa.Array]]:
        """Pickle as the text written out (the writers are closures)."""
        return LazyText.ready, (self.whole(),)


def with_words(frame: pd.DataFrame, column: str, at: int, words: LazyText) -> pd.DataFrame:
    """`frame` (rows indexed by their positions in the table) with `column` put at position `at`: `words`
    written for those rows only. `frame` itself is not changed."""
    written = pd.Series(str_array(words.at(frame.index.to_numpy())), index=frame.index)
    worded = frame.copy(deep=False)
    worded.insert(at, column, written)
    return worded
