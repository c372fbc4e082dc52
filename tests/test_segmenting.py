"""`segments.segmenting`: a k chosen by hand equal to the one chosen from the data finds the same segments."""

from __future__ import annotations

import numpy as np
import pytest

from segmentation.config import AnalysisConfig
from segmentation.intake import Source
from segmentation.pipeline import load_customers
from segmentation.segments import build_features
from segmentation.segments.segmenting import AUTO_K_NOTE, as_chosen, find_clusters
from tests.conftest import SAMPLE_ACCOUNTS


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_as_chosen_is_the_clustering_an_explicit_k_finds(method: str) -> None:
    config = AnalysisConfig().updated(**{"segmentation.method": method})
    table = load_customers(Source.from_path(SAMPLE_ACCOUNTS), config)
    features = build_features(table, config.criteria)
    auto = find_clusters(table, features, config.segmentation)
    assert config.segmentation.auto_k
    assert any(note.startswith(AUTO_K_NOTE) for note in auto.notes)
    chosen = config.segmentation.model_copy(update={"auto_k": False, "k": auto.settings.k})
    explicit = find_clusters(table, features, chosen)
    served = as_chosen(auto)
    np.testing.assert_array_equal(served.raw, explicit.raw)
    assert served.notes == explicit.notes
    assert served.k_reason == explicit.k_reason == f"{auto.settings.k} segments, as you chose."
    assert served.settings == explicit.settings
    assert served.raw_names == explicit.raw_names
    assert repr(served.stability) == repr(explicit.stability)
