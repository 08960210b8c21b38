"""The committed study results come from the committed code.

Every study writes its runs next to its code (``experiments/<study>/results``). These tests rerun
a few of the committed runs, a point and a seed or two of each study, and check that the model
gives the same numbers today; and they recompute each committed table from the committed runs.
An economic change that moves a run fails here until the studies are rerun and committed with
it, which is the point: ``docs/findings.md`` quotes these files.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bubblesim.simulate import run_simulation
from experiments.phase_diagrams import DIAGRAMS
from experiments.studies import OUTCOMES

EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


def _same(fresh: float, committed: float) -> bool:
    if isinstance(committed, float) and math.isnan(committed):
        return isinstance(fresh, float) and math.isnan(fresh)
    return float(fresh) == pytest.approx(float(committed), rel=1e-9, abs=1e-12)


def _rerun(row: pd.Series, scenario: str, steps: int, overrides: dict, fields) -> list[str]:
    scalars = run_simulation(
        scenario=scenario, overrides=overrides, seed=int(row["seed"]), steps=steps
    ).scalars
    return [f"{k}: {scalars[k]} != {row[k]}" for k in fields if not _same(scalars[k], row[k])]


def _results(study: str) -> Path:
    folder = EXPERIMENTS / study / "results"
    if not folder.is_dir():
        pytest.fail(f"{folder} is missing: run the study (docs/findings.md says how)")
    return folder


# -- 1. the demand-slowdown study ------------------------------------------------------------------
def test_demand_slowdown_runs_and_table_come_from_this_code():
    from experiments.demand_slowdown import RUN_FIELDS, STEPS_WEEKS, Task, run_task, summarise

    folder = _results("demand_slowdown")
    runs = pd.read_csv(folder / "runs.csv")
    picks = [(1.5, "none", 0), (0.0, "none", 1)]
    picks += [
        (float(d), str(c), int(s))
        for d, c, s in runs[runs.channel_off != "none"]
        .head(1)[["depth", "channel_off", "seed"]]
        .to_numpy()
    ]
    for depth, channel, seed in picks:
        row = runs[(runs.depth == depth) & (runs.channel_off == channel) & (runs.seed == seed)]
        assert len(row) == 1, (depth, channel, seed)
        fresh = run_task(Task(depth, channel, seed, STEPS_WEEKS))
        row = row.iloc[0]
        bad = [k for k in RUN_FIELDS[3:] if not _same(fresh[k], row[k])]
        assert not bad, (depth, channel, seed, bad)
    table = summarise(runs)
    committed = pd.read_csv(folder / "cascade_probability.csv")
    assert len(committed) == len(table)
    for column in ("runs", "cascades", "p_cascade", "ci_low", "ci_high", "severity_score_mean"):
        assert table[column].to_numpy() == pytest.approx(committed[column].to_numpy(), rel=1e-3)


# -- 2. today vs 2022 ------------------------------------------------------------------------------
def test_today_vs_2022_runs_and_table_come_from_this_code():
    from experiments.today_vs_2022 import ECONOMIES, SHOCKS, table

    folder = _results("today_vs_2022")
    runs = pd.read_parquet(folder / "runs.parquet")
    for shock, economy in (
        ("2022 shocks", "today's economy"),
        ("AI-demand slowdown", "2022 mining economy"),
    ):
        scenario, steps = SHOCKS[shock]
        row = runs[(runs.shock == shock) & (runs.economy == economy) & (runs.seed == 0)].iloc[0]
        bad = _rerun(row, scenario, steps, {"population_kind": ECONOMIES[economy]}, OUTCOMES)
        assert not bad, (shock, economy, bad)
    committed = pd.read_csv(folder / "today_vs_2022.csv")
    fresh = table(runs)
    assert fresh["p_cascade"].to_numpy() == pytest.approx(
        committed["p_cascade"].to_numpy(), rel=1e-3
    )
    assert fresh["runs"].tolist() == committed["runs"].tolist()


# -- 3. reverse stress -----------------------------------------------------------------------------
def test_reverse_stress_thresholds_follow_from_its_evaluations_and_the_study():
    from experiments.demand_slowdown import cascade_flags
    from experiments.reverse_stress import TARGETS, depth_bounds, known_from_study
    from experiments.studies import find_threshold

    folder = _results("reverse_stress")
    evaluations = pd.read_csv(folder / "evaluations.csv")
    thresholds = pd.read_csv(folder / "thresholds.csv")
    meta = json.loads((folder / "meta.json").read_text())
    seeds, tolerance = len(meta["seeds"]), float(meta["tolerance"])
    study = pd.read_csv(_results("demand_slowdown") / "runs.csv")
    known = known_from_study(cascade_flags(study), seeds)
    low, high = depth_bounds()
    for name, g in evaluations.groupby("configuration"):
        p = dict(zip(g["depth"].round(10), g["p_cascade"], strict=True))
        for depth, value in known.get(name, {}).items():  # reused depths: the study's numbers
            if depth in p:
                assert p[depth] == pytest.approx(value)
        for target in TARGETS:
            found = find_threshold(lambda d, p=p: p[round(d, 10)], target, low, high, tolerance, p)
            row = thresholds[(thresholds.configuration == name) & (thresholds.target == target)]
            committed = row["depth"].iloc[0]
            if found.value is None:
                assert pd.isna(committed)
            else:
                assert committed == pytest.approx(found.value, abs=1e-9)


# -- 4. channel attribution ------------------------------------------------------------------------
def test_channel_attribution_runs_and_shapley_values_come_from_this_code():
    from experiments.channel_attribution import CHANNELS, attribution

    folder = _results("channel_attribution")
    runs = pd.read_parquet(folder / "runs.parquet")
    all_off = runs[~runs[list(CHANNELS)].astype(bool).any(axis=1) & (runs.seed == 0)].iloc[0]
    only_funding = runs[
        (runs[list(CHANNELS)].astype(bool).sum(axis=1) == 1) & runs["channel_funding"].astype(bool)
    ].iloc[0]
    for row in (all_off, only_funding):
        overrides = {"demand_slowdown_depth": float(row["demand_slowdown_depth"])}
        overrides |= {c: bool(row[c]) for c in CHANNELS}
        bad = _rerun(row, "demand-slowdown", 520, overrides, OUTCOMES)
        assert not bad, bad
    values, _ = attribution(runs, ["cascade", "severity_score"])
    committed = pd.read_csv(folder / "shapley.csv")
    merged = committed.merge(values, on=["depth", "outcome", "channel"], suffixes=("", "_fresh"))
    assert len(merged) == len(committed) == len(values)
    assert merged["phi_fresh"].to_numpy() == pytest.approx(merged["phi"].to_numpy(), abs=1e-4)


# -- 5. scenario discovery, 6. Morris screening ----------------------------------------------------
def _sampled_rows(runs: pd.DataFrame) -> list[int]:
    """The sample's first run and its most severe one (where every mechanism acts).

    The first run alone can be a mild point whose outcome a change of the economics leaves
    alone, so a stale study would still pass; the most severe run is where it would not.
    """
    rows = [0]
    for column in ("severity_score", "legs_met", "n_defaults"):
        if column in runs.columns:
            rows.append(int(np.argmax(runs[column].to_numpy())))
            break
    return sorted(set(rows))


def _sampled_run_reruns(folder: Path, experiment: Path, runs: pd.DataFrame) -> None:
    spec = tomllib.loads(experiment.read_text())
    fixed = dict(spec.get("fixed", {}))
    fields = [k for k in spec["outcomes"]["scalars"] if k in runs.columns]
    for index in _sampled_rows(runs):
        row = runs.iloc[index]
        overrides = fixed | {name: row[name] for name in spec["parameters"]}
        overrides = {k: (v.item() if hasattr(v, "item") else v) for k, v in overrides.items()}
        for name, info in spec["parameters"].items():  # integers stay integers
            if not isinstance(info, dict):  # a grid's list of values keeps its own types
                continue
            if isinstance(info.get("low"), int) and isinstance(info.get("high"), int):
                overrides[name] = int(overrides[name])
        bad = _rerun(row, spec["scenario"], int(spec["steps"]), overrides, fields)
        assert not bad, (folder, index, bad)


def test_scenario_discovery_sample_and_box_come_from_this_code():
    from experiments.scenario_discovery import find_boxes

    folder = _results("scenario_discovery")
    runs = pd.read_parquet(folder / "runs.parquet")
    experiment = folder / "experiment.toml"
    _sampled_run_reruns(folder, experiment, runs)
    inputs = list(tomllib.loads(experiment.read_text())["parameters"])
    cases = runs["cascade"].to_numpy() > 0.5
    box_file = folder / "prim_box.csv"
    if not cases.any():
        assert not box_file.exists()
        return
    meta = json.loads((folder / "meta.json").read_text())
    found = find_boxes(runs, inputs, cases, float(meta["min_density"]))
    assert found is not None
    _, box = found
    committed = pd.read_csv(box_file)
    for column in ("coverage", "density", "mass"):
        assert box[column].iloc[0] == pytest.approx(committed[column].iloc[0], abs=1e-3)


@pytest.mark.parametrize("study", ["morris_screening", "sobol_cascade"])
def test_sensitivity_study_runs_come_from_this_code(study):
    folder = EXPERIMENTS / study
    runs_file = folder / "runs.parquet"
    if not runs_file.is_file():
        pytest.fail(f"{runs_file} is missing: run the study (docs/findings.md says how)")
    runs = pd.read_parquet(runs_file)
    _sampled_run_reruns(folder, EXPERIMENTS / f"{study}.toml", runs)


@pytest.mark.parametrize("study", ["morris_screening", "sobol_cascade"])
def test_sensitivity_indices_come_from_the_committed_runs(study):
    """The committed S1/ST (or mu*) and their intervals are SALib's on the committed runs."""
    from bubblesim.sweep import storage
    from bubblesim.sweep.analysis import sensitivity_indices

    folder = EXPERIMENTS / study
    experiment = storage.manifest_experiment(storage.read_manifest(folder))
    runs = pd.read_parquet(folder / "runs.parquet")
    seeds = runs.groupby("point")["seed"].nunique()
    assert seeds.eq(experiment.seed_count).all(), "the sweep is unfinished"
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["runs"] == len(runs)
    assert meta["seeds"] == sorted(runs["seed"].unique().tolist())
    outcome = experiment.analysis.outcome
    fresh = sensitivity_indices(runs, experiment, outcome)
    committed = pd.read_csv(folder / "analysis" / f"indices_{outcome}.csv", index_col=0)
    assert list(committed.index) == list(fresh.index)
    for column in committed.columns:
        assert fresh[column].to_numpy() == pytest.approx(committed[column].to_numpy(), abs=1e-9)


