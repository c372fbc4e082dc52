"""Account health as churn risk (0–100, higher = more risk), from whatever signals the file has.

Each signal found by name and role gives a per-account risk share r in [0, 1] and a phrase; the
score is 100 × (1 − Π(1 − r)), so one strong signal or several weaker ones raise it and the
drivers say which. Signals: churn flags and statuses, churn-risk or health scores, NPS/CSAT,
renewal dates near, usage trends, low engagement or seat use, support load, payment issues,
days since last activity; for transactions, days since the last purchase against the customer's
own rhythm (its usual gap between purchases, or the typical gap of repeat buyers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from segmentation.service.columns import find_potential_columns, normalise
from segmentation.service.text import blank, fill, format_rows, join_nonempty, str_array, words_at

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable

DEFAULT_AT_RISK = 50.0
"""Risk score from which an account is treated as at risk (a save play, never a move up)."""

_CHURN_FLAG = r"(^|_)(churn|churned|cancell?ed|is_lost|lost|attrited|attrition|closed_lost)(_flag|_value|_label|$)"
_NOT_FLAG = r"(score|reason|date|prob|risk|category|rate|month|day)"
_STATUS = r"(^|_)(status|account_status|customer_status|lifecycle|lifecycle_stage)$"
_RISK_SCORE = r"(churn_(score|risk|prob|probability|likelihood)|risk_score|churn_propensity|attrition_risk)"
_HEALTH = r"(health_score|health|account_health|customer_health)"
_NPS = r"(^|_)nps"
_CSAT = r"(csat|satisfaction)"
_RENEWAL = r"(renew|contract_end|end_date|expir|term_end)"
_TREND = r"(trend|change|growth|delta|mom|qoq|wow|yoy)"
_ACTIVITY = r"(usage|login|active|engagement|activity|sessions|events|mau|dau)"
_ADOPTION = r"(adoption|feature_use|features_used_pct)"
_LOGINS = r"(login|logins|sessions|visits)"
_SUPPORT = r"(ticket|support|cases|escalation|complaint)"
_PAYMENT = (
    r"(payment_fail|failed_payment|overdue|past_due|dunning|late_payment|chargeback|unpaid|payment_issue|bounced)"
)
_LAST_SEEN = r"(last_(login|activity|seen|active|visit|usage|session))"
_TRUTHY = {"1", "true", "yes", "y", "churned", "cancelled", "canceled", "lost", "t"}
_STATUS_WORDS = (
    (r"churn|cancel|lost|terminat|closed", 0.95, "churned or cancelled"),
    (r"at.?risk|risk|suspend|paused|delinq|past.?due", 0.6, "at risk"),
    (r"inactive|dormant|lapsed", 0.5, "inactive"),
)
_RENEWAL_WINDOW_DAYS = 90
_SUPPORT_TOP = 0.9


@dataclass
class RiskAssessment:
    """Risk per account, aligned with the customer table, and the signals behind it."""

    score: np.ndarray
    """0–100 per account (NaN where the file says nothing about that account's health)."""
    drivers: pa.Array
    """The signals that raise each account's risk, in words ("" when none)."""
    at_risk_from: float
    signals: dict[str, str] = field(default_factory=dict)
    """Signal → the column it was read from."""
    notes: list[str] = field(default_factory=list)

    @property
    def at_risk(self) -> np.ndarray:
        """True per account whose score reaches `at_risk_from`."""
        return np.nan_to_num(self.score, nan=0.0) >= self.at_risk_from

    def frame(self) -> pd.DataFrame:
        """risk_score (rounded, NaN where unknown) and risk_drivers per account."""
        return pd.DataFrame({"risk_score": np.round(self.score, 1), "risk_drivers": str_array(self.drivers)})

    def to_dict(self) -> dict[str, Any]:
        """Signals used, the at-risk cut, how many accounts are scored and at risk, and notes."""
        known = ~np.isnan(self.score)
        return {
            "signals": dict(self.signals),
            "at_risk_from": float(self.at_risk_from),
            "scored": int(known.sum()),
            "at_risk": int(self.at_risk.sum()),
            "notes": list(self.notes),
        }


@dataclass
class _Signal:
    share: np.ndarray
    """Risk share 0–1 per account (NaN where this signal is unknown for the account)."""
    phrase: pa.Array


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _signal(n: int, share: np.ndarray, shown: np.ndarray, words: pa.Array | str) -> _Signal:
    return _Signal(share=share, phrase=fill(n, shown, words))


def _first(columns: list[str], names: dict[str, str], pattern: str, exclude: str | None = None) -> str | None:
    for column in columns:
        if re.search(pattern, names[column]) and not (exclude and re.search(exclude, names[column])):
            return column
    return None


def score_risk(table: CustomerTable, at_risk_from: float = DEFAULT_AT_RISK) -> RiskAssessment:
    """Return a churn-risk score per account (0–100) with its drivers in words, from the file's signals."""
    frame = table.customers
    n = len(frame)
    roles = {c: r.role for c, r in table.roles.items() if c in frame.columns and c not in ("customer_id", "revenue")}
    names = {c: normalise(c) for c in roles}
    numeric = [
        c
        for c in roles
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]) and roles[c] != "date"
    ]
    text_like = [c for c in roles if c not in numeric and roles[c] != "date"]
    dates = [c for c in roles if pd.api.types.is_datetime64_any_dtype(frame[c])]
    signals: dict[str, str] = {}
    found: list[_Signal] = []
    reference = _reference_date(frame, dates)

    def add(name: str, column: str | None, make: Any) -> None:
        if column is None:
            return
        signal = make(column)
        if signal is not None:
            signals[name] = column
            found.append(signal)

    add("churn flag", _first(text_like, names, _CHURN_FLAG, _NOT_FLAG), lambda c: _churn_flag(frame, c))
    add("status", _first(text_like, names, _STATUS), lambda c: _status(frame, c))
    add("churn-risk score", _first(numeric, names, _RISK_SCORE), lambda c: _risk_column(frame, c))
    add("health score", _first(numeric, names, _HEALTH), lambda c: _health(frame, c))
    add("NPS", _first(numeric, names, _NPS), lambda c: _nps(frame, c))
    add("CSAT", _first(numeric, names, _CSAT, _NPS), lambda c: _csat(frame, c))
    if reference is not None:
        add("renewal date", _first(dates, names, _RENEWAL), lambda c: _renewal(frame, c, reference))
        add("last activity", _first(dates, names, _LAST_SEEN), lambda c: _last_seen(frame, c, reference))
    add(
        "usage trend",
        _first(numeric, names, rf"{_ACTIVITY}.*{_TREND}|{_TREND}.*{_ACTIVITY}"),
        lambda c: _trend(frame, c),
    )
    add("feature adoption", _first(numeric, names, _ADOPTION), lambda c: _adoption(frame, c))
    add("logins", _first(numeric, names, _LOGINS, _TREND), lambda c: _logins(frame, c))
    columns = find_potential_columns(table)
    if columns.seats_bought and (columns.seats_used or columns.seat_utilisation):
        add("seat use", columns.seats_bought, lambda _c: _seat_use(frame, columns.seats_bought, columns))
    add("support load", _first(numeric, names, _SUPPORT, r"(satisf|csat|score)"), lambda c: _support(frame, c))
    add("payment issues", _first([*numeric, *text_like], names, _PAYMENT), lambda c: _payment(frame, c))
    if table.grain == "transactions" and {"recency_days", "frequency", "tenure_days"} <= set(frame.columns):
        signals["purchase rhythm"] = "recency_days, frequency, tenure_days"
        found.append(_rhythm(frame))
    if not found:
        return RiskAssessment(
            score=np.full(n, np.nan),
            drivers=blank(n),
            at_risk_from=at_risk_from,
            notes=["No churn, health, usage, renewal or purchase-rhythm signals in the file, so risk is not scored."],
        )
    stay = np.ones(n)
    known = np.zeros(n, dtype=bool)
    for signal in found:
        share = np.clip(signal.share, 0.0, 1.0)
        known |= ~np.isnan(share)
        stay *= 1.0 - np.nan_to_num(share, nan=0.0)
    score = np.where(known, 100.0 * (1.0 - stay), np.nan)
    drivers = join_nonempty([s.phrase for s in found], n)
    notes = [
        "Risk (0–100) combines "
        + ", ".join(f"{name} ('{column}')" for name, column in signals.items())
        + f"; {int((np.nan_to_num(score) >= at_risk_from).sum()):,} accounts score {at_risk_from:g} or more and "
        "get a save play instead of an expansion move."
    ]
    return RiskAssessment(score=score, drivers=drivers, at_risk_from=at_risk_from, signals=signals, notes=notes)


