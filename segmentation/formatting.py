"""Numbers as people read them on slides: money with currency and unit, shares, counts.

Every view (pages, report, story) formats through these functions so one figure reads the same
everywhere. They never round what is stored: summary.json keeps full precision.
"""

from __future__ import annotations

import math

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$", "CAD": "C$"}


def currency_prefix(currency: str) -> str:
    """Return the symbol for a known currency code, else the code and a thin space ("CHF ")."""
    code = (currency or "").strip()
    if not code:
        return ""
    return CURRENCY_SYMBOLS.get(code.upper(), code if len(code) <= 1 else f"{code} ")


def format_money(value: float | None, currency: str = "", unit: str | None = None, digits: int = 3) -> str:
    """Return `value` as short money text: 1234567 → "1.23M" ("$1.23M" with ``USD``), unit after it when given.

    No symbol unless `currency` names one: a file that does not say its currency is not assumed to
    be in dollars. Thousands, millions and billions are shortened to k, M and bn with `digits`
    significant digits; amounts below 1,000 keep whole units. The unit is left off when it is the
    generic "revenue" (a table of "150 revenue" cells reads as noise). Negative amounts get a minus sign;
    amounts within half a cent of zero are zero (no "-0").
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    amount = float(value)
    if abs(amount) < 0.005:
        amount = 0.0
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    text, suffix = f"{amount:,.0f}", ""
    for size, name in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if amount >= size * 0.9995:
            scaled = amount / size
            decimals = max(0, digits - len(str(int(scaled))))
            text = f"{scaled:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{scaled:.0f}"
            suffix = name
            break
    # "ARR" or "MRR" after an amount says which money it is; the generic word "revenue" says nothing
    tail = f" {unit}" if unit and unit != "revenue" else ""
    return f"{sign}{currency_prefix(currency)}{text}{suffix}{tail}"


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
