"""The credit network as a ``networkx.DiGraph``: who is exposed to whom, and how much.

An edge ``u → v`` means ``u`` loses if ``v`` defaults: a lender is exposed to its borrower
(loan principal), a seller to its buyer (remaining contract value), a lessor to the guarantor of
its lease (remaining backstop). Nodes carry type, name, size (total assets) and health.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from bubblesim.accounts.instruments import KIND_OF_CODE
from bubblesim.agents.base import AGENT_TYPES, HEALTH_OF_CODE

if TYPE_CHECKING:
    from bubblesim.world import World


def credit_network(world: World) -> nx.DiGraph:
    """Build the exposure graph at the current week.

    Args:
        world: The world.

    Returns:
        A DiGraph with integer node ids (agents' unique ids); edge attributes ``amount_usd``
        (summed over instruments) and ``instruments`` (a dict instrument → USD).
    """
    g = nx.DiGraph(week=world.clock.week)
    table = world.agents.table
    assets = world.balance_sheets()["assets_usd"]
    uid = table.uid
    for row, firm in enumerate(world.agents.firms):
        g.add_node(
            int(uid[row]),
            name=firm.name,
            kind=str(AGENT_TYPES[table.kind[row]]),
            size_usd=float(max(assets[row], 0.0)),
            health=str(HEALTH_OF_CODE[table.health[row]]),
        )
    loans = world.book.loans
    active = loans.active()
    for loan in active[~loans.outside_lender[active]].tolist():
        _add(
            g,
            int(uid[loans.lender[loan]]),
            int(uid[loans.borrower[loan]]),
            loans.label(loan),
            float(loans.principal_usd[loan]),
        )
    c = world.book.contracts
    live = c.live()
    live = live[~c.outside_buyer[live] & ~c.outside_seller[live]]
    value = c.remaining_value_usd(live, world.clock.week)
    for k, amount in zip(live.tolist(), value.tolist(), strict=True):
        seller = int(uid[c.seller[k]])
        _add(g, seller, int(uid[c.buyer[k]]), str(KIND_OF_CODE[c.kind[k]]), amount)
        guarantor = int(c.guarantor[k])
        if guarantor >= 0 and c.backstop_remaining_usd[k] > 0 and not c.backstop_active[k]:
            _add(g, seller, int(uid[guarantor]), "backstop", float(c.backstop_remaining_usd[k]))
    return g


def _add(g: nx.DiGraph, u: int, v: int, instrument: str, amount_usd: float) -> None:
    if amount_usd <= 0 or u == v:
        return
    if g.has_edge(u, v):
        data = g.edges[u, v]
        data["amount_usd"] += amount_usd
        data["instruments"][instrument] = data["instruments"].get(instrument, 0.0) + amount_usd
    else:
        g.add_edge(u, v, amount_usd=amount_usd, instruments={instrument: amount_usd})
