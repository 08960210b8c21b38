"""The Bain gap as a model quantity: required revenue, served revenue, valuations, successors."""

import numpy as np
import pytest

from bubblesim.accounts.capex import CapexRecord
from bubblesim.accounts.events import Clock, EventKind
from bubblesim.economics import (
    equity_round_usd,
    installed_capex_usd,
    lab_revenue_multiple,
    required_revenue_usd_per_year,
    revenue_per_compute_unit,
    served_revenue_usd_per_year,
)
from bubblesim.model import BubbleModel
from tests.economies import B, chain_economy, chain_model


def test_required_revenue_from_a_given_capex_path():
    """$10B of GPUs and $2B of data centres a week for two years, then nothing.

    At week 103 (the last week of spending) the whole path is within the GPUs' 5-year life:
    K_gpu = 104 x $10B = $1.04T, K_dc = $208B. At a 9% cost of capital, with $50B of operating
    costs: R = 1.04T x (0.09 + 0.2) + 208B x (0.09 + 0.05) + 50B = $380.72B. Five years after the
    first week (week 260) the first GPU week has left the base: K_gpu = 103 x $10B.
    """
    gpu = np.array([10 * B] * 104 + [0.0] * 200)
    dc = np.array([2 * B] * 104 + [0.0] * 200)
    assert installed_capex_usd(gpu, 103, 260) == pytest.approx(1.04e12)
    assert installed_capex_usd(dc, 103, 1040) == pytest.approx(208e9)
    assert installed_capex_usd(gpu, 260, 260) == pytest.approx(103 * 10 * B)
    assert installed_capex_usd(gpu, 400, 260) == 0.0
    need = required_revenue_usd_per_year(1.04e12, 208e9, 0.09, 5.0, 20.0, 50e9)
    assert need == pytest.approx(380.72e9)


def test_the_capex_record_spreads_the_opening_base_and_records_by_week():
    clock = Clock()
    record = CapexRecord(clock, opening_weeks=104)
    record.open(gpu_usd=104 * B, datacentre_usd=52 * B)
    assert record.installed_gpu_usd(260) == pytest.approx(104 * B)
    # a 52-week life at week 0 covers weeks -51..0: 51 of the opening weeks
    assert record.installed_gpu_usd(52) == pytest.approx(51 * B)
    clock.tick()
    record.record_gpu(5 * B)
    record.record_datacentre(1 * B)
    assert record.installed_gpu_usd(260) == pytest.approx(109 * B)
    assert record.trailing_usd(2) == pytest.approx(6 * B)  # weeks 0 (empty) and 1
    assert record.trailing_usd(3) == pytest.approx(6 * B + 1.5 * B)  # and week -1


def test_served_revenue_responds_to_compute_and_adoption():
    """A = $100B needs 50 compute units at $2B each; with 25 units and ε = 0.5: 100 x 0.5^0.5."""
    assert served_revenue_usd_per_year(100e9, 25.0, 2e9, 0.5) == pytest.approx(100e9 * 0.5**0.5)
    assert served_revenue_usd_per_year(100e9, 80.0, 2e9, 0.5) == pytest.approx(100e9)
    assert served_revenue_usd_per_year(100e9, 0.0, 2e9, 0.0) == pytest.approx(100e9)
    assert served_revenue_usd_per_year(0.0, 10.0, 2e9, 0.5) == 0.0
    # the compute a dollar needs doubles in two years at λ = ln 2 / 2
    assert revenue_per_compute_unit(6e6, np.log(2) / 2, 104) == pytest.approx(3e6)


def test_a_lab_round_is_priced_at_a_multiple_of_sentiment_and_growth():
    """25x at full sentiment and the reference growth; half sentiment and no growth: 6.25x."""
    assert lab_revenue_multiple(25.0, 1.0, 1.0, 1.0) == 25.0
    assert lab_revenue_multiple(25.0, 0.5, 0.0, 1.0) == pytest.approx(6.25)
    # a round sells at most 15% of the post-money company: X <= 0.15 V / 0.85
    assert equity_round_usd(10e9, 20e9, 0.15) == pytest.approx(0.15 * 20e9 / 0.85)
    assert equity_round_usd(1e9, 20e9, 0.15) == 1e9
    assert equity_round_usd(1e9, 0.0, 0.15) == 0.0


