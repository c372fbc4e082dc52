"""Accounts by name: search, a segment's accounts (drill-down), names beside IDs; the glossary; readable labels."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from segmentation.formatting import plural
from segmentation.vocabulary import label
from tests.conftest import ROOT

TIMEOUT = 120


def visit(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def test_search_finds_one_account_by_name_and_shows_its_plan() -> None:
    at = visit("accounts.py")
    assert "**3,000 accounts** in all segments" in at.markdown[0].value
    at.text_input(key="account_search").set_value("polar light software").run()
    assert not at.exception
    assert at.subheader[0].value == "Polar Light Software Inc\\."
    labels = {m.label for m in at.metric}
    assert {"Segment", "Service model", "Long-term potential"} <= labels
    table = at.dataframe[0].value
    assert table["customer_id"].tolist() == ["ACC-00001"]
    assert table["customer_name"].tolist() == ["Polar Light Software Inc."]
    assert "Why this model:" in "\n".join(m.value for m in at.markdown)
    rests = next(m.value for m in at.markdown if m.value.startswith("**What the potential rests on:**"))
    assert "similar" in rests or "could reach" in rests or "seat" in rests, rests


def test_a_segment_lists_only_its_accounts_with_names() -> None:
    at = visit("accounts.py")
    at.selectbox(key="segment").set_value(2).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["segment"]) == {2}
    assert list(table.columns[:2]) == ["customer_id", "customer_name"]
    assert table["revenue"].is_monotonic_decreasing
    assert f"**{plural(len(table), 'account')}** in segment" in at.markdown[0].value


def test_no_match_says_so() -> None:
    at = visit("accounts.py")
    at.text_input(key="account_search").set_value("no such company zzz").run()
    assert any("No account matches" in i.value for i in at.info)


def test_segments_page_invites_a_click_to_drill_down() -> None:
    at = visit("segments.py")
    assert any("Click a segment's row" in c.value for c in at.caption)


def test_top_customers_show_the_account_name() -> None:
    at = visit("concentration.py")
    assert any("customer_name" in df.value.columns for df in at.dataframe)


def test_glossary_defines_the_measures_and_filters() -> None:
    at = visit("glossary.py")
    text = "\n".join(m.value for m in at.markdown)
    for term in ("ARR", "NRR", "GRR", "Gini", "HHI", "ABC classes", "Silhouette", "Stability"):
        assert f"**{term}**" in text
    at.text_input(key="glossary_search").set_value("herfindahl").run()
    assert [m.value for m in at.markdown if m.value.startswith("**")] == ["**HHI**"]


def test_readable_labels_and_plurals() -> None:
    assert label("feature_adoption_pct", header=True) == "Feature adoption %"
    assert label("logins_30d", header=True) == "Logins (30 days)"
    assert label("nps_score", header=True) == "NPS score"
    assert label("monthlyActiveUsers", header=True) == "Monthly active users"
    assert label("Annual Revenue", header=True) == "Annual Revenue"
    assert plural(1, "customer") == "1 customer"
    assert plural(2500, "customer") == "2,500 customers"
    assert plural(1, "company", "companies") == "1 company"


def test_rfm_is_offered_only_for_transactions() -> None:
    at = visit("segments.py")
    assert not any("RFM" in o for o in at.selectbox(key="w.segmentation.method").options)
    assert any("The everyday choice" in c.value for c in at.caption)
    at.switch_page("pages/home.py").run()
    at.button(key="home_sample_invoices").click().run()
    at.switch_page("pages/segments.py").run()
    assert not at.exception
    assert any("RFM" in o for o in at.selectbox(key="w.segmentation.method").options)


def test_story_guess_first_hides_then_reveals_and_has_presenter_notes() -> None:
    at = visit("story.py")
    assert any(e.label == "Presenter notes" for e in at.expander)
    at.toggle(key="story_guess_first").set_value(True).run()
    text = "\n".join(m.value for m in at.markdown)
    assert "How many distinct kinds of customer" in text
    assert "customers fall into" not in text
    at.button(key="story_reveal").click().run()
    assert "customers fall into" in "\n".join(m.value for m in at.markdown)
    at.button(key="story_next").click().run()
    assert "What share of our revenue" in "\n".join(m.value for m in at.markdown)


def test_one_style_for_shares_ratios_and_numbers() -> None:
    """Percentages with one decimal, multiples that never read "0.0×"."""
    from segmentation.formatting import format_ratio, format_share

    assert format_share(0.7482) == "74.8%"
    assert format_share(0.2) == "20.0%"
    assert format_share(0.7482, 0) == "75%"
    assert format_share(None) == "–"
    assert format_ratio(3.14) == "3.1×"
    assert format_ratio(0.024) == "0.02×"
    assert format_ratio(0.0) == "0.0×"


def test_stage_keys_leave_out_what_a_stage_does_not_read() -> None:
    """A rename reclusters nothing and estimates no potential again; a merge (new labels) does."""
    import app_support.stages
    from segmentation.config import AnalysisConfig

    base = AnalysisConfig()
    renamed = base.updated(**{"segmentation.names": {"1": "Our best accounts"}})
    merged = base.updated(**{"segmentation.merges": [[1, 2]]})
    assert app_support.stages._cluster_json(renamed) == app_support.stages._cluster_json(base)
    assert app_support.stages._labels_json(renamed, "potential") == app_support.stages._labels_json(base, "potential")
    assert app_support.stages._labels_json(merged, "potential") != app_support.stages._labels_json(base, "potential")
    assert app_support.stages._cluster_json(merged) == app_support.stages._cluster_json(base)
