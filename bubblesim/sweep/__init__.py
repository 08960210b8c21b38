"""Batch parameter sweeps: experiments as TOML, designs, resumable runs, analysis.

Typical use::

    from bubblesim.sweep import run_sweep, load_results, sweep_status
    run_sweep("experiments/demand_vs_leverage.toml", "sweeps/dvl", max_seeds=10)
    frame = load_results("sweeps/dvl")  # parameters + seed + scalar outcomes, one row per run

See ``docs/sweeps.md``.
"""

from bubblesim.sweep.experiment import Experiment, ExperimentError, load_experiment
from bubblesim.sweep.runner import SweepSummary, run_sweep
from bubblesim.sweep.status import SweepStatus, sweep_status
from bubblesim.sweep.storage import (
    OutputFolderError,
    load_design,
    load_failures,
    load_results,
    load_series,
)

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
