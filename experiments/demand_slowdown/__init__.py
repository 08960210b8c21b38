"""The headline study: probability of a 2022-style cascade against the depth of an AI slowdown.

For each slowdown depth (``demand_slowdown_depth``: 0 = boom growth continues, 1 = revenue
growth goes to zero, > 1 = revenue shrinks) the ``demand-slowdown`` preset runs over many seeds
with every contagion channel on, and again with each of the five channels switched off in turn.
The same seeds are used at every point (common random numbers), so differences between points
come from the parameters, not from the draws. Each run keeps the model's verdict (the legs must
hold together within one window) and each leg's peak over the run, from which the frequency of
each leg is tabulated. Run ``python -m experiments.demand_slowdown``.
"""

from __future__ import annotations

import csv
import multiprocessing as mp
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from tqdm import tqdm

from bubblesim.economy_params import VerdictParams
from bubblesim.sweep.analysis import wilson_interval

SCENARIO = "demand-slowdown"
DEPTHS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
CHANNELS: tuple[str, ...] = (
    "channel_counterparty",
    "channel_settlement",
    "channel_fire_sale",
    "channel_funding",
    "channel_sentiment",
)
ALL_ON = "none"
"""The ``channel_off`` label of runs with every channel on."""
STEPS_WEEKS = 520
"""Ten simulated years (2026–2035, ODD §7): the slowdown starts in week 52 and has nine years
to act, with the maturity ladder and the break calendar inside the run."""
RUN_FIELDS = (
    "depth",
    "channel_off",
    "seed",
    "cascade",
    "miner_capacity_defaulted_share",
    "lender_loss_to_capital",
    "credit_contraction",
    "gpu_price_peak_to_trough",
    "first_default_week",
    "n_defaults",
    "n_defaults_lab",
    "n_defaults_neocloud",
    "n_defaults_miner",
    "n_defaults_lender",
    "n_defaults_hyperscaler",
    "n_defaults_vendor",
    "severity_score",
    "legs_met",
    "bain_shortfall_share",
)
BAIN_WEEK = 260
"""End of 2030 (week 0 = January 2026), the year of Bain's estimate."""
BAIN_SHORTFALL_SHARE = 0.4
"""Bain (2025): $2T of annual revenue needed by 2030 against $1.2T in sight, a shortfall of 40%
of the need (calibration-facts §2)."""


@dataclass(frozen=True)
class Task:
    """One run: a depth, the channel switched off (or ``"none"``), a seed, a horizon."""

    depth: float
    channel_off: str
    seed: int
    steps: int = STEPS_WEEKS

    def key(self) -> tuple[float, str, int]:
        """Identity of the run in the results file."""
        return (round(self.depth, 6), self.channel_off, self.seed)


def tasks(
    seeds: int,
    depths: Sequence[float] = DEPTHS,
    channels: Sequence[str] = (ALL_ON, *CHANNELS),
    steps: int = STEPS_WEEKS,
) -> list[Task]:
    """Every run of the study, seeds innermost.

    Args:
        seeds: Seeds per point (seeds ``0 .. seeds-1``).
        depths: Slowdown depths.
        channels: ``"none"`` and/or channel switch names to turn off.
        steps: Weeks per run.

    Returns:
        The tasks.

    Raises:
        ValueError: On ``seeds < 1`` or an unknown channel name.
    """
    if seeds < 1:
        raise ValueError(f"seeds must be >= 1, got {seeds}")
    bad = [c for c in channels if c != ALL_ON and c not in CHANNELS]
    if bad:
        raise ValueError(f"channels: unknown names {bad}")
    return [Task(d, c, s, steps) for d in depths for c in channels for s in range(seeds)]


def run_task(task: Task) -> dict[str, float | str | int]:
    """Run one task and return its row (the verdict magnitudes and default counts)."""
    from bubblesim.simulate import run_simulation

    overrides: dict[str, object] = {"demand_slowdown_depth": task.depth}
    if task.channel_off != ALL_ON:
        overrides[task.channel_off] = False
    result = run_simulation(
        scenario=SCENARIO, overrides=overrides, seed=task.seed, steps=task.steps
    )
    row: dict[str, float | str | int] = {
        "depth": task.depth,
        "channel_off": task.channel_off,
        "seed": task.seed,
    }
    for name in RUN_FIELDS[3:-1]:
        row[name] = result.scalars[name]
    row["bain_shortfall_share"] = bain_shortfall_share(result.columns)
    return row


