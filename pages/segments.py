"""Segments: what to segment on, how, how many; then who is in each segment and what sets it apart."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import pandas as pd
import streamlit as st

import app_support as support
from segmentation.charts import NARROWEST_CHART, fit_to_width
from segmentation.formatting import format_count, format_money, format_share
from segmentation.result import FIXED_CUSTOMER_COLUMNS
from segmentation.segments import charts as segment_charts
from segmentation.segments.settings import METHOD_LABELS

FAMILIES = ["firmographic", "geographic", "behavioural", "psychographic", "value"]
FAMILY_LABELS = {
    "firmographic": "Company (size, industry, plan)",
    "geographic": "Geography",
    "behavioural": "Behaviour (usage, engagement, purchases)",
    "psychographic": "Attitude (NPS, surveys)",
    "value": "Value (revenue, growth)",
}
METHODS = METHOD_LABELS
K_METHODS = {"kmeans", "gmm", "hierarchical", "mixed"}
METHOD_PURPOSE = {
    "kmeans": "The everyday choice: groups of similar size and shape; you pick how many.",
    "gmm": "Like k-means, but a customer can sit between groups; suits blurred boundaries.",
    "hierarchical": "Builds a family tree of customers and cuts it into groups; good for small files.",
    "hdbscan": "Finds dense groups itself and leaves customers who fit none unassigned.",
    "mixed": "For files where categories (industry, plan) matter as much as numbers.",
    "rule_tiers": "Tiers a sales team already knows, cut by thresholds on revenue or a column.",
    "rfm": "Recency, frequency and spend of purchases: needs a transactions file.",
}


def _thresholds(text: str) -> list[float] | None:
    """Read "1000, 5000" as [1000.0, 5000.0]; blank or unreadable text means "pick from the data"."""
    try:
        values = sorted(float(part) for part in text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        st.warning(f"Could not read '{support.inert(text)}' as numbers; thresholds are picked from the data.")
        return None
    return values or None


support.page_guard(__file__)
K_SLIDER = support.WIDGET_PREFIX + "segmentation.k"


def _k_picked() -> None:
    """The slider moved while the data chose k: the number picked is the number used from now on."""
    support.update_config(**{"segmentation.k": int(st.session_state[K_SLIDER]), "segmentation.auto_k": False})


st.title("Segments")
st.caption("Pick what matters for grouping your customers, then see who is in each group and what sets it apart.")

table = support.customer_table()
if table is None:
    st.stop()
config = support.get_config()
catalogue = support.criteria_offered()
by_column = {c.column: c for c in catalogue}

# --- criteria ------------------------------------------------------------------------------
with st.sidebar:
    st.header("Segment on")
    families = {c.column: config.criteria.families.get(c.column, c.family) for c in catalogue}
    default_columns = config.criteria.columns or [c.column for c in catalogue if c.default_selected]
    chosen: list[str] = []
    for family in FAMILIES:
        members = [c for c in catalogue if families[c.column] == family]
        if not members:
            continue
        picked = st.multiselect(
            FAMILY_LABELS[family],
            [c.column for c in members],
            default=[c.column for c in members if c.column in default_columns],
            key=f"criteria.{family}",
            help="; ".join(f"{c.column}: {c.reason}" for c in members),
        )
        chosen.extend(picked)
    ordered = [c.column for c in catalogue if c.column in chosen]
    if not ordered:
        st.warning("Nothing chosen: the default criteria are used.")
    if not (config.criteria.columns is None and ordered == default_columns) and ordered != (
        config.criteria.columns or []
    ):
        support.update_config(**{"criteria.columns": ordered or None})
    with st.expander("Weights"):
        st.caption("1 = normal, 2 = counts double, 0 = ignore. Applied after scaling.")
        weights = dict(config.criteria.family_weights)
        for family in FAMILIES:
            if any(families[c] == family for c in ordered):
                weight = st.slider(
                    FAMILY_LABELS[family], 0.0, 3.0, float(weights.get(family, 1.0)), 0.25, key=f"weight.{family}"
                )
                if weight != weights.get(family, 1.0):
                    weights[family] = weight
        if weights != dict(config.criteria.family_weights):
            support.update_config(**{"criteria.family_weights": weights})

    with st.expander("Fine-tune the criteria"):
        st.caption("Move a column to another family, or weigh one column more or less than the rest of its family.")
        tuning = pd.DataFrame(
            [
                {
                    "column": c.column,
                    "family": families[c.column],
                    "weight": float(config.criteria.weights.get(c.column, 1.0)),
                }
                for c in catalogue
            ]
        )
        tuned = st.data_editor(
            tuning,
            key="criteria_tuning",
            hide_index=True,
            disabled=["column"],
            column_config={
                "family": st.column_config.SelectboxColumn("family", options=FAMILIES, required=True),
                "weight": st.column_config.NumberColumn("weight", min_value=0.0, max_value=5.0, step=0.25),
            },
        )
        moved = {
            r["column"]: r["family"]
            for r in tuned.to_dict(orient="records")
            if r["family"] != by_column[r["column"]].family or r["column"] in config.criteria.families
        }
        moved = {column: family for column, family in moved.items() if family != by_column[column].family}
        weighed = {r["column"]: float(r["weight"]) for r in tuned.to_dict(orient="records") if r["weight"] != 1.0}
        if moved != dict(config.criteria.families) or weighed != dict(config.criteria.weights):
            support.update_config(**{"criteria.families": moved, "criteria.weights": weighed})
            st.rerun()
        support.bound(st.toggle, "Log-scale heavy-tailed money and counts", "criteria.log_heavy_tails")
        support.bound(
            st.selectbox,
            "Pull in outliers",
            "criteria.clip_quantile",
            options=[0.01, 0.05, None],
            format_func=lambda q: "keep them as they are" if q is None else f"to the {q:.0%}–{1 - q:.0%} range",
        )

    st.header("Method")
    # RFM needs purchase dates and counts: offered only when the file holds transactions.
    offered = [m for m in METHODS if m != "rfm" or table.grain == "transactions" or config.segmentation.method == m]
    method = support.bound(
        st.selectbox, "How to form segments", "segmentation.method", options=offered, format_func=METHODS.get
    )
    st.caption(support.inert(METHOD_PURPOSE.get(method, "")))
    if method in K_METHODS:
        data_k = support.chosen_k()
        if data_k is None:
            support.bound(
                st.slider,
                "Number of segments",
                "segmentation.k",
                min_value=2,
                max_value=12,
                # a number picked is the number used: runs before the page is drawn again
                on_change=lambda: support.update_config(**{"segmentation.auto_k": False}),
            )
        else:
            # The data chose the number: the slider shows that number (the settings keep theirs until one is picked).
            st.session_state[K_SLIDER] = data_k
            st.slider(
                "Number of segments",
                min_value=min(2, data_k),
                max_value=max(12, data_k),
                key=K_SLIDER,
                on_change=_k_picked,
            )
        k_now = support.get_config().segmentation.k
        auto_now = support.get_config().segmentation.auto_k
        # Keyed by k, so moving the slider shows the box as the settings now say (off).
        auto = st.checkbox(
            "Let the data choose the number of segments",
            value=auto_now,
            key=f"auto_k.{k_now}",
            help="On: the clearest grouping that holds when the data is resampled, with no tiny segments. "
            "Moving the slider turns this off.",
        )
        if auto != auto_now:
            support.update_config(**{"segmentation.auto_k": auto})
    if method == "hdbscan":
        support.bound(
            st.number_input,
            "Smallest group worth a segment (blank = picked from the data)",
            "segmentation.min_cluster_size",
            min_value=0,
            step=5,
            to_widget=lambda v: int(v or 0),
            from_widget=lambda v: int(v) if v and v >= 2 else None,
        )
    if method == "rule_tiers":
        numeric = [c.column for c in catalogue if c.kind == "numeric"]
        support.bound(
            st.selectbox,
            "Tier by",
            "segmentation.tiers_column",
            options=[None, *numeric],
            format_func=lambda v: "revenue" if v is None else v,
        )
        support.bound(
            st.text_input,
            "Thresholds, low to high (comma-separated)",
            "segmentation.tiers_thresholds",
            to_widget=lambda v: ", ".join(f"{x:g}" for x in v) if v else "",
            from_widget=_thresholds,
            help="Blank = thresholds picked from the data.",
        )
    support.bound(st.number_input, "Seed (same seed, same segments)", "segmentation.seed", min_value=0, step=1)

result = support.analysis_or_stop()
segmentation = result.segmentation
money = lambda value: format_money(value, result.currency, result.revenue_unit)  # noqa: E731

st.markdown(
    f"**{len(segmentation.profiles)} segments** of {format_count(result.table.n_customers)} customers "
    f"({support.inert(METHODS.get(segmentation.method, segmentation.method))}), on "
    f"{', '.join(support.inert(c) for c in result.criteria_labels.values()) or 'no criteria'}. "
    "Segment 1 earns the most."
)

# Why this many segments, and how far they hold: plain text, never Markdown.
if segmentation.k_reason:
    st.text(segmentation.k_reason)
if segmentation.stability_words:
    (st.warning if segmentation.rough_guide else st.caption)(segmentation.stability_words)

frame = result.segments_frame()
table_state = st.dataframe(
    frame[
        ["segment", "segment_name", "customers", "customer_share", "revenue", "revenue_share", "revenue_per_customer"]
    ],
    hide_index=True,
    column_config={
        "segment": st.column_config.NumberColumn("#", width="small"),
        "segment_name": "Segment",
        "customers": st.column_config.NumberColumn("Customers", format="localized"),
        "customer_share": st.column_config.ProgressColumn(
            "Share of customers", format="percent", min_value=0.0, max_value=1.0
        ),
        "revenue": st.column_config.NumberColumn(result.revenue_unit, format="compact"),
        "revenue_share": st.column_config.ProgressColumn(
            f"Share of {result.revenue_unit}", format="percent", min_value=0.0, max_value=1.0
        ),
        "revenue_per_customer": st.column_config.NumberColumn(f"{result.revenue_unit} per customer", format="compact"),
    },
    on_select="rerun",
    selection_mode="single-row",
    key="segment_table",
)
selected_rows = table_state.selection.rows if table_state is not None else []
if selected_rows:
    # Drill-down: a clicked segment row lists its accounts, largest first, with their names.
    opened = int(frame["segment"].iloc[selected_rows[0]])
    segment_members = result.accounts[result.accounts["segment"] == opened].sort_values(
        "revenue", ascending=False, kind="stable"
    )
    shown_columns = [
        c
        for c in ("customer_id", "customer_name", "revenue", "service_model", "long_term_potential")
        if c in segment_members.columns
    ]
    st.markdown(
        f"**Accounts in {support.inert(result.segment_names.get(opened, ''))}** "
        f"({format_count(len(segment_members))}, largest first)"
    )
    st.dataframe(
        segment_members[shown_columns].head(500),
        hide_index=True,
        key="segment_accounts",
        column_config={
            "customer_id": "ID",
            "customer_name": "Account",
            "revenue": st.column_config.NumberColumn(result.revenue_unit, format="compact"),
            "service_model": "Service model",
            "long_term_potential": st.column_config.NumberColumn("Potential, long term", format="compact"),
        },
    )
    st.page_link("pages/accounts.py", label="Search or filter these accounts", icon=":material/person_search:")
else:
    st.caption("Click a segment's row to see its accounts.")
notes = [*result.features.notes, *segmentation.notes]
if notes:
    with st.expander(f"How the criteria were prepared ({len(notes)} notes: scaling, missing values, outliers)"):
        st.markdown("\n".join(f"- {support.inert(note)}" for note in notes))

pictures = st.grid(2, min_column_width=NARROWEST_CHART)
seed = result.config.segmentation.seed
support.draw(
    pictures, result, "segment_map", lambda: segment_charts.segment_map(result.features, segmentation, seed=seed)
)
support.draw(pictures, result, "profile_heatmap", lambda: segment_charts.profile_heatmap(segmentation))

# --- profiles ------------------------------------------------------------------------------
st.subheader("What sets each segment apart")
details = segmentation.to_dict()
rules = {int(r["segment"]): r for r in details.get("rules", []) if isinstance(r, dict)}
for profile in segmentation.profiles:
    with st.expander(
        f"{profile.id}. {support.inert(profile.name)} · {format_count(profile.customers)} customers · "
        f"{format_share(profile.revenue_share)} of {support.inert(result.revenue_unit)}",
        expanded=profile.id == 1,
    ):
        st.write(support.inert(profile.description))
        cols = st.grid(3, min_column_width=190)  # "$32.3M ARR" whole, three a row or fewer
        # Shares as a grey note without an arrow: a share of the base is not growth.
        cols.metric(
            "Customers",
            format_count(profile.customers),
            format_share(profile.customer_share) + " of all",
            delta_color="off",
            delta_arrow="off",
        )
        cols.metric(
            support.inert(result.revenue_unit),
            money(profile.revenue),
            format_share(profile.revenue_share) + " of all",
            delta_color="off",
            delta_arrow="off",
        )
        cols.metric("Per customer", money(profile.revenue / profile.customers if profile.customers else 0))
        if profile.id in rules:
            rule = rules[profile.id]
            st.markdown(f"**Rule of thumb:** {support.inert(rule['text'])}")
            if rule.get("formula") and rule["formula"] != rule["text"]:
                st.caption(f"In your file's columns: {support.inert(rule['formula'])}")
        traits = profile.profile.get("traits") if isinstance(profile.profile, dict) else None
        if traits:
            st.markdown("\n".join(f"- {support.inert(t if isinstance(t, str) else t.get('text', t))}" for t in traits))
if details.get("rules_fidelity") is not None:
    st.caption(
        f"The rules of thumb put {format_share(details['rules_fidelity'])} of customers in the segment "
        "the method chose (a shallow decision tree fitted to the segments)."
    )

# --- rename and merge ----------------------------------------------------------------------
made_from = result.config.to_dict()
made_from["segmentation"].pop("names", None)
segments_made_from = hashlib.sha256(
    json.dumps({k: made_from[k] for k in ("intake", "criteria", "segmentation")}, sort_keys=True).encode()
).hexdigest()[:12]


def _renamed(profile_name: str) -> Callable[[str], object]:
    """A rename box's new name: an empty box or the name it already has leaves the names as they are."""
    return lambda text: text.strip() if text.strip() and text.strip() != profile_name else support.UNCHANGED


