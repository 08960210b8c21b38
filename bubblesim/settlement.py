"""Phase 5: settlement of this week's obligations on the payment network.

Every obligation due this week (GPU cloud payments, hosting rent, interest and principal) becomes
an entry of the liabilities matrix; power and operating bills are outside liabilities. The
clearing vector of :func:`bubblesim.contagion.clear_payments` says who pays what when several
cannot pay in full: Eisenberg–Noe, with Rogers–Veraart default costs when the settlement channel
is on. A defaulter pays each creditor the same fraction and ends the round with no cash.

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

from bubblesim.agents import Firm, Lab
from bubblesim.contagion import clear_payments
from bubblesim.events import Cause
from bubblesim.instruments import ContractKind, Loan, Status
from bubblesim.ledger import Flow
from bubblesim.lifecycle import relevant_shock
from bubblesim.resolution import declare_default

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel


COUNTERPARTY_MEMORY_WEEKS = 52
"""A firm that fails within a year of losing a contract to a defaulting counterparty defaults
for counterparty loss, triggered by that loss (its cash drain began there)."""


@dataclass(slots=True)
class Obligation:
    """One payment due this week inside the network."""

    payer: int
    payee: int
    amount_usd: float
    kind: Flow
    loan: Loan | None = None
    principal_usd: float = 0.0


def settle(model: BubbleModel) -> None:
    """Clear this week's obligations, move the cash and declare the new defaults."""
    firms = model.active_firms()
    if not firms:
        return
    idx = {f.unique_id: k for k, f in enumerate(firms)}
    n = len(firms)
    obligations, outside_in, outside_loans = _collect(model, idx, firms)
    for k, amount in outside_in.items():
        model.ledger.transfer(None, firms[k], amount, Flow.BACKSTOP)
    L = _matrix(obligations, n)
    e = np.array([max(0.0, f.cash_usd) for f in firms])
    ext_due = np.array([sum(f.external_due.values()) for f in firms])
    c = model.config.channels
    alpha, beta = (c.settlement_alpha, c.settlement_beta) if c.channel_settlement else (1.0, 1.0)
    p_bar = np.asarray(L.sum(axis=1)).ravel()
    receipts_full = np.asarray(L.sum(axis=0)).ravel()
    own_short = p_bar + ext_due - e - receipts_full
    if not c.channel_counterparty:
        topup = np.where(own_short > 0, own_short * (1 + 1e-12), 0.0)
        for k in np.flatnonzero(topup):
            model.ledger.transfer(None, firms[k], float(topup[k]), Flow.BACKSTOP)
        e = e + topup
    res = clear_payments(L, e, ext_due, alpha, beta)
    frac = np.divide(res.payments, p_bar, out=np.ones(n), where=p_bar > 0)
    ext_paid = res.external_payments
    defaulted = own_short > 0 if not c.channel_counterparty else res.defaulted
    refused = _refused_principal(model, firms)
    ext_frac = np.divide(ext_paid, ext_due, out=np.ones(n), where=ext_due > 0)
    _move_cash(model, firms, obligations, frac, ext_frac, res.defaulted)
    for loan, k, principal in outside_loans:
        loan.principal_usd = max(0.0, loan.principal_usd - principal * ext_frac[k])
    _close_repaid_loans(model)
    _amortise_prepayments(model)
    _declare(model, firms, obligations, frac, defaulted, own_short, refused)


def _collect(model: BubbleModel, idx: dict[int, int], firms: list[Firm]):
    """This week's obligations, plus payments to and from outside parties.

    Payments to outside parties (a hall's new owner, a defaulted lender's estate) are added to
    the payer's outside liabilities; payments from outside (a contract an outside party
    assumed) are returned separately and paid in before clearing.
    """
    week = model.week
    base = model.drivers.state.base_rate_per_year
    obligations: list[Obligation] = []
    outside_in: dict[int, float] = {}
    outside_loans: list[tuple[Loan, int, float]] = []
    for contract in model.book.live_contracts():
        if contract.status is not Status.ACTIVE:
            continue
        kind = (
            Flow.LEASE_PAYMENT if contract.kind is ContractKind.HOSTING else (Flow.CONTRACT_PAYMENT)
        )
        amount = contract.cash_due_usd()
        seller = idx.get(contract.seller.unique_id) if not contract.outside_seller else None
        buyer = idx.get(contract.buyer.unique_id) if not contract.outside_buyer else None
        if amount <= 0 or (seller is None and buyer is None):
            continue
        if buyer is None:
            outside_in[seller] = outside_in.get(seller, 0.0) + amount
        elif seller is None:
            _owe(firms[buyer], kind, amount)
        else:
            obligations.append(Obligation(buyer, seller, amount, kind))
    for loan in model.book.active_loans():
        b, ln = idx.get(loan.borrower.unique_id), idx.get(loan.lender.unique_id)
        if b is None:
            continue
        interest = loan.interest_due_usd(base)
        principal = loan.principal_due_usd(week)
        if loan.outside_lender or ln is None:  # an outside holder collects
            _owe(firms[b], Flow.INTEREST, interest)
            _owe(firms[b], Flow.PRINCIPAL, principal)
            outside_loans.append((loan, b, principal))
            continue
        if interest > 0:
            obligations.append(Obligation(b, ln, interest, Flow.INTEREST, loan))
        if principal > 0:
            obligations.append(Obligation(b, ln, principal, Flow.PRINCIPAL, loan, principal))
    return obligations, outside_in, outside_loans


