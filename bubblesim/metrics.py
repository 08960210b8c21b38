"""Model-level reporters for the DataCollector: the series a run reports, one row per week.

Each reporter is a named function of the model, declared once here; the explorer, the CLI and
the sweeps read only the collected series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.agents import AgentType
from bubblesim.instruments import ContractKind, Status

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel


def _defaults(kind: AgentType):
    def reporter(model: BubbleModel) -> int:
        return sum(1 for f in model.firms.values() if f.defaulted and f.kind is kind)

    reporter.__doc__ = f"Cumulative number of {kind} defaults."
    return reporter


def lender_capital_usd(model: BubbleModel) -> float:
    """Capital of lenders that have not defaulted."""
    return float(sum(x.equity_usd for x in model.lenders if not x.defaulted))


def lender_losses_usd(model: BubbleModel) -> float:
    """Cumulative write-offs of all lenders."""
    return float(sum(x.losses_usd for x in model.lenders))


def credit_outstanding_usd(model: BubbleModel) -> float:
    """Principal of all active loans."""
    return float(sum(loan.principal_usd for loan in model.book.active_loans()))


def credit_supply_usd(model: BubbleModel) -> float:
    """Loans lenders are willing to hold: capital / target ratio × LTV scale, summed.

    The capital-constrained credit supply (Adrian & Shin 2010): it grows with lender capital
    and shrinks as losses and tightening cut it, whatever scheduled amortisation does.
    """
    return float(
        sum(
            max(0.0, x.equity_usd) / x.capital_target_ratio * x.policy.ltv_scale
            for x in model.lenders
            if not x.defaulted
        )
    )


def gpu_cloud_contracted_mw(model: BubbleModel) -> float:
    """Capacity under active GPU cloud contracts, MW-IT."""
    return float(
        sum(
            c.mw
            for c in model.book.live_contracts()
            if c.kind is ContractKind.GPU_CLOUD and c.status is Status.ACTIVE
        )
    )


def delivered_mw(model: BubbleModel) -> float:
    """Compute actually used: contracted capacity times usage, plus spot trades, MW-IT."""
    used = sum(
        c.mw * c.usage_share
        for c in model.book.live_contracts()
        if c.kind is ContractKind.GPU_CLOUD and c.status is Status.ACTIVE
    )
    return float(used + model.spot_traded_mw)


def ai_demand_mw(model: BubbleModel) -> float:
    """Compute the labs want, MW-IT."""
    return float(sum(lab.desired_mw for lab in model.labs if not lab.defaulted))


def utilisation(model: BubbleModel) -> float:
    """Delivered over installed GPU capacity."""
    installed = sum(f.gpu_mw for f in model.active_firms())
    return float(min(1.0, delivered_mw(model) / installed)) if installed > 0 else 0.0


def ai_revenue_gap_usd_per_year(model: BubbleModel) -> float:
    """Contracted compute spend per year less the labs' end revenue (the Bain-style gap)."""
    spend = sum(
        c.mw * c.price_usd_per_mw_year
        for c in model.book.live_contracts()
        if c.kind is ContractKind.GPU_CLOUD and c.status is Status.ACTIVE
    )
    return float(spend - model.drivers.state.ai_end_revenue_usd_per_year)


def leveraged_miner_mw_defaulted(model: BubbleModel) -> float:
    """Power capacity of defaulted miners that had debt at week 0, MW."""
    return float(sum(m.power_mw for m in model.miners if m.defaulted and m.initial_debt_usd > 0))


def cash_total_usd(model: BubbleModel) -> float:
    """Sum of all agents' cash (for stock-flow checks)."""
    return float(sum(f.cash_usd for f in model.firms.values()))


MODEL_REPORTERS = {
    "week": lambda m: m.week,
    "defaults_lab": _defaults(AgentType.LAB),
    "defaults_hyperscaler": _defaults(AgentType.HYPERSCALER),
    "defaults_neocloud": _defaults(AgentType.NEOCLOUD),
    "defaults_miner": _defaults(AgentType.MINER),
    "defaults_lender": _defaults(AgentType.LENDER),
    "leveraged_miner_mw_defaulted": leveraged_miner_mw_defaulted,
    "lender_capital_usd": lender_capital_usd,
    "lender_losses_usd": lender_losses_usd,
    "credit_outstanding_usd": credit_outstanding_usd,
    "credit_supply_usd": credit_supply_usd,
    "new_lending_usd": lambda m: float(m.new_lending_usd),
    "credit_refusals": lambda m: m.credit_refusals,
    "spot_price_usd_per_mw_year": lambda m: float(m.markets.spot_price_usd_per_mw_year),
    "gpu_resale_usd_per_mw": lambda m: float(m.markets.frontier_gpu_usd_per_mw()),
    "gpu_vintage0_usd_per_mw": lambda m: float(m.markets.vintage0_gpu_usd_per_mw()),
    "gpu_resale_index": lambda m: float(m.markets.gpu_resale_index),
    "asic_price_usd_per_th": lambda m: float(m.markets.asic_value_per_th()),
    "utilisation": utilisation,
    "btc_price_usd": lambda m: float(m.drivers.state.btc_price_usd),
    "hashprice_usd_per_ph_day": lambda m: float(m.drivers.state.hashprice_usd_per_ph_day),
    "ai_end_revenue_usd_per_year": lambda m: float(m.drivers.state.ai_end_revenue_usd_per_year),
    "ai_demand_mw": ai_demand_mw,
    "contracted_mw": gpu_cloud_contracted_mw,
    "delivered_mw": delivered_mw,
    "ai_revenue_gap_usd_per_year": ai_revenue_gap_usd_per_year,
    "base_rate_per_year": lambda m: float(m.drivers.state.base_rate_per_year),
    "power_price_usd_per_mwh": lambda m: float(m.drivers.state.power_price_usd_per_mwh),
    "frontier_efficiency": lambda m: float(m.drivers.state.frontier_efficiency),
    "cash_total_usd": cash_total_usd,
    "external_flows_usd": lambda m: float(m.ledger.net_external_usd()),
}
"""Reporter name → function; names carry their units."""
