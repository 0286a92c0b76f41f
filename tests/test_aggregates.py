"""Members rolled up the hierarchy: an organization counts its own members and those of everything below it.

Source: "Basic Party Organizations": a primary organization is made of its
cells (through branches where it has them), a county/city committee of the
organizations under it; the bylaw thresholds (general meeting yearly above
500 members, committees, branches) count the members of the whole body.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import aggregates
from sim.model.aggregates import MAX_DEPTH, members_below
from sim.model.organizations import Kind, Organizations


def random_hierarchy(rng: np.random.Generator, n: int) -> Organizations:
    """A forest of depth at most MAX_DEPTH, children numbered after their parents and often beside their
    siblings (as founding numbers them), with some organizations dissolved."""
    parent = np.full(n, -1)
    depth = np.zeros(n, dtype=np.int64)
    for i in range(1, n):
        if rng.random() < 0.9:
            candidates = np.flatnonzero(depth[:i] < MAX_DEPTH - 1)
            parent[i] = i - 1 if rng.random() < 0.5 and depth[i - 1] < MAX_DEPTH - 1 else rng.choice(candidates)
            depth[i] = depth[parent[i]] + 1
    orgs = Organizations(n)
    orgs.append(n, kind=Kind.CELL, parent=parent)
    orgs.dissolve(rng.choice(n, n // 10, replace=False))
    return orgs


def walked_up(orgs: Organizations, own: np.ndarray) -> np.ndarray:
    """The oracle: each organization's count walked up its chain of parents, as long as the one handing it
    on is alive and has a parent."""
    total = own[: orgs.n].astype(np.int64)
    for org in range(orgs.n):
        at = org
        while orgs.alive[at] and orgs.parent[at] >= 0:
            at = int(orgs.parent[at])
            total[at] += own[org]
    return total


@pytest.mark.parametrize("pairs_up_to", [0, aggregates.PAIRS_UP_TO])
@pytest.mark.parametrize("seed", range(5))
def test_an_organization_counts_its_members_and_those_of_everything_below_it(monkeypatch, seed, pairs_up_to):
    """By the climb (any table) and by the (organization, ancestor) pairs (a small table)."""
    monkeypatch.setattr(aggregates, "PAIRS_UP_TO", pairs_up_to)
    rng = np.random.default_rng(seed)
    orgs = random_hierarchy(rng, 400)
    for _ in range(2):  # counted twice: nothing of one count may leak into the next
        own = rng.integers(0, 30, orgs.n) * (rng.random(orgs.n) < 0.7)
        assert members_below(orgs, own).tolist() == walked_up(orgs, own).tolist()


@pytest.mark.parametrize("pairs_up_to", [0, aggregates.PAIRS_UP_TO])
def test_the_counts_follow_organizations_reparented_added_and_dissolved(monkeypatch, pairs_up_to):
    monkeypatch.setattr(aggregates, "PAIRS_UP_TO", pairs_up_to)
    rng = np.random.default_rng(11)
    orgs = random_hierarchy(rng, 300)
    own = rng.integers(0, 30, 400)
    members_below(orgs, own)
    roots = np.flatnonzero(orgs.column("parent") < 0)
    roots = roots[(roots < 250) | (roots >= 260)]  # no organization under itself
    orgs.reparent(np.arange(250, 260), rng.choice(roots, 10))
    assert members_below(orgs, own).tolist() == walked_up(orgs, own).tolist()
    orgs.append(5, kind=Kind.CELL, parent=np.array([0, 0, 1, 250, 299]))
    assert members_below(orgs, own).tolist() == walked_up(orgs, own).tolist()
    orgs.dissolve(np.array([1, 250]))
    assert members_below(orgs, own).tolist() == walked_up(orgs, own).tolist()


def test_an_empty_table_has_no_totals():
    assert members_below(Organizations(4), np.zeros(4, dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("combine_from", [2, aggregates.COMBINE_FROM])
def test_the_sums_bound_for_one_organization_climb_on_together_as_the_same_totals(monkeypatch, combine_from):
    """A party numbered as founding numbers it (each level's organizations beside their siblings): the
    sums of a primary organization's branches reach it side by side and climb on as one (from however
    many sums), with the same totals as walked up one by one, also with some branches dissolved and a
    cell reparented."""
    monkeypatch.setattr(aggregates, "COMBINE_FROM", combine_from)
    monkeypatch.setattr(aggregates, "PAIRS_UP_TO", 0)  # the climb, whatever the table's size
    rng = np.random.default_rng(2)
    parent, above = [-1], range(1)  # the centre
    for children in (3, 4, 3, 5, 4):  # provinces, counties, primaries, branches, cells
        parent += [p for p in above for _ in range(children)]
        above, branches = range(above.stop, len(parent)), above
    orgs = Organizations(len(parent) + 1)
    orgs.append(len(parent), kind=Kind.CELL, parent=np.array(parent))
    own = rng.integers(0, 30, orgs.n + 1)
    assert members_below(orgs, own).tolist() == walked_up(orgs, own).tolist()
    orgs.dissolve(np.array(list(branches)[::7]))
    orgs.reparent(np.array([orgs.n - 1]), np.array([1]))
    assert members_below(orgs, own).tolist() == walked_up(orgs, own).tolist()


@pytest.mark.parametrize("pairs_up_to", [0, aggregates.PAIRS_UP_TO])
@pytest.mark.parametrize("seed", range(3))
def test_handed_on_only_by_the_lower_kinds_the_organizations_above_them_keep_their_totals(
    monkeypatch, seed, pairs_up_to
):
    """Kinds by depth (the centre at the top): with only the kinds below a level handing counts on, every
    organization of that level or below counts what it counts when everything hands on (what the meetings
    read of the basic organizations), and the others no more than that."""
    monkeypatch.setattr(aggregates, "PAIRS_UP_TO", pairs_up_to)
    rng = np.random.default_rng(seed)
    orgs = random_hierarchy(rng, 400)
    parent = orgs.column("parent")
    depth = np.zeros(orgs.n, dtype=np.int64)
    for org in range(orgs.n):  # parents are numbered before their children
        depth[org] = depth[parent[org]] + 1 if parent[org] >= 0 else 0
    orgs.kind[: orgs.n] = np.where(depth == MAX_DEPTH - 1, int(Kind.CELL), depth)
    own = rng.integers(0, 30, orgs.n)
    full = walked_up(orgs, own)
    for level in Kind:
        through = tuple(kind for kind in Kind if kind > level)
        below = members_below(orgs, own, through)
        exact = orgs.column("kind") >= level
        assert below[exact].tolist() == full[exact].tolist()
        assert (below <= full).all()
