"""Sweep analysis: cascade probability with Wilson intervals, phase diagrams, Sobol'/Morris.

Everything here takes the frame of :func:`bubblesim.sweep.load_results` (one row per run:
parameters, seed, scalar outcomes) and returns tables or :class:`matplotlib.figure.Figure`
objects (no pyplot state), so it works the same in scripts, notebooks and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bubblesim.sweep import storage
from bubblesim.sweep.design import salib_problem, unit_samples
from bubblesim.sweep.experiment import Experiment

Z_95 = 1.959963984540054  # standard normal quantile at 0.975
MAX_LEVELS = 12  # more distinct values than this are binned on a heatmap axis
HEATMAP_BINS = 8


def wilson_interval(
    successes: np.ndarray | int, trials: np.ndarray | int, z: float = Z_95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (Wilson 1927, JASA 22:209-212).

    ``centre = (p + z²/2n) / (1 + z²/n)``, ``half = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²)``
    with ``p = k/n``. Unlike the normal approximation it stays inside [0, 1] and is informative
    at 0 or n successes (0 of 10 gives [0, 0.278]).

    Args:
        successes: Number of successes ``k``.
        trials: Number of trials ``n`` (> 0).
        z: Normal quantile of the two-sided level (1.96 for 95%).

    Returns:
        The lower and upper bounds.

    Raises:
        ValueError: If a ``trials`` is not positive or ``successes`` lies outside ``[0, trials]``.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(n <= 0) or np.any(k < 0) or np.any(k > n):
        raise ValueError("wilson_interval needs trials > 0 and 0 <= successes <= trials")
    p = k / n
    denom = 1.0 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def cascade_probability(
    results: pd.DataFrame, by: Sequence[str], cascade: str = "cascade"
) -> pd.DataFrame:
    """Probability of a cascade per group, with 95% Wilson intervals.

    Args:
        results: One row per run (:func:`bubblesim.sweep.load_results`).
        by: The columns to group by (usually the swept parameters).
        cascade: The verdict column (0/1).

    Returns:
        One row per group: the ``by`` columns, ``runs``, ``cascades``, ``p_cascade``,
        ``ci_low``, ``ci_high``.

    Raises:
        KeyError: If a column is missing.
        ValueError: If the verdict is not 0/1.
    """
    _require(results, [*by, cascade])
    verdict = results[cascade]
    if not verdict.dropna().isin([0.0, 1.0]).all():
        raise ValueError(f"column {cascade!r} is not a 0/1 verdict")
    grouped = results.assign(_v=verdict).groupby(list(by), sort=True, dropna=False)["_v"]
    table = grouped.agg(runs="count", cascades="sum").reset_index()
    table["cascades"] = table["cascades"].astype(int)
    table["p_cascade"] = table["cascades"] / table["runs"]
    table["ci_low"], table["ci_high"] = wilson_interval(table["cascades"], table["runs"])
    return table


def heatmap_figure(
    results: pd.DataFrame,
    x: str,
    y: str,
    cascade: str = "cascade",
    title: str | None = None,
    outcome: str | None = None,
) -> Figure:
    """Phase diagram over two parameters (others pooled): P(cascade), or an outcome's mean.

    An axis with more than 12 distinct values (a sampled design) is cut into 8 equal bins.

    Args:
        results: One row per run.
        x: The parameter on the horizontal axis.
        y: The parameter on the vertical axis.
        cascade: The verdict column (used when ``outcome`` is None).
        title: The figure title.
        outcome: Show the mean of this column instead of the cascade probability.

    Returns:
        The figure.
    """
    _require(results, [x, y, outcome or cascade])
    frame = results.assign(_x=_levels(results[x]), _y=_levels(results[y]))
    if outcome is None:
        table = cascade_probability(frame, ["_y", "_x"], cascade)
        grid = table.pivot(index="_y", columns="_x", values="p_cascade")
        label, limits = f"P({cascade})", (0.0, 1.0)
    else:
        grid = frame.groupby(["_y", "_x"])[outcome].mean().unstack("_x")
        label, limits = f"mean {outcome}", (None, None)
    values = grid.to_numpy(float)
    fig = Figure(figsize=(7, 5.5), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(
        values, origin="lower", cmap="magma", vmin=limits[0], vmax=limits[1], aspect="auto"
    )
    ax.set_xticks(range(grid.shape[1]), [_label(v) for v in grid.columns], rotation=45)
    ax.set_yticks(range(grid.shape[0]), [_label(v) for v in grid.index])
    if grid.size <= MAX_LEVELS**2:
        _annotate(ax, values, image.norm)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"{label} over {x} × {y}")
    fig.colorbar(image, ax=ax, label=label)
    return fig


def _annotate(ax: Any, values: np.ndarray, norm: Any) -> None:
    """Write each cell's value, dark on light cells and light on dark ones."""
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            colour = "white" if norm(value) < 0.6 else "black"
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)


