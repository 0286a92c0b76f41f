"""A founded but not yet run world, for tests that drive one rule by hand on chosen days."""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.model.population import Status
from sim.run.engine import Simulation
from tests.conftest import small_scenario


def founded(seed: int = 1, **sections) -> Simulation:
    """The small county scenario, founded (offices filled) but with no day simulated yet."""
    return Simulation(small_scenario(**sections), seed=seed)


def full_members(simulation: Simulation) -> np.ndarray:
    pop = simulation.world.pop
    return np.flatnonzero(pop.status[: pop.n] == Status.FULL)


def next_meeting_on_or_after(simulation: Simulation, day: int, meeting_day: int) -> int:
    """The first date on or after ``day`` whose day of month is ``meeting_day``, by plain date arithmetic."""
    calendar = simulation.world.calendar
    date = calendar.date(day)
    while date.day != meeting_day:
        date += dt.timedelta(days=1)
    return calendar.day(date)
