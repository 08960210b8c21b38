"""The economy's invariants and behaviour.

Stock-flow consistency, balance sheets, limited liability, determinism, channel switches and a
traced cascade.
"""

import math

import numpy as np
import pandas as pd
import pytest

from bubblesim.accounts.events import Cause, EventKind
from bubblesim.accounts.instruments import Status
from bubblesim.accounts.ledger import Flow, Ledger, LedgerError
from bubblesim.agents import Health
from bubblesim.model import BubbleModel
from bubblesim.scenarios import list_scenarios
from tests.economies import ALL_OFF, B, chain_economy, chain_model

SCENARIOS = [s.name for s in list_scenarios()]


def run_checked(model: BubbleModel, weeks: int) -> None:
    """Step the model, asserting stock-flow consistency and balanced books every week."""
    for _ in range(weeks):
        before = sum(f.cash_usd for f in model.firms.values())
        model.step()
        after = sum(f.cash_usd for f in model.firms.values())
        flows = model.ledger.net_external_usd()
        scale = max(1.0, abs(before))
        assert after - before == pytest.approx(flows, abs=1e-9 * scale + 1.0), model.week
        for firm in model.firms.values():
            gap = firm.assets_usd() - firm.liabilities_usd() - firm.equity_usd
            assert abs(gap) <= 1e-9 * max(1.0, firm.assets_usd()) + 1.0, (model.week, firm.name)
            assert firm.cash_usd >= -1.0, (model.week, firm.name, firm.cash_usd)
            assert firm.gpu_mw >= 0
            assert getattr(firm, "asic_th", 0.0) >= 0


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_stock_flow_consistency_and_balanced_books_in_every_scenario(scenario):
    run_checked(BubbleModel(scenario=scenario, rng=11), 260)


def test_stock_flow_consistency_in_a_synthetic_economy_with_every_channel_on():
    model = BubbleModel(
        rng=3,
        population_kind="synthetic",
        population_n_agents=60,
        demand_slowdown_depth=1.2,
        demand_slowdown_start_week=10,
        btc_path="crash",
        btc_crash_start_week=5,
    )
    run_checked(model, 156)
    assert model.events.defaults(), "the stressed synthetic economy should see defaults"


def test_external_flows_are_recorded_by_kind():
    ledger = Ledger()
    a = ledger.open_account(10.0)
    ledger.open_equity(a, 10.0)
    ledger.transfer(None, a, 5.0, Flow.MINING_INCOME)
    ledger.transfer(a, None, 3.0, Flow.POWER_BILL)
    ledger.transfer(a, None, 2.0, Flow.HARDWARE_PURCHASE)
    assert ledger.cash_usd[a] == 10.0
    assert ledger.equity_usd[a] == 12.0  # income and expense move equity; a purchase does not
    assert ledger.external[Flow.MINING_INCOME] == 5.0
    assert ledger.external[Flow.POWER_BILL] == -3.0
    assert ledger.net_external_usd() == 0.0


def test_limited_liability_nobody_pays_more_than_it_has():
    ledger = Ledger(name_of=lambda row: "poor")
    poor, rich = ledger.open_account(100.0), ledger.open_account(1_000.0)
    with pytest.raises(LedgerError, match="poor cannot pay"):
        ledger.transfer(poor, None, 1_000.0, Flow.POWER_BILL)
    with pytest.raises(LedgerError, match=">= 0"):
        ledger.transfer(poor, None, -1.0, Flow.POWER_BILL)
    # a settlement round may not leave anyone short either, and then moves nothing
    payments = (np.array([0]), np.array([1]), np.array([500.0]), np.array([True]))
    with pytest.raises(LedgerError, match="short"):
        ledger.settle(np.array([poor, rich]), *payments, np.zeros((2, 6)))
    assert ledger.cash_usd.tolist() == [100.0, 1_000.0]


def test_same_seed_same_output_and_different_seeds_differ():
    def run(seed):
        model = BubbleModel(scenario="2022-redux", rng=seed)
        for _ in range(156):
            model.step()
        return model.series(), model.event_frame()

    s1, e1 = run(5)
    s2, e2 = run(5)
    pd.testing.assert_frame_equal(s1, s2)
    pd.testing.assert_frame_equal(e1, e2)
    s3, _ = run(6)
    assert not np.allclose(s1["btc_price_usd"], s3["btc_price_usd"])


# -- a traced cascade ------------------------------------------------------------------------------
SLOWDOWN = {
    "demand_growth_per_year": 0.5,
    "demand_slowdown_start_week": 2,
    "demand_slowdown_depth": 1.5,
    "demand_slowdown_speed_weeks": 4,
}


