"""The instrument book: every contract and loan in the economy, indexed by party.

The book is the mediator through which agents relate: it signs contracts and makes loans, and
answers who owes what to whom. Indexes are kept per agent so queries cost O(instruments of that
agent), not O(economy).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import count
from typing import TYPE_CHECKING

from bubblesim.instruments import ComputeContract, ContractKind, Loan, Status

if TYPE_CHECKING:
    from bubblesim.agents.base import Firm

_LIVE = (Status.PENDING, Status.ACTIVE)


class InstrumentBook:
    """All contracts and loans, with per-agent indexes."""

    def __init__(self) -> None:
        self.contracts: list[ComputeContract] = []
        self.loans: list[Loan] = []
        self._ids = count()
        self._contract_by_id: dict[int, ComputeContract] = {}
        self._sold: dict[int, list[ComputeContract]] = defaultdict(list)
        self._bought: dict[int, list[ComputeContract]] = defaultdict(list)
        self._borrowed: dict[int, list[Loan]] = defaultdict(list)
        self._lent: dict[int, list[Loan]] = defaultdict(list)

    # -- creation --------------------------------------------------------------------------------
    def add_contract(self, **terms) -> ComputeContract:
        """Register a new compute contract (terms as in :class:`ComputeContract`)."""
        contract = ComputeContract(id=next(self._ids), **terms)
        self.contracts.append(contract)
        self._contract_by_id[contract.id] = contract
        self._sold[contract.seller.unique_id].append(contract)
        self._bought[contract.buyer.unique_id].append(contract)
        return contract

    def contract(self, contract_id: int) -> ComputeContract:
        """The contract with this id."""
        return self._contract_by_id[contract_id]

    def reassign_buyer(self, contract: ComputeContract, new_buyer: Firm) -> None:
        """Move a contract to a new buyer (a guarantor assuming a lease)."""
        self._bought[contract.buyer.unique_id].remove(contract)
        contract.buyer = new_buyer
        self._bought[new_buyer.unique_id].append(contract)

    def add_loan(self, **terms) -> Loan:
        """Register a new loan (terms as in :class:`Loan`)."""
        loan = Loan(id=next(self._ids), **terms)
        self.loans.append(loan)
        self._borrowed[loan.borrower.unique_id].append(loan)
        self._lent[loan.lender.unique_id].append(loan)
        return loan

    # -- queries ---------------------------------------------------------------------------------
    def contracts_sold_by(self, firm: Firm, kind: ContractKind | None = None):
        """Live contracts where ``firm`` is the seller."""
        return [
            c
            for c in self._sold[firm.unique_id]
            if c.status in _LIVE and (kind is None or c.kind is kind)
        ]

    def contracts_bought_by(self, firm: Firm, kind: ContractKind | None = None):
        """Live contracts where ``firm`` is the buyer."""
        return [
            c
            for c in self._bought[firm.unique_id]
            if c.status in _LIVE and (kind is None or c.kind is kind)
        ]

    def loans_of(self, firm: Firm) -> list[Loan]:
        """Active loans owed by ``firm``."""
        return [loan for loan in self._borrowed[firm.unique_id] if loan.status is Status.ACTIVE]

    def loans_by(self, firm: Firm) -> list[Loan]:
        """Active loans held by ``firm`` (not those passed to an outside holder)."""
        return [
            loan
            for loan in self._lent[firm.unique_id]
            if loan.status is Status.ACTIVE and not loan.outside_lender
        ]

    def live_contracts(self) -> Iterator[ComputeContract]:
        """Every pending or active contract."""
        return (c for c in self.contracts if c.status in _LIVE)

    def active_loans(self) -> Iterator[Loan]:
        """Every active loan."""
        return (loan for loan in self.loans if loan.status is Status.ACTIVE)

    def prune(self) -> None:
        """Drop ended instruments from the per-agent indexes (they stay in the full lists)."""
        for index in (self._sold, self._bought):
            for key, items in index.items():
                index[key] = [c for c in items if c.status in _LIVE]
        for index in (self._borrowed, self._lent):
            for key, items in index.items():
                index[key] = [loan for loan in items if loan.status is Status.ACTIVE]
