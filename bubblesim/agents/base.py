"""What every agent shares: its row in the firm table, and the firm as a Mesa agent.

Every agent has a balance sheet. Assets: cash, hardware at market value (GPUs, ASICs), halls
(at cost, or under construction), prepaid compute, loans receivable. Liabilities: loans payable,
deferred revenue (prepayments received), lender funding. Equity is tracked separately, by profit
and loss and revaluations posted as they happen; ``assets = liabilities + equity`` is therefore a
check, not a definition.

Cash and equity live in the ledger (:mod:`bubblesim.accounts.ledger`); contracts and loans in the
book (:mod:`bubblesim.accounts.book`); the rest of an agent's state in :class:`FirmTable` (what
all agents share) and in its type's table (``LabTable``, ``ProviderTable``, …). A :class:`Firm`
is a Mesa agent that reads those rows.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np
from numba import njit

from bubblesim.columns import Table
from bubblesim.economics import gpu_value_usd_per_mw

if TYPE_CHECKING:
    from bubblesim.world import World


class AgentType(StrEnum):
    """The agent types of the economy (:mod:`bubblesim.agents.registry` maps each to a class)."""

    LAB = "lab"
    HYPERSCALER = "hyperscaler"
    NEOCLOUD = "neocloud"
    MINER = "miner"
    LENDER = "lender"
    VENDOR = "vendor"


AGENT_TYPES: tuple[AgentType, ...] = tuple(AgentType)
TYPE_CODE: dict[AgentType, int] = {kind: code for code, kind in enumerate(AGENT_TYPES)}


class Health(StrEnum):
    """Traffic-light state used by reports and the explorer."""

    HEALTHY = "healthy"
    DISTRESSED = "distressed"
    DEFAULTED = "defaulted"


class HealthCode(IntEnum):
    """Codes of :class:`Health` in the firm table."""

    HEALTHY = 0
    DISTRESSED = 1
    DEFAULTED = 2


HEALTH_OF_CODE: tuple[Health, ...] = tuple(Health)
_DEFAULTED = int(HealthCode.DEFAULTED)  # a plain int compares with an array faster than an enum


class FirmTable(Table):
    """What every agent has, one row per agent (in order of creation).

    Columns: ``uid`` (Mesa unique id), ``kind`` (code of :class:`AgentType`), ``health``
    (code), ``default_week`` and ``default_event`` (−1 until it defaults),
    ``last_counterparty_event`` (the last contract it lost to a counterparty's default),
    ``gpu_mw`` (GPU systems installed, MW-IT), ``gpu_efficiency`` (compute per MW relative to
    week-0 frontier chips), ``gpu_condition`` (remaining physical value share, 1 = new),
    ``gpu_mark_usd`` and ``asic_mark_usd`` (fleets at their last mark), ``asic_th`` (ASIC
    hashrate, TH/s), ``asic_efficiency_j_per_th``, ``halls_usd`` (completed halls at cost),
    ``construction_usd`` (halls being built, at cost), ``funding_usd`` (a lender's funding from
    depositors or investors), ``spot_sold_mw`` (GPU capacity sold on the spot market this
    week), ``initial_debt_usd`` (debt when the books opened).
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "uid": (np.int64, -1),
        "kind": (np.int8, 0),
        "health": (np.int8, HealthCode.HEALTHY),
        "default_week": (np.int64, -1),
        "default_event": (np.int64, -1),
        "last_counterparty_event": (np.int64, -1),
        "gpu_mw": (np.float64, 0.0),
        "gpu_efficiency": (np.float64, 1.0),
        "gpu_condition": (np.float64, 1.0),
        "gpu_mark_usd": (np.float64, 0.0),
        "asic_th": (np.float64, 0.0),
        "asic_efficiency_j_per_th": (np.float64, 1.0),
        "asic_mark_usd": (np.float64, 0.0),
        "halls_usd": (np.float64, 0.0),
        "construction_usd": (np.float64, 0.0),
        "funding_usd": (np.float64, 0.0),
        "stakes_usd": (np.float64, 0.0),
        "spot_sold_mw": (np.float64, 0.0),
        "initial_debt_usd": (np.float64, 0.0),
    }

    def __init__(self) -> None:
        super().__init__()
        self.version = 0  # changes whenever an agent enters or defaults
        self.fleet_version = 0  # changes whenever a fleet or a mark changes
        self._active: tuple[int, np.ndarray] | None = None

    def add(self, uid: int, kind: AgentType) -> int:
        """Register an agent; returns its row."""
        self.version += 1
        return self._append(uid=uid, kind=TYPE_CODE[kind])

    # -- selections ------------------------------------------------------------------------------
    def active(self) -> np.ndarray:
        """Rows of agents that have not defaulted, in order (do not modify)."""
        if self._active is None or self._active[0] != self.version:
            self._active = (self.version, np.flatnonzero(self.health != HealthCode.DEFAULTED))
        return self._active[1]

    def is_defaulted(self, rows) -> np.ndarray:
        """Whether each row has defaulted."""
        return self.health[rows] == _DEFAULTED

    # -- default and health ----------------------------------------------------------------------
    def default(self, row: int, week: int, event: int) -> None:
        """The agent defaults now (its default event is ``event``)."""
        self.version += 1
        self._cols["health"][row] = HealthCode.DEFAULTED
        self._cols["default_week"][row] = week
        self._cols["default_event"][row] = event

    def set_health(self, rows: np.ndarray, codes: np.ndarray) -> None:
        """Classify agents healthy or distressed."""
        self._cols["health"][rows] = codes

    def note_counterparty_loss(self, row: int, event: int) -> None:
        """The agent has lost a contract to a counterparty's default (event ``event``)."""
        self._cols["last_counterparty_event"][row] = event

    def open_debt(self, row: int, debt_usd: float) -> None:
        """Remember the agent's debt when the books open."""
        self._cols["initial_debt_usd"][row] = debt_usd

    # -- hardware --------------------------------------------------------------------------------
    def wear_gpus(self, rows: np.ndarray, per_week: float, floor: float) -> None:
        """Physical depreciation of GPU fleets, down to a scrap floor."""
        self.fleet_version += 1
        cond = self._cols["gpu_condition"]
        cond[rows] = np.maximum(floor, cond[rows] - per_week)

    def revalue(
        self,
        rows: np.ndarray,
        new_price_usd_per_mw: float,
        frontier_efficiency: float,
        rental_ratio: float,
        resale_index: float,
        obsolescence_exponent: float,
        rent_elasticity: float,
        asic_usd_per_th: float,
    ) -> np.ndarray:
        """Mark the fleets of ``rows`` to market; returns each revaluation (for equity).

        GPUs are valued by :func:`bubblesim.economics.gpu_value_usd_per_mw`, ASICs at
        ``asic_usd_per_th``.
        """
        self.fleet_version += 1
        return _revalue(
            np.asarray(rows, dtype=np.int64).reshape(-1),
            self.gpu_mw,
            self.gpu_efficiency,
            self.gpu_condition,
            self.asic_th,
            self.gpu_mark_usd,
            self.asic_mark_usd,
            new_price_usd_per_mw,
            frontier_efficiency,
            rental_ratio,
            resale_index,
            obsolescence_exponent,
            rent_elasticity,
            asic_usd_per_th,
        )

    def install_gpus(self, row: int, mw: float, efficiency: float, cost_usd: float) -> None:
        """Add new GPUs: the fleet's efficiency and condition become MW-weighted means.

        The new systems enter the mark at cost; the next mark revalues them to market.
        """
        self.fleet_version += 1
        cols = self._cols
        old = cols["gpu_mw"][row]
        total = old + mw
        cols["gpu_efficiency"][row] = (old * cols["gpu_efficiency"][row] + mw * efficiency) / total
        cols["gpu_condition"][row] = (old * cols["gpu_condition"][row] + mw) / total
        cols["gpu_mw"][row] = total
        cols["gpu_mark_usd"][row] += cost_usd

    def remove_gpus(self, row: int, mw: float) -> float:
        """Take ``mw`` of GPUs off the fleet at the current mark; returns their marked value."""
        self.fleet_version += 1
        cols = self._cols
        value = cols["gpu_mark_usd"][row] * mw / cols["gpu_mw"][row]
        cols["gpu_mw"][row] -= mw
        cols["gpu_mark_usd"][row] -= value
        return float(value)

    def remove_asics(self, row: int, th: float) -> float:
        """Take ``th`` TH/s of ASICs off the fleet at the current mark; returns their value."""
        self.fleet_version += 1
        cols = self._cols
        value = cols["asic_mark_usd"][row] * th / cols["asic_th"][row]
        cols["asic_th"][row] -= th
        cols["asic_mark_usd"][row] -= value
        return float(value)

    def add_asics(self, row: int, th: float, efficiency_j_per_th: float, cost_usd: float) -> None:
        """New ASICs: the fleet's efficiency becomes the TH-weighted mean; they enter at cost."""
        self.fleet_version += 1
        cols = self._cols
        old = cols["asic_th"][row]
        total = old + th
        if total > 0:
            cols["asic_efficiency_j_per_th"][row] = (
                old * cols["asic_efficiency_j_per_th"][row] + th * efficiency_j_per_th
            ) / total
        cols["asic_th"][row] = total
        cols["asic_mark_usd"][row] += cost_usd

    def set_asics(self, row: int, th: float, efficiency_j_per_th: float) -> None:
        """A miner's ASIC fleet when the economy is built."""
        self.fleet_version += 1
        self._cols["asic_th"][row] = th
        self._cols["asic_efficiency_j_per_th"][row] = efficiency_j_per_th

    def set_gpus(self, row: int, mw: float) -> None:
        """An agent's GPU fleet when the economy is built (week-0 chips, new)."""
        self.fleet_version += 1
        self._cols["gpu_mw"][row] = mw

    def set_spot_sold(self, rows, mw) -> None:
        """GPU capacity sold on the spot market this week."""
        self._cols["spot_sold_mw"][rows] = mw

    # -- halls -----------------------------------------------------------------------------------
    def start_hall(self, row: int, cost_usd: float) -> None:
        """Capitalise a hall under construction."""
        self._cols["construction_usd"][row] += cost_usd

    def finish_hall(self, row: int, cost_usd: float) -> None:
        """A hall is finished: its cost moves from construction to halls."""
        self._cols["construction_usd"][row] -= cost_usd
        self._cols["halls_usd"][row] += cost_usd

    def add_hall(self, row: int, cost_usd: float) -> None:
        """A completed hall (at cost)."""
        self._cols["halls_usd"][row] += cost_usd

    def remove_halls(self, row: int, cost_usd: float) -> None:
        """Completed halls leave the books at cost (a hall given back to mining)."""
        halls = self._cols["halls_usd"]
        halls[row] = max(0.0, halls[row] - cost_usd)

    def mark_stakes(self, row: int, value_usd: float) -> None:
        """Equity stakes in other firms (a vendor's in labs), at their current mark."""
        self._cols["stakes_usd"][row] = value_usd

    def clear_halls(self, row: int) -> float:
        """Halls and construction leave the books (sold); returns their book value."""
        book = float(self._cols["halls_usd"][row] + self._cols["construction_usd"][row])
        self._cols["halls_usd"][row] = 0.0
        self._cols["construction_usd"][row] = 0.0
        return book

    # -- funding ---------------------------------------------------------------------------------
    def change_funding(self, row: int, amount_usd: float) -> None:
        """A lender's funding rises (inflows) or falls (runs, claims passed to funders)."""
        self._cols["funding_usd"][row] += amount_usd

    def change_funding_many(self, rows: np.ndarray, amounts_usd: np.ndarray) -> None:
        """:meth:`change_funding` of distinct rows at once."""
        self._cols["funding_usd"][rows] += amounts_usd

    def clear_funding(self, row: int) -> None:
        """A failed lender's funding is settled."""
        self._cols["funding_usd"][row] = 0.0


