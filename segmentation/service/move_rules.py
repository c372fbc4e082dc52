"""The move-up and move-down rules as data: a default table that a user can override in the settings JSON.

Without a column saying how accounts are served today, the move lists flag the plan's borderline
accounts. Each rule names the models it looks at, the conditions that must all hold (on the named
figures below), the reason an account it flags is given, and how the plan's rules list describes
it. `ServiceSettings.move_rules` holds the table; `DEFAULT_MOVE_RULES` is the default.
"""

from __future__ import annotations

import re
import string
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from segmentation.validation import check_values

ServiceModel = Literal["high-touch", "medium-touch", "tech-touch"]
"""A service model's name, most personal first (`settings.SERVICE_MODELS`; settings imports this module)."""
_MODELS = get_args(ServiceModel)

ACCOUNT_FIGURES: dict[str, str] = {
    "revenue": "the account's revenue today (below 0 counts as 0)",
    "short_term_potential": "its 12-month expansion potential",
    "long_term_potential": "its long-term potential",
    "potential": "its potential on the plan's basis (the figure its potential tier is read from)",
    "potential_total": "long-term potential; revenue plus 12-month expansion with the short-term basis; "
    "blended potential with the blend basis",
    "potential_multiple": "potential_total divided by revenue",
    "next_year_revenue": "revenue plus 12-month expansion potential (the revenue expected in 12 months)",
    "arr_tier": "its revenue tier: high, mid or low",
    "potential_tier": "its potential tier: high, mid or low",
}
"""Figures per account a rule can test and its reason can show."""

PLAN_FIGURES: dict[str, str] = {
    "arr_high": "the top revenue tier's threshold",
    "arr_low": "the lower revenue tier's threshold",
    "potential_high": "the high potential tier's threshold",
    "potential_low": "the low potential tier's threshold",
    "long_term_top": "the top tier of long-term potential",
    "short_term_top": "the top tier of 12-month expansion potential",
    "high_touch_median_revenue": "the median revenue of the high-touch accounts",
    "cost_share_revenue_floor": "next year's revenue below which high-touch costs more than max_cost_share of it",
    "move_up_multiple": "the setting move_up_multiple",
    "max_cost_share": "the setting max_cost_share",
    "cost_high": "the yearly cost to serve one high-touch account",
    "cost_medium": "the yearly cost to serve one medium-touch account",
    "cost_tech": "the yearly cost to serve one tech-touch account",
    "potential_basis": "the plan's potential basis: long_term, short_term or blend",
}
"""Figures of the whole plan, the same for every account."""

WORDS: dict[str, str] = {
    "unit": "the file's revenue unit (ARR, revenue …)",
    "basis_words": "the potential basis in words (long-term potential …)",
    "potential_total_words": "potential_total in words",
}
"""Words a reason, a rule's description or a note can show (never tested)."""

NOTE_COUNTS: dict[str, str] = {
    "flagged": "accounts the rule flags",
    "accounts": "accounts on the models the rule looks at",
}
"""Counts only a rule's note can show."""

WORD_VALUES: dict[str, tuple[str, ...]] = {
    "arr_tier": ("high", "mid", "low"),
    "potential_tier": ("high", "mid", "low"),
    "potential_basis": ("long_term", "short_term", "blend"),
}
"""Figures that hold words: a condition compares them with one of these, by == or !=."""

NAME_LIMIT = 80
"""Longest rule name, in characters."""
SPEC_LIMIT = 30
"""Widest width or precision a figure's format may ask for: a format like ``{revenue:>999999999}`` in a shared
settings file would otherwise build a gigabyte of text for every account."""


