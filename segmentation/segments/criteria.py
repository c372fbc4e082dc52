"""The criteria a user can segment on: each usable column, its family and whether it is picked by default."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from segmentation.segments.relevance import assess_columns, order_by_id, revenue_parts
from segmentation.vocabulary import words

if TYPE_CHECKING:
    from segmentation.intake.table import CustomerTable
    from segmentation.segments.settings import CriteriaSettings

FAMILIES = ("firmographic", "geographic", "behavioural", "psychographic", "value")
"""Families in the order they are shown."""

DEFAULT_FAMILIES = ("behavioural", "psychographic", "firmographic")
"""Families whose columns are picked when the user has not chosen columns."""

NEVER_FEATURES = ("customer_id", "customer_name", "text", "constant")
"""Roles that never become features (identifiers, names, free text, columns with one value)."""

# Keywords per family, checked in this order; a keyword matches a word of the column name that
# starts with it (long keywords) or equals it (short ones), so 'arr' does not match 'carrier'.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "psychographic",
        ("nps", "csat", "satisfaction", "survey", "score", "sentiment", "rating", "feedback", "promoter"),
    ),
    (
        "behavioural",
        (
            "usage",
            "use",
            "used",
            "login",
            "logins",
            "active",
            "adoption",
            "ticket",
            "tickets",
            "session",
            "sessions",
            "recency",
            "frequency",
            "monetary",
            "visit",
            "visits",
            "event",
            "events",
            "feature",
            "features",
            "engagement",
            "tenure",
            "orders",
            "order",
            "purchase",
            "purchases",
            "last",
            "days",
            "churn",
            "calls",
            "clicks",
            "support",
        ),
    ),
    (
        "value",
        (
            "revenue",
            "arr",
            "mrr",
            "acv",
            "tcv",
            "ltv",
            "cltv",
            "clv",
            "growth",
            "spend",
            "spent",
            "spending",
            "charge",
            "charges",
            "amount",
            "price",
            "billing",
            "income",
            "sales",
            "value",
        ),
    ),
    (
        "geographic",
        (
            "country",
            "region",
            "city",
            "state",
            "zip",
            "postal",
            "postcode",
            "territory",
            "continent",
            "geo",
            "location",
        ),
    ),
    (
        "firmographic",
        (
            "employees",
            "employee",
            "headcount",
            "industry",
            "sector",
            "vertical",
            "plan",
            "size",
            "company",
            "tier",
            "segment",
            "seats",
            "contract",
            "type",
            "age",
            "gender",
            "senior",
        ),
    ),
)
_SHORT = 4  # keywords shorter than this must equal a word; longer ones may start it


@dataclass(frozen=True)
class Criterion:
    """One column the user may segment on."""

    column: str
    family: str  # firmographic | geographic | behavioural | psychographic | value
    kind: str  # numeric | categorical | date-derived
    default_selected: bool
    reason: str  # why it sits in this family, in words; why it is left out of the defaults
    relevance: float | None = None
    """What the column can tell: group structure (numbers) or link to other criteria (categories)."""

    def to_dict(self) -> dict[str, Any]:
        """Return column, family, kind, default_selected and reason."""
        return asdict(self)


name_words = words
"""The one column-name splitter (`segmentation.vocabulary.words`)."""


def _keyword_family(column: str) -> tuple[str, str] | None:
    """Return (family, matched keyword) from the column name, or None."""
    words = name_words(column)
    if "seats" in words and ("used" in words or "use" in words or "usage" in words):
        return "behavioural", "seats used"
    if "company" in words and "size" in words:
        return "firmographic", "company size"
    for family, keywords in _KEYWORDS:
        for keyword in keywords:
            for word in words:
                if word == keyword or (len(keyword) >= _SHORT and word.startswith(keyword)):
                    return family, keyword
    return None


def kind_for_role(role: str) -> str | None:
    """Return the feature kind for a detected role, or None when the column can never be a feature."""
    if role in ("numeric", "revenue"):
        return "numeric"
    if role in ("categorical", "geographic", "boolean"):
        return "categorical"
    if role == "date":
        return "date-derived"
    return None


def family_for(column: str, role: str) -> tuple[str, str]:
    """Return (family, reason) for a column from its name, then its role."""
    if column == "revenue" or role == "revenue":
        return "value", "it is the revenue the customer earns us"
    if role == "geographic":
        return "geographic", "detected as a place"
    match = _keyword_family(column)
    if match is not None:
        return match[0], f"name contains '{match[1]}'"
    if role == "date":
        return "behavioural", "a date: used as days since"
    if role == "numeric":
        return "behavioural", "a number with no telling name: treated as behaviour"
    return "firmographic", "a category with no telling name: treated as a trait of the company"


def criteria_catalogue(table: CustomerTable, settings: CriteriaSettings | None = None) -> list[Criterion]:
    """Return every column the user may segment on, with its family, kind and default selection.

    IDs, names, free text and constant columns are not offered. The defaults are the columns that
    can tell most (see `segmentation.segments.relevance`), most telling first, then by name, never in
    file order; each column left out of the defaults says why in its reason. Dates are offered as
    "days since" but never picked by default; the revenue column is offered as ``revenue`` and
    picked only when nothing else is usable. `settings.families` moves columns to another family.
    """
    overrides = dict(settings.families) if settings is not None else {}
    cap = settings.max_default_columns if settings is not None else 12
    entries: list[tuple[str, str, str, str, str]] = []
    for column in sorted(c for c in table.customers.columns if c != "customer_id"):
        role = "revenue" if column == "revenue" else (table.roles[column].role if column in table.roles else "")
        kind = kind_for_role(role)
        if kind is None:
            continue
        family, reason = family_for(column, role)
        if column in overrides:
            family, reason = overrides[column], "moved here by you"
        entries.append((column, role, family, kind, reason))
    assessed = assess_columns(table, [(c, r, k) for c, r, _, k, _ in entries], revenue_parts(table))
    left_out: dict[str, str] = {}
    for column, _role, family, _kind, _reason in entries:
        if column == "revenue":
            continue
        note = assessed[column].left_out if column in assessed else None
        if note is None and family not in DEFAULT_FAMILIES:
            note = (
                "money: segments are numbered and sized by revenue already"
                if family == "value"
                else "places are shown per segment, not used to form them by default"
            )
        if note is not None:
            left_out[column] = note
    relevance = {c: a.relevance for c, a in assessed.items()}
    ranked = sorted((c for c, *_ in entries if c != "revenue"), key=lambda c: (-relevance.get(c, 0.0), c))
    chosen = [c for c in ranked if c not in left_out][:cap]
    if len(chosen) < 2:  # too little stands out: add the most telling columns not ruled out by what they are
        soft = ("one smooth range", "unrelated to", "money", "places")
        fallback = [c for c in ranked if c not in chosen and left_out.get(c, "").startswith(soft)]
        preferred = [c for c in fallback if not left_out[c].startswith(("money", "places"))]
        chosen += (preferred if chosen or preferred else fallback)[: cap - len(chosen)]
        for c in chosen:
            left_out.pop(c, None)
    if not chosen and any(column == "revenue" for column, *_ in entries):
        chosen = ["revenue"]
    kinds = {c: k for c, _, _, k, _ in entries}
    redundant = redundant_columns(table, [c for c in chosen if kinds[c] == "numeric"])
    chosen = [column for column in chosen if column not in redundant]
    order = {c: i for i, c in enumerate(ranked)}
    entries.sort(key=lambda e: (order.get(e[0], -1), e[0]))
    return [
        Criterion(
            column=column,
            family=family,
            kind=kind,
            default_selected=column in chosen,
            reason=reason
            + (f"; {redundant[column]}" if column in redundant else "")
            + (f"; {left_out[column]}" if column in left_out and column not in redundant else ""),
            relevance=relevance.get(column),
        )
        for column, _role, family, kind, reason in entries
    ]


REDUNDANT_CORRELATION = 0.9
"""Rank correlation from which two default criteria are taken to measure the same thing."""


def redundant_columns(table: CustomerTable, columns: list[str], sample: int = 20_000) -> dict[str, str]:
    """Return numeric columns that move almost in step with an earlier one, with the reason.

    Left in, such columns make one trait (often company size: employees, seats, active users)
    count several times and drown the others; so they are not picked by default, but stay
    available. Spearman correlation on up to `sample` customers (chosen by customer ID, so the row
    order does not matter).
    """
    if len(columns) < 2:
        return {}
    rows = order_by_id(table, sample)
    values = table.customers[columns].iloc[rows].apply(pd.to_numeric, errors="coerce")
    correlation = values.corr(method="spearman", min_periods=10).abs()
    kept: list[str] = []
    redundant: dict[str, str] = {}
    for column in columns:
        twin = next((k for k in kept if correlation.at[column, k] >= REDUNDANT_CORRELATION), None)
        if twin is None:
            kept.append(column)
        else:
            redundant[column] = (
                f"moves with '{twin}' (rank correlation {correlation.at[column, twin]:.2f}), "
                "so it is not picked by default: the same trait would count twice"
            )
    return redundant
