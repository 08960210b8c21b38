"""Model-level reporters for the DataCollector: the series a run reports, one row per week.

Each reporter is a named function of the world, declared once here; the explorer, the CLI and
the sweeps read only the collected series. Totals are added in agent (or instrument) order, so a
series does not depend on how its sum is vectorised.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numba import njit

from bubblesim.accounts.instruments import COLLATERAL_CODE, Collateral, ContractKind
from bubblesim.agents.base import AGENT_TYPES, TYPE_CODE, AgentType, HealthCode
from bubblesim.columns import maximum, pairwise_sum, seq_sum
from bubblesim.economics import gpu_value_usd_per_mw, required_revenue_usd_per_year
from bubblesim.units import HOURS_PER_YEAR, WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World


def _defaults(kind: AgentType) -> Callable[[World], int]:
    code = TYPE_CODE[kind]

    def reporter(world: World) -> int:
        t = world.agents.table
        return int(np.count_nonzero((t.health == HealthCode.DEFAULTED) & (t.kind == code)))

    reporter.__doc__ = f"Cumulative number of {kind} defaults."
    return reporter


def _alive(world: World, roster) -> np.ndarray:
    return roster.row[world.agents.active_members(roster)]


def lender_capital_usd(world: World) -> float:
    """Capital of lenders that have not defaulted."""
    return seq_sum(world.ledger.equity_usd[_alive(world, world.agents.lenders)])


def lender_losses_usd(world: World) -> float:
    """Cumulative credit-loss expense of all lenders.

    Provisions charged (net of releases) and write-offs beyond their provisions.
    """
    return seq_sum(world.agents.lenders.losses_usd)


def lender_capital_lost_usd(world: World) -> float:
    """Lender losses that count: credit losses, and at least all of a failed lender's capital.

    ``Σ_i (max(K_i, L_i) if lender i has failed else L_i)`` over the lenders of the leveraged
    credit network (not a pool that held only investment-grade hyperscaler notes at week 0:
    its losses are in ``lender_losses_usd``, its failure in the lender defaults; counting its
    capital let $72B of new hyperscaler bonds dilute the lender leg, measured, issue 13),
    ``K_i`` its initial capital and ``L_i`` its cumulative credit-loss expense (losses beyond
    capital fall on its funders, as Celsius's fell on its depositors). A lender that fails (on
    losses, a run or a gate it cannot meet) has lost its capital whatever its booked losses
    say; counting booked losses alone let three of six lenders fail while the lender leg read
    5% (measured, issue 14).
    """
    lenders = world.agents.lenders
    failed = world.agents.table.is_defaulted(lenders.row)
    losses = lenders.losses_usd
    lost = np.where(failed, np.maximum(lenders.initial_capital_usd, losses), losses)
    return seq_sum(lost[~lenders.investment_grade_book])


def credit_outstanding_usd(world: World) -> float:
    """Principal of all active loans."""
    loans = world.book.loans
    return seq_sum(loans.principal_usd[loans.active()])


def credit_capacity_usd(world: World) -> float:
    """New lending lenders' policies allow this week, summed (what the desk matches against)."""
    lenders = world.agents.lenders
    return seq_sum(lenders.capacity_usd[world.agents.active_members(lenders)])


def credit_supply_usd(world: World) -> float:
    """Credit outstanding plus the new lending lenders' policies allow (the desk's capacity)."""
    return credit_outstanding_usd(world) + credit_capacity_usd(world)


def _capital_weighted(world: World, values: np.ndarray) -> float:
    lenders = world.agents.lenders
    alive = world.agents.active_members(lenders)
    weights = np.maximum(0.0, world.ledger.equity_usd[lenders.row[alive]])
    total = seq_sum(weights)
    return seq_sum(weights * values[alive]) / total if total > 0 else 0.0


def credit_ltv_offered(world: World) -> float:
    """Origination LTV lenders offer on hardware, weighted by their capital."""
    ltv = world.config.credit.credit_gpu_ltv_max
    return ltv * _capital_weighted(world, world.agents.lenders.ltv_scale)


