"""Column-name words: the one splitter every stage reads names with, and what the words say about a column.

``words("MntWines")`` → ``["mnt", "wines"]``; ``words("discount_pct")`` → ``["discount", "pct"]``. Stages
match whole words, never substrings: "discount" holds the letters of "count" but is no count.
"""

from __future__ import annotations

import re

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SPLIT = re.compile(r"[^\w]+|_")


def words(name: str) -> list[str]:
    """Split a column name into lower-case words (``MonthlyCharges`` → monthly, charges; ``ARRValue`` → arr, value)."""
    spaced = _ACRONYM.sub(r"\1 \2", _CAMEL.sub(r"\1 \2", str(name)))
    return [w for w in _SPLIT.split(spaced.lower()) if w]


SUM_WORDS = frozenset(
    [
        "amount",
        "amt",
        "mnt",
        "revenue",
        "sales",
        "sale",
        "charge",
        "charges",
        "spend",
        "spent",
        "value",
        "total",
        "count",
        "cnt",
        "qty",
        "quantity",
        "units",
        "unit",
        "number",
        "num",
        "seats",
        "minutes",
        "hours",
        "sessions",
        "events",
        "duration",
        "arr",
        "mrr",
        "fee",
        "fees",
        "paid",
        "payment",
        "payments",
        "refund",
        "refunds",
        "profit",
        "cost",
        "costs",
        "purchases",
        "orders",
        "visits",
        "logins",
        "clicks",
        "tickets",
        "items",
        "calls",
        "messages",
        "downloads",
    ]
)
"""Words of a per-row number whose per-customer sum means something (money, counts, time)."""

MEAN_WORDS = frozenset(
    [
        "pct",
        "percent",
        "percentage",
        "rate",
        "ratio",
        "share",
        "score",
        "avg",
        "average",
        "mean",
        "fraction",
        "rating",
        "nps",
        "probability",
        "prob",
        "index",
        "pctg",
    ]
)
"""Words of a per-row rate, fraction or score: its per-customer sum would only count rows, so it is averaged."""


def sums_per_customer(column: str) -> bool:
    """Whether a numeric column is added up per customer (money, counts) rather than averaged (rates, scores).

    A rate word wins over a money word: ``discount_pct`` and ``revenue_share`` are averaged; so is a price
    per unit (``UnitPrice``), unless the name says it is a total (``total_price``).
    """
    found = set(words(column))
    if found & MEAN_WORDS:
        return False
    if "price" in found and not found & {"total", "amount", "sum", "paid"}:
        return False
    return bool(found & SUM_WORDS)
