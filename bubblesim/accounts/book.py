"""The instrument book: every contract and loan, with per-agent queries and aggregates.

The book is the mediator through which agents relate. It holds the two columnar stores and
answers who owes what to whom: per-agent views for code that reads one agent, and per-agent
totals (one array over all agents) for the phases, computed over the live rows only.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

import numpy as np

from bubblesim.accounts.contracts import ContractStore
from bubblesim.accounts.instruments import (
    KIND_CODE,
    ContractKind,
    ContractView,
    LoanView,
)
from bubblesim.accounts.loans import LoanStore
from bubblesim.columns import seq_sum


class InstrumentBook:
    """All contracts and loans.

    Args:
        firm_of: Maps an agent row to its agent (for views).

    Attributes:
        contracts: The contract store.
        loans: The loan store.
    """

    def __init__(self, firm_of: Callable[[int], object] = lambda row: row) -> None:
        ids = count()
        self.contracts = ContractStore(ids)
        self.loans = LoanStore(ids)
        self._firm_of = firm_of
        self._owed: tuple[int, np.ndarray, np.ndarray] | None = None  # by borrower

    def firm(self, row: int):
        """The agent at ``row`` (None for −1)."""
        return None if row < 0 else self._firm_of(int(row))

    # -- selections ------------------------------------------------------------------------------
    def live_of_kind(self, kind: ContractKind, active_only: bool = False) -> np.ndarray:
        """Rows of live (or only active) contracts of one kind, in row order."""
        return self.contracts.select(KIND_CODE[kind], active_only)

    # -- per-agent totals over all agents --------------------------------------------------------
    def debt_by_agent(self, n: int) -> np.ndarray:
        """Outstanding principal each agent owes (active loans)."""
        return self.loans.totals(n)[0]

    def receivable_by_agent(self, n: int) -> np.ndarray:
        """Performing loans each agent holds (not passed to outside holders), net of provisions."""
        return self.loans.totals(n)[1]

    def prepaid_by_agent(self, n: int) -> np.ndarray:
        """Unamortised prepayments each agent made (its asset)."""
        c = self.contracts
        live = c.live()
        mine = live[~c.outside_buyer[live]]
        return np.bincount(c.buyer[mine], c.prepaid_usd[mine], n)

    def deferred_revenue_by_agent(self, n: int) -> np.ndarray:
        """Unamortised prepayments each agent received (its liability)."""
        c = self.contracts
        live = c.live()
        mine = live[~c.outside_seller[live]]
        return np.bincount(c.seller[mine], c.prepaid_usd[mine], n)

    # -- one agent -------------------------------------------------------------------------------
    def sold_rows(self, row: int, kind: ContractKind | None = None) -> np.ndarray:
        """Rows of the live contracts an agent sells, in row order."""
        c = self.contracts
        live = c.live()
        mine = live[c.seller[live] == row]
        return mine if kind is None else mine[c.kind[mine] == KIND_CODE[kind]]

    def bought_rows(self, row: int, kind: ContractKind | None = None) -> np.ndarray:
        """Rows of the live contracts an agent buys, in row order."""
        c = self.contracts
        live = c.live()
        mine = live[c.buyer[live] == row]
        return mine if kind is None else mine[c.kind[mine] == KIND_CODE[kind]]

    def owed_rows(self, row: int) -> np.ndarray:
        """Rows of the active loans an agent owes, in row order (do not modify).

        The active loans grouped by borrower (a stable sort keeps each group in row order) are
        kept until a loan is made or ends (a loan's borrower never changes).
        """
        loans = self.loans
        if self._owed is None or self._owed[0] != loans.structure:
            active = loans.active()
            borrower = loans.borrower[active]
            grouped = active[np.argsort(borrower, kind="stable")]
            grouped.flags.writeable = False
            starts = np.zeros(int(borrower.max(initial=-1)) + 2, dtype=np.int64)
            np.cumsum(np.bincount(borrower), out=starts[1:])
            self._owed = (loans.structure, grouped, starts)
        _, grouped, starts = self._owed
        if not 0 <= row < starts.size - 1:
            return grouped[:0]
        return grouped[starts[row] : starts[row + 1]]

    def held_rows(self, row: int) -> np.ndarray:
        """Rows of the active loans an agent holds (not passed to outside holders)."""
        loans = self.loans
        active = loans.active()
        return active[(loans.lender[active] == row) & ~loans.outside_lender[active]]

    def contracts_sold_by(self, firm, kind: ContractKind | None = None) -> list[ContractView]:
        """Live contracts where ``firm`` is the seller."""
        return [ContractView(self, r) for r in self.sold_rows(firm.row, kind).tolist()]

    def contracts_bought_by(self, firm, kind: ContractKind | None = None) -> list[ContractView]:
        """Live contracts where ``firm`` is the buyer."""
        return [ContractView(self, r) for r in self.bought_rows(firm.row, kind).tolist()]

    def loans_of(self, firm) -> list[LoanView]:
        """Active loans owed by ``firm``."""
        return [LoanView(self, r) for r in self.owed_rows(firm.row).tolist()]

    def loans_by(self, firm) -> list[LoanView]:
        """Active loans held by ``firm`` (not those passed to an outside holder)."""
        return [LoanView(self, r) for r in self.held_rows(firm.row).tolist()]

    def debt_usd(self, row: int) -> float:
        """Outstanding principal an agent owes."""
        return seq_sum(self.loans.principal_usd[self.owed_rows(row)])

    def receivable_usd(self, row: int) -> float:
        """Performing loans an agent holds, net of its provisions against them."""
        rows = self.held_rows(row)
        return seq_sum(self.loans.principal_usd[rows] - self.loans.allowance_usd[rows])

    def prepaid_usd(self, row: int) -> float:
        """Unamortised prepayments an agent made."""
        rows = self.bought_rows(row)
        rows = rows[~self.contracts.outside_buyer[rows]]
        return seq_sum(self.contracts.prepaid_usd[rows])

    def deferred_revenue_usd(self, row: int) -> float:
        """Unamortised prepayments an agent received."""
        rows = self.sold_rows(row)
        rows = rows[~self.contracts.outside_seller[rows]]
        return seq_sum(self.contracts.prepaid_usd[rows])

    # -- everything ------------------------------------------------------------------------------
    def live_contracts(self) -> list[ContractView]:
        """Every pending or active contract."""
        return [ContractView(self, r) for r in self.contracts.live().tolist()]

    def active_loans(self) -> list[LoanView]:
        """Every active loan."""
        return [LoanView(self, r) for r in self.loans.active().tolist()]

    def all_contracts(self) -> list[ContractView]:
        """Every contract ever signed, ended ones included."""
        return [ContractView(self, r) for r in range(len(self.contracts))]

    def all_loans(self) -> list[LoanView]:
        """Every loan ever made, ended ones included."""
        return [LoanView(self, r) for r in range(len(self.loans))]

    def contract(self, row: int) -> ContractView:
        """The contract at ``row``."""
        return ContractView(self, row)

    def loan(self, row: int) -> LoanView:
        """The loan at ``row``."""
        return LoanView(self, row)
