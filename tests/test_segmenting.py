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


def test_naming_described_segments_is_describing_them_with_the_names() -> None:
    """`name_segments` on segments described without names gives what describing them with the names gives:
    the same names, claims, short names and notes, and the same refusal of a name two segments would share."""
    from segmentation.errors import InputError
    from segmentation.segments.segmenting import describe_segments, name_segments

    table = load_customers(Source.from_path(SAMPLE_ACCOUNTS), AnalysisConfig())
    features = build_features(table, AnalysisConfig().criteria)
    settings = AnalysisConfig().segmentation.model_copy(update={"auto_k": False, "k": 5})
    clustering = find_clusters(table, features, settings)
    unnamed = describe_segments(table, features, clustering, settings)
    names = {"1": "Our best accounts", "3": unnamed.names[2], "9": "Gone"}
    named = settings.model_copy(update={"names": names})
    whole = describe_segments(table, features, clustering, named)
    renamed = name_segments(unnamed, named)
    assert [p.to_dict() for p in renamed.profiles] == [p.to_dict() for p in whole.profiles]
    assert renamed.notes == whole.notes
    assert renamed.names[2] != unnamed.names[2]
    assert name_segments(renamed, settings).names == unnamed.names
    with pytest.raises(InputError, match="same name"):
        name_segments(unnamed, settings.model_copy(update={"names": {"1": "A", "2": "a"}}))
