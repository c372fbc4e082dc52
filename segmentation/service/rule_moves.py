"""The move-rule table at work: the named figures per account, which rule flags whom, and the rules' words.

`ServiceSettings.move_rules` (see `move_rules.py`) says what the rules are; this module evaluates
them on one plan. Figures are made on first use, so a table that never reads a ratio never divides.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from segmentation.formatting import format_money
from segmentation.service.move_rules import NOTE_COUNTS, PLAN_FIGURES, WORD_VALUES, WORDS, template_fields
from segmentation.service.settings import SERVICE_MODELS, TIERS
from segmentation.service.text import concat, fill, format_each, money_each, words_at

if TYPE_CHECKING:
    from segmentation.service.move_rules import MoveRule, RuleCondition

_MIN_FOR_NOTE = 4
"""With fewer accounts than this on a rule's models, "most of them are flagged" is not worth a note."""
_OPS: dict[str, Callable[..., np.ndarray | bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_FIXED_DECIMALS = re.compile(r"\.(\d+)f")


@dataclass
class PotentialInputs:
    """The per-account figures the move rules read (aligned arrays, revenue clipped at 0)."""

    revenue: np.ndarray
    short: np.ndarray
    long: np.ndarray
    basis: np.ndarray
    model: np.ndarray
    """The plan's model per account as an index into SERVICE_MODELS."""
    arr_tier: np.ndarray
    """Revenue tier per account as an index into TIERS (0 high, 1 mid, 2 low)."""
    potential_tier: np.ndarray
    """Potential tier per account as an index into TIERS."""


class RuleFigures:
    """Every figure a move rule can name, for one plan: per-account arrays, plan numbers and words."""

    def __init__(
        self, inputs: PotentialInputs, plan: dict[str, float | str], words: dict[str, str], basis_name: str
    ) -> None:
        """`plan` holds `PLAN_FIGURES` by name, `words` holds `WORDS`; `basis_name` is the plan's potential basis."""
        self.inputs = inputs
        self.plan = plan
        self.words = words
        self._basis_name = basis_name
        self._made: dict[str, np.ndarray] = {}

    def account(self, name: str) -> np.ndarray:
        """One per-account figure by name (tiers as indices into TIERS), made once."""
        if name not in self._made:
            self._made[name] = self._make(name)
        return self._made[name]

    def _make(self, name: str) -> np.ndarray:
        inputs = self.inputs
        if name == "potential_total":
            return {"long_term": inputs.long, "short_term": inputs.revenue + inputs.short, "blend": inputs.basis}[
                self._basis_name
            ]
        if name == "potential_multiple":
            # revenue at or near 0 gives an infinite ratio, shown as "inf"
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return self.account("potential_total") / inputs.revenue
        if name == "next_year_revenue":
            return inputs.revenue + np.maximum(inputs.short, 0.0)
        direct = {
            "revenue": inputs.revenue,
            "short_term_potential": inputs.short,
            "long_term_potential": inputs.long,
            "potential": inputs.basis,
            "arr_tier": inputs.arr_tier,
            "potential_tier": inputs.potential_tier,
        }
        return direct[name]

    def value(self, name: str) -> np.ndarray | float | str:
        """A figure by name: the plan's value, or the per-account array."""
        return self.plan[name] if name in PLAN_FIGURES else self.account(name)

    def holds(self, condition: RuleCondition) -> np.ndarray | bool:
        """Whether `condition` holds: per account, or one bool when it only reads plan figures."""
        left = self.value(condition.figure)
        if condition.figure in WORD_VALUES:
            right: np.ndarray | float | str = (
                TIERS.index(str(condition.than)) if condition.figure != "potential_basis" else str(condition.than)
            )
        else:
            right = self.value(condition.than) if isinstance(condition.than, str) else condition.than
            if condition.times is not None:
                times = self.value(condition.times) if isinstance(condition.times, str) else condition.times
                right = times * right  # type: ignore[operator]
        return _OPS[condition.op](left, right)


def rule_mask(rule: MoveRule, figures: RuleFigures) -> tuple[np.ndarray, bool]:
    """Return who the rule flags (before a down rule gives way to a move up), and whether it can flag anyone.

    A rule whose test on plan figures alone fails (e.g. potential_basis == blend on another basis) is
    inactive: it flags no one and the rules list does not describe it.
    """
    mask = on_models(rule, figures.inputs.model)
    active = True
    for condition in rule.when:
        holds = figures.holds(condition)
        if isinstance(holds, bool | np.bool_):
            active = active and bool(holds)
        mask = mask & holds
    return mask, active


def on_models(rule: MoveRule, model: np.ndarray) -> np.ndarray:
    """True per account whose plan model is one the rule looks at."""
    return np.isin(model, [SERVICE_MODELS.index(name) for name in rule.models])


def render_reason(template: str, figures: RuleFigures, rows: np.ndarray, hit: np.ndarray) -> pa.Array:
    """The rule's reason for the accounts `rows[hit]`, "" for the other `rows` (one str per row of `rows`)."""
    picked = rows[hit]
    pieces: list[str | pa.Array] = []
    for literal, name, spec in template_fields(template):
        pieces.append(literal)
        if name is None:
            continue
        if name in WORDS:
            pieces.append(figures.words[name])
        elif name in PLAN_FIGURES:
            pieces.append(_shown(figures.plan[name], spec))
        else:
            pieces.append(_shown_each(name, figures.account(name)[picked], spec))
    if all(isinstance(piece, str) for piece in pieces):
        return fill(len(rows), hit, "".join(str(piece) for piece in pieces))
    return fill(len(rows), hit, concat(*pieces))


def render_words(template: str, figures: RuleFigures, counts: dict[str, int] | None = None) -> str:
    """A rule's description or note with the plan's figures (and, for a note, its `counts`) filled in."""
    out = []
    for literal, name, spec in template_fields(template):
        out.append(literal)
        if name is None:
            continue
        if name in WORDS:
            out.append(figures.words[name])
        elif name in NOTE_COUNTS and counts is not None:
            out.append(format(counts[name], spec))
        else:
            out.append(_shown(figures.plan[name], spec))
    return "".join(out)


def _shown(value: float | str, spec: str) -> str:
    """A plan figure in words: amounts as money unless a format is given; words as they are."""
    if isinstance(value, str):
        return value
    return format(value, spec) if spec else format_money(value)


def _shown_each(name: str, values: np.ndarray, spec: str) -> pa.Array:
    """A per-account figure in words for each value: tiers as words, amounts as money unless formatted."""
    if name in WORD_VALUES:
        return words_at(TIERS, values)
    if not spec:
        return money_each(values)
    decimals = _FIXED_DECIMALS.fullmatch(spec)
    key = np.round(values, int(decimals.group(1))) if decimals else None
    return format_each(values, lambda v: format(v, spec), key=key)


def rule_note(rule: MoveRule, figures: RuleFigures, flagged: int) -> str | None:
    """The rule's note when it flags more than half of the (at least four) accounts it looks at, else None."""
    accounts = int(on_models(rule, figures.inputs.model).sum())
    if not rule.note or accounts < _MIN_FOR_NOTE or flagged <= accounts / 2:
        return None
    return render_words(rule.note, figures, {"flagged": flagged, "accounts": accounts})


def direction_words(direction: str, rules: Sequence[MoveRule], figures: RuleFigures, active: Sequence[bool]) -> str:
    """The rules of one direction in one sentence, e.g. "Move down: a high-touch account with …; or …".

    Consecutive rules on the same models share "a <models> account"; a rule with no words is said by
    the rule before it. When no account is on the first models and other models follow, the sentence
    says so and describes only the others ("no account is high-touch, so only …").
    """
    groups: list[tuple[tuple[str, ...], list[str]]] = []
    for rule, is_active in zip(rules, active, strict=True):
        if not is_active:
            continue
        if not groups or groups[-1][0] != rule.models:
            groups.append((rule.models, []))
        if rule.words:
            groups[-1][1].append(render_words(rule.words, figures))
    groups = [(models, clauses) for models, clauses in groups if clauses]
    lighter = "lighter" if direction == "down" else "more personal"
    title = f"Move {direction}:"
    if not groups:
        return f"{title} no rule suggests a model {lighter} for any account."
    said = [f"a {_models_words(models)} account {_joined(direction, clauses)}" for models, clauses in groups]
    first_models = groups[0][0]
    if len(groups) > 1 and not on_any(first_models, figures.inputs.model):
        return (
            f"{title} no account is {_models_words(first_models)}, so only {'; or '.join(said[1:])} is suggested "
            f"one model {lighter}."
        )
    return f"{title} {'; or '.join(said)}. Each is suggested one model {lighter}."


def on_any(models: Sequence[str], model: np.ndarray) -> bool:
    """Whether any account's plan model is one of `models`."""
    return bool(np.isin(model, [SERVICE_MODELS.index(name) for name in models]).any())


def _joined(direction: str, clauses: list[str]) -> str:
    """Up: "A, B, or C"; down: "A; or B" (its clauses carry their own commas and brackets)."""
    if direction == "down" or len(clauses) == 1:
        return "; or ".join(clauses)
    if len(clauses) == 2:
        return " or ".join(clauses)
    return ", ".join(clauses[:-1]) + ", or " + clauses[-1]


def _models_words(models: Sequence[str]) -> str:
    """ "high-touch"; "medium- or tech-touch"; "high-, medium- or tech-touch"."""
    if len(models) == 1:
        return models[0]
    *first, last = models
    return ", ".join(name.removesuffix("touch") for name in first) + " or " + last
