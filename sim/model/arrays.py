"""Array idioms the mechanisms share.

``distinct`` exists because ``np.unique`` without ``return_*`` arguments takes a
hash-based path in numpy 2.3+ that is two orders of magnitude slower than
sorting on arrays of millions of ids (measured: 7.5 s against 0.15 s for
3 million int64 with numpy 2.4.6).
"""

from __future__ import annotations

import numpy as np

try:
    #: ``np.count_nonzero`` of a whole array: the C function behind it, without the ``__array_function__``
    #: dispatch in front of it, which costs five times the count itself on a small party's arrays of a few
    #: dozen flags (0.1 against 0.6-0.8 us a call).
    from numpy._core.multiarray import count_nonzero
except ImportError:  # a NumPy that moved it: the public function, the same count
    count_nonzero = np.count_nonzero

#: Fewest bits of score resolution :func:`rank_within` packs into its sort key before it falls back to lexsort.
MIN_SCORE_BITS = 16
#: Most seats :func:`top_within` takes by passes over the rows (when most rows' groups have few).
MAX_TOP_PASSES = 12
#: Most passes over most of the rows :func:`top_within` takes; beyond, one sort of the keys is cheaper
#: (numpy's vectorized sort costs about three passes).
MAX_FULL_PASSES = 3
#: Rows of the blocks :func:`_rank_keys` builds its keys in (their temporaries fit in a core's cache).
KEY_BLOCK = 1 << 16
#: A block's positions, less its start: made once (a fresh 64k-row ``arange`` a call cost 20-35 us, its page faults).
_RAMP = np.arange(KEY_BLOCK)
_RAMP.flags.writeable = False
#: Fewest rows a run of equal groups has on average for :func:`top_within` to reduce over the runs.
RUN_ROWS = 4
#: Most rows :func:`top_within` ranks by one sort: below, the sort costs less than the numpy calls of the
#: passes (measured, numpy 2.4: 2,000 rows in groups of 80 with 9 seats, 38 against 168 us; 8,000 rows, 177
#: against 198 us; a small party's elections are of a few hundred rows).
SORT_ROWS = 4096
#: A key no row has (above every packed key): the mark of a row taken, or of a group with none left.
EMPTY_KEY = np.iinfo(np.int64).max


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an array (what ``np.unique(values)`` returns)."""
    ordered = np.array(values)  # a copy sorted in place: ``np.sort`` is a Python wrapper around the same
    ordered.sort(kind="stable")
    if ordered.size == 0:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def concatenated_ranges(starts: np.ndarray, lengths: np.ndarray, total: int | None = None) -> np.ndarray:
    """The positions ``start .. start + length - 1`` of every range, concatenated in order (``total``: the sum of
    ``lengths``, when the caller has it): the rows of chosen runs or units, gathered in work proportional to
    them. Each range's positions are ``arange(total)`` shifted by its start less the lengths before it; the
    array methods, not NumPy's Python wrappers (a microsecond a call at a county's scale)."""
    shift = starts + lengths
    shift -= lengths.cumsum()
    at = shift.repeat(lengths)
    at += np.arange(int(np.add.reduce(lengths)) if total is None else total)
    return at


def row_range(ids: np.ndarray) -> slice | np.ndarray:
    """``ids`` as the slice of rows they are when they are consecutive and rising, else ``ids`` themselves.

    Every member of a party in row order is such a run (a whole-party election
    on day 0): a table's columns are then read and written through views, not
    gathered and scattered by id (each gather of millions of rows a pass with
    a temporary). Checking costs a pass only when the ids span exactly as many
    rows as they are.
    """
    n = len(ids)
    if n and int(ids[-1]) - int(ids[0]) == n - 1 and bool(np.all(ids[1:] > ids[:-1])):
        return slice(int(ids[0]), int(ids[0]) + n)
    return ids


def store_index(ids: np.ndarray) -> int | np.ndarray:
    """``ids`` as the index of a store of one value at their rows: one id as an int (a store at one row,
    0.1 against 0.4 us for a scatter over an array of one, a small party's usual day), else the ids."""
    return int(ids[0]) if len(ids) == 1 else ids


def _rank_keys(group: np.ndarray, score: np.ndarray, grouped: bool = True) -> tuple[np.ndarray, int, int] | None:
    """The distinct 63-bit sort keys of :func:`rank_within`, with their position and score bit counts.

    None when the rows or groups are too many to pack (the callers then take the exact lexsort).
    Without ``grouped`` the group bits are left zero: :func:`top_within` compares keys only within a
    group (a run's minimum, a group's entry), where they are the same, and skips widening and shifting
    every row's group (a third of the keys' cost). The score bits stay as many either way, so the keys
    order a group's rows the same.
    Built in blocks of ``KEY_BLOCK`` rows: the only array of the rows' length is the keys themselves,
    the temporaries stay in cache (at national scale a fresh array of millions of rows costs its
    page faults on top of its pass).
    """
    n = len(group)
    position_bits = max(n - 1, 1).bit_length()
    # Extremes by the ufuncs' reductions: ``array.max()`` goes through a Python wrapper, a microsecond a call
    # on a county's few hundred rows.
    score_bits = 63 - position_bits - max(int(np.maximum.reduce(group)), 1).bit_length()
    if score_bits < MIN_SCORE_BITS:
        return None
    low, high = float(np.minimum.reduce(score)), float(np.maximum.reduce(score))
    # 2**score_bits - 1 rounds up to 2**score_bits in floating point, and the worst score would then
    # carry into the group bits (sorting it into the next group): quantize over one bit less.
    scale = 2.0 ** (score_bits - 1) / (high - low) if high > low else 0.0
    key = np.empty(n, dtype=np.int64)
    block = np.empty(min(n, KEY_BLOCK))  # one buffer of distances for every block
    for start in range(0, n, KEY_BLOCK):
        rows = slice(start, start + KEY_BLOCK)
        part = key[rows]
        distance = block[: len(part)]
        np.subtract(high, score[rows], out=distance)
        distance *= scale
        # The distances are not negative: the cast's truncation is their floor.
        np.copyto(part, distance, casting="unsafe")
        part <<= position_bits
        if grouped:
            part |= np.left_shift(group[rows], score_bits + position_bits, dtype=np.int64)
        # The position bits are still zero: adding the block's positions sets them (a fresh arange a block is
        # a new array, and at national scale its page faults made it the slowest line).
        part += _RAMP[: len(part)]
        if start:
            part += start
    return key, position_bits, score_bits


def rank_within(group: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order by group, best score first, and each row's rank within its group (0 = best).

    One sort of a 63-bit key instead of ``np.lexsort`` (several times
    faster on millions of members): the group in the high bits, then the score
    quantized over its range (best first) in as many bits as are left, then the
    row's position. The position makes every key distinct, so the fast
    unstable sort gives the one order a stable sort would, on any machine, and
    the sorted keys' low bits are that order;
    scores closer than the quantum tie and keep their input order, as equal
    scores do with lexsort. Groups are non-negative integers.
    """
    group = np.asarray(group, dtype=np.int64)
    score = np.asarray(score, dtype=np.float64)
    n = len(group)
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    packed = _rank_keys(group, score)
    if packed is None:  # too many rows or groups to pack: the slow exact sort
        order = np.lexsort((-score, group))
        sorted_group = group[order]
    else:
        key, position_bits, score_bits = packed
        # Sorting the keys themselves is about twice as fast as argsort; their high bits are the
        # group and their low bits the order. The keys are distinct, so any sort gives the same order;
        # numpy's default (vectorized quicksort) beats the stable one (timsort) even on rows that come
        # grouped: 49 against 151 ms on the 4.7 million keys of a national election of primary
        # committees, 64 against 91 ms on the 6.2 million of its cells (numpy 2.4, AVX-512).
        key.sort()
        sorted_group = key >> (score_bits + position_bits)
        order = np.bitwise_and(key, (1 << position_bits) - 1, out=key)
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(sorted_group[1:], sorted_group[:-1], out=first[1:])
    # Each row's rank is its position less its group's first position (the running maximum of the groups'
    # first positions): three ufunc calls, where repeating the groups' starts by their lengths costs Python-level
    # wrappers (13 against 2 us on 20 rows; 26 against 18 ms on 2 million).
    rank = np.arange(n)
    start = np.where(first, rank, 0)
    np.maximum.accumulate(start, out=start)
    rank -= start
    return order, rank


def top_within(group: np.ndarray, score: np.ndarray, k: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows :func:`rank_within` ranks below ``k`` in their group (``k[g]`` if an array), and their ranks.

    What an election needs: only the few best of each group, not the order of
    everyone. Same keys as :func:`rank_within` (less the group bits where
    only a group's keys are compared), so the same ranks, ties included. Few seats are taken by passes, each taking the smallest key
    left in every group (its low bits are the row), O(n) each; the rows then
    come ordered by rank, then group. When the rows come in runs of one
    group, of ``RUN_ROWS`` rows or more on average (the members of a whole
    party come by unit on day 0, and a primary organization's cells are
    neighbours; a regular election's come by unit, then those joined or moved
    since), a pass is a reduction over the runs (``np.minimum.reduceat``:
    3 ms over the 4.7 million rows of a national election of primary
    committees, where a sort of their keys takes 50 ms), a group of several
    runs taking the best of their minima; otherwise it scatters into a table
    of one entry per group id (``np.minimum.at``, several times slower), and
    beyond ``MAX_FULL_PASSES`` passes over most rows one sort of the keys is
    cheaper (the rows then come by group), as it is for up to ``SORT_ROWS``
    rows. With
    seats per group (``k`` an array), the rows of groups already full leave
    the later passes once they are most of the rows (an election's cells
    without a committee have two seats, the few with one five).
    """
    group = np.asarray(group)
    score = np.asarray(score, dtype=np.float64)
    limit = np.asarray(k)
    seats = int(np.maximum.reduce(limit, axis=None)) if limit.size else 0  # see ``_rank_keys``
    n = len(group)
    if n == 0 or seats == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    if n <= SORT_ROWS:
        return _top_by_sort(group, score, limit)
    starts = _runs(group) if seats <= MAX_TOP_PASSES else None
    if starts is not None and RUN_ROWS * len(starts) <= n:
        packed = _rank_keys(group, score, grouped=False)
        if packed is not None:
            return _top_of_runs(packed[0], starts, group[starts], limit, packed[1])
    need = limit[group] if limit.ndim else None
    # Passes over most rows: every seat's for one k; for seats per group, more than MAX_FULL_PASSES when
    # at least half the rows are in groups with more seats than that.
    long_passes = seats > MAX_FULL_PASSES and (need is None or 2 * np.count_nonzero(need > MAX_FULL_PASSES) >= n)
    # A pass also fills a table of one entry per group id: worth it only when the ids are not spread far wider than the rows.
    passes = seats <= MAX_TOP_PASSES and not long_passes and int(group.max()) < 4 * n + 1024
    packed = _rank_keys(group, score, grouped=False) if passes else None
    if packed is None:  # many seats, sparse groups, or too much to pack: the full ranking
        return _top_by_sort(group, score, limit)
    key, position_bits, _ = packed
    row_bits = (1 << position_bits) - 1
    best = np.empty(int(group.max()) + 1, dtype=np.int64)
    # ``origin`` is the row of each entry left, ``slot`` the entry of each row left (both None while no row has left).
    origin: np.ndarray | None = None
    slot: np.ndarray | None = None
    rows = []
    for seat in range(seats):
        best.fill(EMPTY_KEY)
        np.minimum.at(best, group, key)
        open_groups = np.flatnonzero(best != EMPTY_KEY)
        if limit.ndim:
            open_groups = open_groups[limit[open_groups] > seat]
        if len(open_groups) == 0:
            break
        row = best[open_groups] & row_bits
        key[row if slot is None else slot[row]] = EMPTY_KEY
        rows.append(row)
        if need is not None and seat + 1 < seats:
            left = need > seat + 1
            if 2 * np.count_nonzero(left) < len(left):
                kept = np.flatnonzero(left)
                key, group, need = key[kept], group[kept], need[kept]
                origin = kept if origin is None else origin[kept]
                slot = np.empty(n, dtype=np.int64)
                slot[origin] = np.arange(len(origin))
    return _taken(rows)


def _top_by_sort(group: np.ndarray, score: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`top_within` by the full ranking of :func:`rank_within` (the rows then come by group)."""
    order, rank = rank_within(group, score)
    keep = rank < (limit[group[order]] if limit.ndim else limit)
    return order[keep], rank[keep]


def _runs(group: np.ndarray) -> np.ndarray:
    """The first row of each run of equal groups."""
    starts = (group[1:] != group[:-1]).nonzero()[0]  # ``np.flatnonzero``'s work without its two Python wrappers
    starts += 1
    return np.concatenate([[0], starts])


def _top_of_runs(
    key: np.ndarray, starts: np.ndarray, run_group: np.ndarray, limit: np.ndarray, position_bits: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`top_within` of rows in runs of one group, beginning at ``starts`` (``run_group``: their groups).

    A group of several runs (a regular election's members: the indexed ones
    by unit, then those joined or moved since) takes the best of its runs'
    minima, one entry per group (``slot``: each run's entry); groups that are
    one run each need no such step. The keys of the runs still open after a
    pass are kept apart once they are less than half the rows; ``origin`` is
    then the row of each entry left (rising: an entry is found by a binary
    search of its row).
    """
    seats = int(limit.max())
    row_bits = (1 << position_bits) - 1
    run_limit = limit[run_group] if limit.ndim else np.full(len(starts), seats)
    groups = distinct(run_group)
    slot: np.ndarray | None = None
    if len(groups) < len(run_group):
        slot = np.searchsorted(groups, run_group)
        group_limit = limit[groups] if limit.ndim else np.full(len(groups), seats)
    origin: np.ndarray | None = None
    # Rows of each run (kept in step with ``starts``): differences of the starts, then the last run's (a third of
    # the cost of ``np.diff(starts, append=...)``, which concatenates first).
    length = np.empty_like(starts)
    np.subtract(starts[1:], starts[:-1], out=length[:-1])
    length[-1] = len(key) - starts[-1]
    rows = []
    for seat in range(seats):
        best = np.minimum.reduceat(key, starts)
        if slot is not None:
            best, run_best = np.full(len(groups), EMPTY_KEY), best
            np.minimum.at(best, slot, run_best)
        row = best[(best != EMPTY_KEY) & ((run_limit if slot is None else group_limit) > seat)] & row_bits
        if len(row) == 0:
            break
        key[row if origin is None else np.searchsorted(origin, row)] = EMPTY_KEY
        rows.append(row)
        left = run_limit > seat + 1
        if not left.any():
            break
        kept_rows = int(length[left].sum())
        if 2 * kept_rows < len(key):
            # The rows of the runs left, listed run by run (work in proportion to them, not a pass over every
            # row: on day 0 the cells with a committee are a few hundred of 70,000).
            length, run_limit = length[left], run_limit[left]
            kept = concatenated_ranges(starts[left], length, kept_rows)
            key = key.take(kept)
            origin = kept if origin is None else origin.take(kept)
            slot = None if slot is None else slot[left]
            starts = np.cumsum(length) - length
    return _taken(rows)


def _taken(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The rows taken by the passes, one array a seat (seat r's rows have rank r), and their ranks, as two
    arrays (the ranks repeated once, not a filled array a seat)."""
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(rows), np.repeat(np.arange(len(rows)), [len(row) for row in rows])
