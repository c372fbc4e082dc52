"""AnalysisConfig: JSON round-trip, dotted updates, versions and clear errors."""

from __future__ import annotations

import json

import pytest

from segmentation.config import CONFIG_VERSION, AnalysisConfig
from segmentation.errors import InputError


def test_default_round_trips_through_json() -> None:
    config = AnalysisConfig()
    assert AnalysisConfig.from_json(config.to_json()) == config


def test_changed_settings_round_trip() -> None:
    config = AnalysisConfig().updated(**{"segmentation.k": 6, "segmentation.seed": 7, "report.currency": "EUR"})
    again = AnalysisConfig.from_json(config.to_json())
    assert again.segmentation.k == 6
    assert again.segmentation.seed == 7
    assert again.report.currency == "EUR"
    assert again == config


def test_to_json_is_stable() -> None:
    assert AnalysisConfig().to_json() == AnalysisConfig().to_json()
    assert list(json.loads(AnalysisConfig().to_json())) == sorted(json.loads(AnalysisConfig().to_json()))


def test_bad_value_names_the_setting() -> None:
    with pytest.raises(InputError, match=r"segmentation\.k"):
        AnalysisConfig().updated(**{"segmentation.k": 0})


def test_unknown_setting_is_refused_clearly() -> None:
    data = AnalysisConfig().to_dict()
    data["segmentation"]["colour"] = "blue"
    with pytest.raises(InputError, match="colour"):
        AnalysisConfig.from_dict(data)


def test_newer_version_fails_with_a_clear_message() -> None:
    data = AnalysisConfig().to_dict()
    data["schema_version"] = CONFIG_VERSION + 1
    with pytest.raises(InputError, match="newer version"):
        AnalysisConfig.from_dict(data)


def test_settings_without_a_version_load_as_version_one() -> None:
    data = AnalysisConfig().to_dict()
    del data["schema_version"]
    assert AnalysisConfig.from_dict(data).schema_version == CONFIG_VERSION


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2]", '"text"'])
def test_not_json_or_not_an_object(text: str) -> None:
    with pytest.raises(InputError):
        AnalysisConfig.from_json(text)


def test_section_json_is_a_cache_key_of_just_those_sections() -> None:
    base = AnalysisConfig()
    changed = base.updated(**{"report.currency": "EUR"})
    assert base.section_json("intake", "segmentation") == changed.section_json("intake", "segmentation")
    assert base.section_json("report") != changed.section_json("report")


def test_a_summary_json_is_accepted_as_saved_settings() -> None:
    config = AnalysisConfig().updated(**{"segmentation.k": 3})
    summary = json.dumps({"input": {"file": "x.csv"}, "settings": config.to_dict(), "segments": []})
    assert AnalysisConfig.from_saved(summary) == config
    assert AnalysisConfig.from_saved(config.to_json()) == config


def test_share_link_codec_is_in_the_core_and_round_trips() -> None:
    """The token carries only what differs from the defaults; a damaged or oversized one is an InputError."""
    import base64
    import zlib

    from segmentation.sharing import MAX_LINK_BYTES, decode_config, encode_config

    config = AnalysisConfig().updated(**{"segmentation.k": 6, "service.high_touch_csms": 4})
    token = encode_config(config)
    assert len(token) < 200 and "=" not in token
    assert decode_config(token) == config
    assert decode_config(encode_config(AnalysisConfig())) == AnalysisConfig()
    with pytest.raises(InputError, match="damaged"):
        decode_config(token[:-5] + "!!!!!")
    bomb = base64.urlsafe_b64encode(zlib.compress(b" " * (MAX_LINK_BYTES + 10), 9)).decode().rstrip("=")
    with pytest.raises(InputError, match="KB"):
        decode_config(bomb)


def test_settings_validated_once_are_handed_out_again_only_for_the_same_data() -> None:
    """A widget change parses the same settings 10-15 times; validating each took about 4 ms."""
    from segmentation import config as config_module

    data = AnalysisConfig().updated(**{"segmentation.k": 7}).to_dict()
    first = AnalysisConfig.from_dict(data)
    assert AnalysisConfig.from_dict(json.loads(json.dumps(data))) is first
    other = AnalysisConfig.from_dict({**data, "report": {**data["report"], "title": "Another title"}})
    assert other is not first and other.report.title == "Another title"
    # bad settings are refused every time, never kept
    bad = {**data, "segmentation": {**data["segmentation"], "k": 0}}
    for _ in range(2):
        with pytest.raises(InputError, match=r"segmentation\.k"):
            AnalysisConfig.from_dict(bad)
    # data JSON would not give back as it is (a number as a key) is validated as it is, every time
    numbered = {**data, "service": {**data["service"], "segment_overrides": {2: "high-touch"}}}
    assert config_module._validated_key(numbered) is None
    named = {**data, "service": {**data["service"], "segment_overrides": {"2": "high-touch"}}}
    assert AnalysisConfig.from_dict(named).service.segment_overrides == {"2": "high-touch"}
    try:
        expected: object = AnalysisConfig.model_validate(numbered)
    except Exception as exc:
        expected = type(exc)
    if isinstance(expected, AnalysisConfig):
        assert AnalysisConfig.from_dict(numbered) == expected
    else:
        with pytest.raises(InputError):
            AnalysisConfig.from_dict(numbered)
    # the store is bounded
    for seed in range(300):
        AnalysisConfig.from_dict({**data, "segmentation": {**data["segmentation"], "seed": seed}})
    assert len(config_module._VALIDATED._kept) <= 256
