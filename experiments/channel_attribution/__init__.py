"""Which contagion channel carries a cascade? Shapley values over the five channels.

At a few slowdown depths the model runs with every one of the 2⁵ = 32 on/off combinations of
the five contagion channels, the same seeds in every cell (common random numbers). The game's
value of a coalition ``S`` (the channels switched on) is the probability of a 2022-style
cascade with exactly those channels on, and separately the expected severity. Each channel's
Shapley value (:func:`experiments.studies.shapley_values`) is its marginal contribution
averaged over every order of switching the channels on; they add up to the difference between
all channels on and all off. Pairwise interaction indices say which channels work together
(complements, positive) or stand in for one another (substitutes, negative).

Run: ``python -m experiments.channel_attribution [--seeds N] [--depths 1.0,1.5]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.studies import shapley_interactions, shapley_values

CHANNELS: tuple[str, ...] = (
    "channel_counterparty",
    "channel_settlement",
    "channel_fire_sale",
    "channel_funding",
    "channel_sentiment",
)


def coalitions(runs: pd.DataFrame, names: Sequence[str]) -> list[frozenset[str]]:
    """Each run's coalition: the channels it ran with on, as ``names`` (in ``CHANNELS`` order)."""
    on = runs[list(CHANNELS)].astype(bool).to_numpy()
    return [frozenset(n for n, v in zip(names, row, strict=True) if v) for row in on]


def coalition_values(runs: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Mean of ``outcome`` per depth and per combination of channels on.

    Returns:
        One row per (depth, coalition): ``demand_slowdown_depth``, ``coalition`` (frozenset of
        channel names on), ``runs`` and ``value``.
    """
    frame = runs.assign(coalition=coalitions(runs, CHANNELS))
    grouped = frame.groupby(["demand_slowdown_depth", "coalition"], sort=False)[outcome]
    return grouped.agg(runs="count", value="mean").reset_index()


def attribution(runs: pd.DataFrame, outcomes: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shapley values and pairwise interactions of each outcome at each depth.

    Returns:
        ``(values, interactions)``: one row per (depth, outcome, channel) with ``phi``, the
        all-on and all-off values; one row per (depth, outcome, pair) with ``interaction``.
    """
    names = [c.removeprefix("channel_") for c in CHANNELS]
    value_rows, pair_rows = [], []
    for outcome in outcomes:
        table = coalition_values(runs, outcome)
        for depth, g in table.groupby("demand_slowdown_depth"):
            game = {
                frozenset(c.removeprefix("channel_") for c in k): v
                for k, v in zip(g["coalition"], g["value"], strict=True)
            }
            missing = [
                s
                for size in range(len(names) + 1)
                for s in itertools.combinations(names, size)
                if frozenset(s) not in game
            ]
            if missing:
                raise ValueError(f"depth {depth}: coalitions without runs: {missing[:3]}")
            phi = shapley_values(game, names)
            for name in names:
                value_rows.append(
                    {
                        "depth": depth,
                        "outcome": outcome,
                        "channel": name,
                        "phi": phi[name],
                        "all_on": game[frozenset(names)],
                        "all_off": game[frozenset()],
                    }
                )
            for (a, b), value in shapley_interactions(game, names).items():
                pair_rows.append(
                    {"depth": depth, "outcome": outcome, "pair": f"{a} × {b}", "interaction": value}
                )
    return pd.DataFrame(value_rows), pd.DataFrame(pair_rows)


def bootstrap_intervals(
    runs: pd.DataFrame, outcome: str, draws: int = 400, seed: int = 2026, level: float = 0.95
) -> pd.DataFrame:
    """Percentile bootstrap intervals of each channel's Shapley value, resampling seeds.

    Every coalition ran the same seeds (common random numbers), so a draw resamples the seeds
    once and uses that resample in every coalition, which keeps the pairing that makes the
    differences between coalitions precise (Efron & Tibshirani 1993, ch. 13).

    Returns:
        One row per (depth, channel): ``phi_low`` and ``phi_high``.
    """
    names = [c.removeprefix("channel_") for c in CHANNELS]
    frame = runs.assign(coalition=coalitions(runs, names))
    rng = np.random.default_rng(seed)
    rows = []
    for depth, g in frame.groupby("demand_slowdown_depth"):
        wide = g.pivot_table(index="coalition", columns="seed", values=outcome, aggfunc="mean")
        matrix, keys = wide.to_numpy(dtype=float), list(wide.index)
        n_seeds = matrix.shape[1]
        phis = {name: [] for name in names}
        for _ in range(draws):
            pick = rng.integers(n_seeds, size=n_seeds)
            means = np.nanmean(matrix[:, pick], axis=1)
            phi = shapley_values(dict(zip(keys, means, strict=True)), names)
            for name in names:
                phis[name].append(phi[name])
        tail = (1.0 - level) / 2.0
        for name in names:
            lo, hi = np.quantile(phis[name], [tail, 1.0 - tail])
            rows.append({"depth": depth, "channel": name, "phi_low": lo, "phi_high": hi})
    return pd.DataFrame(rows)


def figure(values: pd.DataFrame, interactions: pd.DataFrame) -> Figure:
    """Shapley values per depth (bars) and the strongest interactions, for each outcome."""
    outcomes = list(dict.fromkeys(values["outcome"]))
    fig = Figure(figsize=(12, 3.8 * len(outcomes)), layout="constrained")
    axes = fig.subplots(len(outcomes), 2, squeeze=False)
    for row, outcome in enumerate(outcomes):
        v = values[values["outcome"] == outcome]
        wide = v.pivot(index="channel", columns="depth", values="phi")
        wide.plot.bar(ax=axes[row][0], rot=0)
        axes[row][0].set(ylabel=f"Shapley value of {outcome}", xlabel="")
        axes[row][0].set_title(
            f"{outcome}: each channel's share (depth in the legend)", fontsize=10
        )
        axes[row][0].axhline(0, color="black", lw=0.6)
        pairs = interactions[interactions["outcome"] == outcome]
        top = pairs.assign(size=pairs["interaction"].abs()).nlargest(8, "size")
        axes[row][1].barh(
            [f"{p} (d {d:g})" for p, d in zip(top["pair"], top["depth"], strict=True)],
            top["interaction"],
        )
        axes[row][1].axvline(0, color="black", lw=0.6)
        axes[row][1].set_title("strongest interactions (> 0: complements)", fontsize=10)
    return fig
