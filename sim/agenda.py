"""Deferred member actions keyed by day: a calendar queue of id arrays.

Bylaw procedures take time: an application waits for the cell's next meeting,
the county/city committee decides within a month, a candidate is decided
after a year of probation, a punishment is lifted after a period of good
conduct. Mechanisms push the ids due on each future day in one vectorized call
and pop everything due on the current day in O(due) work, so that no
mechanism scans the whole member table every day.

Entries can go stale (the member left in between); callers filter the popped
ids against the member table's current state.
"""

from __future__ import annotations

import heapq

import numpy as np

from sim.arrays import distinct


class Agenda:
    """Ids grouped by the day their action is due."""

    def __init__(self) -> None:
        self._due: dict[int, list[np.ndarray]] = {}
        self._days: list[int] = []  # heap of the keys of _due
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, ids: np.ndarray, days: np.ndarray | int) -> None:
        """Schedule ``ids[i]`` for ``days[i]`` (or every id for one day)."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return
        self._size += ids.size
        if np.ndim(days) == 0:
            self._add(int(days), ids)
            return
        days = np.asarray(days, dtype=np.int64)
        order = np.argsort(days, kind="stable")
        days_sorted, ids_sorted = days[order], ids[order]
        starts = np.flatnonzero(np.diff(days_sorted)) + 1
        bounds = np.concatenate([[0], starts, [len(ids)]]).tolist()
        for day, start, end in zip(days_sorted[bounds[:-1]].tolist(), bounds[:-1], bounds[1:]):
            self._add(day, ids_sorted[start:end])

    def _add(self, day: int, ids: np.ndarray) -> None:
        if day not in self._due:
            self._due[day] = []
            heapq.heappush(self._days, day)
        self._due[day].append(ids)

    def pop(self, day: int) -> np.ndarray:
        """Every id due on ``day`` or earlier that has not been popped yet, once each, sorted.

        An id pushed twice for the same day (a punishment replaced by one whose
        lifting falls on the same meeting) comes back once, so no procedure is
        applied twice to a member. Callers push distinct ids in each call.
        """
        chunks: list[np.ndarray] = []
        while self._days and self._days[0] <= day:
            chunks.extend(self._due.pop(heapq.heappop(self._days)))
        if not chunks:
            return np.empty(0, dtype=np.int64)
        self._size -= sum(chunk.size for chunk in chunks)
        if len(chunks) == 1:
            return chunks[0]  # one push: its ids are the caller's, already distinct
        return distinct(np.concatenate(chunks))
