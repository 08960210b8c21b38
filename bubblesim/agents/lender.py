"""Lenders: banks, private credit, bond and convertible holders and crypto lenders."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numba import njit

from bubblesim.agents.base import AgentType, Firm
from bubblesim.columns import Table
from bubblesim.economics import CreditPolicy, credit_terms


class LenderTable(Table):
    """The lenders' own state and credit policy, one row per lender.

    Columns: ``row`` (firm row), ``capital_target_ratio`` (capital per dollar of loans below
    which it tightens), ``initial_capital_usd`` (capital when the books opened), ``losses_usd``
    (cumulative write-offs), ``last_loss_event`` (its latest write-off, or −1), and this week's
    policy (:class:`bubblesim.economics.CreditPolicy`): ``stress``, ``ltv_scale``,
    ``spread_add_per_year``, ``rolls_over``, ``capacity_usd``.
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "row": (np.int64, -1),
        "capital_target_ratio": (np.float64, 0.15),
        "initial_capital_usd": (np.float64, 0.0),
        "losses_usd": (np.float64, 0.0),
        "last_loss_event": (np.int64, -1),
        "stress": (np.float64, 0.0),
        "ltv_scale": (np.float64, 1.0),
        "spread_add_per_year": (np.float64, 0.0),
        "rolls_over": (np.bool_, True),
        "capacity_usd": (np.float64, 0.0),
    }

    def add(self, row: int, capital_target_ratio: float) -> int:
        """Register a lender and return its index."""
        return self._append(row=row, capital_target_ratio=capital_target_ratio)

    def open_capital(self, index: int, capital_usd: float) -> None:
        """Remember its capital when the books open."""
        self._cols["initial_capital_usd"][index] = capital_usd

    def set_policies(
        self,
        capital_usd: np.ndarray,
        loans_usd: np.ndarray,
        defaulted: np.ndarray,
        sensitivity: float,
        stress_spread_per_year: float,
        responsive: bool,
    ) -> None:
        """Set every lender's credit policy for the week from its capital.

        With the funding channel on (``responsive``) terms follow
        :func:`bubblesim.economics.credit_policy`; off, lenders keep normal terms with the
        capacity their opening capital gives. A failed lender lends nothing; it rolls loans
        over only with the channel off (a run-off estate).
        """
        _set_policies(
            np.asarray(capital_usd, dtype=np.float64),
            np.asarray(loans_usd, dtype=np.float64),
            np.asarray(defaulted),
            self.capital_target_ratio,
            self.initial_capital_usd,
            sensitivity,
            stress_spread_per_year,
            responsive,
            self.stress,
            self.ltv_scale,
            self.spread_add_per_year,
            self.rolls_over,
            self.capacity_usd,
        )

    def use_capacity(self, index: int, amount_usd: float) -> None:
        """A new loan uses up lending capacity."""
        capacity = self._cols["capacity_usd"]
        capacity[index] = max(0.0, capacity[index] - amount_usd)

    def book_loss(self, index: int, loss_usd: float, event: int) -> None:
        """A write-off (event ``event``) adds to its losses."""
        self._cols["losses_usd"][index] += loss_usd
        self._cols["last_loss_event"][index] = event

    def policy(self, index: int) -> CreditPolicy:
        """One lender's policy this week."""
        cols = self._cols
        return CreditPolicy(
            float(cols["stress"][index]),
            float(cols["ltv_scale"][index]),
            float(cols["spread_add_per_year"][index]),
            bool(cols["rolls_over"][index]),
            float(cols["capacity_usd"][index]),
        )


class Lender(Firm):
    """A lender with capital, a loan book and funding that can run.

    Attributes:
        capital_target_ratio: Capital per dollar of loans below which it tightens.
        initial_capital_usd: Capital at week 0.
        losses_usd: Cumulative write-offs.
        policy: The credit policy set this week.
    """

    TYPE = AgentType.LENDER
    exposures = ("rates", "bitcoin", "demand")

    def _lender(self, column: str):
        return getattr(self.world.agents.lenders, column)[self.index]

    capital_target_ratio = property(lambda self: float(self._lender("capital_target_ratio")))
    initial_capital_usd = property(lambda self: float(self._lender("initial_capital_usd")))
    losses_usd = property(lambda self: float(self._lender("losses_usd")))
    last_loss_event = property(lambda self: int(self._lender("last_loss_event")))
    policy = property(lambda self: self.world.agents.lenders.policy(self.index))

    def capital_ratio(self) -> float:
        """Capital per dollar of loans."""
        loans = self.loans_receivable_usd()
        return float("inf") if loans <= 0 else self.equity_usd / loans


@njit(cache=True)
def _set_policies(
    capital,
    loans,
    defaulted,
    target,
    initial_capital,
    sensitivity,
    stress_spread,
    responsive,
    stress,
    ltv_scale,
    spread_add,
    rolls_over,
    capacity,
):  # pragma: no cover
    """:meth:`LenderTable.set_policies`, lender by lender (compiled loop)."""
    for i in range(capital.size):
        if defaulted[i]:
            s, scale, spread, rolls, room = 1.0, 0.0, 0.0, not responsive, 0.0
        elif responsive:
            s, scale, spread, rolls, room = credit_terms(
                capital[i], loans[i], target[i], sensitivity, stress_spread
            )
        else:
            s, scale, spread, rolls = 0.0, 1.0, 0.0, True
            room = max(0.0, initial_capital[i] / target[i] - loans[i])
        stress[i], ltv_scale[i], spread_add[i], rolls_over[i], capacity[i] = (
            s,
            scale,
            spread,
            rolls,
            room,
        )
