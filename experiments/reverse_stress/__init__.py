"""Reverse stress test: the smallest AI-demand shortfall at which a cascade becomes likely.

For every channel configuration (all five contagion channels on, and each one off in turn) a
bisection over the slowdown depth (:func:`experiments.studies.find_threshold`) finds the
smallest depth at which the probability of a 2022-style cascade reaches 0.5, and 0.1, with the
same seeds at every depth (so the estimated probability is a step function of the depth, and
the bisection converges on a step). A configuration that does not reach the probability up to
the deepest slowdown the model allows says so: no threshold up to the bound.

Run: ``python -m experiments.reverse_stress [--seeds N] [--tolerance 0.05]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from bubblesim.config import parameters
from experiments.studies import Threshold, find_threshold, run_grid

CHANNELS: tuple[str, ...] = (
    "channel_counterparty",
    "channel_settlement",
    "channel_fire_sale",
    "channel_funding",
    "channel_sentiment",
)
CONFIGS: dict[str, dict[str, Any]] = {
    "all channels on": {},
    **{f"{c.removeprefix('channel_')} off": {c: False} for c in CHANNELS},
}
TARGETS = (0.1, 0.5)


def depth_bounds() -> tuple[float, float]:
    """The slowdown depths the model accepts (the search's range)."""
    info = parameters()["demand_slowdown_depth"]
    return float(info.ge or 0.0), float(info.le)


def probability_at(
    folder: Path, fixed: Mapping[str, Any], **sweep: Any
) -> Callable[[float], float]:
    """The estimated P(cascade) at a depth: a one-point sweep over the study's seeds."""

    def probability(depth: float) -> float:
        runs = run_grid(
            folder,
            f"depth-{depth:.4f}",
            parameters={"demand_slowdown_depth": [depth]},
            fixed=dict(fixed),
            **sweep,
        )
        return float(runs["cascade"].mean())

    return probability


def known_from_study(runs: pd.DataFrame, seeds: int) -> dict[str, dict[float, float]]:
    """P(cascade) by configuration and depth from the demand-slowdown study's runs.

    The study runs the same preset, horizon and seeds (common random numbers), so a depth it
    ran over every seed ``0 .. seeds-1`` needs no new runs: its estimate is the same number the
    search would compute. Only depths with every one of those seeds are used.

    Args:
        runs: ``experiments/demand_slowdown`` rows (``depth``, ``channel_off``, ``seed`` and a
            ``cascade`` flag).
        seeds: The search's seeds.

    Returns:
        ``{configuration: {depth: P(cascade)}}``.
    """
    label = {next(iter(fixed), "none"): name for name, fixed in CONFIGS.items()}
    out: dict[str, dict[float, float]] = {}
    kept = runs[runs["seed"] < seeds]
    for (channel, depth), g in kept.groupby(["channel_off", "depth"]):
        if channel in label and g["seed"].nunique() == seeds:
            out.setdefault(label[channel], {})[round(float(depth), 10)] = float(g["cascade"].mean())
    return out


def search(
    folder: Path,
    tolerance: float,
    targets=TARGETS,
    configs: Mapping[str, Mapping[str, Any]] | None = None,
    known_by_config: Mapping[str, Mapping[float, float]] | None = None,
    **sweep: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Thresholds and every evaluation, for every configuration and target.

    Args:
        folder: Where each configuration's one-point sweeps go.
        tolerance: The depth resolution.
        targets: The probabilities sought.
        configs: The configurations (default :data:`CONFIGS`).
        known_by_config: Probabilities already estimated over the same seeds
            (:func:`known_from_study`), reused instead of rerun.
        **sweep: Passed to :func:`experiments.studies.run_grid`.

    Returns:
        ``(thresholds, evaluations)``.
    """
    low, high = depth_bounds()
    rows, evaluations = [], []
    for name, fixed in (configs or CONFIGS).items():
        slug = name.replace(" ", "-")
        probability = probability_at(folder / slug, fixed, **sweep)
        known: dict[float, float] = dict((known_by_config or {}).get(name, {}))
        for target in targets:
            found: Threshold = find_threshold(probability, target, low, high, tolerance, known)
            known.update(found.evaluations)
            rows.append(
                {
                    "configuration": name,
                    "target": target,
                    "depth": found.value,
                    "below": found.bracket[0],
                    "at_or_above": found.bracket[1],
                    "reached": found.value is not None,
                }
            )
        evaluations += [
            {"configuration": name, "depth": d, "p_cascade": p} for d, p in sorted(known.items())
        ]
    return pd.DataFrame(rows), pd.DataFrame(evaluations)


def figure(evaluations: pd.DataFrame, thresholds: pd.DataFrame) -> Figure:
    """P(cascade) at the evaluated depths per configuration, with the thresholds marked."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    for name, g in evaluations.groupby("configuration", sort=False):
        ax.step(g["depth"], g["p_cascade"], where="post", marker="o", label=name)
    for target in TARGETS:
        ax.axhline(target, color="grey", lw=0.6, ls=":")
    ax.set(
        xlabel="slowdown depth (share of boom growth removed)",
        ylabel="P(cascade) over the fixed seeds",
        ylim=(-0.02, 1.02),
        title="Reverse stress test: where the cascade probability crosses 0.1 and 0.5",
    )
    ax.legend(fontsize=8)
    return fig
