"""The sweep driver: plan, skip what is done, submit bounded chunks to an executor, store.

The driver is written against :class:`concurrent.futures.Executor`, so the same loop drives

* ``workers=1``: runs in this process, no pool (for debugging);
* the default local pool: a ``ProcessPoolExecutor`` (see :mod:`bubblesim.sweep.executors`)
  that is rebuilt when a worker dies (``BrokenProcessPool``); the runs that were in flight are
  retried one at a time, so the run that kills its worker is identified and recorded as failed
  after ``max_attempts`` deaths;
* Dask: ``Client(address).get_executor()`` (``scheduler=``), or a ``LocalCluster``
  (``executor="dask"``), or any executor object passed in.

Only a bounded number of chunks is in flight, so memory stays flat however many runs there are.
Results come back to the driver, which writes them (the workers need no shared filesystem).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from bubblesim.sweep import storage
from bubblesim.sweep.design import design_points, plan_runs
from bubblesim.sweep.executors import check_scheduler, open_executor
from bubblesim.sweep.experiment import (
    DEFAULT_RUNNER,
    Experiment,
    ExperimentError,
    load_experiment,
)
from bubblesim.sweep.validate import (
    DEFAULT_MAX_RUNS,
    allowed_runner_modules,
    check_model,
    check_runner,
    check_runner_allowed,
    check_size,
    scenario_file_content,
)
from bubblesim.sweep.worker import ChunkTask, RunOutcome, RunSpec, execute_chunk

MAX_CHUNK = 16


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep invocation did."""

    out: Path
    total: int
    skipped: int
    completed: int
    failed: int
    elapsed_s: float

    @property
    def missing(self) -> int:
        """Runs of the plan with neither a result nor a failure record."""
        return self.total - self.skipped - self.completed - self.failed