def _owe(firm: Firm, kind: Flow, amount_usd: float) -> None:
    if amount_usd > 0:
        firm.external_due[kind] = firm.external_due.get(kind, 0.0) + amount_usd


def _matrix(obligations: list[Obligation], n: int) -> sp.csr_array:
    if not obligations:
        return sp.csr_array((n, n))
    rows = np.fromiter((o.payer for o in obligations), int, len(obligations))
    cols = np.fromiter((o.payee for o in obligations), int, len(obligations))
    vals = np.fromiter((o.amount_usd for o in obligations), float, len(obligations))
    return sp.csr_array(sp.coo_array((vals, (rows, cols)), shape=(n, n)))


def _move_cash(model, firms, obligations, frac, ext_frac, defaulted) -> None:
    """Pay every obligation its clearing fraction; defaulters lose the rest to default costs."""
    transfers: list[tuple[Firm | None, Firm | None, float, Flow]] = []
    for o in obligations:
        paid = o.amount_usd * frac[o.payer]
        transfers.append((firms[o.payer], firms[o.payee], paid, o.kind))
        if o.loan is not None and o.principal_usd > 0:
            o.loan.principal_usd = max(0.0, o.loan.principal_usd - paid)
    for k, firm in enumerate(firms):
        for kind, amount in firm.external_due.items():
            transfers.append((firm, None, amount * ext_frac[k], kind))
    model.ledger.transfer_batch(transfers)
    for k in np.flatnonzero(defaulted):
        firm = firms[k]
        if firm.cash_usd > 0:  # realised value lost to default costs (Rogers–Veraart)
            model.ledger.transfer(firm, None, firm.cash_usd, Flow.DEFAULT_COST)


def _close_repaid_loans(model: BubbleModel) -> None:
    """Loans whose principal is fully repaid leave the book."""
    for loan in model.book.active_loans():
        if loan.principal_usd <= 1e-6 and loan.maturity_week <= model.week:
            loan.principal_usd = 0.0
            loan.status = Status.MATURED


def _amortise_prepayments(model: BubbleModel) -> None:
    """Consume prepayments: non-cash revenue for the seller, expense for the buyer."""
    for contract in model.book.live_contracts():
        if contract.status is not Status.ACTIVE or contract.prepaid_usd <= 0:
            continue
        offset = contract.prepay_offset_this_week_usd()
        contract.prepaid_usd -= offset
        if not contract.outside_buyer:
            contract.buyer.post_pnl(-offset)
        if not contract.outside_seller:
            contract.seller.post_pnl(offset)


def _declare(model, firms, obligations, frac, defaulted, own_short, refused) -> None:
    """Declare this round's defaults with causes; counterparty defaults name their trigger."""
    events: dict[int, int] = {}
    pending = [int(k) for k in np.flatnonzero(defaulted)]
    for k in [k for k in pending if own_short[k] > 0]:
        firm = firms[k]
        cause, trigger = Cause.ILLIQUIDITY, relevant_shock(model, firm)
        principal, refusal = refused.get(k, (0.0, -1))
        lost = firm.last_counterparty_event
        if refusal >= 0 and own_short[k] <= principal:
            cause, trigger = Cause.REFINANCING, refusal
        elif lost >= 0 and model.week - model.events.events[lost].week <= COUNTERPARTY_MEMORY_WEEKS:
            cause, trigger = Cause.COUNTERPARTY, lost
        elif isinstance(firm, Lab) and firm.equity_refused_event >= 0:
            trigger = firm.equity_refused_event
        events[k] = declare_default(model, firm, cause, trigger)
    rest = [k for k in pending if k not in events]
    shortfall_from: dict[int, dict[int, float]] = {}
    for o in obligations:
        if frac[o.payer] < 1.0:
            lost = o.amount_usd * (1.0 - frac[o.payer])
            row = shortfall_from.setdefault(o.payee, {})
            row[o.payer] = row.get(o.payer, 0.0) + lost
    while rest:
        progressed = False
        for k in list(rest):
            debtors = shortfall_from.get(k, {})
            known = {d: v for d, v in debtors.items() if d in events}
            if known or not [d for d in debtors if d in rest]:
                source = max(known, key=known.get) if known else None
                trigger = events[source] if source is not None else relevant_shock(model, firms[k])
                events[k] = declare_default(model, firms[k], Cause.COUNTERPARTY, trigger)
                rest.remove(k)
                progressed = True
        if not progressed:  # a ring of mutual counterparty defaults: name the largest debtor
            k = rest.pop(0)
            trigger = relevant_shock(model, firms[k])
            events[k] = declare_default(model, firms[k], Cause.COUNTERPARTY, trigger)


def _refused_principal(model, firms) -> dict[int, tuple[float, int]]:
    """Principal falling due this week after a refused rollover, by firm index."""
    out: dict[int, tuple[float, int]] = {}
    idx = {f.unique_id: k for k, f in enumerate(firms)}
    for loan in model.book.active_loans():
        event = loan.tags.get("refused_event")
        if event is None or loan.maturity_week != model.week:
            continue
        k = idx.get(loan.borrower.unique_id)
        if k is not None:
            principal, _ = out.get(k, (0.0, -1))
            out[k] = (principal + loan.principal_usd, int(event))
    return out
