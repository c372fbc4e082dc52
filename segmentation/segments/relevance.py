"""Which columns make good default criteria: what each can tell, and why the others are left out.

A default criterion must describe who the customer is or how they behave, and must carry group
structure of its own (numbers) or share it with other criteria (categories). Left out of the
defaults, with the reason shown, but still available to add by hand:

- outcome columns (churn flags, statuses, end dates): segmenting on the answer is circular;
- identifiers, codes, person names and contact details, free text, product codes and descriptions,
  and categories with nearly one value per customer (they vary per order, not per customer);
- the revenue's own parts and columns that move almost exactly with revenue (circular: segments
  are numbered and sized by revenue already);
- numbers that form one smooth range with no natural groups (better cut into tiers), and
  categories unrelated to every other criterion (they split customers along their own line only);
- columns missing for more than half of the customers.

Everything is computed on a sample chosen by customer ID, so the row order of the file does not
change the result; columns are scored independently, so their order does not either.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from segmentation.vocabulary import words

if TYPE_CHECKING:
    from segmentation.intake.table import CustomerTable

SCORE_SAMPLE = 2_000
"""Customers the relevance scores are measured on (a sample chosen by customer ID)."""
GROUPS_MIN = 0.1
"""Gain in fit per customer (BIC, 2–3 bumps against one) from which a number has natural groups."""
LINK_MIN = 0.3
"""Association (Cramér's V or correlation ratio) from which a category goes with another criterion."""
CIRCULAR_CORRELATION = 0.95
"""Rank correlation with revenue from which a number is taken to restate the revenue."""
MIN_TO_JUDGE = 30
"""Below this many customers group structure and links are not judged (every trait column may be a default)."""
MAX_MISSING = 0.5
"""Missing share above which a column is not picked by default."""
MANY_LEVELS_SHARE = 0.2
"""A category with more distinct values than this share of customers (and over 50) acts like an ID."""

_OUTCOME_WORDS = {
    "churn",
    "churned",
    "churns",
    "cancel",
    "cancelled",
    "canceled",
    "cancellation",
    "status",
    "ended",
    "terminated",
    "termination",
    "lost",
    "attrition",
    "retained",
    "exited",
    "exit",
}
_ID_WORDS = {"id", "ids", "uuid", "guid", "key", "code", "sku", "isbn", "ean", "upc", "invoice", "order", "no"}
_PERSON_WORDS = {
    "contact",
    "owner",
    "rep",
    "salesperson",
    "salesrep",
    "manager",
    "csm",
    "agent",
    "person",
    "firstname",
    "lastname",
    "first",
    "surname",
    "email",
    "name",
}
_PRODUCT_WORDS = {"product", "products", "item", "items", "stock", "stockcode", "description", "desc", "title", "sku"}
_TEXT_WORDS = {"comment", "comments", "note", "notes", "reason", "feedback", "text", "message", "remarks"}
_DERIVED_FROM_REVENUE = {"monetary", "average_order_value"}
"""Columns the transactions aggregation makes from the same amounts as the revenue."""


@dataclass(frozen=True)
class Assessment:
    """What a column can tell as a default criterion."""

    relevance: float
    """0 and up: group structure (numbers) or link to other criteria (categories); higher first."""
    left_out: str | None
    """Why the column is not picked by default (None: it may be)."""


words_of = words
"""The one column-name splitter (`segmentation.vocabulary.words`)."""


def is_outcome(column: str, role: str) -> bool:
    """Return whether the column says whether the customer has left (churn flag, status, end date)."""
    if role == "outcome":
        return True
    words = set(words_of(column))
    if words & _OUTCOME_WORDS:
        return True
    return "end" in words and ("date" in words or role == "date")


def order_by_id(table: CustomerTable, size: int = SCORE_SAMPLE) -> np.ndarray:
    """Return row positions of up to `size` customers, chosen and ordered by a hash of their ID.

    The same customers give the same sample whatever the row order of the file.
    """
    return table.id_order[:size]


def _prepared(values: np.ndarray) -> np.ndarray | None:
    """Return the numbers as the features see them (clipped, log-scaled when heavy-tailed), standardised."""
    x = values[~np.isnan(values)]
    if len(x) < 10:
        return None
    lo, hi = np.quantile(x, [0.01, 0.99])
    x = np.clip(x, lo, hi)
    centred = x - x.mean()
    m2 = float(np.mean(centred * centred))
    skew = float(np.mean(centred**3)) / m2**1.5 if m2 > 0 else 0.0
    if x.min() >= 0 and skew > 1.0:
        x = np.log1p(x)
    std = float(x.std())
    if std == 0 or not math.isfinite(std):
        return None
    return (x - x.mean()) / std


def group_structure(values: np.ndarray) -> float:
    """Return how clearly the numbers fall into 2–3 groups: BIC gain per customer over one bump (0 = none)."""
    x = _prepared(values)
    if x is None:
        return 0.0
    if len(np.unique(x)) <= 2:
        return 0.0  # a yes/no number is scored as a category
    column = x[:, None]
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        bics = [
            GaussianMixture(k, random_state=0, reg_covar=1e-2, max_iter=200, init_params="k-means++")
            .fit(column)
            .bic(column)
            for k in (1, 2, 3)
        ]
    return max(0.0, (bics[0] - min(bics[1:])) / len(x))


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    """Return Cramér's V between two code arrays (bias-corrected, 0–1)."""
    width = int(b.max()) + 1 if len(b) else 1
    height = int(a.max()) + 1 if len(a) else 1
    table = np.bincount(a * width + b, minlength=height * width).reshape(height, width).astype(float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    r, c = table.shape
    if n == 0 or r < 2 or c < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / np.where(expected > 0, expected, 1)).sum())
    phi2 = max(0.0, chi2 / n - (r - 1) * (c - 1) / max(n - 1, 1))
    rc = min(r - (r - 1) ** 2 / max(n - 1, 1), c - (c - 1) ** 2 / max(n - 1, 1)) - 1
    return math.sqrt(phi2 / rc) if rc > 0 else 0.0


