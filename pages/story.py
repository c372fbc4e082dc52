"""Story mode: walk a room through the analysis, one chapter at a time, with the current numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

import app_chrome
import app_support as support
from segmentation.changes.charts import bridge_waterfall
from segmentation.charts import fit_to_width, report_charts
from segmentation.formatting import format_count, format_money, format_share
from segmentation.narrative import headcount_reading, model_mix
from segmentation.result import SERVICE_MODELS

STEP_KEY = "story_step"
PRESENTING_KEY = "story_presenting"
# The service settings and plan figures when the what-if chapter was first opened, to compare and go back to.
# (Comments, not docstrings: Streamlit's magic would print a bare string on the page.)
BASELINE_KEY = "story_baseline"
WHAT_IF_SETTINGS = (
    "arr_high",
    "arr_low",
    "potential_high",
    "potential_low",
    "high_touch_csms",
    "medium_touch_csms",
    "accounts_per_csm_high",
    "accounts_per_csm_medium",
)


@dataclass(frozen=True)
class Chapter:
    """One chapter: its title, the question the room guesses first, the presenter's notes and how it is drawn."""

    title: str
    guess: str
    notes: str
    draw: Callable[[], None]


def draw_navigation(step: int, count: int) -> None:
    """Back and Next, under every chapter (the arrow keys press them while presenting)."""
    back, _, forward = st.columns([1, 4, 1], vertical_alignment="center")
    if back.button("◀ Back", key="story_back", disabled=step == 0, width="stretch", wrap=True):
        st.session_state[STEP_KEY] = step - 1
        st.rerun()
    if forward.button(
        "Next ▶", key="story_next", disabled=step == count - 1, width="stretch", type="primary", wrap=True
    ):
        st.session_state[STEP_KEY] = step + 1
        st.rerun()


support.page_guard(__file__)
st.title("Story mode")
result = support.analysis_or_stop()

money = lambda value: format_money(value, result.currency, result.revenue_unit)  # noqa: E731
metrics = result.concentration.metrics
profiles = result.segmentation.profiles
charts = result.view(("report_charts",), lambda: report_charts(result))  # built once per result
plan = result.service
overview = plan.overview


def segments_chapter() -> None:
    st.markdown(
        f"### {format_count(result.table.n_customers)} customers fall into {len(profiles)} groups that behave "
        f"differently."
    )
    cards = st.grid(min(len(profiles), 4), min_column_width=220, border=True)  # fewer a row when narrow
    for profile in profiles[:4]:
        with cards.cell():
            st.markdown(f"**{support.inert(profile.name)}**")
            st.metric(
                "Customers",
                format_count(profile.customers),
                f"{format_share(profile.customer_share)} of all",
                delta_color="off",
                delta_arrow="off",
            )
            st.caption(support.inert(profile.description))
    if len(profiles) > 4:
        st.caption(f"And {format_count(len(profiles) - 4)} more on the Segments page.")
    if "segment_map" in charts:
        support.draw(st, result, "report.segment_map", lambda: charts["segment_map"])


def money_chapter() -> None:
    st.markdown(f"### {support.inert(result.concentration.reading())}")
    top = max(profiles, key=lambda p: p.revenue) if profiles else None
    if top is not None:
        st.markdown(
            f"The largest earner, *{support.inert(top.name)}*, is {format_share(top.customer_share)} of "
            f"customers and {format_share(top.revenue_share)} of revenue ({money(top.revenue)})."
        )
    if "pareto" in charts:
        support.draw(st, result, "report.pareto", lambda: charts["pareto"])
    if "segment_shares" in charts:
        support.draw(st, result, "report.segment_shares", lambda: charts["segment_shares"])


def best_customers_chapter() -> None:
    icp = result.economics.icp
    if icp.get("sentence"):
        st.markdown(f"### {support.inert(icp['sentence'])}")
    top = result.with_names(result.concentration.top_customers.head(10), segments=True)
    st.markdown(
        f"The top {format_count(len(top))} accounts alone bring "
        f"{format_share(metrics.top_10_customers_revenue_share)} of {support.inert(result.revenue_unit)}: "
        "who owns each of them, and when did we last talk to them?"
    )
    shown = [
        c for c in ("rank", "customer_id", "customer_name", "segment_name", "revenue", "revenue_share") if c in top
    ]
    st.dataframe(
        top[shown],
        hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn("Rank", format="%d"),
            "customer_id": st.column_config.TextColumn("Customer"),
            "customer_name": st.column_config.TextColumn("Name"),
            "segment_name": st.column_config.TextColumn("Segment"),
            "revenue": st.column_config.NumberColumn(result.revenue_unit, format="compact"),
            "revenue_share": st.column_config.NumberColumn("Share of revenue", format="percent"),
        },
    )


