"""Short-term (next 12 months, additional) and long-term (total at maturity) revenue potential per account.

Short-term potential is the larger of the expansion headroom an account shows itself (seats or usage
near their limit: extra seats at its own seat price, or the step to the next plan) and its look-alike
headroom (what similar accounts pay at a high percentile, less what it pays, times a realisation
factor). Long-term potential comes from a ridge regression of log revenue on firmographics (size,
industry, geography) fitted on mature accounts and read at a high quantile of what they reach.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold

from segmentation.errors import InputError
from segmentation.service.columns import (
    SIZE_BAND_LABELS,
    PotentialColumns,
    account_age_months,
    find_potential_columns,
    size_band_codes,
    size_values,
)
from segmentation.service.risk import RiskAssessment, score_risk
from segmentation.service.text import (
    TEXT,
    LazyText,
    Rewrite,
    Write,
    blank,
    concat,
    fill,
    format_each,
    format_rows,
    group_codes,
    join_nonempty,
    money_each,
    plain_float,
    put,
    str_array,
    words_at,
)
from segmentation.service.validation import PotentialValidation, judge, not_checked, spearman

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable
    from segmentation.service.settings import PotentialSettings


_MAX_TRAINING_ROWS = 200_000
_MAX_CV_ROWS = 50_000
_MAX_LEVELS = 30
_CHUNK = 100_000
_FALLBACK_SHARE = 0.5
_MIN_R2 = 0.1
_NOISE_RATIO = 1.1
"""Below 10% more, a gap to look-alikes is noise, not a driver worth naming."""


def _percent_each(shares: np.ndarray) -> pa.Array:
    return format_each(shares, lambda u: f"{u:.0%}", key=np.round(shares * 100))


"""Below this held-out R² the firmographic model is no better than segment look-alikes."""


@dataclass
class PotentialEstimate:
    """Potential per customer, with how it was estimated and how well the model fits."""

    frame: pd.DataFrame
    """short_term_potential, long_term_potential, potential_confidence, long_term_low and long_term_high."""
    method: str
    """"regression on mature accounts", "look-alikes within segment" or "your column '…'"."""
    columns_used: dict[str, Any] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    risk: RiskAssessment | None = None
    """Churn risk per account (the third axis of the plan); None for estimates made without it."""
    validation: PotentialValidation | None = None
    """How long-term potential did against simple rankings out of sample."""
    drivers: LazyText | None = None
    """What each account's potential rests on, in words ("" where nothing stands out), written for the rows
    read (`drivers_at`); None for an estimate that has none."""

    def drivers_at(self, rows: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """What the potential of the accounts at `rows` (positions in the table) rests on, in words."""
        rows = np.asarray(rows, dtype=np.int64)
        return str_array(self.drivers.at(rows) if self.drivers is not None else blank(len(rows)))

    def to_dict(self) -> dict[str, Any]:
        """Return method, columns used, model fit (held-out R² of log revenue), totals and notes."""
        short = self.frame["short_term_potential"].to_numpy(dtype=float)
        long = self.frame["long_term_potential"].to_numpy(dtype=float)
        confidence = self.frame["potential_confidence"].value_counts()
        return {
            "method": self.method,
            "columns_used": self.columns_used,
            "fit": self.fit,
            "totals": {
                "customers": len(self.frame),
                "short_term_potential": plain_float(short.sum(), 2),
                "long_term_potential": plain_float(long.sum(), 2),
            },
            "confidence": {level: int(confidence.get(level, 0)) for level in ("high", "medium", "low")},
            "notes": list(self.notes),
            "risk": None if self.risk is None else self.risk.to_dict(),
            "validation": None if self.validation is None else self.validation.to_dict(),
        }


@dataclass(frozen=True)
class _Coded:
    """A text column as int codes into its distinct texts ('' for missing), so grouping never hashes text."""

    codes: np.ndarray
    words: list[str]

    @property
    def known(self) -> np.ndarray:
        """True per row whose text is not empty."""
        return np.array([word != "" for word in self.words], dtype=bool)[self.codes]

    def text(self) -> np.ndarray:
        """The text per row (object array of str)."""
        return np.array(self.words, dtype=object)[self.codes]


@dataclass
class _Headroom:
    amount: np.ndarray
    phrases: list[pa.Array]


@dataclass
class _LongTerm:
    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    r2: float | None
    method: str
    fit: dict[str, Any]
    notes: list[str]
    support: np.ndarray | None = None
    """Training (mature) accounts in each account's size band × industry cell: the evidence behind it."""
    cv: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    """Out-of-fold check: (account rows, predicted log revenue, actual log revenue)."""


