"""Time-series charts of the model-level series (``bubblesim.reporting.metrics`` reporters), as SVG.

Nine panels, one unit each, against the week; the x axis runs to the horizon so the charts do
not rescale while playing. A pinned run is overlaid in dashed lines of the same colours.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import solara

from viz.svg import Line, grid_origin, line_panel, panels_svg

DEFAULT_COLUMNS = (
    "defaults_lab",
    "defaults_hyperscaler",
    "defaults_neocloud",
    "defaults_miner",
    "defaults_lender",
)
"""The default-count columns in their usual order; any other ``defaults_*`` series (a new agent
type) joins the same panel after them."""
DEFAULTS_TITLE = "defaults by type, cumulative count"

PANELS: tuple[tuple[str, tuple[tuple[str, str, float], ...]], ...] = (
    (
        "AI compute, compute units",
        (
            ("ai_demand_cu", "AI demand", 1.0),
            ("contracted_cu", "contracted", 1.0),
            ("delivered_cu", "delivered", 1.0),
        ),
    ),
    (
        "spot compute price, $M per compute unit-year",
        (("spot_price_usd_per_cu_year", "spot", 1e-6),),
    ),
    ("GPUs held, $M per MW-IT", (("gpu_resale_usd_per_mw", "GPUs held", 1e-6),)),
    ("BTC price, $k", (("btc_price_usd", "BTC", 1e-3),)),
    ("hashprice, $ per PH/s-day", (("hashprice_usd_per_ph_day", "hashprice", 1.0),)),
    (
        DEFAULTS_TITLE,
        tuple((c, c.removeprefix("defaults_"), 1.0) for c in DEFAULT_COLUMNS),
    ),
    (
        "lenders, $B",
        (
            ("lender_capital_usd", "capital", 1e-9),
            ("credit_outstanding_usd", "credit outstanding", 1e-9),
            ("lender_losses_usd", "losses", 1e-9),
        ),
    ),
    ("GPU utilisation, %", (("utilisation", "utilisation", 100.0),)),
    ("base rate, % per year", (("base_rate_per_year", "base rate", 100.0),)),
)
"""Panel title (with its one unit) → (column, legend label, scale) lines."""


Panel = tuple[str, tuple[tuple[str, str, float], ...]]


def drawn_columns() -> set[str]:
    """The columns the fixed panels draw."""
    return {column for _, lines in PANELS for column, _, _ in lines}


def extra_columns(series: dict[str, np.ndarray]) -> list[str]:
    """Series the fixed panels do not draw (a new reporter, say), sorted by name.

    ``defaults_*`` columns are left out: :func:`panels_for` adds them to the defaults panel.
    """
    drawn = drawn_columns()
    return sorted(
        c for c in series if c not in drawn and c != "week" and not c.startswith("defaults_")
    )


def panels_for(
    series: dict[str, np.ndarray], extra: list[str] | tuple[str, ...] = ()
) -> list[Panel]:
    """The panels to draw for these series.

    :data:`PANELS`, with every ``defaults_*`` column in the defaults panel (so a new agent type
    shows up without a change here), then one panel per ``extra`` column (titled by its name,
    which carries its unit).
    """
    out: list[Panel] = []
    known = set(DEFAULT_COLUMNS)
    more = sorted(c for c in series if c.startswith("defaults_") and c not in known)
    for title, lines in PANELS:
        if title == DEFAULTS_TITLE and more:
            lines = lines + tuple((c, c.removeprefix("defaults_"), 1.0) for c in more)
        out.append((title, lines))
    for column in extra:
        if column in series:
            out.append((column.replace("_", " "), ((column, column, 1.0),)))
    return out


def charts_svg(
    series: dict[str, np.ndarray],
    pinned: dict[str, np.ndarray] | None = None,
    x_max: float | None = None,
    pinned_label: str = "pinned",
    cache: dict | None = None,
    extra: list[str] | tuple[str, ...] = (),
) -> str:
    """The panels of time series against the week, as one SVG document.

    Args:
        series: Columns by name, one value per week from week 0 (``Timeline.series_upto``).
        pinned: The pinned run's columns, drawn dashed, or None.
        x_max: Right end of every x axis, weeks (default: the longest series).
        pinned_label: Legend suffix of the pinned run's lines.
        cache: Formatted points, reused between frames of the same runs (a fresh dict per
            pair of runs).
        extra: More columns to draw, one panel each (:func:`extra_columns` lists them).

    Returns:
        The SVG markup.
    """
    panels = []
    for i, (title, lines) in enumerate(panels_for(series, extra)):
        xs, drawn = [], []
        for colour, (column, label, scale) in enumerate(lines):
            for data, dashed in ((series, False), (pinned, True)):
                if data is None or column not in data:
                    continue
                y = np.asarray(data[column], dtype=float) * scale
                text = label if not dashed else f"{label}, {pinned_label}"
                show = len(lines) > 1 or pinned is not None
                key = (column, dashed) if cache is not None else None
                drawn.append(Line(text if show else "", y, colour, dashed, key))
                xs.append(np.arange(y.size, dtype=float))
        panels.append(line_panel(xs, drawn, title, grid_origin(i), x_max=x_max, cache=cache))
    return panels_svg(panels)


@solara.component
def Charts(explorer, week: int, pinned_week: int | None = None):  # noqa: N802
    """The time-series charts of the live run at a week, with the pinned run overlaid."""
    run, pinned = explorer.run, explorer.pinned
    horizon = explorer.horizon.value
    key = [id(run), week, id(pinned), pinned_week, horizon]
    # formatted points of these two runs, kept between frames (the series only grow)
    cache = solara.use_memo(dict, [id(run), id(pinned)])
    extra, set_extra = solara.use_state(cast(list[str], []))
    key.append(tuple(extra))

    def draw() -> str:
        other = None
        if pinned is not None and pinned is not run and pinned_week is not None:
            other = pinned.timeline.series_upto(pinned_week)
        series = run.timeline.series_upto(week)
        return charts_svg(series, other, x_max=float(horizon), cache=cache, extra=extra)

    svg = solara.use_memo(draw, key)
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["charts"])
    choices = solara.use_memo(lambda: extra_columns(run.timeline.series), [id(run)])
    if choices:
        solara.SelectMultiple(
            "more series (one panel each)",
            values=[c for c in extra if c in choices],
            all_values=choices,
            on_value=set_extra,
            classes=["more-series"],
        )
