"""The member table's storage: appended rows, status counts, the recount behind the stock invariants."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.population import (
    COLUMNS,
    COUNT_BY_COMPARISON_ABOVE,
    FEW_MEMBERS,
    N_STATUS,
    Population,
    Status,
    code_counts,
)


@pytest.mark.parametrize("size", [50, COUNT_BY_COMPARISON_ABOVE + 1])
def test_code_counts_equal_bincount_and_skip_codes_outside_the_range(size):
    """Both ways of counting (bincount for a few codes, comparisons for many) give bincount's answer."""
    codes = np.random.default_rng(3).integers(-2, N_STATUS + 3, size).astype(np.int8)
    inside = codes[(codes >= 0) & (codes < N_STATUS)]
    counts = code_counts(codes, N_STATUS)
    assert counts.tolist() == np.bincount(inside, minlength=N_STATUS).tolist()


def test_appended_rows_take_the_column_fill_unless_given_also_after_the_table_grows():
    pop = Population(capacity=16, n_orgs=4)
    pop.add(10, Status.FULL, cell=1, sincerity=0.5)
    pop.add(30, Status.CANDIDATE, cell=np.arange(30) % 4, recommender1=7)  # grows the table
    assert pop.capacity >= 40 and pop.n == 40
    first, rest = {"sincerity": 0.5}, {"recommender1": 7}
    for name, (_, fill) in COLUMNS.items():
        if name not in ("status", "cell"):
            assert (pop.column(name)[:10] == first.get(name, fill)).all(), name
            assert (pop.column(name)[10:] == rest.get(name, fill)).all(), name
    assert pop.counts[Status.FULL] == 10 and pop.counts[Status.CANDIDATE] == 30
    assert pop.org_size.tolist() == [8, 18, 7, 7]
    pop.check_consistency()


def test_rows_appended_into_rows_filled_ahead_take_the_fill_of_a_column_not_given_to_them():
    """The fills are written ahead of the appended rows; a column given to some rows is filled past them only,
    so the next rows, not given it, still read its fill."""
    pop = Population(capacity=100, n_orgs=4)
    pop.append(3, cell=2, sincerity=0.5, recommender1=7)
    pop.append(4, due=9)
    assert pop.column("cell").tolist() == [2] * 3 + [-1] * 4
    assert pop.column("sincerity").tolist() == [0.5] * 3 + [np.float32(0.8)] * 4
    assert pop.column("recommender1").tolist() == [7] * 3 + [-1] * 4
    assert pop.column("due").tolist() == [-1] * 3 + [9] * 4


def test_a_row_with_no_status_code_fails_the_recount():
    pop = Population(capacity=16, n_orgs=2)
    pop.add(5, Status.FULL, cell=1)
    pop.status[2] = N_STATUS + 3
    with pytest.raises(AssertionError, match="1 rows hold no status code"):
        pop.check_consistency()


def test_education_keeps_the_active_members_sincerity_sum_exact_when_inactive_members_are_educated():
    """Population.educate: "the one place sincerity changes after entry, so that the active members' sum stays
    exact" — an inactive member's education changes their sincerity but not the active sum."""
    pop = Population(capacity=8, n_orgs=2)
    pop.add(4, Status.FULL, cell=1, sincerity=0.5)
    ids = np.arange(4)
    pop.transition(ids[3:], Status.EXITED)
    before = pop.active_sincerity
    pop.educate(ids[2:], 0.5)
    assert pop.sincerity[ids[3]] == pytest.approx(0.75)
    assert pop.active_sincerity == pytest.approx(before + 0.25)
    pop.check_consistency()


def test_punished_members_per_organization_follow_punishments_moves_and_exits():
    """``org_punished`` counts each organization's active members under a standing punishment (what a
    candidate's guidance reads): punishing, lifting, moving and leaving keep it equal to a recount."""
    pop = Population(capacity=16, n_orgs=3)
    pop.add(6, Status.FULL, cell=np.array([0, 0, 1, 1, 2, 2]))
    pop.set_punishment(np.array([0, 1, 2]), 1)
    assert pop.org_punished.tolist() == [2, 1, 0]
    pop.set_punishment(np.array([1, 2]), np.array([2, 0]))  # heavier for one, lifted for the other
    pop.move(np.array([1, 4]), np.array([2, 0]))
    pop.transition(np.array([0]), Status.EXITED)
    pop.ensure_orgs(40)  # the counts grow with the organization table
    assert pop.org_punished[:3].tolist() == [0, 0, 1]
    pop.check_consistency()


