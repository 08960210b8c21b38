"""The studies' shared tools: Shapley values, the threshold search, experiment files."""

import itertools
import tomllib

import pytest

from experiments.studies import (
    experiment_toml,
    find_threshold,
    shapley_interactions,
    shapley_values,
)

PLAYERS = ("a", "b", "c")


def _game(v):
    return {
        frozenset(s): v(frozenset(s))
        for size in range(len(PLAYERS) + 1)
        for s in itertools.combinations(PLAYERS, size)
    }


def test_shapley_values_of_an_additive_game_are_the_players_own_values():
    own = {"a": 0.1, "b": 0.3, "c": 0.0}
    game = _game(lambda s: sum(own[p] for p in s))
    assert shapley_values(game, PLAYERS) == pytest.approx(own)
    assert all(abs(x) < 1e-12 for x in shapley_interactions(game, PLAYERS).values())


def test_shapley_values_share_a_joint_effect_and_add_up():
    # a cascade happens only when a and b are both on: each gets half; c gets nothing
    game = _game(lambda s: 1.0 if {"a", "b"} <= s else 0.0)
    phi = shapley_values(game, PLAYERS)
    assert phi == pytest.approx({"a": 0.5, "b": 0.5, "c": 0.0})
    assert sum(phi.values()) == pytest.approx(game[frozenset(PLAYERS)] - game[frozenset()])
    interactions = shapley_interactions(game, PLAYERS)
    assert interactions[("a", "b")] == pytest.approx(1.0)  # complements
    assert interactions[("a", "c")] == pytest.approx(0.0)


def test_substitutes_have_a_negative_interaction():
    game = _game(lambda s: 1.0 if s & {"a", "b"} else 0.0)  # either one is enough
    assert shapley_interactions(game, PLAYERS)[("a", "b")] == pytest.approx(-1.0)


def test_threshold_search_finds_the_step_within_tolerance():
    calls = []

    def probability(x):
        calls.append(x)
        return 0.8 if x >= 0.63 else 0.05

    found = find_threshold(probability, 0.5, 0.0, 2.0, tolerance=0.01)
    assert found.value == pytest.approx(0.63, abs=0.01)
    assert found.value >= 0.63
    assert found.bracket[0] < 0.63 <= found.bracket[1]
    assert len(calls) <= 2 + 8  # both ends, then halving a 2.0 bracket down to 0.01
    assert find_threshold(probability, 0.9, 0.0, 2.0, 0.01).value is None  # never reached
    assert find_threshold(probability, 0.01, 0.0, 2.0, 0.01).value == 0.0  # reached at once


def test_threshold_search_reuses_known_probabilities():
    calls = []

    def probability(x):
        calls.append(x)
        return float(x >= 1.0)

    find_threshold(probability, 0.5, 0.0, 2.0, 0.5, known={0.0: 0.0, 2.0: 1.0})
    assert 0.0 not in calls
    assert 2.0 not in calls


def test_experiment_files_are_grids_the_sweep_runner_reads():
    text = experiment_toml(
        "study",
        scenario="demand-slowdown",
        steps=520,
        seeds=3,
        parameters={"demand_slowdown_depth": [0.5, 1.0], "channel_funding": [True, False]},
        fixed={"demand_slowdown_start_week": 52},
    )
    data = tomllib.loads(text)
    assert data["parameters"]["channel_funding"] == [True, False]
    assert data["seeds"] == {"start": 0, "count": 3}
    assert data["design"]["kind"] == "grid"
    assert "cascade" in data["outcomes"]["scalars"]


def test_channel_attribution_gives_the_joint_effect_to_the_channels_that_carry_it():
    import pandas as pd

    from experiments.channel_attribution import CHANNELS, attribution

    rows = []
    for combo in itertools.product([True, False], repeat=len(CHANNELS)):
        on = dict(zip(CHANNELS, combo, strict=True))
        # a cascade needs counterparty and fire sales together; seeds do not matter here
        hit = float(on["channel_counterparty"] and on["channel_fire_sale"])
        rows += [{"demand_slowdown_depth": 1.0, **on, "cascade": hit} for _ in range(2)]
    values, interactions = attribution(pd.DataFrame(rows), ["cascade"])
    phi = dict(zip(values["channel"], values["phi"], strict=True))
    assert phi["counterparty"] == pytest.approx(0.5)
    assert phi["fire_sale"] == pytest.approx(0.5)
    assert phi["funding"] == pytest.approx(0.0)
    pair = interactions.set_index("pair")["interaction"]
    assert pair["counterparty × fire_sale"] == pytest.approx(1.0)


def test_prim_finds_the_box_where_cases_concentrate():
    import numpy as np
    import pandas as pd

    from experiments.scenario_discovery import find_boxes

    rng = np.random.default_rng(0)
    runs = pd.DataFrame(rng.random((2000, 3)), columns=["depth", "leverage", "noise"])
    cases = ((runs["depth"] > 0.6) & (runs["leverage"] > 0.7)).to_numpy()
    trajectory, box = find_boxes(runs, ["depth", "leverage", "noise"], cases, min_density=0.9)
    limits = box.set_index("parameter")
    assert set(limits.index) == {"depth", "leverage"}  # the noise dimension stays unrestricted
    assert limits.loc["depth", "box_min"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["leverage", "box_min"] == pytest.approx(0.7, abs=0.05)
    assert box["density"].iloc[0] >= 0.9
    assert box["coverage"].iloc[0] > 0.8
    assert trajectory["coverage"].iloc[0] == pytest.approx(1.0)
    assert find_boxes(runs, ["depth"], np.zeros(len(runs), bool), 0.5) is None


def test_today_vs_2022_table_counts_cascades_per_cell():
    import pandas as pd

    from experiments.today_vs_2022 import LEGS, table

    runs = pd.DataFrame(
        {
            "shock": ["a"] * 4 + ["b"] * 4,
            "economy": ["x", "x", "y", "y"] * 2,
            "cascade": [1, 1, 0, 0, 0, 1, 0, 0],
            **{leg: [0.1] * 8 for leg in LEGS},
        }
    )
    result = table(runs).set_index(["shock", "economy"])
    assert result.loc[("a", "x"), "p_cascade"] == 1.0
    assert result.loc[("b", "x"), "p_cascade"] == 0.5
    assert result.loc[("a", "y"), "ci_low"] == 0.0


def test_a_bound_known_to_fall_short_needs_no_runs():
    def never(_depth: float) -> float:
        raise AssertionError("nothing should run")

    found = find_threshold(never, 0.5, 0.0, 1.5, 0.1, known={1.5: 0.2})
    assert found.value is None
    assert found.bracket == (1.5, None)
    assert found.evaluations == [(1.5, 0.2)]
