"""The sidebar: scenario, seed, horizon, play controls, pinning, and every parameter.

Every parameter widget is derived from a :class:`bubblesim.config.ParameterInfo`: booleans become
switches, ``Literal`` choices selects, bounded numbers sliders over the validation bounds, and
unbounded numbers number fields. Labels carry the unit. Parameters are grouped by their section of
the configuration and can be searched by name, unit or description.

At week 0 a change rebuilds the model; mid-run it asks first (restart, pin this run and restart
for a comparison, or cancel). An invalid value changes nothing and shows the validation message.
"""

from __future__ import annotations

import typing
from typing import Any

import solara

from bubblesim.config import ParameterInfo, parameters
from viz.catalog import MAX_HORIZON_WEEKS, scenario_description, scenario_names
from viz.fmt import param_value
from viz.state import MAX_WEEKS_PER_FRAME, Explorer

KEY_PARAMETERS = (
    "demand_slowdown_depth",
    "demand_slowdown_start_week",
    "btc_crash_depth",
    "rate_shock_bp",
    "chip_shock_week",
    "chip_shock_efficiency_multiple",
    "population_miner_leverage_scale",
    "population_lender_capital_scale",
    "credit_gpu_ltv_max",
    "lab_compute_spend_to_revenue",
)
CHANNELS = tuple(name for name in parameters() if name.startswith("channel_"))
MAX_WEEKS = 520  # slider top for week counts without an upper bound (ten years)
MAX_INT_SLIDER_RANGE = 5000  # wider integer ranges get a number field instead
FLOAT_STEPS = 200
MAX_SEARCH_HITS = 30


def label_of(info: ParameterInfo) -> str:
    """The control label: name and unit."""
    return f"{info.name} [{info.unit}]" if info.unit else info.name


def group_of(info: ParameterInfo) -> str:
    """The parameter's group: its section of the configuration, e.g. ``drivers / demand``."""
    return " / ".join(info.path[:-1]) or "other"


def groups() -> dict[str, list[str]]:
    """Group → parameter names, in the configuration's order."""
    out: dict[str, list[str]] = {}
    for name, info in parameters().items():
        out.setdefault(group_of(info), []).append(name)
    return out


def search(text: str) -> list[str]:
    """Parameters whose name, unit, group or description contains every word of ``text``."""
    words = text.lower().split()
    if not words:
        return []
    hits = []
    for name, info in parameters().items():
        haystack = f"{name} {info.unit} {group_of(info)} {info.description}".lower()
        if all(w in haystack for w in words):
            hits.append(name)
    return hits


def widget_kind(info: ParameterInfo) -> str:
    """Which widget a parameter gets: ``switch``, ``select``, ``int``, ``float`` or ``input``."""
    ann = info.annotation
    if ann is bool:
        return "switch"
    if typing.get_origin(ann) is typing.Literal:
        return "select"
    if slider_bounds(info) is None:
        return "input"
    return "int" if ann is int else "float"


def slider_bounds(info: ParameterInfo) -> tuple[float, float, float] | None:
    """Slider (min, max, step) matching the validation bounds, or None for a number field.

    Integers without an upper bound get one only when they count weeks (up to ten years);
    floats need both bounds.
    """
    ann, lo, hi = info.annotation, info.lower, info.upper
    if ann is int:
        lo = lo if lo is not None else min(int(info.default), 0)
        if hi is None and info.unit.startswith("weeks"):
            hi = max(MAX_WEEKS, int(info.default))
        if hi is None or hi - lo > MAX_INT_SLIDER_RANGE:
            return None
        return int(lo), int(hi), 1
    if ann is float and lo is not None and hi is not None:
        return float(lo), float(hi), (float(hi) - float(lo)) / FLOAT_STEPS
    return None


@solara.component
def ParameterControl(explorer: Explorer, name: str):  # noqa: N802
    """One parameter's widget, bound to ``explorer.values[name]``."""
    info = parameters()[name]
    value = explorer.values.value[name]
    label = label_of(info)

    def change(new: Any) -> None:
        explorer.set_param(name, new)

    kind = widget_kind(info)
    if kind == "switch":
        solara.Switch(label=label, value=bool(value), on_value=change)
    elif kind == "select":
        choices = [str(c) for c in typing.get_args(info.annotation)]
        solara.Select(label=label, values=choices, value=str(value), on_value=change)
    elif kind in ("int", "float"):
        lo, hi, step = slider_bounds(info)
        with solara.Column(gap="0px", classes=["param-slider"]):
            solara.Text(
                f"{label}: {param_value(value)}", style={"font-size": "0.8em", "color": "#444"}
            )
            if kind == "int":
                solara.SliderInt(label="", value=int(value), min=lo, max=hi, on_value=change)
            else:
                solara.SliderFloat(
                    label="", value=float(value), min=lo, max=hi, step=step, on_value=change
                )
    elif info.annotation is int:
        solara.InputInt(label=label, value=int(value), on_value=change)
    else:
        solara.InputFloat(label=label, value=float(value), on_value=change)


