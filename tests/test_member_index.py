"""The member index against a scan of the member table, with members moved and added since it was built."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.member_index import LOOKUP_ROWS, OPEN, MemberIndex, _flagged
from sim.model.organizations import Kind
from sim.model.population import ACTIVE, Status
from sim.run.engine import Simulation
from tests.conftest import small_scenario


@pytest.fixture
def world():
    """A world whose index has stale entries (members moved twice), new rows and departures since it was built."""
    world = Simulation(small_scenario(organization={"reorganize": False})).world
    pop, index = world.pop, world.members
    rng = np.random.default_rng(5)
    cells = world.orgs.ids_of(Kind.CELL)
    for _ in range(2):  # some members move twice, some back to where they were indexed
        movers = rng.choice(pop.n, 60, replace=False)
        movers = movers[ACTIVE[pop.status[movers]]]
        pop.move(movers, rng.choice(cells, len(movers)))
        index.moved(movers)
    pop.add(40, Status.CANDIDATE, rng.choice(cells, 40))
    pop.add(10, Status.APPLICANT, rng.choice(cells, 10))
    pop.transition(np.flatnonzero(ACTIVE[pop.status[: pop.n]])[:25], Status.EXITED)
    return world


def _scan(world, units: np.ndarray, statuses: np.ndarray) -> np.ndarray:
    pop = world.pop
    return np.flatnonzero(np.isin(pop.cell[: pop.n], units) & statuses[pop.status[: pop.n]])


def test_members_of_equals_a_scan_of_the_table(world):
    units = world.orgs.ids_of(Kind.CELL)[::3]
    for statuses in (OPEN, ACTIVE):
        assert np.array_equal(np.sort(world.members.members_of(units, statuses)), _scan(world, units, statuses))


def test_an_index_built_over_members_out_of_cell_order_equals_a_scan(world):
    """Founders come cell by cell; members moved before the index is built do not."""
    index = MemberIndex(world.pop)
    units = world.orgs.ids_of(Kind.CELL)[::3]
    assert np.array_equal(np.sort(index.members_of(units)), _scan(world, units, OPEN))


def test_after_a_refresh_nothing_is_pending_and_lookups_still_equal_a_scan(world):
    index = world.members
    assert len(index.pending())
    index.REFRESH_SHARE = 0  # merge whatever is pending
    index.refresh()
    assert len(index.pending()) == 0
    units = world.orgs.ids_of(Kind.CELL)[1::2]
    for statuses in (OPEN, ACTIVE):
        assert np.array_equal(np.sort(index.members_of(units, statuses)), _scan(world, units, statuses))


def test_asking_most_of_the_index_reads_it_through_a_mask_in_the_same_order(world):
    """Day 0 asks every unit: the mask over the index gives what gathering each unit's range gives, in order."""
    index = world.members
    units = world.orgs.ids_of(Kind.CELL)[::2]
    index.MASK_SHARE = 2.0  # never the mask
    ranges = index.members_of(units)
    index.MASK_SHARE = 0.0  # always the mask
    assert np.array_equal(index.members_of(units), ranges)
    assert np.array_equal(np.sort(ranges), _scan(world, units, OPEN))


def test_units_asked_out_of_order_and_repeated_give_what_the_sorted_distinct_units_give(world):
    """Many units out of order (a month's recruitment) are made distinct by a pass over the flags: same
    members, same order, as asking for them sorted; one flagged status is selected by comparison."""
    index = world.members
    rng = np.random.default_rng(3)
    units = rng.choice(world.orgs.ids_of(Kind.CELL), 200)
    full = np.zeros_like(OPEN)
    full[Status.FULL] = True
    index.SCAN_SHARE = 0.0  # always the pass over the flags
    for statuses in (OPEN, full):
        found = index.members_of(units, statuses)
        assert np.array_equal(found, index.members_of(np.unique(units), statuses))
        assert np.array_equal(np.sort(found), _scan(world, units, statuses))


def test_a_refresh_inserts_each_pending_member_after_its_units_indexed_members(world):
    """The merge keeps the index sorted by unit, indexed members before the pending ones (np.insert's order)."""
    index, pop = world.members, world.pop
    keep = ~index._stale[index.ids] & OPEN[pop.status[index.ids]]
    pending = index.pending()
    pending = pending[OPEN[pop.status[pending]]]
    pending = pending[np.argsort(pop.cell[pending], kind="stable")]
    at = np.searchsorted(_units(index)[keep], pop.cell[pending], side="right")
    expected = np.insert(index.ids[keep], at, pending)
    index.REFRESH_SHARE = 0
    index.refresh()
    assert np.array_equal(index.ids, expected)
    assert np.array_equal(_units(index), pop.cell[expected])


def _units(index):
    """The unit of each index entry, from the offsets."""
    return np.repeat(np.arange(len(index.offsets) - 1), np.diff(index.offsets))


def test_a_unit_created_after_the_index_was_built_finds_its_members_among_the_pending(world):
    """Re-organization adds cells between refreshes: their members are all pending, and found."""
    orgs, pop = world.orgs, world.pop
    new = orgs.copy_rows(np.repeat(orgs.ids_of(Kind.CELL)[:1], len(world.members.offsets)))[-2:]
    pop.ensure_orgs(orgs.n)
    pop.add(6, Status.CANDIDATE, np.repeat(new, 3))
    assert new.max() >= len(world.members.offsets) - 1  # beyond the units the index knows
    for units in (new, new[-1:], np.r_[orgs.ids_of(Kind.CELL)[:3], new]):
        assert np.array_equal(np.sort(world.members.members_of(units)), _scan(world, units, OPEN))


@pytest.mark.parametrize("n", [0, 3, LOOKUP_ROWS, LOOKUP_ROWS + 1, 3 * LOOKUP_ROWS])
def test_flagged_statuses_equal_a_lookup_by_few_or_many_codes(n):
    codes = np.random.default_rng(n).integers(0, len(OPEN), n).astype(np.int8)
    # Every set of statuses: runs of consecutive codes (one comparison each), single codes, none, all.
    for bits in range(1 << len(OPEN)):
        statuses = np.array([(bits >> code) & 1 for code in range(len(OPEN))], dtype=bool)
        flagged = _flagged(codes, statuses)
        assert flagged.dtype == bool
        np.testing.assert_array_equal(flagged, statuses[codes])