def risk_chapter() -> None:
    risk = result.potential.risk
    signals = {} if risk is None else risk.signals
    if risk is None or not signals:
        st.markdown("### This file carries no churn signal, so no account is flagged as at risk.")
        st.caption(
            "Add a column for health score, usage trend, support tickets, renewal date or status (e.g. 'at "
            "risk', 'past due') and this chapter lists the accounts to save."
        )
        return
    save = plan.save_frame(head=5)  # the five largest: the reasons are written for these only
    at_risk = plan.moves.save.revenue  # the plan's own sum (revenue clipped at 0)
    total = float(overview.total_revenue) or 1.0
    if save.empty:
        st.markdown(
            f"### No account reaches the at-risk score ({risk.at_risk_from:.0f} of 100) on the signals in this file."
        )
    else:
        st.markdown(
            f"### {format_count(plan.moves.save.customers)} accounts are at risk, holding {money(at_risk)} "
            f"({format_share(at_risk / total)} of {support.inert(result.revenue_unit)})."
        )
    st.caption("Read from: " + "; ".join(f"{support.inert(k)} ({support.inert(v)})" for k, v in signals.items()))
    if not save.empty:
        named = result.with_names(save)
        shown = [
            c
            for c in ("customer_id", "customer_name", "segment_name", "revenue", "risk_score", "risk_drivers")
            if c in named
        ]
        st.markdown("The five largest, with what puts each at risk:")
        st.dataframe(
            named[shown],
            hide_index=True,
            column_config={
                "customer_id": st.column_config.TextColumn("Customer"),
                "customer_name": st.column_config.TextColumn("Name"),
                "segment_name": st.column_config.TextColumn("Segment"),
                "revenue": st.column_config.NumberColumn(result.revenue_unit, format="compact"),
                "risk_score": st.column_config.NumberColumn("Risk (0–100)", format="%.0f"),
                "risk_drivers": st.column_config.TextColumn("Why"),
            },
        )


def plan_figures() -> dict[str, dict[str, float]]:
    """Accounts and yearly cost per service model, as planned now."""
    return {m: {"customers": overview.model(m).customers, "cost": overview.model(m).cost} for m in SERVICE_MODELS}


def service_chapter() -> None:
    if BASELINE_KEY not in st.session_state:
        settings = result.config.service
        st.session_state[BASELINE_KEY] = {
            "settings": {name: getattr(settings, name) for name in WHAT_IF_SETTINGS},
            "figures": plan_figures(),
        }
    baseline = st.session_state[BASELINE_KEY]
    figures = plan_figures()
    st.markdown(f"### {support.inert(model_mix(overview))}")
    cards = st.grid(3, min_column_width=200, border=True)  # fewer a row when narrow
    for model in SERVICE_MODELS:
        now, then = figures[model], baseline["figures"][model]
        with cards.cell():
            st.metric(
                support.inert(model.capitalize()),
                format_count(now["customers"]),
                None
                if now["customers"] == then["customers"]
                else f"{now['customers'] - then['customers']:+,} since the start",
                delta_color="off",
            )
            st.caption(
                f"{money(overview.model(model).revenue)} today · cost to serve "
                f"{format_money(now['cost'], result.currency)} a year · "
                f"CSMs needed {format_count(overview.model(model).csms_needed)}"
            )
    if "service_grid" in charts:
        support.draw(st, result, "report.service_grid", lambda: charts["service_grid"])
    with st.expander("What if? Change the team or the tiers and watch the plan move", expanded=True):
        st.caption("The same settings as the Service models page: what you change here stays in the analysis.")
        support.capacity_inputs()
        support.tier_inputs(result)
        changed = {
            name for name, value in baseline["settings"].items() if getattr(result.config.service, name) != value
        }
        if changed and st.button("Back to where we started", key="story_what_if_reset", icon=":material/undo:"):
            support.update_config(**{f"service.{name}": baseline["settings"][name] for name in WHAT_IF_SETTINGS})
            for key in [k for k in st.session_state if str(k).startswith(support.WIDGET_PREFIX + "service.")]:
                del st.session_state[key]
            st.rerun()


