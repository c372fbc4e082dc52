"""Segment profiles: size, revenue, medians against the base, category lifts, and a plain-language name."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from segmentation.formatting import format_ratio, format_share, plural
from segmentation.segments.features import OTHER, category_codes
from segmentation.segments.naming import (
    VALUE_HIGH,
    VALUE_LOW,
    is_percent_column,
    number_phrase,
    rule_label,
    short_names,
    stems_of,
)
from segmentation.segments.naming import (
    category_phrase as plain_category_phrase,
)
from segmentation.vocabulary import label

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
    short_name: str = ""
    """The name as it fits 28 characters on screen, distinct from every other segment's."""
    name_options: tuple[tuple[str, tuple[dict[str, Any], ...]], ...] = field(default=(), repr=False, compare=False)
    """The names the traits give, from the shortest, each with the claims it makes (none for a fixed name):
    `choose_names` takes the first no other segment has, so a user's rename names the rest again without
    describing the segments again."""

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
            "short_name": self.short_name or self.name,
        }


def readable(column: str) -> str:
    """Return a column name as words ('seats_used' → 'seats used', 'MntMeatProducts' → 'meat products spend')."""
    return label(column)


def trait_phrase(column: str, high: bool, stems: list[str] | None = None) -> tuple[str, bool, str]:
    """Return (phrase, leads, kind) for a high or low value of `column`.

    `leads` means the phrase goes first ("Large …"); `kind` groups phrases that must never meet in
    one name ("heavy users" and "low engagement" are one kind), told by what the column measures.
    """
    return number_phrase(column, high, stems)


def category_phrase(column: str, level: str) -> str:
    """Return words for 'most customers have `level` in `column`' (Yes/No flags become with/without)."""
    return plain_category_phrase(column, level) or f"{readable(column)} {level}"


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
        feature_label = features.feature_names[position]
        for segment in ids:
            seg = float(seg_medians.get(segment, np.nan))
            ratio = seg / base if base not in (0.0,) and not math.isnan(base) and base > 0 and seg >= 0 else None
            medians[segment][column] = {"segment": _clean(seg), "base": _clean(base), "ratio": _clean(ratio or np.nan)}
            effect = float(seg_means.get(segment, 0.0))
            # A trait needs the mean and the median to agree on its direction, so the name and the table agree.
            agrees = math.isnan(seg) or math.isnan(base) or (seg >= base if effect > 0 else seg <= base)
            if abs(effect) >= TRAIT_EFFECT and agrees:
                traits[segment].append((abs(effect), feature_label, column, effect > 0))
    return medians, traits


def _category_stats(
    features: FeatureMatrix, labels: np.ndarray, ids: list[int], stems: list[str]
) -> tuple[dict[int, dict[str, list[dict[str, Any]]]], dict[int, list[tuple[float, str, str, float, float, str]]]]:
    """Return per segment the over/under-represented categories and category traits.

    A trait is (effect, phrase, column, share, base share, value); values that cannot be said
    plainly (codes) are no trait, but stay in the lifts.
    """
    lifts: dict[int, dict[str, list[dict[str, Any]]]] = {i: {} for i in ids}
    traits: dict[int, list[tuple[float, str, str, float, float, str]]] = {i: [] for i in ids}
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
                phrase = plain_category_phrase(column, level, stems) if level != OTHER else None
                if over and share >= 0.5 and phrase:
                    effect = (share - base) / math.sqrt(max(base * (1 - base), 1e-9))
                    traits[segment].append((effect, phrase, column, share, base, level))
            entries.sort(key=lambda e: (-abs(math.log(max(e["lift"], 1e-9))), str(e["value"])))
            if entries:
                lifts[segment][column] = entries[:6]
    return lifts, traits


def name_key(name: str) -> frozenset[str]:
    """Return what a name says regardless of order, so 'A, b' and 'B, a' count as the same name."""
    return frozenset(part.strip().casefold() for part in name.replace(" customers", "").split(",") if part.strip())


def _value_claim(per_customer: float, base_per_customer: float) -> dict[str, Any] | None:
    """Return the revenue claim a segment's name must make, or None: only clear, positive differences."""
    if base_per_customer <= 0:
        return None
    ratio = per_customer / base_per_customer
    if per_customer > 0 and ratio >= VALUE_HIGH:
        return {"phrase": "high-value", "kind": "value", "direction": "high", "ratio": ratio, "group": "value"}
    if ratio <= VALUE_LOW:
        return {"phrase": "low-value", "kind": "value", "direction": "low", "ratio": ratio, "group": "value"}
    return None


