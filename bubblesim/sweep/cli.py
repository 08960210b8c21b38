"""Command line: ``bubblesim sweep`` and ``bubblesim analyze``.

``register(subparsers)`` adds both commands to the main ``bubblesim`` parser; ``main()`` runs them
standalone (``python -m bubblesim.sweep.cli sweep ...``). Handlers return an exit code: 0 done,
1 finished with failed runs (or incomplete for ``status``), 2 bad input (one message, nothing
written).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from bubblesim.sweep.experiment import ExperimentError
from bubblesim.sweep.storage import OutputFolderError
from bubblesim.sweep.validate import ALLOW_RUNNERS_ENV, DEFAULT_MAX_RUNS

SWEEP_USAGE = (
    "bubblesim sweep EXPERIMENT.toml [--out DIR] [--workers N] [--scheduler ADDRESS]\n"
    "                [--max-runs N] [--allow-runner MODULE] ...\n"
    "       bubblesim sweep status DIR\n"
    "       bubblesim sweep compact DIR"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` and ``analyze`` commands to an argparse subparsers object."""
    sweep = subparsers.add_parser(
        "sweep",
        usage=SWEEP_USAGE,
        help="run or resume a parameter sweep; 'sweep status DIR' reports completeness",
        description="Run (or resume) the sweep an experiment file declares; 'sweep status DIR' "
        "reports how complete a sweep folder is; 'sweep compact DIR' merges its per-task files "
        "into chunk files.",
    )
    sweep.add_argument("experiment", help="the experiment TOML file, or 'status' / 'compact'")
    sweep.add_argument("folder", nargs="?", help=argparse.SUPPRESS)
    sweep.add_argument("--out", help="output folder (default: sweeps/<experiment file stem>)")
    sweep.add_argument(
        "--workers", type=int, help="parallel workers (default: CPU count); 1 = no pool"
    )
    sweep.add_argument(
        "--executor",
        choices=["process", "dask"],
        default="process",
        help="local process pool (default) or a Dask LocalCluster",
    )
    sweep.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (implies Dask)"
    )
    sweep.add_argument(
        "--max-seeds",
        type=int,
        metavar="N",
        help="use only the first N seeds per point (a subset of the full sweep)",
    )
    sweep.add_argument("--chunk-size", type=int, metavar="K", help="runs per task (default: auto)")
    sweep.add_argument(
        "--max-attempts",
        type=int,
        default=3,
        metavar="N",
        help="worker deaths after which a run is recorded as failed (default 3)",
    )
    sweep.add_argument(
        "--max-runs",
        type=int,
        default=DEFAULT_MAX_RUNS,
        metavar="N",
        help=f"refuse a design of more runs than this (default {DEFAULT_MAX_RUNS:,})",
    )
    sweep.add_argument(
        "--allow-runner",
        action="append",
        default=[],
        metavar="MODULE",
        help="let the experiment use a runner from this module (repeatable); a custom runner "
        f"is code the sweep imports and runs (also: {ALLOW_RUNNERS_ENV}=MODULE,...)",
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(func=_sweep)

    analyze = subparsers.add_parser(
        "analyze",
        help="cascade probability with CIs, heatmap, Sobol/Morris indices of a sweep folder",
        description="Tables (CSV) and figures (PNG) from a sweep folder.",
    )
    analyze.add_argument("folder", help="the sweep folder")
    analyze.add_argument("--out", help="where to write tables and figures (default: DIR/analysis)")
    analyze.add_argument("--x", help="heatmap x parameter (default: the first swept)")
    analyze.add_argument("--y", help="heatmap y parameter (default: the second swept)")
    analyze.add_argument("--cascade", help="the 0/1 verdict column (default from the experiment)")
    analyze.add_argument("--outcome", help="the outcome for Sobol/Morris indices")
    analyze.set_defaults(func=_analyze)


def _sweep(args: argparse.Namespace) -> int:
    if args.experiment == "status":
        return _status(args)
    if args.experiment == "compact":
        return _compact(args)
    if args.folder is not None:
        print(f"error: unexpected argument {args.folder!r}\nusage: {SWEEP_USAGE}", file=sys.stderr)
        return 2
    from bubblesim.sweep.runner import run_sweep

    out = args.out or str(Path("sweeps") / Path(args.experiment).stem)
    try:
        summary = run_sweep(
            args.experiment,
            out,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            max_seeds=args.max_seeds,
            chunk_size=args.chunk_size,
            max_attempts=args.max_attempts,
            progress=not args.quiet,
            max_runs=args.max_runs,
            allow_runners=args.allow_runner,
        )
    except (ExperimentError, OutputFolderError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print(
            f"\ninterrupted: finished runs are kept in {out}; run the same command to resume",
            file=sys.stderr,
        )
        return 128 + int(signum)
    except OSError as exc:  # e.g. a full disk
        print(
            f"error: cannot write to {out}: {exc.strerror or exc}; finished runs are kept, "
            "run the same command to resume",
            file=sys.stderr,
        )
        return 1
    print(
        f"{summary.out}: {summary.completed} done, {summary.failed} failed, "
        f"{summary.skipped} already done (skipped), {summary.total} planned "
        f"in {summary.elapsed_s:.1f} s"
    )
    if summary.failed:
        print(f"failed runs: see {summary.out}/failures/ or 'bubblesim sweep status {out}'")
    return 1 if summary.failed else 0


def _status(args: argparse.Namespace) -> int:
    from bubblesim.sweep.status import sweep_status

    if args.folder is None:
        print(f"error: 'sweep status' needs a folder\nusage: {SWEEP_USAGE}", file=sys.stderr)
        return 2
    try:
        report = sweep_status(args.folder)
    except (OutputFolderError, ExperimentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.format())
    return 0 if report.complete else 1


def _compact(args: argparse.Namespace) -> int:
    from bubblesim.sweep.compact import compact

    if args.folder is None:
        print(f"error: 'sweep compact' needs a folder\nusage: {SWEEP_USAGE}", file=sys.stderr)
        return 2
    try:
        merged = compact(args.folder)
    except OutputFolderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot compact {args.folder}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{args.folder}: merged {merged['runs']} run files and {merged['series']} series files")
    if merged["quarantined"]:
        print(
            f"{args.folder}: set {merged['quarantined']} damaged files aside in quarantine/; "
            "run the sweep again to redo their runs"
        )
    return 0


def _analyze(args: argparse.Namespace) -> int:
    from bubblesim.sweep.analysis import analyze_folder

    try:
        written = analyze_folder(
            args.folder,
            args.out,
            x=args.x,
            y=args.y,
            cascade=args.cascade,
            outcome=args.outcome,
            echo=print,
        )
    except (OutputFolderError, ExperimentError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``sweep`` or ``analyze`` standalone; return the exit code."""
    parser = argparse.ArgumentParser(prog="bubblesim", description="bubblesim parameter sweeps")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