def credit_spread_add_offered_per_year(world: World) -> float:
    """Spread lenders add to normal terms, weighted by their capital."""
    return _capital_weighted(world, world.agents.lenders.spread_add_per_year)


def lender_capital_ratio(world: World) -> float:
    """Capital of lenders that have not defaulted over their loans (net of provisions).

    Zero when they hold no loans (every series stays finite).
    """
    lenders = world.agents.lenders
    rows = lenders.row[world.agents.active_members(lenders)]
    loans = seq_sum(world.book.receivable_by_agent(world.n_agents)[rows])
    return seq_sum(world.ledger.equity_usd[rows]) / loans if loans > 0 else 0.0


def lender_provisions_usd(world: World) -> float:
    """Provisions lenders hold against their loans."""
    loans = world.book.loans
    active = loans.active()
    return seq_sum(loans.allowance_usd[active[~loans.outside_lender[active]]])


def _cloud(world: World) -> np.ndarray:
    return world.book.live_of_kind(ContractKind.GPU_CLOUD, active_only=True)


def gpu_cloud_contracted_mw(world: World) -> float:
    """Capacity under active GPU cloud contracts, MW-IT."""
    return seq_sum(world.book.contracts.mw[_cloud(world)])


def gpu_cloud_contracted_cu(world: World) -> float:
    """Compute under active GPU cloud contracts, compute units (MW-IT of week-0 frontier chips)."""
    c, rows = world.book.contracts, _cloud(world)
    return seq_sum(c.mw[rows] * c.efficiency[rows])


def _spot_sold_mw(world: World) -> float:
    providers = world.agents.providers
    return seq_sum(world.agents.table.spot_sold_mw[providers.row])


def delivered_mw(world: World) -> float:
    """GPU capacity actually used: contracted capacity times usage, plus spot sales, MW-IT."""
    c, rows = world.book.contracts, _cloud(world)
    return float(seq_sum(c.mw[rows] * c.usage_share[rows]) + _spot_sold_mw(world))


def delivered_cu(world: World) -> float:
    """Compute actually used: contracted compute times usage, plus spot trades, compute units."""
    c, rows = world.book.contracts, _cloud(world)
    used = seq_sum(c.mw[rows] * c.efficiency[rows] * c.usage_share[rows])
    return float(used + world.spot.traded_cu)


def ai_demand_cu(world: World) -> float:
    """Compute the labs want, compute units."""
    labs = world.agents.labs
    return seq_sum(labs.desired_cu[world.agents.active_members(labs)])


def gpu_loan_ltv(world: World) -> float:
    """LTV of the GPU-backed book: principal of GPU-secured loans over their collateral's value.

    Summed over the borrowers with such loans (who have not defaulted); 0 without any.
    """
    return _gpu_ltvs(world)[0]


def gpu_loan_ltv_max(world: World) -> float:
    """The highest LTV of any GPU-backed borrower's GPU-secured loans (0 without any)."""
    return _gpu_ltvs(world)[1]


def _gpu_ltvs(world: World) -> tuple[float, float]:
    loans, table = world.book.loans, world.agents.table
    active = loans.active()
    gpu = active[loans.collateral[active] == COLLATERAL_CODE[Collateral.GPU]]
    gpu = gpu[~table.is_defaulted(loans.borrower[gpu])]
    if gpu.size == 0:
        return 0.0, 0.0
    owed = np.bincount(loans.borrower[gpu], loans.principal_usd[gpu], len(table))
    borrowers = np.flatnonzero(owed > 0)
    if borrowers.size == 0:
        return 0.0, 0.0
    value = world.hardware.gpu_value(borrowers)
    principal = owed[borrowers]
    total = seq_sum(value)
    aggregate = seq_sum(principal) / total if total > 0 else math.inf
    each = np.divide(principal, value, out=np.full(len(value), math.inf), where=value > 0)
    return float(aggregate), float(each.max())


def utilisation(world: World) -> float:
    """Delivered over installed GPU capacity."""
    table = world.agents.table
    installed = seq_sum(table.gpu_mw[table.active()])
    return float(min(1.0, delivered_mw(world) / installed)) if installed > 0 else 0.0


