"""Everything about an experiment that can be checked before a sweep writes anything.

* The runner: experiment files are data, so only the built-in runner
  (``bubblesim.simulate:run_simulation``) is used unless its module is allowed with
  ``--allow-runner MODULE`` or the ``BUBBLESIM_ALLOW_RUNNERS`` environment variable (module
  names separated by commas). A custom runner is code: the sweep imports its module, which runs
  that module's top-level code, in the driver and in every worker. An allowed runner must be
  importable and accept the keyword arguments ``scenario``, ``overrides``, ``seed``, ``steps``.
* The size: a design of more than ``max_runs`` runs is refused before it is built.
* With the built-in runner, the model: the scenario resolves, every name is a model parameter,
  the fixed values and the first design point validate, and the outcomes name scalars and
  series a run produces.
* The scenario's content, for the experiment's digest: a preset's or scenario file's
  overrides (built-in runner), or the SHA-256 of a scenario file (custom runner).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from bubblesim.sweep.design import expected_runs
from bubblesim.sweep.experiment import DEFAULT_RUNNER, Experiment, ExperimentError

ALLOW_RUNNERS_ENV = "BUBBLESIM_ALLOW_RUNNERS"
"""Environment variable: modules whose runners experiment files may name (comma-separated)."""

DEFAULT_MAX_RUNS = 10**6
"""The largest sweep run without ``--max-runs``."""


def allowed_runner_modules(extra: Iterable[str] = ()) -> set[str]:
    """The modules allowed to provide runners: ``extra`` plus ``BUBBLESIM_ALLOW_RUNNERS``."""
    env = os.environ.get(ALLOW_RUNNERS_ENV, "")
    return {m.strip() for m in [*extra, *env.split(",")] if m.strip()}


def check_runner_allowed(experiment: Experiment, allowed: Iterable[str], *, source: str) -> None:
    """Refuse a custom runner whose module is not allowed (before importing anything).

    Raises:
        ExperimentError: Naming the runner and how to allow it.
    """
    if experiment.runner == DEFAULT_RUNNER:
        return
    module = experiment.runner.partition(":")[0]
    if module not in set(allowed):
        raise ExperimentError(
            f"{source}: runner {experiment.runner!r} is not the built-in runner. A custom runner "
            f"is code the sweep imports and runs; if you trust it, allow its module with "
            f"--allow-runner {module} (or {ALLOW_RUNNERS_ENV}={module})"
        )


def check_runner(experiment: Experiment, *, source: str) -> None:
    """Import the runner and check its signature (an allowed custom runner's code runs here).

    Raises:
        ExperimentError: If it cannot be imported or does not take the sweep's arguments.
    """
    from bubblesim.sweep.worker import check_runner_signature, resolve_runner

    try:
        check_runner_signature(experiment.runner, resolve_runner(experiment.runner))
    except ValueError as exc:
        raise ExperimentError(f"{source}: {exc}") from None


def check_size(
    experiment: Experiment, max_runs: int, max_seeds: int | None, *, source: str
) -> tuple[int, int]:
    """Refuse a design above ``max_runs`` runs, counted from its definition alone.

    Returns:
        ``(points, seeds per point)``.

    Raises:
        ExperimentError: With the count and how to raise the limit.
    """
    points, seeds = expected_runs(experiment, max_seeds)
    if points * seeds > max_runs:
        raise ExperimentError(
            f"{source}: the design has {points * seeds:,} runs ({points:,} points x {seeds:,} "
            f"seeds), more than --max-runs {max_runs:,}; raise --max-runs to run it"
        )
    return points, seeds


def check_model(experiment: Experiment, design: pd.DataFrame, *, source: str) -> dict[str, Any]:
    """Validate an experiment against the model (built-in runner only).

    Args:
        experiment: The experiment.
        design: Its design points (the first one is validated).
        source: The file name for messages.

    Returns:
        The resolved scenario's content (its flat overrides), for the digest.

    Raises:
        ExperimentError: On an unknown scenario, parameter or outcome, or an invalid fixed
            value or first design point; the message names the entry.
    """
    from bubblesim.config import ConfigError, parameters
    from bubblesim.scenarios import load_scenario, scenario_config

    known = parameters()
    unknown = sorted(n for n in [*experiment.fixed, *experiment.parameters] if n not in known)
    if unknown:
        raise ExperimentError(
            f"{source}: unknown model parameter(s) {unknown}; "
            "bubblesim.config.parameters() lists the names"
        )
    try:
        scenario = load_scenario(experiment.scenario)
    except ConfigError as exc:
        raise ExperimentError(f"{source}: scenario: {exc}") from None
    try:
        scenario_config(experiment.scenario, experiment.fixed)
    except ConfigError as exc:
        raise ExperimentError(f"{source}: fixed: {exc}") from None
    first = {k: _plain(v) for k, v in design.iloc[0].items()} if len(design) else {}
    try:
        config = scenario_config(experiment.scenario, {**experiment.fixed, **first})
    except ConfigError as exc:
        raise ExperimentError(f"{source}: parameters (the first design point): {exc}") from None
    _check_outcomes(experiment, config, source=source)
    return {"name": scenario.name, "overrides": scenario.overrides}


def scenario_file_content(scenario: str) -> dict[str, str] | None:
    """For a custom runner: the SHA-256 of the scenario if it names a file, else None."""
    path = Path(scenario)
    if not path.is_file():
        return None
    try:
        return {"file_sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    except OSError:
        return None


def _check_outcomes(experiment: Experiment, config: Any, *, source: str) -> None:
    """The wanted scalars and series must be ones a run produces (seen on an unstepped model)."""
    outcomes = experiment.outcomes
    if not outcomes.scalars and not outcomes.series:
        return
    from bubblesim.model import BubbleModel
    from bubblesim.simulate import summarise

    result = summarise(BubbleModel(config=config, rng=0), seed=0)
    for kind, wanted, have in (
        ("scalars", outcomes.scalars, set(result.scalars)),
        ("series", outcomes.series, set(result.columns) - {"week"}),
    ):
        missing = [n for n in wanted if n not in have]
        if missing:
            raise ExperimentError(
                f"{source}: outcomes.{kind}: unknown {missing}; a run has {sorted(have)}"
            )


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
