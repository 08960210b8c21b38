"""Phase 6: defaults, seizures, fire sales and margin calls, iterated to a fixed point.

A defaulter's contracts lapse, pass to its guarantor (a backstop) or, with the counterparty
channel off, to an outside party. Its hardware is seized and sold on the secondary market (fire
sales move prices when that channel is on); its halls are sold with their leases, at their
income value. Proceeds go
first to the loans secured on each asset, then pro rata to every remaining claim; lenders write
off the rest. Falling prices then raise every collateralised loan's LTV: covenant breaches bring
margin calls, cured with cash or by selling collateral, or ending in default. Lenders whose
capital is gone fail. The loop runs until a round declares no new default.

The schedule runs this phase after settlement and again after the lender phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from bubblesim.accounts.events import Cause, EventKind
from bubblesim.accounts.instruments import (
    ASIC,
    COLLATERAL_OF_CODE,
    GPU,
    GPU_CLOUD,
    KIND_OF_CODE,
    NO_COLLATERAL,
    PROJECT,
)
from bubblesim.accounts.ledger import Flow
from bubblesim.agents.base import TYPE_CODE, AgentType
from bubblesim.agents.vendor import write_off_stakes
from bubblesim.columns import seq_sum
from bubblesim.economics import cure_sale_usd, loan_to_value
from bubblesim.insolvency import declare_default

if TYPE_CHECKING:
    from bubblesim.world import World

MAX_ROUNDS = 100
_LENDER, _MINER = TYPE_CODE[AgentType.LENDER], TYPE_CODE[AgentType.MINER]


def run(world: World) -> None:
    """Resolve queued defaults and margin calls until no new default appears."""
    queue = world.resolution_queue
    for _ in range(MAX_ROUNDS):
        while queue:
            _liquidate(world, queue.pop(0))
        world.hardware.mark_all()
        margin_calls(world)
        _fail_insolvent_lenders(world)
        if not queue:
            return
    raise RuntimeError("default resolution did not reach a fixed point")  # pragma: no cover


def _fail_insolvent_lenders(world: World) -> None:
    lenders = world.agents.lenders
    alive = world.agents.active_members(lenders)
    rows = lenders.row[alive]
    broke = world.ledger.equity_usd[rows] <= 0
    for index, row in zip(alive[broke].tolist(), rows[broke].tolist(), strict=True):
        declare_default(world, row, Cause.INSOLVENCY, int(lenders.last_loss_event[index]))


# -- liquidation -----------------------------------------------------------------------------------
def _liquidate(world: World, row: int) -> None:
    halls = world.halls.value_usd(row)  # valued with the leases the halls are sold with
    _unwind_contracts(world, row)
    write_off_stakes(world, row)
    proceeds = _sell_assets(world, row, halls)
    if world.agents.table.kind[row] == _LENDER:
        _wind_down_lender(world, row)
    elif (held := world.book.held_rows(row)).size:  # a vendor's notes pass to its estate's
        world.book.loans.pass_to_outside_holder(held)  # creditors, who collect from then on
    _pay_creditors(world, row, proceeds)
    cash = float(world.ledger.cash_usd[row])
    if cash > 0:
        world.ledger.transfer(row, None, cash, Flow.RESIDUAL_TO_SHAREHOLDERS)
    world.ledger.close_books(row)  # debts extinguished: the books close at zero


def _unwind_contracts(world: World, row: int) -> None:
    """Contracts of a defaulter pass to a guarantor, lapse, or pass to an outside party.

    Prepayments follow the contract: the buyer's prepaid asset and the seller's deferred
    revenue are the two sides of the contract's ``prepaid_usd``.
    """
    c, ledger, table = world.book.contracts, world.ledger, world.agents.table
    event = int(table.default_event[row])
    counterparty_on = world.config.channels.channel_counterparty
    for k in world.book.bought_rows(row).tolist():
        guarantor = int(c.guarantor[k])
        prepaid = float(c.prepaid_usd[k])
        if guarantor >= 0 and not table.is_defaulted(guarantor) and c.backstop_remaining_usd[k] > 0:
            ledger.post_pnl(row, -prepaid)  # the prepaid asset moves to the guarantor
            ledger.post_pnl(guarantor, prepaid)
            c.assume_by_guarantor(k)
            world.events.record(
                EventKind.BACKSTOP_CALLED,
                guarantor,
                counterparty=int(c.seller[k]),
                amount_usd=float(c.backstop_remaining_usd[k]),
                trigger=event,
            )
        elif counterparty_on:
            _terminate(world, k, row, event)
        else:  # an outside party takes the buyer's side, prepaid asset included
            ledger.post_pnl(row, -prepaid)
            c.pass_buyer_outside(k)
    for k in world.book.sold_rows(row).tolist():
        if c.kind[k] == GPU_CLOUD and counterparty_on:
            _terminate(world, k, row, event)
        else:  # the hall (or the GPUs) pass to an outside owner, deferred revenue included
            ledger.post_pnl(row, float(c.prepaid_usd[k]))
            c.pass_seller_outside(k)
    live = c.live()
    c.drop_guarantor(live[c.guarantor[live] == row])


def _terminate(world: World, contract: int, row: int, event: int) -> None:
    """End a contract with a defaulter: the buyer loses its prepayment, the seller keeps it."""
    c = world.book.contracts
    buyer, seller = int(c.buyer[contract]), int(c.seller[contract])
    kind = c.kind[contract]
    prepaid = c.terminate(contract)
    world.ledger.post_pnl(buyer, -prepaid)
    world.ledger.post_pnl(seller, prepaid)
    other = seller if buyer == row else buyer
    lost = world.events.record(
        EventKind.CONTRACT_TERMINATED,
        other,
        counterparty=row,
        amount_usd=float(c.remaining_value_usd(contract, world.clock.week)),
        trigger=event,
        detail=f"{KIND_OF_CODE[kind]} contract lapses with its counterparty",
    )
    world.agents.table.note_counterparty_loss(other, lost)


def _sell_assets(world: World, row: int, halls_value_usd: float) -> dict[int, float]:
    """Seize and sell hardware and halls; returns proceeds by collateral class.

    Halls fetch their income value (:meth:`bubblesim.markets.halls.HallMarket.values_usd`:
    leased halls with their leases, empty ones as re-let or mining sites, construction at
    cost), less the Rogers–Veraart discount with the settlement channel on.
    """
    table, loans, hardware = world.agents.table, world.book.loans, world.hardware
    event = int(table.default_event[row])
    for loan in world.book.owed_rows(row).tolist():
        kind = int(loans.collateral[loan])
        if kind != NO_COLLATERAL and not loans.outside_lender[loan]:
            world.events.record(
                EventKind.SEIZURE,
                int(loans.lender[loan]),
                counterparty=row,
                amount_usd=world.desk.collateral_value_usd(row, kind),
                trigger=event,
                detail=f"{COLLATERAL_OF_CODE[kind]} collateral seized",
            )
    gpu = hardware.sell_gpus(row, float(table.gpu_mw[row]))
    asic = hardware.sell_asics(row, float(table.asic_th[row]))
    for kind, amount in (("GPU", gpu), ("ASIC", asic)):
        if amount > 0:
            world.events.record(
                EventKind.FIRE_SALE,
                row,
                amount_usd=amount,
                trigger=event,
                detail=f"seized {kind} sold",
            )
    c = world.config.channels
    recovery = c.settlement_alpha if c.channel_settlement else 1.0
    book = float(table.halls_usd[row] + table.construction_usd[row])
    halls = max(0.0, halls_value_usd) * recovery  # a hall is worth at least nothing
    if book > 0 or halls > 0:
        table.clear_halls(row)
        world.ledger.post_pnl(row, halls - book)
        world.ledger.transfer(None, row, halls, Flow.HARDWARE_SALE)
    if table.kind[row] == _MINER:
        miners = world.agents.miners
        miners.abandon_halls(int(np.flatnonzero(miners.row == row)[0]))
    return {GPU: gpu, ASIC: asic, PROJECT: halls}


def _wind_down_lender(world: World, row: int) -> None:
    """A failed lender's loans pass to its funders in kind; its cash goes to them too."""
    loans, table = world.book.loans, world.agents.table
    held = world.book.held_rows(row)
    loans.pass_to_outside_holder(held)
    for loan in held.tolist():
        table.change_funding(row, -float(loans.principal_usd[loan]))
    cash = float(world.ledger.cash_usd[row])
    payout = min(cash, max(0.0, float(table.funding_usd[row])))
    world.ledger.transfer(row, None, payout, Flow.FUNDING_OUT)
    table.clear_funding(row)


