"""Segment names that are true: phrases by what a column measures, and a checker.

Column names become words through the one labeller, `segmentation.vocabulary.label`.

Every phrase in a generated name is a *claim* recorded in the profile (`profile["claims"]`):
a number high or low against the base, a category most of the segment shares, or revenue per
customer well above or below the base. `unbacked(profile, profiles)` checks each claim against the
profile's own figures and that the name says nothing else; the tests run it on every dataset.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segmentation.segments.relevance import words_of
from segmentation.vocabulary import WHOLE_NAMES, label, period

if TYPE_CHECKING:
    from segmentation.intake.table import CustomerTable

SHORT_NAME_WIDTH = 28
"""Characters a segment name gets on screen (chart axes, tables); short names are distinct at this width."""
VALUE_HIGH = 2.0
"""Revenue per customer, times the base's, from which a segment is called high-value."""
VALUE_LOW = 0.5
"""Revenue per customer, times the base's, up to which a segment is called low-value."""
FILLER = {"customers", "typical"}
"""Words a name may hold that claim nothing ("Typical customers", "Large customers")."""

BARE_VALUE_COLUMNS = frozenset({"gender", "sex"})
"""Columns whose values read alone: 'Female', not 'Female gender'."""

# kind: (name words, phrase when high, phrase when low, leads the name)
TENURE_WORDS = {"tenure", "signup", "signed", "joined", "created", "onboarded", "since", "first", "start", "started"}
_KINDS: dict[str, tuple[set[str], str, str, bool]] = {
    "size": ({"employees", "employee", "headcount", "staff", "fte"}, "Large", "Small", True),
    "nps": ({"nps"}, "high NPS", "low NPS", False),
    "csat": ({"csat"}, "high CSAT", "low CSAT", False),
    "satisfaction": ({"satisfaction", "sentiment", "rating", "happiness"}, "satisfied", "dissatisfied", False),
    "support": (
        {"ticket", "tickets", "support", "complaints", "complaint", "calls"},
        "many support tickets",
        "few support tickets",
        False,
    ),
    "frequency": (
        {"frequency", "orders", "purchases", "transactions", "invoices"},
        "frequent buyers",
        "rare buyers",
        False,
    ),
    "growth": ({"growth"}, "fast-growing", "shrinking", False),
    "age": ({"age"}, "older", "younger", False),  # a person's age; an account's age is tenure (above)
    "usage": (
        {
            "usage",
            "used",
            "use",
            "adoption",
            "active",
            "feature",
            "features",
            "events",
            "login",
            "logins",
            "session",
            "sessions",
            "engagement",
            "visits",
            "visit",
        },
        "heavy users",
        "light users",
        False,
    ),
}


def stems_of(table: CustomerTable | None) -> list[str]:
    """Return the column prefixes a joined related file gave (its file name as a stem), longest first."""
    if table is None:
        return []
    found: set[str] = set()
    for role in getattr(table, "roles", {}).values():
        for name in re.findall(r"(?:from|rows of) '([^']+)'", str(getattr(role, "reason", ""))):
            stem = "".join(ch if ch.isalnum() else "_" for ch in Path(name).stem.lower()).strip("_")
            if stem:
                found.add(stem)
    return sorted(found, key=len, reverse=True)


def is_percent_column(column: str) -> bool:
    """True when the name says the values are per cent (0–100): 'feature_adoption_pct', 'Churn %'."""
    words = words_of(column)
    return str(column).strip().endswith("%") or (bool(words) and words[-1] in ("pct", "percent", "percentage"))


def rule_label(column: str, stems: list[str] | None = None, *, fraction: bool = False) -> tuple[str, str, float]:
    """Return (words, unit, scale) for a column in a rule of thumb, so a rule reads as people write it:
    'feature adoption ≤ 60.5%' for a per-cent column (never 'feature adoption share ≤ 60.5'), 'upgrade
    rate ≤ 18.5%' for a 0–1 `fraction` (the threshold × 100), 'logins (30 days) ≤ 14' with the period kept."""
    days = column.endswith(" (days since)")
    base = column.removesuffix(" (days since)")
    words = label(base, stems)
    periods = [when for w in words_of(base) if (when := period(w))]
    if periods and base.lower() not in WHOLE_NAMES:
        words += f" ({periods[-1]})"
    if days:
        return words + " (days ago)", "", 1.0
    if is_percent_column(base):
        plain = words.replace(" share", "").replace(" percentage", "").strip()
        return plain or words, "%", 1.0
    if fraction:
        return words, "%", 100.0
    return words, "", 1.0


