"""Power price: an Ornstein-Uhlenbeck process on the log price around a long-run median.

One step = one week, ``dt = 1/52`` year; week 0 = 2026-01-05.

``x = ln(P / P_bar)``; exact discretisation of ``dx = -theta x dt + sigma dW`` (Uhlenbeck & Ornstein
1930; e.g. Glasserman 2004, §3.3):
``x(t+1) = x(t) exp(-theta dt) + sigma sqrt((1 - exp(-2 theta dt)) / (2 theta)) eps``, ``x(0) = 0``.
``P_bar`` is the median; the stationary standard deviation of ``x`` is ``sigma / sqrt(2 theta)``.
"""

import math
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from bubblesim.drivers.demand import advance_or_hold, ou_weekly_coefficients
from bubblesim.params import param


class PowerParams(BaseModel):
    """Parameters of the power-price process (the price miners and data centres pay)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    power_price_usd_per_mwh: float = param(
        45.0,
        unit="USD per MWh",
        source="judgment: Riot all-in 3.8¢/kWh (Apr 2025), many miners 7–8¢ in 2022; miner range "
        "$38–80/MWh (calibration-facts §4); large sites contract near the low end",
        description="Long-run median power price (and the price at week 0).",
        gt=0.0,
        judgment=True,
    )
    power_volatility_per_year: float = param(
        0.30,
        unit="per sqrt(year) (log price)",
        source="judgment: contracted industrial power moves far less than spot wholesale power",
        description="Volatility sigma of the log power price.",
        ge=0.0,
        le=3.0,
        judgment=True,
    )
    power_mean_reversion_per_year: float = param(
        2.0,
        unit="per year",
        source="judgment: deviations halve in ≈4 months (seasonal and weather shocks)",
        description="Mean-reversion speed theta of the log power price.",
        gt=0.0,
        le=52.0,
        judgment=True,
    )


@dataclass(frozen=True, slots=True)
class PowerState:
    """The power process at one week."""

    week: int
    price_usd_per_mwh: float


class PowerProcess:
    """Log-OU power price around its median.

    Args:
        params: The power parameters.
        rng: This process's own generator.
    """

    def __init__(self, params: PowerParams, rng: np.random.Generator) -> None:
        self.params = params
        self._rng = rng
        self._a, self._b = ou_weekly_coefficients(
            params.power_mean_reversion_per_year, params.power_volatility_per_year
        )
        self._x = 0.0
        self.state = PowerState(week=0, price_usd_per_mwh=params.power_price_usd_per_mwh)

    def step(self, week: int) -> PowerState:
        """Advance to ``week`` (the current week returns the current state unchanged).

        Args:
            week: The current week or the next one.

        Returns:
            The state at ``week``.
        """
        if not advance_or_hold(self.state.week, week, "PowerProcess"):
            return self.state
        self._x = self._a * self._x + self._b * self._rng.standard_normal()
        price = self.params.power_price_usd_per_mwh * math.exp(self._x)
        self.state = PowerState(week=week, price_usd_per_mwh=price)
        return self.state
