"""Run one simulation and return everything it produced, in one object.

``run_simulation`` is the single entry point shared by the CLI, the sweeps and the experiments:
it builds the model from a scenario and flat overrides, runs it, and returns the configuration,
the series, the event log and the verdict's scalars.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from bubblesim.accounts.events import EventLog
from bubblesim.agents.base import AGENT_TYPES
from bubblesim.config import ConfigError, ModelConfig
from bubblesim.model import BubbleModel
from bubblesim.reporting.verdict import CascadeVerdict
from bubblesim.units import WEEKS_PER_YEAR

DEFAULT_STEPS = 10 * WEEKS_PER_YEAR
"""Ten simulated years, 2026–2035."""

MAX_SEED = 2**63 - 1
"""The largest seed: seeds are stored as 64-bit signed integers (run files, sweep tables)."""

NOT_PARAMETERS = frozenset({"scenario", "seed", "steps", "config", "rng", "economy"})
"""Names that have their own argument and are refused as parameter overrides."""


def check_seed(seed: Any) -> int:
    """Return the seed as an int, or raise ConfigError unless it is in ``[0, MAX_SEED]``."""
    value = _integer("seed", seed)
    if not 0 <= value <= MAX_SEED:
        raise ConfigError(f"seed must be between 0 and {MAX_SEED} (2**63 - 1), got {value}")
    return value


def check_steps(steps: Any) -> int:
    """Return the number of weeks as an int (None: the default), or raise ConfigError below 1."""
    if steps is None:
        return DEFAULT_STEPS
    value = _integer("steps", steps)
    if value < 1:
        raise ConfigError(f"steps must be at least 1 (weeks to simulate), got {value}")
    return value


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None


def check_overrides(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the overrides as a dict, refusing the names that have their own argument."""
    overrides = dict(overrides or {})
    for name in sorted(NOT_PARAMETERS & overrides.keys()):
        raise ConfigError(
            f"{name!r} is not a parameter: it has its own argument (--{name} on the command line)"
        )
    return overrides


@dataclass(frozen=True)
class SimulationResult:
    """The outputs of one run.

    The series and the event log are built as DataFrames on first access, so callers that need
    only the scalars (sweeps) do not pay for them.

    Attributes:
        config: The exact configuration (``config.model_dump()`` to serialise).
        seed: The seed.
        steps: Weeks simulated.
        verdict: The cascade verdict.
        scalars: Verdict magnitudes and final counts, flat (for sweeps and tables).
        columns: The model-level series as lists by name (``week`` included).
        event_log: The event log.
    """

    config: ModelConfig
    seed: int
    steps: int
    verdict: CascadeVerdict
    scalars: dict[str, float]
    columns: dict[str, list[float]] = field(repr=False)
    event_log: EventLog = field(repr=False)

    @cached_property
    def series(self) -> pd.DataFrame:
        """Model-level series, one row per week, index ``week``."""
        return pd.DataFrame(self.columns).set_index("week")

    @cached_property
    def events(self) -> pd.DataFrame:
        """The event log, one row per event."""
        return self.event_log.to_frame()


def run_simulation(
    *,
    scenario: str = "baseline",
    overrides: Mapping[str, Any] | None = None,
    seed: int = 0,
    steps: int | None = None,
    progress: bool = False,
) -> SimulationResult:
    """Build, run and summarise one simulation.

    Args:
        scenario: A preset name or a path to a scenario TOML file.
        overrides: Flat parameter overrides on top of the scenario.
        seed: The seed, 0 to ``MAX_SEED`` (all randomness flows from it).
        steps: Weeks to simulate, at least 1 (default 520, ten years).
        progress: Show a progress bar.

    Returns:
        The result.

    Raises:
        bubblesim.config.ConfigError: On an unknown scenario, an invalid parameter, an override
            named like an argument (``scenario``, ``seed``, ...), a seed outside
            ``[0, MAX_SEED]`` or fewer than one step.
    """
    steps = check_steps(steps)
    seed = check_seed(seed)
    model = BubbleModel(scenario=scenario, rng=seed, **check_overrides(overrides))
    for _ in tqdm(range(steps), desc="weeks", unit="wk", disable=not progress, leave=False):
        model.step()
    return summarise(model, seed=seed)


def summarise(model: BubbleModel, *, seed: int) -> SimulationResult:
    """Collect a finished model's outputs into a :class:`SimulationResult`."""
    columns = model.series_columns()
    verdict = model.verdict()
    scalars = verdict.scalars()
    for kind in AGENT_TYPES:
        scalars[f"n_defaults_{kind}"] = float(columns[f"defaults_{kind}"][-1])
    scalars["lender_losses_usd"] = float(columns["lender_losses_usd"][-1])
    scalars["final_credit_outstanding_usd"] = float(columns["credit_outstanding_usd"][-1])
    return SimulationResult(
        config=model.config,
        seed=seed,
        steps=model.week,
        verdict=verdict,
        scalars=scalars,
        columns=columns,
        event_log=model.events,
    )
