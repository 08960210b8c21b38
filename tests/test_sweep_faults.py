"""Sweeps under damage, concurrency, bad input and signals.

Result files are trusted only when readable; one writer per folder; everything is validated
before anything is written; experiment files are data (custom runners must be allowed); the
digest covers the scenario's content; workers die with their driver.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bubblesim.sweep import (
    ExperimentError,
    OutputFolderError,
    cli,
    load_results,
    run_sweep,
    storage,
    sweep_status,
)
from bubblesim.sweep.compact import compact

ROOT = Path(__file__).resolve().parents[1]
TOY = "tests.test_sweep_runners"


@pytest.fixture(autouse=True)
def allow_test_runners(monkeypatch):
    monkeypatch.setenv("BUBBLESIM_ALLOW_RUNNERS", TOY)


def toy(tmp_path, *, runner="toy_runner", seeds=4, extra="", fixed="", name="exp.toml"):
    path = tmp_path / name
    path.write_text(
        textwrap.dedent(f"""\
            name = "toy"
            runner = "{TOY}:{runner}"
            steps = 20
            seeds = {{ start = 0, count = {seeds} }}
            {extra}
            [fixed]
            {fixed}
            [parameters]
            depth = [0.0, 0.1, 0.2]
            leverage = [0.5, 1.5]
            [design]
            kind = "grid"
            """)
    )
    return path


def model_exp(tmp_path, body, *, name="model.toml", head=""):
    path = tmp_path / name
    path.write_text(f'name = "m"\nsteps = 2\nseeds = [0]\n{head}\n{body}')
    return path


GRID = '[parameters]\ndemand_slowdown_depth = [0.0, 0.5]\n[design]\nkind = "grid"\n'


def files_of(folder):
    return {p: p.read_bytes() for p in Path(folder).rglob("*") if p.is_file()}


# -- damaged result files --------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_a_damaged_result_file_is_not_a_finished_run_and_resume_redoes_its_runs(
    tmp_path, capsys, damage
):
    exp = toy(tmp_path, extra='[outcomes]\nseries = ["level"]\nseries_period = 5')
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, chunk_size=4, progress=False)
    victim = out / "runs" / "batch-p000001-s0.parquet"
    size = victim.stat().st_size
    with victim.open("r+b") as f:
        f.truncate(0 if damage == "empty" else size // 2)
    status = sweep_status(out)  # no traceback
    assert (status.done, status.missing) == (20, 4)
    assert status.damaged == ("runs/batch-p000001-s0.parquet", "series/batch-p000001-s0.parquet")
    assert "2 damaged result files" in status.format()
    assert cli.main(["sweep", "status", str(out)]) == 1
    with pytest.raises(OutputFolderError, match="is damaged"):
        load_results(out)
    manifest = json.loads((out / "manifest.json").read_text())
    again = run_sweep(exp, out, workers=1, chunk_size=4, progress=False)
    assert (again.skipped, again.completed, again.failed) == (20, 4, 0)
    frame = load_results(out)
    assert len(frame) == 24
    assert frame["run_id"].is_unique
    quarantined = sorted(p.relative_to(out).parent for p in (out / "quarantine").rglob("*.*"))
    assert quarantined == [Path("quarantine/runs"), Path("quarantine/series")]
    later = json.loads((out / "manifest.json").read_text())
    assert len(later["invocations"]) == len(manifest["invocations"]) + 1
    assert sweep_status(out).complete


def test_compact_sets_a_truncated_batch_file_aside_instead_of_failing(tmp_path, capsys):
    exp = toy(tmp_path)
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, chunk_size=4, progress=False)
    victim = out / "runs" / "batch-p000002-s0.parquet"
    victim.write_bytes(victim.read_bytes()[:100])
    assert cli.main(["sweep", "compact", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "merged 20 run files" in printed
    assert "set 1 damaged files aside" in printed
    assert sweep_status(out).missing == 4
    assert run_sweep(exp, out, workers=1, progress=False).completed == 4
    assert load_results(out)["run_id"].is_unique


def test_a_failure_record_that_cannot_be_read_still_counts_as_failed(tmp_path):
    exp = toy(tmp_path)
    exp.write_text(exp.read_text().replace("[0.0, 0.1, 0.2]", "[0.0, -1.0, 0.2]"))
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, progress=False)
    (out / "failures" / "p000002-s0.json").write_text("{trunc")
    status = sweep_status(out)
    assert (status.done, status.failed) == (16, 8)
    assert status.errors["unreadable failure record p000002-s0.json"] == 1


# -- one writer per folder -------------------------------------------------------------------------
def test_a_second_writer_is_refused_with_one_line_and_writes_nothing(tmp_path, capsys):
    exp = toy(tmp_path)
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, max_seeds=1, progress=False)
    before = files_of(out)
    with storage.lock_output(out):  # another writer, as far as the lock is concerned
        before = files_of(out)
        code = cli.main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"])
        err = capsys.readouterr().err
        assert code == 2
        assert err.count("\n") == 1
        assert f"another sweep or compaction is writing to {out} (process {os.getpid()})" in err
        assert cli.main(["sweep", "compact", str(out)]) == 2
        assert "another sweep or compaction" in capsys.readouterr().err
        assert f"(process {os.getpid()})" in sweep_status(out).format()
        assert files_of(out) == before  # no invocation appended, nothing touched
    assert sweep_status(out).writer is None
    assert run_sweep(exp, out, workers=1, progress=False).completed == 18


def test_two_sweep_processes_on_one_folder_compute_every_run_once(tmp_path):
    exp = toy(tmp_path, runner="sleepy_runner", seeds=2, fixed="sleep_s = 0.5")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "bubblesim.sweep.cli", "sweep", str(exp), "--out", str(out)]
    cmd += ["--workers", "1", "--quiet"]
    first = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while storage.writer_pid(out) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert second.returncode == 2
    assert "another sweep or compaction is writing to" in second.stderr
    assert first.wait(timeout=120) == 0
    frame = load_results(out)
    assert len(frame) == 12
    assert frame["run_id"].is_unique


def test_temporary_names_are_unique_and_never_match_the_result_glob(tmp_path):
    target = tmp_path / "runs" / "batch-p000000-s0.parquet"
    names = {storage.temp_path(target).name for _ in range(100)}
    assert len(names) == 100
    assert all(n.startswith(".batch-p000000-s0.parquet.") for n in names)
    assert all(n.endswith(".tmp") and not n.endswith(".parquet") for n in names)


def test_a_full_disk_stops_the_sweep_with_one_line_and_resume_completes_it(
    tmp_path, capsys, monkeypatch
):
    exp = toy(tmp_path)
    out = tmp_path / "out"
    real = storage._write_table
    writes = {"n": 0}

    def filling(table, path):
        writes["n"] += 1
        if writes["n"] > 3:  # design.parquet, then two run files fit
            tmp = storage.temp_path(path)
            tmp.write_bytes(b"partial")
            tmp.unlink()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(table, path)

    monkeypatch.setattr(storage, "_write_table", filling)
    argv = ["sweep", str(exp), "--out", str(out), "--workers", "1", "--chunk-size", "4"]
    assert cli.main([*argv, "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "No space left on device" in err
    assert not list(out.rglob("*.tmp"))
    assert sweep_status(out).done == 8
    monkeypatch.setattr(storage, "_write_table", real)
    assert cli.main([*argv, "--quiet"]) == 0
    assert "16 done, 0 failed, 8 already done" in capsys.readouterr().out
    assert load_results(out)["run_id"].is_unique


# -- validation before anything is written ---------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "head", "fragment"),
    [
        (GRID, 'scenario = "no-such-scenario"', "scenario: unknown scenario 'no-such-scenario'"),
        (GRID, 'runner = "bubblesim.simulat:run_simulation"', "--allow-runner bubblesim.simulat"),
        ("[fixed]\ndemand_slowdown_start_week = -3\n" + GRID, "", "fixed: invalid configuration"),
        (
            "[fixed]\nbtc_initial_price_usd = inf\n" + GRID,
            "",
            "fixed: invalid configuration: btc_initial_price_usd: Input should be a finite",
        ),
        (
            GRID.replace("[0.0, 0.5]", "[9.0, 0.5]"),
            "",
            "parameters (the first design point): invalid configuration: demand_slowdown_depth",
        ),
        (GRID + '[outcomes]\nscalars = ["cascde"]\n', "", "outcomes.scalars: unknown ['cascde']"),
        (GRID + '[outcomes]\nseries = ["btc_prise"]\n', "", "outcomes.series: unknown"),
        (GRID, "steps = 0", "steps"),
    ],
)
def test_a_bad_experiment_is_refused_before_the_folder_exists(
    tmp_path, capsys, body, head, fragment
):
    exp = model_exp(tmp_path, body, head=head)
    if head == "steps = 0":
        exp.write_text(exp.read_text().replace("steps = 2\n", ""))
    out = tmp_path / "out"
    assert cli.main(["sweep", str(exp), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert fragment in err
    assert not out.exists()


def test_seeds_beyond_int64_are_refused_and_the_largest_seed_runs(tmp_path):
    big = 2**63 - 1
    exp = model_exp(tmp_path, GRID).read_text()
    for seeds in (f"seeds = [{big + 1}]", f"seeds = {{ start = {big - 5}, count = 10 }}"):
        path = tmp_path / "big.toml"
        path.write_text(exp.replace("seeds = [0]", seeds))
        with pytest.raises(ExperimentError, match="seeds"):
            run_sweep(path, tmp_path / "out", workers=1, progress=False)
        assert not (tmp_path / "out").exists()
    path.write_text(exp.replace("seeds = [0]", f"seeds = [{big}]"))
    summary = run_sweep(path, tmp_path / "out", workers=1, progress=False)
    assert (summary.completed, summary.failed) == (2, 0)
    assert set(load_results(tmp_path / "out")["seed"]) == {big}


def test_a_custom_runner_is_not_imported_unless_its_module_is_allowed(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("BUBBLESIM_ALLOW_RUNNERS")
    exp = model_exp(tmp_path, GRID, head='runner = "this:x"')  # importing `this` prints a poem
    out = tmp_path / "out"
    assert cli.main(["sweep", str(exp), "--out", str(out), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "Beautiful is better than ugly" not in captured.out
    assert "is not the built-in runner" in captured.err
    assert "--allow-runner this" in captured.err
    assert "this" not in sys.modules
    assert not out.exists()
    exp = toy(tmp_path)
    with pytest.raises(ExperimentError, match=f"--allow-runner {TOY}"):
        run_sweep(exp, out, workers=1, progress=False)
    assert run_sweep(exp, out, workers=1, progress=False, allow_runners=[TOY]).completed == 24
    monkeypatch.setenv("BUBBLESIM_ALLOW_RUNNERS", f"other, {TOY}")
    assert run_sweep(exp, out, workers=1, progress=False).skipped == 24


def test_an_allowed_runner_must_import_and_take_the_sweep_arguments(tmp_path):
    for runner, message in [
        ("no_such_runner", "has no function 'no_such_runner'"),
        ("positional_runner", "must accept the keyword arguments scenario, overrides, seed, steps"),
    ]:
        with pytest.raises(ExperimentError, match=message):
            run_sweep(toy(tmp_path, runner=runner), tmp_path / "out", workers=1, progress=False)
        assert not (tmp_path / "out").exists()


def test_a_design_above_max_runs_is_refused_before_it_is_built(tmp_path, capsys):
    exp = model_exp(
        tmp_path,
        "[parameters]\n"
        "demand_slowdown_depth = { start = 0.0, stop = 1.0, num = 1000 }\n"
        "btc_crash_depth = { start = 0.0, stop = 0.9, num = 1000 }\n"
        "rate_shock_bp = { start = 0.0, stop = 100.0, num = 1000 }\n"
        '[design]\nkind = "grid"\n',
    )
    out = tmp_path / "out"
    started = time.perf_counter()
    assert cli.main(["sweep", str(exp), "--out", str(out), "--quiet"]) == 2
    assert time.perf_counter() - started < 5  # a 10^9-point grid is never built
    err = capsys.readouterr().err
    assert "the design has 1,000,000,000 runs (1,000,000,000 points x 1 seeds)" in err
    assert "more than --max-runs 1,000,000" in err
    assert not out.exists()
    small = toy(tmp_path)
    argv = ["sweep", str(small), "--out", str(out), "--workers", "1"]
    assert cli.main([*argv, "--quiet", "--max-runs", "23"]) == 2
    assert "24 runs (6 points x 4 seeds), more than --max-runs 23" in capsys.readouterr().err
    assert cli.main([*argv, "--max-runs", "24", "--max-seeds", "1"]) == 0
    assert "toy: 6 runs (6 points x 1 seeds)" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_refused_fast_and_writes_nothing(tmp_path, capsys):
    exp = toy(tmp_path)
    out = tmp_path / "out"
    for address, message in [
        ("tcp://127.0.0.1:1", "cannot reach the Dask scheduler at tcp://127.0.0.1:1"),
        ("tcp://nonsense", "is not an address like tcp://host:8786"),
    ]:
        started = time.perf_counter()
        assert cli.main(["sweep", str(exp), "--out", str(out), "--scheduler", address]) == 2
        assert time.perf_counter() - started < 5
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert message in err
        assert not out.exists()


def test_a_non_utf8_experiment_file_gives_one_line(tmp_path, capsys):
    exp = tmp_path / "latin.toml"
    exp.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    assert cli.main(["sweep", str(exp), "--out", str(tmp_path / "out")]) == 2
    assert "the experiment file is not UTF-8 text" in capsys.readouterr().err


# -- the digest covers the scenario's content ------------------------------------------------------
def test_editing_the_scenario_file_refuses_resume_but_a_comment_does_not(tmp_path):
    scenario = tmp_path / "mine.toml"
    scenario.write_text('description = "x"\n[overrides]\ndemand_slowdown_start_week = 4\n')
    exp = model_exp(tmp_path, GRID, head=f'scenario = "{scenario}"')
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, progress=False)
    scenario.write_text(scenario.read_text() + "# a note\n")
    assert run_sweep(exp, out, workers=1, progress=False).skipped == 2
    before = files_of(out)
    scenario.write_text(scenario.read_text().replace("= 4", "= 8"))
    with pytest.raises(OutputFolderError, match="different version of the experiment or of its"):
        run_sweep(exp, out, workers=1, progress=False)
    assert files_of(out) == before
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_content"]["overrides"] == {"demand_slowdown_start_week": 4}


def test_a_folder_from_before_scenario_digests_can_still_be_resumed(tmp_path):
    exp = toy(tmp_path)
    out = tmp_path / "out"
    run_sweep(exp, out, workers=1, max_seeds=1, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    from bubblesim.sweep.experiment import load_experiment

    manifest |= {"format_version": 1, "experiment_digest": load_experiment(exp).digest()}
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert run_sweep(exp, out, workers=1, progress=False).skipped == 6


# -- workers die with their driver -----------------------------------------------------------------
def _children(pid):
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    pairs = [tuple(map(int, line.split())) for line in out.strip().splitlines()]
    found, frontier = set(), {pid}
    while frontier:
        frontier = {c for c, p in pairs if p in frontier} - found
        found |= frontier
    return found


def _alive(pids):
    alive = set()
    for pid in pids:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split()[2] != "Z":
                    alive.add(pid)
        except (ProcessLookupError, FileNotFoundError):
            pass
    return alive


def _start_driver(tmp_path):
    exp = toy(tmp_path, runner="sleepy_runner", seeds=6, fixed="sleep_s = 0.3")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "bubblesim.sweep.cli", "sweep", str(exp), "--out", str(out)]
    cmd += ["--workers", "2", "--chunk-size", "1", "--quiet"]
    driver = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((out / "runs").glob("*.parquet")):
        time.sleep(0.1)
    workers = _children(driver.pid)
    assert len(workers) >= 2, workers
    return driver, workers, cmd, out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and ps")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_workers_die_with_their_driver_and_resume_completes_every_run_once(tmp_path, sig):
    driver, workers, cmd, out = _start_driver(tmp_path)
    driver.send_signal(sig)
    code = driver.wait(timeout=30)
    assert code == (-9 if sig == signal.SIGKILL else 128 + sig)
    if sig != signal.SIGKILL:  # one message, no traceback (from the driver or a worker)
        err = driver.stderr.read()
        assert "run the same command to resume" in err
        assert "Traceback" not in err
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(workers), "orphaned workers"
    assert storage.writer_pid(out) is None  # the lock died with the driver
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    frame = load_results(out)
    assert len(frame) == 36
    assert frame["run_id"].is_unique
    assert not list(out.rglob("*.tmp"))
    compact(out)
    assert sweep_status(out).complete
