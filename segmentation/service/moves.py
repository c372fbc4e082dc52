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

from segmentation.service.settings import SERVICE_MODELS, TIERS
from segmentation.service.text import (
    TextPart,
    blank,
    concat,
    fill,
    format_each,
    format_rows,
    join_nonempty,
    money,
    money_each,
    put,
    text,
    words_at,
)

if TYPE_CHECKING:
    from segmentation.service.current import CurrentModels
    from segmentation.service.settings import ServiceSettings
    from segmentation.service.tiers import TierThresholds

HIGH, MEDIUM, TECH = SERVICE_MODELS
_RANK = {HIGH: 0, MEDIUM: 1, TECH: 2}
_MIN_FOR_COST_NOTE = 4
"""With fewer high-touch accounts than this, "most of them cost too much" is not worth a note."""
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
    reason: pa.Array
    """Why the account is on a list, in words ("" when it is not)."""
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


def _cost_of(masks: dict[str, np.ndarray], costs: dict[str, float]) -> np.ndarray:
    """`_cost_each` from one disjoint mask per model (rows in no mask cost 0)."""
    out = np.zeros(len(next(iter(masks.values()))), dtype=float)
    for model, mask in masks.items():
        out[mask] = costs[model]
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
    reason = blank(n)
    for direction in ("up", "down"):
        on_list = move == direction
        rows = np.flatnonzero(on_list)
        if not len(rows):
            continue
        opening = format_rows(
            lambda was, text, now: f"served {was} today ('{text}'); the plan recommends {now}",
            today[rows],
            current.values[rows],
            plan_model[rows],
        )
        if direction == "up":
            reason = put(reason, on_list, concat(opening, ": upside ", money_each(upside[rows]), f" in {unit}"))
        else:
            words = concat(
                opening,
                f": {unit} ",
                money_each(inputs.revenue[rows]),
                " to keep while saving ",
                money_each(-cost_change[rows]),
                " a year",
            )
            reason = put(reason, on_list, words)
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


def _top(values: np.ndarray, set_value: float | None) -> float:
    if set_value is not None:
        return float(set_value)
    return float(np.quantile(values, _TOP_SHARE)) if len(values) else 0.0


