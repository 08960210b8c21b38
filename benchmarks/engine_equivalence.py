"""Does a code change leave the model's outcomes unchanged? Two checkouts, the same seeds.

Runs one scenario over many seeds with the code of a reference checkout and with the current
code, each in its own processes, and compares the outcomes seed by seed (are they identical?)
and as distributions (two-sample Mann–Whitney and Kolmogorov–Smirnov tests; Fisher's exact
test for the cascade flag). Used when an engine change alters floating-point summation order
and so the golden master's digests, to show that what a study measures has not moved.

Run: ``python -m benchmarks.engine_equivalence --reference ../ref --scenario demand-slowdown
--seeds 200 --steps 520 --out benchmarks/results/equivalence-demand-slowdown.csv``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

WORKER = r"""
import json, sys
from bubblesim.model import BubbleModel
scenario, steps, overrides = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
for seed in map(int, sys.argv[4].split(",")):
    model = BubbleModel(scenario=scenario, rng=seed, **overrides)
    for _ in range(steps):
        model.step()
    columns = model.series_columns()
    out = {"seed": seed, **model.verdict().scalars()}
    for kind in ("lab", "hyperscaler", "neocloud", "miner", "lender"):
        out[f"defaults_{kind}"] = columns[f"defaults_{kind}"][-1]
    out["n_events"] = len(model.events.events)
    out["final_credit_outstanding_usd"] = columns["credit_outstanding_usd"][-1]
    out["final_lender_capital_usd"] = columns["lender_capital_usd"][-1]
    print(json.dumps(out), flush=True)
"""

#: Outcomes compared as distributions (the verdict legs, default counts, first-default week).
OUTCOMES = (
    "miner_capacity_defaulted_share",
    "lender_loss_to_capital",
    "credit_contraction",
    "gpu_price_peak_to_trough",
    "first_default_week",
    "n_defaults",
    "defaults_lab",
    "defaults_neocloud",
    "defaults_miner",
    "defaults_lender",
    "final_credit_outstanding_usd",
)


def run_code(
    code: Path, scenario: str, steps: int, overrides: dict, seeds: list[int], workers: int
) -> pd.DataFrame:
    """Run ``seeds`` with the ``bubblesim`` found in ``code``, ``workers`` processes at once."""
    chunks = [seeds[i::workers] for i in range(workers)]
    env = {**os.environ, "PYTHONPATH": str(code)}

    def one(chunk: list[int]) -> list[dict]:
        args = [scenario, str(steps), json.dumps(overrides), ",".join(map(str, chunk))]
        done = subprocess.run(
            [sys.executable, "-c", WORKER, *args],
            cwd=code,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    with ThreadPoolExecutor(workers) as pool:
        rows = [row for part in pool.map(one, [c for c in chunks if c]) for row in part]
    return pd.DataFrame(rows).sort_values("seed").reset_index(drop=True)


def compare(reference: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: share of seeds with identical values, largest difference, test p-values."""
    rows = []
    for name in ("cascade", *OUTCOMES):
        a, b = reference[name].to_numpy(float), current[name].to_numpy(float)
        both_nan = np.isnan(a) & np.isnan(b)
        close = both_nan | np.isclose(a, b, rtol=1e-9, atol=0.0)
        diff = np.where(both_nan, 0.0, np.abs(a - b))
        row = {
            "outcome": name,
            "reference_mean": float(np.nanmean(a)) if not np.isnan(a).all() else math.nan,
            "current_mean": float(np.nanmean(b)) if not np.isnan(b).all() else math.nan,
            "same_seed_identical": float(close.mean()),
            "largest_difference": float(np.nanmax(diff)) if diff.size else 0.0,
        }
        fa, fb = a[~np.isnan(a)], b[~np.isnan(b)]
        if name == "cascade":
            table = [
                [int(fa.sum()), int(len(fa) - fa.sum())],
                [int(fb.sum()), int(len(fb) - fb.sum())],
            ]
            row["p_fisher"] = float(stats.fisher_exact(table).pvalue)
        elif len(fa) and len(fb) and (np.ptp(np.concatenate([fa, fb])) > 0):
            row["p_mann_whitney"] = float(stats.mannwhitneyu(fa, fb).pvalue)
            row["p_ks"] = float(stats.ks_2samp(fa, fb).pvalue)
        else:
            row["p_mann_whitney"] = row["p_ks"] = 1.0  # both samples constant and equal
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    """Run both codes and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True, help="checkout to compare with")
    parser.add_argument("--current", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--scenario", default="demand-slowdown")
    parser.add_argument("--steps", type=int, default=520)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=JSON")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="CSV of both runs' outcomes per seed")
    args = parser.parse_args(argv)
    overrides = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
    seeds = list(range(args.seeds))
    timings = {}
    frames = {}
    for label, code in (("reference", args.reference), ("current", args.current)):
        start = time.perf_counter()
        frames[label] = run_code(
            code.resolve(), args.scenario, args.steps, overrides, seeds, args.workers
        )
        timings[label] = time.perf_counter() - start
    summary = compare(frames["reference"], frames["current"])
    print(f"{args.scenario}, {args.seeds} seeds, {args.steps} weeks; wall s {timings}")
    print(summary.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        both = pd.concat(
            [frames["reference"].assign(code="reference"), frames["current"].assign(code="current")]
        )
        both.to_csv(args.out, index=False)
        summary.to_csv(args.out.with_name(args.out.stem + "-summary.csv"), index=False)
        meta = {
            "scenario": args.scenario,
            "seeds": args.seeds,
            "steps": args.steps,
            "overrides": overrides,
            "wall_s": timings,
            "reference": _commit(args.reference),
            "current": _commit(args.current),
        }
        args.out.with_name(args.out.stem + "-meta.json").write_text(json.dumps(meta, indent=2))
    return 0


def _commit(path: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True
        )
        return done.stdout.strip()
    except OSError:  # pragma: no cover
        return ""


if __name__ == "__main__":
    sys.exit(main())