@dataclass(frozen=True)
class PotentialGround:
    """What the potential reads that does not depend on the segments: the columns found, each account's size
    and industry, the headroom the account shows itself (seats, usage) and the risk score. The app keeps it
    per file and potential settings, so a new k, method or merge estimates only what reads the segments.
    Its arrays are read-only: every estimate made from it shares them."""

    columns: PotentialColumns
    size: np.ndarray
    band: _Coded
    industry: _Coded
    usage: _Headroom
    risk: RiskAssessment | None
    """None when made with ``check=False`` (the back-test's earlier table: no risk is scored there)."""


def potential_ground(table: CustomerTable, settings: PotentialSettings, *, check: bool = True) -> PotentialGround:
    """The label-free part of `estimate_potential` for `table` (see `PotentialGround`)."""
    frame = table.customers
    revenue = np.clip(frame["revenue"].to_numpy(dtype=float), 0.0, None)
    columns = find_potential_columns(table)
    size = size_values(frame, columns.size)
    ground = PotentialGround(
        columns=columns,
        size=size,
        band=_Coded(size_band_codes(size), list(SIZE_BAND_LABELS)),
        industry=_category(frame, columns.industry),
        usage=_usage_headroom(frame, columns, revenue, settings),
        risk=score_risk(table, settings.at_risk_from) if check else None,
    )
    for shared in (ground.size, ground.band.codes, ground.industry.codes, ground.usage.amount):
        shared.flags.writeable = False
    return ground


def estimate_potential(
    table: CustomerTable,
    labels: np.ndarray,
    settings: PotentialSettings,
    *,
    check: bool = True,
    ground: PotentialGround | None = None,
) -> PotentialEstimate:
    """Return short- and long-term potential per customer (same unit as revenue), aligned with the table.

    Short-term is additional revenue reachable in the next 12 months (≥ 0); long-term is the total
    the account could be worth at maturity (≥ current revenue). `ground` is `potential_ground` of the
    same table and settings (with the same `check`) when the caller keeps it. Raises `InputError` when a
    named potential column is missing or not numeric.
    """
    frame = table.customers
    n = len(frame)
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise InputError(
            f"Got {labels.size} segment labels for {n} customers; run the segmentation again on this file."
        )
    revenue = np.clip(frame["revenue"].to_numpy(dtype=float), 0.0, None)
    if ground is None:
        ground = potential_ground(table, settings, check=check)
    columns, size, band, industry, usage = ground.columns, ground.size, ground.band, ground.industry, ground.usage
    notes: list[str] = []
    long_term = _long_term(table, columns, revenue, size=size, industry=industry, labels=labels, settings=settings)
    validation: PotentialValidation | None = None
    if check:
        validation = _validate(table, labels, settings, columns, long_term, size=size)
        long_term = _follow_better_ranking(
            validation, long_term, table, columns, revenue, labels=labels, settings=settings
        )
        notes.append(validation.sentence)
    mature_value = long_term.value if long_term.r2 is not None else None
    look, look_level, look_phrase = _lookalike_headroom(
        revenue, band, industry, labels, settings=settings, mature_value=mature_value
    )
    short = np.maximum(usage.amount, look)
    risk = ground.risk if check else None
    at_risk = risk.at_risk if risk is not None else np.zeros(n, dtype=bool)
    if at_risk.any():
        # A dormant or churning account's look-alike or seat headroom is not upside it will realise.
        short = np.where(at_risk, 0.0, short)
        notes.append(
            f"{int(at_risk.sum()):,} accounts at risk (score {settings.at_risk_from:g}+) count no 12-month "
            "expansion potential: a save comes before an expansion."
        )
    notes.extend(_signal_notes(columns))
    notes.extend(long_term.notes)
    long = np.maximum(long_term.value, revenue + short)
    confidence = _confidence(
        validation,
        long_term,
        size=size,
        industry=industry,
        look_level=look_level,
        columns=columns,
        revenue=revenue,
        min_support=settings.min_group_size,
    )
    phrases: list[Write] = [
        *([_fill_where(at_risk, "at risk, so no expansion counted")] if at_risk.any() else []),
        *(_taken(phrase) for phrase in usage.phrases),
        look_phrase,
        _long_term_phrase(long, revenue),
    ]
    drivers = LazyText.of(n, lambda rows: join_nonempty([write(rows) for write in phrases], len(rows)))
    method = long_term.method
    short, long, confidence, drivers, method = _apply_user_columns(
        frame,
        settings,
        revenue=revenue,
        short=short,
        long=long,
        confidence=confidence,
        drivers=drivers,
        method=method,
        notes=notes,
    )
    result = pd.DataFrame(
        {
            "short_term_potential": short,
            "long_term_potential": long,
            "potential_confidence": str_array(confidence),
            "long_term_low": np.round(np.maximum(long_term.low, revenue), 2),
            "long_term_high": np.round(np.maximum(long_term.high, long), 2),
        },
        index=frame.index,
        copy=False,  # the arrays are fresh and owned by this frame; no consolidating copy of 32 MB at 1M
    )
    fit = dict(long_term.fit)
    fit["short_term_sources"] = {
        "usage_or_seats": int(((usage.amount >= look) & (usage.amount > 0)).sum()),
        "look_alikes": int(((look > usage.amount) & (look > 0)).sum()),
        "none": int((short <= 0).sum()),
    }
    return PotentialEstimate(
        frame=result,
        method=method,
        columns_used=columns.to_dict(),
        fit=fit,
        notes=notes,
        risk=risk,
        validation=validation,
        drivers=drivers,
    )


