"""Units and the time convention.

One model step is one week. Every quantity carries its unit in its name (``_usd``, ``_mw``,
``_per_year``, ``_per_week``, ``_weeks``); annual figures from the sources are converted once, here,
at the boundary.
"""

from typing import Final

WEEKS_PER_YEAR: Final[int] = 52
HOURS_PER_WEEK: Final[float] = 168.0
HOURS_PER_YEAR: Final[float] = 8766.0  # 365.25 days
USD_PER_MILLION: Final[float] = 1e6
USD_PER_BILLION: Final[float] = 1e9


def per_week(amount_per_year: float) -> float:
    """Convert a flow per year into the flow per one-week step (simple pro-rata).

    Args:
        amount_per_year: A flow such as USD per year or MW per year.

    Returns:
        The flow per week, ``amount_per_year / 52``.
    """
    return amount_per_year / WEEKS_PER_YEAR


def rate_per_week(rate_per_year: float) -> float:
    """Convert an annual rate (interest, growth, drift) into the simple rate per week.

    Args:
        rate_per_year: An annual rate, e.g. 0.0775 for a 7.75% coupon.

    Returns:
        ``rate_per_year / 52``: coupons accrue pro rata by week.
    """
    return rate_per_year / WEEKS_PER_YEAR


def weeks(years: float) -> int:
    """Convert a duration in years into whole weeks (steps), rounded to the nearest week.

    Args:
        years: A duration in years.

    Returns:
        The number of one-week steps.
    """
    return round(years * WEEKS_PER_YEAR)
