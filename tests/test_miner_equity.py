"""Miners raise money: at-the-market equity, priced with dilution, gated by the windows."""

import dataclasses

import pytest

from bubblesim.accounts.events import EventKind
from bubblesim.economics import dilutive_raise
from tests.economies import B, M, chain_economy, chain_model


def test_a_dilutive_equity_raise_by_hand():
    """$1B of market cap in 100M shares ($10); $100M sold at a 5% discount ($9.50).

    n = 100M / 9.5 = 10.526M new shares; the price after is (1,000 + 100) / 110.526 = $9.952;
    the old holders keep 100 / 110.526 = 90.48% (dilution 9.52%).
    """
    sale = dilutive_raise(100 * M, 1 * B, 100e6, 0.05, 0.2)
    assert sale.raised_usd == pytest.approx(100 * M)
    assert sale.new_shares == pytest.approx(100e6 / 9.5)
    assert sale.price_after_usd == pytest.approx(1100 / (100 + 100 / 9.5))
    assert sale.dilution == pytest.approx((100 / 9.5) / (100 + 100 / 9.5))
    assert sale.price_after_usd < 10.0  # selling below the market price dilutes the holders
    # the programme sells at most a fifth of the company: $200M of a $1B cap
    assert dilutive_raise(500 * M, 1 * B, 100e6, 0.05, 0.2).raised_usd == pytest.approx(200 * M)
    assert dilutive_raise(100 * M, 0.0, 100e6, 0.05, 0.2).raised_usd == 0.0


def _thin_miner(**overrides):
    """The chain miner with a $0.5B project loan: ≈$0.5B of book equity, $20M of cash.

    A year of interest (0.5B x 9%) is $45M, so with a 52-week buffer it is $25M short, and it
    sells 1% of its market cap (1.5x book) a week: ≈$7.8M.
    """
    spec = chain_economy(lab_cash_usd=5 * B)
    loan = spec.loans[1]
    spec.loans[1] = dataclasses.replace(loan, principal_usd=0.5 * B)
    model = chain_model(spec, **overrides)
    model.step()
    return model


def test_a_miner_short_of_cash_sells_shares_while_the_window_is_open():
    model = _thin_miner(miner_atm_buffer_weeks=52)
    miner = model.firms["Miner"]
    raises = [
        e
        for e in model.events.events
        if e.kind is EventKind.EQUITY_RAISED and e.agent_name == "Miner"
    ]
    assert raises, "the miner should sell shares"
    index = model.world.agents.miners.row.tolist().index(miner.row)
    assert model.world.agents.miners.shares[index] > 1.0
    # at most 1% of its market cap a week (book equity before the raise, 1.5x)
    assert raises[0].amount_usd <= 0.01 * 1.5 * miner.equity_usd
    assert raises[0].amount_usd == pytest.approx(0.01 * 1.5 * 0.52 * B, rel=0.05)
    assert "dilution" in raises[0].detail


def test_no_shares_are_sold_with_the_convertible_window_shut():
    """The same miner in a week whose convertible window is shut (a bitcoin drawdown)."""
    model = _thin_miner(miner_atm_buffer_weeks=52)
    desk = model.world.desk
    open_market = desk.open_market

    def shut() -> None:
        open_market()
        desk.convertible_window = False

    desk.open_market = shut
    before = len(model.events.events)
    model.step()
    assert not [
        e
        for e in model.events.events[before:]
        if e.kind is EventKind.EQUITY_RAISED and e.agent_name == "Miner"
    ]
