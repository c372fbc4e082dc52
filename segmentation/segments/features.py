"""Criteria → a numeric feature matrix: imputation, clipping, log scaling, encoding and weights, all said in notes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segmentation.errors import InputError
from segmentation.segments.criteria import NEVER_FEATURES, Criterion, criteria_catalogue, family_for, kind_for_role

if TYPE_CHECKING:
    from segmentation.intake.table import CustomerTable
    from segmentation.segments.settings import CriteriaSettings

MISSING = "Missing"
OTHER = "Other"


@dataclass
class FeatureMatrix:
    """The numbers the methods cluster on, and how they were made from the chosen columns."""

    matrix: np.ndarray
    """n_customers × n_features, float64, no NaN, scaled and weighted."""
    feature_names: list[str]
    """One name per matrix column ("employees", "industry = FinTech", "signup (days since)")."""
    columns: list[str]
    """Source columns used, in order."""
    families: dict[str, str]
    """Column → firmographic | geographic | behavioural | psychographic | value."""
    notes: list[str]
    """Imputation, clipping, log scaling, encoding and weights, in words."""
    kinds: dict[str, str] = field(default_factory=dict)
    """Column → numeric | categorical | date-derived."""
    feature_sources: list[str] = field(default_factory=list)
    """The source column of each matrix column."""
    raw: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The chosen columns before scaling, one row per customer: numbers as float64 (NaN kept, dates
    as days since the latest date), categories as text (pandas categorical) with missing values as 'Missing'."""
    weights: dict[str, float] = field(default_factory=dict)
    """Column → the weight applied (column weight × family weight)."""

    @property
    def numeric_columns(self) -> list[str]:
        """The columns used as numbers (dates included as days since)."""
        return [c for c in self.columns if self.kinds.get(c, "numeric") != "categorical"]

    @property
    def categorical_columns(self) -> list[str]:
        """The columns used as categories."""
        return [c for c in self.columns if self.kinds.get(c) == "categorical"]

    def to_dict(self) -> dict[str, Any]:
        """Return the columns, families, kinds, weights, feature names and notes (not the matrix)."""
        return {
            "columns": list(self.columns),
            "families": dict(self.families),
            "kinds": dict(self.kinds),
            "weights": {k: float(v) for k, v in self.weights.items()},
            "feature_names": list(self.feature_names),
            "notes": list(self.notes),
        }


def _role(table: CustomerTable, column: str) -> str:
    """Return the detected role of a column ('revenue' for the revenue column)."""
    if column == "revenue":
        return "revenue"
    role = table.roles.get(column)
    if role is not None:
        return role.role
    series = table.customers[column]
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_numeric_dtype(series):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    return "categorical"


def _choose(table: CustomerTable, criteria: CriteriaSettings) -> tuple[list[Criterion], list[str]]:
    """Return the criteria to use and notes on columns left out."""
    notes: list[str] = []
    if criteria.columns is None:
        chosen = [c for c in criteria_catalogue(table, criteria) if c.default_selected]
        if chosen:
            notes.append(
                "Segmented on the columns picked by default (behaviour, attitude and company traits): "
                + ", ".join(f"'{c.column}'" for c in chosen)
                + "."
            )
        return chosen, notes
    available = [c for c in table.customers.columns if c != "customer_id"]
    out: list[Criterion] = []
    for column in dict.fromkeys(criteria.columns):
        if column not in table.customers.columns or column == "customer_id":
            shown = ", ".join(f"'{c}'" for c in available[:12])
            raise InputError(
                f"Column '{column}' is not in the customer table; choose criteria among {shown}"
                + (" …" if len(available) > 12 else "")
                + "."
            )
        role = _role(table, column)
        if role == "constant":
            notes.append(f"'{column}' has the same value for every customer, so it was left out.")
            continue
        kind = kind_for_role(role)
        if role in NEVER_FEATURES or kind is None:
            raise InputError(
                f"Column '{column}' holds {role.replace('_', ' ')} values, which cannot describe a segment; "
                "remove it from the criteria."
            )
        family, reason = family_for(column, role)
        if column in criteria.families:
            family, reason = criteria.families[column], "moved here by you"
        out.append(Criterion(column=column, family=family, kind=kind, default_selected=False, reason=reason))
    return out, notes


