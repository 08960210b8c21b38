"""Exact answers of the pure economic functions, worked by hand."""

import math

import numpy as np
import pytest

from bubblesim.economics import (
    asic_hashrate_th_per_s,
    credit_policy,
    cure_sale_usd,
    desired_compute_cu,
    ewma,
    gpu_value_usd_per_mw,
    loan_to_value,
    mining_revenue_usd_per_week,
    power_cost_usd_per_week,
    spot_price_update,
)
from bubblesim.reporting.verdict import max_drawdown, window_share


def test_hashrate_and_mining_revenue():
    # 1 MW at 20 J/TH = 50,000 TH/s = 50 PH/s; at $40/PH/day that is $2,000/day, $14,000/week
    assert asic_hashrate_th_per_s(1.0, 20.0) == 50_000.0
    assert mining_revenue_usd_per_week(50_000.0, 40.0) == pytest.approx(14_000.0)


def test_power_bill():
    # 10 MW for a week at $45/MWh: 10 × 168 × 45 = $75,600
    assert power_cost_usd_per_week(10.0, 45.0) == pytest.approx(75_600.0)


def test_gpu_value_scales_with_efficiency_rent_discount_and_condition():
    base = gpu_value_usd_per_mw(30e6, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert base == 30e6
    # a 4x generation with gamma = 1 leaves a quarter; gamma = 0.5 leaves a half
    assert gpu_value_usd_per_mw(30e6, 1.0, 4.0, 1.0, 1.0, 1.0, 1.0) == pytest.approx(7.5e6)
    assert gpu_value_usd_per_mw(30e6, 1.0, 4.0, 1.0, 1.0, 1.0, 0.5) == pytest.approx(15e6)
    # rents halve with elasticity 1, resale discount 0.8, condition 0.5
    value = gpu_value_usd_per_mw(30e6, 1.0, 1.0, 0.5, 0.8, 0.5, 1.0, 1.0)
    assert value == pytest.approx(30e6 * 0.5 * 0.8 * 0.5)


def test_spot_price_moves_with_excess_demand_and_respects_the_floor():
    # demand 20% above supply with kappa 0.05: p' = p e^{0.01}
    assert spot_price_update(100.0, 120.0, 100.0, 0.05, 0.0) == pytest.approx(100 * math.exp(0.01))
    # excess is clipped at +-1
    assert spot_price_update(100.0, 1e9, 1.0, 0.1, 0.0) == pytest.approx(100 * math.exp(0.1))
    assert spot_price_update(100.0, 0.0, 100.0, 5.0, 50.0) == 50.0


def test_spot_price_stands_still_in_an_empty_market():
    # no supply: any demand is the full excess (+kappa); no supply and no demand: no signal
    assert spot_price_update(100.0, 5.0, 0.0, 0.03, 0.0) == pytest.approx(100 * math.exp(0.03))
    assert spot_price_update(100.0, 0.0, 0.0, 0.03, 0.0) == 100.0


def test_loan_to_value_and_margin_call_cure():
    assert loan_to_value(60.0, 100.0) == 0.6
    assert loan_to_value(1.0, 0.0) == math.inf
    # P = 90, V = 100, t = 0.6: x = (90 - 60) / 0.4 = 75, then (90-75)/(100-75) = 0.6
    x = cure_sale_usd(90.0, 100.0, 0.6)
    assert x == pytest.approx(75.0)
    assert (90.0 - x) / (100.0 - x) == pytest.approx(0.6)
    assert cure_sale_usd(50.0, 100.0, 0.6) == 0.0
    assert cure_sale_usd(120.0, 100.0, 0.6) == math.inf


def test_credit_policy_tightens_with_the_capital_shortfall():
    normal = credit_policy(20.0, 100.0, 0.15, 2.0, 0.08)
    assert normal.stress == 0.0
    assert normal.ltv_scale == 1.0
    assert normal.rolls_over
    assert normal.capacity_usd == pytest.approx(20.0 / 0.15 - 100.0)
    # ratio 0.075 is half the target: stress 0.5, LTV scale 1 - 2 * 0.5 = 0, rollovers stop
    half = credit_policy(7.5, 100.0, 0.15, 2.0, 0.08)
    assert half.stress == pytest.approx(0.5)
    assert half.ltv_scale == pytest.approx(0.0)
    assert half.spread_add_per_year == pytest.approx(0.04)
    assert not half.rolls_over
    assert half.capacity_usd == 0.0
    broke = credit_policy(-1.0, 100.0, 0.15, 2.0, 0.08)
    assert broke.capacity_usd == 0.0
    assert not broke.rolls_over


def test_desired_compute_and_expectations():
    # $10B revenue expected to grow 50%, spending 1.0 per dollar at $10M/MW-year: 1,500 MW
    assert desired_compute_cu(10e9, 0.5, 1.0, 10e6) == pytest.approx(1_500.0)
    assert desired_compute_cu(10e9, -2.0, 1.0, 10e6) == 0.0
    assert ewma(1.0, 0.0, 0.25) == 0.75


def test_verdict_helpers():
    assert max_drawdown(np.array([1.0, 2.0, 1.0, 3.0, 1.5])) == pytest.approx(0.5)
    assert max_drawdown(np.array([1.0, 2.0, 3.0])) == 0.0
    # cumulative defaulted MW 0,0,50,50,100: over any 2 steps at most 50 of 200
    assert window_share(np.array([0, 0, 50, 50, 100.0]), 200.0, 2) == pytest.approx(0.25)
    assert window_share(np.array([0, 0, 50, 50, 100.0]), 200.0, 5) == pytest.approx(0.5)


def test_spot_payments_are_matched_in_order_and_add_up():
    from bubblesim.markets.spot import match_payments

    pairs = match_payments([3.0, 1.0, 2.0], [2.0, 4.0])
    assert pairs == [(0, 0, 2.0), (0, 1, 1.0), (1, 1, 1.0), (2, 1, 2.0)]
    rng = np.random.default_rng(0)
    paid = rng.random(50)
    received = rng.random(30)
    received *= paid.sum() / received.sum()
    pairs = match_payments(list(paid), list(received))
    assert len(pairs) <= 50 + 30 - 1
    by_buyer = np.zeros(50)
    by_seller = np.zeros(30)
    for i, j, amount in pairs:
        by_buyer[i] += amount
        by_seller[j] += amount
    np.testing.assert_allclose(by_buyer, paid, rtol=1e-9)
    np.testing.assert_allclose(by_seller, received, rtol=1e-9)
