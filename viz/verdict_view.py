"""The cascade verdict at the week on screen: its rule, each leg, and how far from its threshold.

A run is a cascade when every active criterion of ``bubblesim.reporting.verdict`` holds at once; a
threshold of zero drops its criterion. Each leg shows its magnitude, its threshold and the
distance between them in percentage points; with a pinned run, both runs side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import solara

from viz.fmt import number, points, share


@dataclass(frozen=True)
class Leg:
    """One criterion of the verdict."""

    name: str
    label: str
    scalar: str
    threshold_param: str


LEGS = (
    Leg(
        "miner_defaults",
        "miner MW defaulted in a window",
        "miner_capacity_defaulted_share",
        "verdict_miner_capacity_share",
    ),
    Leg(
        "lender_losses",
        "lenders' capital lost (leveraged network)",
        "lender_loss_to_capital",
        "verdict_lender_loss_share",
    ),
    Leg(
        "credit_contraction",
        "credit refused (crunch index)",
        "credit_contraction",
        "verdict_credit_contraction_share",
    ),
)


KNOWN_SCALARS = {leg.scalar for leg in LEGS} | {
    "cascade",
    "first_default_week",
    "n_defaults",
    "gpu_price_peak_to_trough",
}


def extra_value(value) -> str:
    """A verdict field the view does not know: shares as %, other numbers with separators."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        v = float(value)
        return share(v) if 0.0 <= v <= 1.0 and not float(v).is_integer() else number(v)
    return str(value)


def extra_legs(scalars: dict, criteria: dict) -> list[tuple[str, str, bool | None]]:
    """Fields of the verdict beyond the three legs (a severity, a new criterion), generically.

    Returns:
        ``(label, value, held)`` per extra criterion (``held`` True/False) or magnitude
        (``held`` None), so a verdict that grows a field shows it without a change here.
    """
    names = {leg.name for leg in LEGS}
    out: list[tuple[str, str, bool | None]] = []
    for name, held in criteria.items():
        if name not in names:
            value = scalars.get(name)
            out.append(
                (name.replace("_", " "), "" if value is None else extra_value(value), bool(held))
            )
    shown = set(criteria)
    for name, value in scalars.items():
        if name not in KNOWN_SCALARS and name not in shown:
            out.append((name.replace("_", " "), extra_value(value), None))
    return out


def rule_text(values: dict) -> str:
    """The verdict's rule in one sentence, with this run's thresholds (``reporting/verdict.py``)."""
    window = int(values.get("verdict_window_weeks", 52))
    crunch = int(values.get("credit_crunch_window_weeks", 26))
    phrases = {
        "miner_defaults": "leveraged miners holding ≥ {t} of the leveraged miners' MW default",
        "lender_losses": "the leveraged credit network's lenders lose ≥ {t} of their initial "
        "capital (a failed lender all of it)",
        "credit_contraction": "lenders refuse ≥ {t} of the credit asked of them, new loans and "
        f"rollovers, over {crunch:,} weeks (the credit crunch index)",
    }
    parts = []
    for leg in LEGS:
        t = float(values.get(leg.threshold_param, 0.0))
        if t > 0:
            parts.append(phrases[leg.name].format(t=f"{t:.0%}"))
    if not parts:
        return "Every criterion is switched off (threshold 0): any run counts as a cascade."
    return (
        f"Rule: a cascade when all of these hold together, within one {window:,}-week window: "
        + "; ".join(parts)
        + ". A threshold of 0 drops its criterion."
    )


def leg_cells(leg: Leg, scalars: dict, criteria: dict, values: dict) -> tuple[str, str, str]:
    """(value, threshold, distance) of one leg, formatted."""
    value = float(scalars.get(leg.scalar, math.nan))
    threshold = float(values.get(leg.threshold_param, 0.0))
    if threshold <= 0:
        return share(value), "off", "criterion dropped"
    gap = value - threshold
    held = criteria.get(leg.name, gap >= 0)
    distance = f"met, {points(gap)} over" if held else f"{points(-gap).lstrip('+')} short"
    return share(value), share(threshold), distance


