"""Readable rules for the segments: a shallow decision tree on the original criteria values."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from segmentation.segments.features import MISSING, category_codes
from segmentation.segments.methods import sample_indices
from segmentation.segments.naming import rule_label

if TYPE_CHECKING:
    from segmentation.segments.features import FeatureMatrix

MAX_LEVELS = 10
FIT_SAMPLE = 20_000
"""A depth-3 tree barely changes beyond this many customers; fidelity is still measured on everyone."""
MAX_PATHS = 3


@dataclass
class SegmentRules:
    """Rules per segment and how faithfully they reproduce the segments."""

    rules: list[dict[str, Any]]
    """One {segment, text, formula, coverage} per segment: the rule in words and in the file's column names;
    coverage is the share of its customers the rules catch."""
    fidelity: float | None
    """Share of all customers the rules put in their own segment (None when there was nothing to explain)."""


def _design(features: FeatureMatrix) -> tuple[np.ndarray, list[tuple[str, str, str | None, bool]]]:
    """Return the unscaled design matrix and, per column, (source column, kind, level, integer-valued).

    float32 in column order: the tree works in float32 anyway, so it takes this without a copy.
    """
    columns: list[tuple[np.ndarray, int | None]] = []  # (numbers, None) or (codes, level code)
    meta: list[tuple[str, str, str | None, bool]] = []
    for column in features.columns:
        if features.kinds.get(column) == "categorical":
            codes, levels = category_codes(features.raw[column])
            counts = np.bincount(codes, minlength=len(levels))
            for code in np.argsort(-counts, kind="stable")[:MAX_LEVELS]:
                columns.append((codes, int(code)))
                meta.append((column, "categorical", str(levels[code]), True))
        else:
            numbers = features.raw[column].to_numpy(dtype=float).copy()
            missing = np.isnan(numbers)
            if missing.all():
                continue
            numbers[missing] = float(np.median(numbers[~missing]))
            integer = bool(np.all(numbers == np.round(numbers)))
            name = f"{column} (days since)" if features.kinds.get(column) == "date-derived" else column
            columns.append((numbers, None))
            meta.append((name, "numeric", None, integer))
    design = np.empty((len(features.raw), len(columns)), dtype=np.float32, order="F")
    for j, (values, level) in enumerate(columns):
        design[:, j] = values if level is None else values == level
    return design, meta


def _number(value: float) -> str:
    """Format a threshold for a rule."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == round(value):
        return f"{value:.0f}"
    return f"{value:.3g}"


def _as_in_file(column: str) -> tuple[str, str, float]:
    """A column in a rule's formula: its own name, no unit, its own scale."""
    return column, "", 1.0


Bounds = tuple[dict[int, float], dict[int, float], dict[str, str], dict[str, list[str]]]
"""Per path: lower and upper bound by feature, the level a category column is, the levels it is not."""


def _bounds(conditions: list[tuple[int, bool, float]], meta: list[tuple[str, str, str | None, bool]]) -> Bounds:
    """Return the tightest bounds of each number on a path and the levels each category column is or is not."""
    lower: dict[int, float] = {}
    upper: dict[int, float] = {}
    is_level: dict[str, str] = {}
    not_levels: dict[str, list[str]] = {}
    for feature, greater, threshold in conditions:
        column, kind, level, _integer = meta[feature]
        if kind == "categorical":
            assert level is not None
            if greater:
                is_level[column] = level
            else:
                not_levels.setdefault(column, []).append(level)
        elif greater:
            lower[feature] = max(lower.get(feature, -math.inf), threshold)
        else:
            upper[feature] = min(upper.get(feature, math.inf), threshold)
    return lower, upper, is_level, not_levels


def _range_text(
    name: str, low: float | None, high: float | None, *, integer: bool, unit: str, scale: float
) -> str | None:
    """Return a number's range on a path in words ('seats 3 to 5', 'NPS score > 7.5'); None without bounds.

    A whole-number column reads its bounds as the whole numbers they let through (> 2.5 → ≥ 3).
    """
    if low is not None and high is not None and integer:
        first, last = math.floor(low) + 1, math.floor(high)
        if first == last:
            return f"{name} = {_number(last * scale)}{unit}"
        return f"{name} {_number(first * scale)}{unit} to {_number(last * scale)}{unit}"
    texts = []
    if low is not None:
        texts.append(
            f"≥ {_number((math.floor(low) + 1) * scale)}{unit}" if integer else f"> {_number(low * scale)}{unit}"
        )
    if high is not None:
        texts.append(f"≤ {_number(math.floor(high) * scale)}{unit}" if integer else f"≤ {_number(high * scale)}{unit}")
    return f"{name} {' and '.join(texts)}" if texts else None


