"""Segment profiles: size, revenue, medians against the base, category lifts, and a plain-language name."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segmentation.segments.criteria import name_words
from segmentation.segments.features import MISSING, OTHER, category_codes

if TYPE_CHECKING:
    from segmentation.intake.table import CustomerTable
    from segmentation.segments.features import FeatureMatrix

LIFT_HIGH = 1.3
LIFT_LOW = 0.7
MIN_SUPPORT = 5
"""Customers of a category a segment needs before its lift is reported."""
TRAIT_EFFECT = 0.5
"""Standardised difference from the base a number needs to become a trait in a name."""
UNASSIGNED = "Unassigned"


@dataclass
class SegmentProfile:
    """What one segment is: its size, its money and what sets it apart."""

    id: int
    name: str
    description: str
    customers: int
    customer_share: float
    revenue: float
    revenue_share: float
    profile: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Return id, name, description, customers, customer_share, revenue, revenue_share and profile."""
        return {
            "id": int(self.id),
            "name": self.name,
            "description": self.description,
            "customers": int(self.customers),
            "customer_share": float(self.customer_share),
            "revenue": float(self.revenue),
            "revenue_share": float(self.revenue_share),
            "profile": self.profile,
        }


# (words in the column name, phrase when high, phrase when low, is it a leading adjective)
_PHRASES: tuple[tuple[tuple[str, ...], str, str, bool], ...] = (
    (("employees", "employee", "headcount", "size", "company"), "Large", "Small", True),
    (("revenue", "arr", "mrr", "acv", "ltv", "cltv", "clv", "value", "income"), "High-value", "Low-value", True),
    (("recency",), "long inactive", "recently active", False),
    (("last", "days"), "long inactive", "recently active", False),
    (("nps",), "high NPS", "low NPS", False),
    (("csat",), "high CSAT", "low CSAT", False),
    (("satisfaction", "sentiment", "rating", "happiness"), "satisfied", "dissatisfied", False),
    (("ticket", "tickets", "support", "calls", "complaints"), "many support tickets", "few support tickets", False),
    (("frequency", "orders", "order", "purchases", "purchase"), "frequent buyers", "rare buyers", False),
    (("monetary", "spend", "spent", "spending", "charges", "charge"), "big spenders", "small spenders", False),
    (("growth",), "fast-growing", "shrinking", False),
    (("tenure",), "long-standing", "recently joined", False),
    (("churn", "risk"), "high churn risk", "low churn risk", False),
    (
        ("login", "logins", "session", "sessions", "visits", "visit", "engagement"),
        "high engagement",
        "low engagement",
        False,
    ),
    (
        ("usage", "used", "use", "adoption", "active", "feature", "features", "events", "seats"),
        "heavy users",
        "light users",
        False,
    ),
)


def readable(column: str) -> str:
    """Return a column name as words ('seats_used' → 'seats used')."""
    return " ".join(name_words(column)) or column


def trait_phrase(column: str, high: bool) -> tuple[str, bool, int]:
    """Return (phrase, leads, group) for a high or low value of `column`.

    `leads` means the phrase goes first ("Large …"); `group` numbers the kind of phrase (-1 for the
    generic "high <column>"), so a name never says two things of one kind ("light users, heavy users").
    """
    words = set(name_words(column))
    if column.endswith("(days since)"):
        return ("long inactive" if high else "recently active"), False, 2
    for group, (keys, high_text, low_text, leads) in enumerate(_PHRASES):
        if words & set(keys):
            return (high_text if high else low_text), leads, group
    return generic_phrase(column, high), False, -1


def generic_phrase(column: str, high: bool) -> str:
    """Return 'high <column>' or 'low <column>' in words."""
    return f"high {readable(column)}" if high else f"low {readable(column)}"


def category_phrase(column: str, level: str) -> str:
    """Return words for 'most customers have `level` in `column`' (Yes/No flags become with/without)."""
    if level == "Yes":
        return f"with {readable(column)}"
    if level == "No":
        return f"without {readable(column)}"
    if level == MISSING:
        return f"no {readable(column)} given"
    if level.replace(".", "", 1).isdigit():
        return f"{readable(column)} {level}"
    return level


