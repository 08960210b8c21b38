"""Completeness of a sweep folder: done, failed and missing runs against the full plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bubblesim.sweep import storage
from bubblesim.sweep.design import design_points, plan_runs


@dataclass(frozen=True)
class SweepStatus:
    """Counts of a sweep folder against its experiment's full plan."""

    out: Path
    name: str
    total: int
    done: int
    failed: int
    errors: Counter = field(default_factory=Counter)
    extra_files: int = 0
    subset: tuple[int, int, int] | None = None  # (max_seeds, done, total) of the last run
    damaged: tuple[str, ...] = ()  # result files that cannot be read (their runs are missing)
    writer: int | None = None  # the process id of a sweep or compaction writing now

    @property
    def missing(self) -> int:
        """Runs with neither a result nor a failure record."""
        return self.total - self.done - self.failed

    @property
    def complete(self) -> bool:
        """True when every planned run has a result."""
        return self.done == self.total

    def format(self, max_errors: int = 5) -> str:
        """A short human-readable report."""
        pct = 100.0 * self.done / self.total if self.total else 100.0
        lines = [
            f"{self.out}: {self.name}",
            f"  {self.done}/{self.total} done ({pct:.1f}%), {self.failed} failed, "
            f"{self.missing} missing",
        ]
        if self.subset:
            seeds, done, total = self.subset
            lines.append(
                f"  the last invocation used the first {seeds} seeds per point: "
                f"{done}/{total} of those done"
            )
        if self.writer is not None:
            lines.append(
                f"  a sweep or compaction is writing to this folder now (process {self.writer})"
            )
        if self.damaged:
            shown = ", ".join(self.damaged[:3]) + (", ..." if len(self.damaged) > 3 else "")
            lines.append(
                f"  {len(self.damaged)} damaged result files ({shown}): their runs count as "
                "missing; the next 'bubblesim sweep' sets them aside and redoes them"
            )
        for error, count in self.errors.most_common(max_errors):
            lines.append(f"  {count} x {error}")
        if len(self.errors) > max_errors:
            lines.append(f"  ... and {len(self.errors) - max_errors} other errors")
        return "\n".join(lines)


def sweep_status(out: str | Path) -> SweepStatus:
    """Report how complete a sweep folder is.

    Args:
        out: The sweep folder.

    Returns:
        Counts against the full plan of the experiment stored in the manifest, with the failed
        runs' errors grouped by message (first line).

    Raises:
        OutputFolderError: If the folder is not a sweep folder.
    """
    out = Path(out)
    manifest = storage.read_manifest(out)
    experiment = storage.manifest_experiment(manifest)
    design = design_points(experiment)
    planned = {rid for rid, _, _ in plan_runs(experiment, design)}
    found = storage.scan(out)
    done = found.done
    seeds = manifest["invocations"][-1].get("max_seeds") if manifest["invocations"] else None
    subset = None
    if seeds:
        ids = {rid for rid, _, _ in plan_runs(experiment, design, max_seeds=seeds)}
        subset = (seeds, len(done & ids), len(ids))
    failures = [f for f in storage.load_failures(out, done) if f["run_id"] in planned]
    errors = Counter(str(f["error"]).splitlines()[0] for f in failures)
    return SweepStatus(
        out,
        manifest["experiment_name"],
        total=len(planned),
        done=len(done & planned),
        failed=len(failures),
        errors=errors,
        extra_files=len(done - planned),
        subset=subset,
        damaged=tuple(str(p.relative_to(out)) for p in found.damaged),
        writer=storage.writer_pid(out),
    )
