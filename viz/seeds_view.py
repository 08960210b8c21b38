"""The "many seeds" panel: P(cascade) with a Wilson interval as runs finish, and each leg's spread.

Runs the live configuration over N seeds (from the current one) for the horizon's weeks, on the
sweep runner's local process pool (:mod:`viz.seeds`); the page redraws the panel a few times a
second while it fills in. Cancel stops it.
"""

from __future__ import annotations

import dataclasses
import os

import solara

from bubblesim.reporting.verdict import CascadeVerdict
from viz.fmt import share
from viz.seeds import SeedsJob
from viz.svg import grid_origin, histogram_panel, panels_svg

HIST_SIZE = (300, 150)
LEG_PANELS = (
    (
        "miner_capacity_defaulted_share",
        "leveraged-miner MW defaulted, share",
        "verdict_miner_capacity_share",
    ),
    (
        "lender_loss_to_capital",
        "lender losses / initial capital, share",
        "verdict_lender_loss_share",
    ),
    (
        "credit_contraction",
        "credit contraction from peak, share",
        "verdict_credit_contraction_share",
    ),
    ("gpu_price_peak_to_trough", "GPU resale price, peak to trough, share", None),
)


NOT_LEGS = {"seed", "cascade", "first_default_week", "n_defaults"}


VERDICT_FIELDS = frozenset(f.name for f in dataclasses.fields(CascadeVerdict)) - {"criteria"}
"""The verdict's fields; the runner's other scalars (final series values) are not legs."""


def extra_legs(job: SeedsJob, verdict_fields: frozenset[str] = VERDICT_FIELDS) -> list[str]:
    """Numeric verdict fields beyond :data:`LEG_PANELS` (a severity, say), by name."""
    known = NOT_LEGS | {scalar for scalar, _, _ in LEG_PANELS}
    names: set[str] = set()
    for r in list(job.results):
        names |= {
            k
            for k, v in r.items()
            if k in verdict_fields and k not in known and isinstance(v, int | float)
        }
    return sorted(names)


def legs_svg(job: SeedsJob, values: dict, verdict_fields: frozenset[str] = VERDICT_FIELDS) -> str:
    """Histograms of the verdict legs over the finished runs, thresholds dashed in red.

    Any verdict scalar beyond the known legs gets a histogram too, titled by its name.
    """
    panels = []
    extra = extra_legs(job, verdict_fields)
    legs = list(LEG_PANELS) + [(name, name.replace("_", " "), None) for name in extra]
    for i, (scalar, title, threshold) in enumerate(legs):
        t = float(values.get(threshold, 0.0)) if threshold else None
        data = job.leg(scalar)
        in_unit = bool(data.size) and float(data.min()) >= 0.0 and float(data.max()) <= 1.0
        panels.append(
            histogram_panel(
                data,
                title,
                threshold=t if t else None,
                origin=grid_origin(i, 2, HIST_SIZE),
                size=HIST_SIZE,
                as_share=i < len(LEG_PANELS) or in_unit,
            )
        )
    return panels_svg(panels, columns=2, css_class="seed-legs", size=HIST_SIZE)


def summary_text(job: SeedsJob) -> str:
    """Progress and P(cascade) in one line."""
    k, n, lo, hi = job.probability()
    head = f"{job.done:,} of {job.total:,} runs done"
    if job.failures:
        head += f" ({len(job.failures):,} failed)"
    head += f", {job.elapsed_s():,.0f} s; status: {job.status}"
    if n == 0:
        return head + ". P(cascade): waiting for the first run."
    return (
        head + f". P(cascade) = {k:,}/{n:,} = {share(k / n)}, "
        f"95% Wilson interval [{share(lo)}, {share(hi)}]"
    )


@solara.component
def SeedsView(explorer, seeds_version: int = 0):  # noqa: N802
    """Start, follow and cancel a many-seeds job."""
    del seeds_version  # a new value re-renders this view
    n = solara.use_reactive(20)
    workers = solara.use_reactive(min(2, os.cpu_count() or 1))
    job = explorer.seeds
    running = job is not None and job.running
    solara.Text(
        f"Runs the live configuration ({explorer.run.label}, with its changed parameters) over "
        f"N seeds from seed {explorer.run.seed}, for {explorer.horizon.value:,} weeks each, on "
        "the sweep runner's local process pool."
    )
    with solara.Row(classes=["seeds-controls"]):
        solara.InputInt(label="N seeds", value=n, classes=["seeds-n"])
        solara.InputInt(label="worker processes", value=workers)
        solara.Button(
            label="Run N seeds",
            color="primary",
            disabled=running,
            on_click=lambda: explorer.start_seeds(n.value, workers.value),
            classes=["seeds-start"],
        )
        solara.Button(
            label="Cancel",
            disabled=not running,
            on_click=explorer.cancel_seeds,
            classes=["seeds-cancel"],
        )
    if job is None:
        return
    solara.ProgressLinear(value=100.0 * job.done / max(job.total, 1))
    solara.Text(summary_text(job), classes=["seeds-summary"])
    if job.message:
        solara.Error(job.message)
    if job.results:
        solara.HTML(tag="div", unsafe_innerHTML=legs_svg(job, job.values or explorer.run.values))
