"""Per-organization aggregates rolled up the hierarchy with bincount (never a loop over orgs).

Members sit in cells and party teams; a primary organization's membership is
the sum over its cells and branches, a county's the sum over everything
below it. Rolling up is one ``np.bincount`` per level of the hierarchy (a
handful), whatever the number of organizations.
"""

from __future__ import annotations

import numpy as np

from sim.model.organizations import Organizations

#: Central > province > county > primary > branch > cell: the deepest possible chain.
MAX_DEPTH = 6


def roll_up(orgs: Organizations, own: np.ndarray) -> np.ndarray:
    """Totals per organization: its ``own`` value plus everything below it.

    The first level (cells handing their members to their parents) is one
    ``np.bincount`` over the table; the levels above carry from the few
    organizations that received something, a bincount over their distinct
    parents each, not another pass over the whole table.
    """
    n = orgs.n
    parent = orgs.column("parent")
    carries = (parent >= 0) & orgs.column("alive")
    total = np.asarray(own[:n], dtype=np.float64).copy()
    source = np.flatnonzero(carries & (total != 0))
    received = np.bincount(parent[source], weights=total[source], minlength=n)
    total += received
    source = np.flatnonzero(carries & (received != 0))
    carry = received[source]
    for _ in range(MAX_DEPTH - 1):
        if len(source) == 0:
            break
        receiver, at = np.unique(parent[source], return_inverse=True)
        carry = np.bincount(at, weights=carry, minlength=len(receiver))
        total[receiver] += carry
        onward = carries[receiver] & (carry != 0)
        source, carry = receiver[onward], carry[onward]
    return total


def members_below(orgs: Organizations, org_size: np.ndarray) -> np.ndarray:
    """Active members in each organization and its sub-organizations."""
    return roll_up(orgs, org_size).astype(np.int64)
