"""The credit desk: who lends, at what terms, what is asked and granted, and lenders' funding.

Every request for credit goes through the desk. It matches a borrower with a lender that has
capacity and an open policy (a seeded random choice), originates loans at the lender's current
terms, and tests collateral against the rollover limit. It keeps the one measured credit
aggregate that policy and reporting share: credit requested and granted each week (new loans,
liquidity draws and refinancings, and maturing loans' rollovers), refusals, and over a rolling
window the *credit crunch index*, the share of requested credit refused
(:func:`credit_crunch_index`). For the index a new request counts if it is *bankable*: no
larger than the most any one lender could lend now had it lost nothing (its capacity left this
week plus, for a lender below its capital target or failed, its cumulative credit losses over
its target ratio). A
larger request is rationed by its size, as it would be in any week, not by a crunch; refusals
because lenders lost capital, tightened their LTVs, failed, or lost their funding (runs,
gates) all count. Rollovers count in full, except those refused for the borrower's own credit
(distress, a coverage breach): a lender declining a failing borrower is credit risk priced,
not credit withdrawn. It is also the market where lenders raise and repay funding: a
lender lends from its cash and from funding it raises at its funding rate while its funding
market is open; nothing is funded on demand. And it keeps this week's equity and convertible
windows (the sentiment channel).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import (
    ASIC,
    COLLATERAL_CODE,
    GPU,
    HARDWARE,
    NO_COLLATERAL,
    PROJECT,
    Collateral,
)
from bubblesim.accounts.ledger import FLOW_CODE, Flow
from bubblesim.agents.base import TYPE_CODE, AgentType
from bubblesim.agents.lender import LENDER_KIND_CODE, LenderKind
from bubblesim.columns import seq_sum
from bubblesim.economics import (
    loss_given_default,
    ltv_default_probability,
    probability_of_default,
)

if TYPE_CHECKING:
    from bubblesim.world import World

_MINER = TYPE_CODE[AgentType.MINER]
_HYPERSCALER = TYPE_CODE[AgentType.HYPERSCALER]


def is_investment_grade(world: World, borrower: int) -> bool:
    """Whether credit to ``borrower`` (a firm row) is investment grade: a hyperscaler's.

    Its notes stand outside the leveraged credit network that the verdict's credit and lender
    legs measure (``LoanStore.investment_grade``).
    """
    return bool(world.agents.table.kind[borrower] == _HYPERSCALER)


def credit_crunch_index(
    requested_usd: float, granted_usd: float, outstanding_usd: float, floor_share: float
) -> float:
    """The share of requested credit refused: ``(R − G) / max(R, φ O)``.

    ``R`` and ``G`` are credit requested and granted over a window (new loans, draws,
    refinancings and rollovers), ``O`` the credit outstanding. Requests count as at least a
    share ``φ`` of the stock, so a few refusals of a small volume do not make a crunch.

    Args:
        requested_usd: ``R``.
        granted_usd: ``G``.
        outstanding_usd: ``O``.
        floor_share: ``φ``.

    Returns:
        The index in [0, 1].
    """
    base = max(requested_usd, floor_share * outstanding_usd)
    if base <= 0:
        return 0.0
    return min(1.0, max(0.0, (requested_usd - granted_usd) / base))


REVOLVER = "hyperscaler revolver"
"""The label of a drawn hyperscaler revolving line."""
CONVERTIBLE_NOTES = "convertible notes"
"""The label of a miner's new convertible notes."""
COMMITMENT_CCF = 0.4
"""Credit conversion factor of an undrawn committed line: the share of it a bank holds capital
against (Basel III final standardised approach, BCBS d424 §20(6), 2017: 40% for commitments
that are not unconditionally cancellable)."""


