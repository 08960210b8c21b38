"""The default economy: the seed's actors as a small named population, sized from the sources.

Week 0 is 2026-01-05. "§n" refers to the sections of the calibration facts (every figure there
carries its URL; ``docs/calibration.md`` repeats them). Figures marked *judgment* are modelling
choices where no source gives the number; each says why.

Simplifications, stated once: only the AI-infrastructure slice of each balance sheet is modelled
(big tech's other businesses appear as a flow of operating income); bond and convertible holders
are pooled into one lender each; lender capital is the capital those holders hold against this
book.
"""

from __future__ import annotations

from bubblesim.accounts.instruments import Collateral, ContractKind
from bubblesim.agents.lender import LenderKind
from bubblesim.population.spec import (
    ContractSpec,
    EconomySpec,
    LabSpec,
    LenderSpec,
    LoanSpec,
    MinerSpec,
    ProviderSpec,
    VendorSpec,
)

B = 1e9
M = 1e6
DSCR_COVENANT = 1.2
"""The bank project loan's coverage covenant (the default of ``credit_project_dscr_covenant``)."""
HOSTING, CLOUD = ContractKind.HOSTING, ContractKind.GPU_CLOUD

#: Labs' GPU cloud capacity at week 0, MW-IT, by lab and provider. Total ≈ 6,600 MW: 0.8 of
#: desired compute at $9.7M/MW-year when labs spend their expected revenue ($40B growing 100%;
#: §2 run-rates). Who serves whom follows the deals: Oracle–OpenAI $300B, CoreWeave–OpenAI
#: $22.4B (§2 circular financing), Anthropic on Google TPUs and AWS, Fluidstack for Anthropic
#: (§1 Hut 8). Splits are *judgment*.
LAB_CONTRACTS_MW: dict[str, dict[str, float]] = {
    "OpenAI": {"Microsoft": 1300, "Oracle": 1300, "CoreWeave": 900, "Google": 130},
    "Anthropic": {"AWS": 800, "Google": 600, "Fluidstack": 400},
    "Other labs": {"Microsoft": 300, "AWS": 300, "Google": 250, "CoreWeave": 250, "Oracle": 150},
}


#: OpenAI's forward commitment to Oracle, MW-IT from week 52 (see ``_contracts``; judgment).
FORWARD_COMMITMENT_MW = 1300.0

#: §2 circular financing: Nvidia's $6.3B backstop of CoreWeave capacity (to 2032), modelled as
#: Nvidia guaranteeing CoreWeave's capacity sold to OpenAI (judgment: the backstop covers
#: unsold capacity; a lab's default is when that capacity would go unsold).
VENDOR_BACKSTOPS: dict[tuple[str, str], dict] = {
    ("CoreWeave", "OpenAI"): {"guarantor": "Nvidia", "backstop_usd": 6.3 * B},
}


def _vendors() -> list[VendorSpec]:
    # §2: of ≈$50B of GPU systems per GW, $35B is NVIDIA hardware (share 0.7). Gross margin,
    # fixed costs and cash: judgment (not in the calibration facts).
    return [
        VendorSpec(
            "Nvidia",
            cash_usd=60 * B,
            hardware_share=0.7,
            gross_margin=0.7,
            operating_cost_usd_per_year=10 * B,
        )
    ]


def _labs() -> list[LabSpec]:
    # §2: OpenAI run-rate > $20B end-2025; Anthropic ≈ $7B Oct 2025 → ≈ $10B by Jan 2026
    # (judgment); the rest is the long tail. Cash: OpenAI's and Anthropic's 2025 rounds
    # (judgment from §2 burn figures: enough for 1–2 years of burn).
    return [
        LabSpec("OpenAI", cash_usd=40 * B, revenue_share=0.55),
        LabSpec("Anthropic", cash_usd=20 * B, revenue_share=0.25),
        LabSpec("Other labs", cash_usd=12 * B, revenue_share=0.20),
    ]