def _correlation_ratio(codes: np.ndarray, values: np.ndarray) -> float:
    """Return the correlation ratio η of numbers across categories (0–1)."""
    keep = ~np.isnan(values)
    codes, values = codes[keep], values[keep]
    if len(values) < 10 or values.std() == 0:
        return 0.0
    frame = pd.DataFrame({"c": codes, "v": values})
    means = frame.groupby("c")["v"].agg(["mean", "size"])
    between = float((means["size"] * (means["mean"] - values.mean()) ** 2).sum())
    total = float(((values - values.mean()) ** 2).sum())
    return math.sqrt(between / total) if total > 0 else 0.0


def _looks_like_codes(texts: pd.Series) -> bool:
    """Return whether most values are codes (letters and digits mixed, no spaces: '85123A', 'SKU-99')."""
    sample = texts.dropna().astype(str).head(200)
    if sample.empty:
        return False
    coded = sample.str.fullmatch(r"(?=.*\d)[A-Za-z0-9][A-Za-z0-9\-_/.]*") & ~sample.str.fullmatch(r"-?\d+(\.\d+)?")
    return bool(coded.mean() >= 0.8)


def _name_rule(column: str, kind: str) -> str | None:
    """Return the reason a column's name rules it out of the defaults, or None."""
    words = set(words_of(column))
    if kind == "categorical":
        if words & _PRODUCT_WORDS:
            return "a product code or description: it says what was bought, not who the customer is"
        if words & _PERSON_WORDS and not words & {"company", "industry", "plan", "segment", "type"}:
            return "a person's name or contact detail, not a trait of the customer"
        if words & _TEXT_WORDS:
            return "free text written per customer, not a trait shared by a group"
        if words & _ID_WORDS:
            return "an identifier or code, not a trait shared by a group"
    elif words & {"id", "uuid", "guid", "key"}:
        return "an identifier, not a measure"
    return None


def assess_columns(
    table: CustomerTable, entries: list[tuple[str, str, str]], revenue_parts: set[str]
) -> dict[str, Assessment]:
    """Return an `Assessment` per candidate column; `entries` are (column, role, kind) tuples.

    First each column is screened on its name and values (an outcome, part of the revenue, an ID,
    mostly missing, circular with revenue); the rest are judged on whether they form groups.
    """
    sample = order_by_id(table)
    frame = table.customers.iloc[sample]
    n = len(frame)
    revenue = frame["revenue"].to_numpy(dtype=float) if "revenue" in frame.columns else np.zeros(n)
    out: dict[str, Assessment] = {}
    numbers: dict[str, np.ndarray] = {}
    categories: dict[str, np.ndarray] = {}
    pending: list[str] = []
    for column, role, kind in entries:
        if column == "revenue":
            continue
        series = frame[column]
        reason = _name_reason(column, role, kind, revenue_parts) or _values_reason(series, kind, n)
        values = None
        if reason is None and kind == "numeric":
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            reason = _circular_reason(values, revenue)
        if reason is not None:
            out[column] = Assessment(0.0, reason)
            continue
        pending.append(column)
        if values is None:
            categories[column] = pd.factorize(series.astype("str").where(series.notna(), "Missing"))[0]
        elif len(np.unique(values[~np.isnan(values)])) <= 2:
            categories[column] = pd.factorize(pd.Series(values))[0]
        else:
            numbers[column] = values
    if n < MIN_TO_JUDGE:  # too few customers to judge structure: every column that may be a trait counts
        out.update({c: Assessment(0.0, None) for c in pending})
        return out
    out.update(_judge_structure(pending, numbers, categories))
    return out