def test_demand_slowdown_cascades_from_lab_to_neocloud_to_miner_and_its_lender():
    model = chain_model(chain_economy(lab_cash_usd=0.15 * B), **SLOWDOWN)
    run_checked(model, 220)
    defaults = {e.agent_name: e for e in model.events.defaults()[:3]}
    assert list(defaults) == ["Lab", "Neocloud", "Miner"]
    lab, neo, miner = defaults["Lab"], defaults["Neocloud"], defaults["Miner"]
    assert lab.week < neo.week < miner.week
    assert lab.cause == Cause.ILLIQUIDITY
    assert neo.cause == Cause.COUNTERPARTY
    assert miner.cause == Cause.COUNTERPARTY
    # each default traces back through the one before it to the demand shock
    assert lab.id in {e.id for e in model.events.chain(neo.id)}
    assert neo.id in {e.id for e in model.events.chain(miner.id)}
    origin = model.events.chain(miner.id)[-1]
    assert origin.kind is EventKind.SHOCK
    assert "slowdown" in origin.detail
    lender = model.firms["Lender"]
    assert lender.losses_usd > 0
    write_offs = [e for e in model.events.events if e.kind is EventKind.LOAN_DEFAULTED]
    assert any(e.agent_name == "Lender" and e.trigger == miner.id for e in write_offs)


def test_seized_collateral_goes_to_the_secured_creditor_first():
    """The rig lender is paid from the ASIC sale before the note holder shares in the rest.

    A miner owes a rig loan (secured on ASICs) and an unsecured note.
    """
    from bubblesim.accounts.instruments import Collateral
    from bubblesim.population.spec import EconomySpec, LenderSpec, LoanSpec, MinerSpec

    spec = EconomySpec(
        miners=[MinerSpec("Miner", cash_usd=0.0, power_mw=100)],
        lenders=[LenderSpec("Rig lender", 0.2), LenderSpec("Noteholder", 0.5)],
        loans=[
            LoanSpec("Rig lender", "Miner", 10e6, 0.05, True, 100, Collateral.ASIC, 0.85, "rig"),
            LoanSpec("Noteholder", "Miner", 500e6, 0.05, False, 300, instrument="notes"),
        ],
    )
    model = BubbleModel(rng=0, economy=spec, channel_fire_sale=False, btc_volatility_per_year=0.0)
    miner = model.firms["Miner"]
    asic_value = float(model.world.hardware.asic_value(miner.row))
    assert asic_value > 10e6  # the rig loan is fully covered by its collateral
    model.impose_default(miner)
    rig = next(x for x in model.book.all_loans() if x.instrument == "rig")
    notes = next(x for x in model.book.all_loans() if x.instrument == "notes")
    assert rig.written_off_usd == pytest.approx(0.0, abs=1.0)
    assert notes.written_off_usd == pytest.approx(500e6 - (asic_value - 10e6), rel=1e-9)
    assert rig.status is Status.DEFAULTED
    assert miner.health is Health.DEFAULTED
    seizures = [e for e in model.events.events if e.kind is EventKind.SEIZURE]
    assert [(e.agent_name, e.counterparty) for e in seizures] == [("Rig lender", miner.unique_id)]
    assert seizures[0].amount_usd == pytest.approx(asic_value)


# -- channel switches ------------------------------------------------------------------------------
def _impose_lab_default(weeks: int = 80, **overrides) -> BubbleModel:
    model = chain_model(chain_economy(lab_cash_usd=5 * B), **overrides)
    model.step()
    model.impose_default(model.firms["Lab"])
    for _ in range(weeks):
        model.step()
    return model


def test_with_every_channel_off_an_initial_default_does_not_propagate():
    model = _impose_lab_default(**ALL_OFF)
    assert [e.agent_name for e in model.events.defaults()] == ["Lab"]
    assert model.firms["Lender"].losses_usd == 0
    backstop = [e for e in model.events.events if e.kind is EventKind.CONTRACT_TERMINATED]
    assert backstop == []


def test_counterparty_channel_alone_passes_the_default_on():
    model = _impose_lab_default(**{**ALL_OFF, "channel_counterparty": True})
    names = [e.agent_name for e in model.events.defaults()]
    assert names[:2] == ["Lab", "Neocloud"]
    assert model.events.defaults()[1].cause == Cause.COUNTERPARTY


def test_settlement_channel_adds_default_costs():
    """Rogers–Veraart costs make the lender's losses larger.

    With the settlement channel on, a defaulter's creditors recover less (halls fetch alpha of
    book).
    """
    on = _impose_lab_default(
        **{**ALL_OFF, "channel_counterparty": True, "channel_settlement": True}
    )
    off = _impose_lab_default(**{**ALL_OFF, "channel_counterparty": True})
    assert on.firms["Lender"].losses_usd > off.firms["Lender"].losses_usd


