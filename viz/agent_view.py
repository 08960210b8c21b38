"""The selected agent: balance sheet over time, books, exposures, and why it defaulted.

Everything is read from the run's snapshots at the week on screen. A defaulted agent's books
(contracts, loans, exposures, balance sheet) are shown as they stood at default, at the end of
the week before its default, next to its balance sheet now.
"""

from __future__ import annotations

from html import escape

import numpy as np
import solara

from viz.cascade import chain_of, chain_text, default_links, downstream_defaults
from viz.fmt import m, number
from viz.svg import Line, line_panel, panels_svg
from viz.timeline import HEALTH_NAMES, Timeline

HISTORY_ITEMS = (
    ("assets_usd", "assets"),
    ("liabilities_usd", "liabilities"),
    ("equity_usd", "equity"),
    ("cash_usd", "cash"),
    ("debt_usd", "debt"),
)
ROWS_LIMIT = 40
HISTORY_SIZE = (900, 220)


def table_html(header: list[str], rows: list[list[object]], css: str = "") -> str:
    """A small HTML table (cells escaped)."""
    head = "".join(
        f"<th style='text-align:left; padding-right:10px'>{escape(h)}</th>" for h in header
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td style='padding-right:10px'>{escape(str(c))}</td>" for c in r)
        + "</tr>"
        for r in rows
    )
    return (
        f"<table class='{css}' style='border-collapse: collapse; font-size: 0.85em'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def why_defaulted(timeline: Timeline, agent: int, week: int) -> str:
    """Why the agent defaulted (if it had by ``week``), as HTML."""
    default_week = timeline.default_week.get(agent)
    if default_week is None or default_week > week:
        return "<p class='why-default'>Not in default at this week.</p>"
    events = timeline.events_upto(week)
    event_id = timeline.default_event.get(agent)
    link = next(
        (
            x
            for x in default_links(events)
            if x.default.id == event_id
            or (event_id is None and x.default.agent_name == timeline.names[agent])
        ),
        None,
    )
    if link is None:
        return f"<p class='why-default'>Defaulted in week {default_week:,}.</p>"
    d = link.default
    led = downstream_defaults(events).get(d.id, [])
    if link.parent is None:
        why = (
            "No trigger was recorded: neither another agent's event nor a shock its type is "
            "exposed to preceded this default."
        )
    else:
        why = f"{link.relation}: {chain_text(chain_of(events, d.id))}"
    parts = [
        f"<p class='why-default'><b>Defaulted in week {d.week:,}</b>, "
        f"cause <b>{escape(d.cause)}</b>"
        + (f" ({escape(d.detail)})" if d.detail else "")
        + ".</p>",
        f"<p class='why-chain'>{escape(why)}</p>",
        "<p>Led to the defaults of: " + escape(", ".join(led) if led else "none") + "</p>",
    ]
    return "".join(parts)


def history_svg(timeline: Timeline, agent: int, week: int, horizon: int) -> str:
    """The agent's balance sheet over time, $M, one unit on the axis."""
    history = timeline.sheet_history(agent, week)
    keys = timeline.sheet_keys
    lines = [
        Line(label, history[:, keys.index(key)] / 1e6, colour)
        for colour, (key, label) in enumerate(HISTORY_ITEMS)
        if key in keys
    ]
    x = np.arange(history.shape[0], dtype=float)
    panel = line_panel(
        x, lines, f"{timeline.names[agent]}: balance sheet, $M", x_max=horizon, size=HISTORY_SIZE
    )
    return panels_svg([panel], columns=1, css_class="agent-history", size=HISTORY_SIZE)


def sheet_html(timeline: Timeline, agent: int, week: int, at_default: int | None) -> str:
    """The balance sheet at ``week`` (and at default), $M."""
    now = timeline.at(week)
    header = ["item", f"week {week:,}, $M"]
    then = None
    if at_default is not None:
        then = timeline.at(at_default)
        header.append(f"as at default (end of week {at_default:,}), $M")
    rows = []
    for j, key in enumerate(timeline.sheet_keys):
        row = [key.removesuffix("_usd").replace("_", " "), m(float(now.sheet[agent, j]))]
        if then is not None:
            row.append(m(float(then.sheet[agent, j])) if agent < then.n_agents else "—")
        rows.append(row)
    return table_html(header, rows, "agent-sheet")


def books_html(timeline: Timeline, agent: int, week: int) -> str:
    """Contracts and loans at ``week``, with counterparties and status."""
    books = timeline.books(agent, week)
    contracts, loans = books["contracts"], books["loans"]
    parts = [f"<p><b>Contracts ({len(contracts):,})</b></p>"]
    if contracts:
        parts.append(
            table_html(
                [
                    "side",
                    "kind",
                    "counterparty",
                    "MW-IT",
                    "$M per MW-year",
                    "start",
                    "end",
                    "status",
                    "remaining $M",
                    "guarantor",
                ],
                [
                    [
                        c["side"],
                        c["kind"],
                        c["counterparty"],
                        number(c["mw"]),
                        number(c["price_usd_per_mw_year"] / 1e6),
                        f"{c['start_week']:,}",
                        f"{c['end_week']:,}",
                        c["status"],
                        m(c["remaining_usd"]),
                        c["guarantor"] or "—",
                    ]
                    for c in contracts[:ROWS_LIMIT]
                ],
                "agent-contracts",
            )
        )
    parts.append(f"<p><b>Loans ({len(loans):,})</b></p>")
    if loans:
        parts.append(
            table_html(
                [
                    "side",
                    "instrument",
                    "counterparty",
                    "principal $M",
                    "spread, % per year",
                    "rate",
                    "maturity",
                    "collateral",
                    "status",
                ],
                [
                    [
                        x["side"],
                        x["instrument"],
                        x["counterparty"],
                        m(x["principal_usd"]),
                        f"{x['spread_per_year'] * 100:.2f}",
                        "floating" if x["floating"] else "fixed",
                        f"{x['maturity_week']:,}",
                        x["collateral"],
                        x["status"],
                    ]
                    for x in loans[:ROWS_LIMIT]
                ],
                "agent-loans",
            )
        )
    return "".join(parts)


def exposures_html(timeline: Timeline, agent: int, week: int) -> str:
    """Who the agent is exposed to, and who is exposed to it, $M."""
    exposures = timeline.exposures(agent, week)
    out = [[timeline.name(i), m(a)] for i, a in exposures["out"][:ROWS_LIMIT]]
    into = [[timeline.name(i), m(a)] for i, a in exposures["in"][:ROWS_LIMIT]]
    total_out = sum(a for _, a in exposures["out"])
    total_in = sum(a for _, a in exposures["in"])
    return (
        "<div style='display: flex; gap: 24px; flex-wrap: wrap'>"
        f"<div><p><b>Exposed to ({len(out):,}; {m(total_out)} $M)</b>: loses if they default</p>"
        + (table_html(["agent", "$M"], out, "exposures-out") if out else "<p>none</p>")
        + f"</div><div><p><b>Exposed to it ({len(into):,}; {m(total_in)} $M)</b>: lose if it "
        "defaults</p>"
        + (table_html(["agent", "$M"], into, "exposures-in") if into else "<p>none</p>")
        + "</div></div>"
    )


def drill_down_html(timeline: Timeline, agent: int, week: int, horizon: int) -> dict[str, str]:
    """Every part of the drill-down, as HTML."""
    snap = timeline.at(week)
    if agent >= snap.n_agents:
        return {
            "head": f"<p>{escape(timeline.name(agent))} does not exist yet at week {week:,}.</p>"
        }
    health = HEALTH_NAMES[int(snap.health[agent])]
    default_week = timeline.default_week.get(agent)
    at_default = None
    if default_week is not None and default_week <= week:
        at_default = max(0, default_week - 1)
    books_week = week if at_default is None else at_default
    books_note = (
        f"as they stood at default (end of week {at_default:,})"
        if at_default is not None
        else f"at week {week:,}"
    )
    return {
        "head": f"<h3 class='agent-title'>{escape(timeline.names[agent])} "
        f"({escape(timeline.kinds[agent])}, {health} at week {week:,})</h3>"
        + why_defaulted(timeline, agent, week),
        "history": history_svg(timeline, agent, week, horizon),
        "sheet": sheet_html(timeline, agent, week, at_default),
        "books": f"<h4>Books {books_note}</h4>" + books_html(timeline, agent, books_week),
        "exposures": f"<h4>Exposures {books_note}</h4>"
        + exposures_html(timeline, agent, books_week),
    }


@solara.component
def AgentView(explorer, week: int):  # noqa: N802
    """The drill-down of the selected agent (or a hint to select one)."""
    run = explorer.run
    agent = explorer.selected.value
    horizon = explorer.horizon.value
    parts = solara.use_memo(
        lambda: {} if agent is None else drill_down_html(run.timeline, agent, week, horizon),
        [id(run), agent, week, horizon],
    )
    if agent is None:
        solara.Text(
            "Select an agent (click a node of the network or of the cascade tree, use the "
            "selector under the network, or a table cell's menu) to see its books."
        )
        return
    with solara.Column(classes=["agent-drill-down"], gap="4px"):
        for name in ("head", "history", "sheet", "books", "exposures"):
            if name in parts:
                solara.HTML(tag="div", unsafe_innerHTML=parts[name], classes=[f"agent-{name}"])
