"""Every page runs on the sample data and shows what a user expects; bad input shows st.error."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_support.state import OPEN_PREFIX
from tests.conftest import ROOT, SAMPLE_INVOICES

PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))
TIMEOUT = 120


def start() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


OPENED = {
    "service_models.py": ("policy", "today", "segment_notes"),
    "concentration.py": ("concentration_views", "money_columns"),
}
"""Per page, its `support.lazy_expander` sections, which `visit` opens."""


def visit(at: AppTest, page: str, *, opened: bool = True) -> AppTest:
    """Open `page` with its lazily drawn sections open (`opened`), as a user changing their widgets has them."""
    for name in OPENED.get(page, ()) if opened else ():
        at.session_state[OPEN_PREFIX + name] = True
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_every_page_is_tested() -> None:
    assert set(PAGES) == {
        "home.py",
        "data.py",
        "segments.py",
        "concentration.py",
        "service_models.py",
        "share.py",
        "story.py",
        "changes.py",
        "accounts.py",
        "glossary.py",
    }


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_sample_without_errors(page: str) -> None:
    at = visit(start(), page)
    assert not at.error, [e.value for e in at.error]
    assert at.title, f"{page} shows a title"


def test_overview_shows_headline_numbers() -> None:
    at = start()
    labels = {m.label: m.value for m in at.metric}
    assert labels["Customers"] == "3,000" or labels["Customers"].replace(",", "").isdigit()
    assert "Top 20% of customers hold" in labels
    assert labels["Top 20% of customers hold"].endswith("%")
    assert "top 20% of customers bring" in markdown_text(at)


def test_transactions_sample_from_the_first_screen() -> None:
    at = start()
    at.button(key="home_sample_invoices").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert "transactions" in markdown_text(at).lower() or SAMPLE_INVOICES.name in markdown_text(at)


def test_segments_page_changes_with_k() -> None:
    at = visit(start(), "segments.py")
    at.slider(key="w.segmentation.k").set_value(3).run()
    assert not at.exception
    first = at.dataframe[0].value
    assert len(first) == 3
    at.slider(key="w.segmentation.k").set_value(5).run()
    assert len(at.dataframe[0].value) == 5


def test_going_back_to_the_k_the_data_chose_fits_nothing_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """k chosen from the data (4 on the sample) → 5 → 4 by hand: the last is served from the caches (no
    clustering, no plan), and says the 4 is the user's choice; the segments are those of the first run."""
    import streamlit as st

    import app_support.stages

    st.cache_resource.clear()  # other tests may have fitted k + 1 on the sample already
    calls: list[str] = []
    for name in ("find_clusters", "plan"):
        original = getattr(app_support.stages, name)
        monkeypatch.setattr(
            app_support.stages, name, lambda *a, _f=original, _n=name, **k: (calls.append(_n), _f(*a, **k))[1]
        )
    at = visit(start(), "segments.py")
    assert at.session_state["config"].segmentation.auto_k
    chosen = at.slider(key="w.segmentation.k").value
    first = at.dataframe[0].value
    calls.clear()
    at.slider(key="w.segmentation.k").set_value(chosen + 1).run()
    assert calls == ["find_clusters", "plan"], calls
    calls.clear()
    at.slider(key="w.segmentation.k").set_value(chosen).run()
    assert not at.exception
    assert calls == []
    config = at.session_state["config"].segmentation
    assert (config.auto_k, config.k) == (False, chosen)
    assert first.equals(at.dataframe[0].value)
    assert any(t.value == f"{chosen} segments, as you chose." for t in at.text)


def _spy(monkeypatch: pytest.MonkeyPatch, module: object, *names: str, calls: list[str] | None = None) -> list[str]:
    """Wrap `names` of `module` so each call appends its name to the list returned (or to `calls`)."""
    calls = [] if calls is None else calls
    for name in names:
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _f=original, _n=name, **k: (calls.append(_n), _f(*a, **k))[1])
    return calls


def test_the_service_pages_closed_sections_build_no_widgets_and_open_on_the_settings() -> None:
    """The policy, today's-service and segment-note sections are drawn only while open: closed, none of
    their widgets is built; opened, each shows the settings in force, also after a change made with it open,
    then closing and opening it again."""
    at = visit(start(), "service_models.py", opened=False)
    keys = {str(w.key) for w in at.number_input} | {str(w.key) for w in at.selectbox}
    assert "w.service.high_touch_csms" not in keys and "grid.high.high" not in keys
    assert "current_model_pick" not in keys and not [t for t in at.text_input if str(t.key).startswith("segment_")]
    assert at.expander[0].label.startswith("Change the policy")
    at.session_state[OPEN_PREFIX + "policy"] = True
    at.run()
    assert at.number_input(key="w.service.high_touch_csms").value == 0
    at.number_input(key="w.service.high_touch_csms").set_value(7).run()
    assert not at.exception
    at.session_state[OPEN_PREFIX + "policy"] = False
    at.run()
    assert "w.service.high_touch_csms" not in {str(w.key) for w in at.number_input}
    at.session_state[OPEN_PREFIX + "policy"] = True
    at.run()
    assert at.number_input(key="w.service.high_touch_csms").value == 7
    assert at.session_state["config"].service.high_touch_csms == 7


