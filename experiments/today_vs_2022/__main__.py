"""``python -m experiments.today_vs_2022 [--seeds N] [--executor dask]``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from experiments.studies import run_grid, write_meta
from experiments.today_vs_2022 import ECONOMIES, SHOCKS, table

RESULTS = Path(__file__).parent / "results"


def main(argv: list[str] | None = None) -> int:
    """Run (or resume) the four cells and write the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--executor", choices=("process", "dask"), default="process")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frames = []
    for shock, (scenario, steps) in SHOCKS.items():
        runs = run_grid(
            args.out / "sweeps",
            scenario,
            scenario=scenario,
            steps=steps,
            seeds=args.seeds,
            parameters={"population_kind": list(ECONOMIES.values())},
            workers=args.workers,
            executor=args.executor,
        )
        names = {v: k for k, v in ECONOMIES.items()}
        frames.append(runs.assign(shock=shock, economy=runs["population_kind"].map(names)))
    runs = pd.concat(frames, ignore_index=True)
    runs.to_parquet(args.out / "runs.parquet", compression="zstd", index=False)
    result = table(runs)
    result.to_csv(args.out / "today_vs_2022.csv", index=False, float_format="%.4g")
    write_meta(
        args.out / "meta.json",
        started,
        seeds=list(range(args.seeds)),
        cells={s: {"scenario": sc, "steps": st} for s, (sc, st) in SHOCKS.items()},
        economies=ECONOMIES,
        runs=len(runs),
        executor=args.executor,
    )
    cols = ["shock", "economy", "p_cascade", "ci_low", "ci_high"]
    print(result[cols].to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
