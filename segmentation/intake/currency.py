"""The currency of the money: read from the revenue column's name or written values, and a column
that mixes currencies refused (amounts are never converted, so they must not be added up)."""

from __future__ import annotations

import re

import pandas as pd

from segmentation.errors import InputError
from segmentation.intake.parsing import Distinct, is_typed, written_currencies
from segmentation.intake.roles import RevenueChoice

_CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB"}
_CURRENCY_CODES = re.compile(
    r"(?<![A-Za-z])(USD|EUR|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|PLN|INR|CNY|BRL|ZAR|MXN|SGD|HKD)(?![A-Za-z])",
    re.IGNORECASE,
)


def detect_currency(revenue_column: str, frame: pd.DataFrame, sample: int = 2000) -> str | None:
    """Return the currency code the revenue column's name or its written values state, or None.

    A code or sign in the column name wins ("ARR (EUR)", "amount_gbp", "Revenue €"); otherwise the
    first `sample` written values are read for signs and codes. Two currencies mean None: nothing
    is converted, and a mixed column is better labelled by the user.
    """
    found: set[str] = set()
    name = str(revenue_column)
    found.update(code.upper() for code in _CURRENCY_CODES.findall(name.replace("_", " ")))
    found.update(code for sign, code in _CURRENCY_SIGNS.items() if sign in name)
    if not found and revenue_column in frame.columns and not is_typed(frame[revenue_column]):
        values = frame[revenue_column].head(sample).dropna().astype(str)
        text = " ".join(values.unique()[:500])
        found.update(code.upper() for code in _CURRENCY_CODES.findall(text))
        found.update(code for sign, code in _CURRENCY_SIGNS.items() if sign in text)
    return found.pop() if len(found) == 1 else None


def table_currency(
    revenue: RevenueChoice | None, revenue_column: str, frame: pd.DataFrame, notes: list[str]
) -> str | None:
    """The currency of the customer table's revenue, said in `notes` when known, else None.

    Read from the revenue column of the primary file (for a sum or product its first column, then
    the formula's text); revenue taken from a related table is read by its name only.
    """
    currency = detect_currency(revenue.factors[0] if revenue is not None else revenue_column, frame)
    if currency is None and revenue is not None and revenue.operation != "single":
        currency = detect_currency(revenue_column, frame)
    if currency:
        notes.append(f"Money read as {currency} (from the revenue column's name or values).")
    return currency


def refuse_mixed_currencies(revenue: RevenueChoice, distinct: dict[str, Distinct], file: str) -> None:
    """Refuse a money column whose cells name two or more currencies: they would be added up as one."""
    for factor in revenue.factors:
        if factor not in distinct:
            continue
        found = written_currencies(distinct[factor])
        if len(found) > 1:
            counts = ", ".join(f"{rows:,} in {code}" for code, rows in sorted(found.items(), key=lambda i: -i[1]))
            raise InputError(
                f"Column '{factor}' of '{file}' mixes currencies ({counts}); amounts are never converted, so "
                "convert them to one currency first, or analyse each currency's customers separately."
            )
