"""Phase 2: expectations and decisions.

Labs update revenue expectations and decide how much compute they want and use; miners decide
whether to hash; big-tech lessees decide whether to walk away at a break date; lenders set their
credit policy from their capital and liquidity; the sentiment channel opens or closes the
funding windows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import ContractKind
from bubblesim.agents.provider import capex_share, utilisation
from bubblesim.economics import funding_windows, revenue_per_compute_unit
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World


def run(world: World) -> None:
    """Run every agent's decision rule for this week."""
    _labs_plan_compute(world)
    _miners_decide_to_hash(world)
    _walk_away_at_breaks(world)
    _lenders_set_policy(world)
    cfg = world.config
    state = world.drivers.state
    equity, convertible = funding_windows(
        cfg.channels.channel_sentiment,
        state.ai_sentiment,
        state.btc_drawdown,
        cfg.behaviour.sentiment_equity_threshold,
        cfg.behaviour.sentiment_btc_drawdown_limit,
    )
    world.desk.set_windows(equity, convertible)


def _labs_plan_compute(world: World) -> None:
    """Labs observe demand, earn what their compute serves, plan compute and set its usage.

    A lab's compute this week is its active GPU cloud contracts plus last week's spot
    purchases; what it can pay for includes what it could raise at its valuation while the
    equity window (last week's) is open.
    """
    b, r = world.config.behaviour, world.config.revenue
    state = world.drivers.state
    labs = world.agents.labs
    alive = world.agents.active_members(labs)
    rows = labs.row[alive]
    totals = world.book.contracts.totals(world.n_agents)
    compute = totals.cloud_bought_active_cu[rows] + labs.spot_bought_cu[alive]
    labs.plan(
        alive,
        world.ledger.cash_usd[rows],
        world.equity.lab_raisable_usd(alive),
        compute,
        state.ai_end_revenue_usd_per_year,
        state.ai_demand_growth_per_year,
        b.expectation_smoothing,
        b.lab_compute_spend_to_revenue,
        world.spot.price_usd_per_cu_year,
        b.lab_planning_horizon_weeks / WEEKS_PER_YEAR,
        revenue_per_compute_unit(
            r.revenue_per_compute_unit_usd_per_year,
            r.revenue_compute_intensity_growth_per_year,
            world.clock.week,
        ),
        r.revenue_compute_elasticity,
    )
    wanted = np.full(world.n_agents, np.nan)
    wanted[labs.row[alive]] = labs.desired_cu[alive]
    world.book.contracts.use_capacity(wanted)


def _miners_decide_to_hash(world: World) -> None:
    miners, table = world.agents.miners, world.agents.table
    alive = world.agents.active_members(miners)
    rows = miners.row[alive]
    state = world.drivers.state
    miners.decide_mining(
        alive,
        table.asic_th[rows],
        table.asic_efficiency_j_per_th[rows],
        state.hashprice_usd_per_ph_day,
        state.power_price_usd_per_mwh,
    )


def _walk_away_at_breaks(world: World) -> None:
    """Big-tech lessees walk away from hosting leases at break dates when under-used."""
    c = world.book.contracts
    leases = world.book.live_of_kind(ContractKind.HOSTING, active_only=True)
    due = leases[c.break_week[leases] == world.clock.week]
    if due.size == 0:
        return
    providers, table = world.agents.providers, world.agents.table
    threshold = world.config.behaviour.provider_walkaway_utilisation
    stress_share = world.config.guarantors.big_tech_stress_break_share
    used, bought = _provider_usage(world)
    for index in world.agents.active_members(providers).tolist():
        row = int(providers.row[index])
        if not providers.big_tech[index]:
            continue
        mine = due[c.buyer[due] == row]
        if mine.size == 0:
            continue
        stressed = capex_share(world, index) < stress_share  # its finances (issue 13)
        if not stressed and utilisation(used[row], table.gpu_mw[row], bought[row]) >= threshold:
            continue
        why = "financial stress" if stressed else "low utilisation"
        for lease in mine.tolist():
            world.events.record(
                EventKind.CONTRACT_TERMINATED,
                row,
                counterparty=int(c.seller[lease]),
                amount_usd=float(c.remaining_value_usd(lease, world.clock.week)),
                detail=f"break clause exercised ({why})",
            )
            prepaid = c.terminate(lease)
            world.ledger.post_pnl(row, -prepaid)
            world.ledger.post_pnl(int(c.seller[lease]), prepaid)


def _provider_usage(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Per agent: GPU cloud capacity used under active sold contracts, and bought capacity."""
    totals = world.book.contracts.totals(world.n_agents)
    return totals.cloud_used_mw, totals.cloud_bought_active_mw


def _lenders_set_policy(world: World) -> None:
    cr = world.config.credit
    lenders = world.agents.lenders
    rows = lenders.row
    book = world.book.receivable_by_agent(world.n_agents) + world.desk.commitment_exposure_usd()
    world.agents.lenders.set_policies(
        world.ledger.equity_usd[rows],
        book[rows],
        world.ledger.cash_usd[rows],
        world.agents.table.is_defaulted(rows),
        cr.credit_tightening_sensitivity,
        cr.credit_spread_stress_per_year,
        responsive=world.config.channels.channel_funding,
        loss_onset_share=cr.credit_loss_stress_onset_share,
        loss_full_share=cr.credit_loss_stress_full_share,
    )
