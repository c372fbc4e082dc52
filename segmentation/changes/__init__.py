"""Changes over time: what changed between two snapshots (or two periods of one transactions file).

Public API::

    compare_snapshots(before, after, config) -> AnalysisResult   # with .changes set
    compare_periods(primary, config, main=None) -> ChangesResult
    compare(snapshot, result, settings, label) -> ChangesResult
    SegmentModel.fit(result) / .assign(table) / .to_json() / .from_json(text)

Charts live in `segmentation.changes.charts` (bridge_waterfall, migration_heatmap).
"""

from __future__ import annotations

from segmentation.changes.bridge import CHANGE_TYPES, BridgeLine, group_bridges, overall_bridge, tag_changes
from segmentation.changes.compare import compare
from segmentation.changes.model import SegmentModel
from segmentation.changes.result import CHANGES_COLUMNS, ChangesResult
from segmentation.changes.settings import ChangesSettings
from segmentation.changes.snapshot import MODEL_FILE, Snapshot

__all__ = [
    "CHANGES_COLUMNS",
    "CHANGE_TYPES",
    "MODEL_FILE",
    "BridgeLine",
    "ChangesResult",
    "ChangesSettings",
    "SegmentModel",
    "Snapshot",
    "compare",
    "group_bridges",
    "overall_bridge",
    "tag_changes",
]