def test_a_typed_playbook_computes_nothing_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playbook text and a segment's note change words only: no stage runs again (no plan, no assembly), no
    chart is built again, and the plan the page shows carries the new words."""
    import app_support.stages
    from segmentation.service import charts as service_charts
    from segmentation.service import policy

    calls: list[str] = []
    for module, name in [
        (app_support.stages, n) for n in ("plan", "assemble", "measure_concentration", "measure_economics", "estimate")
    ] + [
        (service_charts, "service_grid"),
        (service_charts, "capacity"),
        # the plan's overview and lists are kept too, not made again for the new words
        (policy, "build_overview"),
        (policy.ServicePlan, "_grid_frame"),
        (policy.ServicePlan, "_sorted"),
        (policy.ServicePlan, "_make_dict"),
    ]:
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _f=original, _n=name, **k: (calls.append(_n), _f(*a, **k))[1])
    at = visit(start(), "service_models.py")
    calls.clear()
    at.text_area(key="playbook.tech-touch").set_value("Webinars and a help centre.").run()
    at.text_input(key="segment_playbook.1").set_value("Call before renewal").run()
    assert not at.exception
    assert calls == []
    file = at.session_state[app_support.SOURCE_KEY]
    config = at.session_state[app_support.CONFIG_KEY]
    shown = app_support.stages._cached_result(file.digest, None, config.to_json(), config.to_json(), file, None)
    assert shown.service.playbooks["tech-touch"] == "Webinars and a help centre."
    assert shown.service.segment_playbooks == {"1": "Call before renewal"}
    assert shown.service.to_dict()["playbooks"]["tech-touch"] == "Webinars and a help centre."
    assert shown.config == config
    # a new plan drawn with words typed earlier, then another word: its summary and lists are not made again
    at.number_input(key="w.service.high_touch_csms").set_value(4).run()
    calls.clear()
    at.text_area(key="playbook.tech-touch").set_value("Webinars, then a call.").run()
    assert not at.exception
    assert calls == []


def test_renaming_a_segment_computes_nothing_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A segment's name is words only: no segment is described again and no stage runs (no money, no plan,
    no assembly), yet every view names the segment anew: the table, the plan's lists, the economics."""
    import app_support.stages

    stages = ("describe_segments", "plan", "assemble", "measure_concentration", "measure_economics", "estimate")
    calls = _spy(monkeypatch, app_support.stages, *stages)
    at = visit(start(), "segments.py")
    calls.clear()
    box = next(t for t in at.text_input if str(t.key).startswith("rename.") and str(t.key).endswith(".1"))
    box.set_value("Our best accounts").run()
    assert not at.exception
    assert calls == []
    assert at.dataframe[0].value["segment_name"].iloc[0] == "Our best accounts"
    file = at.session_state[app_support.SOURCE_KEY]
    config = at.session_state[app_support.CONFIG_KEY]
    shown = app_support.stages._cached_result(file.digest, None, config.to_json(), config.to_json(), file, None)
    assert set(shown.customers.loc[shown.customers["segment"] == 1, "segment_name"]) == {"Our best accounts"}
    assert "Our best accounts" in set(shown.service.details["segment_name"])
    assert shown.economics.frame.set_index("segment").loc[1, "segment_name"] == "Our best accounts"
    assert "Our best accounts" in set(shown.concentration.by_segment["segment_name"])
    visit(at, "service_models.py")
    assert not at.exception
    assert calls == []
    # the renamed analysis is kept: a playbook typed now names nothing again and remakes none of its lists
    from segmentation.segments import segmenting
    from segmentation.service import policy

    _spy(monkeypatch, policy, "build_overview", calls=calls)
    _spy(monkeypatch, segmenting, "renamed_profiles", calls=calls)
    _spy(monkeypatch, policy.ServicePlan, "_sorted", calls=calls)
    at.text_area(key="playbook.tech-touch").set_value("Webinars and a help centre.").run()
    assert not at.exception
    assert calls == []


def test_the_pages_write_the_reasons_of_the_accounts_they_show_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every account's reason (a second to write at 1,000,000) is written for an export only: the pages and a
    CSM change write those of the rows they show, and the Service page's list still shows them."""
    from segmentation.service.text import LazyText

    calls = _spy(monkeypatch, LazyText, "whole")
    at = start()
    for page in ("segments.py", "concentration.py", "service_models.py", "accounts.py", "story.py", "data.py"):
        visit(at, page)
    visit(at, "service_models.py")
    at.number_input(key="w.service.high_touch_csms").set_value(2).run()
    assert not at.exception
    assert calls == []
    table = next(d.value for d in at.dataframe if "service_model_reason" in d.value.columns)
    assert table["service_model_reason"].str.len().gt(0).all()
    assert table["service_model_reason"].str.contains("places").any()