class RuleCondition(BaseModel):
    """One test: `figure` `op` `than` (× `times`), e.g. potential_total >= move_up_multiple × revenue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    figure: str
    """A figure's name (`ACCOUNT_FIGURES` or `PLAN_FIGURES`)."""
    op: Literal[">=", ">", "<=", "<", "==", "!="]
    than: float | str
    """A number, a figure's name, or (for arr_tier, potential_tier, potential_basis) one of its words."""
    times: float | str | None = None
    """A number or a figure's name that `than` is multiplied by (None = 1)."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    def problem(self) -> str | None:
        """What is wrong with this test in words, or None when it can be evaluated."""
        known = {**ACCOUNT_FIGURES, **PLAN_FIGURES}
        if self.figure not in known:
            return f"tests '{self.figure}', which is no figure; use one of {', '.join(known)}"
        if self.figure in WORD_VALUES:
            words = WORD_VALUES[self.figure]
            if self.op not in {"==", "!="} or self.than not in words or self.times is not None:
                return f"compares {self.figure} with '{self.than}'; use == or != with one of {', '.join(words)}"
            return None
        for side in (self.than, self.times):
            if isinstance(side, str) and (side not in known or side in WORD_VALUES):
                numbers = [name for name in known if name not in WORD_VALUES]
                return f"compares {self.figure} with '{side}', which is no number; use one of {', '.join(numbers)}"
        return None


class MoveRule(BaseModel):
    """One row of the move-rule table: which accounts it flags, and the words it flags them with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_LIMIT)
    """A short name that error messages and the summary use."""
    direction: Literal["up", "down"]
    """Up: suggest the next more personal model; down: the next lighter one."""
    models: tuple[ServiceModel, ...] = Field(min_length=1)
    """The plan models of the accounts this rule looks at."""
    when: tuple[RuleCondition, ...] = ()
    """Every test must hold for an account to be flagged (a down rule never flags an account moving up)."""
    reason: str = Field(min_length=1)
    """The flagged account's part of its move reason; {figure} shows the account's own value (money
    by default, or a format such as {potential_multiple:.1f}), plan figures and words as they are."""
    words: str = ""
    """How the plan's rules list describes this rule (plan figures and words only); "" when the rule
    before it already says it."""
    note: str = ""
    """A note shown when the rule flags more than half of the (at least four) accounts it looks at;
    it may show {flagged} and {accounts}. "" = none."""

    _check_values = field_validator("*", mode="before")(check_values)
    """Refuse flags for numbers, NaN/infinity and text over the limits (`segmentation.validation`)."""

    @model_validator(mode="after")
    def _check_rule(self) -> MoveRule:
        """Refuse a rule that moves off the end of the models, tests an unknown figure or shows an unknown one."""
        edge = {"up": _MODELS[0], "down": _MODELS[-1]}[self.direction]
        if edge in self.models:
            raise ValueError(
                f"move rule '{self.name}' moves {edge} accounts {self.direction}, but there is no model "
                f"{'more personal' if self.direction == 'up' else 'lighter'}; take {edge} out of its models"
            )
        for condition in self.when:
            problem = condition.problem()
            if problem:
                raise ValueError(f"move rule '{self.name}' {problem}")
        shown = {**ACCOUNT_FIGURES, **PLAN_FIGURES, **WORDS}
        plan_only = {**PLAN_FIGURES, **WORDS}
        for field, allowed in (
            ("reason", shown),
            ("words", plan_only),
            ("note", {**plan_only, **NOTE_COUNTS}),
        ):
            problem = template_problem(getattr(self, field), allowed)
            if problem:
                raise ValueError(f"move rule '{self.name}': its {field} {problem}")
        return self


def template_fields(template: str) -> list[tuple[str, str | None, str]]:
    """Split a rule's text into (literal, figure or None, format) pieces, in order."""
    return [(literal, name, spec or "") for literal, name, spec, _conversion in string.Formatter().parse(template)]


def template_problem(template: str, allowed: dict[str, str]) -> str | None:
    """What is wrong with a rule's text in words (an unknown {figure}, a bad format), or None."""
    try:
        pieces = string.Formatter().parse(template)
        for _literal, name, spec, conversion in pieces:
            if name is None:
                continue
            if name not in allowed or conversion:
                return f"shows {{{name}}}, which it cannot; use one of {', '.join('{' + a + '}' for a in allowed)}"
            if spec and max((int(n) for n in re.findall(r"\d+", spec)), default=0) > SPEC_LIMIT:
                return f"formats {{{name}}} wider or more precise than {SPEC_LIMIT}; use a shorter format"
            if spec:
                format(1.0 if name not in NOTE_COUNTS else 1, spec)
    except ValueError as exc:
        return f"cannot be read ({exc}); write {{figure}} or {{figure:format}} and double any other brace"
    return None


