"""The verdict's credit and lender legs measure the leveraged credit network.

Investment-grade hyperscaler notes (Oracle's, Microsoft's, AWS's, Google's, their revolver
draws) are credit too, but bullet notes that ask for credit once in years: counted in the crunch
index's volume floor and in the lender leg's capital, $72B of them cut the credit leg from 81%
to 1% of the deepest slowdown's runs without a single request changing (measured, issue 13).
"""

import numpy as np
import pytest

from bubblesim.markets.credit import REVOLVER, credit_crunch_index
from bubblesim.model import BubbleModel
from bubblesim.phases.contract import draw_revolving_line
from bubblesim.reporting.metrics import lender_capital_lost_usd
from tests.economies import B

HYPERSCALERS = {"Oracle", "Microsoft", "AWS", "Google"}


def _active(world):
    loans = world.book.loans
    return loans, loans.active()


def test_exactly_the_hyperscalers_notes_are_investment_grade():
    model = BubbleModel(rng=0)
    loans, rows = _active(model.world)
    names = model.world.agents.name_of
    for row in rows.tolist():
        ig = bool(loans.investment_grade[row])
        assert ig == (names(int(loans.borrower[row])) in HYPERSCALERS), names(
            int(loans.borrower[row])
        )
    ig_usd = float(loans.principal_usd[rows[loans.investment_grade[rows]]].sum())
    assert ig_usd == pytest.approx((105 + 3 * 24) * B)  # calib. §2: Oracle's $105B, 3 x $24B
    total = float(loans.principal_usd[rows].sum())
    assert loans.leveraged_outstanding_usd() == pytest.approx(total - ig_usd)


def test_a_revolver_draw_and_a_split_stay_investment_grade():
    model = BubbleModel(rng=0)
    world = model.world
    oracle = model.firms["Oracle"]
    before = world.book.loans.leveraged_outstanding_usd()
    assert draw_revolving_line(world, oracle.row, 1.0 * B) == pytest.approx(1.0 * B)
    loans, rows = _active(world)
    drawn = rows[loans.labelled(rows, REVOLVER)]
    assert drawn.size == 1
    assert bool(loans.investment_grade[drawn[0]])
    assert loans.leveraged_outstanding_usd() == pytest.approx(before)
    new = loans.split(int(drawn[0]), 0.4 * B)
    assert bool(loans.investment_grade[new])
    leveraged = rows[~loans.investment_grade[rows]]
    other = loans.split(int(leveraged[0]), 1.0)
    assert not bool(loans.investment_grade[other])


def test_only_a_pool_of_investment_grade_notes_stands_outside_the_lender_leg():
    model = BubbleModel(rng=0)
    lenders = model.world.agents.lenders
    names = [model.world.agents.name_of(int(r)) for r in lenders.row]
    outside = {
        n for n, ig in zip(names, lenders.investment_grade_book.tolist(), strict=False) if ig
    }
    assert outside == {"Investment-grade bondholders"}
    inside = lenders.initial_capital_usd[~lenders.investment_grade_book].sum()
    assert model.initial_lender_capital_usd == pytest.approx(float(inside))
    assert model.initial_lender_capital_usd < lenders.initial_capital_usd.sum()


def test_the_pool_failing_counts_as_a_lender_default_not_as_network_capital_lost():
    model = BubbleModel(rng=0)
    world = model.world
    lenders, table = world.agents.lenders, world.agents.table
    pool = int(np.flatnonzero(lenders.investment_grade_book)[0])
    bank = int(np.flatnonzero(~lenders.investment_grade_book)[0])
    assert lender_capital_lost_usd(world) == 0.0
    table.default(int(lenders.row[pool]), 0, -1)
    assert lender_capital_lost_usd(world) == 0.0
    table.default(int(lenders.row[bank]), 0, -1)
    assert lender_capital_lost_usd(world) == pytest.approx(float(lenders.initial_capital_usd[bank]))


def test_the_floor_is_a_share_of_the_leveraged_stock():
    """(R − G) / max(R, φ O): $2B refused of $2B asked, over $40B or $217B of stock."""
    assert credit_crunch_index(2 * B, 0.0, 40 * B, 0.15) == pytest.approx(2 / 6)
    assert credit_crunch_index(2 * B, 0.0, 217 * B, 0.15) == pytest.approx(2 / 32.55)
    model = BubbleModel(rng=0)
    phi = model.config.credit.credit_crunch_volume_floor_share
    assert phi == 0.15
    seen = []
    desk = model.world.desk
    original = desk.close_week
    desk.close_week = lambda outstanding_usd: (
        seen.append(outstanding_usd),
        original(outstanding_usd),
    )
    model.step()
    assert seen == [pytest.approx(model.world.book.loans.leveraged_outstanding_usd())]
