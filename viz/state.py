"""Per-session explorer state: scenario, seed, parameter values and the live model.

One :class:`Explorer` exists per browser session (the page creates it with ``solara.use_memo``),
so two sessions never share a model. Control values live in ``solara`` reactives; the model is
a plain attribute mutated by :meth:`Explorer.step`, and every change bumps ``version`` so the
views that read it re-render.
"""

from __future__ import annotations

import threading
from typing import Any

import solara

from bubblesim.config import ConfigError, flat_values
from bubblesim.model import BubbleModel
from bubblesim.scenarios import list_scenarios, scenario_config

MAX_WEEKS_PER_FRAME = 52
LARGE_ECONOMY = 200  # agents; above this, heavy views refresh every few weeks while playing
HEAVY_VIEW_EVERY_WEEKS = 4


def scenario_values(name: str) -> dict[str, Any]:
    """Every flat parameter's value under a preset (defaults with the preset's overrides).

    Raises:
        ConfigError: If the preset is unknown or invalid.
    """
    return flat_values(scenario_config(name))


def scenario_names() -> list[str]:
    """The shipped presets, ``baseline`` first."""
    return [s.name for s in list_scenarios()]


class Explorer:
    """The state behind one explorer page.

    Args:
        scenario: The preset to start from.
        seed: The model's seed.

    Attributes:
        scenario: The chosen preset (reactive).
        seed: The seed (reactive).
        values: Every flat parameter's value (reactive dict).
        error: The last error message, or None (reactive).
        version: Bumped whenever the model changes (reactive).
        playing: Whether the play loop runs (reactive).
        weeks_per_frame: Weeks stepped per frame while playing (reactive).
        pause_on_default: Stop playing when a new default happens (reactive).
        selected: Unique id of the selected agent, or None (reactive).
        model: The live model (None only if the very first build failed).
    """

    def __init__(self, scenario: str = "baseline", seed: int = 0):
        self.scenario = solara.reactive(scenario)
        self.seed = solara.reactive(int(seed))
        self.values = solara.reactive(scenario_values(scenario))
        self.error: solara.Reactive[str | None] = solara.reactive(None)
        self.version = solara.reactive(0)
        self.playing = solara.reactive(False)
        self.weeks_per_frame = solara.reactive(1)
        self.pause_on_default = solara.reactive(False)
        self.selected: solara.Reactive[int | None] = solara.reactive(None)
        self.model: BubbleModel | None = None
        self._lock = threading.RLock()
        self._series_key: tuple[int, int] | None = None
        self._series = None
        self.rebuild()

    # -- what the model is built from ----------------------------------------------------------
    def overrides(self) -> dict[str, Any]:
        """The parameter values that differ from the chosen preset's."""
        base = scenario_values(self.scenario.value)
        return {k: v for k, v in self.values.value.items() if base.get(k) != v}

    def rebuild(self) -> bool:
        """Build a fresh model at week 0 from the current controls; stop playing.

        Returns:
            True on success; False if the controls are invalid (the message goes to ``error``
            and the previous model stays).
        """
        self.playing.value = False
        try:
            model = BubbleModel(
                scenario=self.scenario.value, rng=int(self.seed.value), **self.overrides()
            )
        except (ConfigError, TypeError, ValueError) as err:
            self.error.value = str(err)
            return False
        with self._lock:
            self.model = model
        self.error.value = None
        self.selected.value = None
        self.version.value += 1
        return True

    def reset(self) -> bool:
        """Rebuild the model with the same controls (week 0 again)."""
        return self.rebuild()

    def set_scenario(self, name: str) -> bool:
        """Switch to a preset: its values replace every control, and the model is rebuilt."""
        try:
            values = scenario_values(name)
        except ConfigError as err:
            self.error.value = str(err)
            return False
        self.scenario.value = name
        self.values.value = values
        return self.rebuild()

    def set_param(self, name: str, value: Any) -> bool:
        """Change one parameter and rebuild the model (an invalid value shows a message)."""
        if name not in self.values.value:
            self.error.value = f"unknown parameter {name!r}"
            return False
        self.values.value = {**self.values.value, name: value}
        return self.rebuild()

    def set_seed(self, seed: Any) -> bool:
        """Change the seed and rebuild the model."""
        try:
            seed_int = int(seed)
        except (TypeError, ValueError):
            self.error.value = f"seed must be a whole number, got {seed!r}"
            return False
        if seed_int < 0:
            self.error.value = f"seed must be non-negative, got {seed_int}"
            return False
        self.seed.value = seed_int
        return self.rebuild()

    # -- running -------------------------------------------------------------------------------
    def step(self, weeks: int = 1) -> int:
        """Advance the model ``weeks`` weeks, then notify the views.

        An exception inside the model stops playing and is shown as a message.

        Returns:
            The number of weeks actually stepped.
        """
        if self.model is None:
            return 0
        done, failure, hit = 0, None, False
        pause = self.pause_on_default.value  # reactives are read and set outside the lock
        with self._lock:  # views wait (``reading``) while the model is inside a step
            model = self.model
            defaults_before = len(model.events.defaults())
            try:
                for _ in range(max(0, int(weeks))):
                    model.step()
                    done += 1
                    if pause and len(model.events.defaults()) > defaults_before:
                        hit = True
                        break
            except Exception as err:  # a model bug must not kill the server
                failure = f"the model failed at week {model.week}: {err!r}"
        if failure is not None:
            self.error.value = failure
        if failure is not None or hit:
            self.playing.value = False
        self.version.value += 1
        return done

    def reading(self) -> threading.RLock:
        """A context manager that keeps the play thread from stepping while a view reads."""
        return self._lock

    def refresh_key(self, every_weeks: int = HEAVY_VIEW_EVERY_WEEKS) -> tuple[int, int]:
        """When a heavy view must recompute: every week, except for a large economy at play.

        While a large economy (more than ``LARGE_ECONOMY`` agents) plays, the key changes every
        ``every_weeks`` weeks only; paused, it follows the week, so the views are always
        current when the user looks closely.
        """
        model = self.model
        if model is None:
            return (0, 0)
        if self.playing.value and len(model.firms) > LARGE_ECONOMY:
            return (id(model), model.week // every_weeks)
        return (id(model), model.week)

    def series(self):
        """The model's series, computed once per week (several views read it)."""
        model = self.model
        key = (id(model), model.week)
        if self._series_key != key:
            self._series, self._series_key = model.series(), key
        return self._series

    def selected_agent(self):
        """The selected agent, or None."""
        uid = self.selected.value
        if self.model is None or uid is None:
            return None
        for firm in self.model.firms.values():
            if firm.unique_id == uid:
                return firm
        return None
