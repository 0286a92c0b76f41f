"""The members of each unit, found without scanning the member table.

Elections and re-organization act on the members of a set of cells or
organizations: the units electing, the cells splitting or merging. Scanning
the member table for them would cost a pass over millions of rows each time;
:class:`MemberIndex` keeps the members sorted by unit, so that such a step
costs work proportional to the members of the units asked, not to the party's
size.
"""

from __future__ import annotations

import numpy as np

from sim.model.arrays import concatenated_ranges, distinct
from sim.model.population import ACTIVE, Population, Status

#: Statuses of people attached to a unit: its active members, and applicants waiting for its meeting.
OPEN = ACTIVE.copy()
OPEN[Status.APPLICANT] = True


#: Up to this many codes, ``_flagged`` looks them up in the table: one call, where the comparisons are several.
LOOKUP_ROWS = 4096


def _flagged(codes: np.ndarray, statuses: np.ndarray) -> np.ndarray:
    """``statuses[codes]`` for int8 status codes, by comparisons: five times faster than ``statuses.take(codes)``,
    which turns the int8 codes into 64-bit positions first (6 against 36 ms on 6.5 million codes, 0.07 against
    0.34 ms on 400,000).

    One comparison per run of consecutive flagged statuses: a run of more than one code by the codes less its
    first, as unsigned bytes (codes below it wrap past its length), at most its length less one; a single code by
    equality. The open statuses (applicant, candidate, full, demoted: codes 1-3 and 8) take four passes over the
    codes where one comparison per status took seven (1 M codes: 0.8 against 1.9 ms). The statuses are compared
    as Python ints: a NumPy integer would widen the codes to its type.

    Few codes (a county's party: the members of a few units, hundreds of rows) are looked up by ``take``: then
    the calls cost more than the passes (400 codes: 0.9 against 13 us; 2,000: 6 against 17 us).
    """
    if len(codes) <= LOOKUP_ROWS:
        return statuses.take(codes)
    runs: list[list[int]] = []  # [first, last] of each run of consecutive flagged statuses
    for status in np.flatnonzero(statuses).tolist():
        if runs and runs[-1][1] == status - 1:
            runs[-1][1] = status
        else:
            runs.append([status, status])
    if not runs:
        return np.zeros(len(codes), dtype=bool)
    keep = _in_run(codes, *runs[0])
    for first, last in runs[1:]:
        keep |= _in_run(codes, first, last)
    return keep


def _in_run(codes: np.ndarray, first: int, last: int) -> np.ndarray:
    """Whether each int8 code is one of ``first`` .. ``last`` (see ``_flagged``)."""
    if first == last:
        return codes == first
    offset = np.subtract(codes.view(np.uint8), first, dtype=np.uint8)
    return offset <= last - first


