"""``python -m experiments.reverse_stress [--seeds N] [--tolerance T] [--executor dask]``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from experiments.reverse_stress import CONFIGS, TARGETS, depth_bounds, figure, search
from experiments.studies import write_meta

RESULTS = Path(__file__).parent / "results"
SCENARIO = "demand-slowdown"
STEPS = 520


def main(argv: list[str] | None = None) -> int:
    """Search every configuration and write thresholds.csv, evaluations.csv and a figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument("--tolerance", type=float, default=0.05, help="depth resolution")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--executor", choices=("process", "dask"), default="process")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    thresholds, evaluations = search(
        args.out / "sweeps",
        args.tolerance,
        scenario=SCENARIO,
        steps=STEPS,
        seeds=args.seeds,
        workers=args.workers,
        executor=args.executor,
        progress=False,
    )
    thresholds.to_csv(args.out / "thresholds.csv", index=False, float_format="%.4g")
    evaluations.to_csv(args.out / "evaluations.csv", index=False, float_format="%.4g")
    figure(evaluations, thresholds).savefig(args.out / "reverse_stress.png", dpi=120)
    write_meta(
        args.out / "meta.json",
        started,
        scenario=SCENARIO,
        steps=STEPS,
        seeds=list(range(args.seeds)),
        tolerance=args.tolerance,
        depth_bounds=depth_bounds(),
        targets=TARGETS,
        configurations=list(CONFIGS),
        evaluations=len(evaluations),
    )
    print(thresholds.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
