"""AI end-demand: the revenue AI labs earn from their users, with a boom path and a slowdown shock.

Convention (one step = one week, ``dt = 1/52`` year; week 0 = 2026-01-05):

* Boom growth, a simple annual rate that decays exponentially:
  ``g_boom(t) = g0 * exp(-decay * t / 52)``.
* Slowdown: ``g(t) = g_boom(t) * (1 - depth * ramp(t))`` with
  ``ramp(t) = clip((t - start) / speed, 0, 1)``. Depth 0: no slowdown; 1: growth goes to zero;
  above 1: revenue shrinks.
* Expected revenue, compounding the growth as a simple annual rate (``g = 1.0`` doubles in a
  year): ``R_exp(t+1) = R_exp(t) * (1 + g(t)) ** (1/52)``, so with no decay and no slowdown
  ``R_exp(52) = R(0) * (1 + g0)``.
* Realised revenue ``R(t) = R_exp(t) * exp(x(t) - v(t) / 2)``, where ``x`` is a zero-mean
  Ornstein-Uhlenbeck deviation (transient demand surprises; persistent changes are the slowdown's
  job) with exact weekly step ``x(t+1) = a x(t) + b eps`` and variance ``v(t+1) = a^2 v(t) + b^2``,
  so ``E[R(t)] = R_exp(t)``; with zero volatility ``R = R_exp``.
* Sentiment: ``S(t) = clip(R(t) / R_boom(t), 0, 1) ** k`` where ``R_boom`` is the expected path
  without the slowdown. Bain's $800B-of-$2T gap (a 40% shortfall) gives ``S = 0.6**2 = 0.36``.
* Shared helpers for all drivers live here too: :func:`ramp_fraction`, :func:`advance_or_hold`,
  :func:`ou_weekly_coefficients`.
"""

import math
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from bubblesim.params import param
from bubblesim.units import WEEKS_PER_YEAR


