"""Phase 6: defaults, seizures, fire sales and margin calls, iterated to a fixed point.

A defaulter's contracts lapse, pass to its guarantor (a backstop) or, with the counterparty
channel off, to an outside party. Its hardware is seized and sold on the secondary market (fire
sales move prices when that channel is on); its halls are sold with their leases. Proceeds go
first to the loans secured on each asset, then pro rata to every remaining claim; lenders write
off the rest. Falling prices then raise every collateralised loan's LTV: covenant breaches bring
margin calls, cured with cash or by selling collateral, or ending in default. The loop runs until
a round declares no new default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.agents import Firm, Health, Lender, Miner
from bubblesim.economics import cure_sale_usd, loan_to_value
from bubblesim.events import Cause, EventKind
from bubblesim.instruments import Collateral, ContractKind, Loan, Status
from bubblesim.ledger import Flow
from bubblesim.lifecycle import relevant_shock

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel

MAX_ROUNDS = 100


def declare_default(model: BubbleModel, firm: Firm, cause: Cause, trigger: int) -> int:
    """Mark ``firm`` defaulted, log the default with its cause and trigger, queue its resolution.

    Returns:
        The default event's id (the existing one if the firm had already defaulted).
    """
    if firm.defaulted:
        return firm.default_event
    firm.health = Health.DEFAULTED
    firm.default_week = model.week
    firm.default_event = model.events.record(
        model.week,
        EventKind.DEFAULT,
        firm,
        cause=str(cause),
        trigger=trigger,
        amount_usd=firm.debt_usd(),
        detail=f"{firm.kind} default: {cause}",
    )
    model.resolution_queue.append(firm)
    return firm.default_event


def resolve(model: BubbleModel) -> None:
    """Resolve queued defaults and margin calls until no new default appears."""
    for _ in range(MAX_ROUNDS):
        while model.resolution_queue:
            _liquidate(model, model.resolution_queue.pop(0))
        model.markets.mark_all(model.active_firms())
        margin_calls(model)
        for lender in model.lenders:
            if not lender.defaulted and lender.equity_usd <= 0:
                declare_default(model, lender, Cause.INSOLVENCY, lender.last_loss_event)
        if not model.resolution_queue:
            return
    raise RuntimeError("default resolution did not reach a fixed point")  # pragma: no cover


# -- liquidation -----------------------------------------------------------------------------------
def _liquidate(model: BubbleModel, firm: Firm) -> None:
    _unwind_contracts(model, firm)
    proceeds = _sell_assets(model, firm)
    if isinstance(firm, Lender):
        _wind_down_lender(model, firm)
    _pay_creditors(model, firm, proceeds)
    if firm.cash_usd > 0:
        model.ledger.transfer(firm, None, firm.cash_usd, Flow.RESIDUAL_TO_SHAREHOLDERS)
    firm.post_pnl(-firm.equity_usd)  # debts extinguished: the books close at zero


def _unwind_contracts(model: BubbleModel, firm: Firm) -> None:
    """Contracts of a defaulter pass to a guarantor, lapse, or pass to an outside party.

    Prepayments follow the contract: the buyer's prepaid asset and the seller's deferred
    revenue are the two sides of ``contract.prepaid_usd``.
    """
    event = firm.default_event
    counterparty_on = model.config.channels.channel_counterparty
    for c in model.book.contracts_bought_by(firm):
        if c.guarantor is not None and not c.guarantor.defaulted and c.backstop_remaining_usd > 0:
            firm.post_pnl(-c.prepaid_usd)  # the prepaid asset moves to the guarantor
            c.guarantor.post_pnl(c.prepaid_usd)
            model.book.reassign_buyer(c, c.guarantor)
            c.backstop_active = True
            model.events.record(
                model.week,
                EventKind.BACKSTOP_CALLED,
                c.guarantor,
                counterparty=c.seller,
                amount_usd=c.backstop_remaining_usd,
                trigger=event,
            )
        elif counterparty_on:
            _terminate(model, c, firm, event)
        else:  # an outside party takes the buyer's side, prepaid asset included
            firm.post_pnl(-c.prepaid_usd)
            c.outside_buyer = True
    for c in model.book.contracts_sold_by(firm):
        if c.kind is ContractKind.GPU_CLOUD and counterparty_on:
            _terminate(model, c, firm, event)
        else:  # the hall (or the GPUs) pass to an outside owner, deferred revenue included
            firm.post_pnl(c.prepaid_usd)
            c.outside_seller = True
    for c in model.book.live_contracts():
        if c.guarantor is firm:
            c.guarantor, c.backstop_remaining_usd = None, 0.0


def _terminate(model: BubbleModel, contract, firm: Firm, event: int) -> None:
    """End a contract with a defaulter: the buyer loses its prepayment, the seller keeps it."""
    contract.buyer.post_pnl(-contract.prepaid_usd)
    contract.seller.post_pnl(contract.prepaid_usd)
    contract.prepaid_usd = 0.0
    contract.status = Status.TERMINATED
    other = contract.seller if contract.buyer is firm else contract.buyer
    other.last_counterparty_event = model.events.record(
        model.week,
        EventKind.CONTRACT_TERMINATED,
        other,
        counterparty=firm,
        amount_usd=contract.remaining_value_usd(model.week),
        trigger=event,
        detail=f"{contract.kind} contract lapses with its counterparty",
    )


def _sell_assets(model: BubbleModel, firm: Firm) -> dict[Collateral, float]:
    """Seize and sell hardware and halls; returns proceeds by collateral class."""
    markets, ledger = model.markets, model.ledger
    for loan in model.book.loans_of(firm):
        if loan.collateral is not Collateral.NONE and not loan.outside_lender:
            model.events.record(
                model.week,
                EventKind.SEIZURE,
                loan.lender,
                counterparty=firm,
                amount_usd=_collateral_value(model, firm, loan.collateral),
                trigger=firm.default_event,
                detail=f"{loan.collateral} collateral seized",
            )
    gpu = markets.sell_gpus(ledger, firm, firm.gpu_mw)
    asic = markets.sell_asics(ledger, firm, getattr(firm, "asic_th", 0.0))
    for kind, amount in (("GPU", gpu), ("ASIC", asic)):
        if amount > 0:
            model.last_price_event = model.events.record(
                model.week,
                EventKind.FIRE_SALE,
                firm,
                amount_usd=amount,
                trigger=firm.default_event,
                detail=f"seized {kind} sold",
            )
    c = model.config.channels
    recovery = c.settlement_alpha if c.channel_settlement else 1.0
    book = firm.halls_usd + firm.construction_usd
    halls = book * recovery
    if book > 0:
        firm.halls_usd = firm.construction_usd = 0.0
        firm.post_pnl(halls - book)
        ledger.transfer(None, firm, halls, Flow.HARDWARE_SALE)
    if isinstance(firm, Miner):
        firm.conversions = []
    return {Collateral.GPU: gpu, Collateral.ASIC: asic, Collateral.PROJECT: halls}


def _wind_down_lender(model: BubbleModel, lender: Lender) -> None:
    """A failed lender's loans pass to its funders in kind; its cash goes to them too."""
    for loan in model.book.loans_by(lender):
        loan.outside_lender = True
        lender.funding_usd -= loan.principal_usd
    model.book.prune()
    payout = min(lender.cash_usd, max(0.0, lender.funding_usd))
    model.ledger.transfer(lender, None, payout, Flow.FUNDING_OUT)
    lender.funding_usd = 0.0