def _pay_creditors(world: World, row: int, proceeds: dict[int, float]) -> None:
    """Secured pools first, then every remaining claim pro rata; lenders write off the rest."""
    loans = world.book.loans
    owed = world.book.owed_rows(row)
    if owed.size == 0:
        return
    ledger = world.ledger
    if not world.config.channels.channel_counterparty:
        total = seq_sum(loans.principal_usd[owed])
        ledger.transfer(None, row, max(0.0, total - float(ledger.cash_usd[row])), Flow.BACKSTOP)
    for kind, pool in proceeds.items():
        secured = owed[loans.collateral[owed] == kind]
        pay_pro_rata(world, row, secured, min(pool, float(ledger.cash_usd[row])))
    pay_pro_rata(world, row, owed, float(ledger.cash_usd[row]))
    event = int(world.agents.table.default_event[row])
    for loan in owed.tolist():
        _write_off(world, loan, event)


def pay_pro_rata(
    world: World, row: int, owed: np.ndarray, pool_usd: float, kind: Flow = Flow.RECOVERY
) -> None:
    """Pay ``pool_usd`` towards the loans' principal, pro rata (recoveries or paydowns)."""
    loans = world.book.loans
    claims = seq_sum(loans.principal_usd[owed])
    if claims <= 0 or pool_usd <= 0:
        return
    share = min(1.0, pool_usd / claims)
    for loan in owed.tolist():
        amount = float(loans.principal_usd[loan]) * share
        payee = None if loans.outside_lender[loan] else int(loans.lender[loan])
        world.ledger.transfer(row, payee, amount, kind)
        loans.pay_down(loan, amount)