def _reference_date(frame: pd.DataFrame, dates: list[str]) -> pd.Timestamp | None:
    """The 'as of' date: the latest date in past-looking columns (renewal and end dates are skipped)."""
    latest = None
    for column in dates:
        if re.search(_RENEWAL, normalise(column)) or re.search(r"(next|due)", normalise(column)):
            continue
        value = frame[column].max()
        if pd.notna(value) and (latest is None or value > latest):
            latest = value
    return None if latest is None else pd.Timestamp(latest)


def _churn_flag(frame: pd.DataFrame, column: str) -> _Signal | None:
    values = frame[column]
    text = values.astype("string").str.strip().str.lower()
    if text.nunique(dropna=True) > 3:
        return None
    flagged = text.isin(_TRUTHY).to_numpy(dtype=bool)
    share = np.where(values.isna().to_numpy(), np.nan, np.where(flagged, 1.0, 0.0))
    return _signal(len(frame), share, flagged, f"marked as churned in '{column}'")


def _status(frame: pd.DataFrame, column: str) -> _Signal | None:
    text = frame[column].astype("string").str.strip().str.lower().fillna("")
    share = np.full(len(frame), np.nan)
    share[(text != "").to_numpy()] = 0.0
    phrase_code = np.zeros(len(frame), dtype=np.int64)
    words = [""]
    for pattern, strength, label in _STATUS_WORDS:
        hit = text.str.contains(pattern, regex=True).to_numpy(dtype=bool) & (np.nan_to_num(share, nan=0.0) == 0)
        share[hit] = strength
        phrase_code[hit] = len(words)
        words.append(f"status '{label}' in '{column}'")
    if len(words) == 1:
        return None
    return _Signal(share=share, phrase=_take(words, phrase_code))


