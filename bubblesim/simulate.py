"""Run one simulation and return everything it produced, in one object.

``run_simulation`` is the single entry point shared by the CLI, the sweeps and the experiments:
it builds the model from a scenario and flat overrides, runs it, and returns the configuration,
the series, the event log and the verdict's scalars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from bubblesim.accounts.events import EventLog
from bubblesim.config import ModelConfig
from bubblesim.model import BubbleModel
from bubblesim.reporting.verdict import CascadeVerdict
from bubblesim.units import WEEKS_PER_YEAR

DEFAULT_STEPS = 10 * WEEKS_PER_YEAR
"""Ten simulated years, 2026–2035."""


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
        seed: The seed (all randomness flows from it).
        steps: Weeks to simulate (default 520, ten years).
        progress: Show a progress bar.

    Returns:
        The result.

    Raises:
        bubblesim.config.ConfigError: On an unknown scenario or an invalid parameter.
        ValueError: On a negative number of steps.
    """
    steps = DEFAULT_STEPS if steps is None else int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    model = BubbleModel(scenario=scenario, rng=int(seed), **dict(overrides or {}))
    for _ in tqdm(range(steps), desc="weeks", unit="wk", disable=not progress, leave=False):
        model.step()
    return summarise(model, seed=int(seed))


def summarise(model: BubbleModel, *, seed: int) -> SimulationResult:
    """Collect a finished model's outputs into a :class:`SimulationResult`."""
    columns = model.series_columns()
    verdict = model.verdict()
    scalars = verdict.scalars()
    for kind in ("lab", "hyperscaler", "neocloud", "miner", "lender"):
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