def _moves_by_rules(inputs: PotentialInputs, settings: ServiceSettings, thresholds: TierThresholds, unit: str) -> Moves:
    n = len(inputs.model)
    costs = _costs(settings)
    revenue, short, long, model = inputs.revenue, inputs.short, inputs.long, inputs.model
    basis_name = settings.potential_basis
    pot_high = thresholds.potential_high
    short_high = pot_high if basis_name == "short_term" else _top(short, None)
    long_high = pot_high if basis_name == "long_term" else _top(long, None)
    total = {"long_term": long, "short_term": revenue + short, "blend": inputs.basis}[basis_name]
    arr_floor = thresholds.arr_low
    multiple = settings.move_up_multiple

    # Each comparison of the million-row text arrays is done once and reused as a mask.
    high, medium, tech = (model == SERVICE_MODELS.index(m) for m in (HIGH, MEDIUM, TECH))
    lighter = medium | tech
    long_top = lighter & (long > 0) & (long >= long_high)
    short_top = lighter & (short > 0) & (short >= short_high)
    blend_top = lighter & (inputs.potential_tier == TIERS.index("high")) & (basis_name == "blend")
    many_times = lighter & (revenue > 0) & (revenue >= arr_floor) & (total >= multiple * revenue)
    up = long_top | short_top | blend_top | many_times

    median_high = float(np.median(revenue[high])) if high.any() else 0.0
    low_potential = inputs.potential_tier == TIERS.index("low")
    below_median = revenue < median_high
    modest = high & low_potential & ((inputs.arr_tier != TIERS.index("high")) | below_median) & ~up
    # Cost is weighed against next year's revenue (today's plus the 12-month expansion), so an account
    # about to grow into its high-touch cost is not flagged for the CSM time that makes it grow.
    next_year = revenue + np.maximum(short, 0.0)
    costly = high & (settings.cost_high > settings.max_cost_share * next_year) & ~up
    small_medium = medium & (inputs.arr_tier == TIERS.index("low")) & low_potential & ~up
    down = modest | costly | small_medium

    move = np.full(n, "", dtype=object)
    move[up] = "up"
    move[down] = "down"
    # Every account on a list is on one of the three models (up: medium or tech; down: high or medium),
    # so where the move starts and ends are codes into the models, spread to text in one pass each.
    models = ["", HIGH, MEDIUM, TECH]
    from_code = np.where(up | down, np.select([high, medium, tech], [1, 2, 3], 0), 0)
    move_from = words_at(models, from_code)
    to_medium = (up & tech) | (down & high)
    to_high = up & medium
    to_code = np.zeros(n, dtype=np.int64)
    to_code[to_medium] = 2
    to_code[to_high] = 1
    to_code[small_medium] = 3
    move_to = words_at(models, to_code)
    cost_to = _cost_of({HIGH: to_high, MEDIUM: to_medium, TECH: small_medium}, costs)
    cost_change = np.where(up | down, cost_to - _cost_of({HIGH: high, MEDIUM: medium, TECH: tech}, costs), 0.0)
    upside = _upside(inputs)

    reason = blank(n)
    basis_word = _BASIS_WORDS[basis_name]
    rows = np.flatnonzero(up)
    if len(rows):
        parts = [
            _phrase(long_top[rows], "long-term potential ", long[rows], f" is in the top tier (≥ {money(long_high)})"),
            _phrase(
                short_top[rows],
                "12-month expansion potential ",
                short[rows],
                f" is in the top tier (≥ {money(short_high)})",
            ),
            _phrase(
                blend_top[rows], "blended potential ", inputs.basis[rows], f" is in the top tier (≥ {money(pot_high)})"
            ),
            _multiple_phrase(many_times[rows], total[rows], revenue[rows], unit),
        ]
        up_words = concat(
            words_at(SERVICE_MODELS, model[rows]),
            " by the plan, but ",
            join_nonempty(parts, len(rows), " and "),
            " → consider ",
            words_at(models, to_code[rows]),
        )
        reason = put(reason, up, up_words)
    rows = np.flatnonzero(down)
    if len(rows):
        median_words = f" below the high-touch median {money(median_high)}"
        top_words = f" below the top tier ({money(thresholds.arr_high)})"
        where_words = np.where(below_median[rows], median_words, top_words).astype(object)
        modest_rows = modest[rows]
        picked = rows[modest_rows]
        modest_part = fill(
            len(rows),
            modest_rows,
            concat(
                f"low {basis_word} ",
                money_each(inputs.basis[picked]),
                f" and {unit} ",
                money_each(revenue[picked]),
                where_words[modest_rows],
            ),
        )
        parts = [
            modest_part,
            _phrase(
                costly[rows],
                f"high-touch costs {money(settings.cost_high)} a year, more than {settings.max_cost_share:.0%} of "
                f"the {unit} expected in 12 months (",
                next_year[rows],
                ")",
            ),
            _phrase(small_medium[rows], f"lower-tier {unit} ", revenue[rows], f" and low {basis_word}"),
        ]
        down_words = concat(
            words_at(SERVICE_MODELS, model[rows]),
            " by the plan, but ",
            join_nonempty(parts, len(rows), "; "),
            " → consider ",
            words_at(models, to_code[rows]),
        )
        reason = put(reason, down, down_words)

    cost_floor = settings.cost_high / settings.max_cost_share
    notes = []
    high_count, costly_count = int(high.sum()), int(costly.sum())
    if high_count >= _MIN_FOR_COST_NOTE and costly_count > high_count / 2:
        notes.append(
            f"High-touch costs more than {settings.max_cost_share:.0%} of next year's {unit} for {costly_count:,} of "
            f"the {high_count:,} high-touch accounts, so most of them are on the move-down list: the cost to serve "
            f"({money(settings.cost_high)} a year) may not fit this business; set your own costs or a higher share."
        )
    rules = [
        "No column says how accounts are served today, so the move lists show the plan's borderline cases. "
        "Move up: a medium- or tech-touch account whose long-term potential is in the top tier "
        f"({money(long_high)} or more), whose 12-month expansion potential is in the top tier "
        f"({money(short_high)} or more), or whose {_TOTAL_WORDS[basis_name].format(unit=unit)} is at least "
        f"{multiple:g}× its {unit} with {unit} of at least {money(arr_floor)}. "
        "Each is suggested one model more personal.",
        (
            f"Move down: a high-touch account with low {basis_word} whose {unit} is below the top tier or below "
            f"the high-touch median ({money(median_high)}); or whose cost to serve ({money(settings.cost_high)} a "
            f"year) is more than {settings.max_cost_share:.0%} of the {unit} it should bring in the next 12 months "
            f"(today's plus its 12-month expansion potential: below {money(cost_floor)}); or a medium-touch "
            f"account with lower-tier {unit} and low potential. Each is suggested one model lighter."
            if high_count
            else f"Move down: no account is high-touch, so only a medium-touch account with lower-tier {unit} and "
            "low potential is suggested one model lighter."
        ),
    ]
    return Moves(
        move=move,
        move_from=move_from,
        move_to=move_to,
        reason=reason,
        upside=upside,
        cost_change=cost_change,
        current_model=blank(n),
        based_on="plan_rules",
        rules=rules,
        thresholds=MoveThresholds(
            long_term_top=long_high,
            short_term_top=short_high,
            move_up_multiple=multiple,
            move_up_revenue_floor=arr_floor,
            high_touch_median_revenue=median_high,
            max_cost_share=settings.max_cost_share,
            cost_share_revenue_floor=cost_floor,
        ),
        notes=notes,
    )


def _phrase(mask: np.ndarray, before: str, values: np.ndarray, after: str) -> pa.Array:
    """`before` + money(value) + `after` where `mask` holds, "" elsewhere."""
    return fill(len(mask), mask, concat(before, money_each(values[mask]), after))


def _multiple_phrase(mask: np.ndarray, total: np.ndarray, revenue: np.ndarray, unit: str) -> pa.Array:
    """ "potential 95.0k is 4.1× its ARR 23.0k" where `mask` holds."""
    with np.errstate(over="ignore"):  # revenue just above 0 gives an infinite ratio, shown as "inf×"
        ratio = total[mask] / revenue[mask]
    ratio_words = format_each(ratio, lambda r: f"{r:.1f}×", key=np.round(ratio, 1))
    words = concat(
        "potential ", money_each(total[mask]), " is ", ratio_words, f" its {unit} ", money_each(revenue[mask])
    )
    return fill(len(mask), mask, words)


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
    reason = put(text(moves.reason), pinned_out, "a pin keeps this account where it is")
    today = text(moves.current_model) if moves.based_on == "current_model_column" else None
    start = plan_model if today is None else pc.if_else(pc.equal(today, ""), plan_model, today)
    rows = np.flatnonzero(save)
    if len(rows):
        score_words = format_each(risk_score[rows], lambda v: f"{v:.0f}", key=np.round(risk_score[rows]))
        picked = pc.take(risk_drivers, pa.array(rows))
        save_words = concat("at risk (score ", score_words, "): ", picked, " → save play")
        reason = put(reason, save, save_words)
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