def _skew(values: np.ndarray) -> float:
    """Return the sample skewness (0 for constant values)."""
    centred = values - values.mean()
    squared = centred * centred  # products, not `** 3`: float powers are 20× slower at a million rows
    m2 = float(np.mean(squared))
    scale = m2**1.5  # underflows to 0 for spreads near the smallest float (seen from hypothesis: 5e-324)
    if scale == 0 or not np.isfinite(scale):  # constant values (m2 = 0) included
        return 0.0
    return float(np.mean(squared * centred)) / scale


def _fmt(value: float) -> str:
    """Format a number for a note: thousands separators, at most 3 significant decimals."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 100 or value == round(value):
        return f"{value:,.0f}"
    return f"{value:,.3g}"


def _ordinal(value: float) -> str:
    """Return '1st', '2nd', '99th', '2.5th' for a percentile."""
    if value != round(value):
        return f"{value:g}th"
    number = round(value)
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _numeric_block(name: str, values: np.ndarray, criteria: CriteriaSettings) -> tuple[np.ndarray | None, list[str]]:
    """Return the scaled column (None when it carries no information) and notes."""
    notes: list[str] = []
    n = len(values)
    missing = np.isnan(values)
    if missing.all():
        return None, [f"'{name}' has no usable numbers, so it was left out."]
    x = values.copy()
    if missing.any():
        median = float(np.median(x[~missing]))
        x[missing] = median
        notes.append(f"'{name}': {int(missing.sum()):,} missing value(s) filled with the median ({_fmt(median)}).")
    if criteria.clip_quantile and n >= criteria.clip_min_customers:
        lo, hi = np.quantile(x, [criteria.clip_quantile, 1 - criteria.clip_quantile])
        clipped = int(((x < lo) | (x > hi)).sum())
        if clipped and hi > lo:
            x = np.clip(x, lo, hi)
            pct = criteria.clip_quantile * 100
            low_name, high_name = _ordinal(pct), _ordinal(100 - pct)
            notes.append(
                f"'{name}': {clipped:,} extreme value(s) pulled in to the {low_name}–{high_name} percentile "
                f"range ({_fmt(float(lo))} to {_fmt(float(hi))})."
            )
    if float(x.min()) == float(x.max()):
        return None, [*notes, f"'{name}' has the same value for every customer, so it was left out."]
    heavy = criteria.log_heavy_tails and float(x.min()) >= 0 and _skew(x) > criteria.heavy_tail_skew
    if heavy:
        x = np.log1p(x)
        q1, centre, q3 = np.quantile(x, [0.25, 0.5, 0.75])
        spread = float(q3 - q1) or float(x.std())
        notes.append(f"'{name}' is heavy-tailed (a few very large values): log-scaled, then scaled by its median.")
    else:
        centre, spread = float(x.mean()), float(x.std())
    with np.errstate(all="ignore"):
        scaled = (x - centre) / spread if spread > 0 else np.full_like(x, np.nan)
    if not np.isfinite(scaled).all():
        return None, [*notes, f"'{name}' barely differs between customers, so it was left out."]
    return scaled, notes


@dataclass
class _CategoryBlock:
    """A categorical column ready for the matrix: each customer's code picks one row of `table`."""

    codes: np.ndarray
    table: np.ndarray
    """(number of codes) × (block width): the scaled values a customer with that code gets."""


