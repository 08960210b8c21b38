"""Phase 7: the lenders' books: funding, provisions, covenants, runs, redemptions and payouts.

In order, every week:

1. **Interest.** Lenders' cash earns the base rate (reserves and bills); their funding costs the
   base rate plus their kind's spread plus a stress premium
   (:func:`bubblesim.economics.funding_rate_per_year`). A lender that cannot pay its funders
   defaults (illiquidity).
2. **Provisions.** Each loan's allowance moves to its expected loss (``PD × LGD × P``,
   :meth:`bubblesim.markets.credit.CreditDesk.expected_losses_usd`), charged to the lender's
   capital before any default: losses show when the borrower's health, its collateral or its
   tenants weaken.
3. **Coverage tests** (at quarter-ends). A project loan's debt-service coverage (its borrower's
   hall NOI over the debt service of its project loans) below the covenant is a breach; two in a
   row accelerate the loan: the borrower prepays enough to restore the covenant, or defaults
   (covenant breach).
4. **Runs and redemptions** (the funding channel). Funding leaves a lender below half its target
   ratio, or whose capital has fallen far enough below its peak (loss stress of one half,
   :func:`bubblesim.economics.loss_stress`), at the run rate; at quarter-ends a fund's or
   pool's investors ask to redeem a share that rises with the fall of its total return from its peak
   (:func:`bubblesim.economics.redemption_request_share`)
   and are paid within the gate and the cash (:func:`bubblesim.economics.redemption_paid_usd`);
   a gate that binds shuts the fund's funding market until the next quarter-end.
5. **Payouts and new capital.** Capital above the payout threshold is paid out
   (:func:`bubblesim.economics.payout_usd`); at quarter-ends funds and pools distribute their
   share of the quarter's net income, and a fully invested fund whose total return is at its
   peak raises new capital while the credit market is not in a crunch.
6. **Funding management.** Each lender repays funding with cash above its buffer and raises
   funding to restore the buffer while its market is open (leverage follows the book, Adrian &
   Shin 2010).

Then a guarantor's used-up cover ends its lease, and the credit desk closes the week's
measured aggregate (the credit crunch index). Next week's credit policy is set in the
decisions phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from bubblesim.accounts.events import Cause, EventKind
from bubblesim.accounts.instruments import HOSTING, PROJECT
from bubblesim.accounts.ledger import FLOW_CODE, Flow
from bubblesim.columns import seq_sum
from bubblesim.economics import (
    debt_service_coverage,
    dscr_cure_usd,
    funding_rate_per_year,
    payout_usd,
    redemption_paid_usd,
    redemption_request_share,
)
from bubblesim.insolvency import declare_default
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World

_PAYOUT = FLOW_CODE[Flow.PAYOUT]
QUARTER_WEEKS = 13
"""Redemptions, distributions, new fund capital and coverage tests happen every quarter."""
PERFORMING_DRAWDOWN = 0.01
"""A fund raises new capital only while its total return is within 1% of its peak."""
COUNTERPARTY_MEMORY_WEEKS = 52
"""A coverage breach within a year of losing a tenant is traced to that loss."""


def run(world: World) -> None:
    """The lenders' week: interest, provisions, covenants, runs, payouts, funding."""
    quarter_end = world.clock.week % QUARTER_WEEKS == 0
    _accrue_interest(world)
    world.halls.observe()
    provision(world)
    if quarter_end:
        _test_coverage(world)
    if world.config.channels.channel_funding:
        _funding_runs(world)
        if quarter_end:
            _redemptions(world)
    _payouts(world, quarter_end)
    _manage_funding(world)
    _expire_backstops(world)
    world.desk.close_week(world.book.loans.leveraged_outstanding_usd())


def _alive(world: World) -> tuple[np.ndarray, np.ndarray]:
    lenders = world.agents.lenders
    alive = world.agents.active_members(lenders)
    return alive, lenders.row[alive]


