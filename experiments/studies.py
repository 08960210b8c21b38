"""What the studies share: declared sweeps, Shapley values, threshold searches, provenance.

Declared sweeps run by the sweep runner, exact Shapley values over contagion channels, a
bisection for the smallest shock that crosses a probability, and the ``meta.json`` each study
writes beside its results.

Every study runs its simulations through :func:`bubblesim.sweep.run_sweep` (resumable, one
writer per folder, the local pool by default or Dask with ``executor="dask"``), from an
experiment file it writes into its results folder, so a study's runs can be inspected, resumed
and re-analysed with ``bubblesim sweep status`` and ``bubblesim analyze`` like any sweep.
"""

from __future__ import annotations

import itertools
import json
import math
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bubblesim.sweep import load_results, run_sweep
from bubblesim.sweep.storage import source_commit

#: The verdict's scalars every study keeps for each run.
OUTCOMES = (
    "cascade",
    "severity_score",
    "legs_met",
    "miner_capacity_defaulted_share",
    "lender_loss_to_capital",
    "credit_contraction",
    "gpu_price_peak_to_trough",
    "first_default_week",
    "n_defaults",
    "n_defaults_lab",
    "n_defaults_neocloud",
    "n_defaults_miner",
    "n_defaults_lender",
    "n_defaults_hyperscaler",
    "n_defaults_vendor",
)


def parse_floats(text: str) -> list[float]:
    """``"0,0.5,1"`` → ``[0.0, 0.5, 1.0]`` (for command-line arguments)."""
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise ValueError(f"expected comma-separated numbers, got {text!r}")
    return values


# -- declared sweeps -------------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} to an experiment file")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to an experiment file")


def experiment_toml(
    name: str,
    *,
    scenario: str,
    steps: int,
    seeds: int,
    parameters: Mapping[str, Sequence[Any]],
    fixed: Mapping[str, Any] | None = None,
    outcomes: Sequence[str] = OUTCOMES,
    description: str = "",
) -> str:
    """A grid experiment (every combination of the parameters' values) as TOML text."""
    lines = [
        f"name = {_toml_value(name)}",
        f"description = {_toml_value(description or name)}",
        f"scenario = {_toml_value(scenario)}",
        f"steps = {int(steps)}",
        f"seeds = {{ start = 0, count = {int(seeds)} }}",
        "",
        "[fixed]",
        *(f"{k} = {_toml_value(v)}" for k, v in (fixed or {}).items()),
        "",
        "[parameters]",
        *(f"{k} = {_toml_value(list(v))}" for k, v in parameters.items()),
        "",
        "[design]",
        'kind = "grid"',
        "",
        "[outcomes]",
        f"scalars = {_toml_value(list(outcomes))}",
    ]
    return "\n".join(lines) + "\n"


def run_grid(
    folder: Path,
    name: str,
    *,
    scenario: str,
    steps: int,
    seeds: int,
    parameters: Mapping[str, Sequence[Any]],
    fixed: Mapping[str, Any] | None = None,
    outcomes: Sequence[str] = OUTCOMES,
    workers: int | None = None,
    executor: str = "process",
    progress: bool = True,
) -> pd.DataFrame:
    """Run (or resume) a grid sweep in ``folder / name`` and return its finished runs."""
    out = folder / name
    out.mkdir(parents=True, exist_ok=True)
    path = out / "experiment.toml"
    text = experiment_toml(
        name,
        scenario=scenario,
        steps=steps,
        seeds=seeds,
        parameters=parameters,
        fixed=fixed,
        outcomes=outcomes,
    )
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    run_sweep(path, out / "runs", workers=workers, executor=executor, progress=progress)
    return load_results(out / "runs")


# -- Shapley decomposition -------------------------------------------------------------------------
def shapley_values(
    value: Mapping[frozenset[str], float], players: Sequence[str]
) -> dict[str, float]:
    """Exact Shapley values of a game given on every coalition (Shapley 1953).

    ``φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))``: each player's
    marginal contribution averaged over every order in which players could join. The values sum
    to ``v(N) − v(∅)`` (efficiency).

    Args:
        value: ``v(S)`` for every subset ``S`` of ``players`` (as frozensets).
        players: The players.

    Returns:
        ``φ_i`` by player.
    """
    n = len(players)
    out = {}
    for i in players:
        others = [p for p in players if p != i]
        total = 0.0
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in itertools.combinations(others, size):
                s = frozenset(subset)
                total += weight * (value[s | {i}] - value[s])
        out[i] = total
    return out


