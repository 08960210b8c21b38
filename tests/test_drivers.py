"""Exogenous drivers: exact closed forms with zero noise, seeding, independence, validation."""

import itertools
import math

import numpy as np
import pytest
from pydantic import ValidationError

from bubblesim.drivers import (
    BitcoinParams,
    BitcoinProcess,
    ChipParams,
    ChipProcess,
    DemandParams,
    DemandProcess,
    DriverParams,
    ExogenousDrivers,
    PowerParams,
    RateParams,
    RateProcess,
    hashprice_usd_per_ph_day,
)
from bubblesim.drivers.bitcoin import block_reward_btc, drawdown
from bubblesim.drivers.demand import (
    adapt_expectation,
    ai_sentiment,
    ou_weekly_coefficients,
    ramp_fraction,
)

QUIET_DEMAND = {"demand_volatility_per_year": 0.0, "demand_growth_decay_per_year": 0.0}
QUIET_BTC = {"btc_volatility_per_year": 0.0, "btc_crash_volatility_per_year": 0.0}


def run(params: DriverParams, seed: int, n_weeks: int) -> list:
    drivers = ExogenousDrivers(params, np.random.default_rng(seed))
    return [drivers.state] + [drivers.step(week) for week in range(1, n_weeks + 1)]


def walk(process, n_weeks: int) -> list:
    return [process.state] + [process.step(week) for week in range(1, n_weeks + 1)]


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- pure functions -------------------------------------------------------------------------


def test_hashprice_exact_values():
    # 100,000 * 144 * 3.125 / (1,000 EH/s * 1,000 PH/EH) = 45.0 exactly
    assert hashprice_usd_per_ph_day(100_000.0, 3.125, 0.0, 1000.0) == 45.0
    # with fees: 50,000 * 144 * (3.125 + 0.875) / 800,000 = 36.0
    assert hashprice_usd_per_ph_day(50_000.0, 3.125, 0.875, 800.0) == 36.0
    # the calibration check: $100k, 3.125 BTC, 1,100 EH/s ≈ $41/PH/day (facts: $41.6 on 2025-11-04)
    assert hashprice_usd_per_ph_day(100_000.0, 3.125, 0.0, 1100.0) == pytest.approx(
        40.909, abs=1e-3
    )
    with pytest.raises(ValueError, match="network_hashrate_eh_per_s"):
        hashprice_usd_per_ph_day(100_000.0, 3.125, 0.0, 0.0)


def test_block_reward_halves_on_schedule():
    assert block_reward_btc(118, 3.125, 119, 209) == 3.125
    assert block_reward_btc(119, 3.125, 119, 209) == 1.5625
    assert block_reward_btc(327, 3.125, 119, 209) == 1.5625
    assert block_reward_btc(328, 3.125, 119, 209) == 0.78125


def test_ramp_fraction_and_sentiment():
    assert ramp_fraction(10, 10, 4) == 0.0
    assert ramp_fraction(12, 10, 4) == 0.5
    assert ramp_fraction(14, 10, 4) == 1.0
    assert ramp_fraction(99, 10, 4) == 1.0
    with pytest.raises(ValueError, match="length_weeks"):
        ramp_fraction(1, 0, 0)
    assert ai_sentiment(60.0, 100.0, 2.0) == pytest.approx(0.36)
    assert ai_sentiment(120.0, 100.0, 2.0) == 1.0
    assert drawdown(25.0, 100.0) == 0.75


def test_ou_coefficients_match_stationary_variance():
    a, b = ou_weekly_coefficients(2.0, 0.3)
    assert a == pytest.approx(math.exp(-2.0 / 52))
    # stationary variance b^2 / (1 - a^2) = sigma^2 / (2 theta)
    assert b**2 / (1 - a**2) == pytest.approx(0.3**2 / 4.0)
    with pytest.raises(ValueError, match="mean_reversion_per_year"):
        ou_weekly_coefficients(0.0, 0.3)


# --- seeding ----------------------------------------------------------------------------------


