"""Pure economic functions of the economy, each with its formula and its reference.

Everything here is a function of its arguments alone (no model, no randomness), so each is
tested directly against hand-computed values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
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
    With no supply, any demand counts as the full excess (+κ); with neither supply nor demand
    (an economy without an AI compute market, such as 2022's) the price does not move.

    Args:
        price: Current price.
        demand_mw: Spot demand, MW.
        supply_mw: Spot supply (idle capacity), MW.
        sensitivity: ``κ``, log-price change per unit relative excess demand per week.
        floor: Lowest price (operating cost).

    Returns:
        The new price.
    """
    if supply_mw <= 0:
        excess = 1.0 if demand_mw > 0 else 0.0  # no supply and nobody asking: no signal
    else:
        excess = (demand_mw - supply_mw) / supply_mw
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
    loss_stress: float = 0.0,
) -> tuple[float, float, float, bool, float]:
    """A lender's credit supply as a function of its capital (the funding channel).

    Stress ``s = max(clip((k* − k) / k*, 0, 1), s_L)`` with capital ratio
    ``k = capital / loans``, target ``k*`` and the stress of its recent losses ``s_L``
    (:func:`loss_stress`). Origination LTVs scale by ``max(0, 1 − σ s)``, spreads rise by
    ``s × Δ``, rollovers stop once ``s ≥ 1/2`` and new lending is capped at
    ``capital / k* − loans``: the capital-constrained credit supply of bank-capital models
    (Gertler & Kiyotaki 2010; Adrian & Shin 2010: lenders shrink balance sheets as equity
    falls). The loss term makes a lender that is still above its target tighten after heavy
    losses, before its capital constraint binds (a lender below target has no capacity left,
    so without it tighter LTVs would never reach new loans). A lender without capital lends
    nothing and rolls nothing over.

    Example: capital 20, loans 100, ``k* = 0.15``: no capital stress; with ``s_L = 0.25`` and
    ``σ = 2``, LTVs scale by 0.5, spreads rise by ``Δ / 4``, loans still roll and capacity is
    ``20 / 0.15 − 100 = 33.3``.

    Args:
        capital_usd: The lender's equity.
        loans_usd: Its loan book.
        target_ratio: ``k*``.
        sensitivity: ``σ``.
        stress_spread_per_year: ``Δ``, the spread added at full stress.
        loss_stress: ``s_L`` in [0, 1].

    Returns:
        ``(stress, ltv_scale, spread_add_per_year, rolls_over, capacity_usd)``.
    """
    if capital_usd <= 0:
        return 1.0, 0.0, stress_spread_per_year, False, 0.0
    ratio = capital_usd / loans_usd if loans_usd > 0 else math.inf
    stress = max(min(1.0, max(0.0, (target_ratio - ratio) / target_ratio)), loss_stress)
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
    loss_stress: float = 0.0,
) -> CreditPolicy:
    """:func:`credit_terms` as a :class:`CreditPolicy`."""
    return CreditPolicy(
        *credit_terms(
            float(capital_usd),
            float(loans_usd),
            float(target_ratio),
            float(sensitivity),
            float(stress_spread_per_year),
            float(loss_stress),
        )
    )


@njit(cache=True)
def loss_stress(drawdown: float, onset_share: float, full_share: float) -> float:
    """Stress from a lender's losses: ``s_L = clip((d − d₀) / (ℓ − d₀), 0, 1)``.

    ``d`` is the fall of its capital's total-return index below its peak
    (:meth:`bubblesim.agents.lender.LenderTable.nav_drawdown`: losses, provisions included,
    net of income, and not moved by payouts, redemptions or new capital), ``d₀`` the loss its
    funders and loan officers take in their stride, ``ℓ`` the loss at which its stress is full.
    The stress lasts until income rebuilds the capital, and a slow bleed counts as much as a
    lump. At ``s_L ≥ ½`` it stops rolling loans over and its funders run
    (:func:`credit_terms`, ``phases/fund.py``): runs follow disclosed losses (SVB, March 2023:
    a $1.8B loss announced on the 8th, $42B of deposits withdrawn on the 9th, not in the
    calibration facts; 2022's Voyager and BlockFi halted withdrawals within days of their
    borrowers' defaults, calib. §5), and
    lenders shrink credit as their capital falls (Bernanke & Lown 1991, the capital crunch;
    Adrian & Shin 2010). Example: ``d`` 0.2, ``d₀`` 0.05, ``ℓ`` 0.5 → 0.15 / 0.45 = 1/3. Off
    (0) when ``ℓ ≤ d₀``.

    Args:
        drawdown: ``d`` in [0, 1].
        onset_share: ``d₀``.
        full_share: ``ℓ``.
    """
    if full_share <= onset_share:
        return 0.0
    return min(1.0, max(0.0, (drawdown - onset_share) / (full_share - onset_share)))


