"""The studio's own segmenters (`segmentation/segments/methods.py`) pass scikit-learn's estimator checks.

A check is expected to fail only where it cannot apply by design, each with its reason; the
expected failures are strict, so a check that starts passing shows up here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from segmentation.segments.methods import KPrototypes, RFMScorer, RuleTiers, SampledHDBSCAN, SampledWard

THREE_COLUMNS = (
    "scores exactly three columns (days since the last purchase, purchases, spend); this check fits another width"
)
EXPECTED_FAILURES: dict[type, dict[str, str]] = {
    RuleTiers: {
        "check_clustering": "cuts one column at quantiles, so it cannot find blobs that differ in another column",
    },
    RFMScorer: dict.fromkeys(
        (
            "check_clustering",
            "check_dtype_object",
            "check_estimators_dtypes",
            "check_estimators_fit_returns_self",
            "check_estimators_overwrite_params",
            "check_fit2d_1sample",
            "check_fit_check_is_fitted",
            "check_fit_idempotent",
            "check_n_features_in",
            "check_n_features_in_after_fitting",
            "check_positive_only_tag_during_fit",
            "check_readonly_memmap_input",
        ),
        THREE_COLUMNS,
    ),
}
"""Checks that cannot apply to an estimator by design → why."""


def expected_failures(estimator: BaseEstimator) -> dict[str, str]:
    """Return the checks `estimator` is expected to fail, with the reason each cannot apply."""
    return EXPECTED_FAILURES.get(type(estimator), {})


ESTIMATORS = [
    SampledWard(random_state=0),
    SampledHDBSCAN(random_state=0),
    KPrototypes(random_state=0),
    RuleTiers(),
    RFMScorer(),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures, xfail_strict=True)
def test_sklearn_estimator_checks(estimator: BaseEstimator, check: Callable[[BaseEstimator], Any]) -> None:
    check(estimator)


def test_rfm_scorer_refuses_other_widths_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match=r"RFMScorer takes 3 columns .*got n_features = 2"):
        RFMScorer().fit(np.ones((5, 2)))


def test_rule_tiers_keep_missing_values_and_cut_the_chosen_column() -> None:
    x = np.array([[9.0, 1.0], [9.0, np.nan], [9.0, 5.0], [9.0, 10.0]])
    tiers = RuleTiers(thresholds=[5.0], column=1).fit(x)
    assert tiers.labels_.tolist() == [0, -1, 1, 1]
    with pytest.raises(ValueError, match="cuts column 2"):
        RuleTiers(column=2).fit(x)


def test_k_prototypes_refuses_codes_that_are_not_categories() -> None:
    x = np.array([[0.0, 1.0], [1.0, 2.5], [2.0, 0.0]])
    with pytest.raises(ValueError, match="whole numbers from 0"):
        KPrototypes(n_clusters=2, categorical=[1]).fit(x)
    with pytest.raises(NotFittedError):
        KPrototypes(categorical=[1]).predict(x)
