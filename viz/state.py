"""Per-session explorer state: the controls, the live run, a pinned run, the week on screen.

One :class:`Explorer` exists per browser session (the page creates it with ``solara.use_memo``),
so two sessions never share a model. Control values live in ``solara`` reactives. The live run
(:class:`viz.engine.Run`) is stepped by the play loop in a worker thread; what the page shows is
one reactive :class:`View` (the week on screen, the mode, a frame counter), set only in the
session's message thread: by a click, or by :meth:`Explorer.tick` when the browser asks for the
next frame (:mod:`viz.ticker`).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import os
import time
from dataclasses import dataclass
from typing import Any

import solara

from bubblesim.config import ConfigError
from bubblesim.scenarios import scenario_config
from bubblesim.simulate import DEFAULT_STEPS
from viz.catalog import (
    MAX_HORIZON_WEEKS,
    link_query,
    parse_query,
    resolve_scenario,
    scenario_values,
)
from viz.engine import Outcome, PlayLoop, Run
from viz.seeds import SeedsJob

MAX_WEEKS_PER_FRAME = 52
PARTIAL_FRAME_AFTER_S = 0.3  # a frame still short of its weeks after this shows what there is
MIN_LOOKAHEAD_WEEKS = 4
SEEDS_FRAME_S = 0.25  # the many-seeds panel redraws at most this often
MAX_SEEDS = 1000
FRAME_STATS = 2000  # server times of the latest frames drawn on request, for benchmarks
TABS = ("Charts", "Cascade", "Agents", "Compare", "Many seeds", "Export")
AGENTS_TAB = TABS.index("Agents")


@dataclass(frozen=True)
class View:
    """What the page shows.

    Attributes:
        week: The week on screen (at most the live run's latest week).
        mode: ``idle``, ``play`` (one frame per ``weeks_per_frame`` weeks) or ``advance``
            (the +52 weeks button: frames as the weeks come).
        frame: Bumped on every frame drawn while something runs.
        run: Bumped whenever the live run is replaced.
        seeds: Bumped when the many-seeds job has progressed.
    """

    week: int = 0
    mode: str = "idle"
    frame: int = 0
    run: int = 0
    seeds: int = 0


@dataclass(frozen=True)
class Change:
    """A change of the scenario, the seed or a parameter, waiting for the user's decision."""

    kind: str  # "scenario" | "seed" | "param"
    name: str
    value: Any

    def describe(self) -> str:
        """One phrase: what would change."""
        if self.kind == "scenario":
            return f"switching to the scenario {self.value}"
        if self.kind == "seed":
            return f"changing the seed to {self.value}"
        return f"setting {self.name} to {self.value}"


def _current_context():
    """This session's solara-server kernel context, or None outside a server."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context()
    except Exception:
        return None


def page_connected(context) -> bool:
    """False once no page of the session is connected (True outside a server)."""
    if context is None:
        return True
    closed = getattr(context, "closed_event", None)
    if closed is not None and closed.is_set():
        return False
    statuses = list(getattr(context, "page_status", {}).values())
    if not statuses:
        return True
    return any(getattr(s, "name", "") == "CONNECTED" for s in statuses)


class Explorer:
    """The state behind one explorer page.

    Args:
        scenario: The scenario to start from (a preset, or a file of the user's folder).
        seed: The model's seed.
        overrides: Parameter values that differ from the scenario's.
        horizon: The week at which play stops.

    Attributes:
        scenario, seed, horizon, values: The controls (reactive).
        error: The last error message, or None (reactive); cleared by the next action that
            succeeds.
        notice: Why play stopped, or another short note (reactive).
        view: What the page shows (reactive :class:`View`).
        weeks_per_frame: Weeks per frame while playing (reactive).
        pause_on_default: Stop playing in the week of the next default (reactive).
        selected: Index of the selected agent in the live run's timeline (reactive).
        pending: A change waiting for the user's decision, mid-run (reactive).
        pinned_version: Bumped when a run is pinned or unpinned (reactive).
        tab: The open tab of the main area (reactive).
        run: The live run. pinned: The pinned run, or None.
        seeds: The many-seeds job, or None.
        frame_ms: Server time of each of the latest frames drawn on the browser's request, from
            the request to the end of the render (recorded by :mod:`viz.ticker`), ms.
    """

    def __init__(
        self,
        scenario: str = "baseline",
        seed: int = 0,
        overrides: dict[str, Any] | None = None,
        horizon: int = DEFAULT_STEPS,
    ):
        self.scenario = solara.reactive(scenario)
        self.seed = solara.reactive(int(seed))
        self.horizon = solara.reactive(int(horizon))
        self.values = solara.reactive({**scenario_values(scenario), **(overrides or {})})
        self.error: solara.Reactive[str | None] = solara.reactive(None)
        self.notice: solara.Reactive[str | None] = solara.reactive(None)
        self.view = solara.reactive(View())
        self.weeks_per_frame = solara.reactive(1)
        self.pause_on_default = solara.reactive(False)
        self.selected: solara.Reactive[int | None] = solara.reactive(None)
        self.pending: solara.Reactive[Change | None] = solara.reactive(None)
        self.pinned_version = solara.reactive(0)
        self.tab = solara.reactive(0)
        self.run: Run | None = None
        self.pinned: Run | None = None
        self.seeds: SeedsJob | None = None
        self._context = _current_context()
        self.loop = PlayLoop(connected=self.connected)
        self._ticker = None
        self._render_context = None
        self._close_hooked = False
        self.tick_started = 0.0
        self._frame_at = 0.0
        self.frame_ms: collections.deque[float] = collections.deque(maxlen=FRAME_STATS)
        self._seeds_drawn: tuple = ()
        self._seeds_drawn_at = 0.0
        if not self._build(scenario, int(seed), self.values.value):
            self._build("baseline", 0, scenario_values("baseline"))

    @classmethod
    def from_query(cls, search: str | None) -> Explorer:
        """An explorer opened from a link (see :func:`viz.catalog.parse_query`)."""
        link = parse_query(search)
        explorer = cls(link.scenario, link.seed, link.overrides, link.horizon)
        if link.problems:
            explorer.error.value = "the link was partly ignored: " + "; ".join(link.problems)
        return explorer

    # -- session plumbing ----------------------------------------------------------------------
    def connected(self) -> bool:
        """Whether a page of this session is connected."""
        return page_connected(self._context)

    def bind(self, render_context=None) -> None:
        """Remember the page's render context (to batch updates) and the kernel context."""
        self._render_context = render_context
        if self._context is None:
            self._context = _current_context()
        if self._context is not None and not self._close_hooked:
            with contextlib.suppress(AttributeError):
                self._context.on_close(self.shutdown)
                self._close_hooked = True

    def bind_ticker(self, widget) -> None:
        """Remember the page's frame clock (to answer requests that find nothing new)."""
        self._ticker = widget

    def batch(self):
        """A context in which several reactive changes make one render."""
        return (
            self._render_context if self._render_context is not None else contextlib.nullcontext()
        )

    def shutdown(self) -> None:
        """Stop the play loop and the many-seeds job (the page closed)."""
        self.loop.stop()
        if self.seeds is not None:
            self.seeds.cancel()

    # -- building ------------------------------------------------------------------------------
    def overrides_of(self, scenario: str, values: dict[str, Any]) -> dict[str, Any]:
        """The values that differ from a scenario's."""
        base = scenario_values(scenario)
        return {k: v for k, v in values.items() if base.get(k) != v}

    def overrides(self) -> dict[str, Any]:
        """The parameter values that differ from the chosen scenario's."""
        return self.overrides_of(self.scenario.value, self.values.value)

    def _build(self, scenario: str, seed: int, values: dict[str, Any]) -> bool:
        """Build a run from these settings and make it live; False (message shown) if invalid."""
        try:
            overrides = self.overrides_of(scenario, values)
            run = Run.build(resolve_scenario(scenario), seed, overrides, label=scenario)
        except (ConfigError, TypeError, ValueError) as err:
            self.error.value = str(err)
            return False
        self.loop.stop()
        self.run = run
        with self.batch():
            self.scenario.value = scenario
            self.seed.value = int(seed)
            self.values.value = dict(values)
            self.error.value = None
            self.notice.value = None
            self.pending.value = None
            self.selected.value = None
            view = self.view.value
            self.view.value = View(week=0, run=view.run + 1, frame=view.frame + 1, seeds=view.seeds)
        return True

    def rebuild(self) -> bool:
        """Build a fresh run at week 0 from the current controls."""
        return self._build(self.scenario.value, self.seed.value, self.values.value)

    def reset(self) -> bool:
        """Rebuild the run with the same controls (week 0 again)."""
        return self.rebuild()

    @property
    def model(self):
        """The live model."""
        return None if self.run is None else self.run.model

    def _validate(self, scenario: str, values: dict[str, Any]) -> bool:
        try:
            scenario_config(resolve_scenario(scenario), self.overrides_of(scenario, values))
        except (ConfigError, TypeError, ValueError) as err:
            self.error.value = str(err)
            return False
        return True

    # -- changes: applied at week 0, asked about mid-run ---------------------------------------
    def set_scenario(self, name: str) -> bool:
        """Switch to a scenario: its values replace every control."""
        try:
            scenario_values(name)
        except ConfigError as err:
            self.error.value = str(err)
            return False
        if name == self.scenario.value:
            return True
        return self._request(Change("scenario", "scenario", name))

    def set_param(self, name: str, value: Any) -> bool:
        """Change one parameter (an invalid value shows a message and changes nothing)."""
        if name not in self.values.value:
            self.error.value = f"unknown parameter {name!r}"
            return False
        if self.values.value[name] == value:
            return True
        if not self._validate(self.scenario.value, {**self.values.value, name: value}):
            return False
        return self._request(Change("param", name, value))

    def set_seed(self, seed: Any) -> bool:
        """Change the seed."""
        try:
            seed_int = int(seed)
        except (TypeError, ValueError):
            self.error.value = f"seed must be a whole number, got {seed!r}"
            return False
        if seed_int < 0:
            self.error.value = f"seed must be non-negative, got {seed_int}"
            return False
        if seed_int == self.seed.value:
            return True
        return self._request(Change("seed", "seed", seed_int))

    def _request(self, change: Change) -> bool:
        if self.run is not None and self.run.week > 0:
            self.pause()
            self.pending.value = change
            return True
        return self._apply(change)

    def _apply(self, change: Change) -> bool:
        scenario, seed, values = self.scenario.value, self.seed.value, self.values.value
        if change.kind == "scenario":
            scenario, values = change.value, scenario_values(change.value)
        elif change.kind == "seed":
            seed = change.value
        else:
            values = {**values, change.name: change.value}
        return self._build(scenario, seed, values)

    def resolve_pending(self, action: str) -> bool:
        """Answer the mid-run question: ``restart``, ``pin`` (pin, then restart) or ``cancel``."""
        change = self.pending.value
        if change is None:
            return False
        if action == "cancel":
            self.pending.value = None
            return True
        if action == "pin":
            self.pin()
        return self._apply(change)

    def set_horizon(self, weeks: Any) -> bool:
        """Set the week at which play stops (the model is not rebuilt; play goes on to it)."""
        try:
            value = int(weeks)
        except (TypeError, ValueError):
            self.error.value = f"horizon must be a whole number of weeks, got {weeks!r}"
            return False
        if not 1 <= value <= MAX_HORIZON_WEEKS:
            self.error.value = f"horizon must be between 1 and {MAX_HORIZON_WEEKS:,} weeks"
            return False
        replay = self.view.value.mode == "play"
        if replay:  # the loop steps towards the horizon it started with: restart it
            self.pause()
        self.horizon.value = value
        self.error.value = None
        if replay:
            self.play()
        return True

    # -- running -------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        """True while play or +52 weeks runs."""
        return self.view.value.mode != "idle"

    def _set_view(self, **changes) -> None:
        view = self.view.value
        self.view.value = dataclasses.replace(view, frame=view.frame + 1, **changes)

    def play(self) -> bool:
        """Start playing from the week on screen (replaying stored weeks first)."""
        if self.playing or self.run is None:
            return False
        if self.run.error:
            self.error.value = self.run.error
            return False
        week = self.view.value.week
        if week >= self.horizon.value:
            self.notice.value = f"at the horizon (week {self.horizon.value:,}): raise it or Reset"
            return False
        speed = max(1, int(self.weeks_per_frame.value))
        self.loop.start(
            self.run,
            until_week=self.horizon.value,
            shown_week=week,
            lookahead=max(2 * speed, MIN_LOOKAHEAD_WEEKS),
            pause_on_default=bool(self.pause_on_default.value),
            pinned=self.pinned,
        )
        self._frame_at = time.monotonic()
        with self.batch():
            self.error.value = None
            self.notice.value = None
            self._set_view(mode="play")
        return True

    def pause(self) -> None:
        """Stop playing at once (the week on screen stays; the week in progress may finish)."""
        self.loop.stop(wait=False)
        if self.playing:
            self._set_view(mode="idle")

    def toggle_play(self) -> None:
        """Play or pause."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def advance(self, weeks: int = 52) -> bool:
        """Show ``weeks`` weeks more (up to the horizon), stepping the model in the background."""
        if self.playing or self.run is None:
            return False
        target = min(self.view.value.week + int(weeks), self.horizon.value)
        if target <= self.view.value.week:
            self.notice.value = f"at the horizon (week {self.horizon.value:,}): raise it or Reset"
            return False
        self.error.value = None
        self.notice.value = None
        if target <= self.run.week:
            self._set_view(week=target)
            return True
        self.loop.start(
            self.run,
            until_week=target,
            shown_week=self.view.value.week,
            pause_on_default=bool(self.pause_on_default.value),
            pinned=self.pinned,
        )
        self._set_view(mode="advance")
        return True

    def step(self, weeks: int = 1) -> int:
        """Show the next ``weeks`` weeks now, stepping the model in this thread if needed.

        An exception inside the model is shown as a message.

        Returns:
            The number of weeks the week on screen moved.
        """
        if self.playing or self.run is None:
            return 0
        start = self.view.value.week
        target = min(start + max(0, int(weeks)), self.horizon.value)
        run = self.run
        stop = None
        defaults = run.n_defaults()
        while run.week < target and stop is None:
            if not run.step():
                stop = run.error
                break
            pinned = self.pinned
            if pinned is not None and pinned is not run and pinned.week < run.week:
                pinned.step()
            if self.pause_on_default.value and run.n_defaults() > defaults:
                break
        shown = min(target, run.week)
        with self.batch():
            self.error.value = stop
            if target == start:
                self.notice.value = (
                    f"at the horizon (week {self.horizon.value:,}): raise it or Reset"
                )
            else:
                self.notice.value = None
            self._set_view(week=shown)
        return shown - start

    def scrub(self, week: int) -> None:
        """Show a past week (pauses play)."""
        if self.run is None:
            return
        self.loop.stop()
        week = max(0, min(int(week), self.run.week))
        with self.batch():
            self.error.value = None
            self._set_view(week=week, mode="idle")

    def tick(self) -> None:
        """The browser asks for the next frame: draw one, or say there is nothing new yet."""
        try:
            self._tick()
        except Exception as err:  # never leave the clock running on a broken frame
            self.loop.stop()
            with self.batch():
                self.error.value = f"the explorer failed to draw a frame: {err!r}"
                self._set_view(mode="idle")

    def _tick(self) -> None:
        self.tick_started = time.perf_counter()
        view, run = self.view.value, self.run
        changes: dict[str, Any] = {}
        outcome = None
        if view.mode != "idle" and run is not None:
            latest = run.week
            nxt = latest  # +52 weeks: every frame shows the latest week
            if view.mode == "play":  # a whole frame of weeks; what there is if it takes long
                target = view.week + max(1, int(self.weeks_per_frame.value))
                overdue = time.monotonic() - self._frame_at > PARTIAL_FRAME_AFTER_S
                if latest >= target:
                    nxt = target
                elif self.loop.running and not overdue:
                    nxt = view.week
            if nxt > view.week:
                changes["week"] = nxt
                self.loop.shown(nxt)
                self._frame_at = time.monotonic()
            elif not self.loop.running:
                changes["mode"] = "idle"
                outcome = self.loop.outcome
        state = self.seeds_state()
        now = time.monotonic()
        if state != self._seeds_drawn and (
            now - self._seeds_drawn_at >= SEEDS_FRAME_S or not self.seeds.running
        ):
            self._seeds_drawn, self._seeds_drawn_at = state, now
            changes["seeds"] = view.seeds + 1
        if not changes:
            if self._ticker is not None:
                self._ticker.nudge += 1
            return
        if self._ticker is not None:  # the frame's first update: the page may ask for the next
            self._ticker.started = view.frame + 1
        with self.batch():
            if outcome is not None:
                self._finish(outcome)
            self._set_view(**changes)

    def _finish(self, outcome: Outcome) -> None:
        if outcome.reason == "error":
            self.error.value = outcome.message
        elif outcome.reason == "default":
            self.notice.value = f"paused in week {outcome.week:,}: {outcome.message} defaulted"
        elif outcome.reason == "horizon" and outcome.week >= self.horizon.value:
            self.notice.value = f"reached the horizon, week {outcome.week:,}"

    def clock_active(self) -> bool:
        """Whether the page's frame clock should ask for frames."""
        if self.playing:
            return True
        return self.seeds is not None and (
            self.seeds.running or self.seeds_state() != self._seeds_drawn
        )

    # -- selection and compare -----------------------------------------------------------------
    def select(self, agent: int | None, open_agents: bool = True) -> None:
        """Select an agent (its index in the live run) and open the Agents tab."""
        with self.batch():
            self.selected.value = agent
            if agent is not None and open_agents:
                self.tab.value = AGENTS_TAB

    def select_name(self, name: str | None) -> None:
        """Select an agent by name."""
        names = self.run.timeline.names if self.run is not None else []
        self.select(names.index(name) if name in names else None)

    def pin(self) -> None:
        """Keep the live run for comparison; the next change builds a new live run."""
        self.pinned = self.run
        self.pinned_version.value += 1

    def unpin(self) -> None:
        """Drop the pinned run."""
        self.pinned = None
        self.pinned_version.value += 1

    # -- many seeds ----------------------------------------------------------------------------
    def start_seeds(self, n: int, workers: int | None = None) -> bool:
        """Run the live configuration over ``n`` seeds (from its own) in the background."""
        if not 1 <= int(n) <= MAX_SEEDS:
            self.error.value = f"the number of seeds must be between 1 and {MAX_SEEDS:,}"
            return False
        cores = os.cpu_count() or 1
        if workers is not None and not 1 <= int(workers) <= cores:
            self.error.value = f"workers must be between 1 and {cores} (this machine's cores)"
            return False
        if self.seeds is not None:
            self.seeds.cancel()
        run = self.run
        self.seeds = SeedsJob(
            scenario=run.scenario,
            overrides=dict(run.overrides),
            seeds=list(range(run.seed, run.seed + int(n))),
            steps=int(self.horizon.value),
            workers=int(workers) if workers is not None else min(2, cores),
            connected=self.connected,
            values=dict(run.values),
        )
        self.seeds.start()
        with self.batch():
            self.error.value = None
            self._set_view(seeds=self.view.value.seeds + 1)
        return True

    def cancel_seeds(self) -> None:
        """Cancel the many-seeds job."""
        if self.seeds is not None:
            self.seeds.cancel()
            self._set_view(seeds=self.view.value.seeds + 1)

    def seeds_state(self) -> tuple:
        """What the many-seeds panel shows changes with (done count, status)."""
        if self.seeds is None:
            return ()
        return (id(self.seeds), self.seeds.done, self.seeds.status, self.seeds.running)

    # -- links ---------------------------------------------------------------------------------
    def link(self) -> str:
        """The query string that reopens this run."""
        return link_query(
            self.scenario.value, self.seed.value, self.horizon.value, self.overrides()
        )
