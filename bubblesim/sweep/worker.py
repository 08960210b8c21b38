"""What runs inside a worker: one chunk of runs, each isolated, returning plain data.

A runner is any callable ``runner(*, scenario, overrides, seed, steps)`` returning an object with
``.scalars`` (a mapping of name to number) and ``.series`` (a DataFrame, one row per week), named
``"package.module:function"`` in the experiment. An exception in one run is caught and returned
as that run's error, so the chunk goes on.
"""

from __future__ import annotations

import importlib
import inspect
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from bubblesim.processes import alive, close_parent_only_fds, die_with_parent

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class RunSpec:
    """One run to do: its id, design point, seed and swept parameter values."""

    run_id: str
    point: int
    seed: int
    params: dict[str, Any]


@dataclass(frozen=True)
class ChunkTask:
    """A batch of runs sharing the experiment's runner, scenario, fixed overrides and outcomes."""

    runner: str
    scenario: str
    steps: int | None
    fixed: dict[str, Any]
    scalars: tuple[str, ...]
    series: tuple[str, ...]
    series_period: int
    runs: tuple[RunSpec, ...]


@dataclass
class RunOutcome:
    """The result of one run: scalars (and series) on success, error text on failure."""

    spec: RunSpec
    scalars: dict[str, float] | None = None
    series: pd.DataFrame | None = None
    error: str | None = None
    traceback: str | None = None
    elapsed_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the run finished."""
        return self.error is None


@cache
def resolve_runner(path: str) -> Callable[..., Any]:
    """Import ``"package.module:function"`` and return the function.

    Raises:
        ValueError: If the module or the function cannot be found.
    """
    module_name, _, func_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or anything its top-level code raises
        raise ValueError(
            f"runner {path!r}: cannot import {module_name!r} ({type(exc).__name__}: {exc})"
        ) from exc
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ValueError(f"runner {path!r}: {module_name} has no function {func_name!r}")
    return func


RUNNER_KEYWORDS = ("scenario", "overrides", "seed", "steps")


def check_runner_signature(path: str, func: Callable[..., Any]) -> None:
    """Check that a runner accepts the keyword arguments the sweep passes.

    Raises:
        ValueError: If ``func(scenario=..., overrides=..., seed=..., steps=...)`` cannot bind.
    """
    try:
        inspect.signature(func).bind(**dict.fromkeys(RUNNER_KEYWORDS))
    except TypeError as exc:
        raise ValueError(
            f"runner {path!r} must accept the keyword arguments {', '.join(RUNNER_KEYWORDS)} "
            f"({exc})"
        ) from None
    except ValueError:  # no signature to inspect (a builtin): let the runs tell
        return


def init_worker(driver_pid: int) -> None:
    """Set a local pool's worker up to die with its driver.

    * Linux: ``PR_SET_PDEATHSIG`` sends the worker SIGKILL when its parent (the driver, or the
      fork server, which exits when the driver does) dies, however the driver died.
    * Everywhere: a daemon thread checks once a second that the driver is still there (its
      parent did not change), and exits the worker if not.
    * Ctrl-C is the driver's to handle: the worker ignores SIGINT, and the driver terminates
      its workers when it stops; SIGTERM and SIGHUP end a worker at once.
    * The driver's lock on the output folder is closed in the worker, so it is released the
      moment the driver dies, whatever the workers do.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):  # not the driver's handlers, inherited by a fork
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    close_parent_only_fds()  # the driver's folder lock must not outlive the driver
    parent = os.getppid()
    die_with_parent()
    if not alive(driver_pid) or os.getppid() != parent:  # the driver died while we started
        os._exit(1)
    thread = threading.Thread(
        target=_watch_driver, args=(driver_pid, parent), name="watch-driver", daemon=True
    )
    thread.start()


def _watch_driver(driver_pid: int, parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent or not alive(driver_pid):
            os._exit(1)


def execute_chunk(task: ChunkTask) -> list[RunOutcome]:
    """Run every run of a chunk, catching each run's exception.

    Args:
        task: The chunk.

    Returns:
        One outcome per run, in the chunk's order.
    """
    return [execute_run(task, spec) for spec in task.runs]


def execute_run(task: ChunkTask, spec: RunSpec) -> RunOutcome:
    """Run one simulation and keep the requested outcomes; never raises for a run's error."""
    start = time.perf_counter()
    try:
        runner = resolve_runner(task.runner)
        result = runner(
            scenario=task.scenario,
            overrides={**task.fixed, **spec.params},
            seed=spec.seed,
            steps=task.steps,
        )
        scalars = select_scalars(result.scalars, task.scalars)
        series = select_series(result.series, task.series, task.series_period)
    except Exception as exc:
        return RunOutcome(
            spec,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
            elapsed_s=time.perf_counter() - start,
        )
    return RunOutcome(spec, scalars, series, elapsed_s=time.perf_counter() - start)


def select_scalars(scalars: Mapping[str, Any], wanted: Sequence[str]) -> dict[str, float]:
    """Keep the wanted scalars (all when ``wanted`` is empty) as floats.

    Raises:
        KeyError: If a wanted scalar is missing; the message lists those available.
    """
    names = list(wanted) or sorted(scalars)
    missing = [n for n in names if n not in scalars]
    if missing:
        raise KeyError(f"the run has no scalar {missing}; it has {sorted(scalars)}")
    return {n: float(scalars[n]) for n in names}


def select_series(series: pd.DataFrame, wanted: Sequence[str], period: int) -> pd.DataFrame | None:
    """Keep the wanted series columns at every ``period``-th week, with ``week`` as a column.

    Returns:
        None when no series are wanted.

    Raises:
        KeyError: If a wanted column is missing.
    """
    if not wanted:
        return None
    missing = [n for n in wanted if n not in series.columns]
    if missing:
        raise KeyError(f"the run has no series {missing}; it has {sorted(series.columns)}")
    kept = series.loc[:, list(wanted)].iloc[::period]
    kept = kept.rename_axis("week").reset_index()
    return kept.astype(dict.fromkeys(wanted, float))
