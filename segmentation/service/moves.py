"""The move-up and move-down lists: accounts served more lightly, or more personally, than they earn.

With a column saying how each account is served today, a move is simply where the plan differs from
today. Without one, the plan itself assigned every model, so the lists flag the accounts the grid
treats as borderline: lighter-touch accounts with top-tier potential or potential many times their
revenue (move up), and high-touch accounts with low potential and modest revenue, or whose cost to
serve eats too much of their revenue (move down).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.service.rule_moves import (
    PotentialInputs,
    RuleFigures,
    direction_words,
    render_reason,
    rule_mask,
    rule_note,
)
from segmentation.service.settings import SERVICE_MODELS
from segmentation.service.text import (
    LazyText,
    TextPart,
    Write,
    blank,
    concat,
    format_each,
    format_rows,
    join_nonempty,
    money_each,
    put,
    text,
    words_at,
)

if TYPE_CHECKING:
    from segmentation.service.current import CurrentModels
    from segmentation.service.move_rules import MoveRule
    from segmentation.service.settings import ServiceSettings
    from segmentation.service.tiers import TierThresholds

HIGH, MEDIUM, TECH = SERVICE_MODELS
_RANK = {HIGH: 0, MEDIUM: 1, TECH: 2}
_TOP_SHARE = 0.85
"""Top tier of a potential measure that is not the plan's basis: its top 15%."""
_BASIS_WORDS = {
    "long_term": "long-term potential",
    "short_term": "12-month expansion potential",
    "blend": "blended potential",
}

_TOTAL_WORDS = {
    "long_term": "long-term potential",
    "short_term": "{unit} plus 12-month expansion potential",
    "blend": "blended potential",
}


@dataclass(frozen=True)
class MoveThresholds:
    """The plan-level figures the move rules compare accounts with (without a current-model column)."""

    long_term_top: float
    """Long-term potential from which an account is in the top tier (the potential threshold on that basis)."""
    short_term_top: float
    """12-month expansion potential from which an account is in the top tier."""
    move_up_multiple: float
    """How many times its revenue an account's potential must be to move up on that ground alone."""
    move_up_revenue_floor: float
    """The least revenue an account needs for the multiple to count (the lower tier's threshold)."""
    high_touch_median_revenue: float
    """The median revenue of the plan's high-touch accounts (0 when there are none)."""
    max_cost_share: float
    """The most of next year's revenue high-touch's cost to serve may be before the account moves down."""
    cost_share_revenue_floor: float
    """Next year's revenue below which high-touch costs more than `max_cost_share` of it."""

    def to_dict(self) -> dict[str, float]:
        """Return the figures by name, as written to summary.json."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class DirectionFigures:
    """One move list's totals."""

    customers: int
    """Accounts on the list."""
    revenue: float
    """Their revenue today (clipped at 0), in the file's revenue unit."""
    upside: float
    """Their extra revenue within reach (see `Moves.upside`)."""
    cost_change: float
    """Yearly cost to serve after the moves less before (negative = a saving)."""

    def to_dict(self) -> dict[str, float]:
        """Return the totals by name, as written to summary.json."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class MoveSummary:
    """What the move lists are based on, the figures their rules used, and each list's totals."""

    based_on: str
    """ "current_model_column" (moves compare today's model with the plan) or "plan_rules"."""
    thresholds: MoveThresholds | None
    """The figures the plan's move rules used (None when today's model decides the moves)."""
    up: DirectionFigures
    """The move-up list: accounts served more lightly than they earn."""
    down: DirectionFigures
    """The move-down list: accounts served more personally than they earn."""
    save: DirectionFigures
    """The save list: accounts at risk, which keep their model and get a save play."""

    def to_dict(self) -> dict[str, Any]:
        """Return based_on, thresholds ({} without rules) and the three lists' totals, as in summary.json."""
        return {
            "based_on": self.based_on,
            "thresholds": {} if self.thresholds is None else self.thresholds.to_dict(),
            "up": self.up.to_dict(),
            "down": self.down.to_dict(),
            "save": self.save.to_dict(),
        }


