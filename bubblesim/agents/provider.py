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
