"""Experimental designs: the parameter points of a sweep.

Grid is the full factorial product of each parameter's values. Random and Latin-hypercube
designs draw ``samples`` points. Sobol' (Saltelli 2002; Saltelli et al. 2010, via SALib's
``sobol.sample``) gives ``N*(D+2)`` points (``N*(2D+2)`` with second-order indices) and Morris
(1991, via SALib's ``morris.sample``) gives ``trajectories*(D+1)`` points, in the order SALib's
analysers expect. Sampling designs draw in the unit hypercube and map each coordinate through the
parameter's inverse CDF, so the same code serves every distribution; a list of values is a
discrete uniform choice. All draws come from the design's own seed.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from bubblesim.sweep.experiment import DistSpec, Experiment, RangeSpec, ValuesSpec


def design_points(experiment: Experiment) -> pd.DataFrame:
    """Return the design's parameter points, one row per point, index named ``point``.

    Args:
        experiment: The validated experiment.

    Returns:
        A frame whose columns are the swept parameters in declaration order. The row order is the
        order SALib's analysers expect for Sobol' and Morris designs.
    """
    names = list(experiment.parameters)
    specs = [experiment.parameters[n] for n in names]
    design = experiment.design
    if design.kind == "grid":
        axes = [_grid_values(s) for s in specs]
        frame = pd.DataFrame(list(itertools.product(*axes)), columns=names)
    else:
        unit = unit_samples(experiment)
        frame = pd.DataFrame(
            {
                n: _from_unit(s, unit[:, j])
                for j, (n, s) in enumerate(zip(names, specs, strict=True))
            }
        )
    frame.index.name = "point"
    return frame


def unit_samples(experiment: Experiment) -> np.ndarray:
    """Draw the design in the unit hypercube ``[0, 1]^D`` (sampling designs only).

    Args:
        experiment: An experiment whose design is random, lhs, sobol or morris.

    Returns:
        An array of shape ``(n_points, D)``.

    Raises:
        ValueError: For a grid design.
    """
    design = experiment.design
    dim = len(experiment.parameters)
    if design.kind == "random":
        return np.random.default_rng(design.seed).random((design.samples, dim))
    if design.kind == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=dim, rng=np.random.default_rng(design.seed)).random(
            design.samples
        )
    if design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(
            salib_problem(experiment, unit=True),
            design.samples,
            calc_second_order=design.second_order,
            seed=design.seed,
        )
    if design.kind == "morris":
        from SALib.sample import morris

        return morris.sample(
            salib_problem(experiment, unit=True),
            design.trajectories,
            num_levels=design.levels,
            seed=design.seed,
        )
    raise ValueError(f"design kind {design.kind!r} has no unit samples")


def salib_problem(experiment: Experiment, *, unit: bool = False) -> dict[str, Any]:
    """The SALib ``problem`` dict for the swept parameters.

    Args:
        experiment: The experiment.
        unit: Give every parameter the bounds ``[0, 1]`` (used for sampling, which is mapped
            through the inverse CDFs afterwards). Otherwise use the parameter's range.

    Returns:
        ``{"num_vars", "names", "bounds"}``.
    """
    names = list(experiment.parameters)
    bounds = [[0.0, 1.0] if unit else _range(experiment.parameters[n]) for n in names]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def expected_points(experiment: Experiment) -> int:
    """Number of points the design produces, from its definition alone (nothing is built)."""
    design = experiment.design
    dim = len(experiment.parameters)
    if design.kind == "grid":
        return math.prod(_axis_length(s) for s in experiment.parameters.values())
    if design.kind == "sobol":
        return design.samples * (2 * dim + 2 if design.second_order else dim + 2)
    if design.kind == "morris":
        return design.trajectories * (dim + 1)
    return design.samples


def expected_runs(experiment: Experiment, max_seeds: int | None = None) -> tuple[int, int]:
    """The design's points and the seeds per point, from the definition alone.

    Args:
        experiment: The experiment.
        max_seeds: Use only the first ``max_seeds`` seeds.

    Returns:
        ``(points, seeds)``; the sweep has ``points * seeds`` runs.
    """
    seeds = experiment.seed_count
    if max_seeds is not None:
        seeds = min(seeds, max_seeds)
    return expected_points(experiment), seeds


AXIS_BUILD_LIMIT = 10**6
"""Integer ranges up to this many values are rounded to count their distinct values exactly."""


def _axis_length(spec: ValuesSpec | RangeSpec | DistSpec) -> int:
    """The number of values of a grid axis, without building a very long one."""
    if isinstance(spec, RangeSpec) and (not spec.integer or spec.num > AXIS_BUILD_LIMIT):
        if spec.integer:  # at most one value per integer in the range
            return min(spec.num, abs(round(spec.stop) - round(spec.start)) + 1)
        return spec.num
    return len(_grid_values(spec))


def _grid_values(spec: ValuesSpec | RangeSpec | DistSpec) -> list[Any]:
    if isinstance(spec, ValuesSpec):
        return list(spec.values)
    if isinstance(spec, RangeSpec):
        return spec.grid()
    raise ValueError("a grid needs values or a range")


def _range(spec: ValuesSpec | RangeSpec | DistSpec) -> list[float]:
    if isinstance(spec, ValuesSpec):
        return [0.0, float(len(spec.values) - 1)]
    if isinstance(spec, RangeSpec):
        return [spec.start, spec.stop]
    lo, hi = _dist(spec).ppf([0.0, 1.0])
    return [float(lo), float(hi)]


def _from_unit(spec: ValuesSpec | RangeSpec | DistSpec, u: np.ndarray) -> np.ndarray | list:
    if isinstance(spec, ValuesSpec):
        idx = np.minimum((u * len(spec.values)).astype(int), len(spec.values) - 1)
        return [spec.values[i] for i in idx]
    if not isinstance(spec, DistSpec):
        raise ValueError("a sampling design needs a distribution or a list of values")
    x = _dist(spec).ppf(u)
    if spec.integer:
        return np.rint(x).astype(np.int64)
    return x.astype(float)


def _dist(spec: DistSpec) -> Any:
    """The frozen scipy distribution for a spec (inverse CDF: ``ppf``)."""
    from scipy import stats

    if spec.dist == "uniform":
        return stats.uniform(loc=spec.low, scale=spec.high - spec.low)
    if spec.dist == "triangular":
        width = spec.high - spec.low
        return stats.triang(c=(spec.mode - spec.low) / width, loc=spec.low, scale=width)
    if spec.dist == "lognormal":
        return stats.lognorm(s=spec.sd, scale=np.exp(spec.mean))
    if spec.low is not None or spec.high is not None:  # truncated normal
        lo = -np.inf if spec.low is None else (spec.low - spec.mean) / spec.sd
        hi = np.inf if spec.high is None else (spec.high - spec.mean) / spec.sd
        return stats.truncnorm(lo, hi, loc=spec.mean, scale=spec.sd)
    return stats.norm(loc=spec.mean, scale=spec.sd)


def run_id(point: int, seed: int) -> str:
    """The id of one run: its design point and seed (``p000012-s7``), stable across resumes."""
    return f"p{point:06d}-s{seed}"


def plan_runs(
    experiment: Experiment, design: pd.DataFrame, *, max_seeds: int | None = None
) -> list[tuple[str, int, int]]:
    """List every run as ``(run_id, point, seed)``, point-major.

    Args:
        experiment: The experiment (for its seeds).
        design: Its design points (:func:`design_points`).
        max_seeds: Use only the first ``max_seeds`` seeds (a smaller version of the sweep whose
            runs are a subset of the full one).

    Returns:
        The runs, in submission order.

    Raises:
        ValueError: If ``max_seeds`` is below 1.
    """
    seeds = experiment.seed_list
    if max_seeds is not None:
        if max_seeds < 1:
            raise ValueError(f"max_seeds must be at least 1, got {max_seeds}")
        seeds = seeds[:max_seeds]
    return [(run_id(p, s), p, s) for p in range(len(design)) for s in seeds]
