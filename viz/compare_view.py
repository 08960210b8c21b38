"""Compare runs: the pinned run next to the live one, at the same week.

Pin a run (sidebar), then change the scenario, a parameter or the seed: the live run is rebuilt
and the pinned one kept, and the play loop steps both to the same week. This tab shows the
parameters that differ, the verdict legs of both, both networks and the charts overlaid.
"""

from __future__ import annotations

from html import escape

import solara

from bubblesim.config import parameters
from viz.charts import Charts
from viz.fmt import param_value
from viz.network_view import NetworkView
from viz.verdict_view import VerdictView


def parameter_diff(pinned, live) -> list[list[str]]:
    """Rows ``[name, unit, pinned, live]`` of everything that differs, scenario and seed first."""
    rows = []
    if pinned.label != live.label:
        rows.append(["scenario", "", pinned.label, live.label])
    if pinned.seed != live.seed:
        rows.append(["seed", "", str(pinned.seed), str(live.seed)])
    info = parameters()
    for name, value in live.values.items():
        before = pinned.values.get(name)
        if before != value:
            unit = info[name].unit if name in info else ""
            rows.append([name, unit, param_value(before), param_value(value)])
    return rows


def diff_html(rows: list[list[str]]) -> str:
    """The parameter diff as an HTML table."""
    if not rows:
        return (
            "<p class='param-diff'>The pinned run and the live run have the same configuration: "
            "change the scenario, a parameter or the seed to compare.</p>"
        )
    head = "".join(
        f"<th style='text-align:left; padding-right:10px'>{h}</th>"
        for h in ("parameter", "unit", "pinned", "live")
    )
    body = "".join(
        "<tr>" + "".join(f"<td style='padding-right:10px'>{escape(c)}</td>" for c in r) + "</tr>"
        for r in rows
    )
    return (
        "<table class='param-diff' style='border-collapse: collapse; font-size: 0.85em'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def pinned_week_for(explorer, week: int) -> int | None:
    """The pinned run's week shown next to the live run's ``week`` (None: nothing pinned)."""
    pinned = explorer.pinned
    if pinned is None or pinned is explorer.run:
        return None
    return min(week, pinned.week)


@solara.component
def CompareView(explorer, week: int, pinned_version: int = 0):  # noqa: N802
    """Both runs side by side."""
    del pinned_version  # a new value re-renders this view
    pinned, run = explorer.pinned, explorer.run
    if pinned is None:
        solara.Info(
            "Pin this run (sidebar), then change the scenario, a parameter or the seed: both "
            "runs are shown here side by side, at the same week."
        )
        solara.Button("Pin this run", on_click=explorer.pin, classes=["pin-button"])
        return
    if pinned is run:
        solara.Info(
            f"Pinned: {pinned.label}, seed {pinned.seed}. Now change the scenario, a parameter "
            "or the seed to build the run to compare with."
        )
        return
    ComparePanels(explorer=explorer, week=week)


@solara.component
def ComparePanels(explorer, week: int):  # noqa: N802
    """The diff, verdicts, networks and charts of a pinned run and the live one."""
    pinned, run = explorer.pinned, explorer.run
    pweek = pinned_week_for(explorer, week)
    rows = solara.use_memo(lambda: parameter_diff(pinned, run), [id(pinned), id(run)])
    solara.HTML(
        tag="p",
        unsafe_innerHTML=f"<b>Pinned</b>: {escape(pinned.label)}, seed {pinned.seed} "
        f"(week {pweek:,}) · <b>live</b>: {escape(run.label)}, seed {run.seed} (week {week:,})",
    )
    solara.HTML(tag="div", unsafe_innerHTML=diff_html(rows), classes=["compare-diff"])
    VerdictView(explorer=explorer, week=week, pinned_week=pweek)
    with solara.Row(classes=["compare-networks"], style={"flex-wrap": "wrap"}):
        with solara.Column(style={"flex": "1 1 440px", "min-width": "0"}):
            solara.Text(f"pinned: {pinned.label}, seed {pinned.seed}")
            NetworkView(
                run=pinned,
                week=pweek,
                role="pinned-network",
                on_select=lambda i: explorer.select_name(pinned.timeline.names[i]),
            )
        with solara.Column(style={"flex": "1 1 440px", "min-width": "0"}):
            solara.Text(f"live: {run.label}, seed {run.seed}")
            NetworkView(
                run=run,
                week=week,
                selected=explorer.selected.value,
                role="live-network",
                on_select=explorer.select,
            )
    solara.Text("Charts: live run solid, pinned run dashed.")
    Charts(explorer=explorer, week=week, pinned_week=pweek)
