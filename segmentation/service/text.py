"""Short money and number wording shared by the potential drivers and the service-model reasons."""

from __future__ import annotations

import math


def money(value: float) -> str:
    """Return an amount in compact form: 950, 18.2k, 182k, 1.4M (no currency symbol)."""
    if value is None or not math.isfinite(value):
        return "unknown"
    sign = "-" if value < 0 else ""
    amount = abs(value)
    if amount >= 1e9:
        return f"{sign}{amount / 1e9:.1f}B"
    if amount >= 1e6:
        return f"{sign}{amount / 1e6:.1f}M"
    if amount >= 1e5:
        return f"{sign}{amount / 1e3:.0f}k"
    if amount >= 1e3:
        return f"{sign}{amount / 1e3:.1f}k"
    return f"{sign}{amount:.0f}"


def plain_float(value: float | None, digits: int = 4) -> float | None:
    """Return a JSON-safe float rounded to `digits` (None for NaN/inf/None)."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None
