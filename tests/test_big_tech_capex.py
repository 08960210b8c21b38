"""Big tech's capex follows its own cash flow and cost of capital (issue 13, second pass)."""

import math

import pytest

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import ContractKind
from bubblesim.agents.provider import capex_share
from bubblesim.economics import (
    big_tech_capex_share,
    capacity_return_per_year,
    coverage_credit_spread,
    interest_coverage,
)
from bubblesim.model import BubbleModel


def test_coverage_spread_by_hand():
    """Damodaran's table: 3.0 → 1.5%, 4.25 → 1.2%, halfway → 1.35%; flat beyond the ends."""
    assert coverage_credit_spread(3.0) == pytest.approx(0.015)
    assert coverage_credit_spread(3.625) == pytest.approx(0.0135)
    assert coverage_credit_spread(math.inf) == pytest.approx(0.007)
    assert coverage_credit_spread(0.0) == pytest.approx(0.17)
    # Oracle: $20B of income on $105B at 5.3% → coverage 3.59 → 1.5% − (0.594 / 1.25) × 0.3%
    # = 1.357%, near its 128 bp CDS.
    cov = interest_coverage(20e9, 105e9 * 0.053)
    assert cov == pytest.approx(3.594, abs=1e-3)
    assert coverage_credit_spread(cov) == pytest.approx(0.013574, abs=1e-6)
    assert interest_coverage(20e9, 0.0) == math.inf
    assert interest_coverage(-5e9, 1e9) == 0.0


def test_capacity_return_and_capex_share_by_hand():
    """Rent $9.7M, GPUs $30M over 5 y, hall $10M over 20 y → 8%; the docstring example → 0.4."""
    assert capacity_return_per_year(9.7e6, 30e6, 10e6, 5.0, 20.0) == pytest.approx(0.08)
    assert big_tech_capex_share(0.08, 0.10, 2.0, 1.0, 3.0) == pytest.approx(0.4)
    assert big_tech_capex_share(0.12, 0.10, 5.0, 1.0, 3.0) == 1.0  # q > 1, covered: no cut
    assert big_tech_capex_share(0.12, 0.10, math.inf, 1.0, 3.0) == 1.0  # no debt
    assert big_tech_capex_share(0.12, 0.10, 0.9, 1.0, 3.0) == 0.0  # cash flow after interest < 0
    assert big_tech_capex_share(-0.01, 0.10, 5.0, 1.0, 3.0) == 0.0  # new capacity loses money


def _oracle(model):
    providers = model.world.agents.providers
    row = model.firms["Oracle"].row
    return next(i for i in range(len(providers)) if int(providers.row[i]) == row)


@pytest.mark.parametrize("on", [True, False])
def test_a_stressed_oracle_cuts_its_capex(on):
    """Demand slowdown, big tech's other income × 0.25: Oracle's coupons exceed its income.

    With the rule it builds and leases nothing (share 0 while its coupons exceed its income;
    once part of its notes has matured without being rolled in full, week 104, its coverage
    climbs just above 1 and the share to about 0.05, still too little for a deal); without it,
    it kept building.
    """
    model = BubbleModel(
        scenario="demand-slowdown",
        rng=0,
        big_tech_income_scale=0.25,
        big_tech_capex_follows_finance=on,
    )
    o = _oracle(model)
    providers = model.world.agents.providers
    before = float(providers.own_space_mw[o])
    for _ in range(156):
        model.step()
    built = float(providers.own_space_mw[o]) + providers.building_mw(o) - before
    if on:
        assert capex_share(model.world, o) < 0.1
        assert built == 0.0
    else:
        assert capex_share(model.world, o) == 1.0
        assert built > 500.0


def test_baseline_oracle_carries_out_its_whole_plan():
    model = BubbleModel(rng=0)
    model.step()
    assert capex_share(model.world, _oracle(model)) == 1.0


def test_a_stressed_hyperscaler_exercises_a_break_even_on_a_used_lease():
    """Oracle with a hosting lease whose break falls due; its income cut to $1B → it walks."""
    model = BubbleModel(rng=0)
    world = model.world
    row = model.firms["Oracle"].row
    c = world.book.contracts
    for _ in range(260):
        model.step()
        leases = world.book.live_of_kind(ContractKind.HOSTING, active_only=True)
        mine = leases[(c.buyer[leases] == row) & (c.break_week[leases] > world.clock.week)]
        if mine.size:
            break
    assert mine.size, "Oracle signed no hosting lease with a break clause"
    lease = int(mine[0])
    c.break_week[lease] = world.clock.week + 1
    model.step()
    walked = [
        e
        for e in world.events.events
        if e.kind == EventKind.CONTRACT_TERMINATED and e.agent_name == "Oracle"
    ]
    assert not walked  # healthy and using it: no break
    assert capex_share(world, _oracle(model)) == 1.0
    assert lease in world.book.live_of_kind(ContractKind.HOSTING, active_only=True)
    c.break_week[lease] = world.clock.week + 1  # the same lease, a week later
    world.agents.providers.other_income_usd_per_year[_oracle(model)] = 1e9
    assert capex_share(world, _oracle(model)) == 0.0
    model.step()
    walked = [
        e
        for e in world.events.events
        if e.kind == EventKind.CONTRACT_TERMINATED and e.agent_name == "Oracle"
    ]
    assert [e.detail for e in walked] == ["break clause exercised (financial stress)"]
    assert lease not in world.book.live_of_kind(ContractKind.HOSTING, active_only=True)
