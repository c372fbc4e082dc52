"""Story mode: walk a room through the analysis, one chapter at a time, with the current numbers."""

from __future__ import annotations

import streamlit as st

import app_support as support
from segmentation.charts import fit_to_width, report_charts
from segmentation.formatting import format_count, format_money, format_share

CHAPTERS = ["Who are our customers?", "Where is the money?", "How should we serve them?", "What we do next"]
STEP_KEY = "story_step"
# The "guess first" question the room answers before each chapter's answer is revealed.
GUESSES = [
    "How many distinct kinds of customer do we have, and which one earns most?",
    "What share of our revenue do the top 20% of customers bring?",
    "How many of our accounts deserve a named CSM?",
    "Which three decisions should this room take today?",
]
# Presenter notes per chapter, in an expander (closed on the shared screen).
NOTES = [
    "Start from the customers, not the model: read each segment's name and ask who knows an account like it. "
    "Five minutes per segment; note the surprises.",
    "Ask for the guess before revealing; most rooms underestimate concentration. Then name the top accounts "
    "and ask what losing one would cost.",
    "Walk the grid: current revenue down, potential across. Use the what-if on the Service models page "
    "to show what a CSM more or less changes.",
    "Close with owners and dates for each decision; hand out the report from the Share page.",
]


def draw_navigation() -> None:
    """Back and Next, under every chapter."""
    back, _, forward = st.columns([1, 4, 1], vertical_alignment="center")
    if back.button("◀ Back", key="story_back", disabled=step == 0, width="stretch", wrap=True):
        st.session_state[STEP_KEY] = step - 1
        st.rerun()
    if forward.button(
        "Next ▶", key="story_next", disabled=step == len(CHAPTERS) - 1, width="stretch", type="primary", wrap=True
    ):
        st.session_state[STEP_KEY] = step + 1
        st.rerun()


support.page_guard(__file__)
st.title("Story mode")
result = support.analysis()
if result is None:
    st.stop()

story_changes = support.session_changes()  # issue 15: a chapter when the Changes page has compared two dates
if story_changes is not None:
    CHAPTERS.insert(-1, "What changed since last time?")
step = min(max(int(st.session_state.get(STEP_KEY, 0)), 0), len(CHAPTERS) - 1)
st.progress((step + 1) / len(CHAPTERS), text=f"Chapter {step + 1} of {len(CHAPTERS)}: {CHAPTERS[step]}")
money = lambda value: format_money(value, result.currency, result.revenue_unit)  # noqa: E731
metrics = result.concentration.metrics
profiles = result.segmentation.profiles
charts = report_charts(result)
models = {m["name"]: m for m in result.service_models_summary()}

st.header(CHAPTERS[step])
with st.expander("Presenter notes"):
    st.write(NOTES[step])
guess_first = st.toggle("Guess first: hide each answer until it is revealed", key="story_guess_first")
if guess_first and not st.session_state.get(f"story_revealed.{step}"):
    st.markdown(f"### {GUESSES[step]}")
    st.caption("Let the room call out a guess, then reveal the answer.")
    if st.button("Reveal the answer", key="story_reveal", type="primary", icon=":material/visibility:"):
        st.session_state[f"story_revealed.{step}"] = True
        st.rerun()
    draw_navigation()
    st.stop()
if step == 0:
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
                f"{format_share(profile.customer_share, 1)} of all",
                delta_color="off",
                delta_arrow="off",
            )
            st.caption(support.inert(profile.description))
    if "segment_map" in charts:
        st.altair_chart(fit_to_width(charts["segment_map"]), width="stretch")
elif step == 1:
    st.markdown(
        f"### The top 20% of customers bring {format_share(metrics.top_20pct_revenue_share)} of "
        f"{support.inert(result.revenue_unit)}; 80% of it comes from "
        f"{format_share(metrics.customer_share_for_80pct_revenue)} "
        "of customers."
    )
    top = profiles[0]
    st.markdown(
        f"*{support.inert(top.name)}* alone is {format_share(top.customer_share)} of customers but "
        f"{format_share(top.revenue_share)} of revenue ({money(top.revenue)})."
    )
    if "pareto" in charts:
        st.altair_chart(fit_to_width(charts["pareto"]), width="stretch")
    if "segment_shares" in charts:
        st.altair_chart(fit_to_width(charts["segment_shares"]), width="stretch")
elif step == 2:
    st.markdown(
        f"### {format_count(models['high-touch']['customers'])} accounts earn a named CSM, "
        f"{format_count(models['medium-touch']['customers'])} pooled coverage and "
        f"{format_count(models['tech-touch']['customers'])} a digital programme."
    )
    st.markdown(
        f"High-touch accounts hold {money(models['high-touch']['revenue'])} today; the decision weighs current "
        f"{support.inert(result.revenue_unit)} and short- and long-term potential within the team's capacity."
    )
    if "service_grid" in charts:
        st.altair_chart(fit_to_width(charts["service_grid"]), width="stretch")
elif story_changes is not None and CHAPTERS[step] == "What changed since last time?":
    from segmentation.changes.charts import bridge_waterfall

    st.markdown(f"### {support.inert(story_changes.headlines[0])}")
    st.markdown("\n".join(f"- {support.inert(s)}" for s in story_changes.headlines[1:]))
    st.altair_chart(fit_to_width(bridge_waterfall(story_changes)), width="stretch")
else:
    move_up = result.service.move_up_frame()
    move_down = result.service.move_down_frame()
    st.markdown("### Three decisions for this room")
    st.markdown(
        f"1. Confirm the coverage: {format_count(models['high-touch']['customers'])} high-touch accounts.\n"
        f"2. Review {format_count(len(move_up))} under-served accounts with high potential "
        "(the *move up* list on the Service models page).\n"
        f"3. Review {format_count(len(move_down))} over-served accounts (the *move down* list)."
    )
    st.page_link("pages/share.py", label="Hand out the report", icon=":material/description:")

draw_navigation()
