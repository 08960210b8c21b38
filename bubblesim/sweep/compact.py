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
    held_run_ids,
    read_manifest,
)


def compact(out: str | Path) -> dict[str, int]:
    """Merge the per-run and per-task files of a sweep folder into chunk files.

    The chunk is written atomically before those files are removed; files whose
    runs are already in a chunk (left by an interrupted compaction) are removed first.

    Args:
        out: The sweep folder.

    Returns:
        The number of runs merged, per folder (``{"runs": n, "series": m}``).

    Raises:
        OutputFolderError: If the folder is not a sweep folder.
    """
    out = Path(out)
    read_manifest(out)
    return {name: _compact_folder(out / name) for name in (RUNS, SERIES)}


def _compact_folder(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    chunks = chunk_files(folder)
    in_chunks: set[str] = set()
    for chunk in chunks:
        in_chunks.update(held_run_ids(chunk))
    loose = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith(CHUNK_PREFIX))
    held = {p: held_run_ids(p) for p in loose}
    for stale in [p for p, ids in held.items() if set(ids) <= in_chunks]:
        stale.unlink()
        del held[stale]
    if not held:
        return 0
    table = pa.concat_tables([pq.read_table(p) for p in held], promote_options="permissive")
    target = folder / f"{CHUNK_PREFIX}{len(chunks):06d}.parquet"
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, target)
    for path in held:
        path.unlink()
    return len({run for ids in held.values() for run in ids})
