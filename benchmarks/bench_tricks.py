"""Does each hand-built Arrow buffer or key-coding trick earn its keep? Trick against the plain version, at 1M.

    .venv/bin/python benchmarks/bench_tricks.py [--rows 1000000] [--repeats 3]

It writes bench_intake's 13-column customer table to Parquet, reads it with `load_customers` and
segments it on five numbers and three categories (industry, country, plan), with concentration
by industry. Then, for each stage a trick serves (`find_segments`, `measure_money`, `estimate`,
`plan`), it runs the stage once with the trick's function wrapped to record every call, and times
the trick and the plain version (plain pyarrow.compute / pandas / numpy) on exactly those calls;
both must give the same output, or the row says so. Each row prints the trick's time, the plain
version's time, the stage's time (all medians of `repeats`), and the saving as a share of the stage.
The issue's rule: a trick that saves less than a tenth of its stage goes back to the plain version.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import customer_frame

from segmentation import pipeline
from segmentation.config import AnalysisConfig
from segmentation.economics import concentration
from segmentation.intake import Source
from segmentation.segments import features
from segmentation.service import potential, text

CRITERIA = ["employees", "nps", "tickets_90d", "seats", "logins_30d", "industry", "country", "plan"]


# The tricks that lost (they saved under a tenth of their stage) are kept here, as they were, so the
# measurement can be repeated against the plain versions that replaced them in `segmentation`.


def trick_blank(n: int) -> pa.Array:
    """n empty strings from hand-built buffers (all offsets zero, no characters)."""
    return pa.Array.from_buffers(text.TEXT, n, [None, pa.py_buffer(np.zeros(n + 1, dtype=np.int64)), pa.py_buffer(b"")])


def trick_fill(n: int, mask: np.ndarray, values: text.TextPart) -> pa.Array:
    """`values` where `mask` holds, "" elsewhere, by spreading the values' lengths into new offsets."""
    mask = np.asarray(mask, dtype=bool)
    if isinstance(values, str):
        return text.put(trick_blank(n), mask, values)
    array = text.text(values)
    if array.null_count or len(array) != int(mask.sum()):
        return text.put(trick_blank(n), mask, array)
    _validity, offset_buffer, data = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64, count=array.offset + len(array) + 1)[array.offset :]
    lengths = np.zeros(n, dtype=np.int64)
    lengths[mask] = np.diff(offsets)
    spread = np.empty(n + 1, dtype=np.int64)
    spread[0] = offsets[0]
    np.cumsum(lengths, out=spread[1:])
    spread[1:] += offsets[0]
    return pa.Array.from_buffers(text.TEXT, n, [None, pa.py_buffer(spread), data])


