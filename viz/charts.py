"""Time-series charts of the model-level series (``bubblesim.reporting.metrics``), as SVG."""

from __future__ import annotations

import pandas as pd
import solara

from viz.state import Explorer
from viz.svg import grid_origin, line_panel, panels_svg

DEFAULT_COLUMNS = (
    "defaults_lab",
    "defaults_hyperscaler",
    "defaults_neocloud",
    "defaults_miner",
    "defaults_lender",
)

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
        "compute prices, $M",
        (
            ("spot_price_usd_per_cu_year", "spot, per compute unit-year", 1e-6),
            ("gpu_resale_usd_per_mw", "GPUs held, per MW", 1e-6),
        ),
    ),
    (
        "bitcoin",
        (
            ("btc_price_usd", "BTC price, $k", 1e-3),
            ("hashprice_usd_per_ph_day", "hashprice, $ per PH/s-day", 1.0),
        ),
    ),
    (
        "defaults by type (cumulative)",
        tuple((c, c.removeprefix("defaults_"), 1.0) for c in DEFAULT_COLUMNS),
    ),
    (
        "lenders, $B",
        (
            ("lender_capital_usd", "lender capital", 1e-9),
            ("credit_outstanding_usd", "credit outstanding", 1e-9),
            ("lender_losses_usd", "lender losses", 1e-9),
        ),
    ),
    (
        "utilisation and base rate",
        (
            ("utilisation", "GPU utilisation, share", 1.0),
            ("base_rate_per_year", "base rate, per year", 1.0),
        ),
    ),
)
"""Panel title → (column, legend label, scale) lines."""


def charts_svg(series: pd.DataFrame) -> str:
    """The six panels of time series against the week, as one SVG document.

    Args:
        series: ``BubbleModel.series()`` (index week).

    Returns:
        The SVG markup.
    """
    weeks = series.index.to_numpy(dtype=float)
    panels = []
    for i, (title, lines) in enumerate(PANELS):
        data = [
            (label, series[column].to_numpy(dtype=float) * scale)
            for column, label, scale in lines
            if column in series
        ]
        panels.append(
            line_panel(weeks, data, f"{title} (x: week)" if i == 3 else title, grid_origin(i))
        )
    return panels_svg(panels)


@solara.component
def Charts(explorer: Explorer, version: int = 0):  # noqa: N802
    """The time-series charts of the session's model."""
    del version  # a new value re-renders this view (passed by ExplorerViews)
    with explorer.reading():  # not while the play thread is inside a step
        if explorer.model is None:
            return
        svg = solara.use_memo(lambda: charts_svg(explorer.series()), [explorer.refresh_key()])
        solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["charts"])
