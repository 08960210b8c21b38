"""``python -m experiments.scenario_discovery [--density D] [--samples N] [--executor dask]``."""

from __future__ import annotations

import argparse
import shutil
import time
import tomllib
from pathlib import Path

from bubblesim.sweep import load_results, run_sweep
from experiments.scenario_discovery import figure, find_boxes
from experiments.studies import write_meta

HERE = Path(__file__).parent
EXPERIMENT = HERE / "scenario_discovery.toml"
RESULTS = HERE / "results"


def main(argv: list[str] | None = None) -> int:
    """Run (or resume) the sample, then PRIM on the cascades."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--density", type=float, default=0.5, help="minimum box density")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--executor", choices=("process", "dask"), default="process")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    run_sweep(EXPERIMENT, args.out / "sweep", workers=args.workers, executor=args.executor)
    runs = load_results(args.out / "sweep")
    inputs = list(tomllib.loads(EXPERIMENT.read_text())["parameters"])
    runs.to_parquet(args.out / "runs.parquet", compression="zstd", index=False)
    shutil.copy(EXPERIMENT, args.out / "experiment.toml")
    cases = runs["cascade"].to_numpy() > 0.5
    found = find_boxes(runs, inputs, cases, args.density)
    summary = {"runs": len(runs), "cascades": int(cases.sum())}
    if found is None:
        print("no cascades in the sample: nothing for PRIM to find")
    else:
        trajectory, box = found
        trajectory.to_csv(args.out / "prim_trajectory.csv", index=False, float_format="%.4g")
        box.to_csv(args.out / "prim_box.csv", index=False, float_format="%.4g")
        figure(trajectory, box, args.density).savefig(args.out / "prim.png", dpi=120)
        summary |= box.iloc[0][["coverage", "density", "mass"]].astype(float).to_dict()
        print(box.to_string(index=False))
    write_meta(
        args.out / "meta.json",
        started,
        experiment="experiments/scenario_discovery/scenario_discovery.toml",
        seeds=[0],
        min_density=args.density,
        executor=args.executor,
        **summary,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
