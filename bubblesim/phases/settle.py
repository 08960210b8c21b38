"""Phase 5: settlement of this week's obligations on the payment network.

Every obligation due this week (GPU cloud payments, hosting rent, interest and principal) becomes
an entry of the liabilities matrix; power and operating bills and payments to outside holders
are dues to outside creditors. The clearing vector of :func:`bubblesim.contagion.clear_payments`
says who pays what when several cannot pay in full: Eisenberg–Noe, with Rogers–Veraart default
costs when the settlement channel is on. A defaulter pays each creditor the same fraction and
ends the round with no cash. In a week when every agent can pay what it owes out of its cash
and its receipts, the clearing vector is full payment, and no solve is needed.

When the counterparty channel is off, an outside party tops up each fundamentally short payer
so that its creditors are paid in full (the ``outside_backstop`` flow): defaults do not pass on.

Each new default is declared with its cause: its own shortfall (illiquidity, or a refused
refinancing that made the principal fall due) or a shortfall of receipts from a defaulting
debtor (counterparty loss, triggered by that debtor's default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numba import njit

from bubblesim.accounts.contracts import weekly_payment
from bubblesim.accounts.events import Cause
from bubblesim.accounts.ledger import DUE_INDEX, FLOW_CODE, FLOWS, INCOME_KINDS, Flow
from bubblesim.accounts.loans import debt_service
from bubblesim.agents.base import TYPE_CODE, AgentType
from bubblesim.contagion import clear_payments
from bubblesim.insolvency import declare_default

if TYPE_CHECKING:
    from bubblesim.world import World

COUNTERPARTY_MEMORY_WEEKS = 52
"""A firm that fails within a year of losing a contract to a defaulting counterparty defaults
for counterparty loss, triggered by that loss (its cash drain began there)."""

_LAB = TYPE_CODE[AgentType.LAB]


@dataclass
class Network:
    """Who owes whom this week: what changes only when instruments or agents do.

    Payments inside the network are, in order, the rent of contracts with both sides settling,
    then the interest and the principal of loans whose lender settles. Positions index the
    settling agents (``rows``).

    Attributes:
        key: The book and roster versions it was built for.
        rows: Rows of the settling agents (those that have not defaulted).
        pos: Each agent row's position among them (−1: defaulted).
        contracts: Active contracts paid inside the network.
        from_outside: Active contracts whose buyer's side an outside party holds (it pays in).
        to_outside: Active contracts whose seller's side an outside party holds (owed to it).
        loans: Active loans paid inside the network.
        outside_loans: Active loans of settling borrowers held outside (owed to the holder).
        payer, payee: Each payment's payer and payee (positions).
        kind: Each payment's flow code.
        pnl: Whether each payment moves equity.
    """

    key: tuple
    rows: np.ndarray
    pos: np.ndarray
    contracts: np.ndarray
    from_outside: np.ndarray
    to_outside: np.ndarray
    loans: np.ndarray
    outside_loans: np.ndarray
    payer: np.ndarray
    payee: np.ndarray
    kind: np.ndarray
    pnl: np.ndarray

    @property
    def n_contracts(self) -> int:
        """Number of contract payments (they come first)."""
        return len(self.contracts)


_FLOW_OF_KIND = np.array([FLOW_CODE[Flow.LEASE_PAYMENT], FLOW_CODE[Flow.CONTRACT_PAYMENT]])
_DUE_OF_KIND = np.array([DUE_INDEX[Flow.LEASE_PAYMENT], DUE_INDEX[Flow.CONTRACT_PAYMENT]])
_INTEREST, _PRINCIPAL = FLOW_CODE[Flow.INTEREST], FLOW_CODE[Flow.PRINCIPAL]


def network(world: World) -> Network:
    """The week's payment network (rebuilt only when instruments or agents change)."""
    c, loans, agents = world.book.contracts, world.book.loans, world.agents
    key = (c.structure, loans.structure, agents.table.version)
    cached = world.settlement_network
    if cached is not None and cached.key == key:
        return cached
    rows, pos = agents.positions()
    packed = _build(
        c.active(),
        c.seller,
        c.buyer,
        c.outside_seller,
        c.outside_buyer,
        c.kind,
        loans.active(),
        loans.borrower,
        loans.lender,
        loans.outside_lender,
        pos,
        _FLOW_OF_KIND,
        _INTEREST,
        _PRINCIPAL,
    )
    sizes = packed[:5].tolist()
    parts, start = [], 5
    for size in sizes:
        parts.append(packed[start : start + size])
        start += size
    contracts, from_outside, to_outside, mine, outside_loans = parts
    m = len(contracts) + 2 * len(mine)
    payer, payee, kinds = (
        packed[start : start + m],
        packed[start + m : start + 2 * m],
        packed[start + 2 * m :],
    )
    net = Network(
        key=key,
        rows=rows,
        pos=pos,
        contracts=contracts,
        from_outside=from_outside,
        to_outside=to_outside,
        loans=mine,
        outside_loans=outside_loans,
        payer=payer,
        payee=payee,
        kind=kinds,
        pnl=_PNL_FLOW[kinds],
    )
    world.settlement_network = net
    return net


