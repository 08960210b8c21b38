"""Pure economic functions of the economy, each with its formula and its reference.

Everything here is a function of its arguments alone (no model, no randomness), so each is
tested directly against hand-computed values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from numba import njit

from bubblesim.units import HOURS_PER_WEEK

SECONDS_PER_DAY = 86_400
DAYS_PER_WEEK = 7


def asic_hashrate_th_per_s(power_mw: float, efficiency_j_per_th: float) -> float:
    """Hashrate of a fleet drawing ``power_mw`` at ``efficiency_j_per_th``.

    ``H [TH/s] = P [W] / ε [J/TH] = P_MW × 10⁶ / ε`` (a joule per terahash at one terahash per
    second is one watt).

    Args:
        power_mw: Power drawn by the fleet, MW.
        efficiency_j_per_th: Fleet efficiency, J per TH.

    Returns:
        Hashrate in TH/s.
    """
    return power_mw * 1e6 / efficiency_j_per_th


def mining_revenue_usd_per_week(hashrate_th_per_s: float, hashprice_usd_per_ph_day: float) -> float:
    """Weekly mining revenue: ``H [PH/s] × hashprice [USD/PH/day] × 7``.

    Hashprice is the market's revenue per unit of hashrate per day (Hashrate Index definition;
    calibration facts §4).

    Args:
        hashrate_th_per_s: Hashrate in TH/s.
        hashprice_usd_per_ph_day: Hashprice in USD per PH/s per day.

    Returns:
        Revenue in USD per week.
    """
    return hashrate_th_per_s / 1e3 * hashprice_usd_per_ph_day * DAYS_PER_WEEK


def power_cost_usd_per_week(power_mw: float, price_usd_per_mwh: float) -> float:
    """Weekly power bill of a constant load: ``P [MW] × price [USD/MWh] × 168 h``.

    Args:
        power_mw: Load in MW.
        price_usd_per_mwh: Power price.

    Returns:
        USD per week.
    """
    return power_mw * price_usd_per_mwh * HOURS_PER_WEEK


@njit(cache=True)
def gpu_value_usd_per_mw(
    new_price_usd_per_mw: float,
    fleet_efficiency: float,
    frontier_efficiency: float,
    rental_ratio: float,
    resale_index: float,
    condition: float,
    obsolescence_exponent: float = 1.0,
    rent_elasticity: float = 1.0,
) -> float:
    """Market value of one MW of installed GPUs.

    ``V = P_new × (e / e_frontier)^γ × r^η × q × c``: a GPU is worth the price of new frontier
    systems scaled by its compute relative to the frontier (``γ = 1``: a 4× faster generation
    at the same energy makes an older MW worth a quarter; calibration facts §3 put ``γ`` near
    0.65), by the rental market relative to its opening level ``r`` with elasticity ``η``, by
    the resale market's fire-sale discount ``q`` (Cifuentes, Ferrucci & Shin 2005) and by
    physical condition ``c`` (straight-line depreciation over the book life).

    Args:
        new_price_usd_per_mw: Price of new frontier systems per MW-IT.
        fleet_efficiency: Compute per MW of this fleet, relative to week-0 frontier.
        frontier_efficiency: Compute per MW of the newest generation, same scale.
        rental_ratio: Spot rent now over spot rent at week 0.
        resale_index: Fire-sale discount factor of the resale market (1 = none).
        condition: Remaining physical value share (1 = new).
        obsolescence_exponent: ``γ``.
        rent_elasticity: ``η``.

    Returns:
        USD per MW-IT.
    """
    relative = (fleet_efficiency / frontier_efficiency) ** obsolescence_exponent
    rent = rental_ratio**rent_elasticity
    return new_price_usd_per_mw * relative * rent * resale_index * condition


def spot_price_update(
    price: float, demand_mw: float, supply_mw: float, sensitivity: float, floor: float
) -> float:
    """One week of spot-price adjustment to excess demand (Walrasian tâtonnement).

    ``p' = max(floor, p × exp(κ × clip((D − S) / S, −1, 1)))``: the log price moves in proportion
    to relative excess demand (Walras 1874; the standard discrete tâtonnement of ABM markets).

    Args:
        price: Current price.
        demand_mw: Spot demand, MW.
        supply_mw: Spot supply (idle capacity), MW.
        sensitivity: ``κ``, log-price change per unit relative excess demand per week.
        floor: Lowest price (operating cost).

    Returns:
        The new price.
    """
    excess = 1.0 if supply_mw <= 0 else (demand_mw - supply_mw) / supply_mw
    excess = min(1.0, max(-1.0, excess))
    return max(floor, price * math.exp(sensitivity * excess))


def loan_to_value(principal_usd: float, collateral_usd: float) -> float:
    """``LTV = principal / collateral`` (infinite when the collateral is worthless)."""
    if collateral_usd <= 0:
        return math.inf if principal_usd > 0 else 0.0
    return principal_usd / collateral_usd


def cure_sale_usd(principal_usd: float, collateral_usd: float, target_ltv: float) -> float:
    """Collateral to sell, proceeds applied to principal, to bring LTV down to ``t``.

    Solves ``(P − x) / (V − x) = t`` for ``x = (P − tV) / (1 − t)``; possible only when
    ``P < V`` (selling collateral lowers LTV only while it is below one).

    Args:
        principal_usd: ``P``.
        collateral_usd: ``V``.
        target_ltv: ``t`` in (0, 1).

    Returns:
        ``x``, or ``inf`` if the LTV cannot be cured by selling collateral.
    """
    if principal_usd <= target_ltv * collateral_usd:
        return 0.0
    if principal_usd >= collateral_usd:
        return math.inf
    return (principal_usd - target_ltv * collateral_usd) / (1.0 - target_ltv)


@dataclass(frozen=True, slots=True)
class CreditPolicy:
    """A lender's credit terms this week.

    Attributes:
        stress: Capital shortfall in [0, 1] (0 = at or above target).
        ltv_scale: Multiplier on origination LTVs (1 = normal terms).
        spread_add_per_year: Spread added to every new loan and rollover.
        rolls_over: Whether maturing loans are refinanced.
        capacity_usd: New lending the lender can still do.
    """

    stress: float
    ltv_scale: float
    spread_add_per_year: float
    rolls_over: bool
    capacity_usd: float


@njit(cache=True)
def credit_terms(
    capital_usd: float,
    loans_usd: float,
    target_ratio: float,
    sensitivity: float,
    stress_spread_per_year: float,
) -> tuple[float, float, float, bool, float]:
    """A lender's credit supply as a function of its capital (the funding channel).

    Stress ``s = clip((k* − k) / k*, 0, 1)`` with capital ratio ``k = capital / loans`` and
    target ``k*``. Origination LTVs scale by ``max(0, 1 − σ s)``, spreads rise by ``s × Δ``,
    rollovers stop once ``s ≥ 1/2`` and new lending is capped at ``capital / k* − loans``:
    the capital-constrained credit supply of bank-capital models (Gertler & Kiyotaki 2010;
    Adrian & Shin 2010: lenders shrink balance sheets as equity falls). A lender without
    capital lends nothing and rolls nothing over.

    Args:
        capital_usd: The lender's equity.
        loans_usd: Its loan book.
        target_ratio: ``k*``.
        sensitivity: ``σ``.
        stress_spread_per_year: ``Δ``, the spread added at full stress.

    Returns:
        ``(stress, ltv_scale, spread_add_per_year, rolls_over, capacity_usd)``.
    """
    if capital_usd <= 0:
        return 1.0, 0.0, stress_spread_per_year, False, 0.0
    ratio = capital_usd / loans_usd if loans_usd > 0 else math.inf
    stress = min(1.0, max(0.0, (target_ratio - ratio) / target_ratio))
    return (
        stress,
        max(0.0, 1.0 - sensitivity * stress),
        stress * stress_spread_per_year,
        stress < 0.5,
        max(0.0, capital_usd / target_ratio - loans_usd),
    )


def credit_policy(
    capital_usd: float,
    loans_usd: float,
    target_ratio: float,
    sensitivity: float,
    stress_spread_per_year: float,
) -> CreditPolicy:
    """:func:`credit_terms` as a :class:`CreditPolicy`."""
    return CreditPolicy(
        *credit_terms(
            float(capital_usd),
            float(loans_usd),
            float(target_ratio),
            float(sensitivity),
            float(stress_spread_per_year),
        )
    )


@njit(cache=True)
def desired_compute_mw(
    revenue_usd_per_year: float,
    expected_growth_per_year: float,
    spend_to_revenue: float,
    price_usd_per_mw_year: float,
    horizon_years: float = 1.0,
) -> float:
    """A lab's desired compute: expected revenue ``h`` years out times its spend ratio, at price.

    ``D = m × R × (1 + g^e)^h / p``: labs buy compute in proportion to the revenue they expect
    at their planning horizon (adaptive expectations ``g^e``; Nerlove 1958), at ``m`` dollars
    of compute per dollar of revenue.

    Args:
        revenue_usd_per_year: Current revenue run-rate.
        expected_growth_per_year: Expected annual growth.
        spend_to_revenue: ``m``.
        price_usd_per_mw_year: Compute price per MW-year.
        horizon_years: ``h``.

    Returns:
        MW of compute.
    """
    expected = revenue_usd_per_year * max(0.0, 1.0 + expected_growth_per_year) ** horizon_years
    return spend_to_revenue * expected / price_usd_per_mw_year


@njit(cache=True)
def ewma(previous: float, observation: float, weight: float) -> float:
    """Exponentially weighted moving average ``x' = (1 − w) x + w y`` (adaptive expectations)."""
    return (1.0 - weight) * previous + weight * observation


