"""Cascades from the event log: who triggered whom, who was only exposed to a shock.

Every default records the event that triggered it (``Event.trigger``), and that event its own,
back to an origin (``EventLog.chain``). A link to another agent's event (a default, a defaulted
loan, a refused rollover) is a cause: the default was *triggered by* it. A link to an exogenous
shock is an attribution: a default without another cause is traced to the latest shock its agent
is exposed to (``AgentRegistry.latest_shock_of``), so it is labelled *exposed to*.

With a pinned run to compare against, a default that also happens there is marked, and marked as
happening *without the shock* when the pinned run never had that shock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bubblesim.accounts.events import Event, EventKind

TRIGGERED = "triggered by"
EXPOSED = "exposed to"
NO_TRIGGER = "no recorded trigger"


def describe(event: Event) -> str:
    """One short phrase for an event, e.g. ``"equity_refused: OpenAI (equity window closed)"``."""
    who = event.agent_name or "world"
    detail = f" ({event.detail})" if event.detail else ""
    return f"{event.kind}: {who}{detail}"


def relation(parent: Event | None) -> str:
    """How an event relates to what its trigger link points at."""
    if parent is None:
        return NO_TRIGGER
    return EXPOSED if parent.kind is EventKind.SHOCK else TRIGGERED


def chain_of(events: list[Event], event_id: int) -> list[Event]:
    """The trigger chain from an event back to its origin (origin last, the event first)."""
    out = []
    seen = set()
    while 0 <= event_id < len(events) and event_id not in seen:
        seen.add(event_id)
        event = events[event_id]
        out.append(event)
        event_id = event.trigger
    return out


def chain_text(chain: list[Event]) -> str:
    """The links of a chain (without its first event), each labelled honestly."""
    return " ← ".join(f"{relation(e)} {describe(e)}" for e in chain[1:]) or NO_TRIGGER


def shock_key(event: Event) -> str:
    """What a shock is, without its magnitude: ``"AI demand slowdown begins"``."""
    return event.detail.split(" (")[0]


@dataclass(frozen=True)
class DefaultLink:
    """A default and the nearest default or shock up its chain (None: no recorded trigger)."""

    default: Event
    parent: Event | None
    via: tuple[Event, ...]  # the events between them
    shock: Event | None  # the shock at the chain's origin, if any

    @property
    def relation(self) -> str:
        """``triggered by``, ``exposed to`` or ``no recorded trigger``.

        A chain that reaches a shock through another agent's event (a fire sale that marked
        the collateral down, a refusal by a lender) is a cause between agents: *triggered by*,
        though its origin is a shock.
        """
        if self.parent is not None and self.parent.kind is EventKind.SHOCK and self.other_agent:
            return TRIGGERED
        return relation(self.parent)

    @property
    def other_agent(self) -> Event | None:
        """The nearest event of another agent between the default and its parent, if any."""
        return next(
            (hop for hop in self.via if hop.agent >= 0 and hop.agent != self.default.agent),
            None,
        )


def default_links(events: list[Event]) -> list[DefaultLink]:
    """One link per default, in order."""
    out = []
    for e in events:
        if e.kind is not EventKind.DEFAULT:
            continue
        chain = chain_of(events, e.id)
        parent, via = None, []
        for hop in chain[1:]:
            if hop.kind in (EventKind.DEFAULT, EventKind.SHOCK):
                parent = hop
                break
            via.append(hop)
        origin = chain[-1]
        shock = origin if origin.kind is EventKind.SHOCK and origin is not e else None
        out.append(DefaultLink(e, parent, tuple(via), shock))
    return out


def downstream_defaults(events: list[Event]) -> dict[int, list[str]]:
    """Default event id → names of the later defaults whose chains pass through it."""
    children: dict[int, list[int]] = defaultdict(list)
    for e in events:
        if e.trigger >= 0:
            children[e.trigger].append(e.id)
    out: dict[int, list[str]] = {}
    for e in events:
        if e.kind is not EventKind.DEFAULT:
            continue
        names, frontier = [], list(children.get(e.id, ()))
        while frontier:
            node = events[frontier.pop(0)]
            if node.kind is EventKind.DEFAULT:
                names.append(node.agent_name)
            frontier.extend(children.get(node.id, ()))
        out[e.id] = list(dict.fromkeys(names))
    return out


def compare_mark(
    link: DefaultLink, pinned_defaults: dict[str, int], pinned_shocks: set[str]
) -> str:
    """What the pinned run says about this default.

    Args:
        link: The default in the live run.
        pinned_defaults: Agent name → week it defaulted in the pinned run.
        pinned_shocks: The shocks (``shock_key``) that happened in the pinned run.

    Returns:
        ``"also defaults without this shock (week N)"``, ``"also defaults (week N)"`` or
        ``"does not default"``.
    """
    week = pinned_defaults.get(link.default.agent_name)
    if week is None:
        return "does not default"
    if link.shock is not None and shock_key(link.shock) not in pinned_shocks:
        return f"also defaults without this shock (week {week:,})"
    return f"also defaults (week {week:,})"


def pinned_facts(run, week: int) -> tuple[dict[str, int], set[str]]:
    """The pinned run's defaults (name → week) and shocks up to ``week``."""
    timeline = run.timeline
    defaults = {timeline.names[i]: w for i, w in timeline.default_week.items() if w <= week}
    shocks = {shock_key(e) for e in timeline.events_upto(week) if e.kind is EventKind.SHOCK}
    return defaults, shocks