def verdict_html(
    week: int, scalars: dict, criteria: dict, values: dict, pinned=None, pinned_label: str = ""
) -> str:
    """The verdict card's body as HTML (``pinned``: ``(week, scalars, criteria, values)``)."""
    cascade = bool(scalars.get("cascade", 0.0))
    head = "CASCADE" if cascade else "no cascade (yet)"
    first = scalars.get("first_default_week", math.nan)
    defaults = int(scalars.get("n_defaults", 0))
    lines = [
        f"<p class='verdict-head'><b>{head}</b> at week {week:,}: {defaults:,} defaults"
        + ("" if math.isnan(first) else f", the first in week {int(first):,}")
        + "</p>",
        f"<p class='verdict-rule' style='font-size: 0.85em'>{escape(rule_text(values))}</p>",
    ]
    if pinned is None:
        items = []
        for leg in LEGS:
            value, threshold, distance = leg_cells(leg, scalars, criteria, values)
            held = criteria.get(leg.name, False)
            limit = "" if threshold == "off" else f" (threshold {threshold})"
            items.append(
                f"<li>{'✔' if held else '✘'} {escape(leg.label)}: <b>{value}</b>{limit}, "
                f"{escape(distance)}</li>"
            )
        gpu = share(scalars.get("gpu_price_peak_to_trough", math.nan))
        items.append(f"<li>GPU resale price, peak to trough: <b>{gpu}</b> (no threshold)</li>")
        for label, value, held in extra_legs(scalars, criteria):
            mark = "" if held is None else ("✔ " if held else "✘ ")
            items.append(
                f"<li class='verdict-extra'>{mark}{escape(label)}: <b>{escape(value)}</b></li>"
            )
        return (
            "".join(lines)
            + "<ul class='verdict-legs' style='font-size: 0.85em; padding-left: 1.2em'>"
            + "".join(items)
            + "</ul>"
        )
    header = ["criterion", "now", "threshold", "distance"]
    if pinned is not None:
        header += [f"{pinned_label} (week {pinned[0]:,})", "distance there"]
    rows = []
    for leg in LEGS:
        value, threshold, distance = leg_cells(leg, scalars, criteria, values)
        held = criteria.get(leg.name, False)
        cells = [f"{'✔' if held else '✘'} {leg.label}", value, threshold, distance]
        if pinned is not None:
            p_value, _, p_distance = leg_cells(leg, pinned[1], pinned[2], pinned[3])
            cells += [p_value, p_distance]
        rows.append(cells)
    gpu = [
        "GPU resale price drop",
        share(scalars.get("gpu_price_peak_to_trough", math.nan)),
        "—",
        "—",
    ]
    if pinned is not None:
        gpu += [share(pinned[1].get("gpu_price_peak_to_trough", math.nan)), "—"]
    rows.append(gpu)
    theirs = {label: (value, held) for label, value, held in extra_legs(pinned[1], pinned[2])}
    for label, value, held in extra_legs(scalars, criteria):
        mark = "" if held is None else ("✔ " if held else "✘ ")
        rows.append([mark + label, value, "—", "—", theirs.get(label, ("—",))[0], "—"])
    if pinned is not None:
        rows.append(
            [
                "defaults",
                number(defaults),
                "—",
                "—",
                number(pinned[1].get("n_defaults", 0)),
                "—",
            ]
        )
    table = (
        "<table class='verdict-legs' style='border-collapse: collapse; font-size: 0.85em'>"
        "<thead><tr>"
        + "".join(
            f"<th style='text-align:left; padding-right:8px'>{escape(h)}</th>" for h in header
        )
        + "</tr></thead><tbody>"
        + "".join(
            "<tr>"
            + "".join(f"<td style='padding-right:8px'>{escape(str(c))}</td>" for c in r)
            + "</tr>"
            for r in rows
        )
        + "</tbody></table>"
    )
    return "".join(lines) + table


@solara.component
def VerdictView(explorer, week: int, pinned_week: int | None = None):  # noqa: N802
    """The verdict card of the live run at a week (and of the pinned run, if any)."""
    run, pinned = explorer.run, explorer.pinned

    def html() -> str:
        snap = run.timeline.at(week)
        other = None
        if pinned is not None and pinned is not run and pinned_week is not None:
            ps = pinned.timeline.at(pinned_week)
            other = (ps.week, ps.verdict, ps.criteria, pinned.values)
        return verdict_html(
            snap.week, snap.verdict, snap.criteria, run.values, other, pinned_label="pinned"
        )

    body = solara.use_memo(html, [id(run), week, id(pinned), pinned_week])
    cascade = bool(run.timeline.at(week).verdict.get("cascade", 0.0))
    with solara.Card(
        title="Cascade verdict",
        style={"background": "#ffebee" if cascade else "#f1f8e9"},
        classes=["verdict-card"],
    ):
        solara.HTML(tag="div", unsafe_innerHTML=body)
