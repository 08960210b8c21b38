"""Hyperscalers and neoclouds: one class, told apart by parameters (big tech or leveraged)."""

from __future__ import annotations

from bubblesim.agents.base import AgentType, Firm
from bubblesim.instruments import ContractKind, Status


class Provider(Firm):
    """A compute provider: owns GPUs, leases halls from hosts, sells GPU cloud contracts.

    Args:
        model: The model.
        name: Display name.
        cash_usd: Opening cash.
        big_tech: True for a hyperscaler with other businesses (it practically never defaults,
            but walks away from leases at break dates); False for a leveraged neocloud.
        own_space_mw: Data-centre space it owns, MW-IT.
        other_income_usd_per_year: Operating income from other businesses (big tech).

    Attributes:
        own_space_mw: Owned data-centre space, MW-IT.
        building_mw: Own space under construction, with completion weeks.
    """

    def __init__(
        self,
        model,
        *,
        name: str,
        cash_usd: float,
        big_tech: bool,
        own_space_mw: float,
        other_income_usd_per_year: float = 0.0,
    ):
        kind = AgentType.HYPERSCALER if big_tech else AgentType.NEOCLOUD
        super().__init__(model, name=name, kind=kind, cash_usd=cash_usd)
        self.big_tech = big_tech
        self.own_space_mw = own_space_mw
        self.other_income_usd_per_year = other_income_usd_per_year
        self.building: list[tuple[int, float]] = []  # (completion week, MW-IT)

    def leased_mw(self, pending: bool = False) -> float:
        """MW-IT of hosting leases it rents (active; or pending too)."""
        leases = self.model.book.contracts_bought_by(self, ContractKind.HOSTING)
        return sum(c.mw for c in leases if pending or c.status is Status.ACTIVE)

    def space_mw(self) -> float:
        """Usable space now: owned plus actively leased, MW-IT."""
        return self.own_space_mw + self.leased_mw()

    def planned_space_mw(self) -> float:
        """Space now plus space pending (leases not started, own builds)."""
        return self.own_space_mw + self.leased_mw(pending=True) + sum(m for _, m in self.building)

    def sold_mw(self) -> float:
        """MW under GPU cloud contracts it sells (active or pending)."""
        return sum(c.mw for c in self.model.book.contracts_sold_by(self, ContractKind.GPU_CLOUD))

    def bought_cloud_mw(self) -> float:
        """GPU cloud capacity it buys from others (e.g. from a miner with GPUs), MW-IT."""
        contracts = self.model.book.contracts_bought_by(self, ContractKind.GPU_CLOUD)
        return sum(c.mw for c in contracts if c.status is Status.ACTIVE)

    def spare_gpu_mw(self) -> float:
        """GPUs (own or bought) not committed to contracts, MW-IT (sold on the spot market)."""
        return max(0.0, self.gpu_mw + self.bought_cloud_mw() - self.sold_mw())

    def free_space_mw(self) -> float:
        """Usable space without GPUs in it, MW-IT."""
        return max(0.0, self.space_mw() - self.gpu_mw)

    def utilisation(self) -> float:
        """Share of its GPUs that are used under contracts (spot use is added by the market)."""
        contracts = self.model.book.contracts_sold_by(self, ContractKind.GPU_CLOUD)
        used = sum(c.mw * c.usage_share for c in contracts if c.status is Status.ACTIVE)
        capacity = self.gpu_mw + self.bought_cloud_mw()
        return 1.0 if capacity <= 0 else min(1.0, used / capacity)

    def space_gap_mw(self, forecast_mw: float) -> float:
        """Space to add so planned space covers the demand forecast, MW-IT."""
        return max(0.0, forecast_mw - self.planned_space_mw())