def _pay_creditors(model: BubbleModel, firm: Firm, proceeds: dict[Collateral, float]) -> None:
    """Secured pools first, then every remaining claim pro rata; lenders write off the rest."""
    loans = model.book.loans_of(firm)
    if not loans:
        return
    if not model.config.channels.channel_counterparty:
        owed = sum(loan.principal_usd for loan in loans)
        model.ledger.transfer(None, firm, max(0.0, owed - firm.cash_usd), Flow.BACKSTOP)
    for kind, pool in proceeds.items():
        secured = [x for x in loans if x.collateral is kind]
        _pay_pro_rata(model, firm, secured, min(pool, firm.cash_usd))
    _pay_pro_rata(model, firm, loans, firm.cash_usd)
    for loan in loans:
        _write_off(model, loan, firm.default_event)


def _pay_pro_rata(
    model: BubbleModel, firm: Firm, loans: list[Loan], pool_usd: float, kind: Flow = Flow.RECOVERY
) -> None:
    """Pay ``pool_usd`` towards the loans' principal, pro rata (recoveries or paydowns)."""
    claims = sum(x.principal_usd for x in loans)
    if claims <= 0 or pool_usd <= 0:
        return
    share = min(1.0, pool_usd / claims)
    for loan in loans:
        amount = loan.principal_usd * share
        payee = None if loan.outside_lender else loan.lender
        model.ledger.transfer(firm, payee, amount, kind)
        loan.principal_usd -= amount