@njit(cache=True)
def desired_compute_cu(
    revenue_usd_per_year: float,
    expected_growth_per_year: float,
    spend_to_revenue: float,
    price_usd_per_cu_year: float,
    horizon_years: float = 1.0,
) -> float:
    """A lab's desired compute: expected revenue ``h`` years out times its spend ratio, at price.

    ``D = m × R × (1 + g^e)^h / p``: labs buy compute in proportion to the revenue they expect
    at their planning horizon (adaptive expectations ``g^e``; Nerlove 1958), at ``m`` dollars
    of compute per dollar of revenue, at the market price ``p`` of a compute unit (so cheaper
    compute buys more of it: a budget share, unit price elasticity).

    Args:
        revenue_usd_per_year: Current revenue run-rate.
        expected_growth_per_year: Expected annual growth.
        spend_to_revenue: ``m``.
        price_usd_per_cu_year: Price of a compute unit for a year.
        horizon_years: ``h``.

    Returns:
        Compute units.
    """
    expected = revenue_usd_per_year * max(0.0, 1.0 + expected_growth_per_year) ** horizon_years
    return spend_to_revenue * expected / price_usd_per_cu_year


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


def installed_capex_usd(capex_path_usd: np.ndarray, end: int, life_weeks: float) -> float:
    """Capex of the installed base: what was spent in the last ``life_weeks`` weeks up to ``end``.

    ``K(t) = Σ_{t − L < s ≤ t} I(s)``: straight-line capital, each week's capex counting until
    it is fully depreciated (a vintage capital stock, e.g. Jorgenson 1963).

    Args:
        capex_path_usd: Capex by week (index 0 = the first week recorded).
        end: Index of the current week in the path.
        life_weeks: ``L``, the depreciation life in weeks.

    Returns:
        USD.
    """
    start = max(0, math.floor(end - life_weeks) + 1)
    return float(capex_path_usd[start : end + 1].sum()) if end >= 0 else 0.0


def required_revenue_usd_per_year(
    gpu_capex_usd: float,
    datacentre_capex_usd: float,
    cost_of_capital_per_year: float,
    gpu_life_years: float,
    datacentre_life_years: float,
    opex_usd_per_year: float,
) -> float:
    """Revenue the installed AI base needs each year (the Bain gap's "revenue needed").

    ``R_req = K_gpu (r + 1/L_gpu) + K_dc (r + 1/L_dc) + opex``: a return on the capital at the
    cost of capital ``r`` plus straight-line depreciation, plus operating costs (the user cost
    of capital, Jorgenson 1963; Bain & Co. 2025 frame the $2T needed by 2030 the same way, from
    the capex of the build-out, calib. §2).

    Args:
        gpu_capex_usd: ``K_gpu``, GPU capex within its life (:func:`installed_capex_usd`).
        datacentre_capex_usd: ``K_dc``, data-centre capex within its life.
        cost_of_capital_per_year: ``r``.
        gpu_life_years: ``L_gpu``.
        datacentre_life_years: ``L_dc``.
        opex_usd_per_year: Power and operating costs of the installed base.

    Returns:
        USD per year.
    """
    gpu = gpu_capex_usd * (cost_of_capital_per_year + 1.0 / gpu_life_years)
    dc = datacentre_capex_usd * (cost_of_capital_per_year + 1.0 / datacentre_life_years)
    return gpu + dc + opex_usd_per_year


