"""The two ways in: two snapshots (files or an earlier output folder), or one dated transactions file in two periods."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from segmentation.changes.compare import compare
from segmentation.changes.result import ChangesResult
from segmentation.changes.snapshot import Snapshot
from segmentation.config import AnalysisConfig
from segmentation.errors import InputError
from segmentation.intake import Source, windows
from segmentation.intake.parsing import parse_dates
from segmentation.intake.reading import read_raw
from segmentation.intake.windows import end_date_column
from segmentation.pipeline import load_customers, run_analysis
from segmentation.result import AnalysisResult
from segmentation.segments.segmenting import CLUSTERING_METHODS

DEFAULT_PERIOD_MONTHS = 12
COVERAGE_SLACK_DAYS = 31
"""The earliest line may come up to a month after the earlier period starts (exports start on a 1st)."""


def compare_snapshots(
    before: Source | Path | str,
    after: Source,
    config: AnalysisConfig | None = None,
    *,
    fit_k_to_data: bool = False,
) -> AnalysisResult:
    """Analyse `after` and compare it with `before` (a file, or an earlier ``analyze`` output folder).

    Returns the newer analysis with its ``changes`` set. The newer file is analysed with the earlier
    analysis's settings unless `config` is given. Raises `InputError` when they cannot be compared.
    """
    if not isinstance(before, Source) and Path(before).is_dir():
        snapshot = Snapshot.from_folder(before)
        config = config or snapshot.config
    else:
        source = before if isinstance(before, Source) else Source.from_path(before)
        config = config or AnalysisConfig()
        earlier = run_analysis(source, config, fit_k_to_data=fit_k_to_data)
        snapshot = Snapshot.of(earlier, f"earlier file {source.name}")
        config = earlier.config
    result = run_analysis(after, config)
    result.changes = compare(snapshot, result, config.changes, f"newer file {after.name}")
    return result


@dataclass
class PeriodSplit:
    """Two periods of one transactions file, as files of their own lines."""

    before: Source
    after: Source
    periods: dict[str, str]
    months: int
    notes: list[str]


def _months_back(end: pd.Timestamp, months: int) -> pd.Timestamp:
    """`end` less whole months; from a month's last day to a month's last day (30 June less 18 months is 31 Dec)."""
    back = end - pd.DateOffset(months=months)
    return back + pd.offsets.MonthEnd(0) if end.is_month_end else back


def split_periods(
    primary: Source, config: AnalysisConfig, event_date: str, active_end: str | None = None
) -> PeriodSplit:
    """Split the lines of `primary` into the later period (the last N months) and the N months before it.

    With `active_end` (subscription lines: ARR or MRR with an end date), each period holds the lines
    active on its last day instead, with end dates after that day cleared (not yet known then), so
    each period's revenue is the ARR in force at its end. Raises `InputError` when the file does not
    cover both periods.
    """
    settings = config.changes
    raw = read_raw(primary, config.intake)
    dates = parse_dates(raw.frame[event_date], config.intake.date_order, allow_serial=True).values
    known = dates.dropna()
    if known.empty:
        raise InputError(f"'{event_date}' in '{primary.name}' holds no dates; periods need a dated transactions file.")
    first, latest = pd.Timestamp(known.min()), pd.Timestamp(known.max())
    ends = None
    if active_end is not None:  # subscriptions: the file runs to its latest start or end
        ends = parse_dates(raw.frame[active_end], config.intake.date_order, allow_serial=True).values
        if ends.notna().any():
            latest = max(latest, pd.Timestamp(ends.max()))
    end = pd.Timestamp(settings.period_end) if settings.period_end else latest.normalize()
    if end < first:
        raise InputError(
            f"The period end {end:%Y-%m-%d} is before the first line ({first:%Y-%m-%d}); choose a later end."
        )
    months, notes = _period_months(primary.name, first, latest, end, settings.period_months)
    middle = _months_back(end, months) + pd.Timedelta(days=1)
    start = _months_back(end, 2 * months) + pd.Timedelta(days=1)
    earlier, later = _period_lines(dates, ends, start, middle, end)
    outside = int((~(later | earlier)).sum())
    if outside:
        notes.append(f"{outside:,} line(s) fall outside both periods (or have no date) and are not counted.")
    periods = {
        "before_start": f"{start:%Y-%m-%d}",
        "before_end": f"{middle - pd.Timedelta(days=1):%Y-%m-%d}",
        "after_start": f"{middle:%Y-%m-%d}",
        "after_end": f"{end:%Y-%m-%d}",
    }
    if not earlier.any() or not later.any():
        raise InputError(
            f"'{primary.name}' has no lines in one of the periods ({periods['before_start']}–{periods['before_end']}, "
            f"{periods['after_start']}–{periods['after_end']}); choose another --period-end or --period-months."
        )
    frames = {"before": raw.frame, "after": raw.frame}
    if active_end is not None and ends is not None:
        frames = _active_on_last_day(raw.frame, active_end, ends, middle - pd.Timedelta(days=1), end)
        notes.append(
            f"Subscription lines: each period's revenue is the ARR of the lines active on its last day "
            f"({periods['before_end']} and {periods['after_end']}), not the sum of lines that started in it."
        )
    before = _subset(primary, frames["before"], earlier, f"{periods['before_start']} to {periods['before_end']}")
    after = _subset(primary, frames["after"], later, f"{periods['after_start']} to {periods['after_end']}")
    return PeriodSplit(before=before, after=after, periods=periods, months=months, notes=notes)


def _period_months(
    name: str, first: pd.Timestamp, latest: pd.Timestamp, end: pd.Timestamp, months: int | None
) -> tuple[int, list[str]]:
    """The length of each period in months, and a note when it is shorter than the default year.

    `months` None takes the longest whole number of months up to 12 whose two periods ending at
    `end` the file covers (from its `first` line, with a month's slack); a chosen length the file
    does not cover raises `InputError`, naming the longest that fits.
    """
    covered = lambda m: first <= _months_back(end, 2 * m) + pd.Timedelta(days=COVERAGE_SLACK_DAYS)  # noqa: E731
    span = f"{first:%Y-%m-%d} to {latest:%Y-%m-%d}"
    notes: list[str] = []
    if months is None:
        months = next((m for m in range(DEFAULT_PERIOD_MONTHS, 0, -1) if covered(m)), None)
        if months is None:
            raise InputError(
                f"'{name}' covers {span}, too short for two periods of a month; "
                "compare two snapshots instead, or use a longer export."
            )
        if months != DEFAULT_PERIOD_MONTHS:
            notes.append(
                f"The file covers {span}, less than two years: compared the last {months} months with the "
                f"{months} before them."
            )
    elif not covered(months):
        fits = next((m for m in range(months - 1, 0, -1) if covered(m)), None)
        hint = f"choose a period of at most {fits} months" if fits else "use a longer export"
        raise InputError(
            f"'{name}' covers {span}, so the two {months}-month periods ending {end:%Y-%m-%d} do not "
            f"both fall in it; {hint}."
        )
    return months, notes


def _period_lines(
    dates: pd.Series, ends: pd.Series | None, start: pd.Timestamp, middle: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Series, pd.Series]:
    """Which lines belong to the earlier period (from `start`) and which to the later one (`middle` to `end`).

    Dated lines fall in the period of their date. Subscription lines (`ends` given) belong to each
    period they are active on the last day of: started by then and not ended before it.
    """
    end_of_day = end + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    if ends is None:
        return (dates >= start) & (dates < middle), (dates >= middle) & (dates <= end_of_day)
    before_day = middle - pd.Timedelta(days=1)
    return (dates < middle) & (ends.isna() | (ends >= before_day)), (dates <= end_of_day) & (
        ends.isna() | (ends >= end)
    )


def _active_on_last_day(
    frame: pd.DataFrame, active_end: str, ends: pd.Series, before_end: pd.Timestamp, end: pd.Timestamp
) -> dict[str, pd.DataFrame]:
    """The lines as each period's last day saw them: end dates after that day cleared (not yet known then)."""
    frames = {}
    for key, day in (("before", before_end), ("after", end)):
        frames[key] = frame.copy()
        frames[key].loc[(ends > day).to_numpy(), active_end] = None  # not yet ended on that day
    return frames


def _subset(primary: Source, frame: pd.DataFrame, rows: pd.Series, label: str) -> Source:
    """The chosen lines as a Parquet file of their own (their text kept exactly as read)."""
    buffer = io.BytesIO()
    part = frame.loc[rows.to_numpy()].reset_index(drop=True)
    pq.write_table(pa.Table.from_pandas(part, preserve_index=False), buffer)
    return Source.from_bytes(f"{primary.name} ({label})", buffer.getvalue())


def event_date_column(table_roles: dict[str, str]) -> str | None:
    """The column that dates each line (as intake picks it), or None when the file has no dates."""
    return windows.event_date_column([name for name, role in table_roles.items() if role == "date"])


def compare_periods(primary: Source, config: AnalysisConfig, main: AnalysisResult | None = None) -> ChangesResult:
    """Return the period view of one dated transactions file: the later period against the one before it.

    `main` (the analysis of the whole file, when already made) saves reading the file once more.
    Raises `InputError` when the file is not dated transactions or does not cover two periods.
    """
    table = main.table if main is not None else load_customers(primary, config)
    roles = {name: role.role for name, role in (table.source_roles or table.roles).items()}
    column = event_date_column(roles)
    if table.grain != "transactions" or column is None:
        raise InputError(
            f"'{primary.name}' is not a dated transactions file (one row per purchase with a date); "
            "pass two snapshots (BEFORE and AFTER) instead."
        )
    dates = [name for name, role in roles.items() if role == "date" and name != column]
    active_end = end_date_column(dates) if table.revenue_unit in {"ARR", "MRR"} else None
    split = split_periods(primary, config, column, active_end)
    fixed_k = {}
    if main is not None and config.segmentation.auto_k and main.segmentation.method in CLUSTERING_METHODS:
        # the number of segments the whole file's analysis chose: comparable groupings, and no second k search
        fixed_k = {"segmentation.k": main.segmentation.k, "segmentation.auto_k": False}
    per_period = config.updated(
        **fixed_k,
        **{
            "intake.grain": "transactions",
            "intake.revenue_window_months": None,
            "intake.header_row": None,
            "intake.delimiter": None,
            "intake.encoding": None,
            "intake.sheet": None,
        },
    )
    earlier = run_analysis(split.before, per_period, fit_k_to_data=True)
    later = run_analysis(split.after, per_period, fit_k_to_data=True)
    p = split.periods
    snapshot = Snapshot.of(earlier, f"{p['before_start']} to {p['before_end']}")
    changes = compare(snapshot, later, config.changes, f"{p['after_start']} to {p['after_end']}")
    changes.periods = p
    changes.before_source = changes.after_source = primary.name
    changes.notes[:0] = [
        f"One transactions file in two periods of {split.months} months: {p['before_start']}–{p['before_end']} "
        f"against {p['after_start']}–{p['after_end']}; each period's revenue is the sum of its own lines.",
        *split.notes,
        *(
            [f"Each period is segmented into {main.segmentation.k} segments, the number chosen for the whole file."]
            if fixed_k and main is not None
            else []
        ),
    ]
    return changes
