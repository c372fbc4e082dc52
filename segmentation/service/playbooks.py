"""Suggested actions per segment from what sets it apart: the rules are data, the prose comes from them.

Each rule reads one trait of the segment against the whole base (median feature adoption, seat use,
usage trend, NPS, the share of accounts at risk) and, when it holds, names the trait and the action.
Consumer-like businesses get consumer actions: never a quarterly business review or an executive
sponsor. The user's own playbook text (settings) is kept beside these and replaces the model default.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import pandas as pd

from segmentation.service.columns import find_potential_columns, normalise

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable

_Trait: TypeAlias = tuple[np.ndarray, Callable[[float, float], bool], Callable[[float, float], str]]
"""Values per account, the test of a segment's median against the base median, the evidence in words."""

CONSUMER_PLAYBOOKS: dict[str, str] = {
    "high-touch": (
        "A named service desk or concierge line for the most valuable customers; priority handling; "
        "personal thank-you and early access offers. Message: you are one of our best customers."
    ),
    "medium-touch": (
        "Loyalty programme tiers; targeted offers by purchase history; proactive service messages. "
        "Message: more of what you already like."
    ),
    "tech-touch": (
        "Automated lifecycle emails and app messages; recommendations; win-back campaigns after a lapse; "
        "self-serve help. Message: easy to come back, easy to get help."
    ),
}
"""Default playbooks for a consumer-like business (no QBRs, no executive sponsors)."""


@dataclass(frozen=True)
class TraitRule:
    """One trait → action rule: the trait's name, how it is read, and the action in both worlds."""

    trait: str
    action_b2b: str
    action_consumer: str


RULES: tuple[TraitRule, ...] = (
    TraitRule(
        "low adoption",
        "onboarding sessions and in-app guidance on the features they do not use",
        "onboarding emails and in-app tips on what they have not tried",
    ),
    TraitRule(
        "seats near full",
        "an expansion conversation: more seats or the next plan before they hit the limit",
        "an upgrade offer before they hit their plan's limit",
    ),
    TraitRule(
        "falling usage",
        "a save play: find out what changed, re-train users, agree a recovery plan",
        "a win-back sequence: reminder, incentive, then a short survey",
    ),
    TraitRule(
        "low NPS",
        "executive outreach: a senior leader calls to hear the complaints and commits to fixes",
        "a service-recovery message and a follow-up on their survey answers",
    ),
    TraitRule(
        "many at risk",
        "a save play first: review each at-risk account before any expansion push",
        "an automated win-back campaign for the lapsed customers",
    ),
)
_RULE = {rule.trait: rule for rule in RULES}


def _column(table: CustomerTable, pattern: str, exclude: str | None = None) -> str | None:
    frame = table.customers
    for column, role in table.roles.items():
        if column not in frame.columns or role.role not in ("numeric", "constant"):
            continue
        name = normalise(column)
        if re.search(pattern, name) and not (exclude and re.search(exclude, name)):
            return column
    return None


def _numbers(frame: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _median(values: np.ndarray) -> float | None:
    known = values[np.isfinite(values)]
    return float(np.median(known)) if len(known) else None


def segment_actions(
    table: CustomerTable,
    labels: np.ndarray,
    at_risk: np.ndarray,
    *,
    consumer_like: bool,
    near_full: float = 0.85,
) -> dict[str, list[str]]:
    """Return segment id (text) → suggested actions, each naming the trait that calls for it."""
    traits = _trait_values(table, near_full)
    actions: dict[str, list[str]] = {}
    overall_risk = float(at_risk.mean()) if len(at_risk) else 0.0
    for segment in sorted(int(x) for x in np.unique(labels)):
        mask = labels == segment
        found: list[tuple[str, str]] = []
        for trait, (values, holds, words) in traits.items():
            own = _median(values[mask])
            base = _median(values)
            if own is not None and base is not None and holds(own, base):
                found.append((trait, words(own, base)))
        share = float(at_risk[mask].mean()) if mask.any() else 0.0
        if share >= 0.2 and share >= 1.5 * overall_risk:
            found.append(
                ("many at risk", f"{share:.0%} of its accounts are at risk against {overall_risk:.0%} overall")
            )
        actions[str(segment)] = [
            f"{trait[0].upper()}{trait[1:]} ({evidence}) → "
            f"{_RULE[trait].action_consumer if consumer_like else _RULE[trait].action_b2b}."
            for trait, evidence in found
        ]
    return actions


def _trait_values(table: CustomerTable, near_full: float) -> dict[str, _Trait]:
    """Trait → (values per account, test of segment median against the base median, evidence words)."""
    frame = table.customers
    out: dict[str, _Trait] = {}
    adoption = _numbers(frame, _column(table, r"(adoption|feature_use)"))
    if adoption is not None:
        scale = 100.0 if np.nanmax(adoption, initial=0.0) > 1.5 else 1.0
        out["low adoption"] = (
            adoption / scale,
            lambda own, base: own < 0.75 * base or own < 0.2,
            lambda own, base: f"median {own:.0%} of features used against {base:.0%} overall",
        )
    columns = find_potential_columns(table)
    if columns.seats_bought and (columns.seats_used or columns.seat_utilisation):
        bought = _numbers(frame, columns.seats_bought)
        if columns.seats_used and bought is not None:
            used = _numbers(frame, columns.seats_used)
            with np.errstate(divide="ignore", invalid="ignore"):
                use = np.where(bought > 0, used / bought, np.nan) if used is not None else None
        else:
            use = _numbers(frame, columns.seat_utilisation)
            if use is not None and np.nanmax(np.abs(use), initial=0.0) > 3:
                use = use / 100.0
        if use is not None:
            out["seats near full"] = (
                use,
                lambda own, _base: own >= near_full,
                lambda own, _base: f"median {own:.0%} of seats in use",
            )
    trend = _numbers(frame, _column(table, r"(usage|login|active|engagement|activity).*(trend|change|growth|delta)"))
    if trend is not None:
        scale = 100.0 if np.nanmax(np.abs(trend), initial=0.0) > 3 else 1.0
        out["falling usage"] = (
            trend / scale,
            lambda own, _base: own <= -0.1,
            lambda own, _base: f"median usage change {own:+.0%}",
        )
    nps = _numbers(frame, _column(table, r"(^|_)nps"))
    if nps is not None and np.nanmax(nps, initial=0.0) <= 10:
        out["low NPS"] = (
            nps,
            lambda own, base: own <= 6 and own < base,
            lambda own, base: f"median NPS answer {own:.0f} of 10 against {base:.0f} overall",
        )
    return out