@solara.component
def Player(explorer: Explorer):  # noqa: N802
    """Play/pause, step, +1 year, reset, speed, pause-on-default and the horizon."""
    view = explorer.view.value  # only this part of the sidebar follows the frames
    busy = view.mode != "idle"
    at_horizon = view.week >= explorer.horizon.value
    with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
        solara.Button(
            label="Pause" if busy else "Play",
            icon_name="mdi-pause" if busy else "mdi-play",
            color="primary",
            on_click=explorer.toggle_play,
            disabled=explorer.run is None or (at_horizon and not busy),
            classes=["play-button"],
        )
        solara.Button(label="Step", on_click=lambda: explorer.step(1), disabled=busy or at_horizon)
        solara.Button(
            label="+52 weeks", on_click=lambda: explorer.advance(52), disabled=busy or at_horizon
        )
        solara.Button(label="Reset", on_click=explorer.reset)
    with solara.Column(gap="0px", classes=["speed-control"]):
        solara.Text(
            f"speed, weeks per frame: {explorer.weeks_per_frame.value}",
            style={"font-size": "0.8em", "color": "#444"},
        )
        solara.SliderInt(
            label="", value=explorer.weeks_per_frame, min=1, max=MAX_WEEKS_PER_FRAME, disabled=busy
        )
    solara.Checkbox(label="pause when an agent defaults", value=explorer.pause_on_default)
    solara.InputInt(
        label=f"horizon, weeks (play stops there; at most {MAX_HORIZON_WEEKS:,})",
        value=explorer.horizon.value,
        on_value=explorer.set_horizon,
        classes=["horizon-field"],
    )


@solara.component
def ErrorMessage(explorer: Explorer):  # noqa: N802
    """The last validation or model error, and the latest notice."""
    if explorer.error.value:
        solara.Error(explorer.error.value, classes=["explorer-error"])
    if explorer.notice.value:
        solara.Info(explorer.notice.value, classes=["explorer-notice"])


@solara.component
def PendingChange(explorer: Explorer):  # noqa: N802
    """Mid-run, a change asks before it restarts the run."""
    change = explorer.pending.value
    if change is None:
        return
    week = explorer.run.week if explorer.run is not None else 0
    with solara.Card(classes=["pending-change"], style={"background": "#fff8e1"}):
        solara.Text(
            f"The run is at week {week:,}. {change.describe().capitalize()} starts a new run "
            "at week 0."
        )
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            solara.Button(
                "Restart", color="primary", on_click=lambda: explorer.resolve_pending("restart")
            )
            solara.Button(
                "Pin this run, then restart", on_click=lambda: explorer.resolve_pending("pin")
            )
            solara.Button("Cancel", on_click=lambda: explorer.resolve_pending("cancel"))


@solara.component
def PinControl(explorer: Explorer, pinned_version: int = 0):  # noqa: N802
    """Pin the live run for comparison, or drop the pinned one."""
    del pinned_version  # a new value re-renders this view
    pinned = explorer.pinned
    if pinned is None:
        solara.Button(
            "Pin this run", icon_name="mdi-pin", on_click=explorer.pin, classes=["pin-button"]
        )
        return
    solara.Text(f"pinned: {pinned.label}, seed {pinned.seed}", style={"font-size": "0.85em"})
    solara.Button(
        "Unpin", icon_name="mdi-pin-off", on_click=explorer.unpin, classes=["unpin-button"]
    )


@solara.component
def ParameterGroups(explorer: Explorer):  # noqa: N802
    """Every parameter, grouped by section (open a group to see it), with a search field."""
    query = solara.use_reactive("")
    opened = solara.use_reactive(frozenset())
    solara.InputText(
        label="search parameters (name, unit, description)",
        value=query,
        continuous_update=True,
        classes=["param-search"],
    )
    if query.value.strip():
        hits = search(query.value)
        solara.Text(
            f"{len(hits):,} parameter(s) match"
            + (f"; the first {MAX_SEARCH_HITS} shown" if len(hits) > MAX_SEARCH_HITS else ""),
            style={"font-size": "0.8em"},
        )
        for name in hits[:MAX_SEARCH_HITS]:
            ParameterControl(explorer=explorer, name=name)
        return
    for group, names in groups().items():
        is_open = group in opened.value

        def toggle(group=group, is_open=is_open) -> None:
            opened.set(opened.value - {group} if is_open else opened.value | {group})

        solara.Button(
            label=f"{'▾' if is_open else '▸'} {group} ({len(names)})",
            text=True,
            on_click=toggle,
            classes=["param-group"],
            style={"justify-content": "flex-start", "text-transform": "none"},
        )
        if is_open:  # a closed group creates no widgets (a faster page load)
            for name in names:
                ParameterControl(explorer=explorer, name=name)


@solara.component
def Controls(explorer: Explorer):  # noqa: N802
    """Scenario, seed, play controls, key parameters, channel switches and all parameters."""
    scenario = explorer.scenario.value
    with solara.Column(gap="6px", classes=["explorer-controls"]):
        solara.Select(
            label="scenario",
            values=scenario_names(),
            value=scenario,
            on_value=explorer.set_scenario,
        )
        solara.Text(scenario_description(scenario), style={"font-size": "0.85em"})
        solara.InputInt(label="seed", value=explorer.seed.value, on_value=explorer.set_seed)
        Player(explorer=explorer)
        PinControl(explorer=explorer, pinned_version=explorer.pinned_version.value)
        PendingChange(explorer=explorer)
        ErrorMessage(explorer=explorer)
        solara.HTML(tag="b", unsafe_innerHTML="Key parameters")
        for name in KEY_PARAMETERS:
            ParameterControl(explorer=explorer, name=name)
        solara.HTML(tag="b", unsafe_innerHTML="Contagion channels")
        for name in CHANNELS:
            ParameterControl(explorer=explorer, name=name)
        solara.HTML(tag="b", unsafe_innerHTML="All parameters")
        ParameterGroups(explorer=explorer)
