"""Command line: ``python -m experiments.calibration_2022 [--seeds N] [--out DIR]``."""

import argparse
import time
from pathlib import Path

from experiments.calibration_2022 import METRICS, compare, markdown, plot, run_seeds, run_today
from experiments.studies import write_meta

RESULTS = Path(__file__).parent / "results"


def main(argv: list[str] | None = None) -> int:
    """Run ``2022-redux`` over seeds and write ``runs.csv``, ``calibration.csv/.md/.png``.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when None).

    Returns:
        0 when every targeted metric overlaps its target within tolerance, else 1.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=200, help="number of seeds (default 200)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    parser.add_argument(
        "--today", type=int, default=0, help="also run N seeds of today's economy (default 0)"
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, got {args.seeds}")
    started = time.perf_counter()
    runs = run_seeds(range(args.seeds), workers=args.workers)
    table = compare(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(args.out / "runs.csv", index=False, float_format="%.6g")
    write_meta(
        args.out / "meta.json",
        started,
        scenario="2022-redux",
        seeds=list(range(args.seeds)),
        today_seeds=args.today,
        workers=args.workers,
    )
    table.to_csv(args.out / "calibration.csv", index=False, float_format="%.4g")
    (args.out / "calibration.md").write_text(markdown(table) + "\n", encoding="utf-8")
    plot(runs, table, args.out / "calibration.png")
    print(markdown(table))
    print(runs.describe().T[["mean", "min", "50%", "max"]].to_string())
    print(f"wrote {args.out}/runs.csv, calibration.csv/.md/.png")
    if args.today > 0:
        today = run_today(range(args.today), workers=args.workers)
        today.to_csv(args.out / "today_economy.csv", index=False, float_format="%.6g")
        cols = ["miner_default_share", "leveraged_capacity_default_share", "lenders_failed"]
        print(today.groupby("case")[[c for c in METRICS if c in cols]].describe().T.to_string())
        print(f"wrote {args.out}/today_economy.csv")
    return 0 if table["passes"].all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
