"""One power constraint per mining site: ASICs, AI halls (built and being built), own GPUs."""

import pytest

from bubblesim.agents.miner import mining_mw, site_power_use_mw
from bubblesim.config import ConfigError
from bubblesim.model import BubbleModel
from bubblesim.scenarios import list_scenarios
from tests.test_economy import assert_site_power_respected


def _site(model: BubbleModel, name: str) -> tuple[float, float, float, float]:
    miner = model.firms[name]
    pue = model.config.markets.market_pue
    asic = float(mining_mw(miner.asic_th, miner.efficiency_j_per_th))
    return asic, miner.hall_gross_mw, miner.gpu_mw * pue, miner.power_mw


def test_iren_opens_with_its_gpus_inside_its_site():
    """IREN's 1,000 MW carries 200 MW-IT of its own GPUs (250 MW gross): 750 MW of ASICs."""
    model = BubbleModel(rng=0)
    asic, halls, gpus, power = _site(model, "IREN")
    assert (halls, gpus, power) == (0.0, 250.0, 1000.0)
    assert asic == pytest.approx(750.0)
    assert site_power_use_mw(asic, halls, gpus / 1.25, 1.25) == pytest.approx(power)


def test_iren_site_stays_within_its_power_for_two_years():
    model = BubbleModel(rng=0)
    for _ in range(105):
        model.step()
        assert_site_power_respected(model)
    asic, halls, gpus, power = _site(model, "IREN")
    assert asic + halls + gpus <= power + 1e-6


def test_a_committed_hall_takes_its_power_off_the_asics_at_once():
    """A lease signed on a mining site retires the ASICs on the hall's gross power."""
    model = BubbleModel(rng=0)
    miners = model.world.agents.miners
    before = {m.name: _site(model, m.name) for m in model.miners}
    for _ in range(30):
        model.step()
        assert_site_power_respected(model)
    grew = [m.name for m in model.miners if m.hall_gross_mw > before[m.name][1] + 1.0]
    assert grew, "some miner should sign a new lease in the first 30 weeks"
    for name in grew:
        asic, halls, gpus, power = _site(model, name)
        assert asic == pytest.approx(power - halls - gpus, abs=1e-6) or asic < before[name][0]
    assert miners is model.world.agents.miners


@pytest.mark.parametrize("scenario", [s.name for s in list_scenarios()])
def test_every_site_stays_within_its_power_every_week_of_every_scenario(scenario):
    """ASICs + halls (built and being built) + own GPUs ≤ site power, all 520 weeks (2022: 104)."""
    model = BubbleModel(scenario=scenario, rng=0)
    weeks = 104 if scenario == "2022-redux" else 520
    for _ in range(weeks):
        model.step()
        assert_site_power_respected(model)
    assert model.week == weeks


def test_a_pue_that_does_not_fit_the_opening_halls_is_refused_with_the_site_named():
    """TeraWulf's opening halls fit its 900 MW at the calibrated PUE 1.25, not at 1.8 (950 MW)."""
    with pytest.raises(ConfigError, match=r"TeraWulf.*950 MW on its 900 MW site"):
        BubbleModel(rng=0, market_pue=1.8)
    BubbleModel(rng=0, market_pue=1.25)
