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


def seq_sum(values: np.ndarray) -> float:
    """The sum of an array as a float (numpy's pairwise summation)."""
    return float(values.sum())


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
