"""Controls generated from the validated parameter definitions (``bubblesim.config``).

Every widget is derived from a :class:`bubblesim.config.ParameterInfo`: booleans become
switches, ``Literal`` choices selects, bounded numbers sliders over the validation bounds, and
unbounded numbers number fields. Labels carry the unit. Changing a control rebuilds the model
at week 0; an invalid value leaves the old model and shows the validation message.
"""

from __future__ import annotations

import contextlib
import time
import typing
from typing import Any

import solara

from bubblesim.config import ParameterInfo, parameters
from bubblesim.scenarios import load_scenario
from viz.state import MAX_WEEKS_PER_FRAME, Explorer, scenario_names

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
FRAME_S = 0.05  # shortest time between frames while playing


def label_of(info: ParameterInfo) -> str:
    """The control label: name and unit."""
    return f"{info.name} [{info.unit}]" if info.unit else info.name


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
            solara.Text(f"{label}: {value:g}", style={"font-size": "0.8em", "color": "#444"})
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
    """Play/pause, step, +1 year, reset and speed; runs the play loop in a thread."""

    def loop() -> None:
        while explorer.playing.value:
            start = time.perf_counter()
            explorer.step(explorer.weeks_per_frame.value)
            time.sleep(max(0.0, FRAME_S - (time.perf_counter() - start)))

    solara.lab.use_task(loop, dependencies=[explorer.playing.value], prefer_threaded=True)
    playing = explorer.playing.value
    with solara.Row(gap="4px"):
        solara.Button(
            label="Pause" if playing else "Play",
            icon_name="mdi-pause" if playing else "mdi-play",
            color="primary",
            on_click=lambda: explorer.playing.set(not explorer.playing.value),
            disabled=explorer.model is None,
        )
        solara.Button(label="Step", on_click=lambda: explorer.step(1), disabled=playing)
        solara.Button(label="+52 weeks", on_click=lambda: explorer.step(52), disabled=playing)
        solara.Button(label="Reset", on_click=explorer.reset)
    with solara.Column(gap="0px", classes=["speed-control"]):
        solara.Text(
            f"speed, weeks per frame: {explorer.weeks_per_frame.value}",
            style={"font-size": "0.8em", "color": "#444"},
        )
        solara.SliderInt(label="", value=explorer.weeks_per_frame, min=1, max=MAX_WEEKS_PER_FRAME)
    solara.Checkbox(label="pause when an agent defaults", value=explorer.pause_on_default)


@solara.component
def ErrorMessage(explorer: Explorer):  # noqa: N802
    """The last validation or model error, if any."""
    if explorer.error.value:
        solara.Error(explorer.error.value, classes=["explorer-error"])


@solara.component
def Controls(explorer: Explorer):  # noqa: N802
    """Scenario, seed, play controls, key parameters, channel switches and all parameters."""
    show_all = solara.use_reactive(False)
    scenario = explorer.scenario.value
    with solara.Column(gap="6px"):
        solara.Select(
            label="scenario",
            values=scenario_names(),
            value=scenario,
            on_value=explorer.set_scenario,
        )
        with contextlib.suppress(ValueError):
            solara.Text(load_scenario(scenario).description, style={"font-size": "0.85em"})
        solara.InputInt(label="seed", value=explorer.seed.value, on_value=explorer.set_seed)
        Player(explorer=explorer)
        ErrorMessage(explorer=explorer)
        solara.Markdown("**Key parameters**")
        for name in KEY_PARAMETERS:
            ParameterControl(explorer=explorer, name=name)
        solara.Markdown("**Contagion channels**")
        for name in CHANNELS:
            ParameterControl(explorer=explorer, name=name)
        solara.Switch(label="show all parameters", value=show_all)
        if show_all.value:
            shown = set(KEY_PARAMETERS) | set(CHANNELS)
            for name in parameters():
                if name not in shown:
                    ParameterControl(explorer=explorer, name=name)
