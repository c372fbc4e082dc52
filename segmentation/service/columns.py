"""Find the columns that speak to potential (seats, usage, plan, size, industry, place, age) by role and name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable

_SEAT = r"(seat|licen[cs]e|licen[cs]es|seats|user_licen|users?_paid|paid_users?)"
_BOUGHT = (
    r"(purchas|bought|contract|paid|licensed|allot|total|limit|max|quota|provision|entitle|included|capacity|sold)"
)
_USED = r"(used|active|assigned|consum|occupied|in_use|utilised|utilized|activated)"
_UTIL = r"(utili[sz]ation|utili[sz]ed_pct|usage_pct|usage_rate|fill_rate)"
_LIMIT_WORDS = {"limit", "quota", "allowance", "cap", "included", "entitlement", "max", "allotted", "plan"}
_USAGE_WORDS = {"used", "usage", "consumed", "actual", "current", "use"}
_PLAN = r"(^|_)(plan|tier|edition|package|subscription|pricing|product|license_type|licence_type|level|bundle)(_|$)"
_SIZE = r"(employee|employees|headcount|staff|fte|workforce|company_size|org_size|organisation_size|num_emp|emp_count)"
_INDUSTRY = r"(industry|sector|vertical|naics|sic_|business_type|line_of_business)"
_REGION = r"(region|territory|geo|market|continent|area|zone)"
_COUNTRY = r"(country|nation|state|province)"
_START = (
    r"(signup|sign_up|signed_up|created|start|since|joined|onboard|acquired|acquisition|first|activation|"
    r"registration|registered|became|won|opened|go_live|golive)"
)
_NOT_START = r"(renew|end|churn|cancel|last|expir|close|next|due|termination|lost)"
_ACTIVE_USERS = r"(active|assigned|used|enabled|activated)_?(users?|members?|seats?)($|_)"
_TENURE = r"(tenure|customer_age|account_age|months_active|age_months|months_as_customer|lifetime)"
_FUTURE = r"(renew|end|expir|next|due)"


def normalise(name: str) -> str:
    """Return a column name in lower snake case, for matching by meaning."""
    text = re.sub(r"([a-z])([A-Z])", r"\1_\2", str(name))
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@dataclass
class PotentialColumns:
    """The columns found for each signal of potential (None when the data has none)."""

    seats_bought: str | None = None
    seats_used: str | None = None
    seat_utilisation: str | None = None
    usage: str | None = None
    usage_limit: str | None = None
    plan: str | None = None
    size: str | None = None
    industry: str | None = None
    geography: list[str] = field(default_factory=list)
    start_date: str | None = None
    tenure: str | None = None

    @property
    def has_firmographics(self) -> bool:
        """True when size, industry or geography is known: enough for a long-term model."""
        return bool(self.size or self.industry or self.geography)

    def to_dict(self) -> dict[str, Any]:
        """Return signal → column (None when absent)."""
        return {
            "seats_bought": self.seats_bought,
            "seats_used": self.seats_used,
            "seat_utilisation": self.seat_utilisation,
            "usage": self.usage,
            "usage_limit": self.usage_limit,
            "plan": self.plan,
            "company_size": self.size,
            "industry": self.industry,
            "geography": list(self.geography),
            "start_date": self.start_date,
            "tenure": self.tenure,
        }


def _is_numeric(frame: pd.DataFrame, column: str) -> bool:
    return bool(pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]))


def _levels(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].nunique(dropna=True))


def find_potential_columns(table: CustomerTable) -> PotentialColumns:
    """Return the columns of `table.customers` that carry each signal, found by role and name."""
    frame = table.customers
    roles = {c: r.role for c, r in table.roles.items() if c in frame.columns and c not in ("customer_id", "revenue")}
    names = {c: normalise(c) for c in roles}
    numeric = [c for c in roles if roles[c] in ("numeric", "constant") and _is_numeric(frame, c)]
    categorical = [c for c in roles if roles[c] in ("categorical", "geographic", "text", "boolean")]
    found = PotentialColumns()
    counted: dict[str, int] = {}

    def levels(column: str) -> int:
        """Distinct values of a column, counted once however many checks ask (a pass over every row)."""
        if column not in counted:
            counted[column] = _levels(frame, column)
        return counted[column]

    def first(columns: list[str], pattern: str, exclude: str | None = None) -> str | None:
        for column in columns:
            name = names[column]
            if re.search(pattern, name) and not (exclude and re.search(exclude, name)):
                return column
        return None

    seat_columns = [c for c in numeric if re.search(_SEAT, names[c])]
    found.seats_used = first(seat_columns, _USED, exclude=_UTIL)
    found.seat_utilisation = first(seat_columns, _UTIL)
    bought = [c for c in seat_columns if c not in (found.seats_used, found.seat_utilisation)]
    found.seats_bought = first(bought, _BOUGHT) or first(bought, r"^(seats|licen[cs]es|seat_count|licen[cs]e_count)$")
    if found.seats_bought is None and bought and found.seats_used:
        found.seats_bought = bought[0]
    if found.seats_bought and not (found.seats_used or found.seat_utilisation):
        # "licensed_users" with "active_users": people using the product stand in for seats used.
        users = [c for c in numeric if c != found.seats_bought]
        found.seats_used = first(users, _ACTIVE_USERS)
    found.usage, found.usage_limit = _usage_pair(numeric, names, exclude={found.seats_bought, found.seats_used})
    found.plan = first([c for c in categorical if re.search(_PLAN, names[c]) and 2 <= levels(c) <= 20], _PLAN)
    found.size = first(numeric, _SIZE, exclude=_SEAT)
    if found.size is None:
        bands = [c for c in categorical if _looks_like_size_bands(frame[c])]
        found.size = first(bands, _SIZE, exclude=_SEAT)
    found.industry = first(
        [c for c in categorical if re.search(_INDUSTRY, names[c]) and 2 <= levels(c) <= 200], _INDUSTRY
    )
    places = [c for c in categorical if c not in (found.plan, found.industry) and 2 <= levels(c) <= 300]
    region = first(places, _REGION)
    country = first([c for c in places if c != region], _COUNTRY)
    geographic = [c for c in places if roles[c] == "geographic" and c not in (region, country)]
    found.geography = [c for c in (region, country, *geographic[:1]) if c][:2]
    dates = [c for c in roles if roles[c] == "date" and pd.api.types.is_datetime64_any_dtype(frame[c])]
    found.start_date = first(dates, _START, exclude=_NOT_START)
    found.tenure = first(numeric, _TENURE)
    return found


def _usage_pair(numeric: list[str], names: dict[str, str], exclude: set[str | None]) -> tuple[str | None, str | None]:
    """Return (usage column, limit column) sharing a stem, such as api_calls_used / api_calls_limit."""
    candidates = [c for c in numeric if c not in exclude]
    for limit in candidates:
        tokens = names[limit].split("_")
        if not _LIMIT_WORDS.intersection(tokens):
            continue
        stem = [t for t in tokens if t not in _LIMIT_WORDS]
        if not stem:
            continue
        for usage in candidates:
            if usage == limit:
                continue
            usage_tokens = names[usage].split("_")
            if [t for t in usage_tokens if t not in _USAGE_WORDS] == stem:
                return usage, limit
    return None, None


def account_age_months(table: CustomerTable, columns: PotentialColumns) -> tuple[np.ndarray | None, str]:
    """Return each account's age in months (NaN where unknown) and a sentence saying how it was read."""
    frame = table.customers
    if columns.start_date:
        start = pd.to_datetime(frame[columns.start_date], errors="coerce")
        reference = _reference_date(table, start)
        if reference is None:
            return None, ""
        days = (reference - start).dt.total_seconds().to_numpy(dtype=float) / 86400.0
        months = np.where(days >= 0, days / 30.4375, 0.0)
        months[np.isnan(days)] = np.nan
        return months, f"account age from '{columns.start_date}' up to {reference.date().isoformat()}"
    if columns.tenure:
        values = pd.to_numeric(frame[columns.tenure], errors="coerce").to_numpy(dtype=float)
        name = normalise(columns.tenure)
        if "day" in name:
            values = values / 30.4375
            unit = "days"
        elif "year" in name:
            values = values * 12.0
            unit = "years"
        elif "week" in name:
            values = values / 4.348
            unit = "weeks"
        else:
            unit = "months"
        return values, f"account age from '{columns.tenure}' (read as {unit})"
    return None, ""