def test_same_seed_same_path_different_seed_different_path():
    params = DriverParams()
    assert run(params, 7, 60) == run(params, 7, 60)
    a, b = run(params, 7, 60), run(params, 8, 60)
    assert a[-1].btc_price_usd != b[-1].btc_price_usd
    assert a[-1].ai_end_revenue_usd_per_year != b[-1].ai_end_revenue_usd_per_year
    assert a[-1].power_price_usd_per_mwh != b[-1].power_price_usd_per_mwh


def test_week_zero_state_and_step_contract():
    drivers = ExogenousDrivers(DriverParams(), rng())
    s0 = drivers.state
    assert s0.week == 0
    assert s0.btc_price_usd == 90_000.0
    assert s0.frontier_efficiency == 1.0
    assert s0.generation == 0
    assert s0.ai_sentiment == 1.0
    assert s0.btc_drawdown == 0.0
    assert drivers.step(0) == s0  # the current week: no draw, same state
    assert drivers.step(1).week == 1
    with pytest.raises(ValueError, match="week must be 1 or 2, got 5"):
        drivers.step(5)


def test_independence_volatility_of_one_process_leaves_others_unchanged():
    base = run(DriverParams(), 3, 80)
    loud = DriverParams(
        bitcoin=BitcoinParams(btc_volatility_per_year=1.5, btc_jump_intensity_per_year=5.0),
        power=PowerParams(power_volatility_per_year=0.0),
    )
    other = run(loud, 3, 80)
    assert [s.ai_end_revenue_usd_per_year for s in base] == [
        s.ai_end_revenue_usd_per_year for s in other
    ]
    assert [s.base_rate_per_year for s in base] == [s.base_rate_per_year for s in other]
    assert [s.frontier_efficiency for s in base] == [s.frontier_efficiency for s in other]
    assert [s.btc_price_usd for s in base] != [s.btc_price_usd for s in other]
    assert {s.power_price_usd_per_mwh for s in other} == {45.0}
    quiet_demand = run(DriverParams(demand=DemandParams(demand_volatility_per_year=0.0)), 3, 80)
    assert [s.btc_price_usd for s in base] == [s.btc_price_usd for s in quiet_demand]
    assert [s.power_price_usd_per_mwh for s in base] == [
        s.power_price_usd_per_mwh for s in quiet_demand
    ]


# --- demand -----------------------------------------------------------------------------------


@pytest.mark.parametrize("growth", [1.0, 0.4, -0.3])
def test_demand_closed_form_without_noise(growth):
    params = DemandParams(**QUIET_DEMAND, demand_growth_per_year=growth)
    path = walk(DemandProcess(params, rng()), 104)
    r0 = params.demand_initial_revenue_usd_per_year
    assert path[52].revenue_usd_per_year == pytest.approx(r0 * (1 + growth), rel=1e-12)
    assert path[104].revenue_usd_per_year == pytest.approx(r0 * (1 + growth) ** 2, rel=1e-12)
    assert path[13].revenue_usd_per_year == pytest.approx(r0 * (1 + growth) ** 0.25, rel=1e-12)
    assert all(s.growth_per_year == growth for s in path)
    assert all(s.sentiment == 1.0 for s in path)


def test_demand_growth_decays_exponentially():
    params = DemandParams(demand_volatility_per_year=0.0, demand_growth_decay_per_year=0.5)
    path = walk(DemandProcess(params, rng()), 104)
    assert path[104].growth_per_year == pytest.approx(1.0 * math.exp(-1.0), rel=1e-12)


def test_slowdown_depth_one_drives_growth_to_zero_and_cuts_sentiment():
    params = DemandParams(
        **QUIET_DEMAND,
        demand_sentiment_adaptation_per_year=0.0,  # investors expect the boom path forever
        demand_slowdown_depth=1.0,
        demand_slowdown_start_week=52,
        demand_slowdown_speed_weeks=26,
    )
    path = walk(DemandProcess(params, rng()), 156)
    assert path[52].growth_per_year == 1.0
    assert path[65].growth_per_year == 0.5
    assert all(s.growth_per_year == 0.0 for s in path[78:])
    flat = path[78].revenue_usd_per_year
    assert path[156].revenue_usd_per_year == pytest.approx(flat, rel=1e-12)
    # sentiment = (R / R_boom)^2 and the boom path doubles each year
    r0 = params.demand_initial_revenue_usd_per_year
    assert path[156].sentiment == pytest.approx((flat / (r0 * 2**3)) ** 2, rel=1e-12)
    assert path[156].sentiment < path[78].sentiment < path[52].sentiment == 1.0


