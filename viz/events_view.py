"""The cascade timeline: every default with its week, cause, honest trigger chain, consequences.

Links to another agent's event read "triggered by", links to an exogenous shock "exposed to"
(see :mod:`viz.cascade`). With a pinned run, a column says whether the same agent defaults
there too, and whether it does so without the shock.
"""

from __future__ import annotations

from html import escape

import solara

from viz.cascade import (
    chain_of,
    chain_text,
    compare_mark,
    default_links,
    describe,
    downstream_defaults,
    pinned_facts,
)

RECENT_EVENTS = 12
TIMELINE_ROWS = 60


def cascade_rows(
    events: list, kinds: dict[int, str], pinned: tuple[dict, set] | None = None
) -> list[dict[str, object]]:
    """One row per default: week, agent, type, cause, relation, chain, what it led to.

    Args:
        events: The event log as it stood at the week on screen.
        kinds: Agent unique id → agent type.
        pinned: The pinned run's defaults and shocks (:func:`viz.cascade.pinned_facts`).

    Returns:
        Rows in default order.
    """
    downstream = downstream_defaults(events)
    rows = []
    for link in default_links(events):
        d = link.default
        row: dict[str, object] = {
            "week": d.week,
            "agent": d.agent_name,
            "type": kinds.get(d.agent, ""),
            "cause": d.cause,
            "relation": link.relation,
            "chain": chain_text(chain_of(events, d.id)),
            "led to defaults of": ", ".join(downstream.get(d.id, [])) or "—",
        }
        if pinned is not None:
            row["in the pinned run"] = compare_mark(link, *pinned)
        rows.append(row)
    return rows


def timeline_html(rows: list[dict[str, object]], week: int) -> str:
    """The defaults table as HTML (the latest ``TIMELINE_ROWS`` rows)."""
    head = f"<p><b>Defaults so far: {len(rows):,}</b> (week {week:,})</p>"
    if not rows:
        return head + "<p>No agent has defaulted yet.</p>"
    header = "".join(f"<th>{escape(k)}</th>" for k in rows[0])
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(f'{v:,}' if isinstance(v, int) else str(v))}</td>" for v in r.values()
        )
        + "</tr>"
        for r in rows[-TIMELINE_ROWS:]
    )
    note = (
        "<p style='font-size: 0.8em; color: #555'>“triggered by”: the default follows from "
        "another agent's event; “exposed to”: no other cause was recorded, and the default is "
        "traced to the latest shock its agent is exposed to.</p>"
    )
    return (
        f"{head}{note}<table class='timeline-table' style='border-collapse: collapse; "
        f"font-size: 0.85em'><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
    )


@solara.component
def EventsView(explorer, week: int, pinned_week: int | None = None):  # noqa: N802
    """Defaults with their causes and consequences, and the latest events."""
    run, pinned = explorer.run, explorer.pinned
    timeline = run.timeline

    def build():
        events = timeline.events_upto(week)
        kinds = {uid: timeline.kinds[i] for uid, i in timeline.index.items()}
        facts = None
        if pinned is not None and pinned is not run and pinned_week is not None:
            facts = pinned_facts(pinned, pinned_week)
        rows = cascade_rows(events, kinds, facts)
        recent = events[-RECENT_EVENTS:]
        latest = "<b>Latest events</b><ul>" + "".join(
            f"<li>week {e.week:,}: {escape(describe(e))}</li>" for e in reversed(recent)
        )
        return timeline_html(rows, week), latest + "</ul>"

    table, latest = solara.use_memo(build, [id(run), week, id(pinned), pinned_week])
    with solara.Column(classes=["cascade-timeline"]):
        solara.HTML(tag="div", unsafe_innerHTML=table)
        solara.HTML(tag="div", unsafe_innerHTML=latest)