def ai_end_revenue_usd_per_year(world: World) -> float:
    """End revenue the labs earn (what their compute serves of adoption), run-rate."""
    labs = world.agents.labs
    return seq_sum(labs.revenue_usd_per_year[world.agents.active_members(labs)])


def ai_capex_usd_per_year(world: World) -> float:
    """Capex on GPUs and data centres over the last 52 weeks."""
    return world.capex.trailing_usd(52)


def ai_required_revenue_usd_per_year(world: World) -> float:
    """Revenue the installed AI base needs a year (the Bain gap's "revenue needed").

    :func:`bubblesim.economics.required_revenue_usd_per_year` with the GPU and data-centre
    capex still within their lives, the cost of capital ``base rate + spread``, and operating
    costs: power for every installed GPU (MW-IT × PUE × hours × power price) and the
    non-power operating cost of the data centres (the hosting rent's non-NOI share per MW).
    """
    r, m, c = world.config.revenue, world.config.markets, world.config.contracts
    state = world.drivers.state
    table = world.agents.table
    gpu = world.capex.installed_gpu_usd(r.gap_gpu_life_years * WEEKS_PER_YEAR)
    dc = world.capex.installed_datacentre_usd(r.gap_datacentre_life_years * WEEKS_PER_YEAR)
    gpu_mw = seq_sum(table.gpu_mw[table.active()])
    build = m.market_colo_build_cost_usd_per_mw
    dc_mw = dc / build if build > 0 else 0.0
    opex = gpu_mw * m.market_pue * HOURS_PER_YEAR * state.power_price_usd_per_mwh
    opex += dc_mw * (1.0 - c.contract_hosting_noi_margin) * c.contract_hosting_price_usd_per_mw_year
    return required_revenue_usd_per_year(
        gpu,
        dc,
        state.base_rate_per_year + r.gap_cost_of_capital_spread_per_year,
        r.gap_gpu_life_years,
        r.gap_datacentre_life_years,
        opex,
    )


def ai_revenue_gap_usd_per_year(world: World) -> float:
    """Revenue the installed base needs less the end revenue the labs earn (the Bain gap)."""
    return ai_required_revenue_usd_per_year(world) - ai_end_revenue_usd_per_year(world)


def leveraged_miner_mw_defaulted(world: World) -> float:
    """Power capacity of defaulted miners that had debt at week 0, MW."""
    miners, table = world.agents.miners, world.agents.table
    rows = miners.row
    hit = table.is_defaulted(rows) & (table.initial_debt_usd[rows] > 0)
    return seq_sum(miners.power_mw[hit])


def cash_total_usd(world: World) -> float:
    """Sum of all agents' cash (for stock-flow checks)."""
    return seq_sum(world.ledger.cash_usd)


def _lender_sum(column: str) -> Callable[[World], float]:
    def reporter(world: World) -> float:
        return seq_sum(getattr(world.agents.lenders, column))

    reporter.__doc__ = f"Sum over lenders of ``{column}``."
    return reporter


def _lenders_alive(world: World) -> np.ndarray:
    lenders = world.agents.lenders
    return world.agents.active_members(lenders)