def _providers() -> list[ProviderSpec]:
    sold = {}
    for row in LAB_CONTRACTS_MW.values():
        for provider, mw in row.items():
            sold[provider] = sold.get(provider, 0.0) + mw
    # Big tech: other income from §2 capex capacity (judgment: AI-relevant operating income).
    big = {
        "Microsoft": 100 * B,
        "AWS": 80 * B,
        "Google": 100 * B,
        "Oracle": 20 * B,
    }
    out = [
        ProviderSpec(
            name,
            cash_usd=income * 0.5,
            big_tech=True,
            gpu_mw=sold[name] * 1.1,
            own_space_mw=sold[name] * 1.2,
            other_income_usd_per_year=income,
        )
        for name, income in big.items()
    ]
    # CoreWeave: GPUs for its contracts plus 10% spare; leases Core Scientific halls (below).
    out.append(
        ProviderSpec(
            "CoreWeave",
            cash_usd=2 * B,
            big_tech=False,
            gpu_mw=sold["CoreWeave"] * 1.1,
            own_space_mw=sold["CoreWeave"] * 1.1 - 270,
        )
    )
    # Fluidstack: the neocloud behind the TeraWulf, Cipher and Hut 8 leases (§1).
    out.append(
        ProviderSpec(
            "Fluidstack",
            cash_usd=0.8 * B,
            big_tech=False,
            gpu_mw=sold["Fluidstack"] * 1.1,
            own_space_mw=0.0,
        )
    )
    return out


def _miners() -> list[MinerSpec]:
    # Operating power, gross MW. Riot 1.7 GW, Core ≈ 1.3 GW, CleanSpark ≈ 1.0 GW (§4);
    # IREN's 2.9 GW is mostly pipeline: ≈ 1.0 GW operating (judgment); others judgment.
    # Cash: judgment (public filings put most between $0.3B and $2B).
    return [
        MinerSpec("IREN", cash_usd=1.8 * B, power_mw=1000, gpu_mw=200),
        MinerSpec("Core Scientific", cash_usd=0.8 * B, power_mw=1300),
        MinerSpec("TeraWulf", cash_usd=1.0 * B, power_mw=900),
        MinerSpec("Cipher", cash_usd=1.2 * B, power_mw=1000),
        MinerSpec("CleanSpark", cash_usd=0.8 * B, power_mw=1000),
        MinerSpec("Bitfarms", cash_usd=0.8 * B, power_mw=460),
        MinerSpec("Hut 8", cash_usd=0.5 * B, power_mw=1000),
        MinerSpec("Riot", cash_usd=0.6 * B, power_mw=1700),
    ]


def _lenders() -> list[LenderSpec]:
    # Each lender opens at its kind's capital target (``LenderParams``: a bank at 12% under
    # Basel III, a private-credit fund at BDC leverage ≈ 1x, levered bond and convertible
    # pools, a thin crypto lender), with cash of 10% of its book.
    return [
        LenderSpec("Bank syndicate", kind=LenderKind.BANK),
        LenderSpec("Private credit", kind=LenderKind.PRIVATE_CREDIT),
        LenderSpec("High-yield bondholders", kind=LenderKind.BOND_FUND),
        LenderSpec("Convertible holders", kind=LenderKind.CONVERTIBLE_FUND),
        LenderSpec("Crypto lender", kind=LenderKind.CRYPTO_LENDER),
        # Oracle's bonds are held by investment-grade bond funds: a bond pool with its kind's
        # capital target and funding (judgment: the same kind as the high-yield holders).
        LenderSpec("Investment-grade bondholders", kind=LenderKind.BOND_FUND),
    ]


