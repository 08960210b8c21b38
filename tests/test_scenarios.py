"""Scenario presets: every preset loads, validates and runs from the CLI; files; errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from bubblesim.cli import EXIT_USAGE, main
from bubblesim.config import ConfigError, parameters
from bubblesim.model import BubbleModel
from bubblesim.scenarios import list_scenarios, load_scenario, scenario_config

PRESETS = (
    "baseline",
    "demand-slowdown",
    "btc-crash",
    "new-chip-generation",
    "rate-shock",
    "2022-redux",
)


def test_every_named_preset_ships_with_a_description():
    shipped = {s.name: s for s in list_scenarios()}
    assert set(PRESETS) <= set(shipped)
    assert next(iter(shipped)) == "baseline"
    for name in PRESETS:
        assert shipped[name].description.strip(), name
        assert "\n" not in shipped[name].description, name


@pytest.mark.parametrize("name", PRESETS)
def test_preset_validates_and_applies_its_overrides(name):
    scenario = load_scenario(name)
    config = scenario_config(name)
    dumped = {}
    from bubblesim.config import flat_values

    dumped = flat_values(config)
    assert config.scenario == name
    for key, value in scenario.overrides.items():
        assert dumped[key] == value, key


@pytest.mark.parametrize("name", PRESETS)
def test_preset_runs_a_year_from_the_cli(name, tmp_path, capsys):
    out = tmp_path / name
    code = main(["run", "--scenario", name, "--steps", "52", "--out", str(out), "--quiet"])
    assert code == 0
    meta = json.loads((out / "run.json").read_text())
    assert meta["steps"] == 52
    assert (out / "series.parquet").is_file()
    assert (out / "overview.png").is_file()
    assert f"scenario '{name}'" in capsys.readouterr().out


def test_scenarios_lists_each_preset_with_its_description(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for s in list_scenarios():
        assert any(line.startswith(s.name) and s.description in line for line in lines)


@pytest.mark.parametrize("name", ["2022-redux", "btc-crash"])
def test_scenarios_show_prints_every_parameter_with_unit_and_source(name, capsys):
    assert main(["scenarios", "show", name]) == 0
    out = capsys.readouterr().out
    rows = {line[1:].split()[0]: line for line in out.splitlines() if line[1:2].strip()}
    scenario = load_scenario(name)
    overrides = scenario.overrides
    for pname, info in parameters().items():
        assert pname in rows, pname
        assert info.unit in rows[pname], pname
        # an overridden value shows the preset's own source, or points to the preset
        if pname in overrides:
            expected = scenario.sources.get(pname, f"this scenario ({name}")
        else:
            expected = info.source
        assert expected in rows[pname], pname
        assert rows[pname].startswith("*") == (pname in overrides), pname


def test_preset_sources_must_name_values_the_preset_sets(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[overrides]\nrate_shock_bp = 150\n[sources]\nbtc_path = "somewhere"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="btc_path"):
        load_scenario(str(path))


def test_a_users_own_file_works(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'description = "my test"\n[overrides]\nbtc_path = "crash"\nrate_shock_bp = 150\n',
        encoding="utf-8",
    )
    config = scenario_config(str(path))
    assert config.scenario == "mine"
    assert config.drivers.bitcoin.btc_path == "crash"
    assert config.drivers.rates.rate_shock_bp == 150
    out = tmp_path / "run"
    assert main(["run", "--scenario", str(path), "--steps", "4", "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "run.json").read_text())["config"]["scenario"] == "mine"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("[overrides]\nbtc_crash_dept = 0.5\n", "btc_crash_dept"),
        ("[overrides]\nbtc_crash_depth = 1.5\n", "btc_crash_depth"),
        ('[overrides]\npopulation_kind = "mars"\n', "population_kind"),
        ('colour = "red"\n[overrides]\n', "colour"),
        ("[overrides\nx = 1\n", "not valid TOML"),
    ],
)
def test_a_bad_file_gives_one_clear_error_naming_the_field(tmp_path, capsys, body, named):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=named):
        scenario_config(str(path))
    code = main(["run", "--scenario", str(path), "--steps", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_USAGE
    assert len(err) == 1
    assert named in err[0]
    assert err[0].startswith("bubblesim: error:")


def test_the_installed_command_exits_2_on_a_bad_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[overrides]\nrate_shock_bp = 'lots'\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bubblesim.cli", "run", "--scenario", str(path), "--steps", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "rate_shock_bp" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_btc_crash_preset_falls_77_percent_over_a_year_without_noise():
    model = BubbleModel(
        scenario="btc-crash", rng=0, btc_crash_volatility_per_year=0.0, btc_volatility_per_year=0.0
    )
    for _ in range(80):
        model.step()
    btc = model.series()["btc_price_usd"]
    start = load_scenario("btc-crash").overrides["btc_crash_start_week"]
    assert btc.loc[start + 52] / btc.loc[start] == pytest.approx(0.23, rel=1e-9)
    hashprice = model.series()["hashprice_usd_per_ph_day"]
    assert hashprice.loc[start + 52] < 0.3 * hashprice.loc[start]


def test_new_chip_generation_preset_quadruples_the_frontier_at_its_week():
    model = BubbleModel(scenario="new-chip-generation", rng=0)
    week = load_scenario("new-chip-generation").overrides["chip_shock_week"]
    for _ in range(week):
        model.step()
    frontier = model.series()["frontier_efficiency"]
    assert frontier.loc[week] == pytest.approx(4.0 * frontier.loc[week - 1])


def test_demand_slowdown_preset_exposes_timing_depth_and_speed():
    overrides = load_scenario("demand-slowdown").overrides
    assert {"demand_slowdown_start_week", "demand_slowdown_depth"} <= set(overrides)
    assert "demand_slowdown_speed_weeks" in overrides
    slow = BubbleModel(scenario="demand-slowdown", rng=0)
    boom = BubbleModel(scenario="baseline", rng=0)
    for _ in range(156):
        slow.step()
        boom.step()
    rev = "ai_end_revenue_usd_per_year"
    start = overrides["demand_slowdown_start_week"]
    assert slow.series()[rev].loc[start] == pytest.approx(boom.series()[rev].loc[start])
    assert slow.series()[rev].loc[156] < 0.7 * boom.series()[rev].loc[156]


def test_2022_redux_runs_the_historical_economy_and_today_on_request():
    then = BubbleModel(scenario="2022-redux", rng=0)
    now = BubbleModel(scenario="2022-redux", rng=0, population_kind="default")
    assert not then.providers
    assert len(then.miners) == 25
    assert all(m.hall_gross_mw == 0 and m.asic_th > 0 for m in then.miners)
    assert now.providers
    assert now.config.scenario == "2022-redux"


# -- the demand-slowdown study built on the preset ------------------------------------------------
def test_study_tabulates_the_models_verdict_each_leg_and_wilson_intervals():
    from bubblesim.economy_params import VerdictParams
    from experiments.demand_slowdown import cascade_flags, summarise

    runs = pd.DataFrame(
        {
            "depth": [0.5] * 4,
            "channel_off": ["none"] * 4,
            "seed": [0, 1, 2, 3],
            # run 1 met every leg, but apart: the model's verdict says no cascade
            "cascade": [1.0, 0.0, 0.0, 0.0],
            "miner_capacity_defaulted_share": [0.3, 0.3, 0.1, 0.3],
            "lender_loss_to_capital": [0.2, 0.2, 0.2, 0.05],
            "credit_contraction": [0.6, 0.6, 0.3, 0.3],
            "n_defaults_lab": [1, 0, 0, 0],
            "n_defaults_neocloud": [0, 0, 1, 0],
            "n_defaults_miner": [2, 2, 1, 2],
            "n_defaults_lender": [1, 0, 0, 0],
            "n_defaults_hyperscaler": [0, 0, 0, 0],
            "severity_score": [1.0, 0.9, 0.6, 0.7],
            "legs_met": [3, 2, 1, 2],
            "bain_shortfall_share": [0.5, 0.5, 0.6, 0.6],
        }
    )
    flags = cascade_flags(runs, VerdictParams())
    assert flags["cascade"].tolist() == [True, False, False, False]
    assert flags["crit_credit"].tolist() == [True, True, False, False]
    row = summarise(runs).iloc[0]
    assert (row["runs"], row["cascades"], row["p_cascade"]) == (4, 1, 0.25)
    assert row["ci_low"] == pytest.approx(0.0456, abs=1e-4)  # Wilson, 1 of 4
    assert row["ci_high"] == pytest.approx(0.6994, abs=1e-4)
    assert row["p_any_neocloud_default"] == 0.25
    assert row["p_credit_criterion"] == 0.5
    assert row["severity_score_mean"] == pytest.approx(0.8)
    assert row["bain_shortfall_share"] == pytest.approx(0.55)


def test_study_runs_resumably_and_rejects_bad_arguments(tmp_path):
    from experiments.demand_slowdown import depths_arg, run_study, tasks

    todo = tasks(2, depths=[0.0], channels=["none", "channel_funding"], steps=6)
    assert len(todo) == 4
    first = run_study(todo[:2], tmp_path / "runs.csv", workers=1)
    again = run_study(todo, tmp_path / "runs.csv", workers=1)
    assert len(first) == 2
    assert len(again) == 4
    assert again.iloc[:2].equals(first)
    with pytest.raises(ValueError, match="seeds"):
        tasks(0)
    with pytest.raises(ValueError, match="channel_fire"):
        tasks(1, channels=["channel_fire"])
    with pytest.raises(ValueError, match="--depths"):
        depths_arg("0,2")
