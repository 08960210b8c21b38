"""Batch parameter sweeps: experiments as TOML, designs, resumable runs, analysis.

Typical use::

    from bubblesim.sweep import run_sweep, load_results, sweep_status
    run_sweep("experiments/demand_vs_leverage.toml", "sweeps/dvl", max_seeds=10)
    frame = load_results("sweeps/dvl")  # parameters + seed + scalar outcomes, one row per run

See ``docs/sweeps.md``. The names below are imported on first use, so a worker process that
only needs :mod:`bubblesim.sweep.worker` does not pay for pyarrow, scipy or tqdm.
"""

import importlib
from typing import Any

_EXPORTS = {
    "Experiment": "bubblesim.sweep.experiment",
    "ExperimentError": "bubblesim.sweep.experiment",
    "load_experiment": "bubblesim.sweep.experiment",
    "SweepSummary": "bubblesim.sweep.runner",
    "run_sweep": "bubblesim.sweep.runner",
    "SweepStatus": "bubblesim.sweep.status",
    "sweep_status": "bubblesim.sweep.status",
    "OutputFolderError": "bubblesim.sweep.storage",
    "load_design": "bubblesim.sweep.storage",
    "load_failures": "bubblesim.sweep.storage",
    "load_results": "bubblesim.sweep.storage",
    "load_series": "bubblesim.sweep.storage",
}

__all__ = [
    "Experiment",
    "ExperimentError",
    "OutputFolderError",
    "SweepStatus",
    "SweepSummary",
    "load_design",
    "load_experiment",
    "load_failures",
    "load_results",
    "load_series",
    "run_sweep",
    "sweep_status",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bubblesim.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