def _contracts() -> list[ContractSpec]:
    out = [
        ContractSpec(
            CLOUD,
            provider,
            lab,
            mw,
            9.7 * M,
            start_week=0,
            term_weeks=234,
            **VENDOR_BACKSTOPS.get((provider, lab), {}),
        )
        for lab, row in LAB_CONTRACTS_MW.items()
        for provider, mw in row.items()
    ]
    out += [
        # §2 circular financing, Oracle–OpenAI $300B: OpenAI's forward commitment to Oracle,
        # capacity that starts in 2027 (week 52) for 5 years. 1,300 MW at $9.7M/MW-yr = $63B,
        # the deal's second tranche at the model's scale (judgment: the live 1,300 MW above is
        # its first; the rest of the $300B lies beyond the model's ≈41 GW perimeter). Oracle
        # buys the GPUs in the quarter before it starts (``equip_committed_capacity``). Scaled
        # by ``guarantors.forward_commitment_scale`` (1 by default; 0 removes it).
        ContractSpec(
            CLOUD, "Oracle", "OpenAI", FORWARD_COMMITMENT_MW, 9.7 * M, 52, 260, forward=True
        ),
        # §1 IREN–Microsoft: $9.7B, 5 y, 200 MW, 20% prepaid ($1.94B), phased through 2026.
        ContractSpec(CLOUD, "IREN", "Microsoft", 200, 9.7 * M, 0, 260, prepaid_usd=1.94 * B),
        # §1 Core Scientific–CoreWeave: ≈590 MW, 12 y, ≈$1.45M/MW-y; part live, part in build.
        ContractSpec(HOSTING, "Core Scientific", "CoreWeave", 270, 1.45 * M, 0, 624),
        ContractSpec(HOSTING, "Core Scientific", "CoreWeave", 320, 1.45 * M, 40, 624),
        # §1 TeraWulf–Fluidstack Lake Mariner: 360 MW, 10 y, $1.85M/MW-y, Google backstop $3.2B.
        ContractSpec(
            HOSTING,
            "TeraWulf",
            "Fluidstack",
            200,
            1.85 * M,
            0,
            520,
            guarantor="Google",
            backstop_usd=1.8 * B,
        ),
        ContractSpec(
            HOSTING,
            "TeraWulf",
            "Fluidstack",
            160,
            1.85 * M,
            39,
            520,
            guarantor="Google",
            backstop_usd=1.4 * B,
        ),
        # §1 Abernathy JV: 168 MW, 25 y, $2.26M/MW-y, backstop $1.3B (start judgment: 2027).
        ContractSpec(
            HOSTING,
            "TeraWulf",
            "Fluidstack",
            168,
            2.26 * M,
            52,
            1300,
            guarantor="Google",
            backstop_usd=1.3 * B,
        ),
        # §1 Cipher–Fluidstack: 168 MW, 10 y, $1.79M/MW-y, backstop $1.4B, delivery Sep 2026.
        ContractSpec(
            HOSTING,
            "Cipher",
            "Fluidstack",
            168,
            1.79 * M,
            36,
            520,
            guarantor="Google",
            backstop_usd=1.4 * B,
        ),
        # §1 Cipher–AWS: 300 MW, 15 y, $1.22M/MW-y, rent from Aug 2026; big tech may break.
        ContractSpec(HOSTING, "Cipher", "AWS", 300, 1.22 * M, 30, 780, break_week=260),
        # §1 Hut 8–Fluidstack River Bend: 245 MW, 15 y, $1.9M/MW-y, Google backstops base term.
        ContractSpec(
            HOSTING,
            "Hut 8",
            "Fluidstack",
            245,
            1.9 * M,
            70,
            780,
            guarantor="Google",
            backstop_usd=7.0 * B,
        ),
    ]
    return out