def test_a_top_n_change_measures_the_concentration_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Top N is read by the concentration only: the economics, the potential, the plan and the customers frame
    are not made again."""
    import app_support.stages

    calls = _spy(monkeypatch, app_support.stages, *("plan", "measure_concentration", "measure_economics", "estimate"))
    _spy(monkeypatch, app_support.stages, "customers_frame", "customers_ground", calls=calls)
    at = visit(start(), "concentration.py")
    calls.clear()
    at.number_input(key="w.concentration.top_n").set_value(17).run()
    assert not at.exception
    assert calls == ["measure_concentration"]


def test_a_new_k_keeps_the_potentials_label_free_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new number of segments estimates the potential again, but not its label-free part (the columns, the
    seat headroom, the risk score): that reads the table and the potential settings only."""
    import app_support.stages

    calls = _spy(monkeypatch, app_support.stages, *("estimate", "potential_groundwork"))
    at = visit(start(), "segments.py")
    calls.clear()
    slider = at.slider(key="w.segmentation.k")
    slider.set_value(int(slider.value) + 2).run()
    assert not at.exception
    assert calls == ["estimate"]
    calls.clear()
    at.session_state["config"] = at.session_state["config"].updated(**{"potential.at_risk_from": 60.0})
    at.run()
    assert calls == ["potential_groundwork", "estimate"]  # a potential setting: both again


