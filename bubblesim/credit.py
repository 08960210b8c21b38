"""Phase 7: lender capital, funding runs and credit policy (the funding channel).

Lenders whose capital ratio has fallen below half their target face a run: a share of their
funding leaves each week. A lender that cannot pay its funders defaults (illiquidity); one whose
capital is gone defaults (insolvency, in :mod:`bubblesim.resolution`). Next week's credit policy
is set from capital in the decisions phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.events import Cause, EventKind
from bubblesim.instruments import ContractKind, Status
from bubblesim.ledger import Flow
from bubblesim.resolution import declare_default

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel


def update_lenders(model: BubbleModel) -> None:
    """Funding runs on under-capitalised lenders; used-up backstops end."""
    cr = model.config.credit
    if model.config.channels.channel_funding:
        for lender in model.lenders:
            if lender.defaulted or lender.funding_usd <= 0:
                continue
            if lender.capital_ratio() >= lender.capital_target_ratio / 2:
                continue
            run = cr.credit_funding_run_per_week * lender.funding_usd
            paid = min(run, max(0.0, lender.cash_usd))
            model.ledger.transfer(lender, None, paid, Flow.FUNDING_OUT)
            lender.funding_usd -= paid
            event = model.events.record(
                model.week,
                EventKind.FUNDING_RUN,
                lender,
                amount_usd=run,
                trigger=lender.last_loss_event,
            )
            if paid < run:
                declare_default(model, lender, Cause.ILLIQUIDITY, event)
    _expire_backstops(model)


def _expire_backstops(model: BubbleModel) -> None:
    """A guarantor's cover is used up by the rent it pays; the lease then lapses."""
    for c in model.book.live_contracts():
        if (
            not c.backstop_active
            or c.status is not Status.ACTIVE
            or c.kind is not ContractKind.HOSTING
        ):
            continue
        c.backstop_remaining_usd -= c.gross_payment_usd()
        if c.backstop_remaining_usd <= 0:
            c.backstop_active = False
            c.buyer.post_pnl(-c.prepaid_usd)
            c.seller.post_pnl(c.prepaid_usd)
            c.prepaid_usd = 0.0
            c.status = Status.TERMINATED
            model.events.record(
                model.week,
                EventKind.CONTRACT_TERMINATED,
                c.seller,
                counterparty=c.buyer,
                amount_usd=c.remaining_value_usd(model.week),
                detail="backstop used up",
            )
