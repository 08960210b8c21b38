"""The one registry of agent types, and the roster that holds the agents of a run.

:data:`AGENT_CLASSES` lists each class with the name of its roster; everything that depends on
the set of types (rosters, type tables, default attribution, the default-count series) reads it.
Adding a type means adding its module and a line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import numpy as np

from bubblesim.agents.base import AGENT_TYPES, AgentType, Firm, FirmTable
from bubblesim.agents.lab import Lab, LabTable
from bubblesim.agents.lender import Lender, LenderTable
from bubblesim.agents.miner import Miner, MinerTable
from bubblesim.agents.provider import Provider, ProviderTable

if TYPE_CHECKING:
    from bubblesim.world import World

#: Each agent class, the roster it belongs to, its type table and the agent types it covers.
AGENT_CLASSES: tuple[tuple[type[Firm], str, type, tuple[AgentType, ...]], ...] = (
    (Lab, "labs", LabTable, (AgentType.LAB,)),
    (Provider, "providers", ProviderTable, (AgentType.HYPERSCALER, AgentType.NEOCLOUD)),
    (Miner, "miners", MinerTable, (AgentType.MINER,)),
    (Lender, "lenders", LenderTable, (AgentType.LENDER,)),
)
CLASS_OF_TYPE: dict[AgentType, type[Firm]] = {
    kind: cls for cls, _, _, kinds in AGENT_CLASSES for kind in kinds
}
EXPOSURES: dict[AgentType, tuple[str, ...]] = {
    kind: CLASS_OF_TYPE[kind].exposures for kind in AGENT_TYPES
}
"""The exogenous drivers each agent type is exposed to, for naming the shock behind a default."""


class Roster:
    """Every agent of a run: the firm table, one table per type, and the Mesa agents.

    Args:
        model: The Mesa model the agents register with.
        world: The world whose tables they read.
        open_account: Opens an agent's ledger account with its opening cash; returns its row.

    Attributes:
        table: The :class:`FirmTable` (one row per agent).
        firms: The agents, by row.
        by_name: The agents, by name.
        labs, providers, miners, lenders: The type tables (one per entry of
            :data:`AGENT_CLASSES`).
    """

    def __init__(self, model: mesa.Model, world: World, open_account: Callable[[float], int]):
        self.model = model
        self.world = world
        self.open_account = open_account
        self.table = FirmTable()
        self.firms: list[Firm] = []
        self.by_name: dict[str, Firm] = {}
        self.tables: dict[type[Firm], object] = {}
        self._alive: dict[int, tuple[int, np.ndarray]] = {}
        self._positions: tuple[int, np.ndarray, np.ndarray] | None = None
        for cls, roster, table_cls, _ in AGENT_CLASSES:
            table = table_cls()
            self.tables[cls] = table
            setattr(self, roster, table)
        self.labs: LabTable
        self.providers: ProviderTable
        self.miners: MinerTable
        self.lenders: LenderTable

    def add(self, cls: type[Firm], kind: AgentType, name: str, cash_usd: float, **state) -> Firm:
        """Create an agent of class ``cls`` and agent type ``kind`` with its type's state.

        Args:
            cls: The agent class.
            kind: Its agent type.
            name: Display name (unique).
            cash_usd: Opening cash.
            **state: The arguments of its type table's ``add`` (after the firm row).

        Raises:
            ValueError: On a duplicate name.
        """
        if name in self.by_name:
            raise ValueError(f"duplicate agent name {name!r}")
        row = self.open_account(cash_usd)
        index = self.tables[cls].add(len(self.firms), **state)
        firm = cls(self.model, self.world, row, name, index)
        table_row = self.table.add(firm.unique_id, kind)
        if not row == table_row == len(self.firms):
            raise RuntimeError("agent tables out of step")  # pragma: no cover
        self.firms.append(firm)
        self.by_name[name] = firm
        return firm

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the agents that have not defaulted, and each agent's position among them.

        Returns:
            ``(rows, pos)`` with ``pos[row]`` the position of ``row`` in ``rows``, or −1 for a
            defaulted agent. Kept until an agent enters or defaults (do not modify).
        """
        version = self.table.version
        if self._positions is None or self._positions[0] != version:
            rows = self.table.active()
            pos = np.full(len(self.table), -1)
            pos[rows] = np.arange(len(rows))
            self._positions = (version, rows, pos)
        return self._positions[1], self._positions[2]

    def identity(self, row: int) -> tuple[int, str]:
        """An agent's unique id and name."""
        firm = self.firms[row]
        return firm.unique_id, firm.name

    def name_of(self, row: int) -> str:
        """An agent's name."""
        return self.firms[row].name

    def members(self, cls: type[Firm]) -> list[Firm]:
        """The agents of one class, in order of creation."""
        rows = self.tables[cls].row
        return [self.firms[r] for r in rows.tolist()]

    def active_members(self, roster) -> np.ndarray:
        """Indices (in the type table ``roster``) of its members that have not defaulted.

        Kept until an agent enters or defaults (do not modify).
        """
        key = id(roster)
        cached = self._alive.get(key)
        if cached is None or cached[0] != self.table.version:
            cached = (self.table.version, np.flatnonzero(~self.table.is_defaulted(roster.row)))
            self._alive[key] = cached
        return cached[1]

    def latest_shock_of(self, row: int) -> int:
        """The latest exogenous shock the agent is exposed to (a miner without GPUs ignores chips).

        Returns:
            Its event id, or -1 if none has happened.
        """
        kind = AGENT_TYPES[self.table.kind[row]]
        drivers = EXPOSURES[kind]
        if kind is AgentType.MINER and self.table.gpu_mw[row] <= 0:
            drivers = tuple(x for x in drivers if x != "chips")
        return self.world.events.latest_shock(drivers)
