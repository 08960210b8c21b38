"""Bitcoin miners turning into AI hosts: MW split between hashing and leased AI halls."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from bubblesim.agents.base import AgentType, Firm
from bubblesim.columns import Table
from bubblesim.economics import mining_revenue_usd_per_week, power_cost_usd_per_week


class MinerTable(Table):
    """The miners' own state, one row per miner.

    Columns: ``row`` (firm row), ``power_mw`` (gross MW of power capacity), ``hall_gross_mw``
    (gross MW taken by AI halls, built or being built), ``mining_on`` (whether the fleet hashes
    this week). Halls under construction are kept per miner as ``(completion week, contract
    row, capex USD)``; a contract row of −1 is a hall whose power was already off ASICs.
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "row": (np.int64, -1),
        "power_mw": (np.float64, 0.0),
        "hall_gross_mw": (np.float64, 0.0),
        "mining_on": (np.bool_, True),
    }

    def __init__(self) -> None:
        super().__init__()
        self.conversions: dict[int, list[tuple[int, int, float]]] = {}

    def add(self, row: int, power_mw: float) -> int:
        """Register a miner and return its index."""
        return self._append(row=row, power_mw=power_mw)

    def convertible_it_mw(self, miners, convertible_share: float, pue: float) -> np.ndarray:
        """MW-IT each miner can still offer for AI halls."""
        gross = self.power_mw[miners] * convertible_share - self.hall_gross_mw[miners]
        return np.maximum(0.0, gross / pue)

    def decide_mining(
        self,
        miners: np.ndarray,
        asic_th: np.ndarray,
        efficiency_j_per_th: np.ndarray,
        hashprice_usd_per_ph_day: float,
        power_usd_per_mwh: float,
    ) -> None:
        """Hash this week iff mining revenue covers the power bill (curtail otherwise)."""
        revenue = mining_revenue_usd_per_week(asic_th, hashprice_usd_per_ph_day)
        cost = power_cost_usd_per_week(mining_mw(asic_th, efficiency_j_per_th), power_usd_per_mwh)
        self._cols["mining_on"][miners] = revenue >= cost

    def commit_hall(
        self,
        index: int,
        completion_week: int,
        contract: int,
        cost_usd: float,
        it_mw: float,
        pue: float,
    ) -> None:
        """A hall is being built on the miner's site for a lease (``it_mw`` of IT load)."""
        self.conversions.setdefault(index, []).append((completion_week, contract, cost_usd))
        self.reserve_hall_power(index, it_mw, pue)

    def reserve_hall_power(self, index: int, it_mw: float, pue: float) -> None:
        """Site power given over to an AI hall (``it_mw`` of IT load at ``pue``)."""
        self._cols["hall_gross_mw"][index] += it_mw * pue

    def building_halls(self, week: int) -> list[int]:
        """Miners (indices, in order) with a hall finishing by ``week``."""
        return sorted(
            i for i, builds in self.conversions.items() if any(c[0] <= week for c in builds)
        )

    def finished_halls(self, index: int, week: int) -> list[tuple[int, int, float]]:
        """Take the miner's halls finished by ``week`` off its construction list."""
        builds = self.conversions.get(index, [])
        done = [c for c in builds if c[0] <= week]
        if done:
            left = [c for c in builds if c[0] > week]
            if left:
                self.conversions[index] = left
            else:
                del self.conversions[index]
        return done

    def abandon_halls(self, index: int) -> None:
        """A defaulted miner's construction stops (its halls were sold)."""
        self.conversions.pop(index, None)


def mining_mw(asic_th, efficiency_j_per_th):
    """Power the ASICs draw when running, MW (never negative): ``H ε / 10⁶``."""
    return np.maximum(0.0, asic_th * efficiency_j_per_th / 1e6)


class Miner(Firm):
    """A bitcoin miner and AI host.

    Attributes:
        power_mw: Gross MW of power capacity.
        hall_gross_mw: Gross MW taken by AI halls (built or being built).
        efficiency_j_per_th: ASIC fleet efficiency.
        mining_on: Whether the fleet hashes this week.
        conversions: Halls under construction as (completion week, contract row, capex USD).
    """

    TYPE = AgentType.MINER
    exposures = ("bitcoin", "rates", "chips")

    def _miner(self, column: str):
        return getattr(self.world.agents.miners, column)[self.index]

    power_mw = property(lambda self: float(self._miner("power_mw")))
    hall_gross_mw = property(lambda self: float(self._miner("hall_gross_mw")))
    mining_on = property(lambda self: bool(self._miner("mining_on")))
    efficiency_j_per_th = property(lambda self: self._firm("asic_efficiency_j_per_th"))
    conversions = property(
        lambda self: list(self.world.agents.miners.conversions.get(self.index, []))
    )

    def mining_mw(self) -> float:
        """Power its ASICs draw when running, MW."""
        return float(mining_mw(self.asic_th, self.efficiency_j_per_th))
