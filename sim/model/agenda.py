"""Deferred member actions keyed by day: a calendar queue of id arrays.

Bylaw procedures take time: an application waits for the cell's next meeting,
the county/city committee decides within a month, a candidate is decided
after a year of probation, a punishment is lifted after a period of good
conduct. Mechanisms push the ids due on future days in one vectorized call
and pop everything due by the current day, so that no mechanism scans the
whole member table every day.

Two tiers. Days from the current bucket of ``BUCKET_DAYS`` days on are kept
by bucket: a large push with ids due on 30 different days adds 2 or 3 slices of
itself (sorted by day once; by 16-bit radix keys), not 30 dictionary entries.
Large pushes are kept as they are until the next pop, which sorts and files
them at once: a large party's procedures push two to four arrays a day into
one agenda, whose slots (a dozen each) are then filed once for all. A
bucket is opened when the days reach it: its entries are sorted by day once
and split into one list of ids per day, so that each daily pop takes whole
days (a concatenation and the sort of what it returns), never filters a
bucket again, and returns after one heap lookup when nothing is due (most
days of a small party). Ids of one day go to the lists by day directly, opened
or not: pushes into opened buckets, pushes of one day for all, and the ids of
a push of a few over several days (a small party's daily case, a large party's
ratifications), each as a Python int in a list of its day: no array a day.
Pops of a few ids and buckets of a few dozen are likewise grouped or sorted
in Python rather than with array calls that cost more than the ids. The ids
and days returned are the same as with one entry per day.

Entries can go stale (the member left in between); callers filter the popped
ids against the member table's current state.
"""

from __future__ import annotations

import heapq

import numpy as np

#: Days per bucket (a power of two): a push up to a month ahead adds at most three slices.
BUCKET_DAYS = 16
BUCKET_SHIFT = BUCKET_DAYS.bit_length() - 1

INT16_MAX = int(np.iinfo(np.int16).max)

#: Pushes and pops of at most this many ids are grouped or sorted in Python (cheaper than numpy calls).
SMALL = 16
#: Buckets of at most this many ids are opened in Python (cheaper than sorting and splitting arrays).
OPEN_IN_PYTHON = 64
#: Kept pushes of up to this many ids in all are sorted by their days as they are, more by 16-bit keys.
SORT_AS_IS = 256

Entry = tuple[np.ndarray, np.ndarray]  # (ids, their days)
#: An entry of a day's list: the ids of a push as pushed (a slice of it), or ids filed one by one (:func:`_file_few`).
Listed = np.ndarray | list[int]

#: What :meth:`Agenda.next_day` gives when nothing is pushed: later than any day.
NEVER = 1 << 62

#: What a pop returns when nothing is due (most pops of a small party): one empty array, not a new one each.
NOTHING = np.empty(0, dtype=np.int64)
NOTHING.flags.writeable = False


