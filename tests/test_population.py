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


@pytest.mark.parametrize("size", [2, FEW_MEMBERS, FEW_MEMBERS + 1, 40])
def test_punishment_stocks_are_the_same_counted_one_by_one_or_binned(size):
    """A few members' levels are counted in Python, many binned: both keep the stocks equal to a recount
    through punishing, replacing (heavier or lifted to 0 in one call) and lifting."""
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
