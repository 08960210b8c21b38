"""Base interest rate: a SOFR-like level, a phased-in shock and optional Vasicek noise.

One step = one week, ``dt = 1/52`` year; week 0 = 2026-01-05.

``r(t) = max(0, r0 + shock_bp / 10,000 * ramp(t) + x(t))`` with
``ramp(t) = clip((t - shock_week) / ramp_weeks, 0, 1)`` and ``x`` a zero-mean Vasicek deviation
(Vasicek 1977), exactly discretised: ``x(t+1) = a x(t) + b eps`` (see
:func:`bubblesim.drivers.demand.ou_weekly_coefficients`). With zero volatility the rate is exactly
``r0 + shock_bp / 10,000`` from ``shock_week + ramp_weeks`` on.
"""

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from bubblesim.drivers.demand import advance_or_hold, ou_weekly_coefficients, ramp_fraction
from bubblesim.params import param

BP_PER_UNIT: float = 10_000.0


class RateParams(BaseModel):
    """Parameters of the base-rate process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rate_base_per_year: float = param(
        0.04,
        unit="per year",
        source="judgment: SOFR ≈3.9–4.3% in late 2025, after the autumn 2025 Fed cuts",
        description="SOFR-like base rate at week 0 and its long-run level.",
        ge=0.0,
        le=0.25,
        judgment=True,
    )
    rate_shock_week: int = param(
        52,
        unit="weeks",
        source="judgment: one year into the run",
        description="Week the rate shock starts to phase in.",
        ge=0,
    )
    rate_shock_bp: float = param(
        0.0,
        unit="basis points",
        source="judgment: 0 in the baseline; the rate-shock scenario sets it",
        description="Size of the rate shock once fully phased in (negative = cut).",
        ge=-1000.0,
        le=2000.0,
    )
    rate_shock_ramp_weeks: int = param(
        13,
        unit="weeks",
        source="judgment: a tightening cycle over about a quarter",
        description="Weeks over which the rate shock phases in linearly.",
        ge=1,
        le=520,
        judgment=True,
    )
    rate_volatility_per_year: float = param(
        0.0,
        unit="per year per sqrt(year) (absolute rate units)",
        source="judgment: 0 so that scenarios set the path; ≈0.01 mimics policy-rate noise",
        description="Vasicek volatility of the deviation of the base rate.",
        ge=0.0,
        le=0.1,
        judgment=True,
    )
    rate_mean_reversion_per_year: float = param(
        0.5,
        unit="per year",
        source="judgment: rate deviations halve in ≈1.4 years",
        description="Vasicek mean-reversion speed of the deviation.",
        gt=0.0,
        le=52.0,
        judgment=True,
    )


@dataclass(frozen=True, slots=True)
class RateState:
    """The rate process at one week."""

    week: int
    base_rate_per_year: float


def base_rate_per_year(base: float, shock_bp: float, phase: float, deviation: float) -> float:
    """Base rate: ``max(0, base + shock_bp / 10,000 * phase + deviation)``.

    Args:
        base: The long-run base rate, per year.
        shock_bp: Full shock size, basis points.
        phase: Share of the shock in place, in [0, 1].
        deviation: Vasicek deviation, per year.

    Returns:
        The base rate per year, floored at zero.
    """
    return max(0.0, base + shock_bp / BP_PER_UNIT * phase + deviation)


class RateProcess:
    """SOFR-like base rate with a phased-in shock and zero-mean Vasicek noise.

    Args:
        params: The rate parameters.
        rng: This process's own generator.
    """

    def __init__(self, params: RateParams, rng: np.random.Generator) -> None:
        self.params = params
        self._rng = rng
        self._a, self._b = ou_weekly_coefficients(
            params.rate_mean_reversion_per_year, params.rate_volatility_per_year
        )
        self._x = 0.0
        self.state = self._make_state(0)

    def _make_state(self, week: int) -> RateState:
        p = self.params
        phase = ramp_fraction(week, p.rate_shock_week, p.rate_shock_ramp_weeks)
        rate = base_rate_per_year(p.rate_base_per_year, p.rate_shock_bp, phase, self._x)
        return RateState(week=week, base_rate_per_year=rate)

    def step(self, week: int) -> RateState:
        """Advance to ``week`` (the current week returns the current state unchanged).

        Args:
            week: The current week or the next one.

        Returns:
            The state at ``week``.
        """
        if not advance_or_hold(self.state.week, week, "RateProcess"):
            return self.state
        self._x = self._a * self._x + self._b * self._rng.standard_normal()
        self.state = self._make_state(week)
        return self.state
