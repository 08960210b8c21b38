"""The loan store: every loan and note as a row of columns.

Interest, scheduled principal and collateral groupings are array operations over the active
rows (:meth:`LoanStore.active`). The store's methods are the only writers of its columns: loans
are made, repaid, rolled over, written off and passed to outside holders only through them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import numpy as np
from numba import njit

from bubblesim.accounts.instruments import COLLATERAL_CODE, COLLATERAL_OF_CODE, Code, Collateral
from bubblesim.columns import RowSet, Table, seq_sum

REPAID_USD = 1e-6
"""Principal below which a matured loan counts as repaid."""


class LoanStore(Table):
    """Loans from lenders to borrowers.

    Columns: ``id``, ``lender``, ``borrower`` (agent rows), ``principal_usd`` (outstanding),
    ``spread_per_year`` (over the base rate if ``floating``, else the fixed coupon),
    ``floating``, ``maturity_week``, ``amortisation_usd_per_week``, ``collateral`` (code),
    ``covenant_ltv`` (NaN: no covenant), ``instrument`` (code of its label), ``convertible``,
    ``start_week``, ``status`` (code), ``written_off_usd`` (the lender's loss on it),
    ``outside_lender`` (the claim has passed to an outside holder, the lender's estate),
    ``refused_event`` (the event of a refused rollover while the principal stands due, or −1),
    ``allowance_usd`` (the lender's provision for its expected loss: the loan is carried at
    principal less allowance), ``covenant_dscr`` (minimum debt-service coverage, NaN: none),
    ``covenant_from_week`` (first week the coverage is tested), ``dscr_breaches`` (consecutive
    failed tests), ``investment_grade`` (credit to an investment-grade hyperscaler: outside the
    leveraged credit network the verdict's credit leg measures).

    Args:
        ids: The id counter shared with the contract store.
    """

    EXACT = False  # read through row selections only
    FIELDS: ClassVar[dict[str, tuple]] = {
        "id": (np.int64, -1),
        "lender": (np.int64, -1),
        "borrower": (np.int64, -1),
        "principal_usd": (np.float64, 0.0),
        "spread_per_year": (np.float64, 0.0),
        "floating": (np.bool_, False),
        "maturity_week": (np.int64, 0),
        "amortisation_usd_per_week": (np.float64, 0.0),
        "collateral": (np.int8, 0),
        "covenant_ltv": (np.float64, np.nan),
        "instrument": (np.int32, 0),
        "convertible": (np.bool_, False),
        "start_week": (np.int64, 0),
        "status": (np.int8, Code.ACTIVE),
        "written_off_usd": (np.float64, 0.0),
        "outside_lender": (np.bool_, False),
        "refused_event": (np.int64, -1),
        "allowance_usd": (np.float64, 0.0),
        "covenant_dscr": (np.float64, np.nan),
        "covenant_from_week": (np.int64, 0),
        "dscr_breaches": (np.int64, 0),
        "investment_grade": (np.bool_, False),
    }

    def __init__(self, ids: Iterator[int]) -> None:
        super().__init__()
        self._ids = ids
        self._active_set = RowSet()
        self.structure = 0  # changes when a loan is made, ends or passes to an outside holder
        self.version = 0  # changes with any change of an active loan
        self._totals: tuple[tuple[int, int], tuple[np.ndarray, np.ndarray]] | None = None
        self._labels: list[str] = []
        self._label_code: dict[str, int] = {}

    # -- creation --------------------------------------------------------------------------------
    def add(
        self,
        *,
        lender: int,
        borrower: int,
        principal_usd: float,
        spread_per_year: float,
        floating: bool,
        maturity_week: int,
        amortisation_usd_per_week: float = 0.0,
        collateral: Collateral = Collateral.NONE,
        covenant_ltv: float | None = None,
        instrument: str = "loan",
        convertible: bool = False,
        start_week: int = 0,
        covenant_dscr: float | None = None,
        covenant_from_week: int = 0,
        investment_grade: bool = False,
    ) -> int:
        """Register an active loan between two agent rows and return its row."""
        if instrument not in self._label_code:
            self._label_code[instrument] = len(self._labels)
            self._labels.append(instrument)
        row = self._append(
            id=next(self._ids),
            lender=lender,
            borrower=borrower,
            principal_usd=principal_usd,
            spread_per_year=spread_per_year,
            floating=floating,
            maturity_week=maturity_week,
            amortisation_usd_per_week=amortisation_usd_per_week,
            collateral=COLLATERAL_CODE[collateral],
            covenant_ltv=np.nan if covenant_ltv is None else covenant_ltv,
            instrument=self._label_code[instrument],
            convertible=convertible,
            start_week=start_week,
            covenant_dscr=np.nan if covenant_dscr is None else covenant_dscr,
            covenant_from_week=covenant_from_week,
            investment_grade=investment_grade,
        )
        self._active_set.append(row)
        self.structure += 1
        self.version += 1
        return row

    def label(self, row: int) -> str:
        """The loan's instrument label (e.g. ``"secured notes"``)."""
        return self._labels[self._cols["instrument"][row]]

    def labelled(self, rows: np.ndarray, label: str) -> np.ndarray:
        """Which of ``rows`` carry the instrument label ``label`` (a boolean mask)."""
        code = self._label_code.get(label)
        if code is None:
            return np.zeros(len(rows), dtype=bool)
        return self.instrument[rows] == code

    # -- selections ------------------------------------------------------------------------------
    @property
    def _active(self) -> np.ndarray:
        return self._active_set.rows

    def active(self) -> np.ndarray:
        """Rows of active loans, in row order (do not modify)."""
        return self._active

    # -- weekly amounts --------------------------------------------------------------------------
    def leveraged_outstanding_usd(self) -> float:
        """Principal of the active loans in the leveraged credit network (not investment grade)."""
        rows = self.active()
        return seq_sum(self.principal_usd[rows[~self.investment_grade[rows]]])

    def coupon_per_year(self, base_rate_per_year: float, rows) -> np.ndarray:
        """Annual coupon: base + spread if floating, else the fixed coupon."""
        return np.where(self.floating[rows], base_rate_per_year, 0.0) + self.spread_per_year[rows]

    def payments_due_usd(
        self, base_rate_per_year: float, week: int, rows
    ) -> tuple[np.ndarray, np.ndarray]:
        """This week's interest and scheduled principal of each row (:func:`debt_service`)."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        return _payments(rows, *self._service_terms(), base_rate_per_year, week)

    def _service_terms(self) -> tuple[np.ndarray, ...]:
        """The columns debt service is computed from, in the kernels' order."""
        return (
            self.principal_usd,
            self.spread_per_year,
            self.floating,
            self.maturity_week,
            self.amortisation_usd_per_week,
        )

    def interest_due_usd(self, base_rate_per_year: float, rows) -> np.ndarray:
        """Interest for one week: ``principal × coupon / 52``."""
        return self.payments_due_usd(base_rate_per_year, 0, rows)[0]

    def principal_due_usd(self, week: int, rows) -> np.ndarray:
        """Scheduled principal this week: amortisation, or all of it at maturity."""
        return self.payments_due_usd(0.0, week, rows)[1]

    def service_by_borrower(self, base_rate_per_year: float, n: int) -> np.ndarray:
        """Per agent: the interest and scheduled principal of the active loans it owes this week.

        The same bits as ``np.bincount(borrower[active], interest + principal, n)`` with
        :meth:`payments_due_usd` at week 0 (amortisation only; maturities are not counted).
        """
        return _service_by_borrower(
            self._active, self.borrower, *self._service_terms(), base_rate_per_year, n
        )

    def standing_by_borrower(self, week: int, n: int) -> np.ndarray:
        """Per agent: principal due at ``week`` beyond the scheduled amortisation (maturities).

        The same bits as ``np.bincount(borrower[active], due - scheduled, n)`` with the
        principal of :meth:`payments_due_usd` at ``week`` and at week 0.
        """
        return _standing_by_borrower(self._active, self.borrower, *self._service_terms(), week, n)

    def totals(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Per agent: principal it owes, and loans it holds (not passed outside) net of provisions.

        Kept until a loan changes.
        """
        key = (self.version, n)
        if self._totals is None or self._totals[0] != key:
            out = _agent_totals(
                self._active,
                self.lender,
                self.borrower,
                self.principal_usd,
                self.allowance_usd,
                self.outside_lender,
                n,
            )
            self._totals = (key, (out[0], out[1]))
        return self._totals[1]

    # -- transitions (the only writers of status and principal) ---------------------------------
    def repay(self, rows: np.ndarray, amounts_usd: np.ndarray) -> None:
        """Principal paid down at settlement, never below zero (``rows`` are distinct)."""
        principal = self._cols["principal_usd"]
        principal[rows] = np.maximum(0.0, principal[rows] - amounts_usd)
        self.version += 1

    def pay_down(self, row: int, amount_usd: float) -> None:
        """Principal reduced by a recovery or a margin-call paydown (exactly ``amount_usd``)."""
        self._cols["principal_usd"][row] -= amount_usd
        self.version += 1

    def prepay(self, row: int, amount_usd: float) -> None:
        """A prepayment (a covenant cure): principal and amortisation fall in proportion."""
        cols = self._cols
        principal = cols["principal_usd"][row]
        share = 0.0 if principal <= 0 else max(0.0, 1.0 - amount_usd / principal)
        cols["principal_usd"][row] = principal * share
        cols["amortisation_usd_per_week"][row] *= share
        self.version += 1

    def split(self, row: int, amount_usd: float) -> int:
        """Carve ``amount_usd`` of a loan's principal into a new loan on the same terms.

        The new row keeps the lender, borrower, coupon, maturity, collateral and covenants;
        amortisation and provision are shared in proportion. Returns the new row.
        """
        cols = self._cols
        principal = float(cols["principal_usd"][row])
        share = 0.0 if principal <= 0 else min(1.0, amount_usd / principal)
        new = self.add(
            lender=int(cols["lender"][row]),
            borrower=int(cols["borrower"][row]),
            principal_usd=principal * share,
            spread_per_year=float(cols["spread_per_year"][row]),
            floating=bool(cols["floating"][row]),
            maturity_week=int(cols["maturity_week"][row]),
            amortisation_usd_per_week=float(cols["amortisation_usd_per_week"][row]) * share,
            collateral=COLLATERAL_OF_CODE[cols["collateral"][row]],
            covenant_ltv=None
            if np.isnan(cols["covenant_ltv"][row])
            else float(cols["covenant_ltv"][row]),
            instrument=self.label(row),
            convertible=bool(cols["convertible"][row]),
            start_week=int(cols["start_week"][row]),
            covenant_dscr=None
            if np.isnan(cols["covenant_dscr"][row])
            else float(cols["covenant_dscr"][row]),
            covenant_from_week=int(cols["covenant_from_week"][row]),
            investment_grade=bool(cols["investment_grade"][row]),
        )
        cols = self._cols  # the store may have grown
        cols["allowance_usd"][new] = cols["allowance_usd"][row] * share
        cols["dscr_breaches"][new] = cols["dscr_breaches"][row]
        cols["principal_usd"][row] = principal * (1.0 - share)
        cols["amortisation_usd_per_week"][row] *= 1.0 - share
        cols["allowance_usd"][row] *= 1.0 - share
        self.version += 1
        return new

    def set_allowances(self, rows: np.ndarray, allowance_usd: np.ndarray) -> np.ndarray:
        """Provisions move to ``allowance_usd``; returns each change (positive: charged)."""
        cols = self._cols
        before = cols["allowance_usd"][rows]
        change = allowance_usd - before
        cols["allowance_usd"][rows] = allowance_usd
        if not np.array_equal(before.view(np.uint64), cols["allowance_usd"][rows].view(np.uint64)):
            self.version += 1  # unchanged provisions (most weeks) keep what depends on the loans
        return change

    def record_dscr_test(self, rows: np.ndarray, breached: bool) -> None:
        """A coverage test: a breach adds to the count of consecutive breaches, a pass resets it."""
        breaches = self._cols["dscr_breaches"]
        breaches[rows] = breaches[rows] + 1 if breached else 0

    def close_repaid(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """Loans past maturity whose principal is repaid leave the book; their provisions go.

        Returns:
            The lenders (agent rows) and the provisions released with the loans they held, for
            their books (a release is a gain).
        """
        active = self._active
        principal = self.principal_usd[active]
        done = active[(principal <= REPAID_USD) & (self.maturity_week[active] <= week)]
        if done.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        cols = self._cols
        held = done[(cols["allowance_usd"][done] != 0) & ~cols["outside_lender"][done]]
        lenders, released = cols["lender"][held].copy(), cols["allowance_usd"][held].copy()
        cols["principal_usd"][done] = 0.0
        cols["allowance_usd"][done] = 0.0
        self._end(done, Code.MATURED)
        return lenders, released

    def roll_over(self, row: int, maturity_week: int, spread_add_per_year: float) -> None:
        """The lender extends the loan to a new maturity at a (possibly) wider spread."""
        self._cols["maturity_week"][row] = maturity_week
        self._cols["spread_per_year"][row] += spread_add_per_year
        self.version += 1

    def refuse_rollover(self, row: int, event: int) -> None:
        """Record the refusal: the principal stands due at maturity."""
        self._cols["refused_event"][row] = event

    def refinanced(self, row: int) -> None:
        """Another lender refinanced the loan: its principal is repaid from the new loan."""
        self._cols["refused_event"][row] = -1

    def write_off(self, row: int) -> tuple[float, float]:
        """The borrower has defaulted: what is left of the principal is lost.

        Returns:
            The principal lost, and the provision held against it (both leave the books).
        """
        cols = self._cols
        loss = float(cols["principal_usd"][row])
        allowance = float(cols["allowance_usd"][row])
        cols["written_off_usd"][row] = loss
        cols["principal_usd"][row] = 0.0
        cols["allowance_usd"][row] = 0.0
        self.version += 1
        self._end(np.array([row]), Code.DEFAULTED)
        return loss, allowance

    def pass_to_outside_holder(self, rows: np.ndarray) -> None:
        """A failed lender's claims pass to its funders, who collect from then on."""
        self._cols["outside_lender"][rows] = True
        self._cols["allowance_usd"][rows] = 0.0
        self.structure += 1
        self.version += 1

    def _end(self, rows: np.ndarray, code: Code) -> None:
        self._cols["status"][rows] = code
        self._active_set.keep(self.status[self._active] == Code.ACTIVE)
        self.structure += 1
        self.version += 1


@njit(cache=True)
def debt_service(principal, spread, floating, maturity_week, amortisation, base, week):
    """One loan's payment this week: ``(interest, scheduled principal)``.

    Interest is ``principal × coupon / 52`` with coupon = base + spread if floating, else the
    fixed coupon; principal is the amortisation, or all of it at maturity.
    """
    coupon = (base if floating else 0.0) + spread
    due = principal if week >= maturity_week else min(principal, amortisation)
    return principal * coupon / 52.0, due


@njit(cache=True)
def _payments(
    rows, principal, spread, floating, maturity, amortisation, base, week
):  # pragma: no cover
    """:func:`debt_service` of each row, as a ``(2, len(rows))`` array (compiled loop)."""
    out = np.empty((2, rows.size))  # one array: cheap to return
    for i in range(rows.size):
        k = rows[i]
        out[0, i], out[1, i] = debt_service(
            principal[k], spread[k], floating[k], maturity[k], amortisation[k], base, week
        )
    return out


@njit(cache=True)
def _service_by_borrower(
    active, borrower, principal, spread, floating, maturity, amortisation, base, n
):  # pragma: no cover
    """:meth:`LoanStore.service_by_borrower` (compiled loop, in the order of ``active``)."""
    out = np.zeros(n)
    for i in range(active.size):
        k = active[i]
        interest, due = debt_service(
            principal[k], spread[k], floating[k], maturity[k], amortisation[k], base, 0
        )
        out[borrower[k]] += interest + due
    return out


@njit(cache=True)
def _standing_by_borrower(
    active, borrower, principal, spread, floating, maturity, amortisation, week, n
):  # pragma: no cover
    """:meth:`LoanStore.standing_by_borrower` (compiled loop, in the order of ``active``)."""
    out = np.zeros(n)
    for i in range(active.size):
        k = active[i]
        terms = (principal[k], spread[k], floating[k], maturity[k], amortisation[k], 0.0)
        out[borrower[k]] += debt_service(*terms, week)[1] - debt_service(*terms, 0)[1]
    return out


@njit(cache=True)
def _agent_totals(active, lender, borrower, principal, allowance, outside, n):  # pragma: no cover
    """Principal owed by each borrower, and loans held by each lender net (compiled loop)."""
    out = np.zeros((2, n))  # owed, held
    for i in range(active.size):
        k = active[i]
        out[0, borrower[k]] += principal[k]
        if not outside[k]:
            out[1, lender[k]] += principal[k] - allowance[k]
    return out
