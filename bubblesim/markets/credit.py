"""The credit desk: which lender lends, at what terms, and the funding windows.

Every request for credit goes through the desk. It matches a borrower with a lender that has
capacity and an open policy (a seeded random choice), counts requests nobody can take, records
new lending, originates loans at the lender's current terms, tests collateral against the
rollover limit, and keeps this week's equity and convertible windows (the sentiment channel).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import ASIC, COLLATERAL_CODE, GPU, HARDWARE, Collateral
from bubblesim.accounts.ledger import Flow
from bubblesim.agents.base import TYPE_CODE, AgentType
from bubblesim.columns import seq_sum

if TYPE_CHECKING:
    from bubblesim.world import World

_MINER = TYPE_CODE[AgentType.MINER]


class CreditDesk:
    """Lender matching, capacity, refusals, new lending, origination and funding windows.

    Args:
        world: The world (config, lenders, book, ledger, markets, events, matching generator).

    Attributes:
        refusals: Credit requests no lender could take this week.
        new_lending_usd: Loans originated this week.
        equity_window: Width of the labs' equity window in [0, 1] (0 = closed).
        convertible_window: Whether miners can refinance or issue convertibles.
    """

    def __init__(self, world: World):
        self.world = world
        self.refusals = 0
        self.new_lending_usd = 0.0
        self.equity_window = 1.0
        self.convertible_window = True
        self._open = np.empty(0, dtype=np.int64)
        self._largest_capacity_usd: float | None = None

    def start_week(self) -> None:
        """A new week's tallies."""
        self.refusals = 0
        self.new_lending_usd = 0.0

    def open_market(self) -> None:
        """The week's primary market opens to lenders that lend at all (not failed, LTV > 0)."""
        lenders = self.world.agents.lenders
        alive = ~self.world.agents.table.is_defaulted(lenders.row)
        self._open = np.flatnonzero(alive & (lenders.ltv_scale > 0))
        self._largest_capacity_usd = None

    def set_windows(self, equity: float, convertible: bool) -> None:
        """This week's funding windows (set when sentiment is read)."""
        self.equity_window = equity
        self.convertible_window = convertible

    # -- matching --------------------------------------------------------------------------------
    def find_lender(self, amount_usd: float) -> int | None:
        """A lender (seeded random choice) with capacity for ``amount_usd`` and an open policy.

        A request no lender can take is counted (``credit_refusals`` series); refused
        rollovers, which can end in default, are logged as events by the contracting phase.

        Returns:
            The lender's index in the lender table, or None.
        """
        capacity = self.world.agents.lenders.capacity_usd[self._open]
        if self._largest_capacity_usd is None:
            self._largest_capacity_usd = float(capacity.max()) if capacity.size else 0.0
        if amount_usd <= self._largest_capacity_usd:
            able = self._open[capacity >= amount_usd]
            return int(able[int(self.world.match_rng.integers(len(able)))])
        self.refusals += 1
        return None

    # -- origination -----------------------------------------------------------------------------
    def make_loan(
        self,
        lender: int,
        borrower: int,
        amount_usd: float,
        collateral: Collateral,
        instrument: str,
        convertible: bool = False,
    ) -> int:
        """Originate a loan at the lender's current terms and disburse it.

        The spread is the borrower type's (miner or neocloud) plus the lender's stress add-on;
        hardware-backed loans amortise over the term and carry the maintenance covenant. A
        lender short of cash is funded by new deposits or fund inflows.

        Args:
            lender: Index in the lender table.
            borrower: The borrower's firm row.
            amount_usd: Principal.
            collateral: What secures it.
            instrument: Its label.
            convertible: Whether it is a convertible note.

        Returns:
            The loan's row.
        """
        w = self.world
        cr = w.config.credit
        lenders, ledger = w.agents.lenders, w.ledger
        lender_row = int(lenders.row[lender])
        miner = w.agents.table.kind[borrower] == _MINER
        spread = cr.credit_spread_miner_per_year if miner else cr.credit_spread_neocloud_per_year
        hardware = COLLATERAL_CODE[collateral] in HARDWARE
        week = w.clock.week
        loan = w.book.loans.add(
            lender=lender_row,
            borrower=borrower,
            principal_usd=amount_usd,
            spread_per_year=spread + float(lenders.spread_add_per_year[lender]),
            floating=True,
            maturity_week=week + cr.credit_loan_term_weeks,
            collateral=collateral,
            covenant_ltv=cr.credit_covenant_ltv if hardware else None,
            instrument=instrument,
            convertible=convertible,
            start_week=week,
            amortisation_usd_per_week=amount_usd / cr.credit_loan_term_weeks if hardware else 0.0,
        )
        lenders.use_capacity(lender, amount_usd)
        self._largest_capacity_usd = None
        shortfall = amount_usd - float(ledger.cash_usd[lender_row])
        if shortfall > 0:  # new loans are funded by new deposits / fund inflows
            ledger.transfer(None, lender_row, shortfall, Flow.FUNDING_IN)
            w.agents.table.change_funding(lender_row, shortfall)
        ledger.transfer(lender_row, borrower, amount_usd, Flow.LOAN_DISBURSEMENT)
        self.new_lending_usd += amount_usd
        w.events.record(
            EventKind.LOAN_MADE,
            lender_row,
            counterparty=borrower,
            amount_usd=amount_usd,
            detail=instrument,
        )
        return loan

    # -- collateral ------------------------------------------------------------------------------
    def collateral_value_usd(self, borrower: int, collateral: int) -> float:
        """Value of a borrower's collateral of one class (halls at cost for project loans)."""
        w = self.world
        if collateral == GPU:
            return float(w.hardware.gpu_value(borrower))
        if collateral == ASIC:
            return float(w.hardware.asic_value(borrower))
        return float(w.agents.table.halls_usd[borrower] + w.agents.table.construction_usd[borrower])

    def collateral_ok(self, loan: int, ltv_scale: float) -> bool:
        """Whether a hardware-backed loan is within the (scaled) origination LTV to roll over.

        All of the borrower's loans on the same collateral count against its value; loans on
        other collateral always pass.
        """
        loans = self.world.book.loans
        kind = int(loans.collateral[loan])
        if kind not in HARDWARE:
            return True
        borrower = int(loans.borrower[loan])
        value = self.collateral_value_usd(borrower, kind)
        limit = self.world.config.credit.credit_gpu_ltv_max
        active = loans.active()
        same = active[(loans.borrower[active] == borrower) & (loans.collateral[active] == kind)]
        return seq_sum(loans.principal_usd[same]) <= limit * ltv_scale * value