def _fill_where(mask: np.ndarray, words: str) -> Write:
    """A writer of `words` where `mask` holds, "" elsewhere."""
    return lambda rows: fill(len(rows), mask[rows], words)


def _taken(phrases: pa.Array) -> Write:
    """A writer of the rows of phrases already written for every account."""
    return lambda rows: pc.take(phrases, pa.array(rows))


def _category(frame: pd.DataFrame, column: str | None) -> _Coded:
    """Return the column as trimmed text ('' where missing; all '' without such a column), coded by first appearance."""
    if column is None:
        return _Coded(np.zeros(len(frame), dtype=np.int64), [""])
    trimmed = frame[column].astype("string").fillna("").str.strip()
    codes, uniques = pd.factorize(trimmed)
    return _Coded(codes.astype(np.int64), [str(u) for u in uniques])


def _numbers(frame: pd.DataFrame, column: str | None) -> np.ndarray:
    if column is None:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _usage_headroom(
    frame: pd.DataFrame, columns: PotentialColumns, revenue: np.ndarray, settings: PotentialSettings
) -> _Headroom:
    """Expansion the account shows itself: seats or usage near the limit → extra seats or the next plan."""
    n = len(frame)
    amount = np.zeros(n)
    phrases: list[pa.Array] = []
    near = np.zeros(n, dtype=bool)
    utilisation = np.full(n, np.nan)
    bought = _numbers(frame, columns.seats_bought)
    if columns.seats_bought and (columns.seats_used or columns.seat_utilisation):
        if columns.seats_used:
            used = _numbers(frame, columns.seats_used)
            with np.errstate(divide="ignore", invalid="ignore"):
                utilisation = np.where(bought > 0, used / bought, np.nan)
        else:
            utilisation = _numbers(frame, columns.seat_utilisation)
            if np.nanmax(np.abs(utilisation), initial=0.0) > 3:  # given in percent
                utilisation = utilisation / 100.0
            used = utilisation * bought
        with np.errstate(divide="ignore", invalid="ignore"):
            seat_price = np.where(bought > 0, revenue / bought, 0.0)
        near_seats = np.nan_to_num(utilisation, nan=0.0) >= settings.near_full_utilisation
        extra_seats = np.where(near_seats, np.maximum(used - bought, 0.0) + bought * settings.seat_growth, 0.0)
        amount = np.maximum(amount, np.nan_to_num(extra_seats * seat_price))
        near |= near_seats
        known = ~np.isnan(utilisation)
        seat_words = format_rows(
            lambda share, seats: f"uses {share / 100:.0%} of its {seats:,.0f} seats",
            np.round(utilisation[known] * 100),
            np.round(bought[known]),
        )
        phrases.append(fill(n, known, seat_words))
    if columns.usage and columns.usage_limit:
        used_amount = _numbers(frame, columns.usage)
        limit = _numbers(frame, columns.usage_limit)
        with np.errstate(divide="ignore", invalid="ignore"):
            usage_share = np.where(limit > 0, used_amount / limit, np.nan)
        near_usage = np.nan_to_num(usage_share, nan=0.0) >= settings.near_full_utilisation
        with np.errstate(divide="ignore", invalid="ignore"):
            unit_price = np.where(limit > 0, revenue / limit, 0.0)
        extra = np.where(near_usage, np.maximum(used_amount - limit, 0.0) + limit * settings.seat_growth, 0.0)
        amount = np.maximum(amount, np.nan_to_num(extra * unit_price))
        near |= near_usage
        usage_words = concat("uses ", _percent_each(usage_share[near_usage]), f" of its {columns.usage_limit}")
        phrases.append(fill(n, near_usage, usage_words))
    if columns.plan and near.any():
        uplift, plan_phrase = _next_plan_uplift(frame, columns.plan, revenue, near, bought)
        amount = np.maximum(amount, uplift)
        phrases.append(plan_phrase)
    return _Headroom(amount=amount, phrases=phrases)