def shapley_interactions(
    value: Mapping[frozenset[str], float], players: Sequence[str]
) -> dict[tuple[str, str], float]:
    """Shapley interaction index of every pair of players (Grabisch & Roubens 1999).

    ``I_ij = Σ_{S ⊆ N∖{i,j}} |S|! (n − |S| − 2)! / (n − 1)! · (v(S∪{i,j}) − v(S∪{i}) −
    v(S∪{j}) + v(S))``: positive when two channels do more together than apart
    (complements), negative when either one alone does the work of both (substitutes).
    """
    n = len(players)
    out = {}
    for i, j in itertools.combinations(players, 2):
        others = [p for p in players if p not in (i, j)]
        total = 0.0
        for size in range(n - 1):
            weight = math.factorial(size) * math.factorial(n - size - 2) / math.factorial(n - 1)
            for subset in itertools.combinations(others, size):
                s = frozenset(subset)
                total += weight * (value[s | {i, j}] - value[s | {i}] - value[s | {j}] + value[s])
        out[(i, j)] = total
    return out


# -- thresholds ------------------------------------------------------------------------------------
@dataclass
class Threshold:
    """The result of a threshold search.

    Attributes:
        target: The probability sought.
        value: The smallest shock at which the probability reaches ``target`` (the bracket's
            upper end, within ``tolerance``), or None if it does not up to the search's bound.
        bracket: ``(below, at_or_above)``: the last shocks found under and at the target.
        evaluations: Every shock evaluated and its probability, in order.
    """

    target: float
    value: float | None
    bracket: tuple[float | None, float | None]
    evaluations: list[tuple[float, float]] = field(default_factory=list)


def find_threshold(
    probability: Callable[[float], float],
    target: float,
    low: float,
    high: float,
    tolerance: float,
    known: Mapping[float, float] | None = None,
) -> Threshold:
    """Smallest shock in ``[low, high]`` whose probability reaches ``target``, by bisection.

    Assumes the probability rises with the shock (with the seeds fixed it is a step function of
    the shock, flat between the points where a seed's outcome flips). Evaluations already known
    (``known``) are reused.

    Args:
        probability: The estimated probability at a shock (e.g. a sweep over fixed seeds).
        target: The probability to reach.
        low: The smallest shock searched (evaluated first).
        high: The search's bound.
        tolerance: Stop when the bracket is narrower than this.
        known: Probabilities already estimated, by shock.

    Returns:
        The threshold (``value`` None if even ``high`` falls short; ``low`` if it already
        reaches the target).
    """
    seen = dict(known or {})
    order: list[tuple[float, float]] = []

    def p(x: float) -> float:
        if x not in seen:
            seen[x] = float(probability(x))
        order.append((x, seen[x]))
        return seen[x]

    if high in seen and seen[high] < target:  # known to fall short at the bound: nothing to run
        return Threshold(target, None, (high, None), [(high, seen[high])])
    if p(low) >= target:
        return Threshold(target, low, (None, low), order)
    if p(high) < target:
        return Threshold(target, None, (high, None), order)
    below, above = low, high
    while above - below > tolerance:
        middle = round((below + above) / 2.0, 10)
        if p(middle) >= target:
            above = middle
        else:
            below = middle
    return Threshold(target, above, (below, above), order)


# -- provenance ------------------------------------------------------------------------------------
def commit() -> str:
    """The checkout's commit (with ``-dirty`` when ``bubblesim/`` has changes), or ``""``."""
    return source_commit()


def write_meta(path: Path, started: float, **fields: Any) -> dict[str, Any]:
    """Write a study's ``meta.json``: the commit, the machine, the wall time and ``fields``."""
    meta = {
        "commit": commit(),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.node()}",
        "wall_time_s": round(time.perf_counter() - started, 1),
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **fields,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(meta, indent=2, default=str) + "\n")
    return meta