def end_demand_loss(depths: Sequence[float], seeds: int = 3) -> pd.DataFrame:
    """How much of 2030's end demand each depth removes, against the boom (depth 0).

    ``1 − A_d / A_0`` with ``A`` the adoption revenue (series ``ai_adoption_revenue_usd_per_year``,
    what end users spend on AI, whoever earns it) at the end of 2030, averaged over the first
    ``seeds`` seeds; beside it the labs' own revenue gap (:func:`bain_shortfall_share`), which
    also moves when labs fail. Bain's gap is 0.40 of the need; the boom path's is about 0.46.

    Returns:
        One row per depth: ``depth``, ``end_demand_loss``, ``adoption_usd_per_year`` and
        ``labs_revenue_gap_share``.
    """
    from bubblesim.simulate import run_simulation

    rows = []
    for depth in depths:
        adoption, gap = [], []
        for seed in range(seeds):
            result = run_simulation(
                scenario=SCENARIO,
                overrides={"demand_slowdown_depth": depth},
                seed=seed,
                steps=BAIN_WEEK + 1,
            )
            i = _week_index(result.columns, BAIN_WEEK)
            adoption.append(result.columns["ai_adoption_revenue_usd_per_year"][i])
            gap.append(bain_shortfall_share(result.columns))
        rows.append(
            {
                "depth": depth,
                "adoption_usd_per_year": sum(adoption) / len(adoption),
                "labs_revenue_gap_share": sum(gap) / len(gap),
            }
        )
    table = pd.DataFrame(rows)
    boom = table.loc[table["depth"] == 0.0, "adoption_usd_per_year"]
    base = float(boom.iloc[0]) if len(boom) else float("nan")
    table.insert(1, "end_demand_loss", 1.0 - table["adoption_usd_per_year"] / base)
    return table


def _week_index(columns: dict[str, list[float]], week: int) -> int:
    """The row of the collected week nearest ``week``."""
    weeks = columns["week"]
    return min(range(len(weeks)), key=lambda k: abs(weeks[k] - week))


def bain_shortfall_share(columns: dict[str, list[float]], week: int = BAIN_WEEK) -> float:
    """The share of the revenue the installed base needs that the labs do not earn, at ``week``.

    ``1 − end revenue / required revenue`` (series ``ai_end_revenue_usd_per_year`` and
    ``ai_required_revenue_usd_per_year``): Bain's "$800B short of $2T" is 0.4. The depth of a
    slowdown is reported through it, so a depth reads as the funding gap it opens by 2030.
    """
    i = _week_index(columns, week)
    required = columns["ai_required_revenue_usd_per_year"][i]
    if not required > 0:
        return float("nan")
    return 1.0 - columns["ai_end_revenue_usd_per_year"][i] / required


def _done_keys(path: Path) -> set[tuple[float, str, int]]:
    if not path.is_file():
        return set()
    frame = pd.read_csv(path)
    return {
        (round(float(d), 6), str(c), int(s))
        for d, c, s in zip(frame["depth"], frame["channel_off"], frame["seed"], strict=True)
    }


def run_study(todo: Iterable[Task], runs_csv: Path, workers: int = 2) -> pd.DataFrame:
    """Run the tasks not yet in ``runs_csv``, appending each row as it finishes (resumable).

    Args:
        todo: The tasks.
        runs_csv: The per-run results file (created or extended).
        workers: Worker processes (1 = in this process).

    Returns:
        Every row of ``runs_csv``.
    """
    done = _done_keys(runs_csv)
    pending = [t for t in todo if t.key() not in done]
    runs_csv.parent.mkdir(parents=True, exist_ok=True)
    new_file = not runs_csv.is_file()
    with runs_csv.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=RUN_FIELDS)
        if new_file:
            writer.writeheader()
        bar = tqdm(total=len(pending), desc="runs", unit="run")
        if workers <= 1:
            rows: Iterable = map(run_task, pending)
            _write_all(rows, writer, fh, bar)
        else:
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                _write_all(pool.map(run_task, pending, chunksize=4), writer, fh, bar)
        bar.close()
    return pd.read_csv(runs_csv)