def _next_plan_uplift(
    frame: pd.DataFrame, plan_column: str, revenue: np.ndarray, near: np.ndarray, seats: np.ndarray
) -> tuple[np.ndarray, pa.Array]:
    """The step to the next plan for accounts near their limit, scaled to the account's size.

    Plans are ordered by median revenue. With seat counts the step is the ratio of the plans'
    median price per seat applied to the account's revenue; without them, the ratio of median
    revenues, capped at the difference of the medians so a small account is not priced as a big one.
    """
    plan = _category(frame, plan_column)
    names = np.array(plan.words, dtype=object)
    by_code = pd.Series(revenue).groupby(plan.codes).median()
    medians = pd.Series(by_code.to_numpy(), index=names[by_code.index]).sort_index()
    medians = medians.drop("", errors="ignore").sort_values()
    with np.errstate(divide="ignore", invalid="ignore"):
        per_seat = np.where(seats > 0, revenue / seats, np.nan)
    seat_by_code = pd.Series(per_seat).groupby(plan.codes).median()
    seat_medians = pd.Series(seat_by_code.to_numpy(), index=names[seat_by_code.index])
    order = list(medians.index)
    code_of = {word: code for code, word in enumerate(plan.words)}
    uplift = np.zeros(len(plan.codes))
    phrase_code = np.zeros(len(plan.codes), dtype=np.int64)
    phrase_words = [""]
    for own, upper in itertools.pairwise(order):
        mask = near & (plan.codes == code_of[own])
        if not mask.any() or medians[own] <= 0:
            continue
        own_seat, upper_seat = seat_medians.get(own, np.nan), seat_medians.get(upper, np.nan)
        if np.isfinite(own_seat) and np.isfinite(upper_seat) and own_seat > 0:
            ratio = float(upper_seat / own_seat)
            step = revenue[mask] * max(ratio - 1.0, 0.0)
            words = f"on {own}; {upper} costs {ratio:.1f}× as much per seat"
        else:
            ratio = float(medians[upper] / medians[own])
            step = np.minimum(revenue[mask] * max(ratio - 1.0, 0.0), float(medians[upper] - medians[own]))
            words = f"on {own}; {upper} accounts typically pay {ratio:.1f}× as much"
        if ratio <= 1.0:
            continue
        uplift[mask] = step
        phrase_code[mask] = len(phrase_words)
        phrase_words.append(words)
    return uplift, words_at(phrase_words, phrase_code)


def _lookalike_headroom(
    revenue: np.ndarray,
    band: _Coded,
    industry: _Coded,
    labels: np.ndarray,
    *,
    settings: PotentialSettings,
    mature_value: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, Write]:
    """What similar accounts pay at a high percentile less own revenue, times the realisation factor.

    With a long-term model (`mature_value`), similar accounts are mature ones of the same size,
    industry and place, read at the model's quantile: smoother than small groups. Without it,
    the P-th percentile of groups: size band × industry, else size band, industry, segment, everyone.
    Returns (headroom, level used per account: 0 size×industry, 1 size, 2 industry, 3 segment,
    4 everyone, and the writer of a phrase per account).
    """
    n = len(revenue)
    has_band = band.known
    has_industry = industry.known
    if mature_value is not None:
        level = np.where(has_band, np.where(has_industry, 0, 1), np.where(has_industry, 2, 4)).astype(np.int8)
        headroom = np.maximum(mature_value - revenue, 0.0) * settings.realisation_factor
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(revenue > 0, mature_value / revenue, np.inf)
        phrase = _lookalike_phrases(level, band, industry, labels, ratio, mature=True)
        return headroom, level, phrase
    q = settings.lookalike_percentile / 100.0
    levels: list[tuple[list[np.ndarray], np.ndarray]] = [
        ([band.codes, industry.codes], has_band & has_industry),
        ([band.codes], has_band),
        ([industry.codes], has_industry),
        ([labels], labels != 0),
        ([np.zeros(n, dtype=np.int8)], np.ones(n, dtype=bool)),
    ]
    target = np.full(n, np.nan)
    level = np.full(n, 4, dtype=np.int8)
    for index, (keys, eligible) in enumerate(levels):
        todo = np.isnan(target) & eligible
        if not todo.any():
            continue
        grouped = pd.Series(revenue).groupby(group_codes(*keys), sort=False)
        percentile = grouped.transform("quantile", q).to_numpy(dtype=float)
        count = grouped.transform("size").to_numpy()
        minimum = 1 if index == len(levels) - 1 else settings.min_group_size
        take = todo & (count >= minimum)
        target[take] = percentile[take]
        level[take] = index
    target = np.nan_to_num(target, nan=0.0)
    headroom = np.maximum(target - revenue, 0.0) * settings.realisation_factor
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(revenue > 0, target / revenue, np.inf)
    return headroom, level, _lookalike_phrases(level, band, industry, labels, ratio, mature=False)


