"""``python -m experiments.reverse_stress [--seeds N] [--tolerance T] [--executor dask]``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from experiments.demand_slowdown import cascade_flags
from experiments.reverse_stress import (
    CONFIGS,
    TARGETS,
    depth_bounds,
    figure,
    known_from_study,
    search,
)
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
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help="comma-separated configurations (default: all channels on, and each one off)",
    )
    parser.add_argument(
        "--known",
        type=Path,
        default=None,
        help="the demand-slowdown study's runs.csv: depths it ran over the same seeds are reused",
    )
    args = parser.parse_args(argv)
    names = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in names if c not in CONFIGS]
    if unknown or not names:
        parser.error(f"--configs: unknown {unknown}; choose from {list(CONFIGS)}")
    if args.known is not None and not args.known.is_file():
        parser.error(f"--known: no file {args.known}")
    known = None
    if args.known is not None:
        known = known_from_study(cascade_flags(pd.read_csv(args.known)), args.seeds)
    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    thresholds, evaluations = search(
        args.out / "sweeps",
        args.tolerance,
        configs={c: CONFIGS[c] for c in names},
        known_by_config=known,
        scenario=SCENARIO,
        steps=STEPS,
        seeds=args.seeds,
        workers=args.workers,
        executor=args.executor,
        progress=False,
    )
    thresholds.to_csv(args.out / "thresholds.csv", index=False, float_format="%.10g")
    evaluations.to_csv(args.out / "evaluations.csv", index=False, float_format="%.10g")
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
        configurations=names,
        reused_from=str(args.known) if args.known else None,
        reused_depths={k: sorted(v) for k, v in (known or {}).items()},
        evaluations=len(evaluations),
    )
    print(thresholds.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