class Agenda:
    """Ids grouped by the day their action is due."""

    def __init__(self) -> None:
        self._buckets: dict[int, list[Entry]] = {}  # buckets not opened yet: (ids, days) entries
        self._keys: list[int] = []  # heap of the keys of _buckets
        self._days: dict[int, list[Listed]] = {}  # days of the opened buckets: ids by day
        self._day_keys: list[int] = []  # heap of the keys of _days
        self._open_end = -1  # the last day of the last opened bucket
        self._pending: list[Entry] = []  # pushes not filed yet (:meth:`_file_pending`)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def next_day(self) -> int:
        """A day on or before the earliest any id is due (:data:`NEVER` if none is): a :meth:`pop` of an
        earlier day returns nothing, which a caller can tell without the call (the first day of a bucket
        not opened yet stands for the days of its ids; pushes not filed yet give their earliest day)."""
        days, buckets = self._day_keys, self._keys
        first = days[0] if days else NEVER
        if buckets:
            first = min(first, buckets[0] << BUCKET_SHIFT)
        for _, pending in self._pending:  # left for the next pop, which files them with its day's others
            first = min(first, int(pending.min()))
        return first

    def push(self, ids: np.ndarray, days: np.ndarray | int) -> None:
        """Schedule ``ids[i]`` for ``days[i]`` (or every id for one day). The agenda keeps the arrays given
        (its entries are views of them until popped): callers do not write them afterwards."""
        ids = np.asarray(ids, dtype=np.int64)
        n = ids.size
        if n == 0:
            return
        self._size += n
        # Ids of one day go to its list, opened or not (:meth:`_add`).
        if not isinstance(days, np.ndarray):  # one day for every id
            _file(self._days, self._day_keys, int(days), ids)
            return
        if days.size == 1:  # a 0-d array, or one id's day (its Python int: no grouping of one)
            _file(self._days, self._day_keys, days.item(), ids)
            return
        if n > SMALL or self._pending:
            # Many ids (a large party's push), or a few after some: kept as they are until the next pop or
            # look at the next day, which sorts the pushes since at once (:meth:`_file_pending`).
            self._pending.append((ids, days))
            return
        # A few ids of several days (a small party's push; a large party's ratifications, a dozen ids over a
        # month): each goes to its day's list as a Python int (:func:`_file_few`), no array a day.
        listed = days.tolist()
        if listed.count(listed[0]) == n:
            _file(self._days, self._day_keys, listed[0], ids)
            return
        _file_few(self._days, self._day_keys, ids.tolist(), listed)

    def _file_pending(self) -> None:
        """File the pushes kept since the last pop (:meth:`push`): sorted by day at once, then one entry a
        slot, each day of the opened buckets and each later bucket. A large party's day pushes two or three
        arrays of a hundred ids over a month into one agenda: their slots (a dozen each) are filed together."""
        pending = self._pending
        if len(pending) == 1:
            ids, days = pending[0]
        else:
            ids = np.concatenate([ids for ids, _ in pending])
            days = np.concatenate([days for _, days in pending])
        pending.clear()
        n = len(ids)
        days = days.astype(np.int64, copy=False)
        order = days.argsort(kind="stable") if n <= SORT_AS_IS else _sixteen_bits(days).argsort(kind="stable")
        ids, days = ids.take(order), days.take(order)
        lo, hi = days.item(0), days.item(-1)
        open_end = self._open_end
        if lo == hi:
            self._add(lo, ids, None)
            return
        if lo >> BUCKET_SHIFT == hi >> BUCKET_SHIFT and lo > open_end:
            self._add(lo, ids, days)  # one bucket not opened yet
            return
        # One entry a slot: each day of the opened bucket, then each later bucket. The slots' first days
        # (a few dozen at most) are looked up in the sorted days, rather than a slot computed for every id.
        closed = max(lo, open_end + 1)  # the first day past the opened buckets
        firsts = [*range(lo, closed)]
        if closed <= hi:
            firsts += [closed, *range((closed | (BUCKET_DAYS - 1)) + 1, hi + 1, BUCKET_DAYS)]
        # As an array from fromiter: a list of Python ints searched for as it is goes through numpy's dtype
        # discovery first (a 1 M run's agendas: 4 % of their instructions).
        starts = days.searchsorted(np.fromiter(firsts, np.int64, len(firsts))).tolist()
        for first, start, end in zip(firsts, starts, [*starts[1:], n], strict=True):
            if end > start:  # the slot's first day is in the bucket of its ids' earliest (that day if opened)
                if first <= open_end:
                    _file(self._days, self._day_keys, first, ids[start:end])
                else:
                    _file(self._buckets, self._keys, first >> BUCKET_SHIFT, (ids[start:end], days[start:end]))

    def _add(self, day: int, ids: np.ndarray, days: np.ndarray | None) -> None:
        """Add ``ids``, due on ``days`` (None: all on ``day``), which lie in ``day``'s bucket; ``day`` is their
        earliest, and their only day if the bucket is opened. Ids of one day go to that day's list whether its
        bucket is opened or not (most pushes of a small party: opening the bucket would only file them again)."""
        if days is None or day <= self._open_end:
            _file(self._days, self._day_keys, day, ids)
        else:
            _file(self._buckets, self._keys, day >> BUCKET_SHIFT, (ids, days))

    def _open(self, key: int) -> None:
        """Open the buckets up to ``key``: their ids go to the lists by day."""
        keys = self._keys
        self._open_end = ((key + 1) << BUCKET_SHIFT) - 1
        while keys and keys[0] <= key:
            entries = self._buckets.pop(heapq.heappop(keys))
            if sum(len(ids) for ids, _ in entries) <= OPEN_IN_PYTHON:
                self._open_small(entries)
                continue
            if len(entries) == 1:
                ids, days = entries[0]
            else:
                ids = np.concatenate([ids for ids, _ in entries])
                days = np.concatenate([days for _, days in entries])
            if len(ids) > 1:
                order = _sixteen_bits(days).argsort(kind="stable")
                ids, days = ids.take(order), days.take(order)
            edges = (np.flatnonzero(days[1:] != days[:-1]) + 1).tolist()
            starts = [0, *edges]
            for start, end, day in zip(starts, [*edges, len(ids)], days[starts].tolist(), strict=True):
                self._add(day, ids[start:end], None)

    def _open_small(self, entries: list[Entry]) -> None:
        """Open a bucket of a few ids (a small party's day-0 pushes): each id goes to its day's list as a
        Python int (:func:`_file_few`), not sorted."""
        for ids, days in entries:
            _file_few(self._days, self._day_keys, ids.tolist(), days.tolist())

    def pop(self, day: int) -> np.ndarray:
        """Every id due on ``day`` or earlier that has not been popped yet, once each, sorted.

        An id pushed twice for the same day (a punishment replaced by one whose
        lifting falls on the same meeting) comes back once, so no procedure is
        applied twice to a member.
        """
        if day > self._open_end:
            self._open(day >> BUCKET_SHIFT)
        if self._pending:
            self._file_pending()
        day_keys = self._day_keys
        if not day_keys or day_keys[0] > day:  # nothing due yet: the usual day of a small party
            return NOTHING
        due = self._days.pop(heapq.heappop(day_keys))
        while day_keys and day_keys[0] <= day:
            due.extend(self._days.pop(heapq.heappop(day_keys)))
        if len(due) <= SMALL:  # (more entries than that are more ids: every entry holds some)
            size = sum(map(len, due))
            if size == 1:  # sorted and distinct already; a copy, as the entry may be a caller's pushed array
                self._size -= 1
                ids = due[0]
                return ids.copy() if isinstance(ids, np.ndarray) else np.array(ids, dtype=np.int64)
            if size <= SMALL:  # gathered in Python, not concatenated
                self._size -= size
                distinct: set[int] = set()
                for ids in due:
                    distinct.update(ids if isinstance(ids, list) else ids.tolist())
                return np.array(sorted(distinct), dtype=np.int64)
        if len(due) == 1 and isinstance(due[0], np.ndarray):
            ordered = due[0].copy()
        else:  # (lists of ids filed one by one are converted on the way)
            ordered = np.concatenate(due, dtype=np.int64)
        self._size -= len(ordered)
        # What arrays.distinct returns, sorted by numpy's default sort: the order of equal ids does not
        # matter, and on the day's ids (a few sorted runs) it is 1.7 times faster than the stable sort.
        # Sorted in place: the method on a new array, not np.sort's copy (a day's 75 ids: 0.5 against 1.5 us).
        ordered.sort()
        repeated = ordered[1:] == ordered[:-1]
        if not np.count_nonzero(repeated):  # the usual day: no id twice, nothing to drop
            return ordered
        return np.delete(ordered, np.flatnonzero(repeated) + 1)  # each repeat after its first