def _take(words: list[str], codes: np.ndarray) -> pa.Array:
    return words_at(words, codes)


def _scale_100(values: np.ndarray) -> np.ndarray:
    top = np.nanmax(values, initial=0.0)
    if top <= 1.0:
        return values * 100.0
    if top <= 10.0:
        return values * 10.0
    return values


def _risk_column(frame: pd.DataFrame, column: str) -> _Signal:
    score = _scale_100(_numbers(frame, column))
    share = score / 100.0
    shown = np.nan_to_num(score) >= 40
    words = format_rows(lambda v: f"churn-risk score {v:.0f} in '{column}'", np.round(score[shown]))
    return _signal(len(frame), share, shown, words)


def _health(frame: pd.DataFrame, column: str) -> _Signal:
    health = _scale_100(_numbers(frame, column))
    share = np.clip(1.0 - health / 100.0, 0.0, 1.0) * 0.9
    shown = np.nan_to_num(health, nan=100.0) <= 50
    words = format_rows(lambda v: f"health score {v:.0f} of 100 in '{column}'", np.round(health[shown]))
    return _signal(len(frame), share, shown, words)


def _nps(frame: pd.DataFrame, column: str) -> _Signal:
    values = _numbers(frame, column)
    if np.nanmin(values, initial=0.0) < 0 or np.nanmax(values, initial=0.0) > 10:  # an NPS from −100 to 100
        share = np.clip(-values / 100.0, 0.0, 1.0) * 0.6
        shown = np.nan_to_num(values, nan=100.0) < 0
        words = format_rows(lambda v: f"NPS {v:.0f} in '{column}'", np.round(values[shown]))
    else:  # a 0–10 answer: 0–6 detractors
        share = np.clip((7.0 - values) / 7.0, 0.0, 1.0) * 0.6
        shown = np.nan_to_num(values, nan=10.0) <= 6
        words = format_rows(lambda v: f"NPS answer {v:.0f} of 10 (a detractor)", np.round(values[shown]))
    return _signal(len(frame), share, shown, words)


