"""Apportioning delegate slots to units by score-weighted membership.

Source: the pre-Congress text says units "that scored well reportedly
received more slots". The scenario chooses the method:

* largest remainder (Hare): every unit gets the integer part of its quota,
  the remaining seats go to the largest fractional parts;
* Sainte-Laguë (Webster): seats = round(votes / d) for a common divisor d,
  found by bisection so that the seats add up to the total.

Both are vectorized over units and exact: the totals always equal the seats
to allocate, and a unit's seats never fall when its votes rise.
"""

from __future__ import annotations

import numpy as np


def largest_remainder(votes: np.ndarray, seats: int) -> np.ndarray:
    votes = np.asarray(votes, dtype=np.float64)
    if seats <= 0 or votes.sum() <= 0:
        return np.zeros(len(votes), dtype=np.int64)
    quota = votes * seats / votes.sum()
    base = np.floor(quota).astype(np.int64)
    left = seats - int(base.sum())
    # Largest fractional parts first; ties by larger votes, then by position (stable).
    order = np.lexsort((np.arange(len(votes)), -votes, -(quota - base)))
    base[order[:left]] += 1
    return base


def sainte_lague(votes: np.ndarray, seats: int) -> np.ndarray:
    votes = np.asarray(votes, dtype=np.float64)
    if seats <= 0 or votes.sum() <= 0:
        return np.zeros(len(votes), dtype=np.int64)

    def allocate(divisor: float) -> np.ndarray:
        return np.floor(votes / divisor + 0.5).astype(np.int64)

    low, high = votes.sum() / (seats + len(votes)), votes.sum() / max(seats - len(votes) / 2, 0.5) + 1
    for _ in range(200):  # bisection on the divisor
        middle = (low + high) / 2
        total = allocate(middle).sum()
        if total == seats:
            return allocate(middle)
        low, high = (middle, high) if total > seats else (low, middle)
    # Exact ties at the rounding boundary: settle the last seats by the highest averages.
    result = allocate(high)
    averages = votes / (2 * result + 1)
    order = np.lexsort((np.arange(len(votes)), -averages))
    result[order[: seats - int(result.sum())]] += 1
    return result


METHODS = {"largest_remainder": largest_remainder, "sainte_lague": sainte_lague}


def apportion(votes: np.ndarray, seats: int, method: str) -> np.ndarray:
    return METHODS[method](votes, seats)