def _fmt(value: float) -> str:
    """Format a median for a sentence."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == round(value):
        return f"{value:.0f}"
    return f"{value:.3g}"


def _clean(value: float) -> float | None:
    """Return a Python float, or None for NaN/inf."""
    value = float(value)
    return value if math.isfinite(value) else None


def _numeric_stats(
    features: FeatureMatrix, labels: np.ndarray, ids: list[int]
) -> tuple[dict[int, dict[str, Any]], dict[int, list[tuple[float, str, str, bool]]]]:
    """Return per segment the medians vs base and the candidate number traits (effect, phrase, column, leads)."""
    medians: dict[int, dict[str, Any]] = {i: {} for i in ids}
    traits: dict[int, list[tuple[float, str, str, bool]]] = {i: [] for i in ids}
    numeric = features.numeric_columns
    if not numeric:
        return medians, traits
    # All columns in one group-by each (the segment labels are sorted into groups once, not per column).
    values = pd.DataFrame({c: features.raw[c].to_numpy(dtype=float) for c in numeric}, copy=False)
    positions = [features.feature_sources.index(column) for column in numeric]
    # The effect is measured on the scaled matrix columns (clipped, log-scaled where heavy-tailed).
    scaled = pd.DataFrame(features.matrix[:, positions], columns=numeric, copy=False)
    all_medians = values.groupby(labels).median()
    all_means = scaled.groupby(labels).mean()
    for column, position in zip(numeric, positions, strict=True):
        base = float(values[column].median())
        seg_medians = all_medians[column]
        spread = float(scaled[column].std()) or 1.0
        seg_means = (all_means[column] - float(scaled[column].mean())) / spread
        label = features.feature_names[position]
        for segment in ids:
            seg = float(seg_medians.get(segment, np.nan))
            ratio = seg / base if base not in (0.0,) and not math.isnan(base) and base > 0 and seg >= 0 else None
            medians[segment][column] = {"segment": _clean(seg), "base": _clean(base), "ratio": _clean(ratio or np.nan)}
            effect = float(seg_means.get(segment, 0.0))
            if abs(effect) >= TRAIT_EFFECT:
                traits[segment].append((abs(effect), label, column, effect > 0))
    return medians, traits


def _category_stats(
    features: FeatureMatrix, labels: np.ndarray, ids: list[int]
) -> tuple[dict[int, dict[str, list[dict[str, Any]]]], dict[int, list[tuple[float, str, str, float, float]]]]:
    """Return per segment the over/under-represented categories and category traits."""
    lifts: dict[int, dict[str, list[dict[str, Any]]]] = {i: {} for i in ids}
    traits: dict[int, list[tuple[float, str, str, float, float]]] = {i: [] for i in ids}
    for column in features.categorical_columns:
        codes, levels = category_codes(features.raw[column])
        width = len(levels)
        top = int(labels.max()) + 1
        counts_matrix = np.bincount(labels * width + codes, minlength=top * width).reshape(top, width).astype(float)
        base_shares = counts_matrix.sum(axis=0) / counts_matrix.sum()
        for segment in ids:
            counts = counts_matrix[segment]
            size = float(counts.sum())
            entries: list[dict[str, Any]] = []
            for level, count, base in zip(levels, counts.tolist(), base_shares.tolist(), strict=True):
                share = count / size if size else 0.0
                lift = share / base if base > 0 else 0.0
                over = lift >= LIFT_HIGH and count >= MIN_SUPPORT
                under = lift <= LIFT_LOW and base * size >= MIN_SUPPORT
                if over or under:
                    entries.append(
                        {
                            "value": level,
                            "segment_share": share,
                            "base_share": base,
                            "lift": lift,
                            "customers": int(count),
                        }
                    )
                if over and share >= 0.5 and level != OTHER:
                    effect = (share - base) / math.sqrt(max(base * (1 - base), 1e-9))
                    traits[segment].append((effect, category_phrase(column, level), column, share, base))
            entries.sort(key=lambda e: -abs(math.log(max(e["lift"], 1e-9))))
            if entries:
                lifts[segment][column] = entries[:6]
    return lifts, traits


def name_key(name: str) -> frozenset[str]:
    """Return what a name says regardless of order, so 'A, b' and 'B, a' count as the same name."""
    return frozenset(part.strip().casefold() for part in name.replace(" customers", "").split(",") if part.strip())


def _compose(
    number_traits: list[tuple[float, str, str, bool]], category_traits: list[tuple[Any, ...]], depth: int
) -> str:
    """Return a name from the strongest `depth` traits: leading adjectives, a category, then phrases."""
    picked: list[tuple[float, str, str, bool, bool]] = []
    groups_used: set[int] = set()
    for effect, label, column, high in number_traits:
        phrase, leads, group = trait_phrase(label, high)
        if group in groups_used:
            phrase, leads = generic_phrase(label, high), False
        groups_used.add(group)
        picked.append((effect, phrase, column, leads, False))
    for trait in category_traits[:1]:
        picked.append((float(trait[0]), trait[1], trait[2], False, True))
    picked.sort(key=lambda t: -t[0])
    seen_phrases: set[str] = set()
    chosen = []
    for trait in picked:
        if trait[1] not in seen_phrases:
            seen_phrases.add(trait[1])
            chosen.append(trait)
        if len(chosen) == depth:
            break
    leading = [t[1] for t in chosen if t[3]]
    category = [t[1] for t in chosen if t[4]]
    rest = [t[1] for t in chosen if not t[3] and not t[4]]
    head = " ".join([*leading, *category])
    if head and rest:
        name = f"{head}, {', '.join(rest)}"
    elif head:
        name = head if category else f"{head} customers"
    elif rest:
        name = ", ".join(rest)
    else:
        return "Typical customers"
    return name[0].upper() + name[1:]


def _describe(
    *,
    customers: int,
    customer_share: float,
    revenue_share: float,
    medians: dict[str, Any],
    number_traits: list[tuple[float, str, str, bool]],
    category_traits: list[tuple[Any, ...]],
) -> str:
    """Return one or two sentences with numbers on what sets a segment apart."""
    first = f"{customers:,} customers ({customer_share:.0%}) earning {revenue_share:.0%} of revenue."
    details: list[str] = []
    for _effect, _phrase, column, _leads in sorted(number_traits, key=lambda t: -t[0]):
        stats = medians.get(column, {})
        seg, base = stats.get("segment"), stats.get("base")
        if seg is None or base is None or len(details) == 2:
            continue
        if seg == base or (base > 0 and 0.9 <= seg / base <= 1.1):
            continue  # medians (nearly) equal: the difference is in the spread, not worth a sentence
        ratio = stats.get("ratio")
        times = f" ({ratio:.1f}×)" if ratio is not None and base > 0 and seg > 0 else ""
        details.append(f"median {readable(column)} {_fmt(seg)} vs {_fmt(base)} overall{times}")
    for trait in category_traits[:1]:
        details.append(f"{trait[3]:.0%} are {trait[1]} (vs {trait[4]:.0%} overall)")
    if not details:
        return first + " Close to the average customer on the chosen criteria."
    text = "; ".join(details)
    return f"{first} {text[0].upper()}{text[1:]}."


def _trait_list(number_traits: list[tuple[float, str, str, bool]], category_traits: list[tuple[Any, ...]]) -> list[str]:
    """Return every trait of a segment in words, strongest first."""
    scored = [(effect, trait_phrase(label, high)[0]) for effect, label, _column, high in number_traits]
    scored += [(float(t[0]), str(t[1])) for t in category_traits]
    return [phrase for _effect, phrase in sorted(scored, key=lambda t: -t[0])]


def build_profiles(
    table: CustomerTable,
    features: FeatureMatrix,
    labels: np.ndarray,
    fixed_names: dict[int, str] | None = None,
    extra: dict[int, dict[str, Any]] | None = None,
) -> list[SegmentProfile]:
    """Return one profile per segment id in `labels` (ids ≥ 1 in order, then 0 = Unassigned if present).

    `fixed_names` (id → name) replaces the generated names (rule tiers, RFM groups, user renames);
    generated names are made distinct from every other name.
    """
    fixed_names = fixed_names or {}
    revenue = np.clip(table.customers["revenue"].to_numpy(dtype=float), 0, None)
    n = len(labels)
    total_revenue = float(revenue.sum())
    ids_present = sorted(int(i) for i in np.unique(labels))
    ids = [i for i in ids_present if i != 0] + ([0] if 0 in ids_present else [])
    sizes = np.bincount(labels, minlength=max(ids_present) + 1)
    money = np.bincount(labels, weights=revenue, minlength=max(ids_present) + 1)
    medians, number_traits = _numeric_stats(features, labels, ids)
    lifts, category_traits = _category_stats(features, labels, ids)
    for segment in ids:
        number_traits[segment].sort(key=lambda t: -t[0])
        category_traits[segment].sort(key=lambda t: -t[0])
    names: dict[int, str] = {}
    taken = {name_key(name) for name in fixed_names.values()}
    for segment in ids:
        if segment in fixed_names:
            names[segment] = fixed_names[segment]
            continue
        if segment == 0:
            name = UNASSIGNED
        else:
            name = _compose(number_traits[segment], category_traits[segment], depth=2)
            for depth in (3, 4):
                if name_key(name) not in taken:
                    break
                name = _compose(number_traits[segment], category_traits[segment], depth=depth)
            if name_key(name) in taken:
                name = f"{name} (segment {segment})"
        names[segment] = name
        taken.add(name_key(name))
    profiles = []
    for segment in ids:
        customers = int(sizes[segment])
        customer_share = customers / n if n else 0.0
        revenue_share = float(money[segment]) / total_revenue if total_revenue > 0 else customer_share
        description = _describe(
            customers=customers,
            customer_share=customer_share,
            revenue_share=revenue_share,
            medians=medians[segment],
            number_traits=number_traits[segment],
            category_traits=category_traits[segment],
        )
        if segment == 0:
            description = (
                f"{customers:,} customers ({customer_share:.0%}) who fit no dense group; "
                f"they earn {revenue_share:.0%} of revenue."
            )
        profile: dict[str, Any] = {
            "medians": medians[segment],
            "categories": lifts[segment],
            "traits": _trait_list(number_traits[segment], category_traits[segment]),
        }
        if extra and segment in extra:
            profile.update(extra[segment])
        profiles.append(
            SegmentProfile(
                id=segment,
                name=names[segment],
                description=description,
                customers=customers,
                customer_share=float(customer_share),
                revenue=float(money[segment]),
                revenue_share=float(revenue_share),
                profile=profile,
            )
        )
    return profiles
