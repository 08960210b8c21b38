"""Parameter sections of the real economy: the revenue gap, compute, guarantors, GPU vendor, miners.

Each field carries unit, source and bounds (see :func:`bubblesim.params.param`). "Calib. §n" refers
to the sections of the project's calibration facts (``docs/calibration.md`` lists every value).
"""

import math

from pydantic import BaseModel, ConfigDict

from bubblesim.params import param

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class RevenueGapParams(BaseModel):
    """The revenue the installed AI base needs, end revenue served by compute, lab valuations."""

    model_config = _FROZEN

    gap_cost_of_capital_spread_per_year: float = param(
        0.05,
        unit="per year over the base rate",
        source="judgment: a build-out cost of capital near 9% at a 4% base rate, between "
        "investment-grade hyperscaler funding and CoreWeave's 10–15% effective debt cost "
        "(calib. §2)",
        description="Cost of capital of the AI build-out over the base rate (required revenue)",
        ge=0.0,
        le=0.5,
        judgment=True,
    )
    gap_gpu_life_years: float = param(
        5.0,
        unit="years",
        source="calib. §3: Amazon cut a subset of servers to a 5-year life in Feb 2025; "
        "CoreWeave uses 6; 1–3 years at high utilisation in the bear case",
        description="Depreciation life of GPU capex in the required revenue (δ = 1 / life)",
        ge=0.5,
        le=20.0,
    )
    gap_datacentre_life_years: float = param(
        20.0,
        unit="years",
        source="judgment: data-centre shells and power last 15–25 years, beyond the 10–15-year "
        "leases that finance them (calib. §1)",
        description="Depreciation life of data-centre capex in the required revenue",
        ge=1.0,
        le=60.0,
        judgment=True,
    )
    gap_opening_capex_weeks: int = param(
        104,
        unit="weeks",
        source="judgment: the installed base of week 0 was bought over the boom's first two "
        "years (hyperscaler capex ≈$400B in 2025, calib. §2)",
        description="Weeks before week 0 over which the opening installed base was bought",
        ge=1,
        le=520,
        judgment=True,
    )
    revenue_per_compute_unit_usd_per_year: float = param(
        6.0e6,
        unit="USD per compute unit per year",
        source="derived: $40B of end revenue at week 0 (demand driver) served by the labs' "
        "6,680 MW of GPU cloud contracts of week-0 chips (default economy, calib. §1–2)",
        description="End revenue one compute unit serves at week 0 when demand is fully served",
        gt=0.0,
    )
    revenue_compute_intensity_growth_per_year: float = param(
        math.log(2.0) / 2.0,
        unit="per year (log rate)",
        source="judgment: AI compute demand outgrows chip efficiency (Bain 2025, calib. §2); the "
        "compute a dollar of revenue needs grows as fast as the regular chip cadence raises "
        "compute per MW (2x per 2 years), so a frontier MW serves a constant revenue",
        description="Growth of the compute needed per dollar of end revenue",
        ge=0.0,
        le=3.0,
        judgment=True,
    )
    revenue_compute_elasticity: float = param(
        0.5,
        unit="dimensionless",
        source="judgment: labs ration scarce compute to their most valuable users first, so "
        "revenue falls less than in proportion to a compute shortfall; 0 = revenue does not "
        "depend on compute",
        description="Elasticity ε of served revenue to compute: R = A min(1, C / N)^ε",
        ge=0.0,
        le=2.0,
        judgment=True,
    )
    valuation_revenue_multiple: float = param(
        25.0,
        unit="valuation / revenue run-rate",
        source="judgment: the calibration facts give no lab valuation; 25x run-rate is the "
        "order of late-2025 frontier-lab rounds, and OpenAI's ≈$1.4T of commitments on a ≈$20B "
        "run-rate (calib. §2) is only fundable at a multiple of that order",
        description="Labs' revenue multiple at full sentiment and the reference growth",
        gt=0.0,
        le=200.0,
        judgment=True,
    )
    valuation_reference_growth_per_year: float = param(
        1.0,
        unit="per year",
        source="judgment: the growth the multiple was observed at (OpenAI ≈2-3x a year in "
        "2025, calib. §2)",
        description="Expected growth at which labs trade at the base multiple",
        ge=-0.5,
        le=5.0,
        judgment=True,
    )
    valuation_max_dilution_per_round: float = param(
        0.15,
        unit="share of post-money valuation",
        source="judgment: venture and growth rounds sell 10-20% of the company; no round's "
        "terms are in the calibration facts",
        description="Largest share of a lab an equity round can sell",
        gt=0.0,
        le=1.0,
        judgment=True,
    )


