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
