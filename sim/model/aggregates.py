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
    """Totals per organization: its ``own`` value plus everything below it."""
    n = orgs.n
    parent = orgs.column("parent")
    alive = orgs.column("alive")
    total = np.asarray(own[:n], dtype=np.float64).copy()
    carry: np.ndarray = total.copy()
    for _ in range(MAX_DEPTH):
        has_parent = (parent >= 0) & alive & (carry != 0)
        if not has_parent.any():
            break
        carry = np.bincount(parent[has_parent], weights=carry[has_parent], minlength=n)
        total += carry
    return total


def members_below(orgs: Organizations, org_size: np.ndarray) -> np.ndarray:
    """Active members in each organization and its sub-organizations."""
    return roll_up(orgs, org_size).astype(np.int64)
