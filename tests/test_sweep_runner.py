"""The sweep driver: failure isolation, killed workers, resume, executors, storage, refusals.

These use the small runners of ``tests/test_sweep_runners.py`` so they test the machinery alone;
``tests/test_sweep_model.py`` runs the real model.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from bubblesim.sweep import (
    ExperimentError,
    OutputFolderError,
    load_failures,
    load_results,
    load_series,
    run_sweep,
    storage,
    sweep_status,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def allow_test_runners(monkeypatch):
    """The small runners of ``tests/test_sweep_runners.py`` are custom runners: allow them."""
    monkeypatch.setenv("BUBBLESIM_ALLOW_RUNNERS", "tests.test_sweep_runners")


def write_experiment(
    tmp_path, *, runner="toy_runner", depths="[0.0, 0.1, 0.2]", seeds=4, extra="", name="exp.toml"
):
    text = textwrap.dedent(f"""\
        name = "toy"
        runner = "tests.test_sweep_runners:{runner}"
        steps = 30
        seeds = {{ start = 0, count = {seeds} }}
        [fixed]
        marker_dir = "{tmp_path}"
        kill_depth = 0.1
        {extra}
        [parameters]
        depth = {depths}
        leverage = [0.5, 1.5]
        [design]
        kind = "grid"
        """)
    path = tmp_path / name
    path.write_text(text)
    return path


def run_ids(out):
    return sorted(p.name for p in (Path(out) / "runs").iterdir())


def test_a_crashing_run_is_recorded_and_the_others_complete(tmp_path):
    exp = write_experiment(tmp_path, depths="[0.0, -1.0, 0.2]")
    summary = run_sweep(exp, tmp_path / "out", workers=1, progress=False)
    assert (summary.total, summary.completed, summary.failed) == (24, 16, 8)
    failures = load_failures(tmp_path / "out")
    assert len(failures) == 8
    first = failures[0]
    assert first["params"] == {"depth": -1.0, "leverage": 0.5}
    assert first["seed"] == 0
    assert first["run_id"] == "p000002-s0"
    assert first["error"] == "ValueError: depth must be >= 0, got -1.0"
    assert "Traceback" in first["traceback"]
    assert "toy_runner" in first["traceback"]
    status = sweep_status(tmp_path / "out")
    assert (status.done, status.failed, status.missing) == (16, 8, 0)
    assert status.errors == {"ValueError: depth must be >= 0, got -1.0": 8}
    assert set(load_results(tmp_path / "out")["depth"]) == {0.0, 0.2}


def test_a_killed_worker_is_replaced_and_every_run_is_present_once(tmp_path):
    exp = write_experiment(tmp_path, runner="killing_runner")
    summary = run_sweep(exp, tmp_path / "out", workers=2, chunk_size=2, progress=False)
    assert (tmp_path / "killed").exists()  # the worker really died once
    assert (summary.completed, summary.failed) == (24, 0)
    frame = load_results(tmp_path / "out")
    assert len(frame) == 24
    assert frame["run_id"].is_unique
    assert not list((tmp_path / "out" / "runs").glob("*.tmp"))


def test_a_run_that_always_kills_its_worker_fails_after_max_attempts(tmp_path):
    exp = write_experiment(tmp_path, runner="killing_runner", extra="kill_always = true")
    summary = run_sweep(exp, tmp_path / "out", workers=2, max_attempts=2, progress=False)
    assert (summary.completed, summary.failed) == (22, 2)  # depth 0.1, seed 0, both leverages
    failures = load_failures(tmp_path / "out")
    assert [f["run_id"] for f in failures] == ["p000002-s0", "p000003-s0"]
    assert all(f["error"].startswith("WorkerDied") and f["attempts"] == 2 for f in failures)


def test_a_sweep_killed_mid_way_finishes_on_resume_with_every_run_once(tmp_path):
    exp = write_experiment(tmp_path, runner="killing_runner")
    cmd = [
        sys.executable,
        "-m",
        "bubblesim.sweep.cli",
        "sweep",
        str(exp),
        "--out",
        str(tmp_path / "out"),
        "--workers",
        "1",
        "--quiet",
    ]
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert first.returncode == 13  # the in-process run killed the whole sweep
    before = run_ids(tmp_path / "out")
    assert len(before) == 8  # point-major: points 0 and 1 (depth 0.0) finished, then it died
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "16 done, 0 failed, 8 already done (skipped), 24 planned" in second.stdout
    after = run_ids(tmp_path / "out")
    assert len(after) == 24
    assert set(before) < set(after)
    assert load_results(tmp_path / "out")["run_id"].is_unique


def test_resume_skips_finished_runs_and_redoes_failed_ones(tmp_path):
    exp = write_experiment(tmp_path, runner="flaky_runner")
    out = tmp_path / "out"
    first = run_sweep(exp, out, workers=1, max_seeds=2, progress=False)
    assert (first.total, first.completed, first.failed) == (12, 10, 2)  # flaky fails once
    status = sweep_status(out)
    assert (status.total, status.done, status.failed, status.missing) == (24, 10, 2, 12)
    assert "first 2 seeds per point: 10/12 of those done" in status.format()
    mtimes = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    second = run_sweep(exp, out, workers=1, progress=False)
    assert (second.total, second.skipped, second.completed, second.failed) == (24, 10, 14, 0)
    assert all((out / "runs" / n).stat().st_mtime_ns == t for n, t in mtimes.items())
    assert load_failures(out) == []
    assert not list((out / "failures").iterdir())
    third = run_sweep(exp, out, workers=1, progress=False)
    assert (third.skipped, third.completed) == (24, 0)
    assert sweep_status(out).complete
    manifest = json.loads((out / "manifest.json").read_text())
    assert [i["max_seeds"] for i in manifest["invocations"]] == [2, None, None]
    # every invocation names the code, when it finished, how long it took and what it did
    assert [(i["completed"], i["failed"], i["skipped"]) for i in manifest["invocations"]] == [
        (10, 2, 0),
        (14, 0, 10),
        (0, 0, 24),
    ]
    for invocation in manifest["invocations"]:
        assert invocation["finished_utc"] >= invocation["started_utc"]
        assert invocation["wall_time_s"] >= 0
        assert invocation["commit"] == storage.source_commit()


def test_results_are_identical_with_1_worker_2_workers_and_dask(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = write_experiment(tmp_path)
    frames = {}
    frames["inline"] = load_results(run_sweep(exp, tmp_path / "w1", workers=1, progress=False).out)
    frames["pool"] = load_results(run_sweep(exp, tmp_path / "w2", workers=2, progress=False).out)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        summary = run_sweep(
            exp, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False
        )
    frames["dask"] = load_results(summary.out)
    assert len(frames["inline"]) == 24
    assert frames["inline"]["cascade"].nunique() == 2  # a sweep with both outcomes
    pd.testing.assert_frame_equal(frames["inline"], frames["pool"])
    pd.testing.assert_frame_equal(frames["inline"], frames["dask"])


def test_a_changed_experiment_is_refused_and_nothing_is_written(tmp_path):
    exp = write_experiment(tmp_path)
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, max_seeds=1, progress=False)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    changed = write_experiment(tmp_path, depths="[0.0, 0.1, 0.3]", name="changed.toml")
    with pytest.raises(OutputFolderError, match="different version of the experiment"):
        run_sweep(changed, out, workers=1, progress=False)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_a_bad_experiment_file_raises_one_error_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nseeds = [0]\n[parameters]\ndepth = [0.1]\n[design]\nkind = "grd"\n')
    with pytest.raises(ExperimentError, match=r"^.*bad\.toml: design"):
        run_sweep(bad, tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out").exists()
    with pytest.raises(ExperimentError, match="cannot read"):
        run_sweep(tmp_path / "missing.toml", tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out").exists()


def test_unknown_model_parameters_are_refused_before_running(tmp_path):
    pytest.importorskip("bubblesim.config")
    exp = tmp_path / "m.toml"
    exp.write_text(
        'name = "m"\nseeds = [0]\n[parameters]\ndemand_slowdown_dpth = [0.1]\n'
        '[design]\nkind = "grid"\n'
    )
    with pytest.raises(ExperimentError, match=r"unknown model parameter.*demand_slowdown_dpth"):
        run_sweep(exp, tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out").exists()


def test_a_foreign_non_empty_folder_is_refused(tmp_path):
    exp = write_experiment(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match=r"no manifest\.json"):
        run_sweep(exp, tmp_path / "out", workers=1, progress=False)
    assert os.listdir(tmp_path / "out") == ["notes.txt"]


def test_storage_is_one_dataset_for_pandas_and_duckdb_with_kept_series(tmp_path):
    extra = '[outcomes]\nscalars = ["cascade", "trough"]\nseries = ["level"]\nseries_period = 10'
    exp = write_experiment(tmp_path, seeds=2)
    exp.write_text(exp.read_text() + extra + "\n")
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, progress=False)
    frame = load_results(out)
    assert list(frame.columns) == [
        "run_id",
        "point",
        "seed",
        "depth",
        "leverage",
        "cascade",
        "trough",
    ]
    query = f"SELECT * FROM '{out}/runs/*.parquet' ORDER BY point, seed"
    pd.testing.assert_frame_equal(duckdb.sql(query).df(), frame, check_dtype=False)
    series = load_series(out)
    assert len(series) == 12 * 3
    assert sorted(set(series["week"])) == [0, 10, 20]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment_path"] == str(exp)
    assert manifest["design"] == {
        "kind": "grid",
        "parameters": ["depth", "leverage"],
        "n_points": 6,
        "n_seeds": 2,
        "n_runs": 12,
    }
    assert manifest["experiment_text"] == exp.read_text()
    assert {"package_version", "created_utc", "experiment_digest"} <= manifest.keys()


def test_compaction_keeps_one_dataset_and_resume_counts_compacted_runs(tmp_path):
    from bubblesim.sweep.compact import compact

    exp = write_experiment(tmp_path, seeds=2)
    exp.write_text(exp.read_text() + '[outcomes]\nseries = ["level"]\nseries_period = 10\n')
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, max_seeds=1, progress=False)
    before = load_results(out)
    assert compact(out) == {"runs": 6, "series": 6, "quarantined": 0}
    assert [p.name for p in (out / "runs").iterdir()] == ["chunk-000000.parquet"]
    pd.testing.assert_frame_equal(load_results(out), before)
    rest = run_sweep(exp, out, workers=1, progress=False)
    assert (rest.skipped, rest.completed) == (6, 6)
    assert compact(out) == {"runs": 6, "series": 6, "quarantined": 0}
    assert sorted(p.name for p in (out / "runs").iterdir()) == [
        "chunk-000000.parquet",
        "chunk-000001.parquet",
    ]
    frame = load_results(out)
    assert len(frame) == 12
    assert frame["run_id"].is_unique
    count = duckdb.sql(f"SELECT count(DISTINCT run_id) FROM '{out}/runs/*.parquet'").fetchall()
    assert count == [(12,)]
    assert len(load_series(out)) == 12 * 3
    assert sweep_status(out).complete
    # an interrupted compaction leaves a per-run file that is also in a chunk: removed next time
    (out / "runs" / "p000000-s0.parquet").write_bytes(b"stale")
    assert compact(out)["runs"] == 0
    assert not (out / "runs" / "p000000-s0.parquet").exists()


def test_a_task_writes_its_finished_runs_as_one_batch_file_that_resume_and_compact_read(
    tmp_path,
):
    from bubblesim.sweep.compact import compact

    exp = write_experiment(tmp_path, depths="[0.0, -1.0, 0.2]", seeds=2)
    exp.write_text(exp.read_text() + '[outcomes]\nseries = ["level"]\nseries_period = 10\n')
    out = tmp_path / "out"
    first = run_sweep(exp, out, workers=1, chunk_size=4, progress=False)
    assert (first.completed, first.failed) == (8, 4)  # depth -1.0 raises in the toy runner
    files = run_ids(out)
    assert files == ["batch-p000000-s0.parquet", "batch-p000004-s0.parquet"]
    frame = load_results(out)
    assert len(frame) == 8
    assert frame["run_id"].is_unique
    assert set(frame["depth"]) == {0.0, 0.2}
    assert len(load_series(out)) == 8 * 3
    assert len(load_failures(out)) == 4
    again = run_sweep(exp, out, workers=1, chunk_size=4, progress=False)
    assert (again.skipped, again.completed, again.failed) == (8, 0, 4)
    assert compact(out) == {"runs": 8, "series": 8, "quarantined": 0}
    assert run_ids(out) == ["chunk-000000.parquet"]
    pd.testing.assert_frame_equal(load_results(out), frame)
    # an interrupted compaction leaves a batch file whose runs are all in a chunk: removed
    stale = out / "runs" / "batch-p000000-s0.parquet"
    frame.head(3).to_parquet(stale)
    assert compact(out)["runs"] == 0
    assert not stale.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork-first pools are Linux-only")
def test_a_script_without_a_main_guard_runs_its_sweep_on_workers_forked_from_it(tmp_path):
    exp = write_experiment(tmp_path, runner="parent_runner", seeds=2)
    exp.write_text(exp.read_text() + '[outcomes]\nscalars = ["cascade", "worker_parent_pid"]\n')
    script = tmp_path / "unguarded.py"
    script.write_text(
        textwrap.dedent(f"""\
            import os
            from bubblesim.sweep import load_results, run_sweep

            summary = run_sweep({str(exp)!r}, {str(tmp_path / "out")!r}, workers=2, chunk_size=3,
                                progress=False)
            parents = set(load_results({str(tmp_path / "out")!r})["worker_parent_pid"])
            print(summary.completed, summary.failed, parents == {{float(os.getpid())}})
            """)
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the runner lives in tests/
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["12", "0", "True"]  # every worker is a child of the script