def test_end_revenue_falls_when_a_lab_loses_its_compute():
    """The chain lab's revenue is served by its contract; when the neocloud fails it shrinks."""
    model = chain_model(chain_economy(lab_cash_usd=5 * B))
    model.step()
    lab = model.firms["Lab"]
    before = lab.revenue_usd_per_year
    assert before == pytest.approx(lab.potential_revenue_usd_per_year)
    model.impose_default(model.firms["Neocloud"])
    model.step()
    assert lab.compute_cu < 1.0
    assert lab.revenue_usd_per_year < 0.2 * before
    series = model.series()
    assert (
        series["ai_end_revenue_usd_per_year"].iloc[-1]
        < series["ai_adoption_revenue_usd_per_year"].iloc[-1]
    )


SLOWDOWN = {
    "demand_growth_per_year": 0.5,
    "demand_slowdown_start_week": 2,
    "demand_slowdown_depth": 1.5,
    "demand_slowdown_speed_weeks": 4,
}


def _defaulted_lab(weeks: int, **overrides) -> BubbleModel:
    model = chain_model(chain_economy(lab_cash_usd=2 * B), **overrides)
    model.step()
    model.impose_default(model.firms["Lab"])
    for _ in range(weeks):
        model.step()
    return model


def test_a_successor_enters_only_when_investors_fund_it_with_what_they_will_pay():
    """Open window: the successor raises a year of revenue (the valuation allows more)."""
    model = _defaulted_lab(30)
    successors = [f for f in model.labs if "reorganised" in f.name]
    assert len(successors) == 1
    entry = next(
        e
        for e in model.events.events
        if e.kind is EventKind.EQUITY_RAISED and "successor" in e.detail
    )
    assert entry.week == 27  # 26 weeks after the default in week 1
    assert entry.amount_usd == pytest.approx(0.5 * B, rel=0.05)  # a year of its share of demand


def test_no_successor_enters_while_the_equity_window_is_shut():
    model = _defaulted_lab(80, lab_reorganisation_weeks=52, **SLOWDOWN)
    assert model.world.desk.equity_window == 0.0
    assert not [f for f in model.labs if "reorganised" in f.name]


def test_a_successor_valued_low_raises_only_what_its_valuation_allows():
    """A 0.5x base multiple, no growth against the 100% reference: 0.25x, so 15% of that."""
    model = _defaulted_lab(30, valuation_revenue_multiple=0.5)
    entry = next(
        e
        for e in model.events.events
        if e.kind is EventKind.EQUITY_RAISED and "successor" in e.detail
    )
    revenue = 0.5 * B  # quiet drivers: adoption stays at $0.5B, no growth expected
    multiple = 0.5 * 1.0 * (1 + 0.0) / (1 + 1.0)
    assert entry.amount_usd == pytest.approx(0.15 * multiple * revenue / 0.85, rel=0.02)


def test_the_baseline_2030_gap_is_within_the_band_of_bains_framing():
    """Calendar 2030 (weeks 208-259) of the baseline, against Bain (2025): $2T needed, $800B short.

    The model's perimeter is the economy it holds (≈41 GW of GPU cloud in 2030, against the
    200 GW Bain's need is computed on), so the comparison is in the intensive terms Bain's
    framing fixes (docs/calibration.md, "The AI revenue gap"): the shortfall's share of the
    revenue needed (Bain: 0.40; band 0.30-0.55) and the revenue needed per GW of AI compute
    (Bain: $2T / 200 GW = $10B per GW; band $5-15B); the need itself is within an order of
    magnitude of $2T ($0.2-2T).
    """
    model = BubbleModel(scenario="baseline", rng=0)
    for _ in range(260):
        model.step()
    s = model.series().iloc[208:260]
    need = s["ai_required_revenue_usd_per_year"].mean()
    gap = s["ai_revenue_gap_usd_per_year"].mean()
    gw = s["contracted_mw"].mean() / 1e3
    assert 0.30 <= gap / need <= 0.55
    assert 5e9 <= need / gw <= 15e9
    assert 0.2e12 <= need <= 2e12