def _lookalike_phrases(
    level: np.ndarray, band: _Coded, industry: _Coded, labels: np.ndarray, ratio: np.ndarray, *, mature: bool
) -> Write:
    """ "similar FinTech accounts of 201–500 employees pay 3.1× more" per account, once per distinct phrase."""
    shown_ratio = np.where(np.isfinite(ratio), np.round(ratio, 1), -1.0)

    def phrase(code: int, band_code: int, industry_code: int, label: Any, times: float) -> str:
        size_band, sector = band.words[band_code], industry.words[industry_code]
        group = str(label) if label != 0 else ""
        similar = "mature" if mature else "similar"
        who = {
            0: f"{similar} {sector} accounts of {size_band} employees",
            1: f"{similar} accounts of {size_band} employees",
            2: f"{similar} {sector} accounts",
            3: f"similar accounts in segment {group}",
        }.get(code, "mature accounts like it" if mature else "comparable accounts")
        if times < 0:
            return f"{who} pay more"
        if times >= _NOISE_RATIO:
            return f"{who} pay {times:.1f}× more"
        return f"already pays as much as {who}"

    # Only the keys a phrase shows are kept (band for levels 0-1, industry for 0 and 2, segment for 3,
    # the ratio only where it is named), so far fewer distinct phrases are formatted and spread.
    band_key = np.where(level <= 1, band.codes, 0)
    industry_key = np.where((level == 0) | (level == 2), industry.codes, 0)
    label_key = np.where(level == 3, labels, 0)
    ratio_key = np.where((shown_ratio >= 0) & (shown_ratio < _NOISE_RATIO), 0.0, shown_ratio)
    keys = (level, band_key, industry_key, label_key, ratio_key)
    return lambda rows: format_rows(phrase, *(key[rows] for key in keys))


def _long_term_phrase(long: np.ndarray, revenue: np.ndarray) -> Write:
    """A writer of "could reach 250k at maturity" where the account could grow well beyond its revenue."""
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(revenue > 0, long / revenue, np.inf)
    grows = growth >= _NOISE_RATIO

    def write(rows: np.ndarray) -> pa.Array:
        shown = rows[grows[rows]]
        return fill(len(rows), grows[rows], concat("could reach ", money_each(long[shown]), " at maturity"))

    return write


def _signal_notes(columns: PotentialColumns) -> list[str]:
    notes = []
    if columns.seats_bought and (columns.seats_used or columns.seat_utilisation):
        used = columns.seats_used or columns.seat_utilisation
        notes.append(f"Seat headroom from '{columns.seats_bought}' and '{used}'.")
    else:
        notes.append("No seats-bought/seats-used columns found, so seat headroom was not used.")
    if columns.usage and columns.usage_limit:
        notes.append(f"Usage headroom from '{columns.usage}' against '{columns.usage_limit}'.")
    if columns.plan:
        notes.append(f"Plans in '{columns.plan}' ordered by their median revenue for the next-plan step.")
    missing = [
        name for name, column in (("company size", columns.size), ("industry", columns.industry)) if column is None
    ]
    if not columns.geography:
        missing.append("region/country")
    if missing:
        notes.append(f"Not in the data: {', '.join(missing)}; look-alikes use what there is.")
    return notes


def _design_spec(
    size: np.ndarray, categories: list[tuple[str, _Coded]]
) -> tuple[float | None, list[tuple[str, np.ndarray, list[str]]]]:
    """Return the median log size used for imputing (None without size) and the levels of each category."""
    known = ~np.isnan(size)
    log_median = float(np.median(np.log(size[known]))) if known.any() else None
    specs = []
    for name, values in categories:
        codes, uniques = values.codes, values.words
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        ranked = [i for i in np.argsort(-counts, kind="stable") if uniques[i] != "" and counts[i] >= 2][:_MAX_LEVELS]
        if not ranked:
            continue
        lookup = np.full(len(uniques) + 1, -1, dtype=np.int64)
        lookup[np.asarray(ranked)] = np.arange(len(ranked))
        specs.append((name, lookup[codes], [str(uniques[i]) for i in ranked]))
    return log_median, specs


def _design(
    rows: np.ndarray,
    size: np.ndarray,
    log_median: float | None,
    specs: list[tuple[str, np.ndarray, list[str]]],
) -> np.ndarray:
    """Build the regression design for `rows`: log size, its square, a missing flag, one-hot categories."""
    parts: list[np.ndarray] = []
    if log_median is not None:
        log_size = np.log(size[rows])
        missing = np.isnan(log_size)
        log_size = np.where(missing, log_median, log_size) - log_median
        parts.extend([log_size, log_size**2, missing.astype(float)])
    for _name, codes, levels in specs:
        chunk = codes[rows]
        parts.extend((chunk == j).astype(float) for j in range(1, len(levels)))
    if not parts:
        return np.zeros((len(rows), 0))
    return np.column_stack(parts)