def _name_reason(column: str, role: str, kind: str, revenue_parts: set[str]) -> str | None:
    """Return why a column's name or kind rules it out as a criterion (an outcome, part of the revenue, a date,
    an identifier), or None."""
    if is_outcome(column, role):
        return "says whether the customer has left (an outcome): segmenting on it would group by the answer"
    if column in revenue_parts or column in _DERIVED_FROM_REVENUE:
        return "part of the revenue itself, so segmenting on it would be circular"
    if kind == "date-derived":
        return "dates are not picked by default"
    return _name_rule(column, kind)


def _values_reason(series: pd.Series, kind: str, n: int) -> str | None:
    """Return why a column's values rule it out (mostly missing; categories that are IDs, codes or free
    text), or None."""
    missing = float(series.isna().mean()) if n else 0.0
    if missing > MAX_MISSING:
        return f"missing for {missing:.0%} of customers"
    if kind != "categorical":
        return None
    texts = series.dropna().astype(str)
    distinct = texts.nunique()
    if distinct > max(50, MANY_LEVELS_SHARE * n):
        return (
            f"{distinct:,} different values in {n:,} customers: an ID, free text or something that "
            "changes from order to order, not a trait shared by a group"
        )
    if distinct > 10 and _looks_like_codes(texts):
        return "holds codes, not a trait a person reads"
    if texts.str.len().mean() > 40:
        return "long free text, not a trait shared by a group"
    return None


def _circular_reason(values: np.ndarray, revenue: np.ndarray) -> str | None:
    """Return why a number that moves almost exactly with revenue is ruled out (circular), or None."""
    keep = ~np.isnan(values)
    if keep.sum() >= 10 and np.nanstd(values) > 0 and revenue[keep].std() > 0:
        rho = float(pd.Series(values[keep]).corr(pd.Series(revenue[keep]), method="spearman"))
        if math.isfinite(rho) and abs(rho) >= CIRCULAR_CORRELATION:
            return (
                f"moves almost exactly with the revenue (rank correlation {rho:.2f}), "
                "so segmenting on it would sort by revenue twice (circular)"
            )
    return None


def _judge_structure(
    pending: list[str], numbers: dict[str, np.ndarray], categories: dict[str, np.ndarray]
) -> dict[str, Assessment]:
    """Return an assessment per screened column: a number by how far it forms natural groups, a category
    by its strongest link to the other criteria (it must split customers along a line others share)."""
    out: dict[str, Assessment] = {}
    structure = {c: group_structure(v) for c, v in numbers.items()}
    grouped = [c for c, s in structure.items() if s >= GROUPS_MIN]
    for column in pending:
        if column in numbers:
            score = structure[column]
            reason = (
                None
                if score >= GROUPS_MIN
                else f"one smooth range with no natural groups (group score {score:.2f}): better cut into tiers "
                "than clustered, so not picked by default"
            )
            out[column] = Assessment(round(score, 4), reason)
            continue
        codes = categories[column]
        links = [_correlation_ratio(codes, numbers[g]) for g in grouped]
        links += [_cramers_v(codes, other) for o, other in categories.items() if o != column]
        link = max(links, default=0.0)
        reason = (
            None
            if link >= LINK_MIN
            else f"unrelated to the other criteria (strongest link {link:.2f}): it would split customers along "
            "its own line only, so not picked by default"
        )
        out[column] = Assessment(round(link, 4), reason)
    return out


def revenue_parts(table: CustomerTable) -> set[str]:
    """Return the source columns the revenue is made of ('A+B+C' → {'A', 'B', 'C'}), where kept."""
    formula = str(getattr(table, "revenue_column", "") or "")
    parts = {p.strip() for p in re.split(r"\s*[+*]\s*", formula) if p.strip()} if re.search(r"[+*]", formula) else set()
    roles = getattr(table, "roles", {}) or {}
    for column, role in roles.items():
        reason = str(getattr(role, "reason", "")).lower()
        if "part of the revenue" in reason or "revenue part" in reason:
            parts.add(column)
    return {p for p in parts if p in table.customers.columns}
