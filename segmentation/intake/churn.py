"""Accounts the file says have left: the churn flag, ended status or past end date that marks them, and
setting them aside (ledgered, reported as their own group) so current revenue, tiers and the plan leave
them out."""

from __future__ import annotations

import re

import pandas as pd

from segmentation.errors import InputError
from segmentation.intake.ledger import Ledger
from segmentation.intake.roles import OUTCOME_NAME, tokens
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.table import CHURNED_COLUMNS, ColumnRole, LedgerEntry

_CHURN_FLAG_WORDS = {"yes", "y", "true", "t", "1", "1.0", "churned", "churn", "lost", "cancelled", "canceled"}
_NOT_AN_EVENT = {"risk", "score", "probability", "prob", "predicted", "prediction", "propensity", "likelihood"}
"""Words of a churn column that is a forecast, not the fact that the account left."""
_ENDED_STATUS = re.compile(
    r"(?i)^\s*(?:churned|churn|cancel+ed|cancel+ation|closed|closed[ _-]?lost|lost|inactive|terminated|ended|"
    r"expired|former|lapsed|deactivated|discontinued)\s*$"
)
_STATUS_WORDS = {"status", "stage", "lifecycle", "state"}
_END_WORDS = {"end", "ended", "cancel", "cancelled", "canceled", "cancellation", "churn", "churned", "terminated"}
_FUTURE_WORDS = {"renewal", "renew", "next", "due", "expiry", "expires", "expiration", "end", "ended"}


def _flag_values(values: pd.Series) -> pd.Series | None:
    """A churn flag read as True/False per row (missing is False), or None when the column is not yes/no."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    if pd.api.types.is_numeric_dtype(values):
        present = values.dropna()
        if present.empty or not present.isin([0.0, 1.0]).all():
            return None
        return (values == 1.0).fillna(False).astype(bool)
    text = values.astype("string").str.strip().str.lower()
    seen = set(text.dropna().unique().tolist())
    if not seen or len(seen) > 2 or not seen & _CHURN_FLAG_WORDS:
        return None
    if not seen <= _CHURN_FLAG_WORDS | {"no", "n", "false", "f", "0", "0.0", "active", "retained", "current"}:
        return None
    return text.isin(_CHURN_FLAG_WORDS).fillna(False).astype(bool)


def _reference_date(
    customers: pd.DataFrame, roles: dict[str, ColumnRole], end_columns: list[str]
) -> pd.Timestamp | None:
    """The file's "today": its latest date outside end dates and future-looking dates (renewal, due …)."""
    latest: pd.Timestamp | None = None
    for column in customers.columns:
        role = roles.get(column)
        if column in end_columns or role is None or role.role not in {"date", "outcome"}:
            continue
        if not pd.api.types.is_datetime64_any_dtype(customers[column]) or set(tokens(column)) & _FUTURE_WORDS:
            continue
        value = customers[column].max()
        if pd.notna(value) and (latest is None or value > latest):
            latest = pd.Timestamp(value)
    return latest


