"""Compact per-week snapshots of a run, so any past week can be shown without re-running it.

After every step the play loop calls :meth:`Timeline.capture`, which reads the model only
through its public API (``model.state_arrays()``, the engine's tables as arrays, see
:mod:`bubblesim.reporting.snapshot`; ``model.verdict()``, ``model.series_columns()``,
``model.events``) and keeps, for that week:

- each agent's health (one byte) and balance sheet (one row of floats);
- the credit network's edges as index arrays (who is exposed to whom, USD);
- the live contracts and loans as small arrays of their changing state (status, buyer,
  principal, prepayment); their fixed terms are kept once per instrument;
- the verdict's magnitudes and criteria, and the length of the event log.

A week of the 22-agent default economy takes about 3 kB, of a 1,000-agent economy about
90 kB. :meth:`Timeline.capture` is the one place that reads the model; it copies arrays and
builds Python objects only for what is new since the last capture (agents, instruments' terms,
defaults).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bubblesim.accounts.instruments import STATUS_OF_CODE
from bubblesim.agents.base import HEALTH_OF_CODE

HEALTH_NAMES = ("healthy", "distressed", "defaulted")
HEALTH_CODE = {name: code for code, name in enumerate(HEALTH_NAMES)}
DEFAULTED = HEALTH_CODE["defaulted"]
STATUS_NAMES = ("pending", "active", "matured", "terminated", "defaulted", "other")
STATUS_CODE = {name: code for code, name in enumerate(STATUS_NAMES)}
WIDE_ECONOMY = 200  # agents; above this, balance sheets are kept as float32 (half the memory)
WEEKS_PER_YEAR = 52
_HEALTH_OF_ENGINE = np.array(
    [HEALTH_CODE.get(str(h), 1) for h in HEALTH_OF_CODE], dtype=np.int8
)  # engine health code → timeline health code
_ENGINE_DEFAULTED = [str(h) for h in HEALTH_OF_CODE].index("defaulted")
_STATUS_OF_ENGINE = np.array(
    [STATUS_CODE.get(str(s), STATUS_CODE["other"]) for s in STATUS_OF_CODE], dtype=np.int8
)  # engine status code → timeline status code


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """The fixed terms of a compute contract (indexes are agent positions in the timeline)."""

    kind: str
    seller: int
    mw: float
    price_usd_per_mw_year: float
    start_week: int
    end_week: int
    guarantor: int


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """The fixed terms of a loan (indexes are agent positions in the timeline)."""

    lender: int
    borrower: int
    instrument: str
    collateral: str
    maturity_week: int
    spread_per_year: float
    floating: bool


@dataclass(frozen=True, slots=True)
class WeekSnapshot:
    """The state of a run at the end of one week.

    Attributes:
        week: The week.
        health: Health code per agent (``HEALTH_NAMES``), agents that exist this week.
        sheet: Balance sheet per agent, USD, columns ``Timeline.sheet_keys``.
        edge_src: Exposed agent of each credit-network edge.
        edge_dst: Agent it is exposed to.
        edge_usd: Amount of each edge, USD.
        contract_ids: Ids of the live contracts.
        contract_buyer: Their buyers (agent index).
        contract_status: Their status codes (``STATUS_NAMES``).
        contract_prepaid_usd: Their unamortised prepayments, USD.
        loan_ids: Ids of the active loans.
        loan_principal_usd: Their outstanding principal, USD.
        loan_status: Their status codes.
        verdict: The verdict's magnitudes (``CascadeVerdict.scalars()``).
        criteria: Which verdict criteria held.
        n_events: Length of the event log at the end of the week.
    """

    week: int
    health: np.ndarray
    sheet: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_usd: np.ndarray
    contract_ids: np.ndarray
    contract_buyer: np.ndarray
    contract_status: np.ndarray
    contract_prepaid_usd: np.ndarray
    loan_ids: np.ndarray
    loan_principal_usd: np.ndarray
    loan_status: np.ndarray
    verdict: dict[str, float]
    criteria: dict[str, bool]
    n_events: int

    @property
    def n_agents(self) -> int:
        """Agents that exist this week."""
        return int(self.health.size)

    @property
    def n_defaulted(self) -> int:
        """Agents in default at the end of the week."""
        return int(np.count_nonzero(self.health == DEFAULTED))

    def nbytes(self) -> int:
        """Memory held by the arrays, bytes."""
        return sum(
            getattr(self, name).nbytes
            for name in self.__slots__
            if isinstance(getattr(self, name), np.ndarray)
        )


@dataclass
class Timeline:
    """Every week of one run, from week 0 (see the module docstring).

    Reading is safe from any thread while the play loop appends: snapshots are immutable, the
    lists only grow, and the series are replaced, not changed.

    Attributes:
        uids: Agent unique ids, in order of first appearance (an agent's index).
        names: Their names.
        kinds: Their types (``str(AgentType)``).
        sheet_keys: The balance-sheet items kept per agent.
        weeks: One snapshot per week; ``weeks[w].week == w``.
        series: The model-level series as of the latest week (lists by name).
        events: The model's event log (append-only; read through ``n_events``).
        contract_terms: Fixed terms by contract id.
        loan_terms: Fixed terms by loan id.
        default_week: Agent index → the week it defaulted (first time).
        default_event: Agent index → id of its default event.
    """

    uids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    sheet_keys: tuple[str, ...] = ()
    weeks: list[WeekSnapshot] = field(default_factory=list)
    series: dict[str, list[float]] = field(default_factory=dict)
    events: Any = None
    contract_terms: dict[int, ContractTerms] = field(default_factory=dict)
    loan_terms: dict[int, LoanTerms] = field(default_factory=dict)
    default_week: dict[int, int] = field(default_factory=dict)
    default_event: dict[int, int] = field(default_factory=dict)
    index: dict[int, int] = field(default_factory=dict)
    _contract_mark: int = field(default=-1, repr=False)  # newest contract id whose terms are kept
    _loan_mark: int = field(default=-1, repr=False)

    @classmethod
    def of(cls, model) -> Timeline:
        """A timeline holding the model's current week (normally week 0)."""
        timeline = cls(events=model.events)
        timeline.capture(model)
        return timeline

    # -- writing -----------------------------------------------------------------------------
    def capture(self, model) -> WeekSnapshot:
        """Append the model's current week (call once after every step).

        Reads the engine's tables as arrays (``model.state_arrays()``); the only per-agent or
        per-instrument Python work is for agents, instruments and defaults new since the last
        capture.
        """
        state = model.state_arrays(self._contract_mark, self._loan_mark)
        n = int(state.uid.size)
        firms = list(model.firms.values()) if n > len(self.uids) else []  # in order of entry
        for row in range(len(self.uids), n):  # agents new since the last capture
            firm = firms[row]
            self.index[firm.unique_id] = len(self.uids)
            self.uids.append(firm.unique_id)
            self.names.append(firm.name)
            self.kinds.append(str(firm.kind))
        if not self.sheet_keys:
            self.sheet_keys = tuple(state.sheet)
        dtype = np.float64 if n <= WIDE_ECONOMY else np.float32
        health = _HEALTH_OF_ENGINE[state.health]
        sheet = np.empty((n, len(self.sheet_keys)), dtype=dtype)
        for j, key in enumerate(self.sheet_keys):
            sheet[:, j] = state.sheet.get(key, math.nan)
        self._note_defaults(state, model.week)
        self._note_terms(state)
        verdict = model.verdict()
        snapshot = WeekSnapshot(
            week=int(model.week),
            health=health,
            sheet=sheet,
            edge_src=state.edge_src,
            edge_dst=state.edge_dst,
            edge_usd=state.edge_usd,
            contract_ids=state.contract_id.astype(np.int32),
            contract_buyer=_rows(state.contract_buyer, n),
            contract_status=_status_of(state.contract_status),
            contract_prepaid_usd=state.contract_prepaid_usd.astype(np.float64),
            loan_ids=state.loan_id.astype(np.int32),
            loan_principal_usd=state.loan_principal_usd.astype(np.float64),
            loan_status=_status_of(state.loan_status),
            verdict=verdict.scalars(),
            criteria=dict(verdict.criteria),
            n_events=len(model.events.events),
        )
        self.series = model.series_columns()
        self.weeks.append(snapshot)
        return snapshot

    def _note_defaults(self, state, week: int) -> None:
        """Record the week (and event) of each agent's first default seen."""
        defaulted = np.flatnonzero(state.health == _ENGINE_DEFAULTED)
        for i in defaulted.tolist():
            if i in self.default_week:
                continue
            w = int(state.default_week[i])
            self.default_week[i] = int(week) if w < 0 else w
            self.default_event[i] = int(state.default_event[i])

    def _note_terms(self, state) -> None:
        """Keep the fixed terms of the instruments new since the last capture."""
        n = int(state.uid.size)
        c = state.new_contracts
        seller, guarantor = _rows(c.seller, n).tolist(), _rows(c.guarantor, n).tolist()
        for k, cid in enumerate(c.id.tolist()):
            if cid not in self.contract_terms:
                self.contract_terms[cid] = ContractTerms(
                    kind=c.kind[k],
                    seller=seller[k],
                    mw=float(c.mw[k]),
                    price_usd_per_mw_year=float(c.price_usd_per_mw_year[k]),
                    start_week=int(c.start_week[k]),
                    end_week=int(c.end_week[k]),
                    guarantor=guarantor[k],
                )
        loans = state.new_loans
        lender, borrower = _rows(loans.lender, n).tolist(), _rows(loans.borrower, n).tolist()
        for k, lid in enumerate(loans.id.tolist()):
            if lid not in self.loan_terms:
                self.loan_terms[lid] = LoanTerms(
                    lender=lender[k],
                    borrower=borrower[k],
                    instrument=loans.instrument[k],
                    collateral=loans.collateral[k],
                    maturity_week=int(loans.maturity_week[k]),
                    spread_per_year=float(loans.spread_per_year[k]),
                    floating=bool(loans.floating[k]),
                )
        self._contract_mark = max(self._contract_mark, state.last_contract_id)
        self._loan_mark = max(self._loan_mark, state.last_loan_id)

    # -- reading -----------------------------------------------------------------------------
    @property
    def latest(self) -> int:
        """The latest captured week."""
        return len(self.weeks) - 1

    def at(self, week: int) -> WeekSnapshot:
        """The snapshot of a week, clipped to the captured range."""
        weeks = self.weeks
        return weeks[max(0, min(int(week), len(weeks) - 1))]

    def series_upto(self, week: int) -> dict[str, np.ndarray]:
        """The model-level series from week 0 to ``week``, as arrays (``week`` included)."""
        series = self.series  # one reference: the play loop replaces, never changes, it
        stop = int(week) + 1
        out: dict[str, np.ndarray] = {}
        for name, values in series.items():
            try:
                out[name] = np.asarray(values[:stop], dtype=float)
            except (TypeError, ValueError):  # a non-numeric series (a label per week): not drawn
                continue
        return out

    def events_upto(self, week: int) -> list:
        """The event log as it stood at the end of ``week``."""
        if self.events is None:
            return []
        return self.events.events[: self.at(week).n_events]

    def nbytes(self) -> int:
        """Memory held by the snapshots' arrays, bytes."""
        return sum(s.nbytes() for s in self.weeks)

    def sheet_history(self, agent: int, week: int) -> np.ndarray:
        """One agent's balance sheet from week 0 to ``week`` (NaN before it existed)."""
        out = np.full((int(week) + 1, len(self.sheet_keys)), np.nan)
        for w in range(int(week) + 1):
            snap = self.at(w)
            if agent < snap.n_agents:
                out[w] = snap.sheet[agent]
        return out

    def books(self, agent: int, week: int) -> dict[str, list[dict[str, Any]]]:
        """An agent's live contracts and loans at the end of ``week``, with counterparties.

        Returns:
            ``{"contracts": [...], "loans": [...]}``; each row a dict of display fields.
        """
        snap = self.at(week)
        contracts = []
        for cid, buyer, status, prepaid in zip(
            snap.contract_ids,
            snap.contract_buyer,
            snap.contract_status,
            snap.contract_prepaid_usd,
            strict=True,
        ):
            terms = self.contract_terms[int(cid)]
            if agent not in (terms.seller, int(buyer)):
                continue
            sold = terms.seller == agent
            other = int(buyer) if sold else terms.seller
            weeks_left = max(0, terms.end_week - max(snap.week, terms.start_week))
            contracts.append(
                {
                    "id": int(cid),
                    "side": "sold" if sold else "bought",
                    "kind": terms.kind,
                    "counterparty": self.name(other),
                    "counterparty_index": other,
                    "mw": terms.mw,
                    "price_usd_per_mw_year": terms.price_usd_per_mw_year,
                    "start_week": terms.start_week,
                    "end_week": terms.end_week,
                    "status": STATUS_NAMES[int(status)],
                    "remaining_usd": terms.mw
                    * terms.price_usd_per_mw_year
                    / WEEKS_PER_YEAR
                    * weeks_left,
                    "prepaid_usd": float(prepaid),
                    "guarantor": self.name(terms.guarantor) if terms.guarantor >= 0 else "",
                }
            )
        loans = []
        for lid, principal, status in zip(
            snap.loan_ids, snap.loan_principal_usd, snap.loan_status, strict=True
        ):
            terms = self.loan_terms[int(lid)]
            if agent not in (terms.lender, terms.borrower):
                continue
            owes = terms.borrower == agent
            other = terms.lender if owes else terms.borrower
            loans.append(
                {
                    "id": int(lid),
                    "side": "owes" if owes else "holds",
                    "instrument": terms.instrument,
                    "counterparty": self.name(other),
                    "counterparty_index": other,
                    "principal_usd": float(principal),
                    "spread_per_year": terms.spread_per_year,
                    "floating": terms.floating,
                    "maturity_week": terms.maturity_week,
                    "collateral": terms.collateral,
                    "status": STATUS_NAMES[int(status)],
                }
            )
        return {"contracts": contracts, "loans": loans}

    def exposures(self, agent: int, week: int) -> dict[str, list[tuple[int, float]]]:
        """Who the agent is exposed to (``out``) and who is exposed to it (``in``), USD.

        Returns:
            ``{"out": [(agent index, usd), ...], "in": [...]}``, largest first.
        """
        snap = self.at(week)
        out = [(int(v), float(a)) for u, v, a in _edges_of(snap) if u == agent]
        into = [(int(u), float(a)) for u, v, a in _edges_of(snap) if v == agent]
        return {
            "out": sorted(out, key=lambda r: -r[1]),
            "in": sorted(into, key=lambda r: -r[1]),
        }

    def name(self, agent: int) -> str:
        """An agent's name ("outside party" for an index outside the economy)."""
        return self.names[agent] if 0 <= agent < len(self.names) else "outside party"


def _edges_of(snap: WeekSnapshot):
    return zip(snap.edge_src.tolist(), snap.edge_dst.tolist(), snap.edge_usd.tolist(), strict=True)


def _rows(rows: np.ndarray, n: int) -> np.ndarray:
    """Agent rows as timeline indexes (an agent's index is its row; −1 for none or unknown)."""
    rows = np.asarray(rows, dtype=np.int32)
    return np.where((rows >= 0) & (rows < n), rows, -1).astype(np.int32)


def _status_of(codes: np.ndarray) -> np.ndarray:
    """Engine status codes (``Code``) as timeline codes (``STATUS_NAMES``)."""
    codes = np.asarray(codes, dtype=np.int64)
    known = (codes >= 0) & (codes < len(_STATUS_OF_ENGINE))
    return np.where(
        known, _STATUS_OF_ENGINE[np.where(known, codes, 0)], STATUS_CODE["other"]
    ).astype(np.int8)
