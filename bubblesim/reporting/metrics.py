"""Model-level reporters for the DataCollector: the series a run reports, one row per week.

Each reporter is a named function of the world, declared once here; the explorer, the CLI and
the sweeps read only the collected series. Totals are added in agent (or instrument) order, so a
series does not depend on how its sum is vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numba import njit

from bubblesim.accounts.instruments import ContractKind
from bubblesim.agents.base import AGENT_TYPES, TYPE_CODE, AgentType, HealthCode
from bubblesim.columns import seq_sum

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
    """Cumulative write-offs of all lenders."""
    return seq_sum(world.agents.lenders.losses_usd)


def credit_outstanding_usd(world: World) -> float:
    """Principal of all active loans."""
    loans = world.book.loans
    return seq_sum(loans.principal_usd[loans.active()])


def credit_supply_usd(world: World) -> float:
    """Loans lenders are willing to hold: capital / target ratio × LTV scale, summed.

    The capital-constrained credit supply (Adrian & Shin 2010): it grows with lender capital
    and shrinks as losses and tightening cut it, whatever scheduled amortisation does.
    """
    lenders = world.agents.lenders
    alive = world.agents.active_members(lenders)
    capital = np.maximum(0.0, world.ledger.equity_usd[lenders.row[alive]])
    return seq_sum(capital / lenders.capital_target_ratio[alive] * lenders.ltv_scale[alive])


def _cloud(world: World) -> np.ndarray:
    return world.book.live_of_kind(ContractKind.GPU_CLOUD, active_only=True)


def gpu_cloud_contracted_mw(world: World) -> float:
    """Capacity under active GPU cloud contracts, MW-IT."""
    return seq_sum(world.book.contracts.mw[_cloud(world)])


def delivered_mw(world: World) -> float:
    """Compute actually used: contracted capacity times usage, plus spot trades, MW-IT."""
    c, rows = world.book.contracts, _cloud(world)
    return float(seq_sum(c.mw[rows] * c.usage_share[rows]) + world.spot.traded_mw)


def ai_demand_mw(world: World) -> float:
    """Compute the labs want, MW-IT."""
    labs = world.agents.labs
    return seq_sum(labs.desired_mw[world.agents.active_members(labs)])


def utilisation(world: World) -> float:
    """Delivered over installed GPU capacity."""
    table = world.agents.table
    installed = seq_sum(table.gpu_mw[table.active()])
    return float(min(1.0, delivered_mw(world) / installed)) if installed > 0 else 0.0


def ai_revenue_gap_usd_per_year(world: World) -> float:
    """Contracted compute spend per year less the labs' end revenue (the Bain-style gap)."""
    c, rows = world.book.contracts, _cloud(world)
    spend = seq_sum(c.mw[rows] * c.price_usd_per_mw_year[rows])
    return float(spend - world.drivers.state.ai_end_revenue_usd_per_year)


def leveraged_miner_mw_defaulted(world: World) -> float:
    """Power capacity of defaulted miners that had debt at week 0, MW."""
    miners, table = world.agents.miners, world.agents.table
    rows = miners.row
    hit = table.is_defaulted(rows) & (table.initial_debt_usd[rows] > 0)
    return seq_sum(miners.power_mw[hit])


def cash_total_usd(world: World) -> float:
    """Sum of all agents' cash (for stock-flow checks)."""
    return seq_sum(world.ledger.cash_usd)