def _direct_key_codes(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes for one key: small-range integers and whole or one-decimal floats shifted, anything else factorised."""
    if key.dtype.kind in "iub" and len(key):
        low, high = int(key.min()), int(key.max())
        if high - low < 1 << 16:
            return key.astype(np.int64) - low, high - low + 1
    if key.dtype.kind == "f" and len(key):
        for scale in (1.0, 10.0):
            with np.errstate(invalid="ignore", over="ignore"):
                steps = np.rint(key * scale)
            if not np.array_equal(steps / scale, key):
                continue
            low_step, high_step = float(steps.min()), float(steps.max())
            if high_step - low_step < 1 << 16:
                return (steps - low_step).astype(np.int64), int(high_step - low_step) + 1
            break
    codes, uniques = pd.factorize(key, use_na_sentinel=False)
    return codes, len(uniques)


def trick_group_codes(*keys: np.ndarray) -> np.ndarray:
    """`text.group_codes` with small-range integer and rounded float keys used as codes directly."""
    combined = np.zeros(len(keys[0]) if keys else 0, dtype=np.int64)
    size = 1
    for key in keys:
        codes, levels = _direct_key_codes(np.asarray(key))
        if size * (levels + 1) >= 2**62:
            combined = pd.factorize(combined)[0].astype(np.int64)
            size = int(combined.max(initial=0)) + 1
        combined = combined * (levels + 1) + codes
        size *= levels + 1
    return pd.factorize(combined)[0].astype(np.int64)


def trick_category(frame: pd.DataFrame, column: str | None) -> Any:
    """`potential._category` trimming the distinct values only, then merging their codes."""
    if column is None:
        return potential._Coded(np.zeros(len(frame), dtype=np.int64), [""])
    raw_codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    trimmed = pd.Series(uniques).astype("string").fillna("").str.strip().to_numpy(dtype=object, na_value="")
    merged, distinct = pd.factorize(np.append(trimmed, "").astype(object))
    codes, order = pd.factorize(merged[raw_codes])
    return potential._Coded(codes.astype(np.int64), [str(distinct[i]) for i in order])


def trick_categorical_codes(series: pd.Series) -> pd.Categorical:
    """`features.categorical_codes` turning the distinct values only into text, then merging their codes."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series) or (
        series.dtype == object and series.dropna().map(lambda v: isinstance(v, bool | np.bool_)).all()
    ):
        return features.categorical_codes(series)
    raw_codes, uniques = pd.factorize(series, use_na_sentinel=True)
    names = [str(v).strip() or features.MISSING for v in uniques] + [features.MISSING]
    merged, texts_index = pd.factorize(pd.Series(names, dtype=object))
    codes = merged.astype(np.int32)[raw_codes]
    texts = [str(t) for t in texts_index]
    if missing.any():
        codes[missing] = texts.index(features.MISSING)
    present = np.bincount(codes, minlength=len(texts)) > 0
    if not present.all():
        renumber = np.cumsum(present) - 1
        codes = renumber[codes].astype(np.int32)
        texts = [t for t, keep in zip(texts, present, strict=True) if keep]
    return pd.Categorical.from_codes(codes, categories=pd.Index(texts, dtype=object))


def trick_category_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """`features.category_codes` reading a categorical column's own codes, sorted by text, when it can."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.asarray(values.cat.codes)
        texts = [str(c) for c in values.cat.categories]
        if (codes >= 0).all():
            present = np.bincount(codes, minlength=len(texts)) > 0
            kept = sorted((t, i) for i, t in enumerate(texts) if present[i])
            if len({t for t, _ in kept}) == len(kept):
                renumber = np.full(len(texts), -1, dtype=np.int64)
                renumber[[i for _, i in kept]] = np.arange(len(kept))
                return renumber[codes], [t for t, _ in kept]
    return features.category_codes(values)


# The plain versions of the tricks that won (kept in `segmentation`).


def plain_first_rows(codes: np.ndarray) -> np.ndarray:
    """Row of each code's first occurrence, by np.unique."""
    return np.unique(codes, return_index=True)[1]


