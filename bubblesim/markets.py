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
        gpu_resale_index: Fire-sale discount on GPUs (1 = none).
        asic_resale_index: Fire-sale discount on ASICs.
        gpu_sold_usd: GPU value sold in fire sales this step.
        asic_sold_usd: ASIC value sold in fire sales this step.
    """

    def __init__(self, config: ModelConfig, state: DriverState):
        self.cfg = config.markets
        self.fire_sale_impact = config.channels.channel_fire_sale
        price = config.contracts.contract_gpu_cloud_price_usd_per_mw_year
        self.spot_price_usd_per_mw_year = price
        self.spot_initial_usd_per_mw_year = price
        self.rental_ratio = 1.0
        self.gpu_resale_index = 1.0
        self.asic_resale_index = 1.0
        self.state = state
        self.gpu_sold_usd = 0.0
        self.asic_sold_usd = 0.0

    # -- prices ----------------------------------------------------------------------------------
    def observe(self, state: DriverState) -> None:
        """Take in this week's drivers; fire-sale discounts recover towards 1."""
        self.state = state
        k = self.cfg.market_recovery_per_week
        self.gpu_resale_index += (1.0 - self.gpu_resale_index) * k
        self.asic_resale_index += (1.0 - self.asic_resale_index) * k
        self.gpu_sold_usd = self.asic_sold_usd = 0.0

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
        """Sell ``mw`` of a firm's GPUs to outside buyers at the current price; impact follows.

        Returns:
            Cash proceeds.
        """
        mw = min(mw, firm.gpu_mw)
        if mw <= 0:
            return 0.0
        self.mark(firm)
        value = mw * self.gpu_value_per_mw(firm.gpu_efficiency, firm.gpu_condition)
        share = mw / firm.gpu_mw
        firm.gpu_mw -= mw
        firm.gpu_mark_usd -= share * firm.gpu_mark_usd
        depth = self.cfg.market_gpu_depth_usd
        proceeds = self._proceeds(value, depth)
        firm.post_pnl(proceeds - value)
        ledger.transfer(None, firm, proceeds, Flow.HARDWARE_SALE)
        self.gpu_sold_usd += value
        if self.fire_sale_impact:
            self.gpu_resale_index = price_after_sales(self.gpu_resale_index, value, depth)
        return proceeds

    def sell_asics(self, ledger: Ledger, firm: Firm, th: float) -> float:
        """Sell ``th`` TH/s of a miner's ASICs to outside buyers; impact follows.

        Returns:
            Cash proceeds.
        """
        th = min(th, getattr(firm, "asic_th", 0.0))
        if th <= 0:
            return 0.0
        self.mark(firm)
        value = th * self.asic_value_per_th()
        share = th / firm.asic_th
        firm.asic_th -= th
        firm.asic_mark_usd -= share * firm.asic_mark_usd
        depth = self.cfg.market_asic_depth_usd
        proceeds = self._proceeds(value, depth)
        firm.post_pnl(proceeds - value)
        ledger.transfer(None, firm, proceeds, Flow.HARDWARE_SALE)
        self.asic_sold_usd += value
        if self.fire_sale_impact:
            self.asic_resale_index = price_after_sales(self.asic_resale_index, value, depth)
        return proceeds

    def _proceeds(self, value_usd: float, depth_usd: float) -> float:
        """Cash from selling ``value_usd`` (at pre-sale marks) down the impact curve.

        With ``p(x) = p₀ e^{−x/D}`` the seller receives ``∫₀ˣ p dx = p₀ D (1 − e^{−x/D})``, the
        average price along the way (Caccioli et al. 2014); without impact, the mark.
        """
        if not self.fire_sale_impact or value_usd <= 0:
            return value_usd
        return depth_usd * -math.expm1(-value_usd / depth_usd)