#: The measured credit aggregate (:class:`bubblesim.markets.credit.CreditDesk`) and the
#: lenders' funding side: what was asked, granted and refused, the crunch index, the terms
#: offered, provisions, capital ratio, funding and its flows (cumulative where named so).
_CREDIT_SERIES: dict[str, Callable[[World], float]] = {
    "credit_requested_usd": lambda w: float(w.desk.requested_usd),
    "credit_granted_usd": lambda w: float(w.desk.granted_usd),
    "rollovers_requested_usd": lambda w: float(w.desk.rollover_requested_usd),
    "rollovers_granted_usd": lambda w: float(w.desk.rollover_granted_usd),
    "new_lending_miners_usd": lambda w: float(w.desk.miner_granted_usd),
    "credit_requested_miners_usd": lambda w: float(w.desk.miner_requested_usd),
    "rollovers_granted_miners_usd": lambda w: float(w.desk.miner_rolled_usd),
    "credit_crunch_index": lambda w: float(w.desk.crunch_index),
    "credit_capacity_usd": credit_capacity_usd,
    "credit_ltv_offered": credit_ltv_offered,
    "credit_spread_add_offered_per_year": credit_spread_add_offered_per_year,
    "lender_capital_ratio": lender_capital_ratio,
    "lender_provisions_usd": lender_provisions_usd,
    "lender_charge_offs_usd": _lender_sum("charge_offs_usd"),
    "lender_funding_usd": lambda w: seq_sum(
        w.agents.table.funding_usd[w.agents.lenders.row[_lenders_alive(w)]]
    ),
    "lender_funding_cost_usd": _lender_sum("funding_cost_usd"),
    "lender_reserve_income_usd": _lender_sum("reserve_income_usd"),
    "lender_payouts_usd": _lender_sum("payouts_usd"),
    "lender_redemptions_usd": _lender_sum("redemptions_usd"),
    "lender_inflows_usd": _lender_sum("inflows_usd"),
    "lenders_gated": lambda w: int(np.count_nonzero(w.agents.lenders.gated[_lenders_alive(w)])),
    "lenders_running": lambda w: int(np.count_nonzero(w.agents.lenders.running[_lenders_alive(w)])),
    "halls_vacant_mw": lambda w: seq_sum(w.halls.vacant_it_mw()),
}


REPORTERS: dict[str, Callable[[World], float]] = {
    "week": lambda w: w.clock.week,
    **{f"defaults_{kind}": _defaults(kind) for kind in AGENT_TYPES},
    "leveraged_miner_mw_defaulted": leveraged_miner_mw_defaulted,
    "lender_capital_usd": lender_capital_usd,
    "lender_losses_usd": lender_losses_usd,
    "lender_capital_lost_usd": lender_capital_lost_usd,
    "credit_outstanding_usd": credit_outstanding_usd,
    "credit_supply_usd": credit_supply_usd,
    "new_lending_usd": lambda w: float(w.desk.new_lending_usd),
    "credit_refusals": lambda w: w.desk.refusals,
    **_CREDIT_SERIES,
    "spot_price_usd_per_cu_year": lambda w: float(w.spot.price_usd_per_cu_year),
    "gpu_rent_vintage0_usd_per_mw_year": lambda w: float(w.spot.rent_usd_per_mw_year(1.0)),
    "gpu_rent_frontier_usd_per_mw_year": lambda w: float(
        w.spot.rent_usd_per_mw_year(w.drivers.state.frontier_efficiency)
    ),
    "gpu_resale_usd_per_mw": lambda w: float(w.hardware.fleet_gpu_usd_per_mw()),
    "gpu_frontier_usd_per_mw": lambda w: float(w.hardware.frontier_gpu_usd_per_mw()),
    "gpu_vintage0_usd_per_mw": lambda w: float(w.hardware.vintage0_gpu_usd_per_mw()),
    "gpu_loan_ltv": gpu_loan_ltv,
    "gpu_loan_ltv_max": gpu_loan_ltv_max,
    "gpu_resale_index": lambda w: float(w.hardware.gpu_resale_index),
    "asic_price_usd_per_th": lambda w: float(w.hardware.asic_value_per_th()),
    "utilisation": utilisation,
    "btc_price_usd": lambda w: float(w.drivers.state.btc_price_usd),
    "hashprice_usd_per_ph_day": lambda w: float(w.drivers.state.hashprice_usd_per_ph_day),
    "ai_adoption_revenue_usd_per_year": lambda w: float(
        w.drivers.state.ai_end_revenue_usd_per_year
    ),
    "ai_end_revenue_usd_per_year": ai_end_revenue_usd_per_year,
    "ai_required_revenue_usd_per_year": ai_required_revenue_usd_per_year,
    "ai_capex_usd_per_year": ai_capex_usd_per_year,
    "ai_demand_cu": ai_demand_cu,
    "contracted_mw": gpu_cloud_contracted_mw,
    "contracted_cu": gpu_cloud_contracted_cu,
    "delivered_mw": delivered_mw,
    "delivered_cu": delivered_cu,
    "ai_revenue_gap_usd_per_year": ai_revenue_gap_usd_per_year,
    "base_rate_per_year": lambda w: float(w.drivers.state.base_rate_per_year),
    "power_price_usd_per_mwh": lambda w: float(w.drivers.state.power_price_usd_per_mwh),
    "frontier_efficiency": lambda w: float(w.drivers.state.frontier_efficiency),
    "cash_total_usd": cash_total_usd,
    "external_flows_usd": lambda w: float(w.ledger.net_external_usd()),
}
"""Reporter name → function of the world; names carry their units."""