@dataclass
class Moves:
    """Per-account move flags with the reason and what is at stake, plus the rules in words."""

    move: np.ndarray
    """ "up", "down" or "" per account."""
    move_from: TextPart
    """The model the move starts from: today's model (with a current-model column) or the plan's ("" if none)."""
    move_to: TextPart
    """The model suggested instead ("" when there is no move)."""
    reason: LazyText
    """Why the account is on a list, in words ("" when it is not), written for the rows read."""
    upside: np.ndarray
    """Extra revenue within reach: long-term potential less revenue, at least the 12-month potential, ≥ 0."""
    cost_change: np.ndarray
    """Yearly cost to serve after the move less before (negative = a saving; 0 when no move)."""
    current_model: TextPart
    """Today's model per account ("" when unknown or when there is no current-model column)."""
    based_on: str
    """ "current_model_column" or "plan_rules"."""
    rules: list[str] = field(default_factory=list)
    thresholds: MoveThresholds | None = None
    """The figures the plan's move rules used (None when today's model decides the moves)."""
    notes: list[str] = field(default_factory=list)

    def summary(self, revenue: np.ndarray) -> MoveSummary:
        """Return the lists' totals per direction, with what they are based on."""

        def totals(direction: str) -> DirectionFigures:
            mask = self.move == direction
            return DirectionFigures(
                customers=int(mask.sum()),
                revenue=float(revenue[mask].sum()),
                upside=float(self.upside[mask].sum()),
                cost_change=float(self.cost_change[mask].sum()),
            )

        return MoveSummary(
            based_on=self.based_on,
            thresholds=self.thresholds,
            up=totals("up"),
            down=totals("down"),
            save=totals("save"),
        )


def _costs(settings: ServiceSettings) -> dict[str, float]:
    return {HIGH: settings.cost_high, MEDIUM: settings.cost_medium, TECH: settings.cost_tech, "": 0.0}


def _cost_each(models: np.ndarray, costs: dict[str, float]) -> np.ndarray:
    out = np.zeros(len(models), dtype=float)
    for model, cost in costs.items():
        if model:
            out[models == model] = cost
    return out


def _upside(inputs: PotentialInputs) -> np.ndarray:
    return np.maximum(np.maximum(inputs.long - inputs.revenue, inputs.short), 0.0)


def flag_moves(
    inputs: PotentialInputs,
    settings: ServiceSettings,
    thresholds: TierThresholds,
    unit: str,
    current: CurrentModels | None,
) -> Moves:
    """Return the move flags: against today's model when `current` is given, else by the plan's rules."""
    if current is not None:
        return _moves_against_current(inputs, settings, unit, current)
    return _moves_by_rules(inputs, settings, thresholds, unit)


def _moves_against_current(
    inputs: PotentialInputs, settings: ServiceSettings, unit: str, current: CurrentModels
) -> Moves:
    n = len(inputs.model)
    costs = _costs(settings)
    today = current.models
    known = today != ""
    # 0 = most personal; unknown current models are masked out by `known`.
    rank_today = np.select([today == HIGH, today == MEDIUM], [_RANK[HIGH], _RANK[MEDIUM]], default=_RANK[TECH])
    plan_model = np.asarray(SERVICE_MODELS, dtype=object)[inputs.model]
    rank_plan = np.select([plan_model == HIGH, plan_model == MEDIUM], [_RANK[HIGH], _RANK[MEDIUM]], default=_RANK[TECH])
    move = np.full(n, "", dtype=object)
    move[known & (rank_plan < rank_today)] = "up"
    move[known & (rank_plan > rank_today)] = "down"
    upside = _upside(inputs)
    moving = move != ""
    cost_change = np.where(moving, _cost_each(plan_model, costs) - _cost_each(today, costs), 0.0)
    reason = LazyText.empty(n)
    for direction in ("up", "down"):
        write = _against_today(
            direction, inputs, current, plan_model=plan_model, upside=upside, cost_change=cost_change, unit=unit
        )
        reason = reason.put(move == direction, write)
    rules = [
        f"Move up and move down compare today's model (from '{current.column}') with the plan: move up where "
        "the plan is more personal than today, move down where it is lighter. Accounts whose current model is "
        "unknown are on neither list."
    ]
    return Moves(
        move=move,
        move_from=np.where(moving, today, ""),
        move_to=np.where(moving, plan_model, ""),
        reason=reason,
        upside=upside,
        cost_change=cost_change,
        current_model=today,
        based_on="current_model_column",
        rules=rules,
    )


