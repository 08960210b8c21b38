"""Bitcoin: price (Merton jump-diffusion, optional crash path), halvings, hashrate, hashprice.

One step = one week, ``dt = 1/52`` year; week 0 = 2026-01-05.

* Price ``P(t) = L(t) * (1 - depth) ** ramp(t)``. ``L`` is the diffusive level,
  ``ln L(t+1) = ln L(t) + (mu - sigma^2/2 - lambda*kappa) dt + sigma sqrt(dt) eps + J``, with
  ``J`` the sum of ``N ~ Poisson(lambda dt)`` normal log-jumps ``N(m, s^2)`` and
  ``kappa = exp(m + s^2/2) - 1`` (Merton 1976), so ``E[L]`` grows at ``mu``. On the ``"crash"``
  path, ``ramp(t) = clip((t - start) / duration, 0, 1)``; inside the crash window the drift is
  suspended and ``sigma`` is the stress volatility. With zero volatility and no jumps the trough
  (week ``start + duration``) is exactly ``(1 - depth)`` times the price at the start week.
* Block reward: halves on ``next_halving_week + k * interval`` (k = 0, 1, ...).
* Hashprice (miner revenue per PH/s per day), see :func:`hashprice_usd_per_ph_day`.
* Hashrate ``H``: ``ln H(t+1) = ln H(t) + (g_H + e * ln(hp(t - lag) / hashcost)) / 52``: it grows
  at ``g_H`` when the lagged hashprice equals the median hashcost and slows or shrinks below it.
"""

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from bubblesim.drivers.demand import advance_or_hold, ramp_fraction
from bubblesim.params import param
from bubblesim.units import WEEKS_PER_YEAR

BLOCKS_PER_DAY: float = 144.0
PH_PER_EH: float = 1000.0