with st.expander("Rename or merge segments"):
    halves = st.columns(2)
    for i, profile in enumerate(segmentation.profiles):
        # Keyed by what the segments were made from, so a box never carries a name over to a
        # different segmentation (another method, k or criteria).
        with halves[i % 2]:
            support.bound_entry(
                st.text_input,
                f"Segment {profile.id}",
                "segmentation.names",
                str(profile.id),
                key=f"rename.{segments_made_from}.{profile.id}",
                shown=profile.name,
                from_widget=_renamed(profile.name),
            )
    pair = st.multiselect(
        "Merge these segments",
        [p.id for p in segmentation.profiles],
        format_func=lambda i: f"{i}. {result.segment_names[i]}",
        key="merge_pick",
        max_selections=2,
    )
    if st.button("Merge", key="merge_go", disabled=len(pair) != 2):
        support.update_config(**{"segmentation.merges": [*config.segmentation.merges, sorted(pair)]})
        st.rerun()
    if (config.segmentation.merges or config.segmentation.names) and st.button(
        "Undo renames and merges", key="merge_reset"
    ):
        for key in [k for k in st.session_state if str(k).startswith("rename.")]:
            del st.session_state[key]
        support.update_config(**{"segmentation.merges": [], "segmentation.names": {}})
        st.rerun()