def _against_today(
    direction: str,
    inputs: PotentialInputs,
    current: CurrentModels,
    *,
    plan_model: np.ndarray,
    upside: np.ndarray,
    cost_change: np.ndarray,
    unit: str,
) -> Write:
    """The writer of a move's reason against today's model: what it is, what the plan says, what is at stake
    (the upside and the yearly cost change per account, as the moves hold them)."""

    def write(rows: np.ndarray) -> pa.Array:
        opening = format_rows(
            lambda was, text, now: f"served {was} today ('{text}'); the plan recommends {now}",
            current.models[rows],
            current.values[rows],
            plan_model[rows],
        )
        if direction == "up":
            return concat(opening, ": upside ", money_each(upside[rows]), f" in {unit}")
        return concat(
            opening,
            f": {unit} ",
            money_each(inputs.revenue[rows]),
            " to keep while saving ",
            money_each(-cost_change[rows]),
            " a year",
        )

    return write


def _top(values: np.ndarray, set_value: float | None) -> float:
    if set_value is not None:
        return float(set_value)
    return float(np.quantile(values, _TOP_SHARE)) if len(values) else 0.0


def _moves_by_rules(inputs: PotentialInputs, settings: ServiceSettings, thresholds: TierThresholds, unit: str) -> Moves:
    """Flag the plan's borderline accounts by the move-rule table (`settings.move_rules`), with reasons and words."""
    figures = _rule_figures(inputs, settings, thresholds, unit)
    rules = settings.move_rules
    masks, active = zip(*(rule_mask(rule, figures) for rule in rules), strict=True) if rules else ((), ())
    n = len(inputs.model)
    up = np.zeros(n, dtype=bool)
    for rule, mask in zip(rules, masks, strict=True):
        if rule.direction == "up":
            up |= mask
    # a down rule never flags an account that an up rule moves up
    masks = tuple(mask if rule.direction == "up" else mask & ~up for rule, mask in zip(rules, masks, strict=True))
    down = np.zeros(n, dtype=bool)
    for rule, mask in zip(rules, masks, strict=True):
        if rule.direction == "down":
            down |= mask
    move = np.full(n, "", dtype=object)
    move[up] = "up"
    move[down] = "down"
    # Codes into ["", *SERVICE_MODELS]: a move starts at the plan's model and ends one model more
    # personal (up) or lighter (down); the rules never look at a model with nowhere to go.
    from_code = np.where(up | down, inputs.model + 1, 0)
    to_code = np.where(up, inputs.model, np.where(down, inputs.model + 2, 0))
    cost_by_code = np.array([0.0, settings.cost_high, settings.cost_medium, settings.cost_tech])
    reason = LazyText.empty(n)
    for direction, on_list in (("up", up), ("down", down)):
        chosen = [(rule, mask) for rule, mask in zip(rules, masks, strict=True) if rule.direction == direction]
        reason = _rule_reasons(reason, on_list, chosen, figures, to_code, direction=direction)
    notes = [
        note
        for rule, mask in zip(rules, masks, strict=True)
        if (note := rule_note(rule, figures, int(mask.sum()))) is not None
    ]
    up_rules = [(rule, is_active) for rule, is_active in zip(rules, active, strict=True) if rule.direction == "up"]
    down_rules = [(rule, is_active) for rule, is_active in zip(rules, active, strict=True) if rule.direction == "down"]
    return Moves(
        move=move,
        move_from=words_at(_MOVE_MODELS, from_code),
        move_to=words_at(_MOVE_MODELS, to_code),
        reason=reason,
        upside=_upside(inputs),
        cost_change=np.where(up | down, cost_by_code[to_code] - cost_by_code[inputs.model + 1], 0.0),
        current_model=blank(n),
        based_on="plan_rules",
        rules=[
            "No column says how accounts are served today, so the move lists show the plan's borderline cases. "
            + direction_words("up", [r for r, _a in up_rules], figures, [a for _r, a in up_rules]),
            direction_words("down", [r for r, _a in down_rules], figures, [a for _r, a in down_rules]),
        ],
        thresholds=_move_thresholds(figures),
        notes=notes,
    )