REPORTERS: dict[str, Callable[[World], float]] = {
    "week": lambda w: w.clock.week,
    **{f"defaults_{kind}": _defaults(kind) for kind in AGENT_TYPES},
    "leveraged_miner_mw_defaulted": leveraged_miner_mw_defaulted,
    "lender_capital_usd": lender_capital_usd,
    "lender_losses_usd": lender_losses_usd,
    "credit_outstanding_usd": credit_outstanding_usd,
    "credit_supply_usd": credit_supply_usd,
    "new_lending_usd": lambda w: float(w.desk.new_lending_usd),
    "credit_refusals": lambda w: w.desk.refusals,
    "spot_price_usd_per_mw_year": lambda w: float(w.spot.price_usd_per_mw_year),
    "gpu_resale_usd_per_mw": lambda w: float(w.hardware.frontier_gpu_usd_per_mw()),
    "gpu_vintage0_usd_per_mw": lambda w: float(w.hardware.vintage0_gpu_usd_per_mw()),
    "gpu_resale_index": lambda w: float(w.hardware.gpu_resale_index),
    "asic_price_usd_per_th": lambda w: float(w.hardware.asic_value_per_th()),
    "utilisation": utilisation,
    "btc_price_usd": lambda w: float(w.drivers.state.btc_price_usd),
    "hashprice_usd_per_ph_day": lambda w: float(w.drivers.state.hashprice_usd_per_ph_day),
    "ai_end_revenue_usd_per_year": lambda w: float(w.drivers.state.ai_end_revenue_usd_per_year),
    "ai_demand_mw": ai_demand_mw,
    "contracted_mw": gpu_cloud_contracted_mw,
    "delivered_mw": delivered_mw,
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
    state, hardware = world.drivers.state, world.hardware
    lenders, miners, labs = agents.lenders, agents.miners, agents.labs
    t = _totals(
        table.health,
        table.kind,
        table.gpu_mw,
        table.initial_debt_usd,
        world.ledger.cash_usd,
        world.ledger.equity_usd,
        lenders.row,
        lenders.capital_target_ratio,
        lenders.ltv_scale,
        lenders.losses_usd,
        miners.row,
        miners.power_mw,
        labs.row,
        labs.desired_mw,
        loans.active(),
        loans.principal_usd,
        _cloud(world),
        c.mw,
        c.usage_share,
        c.price_usd_per_mw_year,
        len(AGENT_TYPES),
    ).tolist()
    delivered = t[_DELIVERED] + world.spot.traded_mw
    installed = t[_INSTALLED]
    out: dict[str, float] = {"week": world.clock.week}
    for code, kind in enumerate(AGENT_TYPES):
        out[f"defaults_{kind}"] = int(t[_COUNTS + code])
    out.update(
        {
            "leveraged_miner_mw_defaulted": t[_LEVERAGED],
            "lender_capital_usd": t[_CAPITAL],
            "lender_losses_usd": t[_LOSSES],
            "credit_outstanding_usd": t[_OUTSTANDING],
            "credit_supply_usd": t[_SUPPLY],
            "new_lending_usd": float(world.desk.new_lending_usd),
            "credit_refusals": world.desk.refusals,
            "spot_price_usd_per_mw_year": float(world.spot.price_usd_per_mw_year),
            "gpu_resale_usd_per_mw": hardware.frontier_gpu_usd_per_mw(),
            "gpu_vintage0_usd_per_mw": hardware.vintage0_gpu_usd_per_mw(),
            "gpu_resale_index": float(hardware.gpu_resale_index),
            "asic_price_usd_per_th": float(hardware.asic_value_per_th()),
            "utilisation": float(min(1.0, delivered / installed)) if installed > 0 else 0.0,
            "btc_price_usd": float(state.btc_price_usd),
            "hashprice_usd_per_ph_day": float(state.hashprice_usd_per_ph_day),
            "ai_end_revenue_usd_per_year": float(state.ai_end_revenue_usd_per_year),
            "ai_demand_mw": t[_DEMAND],
            "contracted_mw": t[_CONTRACTED],
            "delivered_mw": delivered,
            "ai_revenue_gap_usd_per_year": t[_SPEND] - state.ai_end_revenue_usd_per_year,
            "base_rate_per_year": float(state.base_rate_per_year),
            "power_price_usd_per_mwh": float(state.power_price_usd_per_mwh),
            "frontier_efficiency": float(state.frontier_efficiency),
            "cash_total_usd": t[_CASH],
            "external_flows_usd": float(world.ledger.net_external_usd()),
        }
    )
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
    _COUNTS,
) = range(12)


@njit(cache=True)
def _totals(
    health,
    kind,
    gpu_mw,
    initial_debt,
    cash,
    equity,
    lender_rows,
    target,
    ltv_scale,
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
            out[_SUPPLY] += max(0.0, equity[r]) / target[i] * ltv_scale[i]
    for i in range(miner_rows.size):
        r = miner_rows[i]
        if defaulted[r] and initial_debt[r] > 0:
            out[_LEVERAGED] += power[i]
    for i in range(lab_rows.size):
        if not defaulted[lab_rows[i]]:
            out[_DEMAND] += desired[i]
    for i in range(loans.size):
        out[_OUTSTANDING] += principal[loans[i]]
    for i in range(cloud.size):
        k = cloud[i]
        out[_CONTRACTED] += mw[k]
        out[_DELIVERED] += mw[k] * usage[k]
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
