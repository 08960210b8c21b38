"""Parameter sections of the economy: population, contracts, credit, markets, behaviour, channels.

Each field carries unit, source and bounds (see :func:`bubblesim.params.param`). "Calib. §n" refers
to the sections of the project's calibration facts (``docs/calibration.md`` lists every value).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from bubblesim.params import param

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class PopulationParams(BaseModel):
    """Who is in the economy and how leveraged they are."""

    model_config = _FROZEN

    population_kind: Literal["default", "synthetic", "miners-2022"] = param(
        "default",
        unit="choice",
        source="judgment: the seed's named actors by default",
        description="'default' = the calibrated named economy; 'synthetic' = generated economy; "
        "'miners-2022' = the 2022 rig-loan mining economy (calibration check)",
    )
    population_n_agents: int = param(
        200,
        unit="agents",
        source="judgment",
        description="Number of agents in a synthetic economy",
        ge=8,
        le=100_000,
    )
    population_size_tail_exponent: float = param(
        1.5,
        unit="Pareto exponent",
        source="judgment: firm sizes are heavy-tailed (Axtell 2001, Zipf ~1)",
        description="Tail exponent of synthetic firm sizes (smaller = heavier tail)",
        gt=0.5,
        le=5.0,
        judgment=True,
    )
    population_links_per_borrower: int = param(
        2,
        unit="lenders per borrower",
        source="judgment",
        description="Lenders per borrower in a synthetic economy (preferential by lender size)",
        ge=1,
        le=20,
        judgment=True,
    )
    population_topology: Literal["preferential", "random"] = param(
        "preferential",
        unit="choice",
        source="judgment: credit networks are core-periphery (Craig & von Peter 2014)",
        description="Synthetic economies: pick counterparties by size, or uniformly",
    )
    population_miner_leverage_scale: float = param(
        1.0,
        unit="multiple of calibrated debt",
        source="judgment: 1.0 = the calibrated debt stacks (calib. §2)",
        description="Scales every miner's debt and its lenders' exposure",
        ge=0.0,
        le=5.0,
    )
    population_neocloud_leverage_scale: float = param(
        1.0,
        unit="multiple of calibrated debt",
        source="judgment: 1.0 = the calibrated debt (calib. §2 CoreWeave)",
        description="Scales every neocloud's debt",
        ge=0.0,
        le=5.0,
    )
    population_big_tech_leverage_scale: float = param(
        1.0,
        unit="multiple of calibrated debt",
        source="judgment: 1.0 = the calibrated debt (calib. §2: Oracle's ≈$105B and the "
        "hyperscalers' $121B of 2025 bond issuance)",
        description="Scales every hyperscaler's debt (guarantor stress)",
        ge=0.0,
        le=5.0,
    )
    population_lender_capital_scale: float = param(
        1.0,
        unit="multiple of calibrated capital",
        source="judgment",
        description="Scales every lender's capital allocated to AI-infrastructure credit",
        gt=0.0,
        le=10.0,
    )


class ContractParams(BaseModel):
    """Terms of newly signed compute contracts (existing deals carry their own terms)."""

    model_config = _FROZEN

    contract_gpu_cloud_price_usd_per_mw_year: float = param(
        9.7e6,
        unit="USD per MW-IT per year",
        source="calib. §1 IREN–Microsoft: $9.7B / 5 y / 200 MW (derived)",
        description="Price of a new GPU cloud contract",
        gt=0,
    )
    contract_gpu_cloud_term_weeks: int = param(
        234,
        unit="weeks",
        source="calib. §1 CoreWeave: 3–5 y, 4.5 y revenue-weighted",
        description="Term of a new GPU cloud contract",
        ge=4,
        le=1040,
    )
    contract_prepayment_share: float = param(
        0.2,
        unit="share of first-year value",
        source="calib. §1 IREN–Microsoft 20% prepayment",
        description="Prepayment at signature, as a share of the first year's payments",
        ge=0.0,
        le=1.0,
    )
    contract_take_or_pay_share: float = param(
        0.8,
        unit="share of contracted capacity",
        source="judgment: take-or-pay floors in cloud contracts are commonly 70–100%",
        description="Share of contracted capacity a buyer must pay for even when it uses less",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    contract_hosting_price_usd_per_mw_year: float = param(
        1.8e6,
        unit="USD per MW-IT per year",
        source="calib. §1 central of 1.2–2.3 (WULF, CIFR, HUT, CORZ; derived)",
        description="Rent of a new hosting lease",
        gt=0,
    )
    contract_hosting_term_weeks: int = param(
        520,
        unit="weeks",
        source="calib. §1: 10–15-year leases",
        description="Term of a new hosting lease",
        ge=4,
        le=1560,
    )
    contract_hosting_break_week: int = param(
        260,
        unit="weeks after start",
        source="judgment: a break option at year 5 of a 10-year lease",
        description="When a hyperscaler lessee may walk away from a hosting lease",
        ge=1,
        le=1560,
        judgment=True,
    )
    contract_hosting_noi_margin: float = param(
        0.85,
        unit="share of rent",
        source="calib. §1 WULF/CIFR NOI 80–85%",
        description="Host's net operating margin on hosting rent (the rest is operating cost)",
        ge=0.0,
        le=1.0,
    )
    contract_backstop_share: float = param(
        0.3,
        unit="backstop / contract value",
        source="calib. §1 Google backstops: 0.14–0.49 of contract value (derived)",
        description="Share of a neocloud's lease payments a big-tech guarantor covers",
        ge=0.0,
        le=1.0,
    )


class CreditParams(BaseModel):
    """Credit terms and lenders' reaction to their own capital."""

    model_config = _FROZEN

    credit_project_loan_to_cost: float = param(
        0.85,
        unit="share of capex",
        source="calib. §2 Hut 8: JPMorgan/Goldman up to 85% loan-to-cost",
        description="Share of a hall conversion financed by a project loan",
        ge=0.0,
        le=1.0,
    )
    credit_gpu_ltv_max: float = param(
        0.6,
        unit="loan / collateral value",
        source="calib. §2 GPU LTV 0.50–0.70 (weak sources)",
        description="Loan-to-value at origination of a GPU-backed loan",
        gt=0.0,
        le=1.0,
        judgment=True,
    )
    credit_covenant_ltv: float = param(
        0.85,
        unit="loan / collateral value",
        source="judgment: maintenance covenant above origination LTV",
        description="LTV above which a collateralised loan is in breach (margin call)",
        gt=0.0,
        le=2.0,
        judgment=True,
    )
    credit_spread_neocloud_per_year: float = param(
        0.045,
        unit="per year over base",
        source="calib. §2 CoreWeave DDTL 5.0 SOFR+4.50% (non-IG)",
        description="Spread on new neocloud loans",
        ge=0.0,
        le=0.3,
    )
    credit_spread_miner_per_year: float = param(
        0.035,
        unit="per year over base",
        source="calib. §2 miner HY 6.1–7.75% vs ~4% base (derived)",
        description="Spread on new miner loans",
        ge=0.0,
        le=0.3,
    )
    credit_loan_term_weeks: int = param(
        260,
        unit="weeks",
        source="calib. §2 notes due 2030–2033 (≈5 y)",
        description="Term of a new loan",
        ge=4,
        le=1560,
    )
    credit_tightening_sensitivity: float = param(
        2.0,
        unit="dimensionless",
        source="judgment",
        description="How strongly LTV limits fall and spreads rise with a capital shortfall",
        ge=0.0,
        le=20.0,
        judgment=True,
    )
    credit_spread_stress_per_year: float = param(
        0.08,
        unit="per year",
        source="calib. §2 CoreWeave CDS 368→643 bp; DDTL non-IG up to SOFR+13%",
        description="Spread added at full lender stress",
        ge=0.0,
        le=0.5,
    )
    credit_project_dscr_covenant: float = param(
        1.2,
        unit="NOI / debt service",
        source="project-finance DSCR covenants of 1.20x after stabilisation "
        "(https://lawinsider.com/dictionary/minimum-debt-service-coverage-ratio; "
        "https://financeschool4u.com/topics/31-project-finance/loan-documentation)",
        description="Minimum debt-service coverage of a project loan, tested each quarter",
        ge=0.0,
        le=5.0,
    )
    credit_liquidity_buffer_weeks: int = param(
        13,
        unit="weeks of obligations",
        source="judgment: firms keep about a quarter of their outflows in cash and draw on "
        "secured credit when they fall below half of it",
        description="Cash a borrower tops up to with a secured loan when it falls below half",
        ge=0,
        le=104,
        judgment=True,
    )
    credit_crunch_window_weeks: int = param(
        26,
        unit="weeks",
        source="judgment: two quarters, as 2022's lending fell from Q1 to Q3 (BlocksBridge)",
        description="Window over which credit requested and granted are summed",
        ge=1,
        le=520,
        judgment=True,
    )
    credit_crunch_volume_floor_share: float = param(
        0.15,
        unit="share of leveraged credit outstanding",
        source="judgment: one refused note is not a crunch, so requests count as at least 15% of "
        "the leveraged credit stock (not investment-grade hyperscaler notes) per window, 1.5x "
        "the median window's request flow on the default economy (measured: 10% of that stock, "
        "p90 52%, 8 ten-year baseline runs); the index then reaches 0.5 only when lenders refuse "
        "7.5% of the stock within the window. Measured, 20 runs each: at 5% the leg was met in "
        "70% of baseline runs, at 10% in 20%, at 15% in 5% (90% at the deepest slowdown); the "
        "2022 check meets it at all three",
        description="Requests are counted as at least this share of leveraged credit outstanding",
        ge=0.0,
        le=10.0,
        judgment=True,
    )
    credit_funding_run_per_week: float = param(
        0.02,
        unit="share of funding per week",
        source="judgment: 2022 lender runs (Celsius, BlockFi) drained funding within months",
        description="Funding withdrawn per week in a run on a lender (stress of one half or more)",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    credit_loss_stress_onset_share: float = param(
        0.05,
        unit="share of capital (drawdown)",
        source="judgment: a fall of capital within a normal year's credit-loss budget (5%) does "
        "not move credit terms or funders",
        description="d0: capital drawdown at which a lender's loss stress starts",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    credit_loss_stress_full_share: float = param(
        0.5,
        unit="share of capital (drawdown)",
        source="judgment: a lender whose capital fell 27.5% below its peak (stress one half) "
        "stops rolling loans and faces a run: runs follow disclosed losses (SVB in March 2023; "
        "Voyager and BlockFi within days of their borrowers' defaults, calib. §5) before capital "
        "is gone. At or below the onset the loss term is off",
        description="l: capital drawdown at which a lender's loss stress is full",
        ge=0.0,
        le=1.0,
        judgment=True,
    )


class LenderParams(BaseModel):
    """Lenders' balance sheets by kind: capital targets, funding costs, payouts, fund flows.

    Every lender has capital (its shareholders' equity, or the investors' capital of a fund or
    pool) and funding (deposits and notes of a bank, customer deposits of a crypto lender, the
    credit facilities, repo or prime-brokerage lines that lever a fund or pool), which costs
    the base rate plus the kind's spread. Loan-loss provisions are expected losses,
    ``PD × LGD × principal``.
    """

    model_config = _FROZEN

    lender_capital_target_bank: float = param(
        0.12,
        unit="capital / loans",
        source="Basel III: 8% minimum total capital plus the 2.5% conservation buffer = 10.5% "
        "of risk-weighted assets (https://www.investopedia.com/ask/answers/062515/what-minimum-"
        "capital-adequacy-ratio-must-be-attained-under-basel-iii.asp), corporate and project "
        "loans at 100% risk weight, plus a 1.5-point management buffer (judgment)",
        description="Capital ratio a bank targets (below it, it tightens)",
        gt=0.0,
        le=1.0,
    )
    lender_capital_target_private_credit: float = param(
        0.5,
        unit="capital / loans",
        source="BDCs ran 1.04x debt to equity on average in 1Q2024 (LSEG LPC via LSTA, "
        "https://lsta.org/news-resources/the-abcs-of-bdcs-a-primer-on-the-pc-markets-sec-"
        "registered-funds-part-3): equity ≈ 0.49 of assets",
        description="Capital ratio a private-credit fund targets",
        gt=0.0,
        le=1.0,
    )
    lender_capital_target_bond_fund: float = param(
        0.5,
        unit="capital / loans",
        source="judgment: high-yield holders mix unlevered funds with levered insurers and "
        "hedge funds; half the book funded by leverage",
        description="Capital ratio a pool of bond investors targets",
        gt=0.0,
        le=1.0,
        judgment=True,
    )
    lender_capital_target_convertible_fund: float = param(
        1.0,
        unit="capital / loans",
        source="judgment: the model does not value the conversion option, which is most of a "
        "0–3% convertible's return, so a levered holder (hedge funds are 78% of US buyers at "
        "3.0x leverage, https://www.institutionalinvestor.com/article/b150nwps5wctth/hedge-"
        "funds-dominate-us-convertible-market) would lose its carry by construction; the pool "
        "stands for unlevered holders",
        description="Capital ratio a pool of convertible investors targets",
        gt=0.0,
        le=1.0,
        judgment=True,
    )
    lender_capital_target_crypto: float = param(
        0.15,
        unit="capital / loans",
        source="judgment: crypto lenders ran thin capital (2022: calib. §5); the model's "
        "former single target",
        description="Capital ratio a crypto lender targets",
        gt=0.0,
        le=1.0,
        judgment=True,
    )
    lender_funding_spread_bank_per_year: float = param(
        0.0,
        unit="per year over base",
        source="judgment: interest-bearing deposits cost 1.4% when fed funds averaged 3.7% "
        "(2022:Q4, https://libertystreeteconomics.newyorkfed.org/2023/04/deposit-betas-up-up-"
        "and-away); that advantage pays for branches and operations, which the model leaves "
        "out, so a loan book's funding is priced at the base rate",
        description="Spread over base a bank pays on its deposits and notes",
        ge=-0.05,
        le=0.3,
        judgment=True,
    )
    lender_funding_spread_private_credit_per_year: float = param(
        0.02,
        unit="per year over base",
        source="BDC secured credit facilities at SOFR + 1.975% and SOFR + 2.00% (SEC filings, "
        "https://www.sec.gov/Archives/edgar/data/2071136/000207113625000009/R14.htm; "
        "http://archive.fast-edgar.com/20250807/A822U223Z222TJBI22272Z423MB99K22Z272/R33.htm)",
        description="Spread over base a private-credit fund pays on its credit facilities",
        ge=-0.05,
        le=0.3,
    )
    lender_funding_spread_bond_fund_per_year: float = param(
        0.01,
        unit="per year over base",
        source="judgment: repo and total-return-swap financing of credit portfolios",
        description="Spread over base a bond pool pays on its leverage",
        ge=-0.05,
        le=0.3,
        judgment=True,
    )
    lender_funding_spread_convertible_fund_per_year: float = param(
        0.01,
        unit="per year over base",
        source="judgment: prime-brokerage financing secured on the convertibles (CAIA: "
        "convertible-arbitrage leverage comes from prime brokers, https://www.safaribooksonline"
        ".com/library/view/caia-level-ii/9781118447284/OEBPS/c34-sec1-0007.htm)",
        description="Spread over base a convertible pool pays on its leverage",
        ge=-0.05,
        le=0.3,
        judgment=True,
    )
    lender_funding_spread_crypto_per_year: float = param(
        0.02,
        unit="per year over base",
        source="judgment: customer-deposit yields above money-market rates; 2021's 7.5–8.6% "
        "at near-zero rates (set by the 2022-redux preset) came from DeFi yields that no "
        "longer exist",
        description="Spread over base a crypto lender pays its depositors",
        ge=-0.05,
        le=0.3,
        judgment=True,
    )
    lender_funding_stress_spread_per_year: float = param(
        0.03,
        unit="per year at full stress",
        source="judgment: funders charge a lender short of capital more, as bank CDS and "
        "deposit rates rose at stressed banks in 2023; a third of the stress add-on on loans",
        description="Funding spread added at full lender stress (capital gone below target)",
        ge=0.0,
        le=0.5,
        judgment=True,
    )
    lender_payout_buffer: float = param(
        0.25,
        unit="share of the capital target",
        source="judgment: lenders keep a management buffer above their target (a bank at 12% "
        "pays out above 15%) before paying dividends or returning capital",
        description="Capital above (1 + buffer) × target × loans is paid out",
        ge=0.0,
        le=10.0,
        judgment=True,
    )
    lender_payout_per_week: float = param(
        0.077,
        unit="share of excess capital per week",
        source="judgment: excess capital is returned over about a quarter (quarterly dividends "
        "and buybacks; 1/13 a week)",
        description="Speed at which capital above the payout threshold is paid out",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    lender_distribution_share: float = param(
        0.9,
        unit="share of quarterly net income",
        source="regulated investment companies distribute at least 90% of taxable income "
        "(https://ir.arescapitalcorp.com/ir-resources/what-is-a-bdc)",
        description="Share of a fund's or pool's positive quarterly net income distributed",
        ge=0.0,
        le=1.0,
    )
    lender_redemption_base_per_quarter: float = param(
        0.02,
        unit="share of NAV per quarter",
        source="judgment: investors' ordinary turnover in semi-liquid credit funds, well "
        "inside the 5% quarterly limit",
        description="Redemption requests of a fund's or pool's investors in calm times",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    lender_redemption_drawdown_sensitivity: float = param(
        3.0,
        unit="share of NAV per quarter per unit of NAV drawdown",
        source="judgment: outflows respond to bad performance (Goldstein, Jiang & Ng 2017, "
        "corporate bond funds); a 6% NAV loss brings requests of 20% a quarter, the pace "
        "BREIT saw in Dec 2022–Mar 2023 ($3.8–5.3B a month on $69B, https://www.ash.org.au/"
        "market/blackstone-caps-breit-withdrawals-in-january-after-large-redemption-requests/)",
        description="Extra redemption requests per unit of drawdown of the total return",
        ge=0.0,
        le=50.0,
        judgment=True,
    )
    lender_redemption_gate_per_quarter: float = param(
        0.05,
        unit="share of NAV per quarter",
        source="non-traded funds gate withdrawals above 2% of NAV a month or 5% a quarter "
        "(https://www.fa-mag.com/news/breit-limits-withdrawals-for-4th-month-72238.html)",
        description="Most a private-credit fund repurchases in a quarter (requests above are "
        "pro-rated)",
        ge=0.0,
        le=1.0,
    )
    lender_inflow_per_quarter: float = param(
        0.05,
        unit="share of NAV per quarter",
        source="BDC assets grew 23% year on year to $343B in 1Q2024 (LSEG LPC via LSTA, "
        "https://lsta.org/news-resources/the-abcs-of-bdcs-a-primer-on-the-pc-markets-sec-"
        "registered-funds-part-3): ≈5% a quarter",
        description="New investor capital a fully invested, performing fund or pool raises",
        ge=0.0,
        le=1.0,
    )
    lender_inflow_max_crunch: float = param(
        0.25,
        unit="credit crunch index",
        source="judgment: investors do not add to credit funds while lenders refuse a quarter "
        "or more of the credit asked of them",
        description="Credit crunch index above which funds raise no new capital",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    lender_pd_healthy_per_year: float = param(
        0.042,
        unit="probability per year",
        source="Moody's speculative-grade default rate, average since 1983: 4.2% "
        "(https://pdfcoffee.com/moodys-pbc-1018455-pdf-free.html)",
        description="One-year default probability provisioned for a healthy borrower",
        ge=0.0,
        le=1.0,
    )
    lender_pd_distressed_per_year: float = param(
        0.3,
        unit="probability per year",
        source="judgment: a distressed borrower (negative equity or under four weeks of cash) "
        "is provisioned like the lowest speculative grades, where most defaulters start "
        "their last year (83% of 2021's defaulters began it at CCC/C, https://spglobal.com/"
        "ratings/en/research/articles/220413-default-transition-and-recovery-2021-annual-"
        "global-corporate-default-and-rating-transition-study-12336975)",
        description="One-year default probability provisioned for a distressed borrower, for "
        "a loan at its covenant LTV, or for halls without a paying tenant",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    lender_lgd_unsecured: float = param(
        0.6,
        unit="share of principal",
        source="calib. §6: bond recoveries ≈40¢ historically",
        description="Loss given default provisioned on unsecured loans and notes",
        ge=0.0,
        le=1.0,
    )


class HallParams(BaseModel):
    """AI halls as income property: valuation, vacancy, re-letting, return to mining."""

    model_config = _FROZEN

    hall_cap_rate_per_year: float = param(
        0.075,
        unit="NOI / value per year",
        source="stabilised hyperscale data centres trade at 5.5–6.5%, colocation 6–7%, "
        "powered shells 7–8% (JLL Q1 2026, https://apers.app/learn/asset-classes/industrial/"
        "data-centers-power-pricing-pue-hyperscaler): miners' halls leased to neoclouds sit "
        "at the top",
        description="Capitalisation rate of a hall's net operating income",
        ge=0.01,  # a hall at 100× its NOI is beyond any traded cap rate; lower rates overflow
        le=1.0,
    )
    hall_rent_elasticity: float = param(
        0.5,
        unit="dimensionless",
        source="judgment: hall rent is a fifth of the price of compute ($1.8M against $9.7M "
        "per MW-year, calib. §1) and moves less than GPU rents",
        description="Market rent of a hall re-let scales as (spot rent / initial rent) to this",
        ge=0.0,
        le=3.0,
        judgment=True,
    )
    hall_relet_search_weeks: int = param(
        26,
        unit="weeks",
        source="judgment: a new tenant needs its own fit-out; vacancy of 1.9% (calib. §1, "
        "CBRE) says space lets quickly while demand lasts",
        description="Weeks a hall stands empty before it can be re-let",
        ge=0,
        le=520,
        judgment=True,
    )
    hall_return_to_mining_weeks: int = param(
        52,
        unit="weeks",
        source="judgment: a miner waits a year for a tenant before putting ASICs back",
        description="Weeks without a tenant after which a hall's power goes back to mining",
        ge=1,
        le=1040,
        judgment=True,
    )
    hall_mining_site_value_usd_per_mw: float = param(
        0.85e6,
        unit="USD per gross MW",
        source="calib. §1: mining-grade infrastructure costs $0.7–1.0M/MW (CoinShares)",
        description="Value of a hall's site as a mining site (the floor of an empty hall)",
        ge=0.0,
    )


class MarketParams(BaseModel):
    """Spot compute, hardware resale and build economics."""

    model_config = _FROZEN

    market_spot_sensitivity_per_week: float = param(
        0.03,
        unit="log price per unit excess demand per week",
        source="judgment: H100 rent fell from >$8 to <$2 in ~1 y (calib. §3)",
        description="Spot compute price response to (demand - supply) / supply",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    market_spot_floor_share: float = param(
        0.17,
        unit="share of the initial spot price",
        source="calib. §3: legacy medians fell to ~$0.97/h from ~$5.8 peaks (derived)",
        description="Floor of the spot price (operating cost of running GPUs)",
        ge=0.0,
        le=1.0,
    )
    market_spot_ceiling_multiple: float = param(
        2.0,
        unit="multiple of the initial spot price",
        source="calib. §3: H100 peaked above $8/h against ≈$2.35–4.70 (derived 1.7–3.4)",
        description="Ceiling of the spot price in a compute shortage",
        ge=1.0,
        le=10.0,
    )
    market_gpu_price_usd_per_mw: float = param(
        30e6,
        unit="USD per MW-IT",
        source="calib. §1: IREN $29M/MW-IT (derived), Nvidia $35B/GW",
        description="Price of new frontier GPU systems",
        gt=0,
    )
    market_gpu_obsolescence_exponent: float = param(
        0.65,
        unit="dimensionless",
        source="calib. §3: legacy GPU medians fell $1.78→$0.97/h (−45%) as a ~2.5x generation "
        "took over: 2.5^-γ = 0.55 gives γ ≈ 0.65 (derived)",
        description="GPU value scales as (own / frontier efficiency) to this power",
        ge=0.0,
        le=2.0,
    )
    market_gpu_rent_elasticity: float = param(
        0.5,
        unit="dimensionless",
        source="judgment: RBC 2025, H100 value −22% YTD while rents fell more (calib. §3)",
        description="GPU value scales as (spot rent / initial rent) to this power",
        ge=0.0,
        le=2.0,
        judgment=True,
    )
    market_gpu_depth_usd: float = param(
        40e9,
        unit="USD",
        source="judgment: GPU-backed loans across neoclouds exceed $20B (calib. §2)",
        description="GPU resale market depth: sales of this value move prices by ~63%",
        gt=0,
        judgment=True,
    )
    market_asic_usd_per_th_per_hashprice: float = param(
        0.35,
        unit="USD per TH/s per (USD/PH/day)",
        source="calib. §5: $119/TH at ~$300 hashprice, $15.7/TH at ~$56 (derived 0.28–0.40)",
        description="ASIC price per unit hashprice (fundamental value of rigs)",
        gt=0,
    )
    market_asic_depth_usd: float = param(
        3e9,
        unit="USD",
        source="judgment: rig-backed loans up to ~$4B in 2022 (calib. §5)",
        description="ASIC resale market depth",
        gt=0,
        judgment=True,
    )
    market_recovery_per_week: float = param(
        0.02,
        unit="share per week",
        source="judgment: resale discounts halve in ~8 months",
        description="Rate at which a fire-sale discount mean-reverts",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    market_colo_build_cost_usd_per_mw: float = param(
        10e6,
        unit="USD per MW-IT",
        source="calib. §1: WULF $8–10M, CIFR $9–11M per MW-IT",
        description="Capex to convert a mining site into an AI hall",
        gt=0,
    )
    market_conversion_lag_weeks: int = param(
        52,
        unit="weeks",
        source="calib. §1: CIFR signed Sep 2025, delivery Sep 2026",
        description="Build lag of a hall conversion",
        ge=1,
        le=260,
    )
    market_asic_efficiency_j_per_th: float = param(
        20.0,
        unit="J per TH",
        source="judgment: current fleets 15–25 J/TH; top 2022 tier < 38 J/TH (calib. §5)",
        description="Energy efficiency of miners' ASIC fleets",
        gt=1.0,
        le=200.0,
        judgment=True,
    )
    market_pue: float = param(
        1.25,
        unit="gross MW per MW-IT",
        source="calib. §1 Bitfarms PUE 1.2–1.3",
        description="Power usage effectiveness of AI halls",
        ge=1.0,
        le=2.0,
    )
    market_gpu_depreciation_per_year: float = param(
        0.05,
        unit="share of value per year",
        source="judgment: wear only; obsolescence is priced by the efficiency term "
        "(book lives of 5–6 years, calib. §3, mix both)",
        description="Physical depreciation of GPU value",
        ge=0.0,
        le=1.0,
    )


class BehaviourParams(BaseModel):
    """Decision rules of labs, providers and miners."""

    model_config = _FROZEN

    lab_compute_spend_to_revenue: float = param(
        1.0,
        unit="compute spend / revenue",
        source="calib. §2 OpenAI: 2025 burn $8.5B on $13B revenue; commitments 13x (judgment)",
        description="Labs' desired compute spend per dollar of revenue",
        gt=0.0,
        le=20.0,
        judgment=True,
    )
    lab_planning_horizon_weeks: int = param(
        104,
        unit="weeks",
        source="judgment: labs commit to compute for the revenue they expect years out "
        "(OpenAI: ≈$1.4T over 8 years against $13B of 2025 revenue, calib. §2)",
        description="How far ahead labs size compute on expected revenue growth",
        ge=0,
        le=520,
        judgment=True,
    )
    lab_contract_share: float = param(
        0.8,
        unit="share of desired compute",
        source="judgment",
        description="Share of desired compute labs lock in on term contracts",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    lab_cash_buffer_weeks: int = param(
        26,
        unit="weeks of payments",
        source="judgment",
        description="Labs raise equity when cash falls below this many weeks of payments",
        ge=0,
        le=520,
        judgment=True,
    )
    lab_equity_raise_weeks: int = param(
        52,
        unit="weeks of payments",
        source="judgment: labs raise roughly a year of burn per round",
        description="Size of an equity round in weeks of payments",
        ge=1,
        le=520,
        judgment=True,
    )
    lab_reorganisation_weeks: int = param(
        26,
        unit="weeks",
        source="judgment: Chapter 11 reorganisations of operating businesses take months; "
        "a lab's users and models outlive its balance sheet",
        description="Weeks after a lab's default before a recapitalised successor can enter",
        ge=1,
        le=520,
        judgment=True,
    )
    provider_capex_interval_weeks: int = param(
        13,
        unit="weeks",
        source="judgment: quarterly capex decisions",
        description="How often providers revisit capex",
        ge=1,
        le=104,
    )
    provider_forecast_horizon_weeks: int = param(
        52,
        unit="weeks",
        source="judgment",
        description="How far ahead providers extrapolate demand growth",
        ge=0,
        le=520,
        judgment=True,
    )
    provider_walkaway_utilisation: float = param(
        0.7,
        unit="share",
        source="judgment: MODEL.md, big tech walks away at break clauses",
        description="Utilisation below which a big-tech lessee walks away at a break date",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    miner_convertible_share: float = param(
        0.8,
        unit="share of mining MW",
        source="judgment: most but not all sites suit liquid-cooled halls",
        description="Largest share of a miner's power a conversion can take",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    expectation_smoothing: float = param(
        0.1,
        unit="EWMA weight per week",
        source="judgment: adaptive expectations",
        description="Weight of the newest observation in demand-growth expectations",
        gt=0.0,
        le=1.0,
        judgment=True,
    )
    sentiment_equity_threshold: float = param(
        0.5,
        unit="AI sentiment index",
        source="judgment",
        description="AI sentiment below which the equity window closes for labs",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    sentiment_btc_drawdown_limit: float = param(
        0.5,
        unit="drawdown share",
        source="judgment: convertible issuance stalled in early 2025's drawdown (calib. §2)",
        description="BTC drawdown above which the miners' convertible window closes",
        ge=0.0,
        le=1.0,
        judgment=True,
    )


class ChannelParams(BaseModel):
    """The five contagion channels, each switchable, and the default-cost parameters."""

    model_config = _FROZEN

    channel_counterparty: bool = param(
        True,
        unit="switch",
        source="MODEL.md channel 1",
        description="Defaulters' contracts lapse (off: an outside party makes them whole)",
    )
    channel_settlement: bool = param(
        True,
        unit="switch",
        source="MODEL.md channel 2; Rogers & Veraart (2013)",
        description="Default costs in clearing (off: Eisenberg–Noe without costs)",
    )
    channel_fire_sale: bool = param(
        True,
        unit="switch",
        source="MODEL.md channel 3; Cifuentes, Ferrucci & Shin (2005)",
        description="Seized-collateral sales move resale prices (off: no price impact)",
    )
    channel_funding: bool = param(
        True,
        unit="switch",
        source="MODEL.md channel 4",
        description="Lenders tighten credit and face runs as capital falls (off: fixed policy)",
    )
    channel_sentiment: bool = param(
        True,
        unit="switch",
        source="MODEL.md channel 5",
        description="Falling BTC and AI sentiment close equity/convertible windows",
    )
    settlement_alpha: float = param(
        0.7,
        unit="share",
        source="judgment: rig-loan recoveries 50–75% (calib. §5)",
        description="Rogers–Veraart: share of external assets a defaulter realises",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
    settlement_beta: float = param(
        0.9,
        unit="share",
        source="judgment",
        description="Rogers–Veraart: share of interbank receipts a defaulter realises",
        ge=0.0,
        le=1.0,
        judgment=True,
    )


class VerdictParams(BaseModel):
    """The definition of a '2022-style liquidity cascade'."""

    model_config = _FROZEN

    verdict_window_weeks: int = param(
        52,
        unit="weeks",
        source="calib. §5: the 2022 cascade ran May–Dec",
        description="Window within which the three legs must hold together",
        ge=1,
        le=1040,
    )
    verdict_miner_capacity_share: float = param(
        0.2,
        unit="share of leveraged miner MW",
        source="calib. §5: ≈20% of public miners defaulted or restructured",
        description="Leveraged-miner capacity that must default within the window",
        ge=0.0,
        le=1.0,
    )
    verdict_lender_loss_share: float = param(
        0.1,
        unit="losses / initial capital",
        source="judgment: lenders 'failed or pulled back' (calib. §5)",
        description="Lender capital lost (failed lenders' all of it), share of initial capital",
        ge=0.0,
        le=10.0,
        judgment=True,
    )
    verdict_credit_contraction_share: float = param(
        0.5,
        unit="credit crunch index",
        source="judgment: lenders refuse most of the credit asked of them over the window; "
        "2022: miners' net debt financing went from +$348M (Q1) to +$188M (Q2) to −$112.6M "
        "(Q3) as crypto lenders failed or pulled back (BlocksBridge, https://www.cryptobudha"
        ".com/blockchain-news/bitcoin-miners-deleverage-scale-back-as-crypto-winter-continues-"
        "into-2023/)",
        description="Credit crunch index (share of requested credit refused) that counts",
        ge=0.0,
        le=1.0,
        judgment=True,
    )
