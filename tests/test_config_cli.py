"""Configuration validation, the `bubblesim run` command and the documentation's coverage."""

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from bubblesim import cli
from bubblesim.config import ConfigError, build_config, flat_values, parameters
from bubblesim.model import BubbleModel

ROOT = Path(__file__).resolve().parent.parent


def test_every_parameter_has_unit_source_and_description():
    params = parameters()
    assert len(params) > 80
    for name, info in params.items():
        assert info.unit, name
        assert info.source, name
        assert info.description, name


def test_flat_overrides_reach_their_section_and_defaults_stay():
    config = build_config({"demand_slowdown_depth": 0.6, "channel_fire_sale": False})
    assert config.drivers.demand.demand_slowdown_depth == 0.6
    assert config.channels.channel_fire_sale is False
    assert flat_values(config)["credit_gpu_ltv_max"] == parameters()["credit_gpu_ltv_max"].default


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"demand_slowdown_depth": -0.1}, "demand_slowdown_depth"),
        ({"credit_gpu_ltv_max": 2.0}, "credit_gpu_ltv_max"),
        ({"population_kind": "martian"}, "population_kind"),
        ({"no_such_parameter": 1}, "unknown parameter 'no_such_parameter'"),
        ({"contract_gpu_cloud_term_weeks": "ten"}, "contract_gpu_cloud_term_weeks"),
    ],
)
def test_bad_values_raise_one_clear_error_naming_the_field(overrides, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_config(overrides)


def test_model_accepts_flat_keyword_overrides():
    model = BubbleModel(rng=1, population_miner_leverage_scale=2.0)
    assert model.config.population.population_miner_leverage_scale == 2.0
    terawulf = model.firms["TeraWulf"]
    assert terawulf.debt_usd() == pytest.approx(2 * 3.2e9)
    with pytest.raises(ConfigError):
        BubbleModel(rng=1, population_miner_leverage_scale=-1.0)


def test_run_command_writes_series_events_config_and_figure(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(
        [
            "run",
            "--scenario",
            "demand-slowdown",
            "--seed",
            "3",
            "--steps",
            "30",
            "--out",
            str(out),
            "--quiet",
            "--set",
            "population_miner_leverage_scale=1.5",
        ]
    )
    assert code == 0
    series = pd.read_parquet(out / "series.parquet")
    assert len(series) == 31
    assert "credit_supply_usd" in series
    assert "week" in pd.read_parquet(out / "events.parquet").columns
    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 3
    assert meta["steps"] == 30
    assert meta["config"]["population"]["population_miner_leverage_scale"] == 1.5
    assert meta["bubblesim_version"]
    assert (out / "overview.png").stat().st_size > 10_000
    printed = capsys.readouterr().out
    assert "cascade:" in printed
    assert "lender losses" in printed


def test_run_command_rejects_bad_input_with_exit_code_2(tmp_path, capsys):
    assert cli.main(["run", "--set", "demand_slowdown_depth=7", "--out", str(tmp_path)]) == 2
    assert "demand_slowdown_depth" in capsys.readouterr().err
    assert cli.main(["run", "--scenario", "no-such-scenario", "--out", str(tmp_path)]) == 2
    assert cli.main(["run", "--set", "oops", "--out", str(tmp_path)]) == 2


def test_odd_document_names_every_phase_and_module_that_exists():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for phase in (
        "advance_exogenous_drivers",
        "form_expectations_and_decide",
        "contract_and_lend",
        "produce_and_clear_spot_market",
        "settle_obligations",
        "resolve_defaults_and_fire_sales",
        "update_lender_capital_and_credit_policy",
        "collect_data",
    ):
        assert f"`{phase}`" in odd
        assert hasattr(BubbleModel, phase)
    for path, name in re.findall(r"`([\w/]+\.py)::(\w+)", odd):
        source = ROOT / "bubblesim" / path.removeprefix("bubblesim/")
        assert source.exists(), path
        assert re.search(rf"\b(def|class) {name}\b|\b{name} *[:=]", source.read_text()), (
            path,
            name,
        )
    for module, function in re.findall(r"`(\w+)\.(\w+)`", odd):
        path = ROOT / "bubblesim" / f"{module}.py"
        if path.exists() and function != "py":
            assert f"def {function}" in path.read_text() or function in path.read_text(), (
                module,
                function,
            )


def test_readme_quick_start_is_two_commands_that_exist_in_the_makefile():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make explore", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^explore:", makefile, re.M)
    assert re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_parameters_report_each_bound_as_declared_inclusive_or_exclusive():
    info = parameters()["population_lender_capital_scale"]
    assert (info.ge, info.gt, info.le, info.lt) == (None, 0.0, 10.0, None)
    assert (info.lower, info.upper) == (0.0, 10.0)
    assert not info.admits(0.0)
    assert info.admits(1e-9)
    assert info.admits(10.0)
    assert parameters()["btc_crash_depth"].lt == 1.0
    exclusive = 0
    for name, info in parameters().items():
        kinds = ((info.ge, True), (info.gt, False), (info.le, True), (info.lt, False))
        for bound, inclusive in kinds:
            if bound is None:
                continue
            value = int(bound) if info.annotation is int else float(bound)
            exclusive += not inclusive
            if inclusive:
                build_config({name: value})  # the bound itself is valid
            else:
                with pytest.raises(ConfigError, match=re.escape(name)):
                    build_config({name: value})
    assert exclusive == 26


def test_non_finite_numbers_are_refused_for_every_float_parameter():
    floats = [n for n, info in parameters().items() if info.annotation is float]
    assert len(floats) > 70
    for name in floats:
        assert not parameters()[name].allow_non_finite
        for value in (math.inf, -math.inf, math.nan):
            with pytest.raises(ConfigError, match=f"{name}: Input should be a finite number"):
                build_config({name: value})


@pytest.mark.parametrize(
    "name", ["btc_initial_price_usd", "demand_initial_revenue_usd_per_year", "rate_shock_bp"]
)
def test_run_command_refuses_an_infinite_value_with_one_line(tmp_path, capsys, name):
    code = cli.main(["run", "--set", f"{name}=inf", "--steps", "2", "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{name}: Input should be a finite number" in err
    assert not (tmp_path / "o").exists()
