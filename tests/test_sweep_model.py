"""End-to-end sweeps of the real model: short runs, failures recorded, same seeds same numbers."""

import math
import textwrap

import pandas as pd
import pytest

simulate = pytest.importorskip("bubblesim.simulate")

from bubblesim.sweep import load_failures, load_results, run_sweep  # noqa: E402
from bubblesim.sweep.analysis import analyze_folder  # noqa: E402

STEPS = 52


def model_experiment(tmp_path, depths="[0.0, 1.0, 2.0]", seeds="[0, 1]"):
    path = tmp_path / "model.toml"
    path.write_text(
        textwrap.dedent(f"""\
            name = "model"
            steps = {STEPS}
            seeds = {seeds}
            [fixed]
            demand_slowdown_start_week = 4
            demand_slowdown_speed_weeks = 4
            [parameters]
            demand_slowdown_depth = {depths}
            population_miner_leverage_scale = [1.0, 2.5]
            [design]
            kind = "grid"
            [outcomes]
            scalars = ["cascade", "miner_capacity_defaulted_share", "lender_loss_to_capital",
                       "credit_contraction", "n_defaults", "first_default_week",
                       "final_credit_outstanding_usd"]
            """)
    )
    return path


def test_model_sweep_records_invalid_points_and_matches_direct_runs(tmp_path):
    exp = model_experiment(tmp_path)
    summary = run_sweep(exp, tmp_path / "out", workers=2, progress=False)
    # depth 2.0 is above the parameter's bound (1.5): those 4 runs fail, the 8 others finish
    assert (summary.total, summary.completed, summary.failed) == (12, 8, 4)
    failures = load_failures(tmp_path / "out")
    assert {f["params"]["demand_slowdown_depth"] for f in failures} == {2.0}
    assert all("ConfigError" in f["error"] for f in failures)
    assert all("demand_slowdown_depth" in f["error"] for f in failures)
    frame = load_results(tmp_path / "out")
    assert set(frame["cascade"]) <= {0.0, 1.0}
    row = frame.iloc[-1]
    direct = simulate.run_simulation(
        scenario="baseline",
        overrides={
            "demand_slowdown_start_week": 4,
            "demand_slowdown_speed_weeks": 4,
            "demand_slowdown_depth": float(row["demand_slowdown_depth"]),
            "population_miner_leverage_scale": float(row["population_miner_leverage_scale"]),
        },
        seed=int(row["seed"]),
        steps=STEPS,
    )
    for name in ("cascade", "miner_capacity_defaulted_share", "lender_loss_to_capital"):
        assert row[name] == direct.scalars[name]
    week = direct.scalars["first_default_week"]
    assert (math.isnan(week) and math.isnan(row["first_default_week"])) or (
        row["first_default_week"] == week
    )


def test_model_results_are_identical_in_process_in_a_pool_and_on_dask(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = model_experiment(tmp_path, depths="[0.0, 1.0]", seeds="[3, 4]")
    inline = load_results(run_sweep(exp, tmp_path / "w1", workers=1, progress=False).out)
    pool = load_results(run_sweep(exp, tmp_path / "w2", workers=2, progress=False).out)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        dask = load_results(
            run_sweep(
                exp, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False
            ).out
        )
    assert len(inline) == 8
    # real numbers that vary with the seed are compared, not constants
    assert inline["final_credit_outstanding_usd"].nunique() > 4
    pd.testing.assert_frame_equal(inline, pool)
    pd.testing.assert_frame_equal(inline, dask)


def test_model_sweep_analysis_writes_the_table_and_the_phase_diagram(tmp_path):
    exp = model_experiment(tmp_path, depths="[0.0, 1.5]", seeds="[0, 1]")
    run_sweep(exp, tmp_path / "out", workers=2, progress=False)
    written = analyze_folder(tmp_path / "out", tmp_path / "figs")
    names = sorted(p.name for p in written)
    assert names == [
        "cascade_probability.csv",
        "heatmap_demand_slowdown_depth_population_miner_leverage_scale.png",
    ]
    table = pd.read_csv(tmp_path / "figs" / "cascade_probability.csv")
    assert table["runs"].tolist() == [2, 2, 2, 2]
    assert (
        (table["ci_low"] <= table["p_cascade"]) & (table["p_cascade"] <= table["ci_high"])
    ).all()


def test_model_sobol_sweep_gives_indices_for_every_parameter(tmp_path):
    exp = tmp_path / "sobol.toml"
    exp.write_text(
        textwrap.dedent("""\
            name = "sobol"
            steps = 26
            seeds = [0]
            [fixed]
            demand_slowdown_start_week = 2
            demand_slowdown_speed_weeks = 2
            [parameters]
            demand_slowdown_depth = { low = 0.0, high = 1.5 }
            population_miner_leverage_scale = { low = 0.5, high = 3.0 }
            [design]
            kind = "sobol"
            samples = 4
            seed = 1
            [analysis]
            outcome = "credit_contraction"
            """)
    )
    summary = run_sweep(exp, tmp_path / "out", workers=2, progress=False)
    assert (summary.total, summary.completed) == (4 * (2 + 2), 16)
    written = analyze_folder(tmp_path / "out", tmp_path / "figs")
    assert {p.name for p in written} >= {"indices_credit_contraction.csv"}
    table = pd.read_csv(tmp_path / "figs" / "indices_credit_contraction.csv", index_col=0)
    assert list(table.index) == ["demand_slowdown_depth", "population_miner_leverage_scale"]
    assert list(table.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert table.notna().all().all()
