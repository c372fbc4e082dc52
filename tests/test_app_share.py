"""Share links and saved settings name the file they were made from and survive its upload, in either order."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import app_support
from segmentation.config import AnalysisConfig, SourceFingerprint
from segmentation.intake import Source
from segmentation.pipeline import load_customers
from tests.conftest import ROOT

TIMEOUT = 120
INDUSTRIES = ["Retail", "Media", "Software", "Health"]


def account_file(rows: int = 80, extra: bool = False) -> bytes:
    """A small account export: id, name, industry, seats, arr (and a column more with `extra`)."""
    header = "account_id,account_name,industry,seats,arr" + (",region" if extra else "")
    lines = [header]
    for i in range(rows):
        line = f"A{i:03d},Company {i},{INDUSTRIES[i % 4]},{5 + (i * 7) % 40},{1000 + (i * 137) % 9000}"
        lines.append(line + (",EMEA" if extra else ""))
    return ("\n".join(lines) + "\n").encode()


def fingerprint(name: str, data: bytes) -> SourceFingerprint:
    table = load_customers(Source.from_bytes(name, data), AnalysisConfig())
    return SourceFingerprint.of_table(table)


FIVE = AnalysisConfig().updated(**{"segmentation.k": 5})


def start(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text(at: AppTest) -> str:
    return "\n".join([*(m.value for m in at.markdown), *(c.value for c in at.caption)])


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    visit(at, "data.py")
    at.file_uploader(key="upload").upload(name, data, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_fingerprint_ignores_column_order_and_never_holds_data() -> None:
    data = account_file()
    lines = data.decode().splitlines()
    reordered = "\n".join(",".join(reversed(line.split(","))) for line in lines).encode()
    first, second = fingerprint("a.csv", data), fingerprint("a.csv", reordered)
    assert first.column_fingerprint == second.column_fingerprint
    assert (first.rows, first.columns) == (80, 5)
    assert "Company" not in first.model_dump_json()
    assert first.differences(fingerprint("a.csv", account_file(81))) == [
        "it has 81 rows, the settings were made from 80"
    ]
    assert "columns differ" in first.differences(fingerprint("a.csv", account_file(extra=True)))[0]


def test_link_opened_first_names_the_file_then_applies_to_its_upload() -> None:
    data = account_file()
    token = app_support.encode_config(FIVE, fingerprint("pipeline.csv", data))
    at = start({"cfg": token})
    assert "made from pipeline\\.csv \\(80 rows, 5 columns\\)" in text(at)
    assert at.session_state["config"] == AnalysisConfig(), "the sample keeps its own settings meanwhile"
    upload(at, "pipeline.csv", data)
    assert at.session_state["config"].segmentation.k == 5
    visit(at, "segments.py")
    assert "**5 segments**" in text(at)
    assert "made from pipeline" not in text(at), "the banner goes once the settings are applied"


def test_settings_loaded_before_the_upload_wait_for_it() -> None:
    data = account_file()
    saved = FIVE.with_source(fingerprint("pipeline.csv", data)).to_json().encode()
    at = visit(start(), "share.py")
    at.file_uploader(key="settings_upload").upload("settings.json", saved, "application/json").run()
    assert not at.exception
    assert at.session_state["config"].segmentation.k == 4
    assert "made from pipeline\\.csv" in text(at)
    upload(at, "pipeline.csv", data)
    assert at.session_state["config"].segmentation.k == 5


def test_settings_loaded_after_the_upload_apply_at_once() -> None:
    data = account_file()
    at = upload(start(), "pipeline.csv", data)
    saved = FIVE.with_source(fingerprint("pipeline.csv", data)).to_json().encode()
    visit(at, "share.py")
    at.file_uploader(key="settings_upload").upload("settings.json", saved, "application/json").run()
    assert at.session_state["config"].segmentation.k == 5
    visit(at, "segments.py")
    assert "**5 segments**" in text(at)


def test_the_app_link_names_the_uploaded_file_and_round_trips() -> None:
    data = account_file()
    at = upload(start(), "pipeline.csv", data)
    at.session_state["config"] = FIVE
    visit(at, "share.py")
    link = at.code[0].value
    assert "?cfg=" in link
    token = link.split("?cfg=", 1)[1]
    carried = app_support.decode_config(token)
    assert carried.source == fingerprint("pipeline.csv", data)
    assert carried.with_source(None) == FIVE


def test_a_file_that_differs_is_not_given_the_settings_and_says_why() -> None:
    data = account_file()
    token = app_support.encode_config(FIVE, fingerprint("pipeline.csv", data))
    at = start({"cfg": token})
    upload(at, "pipeline.csv", account_file(rows=90))
    assert at.session_state["config"].segmentation.k == 4
    assert "it has 90 rows, the settings were made from 80" in text(at)
    at.button(key="pending_force").click().run()
    assert at.session_state["config"].segmentation.k == 5


def test_a_link_made_from_the_transactions_sample_opens_it() -> None:
    invoices = app_support.SAMPLES["sample_invoices"][1]
    wanted = fingerprint(invoices.name, invoices.read_bytes())
    at = start({"cfg": app_support.encode_config(FIVE, wanted)})
    assert at.session_state["source"].kind == "sample_invoices"
    assert at.session_state["config"].segmentation.k == 5


def test_deeply_nested_settings_never_break_the_app() -> None:
    import base64
    import zlib

    deep = ('{"report":' + '{"a":' * 50_000 + "1" + "}" * 50_001).encode()
    token = base64.urlsafe_b64encode(zlib.compress(deep, 9)).decode().rstrip("=")
    at = start({"cfg": token})
    assert at.error and "share link" in at.error[0].value
    assert {m.label: m.value for m in at.metric}["Customers"] == "3,000"
    visit(at, "share.py")
    nested = ("[" * 100_000 + "]" * 100_000).encode()
    at.file_uploader(key="settings_upload").upload("deep.json", nested, "application/json").run()
    assert not at.exception
    assert any("nested more than" in e.value for e in at.error)


def test_a_link_that_unpacks_to_megabytes_is_refused() -> None:
    import base64
    import zlib

    huge = ('{"report":{"title":"' + "x" * 5_000_000 + '"}}').encode()
    token = base64.urlsafe_b64encode(zlib.compress(huge, 9)).decode().rstrip("=")
    at = start({"cfg": token})
    assert at.error and "unpacks to more than" in at.error[0].value
