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
    quarantine/...           damaged result files set aside (their runs are done again)
    .lock                    the writer's lock (it holds the writer's process id)

Every file is written to a unique temporary name (``.NAME.PID-RANDOM.tmp``) and moved into place
with ``os.replace``, so a killed sweep never leaves a half-written result. A result file is
trusted only when it can be read: resume, ``status`` and ``compact`` read the run ids of every
file (its Parquet footer and ``run_id`` column), and a damaged one (truncated, emptied, a full
disk) is moved to ``quarantine/`` by the next writer, so its runs are done again. One writer at a
time: a sweep or a compaction holds an advisory lock (``fcntl.flock``) on ``.lock`` in the folder,
and a second writer stops with a clear error. A task's runs are written together when the task
returns, which is also when they first exist outside the worker, so batching loses nothing on
a crash and costs one file write per task instead of one per run. ``runs/*.parquet`` is one
dataset for pandas (:func:`load_results`) or DuckDB (``SELECT ... FROM 'DIR/runs/*.parquet'``).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bubblesim import __version__
from bubblesim.processes import PARENT_ONLY_FDS
from bubblesim.sweep.experiment import Experiment, parse_experiment
from bubblesim.sweep.worker import RunOutcome

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
RUNS = "runs"
SERIES = "series"
FAILURES = "failures"
QUARANTINE = "quarantine"
LOCK = ".lock"
FORMAT_VERSION = 2  # 2: the digest includes the scenario's content
CHUNK_PREFIX = "chunk-"  # compacted files; run ids start with "p"
BATCH_PREFIX = "batch-"  # one task's runs, as they arrive


class OutputFolderError(ValueError):
    """An output folder that belongs to another experiment, or is not a sweep folder."""


def now_utc() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def source_commit() -> str:
    """The git commit of the code that runs (``-dirty`` if ``bubblesim/`` has changes), or "".

    Recorded with every invocation, so that a folder's runs name the code that made them.
    """
    package = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "-C", str(package), "rev-parse", "HEAD"], capture_output=True, text=True
        )
        if head.returncode != 0:
            return ""
        dirty = subprocess.run(
            ["git", "-C", str(package), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:  # no git on this machine
        return ""
    return head.stdout.strip() + ("-dirty" if dirty else "")


def finish_invocation(out: Path, **fields: Any) -> None:
    """Add ``fields`` (finish time, wall time, counts) to the manifest's last invocation."""
    manifest = read_manifest(out)
    manifest["invocations"][-1].update(fields)
    _write_json(Path(out) / MANIFEST, manifest)


def check_output(
    out: Path, experiment: Experiment, digest: str | None = None
) -> dict[str, Any] | None:
    """Refuse a folder holding another experiment's runs; return its manifest if any.

    Args:
        out: The output folder (may not exist).
        experiment: The experiment about to run.
        digest: Its digest with the scenario's content (default: ``experiment.digest()``).
            A folder made before digests included the scenario (format 1) is accepted when its
            digest matches the experiment text's.

    Returns:
        The existing manifest, or None for a new or empty folder.

    Raises:
        OutputFolderError: If the folder holds files but no manifest, or a manifest whose
            experiment digest differs. Nothing is written.
    """
    digest = digest or experiment.digest()
    if not out.exists():
        return None
    if not out.is_dir():
        raise OutputFolderError(f"{out} exists and is not a folder")
    manifest_path = out / MANIFEST
    if not manifest_path.exists():
        if any(p.name != LOCK for p in out.iterdir()):
            raise OutputFolderError(
                f"{out} is not empty and has no {MANIFEST}; choose another --out"
            )
        return None
    manifest = read_manifest(out)
    stored = manifest.get("experiment_digest")
    legacy = manifest.get("format_version", 1) < 2 and stored == experiment.digest()
    if stored != digest and not legacy:
        raise OutputFolderError(
            f"{out} holds runs of a different version of the experiment or of its scenario "
            f"({manifest.get('experiment_path')}, digest {str(stored)[:12]}; "
            f"this one is {digest[:12]}). Refusing to mix results: "
            "use a new --out folder, or restore the original experiment and scenario files."
        )
    return manifest


class OutputLock:
    """The advisory lock of one writer on a sweep folder (see :func:`lock_output`)."""

    def __init__(self, out: Path, fd: int, created: bool) -> None:
        self.out, self.fd, self.created = out, fd, created


@contextlib.contextmanager
def lock_output(out: Path) -> Iterator[OutputLock]:
    """Hold the folder's writer lock (``fcntl.flock`` on ``DIR/.lock``) for the block.

    The folder is created if needed; if the block fails before anything else was written to a
    folder created here, the folder is removed again.

    Raises:
        OutputFolderError: If another process holds the lock (its process id is named).
    """
    import fcntl

    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputFolderError(f"cannot write to {out}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise OutputFolderError(
            f"another sweep or compaction is writing to {out} (process {holder}); "
            "wait for it to finish, or use another --out"
        ) from None
    lock = OutputLock(out, fd, created)
    PARENT_ONLY_FDS.add(fd)  # a forked worker closes it: the lock dies with this process
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield lock
    except BaseException:
        if created and {p.name for p in out.iterdir()} <= {LOCK}:
            shutil.rmtree(out, ignore_errors=True)  # nothing was written: leave no folder
        raise
    finally:
        PARENT_ONLY_FDS.discard(fd)
        os.close(fd)  # releases the lock


def writer_pid(out: Path) -> int | None:
    """The process id of the writer holding the folder's lock now, or None."""
    import fcntl

    try:
        fd = os.open(out / LOCK, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 64, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def init_output(
    out: Path,
    experiment: Experiment,
    *,
    experiment_path: str,
    experiment_text: str,
    design: pd.DataFrame,
    previous: dict[str, Any] | None,
    invocation: dict[str, Any],
    digest: str | None = None,
    scenario_content: Any = None,
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
        digest: The experiment's digest with its scenario's content.
        scenario_content: What the scenario resolved to (stored for reference).

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
        "experiment_digest": digest or experiment.digest(),
        "experiment_text": experiment_text,
        "scenario_content": scenario_content,
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
    if _unreadable(out / DESIGN):  # missing or damaged: the design is the same every time
        _write_table(pa.Table.from_pandas(design, preserve_index=True), out / DESIGN)
    _write_json(out / MANIFEST, manifest)
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
    """Ids of the finished runs: those of every readable result file (per task or chunk)."""
    return scan(out).done


class Scan:
    """What a folder's result files hold: finished run ids, and the damaged files."""

    def __init__(self, done: set[str], damaged: list[Path]) -> None:
        self.done, self.damaged = done, damaged


def scan(out: Path) -> Scan:
    """Read the run ids of every result file; set aside the files that cannot be read.

    A run is finished when its result file can be read and, if its task kept series, so can
    the series file of the same name. The runs of a damaged file are not finished.

    Returns:
        The finished run ids and the damaged files (results and series, to quarantine).
    """
    done: set[str] = set()
    damaged: list[Path] = []
    runs, series = out / RUNS, out / SERIES
    bad_series = {p.name for p in _parquet_files(series) if read_run_ids(p) is None}
    for path in _parquet_files(runs):
        ids = read_run_ids(path)
        if ids is None or path.name in bad_series:
            damaged.append(path)
            if (series / path.name).exists():
                damaged.append(series / path.name)
        else:
            done.update(ids)
    damaged += [series / n for n in sorted(bad_series) if not (runs / n).exists()]
    return Scan(done, damaged)


def quarantine(out: Path, paths: Sequence[Path]) -> list[Path]:
    """Move damaged files to ``quarantine/<runs|series>/`` (never deleted); return new paths."""
    moved = []
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for path in paths:
        target = out / QUARANTINE / path.parent.name / f"{path.name}.{stamp}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved.append(target)
    return moved


def remove_temp_files(out: Path) -> int:
    """Remove the temporary files a killed writer left (call with the lock held)."""
    removed = 0
    for folder in (out, out / RUNS, out / SERIES, out / FAILURES):
        if folder.is_dir():
            for path in folder.glob(".*.tmp"):
                path.unlink(missing_ok=True)
                removed += 1
            for path in folder.glob("*.tmp"):  # the fixed names of earlier versions
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def chunk_files(folder: Path) -> list[Path]:
    """The chunk files (compacted runs) of a ``runs`` or ``series`` folder, in order."""
    return sorted(folder.glob(f"{CHUNK_PREFIX}*.parquet"))


def held_run_ids(path: Path) -> list[str]:
    """The run ids a result or series file holds, read from its ``run_id`` column.

    Raises:
        OutputFolderError: If the file cannot be read (truncated, empty, not Parquet).
    """
    ids = read_run_ids(path)
    if ids is None:
        raise OutputFolderError(
            f"{path} is damaged (not a readable Parquet file); run the sweep again to set it "
            "aside and redo its runs"
        )
    return ids


def read_run_ids(path: Path) -> list[str] | None:
    """The run ids of a result or series file, or None if it cannot be read.

    The footer and the ``run_id`` column are read, so a truncated or emptied file is caught; a
    ``<run_id>.parquet`` file must hold exactly the run its name gives.
    """
    try:
        with pq.ParquetFile(path) as parquet:  # a third of read_table's cost per file
            ids = parquet.read(columns=["run_id"]).column("run_id").to_pylist()
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return None
    if not path.name.startswith((CHUNK_PREFIX, BATCH_PREFIX)) and set(ids) != {path.stem}:
        return None
    return list(dict.fromkeys(ids))


def _unreadable(path: Path) -> bool:
    try:
        pq.read_metadata(path)
    except (OSError, ValueError, pa.ArrowException):
        return True
    return False


def failed_ids(out: Path, done: set[str] | None = None) -> set[str]:
    """Ids of the runs with a failure record (and no result; ``done`` if already scanned)."""
    return _ids(out / FAILURES, ".json") - (finished_ids(out) if done is None else done)


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

    Raises:
        OutputFolderError: If the folder is not a sweep folder or a result file is damaged
            (running the sweep again sets it aside and redoes its runs).
    """
    out = Path(out)
    read_manifest(out)
    files = sorted((out / RUNS).glob("*.parquet"))
    if not files:
        return pd.DataFrame(columns=["run_id", "point", "seed"])
    frame = pa.concat_tables([_read(f) for f in files], promote_options="permissive").to_pandas()
    frame = frame.drop_duplicates("run_id")  # a compaction interrupted before its cleanup
    return frame.sort_values(["point", "seed"], kind="stable").reset_index(drop=True)


def load_series(out: str | Path) -> pd.DataFrame:
    """All kept time series of a sweep, long format (one row per run and kept week)."""
    files = sorted((Path(out) / SERIES).glob("*.parquet"))
    if not files:
        return pd.DataFrame(columns=["week", "run_id", "point", "seed"])
    frame = pa.concat_tables([_read(f) for f in files]).to_pandas()
    return frame.drop_duplicates(["run_id", "week"]).reset_index(drop=True)


def _read(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (OSError, ValueError, pa.ArrowException):
        held_run_ids(path)  # raises the error naming the damaged file
        raise


def load_design(out: str | Path) -> pd.DataFrame:
    """The design points of a sweep (index ``point``)."""
    return pq.read_table(Path(out) / DESIGN).to_pandas()


def load_failures(out: str | Path, done: set[str] | None = None) -> list[dict[str, Any]]:
    """The failure records of runs that have no result, sorted by run id.

    A record that cannot be read still counts: its error says so, and resume redoes the run.

    Args:
        out: The sweep folder.
        done: The finished run ids, if already scanned (:func:`scan`).
    """
    out = Path(out)
    records = []
    for rid in sorted(failed_ids(out, done)):
        path = out / FAILURES / f"{rid}.json"
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            records.append({"run_id": rid, "error": f"unreadable failure record {path.name}"})
    return records


def _ids(folder: Path, suffix: str) -> set[str]:
    if not folder.is_dir():
        return set()
    return {e.name[: -len(suffix)] for e in os.scandir(folder) if e.name.endswith(suffix)}


def temp_path(path: Path) -> Path:
    """A unique temporary name next to ``path`` (hidden, ends in ``.tmp``, never ``*.parquet``)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp")


def _write_table(table: pa.Table, path: Path) -> None:
    tmp = temp_path(path)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # e.g. a full disk: no partial file is left behind
        raise


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = temp_path(path)
    try:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