class CreditDesk:
    """Lender matching, credit requested and granted, origination, funding and windows.

    Args:
        world: The world (config, lenders, book, ledger, markets, events, matching generator).

    Attributes:
        refusals: Credit requests refused this week (no lender, or a rollover declined).
        new_requested_usd: New credit asked for this week (loans, draws, refinancings).
        new_granted_usd: New credit granted this week.
        rollover_requested_usd: Principal of maturing loans whose borrowers asked to roll.
        rollover_granted_usd: Principal rolled over by the same lender.
        miner_granted_usd: New credit granted to miners this week (refinancings included).
        miner_requested_usd: Credit miners asked for this week (new credit and rollovers).
        miner_rolled_usd: Miners' maturing principal rolled over this week.
        crunch_index: The credit crunch index over the trailing window (last week's close).
        window_requested_usd: Credit requested over the trailing window, as the index counts it.
        window_granted_usd: Credit granted over the trailing window, as the index counts it.
        equity_window: Width of the labs' equity window in [0, 1] (0 = closed).
        convertible_window: Whether miners can refinance or issue convertibles.
    """

    def __init__(self, world: World):
        self.world = world
        self._undrawn: tuple | None = None  # (versions, undrawn lines per agent)
        self.refusals = 0
        self.new_requested_usd = 0.0
        self.new_granted_usd = 0.0
        self.rollover_requested_usd = 0.0
        self.rollover_granted_usd = 0.0
        self.miner_granted_usd = 0.0
        self.miner_requested_usd = 0.0
        self.miner_rolled_usd = 0.0
        self.crunch_index = 0.0
        self.window_requested_usd = 0.0
        self.window_granted_usd = 0.0
        self._window: deque[tuple[float, float]] = deque()
        self._crunch_requested_usd = 0.0
        self._crunch_granted_usd = 0.0
        self.equity_window = 1.0
        self.convertible_window = True
        self._open = np.empty(0, dtype=np.int64)
        self._largest_capacity_usd: float | None = None

    @property
    def new_lending_usd(self) -> float:
        """New loans originated this week (new credit granted)."""
        return self.new_granted_usd

    @property
    def requested_usd(self) -> float:
        """All credit requested this week."""
        return self.new_requested_usd + self.rollover_requested_usd

    @property
    def granted_usd(self) -> float:
        """All credit granted this week."""
        return self.new_granted_usd + self.rollover_granted_usd

    def start_week(self) -> None:
        """A new week's tallies."""
        self.refusals = 0
        self.new_requested_usd = self.new_granted_usd = 0.0
        self.rollover_requested_usd = self.rollover_granted_usd = 0.0
        self.miner_granted_usd = self.miner_requested_usd = self.miner_rolled_usd = 0.0
        self._crunch_requested_usd = self._crunch_granted_usd = 0.0

    def close_week(self, outstanding_usd: float) -> None:
        """Add the week to the trailing window and compute the credit crunch index."""
        cr = self.world.config.credit
        self._window.append(
            (
                self._crunch_requested_usd,
                self._crunch_granted_usd,
            )
        )
        while len(self._window) > cr.credit_crunch_window_weeks:
            self._window.popleft()
        self.window_requested_usd = float(sum(r for r, _ in self._window))
        self.window_granted_usd = float(sum(g for _, g in self._window))
        self.crunch_index = credit_crunch_index(
            self.window_requested_usd,
            self.window_granted_usd,
            outstanding_usd,
            cr.credit_crunch_volume_floor_share,
        )

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

    # -- requests --------------------------------------------------------------------------------
    def find_lender(self, amount_usd: float) -> int | None:
        """A lender (seeded random choice) with capacity for ``amount_usd`` and an open policy.

        Matching only: a request is recorded with :meth:`request`.

        Returns:
            The lender's index in the lender table, or None.
        """
        capacity = self.world.agents.lenders.capacity_usd[self._open]
        if self._largest_capacity_usd is None:
            self._largest_capacity_usd = float(capacity.max()) if capacity.size else 0.0
        if amount_usd <= self._largest_capacity_usd:
            able = self._open[capacity >= amount_usd]
            return int(able[int(self.world.match_rng.integers(len(able)))])
        return None

    def request(self, borrower: int, amount_usd: float, detail: str) -> int | None:
        """A borrower asks for new credit: record the request and find a lender.

        A request nobody can take is a refusal: counted, and logged as an event triggered by
        the latest write-off of a lender under stress (the loss that shrank credit supply), or
        by nothing when lenders are unstressed (demand outran their capital).

        Args:
            borrower: The borrower's firm row.
            amount_usd: What it asks for.
            detail: What the credit is for (for the event log).

        Returns:
            The lender's index, or None.
        """
        if amount_usd <= 0:
            return None
        self.new_requested_usd += amount_usd
        if self._is_miner(borrower):
            self.miner_requested_usd += amount_usd
        lender = self.find_lender(amount_usd)
        counted = amount_usd if amount_usd <= self.reference_room_usd() else 0.0
        self._crunch_requested_usd += counted
        if lender is not None:  # granted at the lender's LTV scale of what was asked
            self._crunch_granted_usd += counted * float(self.world.agents.lenders.ltv_scale[lender])
        if lender is None:
            self.refusals += 1
            self.world.events.record(
                EventKind.LOAN_REFUSED,
                borrower,
                amount_usd=amount_usd,
                trigger=self.stress_event(),
                detail=f"no lender for {detail}",
            )
        return lender

    def reference_room_usd(self) -> float:
        """The most one lender could lend had it lost nothing: ``C + 1[s > 0] max(0, losses) / k*``.

        A lender at or above its target (stress 0) lends its capacity; one that losses have
        pushed below it (or into failure) could have lent its losses' worth of book more.
        """
        lenders = self.world.agents.lenders
        if len(lenders) == 0:
            return 0.0
        hit = (lenders.stress > 0) | self.world.agents.table.is_defaulted(lenders.row)
        lost = np.where(hit, np.maximum(0.0, lenders.losses_usd), 0.0)
        room = lenders.capacity_usd + lost / lenders.capital_target_ratio
        return float(room.max())

    def request_rollover(
        self, principal_usd: float, borrower: int = -1, counts: bool = True
    ) -> None:
        """A maturing loan's borrower (firm row) asks to roll it over.

        ``counts``: whether the request enters the crunch index (not when it is refused for
        the borrower's own credit).
        """
        self.rollover_requested_usd += principal_usd
        if counts:
            self._crunch_requested_usd += principal_usd
        if borrower >= 0 and self._is_miner(borrower):
            self.miner_requested_usd += principal_usd

    def grant_rollover(self, principal_usd: float, borrower: int = -1) -> None:
        """The lender rolls ``principal_usd`` over."""
        self.rollover_granted_usd += principal_usd
        self._crunch_granted_usd += principal_usd
        if borrower >= 0 and self._is_miner(borrower):
            self.miner_rolled_usd += principal_usd

    def _is_miner(self, borrower: int) -> bool:
        return bool(self.world.agents.table.kind[borrower] == _MINER)

    def refuse(self) -> None:
        """Count a refused rollover (its event is logged by the contracting phase)."""
        self.refusals += 1

    def stress_event(self) -> int:
        """The latest write-off of any lender now below its capital target, or −1."""
        lenders = self.world.agents.lenders
        stressed = (lenders.stress > 0) & (lenders.last_loss_event >= 0)
        return int(lenders.last_loss_event[stressed].max()) if stressed.any() else -1

    # -- origination -----------------------------------------------------------------------------
    def make_loan(
        self,
        lender: int,
        borrower: int,
        amount_usd: float,
        collateral: Collateral,
        instrument: str,
        convertible: bool = False,
        covenant_dscr: float | None = None,
        covenant_from_week: int = 0,
        spread_per_year: float | None = None,
        floating: bool = True,
    ) -> int:
        """Originate a loan at the lender's current terms and disburse it.

        The spread is the borrower type's (miner or neocloud) plus the lender's stress add-on;
        hardware-backed loans amortise over the term and carry the maintenance covenant. A
        lender short of cash raises funding at its funding rate (its market is open: the
        desk matches only lenders that can fund a loan, :meth:`LenderTable.set_policies`).

        Args:
            lender: Index in the lender table.
            borrower: The borrower's firm row.
            amount_usd: Principal.
            collateral: What secures it.
            instrument: Its label.
            convertible: Whether it is a convertible note.
            covenant_dscr: Minimum debt-service coverage (project loans), or None.
            covenant_from_week: First week the coverage is tested.
            spread_per_year: The spread agreed beforehand (a committed line), or None for the
                lender's current terms; with ``floating`` False, the fixed coupon.
            floating: Whether the coupon floats over the base rate.

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
            spread_per_year=spread + float(lenders.spread_add_per_year[lender])
            if spread_per_year is None
            else spread_per_year,
            floating=floating,
            maturity_week=week + cr.credit_loan_term_weeks,
            collateral=collateral,
            covenant_ltv=cr.credit_covenant_ltv if hardware else None,
            instrument=instrument,
            convertible=convertible,
            start_week=week,
            amortisation_usd_per_week=amount_usd / cr.credit_loan_term_weeks if hardware else 0.0,
            covenant_dscr=covenant_dscr,
            covenant_from_week=covenant_from_week,
            investment_grade=is_investment_grade(w, borrower),
        )
        lenders.use_capacity(lender, amount_usd)
        self._largest_capacity_usd = None
        shortfall = amount_usd - float(ledger.cash_usd[lender_row])
        if shortfall > 0:
            self.raise_funding(lender, shortfall)
        ledger.transfer(lender_row, borrower, amount_usd, Flow.LOAN_DISBURSEMENT)
        self.new_granted_usd += amount_usd
        if miner:
            self.miner_granted_usd += amount_usd
        w.events.record(
            EventKind.LOAN_MADE,
            lender_row,
            counterparty=borrower,
            amount_usd=amount_usd,
            detail=instrument,
        )
        return loan

    def _line_bank(self) -> int | None:
        """The bank that holds the hyperscalers' committed lines: the first live bank, if any."""
        w = self.world
        lenders = w.agents.lenders
        banks = np.flatnonzero(
            (lenders.kind == LENDER_KIND_CODE[LenderKind.BANK])
            & ~w.agents.table.is_defaulted(lenders.row)
        )
        return int(banks[0]) if banks.size else None

    def drawn_committed_usd(self, borrower: int) -> float:
        """What a hyperscaler has drawn on its committed revolving line."""
        loans, book = self.world.book.loans, self.world.book
        owed = book.owed_rows(borrower)
        return seq_sum(loans.principal_usd[owed[loans.labelled(owed, REVOLVER)]])

    def undrawn_committed_usd(self) -> np.ndarray:
        """Per agent, the undrawn part of its committed revolving line (0 once its bank failed).

        Liquidity as a rating agency counts it: cash plus undrawn committed facilities. Only
        live hyperscalers hold lines (``guarantors.big_tech_revolver_usd`` each). Kept until a
        loan or an agent's health changes (the loan store's and agent table's versions: every
        input, the lines' principal, the bank's and the hyperscalers' health, moves one).
        """
        w = self.world
        key = (w.book.loans.version, w.agents.table.version, w.n_agents)
        if self._undrawn is not None and self._undrawn[0] == key:
            return self._undrawn[1].copy()
        out = self._undrawn_committed_usd()
        self._undrawn = (key, out)
        return out.copy()

    def _undrawn_committed_usd(self) -> np.ndarray:
        w = self.world
        out = np.zeros(w.n_agents)
        limit = w.config.guarantors.big_tech_revolver_usd
        if limit <= 0 or self._line_bank() is None:
            return out
        providers = w.agents.providers
        alive = w.agents.active_members(providers)
        for row in providers.row[alive[providers.big_tech[alive]]].tolist():
            out[row] = max(0.0, limit - self.drawn_committed_usd(int(row)))
        return out

    def commitment_exposure_usd(self) -> np.ndarray:
        """Per agent, the exposure its undrawn committed lines add to its book for capital.

        ``COMMITMENT_CCF × Σ undrawn lines`` on the line bank's row, 0 elsewhere: the bank
        holds capital against what it has committed to lend, so it neither pays that capital
        out nor lends it to others.
        """
        out = np.zeros(self.world.n_agents)
        bank = self._line_bank()
        if bank is not None:
            row = int(self.world.agents.lenders.row[bank])
            out[row] = COMMITMENT_CCF * seq_sum(self.undrawn_committed_usd())
        return out

    def draw_committed_line(self, borrower: int, amount_usd: float, instrument: str) -> float:
        """A hyperscaler draws its committed revolving line from the bank syndicate.

        The first live bank lends whatever its capacity (a committed line is not a request the
        bank can turn down; it raises the funding it lacks and has less left for everyone else),
        at the drawn margin agreed beforehand. A line whose bank has failed is gone.

        Returns:
            The amount drawn (0 if no bank is alive).
        """
        w = self.world
        lenders = w.agents.lenders
        bank = self._line_bank()
        if bank is None or amount_usd <= 0:
            return 0.0
        if not self.funding_open(bank):  # it can lend only the cash it holds
            amount_usd = min(amount_usd, max(0.0, float(w.ledger.cash_usd[lenders.row[bank]])))
            if amount_usd <= 0:
                return 0.0
        self.make_loan(
            bank,
            borrower,
            amount_usd,
            Collateral.NONE,
            instrument,
            spread_per_year=w.config.guarantors.big_tech_revolver_spread_per_year,
        )
        return amount_usd

    def _convertible_funds(self) -> np.ndarray:
        """Convertible funds that can lend: alive and rolling over (capital at target)."""
        w = self.world
        lenders = w.agents.lenders
        return np.flatnonzero(
            (lenders.kind == LENDER_KIND_CODE[LenderKind.CONVERTIBLE_FUND])
            & ~w.agents.table.is_defaulted(lenders.row)
            & lenders.rolls_over
        )

    def convertible_capacity_usd(self) -> float:
        """The most one convertible fund can take this week (its capacity)."""
        funds = self._convertible_funds()
        if funds.size == 0:
            return 0.0
        return float(self.world.agents.lenders.capacity_usd[funds].max())

    def issue_convertible(self, borrower: int, amount_usd: float, room_usd: float) -> float:
        """A miner issues convertible notes to a convertible fund, while the window is open.

        Unsecured, at the fixed coupon ``miner_convertible_coupon_per_year`` (calib. §1: the
        miners' 0–1% notes), for at most ``room_usd`` and what the first fund that lends can
        take (its capacity). The notes are debt until maturity, rolled or refused like every
        convertible (the window gates them).

        Returns:
            The amount issued (0 with the window shut or no fund able to lend).
        """
        fund, amount = self._convertible_offer(amount_usd, room_usd)
        if fund is not None:
            w = self.world
            self.new_requested_usd += amount
            self.miner_requested_usd += amount
            self.make_loan(
                fund,
                borrower,
                amount,
                Collateral.NONE,
                CONVERTIBLE_NOTES,
                convertible=True,
                spread_per_year=w.config.miner_finance.miner_convertible_coupon_per_year,
                floating=False,
            )
        return amount

    def convertible_offer_usd(self, amount_usd: float, room_usd: float) -> float:
        """What :meth:`issue_convertible` would issue now, without issuing it."""
        return self._convertible_offer(amount_usd, room_usd)[1]

    def _convertible_offer(self, amount_usd: float, room_usd: float) -> tuple[int | None, float]:
        """The first convertible fund that can lend, and how much: ``(None, 0)`` if none."""
        if amount_usd <= 0 or room_usd <= 0 or not self.convertible_window:
            return None, 0.0
        lenders = self.world.agents.lenders
        for fund in self._convertible_funds().tolist():
            amount = min(amount_usd, room_usd, float(lenders.capacity_usd[fund]))
            if amount > 0:
                return fund, amount
        return None, 0.0

    # -- lenders' funding ------------------------------------------------------------------------
    def funding_open(self, lender: int) -> bool:
        """Whether a lender can raise funding: alive, no run on it, no gate that bound."""
        lenders = self.world.agents.lenders
        row = int(lenders.row[lender])
        return not (
            self.world.agents.table.is_defaulted(row)
            or lenders.running[lender]
            or lenders.gated[lender]
        )

    def raise_funding(self, lender: int, amount_usd: float) -> float:
        """A lender raises funding (deposits, notes, facility draws) if its market is open.

        Returns:
            The amount raised (0 when its market is shut).
        """
        if amount_usd <= 0 or not self.funding_open(lender):
            return 0.0
        row = int(self.world.agents.lenders.row[lender])
        self.world.ledger.transfer(None, row, amount_usd, Flow.FUNDING_IN)
        self.world.agents.table.change_funding(row, amount_usd)
        return amount_usd

    def repay_funding(self, lender: int, amount_usd: float) -> float:
        """A lender repays funding from its cash (never more than it owes or holds)."""
        w = self.world
        row = int(w.agents.lenders.row[lender])
        amount = min(
            amount_usd, float(w.agents.table.funding_usd[row]), float(w.ledger.cash_usd[row])
        )
        if amount <= 0:
            return 0.0
        w.ledger.transfer(row, None, amount, Flow.FUNDING_OUT)
        w.agents.table.change_funding(row, -amount)
        return amount

    def settle_funding_gaps(self, lenders: np.ndarray, gaps_usd: np.ndarray) -> None:
        """Lenders repay funding with cash above their buffer, or raise it to restore the buffer.

        Each lender in turn repays a positive gap (:meth:`repay_funding`) or raises a negative
        one (:meth:`raise_funding`), in one compiled pass.

        Args:
            lenders: Lender indices.
            gaps_usd: Each one's cash above (+) or below (−) its buffer.
        """
        w = self.world
        table, roster = w.agents.table, w.agents.lenders
        rows = roster.row[lenders]
        open_ = ~(table.is_defaulted(rows) | roster.running[lenders] | roster.gated[lenders])
        payers, payees, amounts, kinds, change = _funding_moves(
            rows, gaps_usd, open_, table.funding_usd, w.ledger.cash_usd, _FUNDING_IN, _FUNDING_OUT
        )
        w.ledger.transfer_sequence(payers, payees, amounts, kinds)
        moved = change != 0.0
        if moved.any():
            table.change_funding_many(rows[moved], change[moved])

    # -- collateral ------------------------------------------------------------------------------
    def collateral_value_usd(self, borrower: int, collateral: int) -> float:
        """Value of a borrower's collateral of one class (halls at their income value)."""
        w = self.world
        if collateral == GPU:
            return float(w.hardware.gpu_value(borrower))
        if collateral == ASIC:
            return float(w.hardware.asic_value(borrower))
        return w.halls.value_usd(borrower)

    def secured_headroom_usd(self, borrower: int, collateral: int, ltv_scale: float) -> float:
        """What a borrower could still borrow against one class of collateral.

        ``t s V − P``: the origination LTV ``t`` scaled by the lender's terms ``s``, times the
        collateral's value, less the principal already secured on it.
        """
        loans = self.world.book.loans
        value = self.collateral_value_usd(borrower, collateral)
        limit = self.world.config.credit.credit_gpu_ltv_max * ltv_scale
        active = loans.active()
        same = active[
            (loans.borrower[active] == borrower) & (loans.collateral[active] == collateral)
        ]
        return limit * value - seq_sum(loans.principal_usd[same])

    def collateral_ok(self, loan: int, ltv_scale: float) -> bool:
        """Whether a hardware-backed loan is within the (scaled) origination LTV to roll over.

        All of the borrower's loans on the same collateral count against its value; loans on
        other collateral always pass.
        """
        loans = self.world.book.loans
        kind = int(loans.collateral[loan])
        if kind not in HARDWARE:
            return True
        return self.secured_headroom_usd(int(loans.borrower[loan]), kind, ltv_scale) >= 0

    # -- provisions ------------------------------------------------------------------------------
    def expected_losses_usd(self) -> tuple[np.ndarray, np.ndarray]:
        """Every held loan's expected loss over a year: ``PD × LGD × principal``.

        PD is the worst of the borrower's health, its collateral cushion and (project loans)
        its tenants' health (:func:`bubblesim.economics.probability_of_default`); LGD is what
        the loan's share of its collateral would not recover at the liquidation discount
        (:func:`bubblesim.economics.loss_given_default`), or the unsecured LGD. Loans held by
        outside holders are not provisioned.

        Returns:
            The rows of the loans held by lenders, and each one's expected loss (USD).
        """
        w = self.world
        loans, table, lp = w.book.loans, w.agents.table, w.config.lenders
        cr, ch = w.config.credit, w.config.channels
        active = loans.active()
        held = active[~loans.outside_lender[active]]
        if held.size == 0:
            return held, np.zeros(0)
        everyone = slice(None)
        values = np.stack(
            [
                np.zeros(w.n_agents),
                w.hardware.gpu_value(everyone),
                w.hardware.asic_value(everyone),
                w.halls.values_usd(),
            ]
        )
        alpha = ch.settlement_alpha if ch.channel_settlement else 1.0
        expected = _expected_losses(
            active,
            held,
            loans.borrower,
            loans.collateral,
            loans.principal_usd,
            loans.covenant_ltv,
            table.health,
            values,
            w.halls.tenant_risk_share(),
            cr.credit_gpu_ltv_max,
            cr.credit_covenant_ltv,
            lp.lender_pd_healthy_per_year,
            lp.lender_pd_distressed_per_year,
            lp.lender_lgd_unsecured,
            alpha,
            NO_COLLATERAL,
            PROJECT,
        )
        return held, expected