# --- choosing k ----------------------------------------------------------------------------
if result.config.segmentation.method in K_METHODS:
    st.subheader("How many segments?")
    st.caption(
        "Tries each number of segments and scores how clearly customers separate and how stable the "
        "segments stay when the data is resampled."
    )
    k_range = st.slider("Numbers to try", 2, 12, (2, 8), key="scan_range")
    if st.button("Help me choose", key="scan_go", icon=":material/search:") or st.session_state.get("scan_shown"):
        st.session_state["scan_shown"] = True
        scan = support.k_scan(*k_range)
        if scan is not None:
            st.success(support.inert(scan.reason))
            st.altair_chart(fit_to_width(segment_charts.k_scan_chart(scan)))
            st.dataframe(scan.to_frame(), hide_index=True)
            if scan.recommended_k != result.config.segmentation.k and st.button(
                f"Use {scan.recommended_k} segments", key="scan_apply"
            ):
                st.session_state.pop("w.segmentation.k", None)
                support.update_config(**{"segmentation.k": int(scan.recommended_k)})
                st.rerun()

st.subheader("Customers and their segment")
criteria = [c for c in result.accounts.columns if c not in FIXED_CUSTOMER_COLUMNS]  # the columns used, then the lists
shown = result.accounts[["customer_id", "segment", "segment_name", "revenue", *criteria]]
st.dataframe(pd.DataFrame(shown).head(5000), hide_index=True)
if len(shown) > 5000:
    st.caption(f"Showing 5,000 of {format_count(len(shown))}; the Share page downloads them all.")