@njit(cache=True)
def served_revenue_usd_per_year(
    potential_usd_per_year: float,
    compute_cu: float,
    revenue_per_cu_usd_per_year: float,
    elasticity: float,
) -> float:
    """End revenue a lab earns from the demand it faces and the compute it has.

    ``R = A × min(1, C / N)^ε`` with ``N = A / π``: adoption ``A`` is the revenue users would
    pay if served; serving it takes ``N`` compute units at ``π`` dollars of revenue per unit;
    with less compute ``C`` the lab serves its most valuable users first, so revenue falls
    with elasticity ``ε`` (a CES service technology with a Leontief cap at full adoption).

    Args:
        potential_usd_per_year: ``A``.
        compute_cu: ``C``, compute units available.
        revenue_per_cu_usd_per_year: ``π``.
        elasticity: ``ε`` (0: revenue is ``A`` whatever the compute).

    Returns:
        USD per year.
    """
    if potential_usd_per_year <= 0.0:
        return 0.0
    need = potential_usd_per_year / revenue_per_cu_usd_per_year
    served = min(1.0, max(0.0, compute_cu) / need)
    if elasticity == 0.0:
        return potential_usd_per_year
    return potential_usd_per_year * served**elasticity


def revenue_per_compute_unit(
    base_usd_per_year: float, intensity_growth_per_year: float, week: int
) -> float:
    """Revenue a compute unit serves at ``week``: ``π(t) = π₀ e^{−λ t / 52}``.

    The compute each dollar of AI revenue needs grows at ``λ`` a year (larger models, longer
    reasoning: compute demand outgrows chip efficiency, Bain 2025).
    """
    return base_usd_per_year * math.exp(-intensity_growth_per_year * week / 52.0)


def lab_revenue_multiple(
    base_multiple: float, sentiment: float, expected_growth: float, reference_growth: float
) -> float:
    """A lab's valuation per dollar of revenue run-rate: ``M = M₀ S (1 + gᵉ) / (1 + g_ref)``.

    Investors pay for growth and follow the AI narrative: the multiple scales with sentiment
    ``S`` (Shiller 2017; Minsky 1986) and with expected growth relative to the growth the base
    multiple was observed at (a Gordon-style growth multiple, linearised).

    Args:
        base_multiple: ``M₀``.
        sentiment: ``S`` in [0, 1].
        expected_growth: ``gᵉ``, the lab's expected revenue growth.
        reference_growth: ``g_ref``.

    Returns:
        The multiple (never negative).
    """
    return base_multiple * sentiment * max(0.0, 1.0 + expected_growth) / (1.0 + reference_growth)


def equity_round_usd(need_usd: float, pre_money_usd: float, max_dilution: float) -> float:
    """What an equity round raises: the need, up to what the valuation allows.

    Selling at most a share ``d`` of the post-money company, ``X / (V + X) ≤ d``, caps the round
    at ``X ≤ d V / (1 − d)`` of pre-money value ``V``.

    Args:
        need_usd: What the firm wants to raise.
        pre_money_usd: ``V``.
        max_dilution: ``d`` in (0, 1].

    Returns:
        USD raised.
    """
    if pre_money_usd <= 0 or need_usd <= 0:
        return 0.0
    cap = math.inf if max_dilution >= 1.0 else max_dilution * pre_money_usd / (1.0 - max_dilution)
    return min(need_usd, cap)


@dataclass(frozen=True)
class DilutiveRaise:
    """An at-the-market share sale: cash raised, shares issued, the price after, dilution."""

    raised_usd: float
    new_shares: float
    price_after_usd: float
    dilution: float


def dilutive_raise(
    need_usd: float,
    market_cap_usd: float,
    shares: float,
    discount: float,
    max_share_of_cap: float,
) -> DilutiveRaise:
    """An at-the-market equity raise priced with dilution.

    The raise is ``X = min(need, a × E)`` of market capitalisation ``E`` (an ATM programme sells
    into the market's depth, at most a share ``a`` of the company at a time). Shares are sold at
    a discount ``δ`` to the price ``P = E / N``: ``n = X / (P (1 − δ))`` new shares; the price
    after is ``P' = (E + X) / (N + n)`` and old holders keep ``N / (N + n)`` of the company
    (dilution ``n / (N + n)``). Standard seasoned-offering arithmetic (e.g. Brealey, Myers &
    Allen, ch. 15); the discount and the cap are judgment (miners' 2024–25 ATM programmes).

    Args:
        need_usd: What the firm wants to raise.
        market_cap_usd: ``E``.
        shares: ``N`` (> 0).
        discount: ``δ`` in [0, 1).
        max_share_of_cap: ``a``.

    Returns:
        The raise.
    """
    if need_usd <= 0 or market_cap_usd <= 0 or shares <= 0:
        price = market_cap_usd / shares if shares > 0 else 0.0
        return DilutiveRaise(0.0, 0.0, max(0.0, price), 0.0)
    raised = min(need_usd, max_share_of_cap * market_cap_usd)
    price = market_cap_usd / shares
    new = raised / (price * (1.0 - discount))
    return DilutiveRaise(
        raised, new, (market_cap_usd + raised) / (shares + new), new / (shares + new)
    )