def test_a_capacity_change_plans_from_the_kept_groundwork(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSMs are read after the tiers, the grid and the score: a change plans again from the groundwork
    kept for the same tiers, and measures nothing; the customers frame follows the new plan."""
    import app_support.stages

    calls = _spy(
        monkeypatch,
        app_support.stages,
        *("plan", "plan_groundwork", "measure_concentration", "measure_economics", "estimate"),
    )
    _spy(monkeypatch, app_support.stages, "customers_frame", "customers_ground", calls=calls)
    at = visit(start(), "service_models.py")
    calls.clear()
    at.number_input(key="w.service.high_touch_csms").set_value(3).run()
    assert not at.exception
    assert calls == ["plan", "customers_frame"]  # a new plan adds its columns to the kept frame, once


def test_the_slider_shows_the_number_the_data_chose() -> None:
    """With the data choosing k, the slider shows the number of segments in use, not the settings' idle k;
    picking a number on it makes that the user's choice."""
    from segmentation.config import AnalysisConfig

    at = start()
    at.session_state["config"] = AnalysisConfig().updated(**{"segmentation.k": 7, "segmentation.auto_k": True})
    visit(at, "segments.py")
    assert not at.exception
    shown = at.slider(key="w.segmentation.k").value
    assert shown != 7
    assert shown == len(at.dataframe[0].value)
    at.slider(key="w.segmentation.k").set_value(shown + 1).run()
    config = at.session_state["config"].segmentation
    assert (config.auto_k, config.k) == (False, shown + 1)
    assert len(at.dataframe[0].value) == shown + 1


def test_a_chart_is_built_once_per_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening the Concentration page again draws its charts from the result's own copies: the Pareto and
    Lorenz charts are built on the first visit only; a new top N (a new result) builds them again."""
    import streamlit as st

    from segmentation.economics import charts as money_charts

    st.cache_resource.clear()  # other tests may have drawn these charts of the sample's results already
    built: list[str] = []
    for name in ("pareto", "lorenz"):
        original = getattr(money_charts, name)
        monkeypatch.setattr(
            money_charts, name, lambda *a, _f=original, _n=name, **k: (built.append(_n), _f(*a, **k))[1]
        )
    at = start()
    built.clear()  # the Overview's own curve
    visit(at, "concentration.py")
    assert sorted(built) == ["lorenz", "pareto", "pareto"]  # the whole file's curve and the first segment's
    built.clear()
    visit(at, "concentration.py")
    assert built == []
    at.number_input(key="w.concentration.top_n").set_value(15).run()
    assert not at.exception
    assert sorted(built) == ["lorenz", "pareto", "pareto"], built


def _draw_both_ways() -> None:
    """An app script: one chart drawn by `st.altair_chart`, then by `support.draw` twice (the second time
    from the spec the first kept)."""
    import altair as alt
    import pandas as pd
    import streamlit as st

    import app_support as support
    from segmentation.charts import fit_to_width

    class Result:  # the one method `draw` reads of a result
        def __init__(self) -> None:
            self.kept: dict[object, object] = {}

        def view(self, key: object, make: object) -> object:
            if key not in self.kept:
                self.kept[key] = make()  # type: ignore[operator]
            return self.kept[key]

    frame = pd.DataFrame({"segment": ["Steady mid-size", "Large"], "revenue": [3.0, 1.0]})
    build = lambda: alt.Chart(frame).mark_bar().encode(x="segment", y="revenue").properties(title="By segment")  # noqa: E731
    st.altair_chart(fit_to_width(build()), width="stretch")
    result = Result()
    support.draw(st, result, "bars", build)
    support.draw(st, result, "bars", build)


def test_a_chart_drawn_from_its_kept_spec_is_what_altair_chart_draws() -> None:
    """`support.draw` sends the spec `st.altair_chart` sends, data included, on every run that draws it:
    the conversion is made once per result instead of on every run (40 ms a chart, mostly the schema check)."""
    at = AppTest.from_function(_draw_both_ways, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    drawn = [e.proto for e in at.main if getattr(e, "type", "") == "vega_lite_chart"]
    assert len(drawn) == 3
    assert drawn[0].spec and len(drawn[0].datasets) == 1 and drawn[0].datasets[0].data.data
    assert drawn[1] == drawn[0] and drawn[2] == drawn[0]


def test_service_accounts_list_is_sorted_by_priority_then_id_and_follows_the_filter() -> None:
    at = visit(start(), "service_models.py")
    table = next(d.value for d in at.dataframe if "service_model_reason" in d.value.columns)
    assert len(table) == 3000
    keys = list(zip((-table["priority_score"]).tolist(), table["customer_id"].tolist(), strict=True))
    assert keys == sorted(keys)
    at.multiselect(key="service_filter").set_value(["tech-touch"]).run()
    table = next(d.value for d in at.dataframe if "service_model_reason" in d.value.columns)
    assert set(table["service_model"]) == {"tech-touch"}
    assert table["priority_score"].is_monotonic_decreasing


def test_choices_persist_across_pages() -> None:
    at = visit(start(), "segments.py")
    at.slider(key="w.segmentation.k").set_value(6).run()
    visit(at, "concentration.py")
    visit(at, "segments.py")
    assert at.slider(key="w.segmentation.k").value == 6
    assert at.session_state["config"].segmentation.k == 6


def test_bad_upload_shows_a_clear_error() -> None:
    at = visit(start(), "data.py")
    at.file_uploader(key="upload").upload("broken.csv", b"customer,notes\nA,hello\nB,world\n", "text/csv").run()
    assert not at.exception
    assert at.error, "an error message is shown"
    assert "revenue" in at.error[0].value.lower()


def test_empty_upload_shows_a_clear_error() -> None:
    at = visit(start(), "data.py")
    at.file_uploader(key="upload").upload("empty.csv", b"", "text/csv").run()
    assert not at.exception
    assert at.error


def test_good_upload_replaces_the_sample() -> None:
    rows = ["account,industry,arr"] + [f"A{i:03d},{'Retail' if i % 2 else 'Media'},{1000 + i * 37}" for i in range(60)]
    at = visit(start(), "data.py")
    at.file_uploader(key="upload").upload("mine.csv", "\n".join(rows).encode(), "text/csv").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    visit(at, "home.py")
    assert {m.label: m.value for m in at.metric}["Customers"] == "60"


def test_share_page_offers_every_download() -> None:
    at = visit(start(), "share.py")
    text = markdown_text(at)
    assert "settings, never the data" in text
    assert at.code and "?cfg=" in at.code[0].value
    keys = {b.key for b in at.get("download_button")}
    assert {"download_report", "download_customers_csv", "download_workbook", "download_settings"} <= keys


def test_story_mode_walks_through_every_chapter() -> None:
    at = visit(start(), "story.py")
    seen, texts = [], []
    for _ in range(6):
        seen.append(at.header[0].value)
        texts.append(markdown_text(at).replace("\\", ""))  # as shown: Markdown escapes dropped
        if not at.button(key="story_next").disabled:
            at.button(key="story_next").click().run()
            assert not at.exception
    assert seen == [
        "Who are our customers?",
        "Where is the money?",
        "Who are our best customers?",
        "Who might we lose?",
        "How should we serve them?",
        "What we do next",
    ]
    assert "top 20% of customers bring" in texts[1].lower()
    assert "high-touch" in texts[5].replace("\\", "")
    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    plan = run_analysis(Source.from_path(SAMPLE_ACCOUNTS)).service
    assert f"Review {len(plan.move_up_frame()):,} under-served accounts" in texts[5]
    assert f"Review {len(plan.move_down_frame()):,} over-served accounts" in texts[5]


def _segment_table(at: AppTest) -> list[list[object]]:
    return visit(at, "segments.py").dataframe[0].value.to_numpy().tolist()


def test_share_link_reproduces_the_analysis_in_a_new_session() -> None:
    import app_support

    first = visit(start(), "segments.py")
    first.slider(key="w.segmentation.k").set_value(6).run()
    config = first.session_state["config"]
    token = app_support.encode_config(config)
    assert "customer" not in token.lower()  # settings only, never data
    second = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    second.query_params["cfg"] = token
    second.run()
    assert not second.exception
    assert second.session_state["config"] == config
    assert _segment_table(second) == _segment_table(first)


def test_uploaded_settings_reproduce_the_analysis() -> None:
    first = visit(start(), "segments.py")
    first.slider(key="w.segmentation.k").set_value(3).run()
    config = first.session_state["config"]
    second = visit(start(), "share.py")
    second.file_uploader(key="settings_upload").upload("settings.json", config.to_json().encode(), "application/json")
    second.run()
    assert not second.exception
    assert second.session_state["config"] == config
    assert _segment_table(second) == _segment_table(first)


def test_damaged_settings_upload_is_a_clear_error() -> None:
    at = visit(start(), "share.py")
    at.file_uploader(key="settings_upload").upload(
        "settings.json", b'{"segmentation": {"k": "many"}}', "application/json"
    )
    at.run()
    assert not at.exception
    assert at.error and "k" in at.error[0].value


def test_service_page_keeps_within_capacity_and_lists_moves() -> None:
    at = visit(start(), "service_models.py")
    before = int(at.metric[0].value.replace(",", ""))
    assert before > 100
    at.number_input(key="w.service.high_touch_csms").set_value(4).run()
    assert not at.exception
    assert at.metric[0].value == "48"  # 4 CSMs × 12 accounts (the public book-size rule of thumb)
    text = markdown_text(at)
    assert "Move up:" in text and "Move down:" in text
    assert any("full" in str(row) for row in at.dataframe[-1].value["service_model_reason"].head(400))


def test_concentration_page_reads_the_80_20() -> None:
    at = visit(start(), "concentration.py")
    assert "top 20% of customers bring" in markdown_text(at).lower()
    labels = {m.label for m in at.metric}
    assert {"Top 20% hold", "80% comes from", "Gini"} <= labels
    at.selectbox(key="w.concentration.group_column").set_value("industry").run()
    assert not at.exception
    assert any("industry" in df.value.columns for df in at.dataframe)


def test_moving_a_criterion_to_another_family_keeps_the_page_working() -> None:
    at = visit(start(), "segments.py")
    config = at.session_state["config"]
    at.session_state["config"] = config.updated(
        **{"criteria.families": {"employees": "value"}, "criteria.weights": {"nps_score": 2.0}}
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    value = at.multiselect(key="criteria.value")
    assert "employees" in value.options
    assert at.session_state["config"].criteria.weights == {"nps_score": 2.0}


def test_hdbscan_shows_the_unassigned_customers() -> None:
    at = visit(start(), "segments.py")
    at.selectbox(key="w.segmentation.method").set_value("hdbscan").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert table["customers"].sum() == 3000


def test_related_table_joined_on_the_data_page() -> None:
    messy = ROOT / "tests" / "messy"
    at = visit(start(), "data.py")
    at.file_uploader(key="upload").upload(
        "related_accounts.csv", (messy / "related_accounts.csv").read_bytes(), "text/csv"
    ).run()
    assert at.error, "accounts alone have no revenue"
    at.file_uploader(key="related_upload").upload(
        "related_subscriptions.csv", (messy / "related_subscriptions.csv").read_bytes(), "text/csv"
    ).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers"] == "3"
    ledger = at.dataframe[-2].value if len(at.dataframe) > 1 else at.dataframe[0].value
    assert "reason" in ledger.columns


def test_revenue_column_can_be_overridden_on_the_data_page() -> None:
    rows = ["id,arr,seats"] + [f"C{i},{100 * (i + 1)},{i % 7 + 1}" for i in range(30)]
    at = visit(start(), "data.py")
    at.file_uploader(key="upload").upload("two.csv", "\n".join(rows).encode(), "text/csv").run()
    assert "revenue: **arr**" in markdown_text(at)
    at.selectbox(key="w.intake.revenue_column").set_value("seats").run()
    assert not at.exception
    assert at.session_state["config"].intake.revenue_column == "seats"
    assert "revenue: **seats**" in markdown_text(at)


def test_changing_the_method_never_carries_old_names_over() -> None:
    at = visit(start(), "segments.py")
    before = at.dataframe[0].value["segment_name"].tolist()
    at.selectbox(key="w.segmentation.method").set_value("rule_tiers").run()
    assert not at.exception
    assert at.session_state["config"].segmentation.names == {}
    after = at.dataframe[0].value["segment_name"].tolist()
    assert set(after) == {"Enterprise", "Mid-market", "SMB"}, (before, after)


def test_renaming_a_segment_is_kept_in_the_settings() -> None:
    at = visit(start(), "segments.py")
    box = next(t for t in at.text_input if str(t.key).startswith("rename.") and str(t.key).endswith(".1"))
    box.set_value("Our best accounts").run()
    assert not at.exception
    assert at.session_state["config"].segmentation.names == {"1": "Our best accounts"}
    assert at.dataframe[0].value["segment_name"].iloc[0] == "Our best accounts"


def test_a_mapping_widget_changes_its_entry_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A segment's name, a grid cell, a segment's override, a playbook and a segment's note each reach the
    settings in the widget's callback: the page runs once, drawn from the new settings (it ran twice)."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    runs: list[int] = []
    run_script = ScriptRunner._run_script

    def counted(self: ScriptRunner, *args: object, **kwargs: object) -> object:
        runs.append(1)
        return run_script(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ScriptRunner, "_run_script", counted)

    def once(widget: object, value: object) -> object:
        runs.clear()
        widget.set_value(value).run()  # type: ignore[attr-defined]
        assert not at.exception
        assert len(runs) == 1, f"{len(runs)} runs for one change"
        return at.session_state["config"]

    at = visit(start(), "segments.py")
    box = next(t for t in at.text_input if str(t.key).startswith("rename.") and str(t.key).endswith(".2"))
    assert once(box, "Quiet accounts").segmentation.names == {"2": "Quiet accounts"}
    visit(at, "service_models.py")
    assert once(at.selectbox(key="grid.low.high"), "high-touch").service.grid["low"]["high"] == "high-touch"
    assert once(at.selectbox(key="override.2"), "tech-touch").service.segment_overrides == {"2": "tech-touch"}
    assert at.selectbox(key="override.2").label.startswith("2. Quiet accounts")
    assert once(at.selectbox(key="override.2"), "(policy)").service.segment_overrides == {}
    playbook = once(at.text_area(key="playbook.tech-touch"), "Webinars and a help centre.").service.playbooks
    assert playbook["tech-touch"] == "Webinars and a help centre."
    box = at.text_input(key="segment_playbook.1")
    assert once(box, "  Call before renewal  ").service.segment_playbooks == {"1": "Call before renewal"}
    assert once(at.text_input(key="segment_playbook.1"), "").service.segment_playbooks == {}


def test_loaded_settings_are_not_overwritten_by_widgets_seen_before() -> None:
    """Visit the Service page (its grid and override boxes hold values), then load other settings."""
    from segmentation.config import AnalysisConfig

    at = visit(start(), "service_models.py")
    visit(at, "segments.py")
    wanted = AnalysisConfig().updated(
        **{
            "service.grid": {"low": {"high": "high-touch"}},
            "segmentation.k": 3,
            "service.segment_overrides": {"2": "tech-touch"},
        }
    )
    share = visit(at, "share.py")
    share.file_uploader(key="settings_upload").upload("s.json", wanted.to_json().encode(), "application/json").run()
    for page in ("service_models.py", "segments.py", "concentration.py", "service_models.py"):
        visit(at, page)
        assert at.session_state["config"] == wanted, page


def test_a_file_without_a_detectable_revenue_column_can_be_fixed_on_the_data_page() -> None:
    rows = ["customer,plan,seats"] + [f"K{i},{'Pro' if i % 3 else 'Team'},{100 + 7 * i}" for i in range(25)]
    at = visit(start(), "data.py")
    at.file_uploader(key="upload").upload("plain.csv", "\n".join(rows).encode(), "text/csv").run()
    assert at.error and "revenue" in at.error[0].value.lower()
    at.selectbox(key="w.intake.revenue_column").set_value("seats").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Customers"] == "25"


def test_a_damaged_share_link_says_so_and_uses_the_defaults() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["cfg"] = "not-a-real-token"
    at.run()
    assert not at.exception
    assert at.error and "share link" in at.error[0].value
    assert {m.label: m.value for m in at.metric}["Customers"] == "3,000"


def test_no_page_changes_the_shared_cached_result() -> None:
    """Stages are cached once per file and settings (`st.cache_resource`, no copy per rerun): views only read.

    Every page is opened, then the cached result is compared with a fresh run of the same analysis.
    """
    import json

    import pandas as pd

    import app_support.stages
    from segmentation.pipeline import run_analysis

    at = start()
    for page in PAGES:
        visit(at, page)
    file = at.session_state[app_support.SOURCE_KEY]
    config = at.session_state[app_support.CONFIG_KEY]
    cached = app_support.stages._cached_result(file.digest, None, config.to_json(), config.to_json(), file, None)
    fresh = run_analysis(file.source(), config)
    pd.testing.assert_frame_equal(cached.customers, fresh.customers)
    assert json.dumps(cached.summary(), sort_keys=True, default=str) == json.dumps(
        fresh.summary(), sort_keys=True, default=str
    )
    pd.testing.assert_frame_equal(cached.table.customers, fresh.table.customers)


def test_a_pin_is_added_on_the_service_page_then_removed_on_its_own() -> None:
    import app_support

    at = visit(start(), "service_models.py")
    at.text_input(key="pin_ids").input("ACC-00001, ACC-00002")
    at.selectbox(key="pin_model").select("high-touch")
    at.text_input(key="pin_by").input("Dana (VP CS)")
    at.text_input(key="pin_why").input("Strategic logos")
    submit = next(b for b in at.button if b.label == "Add pin")
    submit.click().run()
    assert not at.exception
    pins = at.session_state[app_support.CONFIG_KEY].service.pins
    assert len(pins) == 1 and pins[0].accounts == ["ACC-00001", "ACC-00002"] and pins[0].model == "high-touch"
    lines = [t.value for t in at.text if t.value.startswith("• ")]
    assert any("Dana (VP CS)" in line and "Strategic logos" in line for line in lines), lines
    at.button(key="pin_remove.0").click().run()
    assert not at.exception
    assert not at.session_state[app_support.CONFIG_KEY].service.pins


def _story_at(step: int) -> AppTest:
    at = visit(start(), "story.py")
    at.session_state["story_step"] = step
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_story_best_customers_and_risk_chapters_name_accounts() -> None:
    at = _story_at(2)
    assert at.header[0].value == "Who are our best customers?"
    config = at.session_state["config"]  # the defaults: the pipeline gives the same analysis
    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    expected = run_analysis(Source.from_path(SAMPLE_ACCOUNTS), config)
    top = at.dataframe[0].value
    assert len(top) == 10
    assert list(top["customer_id"].astype(str)) == list(
        expected.concentration.top_customers["customer_id"].astype(str).head(10)
    )
    assert top["segment_name"].notna().all() and (top["segment_name"] != "").all()
    assert expected.economics.icp["sentence"] in markdown_text(at).replace("\\", "")

    at.session_state["story_step"] = 3
    at.run()
    assert at.header[0].value == "Who might we lose?"
    save = expected.service.save_frame()
    assert len(save) > 0, "the accounts sample carries churn signals"
    assert f"{len(save):,} accounts are at risk" in markdown_text(at)
    shown = at.dataframe[0].value
    assert list(shown["customer_id"].astype(str)) == list(save["customer_id"].astype(str).head(5))
    assert (shown["risk_drivers"] != "").all()


def test_story_what_if_moves_the_plan_and_goes_back_to_the_start() -> None:
    at = _story_at(4)
    assert at.header[0].value == "How should we serve them?"
    high = next(m for m in at.metric if m.label.replace("\\", "") == "High-touch")
    before = int(high.value.replace(",", ""))
    assert before > 48
    assert not [b for b in at.button if b.key == "story_what_if_reset"], "nothing to undo yet"
    at.number_input(key="w.service.high_touch_csms").set_value(4).run()
    assert not at.exception, [e.value for e in at.exception]
    high = next(m for m in at.metric if m.label.replace("\\", "") == "High-touch")
    assert high.value == "48"  # 4 CSMs × 12 accounts
    assert f"{48 - before:+,} since the start" in str(high.delta)
    assert at.session_state["config"].service.high_touch_csms == 4
    at.button(key="story_what_if_reset").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["config"].service.high_touch_csms is None
    assert next(m for m in at.metric if m.label.replace("\\", "") == "High-touch").value == f"{before:,}"
    assert at.number_input(key="w.service.high_touch_csms").value == 0


def test_story_presenting_mode_keeps_every_chapter_working() -> None:
    at = _story_at(0)
    at.toggle(key="story_presenting").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    for _ in range(5):
        at.button(key="story_next").click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert at.header[0].value == "What we do next"
    assert at.toggle(key="story_presenting").value is True


def test_tier_boxes_show_the_thresholds_in_force_and_take_the_users_own() -> None:
    at = visit(start(), "service_models.py")
    from segmentation.intake import Source
    from segmentation.pipeline import run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    thresholds = run_analysis(Source.from_path(SAMPLE_ACCOUNTS), at.session_state["config"]).service.thresholds
    boxes = {n.label: n for n in at.number_input}
    top = next(box for label, box in boxes.items() if label.startswith("Top ") and "tier from" in label)
    assert top.value == pytest.approx(thresholds.arr_high, abs=0.01)
    assert top.value > 0, "the box shows the threshold in force, not 0"
    assert any(c.value.endswith(": from the data") for c in at.caption)
    top.set_value(float(round(thresholds.arr_high * 2))).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["config"].service.arr_high == float(round(thresholds.arr_high * 2))
    assert at.number_input(key="w.service.arr_high").value == float(round(thresholds.arr_high * 2))
    assert any(c.value.endswith(": set by you") for c in at.caption)
    at.button(key="tiers.reset").click().run()
    assert at.session_state["config"].service.arr_high is None
    boxes = {n.label: n for n in at.number_input}
    top = next(box for label, box in boxes.items() if label.startswith("Top ") and "tier from" in label)
    assert top.value == pytest.approx(thresholds.arr_high, abs=0.01)


def test_upload_your_own_file_is_a_button_to_the_data_page() -> None:
    at = start()
    at.button(key="home_upload").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Data"
    assert at.get("file_uploader"), "the Data page offers the upload"


def test_overview_story_and_report_say_the_same_model_mix() -> None:
    """The Overview, Story mode and the report word the plan from segmentation.narrative, on the same figures."""
    import html

    import app_support
    from segmentation.formatting import format_money
    from segmentation.intake import Source
    from segmentation.narrative import headcount_reading, model_mix
    from segmentation.pipeline import run_analysis
    from segmentation.report import build_report
    from tests.conftest import SAMPLE_ACCOUNTS

    at = start()
    expected = run_analysis(Source.from_path(SAMPLE_ACCOUNTS), at.session_state["config"])
    overview = expected.service.overview
    mix = model_mix(overview)
    assert mix.startswith(f"The plan puts {overview.model('high-touch').customers:,} accounts on high-touch, ")
    assert f"**How to serve them:** {app_support.inert(mix)}" in markdown_text(at)
    at.session_state["story_step"] = 4
    at.switch_page("pages/story.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"### {app_support.inert(mix)}" in markdown_text(at)
    at.session_state["story_step"] = 5
    at.run()
    coverage = headcount_reading("high-touch", expected.service.capacity["high-touch"])
    assert f"Confirm the coverage. {coverage}" in markdown_text(at).replace("\\", "")

    def money(value: float) -> str:
        return format_money(value, expected.currency, expected.revenue_unit)

    assert html.escape(model_mix(overview, money)) in build_report(expected)


def test_service_page_says_the_capacity_cut_in_the_core_words() -> None:
    import app_support
    from segmentation.intake import Source
    from segmentation.narrative import capacity_cut
    from segmentation.pipeline import run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    at = visit(start(), "service_models.py")
    at.number_input(key="w.service.high_touch_csms").set_value(4).run()
    assert not at.exception
    expected = run_analysis(Source.from_path(SAMPLE_ACCOUNTS), at.session_state["config"])
    capacity = expected.service.capacity["high-touch"]
    assert capacity.spilled == capacity.demand - 48
    sentence = capacity_cut("high-touch", capacity)
    assert app_support.inert(sentence) in [w.value for w in at.warning]
    # 4 CSMs × 12 accounts are full; serving every account that called for high-touch takes demand / 12 CSMs.
    assert "48 places (4 CSMs × 12 accounts) exist" in sentence
    assert f"({-(-capacity.demand // 12):,} CSMs would serve them all)." in sentence


def test_the_affordable_share_moves_the_tiers_and_the_boxes_say_why() -> None:
    """At 50% medium-touch's 3k is affordable from 6k ARR, under the sample's data median: the lower tier's box
    shows 6k and says why; 0 turns the floor off and the box says "from the data" again."""
    import app_support

    at = visit(start(), "service_models.py")
    box = at.number_input(key="w.service.affordable_cost_share")
    assert box.value == 5.0
    box.set_value(50.0).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["config"].service.affordable_cost_share == 0.5
    said = app_support.inert("medium-touch costs 50% of it or less from there; the data's: ")  # as Markdown shows it
    assert any(said in c.value for c in at.caption)
    at.number_input(key="w.service.affordable_cost_share").set_value(0.0).run()
    assert at.session_state["config"].service.affordable_cost_share is None
    assert not any("of it or less from there" in c.value for c in at.caption)


def test_service_page_says_the_budget_cut_in_the_core_words() -> None:
    import app_support
    from segmentation.formatting import format_money
    from segmentation.intake import Source
    from segmentation.narrative import budget_cut
    from segmentation.pipeline import run_analysis
    from tests.conftest import SAMPLE_ACCOUNTS

    at = visit(start(), "service_models.py")
    at.number_input(key="w.service.cost_budget_share").set_value(2.0).run()  # 2% of the revenue served
    assert not at.exception
    expected = run_analysis(Source.from_path(SAMPLE_ACCOUNTS), at.session_state["config"])
    cuts = [cut for cut in expected.service.budget.values() if cut.fell]
    assert cuts, "2% of ARR cannot pay for every personal account of the sample"

    def money(value: float) -> str:
        return format_money(value, expected.currency, expected.revenue_unit)

    warnings = [w.value for w in at.warning]
    for cut in cuts:
        sentence = budget_cut(cut, expected.revenue_unit, money)
        assert f"would cost more than 2.0% of the {expected.revenue_unit} it serves." in sentence
        assert app_support.inert(sentence) in warnings