# -- interest -------------------------------------------------------------------------------------
def _accrue_interest(world: World) -> None:
    """Reserve income on cash, then interest on funding; a lender that cannot pay defaults."""
    lenders, table, ledger = world.agents.lenders, world.agents.table, world.ledger
    base = world.drivers.state.base_rate_per_year
    rates = _funding_rates(
        base,
        lenders.funding_spread_per_year,
        lenders.stress,
        world.config.lenders.lender_funding_stress_spread_per_year,
    )
    lenders.set_funding_rates(rates)
    alive, rows = _alive(world)
    if alive.size == 0:
        return
    reserve = np.maximum(0.0, ledger.cash_usd[rows]) * max(0.0, base) / WEEKS_PER_YEAR
    interest = np.maximum(0.0, table.funding_usd[rows]) * np.maximum(0.0, rates[alive])
    interest /= WEEKS_PER_YEAR
    lenders.record_interest(alive, interest, reserve)
    # each lender in turn: its reserve income in, then its funders' interest out of its cash
    m = rows.size
    payers, payees = np.full(2 * m, -1), np.full(2 * m, -1)
    payees[0::2], payers[1::2] = rows, rows
    amounts = np.empty(2 * m)
    amounts[0::2], amounts[1::2] = reserve, interest
    kinds = np.empty(2 * m, dtype=np.int64)
    kinds[0::2], kinds[1::2] = FLOW_CODE[Flow.RESERVE_INCOME], FLOW_CODE[Flow.FUNDING_INTEREST]
    capped = np.zeros(2 * m, dtype=np.bool_)
    capped[1::2] = True
    moved = ledger.transfer_sequence(payers, payees, amounts, kinds, capped)
    short = moved[1::2] < interest - ledger.tolerance_usd
    if not short.any():
        return
    for index, row, paid, due in zip(
        alive[short].tolist(),
        rows[short].tolist(),
        moved[1::2][short].tolist(),
        interest[short].tolist(),
        strict=True,
    ):
        if paid < due - ledger.tolerance_usd:
            event = world.events.record(
                EventKind.FUNDING_RUN,
                row,
                amount_usd=due - paid,
                trigger=int(lenders.last_loss_event[index]),
                detail="cannot pay its funders' interest",
            )
            declare_default(world, row, Cause.ILLIQUIDITY, event)


@njit(cache=True)
def _funding_rates(base, spreads, stress, stress_spread):  # pragma: no cover
    """:func:`bubblesim.economics.funding_rate_per_year` of every lender (compiled loop)."""
    out = np.empty(spreads.size)
    for i in range(spreads.size):
        out[i] = funding_rate_per_year(base, spreads[i], stress[i], stress_spread)
    return out


# -- provisions -----------------------------------------------------------------------------------
def provision(world: World) -> None:
    """Move every loan's allowance to its expected loss; the change is charged to its lender."""
    loans, lenders = world.book.loans, world.agents.lenders
    rows, expected = world.desk.expected_losses_usd()
    if rows.size == 0:
        return
    change = loans.set_allowances(rows, expected)
    moved = change != 0
    if not moved.any():
        return
    holders = loans.lender[rows[moved]]
    world.ledger.post_pnl(holders, -change[moved])
    lenders.book_holders_provisions(holders, change[moved])


# -- coverage tests -------------------------------------------------------------------------------
def _test_coverage(world: World) -> None:
    """Quarterly DSCR tests of covenanted project loans; two breaches in a row accelerate them."""
    loans, table, week = world.book.loans, world.agents.table, world.clock.week
    active = loans.active()
    covenanted = active[
        (loans.collateral[active] == PROJECT)
        & (loans.covenant_dscr[active] == loans.covenant_dscr[active])
        & (loans.covenant_from_week[active] <= week)
        & ~table.is_defaulted(loans.borrower[active])
    ]
    if covenanted.size == 0:
        return
    _, noi = world.halls.leases_by_seller()
    base = world.drivers.state.base_rate_per_year
    for borrower in dict.fromkeys(loans.borrower[covenanted].tolist()):
        mine = covenanted[loans.borrower[covenanted] == borrower]
        project = active[
            (loans.borrower[active] == borrower) & (loans.collateral[active] == PROJECT)
        ]
        coupon = loans.coupon_per_year(base, project)
        service = seq_sum(
            loans.principal_usd[project] * coupon
            + loans.amortisation_usd_per_week[project] * WEEKS_PER_YEAR
        )
        dscr = debt_service_coverage(float(noi[borrower]), service)
        covenant = float(loans.covenant_dscr[mine].max())
        breached = dscr < covenant
        loans.record_dscr_test(mine, breached)
        if not breached:
            continue
        event = world.events.record(
            EventKind.COVENANT_BREACH,
            borrower,
            counterparty=int(loans.lender[mine[0]]),
            amount_usd=seq_sum(loans.principal_usd[mine]),
            trigger=_tenant_loss(world, borrower),
            detail=f"DSCR {dscr:.2f} below {covenant:.2f}",
        )
        if int(loans.dscr_breaches[mine].min()) < 2:
            continue
        _accelerate(world, borrower, mine, dscr, covenant, event)


def _tenant_loss(world: World, borrower: int) -> int:
    """What a coverage breach is traced to: a tenant lost within a year, else the latest shock."""
    table = world.agents.table
    lost = int(table.last_counterparty_event[borrower])
    if lost >= 0 and world.clock.week - world.events.events[lost].week <= COUNTERPARTY_MEMORY_WEEKS:
        return lost
    return world.agents.latest_shock_of(borrower)


