"""The RFM groups are a table in the segmentation settings: the default gives the usual segments, a user's
table renames or regroups them, and a table that would lose customers or hide a group is refused."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from segmentation.config import AnalysisConfig
from segmentation.errors import InputError
from segmentation.segments import CriteriaSettings, build_features, segment_customers
from segmentation.segments.settings import DEFAULT_RFM_GROUPS, SegmentationSettings, rfm_group_of_scores
from tests.test_segments import rfm_table


def usual_group(r: int, f: int, m: int) -> str:
    """The usual RFM segments as hand-written rules, checked in order (the studio's rules before the table)."""
    rules = [
        ("Champions", r >= 4 and f >= 4 and m >= 4),
        ("Loyal", r >= 3 and f >= 4),
        ("Potential loyalists", r >= 4 and f >= 2),
        ("New", r == 5),
        ("Promising", r == 4),
        ("Need attention", r == 3 and f >= 2),
        ("About to sleep", r == 3),
        ("Can't lose them", f >= 4 and m >= 4),
        ("At risk", f >= 3),
        ("Hibernating", r == 2),
    ]
    return next((name for name, holds in rules if holds), "Lost")


def test_the_default_table_gives_the_usual_group_for_all_125_scores() -> None:
    taken = rfm_group_of_scores(DEFAULT_RFM_GROUPS)
    for scores in itertools.product(range(1, 6), repeat=3):
        assert DEFAULT_RFM_GROUPS[taken[scores]].name == usual_group(*scores), scores
    assert {g.name: g.meaning for g in DEFAULT_RFM_GROUPS}["Lost"] == "the fewest purchases, longest ago"
    assert SegmentationSettings().rfm_groups == DEFAULT_RFM_GROUPS


def with_groups(groups: list[dict[str, Any]]) -> AnalysisConfig:
    data = AnalysisConfig().to_dict()
    data["segmentation"]["rfm_groups"] = groups
    data["segmentation"]["method"] = "rfm"
    return AnalysisConfig.from_dict(data)


def test_a_users_table_renames_and_regroups() -> None:
    config = with_groups(
        [
            {"name": "Recent", "meaning": "bought lately", "recency": [4, 5]},
            {"name": "Big spenders", "monetary": [4, 5]},
            {"name": "Everyone else"},
        ]
    )
    table = rfm_table()
    result = segment_customers(table, build_features(table, CriteriaSettings()), config.segmentation)
    # Scores (R, F, M): A 5,5,5; B 1,1,1; C 2,4,4; D 4,2,2; E 3,3,3 (see test_segments).
    assert [result.names[int(label)] for label in result.labels] == [
        "Recent",
        "Everyone else",
        "Big spenders",
        "Recent",
        "Everyone else",
    ]
    assert result.profiles[0].profile["meaning"] == "bought lately"
    assert "customers grouped by your RFM table (3 groups)." in " ".join(result.notes)


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([{"name": "Best", "recency": [0, 5]}, {"name": "Rest"}], r"'Best' has recency scores 0–5; scores run from 1"),
        ([{"name": "Best", "frequency": [5, 4]}, {"name": "Rest"}], r"'Best' has frequency scores 5–4, which takes no"),
        ([{"name": "Rest"}, {"name": "Best", "recency": [5, 5]}], r"'Best' gets no customer: the groups above it"),
        (
            [{"name": "Best", "recency": [4, 5]}],
            r"R=1, F=1, M=1 \(and 74 other combination\(s\)\) fall in no RFM group",
        ),
        ([{"name": "Best", "recency": [4, 5]}, {"name": "best"}], r"'best' is named twice"),
        ([], r"the RFM table has no groups"),
    ],
)
def test_a_bad_table_is_refused_naming_the_entry(groups: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(InputError, match=rf"segmentation\.rfm_groups.*{message}"):
        with_groups(groups)


def test_the_table_round_trips_through_json() -> None:
    config = with_groups([{"name": "Recent", "recency": [4, 5]}, {"name": "Everyone else", "meaning": "the rest"}])
    again = AnalysisConfig.from_json(config.to_json())
    assert again == config
    assert [g.name for g in again.segmentation.rfm_groups] == ["Recent", "Everyone else"]
    assert again.segmentation.rfm_groups[0].recency == (4, 5)
    assert AnalysisConfig.from_json(AnalysisConfig().to_json()).segmentation.rfm_groups == DEFAULT_RFM_GROUPS
