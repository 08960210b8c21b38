"""Phase 2: expectations and decisions.

Labs update revenue expectations and decide how much compute they want and use; miners decide
whether to hash; big-tech lessees decide whether to walk away at a break date; lenders set their
credit policy from their capital; the sentiment channel opens or closes the funding windows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.events import EventKind
from bubblesim.instruments import ContractKind, Status
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel


def decide(model: BubbleModel) -> None:
    """Run every agent's decision rule for this week."""
    cfg = model.config
    state = model.drivers.state
    price = cfg.contracts.contract_gpu_cloud_price_usd_per_mw_year
    for lab in model.labs:
        if lab.defaulted:
            continue
        lab.observe(
            state.ai_end_revenue_usd_per_year,
            state.ai_demand_growth_per_year,
            cfg.behaviour.expectation_smoothing,
        )
        funded = model.windows["equity"] > 0  # last week's window
        lab.decide_compute(
            cfg.behaviour.lab_compute_spend_to_revenue,
            price,
            funded,
            cfg.behaviour.lab_planning_horizon_weeks / WEEKS_PER_YEAR,
        )
        usage = lab.usage_share()
        for contract in model.book.contracts_bought_by(lab, ContractKind.GPU_CLOUD):
            contract.usage_share = usage
    for miner in model.miners:
        if not miner.defaulted:
            miner.decide_mining(state.hashprice_usd_per_ph_day, state.power_price_usd_per_mwh)
    _walk_away_at_breaks(model)
    for lender in model.lenders:
        lender.set_policy(
            cfg.credit.credit_tightening_sensitivity,
            cfg.credit.credit_spread_stress_per_year,
            responsive=cfg.channels.channel_funding,
        )
    model.windows = funding_windows(model)


def funding_windows(model: BubbleModel) -> dict[str, float]:
    """Whether equity (labs) and convertible (miners) windows are open, and how wide.

    With the sentiment channel on, the labs' window is the AI sentiment index when it is above
    its threshold (closed below); the miners' convertible window is open while the bitcoin
    drawdown is within its limit and AI sentiment is above the threshold. With the channel off
    both windows stay fully open.

    Returns:
        ``{"equity": width in [0, 1], "convertible": 0 or 1}``.
    """
    cfg = model.config
    if not cfg.channels.channel_sentiment:
        return {"equity": 1.0, "convertible": 1.0}
    state = model.drivers.state
    threshold = cfg.behaviour.sentiment_equity_threshold
    equity = state.ai_sentiment if state.ai_sentiment >= threshold else 0.0
    convertible = (
        state.btc_drawdown <= cfg.behaviour.sentiment_btc_drawdown_limit
        and state.ai_sentiment >= threshold
    )
    return {"equity": equity, "convertible": float(convertible)}


def _walk_away_at_breaks(model: BubbleModel) -> None:
    """Big-tech lessees walk away from hosting leases at break dates when under-used."""
    threshold = model.config.behaviour.provider_walkaway_utilisation
    for provider in model.providers:
        if provider.defaulted or not provider.big_tech:
            continue
        leases = model.book.contracts_bought_by(provider, ContractKind.HOSTING)
        due = [c for c in leases if c.break_week == model.week and c.status is Status.ACTIVE]
        if due and provider.utilisation() < threshold:
            for lease in due:
                lease.status = Status.TERMINATED
                model.events.record(
                    model.week,
                    EventKind.CONTRACT_TERMINATED,
                    provider,
                    counterparty=lease.seller,
                    amount_usd=lease.remaining_value_usd(model.week),
                    detail="break clause exercised (low utilisation)",
                )
