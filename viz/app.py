"""The bubblesim explorer: ``bubblesim ui`` (or ``solara run viz/app.py``) on localhost:8765.

Two pages: the explorer (controls in the sidebar; network, verdict, charts, cascade timeline
and balance sheets in the main area) and the sweep results. Each browser session builds its own
:class:`viz.state.Explorer`, hence its own model.
"""

from __future__ import annotations

import sys
from pathlib import Path

import solara

if __package__ in (None, ""):  # `solara run viz/app.py` loads this file as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.balance_sheets import AgentPicker, BalanceSheets
from viz.charts import Charts
from viz.controls import Controls, ErrorMessage
from viz.events_view import EventsView
from viz.network_view import NetworkView
from viz.state import Explorer
from viz.sweep_page import SweepPage
from viz.verdict_view import VerdictView


@solara.component
def StatusLine(explorer: Explorer, version: int = 0):  # noqa: N802
    """Scenario, seed, week and population size."""
    del version  # a new value re-renders this view (passed by ExplorerViews)
    with explorer.reading():  # not while the play thread is inside a step
        model = explorer.model
        if model is None:
            return
        solara.Markdown(
            f"**{explorer.scenario.value}**, seed {explorer.seed.value}: "
            f"week <span class='week-counter'>{model.week}</span>, {len(model.firms)} agents, "
            f"{len(model.events.defaults())} defaults"
        )


@solara.component
def ExplorerViews(explorer: Explorer):  # noqa: N802
    """Every view of one session's model (the main area, without the sidebar).

    Only this component subscribes to ``explorer.version``; it hands the number down, so one
    model update re-renders all views in a single pass.
    """
    v = explorer.version.value
    with solara.Column(gap="8px", style={"padding": "8px"}):
        StatusLine(explorer=explorer, version=v)
        ErrorMessage(explorer=explorer)
        with solara.Columns([3, 2]):
            with solara.Column():
                NetworkView(explorer=explorer, version=v)
                AgentPicker(explorer=explorer, version=v)
            VerdictView(explorer=explorer, version=v)
        solara.Markdown("### Time series")
        Charts(explorer=explorer, version=v)
        solara.Markdown("### Cascade timeline")
        EventsView(explorer=explorer, version=v)
        solara.Markdown("### Balance sheets")
        BalanceSheets(explorer=explorer, version=v)


@solara.component
def ExplorerPage():  # noqa: N802
    """The explorer: one model per browser session."""
    explorer = solara.use_memo(Explorer, dependencies=[])
    solara.Title("bubblesim explorer")
    with solara.Sidebar():
        Controls(explorer=explorer)
    ExplorerViews(explorer=explorer)


routes = [
    solara.Route(path="/", component=ExplorerPage, label="Explorer"),
    solara.Route(path="sweep", component=SweepPage, label="Sweep results"),
]
