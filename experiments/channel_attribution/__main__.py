"""``python -m experiments.channel_attribution [--seeds N] [--depths D,...] [--executor dask]``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from experiments.channel_attribution import CHANNELS, attribution, bootstrap_intervals, figure
from experiments.studies import parse_floats, run_grid, write_meta

RESULTS = Path(__file__).parent / "results"
SCENARIO = "demand-slowdown"
STEPS = 520


def main(argv: list[str] | None = None) -> int:
    """Run (or resume) the 32 channel combinations at each depth and attribute the outcomes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--depths", type=parse_floats, default=[1.0, 1.5])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--executor", choices=("process", "dask"), default="process")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    runs = run_grid(
        args.out,
        "sweep",
        scenario=SCENARIO,
        steps=STEPS,
        seeds=args.seeds,
        parameters={"demand_slowdown_depth": args.depths, **{c: [True, False] for c in CHANNELS}},
        workers=args.workers,
        executor=args.executor,
    )
    outcomes = ["cascade", "severity_score"]
    values, interactions = attribution(runs, outcomes)
    bands = pd.concat(
        [bootstrap_intervals(runs, o).assign(outcome=o) for o in outcomes], ignore_index=True
    )
    values = values.merge(bands, on=["depth", "outcome", "channel"], how="left")
    args.out.mkdir(parents=True, exist_ok=True)
    runs.to_parquet(args.out / "runs.parquet", compression="zstd", index=False)
    values.to_csv(args.out / "shapley.csv", index=False, float_format="%.5g")
    interactions.to_csv(args.out / "interactions.csv", index=False, float_format="%.5g")
    figure(values, interactions).savefig(args.out / "shapley.png", dpi=120)
    write_meta(
        args.out / "meta.json",
        started,
        scenario=SCENARIO,
        steps=STEPS,
        seeds=list(range(args.seeds)),
        depths=args.depths,
        runs=len(runs),
        executor=args.executor,
        outcomes=outcomes,
    )
    print(values.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
