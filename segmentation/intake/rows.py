"""Row-level checks on factorised columns: missing text, pattern matches, categories, repeated rows.

Each works on `Distinct` columns so a large file is hashed once and every check reads small
arrays of codes instead of the text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.intake.parsing import Distinct, as_text, is_missing


def present_text(text: pd.Series | Distinct) -> pd.Series:
    """The text with missing values (blank, N/A …) as NA (typed values written as text)."""
    text = as_text(text)
    if isinstance(text, Distinct) and text.repeats:
        return text.spread(present_text(text.values))
    column = text.text if isinstance(text, Distinct) else text
    return column.where(~is_missing(column)).astype("str")


def matches(text: Distinct, pattern: str) -> pd.Series:
    """Rows whose text contains the regular expression `pattern` (tested once per distinct value)."""
    text = text.as_text()
    if text.repeats:
        return text.spread(text.values.str.contains(pattern, regex=True, na=False))
    return text.text.str.contains(pattern, regex=True, na=False)


def as_categories(text: Distinct) -> pd.Series:
    """The column as a pandas Categorical of its present texts (missing values as NaN)."""
    text = text.as_text()
    missing = text.missing_values().to_numpy()
    renumber = np.where(missing, -1, np.cumsum(~missing) - 1)
    categories = pd.Index(text.values[~missing], dtype="str")
    return pd.Series(pd.Categorical.from_codes(renumber[text.codes], categories=categories), index=text.text.index)


def later_repeats(codes: np.ndarray, keep: pd.Series) -> pd.Series:
    """Rows of `keep` whose code already appeared in an earlier row of `keep`."""
    mask = keep.to_numpy()
    result = np.zeros(len(mask), dtype=bool)
    result[mask] = pd.Series(codes[mask]).duplicated(keep="first").to_numpy()
    return pd.Series(result, index=keep.index)


def identical_rows(frame: pd.DataFrame, id_codes: np.ndarray, keep: pd.Series) -> pd.Series:
    """Rows of `keep` identical to an earlier row of `keep`.

    Identical rows share their ID, so only rows whose ID repeats are compared.
    """
    mask = keep.to_numpy()
    shared = mask & (np.bincount(id_codes[mask], minlength=int(id_codes.max(initial=0)) + 1)[id_codes] > 1)
    result = np.zeros(len(mask), dtype=bool)
    if shared.any():
        result[shared] = frame[shared].duplicated(keep="first").to_numpy()
    return pd.Series(result, index=keep.index)


def count_repeated_rows(columns: list[Distinct], keep: pd.Series) -> int:
    """How many rows of `keep` repeat an earlier row exactly, from the columns' codes (no string hashing)."""
    mask = keep.to_numpy()
    every = bool(mask.all())
    key = np.zeros(int(mask.sum()), dtype=np.int64)
    span = 1
    for column in columns:
        size = max(len(column.values), 1)
        if span * size >= 2**62:  # renumber the combined key before it could overflow
            key = pd.factorize(key)[0].astype(np.int64)
            span = int(key.max(initial=0)) + 1
        key *= size
        key += column.codes if every else column.codes[mask]
        span *= size
    # sorted in place: equal neighbours are repeats (less memory, and faster on large files, than a hash table)
    key.sort()
    return int(np.count_nonzero(key[1:] == key[:-1]))
