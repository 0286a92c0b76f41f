"""Deferred member actions keyed by day: a calendar queue of id arrays.

Bylaw procedures take time: an application waits for the cell's next meeting,
the county/city committee decides within a month, a candidate is decided
after a year of probation, a punishment is lifted after a period of good
conduct. Mechanisms push the ids due on future days in one vectorized call
and pop everything due by the current day, so that no mechanism scans the
whole member table every day.

Entries are kept in buckets of ``BUCKET_DAYS`` days: a push with ids due on
30 different days touches 4 buckets, not 30 dictionary entries, and a daily
pop takes whole buckets that are past and filters the one that holds today
(O(bucket) work). At national scale this cuts the Python overhead of the
queue several times over; the ids and days returned are the same as with one
entry per day. A push spanning several buckets is sorted by day once (16-bit
radix keys), so that each bucket's part is a slice found by one binary search
and starts with its earliest day. Each bucket keeps that earliest day, so that
a pop on a day with nothing due (most days of a small party) returns after two
lookups, and a push or pop of a few ids (a small party's daily case) is grouped
or sorted in Python rather than with array calls that cost more than the ids.

Entries can go stale (the member left in between); callers filter the popped
ids against the member table's current state.
"""

from __future__ import annotations

import heapq
import itertools

import numpy as np

from sim.model.arrays import distinct

#: Days per bucket: a week and a day, so that weekly pushes rarely straddle two buckets.
BUCKET_DAYS = 8

INT16_MAX = int(np.iinfo(np.int16).max)

#: Pushes and pops of at most this many ids are grouped or sorted in Python (cheaper than numpy calls).
SMALL = 16

Entry = tuple[np.ndarray, np.ndarray]  # (ids, days)


class Agenda:
    """Ids grouped by the day their action is due."""

    def __init__(self) -> None:
        self._buckets: dict[int, list[Entry]] = {}
        self._earliest: dict[int, int] = {}  # the earliest day due in each bucket
        self._keys: list[int] = []  # heap of the keys of _buckets
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, ids: np.ndarray, days: np.ndarray | int) -> None:
        """Schedule ``ids[i]`` for ``days[i]`` (or every id for one day)."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return
        self._size += ids.size
        days = np.asarray(days, dtype=np.int64)
        if days.ndim == 0:  # one day for every id (np.full: np.broadcast_to costs more than the push)
            day = int(days)
            self._add(day // BUCKET_DAYS, (ids, np.full(ids.shape, day)), day)
            return
        if ids.size <= SMALL:
            listed = days.tolist()
            rows_by_key: dict[int, list[int]] = {}
            for row, day in enumerate(listed):
                rows_by_key.setdefault(day // BUCKET_DAYS, []).append(row)
            if len(rows_by_key) == 1:
                self._add(listed[0] // BUCKET_DAYS, (ids, days), min(listed))
                return
            for key, rows in rows_by_key.items():
                self._add(key, (ids[rows], days[rows]), min(listed[row] for row in rows))
            return
        lo, hi = int(days.min()), int(days.max())
        first, last = lo // BUCKET_DAYS, hi // BUCKET_DAYS
        if first == last:
            self._add(first, (ids, days), lo)
            return
        # Sorted by day, each bucket is a slice (found by one binary search) whose first day is its earliest.
        offset = days - lo
        if hi - lo < INT16_MAX:
            offset = offset.astype(np.int16)  # a push spans a few years at most: radix-sorted 16-bit keys
        order = np.argsort(offset, kind="stable")
        ids, days = ids[order], days[order]
        edges = np.searchsorted(days, np.arange(first + 1, last + 1) * BUCKET_DAYS).tolist()
        for key, (start, end) in enumerate(itertools.pairwise([0, *edges, len(ids)]), start=first):
            if end > start:
                self._add(key, (ids[start:end], days[start:end]), int(days[start]))

    def _add(self, key: int, entry: Entry, earliest: int) -> None:
        if key not in self._buckets:
            self._buckets[key] = []
            self._earliest[key] = earliest
            heapq.heappush(self._keys, key)
        elif earliest < self._earliest[key]:
            self._earliest[key] = earliest
        self._buckets[key].append(entry)

    def _take(self, key: int) -> list[Entry]:
        """Remove bucket ``key`` (the heap's first) and return its entries."""
        heapq.heappop(self._keys)
        del self._earliest[key]
        return self._buckets.pop(key)

    def pop(self, day: int) -> np.ndarray:
        """Every id due on ``day`` or earlier that has not been popped yet, once each, sorted.

        An id pushed twice for the same day (a punishment replaced by one whose
        lifting falls on the same meeting) comes back once, so no procedure is
        applied twice to a member.
        """
        keys = self._keys
        if not keys or self._earliest[keys[0]] > day:  # nothing due yet: the usual day of a small party
            return np.empty(0, dtype=np.int64)
        current = day // BUCKET_DAYS
        due: list[np.ndarray] = []
        while keys and keys[0] < current:
            due.extend(ids for ids, _ in self._take(keys[0]))
        if keys and keys[0] == current and self._earliest[current] <= day:
            entries = self._buckets[current]
            if len(entries) == 1:
                ids, days = entries[0]
            else:
                ids = np.concatenate([ids for ids, _ in entries])
                days = np.concatenate([days for _, days in entries])
            now = days <= day
            if np.count_nonzero(now) == len(now):
                due.append(ids)
                self._take(current)
            else:  # part of the bucket is due (its earliest day is today or past)
                later = ~now
                due.append(ids[now])
                days = days[later]
                self._buckets[current] = [(ids[later], days)]
                self._earliest[current] = int(days.min())
        taken = due[0] if len(due) == 1 else np.concatenate(due)
        self._size -= taken.size
        if taken.size <= SMALL:
            return np.array(sorted(set(taken.tolist())), dtype=np.int64)
        return distinct(taken)