def _churn_rules(
    customers: pd.DataFrame, roles: dict[str, ColumnRole], settings: IntakeSettings, own: set[str]
) -> list[tuple[str, pd.Series, str]]:
    """The columns that say an account churned: (column, churned mask, reason in words), flags first.

    Only the primary file's own columns (`own`) are read unasked: a related table's churn flag or end
    date belongs to a subscription, and an account with one ended subscription has not left.
    """
    chosen = settings.churn_column
    if chosen is not None and chosen not in customers.columns:
        raise InputError(
            f"Churn column '{chosen}' is not a column of the customer table; its columns are "
            f"{', '.join(repr(c) for c in list(customers.columns)[:15])}. "
            "Choose one of those or leave churn_column empty."
        )
    rules: list[tuple[str, pd.Series, str]] = []
    columns = (
        [chosen] if chosen else sorted(c for c in customers.columns if c in own and c not in {"customer_id", "revenue"})
    )
    flags: list[tuple[str, pd.Series, str]] = []
    statuses: list[tuple[str, pd.Series, str]] = []
    ends: list[str] = []
    for column in columns:
        role = roles.get(column)
        words = set(tokens(column))
        named = bool(OUTCOME_NAME.search(column))
        overridden = column in settings.roles and settings.roles[column] != "outcome"
        if chosen is None and (overridden or role is None or words & _NOT_AN_EVENT):
            continue
        values = customers[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            if chosen or (words & _END_WORDS and not words & (_FUTURE_WORDS - {"end", "ended"})):
                ends.append(column)
            continue
        if chosen or named:
            mask = _flag_values(values)
            if mask is not None:
                shown = "yes"
                if mask.any() and not pd.api.types.is_bool_dtype(values):
                    shown = str(values[mask].iloc[0]).strip()
                flags.append((column, mask, f"{column} = {shown}"))
                continue
        if chosen or (words & _STATUS_WORDS and role is not None and role.role in {"categorical", "outcome"}):
            text = values.astype("string")
            mask = text.str.match(_ENDED_STATUS).fillna(False).astype(bool)
            if mask.any() or chosen:
                shown = ", ".join(sorted(text[mask].str.strip().unique().tolist())[:3]) or "ended"
                statuses.append((column, mask, f"{column} = {shown}"))
    rules += flags[:1] + statuses[:1]  # one flag and one status decide; others say the same thing
    if ends:
        reference = _reference_date(customers, roles, ends)
        for column in ends[:1]:
            values = customers[column]
            today = reference if reference is not None else values.max()
            mask = (values < today).fillna(False).astype(bool)
            rules.append((column, mask, f"{column} before {today:%Y-%m-%d}"))
    return rules


def set_aside_churned(
    customers: pd.DataFrame,
    *,
    roles: dict[str, ColumnRole],
    source_roles: dict[str, ColumnRole],
    settings: IntakeSettings,
    ledger: Ledger,
    notes: list[str],
    unit: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move the accounts the file says have churned out of `customers`; return (current, churned).

    The deciding columns get the role ``outcome`` (never a clustering input). Every churned account
    is counted in the ledger by the rule that caught it first; when every account is marked churned
    none is set aside (the file is then a list of lost accounts, and analysing it is the point).
    """
    empty = pd.DataFrame({c: pd.Series(dtype="str" if c != "revenue" else "float64") for c in CHURNED_COLUMNS})
    if settings.churn_rule == "ignore":
        if any(r.role == "outcome" for r in roles.values()):
            notes.append("Churned accounts are counted as current customers, as set (churn_rule = ignore).")
        return customers, empty
    rules = _churn_rules(customers, roles, settings, set(source_roles))
    if not rules:
        return customers, empty
    reason = pd.Series("", index=customers.index, dtype="object")
    for column, mask, words in rules:
        reason = reason.where(~(mask & (reason == "")), f"Churned account ({words})")
        for table_roles in (roles, source_roles):
            if column in table_roles:
                old = table_roles[column]
                table_roles[column] = ColumnRole(
                    column, "outcome", max(old.confidence, 0.9), f"says which accounts churned ({old.reason})"
                )
    churned = (reason != "").to_numpy()
    count = int(churned.sum())
    if count == 0:
        return customers, empty
    if count == len(customers):
        notes.append(
            f"Every account is marked churned ({rules[0][2]}); none were set aside, so the analysis covers them all."
        )
        return customers, empty
    lost = customers.loc[churned]
    frame = pd.DataFrame(
        {
            "customer_id": lost["customer_id"].astype("str").to_numpy(),
            "revenue": lost["revenue"].astype("float64").to_numpy(),
            "churn_reason": reason[churned].to_numpy(),
        }
    )
    for text, group in frame.groupby("churn_reason", sort=True):
        ledger.entries.append(
            LedgerEntry(
                reason=f"{text}: kept out of current {unit}",
                rows=len(group),
                action="excluded",
                examples=group["customer_id"].head(5).tolist(),
            )
        )
    taken = float(frame["revenue"].clip(lower=0).sum())
    notes.append(
        f"{count:,} churned or ended accounts are kept out of current {unit}, tiers, segments and the plan, and "
        f"reported as their own group ({taken:,.0f} of {unit} left with them); "
        "set churn_rule to 'ignore' to count them."
    )
    return customers.loc[~churned], frame