# -- big tech's capex, its GPU vendor (issue 13, second pass) -------------------------------------
#: Interest coverage (EBIT / interest) → credit spread over the base rate, large non-financial
#: firms: points of Damodaran's synthetic-rating table (A. Damodaran, "Ratings, interest coverage
#: ratios and default spread", pages.stern.nyu.edu/~adamodar, January 2025 update; values rounded,
#: judgment on the rounding). Coverage 3.6 (Oracle: $20B of income on $5.6B of coupons) → A-,
#: ≈1.2%, near Oracle's 128 bp CDS (calib. §2).
COVERAGE_SPREAD_TABLE: tuple[tuple[float, ...], tuple[float, ...]] = (
    (0.2, 0.65, 0.8, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 4.25, 5.5, 6.5, 8.5),
    (0.17, 0.11, 0.09, 0.065, 0.044, 0.037, 0.030, 0.022, 0.018, 0.015, 0.012, 0.011, 0.009, 0.007),
)


def interest_coverage(operating_income_usd_per_year: float, interest_usd_per_year: float) -> float:
    """``EBIT / interest``; infinite without interest, 0 at a loss."""
    if interest_usd_per_year <= 0.0:
        return math.inf
    return max(0.0, operating_income_usd_per_year) / interest_usd_per_year


def coverage_credit_spread(coverage: float) -> float:
    """Credit spread a firm with this interest coverage pays (:data:`COVERAGE_SPREAD_TABLE`).

    Linear between the table's points, flat beyond its ends: the spread widens as leverage
    (interest per dollar of income) rises and cash flow falls. Example: coverage 3.0 → 1.5%,
    4.25 → 1.2%, 3.625 → 1.35%, ∞ → 0.7%, 0 → 17%.
    """
    xs, ys = COVERAGE_SPREAD_TABLE
    return float(np.interp(min(coverage, xs[-1]), xs, ys))


def capacity_return_per_year(
    rent_usd_per_mw_year: float,
    gpu_usd_per_mw: float,
    datacentre_usd_per_mw: float,
    gpu_life_years: float,
    datacentre_life_years: float,
) -> float:
    """Net return on a new MW of GPU cloud: ``ρ = (rent − K_gpu/L_gpu − K_dc/L_dc) / (K_gpu+K_dc)``.

    Rent net of straight-line depreciation, per dollar of replacement cost (the marginal return
    whose ratio to the cost of capital is Tobin's q in flow form, Hayashi 1982). Example: rent
    $9.7M, GPUs $30M (5 y), hall $10M (20 y) → (9.7 − 6 − 0.5) / 40 = 8.0%.
    """
    cost = gpu_usd_per_mw + datacentre_usd_per_mw
    if cost <= 0.0:
        return 0.0
    depreciation = gpu_usd_per_mw / gpu_life_years + datacentre_usd_per_mw / datacentre_life_years
    return (rent_usd_per_mw_year - depreciation) / cost


def big_tech_capex_share(
    return_per_year: float,
    cost_of_capital_per_year: float,
    coverage: float,
    q_sensitivity: float,
    full_coverage: float,
) -> float:
    """Share of its demand-driven capex plan a hyperscaler carries out, in [0, 1].

    ``s = clip(1 + β_q (q − 1), 0, 1) × clip((cov − 1) / (cov* − 1), 0, 1)`` with
    ``q = ρ / (r + spread)`` (Tobin's q as marginal return over the cost of capital; Tobin 1969,
    Hayashi 1982) and ``cov`` its interest coverage: cash flow after interest is
    ``(cov − 1) × interest``, so the second factor is the cash-flow sensitivity of investment
    of financially constrained firms (Fazzari, Hubbard & Petersen 1988), binding once coverage
    falls below ``cov*`` and stopping capex when cash flow after interest reaches zero. The
    rule only restrains: at ``q ≥ 1`` and ``cov ≥ cov*`` the plan follows demand as before.
    ``β_q`` and ``cov*`` are judgment.

    Example: ρ = 8%, r + spread = 10%, β_q = 1, cov = 2, cov* = 3 → (1 − 0.2) × 0.5 = 0.4.
    """
    if cost_of_capital_per_year <= 0.0:
        q_term = 1.0
    else:
        q = return_per_year / cost_of_capital_per_year
        q_term = min(1.0, max(0.0, 1.0 + q_sensitivity * (q - 1.0)))
    if full_coverage <= 1.0 or math.isinf(coverage):
        cf_term = 1.0 if coverage >= 1.0 else 0.0
    else:
        cf_term = min(1.0, max(0.0, (coverage - 1.0) / (full_coverage - 1.0)))
    return q_term * cf_term