class DemandParams(BaseModel):
    """Parameters of the AI end-demand process (revenue of AI labs from their users)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    demand_initial_revenue_usd_per_year: float = param(
        40e9,
        unit="USD per year",
        source="judgment: OpenAI run-rate >$20B end-2025 (inventrium, Nov 2025) + Anthropic "
        "≈$7B Oct 2025 growing to $20-26B in 2026 (uuaa.net) + other labs; calibration-facts §2",
        description="AI labs' annualised end-user revenue run-rate at week 0 (2026-01-05).",
        gt=0.0,
        judgment=True,
    )
    demand_growth_per_year: float = param(
        1.0,
        unit="per year (simple annual rate; 1.0 = +100%/yr)",
        source="judgment: Anthropic run-rate ≈$7B (Oct 2025) targeting $20-26B in 2026 (≈3x); "
        "OpenAI $13B 2025 revenue target vs >$20B run-rate at end-2025 (calibration-facts §2)",
        description="Boom-path annual growth rate of end revenue at week 0.",
        ge=-0.5,
        le=1.9,
        judgment=True,
    )
    demand_growth_decay_per_year: float = param(
        0.25,
        unit="per year",
        source="judgment: growth of fast-scaling firms decays; halves in ≈2.8 years",
        description="Exponential decay rate of the boom growth rate, g_boom = g0 exp(-decay t).",
        ge=0.0,
        le=5.0,
        judgment=True,
    )
    demand_volatility_per_year: float = param(
        0.10,
        unit="per sqrt(year) (log revenue)",
        source="judgment: run-rate revenue of subscription/API businesses is smooth",
        description="Volatility sigma of the log deviation of revenue from its expected path.",
        ge=0.0,
        le=2.0,
        judgment=True,
    )
    demand_noise_mean_reversion_per_year: float = param(
        1.0,
        unit="per year",
        source="judgment: demand surprises fade within about a year (half-life ≈8 months)",
        description="Mean-reversion speed theta of the log deviation of revenue.",
        gt=0.0,
        le=52.0,
        judgment=True,
    )
    demand_slowdown_start_week: int = param(
        52,
        unit="weeks",
        source="judgment: a slowdown one year into the run (2027)",
        description="Week the demand slowdown begins to phase in.",
        ge=0,
    )
    demand_slowdown_depth: float = param(
        0.0,
        unit="share of boom growth removed",
        source="judgment: 0 in the baseline; the slowdown scenario sets it (Bain gap, §2)",
        description="0 = no slowdown, 1 = growth goes to zero, >1 = revenue shrinks.",
        ge=0.0,
        le=1.5,
    )
    demand_slowdown_speed_weeks: int = param(
        26,
        unit="weeks",
        source="judgment: budgets and contracts reprice over about two quarters",
        description="Weeks over which the slowdown phases in linearly.",
        ge=1,
        le=520,
        judgment=True,
    )
    demand_sentiment_adaptation_per_year: float = param(
        0.35,
        unit="per year",
        source="judgment: adaptive expectations (Cagan 1956; Nerlove 1958) with a half-life of "
        "about two years (ln 2 / 2 = 0.35), the time from the Nasdaq's March 2000 peak to its "
        "October 2002 trough, after which technology listings reopened; 0 keeps the boom path "
        "as the expectation forever",
        description="lambda: how fast investors' expected revenue path adapts to realised revenue",
        ge=0.0,
        le=52.0,
        judgment=True,
    )
    demand_sentiment_exponent: float = param(
        2.0,
        unit="dimensionless",
        source="judgment: valuations react more than proportionally to a revenue shortfall",
        description="k in sentiment = clip(revenue / expected revenue, 0, 1) ** k.",
        gt=0.0,
        le=10.0,
        judgment=True,
    )


@dataclass(frozen=True, slots=True)
class DemandState:
    """The demand process at one week."""

    week: int
    revenue_usd_per_year: float
    growth_per_year: float
    sentiment: float


def ramp_fraction(week: int, start_week: int, length_weeks: int) -> float:
    """Share of a linearly phased-in shock in place at ``week``.

    ``clip((week - start_week) / length_weeks, 0, 1)``: 0 up to and including the start week,
    exactly 1 from ``start_week + length_weeks`` on.

    Args:
        week: The current week.
        start_week: The week the shock starts (its value there is 0).
        length_weeks: Phase-in length, at least 1.

    Returns:
        The fraction in [0, 1].

    Raises:
        ValueError: If ``length_weeks`` < 1.
    """
    if length_weeks < 1:
        raise ValueError(f"length_weeks must be >= 1, got {length_weeks}")
    return min(max((week - start_week) / length_weeks, 0.0), 1.0)


def boom_growth_per_year(week: int, growth_per_year: float, decay_per_year: float) -> float:
    """Boom-path growth rate at ``week``: ``g0 * exp(-decay * week / 52)``.

    Args:
        week: The week.
        growth_per_year: ``g0``, the simple annual growth rate at week 0.
        decay_per_year: The exponential decay rate of growth.

    Returns:
        The boom growth rate (simple annual rate).
    """
    return growth_per_year * math.exp(-decay_per_year * week / WEEKS_PER_YEAR)


def slowed_growth_per_year(boom_growth: float, depth: float, phase: float) -> float:
    """Growth after the slowdown: ``g_boom * (1 - depth * phase)``.

    Args:
        boom_growth: The boom-path growth rate (simple annual rate).
        depth: Share of boom growth removed when fully phased in (0, 1, >1 shrinks).
        phase: Share of the slowdown in place, in [0, 1].

    Returns:
        The expected growth rate (simple annual rate).
    """
    return boom_growth * (1.0 - depth * phase)


def ai_sentiment(revenue: float, expected_revenue: float, exponent: float) -> float:
    """AI-valuation sentiment: ``clip(revenue / expected_revenue, 0, 1) ** exponent``.

    1 means realised revenue meets what investors expect; it falls as revenue lags that
    expectation (a 40% shortfall, Bain's 2030 gap against the boom path, gives 0.36 with
    exponent 2; calibration-facts §2). The expectation is the boom path re-anchored on realised
    revenue (:func:`adapt_expectation`).

    Args:
        revenue: Realised end revenue run-rate.
        expected_revenue: Investors' expected revenue run-rate at the same week.
        exponent: The elasticity ``k`` > 0.

    Returns:
        Sentiment in [0, 1].

    Raises:
        ValueError: If ``expected_revenue`` is not positive.
    """
    if expected_revenue <= 0.0:
        raise ValueError(f"expected_revenue must be > 0, got {expected_revenue}")
    return min(max(revenue / expected_revenue, 0.0), 1.0) ** exponent


def adapt_expectation(
    log_expected: float, boom_growth_per_year: float, log_revenue: float, adaptation_per_year: float
) -> float:
    """One week of adaptive expectations on the log revenue path investors expect.

    ``ln E' = ln E + ln(1 + g_boom) / 52 + (λ / 52) (ln R − ln E)``: investors expect the boom's
    growth, and move their level toward realised revenue ``R`` at rate ``λ`` (Cagan 1956,
    Nerlove 1958). With ``λ = 0`` the expectation is the boom path; with ``λ > 0`` a permanent
    shortfall of growth ``Δg`` settles at a gap of about ``Δg / λ``, so sentiment recovers part
    of the way after a slowdown instead of staying at its trough.

    Args:
        log_expected: ``ln E`` (relative to initial revenue).
        boom_growth_per_year: ``g_boom`` this week.
        log_revenue: ``ln R`` (relative to initial revenue).
        adaptation_per_year: ``λ`` >= 0.

    Returns:
        ``ln E'``.
    """
    step = log_expected + math.log1p(boom_growth_per_year) / WEEKS_PER_YEAR
    return step + adaptation_per_year / WEEKS_PER_YEAR * (log_revenue - log_expected)


class DemandProcess:
    """AI end-revenue run-rate: decaying boom growth, slowdown shock, mean-reverting noise.

    Args:
        params: The demand parameters.
        rng: This process's own generator.
    """

    def __init__(self, params: DemandParams, rng: np.random.Generator) -> None:
        self.params = params
        self._rng = rng
        self._a, self._b = ou_weekly_coefficients(
            params.demand_noise_mean_reversion_per_year, params.demand_volatility_per_year
        )
        self._log_expected = 0.0  # ln(R_exp / R0)
        self._log_anchor = 0.0  # ln(E / R0): the revenue investors expect (the boom path at λ = 0)
        self._x = 0.0  # log deviation
        self._x_variance = 0.0  # Var[x(t)]
        self.state = self._make_state(0)

    def _growth(self, week: int) -> tuple[float, float]:
        p = self.params
        boom = boom_growth_per_year(week, p.demand_growth_per_year, p.demand_growth_decay_per_year)
        phase = ramp_fraction(week, p.demand_slowdown_start_week, p.demand_slowdown_speed_weeks)
        return boom, slowed_growth_per_year(boom, p.demand_slowdown_depth, phase)

    def _log_revenue(self) -> float:
        """``ln(R / R0)``: the expected path plus the mean-corrected deviation."""
        return self._log_expected + self._x - 0.5 * self._x_variance

    def _make_state(self, week: int) -> DemandState:
        p = self.params
        revenue = p.demand_initial_revenue_usd_per_year * math.exp(self._log_revenue())
        expected = p.demand_initial_revenue_usd_per_year * math.exp(self._log_anchor)
        return DemandState(
            week=week,
            revenue_usd_per_year=revenue,
            growth_per_year=self._growth(week)[1],
            sentiment=ai_sentiment(revenue, expected, p.demand_sentiment_exponent),
        )

    def step(self, week: int) -> DemandState:
        """Advance to ``week`` (the current week returns the current state unchanged).

        Args:
            week: The current week or the next one.

        Returns:
            The state at ``week``.
        """
        if not advance_or_hold(self.state.week, week, "DemandProcess"):
            return self.state
        boom, growth = self._growth(week - 1)
        self._log_anchor = adapt_expectation(
            self._log_anchor,
            boom,
            self._log_revenue(),
            self.params.demand_sentiment_adaptation_per_year,
        )
        self._log_expected += math.log1p(growth) / WEEKS_PER_YEAR
        self._x = self._a * self._x + self._b * self._rng.standard_normal()
        self._x_variance = self._a**2 * self._x_variance + self._b**2
        self.state = self._make_state(week)
        return self.state


def advance_or_hold(current_week: int, week: int, who: str) -> bool:
    """Check a step request: True to advance one week, False to hold at the current week.

    Args:
        current_week: The week of the process's current state.
        week: The requested week.
        who: Name of the caller, for the error message.

    Returns:
        True if ``week == current_week + 1``; False if ``week == current_week``.

    Raises:
        ValueError: If ``week`` is neither the current nor the next week.
    """
    if week == current_week + 1:
        return True
    if week == current_week:
        return False
    raise ValueError(f"{who}.step: week must be {current_week} or {current_week + 1}, got {week}")


def ou_weekly_coefficients(
    mean_reversion_per_year: float, volatility_per_year: float
) -> tuple[float, float]:
    """Weekly exact-discretisation coefficients of an Ornstein-Uhlenbeck process.

    ``x(t+1) = a x(t) + b eps`` with ``a = exp(-theta dt)`` and
    ``b = sigma sqrt((1 - a^2) / (2 theta))``, ``dt = 1/52`` (Glasserman 2004, §3.3).

    Args:
        mean_reversion_per_year: ``theta`` > 0.
        volatility_per_year: ``sigma`` >= 0.

    Returns:
        ``(a, b)``.

    Raises:
        ValueError: If ``theta`` <= 0 or ``sigma`` < 0.
    """
    if mean_reversion_per_year <= 0.0:
        raise ValueError(f"mean_reversion_per_year must be > 0, got {mean_reversion_per_year}")
    if volatility_per_year < 0.0:
        raise ValueError(f"volatility_per_year must be >= 0, got {volatility_per_year}")
    a = math.exp(-mean_reversion_per_year / WEEKS_PER_YEAR)
    b = volatility_per_year * math.sqrt((1.0 - a * a) / (2.0 * mean_reversion_per_year))
    return a, b
