"""The compiled kernel of :func:`sim.model.arrays.top_within`: the k best keys of every group in one pass.

numpy takes a pass over all the rows per seat (or a sort of every key), and
each pass builds temporaries of millions of rows. Compiled, one pass keeps
each group's best keys in a small sorted slot of a table: a row is compared
with its group's worst kept key and, rarely, inserted. At national scale (the
day-0 election of 6.2 million members to their cells' offices) that is 0.07 s
against 0.24 s. numba costs about 0.4 s to import and load, so
:func:`sim.model.arrays.top_within` imports this module only when a call is
large enough to repay it.

The keys are those of :func:`sim.model.arrays.rank_within` without the group
bits (the table keeps groups apart): the score's distance to the best,
quantized exactly as there (the same double-precision subtraction and
product, truncated), then the row's position. Same keys, same ranks, ties included.
"""

from __future__ import annotations

import numba
import numpy as np

EMPTY = np.iinfo(np.int64).max


@numba.njit(cache=True, nogil=True)
def best_rows(
    group: np.ndarray, score: np.ndarray, high: float, scale: float, position_bits: int, seats_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled (its results are tested against numpy's)
    """The rows ranked below ``seats_of[g]`` in each group g, and their ranks, by group then rank.

    A first pass counts the rows of each group, so that the table holds only
    the slots that will be filled (a group's seats, or its rows if fewer):
    elections pass seats for every organization, and most have no row.
    """
    rows_of = np.zeros(len(seats_of), dtype=np.int64)
    for i in range(len(group)):
        rows_of[group[i]] += 1
    start = np.zeros(len(seats_of) + 1, dtype=np.int64)
    for g in range(len(seats_of)):
        start[g + 1] = start[g] + min(rows_of[g], seats_of[g])
    best = np.full(start[-1], EMPTY, dtype=np.int64)
    for i in range(len(group)):
        g = group[i]
        first, last = start[g], start[g + 1] - 1
        if last < first:
            continue
        key = (np.int64((high - score[i]) * scale) << position_bits) | i
        if key >= best[last]:
            continue
        j = last
        while j > first and best[j - 1] > key:
            best[j] = best[j - 1]
            j -= 1
        best[j] = key
    rows = best & ((np.int64(1) << position_bits) - 1)
    ranks = np.empty(len(best), dtype=np.int64)
    for g in range(len(seats_of)):
        for slot in range(start[g], start[g + 1]):
            ranks[slot] = slot - start[g]
    return rows, ranks
