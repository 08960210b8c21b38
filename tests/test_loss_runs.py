"""Lenders tighten and face runs after heavy recent losses, and vendors' costs follow sales.

Losses in 2022 came in lumps: a lender went from well capitalised to insolvent on one
borrower's default, so a run that waits for capital to fall below half its target ratio never
fires. The loss term of the credit stress (``economics.loss_stress``) and the vendor's cost base
(``agents.vendor.operating_cost_usd_per_year``) are checked here by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import Collateral
from bubblesim.agents.lender import LenderKind, LenderTable
from bubblesim.agents.vendor import VendorTable, operating_cost_usd_per_year
from bubblesim.columns import Trailing
from bubblesim.economics import credit_policy, loss_stress
from bubblesim.model import BubbleModel
from bubblesim.population.spec import EconomySpec, LenderSpec, LoanSpec, MinerSpec
from tests.economies import ALL_OFF, QUIET, B


def test_loss_stress_by_hand():
    """``clip((d − d₀) / (ℓ − d₀), 0, 1)`` with d₀ = 0.05, ℓ = 0.5."""
    assert loss_stress(0.2, 0.05, 0.5) == pytest.approx(1 / 3)
    assert loss_stress(0.275, 0.05, 0.5) == pytest.approx(0.5)  # the run threshold
    assert loss_stress(0.04, 0.05, 0.5) == 0.0  # within the loss budget
    assert loss_stress(0.8, 0.05, 0.5) == 1.0  # capped
    assert loss_stress(0.3, 0.5, 0.5) == 0.0  # ℓ ≤ d₀: the term switched off


def test_a_lender_above_target_tightens_after_losses_but_keeps_lending():
    """Capital 20 on loans 100, k* = 0.15, σ = 2, Δ = 8%: s_L = 0.25 halves its LTVs."""
    calm = credit_policy(20.0, 100.0, 0.15, 2.0, 0.08)
    hit = credit_policy(20.0, 100.0, 0.15, 2.0, 0.08, loss_stress=0.25)
    assert calm.stress == 0.0
    assert calm.ltv_scale == 1.0
    assert hit.stress == pytest.approx(0.25)
    assert hit.ltv_scale == pytest.approx(0.5)
    assert hit.spread_add_per_year == pytest.approx(0.02)
    assert hit.rolls_over
    assert hit.capacity_usd == pytest.approx(calm.capacity_usd) == pytest.approx(20 / 0.15 - 100)
    # the larger of the two stresses applies: a capital shortfall of 0.6 outweighs s_L = 0.25
    short = credit_policy(6.0, 100.0, 0.15, 2.0, 0.08, loss_stress=0.25)
    assert short.stress == pytest.approx(0.6)
    assert not short.rolls_over


def test_trailing_window_by_hand():
    window = Trailing(3)
    seen = [window.change(week, np.array([c])) for week, c in enumerate([0, 1, 3, 6, 10, 10])]
    assert [float(s[0]) for s in seen] == [0, 1, 3, 6, 9, 7]


def test_the_loss_stress_reads_the_capitals_drawdown_and_lasts_until_it_is_rebuilt():
    """Capital 100 → 70: drawdown 0.3, s_L = 0.25 / 0.45; payouts do not move it; income does."""
    table = LenderTable()
    table.add(0, LenderKind.BANK, 0.12)
    table.open_capital(0, 100.0)
    expected = (0.3 - 0.05) / 0.45
    assert table.loss_stresses(np.array([70.0]), 0.05, 0.5)[0] == pytest.approx(expected)
    table.pay_out(0, 10.0)  # a dividend of 10 leaves capital at 60: not a loss
    assert table.loss_stresses(np.array([60.0]), 0.05, 0.5)[0] == pytest.approx(expected)
    table.close_quarter(np.array([60.0]))  # a new quarter: the loss stays in the index
    assert table.loss_stresses(np.array([60.0]), 0.05, 0.5)[0] == pytest.approx(expected)
    # income of 9 on 60 (15%): index 0.7 × 1.15 = 0.805, drawdown 0.195
    assert table.loss_stresses(np.array([69.0]), 0.05, 0.5)[0] == pytest.approx(0.145 / 0.45)
    table.set_policies(
        np.array([60.0]),
        np.array([100.0]),
        np.array([10.0]),
        np.array([False]),
        2.0,
        0.08,
        responsive=True,
        loss_onset_share=0.05,
        loss_full_share=0.5,
    )
    assert table.stress[0] == pytest.approx(expected)  # capital 0.6 of loans: no shortfall
    assert not table.rolls_over[0]
    assert table.ltv_scale[0] == 0.0  # σ = 2 × s ≥ 1


def _bank_with_two_borrowers(**overrides) -> BubbleModel:
    """A bank with 30% capital on a $2B book: $0.3B to one miner, $1.7B to another."""
    spec = EconomySpec(
        labs=[],
        providers=[],
        miners=[
            MinerSpec("Small", cash_usd=1 * B, power_mw=100),
            MinerSpec("Large", cash_usd=1 * B, power_mw=100),
        ],
        lenders=[LenderSpec("Bank", capital_ratio=0.30)],
        contracts=[],
        loans=[
            LoanSpec("Bank", "Small", 0.3 * B, 0.08, False, 600, Collateral.NONE, None, "note"),
            LoanSpec("Bank", "Large", 1.7 * B, 0.08, False, 600, Collateral.NONE, None, "note"),
        ],
    )
    return BubbleModel(
        rng=0,
        economy=spec,
        **QUIET,
        **{**ALL_OFF, "channel_funding": True},
        demand_initial_revenue_usd_per_year=0.5 * B,
        **overrides,
    )


@pytest.mark.parametrize("full_share", [0.5, 0.0])
def test_a_lumpy_loss_starts_a_run_on_a_lender_still_above_half_its_target(full_share):
    """One borrower's default costs the bank over a quarter of its capital: its funders run.

    Afterwards its capital ratio is still far above half its 12% target, so the capital rule
    alone (``E < k*/2 L``) would not have started the run; with the loss term off there is none.
    """
    model = _bank_with_two_borrowers(credit_loss_stress_full_share=full_share)
    bank = model.firms["Bank"]
    model.step()
    capital_before = bank.equity_usd
    model.impose_default(model.firms["Small"])
    for _ in range(3):
        model.step()
    lost = capital_before - bank.equity_usd
    assert lost > 0.275 * capital_before  # beyond the run threshold
    assert bank.equity_usd > 0.5 * 0.12 * bank.loans_receivable_usd()  # above k*/2 L
    runs = [
        e for e in model.events.events if e.kind is EventKind.FUNDING_RUN and e.agent_name == "Bank"
    ]
    lenders = model.world.agents.lenders
    if full_share > 0:
        assert lenders.loss_stress[0] >= 0.5
        assert runs, "a quarter's loss of more than a quarter of capital starts a run"
        assert not lenders.rolls_over[0]
    else:
        assert lenders.loss_stress[0] == 0.0
        assert not runs


def test_vendor_costs_by_hand():
    """C₀ $10B with $64B of first-year sales: $16B trailing → the floor, $5B; growth → C₀."""
    assert operating_cost_usd_per_year(10 * B, 16 * B, 64 * B, 0.5) == pytest.approx(5 * B)
    assert operating_cost_usd_per_year(10 * B, 48 * B, 64 * B, 0.5) == pytest.approx(7.5 * B)
    assert operating_cost_usd_per_year(10 * B, 128 * B, 64 * B, 0.5) == 10 * B  # capped at C₀
    assert operating_cost_usd_per_year(10 * B, 0.0, -1.0, 0.5) == 10 * B  # first year
    assert operating_cost_usd_per_year(10 * B, 5 * B, 0.0, 0.5) == 10 * B  # nothing to scale on
    assert operating_cost_usd_per_year(10 * B, 0.0, 64 * B, 1.0) == 10 * B  # fixed costs


def test_a_vendor_whose_sales_stop_cuts_its_costs_to_the_floor_a_year_later():
    """$1B a week in weeks 1–52, nothing after, in the model's order (sales, then costs)."""
    table = VendorTable()
    table.add(0, 0.7, 0.7, operating_cost_usd_per_year=10 * B)
    costs = {}
    for week in range(1, 110):  # the first week that runs is week 1
        if week <= 52:
            table.sold(0, 1 * B)
        table.set_operating_costs(week, 0.5)
        costs[week] = float(table.operating_cost_usd_per_year[0])
    assert table.first_year_sales_usd[0] == pytest.approx(52 * B)  # weeks 1–52, all of them
    assert all(costs[w] == 10 * B for w in range(1, 53))  # the first year's budget
    assert costs[53] == pytest.approx(10 * B * 51 / 52)  # weeks 2–53 sold 51
    assert costs[66] == pytest.approx(10 * B * 38 / 52)  # weeks 15–66 sold 38
    assert costs[104] == pytest.approx(5 * B)  # a year without sales: the floor
    assert min(costs.values()) == pytest.approx(5 * B)


def test_the_default_vendors_first_year_covers_every_week_of_it():
    model = BubbleModel(rng=0)
    for _ in range(52):
        model.step()
    vendors = model.world.agents.vendors
    assert vendors.first_year_sales_usd[0] == pytest.approx(vendors.sales_usd[0])
    assert vendors.first_year_sales_usd[0] > 0


def test_the_default_vendor_survives_a_year_without_sales_it_could_not_before():
    """Depth 1.0: GPU purchases stop in year 3; with fixed costs (f = 1) its cash runs out."""
    alive = {}
    for floor in (0.5, 1.0):
        model = BubbleModel(
            scenario="demand-slowdown",
            rng=0,
            demand_slowdown_depth=1.0,
            vendor_operating_cost_floor_share=floor,
        )
        for _ in range(400):
            model.step()
        alive[floor] = model.firms["Nvidia"].health.name != "DEFAULTED"
    assert alive == {0.5: True, 1.0: False}