def _reference_date(table: CustomerTable, start: pd.Series) -> pd.Timestamp | None:
    """The 'as of' date: the latest past-looking date in the data (renewal or end dates are skipped)."""
    latest = start.max()
    for column, role in table.roles.items():
        if role.role != "date" or column not in table.customers.columns or re.search(_FUTURE, normalise(column)):
            continue
        values = table.customers[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            candidate = values.max()
            if pd.notna(candidate) and (pd.isna(latest) or candidate > latest):
                latest = candidate
    return None if pd.isna(latest) else pd.Timestamp(latest)


def _band_midpoints(values: pd.Series) -> pd.Series:
    """Read size bands as numbers: '51-200' → 101 (geometric middle), '10,000+' → 15,000, '500' → 500."""
    text = values.astype("string").str.replace(",", "", regex=False)
    numbers = text.str.extractall(r"(\d+(?:\.\d+)?)")[0].astype(float).unstack()
    low = numbers[0] if 0 in numbers.columns else pd.Series(np.nan, index=numbers.index)
    high = numbers[1] if 1 in numbers.columns else pd.Series(np.nan, index=numbers.index)
    open_ended = text.str.contains(r"\+|more|over|above", regex=True, na=False).reindex(numbers.index, fill_value=False)
    middle = np.where(
        high.notna(), np.sqrt(low.clip(lower=1) * high.clip(lower=1)), low * np.where(open_ended, 1.5, 1.0)
    )
    return pd.Series(middle, index=numbers.index).reindex(values.index)


def _looks_like_size_bands(values: pd.Series) -> bool:
    """True when at least 80% of the filled values hold a number (e.g. '51-200', '1,001–5,000', '10k+')."""
    filled = values.dropna().astype("string")
    if filled.empty or pd.api.types.is_bool_dtype(values):
        return False
    return bool(filled.str.contains(r"\d", regex=True).mean() >= 0.8)


def size_values(frame: pd.DataFrame, column: str | None) -> np.ndarray:
    """Return company size as float (NaN where unknown or not positive); size bands are read as their middle."""
    if column is None:
        return np.full(len(frame), np.nan)
    series = frame[column]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    else:
        codes, uniques = pd.factorize(series)
        middles = _band_midpoints(pd.Series(uniques, dtype=object)).to_numpy(dtype=float)
        values = np.where(codes >= 0, np.append(middles, np.nan)[codes], np.nan)
    return np.where(values > 0, values, np.nan)


SIZE_BANDS: tuple[tuple[float, str], ...] = (
    (10, "1–10"),
    (50, "11–50"),
    (200, "51–200"),
    (500, "201–500"),
    (1000, "501–1,000"),
    (5000, "1,001–5,000"),
    (10000, "5,001–10,000"),
    (np.inf, "10,000+"),
)
"""Company-size bands (upper bound inclusive, label) as sales teams usually cut them."""


SIZE_BAND_LABELS: tuple[str, ...] = (*(label for _, label in SIZE_BANDS), "")
"""The label of each size-band code of `size_band_codes` (the last, '', for unknown size)."""


def size_band_codes(size: np.ndarray) -> np.ndarray:
    """Return the index into `SIZE_BAND_LABELS` per account (the last index where size is unknown)."""
    edges = np.array([upper for upper, _ in SIZE_BANDS])
    index = np.searchsorted(edges, np.nan_to_num(size, nan=0.0), side="left")
    return np.where(np.isnan(size), len(SIZE_BANDS), index)


def size_bands(size: np.ndarray) -> np.ndarray:
    """Return the size band label per account ('' where size is unknown)."""
    return np.array(SIZE_BAND_LABELS, dtype=object)[size_band_codes(size)]