@njit(cache=True)
def _build(
    contracts,
    seller,
    buyer,
    outside_seller,
    outside_buyer,
    kind,
    loans,
    borrower,
    lender,
    outside_lender,
    pos,
    flow_of_kind,
    interest,
    principal,
):  # pragma: no cover
    """The payment network, packed in one array (compiled loop).

    Layout: five sizes, then the rows of the inside contracts, the contracts paid from
    outside, the contracts owed to outside, the inside loans and the loans held outside, then
    the payers, the payees and the flow codes of the payments.
    """
    nc, nl = contracts.size, loans.size
    c_in, c_from, c_to = np.empty(nc, np.int64), np.empty(nc, np.int64), np.empty(nc, np.int64)
    sel, buy = np.empty(nc, np.int64), np.empty(nc, np.int64)
    a = f = t = 0
    for i in range(nc):
        k = contracts[i]
        s = -1 if outside_seller[k] else pos[seller[k]]
        b = -1 if outside_buyer[k] else pos[buyer[k]]
        if s >= 0 and b >= 0:
            c_in[a], sel[a], buy[a] = k, s, b
            a += 1
        elif s >= 0:
            c_from[f] = k
            f += 1
        elif b >= 0:
            c_to[t] = k
            t += 1
    l_in, l_out = np.empty(nl, np.int64), np.empty(nl, np.int64)
    debtor, creditor = np.empty(nl, np.int64), np.empty(nl, np.int64)
    m = o = 0
    for i in range(nl):
        k = loans[i]
        b = pos[borrower[k]]
        if b < 0:
            continue
        ln = pos[lender[k]]
        if outside_lender[k] or ln < 0:
            l_out[o] = k
            o += 1
        else:
            l_in[m], debtor[m], creditor[m] = k, b, ln
            m += 1
    n_pay = a + 2 * m
    out = np.empty(5 + a + f + t + m + o + 3 * n_pay, np.int64)
    out[0], out[1], out[2], out[3], out[4] = a, f, t, m, o
    j = 5
    for part, size in ((c_in, a), (c_from, f), (c_to, t), (l_in, m), (l_out, o)):
        out[j : j + size] = part[:size]
        j += size
    out[j : j + a] = buy[:a]
    out[j + a : j + a + m] = debtor[:m]
    out[j + a + m : j + n_pay] = debtor[:m]
    j += n_pay
    out[j : j + a] = sel[:a]
    out[j + a : j + a + m] = creditor[:m]
    out[j + a + m : j + n_pay] = creditor[:m]
    j += n_pay
    for i in range(a):
        out[j + i] = flow_of_kind[kind[c_in[i]]]
    out[j + a : j + a + m] = interest
    out[j + a + m : j + n_pay] = principal
    return out


_PNL_FLOW = np.array([kind in INCOME_KINDS for kind in FLOWS])


def run(world: World) -> None:
    """Clear this week's obligations, move the cash and declare the new defaults."""
    net = network(world)
    firms = net.rows
    n = len(firms)
    if n == 0:
        return
    amount, outside_principal = _amounts_due(world, net)
    ledger = world.ledger
    dues = ledger.dues(firms)
    own_short = _own_shortfall(net.payer, net.payee, amount, ledger.cash_usd[firms], dues)
    paid, dues_paid = amount, dues
    frac = ext_frac = defaulted = cleared = None
    if own_short.max() > 0:
        e = np.maximum(0.0, ledger.cash_usd[firms])
        frac, ext_frac, cleared, defaulted, own_short = _clear(
            world, net, amount, e, dues.sum(axis=1)
        )
        paid = amount * frac[net.payer]
        dues_paid = dues * ext_frac[:, None]
    refused = _refused_principal(world, net.pos) if defaulted is not None else {}
    loans = world.book.loans
    loans.repay(net.loans, paid[len(amount) - len(net.loans) :])
    ledger.settle(firms, net.payer, net.payee, paid, net.pnl, dues_paid)
    if cleared is not None:
        for k in np.flatnonzero(cleared).tolist():
            row = int(firms[k])
            cash = float(ledger.cash_usd[row])
            if cash > 0:  # realised value lost to default costs (Rogers–Veraart)
                ledger.transfer(row, None, cash, Flow.DEFAULT_COST)
    if net.outside_loans.size:
        k = net.pos[loans.borrower[net.outside_loans]]
        paid_outside = outside_principal if ext_frac is None else outside_principal * ext_frac[k]
        loans.repay(net.outside_loans, paid_outside)
    _close_repaid_loans(world)
    _amortise_prepayments(world)
    if defaulted is not None:
        _declare(world, net, amount, frac, defaulted, own_short, refused)