def probability_figure(table: pd.DataFrame, x: str, title: str | None = None) -> Figure:
    """Cascade probability against one parameter, with Wilson intervals as error bars."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    lower = table["p_cascade"] - table["ci_low"]
    upper = table["ci_high"] - table["p_cascade"]
    ax.errorbar(table[x], table["p_cascade"], yerr=[lower, upper], fmt="o-", capsize=3)
    ax.set_xlabel(x)
    ax.set_ylabel("P(cascade), 95% Wilson CI")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(title or f"P(cascade) against {x}")
    return fig


def point_means(results: pd.DataFrame, n_points: int, outcome: str) -> np.ndarray:
    """Mean of an outcome over seeds at every design point, in point order.

    Raises:
        ValueError: If a point has no finished run or the outcome is NaN there.
    """
    _require(results, [outcome])
    means = results.groupby("point")[outcome].mean().reindex(range(n_points))
    missing = means.index[means.isna()].tolist()
    if missing:
        raise ValueError(
            f"{len(missing)} of {n_points} design points have no value of {outcome!r} "
            f"(e.g. points {missing[:5]}); finish the sweep or choose an outcome defined in "
            "every run"
        )
    return means.to_numpy(float)


def sensitivity_indices(
    results: pd.DataFrame, experiment: Experiment, outcome: str, seed: int = 0
) -> pd.DataFrame:
    """Sobol' (S1, ST) or Morris (mu*, sigma) indices with 95% confidence intervals.

    The outcome is averaged over the seeds of each design point first (Saltelli et al. 2010 for
    Sobol'; Campolongo, Cariboni & Saltelli 2007 for mu*), then analysed with SALib.

    Args:
        results: One row per run of a Sobol' or Morris sweep.
        experiment: The experiment (its design and parameters).
        outcome: The scalar to analyse.
        seed: Seed of the bootstrap for the confidence intervals.

    Returns:
        One row per parameter: ``S1, S1_conf, ST, ST_conf`` (Sobol') or
        ``mu, mu_star, sigma, mu_star_conf`` (Morris).

    Raises:
        ValueError: For another design, or missing points.
    """
    design = experiment.design
    problem = salib_problem(experiment)
    unit = unit_samples(experiment) if design.kind in ("sobol", "morris") else None
    if unit is None:
        raise ValueError(f"sensitivity indices need a sobol or morris design, not {design.kind}")
    y = point_means(results, len(unit), outcome)
    if design.kind == "sobol":
        from SALib.analyze import sobol

        # SALib's Sobol' analysis treats a seed of 0 as none and bootstraps from numpy's global
        # state; a generator is always used as given, so the intervals follow from ``seed``
        rng = np.random.default_rng(seed)
        si = sobol.analyze(problem, y, calc_second_order=design.second_order, seed=rng)
        keys = ["S1", "S1_conf", "ST", "ST_conf"]
    else:
        from SALib.analyze import morris

        si = morris.analyze(problem, unit, y, num_levels=design.levels, seed=seed)
        keys = ["mu", "mu_star", "sigma", "mu_star_conf"]
    table = pd.DataFrame({k: np.asarray(si[k], dtype=float) for k in keys}, index=problem["names"])
    table.index.name = "parameter"
    return table


def indices_figure(table: pd.DataFrame, outcome: str) -> Figure:
    """Bar chart of Sobol' S1/ST or Morris mu* with their confidence intervals."""
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    pos = np.arange(len(table))
    if "S1" in table:
        ax.bar(pos - 0.2, table["S1"], 0.4, yerr=table["S1_conf"], capsize=3, label="S1 (first)")
        ax.bar(pos + 0.2, table["ST"], 0.4, yerr=table["ST_conf"], capsize=3, label="ST (total)")
        ax.set_ylabel("Sobol' index, 95% CI")
        ax.legend()
    else:
        ax.bar(pos, table["mu_star"], 0.6, yerr=table["mu_star_conf"], capsize=3, label="mu*")
        ax.plot(pos, table["sigma"], "kD", label="sigma")
        ax.set_ylabel("elementary effect (per unit range)")
        ax.legend()
    ax.set_xticks(pos, table.index, rotation=30, ha="right")
    ax.set_title(f"Sensitivity of {outcome}")
    return fig


def analyze_folder(
    folder: str | Path,
    out: str | Path | None = None,
    *,
    x: str | None = None,
    y: str | None = None,
    cascade: str | None = None,
    outcome: str | None = None,
    echo: Callable[[str], object] | None = None,
) -> list[Path]:
    """Write the standard tables and figures of a sweep folder.

    Writes ``cascade_probability.csv`` (per design point) and a heatmap (two or more
    parameters) or a probability plot (one parameter); with an outcome (``outcome`` or the
    experiment's ``analysis.outcome``) also a heatmap of its mean; for Sobol'/Morris designs
    ``indices_<outcome>.csv`` and ``indices_<outcome>.png``.

    Args:
        folder: The sweep folder.
        out: Where to write (default ``folder/analysis``).
        x: Heatmap x parameter (default: the first swept).
        y: Heatmap y parameter (default: the second swept).
        cascade: The verdict column (default: the experiment's ``analysis.cascade``).
        outcome: The outcome for indices (default: ``analysis.outcome``, else the verdict).
        echo: Called with the printed table (e.g. ``print``); None to stay silent.

    Returns:
        The paths written.

    Raises:
        ValueError: If the folder has no finished runs or a named column is missing.
    """
    folder = Path(folder)
    experiment = storage.manifest_experiment(storage.read_manifest(folder))
    results = storage.load_results(folder)
    if results.empty:
        raise ValueError(f"{folder} has no finished runs yet")
    target = Path(out) if out else folder / "analysis"
    target.mkdir(parents=True, exist_ok=True)
    params = list(experiment.parameters)
    cascade = cascade or experiment.analysis.cascade
    written = _probability_outputs(results, params, cascade, x, y, experiment, target, echo)
    if outcome or experiment.analysis.outcome:
        name = outcome or experiment.analysis.outcome
        written += _outcome_heatmap(results, params, name, x, y, experiment, target)
    if experiment.design.kind in ("sobol", "morris"):
        name = outcome or experiment.analysis.outcome or cascade
        table = sensitivity_indices(results, experiment, name)
        table.to_csv(target / f"indices_{name}.csv")
        indices_figure(table, name).savefig(target / f"indices_{name}.png", dpi=120)
        written += [target / f"indices_{name}.csv", target / f"indices_{name}.png"]
        if echo:
            echo(f"{experiment.design.kind} indices of {name}:\n{table.round(4).to_string()}")
    return written


def _probability_outputs(
    results: pd.DataFrame,
    params: list[str],
    cascade: str,
    x: str | None,
    y: str | None,
    experiment: Experiment,
    target: Path,
    echo: Callable[[str], object] | None,
) -> list[Path]:
    if cascade not in results:
        if echo:
            echo(f"no {cascade!r} column: skipping the cascade probability")
        return []
    table = cascade_probability(results, ["point", *params], cascade)
    table.to_csv(target / "cascade_probability.csv", index=False)
    if echo:
        echo(table.drop(columns="point").round(4).to_string(index=False, max_rows=60))
    written = [target / "cascade_probability.csv"]
    x = x or experiment.analysis.x or params[0]
    y = y or experiment.analysis.y or (params[1] if len(params) > 1 else None)
    if y is None:
        fig = probability_figure(cascade_probability(results, [x], cascade), x)
        fig.savefig(target / f"p_cascade_{x}.png", dpi=120)
        return [*written, target / f"p_cascade_{x}.png"]
    fig = heatmap_figure(results, x, y, cascade, title=f"{experiment.name}: P({cascade})")
    fig.savefig(target / f"heatmap_{x}_{y}.png", dpi=120)
    return [*written, target / f"heatmap_{x}_{y}.png"]


def _outcome_heatmap(
    results: pd.DataFrame,
    params: list[str],
    outcome: str,
    x: str | None,
    y: str | None,
    experiment: Experiment,
    target: Path,
) -> list[Path]:
    x = x or experiment.analysis.x or params[0]
    y = y or experiment.analysis.y or (params[1] if len(params) > 1 else None)
    if y is None or outcome not in results:
        return []
    path = target / f"heatmap_{outcome}_{x}_{y}.png"
    title = f"{experiment.name}: mean {outcome}"
    heatmap_figure(results, x, y, title=title, outcome=outcome).savefig(path, dpi=120)
    return [path]


def _levels(values: pd.Series) -> pd.Series:
    """The values themselves, or equal-width bin midpoints when there are too many."""
    if values.nunique() <= MAX_LEVELS or not pd.api.types.is_numeric_dtype(values):
        return values
    bins = pd.cut(values, HEATMAP_BINS)
    return bins.map(lambda b: b.mid).astype(float)


def _label(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"no column {missing} in the results; they have {list(frame.columns)}")
