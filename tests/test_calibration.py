"""The 2022 calibration check, its economy, and the calibration document."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from bubblesim.accounts.instruments import Collateral
from bubblesim.config import parameters
from bubblesim.model import BubbleModel
from bubblesim.population import POPULATIONS
from bubblesim.population.miners_2022 import miners_2022_economy
from experiments.calibration_2022 import TARGETS, Target, compare, run_one, run_seeds

ROOT = Path(__file__).resolve().parent.parent
CI_SEEDS = 12


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    return run_seeds(range(CI_SEEDS), workers=1, progress=False)


def test_simulated_2022_ranges_overlap_the_targets_within_tolerance(runs):
    table = compare(runs)
    assert list(table["metric"]) == [t.metric for t in TARGETS]
    failed = table[~table["passes"]]
    assert failed.empty, failed[["metric", "sim_p10", "sim_p90", "target_low", "target_high"]]


def test_every_2022_run_has_its_lender_failures_and_dated_distress(runs):
    assert (runs["lenders_failed"] >= 1).all()  # the Terra/3AC loss breaks the Celsius-like
    assert (runs["lender_distress_week"] <= 23).all()  # at the latest on the §5 date


def test_a_2022_run_is_deterministic_per_seed():
    a, b = run_one(5, steps=60), run_one(5, steps=60)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key] or (math.isnan(a[key]) and math.isnan(b[key])), key


def test_compare_uses_the_overlap_of_the_10_90_range_with_the_widened_target():
    target = Target("x", 0.5, 0.7, 0.1, "share", "hand")
    assert target.band() == pytest.approx((0.4, 0.8))
    inside = pd.DataFrame({"x": [0.0] * 5 + [0.45] * 5})  # p90 = 0.45 reaches the band
    outside = pd.DataFrame({"x": [0.0] * 9 + [0.9]})  # p90 = 0.09 < 0.4
    nothing = pd.DataFrame({"x": [math.nan] * 3})
    assert bool(compare(inside, [target])["passes"].iloc[0])
    assert not bool(compare(outside, [target])["passes"].iloc[0])
    row = compare(nothing, [target]).iloc[0]
    assert not row["passes"]
    assert row["n_defined"] == 0


def test_the_2022_economy_matches_its_sources():
    spec = miners_2022_economy()
    assert "miners-2022" in POPULATIONS
    assert len(spec.miners) == 25
    assert not spec.providers
    assert not spec.contracts
    rig = [x for x in spec.loans if x.collateral is Collateral.ASIC]
    total = sum(x.principal_usd for x in rig)
    assert 3.0e9 <= total <= 4.0e9  # calib. §5: "up to ≈$4B"
    by_borrower = {x.borrower: x.principal_usd for x in rig}
    assert by_borrower["Iris-like"] == pytest.approx(107.8e6)  # calib. §5
    assert by_borrower["Stronghold-like"] == pytest.approx(67.4e6)
    assert by_borrower["Greenidge-like"] == pytest.approx(74.4e6)
    lenders = {x.lender for x in rig}
    assert {"NYDIG-like", "Celsius-like", "BlockFi-like", "Galaxy-like", "Foundry-like"} == lenders


def test_the_2022_economy_runs_without_labs_or_providers():
    spec = miners_2022_economy()
    spec.labs = []
    spec.loans = [x for x in spec.loans if x.borrower in {m.name for m in spec.miners}]
    model = BubbleModel(scenario="2022-redux", rng=2, economy=spec)
    for _ in range(30):
        model.step()
    assert not model.labs
    assert not model.providers
    assert model.week == 30
    assert len(model.series()) == 31


def test_2022_fleet_is_priced_from_the_2022_hashprice_high():
    model = BubbleModel(scenario="2022-redux", rng=0)
    state = model.drivers.state
    assert state.hashprice_usd_per_ph_day == pytest.approx(246.86, rel=0.01)  # calib. §5
    iris = model.firms["Iris-like"]
    assert iris.asic_th == pytest.approx(3.6e6)  # calib. §5: 3.6 EH/s of rigs


def test_calibration_doc_lists_every_parameter():
    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    for name in parameters():
        assert f"`{name}`" in text, name


def test_calibration_doc_generator_renders_every_parameter_and_target():
    from docs.gen_calibration import render

    text = render()
    for name in parameters():
        assert f"| `{name}` |" in text, name
    for target in TARGETS:
        assert f"| `{target.metric}` |" in text, target.metric


def test_the_committed_calibration_doc_is_what_the_generator_renders():
    """``docs/calibration.md`` is generated: edits to its sources must be regenerated."""
    from docs.gen_calibration import render

    committed = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert committed == render(), "run `make docs` (python docs/gen_calibration.py)"
