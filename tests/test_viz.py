"""Explorer widgets rendered in-process with ``solara.render`` (no browser)."""

from __future__ import annotations

import re
import typing

import ipyvuetify as v
import ipywidgets
import pytest
import solara
from solara.components.datatable import DataTableWidget

from bubblesim.accounts.events import Cause, Clock, EventKind, EventLog
from bubblesim.config import flat_values, parameters
from bubblesim.model import BubbleModel
from bubblesim.scenarios import load_scenario
from viz.app import ExplorerViews
from viz.balance_sheets import BalanceSheets, sorted_frame
from viz.controls import (
    CHANNELS,
    KEY_PARAMETERS,
    Controls,
    ParameterControl,
    Player,
    slider_bounds,
    widget_kind,
)
from viz.events_view import cascade_rows
from viz.network_view import HEIGHT, WIDTH, NetworkWidget, network_layout
from viz.state import Explorer, scenario_names
from viz.svg import nice_ticks, short_number
from viz.sweep_page import SweepPage, load_sweep

FIRST_DEFAULT_WITHIN_WEEKS = 400


def render(element):
    _, rc = solara.render(element, handle_error=False)
    return rc


def walk(widget):
    """The widget and all its descendants (children and widget-valued traits)."""
    yield widget
    for child in getattr(widget, "children", None) or []:
        if not isinstance(child, str):
            yield from walk(child)


def all_text(rc) -> str:
    """Every string a rendered tree shows: children, labels, HTML and Markdown templates."""
    parts = []
    for w in walk(rc.find().widget):
        parts += [c for c in getattr(w, "children", None) or [] if isinstance(c, str)]
        for attr in ("label", "unsafe_innerHTML", "template", "title"):
            value = getattr(w, attr, None)
            if isinstance(value, str):
                parts.append(value)
    return "\n".join(parts)


def config_value(explorer: Explorer, name: str):
    return flat_values(explorer.model.config)[name]


def step_until_default(explorer: Explorer, limit: int = FIRST_DEFAULT_WITHIN_WEEKS) -> None:
    while not explorer.model.events.defaults() and explorer.model.week < limit:
        explorer.step(10)


def first_defaulting_seed(scenario: str = "demand-slowdown", seeds: int = 10) -> int:
    """The first seed whose run has a default within ``FIRST_DEFAULT_WITHIN_WEEKS`` weeks.

    The dynamics are calibrated elsewhere; the explorer's tests need a run with a default, not
    a particular one, so they take the first seed that has one.
    """
    for seed in range(seeds):
        model = BubbleModel(scenario=scenario, rng=seed)
        while not model.events.defaults() and model.week < FIRST_DEFAULT_WITHIN_WEEKS:
            model.step()
        if model.events.defaults():
            return seed
    pytest.fail(
        f"no {scenario} run with seeds 0..{seeds - 1} defaults within "
        f"{FIRST_DEFAULT_WITHIN_WEEKS} weeks"
    )


# -- controls ------------------------------------------------------------------------------------
def test_widgets_follow_the_parameter_definitions():
    for name, info in parameters().items():
        kind = widget_kind(info)
        if info.annotation is bool:
            assert kind == "switch", name
        elif typing.get_origin(info.annotation) is typing.Literal:
            assert kind == "select", name
        bounds = slider_bounds(info)
        if bounds is not None:
            lo, hi, step = bounds
            assert lo <= info.default <= hi, name
            if info.ge is not None:
                assert lo == info.ge, name
            if info.le is not None:
                assert hi == info.le, name
            assert step > 0
    for name in (*KEY_PARAMETERS, *CHANNELS):
        assert name in parameters()
    assert len(CHANNELS) == 5


@pytest.mark.parametrize("name", list(parameters()))
def test_every_parameter_renders_its_widget(name):
    explorer = Explorer()
    rc = render(ParameterControl(explorer=explorer, name=name))
    widget_type = {
        "switch": v.Switch,
        "select": v.Select,
        "int": v.Slider,
        "float": v.Slider,
        "input": v.TextField,
    }[widget_kind(parameters()[name])]
    rc.find(widget_type).assert_single()
    info = parameters()[name]
    assert f"{name} [{info.unit}]" in all_text(rc)


