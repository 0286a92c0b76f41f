"""Struct-of-arrays storage shared by the member and organization tables.

A table is a set of equal-length numpy columns declared once as
``{name: (dtype, fill)}``. Rows are appended in blocks; capacity doubles when
it runs out, so appending k rows costs O(k) amortized and never reallocates
row by row.

Columns are allocated with ``np.zeros``, whose pages the operating system maps
lazily, and a row's values are written when it is appended (the given value,
else the column's fill). Capacity reserved for later rows therefore costs
neither time nor memory until it is used, and a column given on append is
written once, not filled first and overwritten (at national scale the fills
were a third of the build). The fills are written ahead of the rows appended,
``FILL_AHEAD`` rows at a time: most appends are a few rows (a day's
applicants), which then write only their given columns. Rows at or past ``n``
hold no meaning: every reader stops at ``n``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

import numpy as np

#: Rows past the appended ones whose fills are written at once: an append of a few rows into rows filled
#: ahead writes no fill (a 10k-member party files about a thousand applications a run: 11 -> 8 us each).
FILL_AHEAD = 1 << 12


class ColumnTable:
    """Columns declared in ``COLUMNS`` become numpy attributes of capacity ``self.capacity``."""

    COLUMNS: ClassVar[dict[str, tuple[type, object]]] = {}

    def __init__(self, capacity: int):
        self.n = 0
        self.capacity = max(int(capacity), 16)
        for name, (dtype, _) in self.COLUMNS.items():
            setattr(self, name, np.zeros(self.capacity, dtype=dtype))
        #: The columns whose fill is not zero (fresh rows are zeros already), found once, not at every append.
        self._filled = [(name, fill) for name, (_, fill) in self.COLUMNS.items() if fill != 0]
        #: Rows below this hold their columns' fills or appended values (the fills are written ahead).
        self._filled_to = 0

    def _grow(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        new_capacity = self.capacity
        while new_capacity < needed:
            new_capacity *= 2
        for name, (dtype, _) in self.COLUMNS.items():
            grown: np.ndarray = np.zeros(new_capacity, dtype=dtype)
            grown[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, grown)
        self.capacity = new_capacity
        self._filled_to = self.n

    def _fill_ahead(self, rows: slice, given: Collection[str]) -> None:
        """Write the fills of the rows from ``_filled_to`` to past ``rows`` (``FILL_AHEAD`` rows more, within
        the capacity); a column ``given`` for ``rows`` is filled only past them (it is written once)."""
        stop = min(self.capacity, max(rows.stop, self._filled_to + FILL_AHEAD))
        for name, fill in self._filled:
            start = max(self._filled_to, rows.stop) if name in given else self._filled_to
            getattr(self, name)[start:stop] = fill
        self._filled_to = stop

    def append(
        self, count: int, written: Collection[str] = (), /, **columns: np.ndarray | np.generic | float
    ) -> np.ndarray:
        """Append ``count`` rows with the given column values (the fill elsewhere); returns their ids.

        ``written``: columns the caller writes for all these rows right after (founding draws the traits of
        6.5 million founders into the columns): they get no fill first.
        """
        return self.append_columns(count, columns, written)

    def append_columns(
        self, count: int, columns: dict[str, np.ndarray | np.generic | float], written: Collection[str] = ()
    ) -> np.ndarray:
        """:meth:`append` with the columns as a dict, for a caller that has them as one (a day's filing): it
        is neither unpacked nor packed again (a one-row filing: 6.0 -> 3.7 us)."""
        self._grow(self.n + count)
        rows = slice(self.n, self.n + count)
        if rows.stop > self._filled_to:
            self._fill_ahead(rows, columns.keys() | written if written else columns)
        if count == 1:  # one row takes a scalar at its index: a tenth of the cost of a slice (30 against 300 ns)
            row = rows.start
            for name, values in columns.items():
                getattr(self, name)[rows if isinstance(values, np.ndarray) else row] = values
        else:
            for name, values in columns.items():
                getattr(self, name)[rows] = values
        self.n += count
        return np.arange(rows.start, rows.stop, dtype=np.int64)

    def column(self, name: str) -> np.ndarray:
        """The used part of a column (a view)."""
        return getattr(self, name)[: self.n]