class MemberIndex:
    """Open members (applicants and active members) by unit.

    ``ids`` (32-bit: half the memory that a refresh copies and a lookup
    gathers from) is sorted by the unit each member was in when indexed;
    ``offsets[u]:offsets[u + 1]`` is unit u's range of ``ids`` (units created
    since have none): the units of the entries are not stored, the offsets
    say them. Rows added since (``pop.n`` grew) and members moved since
    (reported through :meth:`moved`; their index entry is *stale*) are kept
    apart in the *pending* set. A lookup takes the current entries of the asked
    units' index ranges, plus the pending set's members now in one of them. :meth:`refresh` merges the
    pending set into the index once it is large (a linear merge, no full sort).
    """

    #: Merge the pending rows into the index once they exceed this share of it.
    REFRESH_SHARE = 1 / 32
    #: Asked units holding more than this share of the index are read through a mask over it (same
    #: order: the index is sorted by unit): on day 0 every unit elects.
    MASK_SHARE = 1 / 4
    #: Asked units out of order are made distinct by a pass over the organizations' flags, not a sort, once
    #: they are more than this share of the organizations (measured: 16,000 of 430,000 cells, a pass 0.3 ms, a
    #: sort 1.0 ms; 100,000 already sorted, a sort 0.14 ms).
    SCAN_SHARE = 1 / 64

    def __init__(self, pop: Population):
        self.pop = pop
        ids = np.flatnonzero(_flagged(pop.status[: pop.n], OPEN)).astype(np.int32)
        keys = pop.cell[ids]
        if np.any(keys[1:] < keys[:-1]):  # founders are stored cell by cell: usually sorted already
            order = np.argsort(keys, kind="stable")
            ids, keys = ids[order], keys[order]
        # Each unit's entries end where the sorted units pass it: a search per unit, half the time of a count
        # over the entries (6.5 million: 16 against 28 ms).
        self._index(ids, np.searchsorted(keys, np.arange(1, pop.org_size.shape[0] + 1, dtype=keys.dtype)))

    def _index(self, ids: np.ndarray, ends: np.ndarray) -> None:
        """Adopt ``ids``, sorted by unit, unit u's entries ending at ``ends[u]``, as the index; nothing is pending
        any more."""
        self.ids = ids
        self.ids.flags.writeable = False  # handed out as it is when a lookup asks for all of it (day 0)
        self.offsets = np.concatenate([[0], ends])
        self.indexed = self.pop.n
        self._moved: list[np.ndarray] = []
        #: Indexed rows moved since (their entry is stale), and those rows once each when asked for.
        self._stale = np.zeros(self.indexed, dtype=bool)
        self._stale_ids: np.ndarray | None = np.empty(0, dtype=np.int64)

    def moved(self, ids: np.ndarray) -> None:
        """Report members re-attached to another unit (they are looked up in the pending set)."""
        ids = np.asarray(ids, dtype=np.int64)
        self._moved.append(ids)
        self._stale[ids[ids < self.indexed]] = True
        self._stale_ids = None

    def _stale_indexed(self) -> np.ndarray:
        """The stale indexed members, once each, sorted (recomputed only after a move: a re-organization)."""
        if self._stale_ids is None:
            moved = distinct(np.concatenate(self._moved))
            self._stale_ids = moved[moved < self.indexed]
        return self._stale_ids

    def pending(self) -> np.ndarray:
        """The pending set, once each: the stale indexed members, then the rows added since."""
        return np.concatenate([self._stale_indexed(), np.arange(self.indexed, self.pop.n, dtype=np.int64)])

    def members_of(self, units: np.ndarray, statuses: np.ndarray = OPEN) -> np.ndarray:
        """Ids of the people in ``units`` whose status is flagged in ``statuses``, each once.

        The indexed members come grouped by unit (no sort: that matters when a
        whole party elects on day 0), followed by the pending ones in id order:
        the stale indexed members, then the rows added since (read as one slice
        of the cell column, not gathered by id). 64-bit ids, except from a lookup
        of the whole index with nothing pending (day 0): its own 32-bit ids.
        """
        pop = self.pop
        asked = np.zeros(len(pop.org_size), dtype=bool)
        asked[units] = True
        # The asked units, sorted, once each: a pass over the units' flags once they are many and out of order
        # (the monthly recruitment asks for tens of thousands of cells at national scale), else a sort (of
        # few units, or of sorted ones: the elections ask for units in id order, a sort's best case).
        if len(units) > len(asked) * self.SCAN_SHARE and np.any(units[1:] < units[:-1]):
            units = np.flatnonzero(asked)
        else:
            units = distinct(units)
        known = np.minimum(units, len(self.offsets) - 2)
        lo = self.offsets[known]
        count = np.where(units == known, self.offsets[known + 1] - lo, 0)
        total = int(np.add.reduce(count))  # the ufunc itself: ``count.sum()`` goes through a Python wrapper
        if total == len(self.ids):  # the whole index (day 0): no copy
            found = self.ids
        elif total > len(self.ids) * self.MASK_SHARE:  # most of the index: one mask instead of gathering ranges
            found = self.ids.compress(np.repeat(asked[: len(self.offsets) - 1], np.diff(self.offsets)))
            found = found.astype(np.int64)
        else:
            # ``take`` here and below: at national scale (hundreds of thousands of entries, cells indexed by
            # int32 ids) faster than indexing by positions and by int32 ids.
            at = concatenated_ranges(lo, count, total)  # each unit's entries, from its offset on
            # Widened once: the callers index columns by these ids, and NumPy indexes by 32-bit ids three times
            # slower than by 64-bit ones (34,000 ids: 61 against 17 us).
            found = self.ids.take(at).astype(np.int64)
        keep = _flagged(pop.status.take(found), statuses)  # ``take``: the whole index is 32-bit ids
        stale = self._stale_indexed()
        if len(stale):
            keep &= ~self._stale.take(found)
            stale = stale.compress(asked.take(pop.cell[stale]))
        added = asked.take(pop.cell[self.indexed : pop.n]).nonzero()[0]
        added += self.indexed
        if len(stale) == 0 and len(added) == 0:
            # Day 0 asks for every member, all open: the index itself, not a copy of millions of ids.
            return found if keep.all() else found[keep]
        extra = np.concatenate([stale, added])
        return np.concatenate([found[keep], extra[_flagged(pop.status[extra], statuses)]])

    def refresh(self) -> None:
        """Merge the pending rows into the sorted index if there are many (O(N) array copies)."""
        pop = self.pop
        pending = self.pending()
        if len(pending) < self.REFRESH_SHARE * len(self.ids):
            return
        # Entries kept: rows still open (one comparison per open status over the indexed rows, not a lookup,
        # which would widen the int8 codes to 64-bit positions), less the few moved since; one lookup per entry.
        still_open = _flagged(pop.status[: self.indexed], OPEN)
        still_open[self._stale_indexed()] = False
        stays = still_open.take(self.ids)  # faster than indexing (6.5 million entries: 26 against 35 ms)
        ids = self.ids[stays]
        # The open pending members by unit, in id order within a unit: one sort of (unit, id) packed in 64
        # bits (the pending set is in id order), ten times faster than a stable argsort of the units.
        pending = pending[OPEN[pop.status[pending]]]
        key = (pop.cell[pending].astype(np.int64) << 32) | pending
        key.sort()
        pending, cells = key & 0xFFFFFFFF, key >> 32
        # Entries per unit from the old ones, less those dropped (their units found in the offsets), plus
        # those merged in: counts of the few changed entries instead of a count over the whole index.
        known, units = len(self.offsets) - 1, pop.org_size.shape[0]
        counts = np.zeros(units, dtype=np.int64)
        counts[:known] = np.diff(self.offsets)
        counts[:known] -= np.bincount(
            np.searchsorted(self.offsets, np.flatnonzero(~stays), side="right") - 1, minlength=known
        )
        # What np.insert(ids, at, pending) gives with ``at`` each pending member's unit's end among the kept
        # entries (units created since end the index).
        slots = np.cumsum(counts[:known])[np.minimum(cells, known - 1)]
        slots += np.arange(len(pending))
        counts += np.bincount(cells, minlength=units)
        merged = np.empty(len(ids) + len(pending), dtype=ids.dtype)
        kept = np.ones(len(merged), dtype=bool)
        kept[slots] = False
        merged[slots] = pending
        merged[kept] = ids
        self._index(merged, np.cumsum(counts))
