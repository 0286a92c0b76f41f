"""Which organizations meet on a day: the cohort rules of the bylaw calendar (pure functions).

Source: "Basic Party Organizations": cell meetings monthly and cell
committees at least monthly (their second meeting two weeks after the first),
general meetings every three months, Party Life Critique weekly or every two
days by the cell's job (``sim.model.cohorts`` spreads bodies over cohorts).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import cohorts
from sim.model.organizations import MEETING_DAYS, Kind, Organizations


def table(meeting_days: np.ndarray) -> Organizations:
    orgs = Organizations(len(meeting_days))
    orgs.append(len(meeting_days), kind=Kind.CELL, meeting_day=meeting_days)
    return orgs


def test_second_meeting_of_the_month_is_two_weeks_after_the_first_wrapped_into_1_to_28():
    days = np.arange(1, MEETING_DAYS + 1)
    assert cohorts.second_day(days).tolist() == [(d - 1 + 14) % 28 + 1 for d in days]
    assert cohorts.second_day(np.array([1, 14, 15, 28])).tolist() == [15, 28, 1, 14]


@pytest.mark.parametrize("day", range(1, 32))
def test_bodies_meeting_today_are_those_whose_first_or_second_meeting_falls_today(day):
    meeting_days = np.tile(np.arange(1, MEETING_DAYS + 1), 3)
    orgs = table(meeting_days)
    buckets = cohorts.meeting_buckets(orgs)
    first = cohorts.meeting_today(buckets, day, cohorts.UNITS)
    second = cohorts.meeting_today(buckets, day, cohorts.UNITS, second=True)
    expected_first = np.flatnonzero(meeting_days == day)
    expected_second = np.flatnonzero(cohorts.second_day(meeting_days) == day) if day <= MEETING_DAYS else []
    assert sorted(first.tolist()) == expected_first.tolist()
    assert sorted(second.tolist()) == list(expected_second)


def test_dissolved_bodies_meet_on_no_day_and_are_in_no_group():
    orgs = table(np.array([3, 3, 5]))
    buckets = cohorts.meeting_buckets(orgs)
    orgs.dissolve(np.array([1]))
    assert cohorts.meeting_today(buckets, 3, cohorts.UNITS).tolist() == [0]
    assert buckets.keys().tolist() == [2 * 2, -1, 4 * 2]


def test_units_and_basic_organizations_meet_apart_and_higher_committees_on_no_cohort_day():
    orgs = Organizations(8)
    kinds = [Kind.COUNTY, Kind.PRIMARY, Kind.CELL, Kind.BRANCH, Kind.TEAM, Kind.SUBPRIMARY, Kind.CELL, Kind.PROVINCE]
    orgs.append(len(kinds), kind=np.array(kinds), meeting_day=np.full(len(kinds), 7))
    buckets = cohorts.meeting_buckets(orgs)
    assert cohorts.meeting_today(buckets, 7, cohorts.UNITS).tolist() == [2, 4, 6]
    assert cohorts.meeting_today(buckets, 7, cohorts.BASIC).tolist() == [1, 3, 5]
    assert cohorts.meeting_today(buckets, 21, cohorts.BASIC, second=True).tolist() == [1, 3, 5]
    assert buckets.keys()[[0, 7]].tolist() == [-1, -1]


def test_a_group_lists_its_bodies_in_id_order():
    rng = np.random.default_rng(4)
    orgs = table(rng.integers(1, 3, 500))  # two big groups: an unstable sort would shuffle them
    buckets = cohorts.meeting_buckets(orgs)
    for day in (1, 2):
        ids = cohorts.meeting_today(buckets, day, cohorts.UNITS)
        assert (np.diff(ids) > 0).all()


def test_groups_stay_those_of_the_living_bodies_in_id_order_as_bodies_are_added_and_dissolved():
    rng = np.random.default_rng(7)
    orgs = table(rng.integers(1, MEETING_DAYS + 1, 300))
    buckets = cohorts.meeting_buckets(orgs)
    for _ in range(20):
        added = rng.integers(0, 30)
        orgs.append(added, kind=Kind.CELL, meeting_day=rng.integers(1, MEETING_DAYS + 1, added))
        orgs.dissolve(rng.choice(orgs.n, rng.integers(0, 30), replace=False))
        if rng.random() < 0.3:  # a reparenting alone leaves the groups as they are
            orgs.reparent(np.array([0]), np.array([1]))
        alive = orgs.column("alive")
        for day in range(1, MEETING_DAYS + 1):
            expected = np.flatnonzero(alive & (orgs.column("meeting_day") == day))
            assert cohorts.meeting_today(buckets, day, cohorts.UNITS).tolist() == expected.tolist()
    assert buckets.regroupings <= 20 + 1


def test_a_group_is_the_same_read_only_array_until_a_body_joins_or_leaves_it():
    orgs = table(np.array([3, 3, 5, 7]))
    buckets = cohorts.meeting_buckets(orgs)
    on_3, on_5 = cohorts.meeting_today(buckets, 3, cohorts.UNITS), cohorts.meeting_today(buckets, 5, cohorts.UNITS)
    assert not on_3.flags.writeable
    orgs.append(1, kind=Kind.CELL, meeting_day=np.array([5]))
    assert cohorts.meeting_today(buckets, 3, cohorts.UNITS) is on_3
    assert cohorts.meeting_today(buckets, 5, cohorts.UNITS).tolist() == [2, 4]
    orgs.dissolve(np.array([0]))
    assert cohorts.meeting_today(buckets, 3, cohorts.UNITS).tolist() == [1]
    assert on_3.tolist() == [0, 1] and on_5.tolist() == [2]


def test_what_a_cohort_yields_is_derived_again_only_when_its_group_changes():
    orgs = table(np.array([3, 3, 5]))
    buckets = cohorts.meeting_buckets(orgs)
    derived = []
    sizes = cohorts.GroupMemo(lambda ids: derived.append(ids.tolist()) or len(ids))
    for _ in range(3):
        assert sizes(3, cohorts.meeting_today(buckets, 3, cohorts.UNITS)) == 2
    orgs.append(1, kind=Kind.CELL, meeting_day=np.array([5]))  # another day's group changes
    assert sizes(3, cohorts.meeting_today(buckets, 3, cohorts.UNITS)) == 2
    orgs.append(1, kind=Kind.CELL, meeting_day=np.array([3]))
    assert sizes(3, cohorts.meeting_today(buckets, 3, cohorts.UNITS)) == 3
    assert derived == [[0, 1], [0, 1, 4]]


def test_bodies_meeting_every_k_months_meet_when_month_plus_id_is_a_multiple_of_k():
    ids = np.arange(12)
    for month in range(12):
        assert cohorts.in_phase(ids, month, 3).tolist() == [(i + month) % 3 == 0 for i in ids]
    assert cohorts.in_phase(np.array([1]), 2, 3).tolist() == [True]
    assert cohorts.in_phase(np.array([1]), 1, 3).tolist() == [False]


def test_unit_hash_is_the_golden_ratio_hash_of_the_id_plus_one():
    ids = np.array([0, 1, 2, 12345, 2**31])
    golden = 0x9E3779B97F4A7C15
    expected = [(((i + 1) * golden) % 2**64 >> 11) / 2**53 for i in ids.tolist()]
    assert cohorts.unit_hash(ids).tolist() == expected


def test_weekly_critique_cohorts_are_weekdays_and_every_two_days_cohorts_are_the_two_parities():
    ids = np.arange(200)
    weekly = cohorts.critique_cohort(ids, 0.0)
    assert weekly.tolist() == (ids % 7).tolist()
    frequent = cohorts.critique_cohort(ids, 1.0)
    assert frequent.tolist() == (cohorts.EVERY_TWO_DAYS_COHORTS[0] + ids % 2).tolist()
    assert set(cohorts.EVERY_TWO_DAYS_COHORTS) == {7, 8} and cohorts.N_CRITIQUE_COHORTS == 9
    mixed = cohorts.critique_cohort(ids, 0.3)
    share = np.mean(mixed >= 7)
    # 200 hashes, Binomial(200, 0.3): sd 0.032; 4 sd either side.
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 200)
    assert (mixed[mixed >= 7] == 7 + ids[mixed >= 7] % 2).all()
    assert (mixed[mixed < 7] == ids[mixed < 7] % 7).all()