def _write_all(rows: Iterable, writer: csv.DictWriter, fh, bar: tqdm) -> None:
    for row in rows:
        writer.writerow(row)
        fh.flush()
        bar.update()


def cascade_flags(runs: pd.DataFrame, verdict: VerdictParams | None = None) -> pd.DataFrame:
    """Add each leg's criterion (met at some time in the run) from the stored peaks.

    The cascade flag is the model's own (``cascade``: every leg held together within one
    window, :func:`bubblesim.reporting.verdict.cascade_verdict`); legs met apart do not make
    one, so the flag cannot be rebuilt from the peaks and a new threshold needs new runs.
    """
    v = verdict or VerdictParams()
    out = runs.copy()
    out["crit_miner"] = out["miner_capacity_defaulted_share"] >= v.verdict_miner_capacity_share
    out["crit_lender"] = out["lender_loss_to_capital"] >= v.verdict_lender_loss_share
    out["crit_credit"] = out["credit_contraction"] >= v.verdict_credit_contraction_share
    out["cascade"] = out["cascade"].astype(float) > 0.5
    out["any_miner_default"] = out["n_defaults_miner"] > 0
    out["any_neocloud_default"] = out["n_defaults_neocloud"] > 0
    return out


def _quartiles(g: pd.DataFrame, column: str) -> dict[str, float]:
    q = g[column].quantile([0.25, 0.5, 0.75, 0.9]).to_numpy()
    return {
        f"{column}_mean": g[column].mean(),
        f"{column}_p25": q[0],
        f"{column}_median": q[1],
        f"{column}_p75": q[2],
        f"{column}_p90": q[3],
    }


def summarise(runs: pd.DataFrame, verdict: VerdictParams | None = None) -> pd.DataFrame:
    """Probability of a cascade per (depth, channel off) with 95% Wilson intervals.

    Also the frequency of each criterion and of any miner / neocloud default, and the mean
    magnitudes, so a flat cascade curve can still be read.
    """
    flagged = cascade_flags(runs, verdict)
    rows = []
    for (channel, depth), g in flagged.groupby(["channel_off", "depth"], sort=False):
        n = len(g)
        k = int(g["cascade"].sum())
        lo, hi = wilson_interval(k, n)
        rows.append(
            {
                "channel_off": channel,
                "depth": depth,
                "runs": n,
                "cascades": k,
                "p_cascade": k / n,
                "ci_low": round(float(lo), 6),
                "ci_high": round(float(hi), 6),
                "p_miner_criterion": g["crit_miner"].mean(),
                "p_lender_criterion": g["crit_lender"].mean(),
                "p_credit_criterion": g["crit_credit"].mean(),
                "p_any_miner_default": g["any_miner_default"].mean(),
                "p_any_neocloud_default": g["any_neocloud_default"].mean(),
                "mean_labs_defaulted": g["n_defaults_lab"].mean(),
                **_quartiles(g, "severity_score"),
                **_quartiles(g, "miner_capacity_defaulted_share"),
                **_quartiles(g, "lender_loss_to_capital"),
                **_quartiles(g, "credit_contraction"),
                "mean_legs_met": g["legs_met"].mean(),
                "p_hyperscaler_default": (g["n_defaults_hyperscaler"] > 0).mean(),
                "p_lender_default": (g["n_defaults_lender"] > 0).mean(),
                "bain_shortfall_share": g["bain_shortfall_share"].median(),
            }
        )
    order = {c: i for i, c in enumerate((ALL_ON, *CHANNELS))}
    table = pd.DataFrame(rows)
    table["_o"] = table["channel_off"].map(order)
    return table.sort_values(["_o", "depth"]).drop(columns="_o").reset_index(drop=True)


COMPONENTS = {
    "p_any_neocloud_default": "any neocloud default",
    "p_any_miner_default": "any miner default",
    "p_miner_criterion": "miner criterion (≥ threshold of leveraged MW)",
    "p_lender_criterion": "lender criterion (losses ≥ threshold)",
    "p_credit_criterion": "credit criterion (contraction ≥ threshold)",
}