@njit(cache=True)
def _expected_losses(
    active,
    held,
    borrower,
    collateral,
    principal,
    covenant_ltv,
    health,
    values,
    tenant_risk,
    origination_ltv,
    default_covenant,
    pd_healthy,
    pd_distressed,
    lgd_unsecured,
    alpha,
    unsecured,
    project,
):  # pragma: no cover
    """:meth:`CreditDesk.expected_losses_usd` (compiled loop)."""
    n = health.size
    pooled = np.zeros(4 * n)  # principal secured on each (class, borrower), all holders
    for i in range(active.size):
        k = active[i]
        pooled[collateral[k] * n + borrower[k]] += principal[k]
    out = np.empty(held.size)
    for i in range(held.size):
        k = held[i]
        b, c, p = borrower[k], collateral[k], principal[k]
        secured = c != unsecured
        pool = pooled[c * n + b]
        value = values[c, b] if secured else 0.0
        ltv_pd = 0.0
        share = 0.0
        if secured and pool > 0:
            covenant = covenant_ltv[k] if covenant_ltv[k] == covenant_ltv[k] else default_covenant
            covenant = max(covenant, origination_ltv + 1e-9)
            ltv = pool / value if value > 0 else np.inf
            ltv_pd = ltv_default_probability(ltv, origination_ltv, covenant, pd_distressed)
            share = value * p / pool
        tenant = tenant_risk[b] if c == project else 0.0
        pd = probability_of_default(health[b] == 1, ltv_pd, tenant, pd_healthy, pd_distressed)
        out[i] = pd * loss_given_default(p, share, alpha, lgd_unsecured, secured) * p
    return out


