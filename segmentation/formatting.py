"""Numbers as people read them on slides: money with currency and unit, shares, counts.

Every view (pages, report, story) formats through these functions so one figure reads the same
everywhere. They never round what is stored: summary.json keeps full precision.
"""

from __future__ import annotations

import math

import numpy as np

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}


def currency_prefix(currency: str) -> str:
    """Return the symbol for a known currency code, else the code and a thin space ("CHF ")."""
    code = (currency or "").strip()
    if not code:
        return ""
    return CURRENCY_SYMBOLS.get(code.upper(), code if len(code) <= 1 else f"{code} ")


_MONEY_SIZES = ((1e9, "bn"), (1e6, "M"), (1e3, "k"))
"""The shortened sizes, largest first, and their suffixes."""

_HALF_MARGIN = 1e-6
"""How near a rounding half (in the last shown digit) a value must be to get a key of its own."""


def format_money(value: float | None, currency: str = "", unit: str | None = None, digits: int = 3) -> str:
    """Return `value` as short money text: 1234567 → "1.23M" ("$1.23M" with ``USD``), unit after it when given.

    No symbol unless `currency` names one: a file that does not say its currency is not assumed to
    be in dollars. Thousands, millions and billions are shortened to k, M and bn with `digits`
    significant digits; amounts below 1,000 keep whole units. The unit is left off when it is the
    generic "revenue" (a table of "150 revenue" cells reads as noise). Negative amounts get a minus sign;
    an amount that shows as zero has no sign (-0.3 is "0", never "-0").
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    amount = float(value)
    if abs(amount) < 0.005:
        amount = 0.0
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    text, suffix = f"{amount:,.0f}", ""
    for size, name in _MONEY_SIZES:
        if amount >= size * 0.9995:
            scaled = amount / size
            decimals = max(0, digits - len(str(int(scaled))))
            text = f"{scaled:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{scaled:.0f}"
            suffix = name
            break
    if not text.strip("0.,"):
        sign = ""  # -0.3 shows as 0, never "-0"
    # "ARR" or "MRR" after an amount says which money it is; the generic word "revenue" says nothing
    tail = f" {unit}" if unit and unit != "revenue" else ""
    return f"{sign}{currency_prefix(currency)}{text}{suffix}{tail}"


def money_key(values: np.ndarray, digits: int = 3) -> np.ndarray:
    """Return an int64 key per amount that is equal only where `format_money` (without currency) writes the same text.

    A million per-customer amounts show only a few thousand distinct figures, so the service
    reasons format each key once (`service.text.money_each`). The key is the sign, the size, the
    shown decimals and the amount rounded to them, as `format_money` decides them; an amount within
    a hair of a rounding half (where numpy's rounding and Python's may disagree) or too large to
    key exactly gets a key of its own, so it is formatted by itself.
    """
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    amount = np.where(finite & (np.abs(values) >= 0.005), values, 0.0)
    negative = amount < 0
    amount = np.abs(amount)
    size = np.select([amount >= size * 0.9995 for size, _ in _MONEY_SIZES], [size for size, _ in _MONEY_SIZES], 1.0)
    scaled = amount / size
    whole_digits = np.searchsorted(10.0 ** np.arange(1, 19), np.floor(scaled), side="right") + 1
    decimals = np.where(size == 1.0, 0, np.maximum(0, digits - whole_digits))
    steps = scaled * 10.0**decimals
    own = (np.abs(steps - np.floor(steps) - 0.5) < _HALF_MARGIN) | (steps >= 1e12)
    size_code = np.searchsorted(np.array([1.0, 1e3, 1e6, 1e9]), size)
    shown = np.rint(np.where(own, 0.0, steps)).astype(np.int64)
    key = (((shown * 4 + size_code) * 32 + decimals) * 2 + negative) + 1
    key = np.where(finite, key, 0)  # every non-finite amount reads "–"
    return np.where(own & finite, -1 - np.arange(len(values)), key)


def format_share(share: float | None, decimals: int = 1) -> str:
    """Return a 0–1 share as a percentage with one decimal, everywhere alike: 0.7412 → "74.1%" (0 decimals: "74%")."""
    if share is None or (isinstance(share, float) and not math.isfinite(share)):
        return "–"
    return f"{float(share) * 100:.{decimals}f}%"


def format_count(count: float | None) -> str:
    """Return a count with thousands separators: 23570 → "23,570"."""
    if count is None or (isinstance(count, float) and not math.isfinite(count)):
        return "–"
    return f"{round(float(count)):,}"


def format_ratio(ratio: float | None) -> str:
    """Return a multiple: 3.14 → "3.1×"; under 0.1 with two decimals (0.024 → "0.02×", never "0.0×")."""
    if ratio is None or (isinstance(ratio, float) and not math.isfinite(ratio)):
        return "–"
    value = float(ratio)
    return f"{value:.2f}×" if 0 < abs(value) < 0.095 else f"{value:.1f}×"


def plural(count: float | None, noun: str, plural_noun: str | None = None) -> str:
    """Return a count with its noun in the right number: (1, "customer") → "1 customer", 3 → "3 customers"."""
    text = format_count(count)
    if count is None or text == "–":
        return f"– {plural_noun or noun + 's'}"
    return f"{text} {noun if round(float(count)) == 1 else plural_noun or noun + 's'}"
