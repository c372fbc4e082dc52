"""Which dates mean what in a many-rows file, and the revenue window they give.

The event date marks a purchase, the end date when a subscription line stopped. Revenue is then
the last 12 months (or as set), every row, or for ARR/MRR lines with an end date the subscriptions
active on the latest date. Used by the transactions roll-up, the related table and `changes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.intake.roles import tokens
from segmentation.intake.settings import IntakeSettings

_EVENT_WORDS = ("order", "invoice", "purchase", "transaction", "payment", "date")
_LINE_END_WORDS = ("end", "ended", "cancelled", "canceled", "churned", "terminated")


def event_date_column(dates: list[str]) -> str | None:
    """The date that marks a purchase: one named like order/invoice/purchase date, else the first date."""
    for name in dates:
        if any(w in tokens(name) for w in _EVENT_WORDS):
            return name
    return dates[0] if dates else None


def end_date_column(dates: list[str]) -> str | None:
    """The date column that says when a subscription line stopped (end, cancelled …), or None."""
    return next((d for d in dates if any(w in tokens(d) for w in _LINE_END_WORDS)), None)


@dataclass
class Window:
    """The revenue window of a transaction file: months counted, whether the prior year is kept, in words."""

    months: int | None
    prior: bool
    text: str
    notes: list[str]


def latest_date(columns: Iterable[pd.Series]) -> pd.Timestamp:
    """The latest date in any of `columns` (NaT when none holds one): the day subscription ARR is taken on."""
    return pd.to_datetime(pd.concat(list(columns)), errors="coerce").max()


def active_on(latest: pd.Timestamp) -> str:
    """The headline's window for subscription ARR: 'subscriptions active on DAY' (no day when none is known)."""
    return "subscriptions active" + (f" on {latest:%Y-%m-%d}" if pd.notna(latest) else "")


def active_window(prepared: dict[str, pd.Series], end: str, event_date: str, kept: np.ndarray, unit: str) -> Window:
    """ARR or MRR lines with an end date are subscriptions: revenue is what is active on the latest date.

    Summing the ARR of every line started in the last 12 months would add up contracts that ended
    and miss ones that began earlier and still run.
    """
    latest = latest_date(pd.Series(prepared[c])[kept] for c in (end, event_date))
    day = f" on {latest:%Y-%m-%d}" if pd.notna(latest) else ""
    note = (
        f"Revenue is the {unit} of the subscription lines active{day}, the latest date in the file "
        f"('{end}' empty or on/after it): a line's {unit} counts while it runs, not when it started."
    )
    return Window(None, prior=False, text=active_on(latest), notes=[note])


def revenue_window(dates: pd.Series | None, kept: np.ndarray, settings: IntakeSettings) -> Window:
    """Decide the revenue window: the setting, or with ``auto`` the last 12 months when the file spans more.

    The prior 12 months (for growth) are kept only when the file covers them in full: growth against
    a part-year would read as growth that is not there.
    """
    if dates is None:
        return Window(None, prior=False, text="", notes=[])
    present = dates[kept] if not kept.all() else dates
    present = present.dropna()
    if present.empty:
        return Window(None, prior=False, text="", notes=[])
    first, last = pd.Timestamp(present.min()), pd.Timestamp(present.max())
    day = f"{last:%Y-%m-%d}"
    wanted = settings.revenue_window_months
    slack = pd.Timedelta(days=7)  # monthly invoices from the 1st with the file ending on the 30th cover the window
    spans_year = first <= last - pd.DateOffset(months=12)
    if wanted is None or (wanted == "auto" and not spans_year):
        text = f"all transactions, {first:%Y-%m-%d} to {day}"
        note = (
            [] if wanted is None else [f"Revenue counts every transaction: the file covers 12 months or less ({text})."]
        )
        return Window(None, prior=False, text=text, notes=note)
    months = 12 if wanted == "auto" else int(wanted)
    text = f"last {months} months to {day}"
    why = "the annual run-rate" if months == 12 else "as set"
    notes = [f"Revenue is the {text} ({why}); the all-time total is kept as 'all_time_revenue'."]
    covers_prior = first <= last - pd.DateOffset(months=2 * months) + slack
    if not covers_prior:
        notes.append(
            f"The file starts {first:%Y-%m-%d}, less than two full windows before {day}: no prior-period revenue "
            "(growth) is given, since a part-period would read as growth that is not there."
        )
    return Window(months, prior=covers_prior, text=text, notes=notes)
