"""The bubblesim explorer: ``bubblesim ui`` (or ``solara run viz/app.py``) on localhost:8765.

Two pages: the explorer (controls in the sidebar; status, week slider, network, verdict and the
tabs Charts, Cascade, Agents, Compare, Many seeds and Export in the main area) and the sweep
results. Each browser session builds its own :class:`viz.state.Explorer`, hence its own model;
a link's query string (scenario, seed, horizon, changed parameters) opens the same run.
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

import reacton.core
import solara
from solara.server import settings as server_settings

if __package__ in (None, ""):  # `solara run viz/app.py` loads this file as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.agent_view import AgentView
from viz.balance_sheets import AgentPicker, BalanceSheets
from viz.cascade_tree import CascadeTree
from viz.charts import Charts
from viz.compare_view import CompareView, pinned_week_for
from viz.controls import Controls, ErrorMessage
from viz.events_view import EventsView
from viz.export_view import ExportView
from viz.network_view import NetworkView
from viz.seeds_view import SeedsView
from viz.state import TABS, Explorer, View
from viz.sweep_page import SweepPage
from viz.ticker import Ticker
from viz.verdict_view import VerdictView

# Front-end assets (read by solara-server for each page): no font-awesome (the explorer uses
# no font-awesome icon), and viz/static/custom.js, which loads ipyvue's template compiler
# while the kernel starts (see that file).
STATIC = Path(__file__).resolve().parent / "static"
server_settings.assets.fontawesome_enabled = False
if str(STATIC) not in server_settings.assets.extra_locations:
    server_settings.assets.extra_locations.append(str(STATIC))

CSS = """
.explorer-main { min-width: 0; max-width: 100%; contain: inline-size; }
.explorer-main .v-sheet { min-width: 0; max-width: 100%; }
.explorer-main table { display: block; overflow-x: auto; max-width: 100%; }
.explorer-main td, .explorer-main th { white-space: nowrap; }
.explorer-main .agent-table { overflow-x: auto; }
/* The week slider jumps to each new week: no 0.2-0.3 s slide of its thumb, fill and label
   behind every frame. */
.week-scrubber .v-slider-thumb, .week-scrubber .v-slider-thumb__label,
.week-scrubber .v-slider-thumb__label-container, .week-scrubber .v-slider-track__fill,
.week-scrubber .v-slider-track__background { transition: none !important; }
/* A frame's changes inside these panels do not lay out or repaint the rest of the page. */
.network-box, .verdict-card, .charts, .tab-content { contain: layout paint; }
"""


def status_html(explorer: Explorer, view: View) -> str:
    """Scenario, seed, the week on screen, the live week, population and defaults."""
    run = explorer.run
    snap = run.timeline.at(view.week)
    defaults = sum(1 for w in run.timeline.default_week.values() if w <= view.week)
    replay = (
        f" <span class='replay-badge' style='background:#fff3e0; padding:0 4px'>replay: the "
        f"run is at week {run.week:,}</span>"
        if view.week < run.week
        else ""
    )
    pinned = ""
    if explorer.pinned is not None and explorer.pinned is not run:
        pinned = f" · pinned: {escape(explorer.pinned.label)}, seed {explorer.pinned.seed}"
    return (
        f"<b>{escape(explorer.scenario.value)}</b>, seed {explorer.seed.value}: week "
        f"<span class='week-counter'>{view.week}</span> of {explorer.horizon.value:,} · "
        f"{snap.n_agents:,} agents · <span class='default-count'>{defaults:,}</span> defaults"
        f"{replay}{pinned}"
    )


@solara.component
def Scrubber(explorer: Explorer, week: int, latest: int):  # noqa: N802
    """A slider over every week run so far: moving it replays that week (and pauses)."""
    with solara.Row(classes=["week-scrubber"], style={"align-items": "center"}):
        solara.Text("week", style={"font-size": "0.85em"})
        solara.SliderInt(
            label="",
            value=week,
            min=0,
            max=max(latest, 1),
            on_value=explorer.scrub,
            disabled=latest == 0,
            thumb_label="always",
        )


@solara.component
def TabBar(explorer: Explorer):  # noqa: N802
    """The tabs of the main area (only the open one is rendered)."""
    solara.ToggleButtonsSingle(
        value=TABS[explorer.tab.value],
        values=list(TABS),
        on_value=lambda name: explorer.tab.set(TABS.index(name)),
        classes=["explorer-tabs"],
    )


@solara.component
def ExplorerViews(explorer: Explorer):  # noqa: N802
    """Every view of one session's run (the main area, without the sidebar).

    Only this component follows the frames (``explorer.view``); it hands the week down, so one
    frame re-renders every visible view in a single pass. Only the open tab is rendered.
    """
    view = explorer.view.value
    pinned_version = explorer.pinned_version.value
    selected = explorer.selected.value
    run = explorer.run
    week = view.week
    pweek = pinned_week_for(explorer, week)
    with solara.Column(gap="6px", style={"padding": "8px"}, classes=["explorer-main"]):
        solara.Style(CSS)
        solara.HTML(tag="div", unsafe_innerHTML=status_html(explorer, view), classes=["status"])
        Scrubber(explorer=explorer, week=week, latest=run.week)
        ErrorMessage(explorer=explorer)
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Column(style={"flex": "3 1 480px", "min-width": "0"}):
                NetworkView(run=run, week=week, selected=selected, on_select=explorer.select)
                AgentPicker(explorer=explorer, run_version=view.run)
            with solara.Column(style={"flex": "2 1 320px", "min-width": "0"}):
                VerdictView(explorer=explorer, week=week)
        TabBar(explorer=explorer)
        tab = TABS[explorer.tab.value]
        with solara.Column(classes=["tab-content", f"tab-{tab.lower().replace(' ', '-')}"]):
            if tab == "Charts":
                Charts(explorer=explorer, week=week, pinned_week=pweek)
            elif tab == "Cascade":
                CascadeTree(explorer=explorer, week=week, selected=selected)
                EventsView(explorer=explorer, week=week, pinned_week=pweek)
            elif tab == "Agents":
                AgentView(explorer=explorer, week=week)
                BalanceSheets(explorer=explorer, week=week)
            elif tab == "Compare":
                CompareView(explorer=explorer, week=week, pinned_version=pinned_version)
            elif tab == "Many seeds":
                SeedsView(explorer=explorer, seeds_version=view.seeds)
            else:
                ExportView(explorer=explorer, week=week)
        Ticker(explorer=explorer, frame=view.frame, active=explorer.clock_active())


@solara.component
def ExplorerPage():  # noqa: N802
    """The explorer: one model per browser session, opened from the link's query string."""
    router = solara.use_router()
    explorer = solara.use_memo(lambda: Explorer.from_query(router.search), dependencies=[])
    render_context = reacton.core.get_render_context(required=False)

    def bind():
        explorer.bind(render_context)  # also stops the loops when the session's kernel closes
        return explorer.shutdown

    solara.use_effect(bind, [])
    query = explorer.link()  # reads scenario, seed, horizon and values: follows config changes

    def sync_address() -> None:
        if router.set_path is not None and (router.search or "") != query:
            router.push(f"{router.path or '/'}?{query}")

    solara.use_effect(sync_address, [query])
    solara.Title("bubblesim explorer")
    with solara.Sidebar():
        Controls(explorer=explorer)
    ExplorerViews(explorer=explorer)


routes = [
    solara.Route(path="/", component=ExplorerPage, label="Explorer"),
    solara.Route(path="sweep", component=SweepPage, label="Sweep results"),
]