def test_a_slider_changes_the_models_parameter_and_rebuilds_it():
    explorer = Explorer()
    explorer.step(3)
    rc = render(ParameterControl(explorer=explorer, name="demand_slowdown_depth"))
    rc.find(v.Slider).widget.v_model = 0.5
    assert config_value(explorer, "demand_slowdown_depth") == 0.5
    assert explorer.model.week == 0
    assert explorer.overrides() == {"demand_slowdown_depth": 0.5}


def test_a_channel_switch_turns_the_channel_off():
    explorer = Explorer()
    rc = render(ParameterControl(explorer=explorer, name="channel_fire_sale"))
    rc.find(v.Switch).widget.v_model = False
    assert config_value(explorer, "channel_fire_sale") is False


def test_the_scenario_picker_loads_the_presets_values():
    explorer = Explorer()
    rc = render(Controls(explorer=explorer))
    rc.find(v.Select, label="scenario").widget.v_model = "demand-slowdown"
    preset = load_scenario("demand-slowdown").overrides
    assert explorer.model.config.scenario == "demand-slowdown"
    for name, value in preset.items():
        assert config_value(explorer, name) == value
        assert explorer.values.value[name] == value
    assert explorer.overrides() == {}


def test_step_advances_and_reset_rebuilds_the_same_run():
    explorer = Explorer("btc-crash", seed=3)
    rc = render(Player(explorer=explorer))
    first = explorer.model
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert explorer.model.week == 1
    rc.find(v.Btn, children=["+52 weeks"]).widget.click()
    assert explorer.model.week == 53
    before = first.series()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert explorer.model is not first
    assert explorer.model.week == 0
    explorer.step(53)
    assert explorer.model.series().equals(before)


def test_changing_the_seed_rebuilds_with_that_seed():
    explorer = Explorer()
    assert explorer.set_seed(7)
    assert explorer.model.week == 0
    assert explorer.seed.value == 7
    assert not explorer.set_seed("seven")
    assert "seed" in explorer.error.value


def test_an_invalid_value_shows_the_validation_message_and_keeps_the_model():
    explorer = Explorer()
    rc = render(Controls(explorer=explorer))
    model = explorer.model
    assert not explorer.set_param("demand_slowdown_depth", 5.0)
    assert explorer.model is model
    message = rc.find(v.Alert).widget.children[0]
    assert "demand_slowdown_depth" in str(message)
    assert explorer.set_param("demand_slowdown_depth", 0.2)
    assert explorer.error.value is None
    rc.find(v.Alert).assert_empty()


def test_an_exception_inside_the_model_stops_play_and_is_shown(monkeypatch):
    explorer = Explorer()
    explorer.playing.value = True

    def broken():
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(explorer.model, "step", broken)
    assert explorer.step(5) == 0
    assert explorer.playing.value is False
    assert "boom" in explorer.error.value


# -- views -------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", scenario_names())
def test_every_view_renders_for_every_scenario(scenario):
    explorer = Explorer(scenario)
    rc = render(ExplorerViews(explorer=explorer))
    explorer.step(26)
    network = rc.find(NetworkWidget).widget
    assert len(network.nodes) == len(explorer.model.firms)
    assert "week 26" in network.title
    text = all_text(rc)
    assert text.count("<polyline") >= 10  # the charts
    assert "Cascade verdict, week 26" in text
    assert "week <span class='week-counter'>26</span>" in text
    assert rc.find(DataTableWidget).widget.total_length == len(explorer.model.firms)


def test_a_default_shows_in_the_network_and_the_event_log():
    explorer = Explorer("demand-slowdown", seed=first_defaulting_seed())
    rc = render(ExplorerViews(explorer=explorer))
    step_until_default(explorer)
    first = explorer.model.events.defaults()[0]
    network = rc.find(NetworkWidget).widget
    defaulted = {n["name"] for n in network.nodes if n["h"] == "defaulted"}
    assert first.agent_name in defaulted
    assert all(n["c"] == "#c62828" for n in network.nodes if n["h"] == "defaulted")
    text = all_text(rc)
    row = rf"<td>{first.week}</td>\s*<td>{re.escape(first.agent_name)}</td>"
    assert re.search(row, text)  # the cascade timeline row
    assert first.cause in text