def _long_term(
    table: CustomerTable,
    columns: PotentialColumns,
    revenue: np.ndarray,
    *,
    size: np.ndarray,
    industry: _Coded,
    labels: np.ndarray,
    settings: PotentialSettings,
) -> _LongTerm:
    """Long-term (total at maturity) potential: regression on mature accounts, else segment look-alikes."""
    n = len(revenue)
    categories = [("industry", industry)] if columns.industry else []
    categories += [(c, _category(table.customers, c)) for c in columns.geography]
    log_median, specs = _design_spec(size, categories)
    positive = revenue > 0
    if (log_median is None and not specs) or positive.sum() < 30:
        return _segment_long_term(revenue, labels, settings, columns)
    age, age_note = account_age_months(table, columns)
    notes: list[str] = []
    if age is not None and np.isfinite(age).mean() >= 0.5:
        mature = positive & (np.nan_to_num(age, nan=-1.0) >= settings.mature_after_months)
        training_basis = f"accounts at least {settings.mature_after_months} months old ({age_note})"
    else:
        mature = np.zeros(n, dtype=bool)
        training_basis = ""
    rng = np.random.default_rng(settings.seed)
    min_rows = max(30, 5 * (3 + sum(len(s[2]) for s in specs)))
    top_penetration = mature.sum() < min_rows
    if top_penetration:
        mature = positive
        if training_basis:
            notes.append(
                f"Only {int(mature.sum())} accounts are {settings.mature_after_months}+ months old, too few to fit on; "
                "long-term potential was fitted on the best-penetrated half of all accounts instead."
            )
        else:
            notes.append(
                "No sign-up or tenure column, so account age is unknown; long-term potential was fitted on the "
                "best-penetrated half of all accounts (those paying most for their size, industry and place)."
            )
    train = np.flatnonzero(mature)
    if len(train) > _MAX_TRAINING_ROWS:
        train = np.sort(rng.choice(train, _MAX_TRAINING_ROWS, replace=False))
    target = np.log(revenue[train])
    design = _design(train, size, log_median, specs)
    if design.shape[1] == 0:
        # Every category has a single usable level (or none): nothing to regress on.
        return _segment_long_term(revenue, labels, settings, columns, reason="no column varies enough to learn from")
    if top_penetration:
        first = Ridge(alpha=1.0).fit(design, target)
        keep = target - first.predict(design) >= np.median(target - first.predict(design))
        train, target, design = train[keep], target[keep], design[keep]
        training_basis = "the best-penetrated half of all accounts"
    model = Ridge(alpha=1.0).fit(design, target)
    residuals, r2, cv_rows = _held_out(design, target, settings.seed, rng)
    cell = group_codes(size_band_codes(size), industry.codes)
    support = np.bincount(cell[train], minlength=int(cell.max(initial=0)) + 1)[cell]
    if r2 is None or r2 < _MIN_R2:
        weak = f"company size, industry and place explain little of revenue (held-out R² {r2 or 0.0:.2f})"
        return _segment_long_term(revenue, labels, settings, columns, reason=weak)
    shift = float(np.quantile(residuals, settings.long_term_quantile))
    low_shift = float(np.quantile(residuals, 0.1))
    high_shift = float(np.quantile(residuals, 0.9))
    prediction = np.empty(n)
    for start in range(0, n, _CHUNK):
        rows = np.arange(start, min(start + _CHUNK, n))
        prediction[rows] = model.predict(_design(rows, size, log_median, specs))
    prediction = np.clip(prediction, -50, 50)
    used = (["company size '" + str(columns.size) + "'"] if log_median is not None else []) + [
        f"'{name}'" if name != "industry" else f"industry '{columns.industry}'" for name, _v, _l in specs
    ]
    notes.append(
        f"Long-term potential: log revenue regressed on {', '.join(used)} over {len(train):,} {training_basis}, "
        f"read at their {settings.long_term_quantile:.0%} quantile"
        + (f"; held-out R² {r2:.2f}." if r2 is not None else ".")
    )
    return _LongTerm(
        value=np.maximum(np.exp(prediction + shift), revenue),
        low=np.exp(prediction + low_shift),
        high=np.exp(prediction + high_shift),
        r2=r2,
        method="regression on mature accounts" if not top_penetration else "regression on best-penetrated accounts",
        fit={
            "model": "ridge regression of log revenue",
            "features": used,
            "training_accounts": len(train),
            "training_basis": training_basis,
            "mature_after_months": settings.mature_after_months,
            "quantile": settings.long_term_quantile,
            "r2_held_out": plain_float(r2),
            "residual_sd": plain_float(float(np.std(residuals))),
        },
        notes=notes,
        support=support,
        cv=(train[cv_rows], target[cv_rows] - residuals, target[cv_rows]),
    )


def _held_out(
    design: np.ndarray, target: np.ndarray, seed: int, rng: np.random.Generator
) -> tuple[np.ndarray, float | None, np.ndarray]:
    """Out-of-fold residuals (5 folds, seeded), the held-out R² of log revenue and the rows scored."""
    rows = np.arange(len(target))
    if len(rows) > _MAX_CV_ROWS:
        rows = np.sort(rng.choice(rows, _MAX_CV_ROWS, replace=False))
    x, y = design[rows], target[rows]
    predicted = np.empty(len(y))
    for fit_rows, test_rows in KFold(n_splits=5, shuffle=True, random_state=seed).split(x):
        predicted[test_rows] = Ridge(alpha=1.0).fit(x[fit_rows], y[fit_rows]).predict(x[test_rows])
    residuals = y - predicted
    spread = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residuals**2)) / spread if spread > 0 else None
    return residuals, r2, rows