def _accelerate(world: World, borrower: int, mine, dscr: float, covenant: float, event: int):
    """The lenders call for a prepayment that restores coverage; without the cash, default."""
    loans, ledger = world.book.loans, world.ledger
    principal = seq_sum(loans.principal_usd[mine])
    if principal <= 0:  # the loans are paid down: nothing left to accelerate
        loans.record_dscr_test(mine, False)
        return
    cure = dscr_cure_usd(principal, dscr, covenant)
    if float(ledger.cash_usd[borrower]) < cure:
        declare_default(world, borrower, Cause.COVENANT, event)
        return
    for loan in mine.tolist():
        amount = cure * float(loans.principal_usd[loan]) / principal
        payee = None if loans.outside_lender[loan] else int(loans.lender[loan])
        ledger.transfer(borrower, payee, amount, Flow.PRINCIPAL)
        loans.prepay(loan, amount)
    loans.record_dscr_test(mine, False)


# -- runs and redemptions -------------------------------------------------------------------------
def _funding_runs(world: World) -> None:
    """Funding leaves lenders in a run; one that cannot pay defaults.

    A run is on when capital is below half the target ratio, ``E < (k*/2) L``, or when the
    stress of its losses reaches one half (:func:`bubblesim.economics.loss_stress` of its
    capital's drawdown now): either way, the stress at which it stops rolling loans over.
    Never without loans or funding.
    """
    lenders, table, ledger, cr = (
        world.agents.lenders,
        world.agents.table,
        world.ledger,
        world.config.credit,
    )
    alive, rows = _alive(world)
    loans = world.book.receivable_by_agent(world.n_agents)[rows]
    hit = lenders.loss_stresses(
        ledger.equity_usd[lenders.row],
        cr.credit_loss_stress_onset_share,
        cr.credit_loss_stress_full_share,
    )
    running = (
        (table.funding_usd[rows] > 0)
        & (
            (ledger.equity_usd[rows] < lenders.capital_target_ratio[alive] / 2 * loans)
            | (hit[alive] >= 0.5)
        )
        & (loans > 0)
    )
    flags = np.zeros(len(lenders), dtype=bool)
    flags[alive] = running
    lenders.set_running(flags)
    if not running.any():
        return
    per_week = world.config.credit.credit_funding_run_per_week
    for index, row in zip(alive[running].tolist(), rows[running].tolist(), strict=True):
        run = per_week * float(table.funding_usd[row])
        paid = min(run, max(0.0, float(ledger.cash_usd[row])))
        ledger.transfer(row, None, paid, Flow.FUNDING_OUT)
        table.change_funding(row, -paid)
        event = world.events.record(
            EventKind.FUNDING_RUN,
            row,
            amount_usd=run,
            trigger=int(lenders.last_loss_event[index]),
        )
        if paid < run:
            declare_default(world, row, Cause.ILLIQUIDITY, event)


def _redemptions(world: World) -> None:
    """Quarter-end redemptions of funds and pools, paid within the gate and the cash."""
    lenders, ledger, lp = world.agents.lenders, world.ledger, world.config.lenders
    alive, rows = _alive(world)
    funds = lenders.fund[alive]
    if not funds.any():
        return
    equity = ledger.equity_usd[lenders.row]
    drawdown = lenders.nav_drawdown(equity)
    for index, row in zip(alive[funds].tolist(), rows[funds].tolist(), strict=True):
        nav = float(ledger.equity_usd[row])
        if nav <= 0:
            continue
        share = redemption_request_share(
            lp.lender_redemption_base_per_quarter,
            lp.lender_redemption_drawdown_sensitivity,
            float(drawdown[index]),
        )
        requested = share * nav
        cash = max(0.0, float(ledger.cash_usd[row]))
        paid = redemption_paid_usd(requested, nav, float(lenders.gate_share[index]), cash)
        ledger.transfer(row, None, paid, Flow.REDEMPTION)
        lenders.redeem(index, requested, paid)
        if lenders.gated[index]:
            world.events.record(
                EventKind.FUND_GATED,
                row,
                amount_usd=requested - paid,
                trigger=int(lenders.last_loss_event[index]),
                detail=f"redemptions of {share:.0%} of NAV; {paid / requested:.0%} paid",
            )