@pytest.mark.parametrize("size", [1, 2, FEW_MEMBERS, FEW_MEMBERS + 1, 40])
def test_punishment_stocks_are_the_same_counted_one_by_one_or_binned(size):
    """One member's level is counted in scalars, a few members' in Python, many binned: each keeps the stocks
    equal to a recount through punishing, replacing (heavier or lifted to 0 in one call) and lifting."""
    pop = Population(capacity=64, n_orgs=5)
    pop.add(40, Status.FULL, cell=np.arange(40) % 5)
    rng = np.random.default_rng(size)
    ids = rng.choice(40, size, replace=False)
    pop.set_punishment(ids, rng.integers(1, 4, size).astype(np.int8))
    pop.check_consistency()
    pop.set_punishment(ids, rng.integers(0, 4, size).astype(np.int8), held=pop.punish_level[ids].copy())
    pop.check_consistency()
    pop.set_punishment(ids, 0, cells=pop.cell[ids])
    assert pop.punished.sum() == 0 and pop.org_punished.sum() == 0
    pop.check_consistency()


@pytest.mark.parametrize("size", [1, 3, FEW_MEMBERS, FEW_MEMBERS + 1, 40])
@pytest.mark.parametrize("known_source", [True, False])
def test_transitions_keep_the_same_aggregates_counted_one_by_one_or_on_arrays(size, known_source):
    """A few members' transitions are counted in Python, more on arrays: stocks, flows, sizes, punished counts,
    the logged size changes and the sincerity sum are those of the array path."""

    def table(few: bool) -> Population:
        pop = Population(capacity=128, n_orgs=5)
        rng = np.random.default_rng(size)
        pop.add(60, Status.FULL, cell=np.arange(60) % 5, sincerity=rng.random(60).astype(np.float32))
        pop.transition(np.arange(0, 60, 4), Status.CANDIDATE, source=Status.FULL)
        pop.set_punishment(np.arange(0, 60, 3), 2)
        pop.log_size_changes()
        chunk = 1 if few else size  # one member a call: Python; the whole group in one call: arrays if many
        moves = [
            (rng.choice(60, size, replace=False), Status.EXITED, None),
            (np.arange(60, 60 + size), Status.APPLICANT, Status.EMPTY),
        ]
        pop.append(size, cell=np.arange(size) % 5, sincerity=rng.random(size).astype(np.float32))
        for ids, to, source in moves:
            ids = np.sort(ids)
            for start in range(0, size, chunk):
                part = ids[start : start + chunk]
                pop.transition(part, to, source=source if known_source or source == Status.EMPTY else None)
        applicants = np.arange(60, 60 + size)
        for start in range(0, size, chunk):
            pop.transition(applicants[start : start + chunk], Status.CANDIDATE, source=Status.APPLICANT)
        return pop

    few, many = table(True), table(False)
    for pop in (few, many):
        pop.check_consistency()
    assert few.counts.tolist() == many.counts.tolist() and few.flows.tolist() == many.flows.tolist()
    assert few.org_size.tolist() == many.org_size.tolist()
    assert few.org_punished.tolist() == many.org_punished.tolist()
    assert few.punished.tolist() == many.punished.tolist()
    assert few.punishments_removed == many.punishments_removed
    gained, lost = few.take_size_changes()
    gained_many, lost_many = many.take_size_changes()
    assert gained.tolist() == gained_many.tolist() and lost.tolist() == lost_many.tolist()