def run_sweep(
    experiment_path: str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    executor: str | Executor = "process",
    scheduler: str | None = None,
    max_seeds: int | None = None,
    chunk_size: int | None = None,
    max_attempts: int = 3,
    progress: bool = True,
    max_runs: int = DEFAULT_MAX_RUNS,
    allow_runners: Iterable[str] = (),
) -> SweepSummary:
    """Run (or resume) a sweep into an output folder.

    Everything is checked before anything is written: the experiment file, the runner (only
    the built-in one unless its module is allowed), the size of the design, the model's
    names, scenario, fixed values, first design point and outcomes (built-in runner), the
    folder (its experiment digest, which includes the scenario's content) and, for Dask, that
    the scheduler answers. Then the folder's writer lock is taken, damaged result files are
    set aside, and the manifest records the invocation.

    Args:
        experiment_path: The experiment TOML file.
        out: The output folder; re-running on the same folder skips finished runs and redoes
            missing and failed ones.
        workers: Parallel workers (default: CPU count); 1 runs in this process.
        executor: ``"process"`` (local pool), ``"dask"`` (a new ``LocalCluster``), or an
            executor object to use as is (not shut down here).
        scheduler: A Dask scheduler address; implies Dask.
        max_seeds: Use only the first N seeds of the experiment (a subset of its runs).
        chunk_size: Runs per task (default: automatic, 1 to 16).
        max_attempts: Worker deaths after which a run is recorded as failed.
        progress: Show the planned count and a progress bar (on stderr).
        max_runs: Refuse a design of more runs than this (counted before it is built).
        allow_runners: Modules whose runners may be used, besides the built-in one (and those
            named by ``BUBBLESIM_ALLOW_RUNNERS``). A custom runner is code execution.

    Returns:
        The summary of this invocation.

    Raises:
        ExperimentError: If the experiment is invalid, too large or names a runner that is
            not allowed (nothing is written).
        OutputFolderError: If ``out`` holds another experiment's runs, or another process is
            writing to it (nothing is written).
        ValueError: For a bad argument or an unreachable scheduler (nothing is written).
        KeyboardInterrupt: On Ctrl-C, SIGTERM or SIGHUP (:class:`SweepInterrupted`); the
            workers are stopped and the finished runs kept.
        OSError: If results cannot be written (e.g. a full disk); finished runs are kept.
    """
    start = time.perf_counter()
    path = Path(experiment_path)
    source = str(path)
    experiment = load_experiment(path)
    _check_args(workers, chunk_size, max_attempts, executor, max_seeds, max_runs)
    check_runner_allowed(experiment, allowed_runner_modules(allow_runners), source=source)
    n_points, n_seeds = check_size(experiment, max_runs, max_seeds, source=source)
    design = design_points(experiment)  # only now that its size is known to be acceptable
    check_runner(experiment, source=source)
    if experiment.runner == DEFAULT_RUNNER:
        scenario_content: Any = check_model(experiment, design, source=source)
    else:
        scenario_content = scenario_file_content(experiment.scenario)
    digest = experiment.digest(scenario_content)
    out = Path(out)
    storage.check_output(out, experiment, digest)  # read-only: a refusal writes nothing
    if scheduler:
        check_scheduler(scheduler)
    if progress:  # every check passed: what is about to run
        print(
            f"{experiment.name}: {n_points * n_seeds:,} runs ({n_points:,} points x "
            f"{n_seeds:,} seeds)",
            file=sys.stderr,
        )
    workers = workers or os.cpu_count() or 1
    invocation = {
        "started_utc": storage.now_utc(),
        "workers": workers,
        "executor": executor if isinstance(executor, str) else type(executor).__name__,
        "scheduler": scheduler,
        "max_seeds": max_seeds,
        "commit": storage.source_commit(),
    }
    with storage.lock_output(out), _stop_on_signals():
        previous = storage.check_output(out, experiment, digest)  # again, with the lock held
        found = storage.scan(out)
        plan = plan_runs(experiment, design, max_seeds=max_seeds)
        todo = [r for r in plan if r[0] not in found.done]
        skipped = len(plan) - len(todo)
        inline = executor == "process" and not scheduler and workers == 1
        size = chunk_size or (1 if inline else _auto_chunk(len(todo), workers))
        chunks = TaskQueue(_chunks(experiment, design, todo, size))
        # the pool first: its workers may fork from this process before the bar's thread starts
        with open_executor(executor, scheduler, workers, experiment.runner) as (pool, rebuild):
            storage.remove_temp_files(out)
            moved = storage.quarantine(out, found.damaged)
            if moved and progress:
                print(
                    f"{out}: set {len(moved)} damaged result files aside in "
                    f"{storage.QUARANTINE}/; their runs are done again",
                    file=sys.stderr,
                )
            storage.init_output(
                out,
                experiment,
                experiment_path=source,
                experiment_text=path.read_text(encoding="utf-8"),
                design=design,
                previous=previous,
                invocation=invocation,
                digest=digest,
                scenario_content=scenario_content,
            )
            bar = tqdm(
                total=len(plan),
                initial=skipped,
                disable=not progress,
                unit="run",
                desc=experiment.name,
            )
            tally = _Tally(out, bar, len(todo), max_attempts)
            try:
                _drive(pool, rebuild, chunks, tally, in_flight=2 * workers)
            finally:
                bar.close()
                with contextlib.suppress(OSError):  # a full disk must not hide why it stopped
                    storage.finish_invocation(
                        out,
                        finished_utc=storage.now_utc(),
                        wall_time_s=round(time.perf_counter() - start, 1),
                        completed=tally.completed,
                        failed=tally.failed,
                        skipped=skipped,
                    )
    return SweepSummary(
        out, len(plan), skipped, tally.completed, tally.failed, time.perf_counter() - start
    )


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was stopped by a signal (SIGTERM, SIGHUP); ``signum`` names it."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by signal {signal.Signals(signum).name}")
        self.signum = signum


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`SweepInterrupted` while the sweep runs.

    The exception unwinds through the executor, which terminates its workers, and the lock;
    Ctrl-C (SIGINT) already raises ``KeyboardInterrupt``. Only the main thread can do this.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SweepInterrupted(signum)

    wanted = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {s: signal.signal(s, stop) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def check_model_names(experiment: Experiment, *, source: str) -> None:
    """Reject names the model does not know, before anything runs (default runner only).

    Raises:
        ExperimentError: Naming the unknown parameters.
    """
    if experiment.runner != DEFAULT_RUNNER:
        return
    from bubblesim.config import parameters

    known = parameters()
    unknown = sorted(n for n in [*experiment.fixed, *experiment.parameters] if n not in known)
    if unknown:
        raise ExperimentError(
            f"{source}: unknown model parameter(s) {unknown}; "
            "bubblesim.config.parameters() lists the names"
        )


def _check_args(
    workers: int | None,
    chunk_size: int | None,
    max_attempts: int,
    executor: Any,
    max_seeds: int | None,
    max_runs: int,
) -> None:
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    if isinstance(executor, str) and executor not in ("process", "dask"):
        raise ValueError(f"executor must be 'process' or 'dask', got {executor!r}")
    if max_seeds is not None and max_seeds < 1:
        raise ValueError(f"max_seeds must be at least 1, got {max_seeds}")
    if max_runs < 1:
        raise ValueError(f"max_runs must be at least 1, got {max_runs}")


def _auto_chunk(n_runs: int, workers: int) -> int:
    """About 8 chunks per worker, 1 to MAX_CHUNK runs each: low overhead, smooth progress."""
    return max(1, min(MAX_CHUNK, math.ceil(n_runs / (8 * workers))))


def _chunks(
    experiment: Experiment, design: Any, todo: list[tuple[str, int, int]], size: int
) -> Iterator[ChunkTask]:
    records = design.to_dict("records")
    for i in range(0, len(todo), size):
        specs = tuple(
            RunSpec(rid, p, s, {k: _plain(v) for k, v in records[p].items()})
            for rid, p, s in todo[i : i + size]
        )
        yield _task(experiment, specs)


def _task(experiment: Experiment, runs: tuple[RunSpec, ...]) -> ChunkTask:
    return ChunkTask(
        runner=experiment.runner,
        scenario=experiment.scenario,
        steps=experiment.steps,
        fixed=dict(experiment.fixed),
        scalars=tuple(experiment.outcomes.scalars),
        series=tuple(experiment.outcomes.series),
        series_period=experiment.outcomes.series_period,
        runs=runs,
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (JSON, pydantic and Arrow all take it)."""
    return value.item() if hasattr(value, "item") else value


class TaskQueue:
    """Tasks drawn lazily from a generator, with retries pushed back in front.

    The tasks are made as they are submitted, so memory does not grow with the sweep's size.
    """

    def __init__(self, tasks: Iterator[ChunkTask]) -> None:
        self._tasks = tasks
        self._front: deque[ChunkTask] = deque()

    def __bool__(self) -> bool:
        if not self._front:
            task = next(self._tasks, None)
            if task is None:
                return False
            self._front.append(task)
        return True

    def __getitem__(self, index: int) -> ChunkTask:
        if index != 0 or not self:
            raise IndexError("only the first task of a TaskQueue can be read")
        return self._front[0]

    def popleft(self) -> ChunkTask:
        """Remove and return the first task."""
        if not self:
            raise IndexError("pop from an empty TaskQueue")
        return self._front.popleft()

    def extendleft(self, tasks: Iterable[ChunkTask]) -> None:
        """Put tasks back in front (in reverse order, like ``deque.extendleft``)."""
        self._front.extendleft(tasks)


class _Tally:
    """Writes outcomes as they arrive and keeps the progress bar's counts."""

    def __init__(self, out: Path, bar: Any, todo: int, max_attempts: int) -> None:
        self.out, self.bar, self.todo, self.max_attempts = out, bar, todo, max_attempts
        self.completed = self.failed = 0

    def record(self, outcome: RunOutcome, attempts: int = 1) -> None:
        """Store one outcome."""
        self.record_task([outcome], [attempts])

    def record_task(self, outcomes: list[RunOutcome], attempts: list[int]) -> None:
        """Store the outcomes of one task: its finished runs in one file, each failure alone."""
        finished = [o for o in outcomes if o.ok]
        try:
            storage.write_runs(self.out, finished)
            self.completed += len(finished)
        except ValueError as exc:
            for outcome in finished:
                outcome.error, outcome.traceback = f"ValueError: {exc}", None
        for outcome, tries in zip(outcomes, attempts, strict=True):
            if not outcome.ok:
                storage.write_failure(self.out, outcome, tries)
                self.failed += 1
        self.bar.update(len(outcomes))
        remaining = self.todo - self.completed - self.failed
        self.bar.set_postfix(failed=self.failed, remaining=remaining, refresh=False)


def _drive(
    pool: Executor,
    rebuild: Any,
    chunks: TaskQueue,
    tally: _Tally,
    *,
    in_flight: int,
) -> None:
    """Submit chunks with at most ``in_flight`` pending; isolate and retry after worker deaths.

    Runs that were in flight when the pool broke become suspects: each is retried alone, so a
    further death is blamed on that run only; after ``max_attempts`` deaths it is recorded as
    failed. Other executor errors (e.g. Dask's ``KilledWorker``) split a chunk into single runs
    and, for a single run, record it as failed.
    """
    pending: dict[Future, tuple[ChunkTask, bool]] = {}
    suspects: deque[ChunkTask] = deque()
    deaths: dict[str, int] = {}
    while chunks or suspects or pending:
        broken = False
        if suspects and not pending:
            broken = not _submit(pool, suspects, True, pending)
        while not suspects and chunks and len(pending) < in_flight and not broken:
            broken = not _submit(pool, chunks, False, pending)
        if not broken:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                broken |= _collect(future, *pending.pop(future), chunks, suspects, deaths, tally)
        if broken:  # every other pending future now fails fast with BrokenProcessPool
            for future in wait(pending).done:
                task, _solo = pending.pop(future)
                _collect(future, task, False, chunks, suspects, deaths, tally)
            pool = rebuild()


def _submit(
    pool: Executor,
    queue: TaskQueue | deque[ChunkTask],
    solo: bool,
    pending: dict[Future, tuple[ChunkTask, bool]],
) -> bool:
    """Submit the queue's first task; False (task left queued) if the pool is already broken."""
    try:
        future = pool.submit(execute_chunk, queue[0])
    except BrokenProcessPool:
        return False
    pending[future] = (queue.popleft(), solo)
    return True


def _collect(
    future: Future,
    task: ChunkTask,
    solo: bool,
    chunks: TaskQueue,
    suspects: deque[ChunkTask],
    deaths: dict[str, int],
    tally: _Tally,
) -> bool:
    """Record a finished future's outcomes; return True if the pool broke under it."""
    try:
        outcomes = future.result()
    except BrokenProcessPool:
        _on_death(task, solo, deaths, suspects, tally)
        return True
    except Exception as exc:
        _on_executor_error(task, exc, chunks, tally)
        return False
    tally.record_task(outcomes, [deaths.get(o.spec.run_id, 0) + 1 for o in outcomes])
    return False


def _on_death(
    task: ChunkTask,
    isolated: bool,
    deaths: dict[str, int],
    suspects: deque[ChunkTask],
    tally: _Tally,
) -> None:
    for spec in task.runs:
        if isolated:
            deaths[spec.run_id] = deaths.get(spec.run_id, 0) + 1
        if deaths.get(spec.run_id, 0) >= tally.max_attempts:
            error = (
                f"WorkerDied: the worker process died {deaths[spec.run_id]} times running this "
                "run alone (killed, crashed or out of memory)"
            )
            tally.record(RunOutcome(spec, error=error), deaths[spec.run_id])
        else:
            suspects.append(_replace_runs(task, (spec,)))


def _on_executor_error(
    task: ChunkTask, exc: BaseException, chunks: TaskQueue, tally: _Tally
) -> None:
    if len(task.runs) > 1:
        chunks.extendleft(_replace_runs(task, (s,)) for s in reversed(task.runs))
        return
    error = f"{type(exc).__name__}: {exc}"
    tally.record(RunOutcome(task.runs[0], error=error))


def _replace_runs(task: ChunkTask, runs: tuple[RunSpec, ...]) -> ChunkTask:
    return ChunkTask(**{**task.__dict__, "runs": runs})
