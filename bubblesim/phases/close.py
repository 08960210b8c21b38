"""The end of each step: every agent is classified healthy, distressed or defaulted.

Distressed: negative book equity, or cash below four weeks of its obligations (contract bills
and interest), or (lenders) credit stress above one half. The classification is reported and
shown; no decision depends on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from numba import njit

if TYPE_CHECKING:
    from bubblesim.world import World

DISTRESS_CASH_WEEKS = 4
"""Cash below this many weeks of obligations counts as distress."""


def run(world: World) -> None:
    """Classify every agent that has not defaulted."""
    book, n = world.book, world.n_agents
    loans, lenders, table = book.loans, world.agents.lenders, world.agents.table
    codes = _health(
        table.health,
        world.ledger.cash_usd,
        world.ledger.equity_usd,
        book.contracts.totals(n).bills_usd,
        loans.active(),
        loans.borrower,
        loans.payments_due_usd(world.drivers.state.base_rate_per_year, 0, loans.active())[0],
        lenders.row,
        lenders.stress,
        DISTRESS_CASH_WEEKS,
    )
    alive = table.active()
    table.set_health(alive, codes[alive])


@njit(cache=True)
def _health(
    health, cash, equity, bills, loans, borrower, interest, lender_rows, stress, cash_weeks
):  # pragma: no cover
    """Health codes of every agent (compiled loop); defaulted agents keep theirs."""
    weekly = bills.copy()
    for i in range(loans.size):
        weekly[borrower[loans[i]]] += interest[i]
    distressed = (equity < 0) | (cash < cash_weeks * weekly)
    for i in range(lender_rows.size):
        if stress[i] > 0.5:
            distressed[lender_rows[i]] = True
    out = health.copy()
    for r in range(health.size):
        if health[r] != 2:
            out[r] = 1 if distressed[r] else 0
    return out