def test_an_imposed_default_turns_its_node_red_and_its_lenders_edges_red():
    explorer = Explorer()
    rc = render(ExplorerViews(explorer=explorer))
    # the first leveraged borrower (Oracle's $105B of notes would take its bondholders with it)
    borrower = next(
        f
        for f in explorer.model.firms.values()
        if explorer.model.book.loans_of(f) and str(f.kind) != "hyperscaler"
    )
    explorer.model.impose_default(borrower, "test")
    explorer.step(1)
    network = rc.find(NetworkWidget).widget
    node = next(n for n in network.nodes if n["id"] == borrower.unique_id)
    assert node["h"] == "defaulted"
    assert node["c"] == "#c62828"
    assert re.search(rf"<td>{re.escape(borrower.name)}</td>", all_text(rc))
    assert "1 defaulted" in network.title


def test_clicking_a_node_selects_the_agent_and_shows_its_books():
    explorer = Explorer()
    rc = render(ExplorerViews(explorer=explorer))
    explorer.step(5)
    lender = next(f for f in explorer.model.firms.values() if str(f.kind) == "lender")
    rc.find(NetworkWidget).widget.vue_select(lender.unique_id)
    assert explorer.selected.value == lender.unique_id
    assert rc.find(NetworkWidget).widget.ring  # the network rings the selection
    text = all_text(rc)
    assert re.search(rf"<h3[^>]*>{re.escape(lender.name)} \(lender", text)
    assert "Loans (" in text


def test_the_table_sorts_and_its_cell_menu_opens_an_agents_books():
    explorer = Explorer()
    rc = render(BalanceSheets(explorer=explorer))
    table = rc.find(DataTableWidget).widget
    assets = [float(row["assets $M"]) for row in table.items]
    assert assets == sorted(assets, reverse=True)
    table.vue_on_column_action(["equity $M", 1])  # "sort ascending"
    table = rc.find(DataTableWidget).widget
    equity = [float(row["equity $M"]) for row in table.items]
    assert equity == sorted(equity)
    rows = sorted_frame(
        [{"uid": u, "name": n, "equity $M": e} for u, n, e in [(1, "a", 3.0), (2, "b", 1.0)]],
        "equity $M",
        descending=False,
    )
    assert rows["name"].tolist() == ["b", "a"]
    table.vue_on_cell_action([0, "name", 0])
    smallest = min(explorer.model.firms.values(), key=lambda f: f.balance_sheet()["equity_usd"])
    assert explorer.selected.value == smallest.unique_id


def test_two_explorers_never_share_a_model():
    a, b = Explorer("demand-slowdown"), Explorer("demand-slowdown")
    assert a.model is not b.model
    a.step(10)
    assert (a.model.week, b.model.week) == (10, 0)
    a.set_param("rate_shock_bp", 200.0)
    assert config_value(b, "rate_shock_bp") != 200.0


# -- pure helpers ------------------------------------------------------------------------------
def test_cascade_rows_follow_triggers_back_and_forward():
    clock = Clock()
    log = EventLog(clock, identity=lambda row: (row + 1, "AB"[row]))
    a, b = 0, 1  # agent rows; unique ids 1 and 2
    clock.tick()
    shock = log.record(EventKind.SHOCK, detail="slowdown")
    clock.tick()
    refused = log.record(EventKind.EQUITY_REFUSED, a, trigger=shock)
    clock.tick()
    default_a = log.record(EventKind.DEFAULT, a, cause=Cause.ILLIQUIDITY, trigger=refused)
    loss = log.record(EventKind.LOAN_DEFAULTED, b, trigger=default_a)
    clock.tick()
    log.record(EventKind.DEFAULT, b, cause=Cause.COUNTERPARTY, trigger=loss)
    rows = cascade_rows(log, {1: "lab", 2: "lender"})
    assert [r["agent"] for r in rows] == ["A", "B"]
    assert rows[0]["triggered by"] == "equity_refused: A ← shock: world (slowdown)"
    assert rows[0]["led to defaults of"] == "B"
    assert rows[0]["events downstream"] == 2
    assert rows[1]["triggered by"].startswith("loan_defaulted: B ← default: A")
    assert rows[1]["led to defaults of"] == "—"
    assert rows[1]["type"] == "lender"


def test_nice_ticks_and_short_numbers():
    assert nice_ticks(0.0, 9.3) == [0.0, 5.0, 10.0]
    assert nice_ticks(0.0, 1.0) == pytest.approx([0.0, 0.5, 1.0])
    assert nice_ticks(3.0, 3.0) == [3.0, 4.0, 5.0, 6.0]
    assert short_number(1_234_567) == "1.23M"
    assert short_number(40e9) == "40B"
    assert short_number(0.25) == "0.25"


