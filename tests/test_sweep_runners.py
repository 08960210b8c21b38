"""Small runners for the sweep tests: importable by worker processes, deterministic per seed.

They follow the runner contract of ``bubblesim.simulate.run_simulation`` (keyword arguments
``scenario``, ``overrides``, ``seed``, ``steps``; a result with ``.scalars`` and ``.series``), so
the sweep machinery is tested without the economic model. ``tests/test_sweep_model.py`` runs the
real model.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ToyResult:
    scalars: dict[str, float]
    series: pd.DataFrame


def toy_runner(*, scenario="baseline", overrides=None, seed=0, steps=None):
    """A seeded random walk; a "cascade" when it falls below ``-threshold``.

    ``depth`` (>= 0) adds a downward drift and ``leverage`` scales the noise. A negative depth
    raises ``ValueError`` naming the field, as the model does for a bad value.
    """
    overrides = dict(overrides or {})
    depth = float(overrides.pop("depth", 0.0))
    leverage = float(overrides.pop("leverage", 1.0))
    threshold = float(overrides.pop("threshold", 3.0))
    overrides.pop("marker_dir", None)
    overrides.pop("kill_depth", None)
    overrides.pop("kill_always", None)
    if overrides:
        raise ValueError(f"unknown parameter(s) {sorted(overrides)}")
    if depth < 0:
        raise ValueError(f"depth must be >= 0, got {depth}")
    n = steps or 20
    rng = np.random.default_rng(seed)
    walk = np.cumsum(-depth + leverage * rng.standard_normal(n))
    series = pd.DataFrame({"level": walk}, index=pd.RangeIndex(n, name="week"))
    fell = np.flatnonzero(walk < -threshold)
    scalars = {
        "cascade": float(fell.size > 0),
        "trough": float(walk.min()),
        "first_default_week": float(fell[0]) if fell.size else float("nan"),
    }
    return ToyResult(scalars, series)


def killing_runner(*, scenario="baseline", overrides=None, seed=0, steps=None):
    """Like :func:`toy_runner`, but the run with depth == kill_depth and seed 0 kills its process.

    Once (a marker file in ``marker_dir`` records it) or, with ``kill_always``, every time.
    """
    overrides = dict(overrides or {})
    if overrides.get("depth") == overrides.get("kill_depth") and seed == 0:
        marker = Path(overrides["marker_dir"]) / "killed"
        if overrides.get("kill_always") or not marker.exists():
            marker.touch()
            os._exit(13)
    return toy_runner(scenario=scenario, overrides=overrides, seed=seed, steps=steps)


def flaky_runner(*, scenario="baseline", overrides=None, seed=0, steps=None):
    """Like :func:`toy_runner`, but seed 1 at depth 0.1 fails the first time only (marker file)."""
    overrides = dict(overrides or {})
    if overrides.get("depth") == 0.1 and seed == 1:
        marker = Path(overrides["marker_dir"]) / f"flaky-{overrides['leverage']}"
        if not marker.exists():
            marker.touch()
            raise RuntimeError("transient failure")
    return toy_runner(scenario=scenario, overrides=overrides, seed=seed, steps=steps)


def parent_runner(*, scenario="baseline", overrides=None, seed=0, steps=None):
    """Like :func:`toy_runner`, with the id of the process that started the worker as a scalar."""
    result = toy_runner(scenario=scenario, overrides=overrides, seed=seed, steps=steps)
    return ToyResult({**result.scalars, "worker_parent_pid": float(os.getppid())}, result.series)


def sleepy_runner(*, scenario="baseline", overrides=None, seed=0, steps=None):
    """Like :func:`toy_runner`, but each run takes ``sleep_s`` seconds (for kill and lock tests)."""
    overrides = dict(overrides or {})
    time.sleep(float(overrides.pop("sleep_s", 0.2)))
    result = toy_runner(scenario=scenario, overrides=overrides, seed=seed, steps=steps)
    return ToyResult({**result.scalars, "worker_pid": float(os.getpid())}, result.series)


def positional_runner(scenario, overrides, seed):
    """A runner with the wrong signature (no ``steps``, positional only in spirit)."""
    return toy_runner(scenario=scenario, overrides=overrides, seed=seed)
