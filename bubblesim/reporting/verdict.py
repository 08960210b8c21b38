"""The cascade verdict: did a 2022-style liquidity cascade happen, and how big was it?

A run is a cascade when, together, within one window of ``verdict_window_weeks`` (thresholds in
:class:`VerdictParams`, defaults from the 2022 facts, whose cascade ran from May to December):

* leveraged miners holding at least ``verdict_miner_capacity_share`` of the leveraged miners'
  power capacity default within the window;
* lenders lose at least ``verdict_lender_loss_share`` of their initial capital within it (a
  failed lender has lost at least all of its capital; a standing one its credit-loss expense,
  series ``lender_capital_lost_usd``);
* a credit crunch: the measured credit crunch index (the share of the credit requested of
  lenders, new loans and rollovers, that they refused over a trailing window,
  :func:`bubblesim.markets.credit.credit_crunch_index`, series ``credit_crunch_index``) reaches
  ``verdict_credit_contraction_share`` within it.

Legs met years apart (miners failing in year one, a crunch in year nine) are not one cascade:
:func:`joint_paths` gives each leg over the trailing window ending in each week, and the verdict
asks for a week in which every active leg holds. A threshold of zero drops that criterion.

The magnitudes (each leg's peak over the run) are reported whether or not the verdict is
positive, with the peak-to-trough fall of the GPU resale price, each leg's path over time
(:func:`leg_paths`), a graded severity score (in the worst window, each leg's magnitude over its
threshold, capped at 1, averaged: 1 exactly when the run is a cascade) and, from the event
log's trigger chains, which shocks and defaults drove each leg (:func:`attribution`).

Every leg is reachable by construction of the model, not excluded by it: miners default when
their cash runs out; lenders' losses are provisions and write-offs against capital that pays
out above its target (so it does not compound without bound); and the crunch index rises when
lenders below target roll over less, refuse new loans, or lose their funding (runs, gates).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from bubblesim.accounts.events import EventKind, EventLog
from bubblesim.economy_params import VerdictParams

LEGS: tuple[str, ...] = ("miner_defaults", "lender_losses", "credit_contraction")
"""The verdict's three legs, in the order of :attr:`CascadeVerdict.criteria`."""


@dataclass(frozen=True, slots=True)
class CascadeVerdict:
    """The verdict and its magnitudes (shares in [0, 1] unless stated).

    Attributes:
        cascade: True if in some week every active criterion holds over the trailing window.
        miner_capacity_defaulted_share: Largest share of leveraged-miner MW defaulting within
            one window.
        lender_loss_to_capital: Cumulative lender write-offs over initial lender capital.
        credit_contraction: Peak of the credit crunch index (share of requested credit refused
            over the trailing window).
        gpu_price_peak_to_trough: Largest fall of the GPU resale price below its running peak.
        first_default_week: Week of the first default (NaN if none).
        n_defaults: Number of defaults.
        severity_score: The largest, over the weeks, of the mean over the active legs of the
            leg's magnitude in the trailing window over its threshold, capped at 1: 1 exactly
            when the run is a cascade. Judgment: equal weights (no leg of the 2022 cascade is
            privileged).
        legs_met: The most active legs that held together in one window.
        criteria: Which criteria held at some time in the run (not necessarily together).
    """

    cascade: bool
    miner_capacity_defaulted_share: float
    lender_loss_to_capital: float
    credit_contraction: float
    gpu_price_peak_to_trough: float
    first_default_week: float
    n_defaults: int
    severity_score: float
    legs_met: int
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


def trailing_increase(cumulative: Sequence[float], window: int) -> np.ndarray:
    """``x_t − x_{t−w}`` of a cumulative series, with ``x`` taken as 0 before it starts."""
    c = np.asarray(cumulative, dtype=float)
    return c - np.concatenate([np.zeros(window), c])[: c.size]


