"""The world: the state of one run, each part with one owner.

The world holds the configuration, the clock, the agents (the roster and its tables), the
ledger (cash and equity), the instrument book (contracts and loans), the event log (with the
shock bookkeeping), the drivers, the markets (spot compute, hardware resale) and the credit desk,
and the queue of defaults awaiting resolution. The phases (:mod:`bubblesim.phases`) take the world
and act on it through these owners' methods; reporting reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.book import InstrumentBook
from bubblesim.accounts.events import Clock, EventLog
from bubblesim.accounts.ledger import Ledger
from bubblesim.agents.registry import Roster
from bubblesim.drivers.exogenous import ExogenousDrivers
from bubblesim.markets import CreditDesk, HardwareMarket, SpotMarket

if TYPE_CHECKING:
    import mesa

    from bubblesim.config import ModelConfig


class World:
    """Everything one run knows, by owner.

    Args:
        model: The Mesa model the agents register with.
        config: The validated configuration.
        rng: The model's generator; the drivers, the population and matching draw from
            children spawned from it in that fixed order.

    Attributes:
        config: The configuration.
        clock: The week.
        agents: The roster: firm table, type tables and Mesa agents.
        ledger: Cash and equity of every agent, transfers, external flows, outside dues.
        book: Contracts and loans.
        events: The event log and shock bookkeeping.
        drivers: The exogenous processes.
        spot: The spot compute market.
        hardware: The GPU and ASIC resale market and the marks of every fleet.
        desk: The credit desk and funding windows.
        population_rng: The generator the population is drawn from.
        match_rng: The generator of matching order.
        resolution_queue: Rows of agents whose default awaits resolution.
        settlement_network: The last week's payment network (settlement rebuilds it when the
            book or the roster changes).
    """

    def __init__(self, model: mesa.Model, config: ModelConfig, rng: np.random.Generator):
        driver_rng, self.population_rng, self.match_rng = rng.spawn(3)
        self.config = config
        self.clock = Clock()
        self.agents = Roster(model, self, self._open_account)
        self.ledger = Ledger(name_of=self.agents.name_of)
        self.book = InstrumentBook(firm_of=lambda row: self.agents.firms[row])
        self.events = EventLog(self.clock, self.agents.identity)
        self.drivers = ExogenousDrivers(config.drivers, driver_rng)
        self.spot = SpotMarket(config)
        self.hardware = HardwareMarket(
            config, self.drivers.state, self.spot, self.agents.table, self.ledger
        )
        self.desk = CreditDesk(self)
        self.resolution_queue: list[int] = []
        self.settlement_network = None  # the payment network, kept while the book is unchanged
        self.margins_checked: tuple | None = None  # state of the last margin check without breach

    def _open_account(self, cash_usd: float) -> int:
        return self.ledger.open_account(cash_usd)

    @property
    def n_agents(self) -> int:
        """Number of agents (rows of every per-agent table)."""
        return len(self.agents.table)

    @property
    def week(self) -> int:
        """The current week."""
        return self.clock.week

    def balance_sheets(self) -> dict[str, np.ndarray]:
        """Every agent's balance sheet at once, one array per item (USD, by agent row).

        The same items as :meth:`bubblesim.agents.base.Firm.balance_sheet`, computed for all
        agents with the same sums in the same order.
        """
        n = self.n_agents
        table, book = self.agents.table, self.book
        cash = self.ledger.cash_usd
        prepaid = book.prepaid_by_agent(n)
        receivable = book.receivable_by_agent(n)
        assets = (
            cash
            + table.gpu_mark_usd
            + table.asic_mark_usd
            + table.halls_usd
            + table.construction_usd
            + prepaid
            + receivable
        )
        debt = book.debt_by_agent(n)
        deferred = book.deferred_revenue_by_agent(n)
        liabilities = debt + deferred + table.funding_usd
        return {
            "cash_usd": cash.copy(),
            "gpu_usd": table.gpu_mark_usd.copy(),
            "asic_usd": table.asic_mark_usd.copy(),
            "halls_usd": table.halls_usd + table.construction_usd,
            "prepaid_usd": prepaid,
            "loans_receivable_usd": receivable,
            "assets_usd": assets,
            "debt_usd": debt,
            "deferred_revenue_usd": deferred,
            "funding_usd": table.funding_usd.copy(),
            "liabilities_usd": liabilities,
            "equity_usd": self.ledger.equity_usd.copy(),
        }