def snapshot(world: World) -> dict[str, float]:
    """Every series' value this week, computed together (the same values as :data:`REPORTERS`).

    The totals over agents, loans and contracts are taken in one compiled pass.
    """
    table, agents, c, loans = (
        world.agents.table,
        world.agents,
        world.book.contracts,
        world.book.loans,
    )
    state, hardware, spot = world.drivers.state, world.hardware, world.spot
    lenders, miners, labs = agents.lenders, agents.miners, agents.labs
    t = _totals(
        table.health,
        table.kind,
        table.gpu_mw,
        table.initial_debt_usd,
        world.ledger.cash_usd,
        world.ledger.equity_usd,
        lenders.row,
        lenders.capacity_usd,
        lenders.losses_usd,
        miners.row,
        miners.power_mw,
        labs.row,
        labs.desired_cu,
        loans.active(),
        loans.principal_usd,
        _cloud(world),
        c.mw,
        c.usage_share,
        c.price_usd_per_mw_year,
        c.efficiency,
        len(AGENT_TYPES),
    ).tolist()
    delivered = t[_DELIVERED] + _spot_sold_mw(world)
    installed = t[_INSTALLED]
    list_price = hardware.list_price_usd_per_mw  # read once: nothing here moves it
    ltv, ltv_max = _gpu_ltvs_compiled(world, list_price)
    cfg = hardware.cfg

    def per_mw(efficiency: float) -> float:  # HardwareMarket.gpu_value_per_mw of a new GPU
        return gpu_value_usd_per_mw(
            list_price,
            efficiency,
            state.frontier_efficiency,
            spot.rental_ratio,
            hardware.gpu_resale_index,
            1.0,
            cfg.market_gpu_obsolescence_exponent,
            cfg.market_gpu_rent_elasticity,
        )

    end_revenue = ai_end_revenue_usd_per_year(world)
    required = ai_required_revenue_usd_per_year(world)
    out: dict[str, float] = {"week": world.clock.week}
    for code, kind in enumerate(AGENT_TYPES):
        out[f"defaults_{kind}"] = int(t[_COUNTS + code])
    out.update(
        {
            "leveraged_miner_mw_defaulted": t[_LEVERAGED],
            "lender_capital_usd": t[_CAPITAL],
            "lender_losses_usd": t[_LOSSES],
            "lender_capital_lost_usd": lender_capital_lost_usd(world),
            "credit_outstanding_usd": t[_OUTSTANDING],
            "credit_supply_usd": t[_SUPPLY],
            "new_lending_usd": float(world.desk.new_lending_usd),
            "credit_refusals": world.desk.refusals,
            "spot_price_usd_per_cu_year": float(spot.price_usd_per_cu_year),
            "gpu_rent_vintage0_usd_per_mw_year": float(spot.rent_usd_per_mw_year(1.0)),
            "gpu_rent_frontier_usd_per_mw_year": float(
                spot.rent_usd_per_mw_year(state.frontier_efficiency)
            ),
            "gpu_resale_usd_per_mw": hardware.fleet_gpu_usd_per_mw(),
            "gpu_frontier_usd_per_mw": float(per_mw(state.frontier_efficiency)),
            "gpu_vintage0_usd_per_mw": float(per_mw(1.0)),
            "gpu_loan_ltv": ltv,
            "gpu_loan_ltv_max": ltv_max,
            "gpu_resale_index": float(hardware.gpu_resale_index),
            "asic_price_usd_per_th": float(hardware.asic_value_per_th()),
            "utilisation": float(min(1.0, delivered / installed)) if installed > 0 else 0.0,
            "btc_price_usd": float(state.btc_price_usd),
            "hashprice_usd_per_ph_day": float(state.hashprice_usd_per_ph_day),
            "ai_adoption_revenue_usd_per_year": float(state.ai_end_revenue_usd_per_year),
            "ai_end_revenue_usd_per_year": end_revenue,
            "ai_required_revenue_usd_per_year": required,
            "ai_capex_usd_per_year": ai_capex_usd_per_year(world),
            "ai_demand_cu": t[_DEMAND],
            "contracted_mw": t[_CONTRACTED],
            "contracted_cu": t[_CONTRACTED_CU],
            "delivered_mw": delivered,
            "delivered_cu": t[_DELIVERED_CU] + spot.traded_cu,
            "ai_revenue_gap_usd_per_year": required - end_revenue,
            "base_rate_per_year": float(state.base_rate_per_year),
            "power_price_usd_per_mwh": float(state.power_price_usd_per_mwh),
            "frontier_efficiency": float(state.frontier_efficiency),
            "cash_total_usd": t[_CASH],
            "external_flows_usd": float(world.ledger.net_external_usd()),
        }
    )
    out.update(_credit_snapshot(world))
    return out


