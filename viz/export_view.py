"""Export and share the run as it stands at the week on screen.

- the series (one row per week) and the event log, as CSV or Parquet;
- the configuration as a scenario file that ``bubblesim run --scenario`` accepts;
- the charts and the credit network as PNG (matplotlib, drawn when asked);
- a link (the page's address) that reopens the same run: scenario, seed, horizon and every
  changed parameter.
"""

from __future__ import annotations

import io
import math
from html import escape

import numpy as np
import pandas as pd
import solara
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bubblesim.accounts.events import Event
from viz.catalog import scenario_toml
from viz.charts import panels_for
from viz.network_view import HEALTH_COLOURS, edge_rows, frame_data, static_nodes
from viz.svg import PALETTE

PNG_DPI = 110


def series_frame(run, week: int) -> pd.DataFrame:
    """The model-level series from week 0 to ``week``, index ``week``."""
    columns = run.timeline.series_upto(week)
    frame = pd.DataFrame(columns)
    if "week" not in frame:
        return frame
    return frame.astype({"week": int}).set_index("week")


def events_frame(run, week: int) -> pd.DataFrame:
    """The event log as it stood at the end of ``week``."""
    events = run.timeline.events_upto(week)
    cols = list(Event.__dataclass_fields__)
    frame = pd.DataFrame([[getattr(e, c) for c in cols] for e in events], columns=cols)
    frame["kind"] = frame["kind"].astype(str)
    return frame


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (index kept when named)."""
    return frame.to_csv(index=frame.index.name is not None).encode("utf-8")


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet bytes (zstd)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def scenario_file(run, horizon: int) -> str:
    """The run's configuration as a scenario TOML."""
    changed = dict(run.overrides)
    description = f"Exported from the explorer: {run.label}" + (
        f" with {len(changed)} changed parameter(s)" if changed else ""
    )
    return scenario_toml(
        run.values, description=description, seed=run.seed, steps=horizon, based_on=run.label
    )


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def charts_png(run, week: int, horizon: int, pinned=None, pinned_week: int | None = None) -> bytes:
    """The chart panels as a PNG (pinned run dashed)."""
    series = run.timeline.series_upto(week)
    other = pinned.timeline.series_upto(pinned_week) if pinned is not None else None
    panels = panels_for(series)
    rows = math.ceil(len(panels) / 3)
    fig = Figure(figsize=(13, 3 * rows), layout="constrained")
    axes = fig.subplots(rows, 3, squeeze=False).ravel()
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for ax, (title, lines) in zip(axes, panels, strict=False):
        for colour, (column, label, scale) in enumerate(lines):
            for data, style, suffix in ((series, "-", ""), (other, "--", ", pinned")):
                if data is None or column not in data:
                    continue
                y = np.asarray(data[column], dtype=float) * scale
                ax.plot(
                    np.arange(y.size),
                    y,
                    style,
                    color=PALETTE[colour % len(PALETTE)],
                    label=label + suffix,
                )
        ax.set_title(title, fontsize=10)
        ax.set_xlim(0, max(horizon, 1))
        ax.set_xlabel("week")
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.4g}")
        if len(lines) > 1 or other is not None:
            ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{run.label}, seed {run.seed}: week {week:,}")
    return _png(fig)


def network_png(run, week: int) -> bytes:
    """The credit network at ``week`` as a PNG."""
    timeline = run.timeline
    n = timeline.at(week).n_agents
    nodes = static_nodes(timeline, n)
    data = frame_data(timeline, week, n)
    fig = Figure(figsize=(9, 5.4), layout="constrained")
    ax = fig.subplots()
    colours = list(HEALTH_COLOURS.values())
    for src, dst, width, red in edge_rows(data):
        (x1, y1), (x2, y2) = nodes[src][:2], nodes[dst][:2]
        ax.plot(
            [x1, x2],
            [y1, y2],
            color="#c62828" if red else "#556",
            alpha=0.6 if red else 0.25,
            linewidth=width,
        )
    xs = [nd[0] for nd in nodes[: len(data["h"])]]
    ys = [nd[1] for nd in nodes[: len(data["h"])]]
    sizes = [(r / 10 * 1.6) ** 2 for r in data["r"]]
    ax.scatter(xs, ys, s=sizes, c=[colours[h] for h in data["h"]], edgecolors="white", zorder=3)
    if n <= 40:
        for nd in nodes:
            ax.annotate(nd[2], (nd[0], nd[1]), fontsize=6, ha="center", va="top",
                        xytext=(0, -8), textcoords="offset points")  # fmt: skip
    ax.invert_yaxis()
    ax.set_axis_off()
    ax.set_title(data["title"], fontsize=9)
    return _png(fig)


@solara.component
def ExportView(explorer, week: int):  # noqa: N802
    """Download buttons and the link to this run."""
    run, pinned = explorer.run, explorer.pinned
    horizon = explorer.horizon.value
    other = pinned if pinned is not None and pinned is not run else None
    pweek = None if other is None else min(week, other.week)
    stem = f"{run.label.removesuffix('.toml')}-seed{run.seed}-week{week}"
    solara.HTML(tag="p", unsafe_innerHTML=f"Everything as it stands at <b>week {week:,}</b>.")
    downloads = solara.use_memo(
        lambda: _downloads(run, week, horizon, other, pweek, stem),
        [id(run), week, horizon, id(other), pweek],
    )
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["export-buttons"]):
        for key, label, filename, data in downloads:
            with solara.Column(classes=[f"download-{key}"]):
                solara.FileDownload(data, filename=filename, label=label)
    solara.HTML(
        tag="p",
        unsafe_innerHTML="The scenario file repeats this run with <code>bubblesim run "
        f"--scenario {escape(stem)}.toml --seed {run.seed} --steps {horizon}</code>.",
    )
    link = "?" + explorer.link()
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<p>Link to this run (also in the address bar): "
        f"<a class='run-link' href='{escape(link)}'>{escape(link)}</a></p>",
    )


def _downloads(run, week, horizon, other, pweek, stem):
    """(key, label, file name, data function) of every download."""
    return (
        (
            "series-csv",
            "series (CSV)",
            f"{stem}-series.csv",
            lambda: to_csv(series_frame(run, week)),
        ),
        (
            "series-parquet",
            "series (Parquet)",
            f"{stem}-series.parquet",
            lambda: to_parquet(series_frame(run, week)),
        ),
        (
            "events-csv",
            "events (CSV)",
            f"{stem}-events.csv",
            lambda: to_csv(events_frame(run, week)),
        ),
        (
            "events-parquet",
            "events (Parquet)",
            f"{stem}-events.parquet",
            lambda: to_parquet(events_frame(run, week)),
        ),
        (
            "scenario-toml",
            "scenario (TOML)",
            f"{stem}.toml",
            lambda: scenario_file(run, horizon).encode("utf-8"),
        ),
        (
            "charts-png",
            "charts (PNG)",
            f"{stem}-charts.png",
            lambda: charts_png(run, week, horizon, other, pweek),
        ),
        ("network-png", "network (PNG)", f"{stem}-network.png", lambda: network_png(run, week)),
    )
