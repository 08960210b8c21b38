"""Phase 1: the world moves on.

The drivers advance one week and their shocks are logged as they begin (so defaults can name
them as triggers); fire-sale discounts recover; halls whose leases start are finished (the ASICs
on their power are retired); contracts start and end; own builds complete; GPUs wear; every fleet
is marked to market.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    for driver, text in world.drivers.shock_onsets():
        world.events.record_shock(driver, text)
    _finish_halls(world)
    parties, forfeited = world.book.contracts.turn_of_week(week)
    if forfeited.size:
        world.ledger.post_transfers_of_value(parties[0], parties[1], forfeited)
    world.agents.providers.finish_building(week)
    active = world.agents.table.active()
    dep = world.config.markets.market_gpu_depreciation_per_year / WEEKS_PER_YEAR
    world.agents.table.wear_gpus(active, dep, GPU_SCRAP_CONDITION)
    world.hardware.mark_all()


def _finish_halls(world: World) -> None:
    """Halls whose lease starts this week are finished: ASICs on that power are retired (sold).

    The site keeps hashing while the hall is built; capacity never goes negative.
    """
    pue = world.config.markets.market_pue
    miners, table = world.agents.miners, world.agents.table
    contracts = world.book.contracts
    for index in miners.building_halls(world.clock.week):
        row = int(miners.row[index])
        if table.is_defaulted(row):
            continue
        for _, contract, cost in miners.finished_halls(index, world.clock.week):
            table.finish_hall(row, cost)
            mw = float(contracts.mw[contract]) if contract >= 0 else 0.0
            th = mw * pue * 1e6 / float(table.asic_efficiency_j_per_th[row])
            world.hardware.sell_asics(row, min(float(table.asic_th[row]), th))
