"""Per-organization aggregates rolled up the hierarchy with bincount (never a loop over orgs).

Members sit in cells and party teams; a primary organization's membership is
the sum over its cells and branches, a county's the sum over everything
below it. Rolling up is a few array operations per level of the hierarchy (a
handful), whatever the number of organizations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model.organizations import Kind, Organizations, is_kind

#: Central > province > county > primary > branch > cell: the deepest possible chain.
MAX_DEPTH = 6
#: Sums climbing a level are looked at for neighbours bound for one organization from this many on
#: (fewer: the test costs what it might save; at 200,000 members the climb took as long either way).
COMBINE_FROM = 4096
#: Up to this many organizations, whole-number counts are rolled up by one weighted count over every
#: (organization, ancestor) pair (:func:`_ancestor_pairs`): four NumPy calls where the climb takes some
#: seventy, which is what a county's party pays (830 organizations: 14 against 24 us a roll-up, 80 a run);
#: at 16,000 organizations both take 0.11 ms, and at national scale the pairs are millions.
PAIRS_UP_TO = 8192


def roll_up(orgs: Organizations, own: np.ndarray, through: Sequence[Kind] = ()) -> np.ndarray:
    """Totals per organization: its ``own`` count plus those of everything below it (in the dtype of ``own``).

    With ``through`` kinds, only organizations of those kinds hand counts on:
    an organization whose descendants are all of them gets the same total as
    without (those below the primary organizations: a basic organization's),
    the others a part of it. The meetings read the basic organizations'
    sizes only, monthly: at 1 M members the roll-up then climbs two levels
    instead of five (0.57 -> 0.39 ms), and telling who hands on is one more
    comparison, on the organizations' own kinds, once per state of the
    hierarchy (which changes in about half of the months).

    Every organization hands its own count to its parent, then each count
    handed on climbs one level at a time, until the top. The first level
    (at national scale half a million units handing their members up) is
    the big one; units are numbered mostly beside the other units of their
    parent, so it sums each run of consecutive organizations under one parent
    (``np.add.reduceat`` over the table: no gather, no table-long temporary)
    and hands on only the runs' sums, a seventh as many. Those sums then
    climb, added in at each level by ``np.add.at`` (numpy 2.4: 70,000 sums in
    0.1 ms); neighbours bound for the same organization are summed first
    (``np.add.reduceat`` over their runs) when they are thousands and that at
    least halves them, as it does on the second level (the sums of a primary
    organization's branches; at 1 M members 10,500 sums climb on as 3,700,
    the climb 0.27 -> 0.20 ms; national: 68,000 as 23,000), never sorted by
    receiver: sorting them by parent at every level
    took twice as long. A weighted ``np.bincount`` scattering every unit took
    twice as long as the first level, and ``np.unique`` several times as
    long as that sort.

    Which organizations hand on and where the runs start depend on the
    hierarchy alone (:func:`_hierarchy_runs`), not on the counts: they are kept
    until it changes, while the meetings roll members up every month. A small
    table's whole-number counts (a county's party) are instead added up the
    kept (organization, ancestor) pairs at once: there the climb's NumPy calls,
    not its passes, are the cost.
    """
    total = np.array(own[: orgs.n])
    if len(total) == 0:
        return total
    if len(total) <= PAIRS_UP_TO and total.dtype.kind in "iu":
        # Whole numbers (members) sum exactly in double precision in any order (far below 2**53).
        source, ancestor = _ancestor_pairs(orgs, tuple(through))
        total += np.bincount(ancestor, weights=total.take(source), minlength=len(total)).astype(total.dtype)
        return total
    parent = orgs.column("parent")
    carries, runs, runs_carry = _hierarchy_runs(orgs, tuple(through))
    carry = np.add.reduceat(total, runs)
    handed = runs_carry & (carry != 0)
    to, carry = parent.take(runs.compress(handed)), carry.compress(handed)
    for _ in range(MAX_DEPTH):
        if len(to) == 0:
            break
        np.add.at(total, to, carry)
        onward = carries.take(to)  # a receiver that is dissolved or at the top keeps what it received
        to, carry = parent.take(to.compress(onward)), carry.compress(onward)
        if len(to) < COMBINE_FROM:
            continue
        # Where each run of neighbours bound for one organization starts (the first always does).
        bound = np.flatnonzero(to[1:] != to[:-1])
        if 2 * (len(bound) + 1) <= len(to):
            bound += 1
            bound = np.concatenate(([0], bound))
            to, carry = to.take(bound), np.add.reduceat(carry, bound)
    return total


def _hierarchy_runs(orgs: Organizations, through: tuple[Kind, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which organizations hand their counts on (living, with a parent, of one of the kinds ``through`` if
    any are given), where each run of consecutive organizations under one parent that all hand on (or all do not)
    starts, and whether each run hands on: read-only, derived once per state of the hierarchy (at national
    scale three passes over half a million organizations, a month's roll-up took as long again)."""
    parent = orgs.column("parent")

    def hands_on() -> np.ndarray:
        carries = (parent >= 0) & orgs.column("alive")
        if through:
            carries &= is_kind(orgs.column("kind"), *through)
        return carries

    def starts() -> np.ndarray:
        return np.flatnonzero(np.concatenate(([True], (parent[1:] != parent[:-1]) | (carries[1:] != carries[:-1]))))

    carries = orgs.of_hierarchy(("roll-up: hands on", through), hands_on)
    runs = orgs.of_hierarchy(("roll-up: run starts", through), starts)
    return carries, runs, orgs.of_hierarchy(("roll-up: run hands on", through), lambda: carries.take(runs))


def _ancestor_pairs(orgs: Organizations, through: tuple[Kind, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Every (organization, ancestor) pair a count climbs along in :func:`roll_up`: from each organization
    that hands on, up to ``MAX_DEPTH`` levels, as long as the one handing on is living, has a parent (and is
    of the kinds ``through``, if any are given). Read-only, derived once per state of the hierarchy."""

    def derive() -> np.ndarray:
        parent = orgs.column("parent")
        carries = _hierarchy_runs(orgs, through)[0]
        source = np.flatnonzero(carries)
        ancestor = parent.take(source)
        sources, ancestors = [source], [ancestor]
        for _ in range(MAX_DEPTH - 1):
            onward = carries.take(ancestor)
            source, ancestor = source.compress(onward), parent.take(ancestor.compress(onward))
            if len(source) == 0:
                break
            sources.append(source)
            ancestors.append(ancestor)
        return np.stack([np.concatenate(sources), np.concatenate(ancestors)])

    pairs = orgs.of_hierarchy(("roll-up: ancestor pairs", through), derive)
    return pairs[0], pairs[1]


def members_below(orgs: Organizations, org_size: np.ndarray, through: Sequence[Kind] = ()) -> np.ndarray:
    """Active members in each organization and its sub-organizations (handed on only by those of the kinds
    ``through``, if any are given: see :func:`roll_up`)."""
    return roll_up(orgs, org_size, through).astype(np.int64, copy=False)