def _sixteen_bits(days: np.ndarray) -> np.ndarray:
    """Keys in the order of the int64 ``days``, 16-bit where they fit (numpy's stable sort is then a radix
    sort): the days themselves when they lie in 0..INT16_MAX - 1 (a run of up to 89 years: one reduction),
    else their offsets from the earliest (a push spans a few years at most), else the offsets as they are."""
    if int(days.view(np.uint64).max()) < INT16_MAX:  # as unsigned, a negative day is out of range too
        return days.astype(np.int16)
    lo, hi = int(days.min()), int(days.max())
    offset = days - lo
    return offset.astype(np.int16) if hi - lo < INT16_MAX else offset


def _file_few(table: dict[int, list[Listed]], keys: list[int], ids: list[int], days: list[int]) -> None:
    """File each of ``ids`` in the list of its day in ``days`` (:data:`Listed`): appended to the day's last
    entry if that is a list of ints, else as a new one. A large party's ratifications (a dozen ids a day,
    each due on its own day within a month) file about one id a day from each of ten pushes: one list a
    day, without a slice of the push per day and a ``tolist`` of each at the pop (the 1 M run's
    ratifications: a push 6.0 -> 2.8 us, a pop 5.8 -> 3.7 us)."""
    for member, day in zip(ids, days, strict=True):
        entries = table.get(day)
        if entries is None:
            table[day] = [[member]]
            heapq.heappush(keys, day)
        else:
            last = entries[-1]
            if isinstance(last, list):
                last.append(member)
            else:
                entries.append([member])


def _file(table: dict, keys: list[int], key: int, entry: object) -> None:
    """Append ``entry`` to ``table[key]``; a key new to the table goes on its heap ``keys``."""
    entries = table.get(key)
    if entries is None:
        table[key] = [entry]
        heapq.heappush(keys, key)
    else:
        entries.append(entry)
