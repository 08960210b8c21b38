"""Static figures of a run (matplotlib, Agg backend, explicit Figure objects)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

PANELS = (
    ("AI compute (MW-IT)", ("ai_demand_mw", "contracted_mw", "delivered_mw"), 1.0),
    (
        "Spot rent (M USD/MW-yr), GPU resale (M USD/MW)",
        ("spot_price_usd_per_mw_year", "gpu_resale_usd_per_mw"),
        1e-6,
    ),
    (
        "Bitcoin (k USD) and hashprice (USD/PH/day)",
        ("btc_price_usd", "hashprice_usd_per_ph_day"),
        None,
    ),
    (
        "Defaults (cumulative)",
        ("defaults_lab", "defaults_neocloud", "defaults_miner", "defaults_lender"),
        1.0,
    ),
    ("Credit (B USD)", ("lender_capital_usd", "credit_outstanding_usd", "lender_losses_usd"), 1e-9),
    ("Utilisation", ("utilisation",), 1.0),
)


def overview_figure(series: pd.DataFrame, title: str = "") -> Figure:
    """A 2×3 overview of a run's series.

    Args:
        series: The model-level series (index ``week``).
        title: Figure title.

    Returns:
        The figure (not shown; save it with ``fig.savefig``).
    """
    fig = Figure(figsize=(14, 7.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    years = 2026 + series.index.to_numpy() / 52
    for ax, (name, cols, scale) in zip(axes, PANELS, strict=True):
        for col in cols:
            if col not in series:
                continue
            values = series[col].to_numpy(dtype=float)
            if scale is None:
                values = values / 1e3 if col == "btc_price_usd" else values
            else:
                values = values * scale
            ax.plot(years, values, label=col)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("year")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def save_overview(series: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Write the overview figure as a PNG and return its path."""
    fig = overview_figure(series, title)
    fig.savefig(path, dpi=110)
    return Path(path)
