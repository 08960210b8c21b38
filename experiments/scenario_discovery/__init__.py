"""Scenario discovery: the boxes of parameter space where cascades concentrate (PRIM).

A Latin-hypercube sample of the main shocks and balance-sheet scales (``scenario_discovery.toml``)
is run by the sweep runner; the patient rule induction method (Friedman & Fisher 1999), as
implemented by the EMA Workbench (Kwakkel 2017; :class:`ema_workbench.analysis.prim.Prim`),
peels the sample's hypercube towards the runs that end in a cascade. Each box along the peeling
trajectory trades coverage (the share of all cascades inside the box) against density (the
share of runs inside the box that are cascades); the study keeps the box with the most coverage
at a stated minimum density, and the whole trajectory.

Run: ``python -m experiments.scenario_discovery [--density 0.5] [--samples N]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def find_boxes(
    runs: pd.DataFrame, inputs: Sequence[str], cases: np.ndarray, min_density: float
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """PRIM's peeling trajectory and the chosen box's limits.

    Args:
        runs: One row per run with the sampled ``inputs``.
        inputs: The sampled parameters.
        cases: True for the runs of interest (e.g. cascades).
        min_density: The smallest density a chosen box may have.

    Returns:
        ``(trajectory, box)``, or None when there is no case of interest. ``box`` has one row
        per restricted parameter (``min``, ``max``, ``qp`` p-values, the sample's range) and
        the box's coverage, density and mass.
    """
    if not cases.any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        search = prim.Prim(runs[list(inputs)].reset_index(drop=True), np.asarray(cases, bool))
        box = search.find_box()
    trajectory = box.peeling_trajectory.copy()
    dense = trajectory[trajectory["density"] >= min_density]
    chosen = (
        int(dense["coverage"].idxmax()) if not dense.empty else int(trajectory["density"].idxmax())
    )
    box.select(chosen)
    limits = box.box_lims[chosen]
    stats = trajectory.loc[chosen]
    rows = []
    for name in inputs:
        low, high = float(limits[name].iloc[0]), float(limits[name].iloc[1])
        lo_all, hi_all = float(runs[name].min()), float(runs[name].max())
        if low <= lo_all and high >= hi_all:
            continue  # not restricted
        rows.append(
            {
                "parameter": name,
                "box_min": low,
                "box_max": high,
                "sample_min": lo_all,
                "sample_max": hi_all,
            }
        )
    table = pd.DataFrame(rows)
    for key in ("coverage", "density", "mass", "res_dim"):
        table[key] = float(stats[key])
    table["box_id"] = chosen
    return trajectory, table


def figure(trajectory: pd.DataFrame, box: pd.DataFrame, min_density: float) -> Figure:
    """The coverage–density trade-off along the peeling, and the chosen box's limits."""
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    sc = ax1.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], s=14)
    fig.colorbar(sc, ax=ax1, label="restricted parameters")
    chosen = trajectory.loc[int(box["box_id"].iloc[0])]
    ax1.scatter([chosen["coverage"]], [chosen["density"]], marker="*", s=160, color="red")
    ax1.axhline(min_density, color="grey", ls=":", lw=0.8)
    ax1.set(xlabel="coverage (share of cascades in the box)", ylabel="density (cascade share)")
    ax1.set_title("PRIM peeling trajectory (the chosen box starred)", fontsize=10)
    span = (box["sample_max"] - box["sample_min"]).replace(0, 1.0)
    lo = (box["box_min"] - box["sample_min"]) / span
    hi = (box["box_max"] - box["sample_min"]) / span
    y = np.arange(len(box))
    ax2.barh(y, hi - lo, left=lo, color="tab:red", alpha=0.6)
    ax2.set_yticks(y, [p.removeprefix("population_") for p in box["parameter"]], fontsize=8)
    for k, (a, b) in enumerate(zip(box["box_min"], box["box_max"], strict=True)):
        ax2.text(1.01, k, f"{a:.3g} – {b:.3g}", va="center", fontsize=8)
    ax2.set(xlim=(0, 1.35), xlabel="share of the sampled range")
    ax2.set_title(
        f"the box: coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}", fontsize=10
    )
    return fig
