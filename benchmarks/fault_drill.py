"""The sweep fault drill: real faults against real sweeps of the model, then a check.

``python -m benchmarks.fault_drill [--workers 2] [--keep DIR]`` runs one experiment of the model
(3 slowdown depths x 2 miner leverages x 15 seeds = 90 runs of 52 weeks) through these faults,
each a separate ``bubblesim sweep`` process on the same folder:

1. ``kill -9`` of the driver mid-sweep;
2. ``kill -9`` of one worker (the sweep goes on), then SIGINT (Ctrl-C) to the driver;
3. a second sweep on the folder while a first one runs (it must be refused);
4. a truncated and an emptied result file (resume must set them aside and redo their runs);
5. a full disk: a fresh sweep into a 160 KB tmpfs (root only; otherwise ``ENOSPC`` is simulated
   by failing the fourth result write), then the tmpfs is enlarged and the sweep resumed.

After each fault it checks that no process of the killed sweep is left (its whole process tree,
read from ``ps``), and at the end that every planned run is present exactly once (pandas and
DuckDB), with no temporary file left. It prints one line per step and exits 1 if a check fails.
Not part of the test suite (about a minute on two cores); ``tests/test_sweep_faults.py`` has
the same faults on small runners.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXPERIMENT = """\
name = "drill"
steps = 52
seeds = { start = 0, count = 15 }
[fixed]
demand_slowdown_start_week = 8
[parameters]
demand_slowdown_depth = [0.0, 0.5, 1.0]
population_miner_leverage_scale = [1.0, 2.0]
[design]
kind = "grid"
[outcomes]
scalars = ["cascade", "miner_capacity_defaulted_share"]
series = ["credit_outstanding_usd", "btc_price_usd"]
series_period = 1
"""
PLANNED = 90
DISK_BYTES = 160 * 1024
"""The full disk: room for the manifest, the design and a few result files."""


class Drill:
    """Runs the steps, keeps every process id it saw and the outcome of every check."""

    def __init__(self, base: Path, workers: int) -> None:
        self.base, self.workers = base, workers
        self.exp = base / "drill.toml"
        self.exp.write_text(EXPERIMENT)
        self.seen: set[int] = set()
        self.failed: list[str] = []

    # -- processes ---------------------------------------------------------------------------
    def command(self, out: Path, *extra: str) -> list[str]:
        """The ``bubblesim sweep`` command line on ``out``."""
        return [
            sys.executable,
            "-m",
            "bubblesim.sweep.cli",
            "sweep",
            str(self.exp),
            "--out",
            str(out),
            "--workers",
            str(self.workers),
            "--chunk-size",
            "2",
            "--quiet",
            *extra,
        ]

    def start(self, out: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
        """Start a sweep process (not waited for)."""
        return subprocess.Popen(
            self.command(out),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def run(self, out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run a sweep process to its end."""
        return subprocess.run(
            self.command(out), cwd=ROOT, capture_output=True, text=True, env=env, timeout=900
        )

    def tree(self, pid: int) -> set[int]:
        """The process and all its descendants now (and remember them)."""
        table = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True)
        pairs = [tuple(map(int, line.split())) for line in table.stdout.splitlines()]
        found, frontier = {pid}, {pid}
        while frontier:
            frontier = {c for c, p in pairs if p in frontier} - found
            found |= frontier
        self.seen |= found
        return found

    def wait_for_results(self, out: Path, n: int, proc: subprocess.Popen) -> None:
        """Wait until ``out`` holds ``n`` result files (or the sweep ended)."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((out / "runs").glob("*.parquet"))) >= n:
                return
            time.sleep(0.05)

    def check(self, ok: bool, what: str) -> None:
        """Print and record one check."""
        print(f"  [{'ok' if ok else 'FAIL'}] {what}", flush=True)
        if not ok:
            self.failed.append(what)

    def check_gone(self, pids: set[int], what: str) -> None:
        """Check that none of ``pids`` is still running, after up to 10 s."""
        deadline = time.monotonic() + 10
        while (left := _alive(pids)) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.check(not left, f"{what}: no process left of {len(pids)} (ps: {sorted(left)})")

    # -- steps -------------------------------------------------------------------------------
    def kill_driver(self, out: Path) -> None:
        """Step 1: kill -9 the driver mid-sweep."""
        print("1. kill -9 the sweep driver mid-sweep", flush=True)
        proc = self.start(out)
        self.wait_for_results(out, 3, proc)
        family = self.tree(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        self.check(len(family) > self.workers, f"the driver had {len(family) - 1} children")
        self.check_gone(family, "after kill -9 of the driver")
        self.check(_writer(out) is None, "the lock was released")

    def kill_worker_then_interrupt(self, out: Path) -> None:
        """Step 2: kill -9 a worker, then SIGINT the driver."""
        print("2. kill -9 a worker (the sweep goes on), then SIGINT to the driver", flush=True)
        proc = self.start(out)
        before = len(list((out / "runs").glob("*.parquet")))
        self.wait_for_results(out, before + 2, proc)
        family = self.tree(proc.pid)
        worker = max(p for p in family - {proc.pid} if _cmdline(p) == _cmdline(proc.pid))
        os.kill(worker, signal.SIGKILL)
        self.wait_for_results(out, before + 6, proc)
        self.check(proc.poll() is None, f"the sweep survived the death of worker {worker}")
        family |= self.tree(proc.pid)  # the replacement workers too
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        self.check(code == 130, f"SIGINT: exit code {code} (130 expected)")
        self.check("run the same command to resume" in proc.stderr.read(), "SIGINT: one message")
        self.check_gone(family, "after SIGINT")

    def concurrent(self, out: Path) -> None:
        """Step 3: a second sweep while the first runs; the first completes the sweep."""
        print("3. a second sweep on the same folder while the first runs", flush=True)
        first = self.start(out)
        deadline = time.monotonic() + 120
        while _writer(out) is None and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        second = self.run(out)
        self.check(second.returncode == 2, f"the second sweep exits 2 (got {second.returncode})")
        self.check(
            "another sweep or compaction is writing to" in second.stderr
            and second.stderr.count("\n") == 1,
            f"one line: {second.stderr.strip()}",
        )
        family = self.tree(first.pid)
        code = first.wait(timeout=900)
        self.check(code == 0, f"the first sweep finished (exit {code})")
        self.check_gone(family, "after the first sweep finished")
        self.verify(out)

    def damaged_files(self, out: Path) -> None:
        """Step 4: truncate one result file and empty another, then resume."""
        print("4. a truncated and an emptied result file", flush=True)
        files = sorted((out / "runs").glob("*.parquet"))
        half, empty = files[0], files[-1]
        half.write_bytes(half.read_bytes()[: half.stat().st_size // 2])
        empty.write_bytes(b"")
        status = subprocess.run(
            [sys.executable, "-m", "bubblesim.sweep.cli", "sweep", "status", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        self.check(
            status.returncode == 1 and "damaged result files" in status.stdout,
            "status reports them (exit 1, no traceback)",
        )
        done = self.run(out)
        self.check(done.returncode == 0, f"resume exits 0: {done.stdout.strip()}")
        self.check(
            len(list((out / "quarantine" / "runs").glob("*"))) == 2, "both are in quarantine/"
        )
        self.verify(out)

    def full_disk(self) -> None:
        """Step 5: a sweep into a full disk, then resumed with room."""
        print("5. a full disk", flush=True)
        with _small_disk(self.base / "disk", DISK_BYTES) as (disk, grow):
            out = disk / "out"
            env = None
            if grow is None:  # no tmpfs: simulate ENOSPC on the fourth result write
                env = {**os.environ, "PYTHONPATH": str(self.base), "DRILL_ENOSPC_AFTER": "4"}
                (self.base / "sitecustomize.py").write_text(_ENOSPC_HOOK)
                print("  (not root: ENOSPC is simulated)", flush=True)
            else:
                print(f"  (a {DISK_BYTES // 1024} KB tmpfs)", flush=True)
            full = self.run(out, env)
            err = full.stderr.strip()
            self.check(full.returncode == 1, f"the sweep stops with exit 1 (got {full.returncode})")
            self.check("No space left on device" in err and err.count("\n") == 0, f"one: {err}")
            self.check(not list(out.rglob("*.tmp")), "no temporary file is left")
            if grow is not None:
                grow(64 << 20)
            else:
                (self.base / "sitecustomize.py").unlink()
            done = self.run(out)
            self.check(done.returncode == 0, f"after freeing space, resume: {done.stdout.strip()}")
            self.verify(out)
            shutil.copytree(out, self.base / "disk-out")  # keep it once the tmpfs is gone

    def verify(self, out: Path) -> None:
        """Every planned run exactly once; the same in DuckDB; nothing temporary left."""
        import duckdb

        from bubblesim.sweep import load_results, sweep_status

        frame = load_results(out)
        status = sweep_status(out)
        runs = f"'{out}/runs/*.parquet'"
        rows, distinct = duckdb.sql(
            f"SELECT count(*), count(DISTINCT run_id) FROM {runs}"
        ).fetchall()[0]
        self.check(
            len(frame) == PLANNED and frame["run_id"].is_unique and status.complete,
            f"{len(frame)} runs, {frame['run_id'].nunique()} distinct, {PLANNED} planned",
        )
        self.check(rows == distinct == PLANNED, f"DuckDB: {rows} rows, {distinct} distinct")
        self.check(not list(out.rglob("*.tmp")), "no temporary file")


_ENOSPC_HOOK = textwrap.dedent("""\
    import errno, os
    limit = int(os.environ.get("DRILL_ENOSPC_AFTER", "0"))
    if limit:
        from bubblesim.sweep import storage
        real, count = storage._write_table, [0]
        def full(table, path):
            count[0] += 1
            if count[0] > limit:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            real(table, path)
        storage._write_table = full
    """)


@contextlib.contextmanager
def _small_disk(path: Path, size: int) -> Iterator[tuple[Path, object]]:
    """A tmpfs of ``size`` bytes (root), yielding a function that enlarges it; else a folder."""
    path.mkdir()
    mounted = os.geteuid() == 0 and (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]
        ).returncode
        == 0
    )

    def grow(new_size: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={new_size}", str(path)], check=True)

    try:
        yield path, grow if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=False)


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.add(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return alive


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _writer(out: Path) -> int | None:
    from bubblesim.sweep.storage import writer_pid

    return writer_pid(out)


def main(argv: list[str] | None = None) -> int:
    """Run the drill; exit 1 if any check failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", help="run in this (new) folder and keep it")
    args = parser.parse_args(argv)
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bubblesim-drill-"))
    base.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    drill = Drill(base, args.workers)
    out = base / "out"
    try:
        drill.kill_driver(out)
        drill.kill_worker_then_interrupt(out)
        drill.concurrent(out)
        drill.damaged_files(out)
        drill.full_disk()
        left = _alive(drill.seen)
        drill.check(not left, f"every one of {len(drill.seen)} drill processes has exited")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(f"{'FAILED: ' + '; '.join(drill.failed) if drill.failed else 'all checks passed'}")
    print(f"drill took {elapsed:.0f} s")
    return 1 if drill.failed else 0


if __name__ == "__main__":
    sys.exit(main())
