"""Chip generations: a regular cadence of more efficient accelerators plus an optional shock.

One step = one week; week 0 = 2026-01-05; frontier efficiency (compute per MW of the newest
generation) is 1.0 at week 0 (the Blackwell/GB300 generation being deployed then).

* Regular arrivals at nominal weeks ``first + k * cadence`` (k = 0, 1, ...), each delayed by an
  integer drawn uniformly from ``{0, ..., jitter}`` (no delay with the default jitter 0); each
  multiplies the frontier efficiency by ``cadence_multiple``.
* One optional extra generation (a Trainium-3-like shock) at ``shock_week`` multiplies it by
  ``shock_multiple``. The regular calendar is unaffected.
* ``E(t) = cadence_multiple ** n_regular(t) * shock_multiple ** n_shock(t)``; ``generation(t)`` is
  the number of arrivals so far. Arrivals in the same week all count.
"""

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator

from bubblesim.drivers.demand import advance_or_hold
from bubblesim.params import param

NO_SHOCK_WEEK: int = -1


class ChipParams(BaseModel):
    """Parameters of the chip-generation process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chip_cadence_weeks: int = param(
        104,
        unit="weeks",
        source="judgment: Hopper (2022–23) → Blackwell (2024–25) → Rubin (2026–27), ≈2 years",
        description="Weeks between regular generation arrivals.",
        ge=13,
        le=520,
        judgment=True,
    )
    chip_first_arrival_week: int = param(
        52,
        unit="weeks",
        source="judgment: next (Rubin-class) generation in volume ≈2 years after Blackwell's "
        "2025 ramp, i.e. early 2027",
        description="Nominal week of the first regular arrival after week 0.",
        ge=1,
        judgment=True,
    )
    chip_cadence_efficiency_multiple: float = param(
        2.0,
        unit="ratio (compute per MW, new / previous generation)",
        source="judgment: each NVIDIA generation ≈2x performance per watt",
        description="Frontier-efficiency multiple of each regular generation.",
        ge=1.0,
        le=10.0,
        judgment=True,
    )
    chip_cadence_jitter_weeks: int = param(
        0,
        unit="weeks",
        source="judgment: 0 (on schedule); product launches slip by up to a few quarters",
        description="Maximum random delay of each regular arrival (uniform integer).",
        ge=0,
        le=52,
        judgment=True,
    )
    chip_shock_week: int = param(
        NO_SHOCK_WEEK,
        unit="weeks (-1 = none)",
        source="judgment: off in the baseline; the new-chip scenario sets it",
        description="Week an extra, unscheduled generation arrives; -1 for none.",
        ge=NO_SHOCK_WEEK,
    )
    chip_shock_efficiency_multiple: float = param(
        4.0,
        unit="ratio (compute per MW, new / previous generation)",
        source="Trainium3: 4.4x the compute of Trainium2 (nand-research, Dec 2025), '4x energy "
        "efficiency' (AIwire); sources disagree (calibration-facts §3)",
        description="Frontier-efficiency multiple of the extra generation.",
        ge=1.0,
        le=10.0,
    )

    @field_validator("chip_shock_week")
    @classmethod
    def _shock_week_none_or_positive(cls, value: int) -> int:
        """Week 0 is the initial state, so a shock can only arrive from week 1 on."""
        if value == 0:
            raise ValueError("chip_shock_week must be -1 (none) or >= 1, got 0")
        return value


@dataclass(frozen=True, slots=True)
class ChipState:
    """The chip process at one week."""

    week: int
    frontier_efficiency: float
    generation: int
    new_generation_arrived: bool


class ChipProcess:
    """Frontier chip efficiency: regular generations plus an optional extra one.

    Args:
        params: The chip parameters.
        rng: This process's own generator (draws the arrival delays).
    """

    def __init__(self, params: ChipParams, rng: np.random.Generator) -> None:
        self.params = params
        self._rng = rng
        self._n_regular = 0
        self._n_shock = 0
        self._next_nominal_week = params.chip_first_arrival_week
        self._next_arrival_week = self._schedule(self._next_nominal_week)
        self.state = ChipState(
            week=0, frontier_efficiency=1.0, generation=0, new_generation_arrived=False
        )

    def _schedule(self, nominal_week: int, after_week: int = 0) -> int:
        """Arrival week: nominal week plus a random delay, never before ``after_week + 1``."""
        delay = int(self._rng.integers(0, self.params.chip_cadence_jitter_weeks + 1))
        return max(nominal_week + delay, after_week + 1)

    def _arrivals(self, week: int) -> tuple[int, int]:
        """Count the regular and shock arrivals at ``week`` and schedule the next regular one."""
        regular = int(self._next_arrival_week == week)
        if regular:
            self._next_nominal_week += self.params.chip_cadence_weeks
            self._next_arrival_week = self._schedule(self._next_nominal_week, week)
        shock = int(week == self.params.chip_shock_week)
        return regular, shock

    def step(self, week: int) -> ChipState:
        """Advance to ``week`` (the current week returns the current state unchanged).

        Args:
            week: The current week or the next one.

        Returns:
            The state at ``week``.
        """
        if not advance_or_hold(self.state.week, week, "ChipProcess"):
            return self.state
        p = self.params
        regular, shock = self._arrivals(week)
        self._n_regular += regular
        self._n_shock += shock
        efficiency = (
            p.chip_cadence_efficiency_multiple**self._n_regular
            * p.chip_shock_efficiency_multiple**self._n_shock
        )
        self.state = ChipState(
            week=week,
            frontier_efficiency=efficiency,
            generation=self._n_regular + self._n_shock,
            new_generation_arrived=regular + shock > 0,
        )
        return self.state
