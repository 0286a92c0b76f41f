"""Struct-of-arrays storage shared by the member and organization tables.

A table is a set of equal-length numpy columns declared once as
``{name: (dtype, fill)}``. Rows are appended in blocks; capacity doubles when
it runs out, so appending k rows costs O(k) amortized and never reallocates
row by row.
"""

from __future__ import annotations

import numpy as np


class ColumnTable:
    """Columns declared in ``COLUMNS`` become numpy attributes of capacity ``self.capacity``."""

    COLUMNS: dict[str, tuple[type, object]] = {}

    def __init__(self, capacity: int):
        self.n = 0
        self.capacity = max(int(capacity), 16)
        for name, (dtype, fill) in self.COLUMNS.items():
            setattr(self, name, _filled(self.capacity, fill, dtype))

    def _grow(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        new_capacity = self.capacity
        while new_capacity < needed:
            new_capacity *= 2
        for name, (dtype, fill) in self.COLUMNS.items():
            grown = _filled(new_capacity, fill, dtype)
            grown[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, grown)
        self.capacity = new_capacity

    def append(self, count: int, **columns: np.ndarray | int | float) -> np.ndarray:
        """Append ``count`` rows with the given column values; returns their ids."""
        self._grow(self.n + count)
        ids = np.arange(self.n, self.n + count, dtype=np.int64)
        self.n += count
        for name, values in columns.items():
            getattr(self, name)[ids] = values
        return ids

    def column(self, name: str) -> np.ndarray:
        """The used part of a column (a view)."""
        return getattr(self, name)[: self.n]


def _filled(capacity: int, fill: object, dtype: type) -> np.ndarray:
    """A column of ``capacity`` rows of ``fill``. Zero-filled columns come from ``np.zeros``, whose
    pages the operating system maps lazily: capacity reserved for later rows costs neither time nor
    memory until it is used (at national scale, a third of the build time)."""
    return np.zeros(capacity, dtype=dtype) if fill == 0 else np.full(capacity, fill, dtype=dtype)