def _lower_first(phrase: str) -> str:
    """Return 'no internet service' for 'No internet service' (a plain capitalised word), else the phrase."""
    first, _, rest = phrase.partition(" ")
    if re.fullmatch(r"[A-Z][a-z\-]+", first) and not re.search(r"[A-Z]", rest):
        return first.lower() + (f" {rest}" if rest else "")
    return phrase


def _compose(
    number_traits: list[tuple[float, str, str, bool]],
    category_traits: list[tuple[Any, ...]],
    depth: int,
    *,
    value: dict[str, Any] | None = None,
    stems: list[str] | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Return a name from the strongest `depth` traits and the claims it makes.

    A clear revenue difference is always said ("Large, high-value …"); then the strongest traits, never two
    of one kind (so never "heavy users" with "low engagement"), leading adjectives first.
    """
    # (effect, phrase, leads, is category, claim)
    picked: list[tuple[float, str, bool, bool, dict[str, Any]]] = []
    for effect, feature_label, column, high in number_traits:
        phrase, leads, group = number_phrase(feature_label, high, stems)
        claim = {
            "phrase": phrase,
            "kind": "number",
            "column": column,
            "direction": "high" if high else "low",
            "effect": effect if high else -effect,
            "group": group,
        }
        picked.append((effect, phrase, leads, False, claim))
    for trait in category_traits[:1]:
        claim = {"phrase": trait[1], "kind": "category", "column": trait[2], "value": trait[5], "group": trait[2]}
        picked.append((float(trait[0]), trait[1], False, True, claim))
    picked.sort(key=lambda t: (-t[0], t[1]))
    groups: set[str] = set()
    chosen: list[tuple[float, str, bool, bool, dict[str, Any]]] = []
    if value is not None:
        chosen.append((float("inf"), str(value["phrase"]).lower(), False, False, value))
        groups.add("value")
    for trait in picked:
        if len(chosen) >= depth:
            break
        group = str(trait[4].get("group"))
        if group in groups or any(trait[1] == c[1] for c in chosen):
            continue
        groups.add(group)
        chosen.append(trait)
    leading = [t[1] for t in chosen if t[2]]
    category = [t[1] for t in chosen if t[3]]
    if leading and category:
        category = [_lower_first(c) for c in category]
    rest = [t[1] for t in chosen if not t[2] and not t[3]]
    head = " ".join([*leading, *category])
    claims = [t[4] for t in chosen]
    if head and rest:
        name = f"{head}, {', '.join(rest)}"
    elif head:
        name = head if category else f"{head} customers"
    elif rest:
        name = ", ".join(rest) + (" customers" if value is not None and rest == [str(value["phrase"]).lower()] else "")
    else:
        return "Typical customers", []
    return name[0].upper() + name[1:], claims


def _earning(revenue_share: float, revenue: float) -> str:
    """'earning 32% of revenue', or what is true when the segment brings nothing or nets a loss."""
    if abs(revenue) < 0.005:
        return "earning no revenue"
    if revenue < 0:
        return f"with net negative revenue ({_fmt(revenue)}: refunds or credits beyond sales)"
    return f"earning {format_share(revenue_share)} of revenue"


def median_phrase(column: str, seg: float, base: float, ratio: float | None, stems: list[str]) -> str:
    """'median logins 24 vs 12 overall (2.0×)': a group's median against everyone's, as the segment
    profiles and the ideal customer profile write it; a 0–1 rate and a per-cent column in per cent, and
    no multiple next to a median of 0 (it reads as itself, not as "0.0×")."""
    times = f" ({format_ratio(ratio)})" if ratio is not None and base > 0 and seg > 0 else ""
    name = label(column, stems)
    if column.endswith("_share") and min(seg, base) >= 0 and max(seg, base) <= 1:  # a rate: in per cent
        seg_text, base_text = format_share(seg), format_share(base)
    elif is_percent_column(column):  # already per cent (0–100): "feature adoption 73.5% vs 44.1%"
        name, _unit, _scale = rule_label(column, stems)
        seg_text, base_text = f"{_fmt(seg)}%", f"{_fmt(base)}%"
    else:
        seg_text, base_text = _fmt(seg), _fmt(base)
    return f"median {name} {seg_text} vs {base_text} overall{times}"


def _describe(
    *,
    customers: int,
    customer_share: float,
    revenue_share: float,
    revenue: float,
    medians: dict[str, Any],
    number_traits: list[tuple[float, str, str, bool]],
    category_traits: list[tuple[Any, ...]],
    stems: list[str],
) -> str:
    """Return one or two sentences with numbers on what sets a segment apart (a joined file's name left out)."""
    first = f"{plural(customers, 'customer')} ({format_share(customer_share)}) {_earning(revenue_share, revenue)}."
    details: list[str] = []
    for _effect, _phrase, column, _leads in sorted(number_traits, key=lambda t: -t[0]):
        stats = medians.get(column, {})
        seg, base = stats.get("segment"), stats.get("base")
        if seg is None or base is None or len(details) == 2:
            continue
        if seg == base or (base > 0 and 0.9 <= seg / base <= 1.1):
            continue  # medians (nearly) equal: the difference is in the spread, not worth a sentence
        details.append(median_phrase(column, seg, base, stats.get("ratio"), stems))
    for trait in category_traits[:1]:
        details.append(f"{format_share(trait[3])} are {trait[1]} (vs {format_share(trait[4])} overall)")
    if not details:
        return first + " Close to the average customer on the chosen criteria."
    text = "; ".join(details)
    return f"{first} {text[0].upper()}{text[1:]}."


def _trait_list(number_traits: list[tuple[float, str, str, bool]], category_traits: list[tuple[Any, ...]]) -> list[str]:
    """Return every trait of a segment in words, strongest first."""
    scored = [(effect, trait_phrase(name, high)[0]) for effect, name, _column, high in number_traits]
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
    stems = stems_of(table)
    medians, number_traits = _numeric_stats(features, labels, ids)
    lifts, category_traits = _category_stats(features, labels, ids, stems)
    for segment in ids:
        number_traits[segment].sort(key=lambda t: (-t[0], t[2]))
        category_traits[segment].sort(key=lambda t: (-t[0], t[2], t[5]))
    base_per_customer = total_revenue / n if n else 0.0
    options: dict[int, tuple[tuple[str, tuple[dict[str, Any], ...]], ...]] = {}
    for segment in ids:
        if segment == 0:
            options[segment] = ((UNASSIGNED, ()),)
            continue
        value = _value_claim(float(money[segment]) / max(int(sizes[segment]), 1), base_per_customer)
        traits = (number_traits[segment], category_traits[segment])
        options[segment] = tuple(
            (name, tuple(said))
            for name, said in (
                _compose(*traits, depth=depth + (value is not None), value=value, stems=stems) for depth in (2, 3, 4)
            )
        )
    names, claims = choose_names(ids, options, fixed_names)
    shorts = short_names(names)
    profiles = []
    for segment in ids:
        customers = int(sizes[segment])
        customer_share = customers / n if n else 0.0
        revenue_share = float(money[segment]) / total_revenue if total_revenue > 0 else 0.0
        description = _describe(
            customers=customers,
            customer_share=customer_share,
            revenue_share=revenue_share,
            revenue=float(money[segment]),
            medians=medians[segment],
            number_traits=number_traits[segment],
            category_traits=category_traits[segment],
            stems=stems,
        )
        if segment == 0:
            description = (
                f"{plural(customers, 'customer')} ({format_share(customer_share)}) who fit no dense group, "
                f"{_earning(revenue_share, float(money[segment]))}."
            )
        profile: dict[str, Any] = {
            "medians": medians[segment],
            "categories": lifts[segment],
            "traits": _trait_list(number_traits[segment], category_traits[segment]),
            "claims": list(claims[segment]),
            "labels": {column: label(column, stems) for column in medians[segment]},
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
                short_name=shorts[segment],
                name_options=options[segment],
            )
        )
    return profiles


def choose_names(
    ids: list[int],
    options: dict[int, tuple[tuple[str, tuple[dict[str, Any], ...]], ...]],
    fixed_names: dict[int, str],
) -> tuple[dict[int, str], dict[int, tuple[dict[str, Any], ...]]]:
    """Return each segment's name and the claims it makes: its fixed name (a tier, an RFM group, the user's),
    else the first of its `options` no earlier segment or fixed name has (the last one with its number when
    all are taken)."""
    taken = {name_key(name) for name in fixed_names.values()}
    names: dict[int, str] = {}
    claims: dict[int, tuple[dict[str, Any], ...]] = {}
    for segment in ids:
        if segment in fixed_names:
            names[segment], claims[segment] = fixed_names[segment], ()
            continue
        choices = options[segment]
        name, said = next(((n, c) for n, c in choices if name_key(n) not in taken), choices[-1])
        if name_key(name) in taken:
            name = f"{name} (segment {segment})"
        names[segment], claims[segment] = name, said
        taken.add(name_key(name))
    return names, claims


def renamed_profiles(profiles: list[SegmentProfile], fixed_names: dict[int, str]) -> list[SegmentProfile]:
    """Return `profiles` named with `fixed_names` put in (see `choose_names`); nothing is described again."""
    ids = [p.id for p in profiles]
    names, claims = choose_names(ids, {p.id: p.name_options for p in profiles}, fixed_names)
    shorts = short_names(names)
    return [
        replace(p, name=names[p.id], short_name=shorts[p.id], profile={**p.profile, "claims": list(claims[p.id])})
        for p in profiles
    ]