def _segment_long_term(
    revenue: np.ndarray,
    labels: np.ndarray,
    settings: PotentialSettings,
    columns: PotentialColumns,
    reason: str | None = None,
) -> _LongTerm:
    """Without firmographics: half-way to what the segment's top accounts pay, with low confidence.

    Going only half-way keeps the order of accounts within a segment (a bigger account keeps the
    bigger potential) and avoids giving a whole segment one identical figure on weak evidence.
    """
    q = settings.long_term_quantile
    keys = np.where(labels != 0, labels, -1)
    reach = pd.Series(revenue).groupby(keys).transform("quantile", q).to_numpy(dtype=float)
    high = pd.Series(revenue).groupby(keys).transform("quantile", 0.9).to_numpy(dtype=float)
    low = pd.Series(revenue).groupby(keys).transform("quantile", 0.5).to_numpy(dtype=float)
    if reason is None:
        reason = (
            "no company size, industry or region/country column"
            if not columns.has_firmographics
            else "too few accounts with revenue"
        )
    return _LongTerm(
        value=revenue + _FALLBACK_SHARE * np.maximum(reach - revenue, 0.0),
        low=low,
        high=high,
        r2=None,
        method="look-alikes within segment",
        fit={"model": "segment percentile", "quantile": q, "r2_held_out": None, "fallback_reason": reason},
        notes=[
            f"Long-term potential falls back to look-alikes within each segment ({reason}): "
            f"half-way to what the segment's accounts pay at its {q:.0%} quantile. Confidence is low."
        ],
    )


def _confidence(
    validation: PotentialValidation | None,
    long_term: _LongTerm,
    *,
    size: np.ndarray,
    industry: _Coded,
    look_level: np.ndarray,
    columns: PotentialColumns,
    revenue: np.ndarray,
    min_support: int,
) -> pa.Array:
    """How far to trust each account's potential.

    high: the model fits well (held-out R² ≥ 0.5), the account's size and industry are known and at
    least `min_support` mature accounts share its size band and industry; medium: a usable fit and
    some firmographics; low: a weak fit, no firmographics or the segment fallback.
    """
    n = len(revenue)
    if long_term.r2 is None:
        return words_at(["low"], np.zeros(n, dtype=np.int64))
    known_size = ~np.isnan(size) if columns.size else np.zeros(n, dtype=bool)
    known_industry = industry.known
    described = (known_size | (columns.size is None)) & (known_industry | (columns.industry is None))
    supported = long_term.support >= min_support if long_term.support is not None else np.ones(n, dtype=bool)
    high = (long_term.r2 >= 0.5) & described & (look_level <= 1) & (revenue > 0) & supported
    medium = (long_term.r2 >= 0.2) & (known_size | known_industry | bool(columns.geography))
    level = np.where(high, 2, np.where(medium, 1, 0))
    # Never more confident per account than the out-of-sample check of the whole model allows.
    ceiling = {"good": 2, "fair": 1}.get(validation.confidence, 0) if validation is not None else 2
    return words_at(["low", "medium", "high"], np.minimum(level, ceiling))


def _find_column(frame: pd.DataFrame, name: str, setting: str) -> str:
    if name in frame.columns:
        return name
    matches = [c for c in frame.columns if str(c).strip().lower() == name.strip().lower()]
    if not matches:
        raise InputError(
            f"The {setting} column '{name}' is not in the customer table; pick one of its columns or clear the setting."
        )
    return str(matches[0])


def _user_numbers(frame: pd.DataFrame, column: str, setting: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).all():
        raise InputError(f"The {setting} column '{column}' holds no numbers; choose a numeric column.")
    return values


def _apply_user_columns(
    frame: pd.DataFrame,
    settings: PotentialSettings,
    *,
    revenue: np.ndarray,
    short: np.ndarray,
    long: np.ndarray,
    confidence: pa.Array,
    drivers: LazyText,
    method: str,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray, pa.Array, LazyText, str]:
    """Replace the estimates with the user's own potential columns where they hold a number."""
    if settings.short_term_column:
        column = _find_column(frame, settings.short_term_column, "short-term potential")
        values = _user_numbers(frame, column, "short-term potential")
        given = ~np.isnan(values)
        short = np.where(given, np.clip(values, 0.0, None), short)
        drivers = drivers.put(given, f"short-term potential from your column '{column}'")
        notes.append(
            f"Short-term potential is your column '{column}' for {int(given.sum()):,} customers"
            + (f"; estimated for the {int((~given).sum()):,} left blank." if (~given).any() else ".")
        )
    if settings.potential_column:
        column = _find_column(frame, settings.potential_column, "potential")
        values = _user_numbers(frame, column, "potential")
        given = ~np.isnan(values)
        below = given & (values < revenue)
        long = np.where(given, np.maximum(values, revenue), long)
        confidence = put(confidence, given, "high")
        drivers = drivers.rewrite(given, _from_your_column(column))
        method = f"your column '{column}'"
        notes.append(
            f"Long-term potential is your column '{column}' for {int(given.sum()):,} customers"
            + (f" ({int(below.sum()):,} below current revenue were raised to it)" if below.any() else "")
            + (f"; estimated for the {int((~given).sum()):,} left blank." if (~given).any() else ".")
        )
    return short, long, confidence, drivers, method