def test_the_layout_is_deterministic_stable_and_fits_1000_agents():
    explorer = Explorer()
    graph = explorer.model.credit_network()
    pos = network_layout(graph)
    assert pos == network_layout(graph)
    big = Explorer()
    assert big.set_param("population_kind", "synthetic")
    assert big.set_param("population_n_agents", 1000)
    graph = big.model.credit_network()
    pos = network_layout(graph)
    assert len(pos) == graph.number_of_nodes() == len(set(pos.values()))
    assert all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for x, y in pos.values())


# -- sweep page --------------------------------------------------------------------------------
GRID = """
name = "tiny_grid"
scenario = "demand-slowdown"
steps = 6
seeds = [0, 1]
[parameters]
demand_slowdown_depth = [0.0, 1.0]
population_miner_leverage_scale = [1.0, 2.0]
[design]
kind = "grid"
[outcomes]
scalars = ["cascade", "n_defaults"]
"""

SOBOL = """
name = "tiny_sobol"
steps = 8
seeds = [0]
[fixed]
rate_shock_week = 1
rate_shock_ramp_weeks = 1
demand_slowdown_start_week = 1
demand_slowdown_speed_weeks = 1
[parameters]
demand_slowdown_depth = { low = 0.0, high = 1.0 }
rate_shock_bp = { low = 0.0, high = 300.0 }
[design]
kind = "sobol"
samples = 4
second_order = false
seed = 1
[outcomes]
scalars = ["cascade", "credit_contraction", "gpu_price_peak_to_trough"]
[analysis]
outcome = "gpu_price_peak_to_trough"
"""


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    from bubblesim.sweep import run_sweep

    root = tmp_path_factory.mktemp("sweeps")
    out = {}
    for name, text in (("grid", GRID), ("sobol", SOBOL)):
        toml = root / f"{name}.toml"
        toml.write_text(text, encoding="utf-8")
        run_sweep(toml, root / name, workers=1, progress=False)
        out[name] = root / name
    return out


def test_load_sweep_explains_bad_folders(tmp_path):
    with pytest.raises(ValueError, match="type the path"):
        load_sweep("  ")
    with pytest.raises(ValueError, match="is not a folder"):
        load_sweep(str(tmp_path / "nope"))
    with pytest.raises(ValueError, match="not a sweep folder"):
        load_sweep(str(tmp_path))


def _sweep_page_with(folder: str):
    rc = render(SweepPage())
    field = rc.find(v.TextField, label="sweep folder").widget
    field.v_model = folder
    field.fire_event("keyup.enter", None)  # the field commits on Enter or focus loss
    return rc


def test_the_sweep_page_shows_a_message_for_a_missing_folder(tmp_path):
    rc = _sweep_page_with(str(tmp_path / "missing"))
    assert "is not a folder" in str(rc.find(v.Alert).widget.children[0])


def test_the_sweep_page_draws_the_heatmap_of_a_grid(sweeps):
    rc = _sweep_page_with(str(sweeps["grid"]))
    rc.find(v.Alert, type="error").assert_empty()
    assert len(rc.find(ipywidgets.Image).widgets) == 1  # the heatmap (no indices for a grid)
    tables = rc.find(DataTableWidget).widgets
    assert tables
    assert tables[0].total_length == 4
    assert "tiny_grid: grid design, 8 finished runs" in all_text(rc)


def test_the_sweep_page_shows_sobol_indices(sweeps):
    rc = _sweep_page_with(str(sweeps["sobol"]))
    tables = rc.find(DataTableWidget).widgets
    assert len(tables) == 2
    assert tables[1].total_length == 2  # one row per swept parameter


def test_pause_on_default_stops_in_the_week_of_the_default():
    seed = first_defaulting_seed()
    reference = BubbleModel(scenario="demand-slowdown", rng=seed)
    while not reference.events.defaults():
        reference.step()
    explorer = Explorer("demand-slowdown", seed=seed)
    explorer.pause_on_default.value = True
    explorer.playing.value = True
    while explorer.playing.value:
        explorer.step(52)
    assert explorer.model.week == reference.week
    assert len(explorer.model.events.defaults()) >= 1