def _amounts_due(world: World, net: Network) -> tuple[np.ndarray, np.ndarray]:
    """This week's payment of every obligation; outside parties are paid in or owed.

    Payments from outside (a contract an outside party assumed) are paid in before clearing;
    payments to outside parties (a hall's new owner, a defaulted lender's estate) become the
    payer's outside dues.

    Returns:
        The amounts of the network's payments, and the principal due on loans held outside.
    """
    c, loans, ledger = world.book.contracts, world.book.loans, world.ledger
    base, week = world.drivers.state.base_rate_per_year, world.clock.week
    if net.from_outside.size:
        amounts = c.cash_due_usd(net.from_outside)
        payees = c.seller[net.from_outside]
        for row in dict.fromkeys(payees[amounts > 0].tolist()):
            total = float(amounts[(payees == row) & (amounts > 0)].sum())
            ledger.transfer(None, row, total, Flow.BACKSTOP)
    if net.to_outside.size:
        due = c.cash_due_usd(net.to_outside)
        ledger.owe_many(c.buyer[net.to_outside], _DUE_OF_KIND[c.kind[net.to_outside]], due)
    outside_principal = np.zeros(0)
    if net.outside_loans.size:
        owed = loans.borrower[net.outside_loans]
        interest, outside_principal = loans.payments_due_usd(base, week, net.outside_loans)
        ledger.owe(owed, Flow.INTEREST, interest)
        ledger.owe(owed, Flow.PRINCIPAL, outside_principal)
    amount = _amounts(
        net.contracts,
        c.mw,
        c.price_usd_per_mw_year,
        c.usage_share,
        c.take_or_pay_share,
        c.prepaid_usd,
        c.prepay_offset_usd_per_week,
        net.loans,
        loans.principal_usd,
        loans.spread_per_year,
        loans.floating,
        loans.maturity_week,
        loans.amortisation_usd_per_week,
        base,
        week,
    )
    return amount, outside_principal


@njit(cache=True)
def _amounts(
    contracts,
    mw,
    price,
    usage,
    take_or_pay,
    prepaid,
    offset,
    loans,
    principal,
    spread,
    floating,
    maturity,
    amortisation,
    base,
    week,
):  # pragma: no cover
    """The network's payments in order (compiled loop).

    Contracts' cash due, then loans' interest, then their scheduled principal.
    """
    nc, nl = contracts.size, loans.size
    out = np.empty(nc + 2 * nl)
    for i in range(nc):
        k = contracts[i]
        out[i] = weekly_payment(mw[k], price[k], usage[k], take_or_pay[k], prepaid[k], offset[k])[2]
    for i in range(nl):
        k = loans[i]
        out[nc + i], out[nc + nl + i] = debt_service(
            principal[k], spread[k], floating[k], maturity[k], amortisation[k], base, week
        )
    return out


@njit(cache=True)
def _own_shortfall(payer, payee, amount, cash, dues):  # pragma: no cover
    """``p̄ + b − e − Σ receipts``: what each agent lacks if everyone else pays in full."""
    short = np.zeros(cash.size)
    for k in range(cash.size):
        short[k] -= max(0.0, cash[k])
        for d in range(dues.shape[1]):
            short[k] += dues[k, d]
    for t in range(amount.size):
        short[payer[t]] += amount[t]
        short[payee[t]] -= amount[t]
    return short


def _clear(world: World, net: Network, amount: np.ndarray, e: np.ndarray, ext_due: np.ndarray):
    """Someone is short: the clearing vector (Eisenberg–Noe / Rogers–Veraart).

    Returns:
        ``(frac, ext_frac, cleared_defaults, defaulted, own_short)``: the share of its network
        and outside obligations each agent pays, who defaults at clearing, who is declared in
        default (with the counterparty channel off: everyone fundamentally short, though an
        outside party tops them up), and each agent's own shortfall.
    """
    c = world.config.channels
    alpha, beta = (c.settlement_alpha, c.settlement_beta) if c.channel_settlement else (1.0, 1.0)
    n = len(net.rows)
    keep = amount > 0
    entries = (amount[keep], (net.payer[keep], net.payee[keep]))
    L = sp.csr_array(sp.coo_array(entries, shape=(n, n)))
    p_bar = np.asarray(L.sum(axis=1)).ravel()
    own_short = p_bar + ext_due - e - np.asarray(L.sum(axis=0)).ravel()
    if not c.channel_counterparty:
        topup = np.where(own_short > 0, own_short * (1 + 1e-12), 0.0)
        for k in np.flatnonzero(topup).tolist():
            world.ledger.transfer(None, int(net.rows[k]), float(topup[k]), Flow.BACKSTOP)
        e = e + topup
    res = clear_payments(L, e, ext_due, alpha, beta)
    frac = np.divide(res.payments, p_bar, out=np.ones(n), where=p_bar > 0)
    ext_frac = np.divide(res.external_payments, ext_due, out=np.ones(n), where=ext_due > 0)
    defaulted = own_short > 0 if not c.channel_counterparty else res.defaulted
    return frac, ext_frac, res.defaulted, (defaulted if defaulted.any() else None), own_short


