"""Vendor financing, hyperscalers' revolving lines and labs' forward commitments.

All three are on by default; each parameter at 0 switches its mechanism off.
"""

import pytest

from bubblesim.accounts.ledger import Flow
from bubblesim.agents.vendor import VENDOR_NOTE, finance_gpu_sale, lending_vendor
from bubblesim.markets.credit import REVOLVER
from bubblesim.model import BubbleModel
from bubblesim.phases import close
from bubblesim.phases.contract import _self_build, _weekly_obligations, draw_revolving_line
from tests.economies import B

ON = {
    "vendor_financing_limit_usd": 25 * B,
    "big_tech_revolver_usd": 2 * B,
    "forward_commitment_scale": 1.0,
}
OFF = dict.fromkeys(ON, 0.0)
HEALTHY, DISTRESSED = 0, 1


def _notes(world, label):
    loans = world.book.loans
    rows = loans.active()
    return rows[loans.labelled(rows, label)]


def test_on_by_default_at_the_calibrated_values():
    g = BubbleModel(rng=0).config.guarantors
    assert (g.vendor_financing_limit_usd, g.big_tech_revolver_usd) == (25 * B, 2 * B)
    assert g.forward_commitment_scale == 1.0


def test_switched_off_nothing_of_them_exists():
    model = BubbleModel(rng=0, **OFF)
    for _ in range(60):
        model.step()
    world = model.world
    assert lending_vendor(world)[1] == 0.0
    assert _notes(world, VENDOR_NOTE).size == 0
    assert _notes(world, REVOLVER).size == 0
    c = world.book.contracts
    oracle, openai = model.firms["Oracle"].row, model.firms["OpenAI"].row
    live = c.live()
    assert not (
        (c.seller[live] == oracle) & (c.buyer[live] == openai) & (c.start_week[live] == 52)
    ).any()


def test_vendor_room_and_a_vendor_note_by_hand():
    """Nvidia: $60B cash, $10B/yr fixed costs, L* = 1 → room = min($25B − 0, $60B − $10B) = $25B."""
    model = BubbleModel(rng=0, **ON)
    world = model.world
    nvidia, coreweave = model.firms["Nvidia"], model.firms["CoreWeave"]
    row, room = lending_vendor(world)
    assert row == nvidia.row
    assert room == pytest.approx(25 * B)
    cash_v, cash_b = float(nvidia.cash_usd), float(coreweave.cash_usd)
    assert finance_gpu_sale(world, coreweave.row, 5 * B) == pytest.approx(5 * B)
    assert float(nvidia.cash_usd) == pytest.approx(cash_v - 5 * B)
    assert float(coreweave.cash_usd) == pytest.approx(cash_b + 5 * B)
    assert nvidia.loans_receivable_usd() == pytest.approx(5 * B)
    assert lending_vendor(world)[1] == pytest.approx(20 * B)
    assert finance_gpu_sale(world, coreweave.row, 21 * B) == 0.0  # beyond its room: nothing
    gap = nvidia.assets_usd() - nvidia.liabilities_usd() - nvidia.equity_usd
    assert abs(gap) < 1.0


def test_a_vendor_note_lost_is_the_vendors_loss_not_a_lenders():
    """CoreWeave borrows $5B from Nvidia and fails with nothing left: Nvidia loses the $5B."""
    model = BubbleModel(rng=0, **ON)
    world = model.world
    nvidia, coreweave = model.firms["Nvidia"], model.firms["CoreWeave"]
    finance_gpu_sale(world, coreweave.row, 5 * B)
    # it has lost everything: its GPUs sold, its cash gone outside; nothing is left to recover
    world.hardware.sell_gpus(coreweave.row, float(world.agents.table.gpu_mw[coreweave.row]))
    world.ledger.transfer(coreweave.row, None, float(coreweave.cash_usd), Flow.OUTSIDE_LOSS)
    model.impose_default(coreweave)
    model.step()
    loans = world.book.loans
    note = next(r for r in range(loans.n) if loans.label(r) == VENDOR_NOTE)
    lost = float(loans.written_off_usd[note])
    assert lost == pytest.approx(5 * B)
    assert nvidia.loans_receivable_usd() == 0.0
    written = [
        e
        for e in world.events.events
        if e.kind.value == "loan_defaulted" and e.detail == f"{VENDOR_NOTE} written off"
    ]
    assert [e.agent_name for e in written] == ["Nvidia"]
    assert written[0].amount_usd == pytest.approx(lost)


def test_a_revolver_draw_is_capped_by_the_commitment_and_repaid_from_spare_cash():
    model = BubbleModel(rng=0, **ON)
    world = model.world
    oracle = model.firms["Oracle"]
    bank = model.firms["Bank syndicate"]
    cash = float(oracle.cash_usd)
    assert draw_revolving_line(world, oracle.row, 1.5 * B) == pytest.approx(1.5 * B)
    assert draw_revolving_line(world, oracle.row, 1.5 * B) == pytest.approx(0.5 * B)  # $2B line
    assert draw_revolving_line(world, oracle.row, 1.0 * B) == 0.0
    assert float(oracle.cash_usd) == pytest.approx(cash + 2 * B)
    drawn = _notes(world, REVOLVER)
    assert set(world.book.loans.lender[drawn].tolist()) == {bank.row}
    assert world.book.loans.principal_usd[drawn].sum() == pytest.approx(2 * B)


