"""Small constructed economies for tests: every number chosen so outcomes can be reasoned about."""

from bubblesim.accounts.instruments import Collateral, ContractKind
from bubblesim.model import BubbleModel
from bubblesim.population.spec import (
    ContractSpec,
    EconomySpec,
    LabSpec,
    LenderSpec,
    LoanSpec,
    MinerSpec,
    ProviderSpec,
)

B, M = 1e9, 1e6

#: Every exogenous process deterministic and flat: no volatility, no jumps, no new chips.
QUIET = {
    "demand_volatility_per_year": 0.0,
    "demand_growth_per_year": 0.0,
    "btc_volatility_per_year": 0.0,
    "btc_hashrate_growth_per_year": 0.0,
    "power_volatility_per_year": 0.0,
    "chip_first_arrival_week": 1000,
    "provider_capex_interval_weeks": 104,
}

ALL_OFF = {
    "channel_counterparty": False,
    "channel_settlement": False,
    "channel_fire_sale": False,
    "channel_funding": False,
    "channel_sentiment": False,
}


def chain_economy(
    lab_cash_usd: float = 1.0 * B,
    neocloud_cash_usd: float = 0.05 * B,
    miner_cash_usd: float = 0.02 * B,
    second_neocloud: bool = False,
    miner_power_mw: float = 125.0,
) -> EconomySpec:
    """One lab → one leveraged neocloud → one miner host → one lender (plus optional twin).

    The miner's whole site is the AI hall by default (no mining income to fall back on).
    The lab buys 100 MW of GPU cloud at $9.7M/MW-year (≈$18.7M a week) from the neocloud,
    which rents 100 MW of hall from the miner at $1.8M/MW-year and owes a GPU-backed loan; the
    miner owes a project loan. Cash buffers are thin, so a missed payment propagates.
    """
    spec = EconomySpec(
        labs=[LabSpec("Lab", cash_usd=lab_cash_usd, revenue_share=1.0)],
        providers=[
            ProviderSpec("Neocloud", neocloud_cash_usd, big_tech=False, gpu_mw=100, own_space_mw=0)
        ],
        miners=[MinerSpec("Miner", cash_usd=miner_cash_usd, power_mw=miner_power_mw)],
        lenders=[LenderSpec("Lender", capital_ratio=0.15)],
        contracts=[
            ContractSpec(ContractKind.GPU_CLOUD, "Neocloud", "Lab", 100, 9.7 * M, 0, 234),
            ContractSpec(ContractKind.HOSTING, "Miner", "Neocloud", 100, 1.8 * M, 0, 520),
        ],
        loans=[
            LoanSpec(
                "Lender", "Neocloud", 1.5 * B, 0.07, True, 200, Collateral.GPU, 0.85, "GPU loan"
            ),
            LoanSpec(
                "Lender",
                "Miner",
                1.2 * B,
                0.09,
                False,
                400,
                Collateral.PROJECT,
                None,
                "project loan",
            ),
        ],
    )
    if second_neocloud:
        spec.providers.append(
            ProviderSpec("Neocloud B", 0.5 * B, big_tech=False, gpu_mw=100, own_space_mw=100)
        )
        spec.contracts.append(
            ContractSpec(ContractKind.GPU_CLOUD, "Neocloud B", "Lab", 100, 9.7 * M, 0, 234)
        )
        spec.loans.append(
            LoanSpec(
                "Lender", "Neocloud B", 2.2 * B, 0.07, True, 200, Collateral.GPU, 0.85, "GPU loan"
            )
        )
    return spec


def chain_model(spec: EconomySpec | None = None, seed: int = 0, **overrides) -> BubbleModel:
    """A model of the chain economy with quiet drivers and the given overrides."""
    params = {**QUIET, "demand_initial_revenue_usd_per_year": 0.5 * B, **overrides}
    return BubbleModel(rng=seed, economy=spec or chain_economy(), **params)
