"""The exogenous drivers of the economy, composed: demand, bitcoin, rates, power, chips.

The model builds :class:`ExogenousDrivers` once with its generator and calls ``step(week)`` once per
model step (one step = one week; week 0 = 2026-01-05), reading the returned :class:`DriverState`.
Each process draws from its own child generator, spawned from the passed generator in the fixed
order demand, bitcoin, rates, power, chips, so that changing one process's parameters (say, its
volatility) leaves every other process's path unchanged.
"""

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict

from bubblesim.drivers.bitcoin import BitcoinParams, BitcoinProcess
from bubblesim.drivers.chips import ChipParams, ChipProcess
from bubblesim.drivers.demand import DemandParams, DemandProcess
from bubblesim.drivers.power import PowerParams, PowerProcess
from bubblesim.drivers.rates import RateParams, RateProcess

N_PROCESSES: int = 5


class DriverParams(BaseModel):
    """All exogenous-driver parameters, one sub-config per process (field names are unique)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    demand: DemandParams = DemandParams()
    bitcoin: BitcoinParams = BitcoinParams()
    rates: RateParams = RateParams()
    power: PowerParams = PowerParams()
    chips: ChipParams = ChipParams()


@dataclass(frozen=True, slots=True)
class DriverState:
    """The exogenous state of the world at one week.

    Attributes:
        week: The week (0 = 2026-01-05).
        ai_end_revenue_usd_per_year: AI labs' annualised end-user revenue run-rate.
        ai_demand_growth_per_year: Expected (noise-free) simple annual growth rate of that revenue.
        ai_sentiment: In [0, 1]: ``clip(revenue / boom-path revenue, 0, 1) ** k``; 1 = boom.
        btc_price_usd: Bitcoin price.
        btc_drawdown: ``1 - price / running max``, in [0, 1).
        block_reward_btc: Block subsidy.
        network_hashrate_eh_per_s: Network hashrate.
        hashprice_usd_per_ph_day: Miner revenue per PH/s per day.
        base_rate_per_year: SOFR-like base rate.
        power_price_usd_per_mwh: Power price.
        frontier_efficiency: Compute per MW of the newest generation, 1.0 at week 0.
        generation: Index of the newest generation, 0 at week 0.
        new_generation_arrived: True on the week a generation arrives.
    """

    week: int
    ai_end_revenue_usd_per_year: float
    ai_demand_growth_per_year: float
    ai_sentiment: float
    btc_price_usd: float
    btc_drawdown: float
    block_reward_btc: float
    network_hashrate_eh_per_s: float
    hashprice_usd_per_ph_day: float
    base_rate_per_year: float
    power_price_usd_per_mwh: float
    frontier_efficiency: float
    generation: int
    new_generation_arrived: bool


class ExogenousDrivers:
    """All exogenous processes, stepped together one week at a time.

    Args:
        params: The driver parameters.
        rng: The generator; five children are spawned from it (demand, bitcoin, rates, power,
            chips, in that order).

    Attributes:
        demand: The AI end-demand process.
        bitcoin: The bitcoin process.
        rates: The base-rate process.
        power: The power-price process.
        chips: The chip-generation process.
    """

    def __init__(self, params: DriverParams, rng: np.random.Generator) -> None:
        self.params = params
        demand_rng, btc_rng, rate_rng, power_rng, chip_rng = rng.spawn(N_PROCESSES)
        self.demand = DemandProcess(params.demand, demand_rng)
        self.bitcoin = BitcoinProcess(params.bitcoin, btc_rng)
        self.rates = RateProcess(params.rates, rate_rng)
        self.power = PowerProcess(params.power, power_rng)
        self.chips = ChipProcess(params.chips, chip_rng)
        self._state = self._collect()

    @property
    def state(self) -> DriverState:
        """The state at the last week stepped to (week 0 right after construction)."""
        return self._state

    def step(self, week: int) -> DriverState:
        """Advance every process to ``week``.

        Args:
            week: The next week (``state.week + 1``), or the current week, which returns the
                current state without drawing (so ``step(0)`` after construction is allowed).

        Returns:
            The state at ``week``.

        Raises:
            ValueError: If ``week`` is neither the current nor the next week.
        """
        if week not in (self._state.week, self._state.week + 1):
            raise ValueError(
                f"week must be {self._state.week} or {self._state.week + 1}, got {week}"
            )
        for process in (self.demand, self.bitcoin, self.rates, self.power, self.chips):
            process.step(week)
        self._state = self._collect()
        return self._state

    def shock_onsets(self) -> list[tuple[str, str]]:
        """The shocks that begin at the current week, as ``(driver, description)``.

        A slowdown, a scripted bitcoin crash and a rate shock begin at their configured weeks;
        a chip generation on the week it arrives.
        """
        p, state = self.params, self._state
        week = state.week
        onsets = []
        if p.demand.demand_slowdown_depth > 0 and week == p.demand.demand_slowdown_start_week:
            depth = p.demand.demand_slowdown_depth
            onsets.append(("demand", f"AI demand slowdown begins (depth {depth:.2f})"))
        if p.bitcoin.btc_path == "crash" and week == p.bitcoin.btc_crash_start_week:
            text = f"bitcoin crash begins (depth {p.bitcoin.btc_crash_depth:.0%})"
            onsets.append(("bitcoin", text))
        if p.rates.rate_shock_bp != 0 and week == p.rates.rate_shock_week:
            onsets.append(("rates", f"rate shock begins ({p.rates.rate_shock_bp:+.0f} bp)"))
        if state.new_generation_arrived:
            text = f"new chip generation arrives (frontier ×{state.frontier_efficiency:.1f})"
            onsets.append(("chips", text))
        return onsets

    def _collect(self) -> DriverState:
        d, b, c = self.demand.state, self.bitcoin.state, self.chips.state
        return DriverState(
            week=d.week,
            ai_end_revenue_usd_per_year=d.revenue_usd_per_year,
            ai_demand_growth_per_year=d.growth_per_year,
            ai_sentiment=d.sentiment,
            btc_price_usd=b.price_usd,
            btc_drawdown=b.drawdown,
            block_reward_btc=b.block_reward_btc,
            network_hashrate_eh_per_s=b.hashrate_eh_per_s,
            hashprice_usd_per_ph_day=b.hashprice_usd_per_ph_day,
            base_rate_per_year=self.rates.state.base_rate_per_year,
            power_price_usd_per_mwh=self.power.state.price_usd_per_mwh,
            frontier_efficiency=c.frontier_efficiency,
            generation=c.generation,
            new_generation_arrived=c.new_generation_arrived,
        )