def _csat(frame: pd.DataFrame, column: str) -> _Signal:
    values = _numbers(frame, column)
    top = 5.0 if np.nanmax(values, initial=0.0) <= 5 else (10.0 if np.nanmax(values, initial=0.0) <= 10 else 100.0)
    share = np.clip((0.6 - values / top) / 0.6, 0.0, 1.0) * 0.5
    shown = np.nan_to_num(values / top, nan=1.0) <= 0.4
    words = format_rows(lambda v: f"satisfaction {v:g} of {top:g} in '{column}'", np.round(values[shown], 1))
    return _signal(len(frame), share, shown, words)


def _days_from(frame: pd.DataFrame, column: str, reference: pd.Timestamp) -> np.ndarray:
    dates = pd.to_datetime(frame[column], errors="coerce")
    return (dates - reference).dt.total_seconds().to_numpy(dtype=float) / 86400.0


def _renewal(frame: pd.DataFrame, column: str, reference: pd.Timestamp) -> _Signal:
    days = _days_from(frame, column, reference)
    soon = (days >= 0) & (days <= _RENEWAL_WINDOW_DAYS)
    passed = (days < 0) & (days >= -60)
    share = np.where(np.isnan(days), np.nan, np.where(soon, 0.25, np.where(passed, 0.3, 0.0)))
    words = format_rows(
        lambda d: f"renews in {d:.0f} days" if d >= 0 else f"renewal date passed {-d:.0f} days ago",
        np.round(days[soon | passed]),
    )
    return _signal(len(frame), share, soon | passed, words)


def _last_seen(frame: pd.DataFrame, column: str, reference: pd.Timestamp) -> _Signal:
    idle = -_days_from(frame, column, reference)
    share = np.clip((idle - 30.0) / 120.0, 0.0, 0.8)
    shown = np.nan_to_num(idle) > 30
    words = format_rows(lambda d: f"no activity for {d:.0f} days ('{column}')", np.round(idle[shown]))
    return _signal(len(frame), share, shown, words)


def _trend(frame: pd.DataFrame, column: str) -> _Signal:
    values = _numbers(frame, column)
    change = values / 100.0 if np.nanmax(np.abs(values), initial=0.0) > 3 else values
    share = np.clip(-change / 0.5, 0.0, 1.0) * 0.7
    shown = np.nan_to_num(change) <= -0.1
    words = format_rows(lambda v: f"usage down {v:.0%} ('{column}')", np.round(-change[shown], 2))
    return _signal(len(frame), share, shown, words)


def _adoption(frame: pd.DataFrame, column: str) -> _Signal:
    values = _numbers(frame, column)
    shares = values / 100.0 if np.nanmax(values, initial=0.0) > 1.5 else values
    share = np.clip((0.2 - shares) / 0.2, 0.0, 1.0) * 0.35
    shown = np.nan_to_num(shares, nan=1.0) < 0.2
    words = format_rows(lambda v: f"low adoption: {v:.0%} of features ('{column}')", np.round(shares[shown], 2))
    return _signal(len(frame), share, shown, words)


def _logins(frame: pd.DataFrame, column: str) -> _Signal:
    values = _numbers(frame, column)
    none = np.nan_to_num(values, nan=1.0) <= 0
    share = np.where(np.isnan(values), np.nan, np.where(none, 0.5, 0.0))
    return _signal(len(frame), share, none, f"no use in '{column}'")


