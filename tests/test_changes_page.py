"""The Changes over time page: the sample pair in one click, the bridge, retention and downloads; bad input says why."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 240


def _changes_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/changes.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_sample_pair_in_one_click_shows_bridge_retention_and_downloads() -> None:
    at = _changes_page()
    assert at.title[0].value == "Changes over time"
    assert any("Upload the earlier export" in i.value for i in at.info)
    at.button(key="changes_sample_pair").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["NRR"].endswith("%") and metrics["GRR"].endswith("%")
    assert metrics["Lost accounts"] == "120"
    text = "\n".join(m.value for m in at.markdown)
    assert "NRR" in text and "accounts moved from" in text
    assert len(at.dataframe) >= 4
    # the story mode gets a chapter from the comparison
    at.switch_page("pages/story.py").run()
    assert not at.exception
    at.session_state["story_step"] = 5
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [h.value for h in at.header] == ["What changed since last time?"]
    assert any("NRR" in m.value for m in at.markdown)


def test_unrelated_earlier_file_shows_one_error() -> None:
    at = _changes_page()
    at.file_uploader(key="changes_upload").upload("other.csv", b"id,arr\nX1,10\nX2,20\nX3,30\n", "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("No customer ID is in both files" in e.value for e in at.error)