def plain_text_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Every value as text ("(blank)" when missing), factorised."""
    texts = values.astype(object).astype(str).where(values.notna(), "(blank)")
    codes, uniques = pd.factorize(texts)
    return codes.astype(np.int64), [str(u) for u in uniques]


def same(a: Any, b: Any) -> bool:
    """Whether two outputs are equal (Arrow arrays, numpy arrays, categoricals, tuples, lists, dataclasses)."""
    if isinstance(a, pa.Array | pa.ChunkedArray):
        return bool(a.equals(b))
    if isinstance(a, pd.Categorical):
        return same(a.codes, b.codes) and list(a.categories) == list(b.categories)
    if isinstance(a, np.ndarray):
        return bool(np.array_equal(a, b))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "__dataclass_fields__"):
        return all(same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    return bool(a == b)


@dataclass
class Trick:
    """A trick and its plain version, where the code calls it (module and name) and the stage it serves."""

    name: str
    module: ModuleType
    attribute: str
    trick: Callable[..., Any]
    plain: Callable[..., Any]
    stage: str


def _rows() -> list[Trick]:
    """Every trick measured, once per stage it serves."""
    kept = [
        ("text._first_rows (running maximum)", text, "_first_rows", text._first_rows, plain_first_rows),
        (
            "concentration._text_codes (distinct first)",
            concentration,
            "_text_codes",
            concentration._text_codes,
            plain_text_codes,
        ),
    ]
    gone = [
        ("text.blank (zero offsets by hand)", text, "blank", trick_blank, text.blank),
        ("text.fill (offsets spread by hand)", text, "fill", trick_fill, text.fill),
        ("text.group_codes (direct int/float codes)", text, "group_codes", trick_group_codes, text.group_codes),
        ("potential._category (distinct first)", potential, "_category", trick_category, potential._category),
        (
            "features.categorical_codes (distinct first)",
            features,
            "categorical_codes",
            trick_categorical_codes,
            features.categorical_codes,
        ),
        (
            "features.category_codes (categorical path)",
            features,
            "category_codes",
            trick_category_codes,
            features.category_codes,
        ),
    ]
    stages = {
        "_first_rows": ["estimate", "plan"],
        "blank": ["estimate", "plan"],
        "fill": ["estimate", "plan"],
        "group_codes": ["estimate", "plan"],
        "_text_codes": ["money"],
        "_category": ["estimate"],
        "categorical_codes": ["segments"],
        "category_codes": ["segments"],
    }
    return [Trick(*row, stage) for row in kept + gone for stage in stages[row[2]]]


def holders(trick: Trick) -> list[ModuleType]:
    """Every loaded segmentation module that holds the trick's function under its name (imported by name)."""
    function = getattr(trick.module, trick.attribute)
    return [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("segmentation") and getattr(module, trick.attribute, None) is function
    ]


def record(trick: Trick, run_stage: Callable[[], object]) -> list[tuple[tuple, dict]]:
    """Run the stage once with the trick wrapped; return the arguments of every call it made."""
    function = getattr(trick.module, trick.attribute)
    calls: list[tuple[tuple, dict]] = []

    def recorder(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return function(*args, **kwargs)

    places = holders(trick)
    for module in places:
        setattr(module, trick.attribute, recorder)
    try:
        run_stage()
    finally:
        for module in places:
            setattr(module, trick.attribute, function)
    return calls


def timed(function: Callable[..., Any], calls: list[tuple[tuple, dict]]) -> float:
    """Seconds to make every recorded call."""
    start = time.perf_counter()
    for args, kwargs in calls:
        function(*args, **kwargs)
    return time.perf_counter() - start


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of `repeats` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = AnalysisConfig.model_validate(
        {"criteria": {"columns": CRITERIA}, "concentration": {"group_column": "industry"}}
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.parquet"
        customer_frame(args.rows).to_parquet(path, index=False)
        table = pipeline.load_customers(Source.from_path(path), config)
    _features, segmentation = pipeline.find_segments(table, config)
    estimate = pipeline.estimate(table, segmentation, config)
    stages: dict[str, Callable[[], object]] = {
        "segments": lambda: pipeline.find_segments(table, config),
        "money": lambda: pipeline.measure_money(table, segmentation, config),
        "estimate": lambda: pipeline.estimate(table, segmentation, config),
        "plan": lambda: pipeline.plan(table, segmentation, estimate, config),
    }
    stage_seconds = {name: median_seconds(run, args.repeats) for name, run in stages.items()}
    print(f"{args.rows:,} customers; medians of {args.repeats} runs; seconds")
    print(f"{'trick':46} {'stage':>8} {'calls':>6} {'trick':>7} {'plain':>7} {'stage':>7} {'saving':>7}  same")
    for trick in _rows():
        calls = record(trick, stages[trick.stage])
        alike = all(same(trick.trick(*a, **k), trick.plain(*a, **k)) for a, k in calls)
        ours = statistics.median(timed(trick.trick, calls) for _ in range(args.repeats))
        plain = statistics.median(timed(trick.plain, calls) for _ in range(args.repeats))
        saving = (plain - ours) / stage_seconds[trick.stage]
        print(
            f"{trick.name:46} {trick.stage:>8} {len(calls):6d} {ours:7.3f} {plain:7.3f} "
            f"{stage_seconds[trick.stage]:7.2f} {saving:7.1%}  {'yes' if alike else 'NO'}"
        )


if __name__ == "__main__":
    main()
