"""Array idioms the mechanisms share.

``distinct`` exists because ``np.unique`` without ``return_*`` arguments takes a
hash-based path in numpy 2.3+ that is two orders of magnitude slower than
sorting on arrays of millions of ids (measured: 7.5 s against 0.15 s for
3 million int64 with numpy 2.4.6).
"""

from __future__ import annotations

import numpy as np

#: Fewest bits of score resolution :func:`rank_within` packs into its sort key before it falls back to lexsort.
MIN_SCORE_BITS = 16


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an array (what ``np.unique(values)`` returns)."""
    ordered = np.sort(np.asarray(values), kind="stable")
    if ordered.size == 0:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


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
    position_bits = max(n - 1, 1).bit_length()
    score_bits = 63 - position_bits - max(int(group.max()), 1).bit_length()
    if score_bits < MIN_SCORE_BITS:  # too many rows or groups to pack: the slow exact sort
        order = np.lexsort((-score, group))
        sorted_group = group[order]
    else:
        low, high = float(score.min()), float(score.max())
        # 2**score_bits - 1 rounds up to 2**score_bits in floating point, and the worst score would then
        # carry into the group bits (sorting it into the next group): quantize over one bit less.
        scale = 2.0 ** (score_bits - 1) / (high - low) if high > low else 0.0
        distance = high - score
        distance *= scale
        key = np.floor(distance, out=distance).astype(np.int64)
        key <<= position_bits
        key |= group << (score_bits + position_bits)
        key |= np.arange(n)
        # Sorting the keys themselves is about twice as fast as argsort; their high bits are the
        # group and their low bits the order.
        key.sort()
        sorted_group = key >> (score_bits + position_bits)
        order = np.bitwise_and(key, (1 << position_bits) - 1, out=key)
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(sorted_group[1:], sorted_group[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    rank = np.arange(n)
    rank -= np.repeat(starts, np.diff(starts, append=n))
    return order, rank
