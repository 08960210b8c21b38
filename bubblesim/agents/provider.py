"""Hyperscalers and neoclouds: one type, told apart by parameters (big tech or leveraged)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from bubblesim.agents.base import AgentType, Firm
from bubblesim.columns import Table


class ProviderTable(Table):
    """The providers' own state, one row per provider.

    Columns: ``row`` (firm row), ``big_tech`` (a hyperscaler with other businesses: it
    practically never defaults, but walks away from leases at break dates; else a leveraged
    neocloud), ``own_space_mw`` (owned data-centre space, MW-IT),
    ``other_income_usd_per_year`` (operating income from other businesses).
    Own space under construction is kept as ``(completion week, MW-IT)`` per provider.
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "row": (np.int64, -1),
        "big_tech": (np.bool_, False),
        "own_space_mw": (np.float64, 0.0),
        "other_income_usd_per_year": (np.float64, 0.0),
    }

    def __init__(self) -> None:
        super().__init__()
        self.building: dict[int, list[tuple[int, float]]] = {}

    def add(
        self, row: int, big_tech: bool, own_space_mw: float, other_income_usd_per_year: float
    ) -> int:
        """Register a provider and return its index."""
        return self._append(
            row=row,
            big_tech=big_tech,
            own_space_mw=own_space_mw,
            other_income_usd_per_year=other_income_usd_per_year,
        )

    def start_building(self, index: int, completion_week: int, mw: float) -> None:
        """Own space goes under construction."""
        self.building.setdefault(index, []).append((completion_week, mw))

    def building_mw(self, index: int) -> float:
        """Own space under construction, MW-IT."""
        return sum(mw for _, mw in self.building.get(index, ()))

    def finish_building(self, week: int) -> None:
        """Own space whose construction ends by ``week`` becomes usable."""
        space = self._cols["own_space_mw"]
        for index in sorted(self.building):
            builds = self.building[index]
            if not any(w <= week for w, _ in builds):
                continue
            space[index] += sum(mw for w, mw in builds if w <= week)
            left = [(w, mw) for w, mw in builds if w > week]
            if left:
                self.building[index] = left
            else:
                del self.building[index]


def spare_gpu_mw(gpu_mw, bought_cloud_mw, sold_mw):
    """GPUs (own or bought) not committed to contracts, MW-IT (sold on the spot market)."""
    return np.maximum(0.0, gpu_mw + bought_cloud_mw - sold_mw)


def free_space_mw(own_space_mw, leased_active_mw, gpu_mw):
    """Usable space (owned plus actively leased) without GPUs in it, MW-IT."""
    return np.maximum(0.0, own_space_mw + leased_active_mw - gpu_mw)


def utilisation(used_mw, gpu_mw, bought_cloud_mw):
    """Share of a provider's GPUs used under contracts (spot use is added by the market)."""
    capacity = gpu_mw + bought_cloud_mw
    return np.where(
        capacity <= 0, 1.0, np.minimum(1.0, used_mw / np.where(capacity > 0, capacity, 1.0))
    )


class Provider(Firm):
    """A compute provider: owns GPUs, leases halls from hosts, sells GPU cloud contracts.

    Attributes:
        big_tech: True for a hyperscaler, False for a leveraged neocloud.
        own_space_mw: Owned data-centre space, MW-IT.
        other_income_usd_per_year: Operating income from other businesses (big tech).
        building: Own space under construction, as ``(completion week, MW-IT)``.
    """

    TYPES = (AgentType.HYPERSCALER, AgentType.NEOCLOUD)
    exposures = ("demand", "chips", "rates")

    def _provider(self, column: str):
        return getattr(self.world.agents.providers, column)[self.index]

    big_tech = property(lambda self: bool(self._provider("big_tech")))
    own_space_mw = property(lambda self: float(self._provider("own_space_mw")))
    other_income_usd_per_year = property(
        lambda self: float(self._provider("other_income_usd_per_year"))
    )
    building = property(lambda self: list(self.world.agents.providers.building.get(self.index, [])))


def capex_share(world, index: int) -> float:
    """How much of its demand-driven capex plan a big-tech provider carries out (reads only).

    :func:`bubblesim.economics.big_tech_capex_share` on its state: interest coverage = other
    income over the coupons of its loans; cost of capital = base rate + the coverage spread
    (:func:`bubblesim.economics.coverage_credit_spread`); return on a new MW = the frontier
    rent net of depreciation per dollar of GPUs at list price and a hall at build cost. A
    neocloud, or with ``big_tech_capex_follows_finance`` off, carries out its whole plan (1).
    """
    from bubblesim.economics import (
        big_tech_capex_share,
        capacity_return_per_year,
        coverage_credit_spread,
        interest_coverage,
    )

    providers = world.agents.providers
    g, r = world.config.guarantors, world.config.revenue
    if not providers.big_tech[index] or not g.big_tech_capex_follows_finance:
        return 1.0
    row = int(providers.row[index])
    base = world.drivers.state.base_rate_per_year
    loans = world.book.loans
    active = loans.active()
    mine = active[loans.borrower[active] == row]
    interest = float(np.sum(loans.principal_usd[mine] * loans.coupon_per_year(base, mine)))
    coverage = interest_coverage(float(providers.other_income_usd_per_year[index]), interest)
    rent = float(world.spot.rent_usd_per_mw_year(world.hardware.state.frontier_efficiency))
    ret = capacity_return_per_year(
        rent,
        world.hardware.list_price_usd_per_mw,
        world.config.markets.market_colo_build_cost_usd_per_mw,
        r.gap_gpu_life_years,
        r.gap_datacentre_life_years,
    )
    return big_tech_capex_share(
        ret,
        base + coverage_credit_spread(coverage),
        coverage,
        g.big_tech_capex_q_sensitivity,
        g.big_tech_capex_full_coverage,
    )
