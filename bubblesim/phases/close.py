"""The end of each step: every agent is classified healthy, distressed or defaulted.

Distressed: liquidity below four weeks of its obligations (contract bills and interest), or negative
book equity without outside operating income that covers those obligations, or (lenders)
credit stress above one half. Big tech's other businesses earn income the model does not carry
as an asset, so a guarantor can show negative book equity while its income services its debt
(as firms that have bought back their shares do); that alone is not distress (judgment). The
classification feeds lenders' provisions and rollover checks (a distressed borrower gets a
higher probability of default and no rollover) and is shown in the explorer. Liquidity is cash
plus the undrawn part of a committed revolving line, as rating agencies count it (a hyperscaler
whose bank is alive can draw it the week it needs to).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from bubblesim.agents.vendor import mark_stakes
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World

DISTRESS_CASH_WEEKS = 4
"""Cash below this many weeks of obligations counts as distress."""


def run(world: World) -> None:
    """Mark the vendor's stakes in labs, then classify every agent that has not defaulted."""
    mark_stakes(world)
    book, n = world.book, world.n_agents
    loans, lenders, table = book.loans, world.agents.lenders, world.agents.table
    providers = world.agents.providers
    outside_income = np.zeros(n)
    outside_income[providers.row] = providers.other_income_usd_per_year / WEEKS_PER_YEAR
    liquidity = world.ledger.cash_usd + world.desk.undrawn_committed_usd()
    codes = _health(
        table.health,
        liquidity,
        world.ledger.equity_usd,
        outside_income,
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
    health, cash, equity, income, bills, loans, borrower, interest, lender_rows, stress, cash_weeks
):  # pragma: no cover
    """Health codes of every agent (compiled loop); defaulted agents keep theirs."""
    weekly = bills.copy()
    for i in range(loans.size):
        weekly[borrower[loans[i]]] += interest[i]
    distressed = ((equity < 0) & (income < weekly)) | (cash < cash_weeks * weekly)
    for i in range(lender_rows.size):
        if stress[i] > 0.5:
            distressed[lender_rows[i]] = True
    out = health.copy()
    for r in range(health.size):
        if health[r] != 2:
            out[r] = 1 if distressed[r] else 0
    return out
