"""The event log: contracts, loans, seizures, fire sales and defaults, with their causes.

Every default carries its step, its cause and the id of the event that triggered it (another
default, a refused refinancing, a margin call, or an exogenous shock), so a cascade can be traced
back to its origin and drawn as a tree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

import pandas as pd


class EventKind(StrEnum):
    """What happened."""

    SHOCK = "shock"  # an exogenous event (slowdown begins, BTC crash, new chip generation)
    CONTRACT_SIGNED = "contract_signed"
    CONTRACT_TERMINATED = "contract_terminated"
    BACKSTOP_CALLED = "backstop_called"
    LOAN_MADE = "loan_made"
    LOAN_REFUSED = "loan_refused"
    LOAN_DEFAULTED = "loan_defaulted"
    MARGIN_CALL = "margin_call"
    SEIZURE = "seizure"
    FIRE_SALE = "fire_sale"
    EQUITY_RAISED = "equity_raised"
    EQUITY_REFUSED = "equity_refused"
    FUNDING_RUN = "funding_run"
    DEFAULT = "default"


class Cause(StrEnum):
    """Why an agent defaulted."""

    INSOLVENCY = "insolvency"
    ILLIQUIDITY = "illiquidity"
    REFINANCING = "refinancing_failure"
    COUNTERPARTY = "counterparty_loss"
    COVENANT = "covenant_breach"
    EXOGENOUS = "exogenous"  # imposed from outside (a test or a scenario)


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the event log.

    Attributes:
        id: Sequential id.
        week: Step at which it happened.
        kind: What happened.
        agent: Unique id of the agent it happened to (-1 for exogenous events).
        agent_name: Its name.
        counterparty: Unique id of the other party, or -1.
        amount_usd: Amount involved, or 0.
        cause: For defaults, the cause; else empty.
        trigger: Id of the event that caused this one, or -1.
        detail: Free text.
    """

    id: int
    week: int
    kind: EventKind
    agent: int
    agent_name: str
    counterparty: int = -1
    amount_usd: float = 0.0
    cause: str = ""
    trigger: int = -1
    detail: str = ""


class EventLog:
    """Append-only list of events."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def record(self, week: int, kind: EventKind, agent=None, **fields) -> int:
        """Append an event and return its id.

        Args:
            week: The step.
            kind: The event kind.
            agent: The agent concerned (a Firm) or None for exogenous events.
            **fields: Other :class:`Event` fields (``counterparty`` may be a Firm).

        Returns:
            The new event's id.
        """
        cp = fields.pop("counterparty", None)
        event = Event(
            id=len(self.events),
            week=week,
            kind=kind,
            agent=-1 if agent is None else agent.unique_id,
            agent_name="" if agent is None else agent.name,
            counterparty=-1 if cp is None else (cp if isinstance(cp, int) else cp.unique_id),
            **fields,
        )
        self.events.append(event)
        return event.id

    def defaults(self) -> list[Event]:
        """The default events, in order."""
        return [e for e in self.events if e.kind is EventKind.DEFAULT]

    def chain(self, event_id: int) -> list[Event]:
        """The chain of triggers from an event back to its origin (origin last)."""
        out = []
        while event_id >= 0:
            event = self.events[event_id]
            out.append(event)
            event_id = event.trigger
        return out

    def to_frame(self) -> pd.DataFrame:
        """The log as a DataFrame (one row per event)."""
        cols = list(Event.__dataclass_fields__)
        if not self.events:
            return pd.DataFrame(columns=cols)
        frame = pd.DataFrame([asdict(e) for e in self.events], columns=cols)
        frame["kind"] = frame["kind"].astype(str)
        return frame
