"""Command line: ``python -m experiments.demand_slowdown [--seeds N] [--workers W] [--out DIR]``."""

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from bubblesim.sweep.storage import source_commit
from experiments.demand_slowdown import (
    ALL_ON,
    CHANNELS,
    STEPS_WEEKS,
    depths_arg,
    end_demand_loss,
    markdown,
    plot,
    run_study,
    summarise,
    tasks,
)

RESULTS = Path(__file__).parent / "results"


def code_version() -> dict[str, str | bool]:
    """The commit the runs were made with, and whether ``bubblesim/`` had uncommitted changes."""
    head = source_commit()
    return {"commit": head.removesuffix("-dirty"), "dirty": head.endswith("-dirty")}


def main(argv: list[str] | None = None) -> int:
    """Run (or resume) the study and write ``runs.csv``, ``cascade_probability.csv/.md/.png``.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when None).

    Returns:
        The exit status, 0 on success.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=100, help="seeds per point (default 100)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--steps", type=int, default=STEPS_WEEKS, help="weeks per run (520)")
    parser.add_argument("--depths", type=depths_arg, default=None, help="e.g. 0,0.5,1")
    parser.add_argument(
        "--channels",
        default=",".join((ALL_ON, *CHANNELS)),
        help="comma-separated: 'none' and/or channel switches to turn off",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    parser.add_argument(
        "--summarise-only", action="store_true", help="recompute the tables from runs.csv"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    runs_csv = args.out / "runs.csv"
    if args.summarise_only:
        runs = pd.read_csv(runs_csv)
    else:
        kwargs = {"steps": args.steps, "channels": args.channels.split(",")}
        if args.depths is not None:
            kwargs["depths"] = args.depths
        meta_path = args.out / "meta.json"
        versions = json.loads(meta_path.read_text()) if meta_path.is_file() else []
        versions.append({**code_version(), "argv": argv or sys.argv[1:], "seeds": args.seeds})
        meta_path.write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
        started = time.perf_counter()
        runs = run_study(tasks(args.seeds, **kwargs), runs_csv, workers=args.workers)
        versions[-1]["wall_time_s"] = round(time.perf_counter() - started, 1)
        versions[-1]["finished_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        meta_path.write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
    table = summarise(runs)
    depths = sorted({0.0, *runs["depth"].unique().tolist()})
    demand = end_demand_loss(depths)
    demand.to_csv(args.out / "end_demand_loss.csv", index=False, float_format="%.4g")
    print(demand.to_string(index=False))
    table.to_csv(args.out / "cascade_probability.csv", index=False, float_format="%.4g")
    (args.out / "cascade_probability.md").write_text(
        markdown(table, demand) + "\n", encoding="utf-8"
    )
    plot(table, args.out / "cascade_probability.png")
    print(markdown(table, demand))
    print(f"wrote {args.out}/runs.csv, cascade_probability.csv/.md/.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
