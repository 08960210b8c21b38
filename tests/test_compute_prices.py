"""Compute priced per unit of compute, by chip generation: rents, renewals, GPU values, LTVs."""

import pytest

from bubblesim.accounts.instruments import ContractKind
from bubblesim.config import build_config
from bubblesim.economics import (
    compute_anchor_usd_per_cu_year,
    gpu_value_usd_per_mw,
    vintage_rent_usd_per_mw_year,
)
from bubblesim.markets.spot import SpotMarket
from bubblesim.model import BubbleModel
from bubblesim.reporting.verdict import max_drawdown
from tests.economies import M, chain_economy, chain_model

P0 = 9.7e6  # week-0 price of a compute unit (the GPU cloud contract price)


def test_a_compute_unit_costs_less_in_proportion_to_the_frontier():
    assert compute_anchor_usd_per_cu_year(P0, 1.0, 1.0) == P0
    assert compute_anchor_usd_per_cu_year(P0, 1.0, 4.0) == pytest.approx(P0 / 4)
    assert compute_anchor_usd_per_cu_year(P0, 0.8, 2.0) == pytest.approx(P0 * 0.8 / 2)
    assert vintage_rent_usd_per_mw_year(2.0e6, 1.0) == 2.0e6
    assert vintage_rent_usd_per_mw_year(2.0e6, 4.0) == 8.0e6


def test_a_vintage_rent_after_a_new_generation():
    """A 4x generation lowers the ceiling to 2 x p0 / 4: old GPUs' rent falls 75% at once.

    The market starts at its week-0 price p0 = $9.7M per compute unit; the ceiling is twice the
    long-run price of new compute (p0 / e_f). A week-0 MW then rents for $4.85M a year, a new
    frontier MW (4 compute units) for $19.4M.
    """
    spot = SpotMarket(build_config())
    assert spot.rent_usd_per_mw_year(1.0) == P0
    spot.observe(frontier_efficiency=4.0)
    assert spot.price_usd_per_cu_year == pytest.approx(2 * P0 / 4)
    assert spot.rent_usd_per_mw_year(1.0) == pytest.approx(4.85 * M)
    assert spot.rent_usd_per_mw_year(4.0) == pytest.approx(19.4 * M)
    assert spot.rental_ratio == pytest.approx(2.0)
    # excess supply then lowers the price per unit, down to the floor (0.17 of p0 / 4)
    for _ in range(200):
        spot.clear(demand_cu=0.0, supply_cu=100.0, traded_cu=0.0)
    assert spot.price_usd_per_cu_year == pytest.approx(0.17 * P0 / 4)


def test_gpu_values_follow_the_generation_and_the_market():
    """V = P (e/e_f)^γ r^η: after a 4x generation, with the market at its new ceiling."""
    old = gpu_value_usd_per_mw(30e6, 1.0, 4.0, 2.0, 1.0, 1.0, 0.65, 0.5)
    assert old == pytest.approx(30e6 * 0.25**0.65 * 2**0.5)
    assert old / 30e6 == pytest.approx(0.574, abs=1e-3)


def test_a_maturing_contract_renews_with_its_provider_at_the_market_rent():
    """The chain economy's 234-week contract renews in its last week (233) at p x e."""
    spec = chain_economy(lab_cash_usd=50e9)
    model = chain_model(spec, demand_initial_revenue_usd_per_year=2e9)
    contract = next(iter(model.book.live_contracts()))
    assert contract.kind is ContractKind.GPU_CLOUD
    for _ in range(232):
        model.step()
    assert contract.end_week == 234
    model.step()  # week 233: the contract's last week, it renews for a new term
    assert contract.end_week == 234 + 234
    assert contract.is_live()
    spot = model.world.spot
    assert contract.price_usd_per_mw_year == pytest.approx(
        spot.rent_usd_per_mw_year(contract.efficiency)
    )
    renewed = [e for e in model.events.events if "renewed at market" in e.detail]
    assert len(renewed) == 1


def test_the_new_chip_generation_hits_the_gpus_held_and_gpu_backed_borrowers():
    """The value of GPUs held falls and GPU-backed LTVs rise against the baseline."""
    runs = {}
    for scenario in ("baseline", "new-chip-generation"):
        model = BubbleModel(scenario=scenario, rng=0)
        for _ in range(60):
            model.step()
        runs[scenario] = model.series()
    base, chips = runs["baseline"], runs["new-chip-generation"]
    assert max_drawdown(chips["gpu_resale_usd_per_mw"]) > 0.5
    assert chips["gpu_resale_usd_per_mw"].loc[45] < 0.5 * base["gpu_resale_usd_per_mw"].loc[45]
    assert chips["gpu_loan_ltv"].loc[45] > 1.3 * base["gpu_loan_ltv"].loc[45]
    assert chips["gpu_rent_vintage0_usd_per_mw_year"].loc[41] <= 2 * P0 / 4 + 1.0
