"""`AnalysisResult`'s views: counted on codes, they must agree with the plain pandas count of the same rows."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.config import AnalysisConfig
from segmentation.intake import Source
from segmentation.pipeline import run_analysis
from segmentation.result import SERVICE_MODELS
from tests.conftest import SAMPLE_ACCOUNTS


@pytest.mark.parametrize("method", ["kmeans", "hdbscan"])
def test_the_service_mix_is_the_crosstab_of_segment_and_model(method: str) -> None:
    """HDBSCAN leaves some customers Unassigned (segment 0): the row of segment 0 is counted too."""
    result = run_analysis(
        Source.from_path(SAMPLE_ACCOUNTS), AnalysisConfig().updated(**{"segmentation.method": method})
    )
    plain = pd.crosstab(result.customers["segment"], result.customers["service_model"])
    pd.testing.assert_frame_equal(result.service_mix(), plain.reindex(columns=SERVICE_MODELS, fill_value=0))
    if method == "hdbscan":
        assert 0 in result.service_mix().index, "the sample should leave some customers unassigned"
