"""Service models: high-, medium- or tech-touch per account, from current revenue and potential, within capacity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import app_support as support
from segmentation.charts import NARROWEST_CHART
from segmentation.formatting import format_count, format_money, format_share
from segmentation.narrative import budget_cut, capacity_cut
from segmentation.result import SERVICE_MODELS
from segmentation.service import charts as service_charts
from segmentation.service import compare_plans

TIER_LABELS = {"high": "High", "mid": "Mid", "low": "Low"}

support.page_guard(__file__)
st.title("Service models")
st.caption(
    "Who gets a named CSM (high-touch), pooled CSMs and programmes (medium-touch) or automated, self-serve "
    "service (tech-touch), judged on what each account pays today and what it could pay soon and in the long run."
)

result = support.analysis_or_stop()
plan = result.service
summary = plan.to_dict()
unit = result.revenue_unit
money = lambda value: format_money(value, result.currency, unit)  # noqa: E731
models = {m["name"]: m for m in result.service_models_summary()}
overview = plan.overview
if overview.headline:
    st.info(support.inert(overview.headline))
validation = result.potential.validation
if validation is not None:
    st.caption(f"Potential: {support.inert(validation.sentence)}")

cards = st.grid(3, min_column_width=240, border=True)  # one card per model; fewer a row when narrow
for model in SERVICE_MODELS:
    entry = models[model]
    figures = overview.model(model)
    with cards.cell():
        st.markdown(f"**{support.inert(model.capitalize())}**")
        st.metric("Accounts", format_count(figures.customers))
        st.caption(
            f"{money(figures.revenue)} today · long-term potential {money(entry.get('long_term_potential'))} · "
            f"CSMs needed {format_count(figures.csms_needed)}"
            + (
                f" (the grid asked for {format_count(figures.csms_for_demand)})"
                if figures.csms_for_demand != figures.csms_needed
                else ""
            )
            + f" · cost to serve {format_money(figures.cost, result.currency)} a year"
            + (
                f" ({format_share(figures.cost_to_revenue)} of {support.inert(unit)})"
                if figures.cost_to_revenue is not None
                else ""
            )
        )

pictures = st.grid(2, min_column_width=NARROWEST_CHART)
support.draw(pictures, result, "service_grid", lambda: service_charts.service_grid(plan))
support.draw(pictures, result, "capacity", lambda: service_charts.capacity(plan))

for cut in plan.budget.values():
    if cut.fell:
        st.warning(support.inert(budget_cut(cut, unit, money)))
for model, capacity in plan.capacity.items():
    if capacity.spilled:
        st.warning(support.inert(capacity_cut(model, capacity)))

st.subheader("The rules in force")
st.markdown("\n".join(f"- {support.inert(line)}" for line in summary.get("rules_in_words", [])))


# --- policy --------------------------------------------------------------------------------
def _potential_and_tiers() -> None:
    """The potential columns, the tiers and what potential means."""
    st.markdown("**Potential.** Estimated from the data unless you have your own (e.g. from the CRM).")
    numeric = result.table.columns_with_role("numeric")
    row = list(st.columns(2))  # a list: the rows below are lists of grid cells
    with row[0]:
        support.bound(
            st.selectbox,
            "Long-term potential column",
            "potential.potential_column",
            options=[None, *numeric],
            format_func=lambda v: "estimate it" if v is None else v,
        )
    with row[1]:
        support.bound(
            st.selectbox,
            "12-month potential column",
            "potential.short_term_column",
            options=[None, *numeric],
            format_func=lambda v: "estimate it" if v is None else v,
        )
    st.markdown("**Tiers.** Each box shows the threshold in force: picked from the data until you type your own.")
    support.tier_inputs(result)
    row = list(st.columns(2))
    with row[0]:
        support.bound(
            st.selectbox,
            "Potential means",
            "service.potential_basis",
            options=["long_term", "short_term", "blend"],
            format_func=lambda v: {
                "long_term": "worth at maturity",
                "short_term": "growth in 12 months",
                "blend": "a blend of both",
            }[v],
        )


def _grid() -> None:
    """The 3 × 3 grid: a model per current-revenue tier and potential tier."""
    st.markdown(f"**Grid** (rows: current {support.inert(unit)} tier; columns: potential tier)")
    grid = result.config.service.grid
    header = st.columns(4)
    header[0].caption(f"{support.inert(unit)} ↓ / potential →")
    for i, tier in enumerate(("high", "mid", "low")):
        header[i + 1].caption(TIER_LABELS[tier])
    for arr_tier in ("high", "mid", "low"):
        grid_row = st.columns(4)
        grid_row[0].markdown(TIER_LABELS[arr_tier])
        for i, potential_tier in enumerate(("high", "mid", "low")):
            with grid_row[i + 1]:
                support.bound_entry(
                    st.selectbox,
                    f"{arr_tier}/{potential_tier}",
                    "service.grid",
                    (arr_tier, potential_tier),
                    key=f"grid.{arr_tier}.{potential_tier}",
                    shown=grid[arr_tier][potential_tier],
                    options=SERVICE_MODELS,
                    label_visibility="collapsed",
                )


def _capacity_budget_and_costs() -> None:
    """Capacity, the budget, the business kind, the at-risk score, the priority weights and the costs."""
    st.markdown("**Capacity** (0 CSMs = no limit; the headcount needed is shown instead)")
    support.capacity_inputs()
    st.markdown("**Budget** (what each personal model may cost, as a share of the revenue it serves)")
    widgets = st.grid(5, min_column_width=200)  # fewer a row when narrow
    row = [widgets.cell() for _ in range(5)]
    for cell, (label, path, most, explained) in zip(
        row[:2],
        [
            (
                "Budget: cost ÷ revenue (%)",
                "service.cost_budget_share",
                1000.0,
                "0 = no budget. 15% follows $1–2M ARR per CSM at about 150k a year fully loaded.",
            ),
            (
                "Always worth it at cost ÷ revenue up to (%)",
                "service.affordable_cost_share",
                100.0,
                "An account a personal model would cost at most this share of is put at least in the tier that "
                "calls for it (5%: the top tier from 20 × the high-touch cost, the middle tier from 20 × the "
                "medium-touch cost), whatever the data's tiers. 0 = the tiers follow the data alone.",
            ),
        ],
        strict=True,
    ):
        with cell:
            support.bound(
                st.number_input,
                label,
                path,
                min_value=0.0,
                max_value=most,
                step=1.0,
                to_widget=lambda v: 0.0 if v is None else round(float(v) * 100.0, 2),
                from_widget=lambda v: None if not v else float(v) / 100.0,  # 0 = off
                help=explained,
            )
    with row[2]:
        support.bound(st.checkbox, "Allow a model to cost more than it serves", "service.allow_cost_above_revenue")
    with row[3]:
        support.bound(
            st.selectbox,
            "Business kind",
            "service.consumer_like",
            options=["auto", "yes", "no"],
            format_func=lambda v: {"auto": "decide from the data", "yes": "consumer-like", "no": "business (B2B)"}[v],
        )
    with row[4]:
        support.bound(
            st.slider, "At risk from score", "potential.at_risk_from", min_value=1.0, max_value=100.0, step=1.0
        )
    widgets = st.grid(5, min_column_width=200)  # fewer a row when narrow
    row = [widgets.cell() for _ in range(5)]
    with row[0]:
        support.bound(
            st.slider, "Priority: weight of today's revenue", "service.weight_current", min_value=0.0, max_value=1.0
        )
    with row[1]:
        support.bound(
            st.slider, "Priority: weight of potential", "service.weight_potential", min_value=0.0, max_value=1.0
        )
    for col, (path, label) in zip(
        row[2:],
        [
            ("service.cost_high", "Cost per high-touch account / year"),
            ("service.cost_medium", "… medium-touch"),
            ("service.cost_tech", "… tech-touch"),
        ],
        strict=True,
    ):
        with col:
            support.bound(st.number_input, label, path, min_value=0.0, step=100.0)


def _segment_overrides() -> None:
    """A model per segment, over the grid."""
    st.markdown("**Per-segment overrides**")
    overrides = dict(result.config.service.segment_overrides)
    options = ["(policy)", *SERVICE_MODELS]
    cols = st.columns(2)
    for i, profile in enumerate(result.segmentation.profiles):
        with cols[i % 2]:
            support.bound_entry(
                st.selectbox,
                f"{profile.id}. {profile.name}",
                "service.segment_overrides",
                str(profile.id),
                key=f"override.{profile.id}",
                shown=overrides.get(str(profile.id), "(policy)"),
                from_widget=lambda picked: None if picked == "(policy)" else picked,
                options=options,
            )


def _policy() -> None:
    """Potential columns, tiers, grid, capacity, budget, weights, costs and per-segment overrides."""
    _potential_and_tiers()
    _grid()
    _capacity_budget_and_costs()
    _segment_overrides()


support.lazy_expander("Change the policy: tiers, grid, capacity, costs", "policy", _policy)

# --- what changed --------------------------------------------------------------------------
baseline = support.default_policy_plan() if result.config.service != type(result.config.service)() else None
if baseline is not None:
    st.subheader("What changes against the default policy")
    moves = compare_plans(baseline, plan)
    st.dataframe(moves, hide_index=False)

# --- move up / move down -------------------------------------------------------------------
moves = summary.get("moves", {})
based_on_today = moves.get("based_on") == "current_model"
st.subheader("Who should move")
if based_on_today:
    today_column = plan.current.column if plan.current else ""
    st.caption(
        f"Compared with how accounts are served today (column '{support.inert(today_column)}'): "
        "move up where the "
        "plan is more personal than today, move down where it is lighter."
    )
else:
    st.caption(
        "No column says how accounts are served today, so these are the plan's borderline cases: accounts "
        "served lightly despite high potential, and high-touch accounts whose value does not carry the cost. "
        "Choose a column below if your file has one."
    )
SHOWN_LISTED = 200  # accounts shown per list; the Share page downloads every one
lists = st.grid(3, min_column_width=320)  # three lists side by side on a wide page, one under another when not
for key, frame, title, caption in (
    (
        "up",
        plan.move_up_frame(head=SHOWN_LISTED),
        "Move up",
        "More attention would pay: upside is the potential not yet earned.",
    ),
    (
        "down",
        plan.move_down_frame(head=SHOWN_LISTED),
        "Move down",
        "The CSM time is better spent elsewhere; cost change per year.",
    ),
    (
        "save",
        plan.save_frame(head=SHOWN_LISTED),
        "Save",
        "At risk: a save play before any expansion, largest revenue at risk first.",
    ),
):
    with lists.cell():
        figures = moves.get(key, {})
        st.markdown(f"**{support.inert(title)}: {format_count(figures.get('customers', len(frame)))} accounts**")
        st.caption(
            f"{support.inert(caption)} {support.inert(unit)} today {money(figures.get('revenue'))}; "
            f"upside {money(figures.get('upside'))}; "
            f"cost change {format_money(figures.get('cost_change'), result.currency)} a year."
        )
        shown = frame[
            [
                c
                for c in (
                    "customer_id",
                    "segment_name",
                    "revenue",
                    "move_from",
                    "move_to",
                    "upside" if key != "save" else "risk_score",
                    "move_reason",
                )
                if c in frame
            ]
        ]
        st.dataframe(
            shown,
            hide_index=True,
            column_config={
                "revenue": st.column_config.NumberColumn(unit, format="compact"),
                "upside": st.column_config.NumberColumn("Upside", format="compact"),
            },
        )
crosstab = plan.current_vs_recommended_frame()
if crosstab is not None:
    st.markdown("**Today against the plan** (rows: how accounts are served today)")
    st.dataframe(crosstab)


def _today_and_move_rules() -> None:
    """The column saying how accounts are served today, and the two move thresholds."""
    columns = [c for c in result.table.customers.columns if c not in ("customer_id", "revenue")]
    detect = "Detect a column"
    none = "No such column"
    current = result.config.service.current_model_column
    column_choice = st.selectbox(
        "Column saying how each account is served today",
        [detect, none, *columns],
        index=[detect, none, *columns].index(
            current if current in columns else (detect if result.config.service.detect_current_model else none)
        ),
        key="current_model_pick",
    )
    wanted = {
        "service.current_model_column": column_choice if column_choice in columns else None,
        "service.detect_current_model": column_choice == detect,
    }
    if wanted["service.current_model_column"] != current or wanted["service.detect_current_model"] != (
        result.config.service.detect_current_model
    ):
        support.update_config(**wanted)
        st.rerun()
    for note in (summary.get("current_model") or {}).get("notes", []):
        st.caption(support.inert(note))
    row = list(st.columns(2))
    with row[0]:
        support.bound(
            st.number_input,
            "Move up when potential is at least … × today's revenue",
            "service.move_up_multiple",
            min_value=1.0,
            step=0.5,
        )
    with row[1]:
        support.bound(
            st.slider,
            "Move down when high-touch cost exceeds … of next year's revenue",
            "service.max_cost_share",
            min_value=0.05,
            max_value=1.0,
            step=0.05,
        )


support.lazy_expander("How today's service is read, and the move rules", "today", _today_and_move_rules)

# --- playbooks -----------------------------------------------------------------------------
st.subheader("Playbooks")
defaults = summary.get("playbooks", {})
playbook_boxes = st.grid(3, min_column_width=260)
for model in SERVICE_MODELS:
    with playbook_boxes.container():
        support.bound_entry(
            st.text_area,
            model.capitalize(),
            "service.playbooks",
            model,
            key=f"playbook.{model}",
            shown=defaults.get(model, ""),
            height=180,
        )

for profile in result.segmentation.profiles:
    actions = plan.segment_actions.get(str(profile.id)) or []
    if actions:
        st.markdown(f"**{profile.id}. {support.inert(profile.name)}**")
        for line in actions:
            st.text(f"• {line}")

st.subheader("Pins")
st.caption("Named accounts or an ARR floor pinned to a model, or kept out of every move; with who set it and why.")
# one line per pin in the settings' order (the plan keeps it), each with its own remove button
for position, line in enumerate(overview.pins):
    text_col, button_col = st.columns([6, 1], vertical_alignment="center")
    text_col.text(f"• {line}")
    if button_col.button("Remove", key=f"pin_remove.{position}", help="Remove this pin; the plan places the accounts"):
        kept = [p.model_dump() for i, p in enumerate(result.config.service.pins) if i != position]
        support.update_config(**{"service.pins": kept})
        st.rerun()
with st.form("pin_form", clear_on_submit=True):
    row = list(st.columns(3))
    pin_ids = row[0].text_input("Customer IDs (comma-separated)", key="pin_ids")
    pin_floor = row[1].number_input(f"…or every account from this {unit}", min_value=0.0, step=1000.0, key="pin_floor")
    pin_model = row[2].selectbox("Pin to", ["keep out of moves", *SERVICE_MODELS], key="pin_model")
    row = list(st.columns(2))
    pin_by = row[0].text_input("Set by", max_chars=300, key="pin_by")
    pin_why = row[1].text_input("Why", max_chars=300, key="pin_why")
    if st.form_submit_button("Add pin"):
        pins = [p.model_dump() for p in result.config.service.pins]
        pins.append(
            {
                "accounts": [x.strip() for x in pin_ids.split(",") if x.strip()],
                "arr_floor": float(pin_floor) or None,
                "model": None if pin_model == "keep out of moves" else pin_model,
                "set_by": pin_by,
                "reason": pin_why,
            }
        )
        support.update_config(**{"service.pins": pins})
        st.rerun()
if result.config.service.pins and st.button("Remove all pins", key="pins_clear"):
    support.update_config(**{"service.pins": []})
    st.rerun()


def _segment_notes() -> None:
    """One note per segment, added to the playbook of its accounts."""
    notes = result.config.service.segment_playbooks
    for profile in result.segmentation.profiles:
        support.bound_entry(
            st.text_input,
            f"{profile.id}. {profile.name}",
            "service.segment_playbooks",
            str(profile.id),
            key=f"segment_playbook.{profile.id}",
            shown=notes.get(str(profile.id), ""),
            from_widget=lambda text: text.strip() or None,
        )


support.lazy_expander("A note per segment (added to the playbook of its accounts)", "segment_notes", _segment_notes)

st.subheader(f"Cost to serve against {support.inert(unit)}, per segment and model")
st.dataframe(
    plan.segment_frame(),
    hide_index=True,
    column_config={
        "revenue": st.column_config.NumberColumn(unit, format="compact"),
        "cost": st.column_config.NumberColumn(
            "Cost a year" + (f" ({result.currency})" if result.currency else ""), format="compact"
        ),
        "cost_to_revenue": st.column_config.NumberColumn(f"Cost ÷ {unit}", format="percent"),
    },
)

# --- the accounts --------------------------------------------------------------------------
st.subheader("Every account with its model and the reason")
shown_models = st.multiselect("Show", SERVICE_MODELS, default=list(SERVICE_MODELS), key="service_filter")
ACCOUNT_COLUMNS = [
    "customer_id",
    "segment_name",
    "revenue",
    "short_term_potential",
    "long_term_potential",
    "priority_score",
    "service_model",
    "service_model_reason",
]
SHOWN_ACCOUNTS = 5000


def _top_accounts(models: tuple[str, ...]) -> pd.DataFrame:
    """The `SHOWN_ACCOUNTS` accounts on `models` with the highest priority score (ties by customer ID): only
    those rows are sorted and copied (sorting every row took 0.9 s a run at 1,000,000 customers)."""
    frame = result.accounts
    rows = np.flatnonzero(frame["service_model"].isin(models).to_numpy())
    scores = frame["priority_score"].to_numpy(dtype=float)[rows]
    if len(rows) > SHOWN_ACCOUNTS:
        floor = np.partition(scores, len(scores) - SHOWN_ACCOUNTS)[len(scores) - SHOWN_ACCOUNTS]
        rows, scores = rows[scores >= floor], scores[scores >= floor]
    ids = frame["customer_id"].iloc[rows].to_numpy(dtype=object).astype(str)  # the rows in the running only
    ordered = rows[np.lexsort((ids, -scores))][:SHOWN_ACCOUNTS]
    return result.reasons_at(frame.iloc[ordered])[ACCOUNT_COLUMNS].reset_index(drop=True)


accounts = result.view(("service.top_accounts", tuple(shown_models)), lambda: _top_accounts(tuple(shown_models)))
st.dataframe(
    accounts,
    hide_index=True,
    column_config={
        "revenue": st.column_config.NumberColumn(unit, format="compact"),
        "short_term_potential": st.column_config.NumberColumn("Extra in 12 months", format="compact"),
        "long_term_potential": st.column_config.NumberColumn("Worth at maturity", format="compact"),
        "priority_score": st.column_config.ProgressColumn("Priority", min_value=0, max_value=100, format="%.0f"),
    },
)
for note in [*result.potential.notes, *summary.get("notes", [])]:
    st.caption(f"ℹ️ {support.inert(note)}")