def _categorical_block(
    name: str, values: pd.Categorical, criteria: CriteriaSettings
) -> tuple[_CategoryBlock | None, list[str], list[str]]:
    """Return the encoded block (None when uninformative), its feature names and notes.

    Works on the category codes: the values are never spread into a million-row table of text.
    """
    notes: list[str] = []
    codes = np.asarray(values.codes)
    labels = [str(c) for c in values.categories]
    n = len(codes)
    tally = np.bincount(codes, minlength=len(labels))
    # Most common first; ties in text order (as value_counts sorted by text, then by count, stably).
    order = sorted((i for i in range(len(labels)) if tally[i] > 0), key=lambda i: (-int(tally[i]), labels[i]))
    if MISSING in labels and tally[labels.index(MISSING)] > 0:
        missing = int(tally[labels.index(MISSING)])
        notes.append(f"'{name}': {missing:,} missing value(s) kept as their own category 'Missing'.")
    if len(order) < 2:
        return None, [], [*notes, f"'{name}' has the same value for every customer, so it was left out."]
    if len(order) > criteria.frequency_encode_above:
        frequency = tally / n
        share = frequency[codes]
        std = share.std()
        notes.append(
            f"'{name}' has {len(order):,} different values: encoded by how common each value is, "
            "so customers with rare values sit together."
        )
        if std == 0:
            return None, [], [*notes, f"'{name}' carries no information once encoded, so it was left out."]
        return (
            _CategoryBlock(codes=codes, table=((frequency - share.mean()) / std)[:, None]),
            [f"{name} (how common)"],
            notes,
        )
    kept = order[: criteria.max_levels]
    levels = [labels[i] for i in kept]
    position = np.full(len(labels), -1, dtype=np.int64)
    position[kept] = np.arange(len(kept))
    if len(order) > criteria.max_levels:
        others = int(tally[order[criteria.max_levels :]].sum())
        notes.append(
            f"'{name}': the {len(order) - criteria.max_levels:,} least common values ({others:,} customers) "
            "grouped as 'Other'."
        )
        if OTHER in levels:  # a value already called 'Other' takes in the rest
            position[position == -1] = levels.index(OTHER)
        else:
            position[position == -1] = len(levels)
            levels.append(OTHER)
    counts = np.bincount(position[codes], minlength=len(levels))
    shares = counts / n
    spread = 1.0 - float((shares**2).sum())
    if spread <= 0:
        return None, [], [*notes, f"'{name}' has the same value for every customer, so it was left out."]
    # Scaled so the whole block has the variance of one standardised number: a category counts
    # like one numeric column however many levels it has.
    one_hot = np.eye(len(levels))[position]
    return (
        _CategoryBlock(codes=codes, table=(one_hot - shares) / math.sqrt(spread)),
        [f"{name} = {level}" for level in levels],
        notes,
    )


def categorical_codes(series: pd.Series) -> pd.Categorical:
    """Return a column as text categories: booleans as Yes/No, missing or blank as 'Missing', text stripped.

    Values that read the same after stripping share a category; categories come in order of first
    appearance, with 'Missing' where the first blank is (or last, when only missing values say it).
    """
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series) or (
        series.dtype == object and series.dropna().map(lambda v: isinstance(v, bool | np.bool_)).all()
    ):
        flags = series.fillna(False).astype(bool).to_numpy()
        codes = np.where(flags, 1, 0).astype(np.int32)
        texts = ["No", "Yes"]
    else:
        stripped = series.astype(object).astype(str).str.strip()  # missing values stay missing
        raw_codes, uniques = pd.factorize(stripped.mask(stripped == "", MISSING))
        codes = raw_codes.astype(np.int32)
        texts = [str(t) for t in uniques]
    if missing.any():
        if MISSING not in texts:
            texts.append(MISSING)
        codes[missing] = texts.index(MISSING)
    present = np.bincount(codes, minlength=len(texts)) > 0
    if not present.all():  # drop categories nobody has (e.g. 'Missing' when nothing is missing)
        renumber = np.cumsum(present) - 1
        codes = renumber[codes].astype(np.int32)
        texts = [t for t, keep in zip(texts, present, strict=True) if keep]
    return pd.Categorical.from_codes(codes, categories=pd.Index(texts, dtype=object))


