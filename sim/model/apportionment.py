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
    total = votes.sum()
    result = np.zeros(len(votes), dtype=np.int64)
    if seats <= 0 or total <= 0:
        return result
    units, votes = _voting(votes)
    quota = votes * seats / total
    base = np.floor(quota).astype(np.int64)
    left = seats - int(base.sum())
    # Largest fractional parts first; ties by larger votes, then by position (stable).
    order = np.lexsort((units, -votes, -(quota - base)))
    base[order[:left]] += 1
    result[units] = base
    return result


def sainte_lague(votes: np.ndarray, seats: int) -> np.ndarray:
    votes = np.asarray(votes, dtype=np.float64)
    total, n = votes.sum(), len(votes)
    result = np.zeros(n, dtype=np.int64)
    if seats <= 0 or total <= 0:
        return result
    units, votes = _voting(votes)

    def allocate(divisor: float) -> np.ndarray:
        return np.floor(votes / divisor + 0.5).astype(np.int64)

    # The bounds count every unit, with or without votes: the same divisors are tried either way.
    low, high = total / (seats + n), total / max(seats - n / 2, 0.5) + 1
    for _ in range(200):  # bisection on the divisor
        middle = (low + high) / 2
        won = allocate(middle).sum()
        if won == seats:
            result[units] = allocate(middle)
            return result
        low, high = (middle, high) if won > seats else (low, middle)
    # Exact ties at the rounding boundary: settle the last seats by the highest averages.
    allocated = allocate(high)
    averages = votes / (2 * allocated + 1)
    order = np.lexsort((units, -averages))
    allocated[order[: seats - int(allocated.sum())]] += 1
    result[units] = allocated
    return result


def _voting(votes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The units with votes and their votes: a unit without votes wins no seat under either method, so
    the methods run over these only (a handful of provinces among the half million organizations of a
    national party, whose ids index the votes)."""
    units = np.flatnonzero(votes)
    return units, votes[units]


METHODS = {"largest_remainder": largest_remainder, "sainte_lague": sainte_lague}


def apportion(votes: np.ndarray, seats: int, method: str) -> np.ndarray:
    return METHODS[method](votes, seats)