DEFAULT_MOVE_RULES: tuple[MoveRule, ...] = (
    MoveRule(
        name="long_term_top",
        direction="up",
        models=("medium-touch", "tech-touch"),
        when=(
            RuleCondition(figure="long_term_potential", op=">", than=0.0),
            RuleCondition(figure="long_term_potential", op=">=", than="long_term_top"),
        ),
        reason="long-term potential {long_term_potential} is in the top tier (≥ {long_term_top})",
        words="whose long-term potential is in the top tier ({long_term_top} or more)",
    ),
    MoveRule(
        name="short_term_top",
        direction="up",
        models=("medium-touch", "tech-touch"),
        when=(
            RuleCondition(figure="short_term_potential", op=">", than=0.0),
            RuleCondition(figure="short_term_potential", op=">=", than="short_term_top"),
        ),
        reason="12-month expansion potential {short_term_potential} is in the top tier (≥ {short_term_top})",
        words="whose 12-month expansion potential is in the top tier ({short_term_top} or more)",
    ),
    MoveRule(
        name="blend_top",
        direction="up",
        models=("medium-touch", "tech-touch"),
        when=(
            RuleCondition(figure="potential_basis", op="==", than="blend"),
            RuleCondition(figure="potential_tier", op="==", than="high"),
        ),
        reason="blended potential {potential} is in the top tier (≥ {potential_high})",
        words="whose blended potential is in the top tier ({potential_high} or more)",
    ),
    MoveRule(
        name="potential_multiple",
        direction="up",
        models=("medium-touch", "tech-touch"),
        when=(
            RuleCondition(figure="revenue", op=">", than=0.0),
            RuleCondition(figure="revenue", op=">=", than="arr_low"),
            RuleCondition(figure="potential_total", op=">=", than="revenue", times="move_up_multiple"),
        ),
        reason="potential {potential_total} is {potential_multiple:.1f}× its {unit} {revenue}",
        words="whose {potential_total_words} is at least {move_up_multiple:g}× its {unit} with {unit} of at "
        "least {arr_low}",
    ),
    MoveRule(
        name="low_potential_below_median",
        direction="down",
        models=("high-touch",),
        when=(
            RuleCondition(figure="potential_tier", op="==", than="low"),
            RuleCondition(figure="revenue", op="<", than="high_touch_median_revenue"),
        ),
        reason="low {basis_words} {potential} and {unit} {revenue} below the high-touch median "
        "{high_touch_median_revenue}",
        words="with low {basis_words} whose {unit} is below the top tier or below the high-touch median "
        "({high_touch_median_revenue})",
    ),
    MoveRule(
        name="low_potential_below_top_tier",
        direction="down",
        models=("high-touch",),
        when=(
            RuleCondition(figure="potential_tier", op="==", than="low"),
            RuleCondition(figure="arr_tier", op="!=", than="high"),
            RuleCondition(figure="revenue", op=">=", than="high_touch_median_revenue"),
        ),
        reason="low {basis_words} {potential} and {unit} {revenue} below the top tier ({arr_high})",
    ),
    MoveRule(
        name="cost_share",
        direction="down",
        models=("high-touch",),
        when=(RuleCondition(figure="cost_high", op=">", than="next_year_revenue", times="max_cost_share"),),
        reason="high-touch costs {cost_high} a year, more than {max_cost_share:.0%} of the {unit} expected in "
        "12 months ({next_year_revenue})",
        words="whose cost to serve ({cost_high} a year) is more than {max_cost_share:.0%} of the {unit} it should "
        "bring in the next 12 months (today's plus its 12-month expansion potential: below "
        "{cost_share_revenue_floor})",
        note="High-touch costs more than {max_cost_share:.0%} of next year's {unit} for {flagged:,} of the "
        "{accounts:,} high-touch accounts, so most of them are on the move-down list: the cost to serve "
        "({cost_high} a year) may not fit this business; set your own costs or a higher share.",
    ),
    MoveRule(
        name="small_medium",
        direction="down",
        models=("medium-touch",),
        when=(
            RuleCondition(figure="arr_tier", op="==", than="low"),
            RuleCondition(figure="potential_tier", op="==", than="low"),
        ),
        reason="lower-tier {unit} {revenue} and low {basis_words}",
        words="with lower-tier {unit} and low potential",
    ),
)
"""The studio's move rules: up for lighter-touch accounts with top-tier potential or potential many
times their revenue; down for high-touch accounts with low potential and modest revenue or a cost to
serve that eats too much of next year's revenue, and for small medium-touch accounts with low potential.
The two "low potential" down rules are the two halves of one test, so the second is not described again."""
