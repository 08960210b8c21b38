"""Runs and the play loop: the model steps in a worker thread, never on the render path.

A :class:`Run` is one model with its :class:`viz.timeline.Timeline`. The :class:`PlayLoop`
steps a run (and a pinned run, to keep it at the same week) in a background thread and captures
a snapshot after every week. It never touches reactive state: the page shows the snapshots when
the browser asks for the next frame (:mod:`viz.ticker`), so the loop cannot outrun the renderer.

The loop stays at most ``lookahead`` weeks ahead of the week on screen, so when nobody watches
(a closed or disconnected page) it waits instead of burning CPU; it also stops by itself once
no page of its session has been connected for ``DISCONNECT_GRACE_S``. It stops at the horizon,
at a new default when asked to, on an exception (kept as the run's error), and on ``stop()``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bubblesim.config import flat_values
from bubblesim.model import BubbleModel
from viz.timeline import Timeline

DISCONNECT_GRACE_S = 3.0
JOIN_TIMEOUT_S = 5.0
SWITCH_INTERVAL_S = 0.001
"""How long a thread may hold the GIL while another waits for it (Python's default: 5 ms).

While the worker steps a large economy, the page's render and the server's event loop hand the
GIL back and forth with it a few dozen times a frame; at 5 ms a handoff that alone costs
about 100 ms a frame. The play loop lowers it for the server process when it starts.
"""


@dataclass
class Run:
    """One model and its per-week snapshots.

    Attributes:
        scenario: The scenario it was built from (a preset name or a scenario file's path).
        label: The scenario's display name.
        seed: The seed.
        overrides: The parameter values that differ from the scenario's.
        model: The live model.
        timeline: Its snapshots, week 0 to ``model.week``.
        values: Every flat parameter's value.
        error: The exception that stopped it, as text, or None.
    """

    scenario: str
    label: str
    seed: int
    overrides: dict[str, Any]
    model: BubbleModel
    timeline: Timeline
    values: dict[str, Any]
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(cls, scenario: str, seed: int, overrides: dict[str, Any], label: str = "") -> Run:
        """Build the model at week 0.

        Raises:
            bubblesim.config.ConfigError: On an invalid value (the message names the field).
        """
        model = BubbleModel(scenario=scenario, rng=int(seed), **overrides)
        return cls(
            scenario=scenario,
            label=label or scenario,
            seed=int(seed),
            overrides=dict(overrides),
            model=model,
            timeline=Timeline.of(model),
            values=flat_values(model.config),
        )

    @property
    def week(self) -> int:
        """The latest week captured (what the views can show)."""
        return self.timeline.latest

    def n_defaults(self) -> int:
        """Defaults so far."""
        return len(self.timeline.default_week)

    def step(self) -> bool:
        """Advance one week and capture it; False (error kept) if the model raised."""
        if self.error is not None:
            return False
        with self.lock:
            try:
                self.model.step()
                self.timeline.capture(self.model)
            except Exception as err:  # a model bug must not kill the server
                self.error = f"the model failed at week {self.model.week}: {err!r}"
                return False
        return True


@dataclass(frozen=True)
class Outcome:
    """Why the play loop stopped (``reason``: horizon, default, error, stopped, disconnected)."""

    reason: str
    week: int
    message: str = ""


class PlayLoop:
    """Steps a run in a background thread, paced by the week on screen.

    Args:
        connected: Returns False while no page of this session is connected.
    """

    def __init__(self, connected: Callable[[], bool] | None = None):
        self._connected = connected or (lambda: True)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._shown = 0
        self.outcome: Outcome | None = None

    @property
    def running(self) -> bool:
        """True while the worker thread lives (and was not told to stop)."""
        alive = self._thread is not None and self._thread.is_alive()
        return alive and not self._stop.is_set()

    def start(
        self,
        run: Run,
        *,
        until_week: int,
        shown_week: int,
        lookahead: int | None = None,
        pause_on_default: bool = False,
        pinned: Run | None = None,
    ) -> None:
        """Start stepping ``run`` towards ``until_week`` (stops any previous loop first).

        Args:
            run: The run to step.
            until_week: Stop when the run reaches this week (the horizon, or a target).
            shown_week: The week on screen now.
            lookahead: Weeks the run may be ahead of the screen (None: no limit).
            pause_on_default: Stop in the week of the next default.
            pinned: A run kept at the same week as ``run`` (its own errors stop only it).
        """
        self.stop()
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        self._stop.clear()
        self._shown = int(shown_week)
        self.outcome = None
        self._thread = threading.Thread(
            target=self._loop,
            args=(run, int(until_week), lookahead, pause_on_default, pinned),
            name="bubblesim-play",
            daemon=True,
        )
        self._thread.start()

    def shown(self, week: int) -> None:
        """The page now shows ``week``: the loop may step further ahead."""
        with self._wake:
            self._shown = int(week)
            self._wake.notify_all()

    def stop(self, wait: bool = True) -> None:
        """Stop the loop; with ``wait``, also wait for the week in progress to finish.

        Without waiting, the week in progress may still be added to the run (never shown until
        asked for); a later ``start`` or ``stop`` waits for it.
        """
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(JOIN_TIMEOUT_S)
            self._thread = None

    def _loop(
        self,
        run: Run,
        until: int,
        lookahead: int | None,
        pause_on_default: bool,
        pinned: Run | None,
    ) -> None:
        defaults = run.n_defaults()
        away_since: float | None = None
        outcome = None
        while outcome is None:
            if self._stop.is_set():
                outcome = Outcome("stopped", run.week)
                break
            if run.week >= until:
                outcome = Outcome("horizon", run.week)
                break
            if not self._connected():
                away_since = away_since or time.monotonic()
                if time.monotonic() - away_since > DISCONNECT_GRACE_S:
                    outcome = Outcome("disconnected", run.week)
                    break
            else:
                away_since = None
            with self._wake:
                if lookahead is not None and run.week >= self._shown + lookahead:
                    self._wake.wait(0.25)
                    continue
            if not run.step():
                outcome = Outcome("error", run.week, run.error or "")
                break
            if pinned is not None and pinned is not run and pinned.week < run.week:
                pinned.step()
            if pause_on_default and run.n_defaults() > defaults:
                names = [run.timeline.names[i] for i in run.timeline.default_week]
                new = names[defaults:]
                outcome = Outcome("default", run.week, ", ".join(new))
        self.outcome = outcome