def _from_your_column(column: str) -> Rewrite:
    """A rewriter that says the long-term potential is the user's `column`, after what was said before."""

    def write(_rows: np.ndarray, below: pa.Array) -> pa.Array:
        return pc.if_else(
            pc.greater(pc.binary_length(below), 0),
            concat(below, f"; long-term potential from your column '{column}'"),
            pa.scalar(f"from your column '{column}'", type=TEXT),
        )

    return write


_PRIOR_REVENUE = "prior_revenue"
"""Revenue in the 12 months before the last 12, when intake read it from dated transactions."""
_BY_ARR = "revenue 12 months earlier"


def _validate(
    table: CustomerTable,
    labels: np.ndarray,
    settings: PotentialSettings,
    columns: PotentialColumns,
    long_term: _LongTerm,
    *,
    size: np.ndarray,
) -> PotentialValidation:
    """Back-test on the earlier period when the table has one, else score the model's out-of-fold fit."""
    frame = table.customers
    if _PRIOR_REVENUE in frame.columns:
        seats = _numbers(frame, columns.seats_bought)
        return _back_test(table, labels, settings, size=size, seats=seats)
    if long_term.cv is None:
        reason = (
            "no company size, industry or region to predict from, and no earlier period to test on"
            if not columns.has_firmographics
            else f"{long_term.fit.get('fallback_reason') or 'the firmographic model was not fitted'}, so potential "
            "uses segment look-alikes, and there is no earlier period to test on"
        )
        return not_checked(reason)
    rows, predicted, actual = long_term.cv
    # Seats bought are the contract itself, like revenue: in a snapshot they would "predict" the target
    # trivially, so only company size stands as the simple ranking here (seats count in a back-test).
    return judge(
        "cross-validation",
        "today's revenue of the accounts it learns from, held out in turn",
        accounts=len(rows),
        model=spearman(predicted, actual),
        baselines={"company size": size[rows]},
        actual=actual,
    )


def _back_test(
    table: CustomerTable, labels: np.ndarray, settings: PotentialSettings, *, size: np.ndarray, seats: np.ndarray
) -> PotentialValidation:
    """Fit potential on the earlier period's revenue; score how it ranks today's revenue."""
    frame = table.customers
    prior = pd.to_numeric(frame[_PRIOR_REVENUE], errors="coerce").to_numpy(dtype=float)
    active = np.nan_to_num(prior) > 0
    if active.sum() < 30:
        return not_checked("fewer than 30 accounts bought in the earlier period")
    earlier = dataclasses.replace(
        table, customers=frame.loc[active].assign(revenue=prior[active]).reset_index(drop=True)
    )
    fitted = estimate_potential(earlier, labels[active], settings, check=False)
    predicted = fitted.frame["long_term_potential"].to_numpy(dtype=float)
    actual = frame["revenue"].to_numpy(dtype=float)[active]
    return judge(
        "back-test",
        "potential fitted on the earlier 12 months, scored on the last 12 months' revenue",
        accounts=int(active.sum()),
        model=spearman(predicted, actual),
        baselines={_BY_ARR: prior[active], "company size": size[active], "seats": seats[active]},
        actual=actual,
    )


def _follow_better_ranking(
    validation: PotentialValidation,
    long_term: _LongTerm,
    table: CustomerTable,
    columns: PotentialColumns,
    revenue: np.ndarray,
    *,
    labels: np.ndarray,
    settings: PotentialSettings,
) -> _LongTerm:
    """When a simple ranking beat the model, long-term potential follows it (said in the notes)."""
    if validation.used == "model":
        return long_term
    if validation.used == _BY_ARR:
        long_term.value = revenue.copy()
        long_term.method = "today's revenue (the model did not beat it in the back-test)"
        long_term.notes.append("Long-term potential is today's revenue: ranking by revenue beat the model.")
        return long_term
    column = columns.size if validation.used == "company size" else columns.seats_bought
    simple = dataclasses.replace(columns, size=column, industry=None, geography=[])
    values = size_values(table.customers, column)
    refit = _long_term(
        table,
        simple,
        revenue,
        size=values,
        industry=_Coded(np.zeros(len(revenue), dtype=np.int64), [""]),
        labels=labels,
        settings=settings,
    )
    refit.method = f"regression on {validation.used} alone (it beat the fuller model)"
    refit.notes.append(f"Long-term potential follows {validation.used} alone, which ranked better than the model.")
    return refit