def test_adaptive_expectations_settle_at_the_growth_shortfall_over_lambda():
    """With R flat, ln E' = ln E + ln 2 / 52 + (λ/52)(ln R − ln E): ln E − ln R → ln 2 / λ.

    At λ = 2 the gap settles at ln 2 / 2, so sentiment (R / E)^2 settles at exactly 1/2.
    """
    assert adapt_expectation(0.1, 1.0, 0.0, 0.0) == pytest.approx(0.1 + math.log(2) / 52)
    assert adapt_expectation(0.1, 1.0, 0.0, 2.0) == pytest.approx(
        0.1 + math.log(2) / 52 - 2 / 52 * 0.1
    )
    params = DemandParams(
        **QUIET_DEMAND,
        demand_sentiment_adaptation_per_year=2.0,
        demand_slowdown_depth=1.0,
        demand_slowdown_start_week=0,
        demand_slowdown_speed_weeks=1,
    )
    path = walk(DemandProcess(params, rng()), 520)
    assert path[520].sentiment == pytest.approx(0.5, rel=1e-6)
    assert path[26].sentiment > path[520].sentiment  # it falls to its settled level


def test_sentiment_recovers_after_a_slowdown_only_when_expectations_adapt():
    """Boom growth decays; after a slowdown to zero growth, adapted expectations catch up."""
    common = {
        "demand_volatility_per_year": 0.0,
        "demand_growth_decay_per_year": 0.5,
        "demand_slowdown_depth": 1.0,
        "demand_slowdown_start_week": 52,
    }
    fixed = walk(
        DemandProcess(DemandParams(**common, demand_sentiment_adaptation_per_year=0.0), rng()), 520
    )
    adapt = walk(
        DemandProcess(DemandParams(**common, demand_sentiment_adaptation_per_year=0.35), rng()), 520
    )
    fixed_s = [s.sentiment for s in fixed]
    adapt_s = [s.sentiment for s in adapt]
    assert fixed_s[520] == min(fixed_s)  # the boom path runs away: it never recovers
    assert min(adapt_s) < 0.5 < adapt_s[520]  # the equity window (at 0.5) shuts, then reopens
    assert fixed_s[520] < 0.5


def test_slowdown_depth_above_one_shrinks_revenue():
    params = DemandParams(**QUIET_DEMAND, demand_slowdown_depth=1.5, demand_slowdown_start_week=0)
    path = walk(DemandProcess(params, rng()), 80)
    assert path[-1].growth_per_year == -0.5
    assert path[80].revenue_usd_per_year < path[60].revenue_usd_per_year


def test_demand_noise_is_mean_preserving():
    params = DemandParams(demand_volatility_per_year=0.5, demand_growth_decay_per_year=0.0)
    finals = [walk(DemandProcess(params, rng(s)), 52)[-1].revenue_usd_per_year for s in range(400)]
    expected = params.demand_initial_revenue_usd_per_year * 2.0
    # sd of the log deviation ≈ 0.5 / sqrt(2) ≈ 0.33; 400 draws: standard error ≈ 1.7%
    assert np.mean(finals) == pytest.approx(expected, rel=0.06)


# --- bitcoin ----------------------------------------------------------------------------------


def test_crash_path_hits_exact_trough():
    params = BitcoinParams(
        **QUIET_BTC, btc_path="crash", btc_crash_start_week=10, btc_crash_duration_weeks=52
    )
    path = walk(BitcoinProcess(params, rng()), 80)
    start = path[10].price_usd
    assert start == params.btc_initial_price_usd
    assert path[62].price_usd == (1 - 0.77) * start
    assert path[80].price_usd == (1 - 0.77) * start
    assert path[36].price_usd == pytest.approx(start * 0.23**0.5, rel=1e-12)
    assert path[62].drawdown == pytest.approx(0.77, rel=1e-12)
    prices = [s.price_usd for s in path[10:63]]
    assert all(b < a for a, b in itertools.pairwise(prices))


