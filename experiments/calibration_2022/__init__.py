"""The 2022 calibration check: does the model produce 2022's cascade when given 2022's shocks?

The ``2022-redux`` preset (the 2022 rig-loan mining economy, ``population_kind = "miners-2022"``,
with 2022's bitcoin crash, rate hikes and crypto-lender losses) runs over many seeds. Each run is
measured against the stylised facts of 2022 (calibration facts §5, MODEL.md):

* share of miners that defaulted (by count, of all miners and of leveraged miners; by capacity,
  of leveraged miners' MW), and of miners that were ever distressed or defaulted;
* recovery on defaulted rig-backed (ASIC-collateralised) loans: ``1 − write-off / principal``
  at the start of the default week, principal-weighted over the run's defaulted rig loans;
* lag from the first lender distress (a funding run on a lender, or a lender's failure) to the
  first miner default strictly after it (the onset of miner distress; the median default's
  lag is reported too, and so are miner defaults at or before the lender distress, where the
  causality runs from miners to lenders);
* peak-to-trough falls of the ASIC (collateral) price, hashprice and bitcoin;
* whether the model's own cascade verdict (:mod:`bubblesim.reporting.verdict`) fires.

Targets and tolerances (justified in ``docs/calibration.md``) are :data:`TARGETS`; a metric
passes when the simulated 10–90% range across seeds overlaps the target widened by its
tolerance. Run ``python -m experiments.calibration_2022``.
"""

from __future__ import annotations

import math
import multiprocessing as mp
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from tqdm import tqdm

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import Collateral, Status
from bubblesim.agents import Health
from bubblesim.reporting.verdict import max_drawdown

SCENARIO = "2022-redux"
STEPS_WEEKS = 104
"""2022 and 2023: the crash runs to week 45; defaults may trail it by months."""


@dataclass(frozen=True)
class Target:
    """A 2022 stylised fact: its range, the tolerance around it, and where it comes from."""

    metric: str
    low: float
    high: float
    tolerance: float
    unit: str
    source: str

    def band(self) -> tuple[float, float]:
        """The target widened by the tolerance on both sides."""
        return self.low - self.tolerance, self.high + self.tolerance


TARGETS: tuple[Target, ...] = (
    Target(
        "miner_default_share",
        0.20,
        0.20,
        0.10,
        "share of all miners (count)",
        "calib. §5: ≥5 of ≈25 public miners defaulted or restructured",
    ),
    Target(
        "rig_loan_recovery",
        0.50,
        0.75,
        0.10,
        "share of face",
        "calib. §5: Iris ≈52%, Stronghold 58–85%, Greenidge 65–77% (derived)",
    ),
    Target(
        "lag_weeks",
        13.0,
        26.0,
        6.0,
        "weeks",
        "calib. §5: miner distress lagged lenders' failures by 3–6 months",
    ),
    Target(
        "asic_price_fall",
        0.87,
        0.91,
        0.08,
        "peak-to-trough share",
        "calib. §5: ASIC $/TH −86.8% (top tier) to −91% (oldest tier)",
    ),
    Target(
        "hashprice_fall",
        0.77,
        0.77,
        0.08,
        "peak-to-trough share",
        "calib. §5: hashprice $246.86 → $55.94 within 2022 (derived)",
    ),
)
METRICS = (
    "miner_default_share",
    "leveraged_default_share",
    "leveraged_capacity_default_share",
    "miner_ever_distressed_share",
    "rig_loan_recovery",
    "lender_distress_week",
    "first_miner_default_week",
    "lag_weeks",
    "median_lag_weeks",
    "miner_defaults_at_or_before_lender_distress",
    "lenders_failed",
    "asic_price_fall",
    "hashprice_fall",
    "btc_fall",
    "cascade_verdict",
)


def _lender_distress_week(model) -> float:
    """First week a lender faces a funding run or fails.

    Write-offs alone do not count (a miner's own default would then date its lender's distress,
    making the lag zero by construction), nor does tightening (the 2022 crypto lenders start
    with thin capital, so their stress is positive from week 0).
    """
    lender_ids = {x.unique_id for x in model.lenders}
    weeks = [
        e.week
        for e in model.events.events
        if e.agent in lender_ids and e.kind in (EventKind.FUNDING_RUN, EventKind.DEFAULT)
    ]
    return float(min(weeks)) if weeks else math.nan


