"""The state of a run as arrays, straight from the engine's tables, for per-week snapshots.

:func:`state_arrays` reads, in one pass over the column tables and without a per-agent or
per-instrument Python loop, what a viewer keeps each week: every agent's health and balance
sheet, the credit network's edges (the same edges, amounts and order as
:func:`bubblesim.reporting.network.credit_network`), the live contracts (grouped by seller, as
``book.contracts_sold_by`` lists them agent by agent) and the active loans (grouped by borrower,
as ``book.loans_of``), with the fixed terms of the instruments newer than a watermark.

Parties are agent rows (−1: none). Everything returned is a copy or a fresh array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.instruments import COLLATERAL_OF_CODE, KIND_OF_CODE

if TYPE_CHECKING:
    from bubblesim.world import World


@dataclass(frozen=True, slots=True)
class ContractTermArrays:
    """Fixed terms of some contracts, one entry per contract (rows of the contract store)."""

    id: np.ndarray
    kind: tuple[str, ...]
    seller: np.ndarray
    mw: np.ndarray
    price_usd_per_mw_year: np.ndarray
    start_week: np.ndarray
    end_week: np.ndarray
    guarantor: np.ndarray


@dataclass(frozen=True, slots=True)
class LoanTermArrays:
    """Fixed terms of some loans, one entry per loan."""

    id: np.ndarray
    lender: np.ndarray
    borrower: np.ndarray
    instrument: tuple[str, ...]
    collateral: tuple[str, ...]
    maturity_week: np.ndarray
    spread_per_year: np.ndarray
    floating: np.ndarray


@dataclass(frozen=True, slots=True)
class StateArrays:
    """The state of a run at the end of a week, as arrays (see the module docstring).

    Attributes:
        week: The week.
        uid: Each agent's unique id, by row.
        kind: Its agent type code (``AGENT_TYPES``).
        health: Its health code (``HEALTH_OF_CODE``).
        default_week: Week of its default (−1: none).
        default_event: Id of its default event (−1: none).
        sheet: Every agent's balance sheet, one array per item
            (:meth:`bubblesim.world.World.balance_sheets`: the items of ``Firm.balance_sheet``,
            each agent's instruments summed in another order, so equal to about 1e-15).
        edge_src: Exposed agent (row) of each credit-network edge, in the graph's edge order.
        edge_dst: Agent (row) it is exposed to.
        edge_usd: Amount, USD, summed over instruments in the graph's order.
        contract_id: Ids of the live contracts, by seller then row.
        contract_seller: Their sellers.
        contract_buyer: Their buyers.
        contract_status: Their status codes (``Code``).
        contract_prepaid_usd: Their unamortised prepayments, USD.
        loan_id: Ids of the active loans, by borrower then row.
        loan_borrower: Their borrowers.
        loan_principal_usd: Their outstanding principal, USD.
        loan_status: Their status codes.
        new_contracts: Terms of the live contracts with an id above the watermark.
        new_loans: Terms of the active loans with an id above the watermark.
        last_contract_id: Id of the newest contract ever signed (−1: none), a watermark.
        last_loan_id: Id of the newest loan ever made (−1: none).
    """

    week: int
    uid: np.ndarray
    kind: np.ndarray
    health: np.ndarray
    default_week: np.ndarray
    default_event: np.ndarray
    sheet: dict[str, np.ndarray]
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_usd: np.ndarray
    contract_id: np.ndarray
    contract_seller: np.ndarray
    contract_buyer: np.ndarray
    contract_status: np.ndarray
    contract_prepaid_usd: np.ndarray
    loan_id: np.ndarray
    loan_borrower: np.ndarray
    loan_principal_usd: np.ndarray
    loan_status: np.ndarray
    new_contracts: ContractTermArrays
    new_loans: LoanTermArrays
    last_contract_id: int
    last_loan_id: int


def state_arrays(
    world: World, contracts_after_id: int = -1, loans_after_id: int = -1
) -> StateArrays:
    """The state of the world now, as arrays.

    Args:
        world: The world (read only).
        contracts_after_id: Terms are returned for live contracts with a larger id only (pass
            the previous call's ``last_contract_id``: their terms never change).
        loans_after_id: The same for active loans (the previous ``last_loan_id``).

    Returns:
        The arrays (:class:`StateArrays`).
    """
    table = world.agents.table
    n = world.n_agents
    c, loans = world.book.contracts, world.book.loans

    live = c.live()
    sold = live[c.seller[live] >= 0]
    sold = sold[np.argsort(c.seller[sold], kind="stable")]
    active = loans.active()
    owed = active[loans.borrower[active] >= 0]
    owed = owed[np.argsort(loans.borrower[owed], kind="stable")]

    new_c = sold[c.id[sold] > contracts_after_id]
    new_l = owed[loans.id[owed] > loans_after_id]
    src, dst, usd = _edges(world, n)
    return StateArrays(
        week=int(world.clock.week),
        uid=table.uid[:n].copy(),
        kind=table.kind[:n].copy(),
        health=table.health[:n].copy(),
        default_week=table.default_week[:n].copy(),
        default_event=table.default_event[:n].copy(),
        sheet={item: values[:n].copy() for item, values in world.balance_sheets().items()},
        edge_src=src,
        edge_dst=dst,
        edge_usd=usd,
        contract_id=c.id[sold],
        contract_seller=c.seller[sold],
        contract_buyer=c.buyer[sold],
        contract_status=c.status[sold],
        contract_prepaid_usd=c.prepaid_usd[sold],
        loan_id=loans.id[owed],
        loan_borrower=loans.borrower[owed],
        loan_principal_usd=loans.principal_usd[owed],
        loan_status=loans.status[owed],
        new_contracts=ContractTermArrays(
            id=c.id[new_c],
            kind=tuple(str(KIND_OF_CODE[k]) for k in c.kind[new_c].tolist()),
            seller=c.seller[new_c],
            mw=c.mw[new_c],
            price_usd_per_mw_year=c.price_usd_per_mw_year[new_c],
            start_week=c.start_week[new_c],
            end_week=c.end_week[new_c],
            guarantor=c.guarantor[new_c],
        ),
        new_loans=LoanTermArrays(
            id=loans.id[new_l],
            lender=loans.lender[new_l],
            borrower=loans.borrower[new_l],
            instrument=tuple(loans.label(r) for r in new_l.tolist()),
            collateral=tuple(str(COLLATERAL_OF_CODE[k]) for k in loans.collateral[new_l].tolist()),
            maturity_week=loans.maturity_week[new_l],
            spread_per_year=loans.spread_per_year[new_l],
            floating=loans.floating[new_l],
        ),
        last_contract_id=int(c.id[len(c) - 1]) if len(c) else -1,
        last_loan_id=int(loans.id[len(loans) - 1]) if len(loans) else -1,
    )


def _edges(world: World, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The credit network's edges: ``credit_network``'s parts in its order, merged per pair.

    The graph adds, in this order, each active loan held inside the economy (lender → borrower,
    principal), then each live contract between two agents (seller → buyer, remaining value),
    each followed by its standing backstop (seller → guarantor); parts of zero or less and
    self-loops are skipped, and the parts of a pair are summed in that order. Its edges are
    listed by exposed agent (in row order), then by when the pair first appeared.
    """
    loans, c = world.book.loans, world.book.contracts
    active = loans.active()
    held = active[~loans.outside_lender[active]]
    live = c.live()
    live = live[~c.outside_buyer[live] & ~c.outside_seller[live]]
    value = c.remaining_value_usd(live, world.clock.week)
    guarantor = c.guarantor[live]
    backstop = c.backstop_remaining_usd[live]
    standing = (guarantor >= 0) & (backstop > 0) & ~c.backstop_active[live]
    # each contract's part, then its backstop's part (or an empty slot), interleaved
    k = len(live)
    seller = c.seller[live]
    u = np.concatenate([loans.lender[held], np.repeat(seller, 2)])
    v = np.concatenate(
        [loans.borrower[held], np.column_stack([c.buyer[live], guarantor]).reshape(2 * k)]
    )
    amount = np.concatenate(
        [
            loans.principal_usd[held],
            np.column_stack([value, np.where(standing, backstop, 0.0)]).reshape(2 * k),
        ]
    )
    keep = (amount > 0) & (u != v)
    u, v, amount = u[keep], v[keep], amount[keep]
    if not len(u):
        empty = np.zeros(0, dtype=np.int32)
        return empty, empty.copy(), np.zeros(0)
    pair = u * n + v
    pairs, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=amount, minlength=len(pairs))
    src, dst = pairs // n, pairs % n
    order = np.lexsort((first, src))
    return src[order].astype(np.int32), dst[order].astype(np.int32), total[order]
