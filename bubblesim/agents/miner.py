"""Bitcoin miners turning into AI hosts: MW split between hashing and leased AI halls."""

from __future__ import annotations

from bubblesim.agents.base import AgentType, Firm
from bubblesim.economics import asic_hashrate_th_per_s, mining_revenue_usd_per_week
from bubblesim.economics import power_cost_usd_per_week as power_cost


class Miner(Firm):
    """A bitcoin miner and AI host.

    Args:
        model: The model.
        name: Display name.
        cash_usd: Opening cash.
        power_mw: Power capacity of its sites, gross MW.
        asic_efficiency_j_per_th: Fleet efficiency.

    Attributes:
        power_mw: Gross MW of power capacity.
        hall_gross_mw: Gross MW taken by AI halls (built or being built).
        asic_th: ASIC fleet hashrate, TH/s.
        mining_on: Whether the fleet hashes this week (it curtails when power costs more).
        conversions: Halls under construction as (completion week, contract id, capex USD).
    """

    def __init__(
        self,
        model,
        *,
        name: str,
        cash_usd: float,
        power_mw: float,
        asic_efficiency_j_per_th: float,
    ):
        super().__init__(model, name=name, kind=AgentType.MINER, cash_usd=cash_usd)
        self.power_mw = power_mw
        self.hall_gross_mw = 0.0
        self.efficiency_j_per_th = asic_efficiency_j_per_th
        self.asic_th = asic_hashrate_th_per_s(power_mw, asic_efficiency_j_per_th)
        self.mining_on = True
        self.conversions: list[tuple[int, int, float]] = []

    def mining_mw(self) -> float:
        """Power its ASICs draw when running, MW (never negative)."""
        return max(0.0, self.asic_th * self.efficiency_j_per_th / 1e6)

    def convertible_it_mw(self, convertible_share: float, pue: float) -> float:
        """MW-IT it can still offer for AI halls."""
        return max(0.0, (self.power_mw * convertible_share - self.hall_gross_mw) / pue)

    def decide_mining(self, hashprice_usd_per_ph_day: float, power_usd_per_mwh: float) -> bool:
        """Hash this week iff mining revenue covers the power bill (curtail otherwise)."""
        revenue = mining_revenue_usd_per_week(self.asic_th, hashprice_usd_per_ph_day)
        self.mining_on = revenue >= power_cost(self.mining_mw(), power_usd_per_mwh)
        return self.mining_on