def _close_repaid_loans(world: World) -> None:
    """Repaid loans leave the book; the provisions held against them are released to capital."""
    lenders, released = world.book.loans.close_repaid(world.clock.week)
    if lenders.size:
        world.ledger.post_pnl(lenders, released)
        table = world.agents.lenders
        table.book_holders_provisions(lenders, -released)


def _amortise_prepayments(world: World) -> None:
    """Consume prepayments: non-cash revenue for the seller, expense for the buyer."""
    parties, amounts = world.book.contracts.amortise_week()
    if amounts.size:
        world.ledger.post_transfers_of_value(parties[0], parties[1], amounts)


def _declare(world: World, net: Network, amount, frac, defaulted, own_short, refused) -> None:
    """Declare this round's defaults with causes; counterparty defaults name their trigger."""
    events_log, table = world.events, world.agents.table
    firms = net.rows
    week = world.clock.week
    events: dict[int, int] = {}
    pending = np.flatnonzero(defaulted).tolist()
    for k in [k for k in pending if own_short[k] > 0]:
        row = int(firms[k])
        cause, trigger = Cause.ILLIQUIDITY, world.agents.latest_shock_of(row)
        principal, refusal = refused.get(k, (0.0, -1))
        lost = int(table.last_counterparty_event[row])
        if refusal >= 0 and own_short[k] <= principal:
            cause, trigger = Cause.REFINANCING, refusal
        elif lost >= 0 and week - events_log.events[lost].week <= COUNTERPARTY_MEMORY_WEEKS:
            cause, trigger = Cause.COUNTERPARTY, lost
        elif table.kind[row] == _LAB:
            refused_equity = _equity_refusal(world, row)
            if refused_equity >= 0:
                trigger = refused_equity
        events[k] = declare_default(world, row, cause, trigger)
    rest = [k for k in pending if k not in events]
    shortfall_from: dict[int, dict[int, float]] = {}
    for payer, payee, due in zip(
        net.payer.tolist(), net.payee.tolist(), amount.tolist(), strict=True
    ):
        if frac[payer] < 1.0 and due > 0:
            lost = due * (1.0 - frac[payer])
            row = shortfall_from.setdefault(payee, {})
            row[payer] = row.get(payer, 0.0) + lost
    while rest:
        progressed = False
        for k in list(rest):
            debtors = shortfall_from.get(k, {})
            known = {d: v for d, v in debtors.items() if d in events}
            if known or not [d for d in debtors if d in rest]:
                source = max(known, key=known.get) if known else None
                row = int(firms[k])
                trigger = (
                    events[source] if source is not None else world.agents.latest_shock_of(row)
                )
                events[k] = declare_default(world, row, Cause.COUNTERPARTY, trigger)
                rest.remove(k)
                progressed = True
        if not progressed:  # a ring of mutual counterparty defaults: name the largest debtor
            k = rest.pop(0)
            row = int(firms[k])
            events[k] = declare_default(
                world, row, Cause.COUNTERPARTY, world.agents.latest_shock_of(row)
            )


def _equity_refusal(world: World, row: int) -> int:
    labs = world.agents.labs
    index = int(np.flatnonzero(labs.row == row)[0])
    return int(labs.equity_refused_event[index])


def _refused_principal(world: World, pos: np.ndarray) -> dict[int, tuple[float, int]]:
    """Principal falling due this week after a refused rollover, by settling position."""
    loans = world.book.loans
    active = loans.active()
    due = active[
        (loans.refused_event[active] >= 0) & (loans.maturity_week[active] == world.clock.week)
    ]
    out: dict[int, tuple[float, int]] = {}
    for loan in due.tolist():
        k = int(pos[loans.borrower[loan]])
        if k >= 0:
            principal, _ = out.get(k, (0.0, -1))
            out[k] = (principal + float(loans.principal_usd[loan]), int(loans.refused_event[loan]))
    return out
