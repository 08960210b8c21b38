"""The cascade timeline: every default with its week, cause, trigger chain and consequences.

A default's *trigger chain* follows ``Event.trigger`` back to its origin
(``EventLog.chain``); what it *triggered* is every later event whose chain passes through it.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

import solara

from bubblesim.accounts.events import Event, EventKind, EventLog
from viz.state import Explorer

RECENT_EVENTS = 12
TIMELINE_ROWS = 60


def describe(event: Event) -> str:
    """One short phrase for an event, e.g. ``"equity_refused: OpenAI (equity window closed)"``."""
    who = event.agent_name or "world"
    detail = f" ({event.detail})" if event.detail else ""
    return f"{event.kind}: {who}{detail}"


def children_of(events: list[Event]) -> dict[int, list[int]]:
    """Trigger id → ids of the events it triggered directly."""
    out: dict[int, list[int]] = defaultdict(list)
    for e in events:
        if e.trigger >= 0:
            out[e.trigger].append(e.id)
    return out


def descendants(root: int, children: dict[int, list[int]]) -> list[int]:
    """Ids of every event downstream of ``root`` (breadth first, root excluded)."""
    out, frontier = [], list(children.get(root, ()))
    while frontier:
        node = frontier.pop(0)
        out.append(node)
        frontier.extend(children.get(node, ()))
    return out


def cascade_rows(log: EventLog, kinds: dict[int, str]) -> list[dict[str, object]]:
    """One row per default: week, agent, type, cause, trigger chain, what it triggered.

    Args:
        log: The event log.
        kinds: Agent unique id → agent type (for the ``type`` column).

    Returns:
        Rows in default order.
    """
    events = log.events
    children = children_of(events)
    rows = []
    for d in log.defaults():
        chain = log.chain(d.id)[1:]
        downstream = [events[i] for i in descendants(d.id, children)]
        hit = [e.agent_name for e in downstream if e.kind is EventKind.DEFAULT]
        rows.append(
            {
                "week": d.week,
                "agent": d.agent_name,
                "type": kinds.get(d.agent, ""),
                "cause": d.cause,
                "triggered by": " ← ".join(describe(e) for e in chain) or "—",
                "led to defaults of": ", ".join(dict.fromkeys(hit)) or "—",
                "events downstream": len(downstream),
            }
        )
    return rows


@solara.component
def EventsView(explorer: Explorer, version: int = 0):  # noqa: N802
    """Defaults with their causes and consequences, and the latest events."""
    del version  # a new value re-renders this view (passed by ExplorerViews)
    with explorer.reading():  # not while the play thread is inside a step
        model = explorer.model
        if model is None:
            return
        key = explorer.refresh_key()
        rows = solara.use_memo(
            lambda: cascade_rows(
                model.events, {f.unique_id: str(f.kind) for f in model.firms.values()}
            ),
            dependencies=[key],
        )
        n_defaults = len(model.events.defaults())
        recent = model.events.events[-RECENT_EVENTS:]
        with solara.Column(classes=["cascade-timeline"]):
            solara.HTML(tag="div", unsafe_innerHTML=timeline_html(rows, n_defaults, model.week))
            solara.HTML(
                tag="div",
                unsafe_innerHTML="<b>Latest events</b><ul>"
                + "".join(
                    f"<li>week {e.week}: {escape(describe(e))}</li>" for e in reversed(recent)
                )
                + "</ul>",
            )


def timeline_html(rows: list[dict[str, object]], n_defaults: int, week: int) -> str:
    """The defaults table as HTML (the latest ``TIMELINE_ROWS`` rows)."""
    head = f"<p><b>Defaults so far: {n_defaults}</b> (week {week})</p>"
    if not rows:
        return head + "<p>No agent has defaulted yet.</p>"
    header = "".join(f"<th>{escape(k)}</th>" for k in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r.values()) + "</tr>"
        for r in rows[-TIMELINE_ROWS:]
    )
    return (
        f"{head}<table class='timeline-table' style='border-collapse: collapse; font-size: 0.85em'>"
        f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
    )