_MOVE_MODELS = ["", *SERVICE_MODELS]
"""What a move's start and end codes stand for: 0 no move, then each model."""


def _rule_figures(
    inputs: PotentialInputs, settings: ServiceSettings, thresholds: TierThresholds, unit: str
) -> RuleFigures:
    """The figures the move rules can name for this plan: the tiers' and the rules' thresholds, costs and words."""
    basis_name = settings.potential_basis
    high = inputs.model == SERVICE_MODELS.index(HIGH)
    plan: dict[str, float | str] = {
        "arr_high": thresholds.arr_high,
        "arr_low": thresholds.arr_low,
        "potential_high": thresholds.potential_high,
        "potential_low": thresholds.potential_low,
        "long_term_top": thresholds.potential_high if basis_name == "long_term" else _top(inputs.long, None),
        "short_term_top": thresholds.potential_high if basis_name == "short_term" else _top(inputs.short, None),
        "high_touch_median_revenue": float(np.median(inputs.revenue[high])) if high.any() else 0.0,
        "cost_share_revenue_floor": settings.cost_high / settings.max_cost_share,
        "move_up_multiple": settings.move_up_multiple,
        "max_cost_share": settings.max_cost_share,
        "cost_high": settings.cost_high,
        "cost_medium": settings.cost_medium,
        "cost_tech": settings.cost_tech,
        "potential_basis": basis_name,
    }
    words = {
        "unit": unit,
        "basis_words": _BASIS_WORDS[basis_name],
        "potential_total_words": _TOTAL_WORDS[basis_name].format(unit=unit),
    }
    return RuleFigures(inputs, plan, words, basis_name)


def _move_thresholds(figures: RuleFigures) -> MoveThresholds:
    """The plan figures the default move rules read, as reported in summary.json."""
    plan = figures.plan
    return MoveThresholds(
        long_term_top=float(plan["long_term_top"]),
        short_term_top=float(plan["short_term_top"]),
        move_up_multiple=float(plan["move_up_multiple"]),
        move_up_revenue_floor=float(plan["arr_low"]),
        high_touch_median_revenue=float(plan["high_touch_median_revenue"]),
        max_cost_share=float(plan["max_cost_share"]),
        cost_share_revenue_floor=float(plan["cost_share_revenue_floor"]),
    )


