"""The sweep page: a result folder's cascade-probability heatmap and sensitivity indices.

The user types the path of a folder written by ``bubblesim sweep``, relative to the results root
(``BUBBLESIM_RESULTS_ROOT``, default the server's working directory) or inside it; the page reads
it with :func:`bubblesim.sweep.load_results` and draws the figures of
:mod:`bubblesim.sweep.analysis`. A folder outside the root, a missing or an invalid folder gives
a message, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import solara

from bubblesim.sweep import analysis, storage
from viz.catalog import results_root, sweep_folder


@dataclass(frozen=True)
class SweepData:
    """A loaded sweep: its experiment and its finished runs."""

    folder: Path
    experiment: object
    results: pd.DataFrame

    @property
    def swept(self) -> list[str]:
        """The swept parameter names, in the experiment's order."""
        return list(self.experiment.parameters)

    @property
    def design(self) -> str:
        """The design kind (grid, random, lhs, sobol, morris ...)."""
        return self.experiment.design.kind


def load_sweep(folder: str) -> SweepData:
    """Load a sweep folder.

    Raises:
        ValueError: If the path is empty, outside the results root, not a folder, not a sweep
            folder, or has no finished runs (``OutputFolderError`` is a ``ValueError``).
    """
    path = sweep_folder(folder)
    if not path.is_dir():
        raise ValueError(f"{path} is not a folder")
    experiment = storage.manifest_experiment(storage.read_manifest(path))
    results = storage.load_results(path)
    if results.empty:
        raise ValueError(f"{path} has no finished runs yet")
    return SweepData(path, experiment, results)


def probability_view(data: SweepData, x: str, y: str | None):
    """The heatmap over ``x`` × ``y``, or the probability curve when one parameter is swept."""
    cascade = data.experiment.analysis.cascade
    if y is None or y == x:
        table = analysis.cascade_probability(data.results, [x], cascade)
        return analysis.probability_figure(table, x), table
    fig = analysis.heatmap_figure(
        data.results, x, y, cascade, title=f"{data.experiment.name}: P({cascade})"
    )
    return fig, analysis.cascade_probability(data.results, [y, x], cascade)


def indices_view(data: SweepData, outcome: str):
    """Sobol'/Morris indices table and bar chart, or None for other designs."""
    if data.design not in ("sobol", "morris"):
        return None
    table = analysis.sensitivity_indices(data.results, data.experiment, outcome)
    return analysis.indices_figure(table, outcome), table


def _try_load(folder: str) -> tuple[SweepData | None, str | None]:
    if not folder:
        return None, None
    try:
        return load_sweep(folder), None
    except (ValueError, KeyError, OSError) as err:
        return None, str(err)


@solara.component
def SweepPage():  # noqa: N802
    """Load a sweep folder and show its phase diagram and sensitivity indices."""
    folder = solara.use_reactive("")
    axes = solara.use_reactive((None, None))
    data, error = solara.use_memo(lambda: _try_load(folder.value), dependencies=[folder.value])
    with solara.Column(style={"padding": "12px"}):
        solara.HTML(tag="h2", unsafe_innerHTML="Sweep results")
        solara.InputText(
            label=f"sweep folder (under {results_root()})", value=folder, continuous_update=False
        )
        if error:
            solara.Error(error, classes=["sweep-error"])
        elif data is None:
            solara.Info(
                "Type the path of a folder written by `bubblesim sweep` (relative to the results "
                "root) and press Enter."
            )
        else:
            SweepResults(data=data, axes=axes)


@solara.component
def SweepResults(data: SweepData, axes: solara.Reactive):  # noqa: N802
    """Heatmap and indices of a loaded sweep."""
    swept = data.swept
    default_x = data.experiment.analysis.x or swept[0]
    default_y = data.experiment.analysis.y or (swept[1] if len(swept) > 1 else None)
    x = axes.value[0] if axes.value[0] in swept else default_x
    y = axes.value[1] if axes.value[1] in swept else default_y
    solara.Text(f"{data.experiment.name}: {data.design} design, {len(data.results)} finished runs")
    with solara.Row():
        solara.Select(label="x", values=swept, value=x, on_value=lambda v: axes.set((v, y)))
        if len(swept) > 1:
            solara.Select(label="y", values=swept, value=y, on_value=lambda v: axes.set((x, v)))
    try:
        fig, table = probability_view(data, x, y)
        solara.FigureMatplotlib(fig, format="png")
        solara.DataFrame(table.round(3), items_per_page=10)
    except (KeyError, ValueError) as err:
        solara.Error(f"cannot draw the cascade probability: {err}")
    outcome = data.experiment.analysis.outcome or data.experiment.analysis.cascade
    try:
        shown = indices_view(data, outcome)
    except (KeyError, ValueError) as err:
        solara.Error(f"cannot compute sensitivity indices: {err}")
        return
    if shown is None:
        solara.Info(
            f"sensitivity indices need a sobol or morris design (this one is {data.design})"
        )
        return
    fig, table = shown
    solara.FigureMatplotlib(fig, format="png")
    solara.DataFrame(table.round(4).reset_index(), items_per_page=20)