def _gpu_ltvs_compiled(world: World, list_price: float) -> tuple[float, float]:
    """:func:`_gpu_ltvs` in one compiled pass (the same values, bit for bit)."""
    loans, table, hardware = world.book.loans, world.agents.table, world.hardware
    cfg = hardware.cfg
    ltv, ltv_max = _gpu_ltv_pass(
        loans.active(),
        loans.collateral,
        loans.borrower,
        loans.principal_usd,
        table.health,
        table.gpu_mw,
        table.gpu_efficiency,
        table.gpu_condition,
        COLLATERAL_CODE[Collateral.GPU],
        list_price,
        hardware.state.frontier_efficiency,
        hardware.spot.rental_ratio,
        hardware.gpu_resale_index,
        cfg.market_gpu_obsolescence_exponent,
        cfg.market_gpu_rent_elasticity,
    )
    return float(ltv), float(ltv_max)


@njit(cache=True)
def _gpu_ltv_pass(
    active,
    collateral,
    borrower,
    principal,
    health,
    gpu_mw,
    efficiency,
    condition,
    gpu_code,
    list_price,
    frontier,
    rental_ratio,
    resale_index,
    obsolescence,
    elasticity,
):  # pragma: no cover
    """:func:`_gpu_ltvs` (compiled loop; sums as numpy adds them)."""
    n = health.size
    owed = np.zeros(n)
    for i in range(active.size):
        k = active[i]
        b = borrower[k]
        if collateral[k] == gpu_code and health[b] != 2:
            owed[b] += principal[k]
    m = 0
    for b in range(n):
        if owed[b] > 0:
            m += 1
    if m == 0:
        return 0.0, 0.0
    value = np.empty(m)
    owing = np.empty(m)
    j = 0
    for b in range(n):
        if owed[b] > 0:
            per_mw = gpu_value_usd_per_mw(
                list_price,
                efficiency[b],
                frontier,
                rental_ratio,
                resale_index,
                condition[b],
                obsolescence,
                elasticity,
            )
            value[j] = gpu_mw[b] * per_mw
            owing[j] = owed[b]
            j += 1
    total = pairwise_sum(value)
    aggregate = pairwise_sum(owing) / total if total > 0 else np.inf
    worst = -np.inf
    for j in range(m):
        each = owing[j] / value[j] if value[j] > 0 else np.inf
        if each != each:
            return aggregate, each
        if each > worst:
            worst = each
    return aggregate, worst


#: The credit series :func:`_credit_snapshot` computes in one pass, in its output order.
_CREDIT_PASS = (
    "credit_capacity_usd",
    "credit_ltv_offered",
    "credit_spread_add_offered_per_year",
    "lender_capital_ratio",
    "lender_provisions_usd",
    "lender_charge_offs_usd",
    "lender_funding_usd",
    "lender_funding_cost_usd",
    "lender_reserve_income_usd",
    "lender_payouts_usd",
    "lender_redemptions_usd",
    "lender_inflows_usd",
    "lenders_gated",
    "lenders_running",
    "halls_vacant_mw",
)
_CREDIT_COUNTS = ("lenders_gated", "lenders_running")