class BitcoinParams(BaseModel):
    """Parameters of the bitcoin price, halving and hashrate processes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    btc_initial_price_usd: float = param(
        90_000.0,
        unit="USD per BTC",
        source="judgment: $80.5k low on 2025-11-21 after a ≈$126k Oct high, <$102k on 2025-11-04 "
        "(calibration-facts §4)",
        description="Bitcoin price at week 0 (2026-01-05).",
        gt=0.0,
        judgment=True,
    )
    btc_drift_per_year: float = param(
        0.0,
        unit="per year (expected log-return plus variance correction)",
        source="judgment: no expected trend in the baseline",
        description="Expected annual return mu of the diffusive price level.",
        ge=-2.0,
        le=2.0,
        judgment=True,
    )
    btc_volatility_per_year: float = param(
        0.43,
        unit="per sqrt(year)",
        source="K33: daily realised vol 2.24% in 2025, x sqrt(365) ≈ 43% (calibration-facts §4)",
        description="Calm annualised volatility of log price.",
        ge=0.0,
        le=3.0,
    )
    btc_jump_intensity_per_year: float = param(
        0.0,
        unit="jumps per year",
        source="judgment: 0 by default because the K33 realised vol already includes jump days",
        description="Poisson intensity lambda of log-price jumps (Merton jump-diffusion).",
        ge=0.0,
        le=52.0,
        judgment=True,
    )
    btc_jump_mean: float = param(
        -0.10,
        unit="log return per jump",
        source="judgment: crypto jumps are mostly down moves (e.g. Nov 2025 −17.5%, §4)",
        description="Mean m of the normal log-jump size.",
        ge=-2.0,
        le=2.0,
        judgment=True,
    )
    btc_jump_std: float = param(
        0.10,
        unit="log return per jump",
        source="judgment",
        description="Standard deviation s of the normal log-jump size.",
        ge=0.0,
        le=2.0,
        judgment=True,
    )
    btc_path: Literal["gbm", "crash"] = param(
        "gbm",
        unit="choice",
        source="judgment: 'crash' reproduces the 2022 path (calibration-facts §5)",
        description="'gbm': jump-diffusion only; 'crash': plus a deterministic crash ramp.",
    )
    btc_crash_start_week: int = param(
        26,
        unit="weeks",
        source="judgment: mid-2026",
        description="Week the crash ramp starts (price there is the pre-crash anchor).",
        ge=0,
    )
    btc_crash_depth: float = param(
        0.77,
        unit="share of price lost at the trough",
        source="2022: −76.7% from $67,802 to $15,787 (marketscreener, calibration-facts §5)",
        description="Peak-to-trough fall of the crash ramp.",
        ge=0.0,
        lt=1.0,
    )
    btc_crash_duration_weeks: int = param(
        52,
        unit="weeks",
        source="calibration-facts §5: −77% over ≈12 months (Nov 2021 – Nov 2022)",
        description="Weeks from the crash start to the trough.",
        ge=1,
        le=520,
    )
    btc_crash_volatility_per_year: float = param(
        0.64,
        unit="per sqrt(year)",
        source="K33: daily realised vol 3.34% in 2022, x sqrt(365) ≈ 64% (calibration-facts §4)",
        description="Stress volatility of log price inside the crash window.",
        ge=0.0,
        le=3.0,
    )
    btc_block_reward_btc: float = param(
        3.125,
        unit="BTC per block",
        source="halving of Apr 2024: 6.25 → 3.125 (calibration-facts §4)",
        description="Block subsidy at week 0.",
        gt=0.0,
    )
    btc_next_halving_week: int = param(
        119,
        unit="weeks",
        source="judgment: next halving ≈ April 2028 (210,000 blocks after Apr 2024) = week 119",
        description="Week of the next halving (the reward is halved from this week on).",
        ge=0,
        judgment=True,
    )
    btc_halving_interval_weeks: int = param(
        209,
        unit="weeks",
        source="protocol: 210,000 blocks x 10 min ≈ 4.0 years ≈ 208.3 weeks",
        description="Weeks between halvings after the next one.",
        ge=1,
    )
    btc_fees_btc_per_block: float = param(
        0.025,
        unit="BTC per block",
        source="judgment: fees were ≈1% of the subsidy in 2025",
        description="Transaction fees per block, held constant.",
        ge=0.0,
        le=10.0,
        judgment=True,
    )
    btc_initial_hashrate_eh_per_s: float = param(
        1100.0,
        unit="EH/s",
        source="judgment: consistent with hashprice $41.6/PH/day at BTC ≈$100k on 2025-11-04 "
        "(calibration-facts §4; 100k x 144 x 3.15 / 1.1e6 PH/s ≈ $41)",
        description="Network hashrate at week 0.",
        gt=0.0,
        judgment=True,
    )
    btc_hashrate_growth_per_year: float = param(
        0.20,
        unit="per year (log growth)",
        source="judgment: the network kept growing in 2025 at hashprice near the median cost",
        description="Hashrate log-growth when the lagged hashprice equals the hashcost.",
        ge=-1.0,
        le=3.0,
        judgment=True,
    )
    btc_hashcost_usd_per_ph_day: float = param(
        44.0,
        unit="USD per PH/s per day",
        source="median public-miner hashcost ≈$44/PH/day, late Nov 2025 (coinedition, §4)",
        description="Hashprice at which the hashrate grows at its base rate.",
        gt=0.0,
    )
    btc_hashrate_elasticity_per_year: float = param(
        0.5,
        unit="per year per unit log(hashprice / hashcost)",
        source="judgment: a hashprice 50% below cost cuts hashrate growth by ≈35 pp a year",
        description="Response e of hashrate growth to log profitability.",
        ge=0.0,
        le=10.0,
        judgment=True,
    )
    btc_hashrate_lag_weeks: int = param(
        8,
        unit="weeks",
        source="judgment: rigs ordered or switched off take about two months to show",
        description="Lag between hashprice and the hashrate response.",
        ge=0,
        le=104,
        judgment=True,
    )


@dataclass(frozen=True, slots=True)
class BitcoinState:
    """The bitcoin process at one week."""

    week: int
    price_usd: float
    drawdown: float
    block_reward_btc: float
    hashrate_eh_per_s: float
    hashprice_usd_per_ph_day: float


def hashprice_usd_per_ph_day(
    btc_price_usd: float,
    block_reward_btc: float,
    fees_btc_per_block: float,
    network_hashrate_eh_per_s: float,
) -> float:
    """Miner revenue per PH/s per day.

    ``hashprice = price * 144 * (reward + fees) / (hashrate_EH/s * 1000)`` (144 blocks a day; the
    network's daily issuance shared per PH/s; Hashrate Index definition). Check: $100k,
    3.125 BTC, 1,100 EH/s gives ≈$41/PH/day, against $41.6 on 2025-11-04 (calibration-facts §4).

    Args:
        btc_price_usd: Bitcoin price, USD.
        block_reward_btc: Block subsidy, BTC.
        fees_btc_per_block: Fees per block, BTC.
        network_hashrate_eh_per_s: Network hashrate, EH/s (> 0).

    Returns:
        Hashprice in USD per PH/s per day.

    Raises:
        ValueError: If the hashrate is not positive.
    """
    if network_hashrate_eh_per_s <= 0.0:
        raise ValueError(f"network_hashrate_eh_per_s must be > 0, got {network_hashrate_eh_per_s}")
    revenue_usd_per_day = btc_price_usd * BLOCKS_PER_DAY * (block_reward_btc + fees_btc_per_block)
    return revenue_usd_per_day / (network_hashrate_eh_per_s * PH_PER_EH)


def block_reward_btc(
    week: int, initial_reward_btc: float, next_halving_week: int, interval_weeks: int
) -> float:
    """Block subsidy at ``week``: halved on ``next_halving_week + k * interval_weeks``.

    Args:
        week: The week.
        initial_reward_btc: Subsidy before the next halving.
        next_halving_week: Week of the next halving.
        interval_weeks: Weeks between halvings (>= 1).

    Returns:
        ``initial * 0.5 ** n`` with ``n`` the number of halvings at or before ``week``.
    """
    if week < next_halving_week:
        return initial_reward_btc
    halvings = 1 + (week - next_halving_week) // interval_weeks
    return initial_reward_btc * 0.5**halvings


def hashrate_log_growth_per_year(
    hashprice: float, hashcost: float, base_growth_per_year: float, elasticity_per_year: float
) -> float:
    """Hashrate log-growth: ``g_H + e * ln(hashprice / hashcost)``.

    Args:
        hashprice: (Lagged) hashprice, USD per PH/s per day (> 0).
        hashcost: Median miner hashcost, same unit (> 0).
        base_growth_per_year: Growth at break-even.
        elasticity_per_year: Response to log profitability.

    Returns:
        Annual log-growth of the network hashrate.
    """
    return base_growth_per_year + elasticity_per_year * math.log(hashprice / hashcost)


def drawdown(price: float, running_max: float) -> float:
    """Drawdown from the running maximum: ``1 - price / running_max``, in [0, 1).

    Args:
        price: Current price (> 0).
        running_max: Highest price so far, including the current one.

    Returns:
        The drawdown.
    """
    return 1.0 - price / running_max


class BitcoinProcess:
    """Bitcoin price, block reward, network hashrate and hashprice.

    Args:
        params: The bitcoin parameters.
        rng: This process's own generator.
    """

    def __init__(self, params: BitcoinParams, rng: np.random.Generator) -> None:
        self.params = params
        self._rng = rng
        self._level_usd = params.btc_initial_price_usd
        self._hashrate = params.btc_initial_hashrate_eh_per_s
        self._max_price = 0.0
        self._hashprices: deque[float] = deque(maxlen=params.btc_hashrate_lag_weeks + 1)
        self.state = self._make_state(0)

    def _crash_phase(self, week: int) -> float:
        p = self.params
        if p.btc_path != "crash":
            return 0.0
        return ramp_fraction(week, p.btc_crash_start_week, p.btc_crash_duration_weeks)

    def _in_crash(self, week: int) -> bool:
        p = self.params
        start = p.btc_crash_start_week
        return p.btc_path == "crash" and start <= week < start + p.btc_crash_duration_weeks

    def _make_state(self, week: int) -> BitcoinState:
        p = self.params
        price = self._level_usd * (1.0 - p.btc_crash_depth) ** self._crash_phase(week)
        self._max_price = max(self._max_price, price)
        reward = block_reward_btc(
            week, p.btc_block_reward_btc, p.btc_next_halving_week, p.btc_halving_interval_weeks
        )
        hp = hashprice_usd_per_ph_day(price, reward, p.btc_fees_btc_per_block, self._hashrate)
        self._hashprices.append(hp)
        return BitcoinState(
            week=week,
            price_usd=price,
            drawdown=drawdown(price, self._max_price),
            block_reward_btc=reward,
            hashrate_eh_per_s=self._hashrate,
            hashprice_usd_per_ph_day=hp,
        )

    def _log_level_increment(self, week: int) -> float:
        """Jump-diffusion log increment of the level from ``week`` to ``week + 1``."""
        p = self.params
        dt = 1.0 / WEEKS_PER_YEAR
        crash = self._in_crash(week)
        sigma = p.btc_crash_volatility_per_year if crash else p.btc_volatility_per_year
        mu = 0.0 if crash else p.btc_drift_per_year
        lam = p.btc_jump_intensity_per_year
        kappa = math.expm1(p.btc_jump_mean + 0.5 * p.btc_jump_std**2)
        diffusion = sigma * math.sqrt(dt) * self._rng.standard_normal()
        n_jumps = int(self._rng.poisson(lam * dt))
        jumps = 0.0  # drawing no jump sizes consumes nothing from the generator
        if n_jumps:
            jumps = float(np.sum(self._rng.normal(p.btc_jump_mean, p.btc_jump_std, n_jumps)))
        return (mu - 0.5 * sigma**2 - lam * kappa) * dt + diffusion + jumps

    def step(self, week: int) -> BitcoinState:
        """Advance to ``week`` (the current week returns the current state unchanged).

        Args:
            week: The current week or the next one.

        Returns:
            The state at ``week``.
        """
        if not advance_or_hold(self.state.week, week, "BitcoinProcess"):
            return self.state
        p = self.params
        self._level_usd *= math.exp(self._log_level_increment(week - 1))
        growth = hashrate_log_growth_per_year(
            self._hashprices[0],  # hashprice `lag` weeks before the last week
            p.btc_hashcost_usd_per_ph_day,
            p.btc_hashrate_growth_per_year,
            p.btc_hashrate_elasticity_per_year,
        )
        self._hashrate *= math.exp(growth / WEEKS_PER_YEAR)
        self.state = self._make_state(week)
        return self.state