def _write_off(model: BubbleModel, loan: Loan, trigger: int) -> None:
    loss = loan.principal_usd
    loan.status = Status.DEFAULTED
    loan.written_off_usd = loss
    loan.principal_usd = 0.0
    if loan.outside_lender:
        return
    lender = loan.lender
    lender.post_pnl(-loss)
    lender.losses_usd += loss
    lender.last_loss_event = model.events.record(
        model.week,
        EventKind.LOAN_DEFAULTED,
        lender,
        counterparty=loan.borrower,
        amount_usd=loss,
        trigger=trigger,
        detail=f"{loan.instrument} written off",
    )


# -- margin calls ----------------------------------------------------------------------------------
def margin_calls(model: BubbleModel) -> None:
    """Covenant breaches on GPU- and ASIC-backed loans: cure with cash, sell collateral, or default.

    For each borrower and collateral class with ``P > covenant × V`` the lenders call for the
    LTV to return to origination ``t``: the borrower pays ``P − tV`` from cash if it can, else
    sells ``x = (P − tV)/(1 − t)`` of collateral (:func:`bubblesim.economics.cure_sale_usd`);
    if even that cannot work (``P ≥ V``) it defaults for covenant breach.
    """
    cr = model.config.credit
    target = cr.credit_gpu_ltv_max
    groups: dict[tuple[int, Collateral], list[Loan]] = {}
    for loan in model.book.active_loans():
        if loan.covenant_ltv is None or loan.borrower.defaulted:
            continue
        groups.setdefault((loan.borrower.unique_id, loan.collateral), []).append(loan)
    for loans in groups.values():
        borrower, kind = loans[0].borrower, loans[0].collateral
        if borrower.defaulted:
            continue
        value = _collateral_value(model, borrower, kind)
        principal = sum(x.principal_usd for x in loans)
        if principal <= loans[0].covenant_ltv * value:
            continue
        call = model.events.record(
            model.week,
            EventKind.MARGIN_CALL,
            borrower,
            counterparty=loans[0].lender,
            amount_usd=principal - target * value,
            trigger=max(model.last_price_event, relevant_shock(model, borrower)),
            detail=f"{kind} LTV {loan_to_value(principal, value):.2f}",
        )
        needed = principal - target * value
        if borrower.cash_usd >= needed:
            _pay_pro_rata(model, borrower, loans, needed, Flow.PRINCIPAL)
            continue
        sale = cure_sale_usd(principal, value, target)
        if sale == float("inf"):
            declare_default(model, borrower, Cause.COVENANT, call)
            continue
        proceeds = _sell_collateral(model, borrower, kind, sale, value)
        model.last_price_event = model.events.record(
            model.week,
            EventKind.FIRE_SALE,
            borrower,
            amount_usd=proceeds,
            trigger=call,
            detail=f"{kind} sold to meet a margin call",
        )
        _pay_pro_rata(model, borrower, loans, min(proceeds, borrower.cash_usd), Flow.PRINCIPAL)
        model.markets.mark(borrower)


def _collateral_value(model: BubbleModel, firm: Firm, kind: Collateral) -> float:
    if kind is Collateral.GPU:
        return model.markets.gpu_value(firm)
    if kind is Collateral.ASIC:
        return model.markets.asic_value(firm)
    return firm.halls_usd + firm.construction_usd


def _sell_collateral(model, firm: Firm, kind: Collateral, value_usd: float, total: float) -> float:
    share = min(1.0, value_usd / total) if total > 0 else 0.0
    if kind is Collateral.GPU:
        return model.markets.sell_gpus(model.ledger, firm, firm.gpu_mw * share)
    return model.markets.sell_asics(model.ledger, firm, firm.asic_th * share)
