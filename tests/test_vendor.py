"""The GPU vendor (Nvidia-like), the fifth agent type: margins on GPUs sold, backstops."""

import pytest

from bubblesim.accounts.events import EventKind
from bubblesim.agents.base import AgentType, Health
from bubblesim.agents.vendor import vendor_margin_usd
from bubblesim.model import BubbleModel
from bubblesim.population.spec import VendorSpec
from tests.economies import B, chain_economy, chain_model


def test_the_vendors_margin_by_hand():
    """$35M of a $50M-per-MW system is the vendor's (§2), at a 70% margin: $24.5M a MW."""
    assert vendor_margin_usd(50e6, 0.7, 0.7) == pytest.approx(24.5e6)


def test_a_gpu_purchase_pays_the_vendor_its_margin_and_nothing_more():
    spec = chain_economy(lab_cash_usd=5 * B)
    spec.vendors.append(VendorSpec("Vendor", 1.0 * B, hardware_share=0.7, gross_margin=0.5))
    model = chain_model(spec)
    vendor = model.firms["Vendor"]
    assert vendor.kind is AgentType.VENDOR
    buyer = model.firms["Neocloud"]
    hardware = model.world.hardware
    model.world.ledger.transfer(None, buyer.row, 2 * B, _equity_raised())
    before = model.world.ledger.cash_usd[vendor.row]
    cost = hardware.buy_gpus(buyer.row, 10.0)
    assert cost == pytest.approx(10.0 * hardware.list_price_usd_per_mw)
    gained = model.world.ledger.cash_usd[vendor.row] - before
    assert gained == pytest.approx(0.7 * 0.5 * cost)
    assert vendor.sales_usd == pytest.approx(cost)


def _equity_raised():
    from bubblesim.accounts.ledger import Flow

    return Flow.EQUITY_RAISED


def test_the_default_economy_has_nvidia_backstopping_coreweaves_openai_capacity():
    model = BubbleModel(rng=0)
    nvidia = model.firms["Nvidia"]
    c = model.world.book.contracts
    backed = [k for k in range(len(c.kind)) if c.guarantor[k] == nvidia.row]
    assert len(backed) == 1
    assert c.backstop_remaining_usd[backed[0]] == pytest.approx(6.3 * B)
    model.impose_default(model.firms["OpenAI"])
    called = [e for e in model.events.events if e.kind is EventKind.BACKSTOP_CALLED]
    assert [e.agent_name for e in called] == ["Nvidia"]


def test_a_vendor_without_sales_or_cash_can_fail():
    """A vendor with $1B and $52B a year of fixed costs, in an economy buying no GPUs."""
    spec = chain_economy(lab_cash_usd=5 * B)
    spec.vendors.append(VendorSpec("Vendor", 1.0 * B, 0.7, 0.5, operating_cost_usd_per_year=52 * B))
    model = chain_model(spec)
    for _ in range(3):
        model.step()
    assert model.firms["Vendor"].health is Health.DEFAULTED


def test_nvidia_survives_the_baseline_and_its_backstop_is_drawn_in_the_slowdown():
    model = BubbleModel(scenario="demand-slowdown", rng=0)
    for _ in range(160):
        model.step()
    calls = [
        e
        for e in model.events.events
        if e.kind is EventKind.BACKSTOP_CALLED and e.agent_name == "Nvidia"
    ]
    assert calls, "OpenAI's default should call Nvidia's CoreWeave backstop"
    assert model.firms["Nvidia"].health is not Health.DEFAULTED
