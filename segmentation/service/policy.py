"""The service-model policy: revenue tier × potential tier → model, overrides, capacity, cost and move lists."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.errors import InputError
from segmentation.formatting import format_money
from segmentation.narrative import capacity_rule
from segmentation.service.budget import (
    BudgetCut,
    BusinessKind,
    PinFigures,
    Pins,
    budget_share,
    business_kind,
    pooled_tech_cost,
    resolve_pins,
    solve_budget,
)
from segmentation.service.capacity import ModelCapacity, apply_capacity, tech_capacity
from segmentation.service.current import CurrentModels, read_current_models
from segmentation.service.moves import (
    Moves,
    MoveSummary,
    apply_save_and_pins,
    current_vs_recommended,
    flag_moves,
)
from segmentation.service.overview import DIRECTIONS, PlanOverview, build_overview
from segmentation.service.playbooks import CONSUMER_PLAYBOOKS, segment_actions
from segmentation.service.rule_moves import PotentialInputs
from segmentation.service.settings import DEFAULT_PLAYBOOKS, MOVE_REASON, REASON, SERVICE_MODELS, TIERS
from segmentation.service.text import (
    TEXT,
    LazyText,
    blank,
    concat,
    money_between,
    money_each,
    plain_float,
    put,
    str_array,
    text,
    with_words,
    words_at,
)
from segmentation.service.tiers import TierThresholds, tier_codes, tier_thresholds

if TYPE_CHECKING:
    from segmentation.intake import CustomerTable
    from segmentation.service.potential import PotentialEstimate
    from segmentation.service.risk import RiskAssessment
    from segmentation.service.settings import ServiceSettings

HIGH, MEDIUM, TECH = SERVICE_MODELS
_ARR_WORDS = {"high": "top tier", "mid": "middle tier", "low": "lower tier"}
_POTENTIAL_WORDS = {"high": "high", "mid": "middling", "low": "low"}
_BASIS_WORDS = {
    "long_term": "long-term potential",
    "short_term": "12-month expansion potential",
    "blend": "blended potential",
}


@dataclass
class ServicePlan:
    """Service model per customer, with the rules, capacity use, costs and move lists behind it."""

    frame: pd.DataFrame
    """Aligned with the customer table: service_model, priority_score (0–100), arr_tier, potential_tier,
    move ("up" | "down" | ""), current_model ("" when unknown), pin, risk_score, risk_drivers."""
    reasons: LazyText
    """Why each account gets its model, in words, written for the rows read (`reason_at`, `reason_texts`)."""
    move_reasons: LazyText
    """Why an account is on a move or save list ("" when on none), written for the rows read."""
    thresholds: TierThresholds
    """The four tier thresholds in force, each with where it came from."""
    capacity: dict[str, ModelCapacity]
    """Service model → its demand, places, accounts served and CSMs needed (every model)."""
    grid: dict[str, dict[str, str]]
    rules_in_words: list[str]
    playbooks: dict[str, str]
    segment_playbooks: dict[str, str]
    costs: dict[str, float]
    moves: MoveSummary
    """What the move lists are based on, the figures their rules used, and per list customers, revenue,
    upside and yearly cost change."""
    revenue_unit: str = "revenue"
    notes: list[str] = field(default_factory=list)
    details: pd.DataFrame = field(default_factory=pd.DataFrame)
    """customer_id, segment, segment_name, revenue, short/long-term potential, the frame's columns,
    wanted_model (before capacity), move_from, move_to, upside and cost_change."""
    current: CurrentModels | None = None
    """Today's service model per account, when a column says it (else None)."""
    budget: dict[str, BudgetCut] = field(default_factory=dict)
    """Per personal model: the budget share, accounts wanted, kept and fallen, the revenue floor solved."""
    business: BusinessKind | None = None
    """Whether the business looks consumer-like, with the sentence the views show on top."""
    pins: list[PinFigures] = field(default_factory=list)
    budget_share: float | None = None
    """The most a personal model may cost as a share of the revenue it serves (None = unbounded)."""
    segment_actions: dict[str, list[str]] = field(default_factory=dict)
    """Segment id (text) → suggested actions, each naming the trait of the segment that calls for it."""
    segment_names: dict[int, str] = field(default_factory=dict)
    """Segment id → the name the plan's lists, reasons and rules say (see `renamed`)."""

    @property
    def overview(self) -> PlanOverview:
        """The typed figures every view reads: models after capacity and budget, the three lists (made once
        per plan, and shared with its copies that differ in playbooks only)."""
        made: PlanOverview = self._made("overview", lambda: build_overview(self))
        return made

    def save_frame(self, head: int | None = None) -> pd.DataFrame:
        """Return the save list: accounts at risk, largest revenue at risk first, with score and drivers (the
        first `head` accounts only, when given)."""
        columns = [*_MOVE_COLUMNS, "risk_score", "risk_drivers"]
        return self._list("save", lambda: self._move_codes() == _SAVE, columns, ["revenue", "priority_score"], head)

    def _made(self, name: str, make: Callable[[], Any]) -> Any:
        """Return what `make` gives, made once per plan (a plan is not changed once built). Views were made
        on every page run: at 1,000,000 customers the Service page sorted and filtered the million rows four
        times a run (1.0 s of 2.2 s, benchmarks/bench_app.py)."""
        views = self.__dict__.setdefault("_views", {})
        if name not in views:
            views[name] = make()
        return views[name]

    def _view(self, name: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """Return the view `name` (see `_made`) as a shallow copy, so a page adding a column never changes it."""
        frame: pd.DataFrame = self._made(name, make)
        return frame.copy(deep=False)

    def _list(
        self,
        name: str,
        mask: Callable[[], np.ndarray],
        columns: list[str],
        by: list[str],
        head: int | None,
        *,
        ascending: bool = False,
    ) -> pd.DataFrame:
        """The list `name`: the accounts where `mask` holds, in the order of `by` (stable), with `columns`; the
        first `head` only when given. The figures are filtered and sorted once per plan; the reasons are
        written for the rows handed out (a page showing 200 of a 98,000-account save list writes 200), once."""
        words = {REASON: self.reasons, MOVE_REASON: self.move_reasons}
        figures = [c for c in columns if c not in words]

        def worded(rows: pd.DataFrame) -> pd.DataFrame:
            for column in (c for c in columns if c in words):
                rows = with_words(rows, column, columns.index(column), words[column])
            return rows.reset_index(drop=True)

        sorted_rows: pd.DataFrame = self._made(
            f"{name} list, sorted", lambda: self._sorted(mask(), figures, by, ascending=ascending)
        )
        if head is not None:  # the first rows a page shows are kept too: writing them was most of its run
            return self._view(f"{name} list, first {head}", lambda: worded(sorted_rows.head(head)))
        return self._view(f"{name} list", lambda: worded(sorted_rows))

    def _sorted(self, mask: np.ndarray, columns: list[str], by: list[str], *, ascending: bool) -> pd.DataFrame:
        """The accounts where `mask` holds, with `columns` only (filtering every text column of a million rows
        cost 0.1 s a list), in the order of `by` (stable); indexed by their positions in the table."""
        return self.details.loc[mask, columns].sort_values(by, ascending=ascending, kind="stable")

    def reason_at(self, rows: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """Why the accounts at `rows` (positions in the customer table) get their model, in words."""
        return str_array(self.reasons.at(rows))

    def move_reason_at(self, rows: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """Why the accounts at `rows` are on a move or save list, in words ("" for those on none)."""
        return str_array(self.move_reasons.at(rows))

    def reason_texts(self) -> pd.api.extensions.ExtensionArray:
        """Why every account gets its model, in words (a million of them take about a second to write)."""
        return str_array(self.reasons.whole())

    def _move_codes(self) -> np.ndarray:
        return self.codes("move", DIRECTIONS)

    def _keep_codes(self, **codes: np.ndarray) -> ServicePlan:
        """Keep the codes the plan's texts were written from (per `details` column, positions in the words
        `codes` reads it with), so the views need not read a million texts back (35-80 ms a column a plan)."""
        views = self.__dict__.setdefault("_views", {})
        for column, values in codes.items():
            kept = np.asarray(values, dtype=np.int64)
            kept.flags.writeable = False
            views[f"codes of {column}"] = kept
        return self

    def model_codes(self) -> np.ndarray:
        """Each account's service model as its position in `SERVICE_MODELS` (read-only, made once per plan),
        so comparing two plans counts small integers instead of a million texts."""
        return self.codes("service_model", SERVICE_MODELS)

    def codes(self, column: str, words: Sequence[str]) -> np.ndarray:
        """Each account's text in the `details` column `column` as its position in `words` (−1 for any other
        text), read-only and made once per plan: the views count and group these small integers, not a
        million texts (a text groupby or factorisation cost 35-80 ms each at 1,000,000 accounts)."""

        def make() -> np.ndarray:
            found = pc.index_in(pa.array(self.details[column].array), value_set=pa.array(list(words), type=TEXT))
            codes = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            codes.flags.writeable = False
            return codes

        made: np.ndarray = self._made(f"codes of {column}", make)
        return made

    def counts(self, column: str, words: Sequence[str]) -> dict[str, int]:
        """Accounts per word of `words` in the `details` column `column` (zeros included), from `codes`."""
        codes = self.codes(column, words)
        return dict(zip(words, np.bincount(codes[codes >= 0], minlength=len(words)).tolist(), strict=True))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle (the app's cache) without the columns `details` shares with `frame`.

        The reason texts would otherwise be stored twice: about 35 MB of 97 MB at 200,000 customers.
        """
        state = dict(self.__dict__)
        state.pop("_views", None)  # made again on demand: the lists, the overview and the summary
        shared = [c for c in self.frame.columns if c in self.details.columns]
        state["details"] = self.details.drop(columns=shared)
        state["_details_order"] = list(self.details.columns)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild `details` from what was pickled and the columns it shares with `frame`."""
        order = state.pop("_details_order", None)
        if order is not None:
            details = state["details"]
            shared = state["frame"].reset_index(drop=True)
            state["details"] = pd.concat([shared[[c for c in order if c not in details.columns]], details], axis=1)[
                order
            ]
        self.__dict__.update(state)

    @property
    def move_up(self) -> pd.DataFrame:
        """Under-served accounts (lighter touch than their potential earns), largest upside first."""
        return self.move_up_frame()

    @property
    def move_down(self) -> pd.DataFrame:
        """Over-served accounts (more touch than their revenue and potential earn), lowest priority first."""
        return self.move_down_frame()

    def move_up_frame(self, head: int | None = None) -> pd.DataFrame:
        """Return the move-up list, largest upside first: customer, segment, revenue, potential, the plan's
        model, score and reason, then move_from → move_to, move_reason, upside and yearly cost_change (the
        first `head` accounts only, when given)."""
        return self._list(
            "move-up", lambda: self._move_codes() == _UP, _MOVE_COLUMNS, ["upside", "priority_score"], head
        )

    def move_down_frame(self, head: int | None = None) -> pd.DataFrame:
        """Return the move-down list, lowest priority first, with the same columns as `move_up_frame`."""
        down = lambda: self._move_codes() == _DOWN  # noqa: E731
        return self._list("move-down", down, _MOVE_COLUMNS, ["priority_score"], head, ascending=True)

    def current_vs_recommended_frame(self) -> pd.DataFrame | None:
        """Return customers by today's model (rows; "not known" last) × recommended model (columns),
        or None when no column says how accounts are served today."""
        if self.current is None:
            return None
        table = current_vs_recommended(self.current.models, self.frame["service_model"].to_numpy())
        frame = pd.DataFrame.from_dict(table, orient="index")[list(SERVICE_MODELS)]
        frame.index.name = "today"
        frame.columns.name = "recommended"
        return frame

    def spilled_frame(self, head: int | None = None) -> pd.DataFrame:
        """Return the accounts that capacity moved to a lighter model than the policy wanted, best first."""
        columns = [*_LIST_COLUMNS[:5], "wanted_model", *_LIST_COLUMNS[5:]]
        fell = lambda: self.codes("wanted_model", SERVICE_MODELS) != self.model_codes()  # noqa: E731
        return self._list("spilled", fell, columns, ["priority_score"], head)

    def grid_frame(self) -> pd.DataFrame:
        """Return the 3×3 grid: arr_tier, potential_tier, model (policy), customers, revenue, assigned mix."""
        return self._view("grid_frame", self._grid_frame)

    def _grid_frame(self) -> pd.DataFrame:
        # Each text column is coded once; cells and cell × model are then counted on int codes. The
        # revenue per cell is still pandas' grouped sum over the same rows in the same order.
        arr_codes, arr_words = self.codes("arr_tier", TIERS), TIERS
        pot_codes, pot_words = self.codes("potential_tier", TIERS), TIERS
        model_codes, model_words = self.model_codes(), SERVICE_MODELS
        known = (arr_codes >= 0) & (pot_codes >= 0)
        cell = np.where(known, arr_codes * len(pot_words) + pot_codes, -1)
        pairs = [(str(a), str(p)) for a in arr_words for p in pot_words]
        revenue = self.details["revenue"].to_numpy(dtype=float)
        by_cell = pd.Series(revenue[known]).groupby(cell[known], sort=False)
        totals = by_cell.sum()
        sums: dict[Any, float] = dict(
            zip([pairs[c] for c in totals.index.to_numpy(dtype=np.int64)], totals.to_numpy().tolist(), strict=True)
        )
        sizes: dict[Any, int] = {
            pair: int(count)
            for pair, count in zip(pairs, np.bincount(cell[known], minlength=len(pairs)), strict=True)
            if count
        }
        mix_known = known & (model_codes >= 0)
        mix_codes = np.bincount(
            cell[mix_known] * len(model_words) + model_codes[mix_known], minlength=len(pairs) * len(model_words)
        )
        mix: dict[Any, int] = {
            (*pairs[i // len(model_words)], str(model_words[i % len(model_words)])): int(count)
            for i, count in enumerate(mix_codes)
            if count
        }
        rows = []
        for arr_tier in TIERS:
            for potential_tier in TIERS:
                key = (arr_tier, potential_tier)
                rows.append(
                    {
                        "arr_tier": arr_tier,
                        "potential_tier": potential_tier,
                        "model": self.grid[arr_tier][potential_tier],
                        "customers": int(sizes.get(key, 0)),
                        "revenue": float(sums.get(key, 0.0)),
                        **{f"{m}_customers": int(mix.get((arr_tier, potential_tier, m), 0)) for m in SERVICE_MODELS},
                    }
                )
        return pd.DataFrame(rows)

    def models_frame(self) -> pd.DataFrame:
        """Return one row per service model: customers, revenue, potential, headcount, capacity and cost."""
        return self._view("models_frame", self._models_frame)

    def _models_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._model_rows())

    def _model_rows(self) -> list[dict[str, Any]]:
        codes = self.model_codes()
        grouped = self.details[["revenue", "short_term_potential", "long_term_potential"]].groupby(codes, sort=False)
        sums: dict[Any, dict[Any, float]] = {
            column: {SERVICE_MODELS[c]: v for c, v in values.items() if c >= 0}
            for column, values in grouped.sum().to_dict().items()
        }
        counts = self.counts("service_model", SERVICE_MODELS)
        rows = []
        for model in SERVICE_MODELS:
            customers = int(counts.get(model, 0))
            revenue = float(sums["revenue"].get(model, 0.0))
            cost = self.costs[model] * customers
            capacity = self.capacity[model]
            rows.append(
                {
                    "name": model,
                    "customers": customers,
                    "revenue": revenue,
                    "short_term_potential": float(sums["short_term_potential"].get(model, 0.0)),
                    "long_term_potential": float(sums["long_term_potential"].get(model, 0.0)),
                    "headcount_needed": capacity.headcount_needed,
                    "capacity": capacity.capacity,
                    "cost": cost,
                    "cost_to_revenue": cost / revenue if revenue > 0 else None,
                }
            )
        return rows

    def segment_frame(self) -> pd.DataFrame:
        """Return customers, revenue and cost per segment and service model (zeros included)."""
        return self._view("segment_frame", self._segment_frame)

    def _segment_frame(self) -> pd.DataFrame:
        segments = self.details["segment"].to_numpy()
        codes = self.model_codes()
        by_pair = self.details["revenue"].groupby([segments, codes], sort=False)
        pairs = [(int(s), int(c)) for s, c in by_pair.size().index]
        sizes = {(s, SERVICE_MODELS[c]): int(v) for (s, c), v in zip(pairs, by_pair.size(), strict=True) if c >= 0}
        sums = {(s, SERVICE_MODELS[c]): float(v) for (s, c), v in zip(pairs, by_pair.sum(), strict=True) if c >= 0}
        names: dict[int, str]
        if self.segment_names:
            names = {int(s): self.segment_names.get(int(s), _default_segment_name(int(s))) for s in np.unique(segments)}
        else:  # a plan made without its names: the names its rows carry
            carried = self.details.drop_duplicates("segment")
            names = dict(
                zip(carried["segment"].astype(int).tolist(), carried["segment_name"].astype(str).tolist(), strict=True)
            )
        rows = []
        for segment in sorted(names):
            for model in SERVICE_MODELS:
                key = (segment, model)
                customers = int(sizes.get(key, 0))
                revenue = float(sums.get(key, 0.0))
                cost = self.costs[model] * customers
                rows.append(
                    {
                        "segment": segment,
                        "segment_name": str(names[segment]),
                        "model": model,
                        "customers": customers,
                        "revenue": revenue,
                        "cost": cost,
                        "cost_to_revenue": cost / revenue if revenue > 0 else None,
                    }
                )
        return pd.DataFrame(rows)

    def with_playbooks(self, settings: ServiceSettings) -> ServicePlan:
        """Return this plan with the playbooks of `settings`: playbook text changes words only, never who
        is served how, so the app puts a typed playbook into the plan it has instead of planning again
        (2.6 s at 1,000,000 customers)."""
        defaults = (
            CONSUMER_PLAYBOOKS if self.business is not None and self.business.consumer_like else DEFAULT_PLAYBOOKS
        )
        playbooks = {m: settings.playbooks.get(m, defaults[m]) for m in SERVICE_MODELS}
        segment_playbooks = dict(settings.segment_playbooks)
        if playbooks == self.playbooks and segment_playbooks == self.segment_playbooks:
            return self
        # The frames, the views, the overview and the summary are shared: none of them holds a playbook.
        # (Not copy.copy: it goes through __getstate__, which drops the views and rebuilds `details`.)
        worded = replace(self, playbooks=playbooks, segment_playbooks=segment_playbooks)
        worded.__dict__["_views"] = self.__dict__.setdefault("_views", {})
        return worded

    def renamed(self, segment_names: dict[int, str], settings: ServiceSettings) -> ServicePlan:
        """Return this plan with the segments called `segment_names` (the plan was made with `settings`):
        a name changes words only, never who is served how, so a rename puts the names into the lists, the
        override reasons and the rules instead of planning again (2.4 s at 1,000,000 customers)."""
        if segment_names == self.segment_names:
            return self
        rules, reasons = list(self.rules_in_words), self.reasons
        for key, model in settings.segment_overrides.items():
            segment = int(key)
            old, new = (_name_of(segment, names) for names in (self.segment_names, segment_names))
            if old == new:
                continue
            rules = [_override_rule(key, new, model) if r == _override_rule(key, old, model) else r for r in rules]
            if segment in self.segment_names:  # the reasons the override still gives (capacity and pins replace theirs)
                reasons = reasons.replaced(_override_reason(segment, old, model), _override_reason(segment, new, model))
        details = self.details.assign(
            segment_name=str_array(_segment_name_each(self.details["segment"].to_numpy(), segment_names))
        )
        named = replace(self, reasons=reasons, details=details, rules_in_words=rules, segment_names=dict(segment_names))
        # the views that show no segment name and no reason stay (the grid, the models, the codes)
        named.__dict__["_views"] = {
            key: view
            for key, view in self.__dict__.get("_views", {}).items()
            if key not in {"overview", "as_dict"}
            and not (isinstance(view, pd.DataFrame) and {"segment_name", REASON} & set(view.columns))
        }
        return named

    def to_dict(self) -> dict[str, Any]:
        """Return models, grid, thresholds, capacity, rules, playbooks, move counts, by_segment and notes.

        Made once per plan (a plan is not changed once built) and handed out as a copy: the Service page,
        the result's model summary and the exports each ask for it, four times a page run before.
        """
        made: dict[str, Any] = copy.deepcopy(self._made("as_dict", self._make_dict))
        made.update(playbooks=dict(self.playbooks), segment_playbooks=dict(self.segment_playbooks))
        return made

    def _make_dict(self) -> dict[str, Any]:
        moves = self.counts("move", DIRECTIONS)
        return _json_safe(
            {
                "models": self._model_rows(),
                "grid": self.grid_frame().to_dict(orient="records"),
                "thresholds": self.thresholds.to_dict(),
                "capacity": {name: entry.to_dict() for name, entry in self.capacity.items()},
                "rules_in_words": list(self.rules_in_words),
                "playbooks": {},  # put in by to_dict: copies of the plan share this summary
                "segment_playbooks": {},
                "move_up": moves["up"],
                "move_down": moves["down"],
                "moves": self.moves.to_dict(),
                "current_model": None if self.current is None else self.current.to_dict(),
                "current_vs_recommended": (
                    None
                    if self.current is None
                    else current_vs_recommended(self.current.models, self.frame["service_model"].to_numpy())
                ),
                "by_segment": self.segment_frame().to_dict(orient="records"),
                "notes": list(self.notes),
                "move_save": moves["save"],
                "budget": {name: cut.to_dict() for name, cut in self.budget.items()},
                "business": None
                if self.business is None
                else {
                    "consumer_like": self.business.consumer_like,
                    "median_revenue": self.business.median_revenue,
                    "paying_customers": self.business.paying,
                    "decided_by": self.business.decided_by,
                    "sentence": self.business.sentence,
                },
                "pins": [pin.to_dict() for pin in self.pins],
                "segment_actions": {k: list(v) for k, v in self.segment_actions.items()},
                "overview": self.overview.to_dict(),
            }
        )


_UP, _DOWN, _SAVE = (DIRECTIONS.index(direction) for direction in ("up", "down", "save"))

_LIST_COLUMNS = [
    "customer_id",
    "segment_name",
    "revenue",
    "short_term_potential",
    "long_term_potential",
    "service_model",
    "priority_score",
    "service_model_reason",
]


_MOVE_COLUMNS = [
    *_LIST_COLUMNS,
    "move_from",
    "move_to",
    "move_reason",
    "upside",
    "cost_change",
]


def _json_safe(value: Any) -> Any:
    """Turn numpy scalars into Python ones and NaN/inf into None, recursively."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return plain_float(float(value), 6)
    return value


def _percentile_rank(values: np.ndarray) -> np.ndarray:
    """Average rank (1-based, ties share their mean rank) over the count of non-NaN values; NaN stays NaN.

    The same figures as pandas' ``rank(method="average", pct=True)``, from one numpy sort.
    """
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), np.nan)
    known = np.flatnonzero(~np.isnan(values))
    if len(known) == 0:
        return out
    order = np.argsort(values[known])
    ordered = values[known][order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(ordered))
    sizes = ends - starts
    sums = (starts + 1 + ends) * sizes // 2  # sum of the ranks start+1 … end, exact in int64
    ranks = np.empty(len(ordered))
    ranks[order] = np.repeat(sums.astype(float) / sizes, sizes)
    out[known] = ranks / len(known)
    return out


@dataclass(frozen=True)
class PlanBase:
    """What the policy asks of every account before capacity and budget: the tiers, the grid's model with the
    overrides and pins, and the priority score. It reads only the `BASE_SETTINGS`, so the app keeps it while
    the CSMs, the tech-touch cost, the budget or the move rules change (1.2 s of the 2.5 s plan at 1,000,000)."""

    revenue: np.ndarray
    """Revenue per account, clipped at 0."""
    short: np.ndarray
    long: np.ndarray
    basis: np.ndarray
    """The potential the tiers read (`potential_basis`)."""
    thresholds: TierThresholds
    arr_code: np.ndarray
    potential_code: np.ndarray
    model: np.ndarray
    """The model the policy asks per account, as an index into SERVICE_MODELS (read-only: copy it)."""
    reason: LazyText
    pins: Pins
    score: np.ndarray
    ids: pd.api.extensions.ExtensionArray
    unit: str
    notes: tuple[str, ...]
    words: dict[str, pd.api.extensions.ExtensionArray]
    """The per-account words every plan from this base shows the same: arr_tier, potential_tier, wanted_model,
    segment_name and pin (writing them per plan cost 0.3-0.4 s of a CSM change at 1,000,000)."""


BASE_SETTINGS = frozenset(
    {
        "arr_high",
        "arr_low",
        "potential_high",
        "potential_low",
        "potential_basis",
        "grid",
        "segment_overrides",
        "pins",
        "weight_current",
        "weight_potential",
        "cost_high",  # with the two below: where a personal model is affordable bounds the revenue tiers
        "cost_medium",
        "affordable_cost_share",
    }
)
"""The service settings `plan_base` reads."""


def plan_base(
    table: CustomerTable,
    labels: np.ndarray,
    segment_names: dict[int, str],
    potential: PotentialEstimate,
    settings: ServiceSettings,
) -> PlanBase:
    """The tiers, the grid's model per account with the overrides and pins put in, and the priority score.
    Raises `InputError` for thresholds in the wrong order or mismatched inputs."""
    customers = table.customers
    labels = np.asarray(labels)
    _check_alignment(labels, potential, len(customers))
    unit = table.revenue_unit or "revenue"
    revenue = np.clip(customers["revenue"].to_numpy(dtype=float), 0.0, None)
    short = potential.frame["short_term_potential"].to_numpy(dtype=float)
    long = potential.frame["long_term_potential"].to_numpy(dtype=float)
    basis = {"long_term": long, "short_term": short, "blend": (revenue + short + long) / 2.0}[settings.potential_basis]
    thresholds = tier_thresholds(revenue, basis, settings, unit)
    notes = thresholds.notes(len(revenue), unit, _BASIS_WORDS[settings.potential_basis])
    arr_code = tier_codes(revenue, thresholds.arr_high, thresholds.arr_low)
    potential_code = tier_codes(basis, thresholds.potential_high, thresholds.potential_low)
    shown = customers["revenue"].to_numpy(dtype=float)
    model, reason = _grid_models(
        arr_code, potential_code, revenue_shown=shown, basis=basis, settings=settings, unit=unit
    )
    reason, override_notes = _apply_overrides(model, reason, labels, segment_names, settings)
    notes.extend(override_notes)
    pins = resolve_pins(customers["customer_id"], revenue, settings)
    reason = _apply_pins(model, reason, pins, notes)
    score = _priority_score(revenue, basis, settings, notes)
    for figures in (revenue, short, long, basis, arr_code, potential_code, model, score):
        figures.flags.writeable = False  # shared by every plan made from this base
    return PlanBase(
        revenue=revenue,
        short=short,
        long=long,
        basis=basis,
        thresholds=thresholds,
        arr_code=arr_code,
        potential_code=potential_code,
        model=model,
        reason=reason,
        pins=pins,
        score=score,
        ids=customers["customer_id"].astype(str).array,
        unit=unit,
        notes=tuple(notes),
        words={
            "arr_tier": str_array(words_at(TIERS, arr_code)),
            "potential_tier": str_array(words_at(TIERS, potential_code)),
            "wanted_model": str_array(words_at(SERVICE_MODELS, model)),
            "segment_name": str_array(_segment_name_each(labels, segment_names)),
            "pin": str_array(pins.label.astype(str)),
        },
    )


def plan_service(
    table: CustomerTable,
    labels: np.ndarray,
    segment_names: dict[int, str],
    potential: PotentialEstimate,
    settings: ServiceSettings,
    *,
    base: PlanBase | None = None,
) -> ServicePlan:
    """Assign every customer exactly one service model within the team's capacity, with a reason.

    The model comes from the grid (current-revenue tier × potential tier), then per-segment
    overrides, then capacity: when more accounts call for high- (or medium-) touch than the CSMs
    can serve, the highest priority scores keep it and the rest fall to the next model. `base` is
    `plan_base` of the same inputs, when the caller has it. Raises `InputError` for thresholds in the
    wrong order or mismatched inputs.
    """
    customers = table.customers
    labels = np.asarray(labels)
    if base is None:
        base = plan_base(table, labels, segment_names, potential, settings)
    revenue, short, long, basis, unit = base.revenue, base.short, base.long, base.basis, base.unit
    thresholds, arr_code, potential_code = base.thresholds, base.arr_code, base.potential_code
    pins, score, ids, reason, notes = base.pins, base.score, base.ids, base.reason, list(base.notes)
    model = base.model.copy()
    capacity, reason = _fit_capacity(model, reason, score, revenue, ids=ids, pinned=pins.pinned, settings=settings)
    kind = business_kind(revenue, settings)
    budget, reason = _apply_budget(model, reason, revenue, pins.pinned, settings=settings, unit=unit)
    capacity = _capacity_after_budget(capacity, model, budget)
    tech_cost, tech_note = pooled_tech_cost(revenue, model, settings, consumer_like=kind.consumer_like)
    notes.extend([tech_note] if tech_note else [])
    costs = {HIGH: settings.cost_high, MEDIUM: settings.cost_medium, TECH: tech_cost}

    current = read_current_models(table, settings)
    notes.extend(current.notes if current is not None else [])
    inputs = PotentialInputs(revenue, short, long, basis, model, arr_code, potential_code)
    moves = _plan_moves(inputs, settings, thresholds, unit, current, risk=potential.risk, pins=pins, costs=costs)
    notes.extend(moves.notes)

    frame = _plan_frame(inputs, score, moves, words=base.words, risk=potential.risk, index=customers.index)
    details = frame.reset_index(drop=True).assign(
        wanted_model=base.words["wanted_model"],
        customer_id=ids,
        segment=labels.astype(int),
        segment_name=base.words["segment_name"],
        revenue=revenue,
        short_term_potential=short,
        long_term_potential=long,
        move_from=str_array(moves.move_from),
        move_to=str_array(moves.move_to),
        upside=moves.upside,
        cost_change=moves.cost_change,
    )
    defaults = CONSUMER_PLAYBOOKS if kind.consumer_like else DEFAULT_PLAYBOOKS
    return ServicePlan(
        frame=frame,
        reasons=reason,
        move_reasons=moves.reason,
        thresholds=thresholds,
        capacity=capacity,
        grid={a: dict(settings.grid[a]) for a in TIERS},
        rules_in_words=[
            *_rules_in_words(settings, thresholds, capacity, segment_names, unit, costs=costs),
            *moves.rules,
        ],
        playbooks={m: settings.playbooks.get(m, defaults[m]) for m in SERVICE_MODELS},
        segment_playbooks=dict(settings.segment_playbooks),
        costs=costs,
        revenue_unit=unit,
        notes=notes,
        details=details,
        current=current,
        moves=moves.summary(revenue),
        budget=budget,
        business=kind,
        pins=pins.figures,
        budget_share=budget_share(settings),
        segment_actions=segment_actions(
            table, labels, _at_risk(potential.risk, len(revenue)), consumer_like=kind.consumer_like
        ),
        segment_names=dict(segment_names),
    )._keep_codes(service_model=model, wanted_model=base.model, arr_tier=arr_code, potential_tier=potential_code)


def _check_alignment(labels: np.ndarray, potential: PotentialEstimate, n: int) -> None:
    """Raise `InputError` unless there is one segment label and one potential row per customer."""
    if labels.shape != (n,) or len(potential.frame) != n:
        raise InputError(
            f"The segments ({labels.size}) or potential ({len(potential.frame)}) do not match the {n} customers; "
            "run the analysis again."
        )


def _grid_models(
    arr_code: np.ndarray,
    potential_code: np.ndarray,
    *,
    revenue_shown: np.ndarray,
    basis: np.ndarray,
    settings: ServiceSettings,
    unit: str,
) -> tuple[np.ndarray, LazyText]:
    """Return the grid's model per account (an index into SERVICE_MODELS) and the reason in words.

    One grid cell per account (revenue tier × potential tier); its model and the words around the
    two figures are looked up per cell, so the reason is a single element-wise join. `revenue_shown`
    is the account's own figure (a net refund of -500 is planned as 0 but said as -500).
    """
    cell = arr_code * len(TIERS) + potential_code
    cells = [(a, p, settings.grid[a][p]) for a in TIERS for p in TIERS]
    model = np.array([SERVICE_MODELS.index(chosen) for _a, _p, chosen in cells], dtype=np.int64)[cell]
    basis_word = _BASIS_WORDS[settings.potential_basis]
    after_revenue = [f" ({_ARR_WORDS[a]}) and {basis_word} " for a, _p, _m in cells]
    after_basis = [f" ({_POTENTIAL_WORDS[p]}) → {chosen}" for _a, p, chosen in cells]

    def write(rows: np.ndarray) -> pa.Array:
        return concat(
            f"{unit} ",
            money_each(revenue_shown[rows]),
            words_at(after_revenue, cell[rows]),
            money_each(basis[rows]),
            words_at(after_basis, cell[rows]),
        )

    return model, LazyText.of(len(cell), write)


def _apply_overrides(
    model: np.ndarray,
    reason: LazyText,
    labels: np.ndarray,
    segment_names: dict[int, str],
    settings: ServiceSettings,
) -> tuple[LazyText, list[str]]:
    """Give every account of an overridden segment its model (`model` in place); return the reasons and notes.

    The notes name overrides for segments that no longer exist.
    """
    notes = []
    present = {int(x) for x in np.unique(labels)}
    for key, chosen in settings.segment_overrides.items():
        segment = int(key)
        if segment not in present:
            notes.append(f"The override for segment {segment} was not used: there is no such segment now.")
            continue
        mask = labels == segment
        model[mask] = SERVICE_MODELS.index(chosen)
        words = _override_reason(segment, _name_of(segment, segment_names), chosen)
        reason = reason.put(mask, words)
    return reason, notes


def _name_of(segment: int, segment_names: dict[int, str]) -> str:
    """The name an override's reason and rule give its segment."""
    return segment_names.get(segment, f"segment {segment}")


def _override_reason(segment: int, name: str, model: str) -> str:
    return f"segment {segment} ({name}) is set to {model} by an override"


def _override_rule(key: str, name: str, model: str) -> str:
    return f"Every customer in segment {key} ({name}) gets {model}, whatever the grid says."


def _apply_pins(model: np.ndarray, reason: LazyText, pins: Pins, notes: list[str]) -> LazyText:
    """Give pinned accounts their pinned model (`model` in place) and the pin as reason; note unknown IDs."""
    if pins.pinned.any():
        model[pins.pinned] = pins.model[pins.pinned]
        reason = reason.put(pins.pinned, lambda rows: pins.label[rows])
    for figure in pins.figures:
        if figure.missing:
            notes.append(
                f"A pin names {len(figure.missing):,} IDs not in this file (e.g. {', '.join(figure.missing[:3])}); "
                "they were not used."
            )
    return reason


def _priority_score(revenue: np.ndarray, basis: np.ndarray, settings: ServiceSettings, notes: list[str]) -> np.ndarray:
    """Return the priority score (0–100): weighted revenue and potential percentiles; note zero weights."""
    weight_total = settings.weight_current + settings.weight_potential
    w_current, w_potential = (
        (settings.weight_current / weight_total, settings.weight_potential / weight_total)
        if weight_total > 0
        else (0.5, 0.5)
    )
    if weight_total <= 0:
        notes.append("Both priority weights are zero, so current revenue and potential count equally.")
    return 100.0 * (w_current * _percentile_rank(revenue) + w_potential * _percentile_rank(basis))


def _fit_capacity(
    model: np.ndarray,
    reason: LazyText,
    score: np.ndarray,
    revenue: np.ndarray,
    *,
    ids: pd.api.extensions.ExtensionArray,
    pinned: np.ndarray,
    settings: ServiceSettings,
) -> tuple[dict[str, ModelCapacity], LazyText]:
    """Cut high-touch, then medium-touch, to their CSMs' places (`model` in place); return figures and reasons.

    Accounts that do not fit high-touch fall to medium-touch first, so they compete for its places too.
    """
    capacity: dict[str, ModelCapacity] = {}
    for name, fallback, csms, per_csm in (
        (HIGH, MEDIUM, settings.high_touch_csms, settings.accounts_per_csm_high),
        (MEDIUM, TECH, settings.medium_touch_csms, settings.accounts_per_csm_medium),
    ):
        capacity[name], reason = apply_capacity(
            model,
            reason,
            score,
            revenue,
            ids=ids,
            name=name,
            fallback=fallback,
            csms=csms,
            per_csm=per_csm,
            pinned=pinned,
        )
    return capacity, reason


def _capacity_after_budget(
    capacity: dict[str, ModelCapacity], model: np.ndarray, budget: dict[str, BudgetCut]
) -> dict[str, ModelCapacity]:
    """Return every model's capacity figures once the budget has cut the personal ones, tech-touch included."""
    served = {name: int((model == SERVICE_MODELS.index(name)).sum()) for name in SERVICE_MODELS}
    after = {name: entry.after_budget(served[name], budget[name].fell) for name, entry in capacity.items()}
    return {**after, TECH: tech_capacity(served[TECH])}


def _at_risk(risk: RiskAssessment | None, n: int) -> np.ndarray:
    """True per account the risk model puts at risk (none without a risk model)."""
    return risk.at_risk if risk is not None else np.zeros(n, dtype=bool)


def _plan_moves(
    inputs: PotentialInputs,
    settings: ServiceSettings,
    thresholds: TierThresholds,
    unit: str,
    current: CurrentModels | None,
    *,
    risk: RiskAssessment | None,
    pins: Pins,
    costs: dict[str, float],
) -> Moves:
    """Return the move-up, move-down and save lists: the moves within budget, at-risk accounts saved, pins kept."""
    n = len(inputs.revenue)
    moves = flag_moves(inputs, settings, thresholds, unit, current)
    risk_score = risk.score if risk is not None else np.full(n, np.nan)
    return apply_save_and_pins(
        _affordable_ups(moves, inputs.revenue, inputs.short, costs, budget_share(settings)),
        at_risk=_at_risk(risk, n) & (inputs.revenue > 0),
        keep_out=pins.keep_out,
        risk_score=risk_score,
        risk_drivers=text(risk.drivers) if risk is not None else blank(n),
        plan_model=words_at(SERVICE_MODELS, inputs.model),
    )


def _plan_frame(
    inputs: PotentialInputs,
    score: np.ndarray,
    moves: Moves,
    *,
    words: dict[str, pd.api.extensions.ExtensionArray],
    risk: RiskAssessment | None,
    index: pd.Index,
) -> pd.DataFrame:
    """Return the plan per account, aligned with the customer table (see `ServicePlan.frame`); `words` are the
    base's (`PlanBase.words`)."""
    n = len(inputs.revenue)
    risk_score = risk.score if risk is not None else np.full(n, np.nan)
    return pd.DataFrame(
        {
            "service_model": str_array(words_at(SERVICE_MODELS, inputs.model)),
            "priority_score": np.round(score, 2),
            "arr_tier": words["arr_tier"],
            "potential_tier": words["potential_tier"],
            "move": str_array(moves.move),
            "current_model": str_array(moves.current_model),
            "pin": words["pin"],
            "risk_score": np.round(risk_score, 1),
            "risk_drivers": str_array(risk.drivers) if risk is not None else str_array(blank(n)),
        },
        index=index,
    )


def _segment_name_each(labels: np.ndarray, segment_names: dict[int, str]) -> pa.Array:
    """The segment name per customer ('Unassigned' for 0), looked up once per segment."""
    codes, unique = pd.factorize(labels.astype(int))
    names = [segment_names.get(int(x), _default_segment_name(int(x))) for x in unique]
    return words_at(names, codes)


def _default_segment_name(segment: int) -> str:
    """A segment's name where the plan was given none."""
    return "Unassigned" if segment == 0 else f"Segment {segment}"


def _rules_in_words(
    settings: ServiceSettings,
    thresholds: TierThresholds,
    capacity: dict[str, ModelCapacity],
    segment_names: dict[int, str],
    unit: str,
    *,
    costs: dict[str, float],
) -> list[str]:
    """The policy in force as plain sentences a sales leader can check (`costs`: per account, as planned)."""
    basis = _BASIS_WORDS[settings.potential_basis]
    said = thresholds.origin_words
    rules = [
        f"Top {unit} tier: {format_money(thresholds.arr_high)} or more ({said('arr_high')}); "
        f"lower tier: below {format_money(thresholds.arr_low)} ({said('arr_low')}).",
        f"High {basis}: {format_money(thresholds.potential_high)} or more ({said('potential_high')}); "
        f"low: below {format_money(thresholds.potential_low)} ({said('potential_low')}).",
    ]
    for model in SERVICE_MODELS:
        cells = [
            f"{_ARR_WORDS[a]} {unit} with {_POTENTIAL_WORDS[p]} potential"
            for a in TIERS
            for p in TIERS
            if settings.grid[a][p] == model
        ]
        if cells:
            rules.append(f"{model.capitalize()}: {'; '.join(cells)}.")
    overrides = settings.segment_overrides.items()
    rules.extend(_override_rule(key, _name_of(int(key), segment_names), model) for key, model in overrides)
    rules.extend(capacity_rule(model, capacity[model], lighter=_next(model)) for model in (HIGH, MEDIUM))
    rules.append(
        f"Priority score = {settings.weight_current:g} × {unit} percentile + {settings.weight_potential:g} × "
        f"{basis} percentile, scaled to 0–100."
    )
    tech = format_money(costs[TECH])
    if costs[TECH] < settings.cost_tech:
        tech += f" (pooled; {format_money(settings.cost_tech)} set)"
    rules.append(
        f"Cost to serve per account per year: high-touch {format_money(costs[HIGH])}, "
        f"medium-touch {format_money(costs[MEDIUM])}, tech-touch {tech}."
    )
    return rules


def _next(model: str) -> str:
    return MEDIUM if model == HIGH else TECH


def compare_plans(before: ServicePlan, after: ServicePlan) -> pd.DataFrame:
    """Return customers by model before (rows) × model after (columns): what changes when a setting moves."""
    if len(before.frame) != len(after.frame):
        raise InputError("The two plans cover different customers; compare plans made from the same file.")
    n = len(SERVICE_MODELS)
    counts = np.bincount(before.model_codes() * n + after.model_codes(), minlength=n * n).reshape(n, n)
    table = pd.DataFrame(counts, index=list(SERVICE_MODELS), columns=list(SERVICE_MODELS)).astype(int)
    table.index.name = "before"
    table.columns.name = "after"
    return table


def _apply_budget(
    model: np.ndarray,
    reason: LazyText,
    revenue: np.ndarray,
    pinned: np.ndarray,
    *,
    settings: ServiceSettings,
    unit: str,
) -> tuple[dict[str, BudgetCut], LazyText]:
    """Solve each personal model's revenue cut-off from the budget; rewrite the reasons of those who fell."""
    share = budget_share(settings)
    cuts: dict[str, BudgetCut] = {}
    for name, fallback, cost in ((HIGH, MEDIUM, settings.cost_high), (MEDIUM, TECH, settings.cost_medium)):
        cut, fell = solve_budget(model, revenue, pinned, name=name, fallback=fallback, cost=cost, share=share)
        cuts[name] = cut
        if len(fell) and share is not None:
            bound = "the revenue it serves" if share >= 1.0 else f"{share:.0%} of the {unit} it serves"
            floor = (
                f"affordable from {format_money(cut.revenue_floor)} {unit}"
                if cut.revenue_floor is not None
                else "not affordable for any account"
            )
            mask = np.zeros(len(model), dtype=bool)
            mask[fell] = True
            before = f"would be {name} at {unit} "
            after = f", but {name} costs {format_money(cost)} a year and must stay within {bound}: {floor} → {fallback}"
            reason = reason.put(mask, money_between(before, revenue, after))
    return cuts, reason


def _affordable_ups(
    moves: Moves, revenue: np.ndarray, short: np.ndarray, costs: dict[str, float], share: float | None
) -> Moves:
    """Drop move-ups whose new model would cost more than the budget share of next year's revenue."""
    if share is None:
        return moves
    # the model each move ends on as its position in SERVICE_MODELS (−1: no move): turning a million texts
    # into Python objects to compare them cost 0.1 s of a 1.0 s plan at 1,000,000 accounts
    move_to = text(
        np.full(len(revenue), moves.move_to, dtype=object) if isinstance(moves.move_to, str) else moves.move_to
    )
    to_code = pc.index_in(move_to, value_set=pa.array(list(SERVICE_MODELS), type=TEXT))
    cost_to = np.array([*(costs[name] for name in SERVICE_MODELS), 0.0])[
        to_code.fill_null(-1).to_numpy(zero_copy_only=False)
    ]
    too_dear = (np.asarray(moves.move, dtype=object) == "up") & (cost_to > share * (revenue + np.maximum(short, 0.0)))
    if not too_dear.any():
        return moves
    move = np.asarray(moves.move, dtype=object).copy()
    move[too_dear] = ""
    notes = [
        *moves.notes,
        f"{int(too_dear.sum()):,} move-ups were dropped: the more personal model would cost more than the budget "
        "allows for the revenue the account should bring next year.",
    ]
    return Moves(
        move=move,
        move_from=put(text(moves.move_from), too_dear, ""),
        move_to=put(text(moves.move_to), too_dear, ""),
        reason=moves.reason.put(too_dear, ""),
        upside=moves.upside,
        cost_change=np.where(too_dear, 0.0, moves.cost_change),
        current_model=moves.current_model,
        based_on=moves.based_on,
        rules=moves.rules,
        thresholds=moves.thresholds,
        notes=notes,
    )
