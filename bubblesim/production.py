"""Phase 4: production and the spot market.

External flows accrue: end users pay labs, big tech earns from its other businesses, miners earn
block rewards. Power and operating costs become this week's *external liabilities*, which
settlement ranks pari passu with network obligations. Idle capacity meets labs' uncontracted
demand on the spot market; the spot price moves with excess demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.economics import mining_revenue_usd_per_week, power_cost_usd_per_week
from bubblesim.instruments import ContractKind, Status
from bubblesim.ledger import Flow
from bubblesim.lifecycle import hosting_rent_usd_per_week
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel


def produce(model: BubbleModel) -> None:
    """Accrue external revenue and costs, then clear the spot market."""
    state = model.drivers.state
    m = model.config.markets
    ledger = model.ledger
    for firm in model.firms.values():
        firm.external_due = {}
    for lab in model.labs:
        if not lab.defaulted:
            ledger.transfer(
                None, lab, lab.revenue_usd_per_year / WEEKS_PER_YEAR, Flow.END_DEMAND_REVENUE
            )
    for provider in model.providers:
        if provider.defaulted:
            continue
        ledger.transfer(
            None, provider, provider.other_income_usd_per_year / WEEKS_PER_YEAR, Flow.OTHER_INCOME
        )
    for miner in model.miners:
        if miner.defaulted:
            continue
        if miner.mining_on:
            revenue = mining_revenue_usd_per_week(miner.asic_th, state.hashprice_usd_per_ph_day)
            ledger.transfer(None, miner, revenue, Flow.MINING_INCOME)
            owe(
                miner,
                Flow.POWER_BILL,
                power_cost_usd_per_week(miner.mining_mw(), state.power_price_usd_per_mwh),
            )
        rent = hosting_rent_usd_per_week(miner)
        margin = model.config.contracts.contract_hosting_noi_margin
        owe(miner, Flow.OPERATING_COST, (1.0 - margin) * rent)
    clear_spot_market(model)
    for firm in model.providers + model.miners:
        if firm.defaulted or firm.gpu_mw <= 0:
            continue
        used_mw = firm.gpu_mw * _gpu_utilisation(model, firm)
        owe(
            firm,
            Flow.POWER_BILL,
            power_cost_usd_per_week(used_mw * m.market_pue, state.power_price_usd_per_mwh),
        )


def owe(firm, kind: Flow, amount_usd: float) -> None:
    """Add to a firm's outside liabilities due this week (settled pari passu)."""
    if amount_usd > 0:
        firm.external_due[kind] = firm.external_due.get(kind, 0.0) + amount_usd


def _gpu_utilisation(model: BubbleModel, firm) -> float:
    """Share of a firm's own GPUs in use (contracts used plus spot sold)."""
    sold = model.book.contracts_sold_by(firm, ContractKind.GPU_CLOUD)
    used = sum(c.mw * c.usage_share for c in sold if c.status is Status.ACTIVE)
    used += firm.spot_sold_mw
    return min(1.0, used / firm.gpu_mw) if firm.gpu_mw > 0 else 0.0


def clear_spot_market(model: BubbleModel) -> None:
    """Match labs' uncontracted demand with idle capacity at the spot price, then move the price.

    Supply is every active provider's spare GPUs plus the unused part of contracted capacity
    (which its owner resells), each weighted by its efficiency relative to the frontier. Demand
    is each lab's desired compute beyond its contracts, limited by what its cash can pay this
    week. Trade is the smaller of the two, shared pro rata; labs pay sellers at once.
    """
    markets = model.markets
    frontier = model.drivers.state.frontier_efficiency
    weekly_price = markets.spot_price_usd_per_mw_year / WEEKS_PER_YEAR
    sellers, supply = [], []
    for p in model.providers:
        p.spot_sold_mw = 0.0
        if p.defaulted:
            continue
        idle = p.spare_gpu_mw() + sum(
            c.mw * (1.0 - c.usage_share)
            for c in model.book.contracts_sold_by(p, ContractKind.GPU_CLOUD)
            if c.status is Status.ACTIVE
        )
        sellers.append(p)
        supply.append(idle * p.gpu_efficiency / frontier)
    buyers, demand = [], []
    for lab in model.labs:
        if lab.defaulted:
            continue
        want = max(0.0, lab.desired_mw - lab.contracted_mw())
        afford = max(0.0, lab.cash_usd - lab.weekly_bill_usd()) / weekly_price
        buyers.append(lab)
        demand.append(min(want, afford))
    total_s, total_d = sum(supply), sum(demand)
    traded = min(total_s, total_d)
    model.spot_traded_mw = traded
    transfers = []
    if traded > 0:
        bought = [traded * d / total_d * weekly_price for d in demand]
        sold = [traded * s / total_s * weekly_price for s in supply]
        transfers = [
            (buyers[i], sellers[j], amount, Flow.SPOT_PAYMENT)
            for i, j, amount in match_payments(bought, sold)
        ]
        for p, s in zip(sellers, supply, strict=True):
            p.spot_sold_mw = traded * s / total_s * frontier / max(p.gpu_efficiency, 1e-9)
    model.ledger.transfer_batch(transfers)
    markets.update_spot(total_d, total_s)


def match_payments(paid: list[float], received: list[float]) -> list[tuple[int, int, float]]:
    """Pair buyers' payments with sellers' receipts in order (a two-pointer merge).

    Every buyer pays exactly its amount and every seller receives exactly its amount (the two
    lists have equal sums), with at most ``len(paid) + len(received) − 1`` transfers instead of
    one per buyer–seller pair.

    Args:
        paid: What each buyer pays.
        received: What each seller receives (same total).

    Returns:
        ``(buyer index, seller index, amount)`` triples.
    """
    out: list[tuple[int, int, float]] = []
    i = j = 0
    left_i = paid[0] if paid else 0.0
    left_j = received[0] if received else 0.0
    while i < len(paid) and j < len(received):
        amount = min(left_i, left_j)
        if amount > 0:
            out.append((i, j, amount))
        left_i -= amount
        left_j -= amount
        if left_i <= 1e-9 * max(1.0, paid[i]):
            i += 1
            left_i = paid[i] if i < len(paid) else 0.0
        if left_j <= 1e-9 * max(1.0, received[j]):
            j += 1
            left_j = received[j] if j < len(received) else 0.0
    return out