def _loans() -> list[LoanSpec]:
    sec, conv, hy = "secured notes", "convertible notes", "project loan"
    return [
        # §2 CoreWeave: ≈$14B of GPU-backed debt (DDTL), effective ≈11%: base + 7% floating;
        # $4.2B due 2026 (week 40 here), the rest 2028–2030.
        LoanSpec(
            "Bank syndicate", "CoreWeave", 4.2 * B, 0.07, True, 40, Collateral.GPU, 0.85, "DDTL"
        ),
        LoanSpec(
            "Private credit",
            "CoreWeave",
            5.0 * B,
            0.07,
            True,
            130,
            Collateral.GPU,
            0.85,
            "DDTL 2.0",
        ),
        LoanSpec(
            "Private credit",
            "CoreWeave",
            4.8 * B,
            0.065,
            True,
            230,
            Collateral.GPU,
            0.85,
            "DDTL 3.0",
        ),
        # Fluidstack GPU financing (judgment: sized to its GPUs at origination LTV).
        LoanSpec(
            "Private credit",
            "Fluidstack",
            3.5 * B,
            0.065,
            True,
            200,
            Collateral.GPU,
            0.85,
            "GPU loan",
        ),
        # §2 TeraWulf $3.2B 7.75% senior secured notes due 2030.
        LoanSpec(
            "High-yield bondholders",
            "TeraWulf",
            3.2 * B,
            0.0775,
            False,
            235,
            Collateral.PROJECT,
            None,
            sec,
        ),
        # §2 Cipher $1.4B 7.125% due 2030 and $2.0B 6.125% due 2031.
        LoanSpec(
            "High-yield bondholders",
            "Cipher",
            1.4 * B,
            0.07125,
            False,
            240,
            Collateral.PROJECT,
            None,
            sec,
        ),
        LoanSpec(
            "High-yield bondholders",
            "Cipher",
            2.0 * B,
            0.06125,
            False,
            290,
            Collateral.PROJECT,
            None,
            sec,
        ),
        # §2 Hut 8 River Bend: up to 85% loan-to-cost of 245 MW × $10M (JPMorgan, Goldman),
        # with a bank's DSCR covenant tested from the first quarter after the hall opens.
        LoanSpec(
            "Bank syndicate",
            "Hut 8",
            2.08 * B,
            0.03,
            True,
            400,
            Collateral.PROJECT,
            None,
            hy,
            covenant_dscr=DSCR_COVENANT,
            covenant_from_week=70 + 13,
        ),
        # §2 IREN converts: $1B 0% 2031, $1B 0.25% 2032, $1B 1% 2033.
        LoanSpec("Convertible holders", "IREN", 1.0 * B, 0.0, False, 270, instrument=conv),
        LoanSpec("Convertible holders", "IREN", 1.0 * B, 0.0025, False, 320, instrument=conv),
        LoanSpec("Convertible holders", "IREN", 1.0 * B, 0.01, False, 370, instrument=conv),
        # §2 CleanSpark $1.15B 0% 2032; Bitfarms $588M; Core Scientific converts (judgment:
        # ≈$1.1B at ~3%, 2029–2031).
        LoanSpec("Convertible holders", "CleanSpark", 1.15 * B, 0.0, False, 320, instrument=conv),
        LoanSpec("Convertible holders", "Bitfarms", 0.588 * B, 0.0275, False, 260, instrument=conv),
        LoanSpec(
            "Convertible holders", "Core Scientific", 1.1 * B, 0.03, False, 190, instrument=conv
        ),
        # Rig-backed loans (§5: up to ≈$4B in 2022, NYDIG, Galaxy...): judgment, a smaller
        # book today, 2-year terms at 2022-like 60% LTV.
        LoanSpec(
            "Crypto lender", "Riot", 0.25 * B, 0.05, True, 100, Collateral.ASIC, 0.85, "rig loan"
        ),
        LoanSpec(
            "Crypto lender",
            "CleanSpark",
            0.2 * B,
            0.05,
            True,
            90,
            Collateral.ASIC,
            0.85,
            "rig loan",
        ),
        LoanSpec(
            "Crypto lender",
            "Bitfarms",
            0.12 * B,
            0.055,
            True,
            80,
            Collateral.ASIC,
            0.85,
            "rig loan",
        ),
        # §2 Oracle: ≈$105B of debt, CDS ≈128 bp (2025). Fixed coupon 5.3% = a ≈4% base rate
        # + the CDS spread (derived); maturities laddered 20% / 30% / 50% in 2028 / 2031 /
        # 2036 (judgment: no maturity schedule in the facts). Unsecured.
        *(
            LoanSpec(
                "Investment-grade bondholders",
                "Oracle",
                share * 105 * B,
                0.053,
                False,
                week,
                Collateral.NONE,
                None,
                "senior notes",
            )
            for share, week in ((0.2, 104), (0.3, 260), (0.5, 520))
        ),
        # §2 hyperscaler bond issuance, $121B in 2025: over its five issuers (Alphabet, Amazon,
        # Meta, Microsoft, Oracle) ≈$24B each (judgment: the facts give no split; Oracle's is
        # inside its $105B above, Meta is outside the model). Fixed coupon 4.7% = a ≈4% base
        # rate + an AA-to-A spread of ≈70 bp (judgment); half due in 2031, half in 2036
        # (judgment). Unsecured.
        *(
            LoanSpec(
                "Investment-grade bondholders",
                name,
                0.5 * 24 * B,
                0.047,
                False,
                week,
                Collateral.NONE,
                None,
                "senior notes",
            )
            for name in ("Microsoft", "AWS", "Google")
            for week in (260, 520)
        ),
        LoanSpec(
            "Crypto lender",
            "Core Scientific",
            0.15 * B,
            0.055,
            True,
            70,
            Collateral.ASIC,
            0.85,
            "rig loan",
        ),
    ]


def default_economy() -> EconomySpec:
    """The calibrated named economy (about 20 agents)."""
    return EconomySpec(
        labs=_labs(),
        providers=_providers(),
        miners=_miners(),
        lenders=_lenders(),
        contracts=_contracts(),
        loans=_loans(),
        vendors=_vendors(),
    )