def test_fire_sale_channel_moves_prices_and_triggers_margin_calls():
    spec = chain_economy(second_neocloud=True)

    def run(on: bool) -> BubbleModel:
        model = chain_model(
            spec, **{**ALL_OFF, "channel_fire_sale": on, "market_gpu_depth_usd": 2e9}
        )
        model.step()
        model.impose_default(model.firms["Neocloud"])
        return model

    on, off = run(True), run(False)
    assert on.world.hardware.gpu_resale_index < 1.0
    assert off.world.hardware.gpu_resale_index == 1.0
    calls_on = [e for e in on.events.events if e.kind is EventKind.MARGIN_CALL]
    calls_off = [e for e in off.events.events if e.kind is EventKind.MARGIN_CALL]
    assert any(e.agent_name == "Neocloud B" for e in calls_on)
    assert not any(e.agent_name == "Neocloud B" for e in calls_off)


def test_funding_channel_tightens_credit_after_losses():
    """With the funding channel on, a lender that loses most of its capital tightens.

    The miner's default costs the lender ≈$350M of its ≈$405M capital (its hall fetches 85% of
    book against a $1.2B loan).
    """

    def run(on: bool) -> BubbleModel:
        model = chain_model(
            chain_economy(lab_cash_usd=5 * B),
            **{
                **ALL_OFF,
                "channel_counterparty": True,
                "channel_settlement": True,
                "settlement_alpha": 0.85,
                "channel_funding": on,
            },
        )
        model.step()
        model.impose_default(model.firms["Miner"])
        for _ in range(3):
            model.step()
        return model

    on, off = run(True), run(False)
    assert not on.firms["Lender"].defaulted
    assert on.firms["Lender"].losses_usd == pytest.approx(off.firms["Lender"].losses_usd)
    assert on.firms["Lender"].policy.stress > 0
    assert off.firms["Lender"].policy.stress == 0
    assert on.firms["Lender"].policy.capacity_usd < off.firms["Lender"].policy.capacity_usd


def test_sentiment_channel_closes_the_equity_window():
    def run(on: bool) -> BubbleModel:
        model = chain_model(
            chain_economy(lab_cash_usd=0.15 * B), **{**SLOWDOWN, **ALL_OFF, "channel_sentiment": on}
        )
        for _ in range(100):
            model.step()
        return model

    on, off = run(True), run(False)
    assert "Lab" in [e.agent_name for e in on.events.defaults()]
    assert "Lab" not in [e.agent_name for e in off.events.defaults()]
    assert any(e.kind is EventKind.EQUITY_RAISED for e in off.events.events)


# -- outputs ---------------------------------------------------------------------------------------
def test_credit_network_has_agents_and_exposures():
    model = BubbleModel(rng=0)
    g = model.credit_network()
    assert g.number_of_nodes() == len(model.firms)
    lender = model.firms["High-yield bondholders"].unique_id
    terawulf = model.firms["TeraWulf"].unique_id
    assert g.edges[lender, terawulf]["amount_usd"] == pytest.approx(3.2e9)
    assert g.nodes[terawulf]["kind"] == "miner"
    total_loans = sum(x.principal_usd for x in model.book.active_loans())
    loan_edges = sum(
        v
        for _, _, d in g.edges(data=True)
        for k, v in d["instruments"].items()
        if k not in ("hosting", "gpu_cloud", "backstop")
    )
    assert loan_edges == pytest.approx(total_loans)


def test_series_and_verdict_after_a_run():
    model = BubbleModel(rng=0)
    for _ in range(10):
        model.step()
    series = model.series()
    assert list(series.index) == list(range(11))
    assert (series["btc_price_usd"] > 0).all()
    verdict = model.verdict()
    assert verdict.cascade in (True, False)
    assert math.isnan(verdict.first_default_week) == (verdict.n_defaults == 0)


def test_a_default_is_traced_to_a_shock_its_agent_is_exposed_to():
    model = BubbleModel(rng=0)
    agents, events = model.world.agents, model.world.events
    bitcoin = events.record_shock("bitcoin", "crash")
    assert agents.latest_shock_of(model.firms["OpenAI"].row) == -1  # labs: demand only
    demand = events.record_shock("demand", "slowdown")
    chips = events.record_shock("chips", "new generation")
    assert agents.latest_shock_of(model.firms["Riot"].row) == bitcoin  # no GPUs: not chips
    assert agents.latest_shock_of(model.firms["IREN"].row) == chips  # owns GPUs
    assert agents.latest_shock_of(model.firms["OpenAI"].row) == demand