def _rule_reasons(
    reason: LazyText,
    on_list: np.ndarray,
    chosen: list[tuple[MoveRule, np.ndarray]],
    figures: RuleFigures,
    to_code: np.ndarray,
    *,
    direction: str,
) -> LazyText:
    """The reason of every account on one list: "<model> by the plan, but <why> → consider <model>".

    <why> is each flagging rule's reason, in the table's order, joined with " and " (up) or "; " (down).
    """

    def write(rows: np.ndarray) -> pa.Array:
        parts = [render_reason(rule.reason, figures, rows, mask[rows]) for rule, mask in chosen]
        return concat(
            words_at(SERVICE_MODELS, figures.inputs.model[rows]),
            " by the plan, but ",
            join_nonempty(parts, len(rows), " and " if direction == "up" else "; "),
            " → consider ",
            words_at(_MOVE_MODELS, to_code[rows]),
        )

    return reason.put(on_list, write)


def current_vs_recommended(current: np.ndarray, recommended: np.ndarray) -> dict[str, dict[str, int]]:
    """Return today's model (rows, "not known" last if any) → recommended model → customers."""
    rows = [*SERVICE_MODELS, *(["not known"] if (current == "").any() else [])]
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        mask = current == ("" if row == "not known" else row)
        table[row] = {model: int((mask & (recommended == model)).sum()) for model in SERVICE_MODELS}
    return table


def apply_save_and_pins(
    moves: Moves,
    *,
    at_risk: np.ndarray,
    keep_out: np.ndarray,
    risk_score: np.ndarray,
    risk_drivers: pa.Array,
    plan_model: pa.Array,
) -> Moves:
    """At-risk accounts leave the move lists for the save list; pinned accounts are on no up/down list.

    A save keeps the account's model (today's when known, else the plan's) and names what puts it at risk.
    """
    n = len(moves.move)
    move = np.asarray(moves.move, dtype=object).copy()
    pinned_out = keep_out & ((move == "up") | (move == "down"))
    move[pinned_out] = ""
    dropped_up = at_risk & (move == "up")
    save = at_risk.copy()
    move[save] = "save"
    reason = moves.reason.put(pinned_out, "a pin keeps this account where it is")
    today = text(moves.current_model) if moves.based_on == "current_model_column" else None
    start = plan_model if today is None else pc.if_else(pc.equal(today, ""), plan_model, today)
    rows = np.flatnonzero(save)

    def save_words(read: np.ndarray) -> pa.Array:  # the rows read, among the `rows` saved
        score_words = format_each(risk_score[read], lambda v: f"{v:.0f}", key=np.round(risk_score[read]))
        return concat("at risk (score ", score_words, "): ", pc.take(risk_drivers, pa.array(read)), " → save play")

    reason = reason.put(save, save_words)
    move_from = (
        text(moves.move_from)
        if not isinstance(moves.move_from, str)
        else text(np.full(n, moves.move_from, dtype=object))
    )
    move_to = (
        text(moves.move_to) if not isinstance(moves.move_to, str) else text(np.full(n, moves.move_to, dtype=object))
    )
    if len(rows):
        kept_model = pc.take(start, pa.array(rows))
        move_from = put(move_from, save, kept_model)
        move_to = put(move_to, save, kept_model)
    move_from = put(move_from, pinned_out & ~save, "")
    move_to = put(move_to, pinned_out & ~save, "")
    cost_change = np.where(save | pinned_out, 0.0, moves.cost_change)
    notes = list(moves.notes)
    if dropped_up.any():
        notes.append(
            f"{int(dropped_up.sum()):,} accounts the move rules would move up are at risk, so they are on the "
            "save list instead: expansion waits until they are healthy."
        )
    if pinned_out.any():
        notes.append(f"Pins keep {int(pinned_out.sum()):,} accounts off the move-up and move-down lists.")
    return Moves(
        move=move,
        move_from=move_from,
        move_to=move_to,
        reason=reason,
        upside=moves.upside,
        cost_change=cost_change,
        current_model=moves.current_model,
        based_on=moves.based_on,
        rules=[
            *moves.rules,
            "Save: every account at risk, whatever its model, sorted by the revenue at risk; it keeps its model and "
            "gets a save play. It is never on the move-up list.",
        ],
        thresholds=moves.thresholds,
        notes=notes,
    )