def test_crash_trough_is_relative_to_start_price_with_drift():
    params = BitcoinParams(
        **QUIET_BTC, btc_drift_per_year=0.5, btc_path="crash", btc_crash_start_week=20
    )
    path = walk(BitcoinProcess(params, rng()), 72)
    assert path[20].price_usd > params.btc_initial_price_usd
    assert path[72].price_usd == pytest.approx(0.23 * path[20].price_usd, rel=1e-12)


def test_halving_halves_reward_and_hashprice_on_its_week():
    params = BitcoinParams(**QUIET_BTC, btc_next_halving_week=30, btc_halving_interval_weeks=40)
    path = walk(BitcoinProcess(params, rng()), 71)
    assert path[29].block_reward_btc == 3.125
    assert path[30].block_reward_btc == 1.5625
    assert path[69].block_reward_btc == 1.5625
    assert path[70].block_reward_btc == 0.78125
    for s in path:
        assert s.hashprice_usd_per_ph_day == hashprice_usd_per_ph_day(
            s.price_usd, s.block_reward_btc, params.btc_fees_btc_per_block, s.hashrate_eh_per_s
        )


def test_hashrate_grows_at_base_rate_at_breakeven_and_shrinks_below_cost():
    breakeven = hashprice_usd_per_ph_day(90_000.0, 3.125, 0.025, 1100.0)
    params = BitcoinParams(
        **QUIET_BTC, btc_hashcost_usd_per_ph_day=breakeven, btc_hashrate_lag_weeks=0
    )
    path = walk(BitcoinProcess(params, rng()), 1)
    assert path[1].hashrate_eh_per_s == pytest.approx(1100.0 * math.exp(0.2 / 52), rel=1e-12)
    costly = BitcoinParams(
        **QUIET_BTC, btc_hashcost_usd_per_ph_day=4 * breakeven, btc_hashrate_growth_per_year=0.0
    )
    path = walk(BitcoinProcess(costly, rng()), 20)
    hashrates = [s.hashrate_eh_per_s for s in path]
    assert all(b < a for a, b in itertools.pairwise(hashrates))


def test_realised_btc_volatility_matches_parameter():
    params = BitcoinParams(btc_volatility_per_year=0.43, btc_next_halving_week=10_000)
    prices = np.array([s.price_usd for s in walk(BitcoinProcess(params, rng(11)), 5200)])
    realised = np.std(np.diff(np.log(prices)), ddof=1) * math.sqrt(52)
    # 5,200 weekly returns: standard error of the sd ≈ 0.43 / sqrt(2 * 5200) ≈ 0.004
    assert realised == pytest.approx(0.43, abs=0.02)


def test_jumps_raise_realised_volatility_and_drawdown_stays_in_range():
    params = BitcoinParams(btc_jump_intensity_per_year=10.0, btc_jump_mean=-0.1, btc_jump_std=0.1)
    path = walk(BitcoinProcess(params, rng(5)), 2600)
    prices = np.array([s.price_usd for s in path])
    realised = np.std(np.diff(np.log(prices)), ddof=1) * math.sqrt(52)
    expected = math.sqrt(0.43**2 + 10.0 * (0.1**2 + 0.1**2))
    assert realised == pytest.approx(expected, abs=0.04)
    assert all(0.0 <= s.drawdown < 1.0 for s in path)


# --- rates, power, chips ----------------------------------------------------------------------


def test_rate_shock_adds_exact_bp_after_ramp():
    params = RateParams(rate_shock_week=20, rate_shock_bp=250.0, rate_shock_ramp_weeks=10)
    path = walk(RateProcess(params, rng()), 60)
    assert path[20].base_rate_per_year == 0.04
    assert path[25].base_rate_per_year == pytest.approx(0.04 + 0.0125, rel=1e-12)
    assert all(s.base_rate_per_year == 0.04 + 0.025 for s in path[30:])


def test_rate_floor_at_zero():
    params = RateParams(rate_shock_week=0, rate_shock_bp=-600.0, rate_shock_ramp_weeks=1)
    assert walk(RateProcess(params, rng()), 3)[-1].base_rate_per_year == 0.0