@njit(cache=True)
def _revalue(
    rows,
    gpu_mw,
    efficiency,
    condition,
    asic_th,
    gpu_mark,
    asic_mark,
    new_price,
    frontier,
    rental_ratio,
    resale_index,
    obsolescence,
    elasticity,
    asic_usd_per_th,
):  # pragma: no cover
    """:meth:`FirmTable.revalue` (compiled loop)."""
    revaluation = np.empty(rows.size)
    for i in range(rows.size):
        r = rows[i]
        per_mw = gpu_value_usd_per_mw(
            new_price,
            efficiency[r],
            frontier,
            rental_ratio,
            resale_index,
            condition[r],
            obsolescence,
            elasticity,
        )
        gpu = gpu_mw[r] * per_mw
        asic = asic_th[r] * asic_usd_per_th
        revaluation[i] = gpu - gpu_mark[r] + asic - asic_mark[r]
        gpu_mark[r], asic_mark[r] = gpu, asic
    return revaluation


class Firm(mesa.Agent):
    """An agent with a balance sheet: a Mesa agent reading its rows of the world's tables.

    Args:
        model: The Mesa model.
        world: The world whose tables hold the agent's state.
        row: Its row in the firm table and the ledger.
        name: Display name (e.g. ``"TeraWulf"``).
        index: Its row in its type's table.

    Attributes:
        name: Display name.
        row: Row in the firm table.
        index: Row in its type's table.
    """

    exposures: ClassVar[tuple[str, ...]] = ()
    """The exogenous drivers whose shocks a default of this type is traced to."""

    def __init__(self, model: mesa.Model, world: World, row: int, name: str, index: int):
        super().__init__(model)
        self.world = world
        self.row = row
        self.name = name
        self.index = index

    def _firm(self, column: str) -> float:
        return float(getattr(self.world.agents.table, column)[self.row])

    # -- state -----------------------------------------------------------------------------------
    kind = property(lambda self: AGENT_TYPES[self.world.agents.table.kind[self.row]])
    cash_usd = property(lambda self: float(self.world.ledger.cash_usd[self.row]))
    equity_usd = property(lambda self: float(self.world.ledger.equity_usd[self.row]))
    gpu_mw = property(lambda self: self._firm("gpu_mw"))
    gpu_efficiency = property(lambda self: self._firm("gpu_efficiency"))
    gpu_condition = property(lambda self: self._firm("gpu_condition"))
    gpu_mark_usd = property(lambda self: self._firm("gpu_mark_usd"))
    asic_th = property(lambda self: self._firm("asic_th"))
    asic_mark_usd = property(lambda self: self._firm("asic_mark_usd"))
    halls_usd = property(lambda self: self._firm("halls_usd"))
    construction_usd = property(lambda self: self._firm("construction_usd"))
    funding_usd = property(lambda self: self._firm("funding_usd"))
    stakes_usd = property(lambda self: self._firm("stakes_usd"))
    initial_debt_usd = property(lambda self: self._firm("initial_debt_usd"))

    @property
    def health(self) -> Health:
        """Healthy, distressed or defaulted."""
        return HEALTH_OF_CODE[self.world.agents.table.health[self.row]]

    @property
    def defaulted(self) -> bool:
        """True once the agent has defaulted."""
        return bool(self.world.agents.table.health[self.row] == HealthCode.DEFAULTED)

    @property
    def default_week(self) -> int | None:
        """Week of default, or None."""
        week = int(self.world.agents.table.default_week[self.row])
        return None if week < 0 else week

    @property
    def default_event(self) -> int:
        """Id of its default event, or -1."""
        return int(self.world.agents.table.default_event[self.row])

    # -- balance sheet ---------------------------------------------------------------------------
    def debt_usd(self) -> float:
        """Outstanding principal of the loans this agent owes."""
        return self.world.book.debt_usd(self.row)

    def loans_receivable_usd(self) -> float:
        """Outstanding principal of the performing loans this agent holds."""
        return self.world.book.receivable_usd(self.row)

    def prepaid_usd(self) -> float:
        """Unamortised prepayments this agent made (an asset)."""
        return self.world.book.prepaid_usd(self.row)

    def deferred_revenue_usd(self) -> float:
        """Unamortised prepayments this agent received (a liability)."""
        return self.world.book.deferred_revenue_usd(self.row)

    def assets_usd(self) -> float:
        """Total assets at their current marks."""
        return (
            self.cash_usd
            + self.gpu_mark_usd
            + self.asic_mark_usd
            + self.halls_usd
            + self.construction_usd
            + self.prepaid_usd()
            + self.loans_receivable_usd()
            + self.stakes_usd
        )

    def liabilities_usd(self) -> float:
        """Total liabilities."""
        return self.debt_usd() + self.deferred_revenue_usd() + self.funding_usd

    def balance_sheet(self) -> dict[str, float]:
        """The balance sheet as a flat dict (USD), for reports and the explorer."""
        return {
            "cash_usd": self.cash_usd,
            "gpu_usd": self.gpu_mark_usd,
            "asic_usd": self.asic_mark_usd,
            "halls_usd": self.halls_usd + self.construction_usd,
            "prepaid_usd": self.prepaid_usd(),
            "loans_receivable_usd": self.loans_receivable_usd(),
            "stakes_usd": self.stakes_usd,
            "assets_usd": self.assets_usd(),
            "debt_usd": self.debt_usd(),
            "deferred_revenue_usd": self.deferred_revenue_usd(),
            "funding_usd": self.funding_usd,
            "liabilities_usd": self.liabilities_usd(),
            "equity_usd": self.equity_usd,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.health})"