def test_a_few_members_sincerity_is_summed_as_numpy_sums_them():
    """The Python path sums a few members' sincerity (or its changes) in order: numpy's float64 sum of up to
    FEW_MEMBERS numbers gives the same double, so the active sum does not depend on the path. Values of very
    different magnitudes (from 1e-12 to 1) make the order of the additions show."""
    rng = np.random.default_rng(7)
    for size in range(1, FEW_MEMBERS + 1):
        for _ in range(2000):
            values = (rng.random(size) * 10.0 ** rng.uniform(-12, 0, size)).astype(np.float32)
            assert sum(values.tolist()) == float(values.sum(dtype=np.float64))
            changes = rng.random(size) * 10.0 ** rng.uniform(-12, 0, size)
            assert sum(changes.tolist()) == float(changes.sum())


def test_one_row_appended_with_scalars_or_arrays_holds_its_values_and_the_fills():
    """A single row takes scalars at its index and arrays as a slice: the same row either way."""
    pop = Population(capacity=16, n_orgs=4)
    pop.append(1, cell=2, sincerity=np.float32(0.25), female=True, due=np.array([9]))
    pop.append(
        1, cell=np.array([3], dtype=np.int32), sincerity=np.array([0.25], dtype=np.float32), female=np.array([True])
    )
    for name in ("cell", "sincerity", "female", "due", "recommender1"):
        assert pop.column(name)[0] == pop.column(name)[1] or name in ("cell", "due"), name
    assert pop.column("cell").tolist() == [2, 3] and pop.column("due").tolist() == [9, -1]
    assert pop.column("recommender1").tolist() == [-1, -1] and pop.column("sincerity").tolist() == [0.25, 0.25]


@pytest.mark.parametrize("size", [1, FEW_MEMBERS, FEW_MEMBERS + 1])
@pytest.mark.parametrize("active", [True, False])
def test_educating_a_few_or_many_keeps_the_same_active_sincerity_sum(size, active):
    """A few members' sincerity changes are summed in Python, more on arrays: the same double either way
    (members educated one group at a time, in groups below and above the threshold), inactive ones left out."""
    sums = []
    for chunk in (1, size):
        pop = Population(capacity=64, n_orgs=3)
        pop.add(
            40, Status.FULL, cell=np.arange(40) % 3, sincerity=np.random.default_rng(5).random(40).astype(np.float32)
        )
        if not active:
            pop.transition(np.arange(0, 40, 5), Status.EXITED)
        ids = np.sort(np.random.default_rng(size).choice(40, size, replace=False))
        for start in range(0, size, chunk):
            pop.educate(ids[start : start + chunk], 0.3, active=active)
        pop.check_consistency()
        sums.append(pop.active_sincerity)
    assert sums[0] == pytest.approx(sums[1], rel=1e-12)


@pytest.mark.parametrize("size", [1, 3, FEW_MEMBERS, FEW_MEMBERS + 1])
def test_educated_sincerity_is_the_array_expression_s_bit_for_bit(size):
    """A few members are educated one by one in float32 scalars, more on arrays: each member's new
    sincerity is the float32 array expression's, bit for bit."""
    pop = Population(capacity=64, n_orgs=3)
    before = np.random.default_rng(size).random(40).astype(np.float32)
    pop.add(40, Status.FULL, cell=np.arange(40) % 3, sincerity=before)
    ids = np.sort(np.random.default_rng(size + 1).choice(40, size, replace=False))
    pop.educate(ids, 0.37, active=True)
    expected = before[ids] + np.float32(0.37) * (1 - before[ids])
    assert pop.sincerity[ids].tolist() == expected.tolist()
    pop.check_consistency()


def test_people_added_outside_the_membership_are_counted_as_by_a_transition():
    """Population.add writes a non-member status (a day's applicants) with the other columns and counts it
    itself: the same stocks, flows and statuses as added as members and moved by a transition."""
    counted, moved = Population(capacity=32, n_orgs=3), Population(capacity=32, n_orgs=3)
    for count in (1, 3, 12):
        counted.add(count, Status.APPLICANT, cell=1, applied=5)
        ids = moved.append(count, cell=1, applied=5)
        moved.transition(ids, Status.APPLICANT, source=Status.EMPTY)
    assert counted.counts.tolist() == moved.counts.tolist() and counted.flows.tolist() == moved.flows.tolist()
    assert counted.column("status").tolist() == moved.column("status").tolist()
    assert counted.org_size.tolist() == moved.org_size.tolist()
    counted.check_consistency()