def window_share(cumulative: Sequence[float], total: float, window: int) -> float:
    """Largest increase of a cumulative series over ``window`` steps, as a share of ``total``."""
    c = np.asarray(cumulative, dtype=float)
    if total <= 0 or c.size == 0:
        return 0.0
    return float(np.max(trailing_increase(c, window)) / total)


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
    paths = leg_paths(
        series,
        params,
        leveraged_miner_mw=leveraged_miner_mw,
        initial_lender_capital_usd=initial_lender_capital_usd,
    )
    magnitudes = {leg: float(path.max()) if path.size else 0.0 for leg, path in paths.items()}
    thresholds = _thresholds(params)
    criteria = {leg: magnitudes[leg] >= thresholds[leg] for leg in LEGS}
    together = joint_paths(paths, params.verdict_window_weeks)
    active = [leg for leg in LEGS if thresholds[leg] > 0]
    weeks = next(iter(together.values())).size
    if active and weeks:
        held = np.array([together[leg] >= thresholds[leg] for leg in active])
        ratio = np.array([np.minimum(1.0, together[leg] / thresholds[leg]) for leg in active])
        cascade = bool(held.all(axis=0).any())
        severity = float(ratio.mean(axis=0).max())
        legs_met = int(held.sum(axis=0).max())
    else:
        cascade, severity, legs_met = not active, float(not active), 0
    gpu = max_drawdown(series["gpu_resale_usd_per_mw"])
    defaults = events.defaults()
    return CascadeVerdict(
        cascade=cascade,
        miner_capacity_defaulted_share=magnitudes["miner_defaults"],
        lender_loss_to_capital=magnitudes["lender_losses"],
        credit_contraction=magnitudes["credit_contraction"],
        gpu_price_peak_to_trough=gpu,
        first_default_week=float(defaults[0].week) if defaults else math.nan,
        n_defaults=len(defaults),
        severity_score=severity,
        legs_met=legs_met,
        criteria=criteria,
    )


def _thresholds(params: VerdictParams) -> dict[str, float]:
    return {
        "miner_defaults": params.verdict_miner_capacity_share,
        "lender_losses": params.verdict_lender_loss_share,
        "credit_contraction": params.verdict_credit_contraction_share,
    }


def leg_paths(
    series: Mapping[str, Sequence[float]],
    params: VerdictParams,
    *,
    leveraged_miner_mw: float,
    initial_lender_capital_usd: float,
) -> dict[str, np.ndarray]:
    """Each leg's magnitude week by week.

    * ``miner_defaults``: leveraged-miner MW defaulted over the trailing window, over the
      leveraged MW at week 0;
    * ``lender_losses``: capital lost (series ``lender_capital_lost_usd``: at least all of a
      failed lender's initial capital, a standing lender's cumulative credit-loss expense; runs
      recorded before it existed fall back to ``lender_losses_usd``) over initial capital;
    * ``credit_contraction``: the credit crunch index (series ``credit_crunch_index``; runs
      recorded before it existed fall back to the fall of ``credit_supply_usd`` below its
      running peak).
    """
    mined = np.asarray(series["leveraged_miner_mw_defaulted"], dtype=float)
    window = params.verdict_window_weeks
    miner = (
        trailing_increase(mined, window) / leveraged_miner_mw
        if leveraged_miner_mw > 0
        else 0.0 * mined
    )
    name = "lender_capital_lost_usd" if "lender_capital_lost_usd" in series else "lender_losses_usd"
    losses = np.asarray(series[name], dtype=float)
    loss = losses / initial_lender_capital_usd if initial_lender_capital_usd > 0 else 0.0 * losses
    if "credit_crunch_index" in series:
        credit = np.asarray(series["credit_crunch_index"], dtype=float)
    else:
        x = np.asarray(series["credit_supply_usd"], dtype=float)
        peak = np.maximum.accumulate(x) if x.size else x
        with np.errstate(divide="ignore", invalid="ignore"):
            credit = np.where(peak > 0, 1.0 - x / peak, 0.0)
    return {
        "miner_defaults": np.maximum(0.0, miner),
        "lender_losses": np.maximum(0.0, loss),
        "credit_contraction": np.clip(credit, 0.0, 1.0),
    }


