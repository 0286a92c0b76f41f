"""The calendar of a cell's monthly meetings, in plain ``datetime`` arithmetic.

BPO: the cell holds its general meeting at least monthly, and that meeting is
where an application is reviewed, a probation decided, a case judged and a
punishment lifted. The reference computes those dates here, independently of
the engine's vectorized cohort dates (``sim.model.cohorts``), so that a test
can check that the two agree.
"""

from __future__ import annotations

import datetime as dt

from sim.model.calendar import Calendar


def meeting_on_or_after(cal: Calendar, day: int, meeting_day: int) -> int:
    """The first monthly meeting (on ``meeting_day`` of the month) on or after sim ``day``."""
    date = cal.date(day)
    meeting = date.replace(day=meeting_day)
    if meeting < date:
        first_next = (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        meeting = first_next.replace(day=meeting_day)
    return cal.day(meeting)


def meeting_on_or_before(cal: Calendar, day: int, meeting_day: int) -> int:
    """The last monthly meeting (on ``meeting_day`` of the month) on or before sim ``day``."""
    date = cal.date(day)
    meeting = date.replace(day=meeting_day)
    if meeting > date:
        last_previous = date.replace(day=1) - dt.timedelta(days=1)
        meeting = last_previous.replace(day=meeting_day)
    return cal.day(meeting)