def _seat_use(frame: pd.DataFrame, bought_column: str | None, columns: Any) -> _Signal:
    bought = _numbers(frame, str(bought_column))
    if columns.seats_used:
        with np.errstate(divide="ignore", invalid="ignore"):
            use = np.where(bought > 0, _numbers(frame, columns.seats_used) / bought, np.nan)
    else:
        use = _numbers(frame, columns.seat_utilisation)
        if np.nanmax(np.abs(use), initial=0.0) > 3:
            use = use / 100.0
    share = np.clip((0.5 - use) / 0.5, 0.0, 1.0) * 0.5
    shown = np.nan_to_num(use, nan=1.0) < 0.4
    words = format_rows(
        lambda u, s: f"uses {u:.0%} of its {s:,.0f} seats", np.round(use[shown], 2), np.round(bought[shown])
    )
    return _signal(len(frame), share, shown, words)


def _support(frame: pd.DataFrame, column: str) -> _Signal:
    values = _numbers(frame, column)
    known = ~np.isnan(values)
    if known.sum() < 10:
        return _Signal(share=np.full(len(frame), np.nan), phrase=blank(len(frame)))
    top = float(np.quantile(values[known], _SUPPORT_TOP))
    heavy = known & (values > top) & (values > 0)
    share = np.where(known, np.where(heavy, 0.25, 0.0), np.nan)
    words = format_rows(lambda v: f"heavy support load: {v:,.0f} in '{column}' (top 10%)", values[heavy])
    return _signal(len(frame), share, heavy, words)


def _payment(frame: pd.DataFrame, column: str) -> _Signal:
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = _numbers(frame, column)
        issue = np.nan_to_num(values) > 0
        share = np.where(np.isnan(values), np.nan, np.where(issue, 0.45, 0.0))
        words = format_rows(lambda v: f"payment issues: {v:,.0f} in '{column}'", values[issue])
        return _signal(len(frame), share, issue, words)
    text = series.astype("string").str.strip().str.lower()
    issue = text.isin(_TRUTHY).to_numpy(dtype=bool)
    share = np.where(series.isna().to_numpy(), np.nan, np.where(issue, 0.45, 0.0))
    return _signal(len(frame), share, issue, f"payment issues flagged in '{column}'")


def _rhythm(frame: pd.DataFrame) -> _Signal:
    """Days since the last purchase ÷ the customer's usual gap (repeat buyers' median gap for one-time buyers)."""
    recency = _numbers(frame, "recency_days")
    frequency = _numbers(frame, "frequency")
    tenure = _numbers(frame, "tenure_days")
    repeat = frequency >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        # tenure runs from the first purchase to the as-of date, so first to last purchase is tenure − recency
        own_gap = np.where(repeat, np.maximum(tenure - recency, 0.0) / (frequency - 1.0), np.nan)
    gaps = own_gap[repeat & (own_gap > 0)]
    typical = float(np.median(gaps)) if len(gaps) else np.nan
    if not np.isfinite(typical):
        typical = float(np.nanmedian(recency)) if np.isfinite(recency).any() else 30.0
    # A one-time buyer's rhythm is unknown: it is read against a long repeat gap (the 90th percentile),
    # so an annual subscriber in its first year is not taken for a lapsed monthly one.
    slow = float(np.quantile(gaps, 0.9)) if len(gaps) else typical
    # Two purchases close together make a noisy rhythm: a customer's own gap never counts below a week
    # or half the typical gap.
    steady = repeat & (own_gap > 0)
    gap = np.where(steady, np.maximum(own_gap, max(7.0, typical / 2.0)), max(slow, 1.0))
    ratio = recency / gap
    share = np.clip((ratio - 1.0) / 3.0, 0.0, 0.95)
    shown = np.nan_to_num(ratio) >= 1.5
    own = shown & steady
    once = shown & ~own
    own_words = format_rows(
        lambda d, g: f"no purchase for {d:,.0f} days, {d / max(g, 1.0):.1f}× its usual gap of {g:,.0f} days",
        np.round(recency[own]),
        np.round(gap[own]),
    )
    once_words = format_rows(
        lambda d: f"bought once, {d:,.0f} days ago; 90% of repeat buyers come back within {slow:,.0f} days",
        np.round(recency[once]),
    )
    n = len(frame)
    return _Signal(share=share, phrase=join_nonempty([fill(n, own, own_words), fill(n, once, once_words)], n))
