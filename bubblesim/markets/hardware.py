"""The secondary market for GPUs and ASICs: values, marks and trades, with fire-sale impact.

GPUs are valued by :func:`bubblesim.economics.gpu_value_usd_per_mw`, ASICs at a multiple of
hashprice, each times a resale index that fire sales push down
(:func:`bubblesim.contagion.price_after_sales`) and that recovers towards 1. Every mark feeds
every collateralised loan's LTV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.ledger import Flow
from bubblesim.contagion import price_after_sales
from bubblesim.economics import gpu_value_usd_per_mw

if TYPE_CHECKING:
    from bubblesim.accounts.ledger import Ledger
    from bubblesim.agents.base import FirmTable
    from bubblesim.config import ModelConfig
    from bubblesim.drivers.exogenous import DriverState
    from bubblesim.markets.spot import SpotMarket


@dataclass(slots=True)
class ResaleMarket:
    """A secondary market for one kind of hardware, with exponential fire-sale impact.

    Attributes:
        depth_usd: ``D``, the value whose sale lowers prices by a factor ``e``.
        index: The fire-sale discount on marks (1 = none).
        sold_usd: Value sold this step, at pre-sale marks.
    """

    depth_usd: float
    index: float = 1.0
    sold_usd: float = 0.0

    def recover(self, rate_per_week: float) -> None:
        """Start a new week: the discount mean-reverts towards 1 at ``rate_per_week``."""
        self.index += (1.0 - self.index) * rate_per_week
        self.sold_usd = 0.0

    def sell(self, value_usd: float, impact: bool) -> float:
        """Sell ``value_usd`` (at pre-sale marks); returns the cash it fetches.

        With ``p(x) = p₀ e^{−x/D}`` (:func:`bubblesim.contagion.price_after_sales`) the seller
        receives ``∫₀ˣ p dx = D (1 − e^{−x/D})``, the average price along the way (Caccioli et
        al. 2014), and the index falls to ``q e^{−x/D}``; without impact, the mark.
        """
        self.sold_usd += value_usd
        if not impact or value_usd <= 0:
            return value_usd
        self.index = price_after_sales(self.index, value_usd, self.depth_usd)
        return self.depth_usd * -math.expm1(-value_usd / self.depth_usd)


class HardwareMarket:
    """Resale prices of GPUs and ASICs, the marks of every fleet, and hardware trades.

    Args:
        config: The model configuration.
        state: The drivers' state at week 0.
        spot: The spot market (its rental ratio moves GPU values).
        firms: The firm table (the fleets).
        ledger: The ledger (trades move cash; revaluations move equity).

    Attributes:
        gpu: The GPU resale market.
        asic: The ASIC resale market.
    """

    def __init__(
        self,
        config: ModelConfig,
        state: DriverState,
        spot: SpotMarket,
        firms: FirmTable,
        ledger: Ledger,
    ):
        self.cfg = config.markets
        self.fire_sale_impact = config.channels.channel_fire_sale
        self.gpu = ResaleMarket(self.cfg.market_gpu_depth_usd)
        self.asic = ResaleMarket(self.cfg.market_asic_depth_usd)
        self.state = state
        self.spot = spot
        self.firms = firms
        self.ledger = ledger
        self.version = 0  # changes with the drivers' state and the resale indices
        self._marked: tuple | None = None

    def state_key(self) -> tuple[int, int, int]:
        """Changes whenever any hardware value may have changed (prices, indices, fleets)."""
        return (self.version, self.spot.version, self.firms.fleet_version)

    def observe(self, state: DriverState) -> None:
        """Take in this week's drivers; fire-sale discounts recover towards 1."""
        self.state = state
        self.version += 1
        self.gpu.recover(self.cfg.market_recovery_per_week)
        self.asic.recover(self.cfg.market_recovery_per_week)

    # -- prices ----------------------------------------------------------------------------------
    @property
    def gpu_resale_index(self) -> float:
        """Fire-sale discount on GPUs (1 = none)."""
        return self.gpu.index

    @property
    def asic_resale_index(self) -> float:
        """Fire-sale discount on ASICs (1 = none)."""
        return self.asic.index

    def gpu_value_per_mw(self, efficiency, condition=1.0):
        """Market value of one MW-IT of GPUs of the given efficiency and condition."""
        return gpu_value_usd_per_mw(
            self.cfg.market_gpu_price_usd_per_mw,
            efficiency,
            self.state.frontier_efficiency,
            self.spot.rental_ratio,
            self.gpu_resale_index,
            condition,
            self.cfg.market_gpu_obsolescence_exponent,
            self.cfg.market_gpu_rent_elasticity,
        )

    def asic_value_per_th(self) -> float:
        """Market value of one TH/s of ASICs."""
        hp = self.state.hashprice_usd_per_ph_day
        return self.cfg.market_asic_usd_per_th_per_hashprice * hp * self.asic_resale_index

    def gpu_value(self, rows):
        """Market value of agents' GPU fleets."""
        f = self.firms
        return f.gpu_mw[rows] * self.gpu_value_per_mw(f.gpu_efficiency[rows], f.gpu_condition[rows])

    def asic_value(self, rows):
        """Market value of agents' ASIC fleets (zero for non-miners)."""
        return self.firms.asic_th[rows] * self.asic_value_per_th()

    def frontier_gpu_usd_per_mw(self) -> float:
        """Resale value of a new frontier GPU: rents and fire-sale discount, no obsolescence."""
        return float(self.gpu_value_per_mw(self.state.frontier_efficiency, 1.0))

    def vintage0_gpu_usd_per_mw(self) -> float:
        """Resale value of a new week-0 GPU (efficiency 1, new condition): the reported price."""
        return float(self.gpu_value_per_mw(1.0, 1.0))

    def mark_all(self) -> None:
        """Mark every agent that has not defaulted (skipped when nothing has changed since)."""
        key = (self.state_key(), self.firms.version)
        if key == self._marked:
            return
        self.mark(self.firms.active())
        self._marked = (self.state_key(), self.firms.version)

    def mark(self, rows) -> None:
        """Mark agents' hardware to market, posting the revaluations to their equity."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        cfg = self.cfg
        revaluation = self.firms.revalue(
            rows,
            cfg.market_gpu_price_usd_per_mw,
            self.state.frontier_efficiency,
            self.spot.rental_ratio,
            self.gpu_resale_index,
            cfg.market_gpu_obsolescence_exponent,
            cfg.market_gpu_rent_elasticity,
            self.asic_value_per_th(),
        )
        self.ledger.post_pnl(rows, revaluation)

    # -- trades ----------------------------------------------------------------------------------
    def buy_gpus(self, row: int, mw: float) -> float:
        """Buy new frontier GPUs from vendors (outside) at list price; returns the cost."""
        if mw <= 0:
            return 0.0
        cost = mw * self.cfg.market_gpu_price_usd_per_mw
        self.ledger.transfer(row, None, cost, Flow.HARDWARE_PURCHASE)
        self.firms.install_gpus(row, mw, self.state.frontier_efficiency, cost)
        return cost

    def sell_gpus(self, row: int, mw: float) -> float:
        """Sell ``mw`` of an agent's GPUs to outside buyers down the impact curve.

        Returns:
            Cash proceeds.
        """
        mw = min(mw, float(self.firms.gpu_mw[row]))
        if mw <= 0:
            return 0.0
        self.mark(row)
        return self._realise(row, self.firms.remove_gpus(row, mw), self.gpu)

    def sell_asics(self, row: int, th: float) -> float:
        """Sell ``th`` TH/s of an agent's ASICs to outside buyers down the impact curve.

        Returns:
            Cash proceeds.
        """
        th = min(th, float(self.firms.asic_th[row]))
        if th <= 0:
            return 0.0
        self.mark(row)
        return self._realise(row, self.firms.remove_asics(row, th), self.asic)

    def _realise(self, row: int, value_usd: float, market: ResaleMarket) -> float:
        """Sell hardware marked at ``value_usd``; the shortfall below the mark is a loss."""
        proceeds = market.sell(value_usd, self.fire_sale_impact)
        self.version += 1
        self.ledger.post_pnl(row, proceeds - value_usd)
        self.ledger.transfer(None, row, proceeds, Flow.HARDWARE_SALE)
        return proceeds
