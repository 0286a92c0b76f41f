"""The engine's processes: the daily cadences share one SimPy process and act exactly as with one each.

SimPy wakes the events of a day in the order they were scheduled; the shared
process must keep every step at the place it had with one process per cadence,
on every day, whatever else is scheduled around them.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from sim.mechanisms.base import drive
from sim.run.engine import drive_timetable, shared_daily

DAYS = np.arange(60)


def _timetable(log: list, env_of: list, middle: np.ndarray) -> list:
    """Daily cadences around a cadence on the ``middle`` ticks, with processes of their own before and after
    that act on the same days (one on consecutive days, one at once on day 0)."""

    def step(name: str):
        return lambda day: log.append((name, day, env_of[0].now))

    def dated(name: str, days: list[int]) -> Generator:
        env = env_of[0]
        for day in days:
            yield env.timeout(day - env.now)
            log.append((name, day, env.now))

    return [
        dated("before", [0, 1, 2, 3, 30, 31]),
        (np.array([5, 20]), step("five")),
        (DAYS, step("a")),
        (DAYS, step("b")),
        (middle, step("middle")),
        (DAYS, step("c")),
        (np.arange(0, 60, 7), step("weekly")),
        (DAYS, step("d")),
        dated("after", [1, 2, 3, 7, 8, 14]),
    ]


def _run(middle: np.ndarray, shared: bool) -> tuple[list, int]:
    """The steps' log and the number of SimPy events, with the engine's processes or with one per cadence."""
    log: list = []
    env_of: list = [simpy.Environment()]
    env = env_of[0]
    timetable = _timetable(log, env_of, middle)
    if shared:
        processes = drive_timetable(env, timetable, DAYS)
    else:
        processes = [drive(env, *entry) if isinstance(entry, tuple) else entry for entry in timetable]
    for process in processes:
        env.process(process)
    events = 0
    while env.peek() < len(DAYS):
        env.step()
        events += 1
    return log, events


def test_the_daily_cadences_sharing_one_process_act_in_the_order_of_one_process_each():
    middle = np.array([0, 7, 8, 9, 31])  # monthly-like: acts on day 0 between the daily ones, not on day 1
    assert shared_daily(_timetable([], [None], middle), DAYS) == [2, 3, 5, 7]
    (shared, shared_events), (alone, alone_events) = _run(middle, True), _run(middle, False)
    assert shared == alone
    assert shared_events < alone_events - 3 * (len(DAYS) - 2)


def test_a_cadence_between_the_daily_ones_woken_on_the_second_day_keeps_one_process_each():
    """Woken on day 1 it acts there between two daily cadences, where a shared process could not let it."""
    middle = np.array([0, 1, 9])
    assert shared_daily(_timetable([], [None], middle), DAYS) == []
    assert _run(middle, True) == _run(middle, False)


def test_a_process_of_its_own_between_the_daily_cadences_keeps_one_process_each():
    timetable = _timetable([], [None], np.array([4]))
    timetable.insert(3, timetable.pop(0))  # "before", whose days are not known to the engine, between a and b
    assert shared_daily(timetable, DAYS) == []