def category_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Return integer codes and the distinct texts in text order (as `pd.factorize(..., sort=True)` of the text)."""
    codes, uniques = pd.factorize(pd.Series(values.to_numpy(dtype=object)).astype(str), sort=True)
    return np.asarray(codes), [str(u) for u in uniques]


def days_since(series: pd.Series) -> np.ndarray:
    """Return days from each date to the latest date in the column (NaN where the date is missing)."""
    dates = pd.to_datetime(series, errors="coerce")
    latest = dates.max()
    if pd.isna(latest):
        return np.full(len(series), np.nan)
    return ((latest - dates).dt.total_seconds() / 86400.0).to_numpy(dtype=float, na_value=np.nan)


ROWS_PER_CHUNK = 8_192
"""Rows written at a time when assembling the matrix: a chunk of all columns stays in the CPU cache."""


def _assemble(blocks: list[np.ndarray | _CategoryBlock], n: int, width: int) -> np.ndarray:
    """Return the C-ordered float64 matrix of the blocks, written in place (no stacked copies)."""
    matrix = np.empty((n, width), dtype=np.float64)
    for start in range(0, n, ROWS_PER_CHUNK):
        rows = slice(start, min(start + ROWS_PER_CHUNK, n))
        offset = 0
        for block in blocks:
            if isinstance(block, _CategoryBlock):
                step = block.table.shape[1]
                matrix[rows, offset : offset + step] = block.table[block.codes[rows]]
            else:
                step = 1
                matrix[rows, offset] = block[rows]
            offset += step
    return matrix


def _encode(
    series: pd.Series, criterion: Criterion, weight: float, criteria: CriteriaSettings, notes: list[str]
) -> tuple[np.ndarray | _CategoryBlock | None, list[str], Any]:
    """Return one criterion's weighted block of features (None when the column is unusable), the features'
    names and the column's raw values (category labels or numbers, for profiles); `notes` get what was done."""
    column = criterion.column
    block: np.ndarray | _CategoryBlock | None
    if criterion.kind == "categorical":
        categories = categorical_codes(series)
        encoded, block_names, block_notes = _categorical_block(column, categories, criteria)
        if encoded is not None:
            encoded.table = encoded.table * weight
        block = encoded
        raw_values: Any = categories
    else:
        if criterion.kind == "date-derived":
            values = days_since(series)
            label = f"{column} (days since)"
            notes.append(f"'{column}' is a date: used as days before the latest date in the column.")
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            label = column
        scaled, block_notes = _numeric_block(column, values, criteria)
        block = None if scaled is None else scaled * weight
        block_names = [label]
        raw_values = values
    notes.extend(block_notes)
    return block, block_names, raw_values


def build_features(table: CustomerTable, criteria: CriteriaSettings) -> FeatureMatrix:
    """Return the scaled, weighted feature matrix for the chosen criteria (default: see `criteria_catalogue`).

    Numbers: missing → median, clipped to the 1st–99th percentile, heavy-tailed ones log1p then
    scaled by median and spread, others standardised. Categories: one-hot of the most common
    values (the rest 'Other', missing 'Missing'), scaled so a category counts like one number;
    above `frequency_encode_above` values, encoded by frequency. Each column is multiplied by its
    weight × its family's weight. Raises `InputError` when no usable column remains.
    """
    chosen, notes = _choose(table, criteria)
    for key, value in [*criteria.weights.items(), *criteria.family_weights.items()]:
        if value < 0 or not math.isfinite(value):
            raise InputError(f"The weight of '{key}' is {value}; weights must be 0 or more (1 is normal).")
    n = table.n_customers
    blocks: list[np.ndarray | _CategoryBlock] = []
    names: list[str] = []
    sources: list[str] = []
    columns: list[str] = []
    families: dict[str, str] = {}
    kinds: dict[str, str] = {}
    weights: dict[str, float] = {}
    raw: dict[str, Any] = {}
    for criterion in chosen:
        column = criterion.column
        weight = float(criteria.weights.get(column, 1.0)) * float(criteria.family_weights.get(criterion.family, 1.0))
        if weight == 0:
            notes.append(f"'{column}' has weight 0, so it was left out.")
            continue
        block, block_names, raw_values = _encode(table.customers[column], criterion, weight, criteria, notes)
        if block is None:
            continue
        blocks.append(block)
        names.extend(block_names)
        sources.extend([column] * len(block_names))
        columns.append(column)
        families[column] = criterion.family
        kinds[column] = criterion.kind
        weights[column] = weight
        raw[column] = raw_values
        if weight != 1.0:
            notes.append(f"'{column}' counts {weight:g}× as much as a normal column.")
    if not blocks:
        raise InputError(
            "No usable segmentation criteria: every chosen column is empty, constant or excluded; "
            "choose columns with numbers or categories that differ between customers."
        )
    matrix = _assemble(blocks, n, len(names))
    return FeatureMatrix(
        matrix=matrix,
        feature_names=names,
        columns=columns,
        families=families,
        notes=notes,
        kinds=kinds,
        feature_sources=sources,
        raw=pd.DataFrame(raw, index=pd.RangeIndex(n), copy=False),
        weights=weights,
    )