class MinerFinanceParams(BaseModel):
    """Miners' at-the-market equity and new convertibles: when, at what price, how much."""

    model_config = _FROZEN

    miner_atm_discount: float = param(
        0.05,
        unit="share of the market price",
        source="judgment: at-the-market programmes sell near the market price, less the "
        "agent's commission and the price pressure of the sales (a few per cent)",
        description="Discount of at-the-market share sales to the market price",
        ge=0.0,
        lt=1.0,
        judgment=True,
    )
    miner_atm_max_share_of_cap_per_week: float = param(
        0.01,
        unit="share of market capitalisation per week",
        source="judgment: an ATM programme sells into daily volume; ≈1% of the company a week "
        "is ≈13% a quarter, the size of the larger miners' programmes",
        description="Largest share of its market capitalisation a miner sells in one week",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    miner_price_to_book: float = param(
        1.5,
        unit="market capitalisation / book equity at full sentiment",
        source="judgment: AI-hosting miners traded above book in 2025 (calib. §1 deal-day "
        "moves); the ratio scales with AI sentiment",
        description="Miners' market value per dollar of book equity, times AI sentiment",
        ge=0.0,
        le=20.0,
        judgment=True,
    )
    miner_convertible_coupon_per_year: float = param(
        0.004,
        unit="per year, fixed",
        source="calib. §1: IREN's Dec-2025 notes at 0%, 0.25% and 1.00% ($1.0B each; mean "
        "0.42%), MARA's at 0%; the miners' $11B of convertibles since 2024 include 0% coupons",
        description="Coupon of a miner's new convertible notes",
        ge=0.0,
        le=0.2,
    )
    miner_convertible_max_share_of_cap: float = param(
        0.25,
        unit="share of market capitalisation",
        source="judgment: the most convertibles a miner has outstanding, against its market "
        "value (IREN's $3.3B of 2025 notes, calib. §1, against a market value of the same order "
        "as its AI contracts; the market value is not in the facts)",
        description="Most convertible notes a miner has outstanding, per dollar of market value",
        ge=0.0,
        le=2.0,
        judgment=True,
    )
    miner_atm_buffer_weeks: float = param(
        13.0,
        unit="weeks of power and interest",
        source="judgment: a quarter of bills, the horizon of miners' liquidity disclosures",
        description="Cash a miner keeps; below it, it sells shares while the window is open",
        ge=0.0,
        le=104.0,
        judgment=True,
    )


class GuarantorParams(BaseModel):
    """Big tech and the GPU vendor as guarantors with balance sheets (capex, stakes, prices)."""

    model_config = _FROZEN

    big_tech_income_scale: float = param(
        1.0,
        unit="multiple of the calibrated other-business income",
        source="judgment: a stress knob, 1 = the calibrated income (AI-relevant operating "
        "income, calib. §2); below 1 big tech carries its debt and backstops on less",
        description="Scale of big tech's other-business income (guarantor stress)",
        ge=0.0,
        le=10.0,
        judgment=True,
    )
    big_tech_capex_follows_finance: bool = param(
        True,
        unit="switch",
        source="issue 13: big tech's capex follows its own cash flow and cost of capital "
        "(economics.big_tech_capex_share); off = capex follows the demand forecast only",
        description="Big tech scales its capex plan by q and its cash flow after interest",
    )
    big_tech_capex_q_sensitivity: float = param(
        1.0,
        unit="share of plan per unit of q below 1",
        source="judgment: Tobin's q (Tobin 1969, Hayashi 1982) with unit slope below q = 1; "
        "empirical q slopes are small (Fazzari, Hubbard & Petersen 1988), but they measure "
        "average q of the whole firm, not the marginal q of one business line",
        description="β_q: cut in the capex plan per unit of q = return / cost of capital below 1",
        ge=0.0,
        le=10.0,
        judgment=True,
    )
    big_tech_capex_full_coverage: float = param(
        3.0,
        unit="interest coverage (income / interest)",
        source="judgment: coverage 3 is the A-/BBB boundary of Damodaran's synthetic-rating "
        "table; below it cash flow after interest constrains capex (Fazzari, Hubbard & Petersen "
        "1988); at coverage 1 cash flow after interest is zero and capex stops",
        description="cov*: interest coverage below which cash flow limits big tech's capex",
        ge=1.0,
        le=20.0,
        judgment=True,
    )
    big_tech_stress_break_share: float = param(
        0.5,
        unit="capex share",
        source="judgment: a hyperscaler that carries out less than half of its capex plan "
        "sheds lease commitments at their break dates, used or not",
        description="Capex share below which big tech exercises every lease break due",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    vendor_lab_round_share: float = param(
        0.5,
        unit="share of a lab's equity round",
        source="judgment: Nvidia's letter of intent to put up to $100B into OpenAI as it "
        "deploys Nvidia systems (calib. §2, circular financing) makes the vendor the lead of "
        "the rounds that pay for its GPUs; half of each round until the commitment is spent",
        description="Share of each lab round the GPU vendor takes (circular financing)",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    vendor_lab_commitment_usd: float = param(
        30e9,
        unit="USD",
        source="calib. §2 circular financing: Nvidia up to $100B into OpenAI, ⚠ sources "
        "disagree: one says the letter of intent was replaced by $30B of equity; the firm "
        "figure, $30B, is used (judgment between the two)",
        description="Most the GPU vendor puts into labs' equity rounds in total",
        ge=0.0,
        judgment=True,
    )
    vendor_operating_cost_floor_share: float = param(
        0.5,
        unit="share of the opening cost base",
        source="judgment: the vendor is the part of a chip vendor's business serving this "
        "economy, so the costs charged to it shrink with that part's sales (trailing year), but "
        "R&D and overhead are sticky: at most by half (Nvidia's own operating expenses did not "
        "fall in its 2022 downturn, which argues for 1, the opening cost base whatever it "
        "sells; screened in the Morris study)",
        description="f: floor of the GPU vendor's operating costs, as a share of its opening costs",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    vendor_price_cover_years: float = param(
        1.0,
        unit="years of the opening cost base",
        source="judgment: a vendor with a year of R&D and overhead in cash is unstressed",
        description="L*: vendor cash, in years of opening costs, below which it cuts GPU prices",
        gt=0.0,
        le=20.0,
        judgment=True,
    )
    vendor_price_max_discount: float = param(
        0.3,
        unit="share of the list price",
        source="judgment: below its 0.7 × 0.7 ≈ 49% gross profit on a system (calib. §2: "
        "$35B of $50B per GW is Nvidia hardware; margin judgment), a cash-starved vendor can "
        "cut prices by up to 30% and still earn a margin",
        description="d: largest GPU price cut of a vendor with no cash left",
        ge=0.0,
        lt=1.0,
        judgment=True,
    )
    vendor_financing_limit_usd: float = param(
        25e9,
        unit="USD",
        source="calib. §6 telecom analogy: Nortel financed $23B of its customers' purchases "
        "over 5 years; $25B at Nvidia's larger scale (judgment: the calibration facts give no "
        "figure for Nvidia's own customer financing). 0 switches vendor notes off",
        description="Most the GPU vendor lends to buyers no lender will finance (vendor notes)",
        ge=0.0,
        le=200e9,
        judgment=True,
    )
    big_tech_revolver_usd: float = param(
        2e9,
        unit="USD per hyperscaler",
        source="judgment, $2B: a committed line per hyperscaler at the scale of the model's bank "
        "syndicate (its AI-infrastructure book, $6.9B at week 0), not of the hyperscalers' "
        "whole facilities (not in the calibration facts): four full draws take the bank below "
        "half its capital target, where its funding runs",
        description="Committed revolving credit line of each hyperscaler",
        ge=0.0,
        le=100e9,
        judgment=True,
    )
    forward_commitment_scale: float = param(
        1.0,
        unit="multiple of the default economy's forward commitments",
        source="1 = OpenAI's forward commitment to Oracle, 1,300 MW from 2027 for 5 years "
        "at $9.7M/MW-yr ($63B), the "
        "second tranche of the Oracle–OpenAI $300B deal (calib. §2) at the model's scale "
        "(judgment)",
        description="Scale of labs' forward commitments to hyperscalers (0 = none)",
        ge=0.0,
        le=10.0,
        judgment=True,
    )
    big_tech_revolver_spread_per_year: float = param(
        0.01,
        unit="per year over the base rate",
        source="judgment: an investment-grade drawn margin; Oracle's CDS is 128 bp (calib. §2)",
        description="Drawn margin on a hyperscaler's revolving credit line",
        ge=0.0,
        le=0.2,
        judgment=True,
    )
