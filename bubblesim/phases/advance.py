"""Phase 1: the world moves on.

The drivers advance one week and their shocks are logged as they begin (so defaults can name
them as triggers); fire-sale discounts recover; halls whose leases start are finished (the ASICs
on their power are retired); contracts start and end; own builds complete; GPUs wear; every fleet
is marked to market.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.accounts.ledger import Flow
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World

GPU_SCRAP_CONDITION = 0.05
"""GPUs keep this share of their value however worn (scrap and parts)."""


def run(world: World) -> None:
    """Advance drivers, start and end instruments, depreciate and mark hardware."""
    week = world.clock.week
    world.ledger.reset_step()
    world.desk.start_week()
    state = world.drivers.step(week)
    world.hardware.observe(state)
    world.spot.observe(state.frontier_efficiency, world.hardware.list_price_ratio)
    for driver, text in world.drivers.shock_onsets():
        world.events.record_shock(driver, text)
    _outside_losses(world)
    _finish_halls(world)
    parties, forfeited = world.book.contracts.turn_of_week(week)
    if forfeited.size:
        world.ledger.post_transfers_of_value(parties[0], parties[1], forfeited)
    world.agents.providers.finish_building(week)
    active = world.agents.table.active()
    dep = world.config.markets.market_gpu_depreciation_per_year / WEEKS_PER_YEAR
    world.agents.table.wear_gpus(active, dep, GPU_SCRAP_CONDITION)
    world.hardware.mark_all()


def _outside_losses(world: World) -> None:
    """Stand-in borrowers scheduled to lose their outside assets this week lose their cash.

    The 2022 economy's non-mining crypto exposures (Terra/Three Arrows, FTX) hold their assets
    as cash until their date, so they look sound to their lenders (no provision ahead of the
    news); on the date the assets are gone (an exogenous shock, logged so that the defaults
    that follow name it), and the bullet that falls due the same week is not paid.
    """
    rows = world.scheduled_losses.pop(world.clock.week, [])
    for row in rows:
        cash = float(world.ledger.cash_usd[row])
        if cash > 0 and not world.agents.table.is_defaulted(row):
            world.ledger.transfer(row, None, cash, Flow.OUTSIDE_LOSS)
        name = world.agents.firms[row].name
        world.events.record_shock("outside", f"{name} collapse: outside assets lost")


def _finish_halls(world: World) -> None:
    """Halls whose lease starts this week are finished: their cost moves from construction.

    Their power was taken off the ASICs when they were committed (the site's one power
    constraint); any ASICs that still do not fit are retired now.
    """
    pue = world.config.markets.market_pue
    miners, table = world.agents.miners, world.agents.table
    for index in miners.building_halls(world.clock.week):
        row = int(miners.row[index])
        if table.is_defaulted(row):
            continue
        for _, _contract, cost in miners.finished_halls(index, world.clock.week):
            table.finish_hall(row, cost)
        th = miners.excess_asic_th(
            index,
            float(table.asic_th[row]),
            float(table.asic_efficiency_j_per_th[row]),
            float(table.gpu_mw[row]),
            pue,
        )
        if th > 0:
            world.hardware.sell_asics(row, th)