def joint_paths(paths: Mapping[str, np.ndarray], window: int) -> dict[str, np.ndarray]:
    """Each leg over the trailing ``window`` weeks ending in each week, so legs can be met together.

    * ``miner_defaults``: already a trailing-window share (:func:`leg_paths`);
    * ``lender_losses``: the losses booked within the window, ``L_t − L_{t−w}`` over initial
      capital (cumulative losses alone would let a slow bleed over nine years count);
    * ``credit_contraction``: the crunch index's peak within the window.

    Args:
        paths: :func:`leg_paths`.
        window: ``verdict_window_weeks``.

    Returns:
        The windowed legs, one value per week.
    """
    loss = np.asarray(paths["lender_losses"], dtype=float)
    credit = np.asarray(paths["credit_contraction"], dtype=float)
    padded = np.concatenate([np.zeros(window - 1), credit])
    peak = sliding_window_view(padded, window).max(axis=1) if credit.size else credit
    return {
        "miner_defaults": np.asarray(paths["miner_defaults"], dtype=float),
        "lender_losses": np.maximum(0.0, trailing_increase(loss, window)),
        "credit_contraction": peak,
    }


def attribution(events: EventLog, top: int = 5) -> dict[str, list[tuple[str, float]]]:
    """Which shocks and defaults drove each leg, from the event log's trigger chains.

    Each leg's events are weighted by their amount and credited to their chain's origin (a
    shock, or an event with no recorded cause) and to the defaults along the way:

    * ``miner_defaults``: miners' default events, weighted by one each;
    * ``lender_losses``: write-offs (``loan_defaulted``) at lenders, by amount, and lenders'
      own defaults (by their amount; provisions carry no event of their own);
    * ``credit_contraction``: refusals (``loan_refused``) and gates (``fund_gated``), by amount.

    Returns:
        Per leg, up to ``top`` ``(label, share of the leg's weight)`` pairs, largest first. A
        label is ``"shock: <detail>"``, ``"default: <agent>"`` or ``"unattributed"``; a share
        is the part of the leg's weight whose chain runs through it (an event can be credited
        to its shock and to several defaults, so shares need not sum to 1).
    """
    weights: dict[str, dict[str, float]] = {leg: {} for leg in LEGS}
    totals = dict.fromkeys(LEGS, 0.0)
    for event in events.events:
        if event.kind is EventKind.DEFAULT and event.detail.startswith("miner "):
            leg, weight = "miner_defaults", 1.0
        elif event.kind is EventKind.LOAN_DEFAULTED:
            leg, weight = "lender_losses", event.amount_usd
        elif event.kind is EventKind.DEFAULT and event.detail.startswith("lender "):
            leg, weight = "lender_losses", max(event.amount_usd, 1.0)
        elif event.kind in (EventKind.LOAN_REFUSED, EventKind.FUND_GATED):
            leg, weight = "credit_contraction", event.amount_usd
        else:
            continue
        if weight <= 0:
            continue
        chain = events.chain(event.trigger) if event.trigger >= 0 else []
        labels = {f"default: {e.agent_name}" for e in chain if e.kind is EventKind.DEFAULT}
        origin = chain[-1] if chain else None
        if origin is not None and origin.kind is EventKind.SHOCK:
            labels |= {f"shock: {origin.detail}"}
        if not labels:
            labels = {"unattributed"}
        totals[leg] += weight
        for label in labels:
            weights[leg][label] = weights[leg].get(label, 0.0) + weight
    out = {}
    for leg, by_label in weights.items():
        total = totals[leg] or 1.0
        ranked = sorted(by_label.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        out[leg] = [(label, w / total) for label, w in ranked]
    return out