def run_one(
    seed: int,
    steps: int = STEPS_WEEKS,
    overrides: dict | None = None,
    scenario: str = SCENARIO,
) -> dict:
    """Run a scenario (``2022-redux`` by default) once and measure it against the 2022 facts.

    Args:
        seed: The seed.
        steps: Weeks to run.
        overrides: Extra flat overrides.
        scenario: The preset (``btc-crash`` measures today's economy under a 2022-like crash).

    Returns:
        One row: the seed and every metric of :data:`METRICS`.
    """
    from bubblesim.model import BubbleModel

    model = BubbleModel(scenario=scenario, rng=int(seed), **dict(overrides or {}))
    face: dict[int, float] = {}
    seen: dict[int, object] = {}
    ever_distressed: set[int] = set()
    for _ in range(steps):
        for loan in model.book.active_loans():
            if loan.collateral is Collateral.ASIC:
                face[loan.id] = loan.principal_usd
                seen[loan.id] = loan
        model.step()
        ever_distressed |= {m.unique_id for m in model.miners if m.health is not Health.HEALTHY}
    return measure(model, seed, face, seen, ever_distressed)


def measure(model, seed, face, seen, ever_distressed) -> dict:
    """The metrics of a finished run (see :func:`run_one`)."""
    miners = model.miners
    leveraged = [m for m in miners if m.initial_debt_usd > 0]
    defaulted = [m for m in miners if m.defaulted]
    lev_mw = sum(m.power_mw for m in leveraged)
    bad = [x for x in seen.values() if x.status is Status.DEFAULTED]
    bad_face = sum(face[x.id] for x in bad)
    recovery = 1.0 - sum(x.written_off_usd for x in bad) / bad_face if bad_face > 0 else math.nan
    distress = _lender_distress_week(model)
    weeks = sorted(m.default_week for m in defaulted)
    after = [w for w in weeks if not math.isnan(distress) and w > distress]
    series = model.series()
    return {
        "seed": seed,
        "miner_default_share": len(defaulted) / len(miners) if miners else math.nan,
        "leveraged_default_share": (
            sum(m.defaulted for m in leveraged) / len(leveraged) if leveraged else math.nan
        ),
        "leveraged_capacity_default_share": (
            sum(m.power_mw for m in leveraged if m.defaulted) / lev_mw if lev_mw else math.nan
        ),
        "miner_ever_distressed_share": len(ever_distressed) / len(miners) if miners else math.nan,
        "rig_loan_recovery": recovery,
        "lender_distress_week": distress,
        "first_miner_default_week": float(weeks[0]) if weeks else math.nan,
        "lag_weeks": float(after[0]) - distress if after else math.nan,
        "median_lag_weeks": float(np.median(after)) - distress if after else math.nan,
        "miner_defaults_at_or_before_lender_distress": float(len(weeks) - len(after)),
        "lenders_failed": float(sum(x.defaulted for x in model.lenders)),
        "asic_price_fall": max_drawdown(series["asic_price_usd_per_th"].to_numpy()),
        "hashprice_fall": max_drawdown(series["hashprice_usd_per_ph_day"].to_numpy()),
        "btc_fall": max_drawdown(series["btc_price_usd"].to_numpy()),
        "cascade_verdict": float(model.verdict().cascade),
    }


def _run_one_default(seed: int) -> dict:
    return run_one(seed)


def run_seeds(seeds: Sequence[int], workers: int = 2, progress: bool = True) -> pd.DataFrame:
    """Run :func:`run_one` over ``seeds`` (in ``workers`` processes) and return one row each."""
    bar = tqdm(total=len(seeds), desc="2022-redux", unit="run", disable=not progress)
    rows = []
    if workers <= 1:
        for seed in seeds:
            rows.append(run_one(seed))
            bar.update()
    else:
        ctx = mp.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for row in pool.map(_run_one_default, seeds, chunksize=2):
                rows.append(row)
                bar.update()
    bar.close()
    return pd.DataFrame(rows, columns=["seed", *METRICS])