def _write_off(world: World, loan: int, trigger: int) -> None:
    """What recoveries left of a loan is written off; its provision already covered part."""
    loans = world.book.loans
    outside = bool(loans.outside_lender[loan])
    loss, provision = loans.write_off(loan)
    if outside:
        return
    lender = int(loans.lender[loan])
    charge = loss - provision
    world.ledger.post_pnl(lender, -charge)
    event = world.events.record(
        EventKind.LOAN_DEFAULTED,
        lender,
        counterparty=int(loans.borrower[loan]),
        amount_usd=loss,
        trigger=trigger,
        detail=f"{loans.label(loan)} written off",
    )
    if world.agents.table.kind[lender] != _LENDER:
        return  # a vendor's note: the loss is in its P&L; it keeps no lender's records
    lenders = world.agents.lenders
    index = int(lenders.indices_of([lender])[0])
    lenders.book_loss(index, charge, event)
    lenders.book_charge_off(index, loss)


# -- margin calls ----------------------------------------------------------------------------------
def margin_calls(world: World) -> None:
    """Covenant breaches on GPU- and ASIC-backed loans: cure with cash, sell collateral, or default.

    For each borrower and collateral class with ``P > covenant × V`` the lenders call for the
    LTV to return to origination ``t``: the borrower pays ``P − tV`` from cash if it can, else
    sells ``x = (P − tV)/(1 − t)`` of collateral (:func:`bubblesim.economics.cure_sale_usd`);
    if even that cannot work (``P ≥ V``) it defaults for covenant breach. Groups are visited
    in the order of their first loan; a sale moves prices for the groups after it.
    """
    loans, table = world.book.loans, world.agents.table
    if (world.hardware.state_key(), loans.version, table.version) == world.margins_checked:
        return  # nothing moved since the last check found no breach
    state = (world.hardware.state_key(), loans.version, table.version)
    last = -1  # groups are visited in order of their first loan, each at most once
    while True:
        first = _next_breach(world, last)
        if first < 0:
            break
        borrower, kind = loans.borrower[first], loans.collateral[first]
        active = loans.active()
        members = active[
            (loans.borrower[active] == borrower)
            & (loans.collateral[active] == kind)
            & (loans.covenant_ltv[active] == loans.covenant_ltv[active])
        ]
        _margin_call(world, members, int(borrower), int(kind), float(loans.covenant_ltv[first]))
        last = first
    if last < 0:  # no breach anywhere: nothing to check until something moves
        world.margins_checked = state


