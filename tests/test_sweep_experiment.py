"""Experiment files and designs: validation errors, exact grids, Sobol'/Morris/LHS point sets."""

import itertools
from pathlib import Path

import numpy as np
import pytest

from bubblesim.sweep.design import design_points, expected_points, plan_runs, unit_samples
from bubblesim.sweep.experiment import ExperimentError, parse_experiment

HEAD = 'name = "t"\nseeds = { start = 0, count = 3 }\n'


def experiment(parameters: str, design: str, head: str = HEAD):
    return parse_experiment(f"{head}[parameters]\n{parameters}\n[design]\n{design}\n")


def test_grid_is_the_exact_full_factorial_in_declaration_order():
    exp = experiment(
        'a = [1, 2]\nb = { start = 0.0, stop = 1.0, num = 3 }\nc = ["x"]', 'kind = "grid"'
    )
    points = design_points(exp)
    expected = list(itertools.product([1, 2], [0.0, 0.5, 1.0], ["x"]))
    assert list(points.itertuples(index=False, name=None)) == expected
    assert list(points.index) == list(range(6))
    assert expected_points(exp) == 6


def test_grid_mixed_ints_and_floats_become_floats_and_integer_ranges_round():
    exp = experiment(
        "a = [0, 0.5]\nw = { start = 10, stop = 20, num = 3, integer = true }", 'kind = "grid"'
    )
    points = design_points(exp)
    assert points["a"].tolist() == [0.0, 0.0, 0.0, 0.5, 0.5, 0.5]
    assert points["a"].dtype == np.float64
    assert points["w"].tolist() == [10, 15, 20, 10, 15, 20]


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_gives_n_times_d_plus_2_points_within_bounds(second_order):
    params = (
        "a = { low = 0.0, high = 2.0 }\nb = { low = -1.0, high = 1.0 }\n"
        "c = { low = 5.0, high = 6.0 }"
    )
    design = f'kind = "sobol"\nsamples = 16\nseed = 3\nsecond_order = {str(second_order).lower()}'
    exp = experiment(params, design)
    points = design_points(exp)
    n_rows = 16 * (2 * 3 + 2 if second_order else 3 + 2)
    assert points.shape == (n_rows, 3) == (expected_points(exp), 3)
    for name, (lo, hi) in {"a": (0, 2), "b": (-1, 1), "c": (5, 6)}.items():
        assert points[name].between(lo, hi).all()
    # Saltelli blocks: row 1 of each block is A with column 0 taken from B (the last row)
    block = points.to_numpy()[: n_rows // 16]
    a_row, b_row, ab0 = block[0], block[-1], block[1]
    assert ab0[0] == b_row[0]
    assert np.array_equal(ab0[1:], a_row[1:])
    assert points.equals(design_points(exp))  # the design seed fixes the points


def test_morris_gives_trajectories_on_the_level_grid():
    exp = experiment(
        "a = { low = 0.0, high = 3.0 }\nb = { low = 10.0, high = 13.0 }",
        'kind = "morris"\ntrajectories = 5\nlevels = 4\nseed = 1',
    )
    points = design_points(exp)
    assert points.shape == (5 * 3, 2)
    assert set(points["a"].round(9)) <= {0.0, 1.0, 2.0, 3.0}
    assert set(points["b"].round(9)) <= {10.0, 11.0, 12.0, 13.0}
    # consecutive rows of a trajectory differ in exactly one parameter
    steps = np.abs(np.diff(points.to_numpy().reshape(5, 3, 2), axis=1)) > 1e-12
    assert (steps.sum(axis=2) == 1).all()


def test_lhs_puts_one_point_in_each_stratum_and_maps_distributions():
    exp = experiment(
        'a = { low = 0.0, high = 1.0 }\nb = { dist = "normal", mean = 5.0, sd = 2.0 }\n'
        'k = ["p", "q"]',
        'kind = "lhs"\nsamples = 10\nseed = 4',
    )
    unit = unit_samples(exp)
    for column in unit.T:
        assert sorted(np.floor(column * 10).astype(int)) == list(range(10))
    points = design_points(exp)
    assert np.allclose(points["a"], unit[:, 0])
    assert set(points["k"]) <= {"p", "q"}
    assert points["b"].std() > 0.5


def test_random_design_respects_truncation_and_integers():
    exp = experiment(
        'x = { dist = "normal", mean = 0.0, sd = 1.0, low = 0.0 }\n'
        "n = { low = 1.0, high = 4.0, integer = true }",
        'kind = "random"\nsamples = 200\nseed = 9',
    )
    points = design_points(exp)
    assert (points["x"] >= 0).all()
    assert set(points["n"]) <= {1, 2, 3, 4}


def test_plan_ids_are_unique_and_max_seeds_gives_a_subset():
    exp = experiment("a = [1, 2]", 'kind = "grid"')
    design = design_points(exp)
    full = plan_runs(exp, design)
    small = plan_runs(exp, design, max_seeds=1)
    assert [r[0] for r in full] == [f"p{p:06d}-s{s}" for p in range(2) for s in range(3)]
    assert set(small) < set(full)
    assert small == [("p000000-s0", 0, 0), ("p000001-s0", 1, 0)]


def test_digest_ignores_name_and_description_but_not_runs():
    base = experiment("a = [1, 2]", 'kind = "grid"')
    renamed = experiment("a = [1, 2]", 'kind = "grid"', head=HEAD.replace('"t"', '"u"'))
    changed = experiment("a = [1, 3]", 'kind = "grid"')
    assert base.digest() == renamed.digest() != changed.digest()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name = \n", "invalid TOML"),
        (HEAD + '[parameters]\na = [1]\n[design]\nkind = "gird"\n', "design"),
        (HEAD + '[parameters]\na = [1, "x"]\n[design]\nkind = "grid"\n', "parameters.a"),
        (
            HEAD
            + '[parameters]\na = { low = 1.0, high = 0.0 }\n[design]\nkind = "lhs"\nsamples = 4\n',
            "parameters.a",
        ),
        (
            HEAD + '[parameters]\na = { low = 0.0, high = 1.0 }\n[design]\nkind = "grid"\n',
            "parameters.a: a grid needs",
        ),
        (HEAD + '[parameters]\na = [1]\n[design]\nkind = "sobol"\nsamples = 12\n', "power of 2"),
        (
            HEAD + '[parameters]\na = [1]\n[fixed]\na = 2\n[design]\nkind = "grid"\n',
            "both fixed and swept",
        ),
        (HEAD + 'stepz = 3\n[parameters]\na = [1]\n[design]\nkind = "grid"\n', "stepz"),
        (
            'name = "t"\nseeds = [1, 1]\n[parameters]\na = [1]\n[design]\nkind = "grid"\n',
            "duplicates",
        ),
        (HEAD + 'runner = "nomodule"\n[parameters]\na = [1]\n[design]\nkind = "grid"\n', "runner"),
        (
            HEAD + '[parameters]\na = { dist = "normal", mean = 0.0, sd = 1.0 }\n[design]\n'
            'kind = "morris"\ntrajectories = 4\n',
            "Morris needs a bounded",
        ),
    ],
)
def test_bad_experiments_raise_one_error_naming_the_entry(text, fragment):
    with pytest.raises(ExperimentError) as info:
        parse_experiment(text, source="bad.toml")
    message = str(info.value)
    assert message.startswith("bad.toml: ")
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize("name", ["demand_vs_leverage", "sobol_cascade"])
def test_shipped_experiments_validate_against_the_model_parameters(name):
    from pathlib import Path

    from bubblesim.sweep.experiment import load_experiment
    from bubblesim.sweep.runner import check_model_names

    path = Path(__file__).resolve().parents[1] / "experiments" / f"{name}.toml"
    exp = load_experiment(path)
    check_model_names(exp, source=str(path))  # raises on a name the model does not know
    points = design_points(exp)
    assert len(points) == expected_points(exp)
    assert len(points) * len(exp.seed_list) >= 4000


SHIPPED = sorted(
    p
    for p in (Path(__file__).resolve().parents[1] / "experiments").rglob("*.toml")
    if not {"results", "sweep", "morris_screening"} & set(p.parts[:-1])
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_experiment_file_builds_its_first_design_point(path):
    """Names, integer parameters and fixed values all pass the model's own validation."""
    from bubblesim.sweep.experiment import load_experiment
    from bubblesim.sweep.validate import check_model

    exp = load_experiment(path)
    check_model(exp, design_points(exp), source=str(path))  # raises ExperimentError
