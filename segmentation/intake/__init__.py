"""Intake: read customer or transaction files into one row per customer, saying what was done.

Public API: `build_customer_table`, `list_sheets`, `preview_source`, and the data types
`Source`, `CustomerTable`, `ColumnRole`, `LedgerEntry`, `ROLES`, `IntakeSettings`.
"""

from __future__ import annotations

import pandas as pd

from segmentation.intake.build import build_customer_table
from segmentation.intake.reading import list_sheets, preview, read_raw
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.sources import Source
from segmentation.intake.table import ROLES, ColumnRole, CustomerTable, LedgerEntry


def preview_source(source: Source, settings: IntakeSettings, rows: int = 20) -> pd.DataFrame:
    """Return the first `rows` rows of the file as read (after encoding, delimiter and header detection), as text."""
    return preview(read_raw(source, settings), rows)


__all__ = [
    "ROLES",
    "ColumnRole",
    "CustomerTable",
    "IntakeSettings",
    "LedgerEntry",
    "Source",
    "build_customer_table",
    "list_sheets",
    "preview_source",
]
