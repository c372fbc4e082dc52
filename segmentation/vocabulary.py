"""Column-name words: the one splitter every stage reads names with, the one labeller that turns a name into
words people read, and what the words say about a column.

``words("MntWines")`` → ``["mnt", "wines"]``; ``words("discount_pct")`` → ``["discount", "pct"]``. Stages
match whole words, never substrings: "discount" holds the letters of "count" but is no count.
``label("logins_30d")`` → "logins" inside a sentence, ``label("logins_30d", header=True)`` → "Logins (30 days)"
above a table column.
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


SPELLING = {
    "arr": "ARR",
    "mrr": "MRR",
    "nps": "NPS",
    "csat": "CSAT",
    "acv": "ACV",
    "tcv": "TCV",
    "id": "ID",
    "csm": "CSM",
    "cac": "CAC",
    "kpi": "KPI",
    "url": "URL",
    "ltv": "lifetime value",
    "cltv": "lifetime value",
    "clv": "lifetime value",
    "aov": "order value",
    "mau": "monthly active users",
    "dau": "daily active users",
    "pct": "%",
    "percent": "%",
    "amt": "amount",
    "avg": "average",
    "qty": "quantity",
    "cnt": "count",
}
"""Column-name words spelled as people write them, in headers and phrases alike."""

HEADER_SPELLING = {"num": "number of"}
"""Words a header spells out where a phrase drops them ('NumWebPurchases' → 'Number of web purchases')."""

PHRASE_SPELLING = {
    "num": "",
    "no": "",
    "nb": "",
    "is": "",
    "has": "",
    "flag": "",
    "mean": "",
    "latest": "",
    "share": "rate",
}
"""Code words a phrase drops ('is_trial' → 'trial'), and 'share', which a sentence calls a rate."""

WHOLE_NAMES = {
    "recency_days": "days since last purchase",
    "tenure_days": "days as a customer",
    "monetary": "spend",
    "frequency": "purchases",
}
"""Whole column names (as the transactions roll-up writes them, and as files often name them) in words."""

_PERIOD = re.compile(r"^(\d+)(d|w|m|y|days|mo)$")
_PERIOD_WORDS = {"d": "days", "days": "days", "w": "weeks", "m": "months", "mo": "months", "y": "years"}
_UNIT = re.compile(r"\s*\([^)]*\)")
"""A unit or scale in brackets ('Annual Income (k$)', 'Score (1-100)'): detail for a header, not a phrase."""
_CAPITALS = re.compile(r"[A-Z]{2,}(?![a-z])")
"""An acronym written in capitals inside a mixed-case name ('StreamingTV', 'CustomerID')."""


def period(word: str) -> str | None:
    """Return a period word in words ('30d' → '30 days', '12m' → '12 months'), or None when it is none."""
    match = _PERIOD.match(word)
    return None if match is None else f"{match.group(1)} {_PERIOD_WORDS[match.group(2)]}"


def label(column: str, stems: list[str] | None = None, *, header: bool = False) -> str:
    """Return a column name as words a person reads.

    By default a phrase to put inside a sentence (segment profiles and names, the heat-map, the ideal
    customer profile, rules): 'MntMeatProducts' → 'meat products spend', 'logins_30d' → 'logins',
    'feature_adoption_pct' → 'feature adoption share'; a joined file's name (`stems`) is dropped
    ('ravenstack_subscriptions_rows' → 'subscriptions'), units in brackets and code words go, and the
    roll-up's names read as words ('recency_days' → 'days since last purchase').

    With `header`, a table header that stays recognisable as the file's column: every word kept, the
    period in brackets, the first letter capital: 'logins_30d' → 'Logins (30 days)', 'feature_adoption_pct'
    → 'Feature adoption %'. A name that already holds spaces is the user's own wording and is kept as it is.
    """
    if header:
        return _header(column)
    return _phrase(column, stems)


def _capitals(name: str) -> dict[str, str]:
    """Return the acronyms a mixed-case name writes in capitals, by lower-case word ('StreamingTV' → tv: TV)."""
    return {} if name.upper() == name else {c.lower(): c for c in _CAPITALS.findall(name)}


def _header(column: str) -> str:
    """A column name as a table header (see `label`)."""
    raw = str(column).strip()
    if not raw or " " in raw:
        return raw
    capitals = _capitals(raw)
    out = []
    for word in words(raw):
        when = period(word)
        if when is not None:
            out.append(f"({when})")
        else:
            out.append(HEADER_SPELLING.get(word, SPELLING.get(word, capitals.get(word, word))))
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def _phrase(column: str, stems: list[str] | None) -> str:
    """A column name as a phrase inside a sentence (see `label`)."""
    if column.lower() in WHOLE_NAMES:
        return WHOLE_NAMES[column.lower()]
    base = column.removesuffix(" (days since)")
    base = _UNIT.sub("", base).strip() or base
    capitals = _capitals(base)
    entity = ""
    for stem in stems or []:
        if base.lower().startswith(stem + "_"):
            entity = words(stem)[-1] if words(stem) else ""
            base = base[len(stem) + 1 :]
            break
    found = words(base)
    if entity and found == ["rows"]:
        return entity
    spend = bool(found) and found[0] == "mnt"
    out: list[str] = []
    for word in found[1:] if spend else found:
        if period(word) is not None:
            continue
        mapped = PHRASE_SPELLING.get(word, SPELLING.get(word, capitals.get(word, word)))
        if mapped:
            out.append(mapped)
    if spend:
        out.append("spend")
    text = " ".join(out).replace(" %", " share").replace("%", "share")
    return text or " ".join(found) or column


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
