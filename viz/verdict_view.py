"""The cascade verdict as it stands, with its magnitudes and which criteria hold."""

from __future__ import annotations

import math

import solara

from viz.state import Explorer

CRITERIA_LABELS = {
    "miner_defaults": "leveraged miners default together",
    "lender_losses": "lenders lose capital",
    "credit_contraction": "credit contracts",
}


def verdict_lines(verdict) -> list[str]:
    """Markdown lines summarising a :class:`bubblesim.reporting.verdict.CascadeVerdict`."""
    first = verdict.first_default_week
    lines = [
        f"**{'CASCADE' if verdict.cascade else 'no cascade (yet)'}**",
        "",
        f"- defaults: {verdict.n_defaults}"
        + ("" if math.isnan(first) else f", first in week {int(first)}"),
        "- leveraged-miner MW defaulted within a window: "
        f"{verdict.miner_capacity_defaulted_share:.0%}",
        f"- lender losses / initial capital: {verdict.lender_loss_to_capital:.0%}",
        f"- credit contraction from peak: {verdict.credit_contraction:.0%}",
        f"- GPU resale price peak to trough: {verdict.gpu_price_peak_to_trough:.0%}",
    ]
    lines += [
        f"- {'✔' if held else '✘'} {CRITERIA_LABELS.get(name, name)}"
        for name, held in verdict.criteria.items()
    ]
    return lines


@solara.component
def VerdictView(explorer: Explorer, version: int = 0):  # noqa: N802
    """The verdict card."""
    del version  # a new value re-renders this view (passed by ExplorerViews)
    with explorer.reading():  # not while the play thread is inside a step
        model = explorer.model
        if model is None:
            return
        verdict, week = solara.use_memo(
            lambda: (model.verdict(), model.week), [explorer.refresh_key()]
        )
        colour = "#ffebee" if verdict.cascade else "#f1f8e9"
        with solara.Card(
            title=f"Cascade verdict, week {week}",
            style={"background": colour},
            classes=["verdict-card"],
        ):
            solara.Markdown("\n".join(verdict_lines(verdict)))
