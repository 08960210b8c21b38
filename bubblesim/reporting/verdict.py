"""The cascade verdict: did a 2022-style liquidity cascade happen, and how big was it?

A run is a cascade when, together (thresholds in :class:`VerdictParams`, defaults from the 2022
facts):

* leveraged miners holding at least ``verdict_miner_capacity_share`` of the leveraged miners'
  power capacity default within one window of ``verdict_window_weeks``;
* lenders lose at least ``verdict_lender_loss_share`` of their initial capital;
* credit supply (what lenders' capital lets them hold,
  :func:`bubblesim.reporting.metrics.credit_supply_usd`) falls at least
  ``verdict_credit_contraction_share`` below its running peak.

A threshold of zero drops that criterion. The magnitudes are reported whether or not the verdict
is positive, with the peak-to-trough fall of the GPU resale price.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from bubblesim.accounts.events import EventLog
from bubblesim.economy_params import VerdictParams


@dataclass(frozen=True, slots=True)
class CascadeVerdict:
    """The verdict and its magnitudes (shares in [0, 1] unless stated).

    Attributes:
        cascade: True if every active criterion is met.
        miner_capacity_defaulted_share: Largest share of leveraged-miner MW defaulting within
            one window.
        lender_loss_to_capital: Cumulative lender write-offs over initial lender capital.
        credit_contraction: Largest fall of credit supply below its running peak.
        gpu_price_peak_to_trough: Largest fall of the GPU resale price below its running peak.
        first_default_week: Week of the first default (NaN if none).
        n_defaults: Number of defaults.
        criteria: Which criteria held.
    """

    cascade: bool
    miner_capacity_defaulted_share: float
    lender_loss_to_capital: float
    credit_contraction: float
    gpu_price_peak_to_trough: float
    first_default_week: float
    n_defaults: int
    criteria: dict[str, bool]

    def scalars(self) -> dict[str, float]:
        """Flat numeric outcomes (``cascade`` as 0.0/1.0), for sweeps and tables."""
        return {k: float(v) for k, v in asdict(self).items() if k != "criteria"}


def max_drawdown(values: Sequence[float]) -> float:
    """Largest fall below the running peak, ``max_t (1 − x_t / max_{s≤t} x_s)``, in [0, 1]."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return 0.0
    peak = np.maximum.accumulate(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, 1.0 - x / peak, 0.0)
    return float(max(0.0, dd.max()))


def window_share(cumulative: Sequence[float], total: float, window: int) -> float:
    """Largest increase of a cumulative series over ``window`` steps, as a share of ``total``."""
    c = np.asarray(cumulative, dtype=float)
    if total <= 0 or c.size == 0:
        return 0.0
    lagged = np.concatenate([np.zeros(window), c])[: c.size]
    return float(np.max(c - lagged) / total)


def cascade_verdict(
    series: Mapping[str, Sequence[float]],
    events: EventLog,
    params: VerdictParams,
    *,
    leveraged_miner_mw: float,
    initial_lender_capital_usd: float,
) -> CascadeVerdict:
    """Judge a run from its series and event log.

    Args:
        series: The model-level series by name (``bubblesim.reporting.metrics`` reporters), one
            value per collected week: the collector's lists or a DataFrame's columns.
        events: The event log.
        params: The verdict definition.
        leveraged_miner_mw: Power of miners with debt at week 0, MW.
        initial_lender_capital_usd: Lenders' capital at week 0.

    Returns:
        The verdict.
    """
    miner = window_share(
        series["leveraged_miner_mw_defaulted"],
        leveraged_miner_mw,
        params.verdict_window_weeks,
    )
    losses_path = np.asarray(series["lender_losses_usd"], dtype=float)
    losses = float(losses_path[-1]) if losses_path.size else 0.0
    loss_share = losses / initial_lender_capital_usd if initial_lender_capital_usd > 0 else 0.0
    contraction = max_drawdown(series["credit_supply_usd"])
    gpu = max_drawdown(series["gpu_resale_usd_per_mw"])
    criteria = {
        "miner_defaults": miner >= params.verdict_miner_capacity_share,
        "lender_losses": loss_share >= params.verdict_lender_loss_share,
        "credit_contraction": contraction >= params.verdict_credit_contraction_share,
    }
    defaults = events.defaults()
    return CascadeVerdict(
        cascade=all(criteria.values()),
        miner_capacity_defaulted_share=miner,
        lender_loss_to_capital=loss_share,
        credit_contraction=contraction,
        gpu_price_peak_to_trough=gpu,
        first_default_week=float(defaults[0].week) if defaults else math.nan,
        n_defaults=len(defaults),
        criteria=criteria,
    )
