"""The move-rule table (`segmentation/service/move_rules.py`, evaluated by `rule_moves.py`): the default
reproduces the hand-checked moves, a user's table changes who moves, and a bad table is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.config import AnalysisConfig
from segmentation.errors import InputError
from segmentation.service import ServicePlan, ServiceSettings, plan_service
from segmentation.service.move_rules import DEFAULT_MOVE_RULES
from tests.test_service import RULES_LONG, RULES_REVENUE, RULES_SHORT, UNBOUNDED, hand_potential, make_table

THRESHOLDS = {"arr_high": 100e3, "arr_low": 20e3, "potential_high": 500e3, "potential_low": 100e3, **UNBOUNDED}
FIVE_TIMES = {
    "name": "five_times",
    "direction": "up",
    "models": ["medium-touch", "tech-touch"],
    "when": [{"figure": "long_term_potential", "op": ">=", "than": "revenue", "times": 5}],
    "reason": "long-term potential {long_term_potential} is {potential_multiple:.0f}× its {unit} {revenue}",
    "words": "whose long-term potential is at least 5× its {unit}",
}


def rules_plan(service: ServiceSettings) -> ServicePlan:
    """The twelve hand-checked accounts of tests/test_service.py planned with `service`."""
    n = len(RULES_REVENUE)
    table = make_table(pd.DataFrame({"customer_id": [f"A{i}" for i in range(1, n + 1)], "revenue": RULES_REVENUE}), {})
    return plan_service(table, np.ones(n, dtype=int), {1: "All"}, hand_potential(RULES_SHORT, RULES_LONG), service)


def with_rules(rules: list[dict[str, object]]) -> ServiceSettings:
    """Service settings whose move-rule table is `rules`, read through the settings JSON as a user writes it."""
    return AnalysisConfig.from_dict({"service": {**THRESHOLDS, "move_rules": rules}}).service


def test_the_default_table_gives_the_hand_checked_moves_and_says_its_rules() -> None:
    assert ServiceSettings().move_rules == DEFAULT_MOVE_RULES
    plan = rules_plan(ServiceSettings(**THRESHOLDS))
    # the same lists as test_moves_by_the_plans_rules_without_a_current_column, worked out by hand there
    assert plan.frame["move"].tolist() == ["", "down", "", "up", "", "up", "", "", "", "", "down", ""]
    up_words, down_words = plan.rules_in_words[-3:-1]
    # 500k is the long-term threshold; 1.75k the 85th percentile of the 12-month potentials (1,750 less a hair)
    assert up_words.endswith(
        "Move up: a medium- or tech-touch account whose long-term potential is in the top tier (500k or more), "
        "whose 12-month expansion potential is in the top tier (1.75k or more), or whose long-term potential is at "
        "least 3× its ARR with ARR of at least 20k. Each is suggested one model more personal."
    )
    assert down_words == (
        "Move down: a high-touch account with low long-term potential whose ARR is below the top tier or below the "
        "high-touch median (128k); or whose cost to serve (12k a year) is more than 25% of the ARR it should "
        "bring in the next 12 months (today's plus its 12-month expansion potential: below 48k); or a "
        "medium-touch account with lower-tier ARR and low potential. Each is suggested one model lighter."
    )
    # the blend rule reads the blend basis only, so it is described (and flags) only there
    assert "blended potential" not in up_words
    blend = rules_plan(ServiceSettings(**THRESHOLDS, potential_basis="blend"))
    assert "whose blended potential is in the top tier" in blend.rules_in_words[-3]


def test_a_users_table_changes_who_moves_and_what_the_reasons_say() -> None:
    plan = rules_plan(with_rules([FIVE_TIMES]))
    # medium- and tech-touch accounts whose long-term potential is at least 5× their ARR: A4 (6.7×), A6 (70×),
    # A7 (10×), A8 (30×); A5 (2.5×) and A9 (1.6×) are not; with no down rule no account moves down
    assert plan.frame["move"].tolist() == ["", "", "", "up", "", "up", "up", "up", "", "", "", ""]
    reasons = dict(zip(plan.details["customer_id"], plan.move_reason_at(np.arange(len(plan.details))), strict=True))
    assert (
        reasons["A7"] == "tech-touch by the plan, but long-term potential 50k is 10× its ARR 5k → consider medium-touch"
    )
    assert plan.rules_in_words[-2] == "Move down: no rule suggests a model lighter for any account."
    assert plan.to_dict()["moves"]["down"]["customers"] == 0


def test_a_users_table_round_trips_through_the_settings_json() -> None:
    config = AnalysisConfig.from_dict({"service": {"move_rules": [FIVE_TIMES]}})
    again = AnalysisConfig.from_json(config.to_json())
    assert again == config
    assert [rule.name for rule in again.service.move_rules] == ["five_times"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            {"when": [{"figure": "arr_typo", "op": ">", "than": 0}]},
            "move rule 'five_times' tests 'arr_typo', which is no figure",
        ),
        (
            {"when": [{"figure": "revenue", "op": ">", "than": "revenu"}]},
            "compares revenue with 'revenu', which is no number",
        ),
        ({"when": [{"figure": "potential_tier", "op": ">=", "than": 2}]}, "use == or != with one of high, mid, low"),
        ({"models": ["high-touch"]}, "moves high-touch accounts up, but there is no model more personal"),
        ({"reason": "ARR {revenu}"}, "its reason shows {revenu}, which it cannot"),
        ({"words": "above {revenue}"}, "its words shows {revenue}, which it cannot"),
        ({"reason": "ARR {revenue:.q}"}, "its reason cannot be read"),
        # a shared settings file must not make a gigabyte of text per account
        ({"reason": "ARR {revenue:>999999999}"}, "formats {revenue} wider or more precise than 30"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_rule_and_what_is_wrong(change: dict[str, object], words: str) -> None:
    with pytest.raises(InputError) as raised:
        with_rules([{**FIVE_TIMES, **change}])
    assert "Setting 'service.move_rules.0' is not valid" in str(raised.value)
    assert words in str(raised.value)
