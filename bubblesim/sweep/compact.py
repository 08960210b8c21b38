"""Compaction: merge per-run Parquet files into chunk files once a sweep (or part) is done.

Per-run files make every result durable the moment it exists, but 10^5 small files are slow to
list and to query. ``compact`` merges the per-run files of ``runs/`` (and ``series/``) into one
``chunk-NNNNNN.parquet`` each, with the same columns, so ``runs/*.parquet`` stays one dataset
for pandas and DuckDB and resume still finds every finished run. It can run at any time, also
between invocations of an unfinished sweep; later runs add new per-run files and a later
compaction adds another chunk.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bubblesim.sweep.storage import CHUNK_PREFIX, RUNS, SERIES, chunk_files, read_manifest


def compact(out: str | Path) -> dict[str, int]:
    """Merge the per-run files of a sweep folder into chunk files.

    The chunk is written atomically before the per-run files are removed; per-run files whose
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
        in_chunks.update(pq.read_table(chunk, columns=["run_id"]).column("run_id").to_pylist())
    singles = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith(CHUNK_PREFIX))
    for stale in [p for p in singles if p.stem in in_chunks]:
        stale.unlink()
    singles = [p for p in singles if p.stem not in in_chunks]
    if not singles:
        return 0
    table = pa.concat_tables([pq.read_table(p) for p in singles], promote_options="permissive")
    target = folder / f"{CHUNK_PREFIX}{len(chunks):06d}.parquet"
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, target)
    for single in singles:
        single.unlink()
    return len(singles)
