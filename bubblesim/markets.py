"""Markets: spot compute, and the secondary market for GPUs and ASICs with fire-sale impact.

The spot market meets idle GPU capacity with labs' uncontracted demand; its price moves with
excess demand (:func:`bubblesim.economics.spot_price_update`). The secondary market values
hardware: GPUs by :func:`bubblesim.economics.gpu_value_usd_per_mw`, ASICs at a multiple of
hashprice, each times a resale index that fire sales push down
(:func:`bubblesim.contagion.price_after_sales`) and that recovers towards 1. Every mark feeds
every collateralised loan's LTV.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bubblesim.contagion import price_after_sales
from bubblesim.economics import gpu_value_usd_per_mw, spot_price_update
from bubblesim.ledger import Flow

if TYPE_CHECKING:
    from bubblesim.agents.base import Firm
    from bubblesim.config import ModelConfig
    from bubblesim.drivers.exogenous import DriverState
    from bubblesim.ledger import Ledger


class Markets:
    """Prices of compute and hardware, and the trades that move them.

    Args:
        config: The model configuration.
        state: The drivers' state at week 0.

    Attributes:
        spot_price_usd_per_mw_year: Spot rent of frontier-equivalent compute.
        spot_initial_usd_per_mw_year: Spot rent at week 0.
        gpu: The GPU resale market (discount index, value sold this step).
        asic: The ASIC resale market.
    """

    def __init__(self, config: ModelConfig, state: DriverState):
        self.cfg = config.markets
        self.fire_sale_impact = config.channels.channel_fire_sale
        price = config.contracts.contract_gpu_cloud_price_usd_per_mw_year
        self.spot_price_usd_per_mw_year = price
        self.spot_initial_usd_per_mw_year = price
        self.rental_ratio = 1.0
        self.gpu = ResaleMarket(self.cfg.market_gpu_depth_usd)
        self.asic = ResaleMarket(self.cfg.market_asic_depth_usd)
        self.state = state

    # -- prices ----------------------------------------------------------------------------------
    def observe(self, state: DriverState) -> None:
        """Take in this week's drivers; fire-sale discounts recover towards 1."""
        self.state = state
        self.gpu.recover(self.cfg.market_recovery_per_week)
        self.asic.recover(self.cfg.market_recovery_per_week)

    @property
    def gpu_resale_index(self) -> float:
        """Fire-sale discount on GPUs (1 = none)."""
        return self.gpu.index

    @property
    def asic_resale_index(self) -> float:
        """Fire-sale discount on ASICs (1 = none)."""
        return self.asic.index

    def gpu_value_per_mw(self, efficiency: float, condition: float = 1.0) -> float:
        """Market value of one MW-IT of GPUs of the given efficiency and condition."""
        return gpu_value_usd_per_mw(
            self.cfg.market_gpu_price_usd_per_mw,
            efficiency,
            self.state.frontier_efficiency,
            self.rental_ratio,
            self.gpu_resale_index,
            condition,
            self.cfg.market_gpu_obsolescence_exponent,
            self.cfg.market_gpu_rent_elasticity,
        )

    def asic_value_per_th(self) -> float:
        """Market value of one TH/s of ASICs."""
        hp = self.state.hashprice_usd_per_ph_day
        return self.cfg.market_asic_usd_per_th_per_hashprice * hp * self.asic_resale_index

    def gpu_value(self, firm: Firm) -> float:
        """Market value of a firm's GPU fleet."""
        return firm.gpu_mw * self.gpu_value_per_mw(firm.gpu_efficiency, firm.gpu_condition)

    def asic_value(self, firm: Firm) -> float:
        """Market value of a firm's ASIC fleet (zero for non-miners)."""
        return getattr(firm, "asic_th", 0.0) * self.asic_value_per_th()

    def frontier_gpu_usd_per_mw(self) -> float:
        """Resale value of a new frontier GPU: rents and fire-sale discount, no obsolescence."""
        return self.gpu_value_per_mw(self.state.frontier_efficiency, 1.0)

    def vintage0_gpu_usd_per_mw(self) -> float:
        """Resale value of a new week-0 GPU (efficiency 1, new condition): the reported price."""
        return self.gpu_value_per_mw(1.0, 1.0)

    def mark(self, firm: Firm) -> None:
        """Mark a firm's hardware to market, posting the revaluation to its equity."""
        gpu, asic = self.gpu_value(firm), self.asic_value(firm)
        firm.post_pnl(gpu - firm.gpu_mark_usd + asic - firm.asic_mark_usd)
        firm.gpu_mark_usd, firm.asic_mark_usd = gpu, asic

    def mark_all(self, firms: Iterable[Firm]) -> None:
        """Mark every firm."""
        for firm in firms:
            self.mark(firm)

    def update_spot(self, demand_mw: float, supply_mw: float) -> None:
        """Move the spot price with excess demand and update the rental ratio."""
        self.spot_price_usd_per_mw_year = spot_price_update(
            self.spot_price_usd_per_mw_year,
            demand_mw,
            supply_mw,
            self.cfg.market_spot_sensitivity_per_week,
            self.cfg.market_spot_floor_share * self.spot_initial_usd_per_mw_year,
        )
        ceiling = self.cfg.market_spot_ceiling_multiple * self.spot_initial_usd_per_mw_year
        self.spot_price_usd_per_mw_year = min(self.spot_price_usd_per_mw_year, ceiling)
        self.rental_ratio = self.spot_price_usd_per_mw_year / self.spot_initial_usd_per_mw_year

    # -- trades ----------------------------------------------------------------------------------
    def buy_gpus(self, ledger: Ledger, firm: Firm, mw: float) -> float:
        """Buy new frontier GPUs from vendors (outside) at list price; returns the cost.

        The fleet's efficiency becomes the MW-weighted mean; its condition likewise.
        """
        if mw <= 0:
            return 0.0
        cost = mw * self.cfg.market_gpu_price_usd_per_mw
        ledger.transfer(firm, None, cost, Flow.HARDWARE_PURCHASE)
        total = firm.gpu_mw + mw
        frontier = self.state.frontier_efficiency
        firm.gpu_efficiency = (firm.gpu_mw * firm.gpu_efficiency + mw * frontier) / total
        firm.gpu_condition = (firm.gpu_mw * firm.gpu_condition + mw) / total
        firm.gpu_mw = total
        firm.gpu_mark_usd += cost  # at cost; the next mark revalues to market
        return cost

    def sell_gpus(self, ledger: Ledger, firm: Firm, mw: float) -> float:
        """Sell ``mw`` of a firm's GPUs to outside buyers down the impact curve.

        Returns:
            Cash proceeds.
        """
        mw = min(mw, firm.gpu_mw)
        if mw <= 0:
            return 0.0
        self.mark(firm)
        value = firm.gpu_mark_usd * mw / firm.gpu_mw
        firm.gpu_mw -= mw
        firm.gpu_mark_usd -= value
        return self._realise(ledger, firm, value, self.gpu)

    def sell_asics(self, ledger: Ledger, firm: Firm, th: float) -> float:
        """Sell ``th`` TH/s of a miner's ASICs to outside buyers down the impact curve.

        Returns:
            Cash proceeds.
        """
        th = min(th, getattr(firm, "asic_th", 0.0))
        if th <= 0:
            return 0.0
        self.mark(firm)
        value = firm.asic_mark_usd * th / firm.asic_th
        firm.asic_th -= th
        firm.asic_mark_usd -= value
        return self._realise(ledger, firm, value, self.asic)

    def _realise(self, ledger: Ledger, firm: Firm, value_usd: float, market: ResaleMarket) -> float:
        """Sell hardware marked at ``value_usd``; the shortfall below the mark is a loss."""
        proceeds = market.sell(value_usd, self.fire_sale_impact)
        firm.post_pnl(proceeds - value_usd)
        ledger.transfer(None, firm, proceeds, Flow.HARDWARE_SALE)
        return proceeds


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