def measure_kind(column: str, date_derived: bool = False) -> str | None:
    """Return what a number measures: tenure, recency, size, usage … or None (a generic number).

    Told apart by the column's words, never by the substring 'days': 'tenure_days' and
    'days_since_signup' are tenure, 'days_since_last_order' and 'recency' are recency.
    """
    words = set(words_of(column.removesuffix(" (days since)")))
    if words & {"last", "recency", "inactive", "idle"} or ("latest" in words and date_derived):
        return "recency"
    if words & TENURE_WORDS or ("age" in words and words & {"account", "customer", "contract"}):
        return "tenure"
    if date_derived:
        return "date"
    if "since" in words and "days" in words:
        return "recency"
    for kind, (keys, *_rest) in _KINDS.items():
        if words & keys:
            return kind
    return None


_ACTIVITY_WORDS = frozenset(
    {"login", "logins", "seen", "active", "inactive", "idle", "activity", "use", "used", "usage", "session", "visit"}
)
"""Words of a recency column that measures activity (not purchases)."""


def number_phrase(column: str, high: bool, stems: list[str] | None = None) -> tuple[str, bool, str]:
    """Return (phrase, leads, kind) for a high or low value of a number; kind groups phrases that must not meet."""
    date_derived = column.endswith(" (days since)")
    kind = measure_kind(column, date_derived)
    words = label(column, stems)
    if kind == "recency":  # high = many days since the last activity
        if set(words_of(column)) & _ACTIVITY_WORDS:  # days since a login or use: activity itself
            return ("long inactive" if high else "recently active"), False, "recency"
        # days since the last purchase or invoice: an annual payer is not "inactive" months after paying
        return ("no recent purchase" if high else "bought recently"), False, "recency"
    if kind == "tenure":  # high = long ago
        return ("long-standing" if high else "recently joined"), False, "tenure"
    if kind == "date":  # days before the latest date: high = early
        return (f"early {words}" if high else f"late {words}"), False, f"column:{column}"
    if kind is not None:
        _keys, high_text, low_text, leads = _KINDS[kind]
        return (high_text if high else low_text), leads, kind
    return (f"high {words}" if high else f"low {words}"), False, f"column:{column}"


CODE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9\-_/.]+$")
"""A token with letters and digits and no spaces: a product or plan code ('85123A', 'SKU-99')."""


YES_LEVELS = ("Yes", "True", "1", "1.0")
NO_LEVELS = ("No", "False", "0", "0.0")


def category_phrase(column: str, level: str, stems: list[str] | None = None) -> str | None:
    """Return words for 'most of the segment has `level` in `column`', or None when it cannot be said plainly.

    Yes/No (and 1/0 flags) become 'with …'/'without …' ('is_trial' Yes → 'trial accounts'); codes are never
    put in a name (they stay in the profile detail).
    """
    words = label(column, stems)
    if level in (*YES_LEVELS, *NO_LEVELS, "Missing"):
        raw_words = words_of(column)
        return _answer_phrase(words, level, flag=bool(raw_words) and raw_words[0] in ("is", "has"))
    if _is_code(level):
        return None
    return _value_phrase(words, level.strip())


def _answer_phrase(words: str, level: str, *, flag: bool) -> str:
    """Return a yes/no/missing answer as words: a flag column ('is_trial') names accounts, others say with/without."""
    if level in YES_LEVELS:
        return f"{words} accounts" if flag else f"with {words}"
    if level in NO_LEVELS:
        return f"non-{words} accounts" if flag else f"without {words}"
    return f"no {words} given"


def _is_code(level: str) -> bool:
    """Whether a category value is a code or identifier ('85123A', 'plan_b', '42'), which no name should hold."""
    return bool(CODE.match(level.strip())) or not re.search(r"[A-Za-z]", level) or "_" in level


def _value_phrase(words: str, text: str) -> str:
    """Return a category value with its column's words where they help ('Month-to-month contract')."""
    if words.casefold() in BARE_VALUE_COLUMNS:
        return text
    if words and words.casefold() not in text.casefold() and len(text.split()) <= 2 and len(words.split()) <= 2:
        return f"{text} {words}"  # 'Month-to-month contract', 'FinTech industry', 'Fiber optic internet service'
    return text


def _claims_text(name: str) -> str:
    return re.sub(r"[\s,]+", " ", name.casefold()).strip()