def _credit_snapshot(world: World) -> dict[str, float]:
    """The values of :data:`_CREDIT_SERIES`, the sums over lenders taken in one compiled pass."""
    desk, lenders, agents = world.desk, world.agents.lenders, world.agents
    table, loans = agents.table, world.book.loans
    leased, _ = world.halls.leases_by_seller()
    values = _credit_pass(
        agents.active_members(lenders),
        lenders.row,
        world.ledger.equity_usd,
        lenders.capacity_usd,
        lenders.ltv_scale,
        lenders.spread_add_per_year,
        world.book.receivable_by_agent(world.n_agents),
        loans.active(),
        loans.outside_lender,
        loans.allowance_usd,
        lenders.charge_offs_usd,
        table.funding_usd,
        lenders.funding_cost_usd,
        lenders.reserve_income_usd,
        lenders.payouts_usd,
        lenders.redemptions_usd,
        lenders.inflows_usd,
        lenders.gated,
        lenders.running,
        agents.miners.row,
        table.halls_usd,
        world.config.markets.market_colo_build_cost_usd_per_mw,
        leased,
    ).tolist()
    out: dict[str, float] = {
        "credit_requested_usd": float(desk.requested_usd),
        "credit_granted_usd": float(desk.granted_usd),
        "rollovers_requested_usd": float(desk.rollover_requested_usd),
        "rollovers_granted_usd": float(desk.rollover_granted_usd),
        "new_lending_miners_usd": float(desk.miner_granted_usd),
        "credit_requested_miners_usd": float(desk.miner_requested_usd),
        "rollovers_granted_miners_usd": float(desk.miner_rolled_usd),
        "credit_crunch_index": float(desk.crunch_index),
    }
    out.update(zip(_CREDIT_PASS, values, strict=True))
    out["credit_ltv_offered"] = world.config.credit.credit_gpu_ltv_max * out["credit_ltv_offered"]
    for name in _CREDIT_COUNTS:
        out[name] = int(out[name])
    return {name: out[name] for name in _CREDIT_SERIES}


@njit(cache=True)
def _gathered_sum(values, rows):  # pragma: no cover
    """``seq_sum(values[rows])`` (compiled)."""
    picked = np.empty(rows.size)
    for i in range(rows.size):
        picked[i] = values[rows[i]]
    return pairwise_sum(picked)


@njit(cache=True)
def _weighted(weights, values, alive, total):  # pragma: no cover
    """:func:`_capital_weighted` given the weights and their total (compiled)."""
    if not total > 0:
        return 0.0
    product = np.empty(alive.size)
    for i in range(alive.size):
        product[i] = weights[i] * values[alive[i]]
    return pairwise_sum(product) / total


@njit(cache=True)
def _credit_pass(
    alive,
    lender_rows,
    equity,
    capacity,
    ltv_scale,
    spread_add,
    receivable,
    active_loans,
    outside_lender,
    allowance,
    charge_offs,
    funding,
    funding_cost,
    reserve_income,
    payouts,
    redemptions,
    inflows,
    gated,
    running,
    miner_rows,
    halls_usd,
    build_cost,
    leased,
):  # pragma: no cover
    """The sums behind :data:`_CREDIT_PASS`, as numpy would add them (compiled)."""
    out = np.zeros(15)  # len(_CREDIT_PASS)
    rows = np.empty(alive.size, np.int64)
    weights = np.empty(alive.size)
    for i in range(alive.size):
        rows[i] = lender_rows[alive[i]]
        e = equity[rows[i]]
        weights[i] = maximum(0.0, e)
    total = pairwise_sum(weights)
    out[0] = _gathered_sum(capacity, alive)
    out[1] = _weighted(weights, ltv_scale, alive, total)
    out[2] = _weighted(weights, spread_add, alive, total)
    held = _gathered_sum(receivable, rows)
    out[3] = _gathered_sum(equity, rows) / held if held > 0 else 0.0
    n_held = 0
    for i in range(active_loans.size):
        if not outside_lender[active_loans[i]]:
            n_held += 1
    held_rows = np.empty(n_held, np.int64)
    j = 0
    for i in range(active_loans.size):
        if not outside_lender[active_loans[i]]:
            held_rows[j] = active_loans[i]
            j += 1
    out[4] = _gathered_sum(allowance, held_rows)
    out[5] = pairwise_sum(charge_offs)
    out[6] = _gathered_sum(funding, rows)
    out[7] = pairwise_sum(funding_cost)
    out[8] = pairwise_sum(reserve_income)
    out[9] = pairwise_sum(payouts)
    out[10] = pairwise_sum(redemptions)
    out[11] = pairwise_sum(inflows)
    for i in range(alive.size):
        if gated[alive[i]]:
            out[12] += 1.0
        if running[alive[i]]:
            out[13] += 1.0
    vacant = np.empty(miner_rows.size)
    for i in range(miner_rows.size):
        r = miner_rows[i]
        vacant[i] = maximum(0.0, halls_usd[r] / build_cost - leased[r])
    out[14] = pairwise_sum(vacant)
    return out


