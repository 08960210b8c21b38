"""The GPU vendor's circular financing: stakes in labs, and its health setting GPU prices."""

import numpy as np
import pytest

from bubblesim.agents.vendor import price_factor, stake_value_usd
from bubblesim.model import BubbleModel
from bubblesim.population.spec import VendorSpec
from tests.economies import B, chain_economy, chain_model


def test_price_factor_by_hand():
    """Cash $5B, fixed costs $10B/yr, L* = 1, d = 0.3 → 1 − 0.3 × 0.5 = 0.85."""
    assert price_factor(5 * B, 10 * B, 1.0, 0.3) == pytest.approx(0.85)
    assert price_factor(20 * B, 10 * B, 1.0, 0.3) == 1.0
    assert price_factor(0.0, 10 * B, 1.0, 0.3) == pytest.approx(0.7)
    assert price_factor(0.0, 0.0, 1.0, 0.3) == 1.0


def test_stakes_marked_by_hand():
    """2% of a $500B lab and 5% of a defaulted one: $10B."""
    values = {7: 500 * B, 9: 0.0}
    assert stake_value_usd({7: 0.02, 9: 0.05}, values.__getitem__) == pytest.approx(10 * B)


def test_a_cash_starved_vendor_cuts_the_gpu_price():
    """$2B of cash against $10B a year of fixed costs: the list price is 1 − 0.3 × 0.8 = 0.76×."""
    spec = chain_economy(lab_cash_usd=5 * B)
    spec.vendors.append(VendorSpec("Vendor", 2.0 * B, 0.7, 0.5, operating_cost_usd_per_year=10 * B))
    model = chain_model(spec)
    hardware = model.world.hardware
    cfg = model.config.markets
    assert hardware.list_price_usd_per_mw == pytest.approx(0.76 * cfg.market_gpu_price_usd_per_mw)
    assert hardware.list_price_ratio == pytest.approx(0.76)


def test_nvidia_buys_into_lab_rounds_at_cost_and_marks_the_stakes():
    """Baseline: Nvidia spends its $30B commitment in the labs' rounds (half of each round)."""
    model = BubbleModel(rng=0)
    nvidia = model.firms["Nvidia"]
    vendors = model.world.agents.vendors
    for _ in range(104):
        model.step()
        gap = nvidia.assets_usd() - nvidia.liabilities_usd() - nvidia.equity_usd
        assert abs(gap) < 1.0
    assert vendors.invested_usd[0] == pytest.approx(30 * B)
    assert nvidia.stakes_usd > 0
    assert set(vendors.stakes[0]) == {
        model.firms[n].row for n in ("OpenAI", "Anthropic", "Other labs")
    }
    # The mark: Σ share × the lab's valuation now.
    equity, labs = model.world.equity, model.world.agents.labs
    value = sum(
        share * float(equity.lab_valuation_usd([list(labs.row).index(lab)])[0])
        for lab, share in vendors.stakes[0].items()
    )
    assert nvidia.stakes_usd == pytest.approx(value)


def test_the_stakes_are_lost_when_the_labs_default():
    """Demand slowdown: OpenAI and Anthropic default (weeks 144, 162); their stakes go to 0.

    What is left of Nvidia's stakes is its share of the surviving lab's valuation only, a small
    part of the $20B+ it put in.
    """
    model = BubbleModel(scenario="demand-slowdown", rng=0)
    nvidia = model.firms["Nvidia"]
    for _ in range(165):
        model.step()
    world = model.world
    invested = float(world.agents.vendors.invested_usd[0])
    assert invested > 20 * B
    assert model.firms["OpenAI"].health.value == "defaulted"
    assert model.firms["Anthropic"].health.value == "defaulted"
    labs, table = world.agents.labs, world.agents.table
    expected = 0.0
    for index, share in world.agents.vendors.stakes[0].items():
        if not table.is_defaulted(np.array([int(labs.row[index])]))[0]:
            expected += share * float(world.equity.lab_valuation_usd(np.array([index]))[0])
    assert nvidia.stakes_usd == pytest.approx(expected, rel=1e-9)
    assert nvidia.stakes_usd < 0.1 * invested