def name_claims(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the claims a segment's name makes (recorded when the name was composed)."""
    return list(profile.get("claims", []))


def unbacked(name: str, profile: dict[str, Any], segment_per_customer: float, base_per_customer: float) -> list[str]:
    """Return every problem with a name: words no claim covers, and claims its profile contradicts.

    Empty means every word of the name is backed by the segment's figures.
    """
    problems: list[str] = []
    rest = f" {_claims_text(name)} "
    for claim in name_claims(profile):
        phrase = _claims_text(str(claim["phrase"]))
        if f" {phrase} " not in rest:
            problems.append(f"claim '{claim['phrase']}' is not in the name")
            continue
        rest = rest.replace(f" {phrase} ", " ", 1)
        kind = claim["kind"]
        if kind == "value":
            ratio = segment_per_customer / base_per_customer if base_per_customer > 0 else 0.0
            if claim["direction"] == "high" and not (segment_per_customer > 0 and ratio >= VALUE_HIGH):
                problems.append(f"'{claim['phrase']}' but revenue per customer is {ratio:.2f}× the base")
            if claim["direction"] == "low" and ratio > VALUE_LOW:
                problems.append(f"'{claim['phrase']}' but revenue per customer is {ratio:.2f}× the base")
        elif kind == "number":
            stats = profile.get("medians", {}).get(claim["column"], {})
            effect = float(claim.get("effect", 0.0))
            seg, base = stats.get("segment"), stats.get("base")
            if claim["direction"] == "high":
                if effect <= 0 or (seg is not None and base is not None and seg < base):
                    problems.append(f"'{claim['phrase']}' but '{claim['column']}' is not above the base")
            elif effect >= 0 or (seg is not None and base is not None and seg > base):
                problems.append(f"'{claim['phrase']}' but '{claim['column']}' is not below the base")
        elif kind == "category":
            entries = profile.get("categories", {}).get(claim["column"], [])
            match = [e for e in entries if str(e["value"]) == str(claim["value"])]
            if not match or match[0]["segment_share"] < 0.5 or match[0]["lift"] < 1.3:
                problems.append(f"'{claim['phrase']}' but most of the segment is not '{claim['value']}'")
    leftover = [w for w in rest.split() if w not in FILLER and not re.fullmatch(r"\(segment \d+\)|\d+\)?|\(segment", w)]
    if leftover:
        problems.append(f"words no claim backs: {' '.join(leftover)}")
    return problems


def contradictions(claims: list[dict[str, Any]]) -> list[str]:
    """Return pairs of claims of one kind in a name ('heavy users' with 'low engagement')."""
    seen: dict[str, str] = {}
    out = []
    for claim in claims:
        group = str(claim.get("group", ""))
        if not group:
            continue
        if group in seen:
            out.append(f"'{seen[group]}' and '{claim['phrase']}'")
        seen[group] = str(claim["phrase"])
    return out


def short_names(names: dict[int, str], width: int = SHORT_NAME_WIDTH) -> dict[int, str]:
    """Return names that fit `width` characters and stay distinct (whole phrases kept where they fit)."""
    out: dict[int, str] = {}
    taken: set[str] = set()
    for segment, name in names.items():
        short = _fit(name, width)
        if short.casefold() in taken:
            tag = f" ({segment})"
            short = _fit(name, width - len(tag)) + tag
        taken.add(short.casefold())
        out[segment] = short
    return out


def _fit(name: str, width: int) -> str:
    if len(name) <= width:
        return name
    parts = [p.strip() for p in name.split(",")]
    kept = parts[0]
    for part in parts[1:]:
        if len(f"{kept}, {part}") > width:
            break
        kept = f"{kept}, {part}"
    if len(kept) <= width:
        return kept
    cut = kept[: width - 1].rsplit(" ", 1)[0] if " " in kept[: width - 1] else kept[: width - 1]
    return cut.rstrip(", ") + "…"


def bad_tokens(name: str, columns: list[str], stems: list[str]) -> list[str]:
    """Return raw column names, file names and codes found in a name."""
    found = []
    lowered = name.casefold()
    for column in columns:
        if (("_" in column or re.search(r"[a-z][A-Z]", column)) and column.casefold() in lowered) or (
            " " not in column
            and len(column) > 3
            and re.search(rf"\b{re.escape(column.casefold())}\b", lowered)
            and label(column) != column.casefold()
        ):
            found.append(column)
    for stem in stems:
        brand = words_of(stem)[:-1]
        if (
            stem in lowered
            or stem.replace("_", " ") in lowered
            or any(re.search(rf"\b{re.escape(b)}\b", lowered) for b in brand)
        ):
            found.append(stem)
    found += [token for token in re.split(r"[\s,]+", name) if CODE.match(token) and token not in ("30-day",)]
    return found
