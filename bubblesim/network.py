"""The credit network as a ``networkx.DiGraph``: who is exposed to whom, and how much.

An edge ``u → v`` means ``u`` loses if ``v`` defaults: a lender is exposed to its borrower
(loan principal), a seller to its buyer (remaining contract value), a lessor to the guarantor of
its lease (remaining backstop). Nodes carry type, name, size (total assets) and health.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel


def credit_network(model: BubbleModel) -> nx.DiGraph:
    """Build the exposure graph at the model's current week.

    Args:
        model: The model.

    Returns:
        A DiGraph with integer node ids (agents' unique ids); edge attributes ``amount_usd``
        (summed over instruments) and ``instruments`` (a dict instrument → USD).
    """
    g = nx.DiGraph(week=model.week)
    for f in model.firms.values():
        g.add_node(
            f.unique_id,
            name=f.name,
            kind=str(f.kind),
            size_usd=float(max(f.assets_usd(), 0.0)),
            health=str(f.health),
        )
    for loan in model.book.active_loans():
        if not loan.outside_lender:
            _add(
                g,
                loan.lender.unique_id,
                loan.borrower.unique_id,
                loan.instrument,
                loan.principal_usd,
            )
    for c in model.book.live_contracts():
        if c.outside_buyer or c.outside_seller:
            continue
        _add(
            g, c.seller.unique_id, c.buyer.unique_id, str(c.kind), c.remaining_value_usd(model.week)
        )
        if c.guarantor is not None and c.backstop_remaining_usd > 0 and not c.backstop_active:
            _add(g, c.seller.unique_id, c.guarantor.unique_id, "backstop", c.backstop_remaining_usd)
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
