"""Phase 4: production and the spot market.

External flows accrue: end users pay labs, big tech earns from its other businesses, miners earn
block rewards. Power and operating costs become this week's dues to outside creditors, which
settlement ranks pari passu with network obligations. Idle capacity meets labs' uncontracted
demand on the spot market; the spot price moves with excess demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.ledger import DUE_INDEX, FLOW_CODE, Flow
from bubblesim.agents.miner import mining_mw
from bubblesim.agents.provider import spare_gpu_mw
from bubblesim.columns import seq_sum
from bubblesim.economics import mining_revenue_usd_per_week, power_cost_usd_per_week
from bubblesim.markets.spot import payment_pairs
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World


def run(world: World) -> None:
    """Accrue external revenue and costs, then clear the spot market."""
    state = world.drivers.state
    ledger, agents = world.ledger, world.agents
    table = agents.table
    ledger.reset_dues()
    labs, providers, miners = agents.labs, agents.providers, agents.miners
    alive_labs = agents.active_members(labs)
    alive_providers = agents.active_members(providers)
    alive_miners = agents.active_members(miners)
    hashing = miners.row[alive_miners[miners.mining_on[alive_miners]]]
    th = table.asic_th[hashing]
    income = [
        labs.revenue_usd_per_year[alive_labs] / WEEKS_PER_YEAR,
        providers.other_income_usd_per_year[alive_providers] / WEEKS_PER_YEAR,
        mining_revenue_usd_per_week(th, state.hashprice_usd_per_ph_day),
    ]
    rows = [labs.row[alive_labs], providers.row[alive_providers], hashing]
    kinds = np.repeat(_INCOME_CODES, [len(r) for r in rows])
    ledger.receive_many(np.concatenate(rows), np.concatenate(income), kinds)
    power = power_cost_usd_per_week(
        mining_mw(th, table.asic_efficiency_j_per_th[hashing]), state.power_price_usd_per_mwh
    )
    rent = world.book.contracts.totals(world.n_agents).hosting_rent_usd
    margin = world.config.contracts.contract_hosting_noi_margin
    hosts = miners.row[alive_miners]
    vendors = agents.vendors
    vendors.set_operating_costs(
        world.clock.week, world.config.guarantors.vendor_operating_cost_floor_share
    )
    alive_vendors = agents.active_members(vendors)
    vendor_rows = vendors.row[alive_vendors]
    ledger.owe_many(
        np.concatenate([hashing, hosts, vendor_rows]),
        np.repeat(_DUE_CODES, [len(hashing), len(hosts) + len(vendor_rows)]),
        np.concatenate(
            [
                power,
                (1.0 - margin) * rent[hosts],
                vendors.operating_cost_usd_per_year[alive_vendors] / WEEKS_PER_YEAR,
            ]
        ),
    )
    clear_spot_market(world)
    _gpu_power_bills(world)


_INCOME = (Flow.END_DEMAND_REVENUE, Flow.OTHER_INCOME, Flow.MINING_INCOME)
_INCOME_CODES = np.array([FLOW_CODE[k] for k in _INCOME], dtype=np.int64)
_POWER, _OPERATING = DUE_INDEX[Flow.POWER_BILL], DUE_INDEX[Flow.OPERATING_COST]
_DUE_CODES = np.array([_POWER, _OPERATING], dtype=np.int64)


def _gpu_power_bills(world: World) -> None:
    """Providers and miners owe power for the GPUs in use (contracts used plus spot sold)."""
    agents, book = world.agents, world.book
    table, _c = agents.table, book.contracts
    rows = np.concatenate(
        [
            agents.providers.row[agents.active_members(agents.providers)],
            agents.miners.row[agents.active_members(agents.miners)],
        ]
    )
    gpu = table.gpu_mw[rows]
    rows, gpu = rows[gpu > 0], gpu[gpu > 0]
    used = book.contracts.totals(world.n_agents).cloud_used_mw[rows] + table.spot_sold_mw[rows]
    used_mw = gpu * np.minimum(1.0, used / gpu)
    state = world.drivers.state
    pue = world.config.markets.market_pue
    bill = power_cost_usd_per_week(used_mw * pue, state.power_price_usd_per_mwh)
    world.ledger.owe(rows, Flow.POWER_BILL, bill)


def clear_spot_market(world: World) -> None:
    """Match labs' uncontracted demand with idle capacity at the spot price, then move the price.

    Quantities are compute units: supply is every active provider's spare GPUs plus the unused
    part of contracted capacity (which its owner resells), each MW counted at its fleet's
    efficiency; demand is each lab's desired compute beyond its contracts, limited by what its
    cash can pay this week. Trade is the smaller of the two, shared pro rata; labs pay sellers
    at once.
    """
    agents, book, n = world.agents, world.book, world.n_agents
    table = agents.table
    weekly_price = world.spot.price_usd_per_cu_year / WEEKS_PER_YEAR
    providers = agents.providers
    table.set_spot_sold(providers.row, 0.0)
    sellers = providers.row[agents.active_members(providers)]
    totals = book.contracts.totals(n)
    gpu = table.gpu_mw[sellers]
    idle = (
        spare_gpu_mw(gpu, totals.cloud_bought_active_mw[sellers], totals.cloud_sold_mw[sellers])
        + totals.cloud_unused_mw[sellers]
    )
    efficiency = table.gpu_efficiency[sellers]
    supply = idle * efficiency
    labs = agents.labs
    alive = agents.active_members(labs)
    buyers = labs.row[alive]
    contracted = totals.cloud_contracted_cu[buyers]
    want = np.maximum(0.0, labs.desired_cu[alive] - contracted)
    bill = totals.bills_usd[buyers]
    afford = np.maximum(0.0, world.ledger.cash_usd[buyers] - bill) / weekly_price
    demand = np.minimum(want, afford)
    total_s, total_d = seq_sum(supply), seq_sum(demand)
    traded = min(total_s, total_d)
    labs.bought_spot(alive, traded * demand / total_d if traded > 0 else np.zeros(len(alive)))
    if traded > 0:
        paid = traded * demand / total_d * weekly_price
        received = traded * supply / total_s * weekly_price
        pairs, amounts = payment_pairs(paid, received)
        if amounts.size:
            world.ledger.transfer_batch(
                buyers[pairs[0]],
                sellers[pairs[1]],
                amounts,
                np.full(len(amounts), FLOW_CODE[Flow.SPOT_PAYMENT]),
            )
        spot_mw = traded * supply / total_s / np.maximum(efficiency, 1e-9)
        table.set_spot_sold(sellers, spot_mw)
    world.spot.clear(total_d, total_s, traded)