def compute_anchor_usd_per_cu_year(
    initial_price_usd_per_cu_year: float, list_price_ratio: float, frontier_efficiency: float
) -> float:
    """Long-run price of a unit of compute when the newest chips set it.

    ``p* = p₀ × (P_new / P_new,0) / e_f``: a compute unit (CU) is the compute of one MW-IT of
    week-0 frontier chips for a year. New systems cost ``P_new`` per MW-IT and deliver ``e_f``
    compute units per MW, so the cost of a new compute unit, and the rent competition drives
    it to, falls in proportion to ``e_f`` and moves with the vendors' list price (putty-clay
    vintage capital: Solow, Tobin, Yaari & Weizsäcker 1966; the rental price of capital follows
    the cost of its newest vintage, Jorgenson 1963). ``p₀`` is the week-0 price (the GPU cloud
    contract price of calib. §1).

    Args:
        initial_price_usd_per_cu_year: ``p₀``.
        list_price_ratio: ``P_new / P_new,0``, today's list price over week 0's.
        frontier_efficiency: ``e_f``, compute per MW of the newest generation.

    Returns:
        ``p*`` in USD per compute unit per year.
    """
    return initial_price_usd_per_cu_year * list_price_ratio / frontier_efficiency


def vintage_rent_usd_per_mw_year(price_usd_per_cu_year: float, efficiency: float) -> float:
    """Market rent of one MW-IT of GPUs of a chip generation: ``ρ(e) = p × e``.

    Compute units of every generation trade at one price ``p`` (the spot market); a MW of an
    older generation delivers fewer of them, so its rent is lower in proportion to its
    efficiency ``e`` (compute per MW relative to week-0 frontier chips). A new generation
    lowers old vintages' rents through ``p``: its supply enters at ``e_f`` units per MW, and
    the market's bounds follow :func:`compute_anchor_usd_per_cu_year`.

    Args:
        price_usd_per_cu_year: ``p``.
        efficiency: ``e``.

    Returns:
        USD per MW-IT per year.
    """
    return price_usd_per_cu_year * efficiency


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


# -- lenders: funding, payouts, fund flows ---------------------------------------------------------
@njit(cache=True)
def funding_rate_per_year(
    base_rate_per_year: float, spread_per_year: float, stress: float, stress_spread_per_year: float
) -> float:
    """A lender's cost of funding: ``r_F = r + s_k + s Δ_F``.

    The base rate plus its kind's spread (deposits and notes, fund facilities, repo, customer
    deposits), plus a premium that rises with its stress ``s`` (its capital shortfall or the
    stress of its losses, whichever is larger: funders charge a weaker lender more, the
    funding-liquidity spiral of Brunnermeier & Pedersen 2009).

    Args:
        base_rate_per_year: ``r``.
        spread_per_year: ``s_k``, the spread of the lender's kind of funding.
        stress: ``s`` in [0, 1] (:func:`credit_terms`).
        stress_spread_per_year: ``Δ_F``, the premium at full stress.

    Returns:
        The annual rate on the lender's funding.
    """
    return base_rate_per_year + spread_per_year + stress * stress_spread_per_year


@njit(cache=True)
def payout_usd(
    capital_usd: float,
    loans_usd: float,
    target_ratio: float,
    buffer: float,
    speed_per_week: float,
) -> float:
    """This week's dividends or capital returned: ``θ max(0, E − (1 + b) k* L)``.

    A lender pays out the capital it holds above its target ratio ``k*`` plus a management
    buffer ``b``, at speed ``θ`` a week, and retains earnings below it: leverage targeting in
    the sense of Adrian & Shin (2010), where equity is managed towards a target on the book
    (payouts keep capital from compounding without bound when the book stops growing).

    Args:
        capital_usd: ``E``.
        loans_usd: ``L``, the loan book (net of provisions).
        target_ratio: ``k*``.
        buffer: ``b``.
        speed_per_week: ``θ``.

    Returns:
        USD to pay out this week.
    """
    return speed_per_week * max(0.0, capital_usd - (1.0 + buffer) * target_ratio * loans_usd)


