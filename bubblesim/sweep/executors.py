"""Executors for the sweep driver: in-process, a self-healing local process pool, Dask.

:func:`open_executor` yields an executor and a ``rebuild`` function that returns a working
executor after a local pool broke (a worker died). On Linux the local pool's first workers are
forked from the driver itself once it has imported the worker and runner modules, before the
driver starts any thread of its own: they start at once, share the imported code with the
driver (copy-on-write), and never re-import ``__main__`` (so a script without an
``if __name__ == "__main__":`` guard still works). Replacements after a worker death, and every
worker on other systems, come from a fork server that imports those modules once.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import multiprocessing
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import ProcessPoolExecutor
from typing import Any


class InlineExecutor(Executor):
    """Runs each task in the calling thread at submission (``workers=1``)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn`` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the future carries it, as a pool would
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def open_executor(
    executor: str | Executor, scheduler: str | None, workers: int, runner: str
) -> Iterator[tuple[Executor, Any]]:
    """Yield ``(executor, rebuild)``; ``rebuild()`` returns a fresh executor after a pool break."""
    if not isinstance(executor, str):
        yield executor, lambda: executor
    elif scheduler or executor == "dask":
        with _dask_executor(scheduler, workers) as pool:
            yield pool, lambda: pool
    elif workers == 1:
        yield InlineExecutor(), InlineExecutor
    else:
        holder = _LocalPool(workers, runner.partition(":")[0])
        try:
            yield holder.pool, holder.rebuild
        except BaseException:  # Ctrl-C, SIGTERM, a full disk: finished runs are on disk
            terminate_pool(holder.pool)  # the runs in progress are redone on resume
            raise
        holder.pool.shutdown(wait=True)


def terminate_pool(pool: ProcessPoolExecutor, grace_s: float = 2.0) -> None:
    """Stop a process pool now: cancel its queue and end its workers (SIGTERM, then SIGKILL)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    deadline = time.monotonic() + grace_s
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


class _LocalPool:
    """A process pool that can be replaced after a worker death.

    The first pool forks from this process where that is safe (Linux, before the driver's own
    threads start); a rebuilt pool, or any pool elsewhere, uses a fork server that preloads the
    worker and runner modules, so no worker re-imports the model.
    """

    def __init__(self, workers: int, runner_module: str) -> None:
        self.workers = workers
        self.preload = ["bubblesim.sweep.worker", runner_module]
        if _fork_first():
            for module in self.preload:
                with contextlib.suppress(ImportError):  # a bad runner is reported per run
                    importlib.import_module(module)
            from bubblesim.model import warm_up

            warm_up()  # the compiled kernels, loaded once here, are shared with the workers
            gc.freeze()  # the driver's objects: not scanned by the workers' collector, not copied
            self.pool = self._pool(multiprocessing.get_context("fork"))
            _start_workers(self.pool)
            gc.unfreeze()
        else:
            self.pool = self._new()

    def _pool(self, context: Any) -> ProcessPoolExecutor:
        from bubblesim.sweep.worker import init_worker

        return ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=init_worker, initargs=(os.getpid(),)
        )

    def _new(self) -> ProcessPoolExecutor:
        if _main_is_unimportable():  # e.g. a script piped to python: a fork server can't reload it
            context = multiprocessing.get_context("fork")
        else:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(self.preload)
        return self._pool(context)

    def rebuild(self) -> ProcessPoolExecutor:
        terminate_pool(self.pool)  # a broken pool: its survivors must not linger
        self.pool = self._new()
        return self.pool


def _fork_first() -> bool:
    """True where the first workers may be forked from the driver: Linux, one thread running."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _start_workers(pool: ProcessPoolExecutor) -> None:
    """Make a fork-context pool fork all its workers now (it does so at the first submit)."""
    pool.submit(int).result()


def _main_is_unimportable() -> bool:
    """True when ``__main__`` names a file that worker processes could not re-import."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    has_spec = getattr(main, "__spec__", None) is not None
    return path is not None and not has_spec and not os.path.isfile(path)


SCHEDULER_TIMEOUT_S = 10.0
"""How long to wait for a Dask scheduler before giving up."""


def check_scheduler(address: str, timeout_s: float = 3.0) -> None:
    """Fail fast when a TCP/TLS scheduler address does not accept connections.

    Raises:
        ValueError: Naming the address and the reason (malformed, refused, timed out).
    """
    scheme, sep, rest = address.rpartition("://")
    if sep and scheme not in ("tcp", "tls"):
        return  # inproc://, ucx://, ...: left to Dask
    host, colon, port = rest.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit():
        raise ValueError(f"--scheduler {address!r} is not an address like tcp://host:8786")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValueError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


@contextlib.contextmanager
def _dask_executor(scheduler: str | None, workers: int) -> Iterator[Executor]:
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ValueError(
                f"cannot connect to the Dask scheduler at {scheduler}: {exc}"
            ) from None
        with client:
            yield client.get_executor(pure=False)
        return
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client.get_executor(pure=False)
