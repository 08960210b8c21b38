"""Phase 7: the lenders' funding (the funding channel) and backstops used up.

Lenders whose capital ratio has fallen below half their target face a run: a share of their
funding leaves each week. A lender that cannot pay its funders defaults (illiquidity); one whose
capital is gone defaults for insolvency when defaults are next resolved. A guarantor's cover is
used up by the rent it pays, and the lease then lapses. Next week's credit policy is set from
capital in the decisions phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.accounts.events import Cause, EventKind
from bubblesim.accounts.instruments import HOSTING
from bubblesim.accounts.ledger import Flow
from bubblesim.insolvency import declare_default

if TYPE_CHECKING:
    from bubblesim.world import World


def run(world: World) -> None:
    """Funding runs on under-capitalised lenders; used-up backstops end."""
    if world.config.channels.channel_funding:
        _funding_runs(world)
    _expire_backstops(world)


def _funding_runs(world: World) -> None:
    lenders, table, ledger = world.agents.lenders, world.agents.table, world.ledger
    alive = world.agents.active_members(lenders)
    rows = lenders.row[alive]
    loans = world.book.receivable_by_agent(world.n_agents)[rows]
    # a run when capital is below half the target ratio: E < (k*/2) L (never without loans)
    running = (
        (table.funding_usd[rows] > 0)
        & (ledger.equity_usd[rows] < lenders.capital_target_ratio[alive] / 2 * loans)
        & (loans > 0)
    )
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
