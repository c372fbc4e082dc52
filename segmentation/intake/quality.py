"""What the user is told about each source column: its quality row (type, missing share, distinct values,
examples) and how its dates were read (day or month first, Excel day numbers, dates out of range)."""

from __future__ import annotations

import pandas as pd

from segmentation.intake.parsing import DateParse, Distinct, cells_as_text, is_typed
from segmentation.intake.roles import ColumnProfile
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.table import ColumnRole


def column_quality(
    frame: pd.DataFrame,
    profiles: dict[str, ColumnProfile],
    roles: dict[str, ColumnRole],
    distinct: dict[str, Distinct] | None = None,
) -> pd.DataFrame:
    """Return one row per source column: column, type (role), missing_share, distinct, examples."""
    rows = []
    for name, profile in profiles.items():
        factorised = distinct[name] if distinct is not None and name in distinct else Distinct.of(frame[name])
        present = ~factorised.missing_values().to_numpy()
        present_rows = int(factorised.counts[present].sum())
        # distinct values come in order of first appearance, as drop_duplicates would give them
        shown = factorised.values[present].head(3)
        examples = ", ".join(str(v) for v in (cells_as_text(shown) if is_typed(shown) else shown))
        rows.append(
            {
                "column": name,
                "type": roles[name].role if name in roles else "",
                "missing_share": round(1.0 - float(present_rows) / max(len(frame), 1), 4),
                "distinct": int(profile.distinct),
                "examples": examples,
            }
        )
    return pd.DataFrame(rows, columns=["column", "type", "missing_share", "distinct", "examples"])


def date_notes(
    profiles: dict[str, ColumnProfile], roles: dict[str, ColumnRole], notes: list[str], settings: IntakeSettings
) -> None:
    """Say for each date column how its dates were read, and how many lay out of range."""
    for name, role in roles.items():
        if role.role != "date":
            continue
        dates = profiles[name].dates
        _out_of_range_note(name, dates, notes)
        if dates.order in {"day_first", "month_first"}:
            order = dates.order.replace("_", "-")
            if settings.date_order != "auto":
                notes.append(f"Dates in '{name}' read {order}, as set.")
            elif dates.ambiguous:
                notes.append(
                    f"Dates in '{name}' read {order}: the data cannot tell day from month; "
                    "switch date_order on the Data page if that is wrong."
                )
            else:
                notes.append(f"Dates in '{name}' read {order} (a value above 12 decides).")
        elif dates.order == "excel_serial":
            notes.append(f"Dates in '{name}' are Excel day numbers; read as dates.")


def _out_of_range_note(name: str, dates: DateParse, notes: list[str]) -> None:
    """Say how many dates lay beyond 1677–2262 and were read as no date."""
    if dates.out_of_range:
        notes.append(
            f"{dates.out_of_range:,} date(s) in '{name}' lie outside 1677–2262 (e.g. '{dates.outside_example}', "
            'a usual way to write "no end date"); read as no date (open).'
        )
