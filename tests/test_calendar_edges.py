"""Calendar ticks at the edges of the run: the first day counts, the horizon does not.

Source: ``sim.model.calendar`` (DESIGN.md, "Time and calendar"): sim days run
from 0 (the scenario's start) to ``horizon - 1``; a body meeting on the start
date meets on day 0; spans in days tick at their multiples from day 0.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.model.calendar import Calendar
from sim.scenario.spans import Span


def test_a_monthly_meeting_on_the_start_date_is_day_0_and_one_on_the_end_date_is_outside():
    calendar = Calendar(dt.date(2021, 3, 1), Span.parse("3m"))  # to 2021-06-01 = day 92, exclusive
    assert calendar.horizon == 92
    assert calendar.monthly(1).tolist() == [0, 31, 61]


def test_a_monthly_meeting_on_the_last_day_of_the_run_is_in_it():
    calendar = Calendar(dt.date(2021, 3, 2), Span.parse("3m"))  # to 2021-06-02: 2021-06-01 is day 91
    assert calendar.monthly(1).tolist() == [30, 60, 91]


def test_quarterly_bodies_in_phase_p_meet_p_months_after_the_start_month():
    calendar = Calendar(dt.date(2021, 1, 1), Span.parse("1y"))
    starts = [calendar.day(dt.date(2021, m, 1)) for m in range(1, 13)]
    for phase in range(3):
        assert calendar.monthly(1, every_months=3, phase=phase).tolist() == starts[phase::3]


def test_spans_in_days_tick_at_their_multiples_from_day_0_and_first_is_included():
    calendar = Calendar(dt.date(2021, 1, 1), Span.parse("10w"))
    assert calendar.span_ticks(Span.parse("1w")).tolist() == list(range(0, 70, 7))
    assert calendar.span_ticks(Span.parse("1w"), first=7).tolist() == list(range(7, 70, 7))
    assert calendar.span_ticks(Span.parse("2d"), first=1).tolist() == list(range(2, 70, 2))


def test_spans_in_months_stop_before_the_horizon():
    calendar = Calendar(dt.date(2021, 1, 31), Span.parse("3m"))  # to 2021-04-30
    ticks = calendar.span_ticks(Span.parse("1m"))
    assert (ticks < calendar.horizon).all()
    assert ticks.tolist() == [0, calendar.day(dt.date(2021, 2, 28)), calendar.day(dt.date(2021, 3, 31))]
    exact = Calendar(dt.date(2021, 1, 1), Span.parse("3m"))  # the 4th tick would be the horizon itself
    assert exact.span_ticks(Span.parse("1m"), first=1).tolist() == [31, 59]


def test_every_and_daily_ticks_are_whole_days_inside_the_run():
    calendar = Calendar(dt.date(2021, 1, 1), Span.parse("2w"))
    assert calendar.daily().tolist() == list(range(14))
    assert calendar.every(3, offset=1).tolist() == [1, 4, 7, 10, 13]
    assert calendar.every(3).dtype == np.int64


def test_the_weekday_of_every_sim_day_is_its_dates_weekday_monday_0():
    calendar = Calendar(dt.date(2021, 1, 1), Span.parse("3w"))
    assert calendar.weekday.tolist() == [calendar.date(d).weekday() for d in range(calendar.horizon + 1)]


def test_a_one_day_run_has_one_day():
    calendar = Calendar(dt.date(2021, 1, 1), Span.parse("1d"))
    assert calendar.horizon == 1 and calendar.daily().tolist() == [0]


def test_a_run_shorter_than_a_day_is_refused_with_the_reason():
    """A calendar's days run from 0 to ``horizon - 1``: a duration of no day leaves no day to simulate."""
    with pytest.raises(ValueError, match="duration must be at least one day"):
        Calendar(dt.date(2021, 3, 1), Span.parse("0d"))