@njit(cache=True)
def redemption_request_share(
    base_per_quarter: float, drawdown_sensitivity: float, nav_drawdown: float
) -> float:
    """Share of a fund's NAV its investors ask to redeem this quarter: ``clip(ρ₀ + β d, 0, 1)``.

    Ordinary turnover ``ρ₀`` plus outflows that respond to losses, measured by the drawdown
    ``d`` of the fund's total return from its peak (the flow–performance relation of bond funds,
    Goldstein, Jiang & Ng 2017; Chen, Goldstein & Jiang 2010).

    Args:
        base_per_quarter: ``ρ₀``.
        drawdown_sensitivity: ``β``.
        nav_drawdown: ``d`` in [0, 1].

    Returns:
        The requested share of NAV.
    """
    return min(1.0, max(0.0, base_per_quarter + drawdown_sensitivity * nav_drawdown))


@njit(cache=True)
def redemption_paid_usd(
    requested_usd: float, nav_usd: float, gate_share: float, cash_usd: float
) -> float:
    """What a fund pays its redeeming investors: ``min(Q, g × NAV, cash)``.

    Requests above the gate ``g`` are pro-rated and must be submitted again (non-traded funds
    limit repurchases to 5% of NAV a quarter, as BREIT did from Dec 2022); a fund never pays
    more than its cash.

    Args:
        requested_usd: ``Q``.
        nav_usd: The fund's NAV (its capital).
        gate_share: ``g`` (1 = no gate).
        cash_usd: Its cash.

    Returns:
        USD paid.
    """
    return max(0.0, min(requested_usd, gate_share * max(0.0, nav_usd), cash_usd))


@njit(cache=True)
def rollover_share(stress: float) -> float:
    """Share of a maturing loan a lender extends: ``clip(1 − 2s, 0, 1)``.

    A lender at or above its capital target (``s = 0``) rolls the whole loan; one below it
    shrinks its book by rolling only part (an amend-and-extend with a paydown), and none once
    it has lost half its target ratio (``s ≥ ½``): the deleveraging of Adrian & Shin (2010).

    Args:
        stress: ``s`` in [0, 1].

    Returns:
        The share rolled over.
    """
    return min(1.0, max(0.0, 1.0 - 2.0 * stress))


# -- provisions: expected losses ------------------------------------------------------------------
@njit(cache=True)
def ltv_default_probability(
    ltv: float, origination_ltv: float, covenant_ltv: float, pd_at_covenant: float
) -> float:
    """Default probability implied by a secured loan's loan-to-value.

    Piecewise linear: zero up to the origination limit ``t``, ``p_c`` at the covenant ``c``,
    one when the loan is worth its collateral (``LTV = 1``): the distance to default of a
    structural model (Merton 1974) read off the collateral cushion. NaN (no collateral): 0.

    Args:
        ltv: Principal over collateral value.
        origination_ltv: ``t``.
        covenant_ltv: ``c`` (> ``t``).
        pd_at_covenant: ``p_c``.

    Returns:
        A probability in [0, 1].
    """
    if ltv != ltv or ltv <= origination_ltv:
        return 0.0
    if ltv <= covenant_ltv:
        return pd_at_covenant * (ltv - origination_ltv) / (covenant_ltv - origination_ltv)
    if ltv >= 1.0 or covenant_ltv >= 1.0:
        return 1.0
    return pd_at_covenant + (1.0 - pd_at_covenant) * (ltv - covenant_ltv) / (1.0 - covenant_ltv)


@njit(cache=True)
def probability_of_default(
    distressed: bool,
    ltv_pd: float,
    tenant_risk_share: float,
    pd_healthy: float,
    pd_distressed: float,
) -> float:
    """One-year default probability a lender provisions: ``max(p_h or p_d, p_LTV, p_d τ)``.

    The worst of three signals, each seen before any payment is missed: the borrower's health
    (``p_d`` when distressed, else ``p_h``), its collateral cushion
    (:func:`ltv_default_probability`), and, for project loans, the share ``τ`` of its halls
    without a sound tenant (vacant, or let to a distressed tenant without a backstop).

    Args:
        distressed: Whether the borrower is distressed.
        ltv_pd: ``p_LTV``.
        tenant_risk_share: ``τ`` in [0, 1].
        pd_healthy: ``p_h``.
        pd_distressed: ``p_d``.

    Returns:
        A probability in [0, 1].
    """
    health = pd_distressed if distressed else pd_healthy
    return min(1.0, max(health, ltv_pd, pd_distressed * tenant_risk_share))


