"""Phase 1 and the end of each step: the world moves on, instruments start and end, health.

The drivers advance one week; exogenous shocks are logged when they begin (so defaults can name
them as triggers); halls finish and their leases start; contracts reach their end; hardware
depreciates and is marked to market.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.agents import AgentType, Firm, Health, Lender, Miner
from bubblesim.events import EventKind
from bubblesim.instruments import ContractKind, Status
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel


def advance_world(model: BubbleModel) -> None:
    """Advance drivers, start and end instruments, depreciate and mark hardware."""
    week = model.week
    model.ledger.reset_step()
    model.new_lending_usd = 0.0
    model.credit_refusals = 0
    state = model.drivers.step(week)
    model.markets.observe(state)
    _log_shocks(model)
    _finish_construction(model)
    for contract in model.book.live_contracts():
        if contract.status is Status.PENDING and contract.start_week <= week:
            contract.status = Status.ACTIVE
        elif contract.status is Status.ACTIVE and week >= contract.end_week:
            contract.status = Status.MATURED
            _forfeit_unused_prepayment(contract)
    for provider in model.providers:
        done = [mw for w, mw in provider.building if w <= week]
        provider.own_space_mw += sum(done)
        provider.building = [(w, mw) for w, mw in provider.building if w > week]
    dep = model.config.markets.market_gpu_depreciation_per_year / WEEKS_PER_YEAR
    for firm in model.active_firms():
        firm.gpu_condition = max(0.05, firm.gpu_condition - dep)
    model.markets.mark_all(model.active_firms())
    model.book.prune()


def _forfeit_unused_prepayment(contract) -> None:
    """A prepayment not used up by the end of its contract is forfeited, as unused commitments are.

    The buyer writes its prepaid asset off and the seller recognises its deferred revenue, the
    rule that also applies when a contract is terminated; no cash moves. Without it both sides
    of the unamortised prepayment would leave the balance sheets with the contract and the books
    would no longer balance (terms under a year, or offsets capped by a small payment).
    """
    if contract.prepaid_usd <= 0:
        return
    if not contract.outside_buyer:
        contract.buyer.post_pnl(-contract.prepaid_usd)
    if not contract.outside_seller:
        contract.seller.post_pnl(contract.prepaid_usd)
    contract.prepaid_usd = 0.0


def _finish_construction(model: BubbleModel) -> None:
    """Halls whose lease starts this week are finished: ASICs on that power are retired (sold).

    The site keeps hashing while the hall is built; capacity never goes negative.
    """
    pue = model.config.markets.market_pue
    for miner in model.miners:
        if miner.defaulted or not miner.conversions:
            continue
        done = [c for c in miner.conversions if c[0] <= model.week]
        for _, contract_id, cost in done:
            miner.construction_usd -= cost
            miner.halls_usd += cost
            mw = model.book.contract(contract_id).mw if contract_id >= 0 else 0.0
            retire = min(miner.asic_th, mw * pue * 1e6 / miner.efficiency_j_per_th)
            model.markets.sell_asics(model.ledger, miner, retire)
        miner.conversions = [c for c in miner.conversions if c[0] > model.week]


def _log_shocks(model: BubbleModel) -> None:
    """Record the week each exogenous shock begins, by the driver it comes from."""
    d = model.config.drivers
    state = model.drivers.state
    week = model.week
    shocks = []
    if d.demand.demand_slowdown_depth > 0 and week == d.demand.demand_slowdown_start_week:
        depth = d.demand.demand_slowdown_depth
        shocks.append(("demand", f"AI demand slowdown begins (depth {depth:.2f})"))
    if d.bitcoin.btc_path == "crash" and week == d.bitcoin.btc_crash_start_week:
        shocks.append(("bitcoin", f"bitcoin crash begins (depth {d.bitcoin.btc_crash_depth:.0%})"))
    if d.rates.rate_shock_bp != 0 and week == d.rates.rate_shock_week:
        shocks.append(("rates", f"rate shock begins ({d.rates.rate_shock_bp:+.0f} bp)"))
    if state.new_generation_arrived:
        text = f"new chip generation arrives (frontier ×{state.frontier_efficiency:.1f})"
        shocks.append(("chips", text))
    for driver, text in shocks:
        event = model.events.record(week, EventKind.SHOCK, None, detail=text)
        model.shock_events[driver] = event
        model.last_shock_event = event


#: The drivers each agent type is exposed to, for naming the shock behind a default.
EXPOSURES: dict[AgentType, tuple[str, ...]] = {
    AgentType.LAB: ("demand",),
    AgentType.HYPERSCALER: ("demand", "chips", "rates"),
    AgentType.NEOCLOUD: ("demand", "chips", "rates"),
    AgentType.MINER: ("bitcoin", "rates", "chips"),
    AgentType.LENDER: ("rates", "bitcoin", "demand"),
}


def relevant_shock(model: BubbleModel, firm: Firm) -> int:
    """The latest exogenous shock the firm is exposed to (a miner without GPUs ignores chips).

    Returns:
        Its event id, or -1 if none has happened.
    """
    drivers = EXPOSURES[firm.kind]
    if firm.kind is AgentType.MINER and firm.gpu_mw <= 0:
        drivers = tuple(x for x in drivers if x != "chips")
    events = [model.shock_events[x] for x in drivers if x in model.shock_events]
    return max(events, default=-1)


def update_health(model: BubbleModel) -> None:
    """Classify every agent healthy, distressed or defaulted (for reports and the explorer).

    Distressed: negative book equity, or cash below four weeks of its obligations, or (lenders)
    credit stress above one half.
    """
    for firm in model.firms.values():
        if firm.defaulted:
            continue
        weekly = sum(c.cash_due_usd() for c in model.book.contracts_bought_by(firm))
        weekly += sum(
            loan.interest_due_usd(model.drivers.state.base_rate_per_year)
            for loan in model.book.loans_of(firm)
        )
        distressed = firm.equity_usd < 0 or firm.cash_usd < 4 * weekly
        if isinstance(firm, Lender):
            distressed = distressed or firm.policy.stress > 0.5
        firm.health = Health.DISTRESSED if distressed else Health.HEALTHY


def hosting_rent_usd_per_week(miner: Miner) -> float:
    """Rent a host receives this week from its active leases."""
    leases = miner.model.book.contracts_sold_by(miner, ContractKind.HOSTING)
    return sum(c.gross_payment_usd() for c in leases if c.status is Status.ACTIVE)
