"""Calendar ticks and meeting-date arithmetic on real dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.calendar import Calendar
from sim.scenario.spans import Span


@pytest.mark.parametrize(
    "text, unit, count", [("5y", "y", 5), ("18m", "m", 18), ("260w", "w", 260), ("400d", "d", 400)]
)
def test_span_parse(text, unit, count):
    span = Span.parse(text)
    assert (span.unit, span.count) == (unit, count)


def test_span_rejects_garbage():
    with pytest.raises(ValueError):
        Span.parse("5 years")


def test_duration_in_calendar_years_counts_leap_days():
    cal = Calendar(dt.date(2016, 5, 10), Span.parse("5y"))
    assert cal.end == dt.date(2021, 5, 10)
    assert cal.horizon == (dt.date(2021, 5, 10) - dt.date(2016, 5, 10)).days == 1826


def test_weekly_ticks_fall_on_the_weekday():
    cal = Calendar(dt.date(2020, 1, 1), Span.parse("1y"))  # a Wednesday
    ticks = cal.weekly(0)
    assert all(cal.date(d).weekday() == 0 for d in ticks)
    assert len(ticks) == 52
    assert np.all(np.diff(ticks) == 7)


def test_monthly_and_quarterly_ticks():
    cal = Calendar(dt.date(2020, 1, 10), Span.parse("1y"))
    monthly = cal.monthly(15)
    assert [cal.date(d).day for d in monthly] == [15] * 12
    quarterly = cal.monthly(1, every_months=3)
    # 1 Jan 2020 is before the start; 1 Jan 2021 is inside the year that ends on 10 Jan 2021.
    assert [cal.date(d).month for d in quarterly] == [4, 7, 10, 1]
    assert len(cal.every(2)) == 183


def test_next_and_previous_monthly_meeting():
    cal = Calendar(dt.date(2020, 1, 1), Span.parse("2y"))
    days = np.array([cal.day(dt.date(2020, 1, 10)), cal.day(dt.date(2020, 1, 20)), cal.day(dt.date(2020, 12, 20))])
    nxt = cal.next_monthly(days, np.array([10, 5, 28]))
    assert [cal.date(d) for d in nxt] == [dt.date(2020, 1, 10), dt.date(2020, 2, 5), dt.date(2020, 12, 28)]
    prev = cal.previous_monthly(days, np.array([11, 20, 28]))
    assert [cal.date(d) for d in prev] == [dt.date(2019, 12, 11), dt.date(2020, 1, 20), dt.date(2020, 11, 28)]


def _meeting(cal: Calendar, day: int, meeting_day: int, step: int) -> int:
    """The first day from ``day`` on, walking by ``step`` (+1 or -1), whose day of month is ``meeting_day``."""
    while cal.date(day).day != meeting_day:
        day += step
    return day


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    start=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 1, 1)),
    days=st.lists(st.integers(-4000, 12000), min_size=1, max_size=8),
    meeting_days=st.lists(st.integers(1, 28), min_size=8, max_size=8),
)
def test_monthly_meetings_match_a_walk_through_the_calendar(start, days, meeting_days):
    """Far past and future days (probation ends, liftings years ahead), several calls growing the month table."""
    cal = Calendar(start, Span.parse("1y"))
    for chunk in (days[: len(days) // 2], days[len(days) // 2 :]):
        if not chunk:
            continue
        on, dom = np.array(chunk), np.array(meeting_days[: len(chunk)])
        assert cal.next_monthly(on, dom).tolist() == [_meeting(cal, d, m, 1) for d, m in zip(chunk, dom.tolist())]
        assert cal.previous_monthly(on, dom).tolist() == [_meeting(cal, d, m, -1) for d, m in zip(chunk, dom.tolist())]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    start=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 1, 1)),
    day=st.integers(-4000, 12000),
    meeting_days=st.lists(st.integers(1, 28), min_size=0, max_size=8),
)
def test_monthly_meetings_after_one_day_for_all_match_the_walk(start, day, meeting_days):
    """One day for all (the usual call), as an int or repeated: one month lookup gives the walk's answer."""
    cal = Calendar(start, Span.parse("1y"))
    dom = np.array(meeting_days, dtype=np.int8)
    for on in (day, np.full(len(dom), day)):
        assert cal.next_monthly(on, dom).tolist() == [_meeting(cal, day, m, 1) for m in meeting_days]
        assert cal.previous_monthly(on, dom).tolist() == [_meeting(cal, day, m, -1) for m in meeting_days]


def test_span_ticks_in_months_follow_the_calendar():
    cal = Calendar(dt.date(2020, 1, 31), Span.parse("6m"))
    ticks = cal.span_ticks(Span.parse("1m"))
    assert [cal.date(d) for d in ticks][:3] == [dt.date(2020, 1, 31), dt.date(2020, 2, 29), dt.date(2020, 3, 31)]
