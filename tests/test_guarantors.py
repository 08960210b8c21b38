"""Guarantors with balance sheets: a backstop pays only what its guarantor's cash allows."""

import pytest

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import KIND_CODE, ContractKind
from bubblesim.agents.base import Health
from bubblesim.model import BubbleModel
from bubblesim.population.spec import ProviderSpec
from tests.economies import ALL_OFF, B, M, chain_economy, chain_model


def _guaranteed_chain(guarantor_cash_usd: float):
    """The chain economy with its hall lease backstopped by a thin big-tech guarantor.

    The neocloud's 100 MW lease at $1.8M/MW-year costs $3.46M a week; the guarantor has
    ``guarantor_cash_usd``, no other income and no business of its own.
    """
    spec = chain_economy(lab_cash_usd=5 * B)
    spec.providers.append(
        ProviderSpec("Guarantor", guarantor_cash_usd, big_tech=True, gpu_mw=0, own_space_mw=0)
    )
    hosting = spec.contracts[1]
    assert hosting.kind is ContractKind.HOSTING
    spec.contracts[1] = type(hosting)(
        hosting.kind,
        hosting.seller,
        hosting.buyer,
        hosting.mw,
        hosting.price_usd_per_mw_year,
        hosting.start_week,
        hosting.term_weeks,
        guarantor="Guarantor",
        backstop_usd=1.0 * B,
    )
    return spec


def test_a_backstop_payout_is_capped_by_its_guarantors_cash():
    """$5M of cash against $3.46M a week of rent: one full week, then $1.54M and default.

    The backstop covers $1B, but the guarantor can pay only the $5M it has: the miner receives
    no more than that from it, and the guarantor itself defaults (wrong-way risk: the
    backstop is only as good as the balance sheet behind it). It has no committed line here;
    with one, the next test's well-funded case applies until the line is drawn.
    """
    weekly = 100 * 1.8 * M / 52
    no_line = {**ALL_OFF, "channel_counterparty": True, "big_tech_revolver_usd": 0.0}
    model = chain_model(_guaranteed_chain(5.0 * M), **no_line)
    model.step()
    guarantor = model.firms["Guarantor"]
    model.impose_default(model.firms["Neocloud"])
    called = [e for e in model.events.events if e.kind is EventKind.BACKSTOP_CALLED]
    cash_before = model.world.ledger.cash_usd[guarantor.row]
    assert len(called) == 1
    assert called[0].amount_usd == pytest.approx(1.0 * B)
    assert cash_before == pytest.approx(5.0 * M)
    for _ in range(4):
        model.step()
    assert guarantor.health is Health.DEFAULTED
    paid = cash_before - max(0.0, model.world.ledger.cash_usd[guarantor.row])
    assert paid <= 5.0 * M + 1.0
    assert paid >= weekly  # it paid at least the first full week
    assert paid < 2 * weekly  # ... and not the second: its cash ran out


def test_a_well_funded_guarantor_pays_the_rent_in_full():
    model = chain_model(_guaranteed_chain(1.0 * B), **{**ALL_OFF, "channel_counterparty": True})
    model.step()
    guarantor = model.firms["Guarantor"]
    model.impose_default(model.firms["Neocloud"])
    for _ in range(4):
        model.step()
    assert guarantor.health is not Health.DEFAULTED
    c = model.world.book.contracts
    hosting = next(j for j in range(len(c.kind)) if c.kind[j] == KIND_CODE[ContractKind.HOSTING])
    assert c.backstop_active[hosting]
    drawn = 1.0 * B - c.backstop_remaining_usd[hosting]
    assert drawn == pytest.approx(4 * 100 * 1.8 * M / 52, rel=0.3)  # about four weeks of rent


def test_a_committed_line_lets_a_cash_poor_guarantor_keep_paying():
    """The same $5M guarantor with a $2B committed line draws it and keeps paying.

    It is still standing after four weeks of rent that its cash alone would not cover.
    """
    weekly = 100 * 1.8 * M / 52
    assert 4 * weekly > 5.0 * M
    model = chain_model(
        _guaranteed_chain(5.0 * M),
        **{**ALL_OFF, "channel_counterparty": True, "big_tech_revolver_usd": 2.0 * B},
    )
    model.step()
    guarantor = model.firms["Guarantor"]
    model.impose_default(model.firms["Neocloud"])
    for _ in range(4):
        model.step()
    assert guarantor.health is not Health.DEFAULTED
    assert model.world.desk.drawn_committed_usd(guarantor.row) > 0


def _hyperscaler_defaults(scenario: str, weeks: int, **overrides) -> dict[str, str]:
    model = BubbleModel(scenario=scenario, rng=0, **overrides)
    for _ in range(weeks):
        model.step()
    return {
        e.agent_name: str(e.cause)
        for e in model.events.events
        if e.kind is EventKind.DEFAULT and e.agent_name in ("Microsoft", "Google", "AWS", "Oracle")
    }


def test_a_debt_laden_hyperscaler_fails_at_the_refinancing_wall_of_a_slowdown():
    """The hyperscalers can fail, and the slowdown decides when.

    At 5x their calibrated debt ($120B each) with no outside income, the deepest slowdown leaves
    Google unable to refinance the half due in 2031 (week 260); without the slowdown it still
    stands then; at the calibrated debt and income none fails.
    """
    stress = {"population_big_tech_leverage_scale": 5.0, "big_tech_income_scale": 0.0}
    slowdown = _hyperscaler_defaults("demand-slowdown", 261, demand_slowdown_depth=1.5, **stress)
    assert slowdown.get("Google") == "refinancing_failure"
    assert "Google" not in _hyperscaler_defaults(
        "demand-slowdown", 261, demand_slowdown_depth=0.0, **stress
    )
    assert _hyperscaler_defaults("demand-slowdown", 261, demand_slowdown_depth=1.5) == {}