(
    _LEVERAGED,
    _CAPITAL,
    _LOSSES,
    _OUTSTANDING,
    _SUPPLY,
    _DEMAND,
    _CONTRACTED,
    _DELIVERED,
    _SPEND,
    _INSTALLED,
    _CASH,
    _CONTRACTED_CU,
    _DELIVERED_CU,
    _COUNTS,
) = range(14)


@njit(cache=True)
def _totals(
    health,
    kind,
    gpu_mw,
    initial_debt,
    cash,
    equity,
    lender_rows,
    capacity,
    losses,
    miner_rows,
    power,
    lab_rows,
    desired,
    loans,
    principal,
    cloud,
    mw,
    usage,
    price,
    efficiency,
    n_types,
):  # pragma: no cover
    """The totals behind the series, in one pass (compiled loop)."""
    out = np.zeros(_COUNTS + n_types)
    defaulted = health == 2
    for r in range(health.size):
        if defaulted[r]:
            out[_COUNTS + kind[r]] += 1.0
        else:
            out[_INSTALLED] += gpu_mw[r]
        out[_CASH] += cash[r]
    for i in range(lender_rows.size):
        out[_LOSSES] += losses[i]
        r = lender_rows[i]
        if not defaulted[r]:
            out[_CAPITAL] += equity[r]
            out[_SUPPLY] += capacity[i]
    for i in range(miner_rows.size):
        r = miner_rows[i]
        if defaulted[r] and initial_debt[r] > 0:
            out[_LEVERAGED] += power[i]
    for i in range(lab_rows.size):
        if not defaulted[lab_rows[i]]:
            out[_DEMAND] += desired[i]
    for i in range(loans.size):
        out[_OUTSTANDING] += principal[loans[i]]
    out[_SUPPLY] += out[_OUTSTANDING]
    for i in range(cloud.size):
        k = cloud[i]
        out[_CONTRACTED] += mw[k]
        out[_DELIVERED] += mw[k] * usage[k]
        out[_CONTRACTED_CU] += mw[k] * efficiency[k]
        out[_DELIVERED_CU] += mw[k] * efficiency[k] * usage[k]
        out[_SPEND] += mw[k] * price[k]
    return out


class SeriesCollector(mesa.DataCollector):
    """Mesa's DataCollector for the model-level series, filled from one :func:`snapshot`.

    ``model_reporters`` lists every series (:data:`REPORTERS`), so Mesa's tools see them;
    ``collect`` computes them together, once a week.

    Args:
        world: The world the series read.
    """

    def __init__(self, world: World):
        super().__init__(model_reporters={name: _of_model(f) for name, f in REPORTERS.items()})
        self.world = world

    def collect(self, model) -> None:
        """Append this week's value of every series."""
        for name, value in snapshot(self.world).items():
            self.model_vars[name].append(value)


def _of_model(reporter):
    def read(model):
        return reporter(model.world)

    read.__doc__ = reporter.__doc__
    return read
