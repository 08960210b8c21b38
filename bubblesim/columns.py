"""Growable column tables: the storage under agents, instruments and accounts.

A :class:`Table` keeps one numpy array per field (a structure of arrays), grows by doubling
and exposes each field as a property returning the live part of its array (``table.mw`` is
``mw[:n]``), so whole-economy quantities are array operations. Subclasses declare their fields
in ``FIELDS``; the class that declares a field is the only writer of it (see
``tests/test_structure.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numba import njit

_add_reduce = np.add.reduce  # what ``ndarray.sum`` calls, without its Python-level wrapper


def seq_sum(values: np.ndarray) -> float:
    """The sum of an array as a float (numpy's pairwise summation)."""
    return float(_add_reduce(values))


@njit(cache=True)
def _pairwise_block(a, lo, n):  # pragma: no cover
    """The pairwise sum of numpy, for a block of at most 128 values ``a[lo:lo + n]``."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - n % 8
    while i < m:  # eight accumulators, combined as a tree, then the rest in order
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise(a, lo, n):  # pragma: no cover
    """The pairwise summation of numpy over ``a[lo:lo + n]`` (``pairwise_sum`` in numpy's loops).

    Blocks above 128 values split in halves (the first a multiple of 8) and add their sums;
    the recursion runs on an explicit stack (numba caches no recursive functions).
    """
    if n <= 128:
        return _pairwise_block(a, lo, n)
    los = np.empty(128, np.int64)
    ns = np.empty(128, np.int64)
    stage = np.zeros(128, np.int64)
    results = np.empty(128)
    top, done = 0, 0
    los[0], ns[0], stage[0] = lo, n, 0
    while top >= 0:
        size = ns[top]
        if size <= 128:
            results[done] = _pairwise_block(a, los[top], size)
            done += 1
            top -= 1
            continue
        half = size // 2
        half -= half % 8
        if stage[top] == 0:
            stage[top] = 1
            top += 1
            los[top], ns[top], stage[top] = los[top - 1], half, 0
        elif stage[top] == 1:
            stage[top] = 2
            top += 1
            los[top], ns[top], stage[top] = los[top - 1] + half, size - half, 0
        else:
            done -= 1
            results[done - 1] = results[done - 1] + results[done]
            top -= 1
    return results[0]


@njit(cache=True)
def maximum(a, b):  # pragma: no cover
    """``np.maximum`` of two floats inside compiled code, with numpy's bits.

    NaN propagates, and of two equal values (``0.0`` and ``-0.0``) the second is returned.
    """
    return a if (a > b or a != a) else b


@njit(cache=True)
def pairwise_sum(values):  # pragma: no cover
    """:func:`seq_sum` inside compiled code: the same bits as ``values.sum()``.

    numpy adds a contiguous float64 array from its identity (0) with pairwise summation:
    blocks of up to 128 values in eight interleaved accumulators, larger arrays split in
    halves (``tests/test_columns.py`` checks it bit for bit against numpy).
    """
    return 0.0 + _pairwise(values, 0, values.size)


class Table:
    """Named, growable numpy columns sharing one length.

    Subclasses set ``FIELDS = {name: (dtype, default)}``; every field is an attribute holding a
    view of its first ``n`` entries (writes through the view change the table). Views are
    replaced when the table grows, so hold them only within one operation.
    """

    FIELDS: ClassVar[dict[str, tuple[Any, Any]]] = {}
    EXACT: ClassVar[bool] = True
    """Views cover exactly the ``n`` rows. A table read only through row indices may set this
    false: its views then cover its whole capacity and survive appends until it grows."""

    def __init__(self, capacity: int = 16) -> None:
        self.n = 0
        self._cols = {
            name: np.full(capacity, default, dtype=dtype)
            for name, (dtype, default) in self.FIELDS.items()
        }
        self._refresh()

    def __len__(self) -> int:
        return self.n

    def _refresh(self) -> None:
        n = self.n if self.EXACT else None
        for name, column in self._cols.items():
            setattr(self, name, column[:n])

    def _reserve(self, extra: int) -> None:
        capacity = next(iter(self._cols.values())).shape[0] if self._cols else 0
        if self.n + extra <= capacity:
            return
        size = max(2 * capacity, self.n + extra, 16)
        for name, (dtype, default) in self.FIELDS.items():
            grown = np.full(size, default, dtype=dtype)
            grown[: self.n] = self._cols[name][: self.n]
            self._cols[name] = grown
        if not self.EXACT:
            self._refresh()

    def _append(self, **values: Any) -> int:
        """Add one row (unnamed fields take their defaults) and return its index."""
        self._reserve(1)
        row = self.n
        cols = self._cols
        for name, value in values.items():
            cols[name][row] = value
        self.n += 1
        if self.EXACT:
            self._refresh()
        return row


class RowSet:
    """A growing, ordered set of row indices (appends amortised O(1), filtering O(size)).

    ``rows`` is a view of the members; it stays valid until the next change.
    """

    def __init__(self) -> None:
        self._buffer = np.empty(16, dtype=np.int64)
        self._size = 0
        self.rows = self._buffer[:0]

    def append(self, row: int) -> None:
        """Add a row (larger than every member, so the set stays in row order)."""
        if self._size == self._buffer.size:
            grown = np.empty(2 * self._buffer.size, dtype=np.int64)
            grown[: self._size] = self._buffer[: self._size]
            self._buffer = grown
        self._buffer[self._size] = row
        self._size += 1
        self.rows = self._buffer[: self._size]

    def keep(self, mask: np.ndarray) -> None:
        """Keep the members where ``mask`` (aligned with ``rows``) is true."""
        kept = self.rows[mask]
        self._size = kept.size
        self._buffer[: self._size] = kept
        self.rows = self._buffer[: self._size]


class Trailing:
    """The change of cumulative per-row quantities over the last ``window`` weeks.

    :meth:`change` is called once a week with the cumulative values; it returns what they
    gained since the same call ``window`` weeks before (since the first call, in the first
    ``window`` weeks). A ring of ``window`` snapshots, one row per entity.
    """

    def __init__(self, window_weeks: int) -> None:
        self.window_weeks = int(window_weeks)
        self._history: np.ndarray | None = None

    def change(self, week: int, cumulative: np.ndarray) -> np.ndarray:
        """This week's cumulative values less those of ``window`` weeks ago."""
        cumulative = np.asarray(cumulative, dtype=np.float64)
        if self._history is None or self._history.shape[1] != cumulative.size:
            self._history = np.repeat(cumulative[None, :], self.window_weeks, axis=0)
        slot = week % self.window_weeks
        gained = cumulative - self._history[slot]
        self._history[slot] = cumulative
        return gained