@njit(cache=True)
def loss_given_default(
    principal_usd: float,
    collateral_usd: float,
    recovery_share: float,
    unsecured_lgd: float,
    secured: bool,
) -> float:
    """Loss given default: ``clip(1 − α V / P, 0, 1)`` if secured, else the unsecured LGD.

    A secured lender recovers its share ``V`` of the collateral's value, realised at ``α``
    (the liquidation discount, Rogers & Veraart 2013).

    Args:
        principal_usd: ``P``.
        collateral_usd: ``V``, the loan's share of its collateral's value.
        recovery_share: ``α``.
        unsecured_lgd: LGD of an unsecured claim.
        secured: Whether the loan is secured.

    Returns:
        A share in [0, 1].
    """
    if not secured:
        return unsecured_lgd
    if principal_usd <= 0.0:
        return 0.0
    return min(1.0, max(0.0, 1.0 - recovery_share * collateral_usd / principal_usd))


# -- halls: income value, coverage ----------------------------------------------------------------
@njit(cache=True)
def hall_market_rent_usd_per_mw_year(
    base_rent_usd_per_mw_year: float, rental_ratio: float, elasticity: float
) -> float:
    """Rent a hall re-lets at: ``ρ (p / p₀)^η``, the lease rent scaled by the compute market.

    Args:
        base_rent_usd_per_mw_year: ``ρ``, the rent of a new lease at opening conditions.
        rental_ratio: ``p / p₀``, spot compute rent over its opening level.
        elasticity: ``η``.

    Returns:
        USD per MW-IT per year.
    """
    return base_rent_usd_per_mw_year * max(0.0, rental_ratio) ** elasticity


@njit(cache=True)
def hall_value_usd(
    leased_noi_usd_per_year: float,
    vacant_it_mw: float,
    market_noi_usd_per_mw_year: float,
    cap_rate_per_year: float,
    search_years: float,
    mining_value_usd_per_it_mw: float,
) -> float:
    """A miner's halls valued by their income: ``NOI / y + M_v max(n (1/y − T), m)``.

    Direct capitalisation of the leased halls' net operating income at cap rate ``y``; an
    empty hall is worth the better of what it would earn re-let at the market's NOI per MW
    ``n`` (less the NOI forgone over a search of ``T`` years) and its value as a mining site
    ``m`` per MW-IT (Appraisal Institute, *The Appraisal of Real Estate*, income approach).

    Args:
        leased_noi_usd_per_year: NOI of the leased halls.
        vacant_it_mw: ``M_v``, MW-IT of empty halls.
        market_noi_usd_per_mw_year: ``n``.
        cap_rate_per_year: ``y``.
        search_years: ``T``.
        mining_value_usd_per_it_mw: ``m``.

    Returns:
        USD.
    """
    relet = market_noi_usd_per_mw_year * (1.0 / cap_rate_per_year - search_years)
    return leased_noi_usd_per_year / cap_rate_per_year + vacant_it_mw * max(
        relet, mining_value_usd_per_it_mw
    )


def debt_service_coverage(noi_usd_per_year: float, debt_service_usd_per_year: float) -> float:
    """``DSCR = NOI / debt service`` (interest plus scheduled principal; infinite without debt)."""
    if debt_service_usd_per_year <= 0:
        return math.inf
    return noi_usd_per_year / debt_service_usd_per_year


def dscr_cure_usd(principal_usd: float, dscr: float, covenant: float) -> float:
    """Principal to prepay to bring coverage back to the covenant: ``P (1 − DSCR / c)``.

    Debt service falls in proportion to principal (interest and amortisation scale with it),
    so prepaying the share ``1 − DSCR/c`` restores ``DSCR = c`` (a cash sweep or equity
    cure; a hall without income needs all of it).

    Args:
        principal_usd: ``P``, the covenanted loans' principal.
        dscr: The tested coverage.
        covenant: ``c``.

    Returns:
        USD.
    """
    if covenant <= 0 or dscr >= covenant:
        return 0.0
    return principal_usd * (1.0 - max(0.0, dscr) / covenant)
