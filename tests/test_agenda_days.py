"""A deferred step comes due on its own day: not a day early, not a day late.

Source: ``sim.model.agenda`` — bylaw procedures wait for a date (the cell's
next meeting, the committee's decision, the end of a good-conduct period);
the agenda must hand each id back on exactly the day it was pushed for,
whatever bucket the day falls in.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.model.agenda import BUCKET_DAYS, Agenda
from sim.model.calendar import Calendar, MeetingDates
from sim.model.organizations import MEETING_DAYS
from sim.scenario.spans import Span


def test_every_id_is_popped_on_exactly_the_day_it_is_due():
    days = np.arange(3 * BUCKET_DAYS + 5)
    agenda = Agenda()
    agenda.push(np.arange(len(days)) + 100, days)  # one id a day, spanning several buckets
    agenda.push(np.array([7, 8]), 2 * BUCKET_DAYS + 3)  # a push for one day
    for day in days.tolist():
        due = agenda.pop(day).tolist()
        expected = [100 + day] + ([7, 8] if day == 2 * BUCKET_DAYS + 3 else [])
        assert due == sorted(expected), day
    assert len(agenda) == 0


def test_a_pop_after_a_gap_returns_everything_overdue_once():
    agenda = Agenda()
    agenda.push(np.array([5, 6, 7]), np.array([3, 11, 30]))
    assert agenda.pop(12).tolist() == [5, 6]
    assert agenda.pop(29).tolist() == []
    assert agenda.pop(30).tolist() == [7]


def test_a_bucket_gives_nothing_before_its_earliest_day_and_keeps_what_is_not_due():
    """Ids of one bucket come back on their own days, also when pushed into it after it was opened."""
    agenda = Agenda()
    agenda.push(np.array([1, 2, 3]), np.array([5 * BUCKET_DAYS + 6, 5 * BUCKET_DAYS + 2, 5 * BUCKET_DAYS + 4]))
    agenda.push(np.array([4]), 5 * BUCKET_DAYS + 3)
    assert agenda.pop(5 * BUCKET_DAYS + 1).tolist() == []
    assert agenda.pop(5 * BUCKET_DAYS + 3).tolist() == [2, 4]
    assert agenda.pop(5 * BUCKET_DAYS + 3).tolist() == []
    assert agenda.pop(5 * BUCKET_DAYS + 5).tolist() == [3]
    assert agenda.pop(6 * BUCKET_DAYS).tolist() == [1] and len(agenda) == 0


def test_a_large_push_over_many_buckets_comes_back_day_by_day():
    rng = np.random.default_rng(3)
    ids, days = rng.permutation(500), rng.integers(0, 10 * BUCKET_DAYS, 500)
    agenda = Agenda()
    agenda.push(ids, days)
    for day in range(10 * BUCKET_DAYS):
        assert agenda.pop(day).tolist() == sorted(ids[days == day].tolist()), day


@pytest.mark.parametrize("start", [dt.date(2021, 1, 1), dt.date(2020, 2, 17), dt.date(2019, 12, 31)])
@pytest.mark.parametrize("later", [True, False])
def test_the_meeting_table_gives_the_calendars_next_and_last_meetings(start, later):
    """The cells' meeting dates looked up in the table are the calendar's, inside its range and outside."""
    cal = Calendar(start, Span.parse("3y"))
    table = MeetingDates(cal, 40, cal.horizon + 400, later=later)
    monthly = cal.next_monthly if later else cal.previous_monthly
    meeting_day = np.random.default_rng(5).integers(1, MEETING_DAYS + 1, 300).astype(np.int8)
    days = np.arange(300) * 5 - 200  # before, inside and after the table's range
    assert np.array_equal(table.of(days, meeting_day), monthly(days, meeting_day))
    assert np.array_equal(table.of(days[100:150], meeting_day[100:150]), monthly(days[100:150], meeting_day[100:150]))
    for day in (0, 40, 333, cal.horizon + 400, cal.horizon + 401):
        assert np.array_equal(table.of(day, meeting_day), monthly(np.full(300, day), meeting_day)), day
        # One meeting day as a scalar (a small party's one id): the same date, inside the range and outside.
        assert table.of(day, meeting_day[7]) == monthly(np.array([day]), meeting_day[7:8])[0], day
    # A few days (bounded in Python): inside, and one past either end of the range.
    for few in ([40, 41], [39, 300], [500, cal.horizon + 400], [cal.horizon + 401], [200, 100, 60], []):
        days, dom = np.array(few, dtype=np.int64), meeting_day[: len(few)]
        assert np.array_equal(table.of(days, dom), monthly(days, dom)), few
        assert table.of(days, dom).dtype == np.int64, few
        # One meeting day for all the days (broadcast): the same dates.
        assert np.array_equal(table.of(days, meeting_day[7]), monthly(days, np.full(len(few), meeting_day[7]))), few
    # Many days (one flat index, bounded as unsigned): inside, and a single one past either end of the range.
    inside = np.arange(40, 40 + 2 * len(meeting_day), 2)
    for edge in (None, 0, -1):
        days = inside.copy()
        if edge is not None:
            days[edge] = 39 if edge == 0 else cal.horizon + 401
        assert np.array_equal(table.of(days, meeting_day), monthly(days, meeting_day)), edge


def test_the_runs_of_one_calendar_share_their_meeting_tables_and_others_get_their_own():
    """A table is built once per calendar and range in a process (a sweep's runs share it), read-only,
    and a table kept for one calendar never answers for another."""
    start, other = dt.date(2021, 1, 1), dt.date(2021, 3, 10)
    first = MeetingDates(Calendar(start, Span.parse("2y")), 0, 800, later=True)
    again = MeetingDates(Calendar(start, Span.parse("2y")), 0, 800, later=True)
    assert again._dates is first._dates and not first._dates.flags.writeable
    cal = Calendar(other, Span.parse("2y"))
    elsewhere = MeetingDates(cal, 0, 800, later=True)
    assert elsewhere._dates is not first._dates
    days, meeting_day = np.arange(0, 800, 7), np.full(len(np.arange(0, 800, 7)), 9, dtype=np.int8)
    assert np.array_equal(elsewhere.of(days, meeting_day), cal.next_monthly(days, meeting_day))
    assert MeetingDates(Calendar(start, Span.parse("2y")), 0, 800, later=False)._dates is not first._dates