def _path_text(
    conditions: list[tuple[int, bool, float]],
    meta: list[tuple[str, str, str | None, bool]],
    shown: Callable[[str], tuple[str, str, float]] = _as_in_file,
) -> str:
    """Return 'employees ≥ 500 and industry is FinTech' for the conditions on one root-to-leaf path.

    `shown` gives each column's name, the unit after its numbers and the scale they are shown at (the raw
    name as it is by default; `rule_label` for words a sales leader reads).
    """
    lower, upper, is_level, not_levels = _bounds(conditions, meta)
    parts: list[str] = []
    order = list(dict.fromkeys(meta[feature][0] for feature, _greater, _threshold in conditions))
    for column in order:
        name, unit, scale = shown(column)
        if column in is_level:
            parts.append(f"{name} is {is_level[column]}")
            continue
        if column in not_levels:
            levels = [lv for lv in not_levels[column] if lv != MISSING] or not_levels[column]
            parts.append(f"{name} is not {' or '.join(dict.fromkeys(levels))}")
            continue
        for feature in {f for f, _, _ in conditions if meta[f][0] == column}:
            text = _range_text(
                name, lower.get(feature), upper.get(feature), integer=meta[feature][3], unit=unit, scale=scale
            )
            if text:
                parts.append(text)
    return " and ".join(parts) if parts else "everyone"


def _paths_text(
    paths: list[tuple[int, int, list[tuple[int, bool, float]]]],
    meta: list[tuple[str, str, str | None, bool]],
    shown: Callable[[str], tuple[str, str, float]] = _as_in_file,
) -> str:
    """The largest `MAX_PATHS` paths of one segment joined with 'or', and how many smaller ones are left."""
    texts = [_path_text(conditions, meta, shown) for _, _, conditions in paths[:MAX_PATHS]]
    text = " or ".join(f"({t})" if len(paths) > 1 else t for t in texts)
    left = len(paths) - MAX_PATHS
    if left > 0:
        text += f" or {left} smaller rule{'s' if left > 1 else ''}"
    return text


def explain_segments(
    features: FeatureMatrix,
    labels: np.ndarray,
    max_depth: int = 3,
    seed: int = 42,
    stems: list[str] | None = None,
) -> SegmentRules:
    """Fit a decision tree (depth `max_depth`) on the original criteria and return rules per segment.

    Each rule's `text` names the columns in words ("feature adoption ≤ 60.5%", a joined file's name in
    `stems` left out) and its `formula` in the file's own column names, for an analyst to apply.
    The tree is fitted on at most 20,000 customers (seeded sample); fidelity is measured on all.
    """
    design, meta = _design(features)
    ids = sorted(int(i) for i in np.unique(labels))
    if design.shape[1] == 0 or len(ids) < 2:
        return SegmentRules(
            rules=[{"segment": i, "text": "everyone", "formula": "everyone", "coverage": 1.0} for i in ids],
            fidelity=None,
        )
    idx = sample_indices(len(labels), FIT_SAMPLE, seed)
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=seed).fit(design[idx], labels[idx])
    predicted = tree.predict(design)
    fidelity = float(np.mean(predicted == labels))
    structure = tree.tree_
    leaves: list[tuple[int, int, list[tuple[int, bool, float]]]] = []  # (segment, customers, conditions)

    predicted_below: dict[int, set[int]] = {}

    def classes_below(node: int) -> set[int]:
        """Return the segments predicted by the leaves under `node`."""
        left, right = int(structure.children_left[node]), int(structure.children_right[node])
        if left == right:
            found = {int(tree.classes_[int(np.argmax(structure.value[node][0]))])}
        else:
            found = classes_below(left) | classes_below(right)
        predicted_below[node] = found
        return found

    classes_below(0)

    def walk(node: int, conditions: list[tuple[int, bool, float]]) -> None:
        left, right = int(structure.children_left[node]), int(structure.children_right[node])
        if left == right or len(predicted_below[node]) == 1:  # a leaf, or a split that changes nothing
            segment = next(iter(predicted_below[node]))
            leaves.append((segment, int(structure.n_node_samples[node]), conditions))
            return
        feature, threshold = int(structure.feature[node]), float(structure.threshold[node])
        walk(left, [*conditions, (feature, False, threshold)])
        walk(right, [*conditions, (feature, True, threshold)])

    walk(0, [])
    # 0–1 rates the roll-up writes ("is_trial_share"): shown in per cent in the rule's words
    fractions = {
        column
        for column in features.columns
        if column.endswith("_share")
        and features.kinds.get(column) != "categorical"
        and bool(features.raw[column].dropna().between(0, 1).all())
    }
    rules = []
    for segment in ids:
        paths = sorted([leaf for leaf in leaves if leaf[0] == segment], key=lambda leaf: -leaf[1])
        members = labels == segment
        coverage = float(np.mean(predicted[members] == segment)) if members.any() else 0.0
        if not paths:
            text = formula = "no simple rule: these customers are spread among the rules of other segments"
        else:
            text = _paths_text(paths, meta, lambda column: rule_label(column, stems, fraction=column in fractions))
            formula = _paths_text(paths, meta)
        rules.append({"segment": segment, "text": text, "formula": formula, "coverage": coverage})
    return SegmentRules(rules=rules, fidelity=fidelity)
