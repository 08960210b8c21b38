"""``python -m experiments.phase_diagrams [--only NAME] [--max-seeds N] [--executor dask]``."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from bubblesim.sweep import load_results, run_sweep
from bubblesim.sweep.analysis import analyze_folder
from bubblesim.sweep.storage import read_manifest
from experiments.phase_diagrams import DIAGRAMS
from experiments.studies import write_meta

RESULTS = Path(__file__).parent / "results"


def main(argv: list[str] | None = None) -> int:
    """Run (or resume) each diagram's sweep, analyse it and keep its tables and figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(DIAGRAMS), action="append")
    parser.add_argument("--max-seeds", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--executor", choices=("process", "dask"), default="process")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for name in args.only or DIAGRAMS:
        started = time.perf_counter()
        folder = args.out / "sweeps" / name
        run_sweep(
            DIAGRAMS[name],
            folder,
            workers=args.workers,
            executor=args.executor,
            max_seeds=args.max_seeds,
        )
        written = analyze_folder(folder, args.out / name, echo=print)
        runs = load_results(folder)
        runs.to_parquet(args.out / name / "runs.parquet", compression="zstd", index=False)
        shutil.copy(DIAGRAMS[name], args.out / name / "experiment.toml")
        invocations = read_manifest(folder)["invocations"]  # a resumed sweep ran in several
        write_meta(
            args.out / name / "meta.json",
            started,
            experiment=str(DIAGRAMS[name].relative_to(Path(__file__).parents[2])),
            seeds=sorted(runs["seed"].unique().tolist()),
            runs=len(runs),
            executor=args.executor,
            sweep_wall_time_s=round(sum(i.get("wall_time_s", 0.0) for i in invocations), 1),
            invocations=invocations,
            files=[p.name for p in written],
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