def plot(table: pd.DataFrame, path: Path) -> None:
    """Three panels: P(cascade), its components with every channel on, and channels off.

    The third panel shows the components with each channel off, at the deepest depth where
    channels were switched off.
    """
    fig = Figure(figsize=(15, 4.4), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for channel, g in table.groupby("channel_off", sort=False):
        on = channel == ALL_ON
        name = channel.removeprefix("channel_")
        x = g["depth"].to_numpy()
        (line,) = ax1.plot(
            x,
            g["p_cascade"],
            marker="o",
            ls="-" if on else "--",
            lw=2.2 if on else 1.2,
            color="black" if on else None,
            label="all channels on" if on else f"{name} off",
        )
        ax1.fill_between(x, g["ci_low"], g["ci_high"], color=line.get_color(), alpha=0.12)
    ax1.set(
        xlabel="slowdown depth (share of boom growth removed)",
        ylabel="P(cascade), 95% Wilson band",
        ylim=(-0.02, 1.02),
        title="2022-style cascade (all three criteria)",
    )
    ax1.legend(fontsize=8)
    on = table[table["channel_off"] == ALL_ON]
    for col, label in COMPONENTS.items():
        ax2.plot(on["depth"], on[col], marker="o", label=label)
    ax2.set(xlabel="slowdown depth", ylabel="share of runs", ylim=(-0.02, 1.02))
    ax2.set_title("all channels on: the criteria and defaults", fontsize=10)
    ax2.legend(fontsize=7)
    off = table[table["channel_off"] != ALL_ON]
    if not off.empty:
        depth = off["depth"].max()
        rows = table[table["depth"] == depth].set_index("channel_off")
        order = [c for c in (ALL_ON, *CHANNELS) if c in rows.index]
        width = 0.8 / len(COMPONENTS)
        for i, col in enumerate(COMPONENTS):
            xs = [k + (i - len(COMPONENTS) / 2 + 0.5) * width for k in range(len(order))]
            ax3.bar(xs, rows.loc[order, col], width=width, label=COMPONENTS[col])
        ax3.set_xticks(range(len(order)))
        ax3.set_xticklabels(
            ["all on" if c == ALL_ON else c.removeprefix("channel_") + " off" for c in order],
            fontsize=8,
            rotation=20,
        )
        ax3.set(ylabel="share of runs", ylim=(0, 1.02))
        ax3.set_title(f"one channel off at depth {depth:g} (colours as in the middle)", fontsize=10)
    fig.savefig(path, dpi=120)


def markdown(table: pd.DataFrame, demand: pd.DataFrame | None = None) -> str:
    """The cascade probabilities as a markdown table (rows: channel off; columns: depth).

    With ``demand`` (:func:`end_demand_loss`) each depth's header says how much of 2030's end
    demand it removes.
    """
    cell = table.assign(
        text=[
            f"{p:.2f} [{lo:.2f}, {hi:.2f}]"
            for p, lo, hi in zip(table.p_cascade, table.ci_low, table.ci_high, strict=True)
        ]
    )
    wide = cell.pivot(index="channel_off", columns="depth", values="text").fillna("—")
    wide = wide.reindex([c for c in (ALL_ON, *CHANNELS) if c in wide.index])
    loss = (
        {} if demand is None else dict(zip(demand["depth"], demand["end_demand_loss"], strict=True))
    )

    def head(d: float) -> str:
        return f"depth {d:g}" + (f" (2030 end demand −{loss[d]:.0%})" if d in loss else "")

    header = "| channel off | " + " | ".join(head(d) for d in wide.columns) + " |"
    sep = "|---|" + "---|" * len(wide.columns)
    body = [f"| {c} | " + " | ".join(wide.loc[c]) + " |" for c in wide.index]
    return "\n".join([header, sep, *body])


def depths_arg(text: str) -> list[float]:
    """Parse ``"0,0.5,1"`` into depths; raise ValueError naming the argument on bad input."""
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--depths expects comma-separated numbers, got {text!r}") from None
    if not values or any(not 0.0 <= v <= 1.5 for v in values):
        raise ValueError(f"--depths must be numbers in [0, 1.5], got {text!r}")
    return values


__all__ = [
    "ALL_ON",
    "CHANNELS",
    "DEPTHS",
    "STEPS_WEEKS",
    "Task",
    "cascade_flags",
    "depths_arg",
    "end_demand_loss",
    "markdown",
    "plot",
    "run_study",
    "run_task",
    "summarise",
    "tasks",
]