def test_power_price_reverts_to_median():
    params = DriverParams(power=PowerParams(power_volatility_per_year=0.3))
    prices = np.array([s.power_price_usd_per_mwh for s in run(params, 2, 5200)])
    log_dev = np.log(prices / 45.0)
    assert np.median(prices) == pytest.approx(45.0, rel=0.05)
    # stationary sd of the log price: 0.3 / sqrt(2 * 2) = 0.15
    assert np.std(log_dev) == pytest.approx(0.15, abs=0.02)


def test_frontier_efficiency_multiplies_exactly_at_arrivals():
    params = ChipParams(chip_first_arrival_week=52, chip_cadence_weeks=104, chip_shock_week=80)
    path = walk(ChipProcess(params, rng()), 260)
    arrivals = [s.week for s in path if s.new_generation_arrived]
    assert arrivals == [52, 80, 156, 260]
    assert path[51].frontier_efficiency == 1.0
    assert path[52].frontier_efficiency == 2.0
    assert path[79].frontier_efficiency == 2.0
    assert path[80].frontier_efficiency == 8.0
    assert path[156].frontier_efficiency == 16.0
    assert path[260].frontier_efficiency == 32.0
    assert [path[w].generation for w in (0, 52, 80, 156, 260)] == [0, 1, 2, 3, 4]


def test_chip_jitter_delays_within_bound_and_never_skips():
    params = ChipParams(
        chip_first_arrival_week=20, chip_cadence_weeks=13, chip_cadence_jitter_weeks=40
    )
    path = walk(ChipProcess(params, rng(4)), 400)
    arrivals = [s.week for s in path if s.new_generation_arrived]
    assert path[-1].generation == len(arrivals) >= 10
    assert arrivals[0] in range(20, 61)
    assert path[-1].frontier_efficiency == 2.0 ** len(arrivals)


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (BitcoinParams, "btc_volatility_per_year", -0.1),
        (BitcoinParams, "btc_crash_depth", 1.0),
        (BitcoinParams, "btc_path", "moon"),
        (DemandParams, "demand_slowdown_depth", 1.6),
        (DemandParams, "demand_slowdown_speed_weeks", 0),
        (PowerParams, "power_mean_reversion_per_year", 0.0),
        (RateParams, "rate_shock_ramp_weeks", 0),
        (ChipParams, "chip_shock_week", 0),
        (ChipParams, "chip_cadence_efficiency_multiple", 0.5),
    ],
)
def test_bad_values_raise_validation_error_naming_the_field(model, field, value):
    with pytest.raises(ValidationError, match=field):
        model(**{field: value})


def test_params_are_frozen_and_forbid_extras():
    with pytest.raises(ValidationError, match="btc_volatility"):
        BitcoinParams(btc_volatility=0.5)
    params = DriverParams()
    with pytest.raises(ValidationError):
        params.bitcoin.btc_volatility_per_year = 0.1  # type: ignore[misc]


def test_every_field_has_unit_source_and_unique_name():
    names: list[str] = []
    for sub in (DemandParams, BitcoinParams, RateParams, PowerParams, ChipParams):
        for name, info in sub.model_fields.items():
            names.append(name)
            extra = info.json_schema_extra
            assert extra["unit"], name
            assert extra["source"], name
            assert info.description, name
    assert len(names) == len(set(names))
    prefixes = ("demand_", "btc_", "rate_", "power_", "chip_")
    assert all(name.startswith(prefixes) for name in names)


def test_driver_state_interface_fields():
    import dataclasses

    from bubblesim.drivers import DriverState

    assert [f.name for f in dataclasses.fields(DriverState)] == [
        "week",
        "ai_end_revenue_usd_per_year",
        "ai_demand_growth_per_year",
        "ai_sentiment",
        "btc_price_usd",
        "btc_drawdown",
        "block_reward_btc",
        "network_hashrate_eh_per_s",
        "hashprice_usd_per_ph_day",
        "base_rate_per_year",
        "power_price_usd_per_mwh",
        "frontier_efficiency",
        "generation",
        "new_generation_arrived",
    ]
    assert list(DriverParams.model_fields) == ["demand", "bitcoin", "rates", "power", "chips"]
    state = ExogenousDrivers(DriverParams(), rng()).state
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.week = 3  # type: ignore[misc]
