"""The comparison's files: changes.csv and migration.csv (formula-safe, byte-stable) and segment_model.json."""

from __future__ import annotations

from typing import TYPE_CHECKING

from segmentation.export import to_csv_bytes

if TYPE_CHECKING:
    from segmentation.changes.result import ChangesResult


def changes_csv(changes: ChangesResult) -> bytes:
    """Return changes.csv: one row per account at either date, largest moves first."""
    return to_csv_bytes(changes.accounts)


def migration_csv(changes: ChangesResult) -> bytes:
    """Return migration.csv: accounts and revenue from each earlier segment to each current one."""
    return to_csv_bytes(changes.migration)
