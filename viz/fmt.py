"""Number formatting for the explorer: thousands separators, a unit on every number."""

from __future__ import annotations

import math

MILLION = 1e6


def number(value: float, digits: int = 3) -> str:
    """A number with separators and about ``digits`` significant digits: ``12,345``, ``0.25``."""
    if value is None or not math.isfinite(value):
        return "—"
    a = abs(value)
    if a == 0:
        return "0"
    if a >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    return f"{value:,.{decimals}f}"


def usd_m(value_usd: float) -> str:
    """USD as millions with one decimal and separators: ``$1,234.5M``."""
    if value_usd is None or not math.isfinite(value_usd):
        return "—"
    return f"${value_usd / MILLION:,.1f}M"


def m(value_usd: float) -> str:
    """USD as millions with one decimal and separators, for columns headed ``$M``."""
    if value_usd is None or not math.isfinite(value_usd):
        return "—"
    return f"{value_usd / MILLION:,.1f}"


def share(value: float) -> str:
    """A share as a percentage with one decimal: ``12.3%``."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.1%}"


def points(value: float) -> str:
    """A difference of shares in percentage points: ``+4.2 pp``."""
    return f"{value * 100:+.1f} pp"


def param_value(value) -> str:
    """A parameter value for labels: booleans and text as they are, numbers with separators."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.4g}"
