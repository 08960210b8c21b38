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


# -- new convertibles ------------------------------------------------------------------------------
def test_a_new_convertible_by_hand():
    """IREN issues notes into a $50M room: $50M of an asked $100M.

    Fixed at 0.4%, unsecured, from the convertible fund; its cash rises by $50M and the books
    balance.
    """
    from bubblesim.markets.credit import CONVERTIBLE_NOTES
    from bubblesim.model import BubbleModel

    model = BubbleModel(rng=0)
    model.step()  # the lenders have set their week's policies
    world, iren = model.world, model.firms["IREN"]
    fund = model.firms["Convertible holders"]
    cash = float(iren.cash_usd)
    assert world.desk.issue_convertible(iren.row, 100 * M, 50 * M) == pytest.approx(50 * M)
    loans = world.book.loans
    owed = world.book.owed_rows(iren.row).tolist()
    new = [r for r in owed if loans.label(r) == CONVERTIBLE_NOTES and loans.start_week[r] == 1]
    assert len(new) == 1
    k = new[0]
    assert loans.principal_usd[k] == pytest.approx(50 * M)
    assert loans.convertible[k]
    assert not loans.floating[k]
    assert loans.spread_per_year[k] == pytest.approx(0.004)
    assert int(loans.lender[k]) == fund.row
    assert float(iren.cash_usd) == pytest.approx(cash + 50 * M)
    gap = iren.assets_usd() - iren.liabilities_usd() - iren.equity_usd
    assert abs(gap) < 1.0


def test_no_convertible_with_the_window_shut_and_the_room_is_the_cap_less_what_is_owed():
    """Room = 25% of market value − convertibles outstanding (IREN owes $2B from 2025)."""
    from bubblesim.model import BubbleModel
    from bubblesim.phases.contract import _convertible_room

    model = BubbleModel(rng=0)
    model.step()
    world, iren = model.world, model.firms["IREN"]
    index = int(list(world.agents.miners.row).index(iren.row))
    cap = world.equity.miner_market_cap_usd(index)
    room = max(0.0, min(0.25 * cap - 2 * B, world.desk.convertible_capacity_usd()))
    assert _convertible_room(world, index) == pytest.approx(room)
    world.desk.convertible_window = False  # bitcoin or AI sentiment has shut it
    assert _convertible_room(world, index) == 0.0
    assert world.desk.issue_convertible(iren.row, 100 * M, 100 * M) == 0.0
