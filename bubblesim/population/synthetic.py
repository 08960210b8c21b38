"""Synthetic economies of any size: heavy-tailed firm sizes and a chosen network topology.

The aggregate economy matches the default one (the same AI revenue, miner power, debt stacks and
lender capital per dollar lent), split over ``population_n_agents`` firms whose sizes follow a
Pareto law with exponent ``population_size_tail_exponent`` (Axtell 2001). Counterparties are
drawn preferentially by size (``"preferential"``: a core-periphery credit network, Craig & von
Peter 2014) or uniformly (``"random"``: an Erdős–Rényi-like network).
"""

from __future__ import annotations

import numpy as np

from bubblesim.accounts.instruments import Collateral, ContractKind
from bubblesim.config import ModelConfig
from bubblesim.population.spec import (
    ContractSpec,
    EconomySpec,
    LabSpec,
    LenderSpec,
    LoanSpec,
    MinerSpec,
    ProviderSpec,
)

#: Shares of the population by type (labs, big tech, neoclouds, miners, lenders): judgment,
#: close to the default economy's 3 : 4 : 2 : 8 : 5.
TYPE_SHARES = {"lab": 0.10, "big": 0.10, "neo": 0.12, "miner": 0.43, "lender": 0.25}
TOTAL_MINER_POWER_MW = 8_360.0  # the default economy's miners
TOTAL_LAB_CASH_USD = 72e9
MINER_DEBT_PER_MW_USD = 2.0e6  # default economy: ≈$17B of miner debt on ≈8.4 GW
CAPITAL_RATIOS = (0.12, 0.30, 0.50, 0.50, 0.20)


def _counts(n: int) -> dict[str, int]:
    counts = {k: max(1, round(v * n)) for k, v in TYPE_SHARES.items()}
    counts["miner"] += n - sum(counts.values())
    if counts["miner"] < 1:
        raise ValueError(f"population_n_agents={n} is too small for a synthetic economy")
    return counts


def _sizes(rng: np.random.Generator, k: int, alpha: float) -> np.ndarray:
    """Pareto(α) sizes with minimum 1, normalised to sum to one."""
    x = rng.pareto(alpha, size=k) + 1.0
    return x / x.sum()


def _pick(rng, weights: np.ndarray, k: int, topology: str) -> np.ndarray:
    """Choose ``k`` distinct counterparties, by size or uniformly."""
    k = min(k, len(weights))
    p = weights / weights.sum() if topology == "preferential" else None
    return rng.choice(len(weights), size=k, replace=False, p=p)