# -- 7. phase diagrams -----------------------------------------------------------------------------
@pytest.mark.parametrize("diagram", list(DIAGRAMS))
def test_phase_diagram_runs_and_table_come_from_this_code(diagram):
    from bubblesim.sweep.analysis import cascade_probability

    folder = EXPERIMENTS / "phase_diagrams" / "results" / diagram
    if not folder.is_dir():  # visible in the report; docs/findings.md lists what was not run
        pytest.skip(f"{diagram} not run yet: python -m experiments.phase_diagrams --only {diagram}")
    experiment = folder / "experiment.toml"
    spec = tomllib.loads(experiment.read_text())
    runs = pd.read_parquet(folder / "runs.parquet")
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["runs"] == len(runs)
    seeds = runs.groupby("point")["seed"].apply(lambda s: sorted(s.tolist()))
    assert all(s == meta["seeds"] for s in seeds), "every point has the seeds meta.json records"
    assert len(meta["seeds"]) <= spec["seeds"]["count"]
    levels = [len(v) if isinstance(v, list) else v["num"] for v in spec["parameters"].values()]
    assert len(seeds) == math.prod(levels), "every point of the grid ran"
    _sampled_run_reruns(folder, experiment, runs)
    params = list(spec["parameters"])
    table = cascade_probability(runs, ["point", *params], spec["analysis"]["cascade"])
    committed = pd.read_csv(folder / "cascade_probability.csv")
    assert len(committed) == len(table) == len(seeds)
    for column in committed.columns:
        if column in params or column == "point":
            continue
        assert table[column].to_numpy(float) == pytest.approx(
            committed[column].to_numpy(float), rel=1e-9, abs=1e-12
        ), column


def test_the_dask_check_matches_the_local_pool_run_for_run():
    folder = _results("today_vs_2022")
    dask = pd.read_parquet(folder.parent / "dask_check" / "runs.parquet")
    local = pd.read_parquet(folder / "runs.parquet")
    keys = ["shock", "economy", "seed"]
    merged = dask.merge(local, on=keys, suffixes=("_dask", ""))
    assert len(merged) == len(dask) == 12
    for name in OUTCOMES:
        a, b = merged[f"{name}_dask"].to_numpy(), merged[name].to_numpy()
        assert ((a == b) | (pd.isna(a) & pd.isna(b))).all(), name
