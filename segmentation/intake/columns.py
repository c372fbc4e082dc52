"""The kept source columns parsed for their role (float64, datetime64, bool or text) and sorted into the
kinds the roll-up aggregates (numbers, categories, flags, dates, money summed per customer).

Used by the customer grain, the transactions roll-up and the related table alike, so a column reads
the same whichever path it comes through.
"""

from __future__ import annotations

import pandas as pd

from segmentation.intake.aggregate import Columns
from segmentation.intake.parsing import Distinct, parse_booleans, parse_dates, parse_numbers
from segmentation.intake.roles import _COORD, _DATE_NAME, ColumnProfile, id_name_score, margin_kind, tokens
from segmentation.intake.rows import as_categories, present_text
from segmentation.intake.settings import IntakeSettings
from segmentation.intake.table import ColumnRole

_NOT_ATTRIBUTES = {"customer_id", "revenue", "ignore", "constant", "text", "customer_name"}
"""Roles never rolled up as a customer's attribute (the key, the amount, and columns nobody segments on)."""


def parsed_column(
    text: pd.Series | Distinct, role: ColumnRole, profile: ColumnProfile, settings: IntakeSettings
) -> pd.Series:
    """Return a column parsed for its role: float64, datetime64, bool or str (missing as NA)."""
    if role.role == "date":
        return parse_dates(text, settings.date_order, allow_serial=bool(_DATE_NAME.search(role.column))).values
    if role.role == "boolean":
        flags = parse_booleans(text)
        return flags if flags is not None else present_text(text)
    if role.role == "numeric" or (role.role == "geographic" and _COORD.search(role.column) and profile.numeric):
        return parse_numbers(text).values
    if role.role in {"constant", "revenue"} and profile.numeric:
        return parse_numbers(text).values
    if role.role == "outcome":  # a churn flag, churn date or churn score keeps its type
        return _outcome_column(text, role, profile, settings)
    return present_text(text)


def _outcome_column(
    text: pd.Series | Distinct, role: ColumnRole, profile: ColumnProfile, settings: IntakeSettings
) -> pd.Series:
    """An outcome column as flags, dates or numbers, whichever it holds; else its text."""
    if profile.boolean:
        flags = parse_booleans(text)
        if flags is not None:
            return flags
    if profile.datelike:
        return parse_dates(text, settings.date_order, allow_serial=bool(_DATE_NAME.search(role.column))).values
    if profile.numeric:
        return parse_numbers(text).values
    return present_text(text)


def prepare_rows(
    frame: pd.DataFrame,
    roles: dict[str, ColumnRole],
    profiles: dict[str, ColumnProfile],
    settings: IntakeSettings,
    skip: set[str],
    *,
    distinct: dict[str, Distinct] | None = None,
    parts: set[str] | None = None,
) -> tuple[dict[str, pd.Series], Columns]:
    """Return the parsed attribute columns of `frame` and which kind each is (`distinct`: factorised columns).

    `parts`: the columns added up into revenue, kept (summed per customer) though their role is revenue.
    """
    prepared: dict[str, pd.Series] = {}
    kinds = Columns(numeric=[], categorical=[], boolean=[], dates=[])
    parts = parts or set()
    for name, role in roles.items():
        if name in skip or (role.role in _NOT_ATTRIBUTES and name not in parts):
            continue
        if role.role in {"categorical", "numeric"} and is_other_id(name):  # order, subscription … numbers
            continue
        if distinct and distinct[name].repeats and _reads_as_text(role, profiles[name]):
            # the text as categories: DuckDB groups them as small integers
            values = as_categories(distinct[name])
        else:
            values = parsed_column(distinct[name] if distinct else frame[name], role, profiles[name], settings)
        prepared[name] = values
        if name in parts or (margin_kind(name) in {"profit", "cost"} and role.role == "numeric"):
            kinds.summed.append(name)  # money per row: summed over the same rows as revenue
        _sort_into_kind(name, values, kinds)
    return prepared, kinds


def _sort_into_kind(name: str, values: pd.Series, kinds: Columns) -> None:
    """Add `name` to the kind its parsed values are: flags, dates, numbers, else categories."""
    if pd.api.types.is_bool_dtype(values):
        kinds.boolean.append(name)
    elif pd.api.types.is_datetime64_any_dtype(values):
        kinds.dates.append(name)
    elif pd.api.types.is_float_dtype(values):
        kinds.numeric.append(name)
    else:
        kinds.categorical.append(name)


def _reads_as_text(role: ColumnRole, profile: ColumnProfile) -> bool:
    """Whether `parsed_column` keeps the column as text (the roles that are neither dates, flags nor numbers)."""
    if role.role in {"date", "boolean", "numeric"}:
        return False
    if role.role == "geographic" and _COORD.search(role.column) and profile.numeric:
        return False
    if role.role == "outcome" and (profile.boolean or profile.datelike or profile.numeric):
        return False
    return not (role.role in {"constant", "revenue"} and profile.numeric)


def is_other_id(name: str) -> bool:
    """The column names an identifier of something other than the customer (order, subscription, line)."""
    words = tokens(name)
    return id_name_score(name) >= 0.5 or bool(words and words[-1] in {"id", "key", "uuid", "guid"})