TODAY_CASES: dict[str, tuple[str, dict, int]] = {
    "today, btc-crash": ("btc-crash", {}, 156),
    "today, 2022-redux conditions": (SCENARIO, {"population_kind": "default"}, STEPS_WEEKS),
}
"""Today's default economy under 2022-like shocks: (scenario, overrides, weeks)."""


def _run_case(args: tuple[str, int]) -> dict:
    case, seed = args
    scenario, overrides, steps = TODAY_CASES[case]
    return {"case": case, **run_one(seed, steps=steps, overrides=overrides, scenario=scenario)}


def run_today(seeds: Sequence[int], workers: int = 2) -> pd.DataFrame:
    """Today's economy under the 2022 shocks, measured as :func:`run_one` measures 2022."""
    todo = [(case, s) for case in TODAY_CASES for s in seeds]
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx) as pool:
        rows = list(tqdm(pool.map(_run_case, todo), total=len(todo), desc="today", unit="run"))
    return pd.DataFrame(rows)


def compare(runs: pd.DataFrame, targets: Sequence[Target] = TARGETS) -> pd.DataFrame:
    """Simulated median and 10–90% range of each targeted metric against its widened target.

    A metric ``passes`` when ``[p10, p90]`` overlaps ``[low − tol, high + tol]``; runs where a
    metric is undefined (no defaulted loan, no default after lender distress) are left out of
    its range and counted in ``n_defined``.
    """
    rows = []
    for t in targets:
        values = runs[t.metric].dropna().to_numpy()
        lo, hi = t.band()
        if values.size:
            p10, p50, p90 = np.percentile(values, [10, 50, 90])
            ok = bool(p10 <= hi and p90 >= lo)
        else:
            p10 = p50 = p90 = math.nan
            ok = False
        rows.append(
            {
                "metric": t.metric,
                "unit": t.unit,
                "target_low": t.low,
                "target_high": t.high,
                "tolerance": t.tolerance,
                "sim_p10": p10,
                "sim_median": p50,
                "sim_p90": p90,
                "n_defined": int(values.size),
                "n_runs": len(runs),
                "passes": ok,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The comparison as a markdown table."""
    lines = [
        "| metric | target | tolerance | simulated median [p10, p90] | runs defined | overlaps |",
        "|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        target = (
            f"{r.target_low:g}"
            if r.target_low == r.target_high
            else (f"{r.target_low:g}–{r.target_high:g}")
        )
        sim = f"{r.sim_median:.3g} [{r.sim_p10:.3g}, {r.sim_p90:.3g}]"
        lines.append(
            f"| {r.metric} ({r.unit}) | {target} | ±{r.tolerance:g} | {sim} | "
            f"{r.n_defined}/{r.n_runs} | {'yes' if r.passes else 'NO'} |"
        )
    return "\n".join(lines)


def plot(runs: pd.DataFrame, table: pd.DataFrame, path: Path) -> None:
    """One panel per targeted metric: the simulated distribution against the widened target."""
    fig = Figure(figsize=(13, 3.2), layout="constrained")
    axes = fig.subplots(1, len(table))
    for ax, r in zip(axes, table.itertuples(), strict=True):
        values = runs[r.metric].dropna().to_numpy()
        lo, hi = r.target_low - r.tolerance, r.target_high + r.tolerance
        ax.axvspan(lo, hi, color="tab:green", alpha=0.15, label="target ± tolerance")
        ax.axvspan(
            r.target_low, max(r.target_high, r.target_low + 1e-3), color="tab:green", alpha=0.4
        )
        if values.size:
            ax.hist(values, bins=20, color="tab:blue", alpha=0.8, label="simulated")
            ax.axvline(np.median(values), color="black", lw=1)
        ax.set_title(r.metric.replace("_", " "), fontsize=9)
        ax.set_xlabel(r.unit, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("runs")
    axes[0].legend(fontsize=7)
    fig.suptitle("2022-redux against the 2022 stylised facts (calibration facts §5)", fontsize=10)
    fig.savefig(path, dpi=120)
