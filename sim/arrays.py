"""Array idioms the mechanisms share.

``distinct`` exists because ``np.unique`` without ``return_*`` arguments takes a
hash-based path in numpy 2.3+ that is two orders of magnitude slower than
sorting on arrays of millions of ids (measured: 7.5 s against 0.15 s for
3 million int64 with numpy 2.4.6).
"""

from __future__ import annotations

import numpy as np


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

    One stable argsort of a 64-bit key (group in the high half, the score
    scaled onto 31 bits over its range in the low half, inverted so higher is
    first) instead of ``np.lexsort``: about 20 times faster on millions of
    members. Scores closer than their range / 2**31 tie; equal keys keep
    their order, as with lexsort.
    """
    score = np.asarray(score, dtype=np.float64)
    low, high = (float(score.min()), float(score.max())) if len(score) else (0.0, 0.0)
    scale = (2**31 - 1) / (high - low) if high > low else 0.0
    quantized = np.floor((score - low) * scale).astype(np.int64)
    order = np.argsort((np.asarray(group, dtype=np.int64) << 32) + (2**31 - 1 - quantized), kind="stable")
    group = group[order]
    position = np.arange(len(group))
    first = np.r_[True, group[1:] != group[:-1]]
    return order, position - np.maximum.accumulate(np.where(first, position, 0))