@njit(cache=True)
def annualised_growth(new: float, old: float, periods_per_year: float) -> float:
    """Growth over one period, annualised and bounded: ``clip((new/old)^k − 1, −0.95, 5)``.

    Labs read growth quarter on quarter (``k = 4``), so week-to-week noise does not swing
    plans; the bounds keep a collapse or a restart from producing absurd expectations.
    """
    return min(5.0, max(-0.95, (new / old) ** periods_per_year - 1.0))


def funding_windows(
    sentiment_channel: bool,
    ai_sentiment: float,
    btc_drawdown: float,
    equity_threshold: float,
    btc_drawdown_limit: float,
) -> tuple[float, bool]:
    """Whether the labs' equity window and the miners' convertible window are open.

    With the sentiment channel on, the equity window's width is the AI sentiment index when it
    is at or above its threshold (closed below: equity investors follow the narrative,
    Minsky 1986; Shiller 2017); the convertible window is open while the bitcoin drawdown is
    within its limit and AI sentiment is above the threshold (2022: miners' converts shut as
    BTC fell, calibration facts §5). With the channel off both stay fully open.

    Args:
        sentiment_channel: Whether the sentiment channel is on.
        ai_sentiment: AI sentiment index in [0, 1].
        btc_drawdown: Bitcoin's fall below its running peak, in [0, 1).
        equity_threshold: Sentiment below which the equity window shuts.
        btc_drawdown_limit: Drawdown beyond which the convertible window shuts.

    Returns:
        ``(equity window width in [0, 1], convertible window open)``.
    """
    if not sentiment_channel:
        return 1.0, True
    equity = ai_sentiment if ai_sentiment >= equity_threshold else 0.0
    convertible = btc_drawdown <= btc_drawdown_limit and ai_sentiment >= equity_threshold
    return equity, bool(convertible)