def changes_chapter() -> None:
    st.markdown(f"### {support.inert(story_changes.headlines[0])}")
    st.markdown("\n".join(f"- {support.inert(s)}" for s in story_changes.headlines[1:]))
    st.altair_chart(fit_to_width(bridge_waterfall(story_changes)), width="stretch")


def next_chapter() -> None:
    move_up, move_down, save = plan.moves.up.customers, plan.moves.down.customers, plan.moves.save.customers
    st.markdown("### Decisions for this room")
    lines = [
        f"Confirm the coverage. {headcount_reading('high-touch', plan.capacity['high-touch'])}",
        f"Review {format_count(move_up)} under-served accounts with high potential (the move-up list on the "
        "Service models page).",
        f"Review {format_count(move_down)} over-served accounts (the move-down list).",
    ]
    if save:
        lines.append(f"Give each of the {format_count(save)} accounts at risk an owner and a save play.")
    st.markdown("\n".join(f"{i:d}. {support.inert(line)}" for i, line in enumerate(lines, start=1)))
    st.caption("Write an owner and a date next to each before the room breaks up.")
    st.page_link("pages/share.py", label="Hand out the report", icon=":material/description:")


story_changes = support.session_changes()  # issue 15: a chapter when the Changes page has compared two dates
chapters = [
    Chapter(
        "Who are our customers?",
        "How many distinct kinds of customer do we have, and which one earns most?",
        "Start from the customers, not the model: read each segment's name and ask who knows an account like "
        "it. Five minutes per segment; note the surprises.",
        segments_chapter,
    ),
    Chapter(
        "Where is the money?",
        "What share of our revenue do the top 20% of customers bring?",
        "Ask for the guess before revealing; most rooms underestimate concentration. Then ask what losing the "
        "largest segment's top account would cost.",
        money_chapter,
    ),
    Chapter(
        "Who are our best customers?",
        f"Name our three largest accounts. How much of our {result.revenue_unit} do the top ten bring?",
        "Read the profile aloud and ask: is this who marketing targets today? Then go down the top ten: who "
        "owns each account, when did we last meet them, what would they buy next?",
        best_customers_chapter,
    ),
    Chapter(
        "Who might we lose?",
        "How many accounts are at risk right now, and how much revenue do they hold?",
        "Take the largest at-risk account and agree a save play and an owner before moving on. If the file has "
        "no churn signal, ask which one the CRM could export next time.",
        risk_chapter,
    ),
    Chapter(
        "How should we serve them?",
        "How many of our accounts deserve a named CSM?",
        "Walk the grid: current revenue down, potential across. Then use the what-if: one CSM more or less, a "
        "higher top tier; the plan redraws. 'Back to where we started' undoes the room's changes.",
        service_chapter,
    ),
    Chapter(
        "What we do next",
        "Which three decisions should this room take today?",
        "Close with owners and dates for each decision; hand out the report from the Share page.",
        next_chapter,
    ),
]
if story_changes is not None:
    chapters.insert(
        -1,
        Chapter(
            "What changed since last time?",
            f"Did our {result.revenue_unit} grow or shrink since the last snapshot, and why?",
            "Read the bridge left to right: new, expansion, contraction, churn. Ask who owned the largest loss.",
            changes_chapter,
        ),
    )

step = min(max(int(st.session_state.get(STEP_KEY, 0)), 0), len(chapters) - 1)
chapter = chapters[step]
presenting = st.toggle(
    "Presenting: hide the menus, larger text (← and → turn the chapters)",
    key=PRESENTING_KEY,
)
if presenting:
    app_chrome.presenting_mode()
st.progress((step + 1) / len(chapters), text=f"Chapter {step + 1} of {len(chapters)}: {chapter.title}")
st.header(support.inert(chapter.title))
with st.expander("Presenter notes"):
    st.write(support.inert(chapter.notes))
guess_first = st.toggle("Guess first: hide each answer until it is revealed", key="story_guess_first")
if guess_first and not st.session_state.get(f"story_revealed.{chapter.title}"):
    st.markdown(f"### {support.inert(chapter.guess)}")
    st.caption("Let the room call out a guess, then reveal the answer.")
    if st.button("Reveal the answer", key="story_reveal", type="primary", icon=":material/visibility:"):
        st.session_state[f"story_revealed.{chapter.title}"] = True
        st.rerun()
else:
    chapter.draw()
draw_navigation(step, len(chapters))