# -- payouts and new capital ----------------------------------------------------------------------
def _payouts(world: World, quarter_end: bool) -> None:
    """Capital above the payout threshold is paid out; quarterly distributions and inflows."""
    lenders, ledger, lp = world.agents.lenders, world.ledger, world.config.lenders
    alive, rows = _alive(world)
    # capital held against undrawn committed lines is not paid out (CreditDesk)
    loans = world.book.receivable_by_agent(world.n_agents) + world.desk.commitment_exposure_usd()
    amounts = _payout_amounts(
        rows,
        alive,
        ledger.equity_usd,
        loans,
        lenders.capital_target_ratio,
        lp.lender_payout_buffer,
        lp.lender_payout_per_week,
    )
    paid = ledger.transfer_sequence(
        rows, np.full(rows.size, -1), amounts, np.full(rows.size, _PAYOUT), np.ones(rows.size, bool)
    )
    out = paid > 0
    if out.any():
        lenders.pay_out(alive[out], paid[out])
    if not quarter_end:
        return
    equity = ledger.equity_usd[lenders.row]
    income = lenders.quarter_income_usd(equity)
    for index, row in zip(alive.tolist(), rows.tolist(), strict=True):
        if lenders.fund[index]:
            _pay_out(world, index, row, lp.lender_distribution_share * max(0.0, income[index]))
    _inflows(world)
    lenders.close_quarter(ledger.equity_usd[lenders.row])


def _pay_out(world: World, index: int, row: int, amount_usd: float) -> None:
    amount = min(amount_usd, max(0.0, float(world.ledger.cash_usd[row])))
    if amount <= 0:
        return
    world.ledger.transfer(row, None, amount, Flow.PAYOUT)
    world.agents.lenders.pay_out(index, amount)


def _inflows(world: World) -> None:
    """A fully invested, performing fund raises new capital while credit is not in a crunch."""
    lenders, ledger, lp = world.agents.lenders, world.ledger, world.config.lenders
    if world.desk.crunch_index > lp.lender_inflow_max_crunch:
        return
    alive, rows = _alive(world)
    loans = world.book.receivable_by_agent(world.n_agents)
    drawdown = lenders.nav_drawdown(ledger.equity_usd[lenders.row])
    for index, row in zip(alive.tolist(), rows.tolist(), strict=True):
        nav = float(ledger.equity_usd[row])
        if not lenders.fund[index] or nav <= 0 or lenders.gated[index] or lenders.running[index]:
            continue
        if drawdown[index] > PERFORMING_DRAWDOWN:
            continue
        invested = float(loans[row]) * float(lenders.capital_target_ratio[index])
        if nav > (1.0 + lp.lender_payout_buffer / 2) * invested:
            continue  # capital to spare: no need for more
        amount = lp.lender_inflow_per_quarter * nav
        ledger.transfer(None, row, amount, Flow.CAPITAL_RAISED)
        lenders.raise_capital(index, amount)


# -- funding management ---------------------------------------------------------------------------
def _manage_funding(world: World) -> None:
    """Repay funding with cash above the buffer; raise funding to restore it while open."""
    lenders, ledger, desk = world.agents.lenders, world.ledger, world.desk
    alive, rows = _alive(world)
    loans = world.book.receivable_by_agent(world.n_agents)
    gaps = _cash_gaps(rows, alive, ledger.cash_usd, loans, lenders.cash_buffer_share)
    desk.settle_funding_gaps(alive, gaps)


@njit(cache=True)
def _cash_gaps(rows, alive, cash, loans, buffer_share):  # pragma: no cover
    """Each lender's cash above (+) or below (−) its buffer, ``cash − b max(0, L)`` (compiled)."""
    out = np.empty(rows.size)
    for i in range(rows.size):
        held = loans[rows[i]]
        out[i] = cash[rows[i]] - buffer_share[alive[i]] * (held if held > 0.0 else 0.0)
    return out


@njit(cache=True)
def _payout_amounts(rows, alive, equity, loans, target, buffer, speed):  # pragma: no cover
    """:func:`bubblesim.economics.payout_usd` of each lender (compiled loop)."""
    out = np.empty(rows.size)
    for i in range(rows.size):
        held = loans[rows[i]]
        amount = payout_usd(
            equity[rows[i]], held if held > 0.0 else 0.0, target[alive[i]], buffer, speed
        )
        out[i] = 0.0 if amount < 0.0 else amount  # nothing is paid out below zero
    return out


def _expire_backstops(world: World) -> None:
    """A guarantor's cover is used up by the rent it pays; the lease then lapses."""
    c = world.book.contracts
    active = c.active()
    drawn = active[c.backstop_active[active] & (c.kind[active] == HOSTING)]
    if drawn.size == 0:
        return
    c.draw_backstop(drawn, c.gross_payment_usd(drawn))
    for k in drawn[c.backstop_remaining_usd[drawn] <= 0].tolist():
        buyer, seller = int(c.buyer[k]), int(c.seller[k])
        prepaid = c.terminate(k)
        world.ledger.post_pnl(buyer, -prepaid)
        world.ledger.post_pnl(seller, prepaid)
        world.events.record(
            EventKind.CONTRACT_TERMINATED,
            seller,
            counterparty=buyer,
            amount_usd=float(c.remaining_value_usd(k, world.clock.week)),
            detail="backstop used up",
        )