def test_oracle_equips_its_forward_commitment_and_delivers_only_what_it_holds():
    """OpenAI's 1,300 MW from week 52: Oracle buys GPUs in the quarter before it starts."""
    model = BubbleModel(rng=0, **ON)
    world = model.world
    oracle, openai = model.firms["Oracle"], model.firms["OpenAI"]
    c, table = world.book.contracts, world.agents.table
    live = c.live()
    forward = live[
        (c.seller[live] == oracle.row) & (c.buyer[live] == openai.row) & (c.start_week[live] == 52)
    ]
    assert forward.size == 1
    k = int(forward[0])
    for _ in range(38):
        model.step()
    before = float(table.gpu_mw[oracle.row])
    for _ in range(53 - 38):
        model.step()
        gap = oracle.assets_usd() - oracle.liabilities_usd() - oracle.equity_usd
        assert abs(gap) < 1.0
    assert float(table.gpu_mw[oracle.row]) > before  # it bought GPUs for the commitment
    totals = c.totals(world.n_agents)
    own = float(table.gpu_mw[oracle.row] * table.gpu_efficiency[oracle.row])
    assert float(c.mw[k]) <= 1300.0
    # nothing is sold that Oracle neither holds nor rents
    assert (
        totals.cloud_sold_cu[oracle.row] <= own + totals.cloud_bought_active_cu[oracle.row] + 1e-6
    )


def _leave_cash(world, row, weeks):
    """Spend a firm's cash down to ``weeks`` of its weekly obligations; returns one week's."""
    weekly = float(_weekly_obligations(world)[row])
    world.ledger.transfer(
        row, None, float(world.ledger.cash_usd[row]) - weeks * weekly, Flow.OUTSIDE_LOSS
    )
    return weekly


@pytest.mark.parametrize(("line_usd", "health"), [(2 * B, HEALTHY), (0.0, DISTRESSED)])
def test_an_undrawn_committed_line_counts_as_liquidity(line_usd, health):
    """Oracle keeps one week of obligations in cash: distressed (below four weeks).

    Unless its $2B undrawn line brings its liquidity above four weeks.
    """
    model = BubbleModel(rng=0, big_tech_revolver_usd=line_usd)
    world, oracle = model.world, model.firms["Oracle"]
    weekly = _leave_cash(world, oracle.row, 1)
    assert 0 < 4 * weekly < weekly + 2 * B  # the hand check: 1 week + $2B ≥ 4 weeks
    close.run(world)
    assert int(world.agents.table.health[oracle.row]) == health
    assert world.desk.undrawn_committed_usd()[oracle.row] == pytest.approx(line_usd)


def test_a_drawn_line_is_no_longer_liquidity():
    model = BubbleModel(rng=0)
    world, oracle = model.world, model.firms["Oracle"]
    draw_revolving_line(world, oracle.row, 2 * B)
    _leave_cash(world, oracle.row, 1)
    assert world.desk.undrawn_committed_usd()[oracle.row] == 0.0
    close.run(world)
    assert int(world.agents.table.health[oracle.row]) == DISTRESSED


def test_big_tech_builds_only_with_the_cash_beyond_its_liquidity_buffer():
    """Cash = 13 weeks of obligations + $1B: it builds $1B of halls, not the whole cash."""
    model = BubbleModel(rng=0)
    world, oracle = model.world, model.firms["Oracle"]
    buffer_weeks = world.config.credit.credit_liquidity_buffer_weeks
    weekly = _leave_cash(world, oracle.row, buffer_weeks)
    world.ledger.transfer(None, oracle.row, 1 * B, Flow.EQUITY_RAISED)
    cost_per_mw = world.config.markets.market_colo_build_cost_usd_per_mw
    providers = world.agents.providers
    index = int(list(providers.row).index(oracle.row))
    building = providers.building_mw(index)
    _self_build(world, index, 10_000.0)  # asks for far more than it can pay
    assert float(oracle.cash_usd) == pytest.approx(buffer_weeks * weekly, rel=1e-9)
    assert providers.building_mw(index) - building == pytest.approx(1 * B / cost_per_mw)


def test_the_bank_holds_capital_against_its_undrawn_commitments():
    """Four hyperscalers × $2B undrawn at a 40% CCF: $3.2B on the bank's book.

    $2.4B once Oracle has drawn its line; nothing without lines.
    """
    model = BubbleModel(rng=0)
    world = model.world
    bank = model.firms["Bank syndicate"].row
    exposure = world.desk.commitment_exposure_usd()
    assert exposure[bank] == pytest.approx(0.4 * 4 * 2 * B)
    assert exposure.sum() == pytest.approx(exposure[bank])
    draw_revolving_line(world, model.firms["Oracle"].row, 2 * B)
    assert world.desk.commitment_exposure_usd()[bank] == pytest.approx(0.4 * 3 * 2 * B)
    assert BubbleModel(rng=0, **OFF).world.desk.commitment_exposure_usd().sum() == 0.0