def synthetic_economy(config: ModelConfig, rng: np.random.Generator) -> EconomySpec:
    """Generate an economy of ``population_n_agents`` firms.

    Args:
        config: The configuration (population, contracts, markets, drivers).
        rng: The generator (a child of the model's seed).

    Returns:
        The economy as data.
    """
    pop = config.population
    alpha, topo = pop.population_size_tail_exponent, pop.population_topology
    counts = _counts(pop.population_n_agents)
    price = config.contracts.contract_gpu_cloud_price_usd_per_mw_year
    revenue0 = config.drivers.demand.demand_initial_revenue_usd_per_year
    growth0 = config.drivers.demand.demand_growth_per_year
    desired_total = config.behaviour.lab_compute_spend_to_revenue * revenue0 * (1 + growth0) / price
    spec = EconomySpec()

    lab_w = _sizes(rng, counts["lab"], alpha)
    for i, w in enumerate(lab_w):
        spec.labs.append(LabSpec(f"Lab {i}", TOTAL_LAB_CASH_USD * w, float(w)))

    n_big, n_neo = counts["big"], counts["neo"]
    prov_w = _sizes(rng, n_big + n_neo, alpha)
    names = [f"Hyperscaler {i}" for i in range(n_big)] + [f"Neocloud {i}" for i in range(n_neo)]
    sold = np.zeros(n_big + n_neo)
    for i, w in enumerate(lab_w):
        want = config.behaviour.lab_contract_share * desired_total * w
        chosen = _pick(rng, prov_w, 2, topo)
        for j in chosen:
            mw = want / len(chosen)
            sold[j] += mw
            spec.contracts.append(
                ContractSpec(ContractKind.GPU_CLOUD, names[j], f"Lab {i}", mw, price, 0, 234)
            )
    miner_w = _sizes(rng, counts["miner"], alpha)
    power = TOTAL_MINER_POWER_MW * miner_w
    for i, p in enumerate(power):
        spec.miners.append(MinerSpec(f"Miner {i}", cash_usd=0.15e6 * p, power_mw=float(p)))
    free_it = power * config.behaviour.miner_convertible_share / config.markets.market_pue
    for j, name in enumerate(names):
        big = j < n_big
        gpu = sold[j] * 1.1
        leased = 0.0 if big else _lease(spec, rng, miner_w, free_it, name, 0.5 * gpu, topo)
        spec.providers.append(
            ProviderSpec(
                name,
                cash_usd=(60e9 if big else 1e9) * (prov_w[j] / prov_w.mean()) / 5,
                big_tech=big,
                gpu_mw=gpu,
                own_space_mw=max(0.0, gpu * (1.2 if big else 1.0) - leased),
                other_income_usd_per_year=75e9 * prov_w[j] / prov_w[:n_big].sum() * n_big / 4
                if big
                else 0.0,
            )
        )
    lender_w = _sizes(rng, counts["lender"], alpha)
    for i in range(counts["lender"]):
        spec.lenders.append(LenderSpec(f"Lender {i}", CAPITAL_RATIOS[i % len(CAPITAL_RATIOS)]))
    gpu_price = config.markets.market_gpu_price_usd_per_mw
    for j, name in enumerate(names[n_big:], start=n_big):
        debt = 0.45 * sold[j] * 1.1 * gpu_price
        _borrow(spec, rng, lender_w, name, debt, Collateral.GPU, 0.07, "GPU loan", pop, topo)
    for i, p in enumerate(power):
        debt = MINER_DEBT_PER_MW_USD * p
        rig = 0.1 * debt if rng.random() < 0.3 else 0.0
        _borrow(
            spec,
            rng,
            lender_w,
            f"Miner {i}",
            debt - rig,
            Collateral.NONE,
            0.05,
            "convertible notes",
            pop,
            topo,
        )
        if rig > 0:
            _borrow(
                spec, rng, lender_w, f"Miner {i}", rig, Collateral.ASIC, 0.05, "rig loan", pop, topo
            )
    return spec


def _lease(spec, rng, miner_w, free_it, provider, need_mw, topo) -> float:
    """Active hosting leases from miners to a neocloud; returns MW-IT leased."""
    got = 0.0
    for m in _pick(rng, miner_w, 3, topo):
        mw = min(need_mw - got, float(free_it[m]))
        if mw <= 1.0:
            continue
        free_it[m] -= mw
        got += mw
        spec.contracts.append(
            ContractSpec(ContractKind.HOSTING, f"Miner {m}", provider, mw, 1.8e6, 0, 520)
        )
    return got


def _borrow(spec, rng, lender_w, borrower, debt, collateral, coupon, instrument, pop, topo):
    """Split a borrower's debt over ``population_links_per_borrower`` lenders."""
    chosen = _pick(rng, lender_w, pop.population_links_per_borrower, topo)
    maturities = rng.integers(52, 312, size=len(chosen))
    covenant = 0.85 if collateral in (Collateral.GPU, Collateral.ASIC) else None
    for j, maturity in zip(chosen, maturities, strict=True):
        spec.loans.append(
            LoanSpec(
                f"Lender {j}",
                borrower,
                debt / len(chosen),
                coupon,
                collateral is not Collateral.NONE,
                int(maturity),
                collateral,
                covenant,
                instrument,
            )
        )