def _next_breach(world: World, after: int) -> int:
    """The first loan of the next group in breach whose first loan comes after ``after``.

    A group is one borrower's covenanted loans on one collateral class; later groups are
    re-read after every call, since a sale moves prices for them. Returns −1 if none.
    """
    loans, table, hardware = world.book.loans, world.agents.table, world.hardware
    everyone = slice(None)
    return int(
        _breached_groups(
            loans.active(),
            loans.borrower,
            loans.collateral,
            loans.covenant_ltv,
            loans.principal_usd,
            table.health,
            hardware.gpu_value(everyone),
            hardware.asic_value(everyone),
            table.halls_usd + table.construction_usd,
            after,
        )
    )


@njit(cache=True)
def _breached_groups(
    active, borrower, collateral, covenant, principal, health, gpu_value, asic_value, halls, after
):  # pragma: no cover
    """First loan of the first group in breach whose first loan is after ``after``, or −1.

    A group is in breach when its principal exceeds its first loan's covenant LTV times the
    collateral's value (compiled loop).
    """
    n = health.size
    total = np.zeros(4 * n)
    first = np.full(4 * n, -1)
    order = np.empty(active.size, dtype=np.int64)
    groups = 0
    for i in range(active.size):
        k = active[i]
        if covenant[k] != covenant[k] or health[borrower[k]] == 2:
            continue
        g = collateral[k] * n + borrower[k]
        if first[g] < 0:
            first[g] = k
            order[groups] = g
            groups += 1
        total[g] += principal[k]
    for j in range(groups):
        g = order[j]
        k = first[g]
        if k <= after:
            continue
        c, b = g // n, g % n
        value = gpu_value[b] if c == 1 else (asic_value[b] if c == 2 else halls[b])
        if total[g] > covenant[k] * value:
            return k
    return -1


def _margin_call(world: World, owed: np.ndarray, row: int, kind: int, covenant: float) -> None:
    loans, ledger = world.book.loans, world.ledger
    if world.agents.table.is_defaulted(row):
        return
    target = world.config.credit.credit_gpu_ltv_max
    value = world.desk.collateral_value_usd(row, kind)
    principal = seq_sum(loans.principal_usd[owed])
    if principal <= covenant * value:
        return
    needed = principal - target * value
    call = world.events.record(
        EventKind.MARGIN_CALL,
        row,
        counterparty=int(loans.lender[owed[0]]),
        amount_usd=needed,
        trigger=max(world.events.last_price_event, world.agents.latest_shock_of(row)),
        detail=f"{COLLATERAL_OF_CODE[kind]} LTV {loan_to_value(principal, value):.2f}",
    )
    if float(ledger.cash_usd[row]) >= needed:
        pay_pro_rata(world, row, owed, needed, Flow.PRINCIPAL)
        return
    sale = cure_sale_usd(principal, value, target)
    if sale == float("inf"):
        declare_default(world, row, Cause.COVENANT, call)
        return
    share = min(1.0, sale / value) if value > 0 else 0.0
    table = world.agents.table
    if kind == GPU:
        proceeds = world.hardware.sell_gpus(row, float(table.gpu_mw[row]) * share)
    else:
        proceeds = world.hardware.sell_asics(row, float(table.asic_th[row]) * share)
    world.events.record(
        EventKind.FIRE_SALE,
        row,
        amount_usd=proceeds,
        trigger=call,
        detail=f"{COLLATERAL_OF_CODE[kind]} sold to meet a margin call",
    )
    pay_pro_rata(world, row, owed, min(proceeds, float(ledger.cash_usd[row])), Flow.PRINCIPAL)
    world.hardware.mark(row)
