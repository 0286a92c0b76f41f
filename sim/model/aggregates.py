"""Per-organization aggregates rolled up the hierarchy with bincount (never a loop over orgs).

Members sit in cells and party teams; a primary organization's membership is
the sum over its cells and branches, a county's the sum over everything
below it. Rolling up is a few array operations per level of the hierarchy (a
handful), whatever the number of organizations.
"""

from __future__ import annotations

import numpy as np

from sim.model.organizations import Organizations

#: Central > province > county > primary > branch > cell: the deepest possible chain.
MAX_DEPTH = 6


def roll_up(orgs: Organizations, own: np.ndarray) -> np.ndarray:
    """Totals per organization: its ``own`` count plus those of everything below it (in the dtype of ``own``).

    Every organization hands its own count to its parent, then each level
    carries what it received one level up, until the top. The first level
    (at national scale half a million units handing their members up) is
    the big one; units are numbered mostly beside the other units of their
    parent, so it sums each run of consecutive organizations under one parent
    (``np.add.reduceat`` over the table: no gather, no table-long temporary)
    and hands on only the runs' sums, a seventh as many. Each level then sums
    what it hands on by parent after one sort. A weighted ``np.bincount``
    scattering every unit took twice as long, and ``np.unique`` (numpy 2.4)
    several times as long as that sort.
    """
    parent = orgs.column("parent")
    carries = (parent >= 0) & orgs.column("alive")
    total = np.array(own[: orgs.n])
    if len(total) == 0:
        return total
    # Runs of consecutive organizations under one parent that all carry (or all do not).
    runs = np.flatnonzero(np.concatenate(([True], (parent[1:] != parent[:-1]) | (carries[1:] != carries[:-1]))))
    carry = np.add.reduceat(total, runs)
    handed = carries[runs] & (carry != 0)
    to, carry = parent[runs[handed]], carry[handed]
    for _ in range(MAX_DEPTH):
        if len(to) == 0:
            break
        receiver, received = _summed_by(to, carry)
        total[receiver] += received
        onward = carries[receiver] & (received != 0)
        to, carry = parent[receiver[onward]], received[onward]
    return total


def _summed_by(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` (sorted) and the sum of ``values`` over each."""
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.add.reduceat(values, starts)


def members_below(orgs: Organizations, org_size: np.ndarray) -> np.ndarray:
    """Active members in each organization and its sub-organizations."""
    return roll_up(orgs, org_size).astype(np.int64, copy=False)
