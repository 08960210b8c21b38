"""Many seeds of one configuration, in the background, on the sweep runner's local executor.

A :class:`SeedsJob` submits one task per seed to the process pool of
:func:`bubblesim.sweep.executors.open_executor` (the pool ``bubblesim sweep`` uses on one
machine), at most two tasks per worker in flight, and collects each run's verdict scalars as it
finishes. Its progress is plain attributes: the page reads them when it draws a frame. Cancel
stops submitting, drops what is queued and ends the worker processes; the job also cancels
itself once its page has been disconnected for ``DISCONNECT_GRACE_S``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bubblesim.sweep.analysis import wilson_interval
from bubblesim.sweep.executors import open_executor
from bubblesim.sweep.experiment import DEFAULT_RUNNER
from bubblesim.sweep.worker import ChunkTask, RunSpec, execute_chunk
from viz.engine import DISCONNECT_GRACE_S

LEGS = (
    ("miner_capacity_defaulted_share", "leveraged-miner MW defaulted within a window", "share"),
    ("lender_loss_to_capital", "lender losses / initial capital", "share"),
    ("credit_contraction", "credit contraction from peak", "share"),
    ("gpu_price_peak_to_trough", "GPU resale price, peak to trough", "share"),
    ("n_defaults", "defaults", "count"),
)


class _CancelledError(Exception):
    pass


@dataclass
class SeedsJob:
    """Runs ``scenario`` with ``overrides`` over ``seeds`` for ``steps`` weeks.

    Attributes:
        values: Every flat parameter's value of the configuration (for thresholds).
        results: One dict of verdict scalars per finished run (with ``seed``), in finishing
            order.
        failures: ``(seed, error)`` of the runs that raised.
        status: ``running``, ``done``, ``cancelled`` or ``failed`` (the pool itself broke).
        message: What went wrong, for ``failed``.
    """

    scenario: str
    overrides: dict[str, Any]
    seeds: list[int]
    steps: int
    workers: int = 2
    connected: Callable[[], bool] = field(default=lambda: True, repr=False)
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    results: list[dict[str, float]] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)
    status: str = "new"
    message: str = ""
    started: float = 0.0
    finished: float = 0.0

    def __post_init__(self) -> None:
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: Any = None

    # -- control ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start in a background thread."""
        self.status, self.started = "running", time.monotonic()
        self._thread = threading.Thread(target=self._run, name="bubblesim-seeds", daemon=True)
        self._thread.start()

    def cancel(self, wait_s: float = 5.0) -> None:
        """Stop: nothing new is submitted, queued runs are dropped, worker processes end."""
        self._cancel.set()
        _end_workers(self._pool)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait_s)

    @property
    def running(self) -> bool:
        """True while the job's thread lives."""
        return self._thread is not None and self._thread.is_alive()

    # -- progress --------------------------------------------------------------------------
    @property
    def done(self) -> int:
        """Runs finished, failed ones included."""
        return len(self.results) + len(self.failures)

    @property
    def total(self) -> int:
        """Runs asked for."""
        return len(self.seeds)

    def elapsed_s(self) -> float:
        """Seconds since the start (until the end, once finished)."""
        if not self.started:
            return 0.0
        return (self.finished or time.monotonic()) - self.started

    def probability(self) -> tuple[int, int, float, float]:
        """Cascades, finished runs, and the 95% Wilson interval of P(cascade)."""
        results = list(self.results)
        n = len(results)
        k = sum(1 for r in results if r.get("cascade", 0.0) >= 0.5)
        if n == 0:
            return 0, 0, 0.0, 1.0
        lo, hi = wilson_interval(k, n)
        return k, n, float(lo), float(hi)

    def leg(self, name: str) -> np.ndarray:
        """The values of one verdict scalar over the finished runs."""
        return np.array([r[name] for r in list(self.results) if name in r], dtype=float)

    # -- the worker thread -----------------------------------------------------------------
    def _task(self, seed: int) -> ChunkTask:
        return ChunkTask(
            runner=DEFAULT_RUNNER,
            scenario=self.scenario,
            steps=int(self.steps),
            fixed=dict(self.overrides),
            scalars=(),
            series=(),
            series_period=1,
            runs=(RunSpec(f"seed={seed}", 0, int(seed), {}),),
        )

    def _run(self) -> None:
        queue = list(self.seeds)
        try:
            with open_executor("process", None, max(2, self.workers), DEFAULT_RUNNER) as (
                pool,
                _rebuild,
            ):
                self._pool = pool
                pending: dict[Any, int] = {}
                while queue or pending:
                    self._check()
                    while queue and len(pending) < 2 * self.workers:
                        seed = queue.pop(0)
                        pending[pool.submit(execute_chunk, self._task(seed))] = seed
                    finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                    for future in finished:
                        seed = pending.pop(future)
                        self._collect(seed, future)
                self.status = "done"
        except _CancelledError:
            self.status = "cancelled"
        except Exception as err:  # the pool broke: say so, keep what finished
            self.status, self.message = "failed", f"{type(err).__name__}: {err}"
        finally:
            _end_workers(self._pool)
            self._pool = None
            self.finished = time.monotonic()

    def _check(self) -> None:
        if self._cancel.is_set():
            raise _CancelledError
        if not self.connected():
            away = getattr(self, "_away", None) or time.monotonic()
            self._away = away
            if time.monotonic() - away > DISCONNECT_GRACE_S:
                raise _CancelledError
        else:
            self._away = None

    def _collect(self, seed: int, future) -> None:
        try:
            outcomes = future.result()
        except Exception as err:
            if self._cancel.is_set():
                raise _CancelledError from None
            self.failures.append((seed, f"{type(err).__name__}: {err}"))
            return
        for outcome in outcomes:
            if outcome.ok:
                self.results.append({"seed": float(seed), **outcome.scalars})
            else:
                self.failures.append((seed, outcome.error or "failed"))


def _end_workers(pool: Any) -> None:
    """Drop a process pool's queued tasks and end its worker processes now."""
    if pool is None:
        return
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()
