"""Sweep output on disk: one Parquet file per run, failures, a manifest, and readers.

Layout of an output folder::

    manifest.json            experiment (path, text, digest), package version, times, design
    design.parquet           the design points (index ``point``, one column per parameter)
    runs/batch-<run_id>.parquet  the finished runs of one task (a chunk of runs sent to a
                             worker), one row each: run_id, point, seed, parameters, scalar
                             outcomes (zstd); named after the task's first finished run
    runs/<run_id>.parquet    the same for a task of one run
    runs/chunk-NNNNNN.parquet  many runs, after ``bubblesim sweep compact`` (same columns)
    series/...               optional time series (week, run_id, point, seed, ...), same naming
    failures/<run_id>.json   parameters, seed, error, traceback of a failed run

Every file is written to a ``.tmp`` name and moved into place with ``os.replace``, so a killed
sweep never leaves a half-written result. A task's runs are written together when the task
returns, which is also when they first exist outside the worker, so batching loses nothing on
a crash and costs one file write per task instead of one per run. ``runs/*.parquet`` is one
dataset for pandas (:func:`load_results`) or DuckDB (``SELECT ... FROM 'DIR/runs/*.parquet'``).
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bubblesim import __version__
from bubblesim.sweep.experiment import Experiment, parse_experiment
from bubblesim.sweep.worker import RunOutcome

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
RUNS = "runs"
SERIES = "series"
FAILURES = "failures"
FORMAT_VERSION = 1
CHUNK_PREFIX = "chunk-"  # compacted files; run ids start with "p"
BATCH_PREFIX = "batch-"  # one task's runs, as they arrive


class OutputFolderError(ValueError):
    """An output folder that belongs to another experiment, or is not a sweep folder."""


def now_utc() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_output(out: Path, experiment: Experiment) -> dict[str, Any] | None:
    """Refuse a folder holding another experiment's runs; return its manifest if any.

    Args:
        out: The output folder (may not exist).
        experiment: The experiment about to run.

    Returns:
        The existing manifest, or None for a new or empty folder.

    Raises:
        OutputFolderError: If the folder holds files but no manifest, or a manifest whose
            experiment digest differs. Nothing is written.
    """
    if not out.exists():
        return None
    if not out.is_dir():
        raise OutputFolderError(f"{out} exists and is not a folder")
    manifest_path = out / MANIFEST
    if not manifest_path.exists():
        if any(out.iterdir()):
            raise OutputFolderError(
                f"{out} is not empty and has no {MANIFEST}; choose another --out"
            )
        return None
    manifest = read_manifest(out)
    if manifest["experiment_digest"] != experiment.digest():
        raise OutputFolderError(
            f"{out} holds runs of a different version of the experiment "
            f"({manifest['experiment_path']}, digest {manifest['experiment_digest'][:12]}; "
            f"this one is {experiment.digest()[:12]}). Refusing to mix results: "
            "use a new --out folder, or restore the original experiment file."
        )
    return manifest


def init_output(
    out: Path,
    experiment: Experiment,
    *,
    experiment_path: str,
    experiment_text: str,
    design: pd.DataFrame,
    previous: dict[str, Any] | None,
    invocation: dict[str, Any],
) -> dict[str, Any]:
    """Create the folder layout and write (or update) the manifest and the design table.

    Args:
        out: The output folder.
        experiment: The experiment.
        experiment_path: Where the experiment file was read from.
        experiment_text: Its full text (stored, so the folder is self-describing).
        design: The design points.
        previous: The existing manifest (from :func:`check_output`), if any.
        invocation: What this invocation used (workers, executor, seed limit, ...).

    Returns:
        The manifest written.
    """
    for sub in (RUNS, FAILURES, SERIES):
        (out / sub).mkdir(parents=True, exist_ok=True)
    n_points = len(design)
    manifest = {
        "format_version": FORMAT_VERSION,
        "experiment_name": experiment.name,
        "experiment_path": experiment_path,
        "experiment_digest": experiment.digest(),
        "experiment_text": experiment_text,
        "package_version": __version__,
        "python": platform.python_version(),
        "created_utc": previous["created_utc"] if previous else now_utc(),
        "last_started_utc": now_utc(),
        "runner": experiment.runner,
        "scenario": experiment.scenario,
        "steps": experiment.steps,
        "design": {
            "kind": experiment.design.kind,
            "parameters": list(experiment.parameters),
            "n_points": n_points,
            "n_seeds": len(experiment.seed_list),
            "n_runs": n_points * len(experiment.seed_list),
        },
        "invocations": [*(previous or {}).get("invocations", []), invocation],
    }
    _write_json(out / MANIFEST, manifest)
    if not (out / DESIGN).exists():
        _write_table(pa.Table.from_pandas(design, preserve_index=True), out / DESIGN)
    return manifest


def read_manifest(out: str | Path) -> dict[str, Any]:
    """Read a sweep folder's manifest.

    Raises:
        OutputFolderError: If the folder has no readable manifest.
    """
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputFolderError(f"{out} is not a sweep folder (no {MANIFEST})") from None
    except json.JSONDecodeError as exc:
        raise OutputFolderError(f"{path} is corrupt: {exc}") from None


def manifest_experiment(manifest: dict[str, Any]) -> Experiment:
    """The experiment stored in a manifest."""
    return parse_experiment(manifest["experiment_text"], source=manifest["experiment_path"])


def finished_ids(out: Path) -> set[str]:
    """Ids of the finished runs: those of every result file (per run, per task or chunk)."""
    folder = out / RUNS
    if not folder.is_dir():
        return set()
    return {run for path in folder.glob("*.parquet") for run in held_run_ids(path)}


def chunk_files(folder: Path) -> list[Path]:
    """The chunk files (compacted runs) of a ``runs`` or ``series`` folder, in order."""
    return sorted(folder.glob(f"{CHUNK_PREFIX}*.parquet"))


def held_run_ids(path: Path) -> list[str]:
    """The run ids a result or series file holds.

    A ``<run_id>.parquet`` file holds the run its name gives; a batch or chunk file, the runs
    of its ``run_id`` column.
    """
    if not path.name.startswith((CHUNK_PREFIX, BATCH_PREFIX)):
        return [path.stem]
    return pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist()


def failed_ids(out: Path) -> set[str]:
    """Ids of the runs with a failure record (and no result)."""
    return _ids(out / FAILURES, ".json") - finished_ids(out)


def write_runs(out: Path, outcomes: Sequence[RunOutcome]) -> None:
    """Write the finished runs of one task as one atomic file (and their series as another).

    A single run goes to ``runs/<run_id>.parquet``, several to ``runs/batch-<first id>.parquet``;
    old failure records of these runs are removed once their results are in place.

    Raises:
        ValueError: If a scalar outcome has the same name as a parameter (nothing is written).
    """
    if not outcomes:
        return
    columns: dict[str, list[Any]] = {"run_id": [], "point": [], "seed": []}
    series_frames = []
    for outcome in outcomes:
        spec, scalars = outcome.spec, outcome.scalars or {}
        clash = set(spec.params) & set(scalars)
        if clash:
            raise ValueError(f"outcome names {sorted(clash)} clash with parameter names")
        row = {"run_id": spec.run_id, "point": spec.point, "seed": spec.seed}
        row |= spec.params
        row |= {k: float(v) for k, v in scalars.items()}
        for name in row:
            if name not in columns:  # a column the earlier rows lack: null there
                columns[name] = [None] * len(columns["run_id"])
        for name, values in columns.items():
            values.append(row.get(name))
        if outcome.series is not None:
            series_frames.append(
                outcome.series.assign(run_id=spec.run_id, point=spec.point, seed=spec.seed)
            )
    first = outcomes[0].spec.run_id
    name = f"{first}.parquet" if len(outcomes) == 1 else f"{BATCH_PREFIX}{first}.parquet"
    if series_frames:
        series = pd.concat(series_frames, ignore_index=True)
        _write_table(pa.Table.from_pandas(series, preserve_index=False), out / SERIES / name)
    _write_table(pa.table(columns), out / RUNS / name)
    for outcome in outcomes:
        (out / FAILURES / f"{outcome.spec.run_id}.json").unlink(missing_ok=True)


def write_failure(out: Path, outcome: RunOutcome, attempts: int = 1) -> None:
    """Record a failed run: parameters, seed, error and traceback, as JSON."""
    spec = outcome.spec
    record = {
        "run_id": spec.run_id,
        "point": spec.point,
        "seed": spec.seed,
        "params": spec.params,
        "error": outcome.error,
        "traceback": outcome.traceback,
        "attempts": attempts,
        "time_utc": now_utc(),
    }
    _write_json(out / FAILURES / f"{spec.run_id}.json", record)


def load_results(out: str | Path) -> pd.DataFrame:
    """All finished runs of a sweep as one frame: run_id, point, seed, parameters, scalars.

    Args:
        out: The sweep folder.

    Returns:
        One row per finished run, sorted by point and seed (empty if none finished).
    """
    out = Path(out)
    read_manifest(out)
    files = sorted((out / RUNS).glob("*.parquet"))
    if not files:
        return pd.DataFrame(columns=["run_id", "point", "seed"])
    frame = pa.concat_tables(
        [pq.read_table(f) for f in files], promote_options="permissive"
    ).to_pandas()
    frame = frame.drop_duplicates("run_id")  # a compaction interrupted before its cleanup
    return frame.sort_values(["point", "seed"], kind="stable").reset_index(drop=True)


def load_series(out: str | Path) -> pd.DataFrame:
    """All kept time series of a sweep, long format (one row per run and kept week)."""
    files = sorted((Path(out) / SERIES).glob("*.parquet"))
    if not files:
        return pd.DataFrame(columns=["week", "run_id", "point", "seed"])
    frame = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    return frame.drop_duplicates(["run_id", "week"]).reset_index(drop=True)


def load_design(out: str | Path) -> pd.DataFrame:
    """The design points of a sweep (index ``point``)."""
    return pq.read_table(Path(out) / DESIGN).to_pandas()


def load_failures(out: str | Path) -> list[dict[str, Any]]:
    """The failure records of runs that have no result, sorted by run id."""
    out = Path(out)
    return [
        json.loads((out / FAILURES / f"{rid}.json").read_text(encoding="utf-8"))
        for rid in sorted(failed_ids(out))
    ]


def _ids(folder: Path, suffix: str) -> set[str]:
    if not folder.is_dir():
        return set()
    return {e.name[: -len(suffix)] for e in os.scandir(folder) if e.name.endswith(suffix)}


def _write_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