_FUNDING_IN, _FUNDING_OUT = FLOW_CODE[Flow.FUNDING_IN], FLOW_CODE[Flow.FUNDING_OUT]


@njit(cache=True)
def _funding_moves(rows, gaps, open_, funding, cash, code_in, code_out):  # pragma: no cover
    """The transfers of :meth:`CreditDesk.settle_funding_gaps` and each lender's funding change.

    A positive gap repays ``min(gap, funding, cash)``; a negative one raises ``−gap`` while the
    lender's market is open; nothing moves otherwise (compiled loop).
    """
    m = rows.size
    payers, payees = np.full(m, -1), np.full(m, -1)
    amounts, kinds, change = np.zeros(m), np.full(m, code_in), np.zeros(m)
    for i in range(m):
        r, gap = rows[i], gaps[i]
        if gap > 0:
            amount = gap  # min(gap, funding, cash), the first smallest
            if funding[r] < amount:
                amount = funding[r]
            if cash[r] < amount:
                amount = cash[r]
            if amount <= 0:
                continue
            payers[i], amounts[i], kinds[i], change[i] = r, amount, code_out, -amount
        elif gap < 0:
            amount = -gap
            if amount <= 0 or not open_[i]:
                continue
            payees[i], amounts[i], change[i] = r, amount, amount
    return payers, payees, amounts, kinds, change
