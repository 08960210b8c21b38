"""Compaction: merge a sweep's per-run and per-task Parquet files into chunk files.

Per-task files make every result durable the moment it exists, but 10^4 small files are slow to
list and to query. ``compact`` merges the per-run and per-task (batch) files of ``runs/`` (and
``series/``) into one ``chunk-NNNNNN.parquet`` each, with the same columns, so
``runs/*.parquet`` stays one dataset for pandas and DuckDB and resume still finds every
finished run. It can run at any time, also between invocations of an unfinished sweep; later
runs add new per-task files and a later compaction adds another chunk.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bubblesim.sweep.storage import (
    CHUNK_PREFIX,
    RUNS,
    SERIES,
    chunk_files,
    lock_output,
    quarantine,
    read_manifest,
    read_run_ids,
    remove_temp_files,
    scan,
    temp_path,
)


def compact(out: str | Path) -> dict[str, int]:
    """Merge the per-run and per-task files of a sweep folder into chunk files.

    The compaction holds the folder's writer lock, so it never runs beside a sweep. Damaged
    files are first moved to ``quarantine/`` (their runs are redone by the next sweep); the
    chunk is written atomically before the merged files are removed; files whose runs are
    already in a chunk (left by an interrupted compaction) are removed first.

    Args:
        out: The sweep folder.

    Returns:
        The number of runs merged, per folder (``{"runs": n, "series": m}``), and the number of
        damaged files set aside (``"quarantined"``).

    Raises:
        OutputFolderError: If the folder is not a sweep folder, or another process is writing
            to it.
    """
    out = Path(out)
    read_manifest(out)
    with lock_output(out):
        remove_temp_files(out)
        damaged = scan(out).damaged
        quarantine(out, damaged)
        merged = {name: _compact_folder(out / name) for name in (RUNS, SERIES)}
    return {**merged, "quarantined": len(damaged)}


def _compact_folder(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    chunks = chunk_files(folder)
    in_chunks: set[str] = set()
    for chunk in chunks:
        in_chunks.update(read_run_ids(chunk) or [])
    loose = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith(CHUNK_PREFIX))
    held = {p: read_run_ids(p) or [] for p in loose}
    for stale in [p for p, ids in held.items() if set(ids) <= in_chunks]:
        stale.unlink()
        del held[stale]
    if not held:
        return 0
    table = pa.concat_tables([pq.read_table(p) for p in held], promote_options="permissive")
    numbers = [int(p.stem.removeprefix(CHUNK_PREFIX)) for p in chunks if p.stem[-6:].isdigit()]
    target = folder / f"{CHUNK_PREFIX}{max(numbers, default=-1) + 1:06d}.parquet"
    tmp = temp_path(target)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    for path in held:
        path.unlink()
    return len({run for ids in held.values() for run in ids})
