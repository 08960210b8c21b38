"""The event log: contracts, loans, seizures, fire sales, shocks and defaults, with their causes.

Every default carries its step, its cause and the id of the event that triggered it (another
default, a refused refinancing, a margin call, or an exogenous shock), so a cascade can be traced
back to its origin and drawn as a tree. The log also keeps the shock bookkeeping that default
attribution needs: the latest shock of each driver and the latest price-moving sale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


class Clock:
    """The model's week (0 before the first step; one step is one week)."""

    def __init__(self) -> None:
        self.week = 0

    def tick(self) -> int:
        """Advance one week and return the new week."""
        self.week += 1
        return self.week


class EventLog:
    """Append-only list of events, stamped with the clock's week.

    Args:
        clock: The model's clock.
        identity: Maps an agent row to its ``(unique id, name)``.

    Attributes:
        events: The events, in order; an event's id is its index.
        last_price_event: The latest fire sale (what a margin call is traced to), or -1.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        identity: Callable[[int], tuple[int, str]] = lambda row: (row, str(row)),
    ) -> None:
        self.clock = clock or Clock()
        self.identity = identity
        self.events: list[Event] = []
        self.last_price_event = -1
        self._shocks: dict[str, int] = {}

    def record(
        self,
        kind: EventKind,
        agent: int | None = None,
        *,
        counterparty: int | None = None,
        amount_usd: float = 0.0,
        cause: str = "",
        trigger: int = -1,
        detail: str = "",
    ) -> int:
        """Append an event at the current week and return its id.

        Args:
            kind: The event kind.
            agent: The row of the agent concerned, or None for exogenous events.
            counterparty: The row of the other party, or None.
            amount_usd: Amount involved.
            cause: For defaults, the cause.
            trigger: Id of the event that caused this one.
            detail: Free text.

        Returns:
            The new event's id.
        """
        uid, name = (-1, "") if agent is None else self.identity(agent)
        event = Event(
            id=len(self.events),
            week=self.clock.week,
            kind=kind,
            agent=uid,
            agent_name=name,
            counterparty=-1 if counterparty is None else self.identity(counterparty)[0],
            amount_usd=float(amount_usd),
            cause=cause,
            trigger=int(trigger),
            detail=detail,
        )
        self.events.append(event)
        if kind is EventKind.FIRE_SALE:
            self.last_price_event = event.id
        return event.id

    # -- shocks ----------------------------------------------------------------------------------
    def record_shock(self, driver: str, detail: str) -> int:
        """Log an exogenous shock from ``driver`` (e.g. ``"demand"``) and remember it."""
        event = self.record(EventKind.SHOCK, None, detail=detail)
        self._shocks[driver] = event
        return event

    def latest_shock(self, drivers: Iterable[str]) -> int:
        """The latest shock from any of ``drivers``, or -1 if none has happened."""
        return max((self._shocks[d] for d in drivers if d in self._shocks), default=-1)

    # -- reading ---------------------------------------------------------------------------------
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
