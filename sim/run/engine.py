"""One run: build the world, start one SimPy process per mechanism cadence, record, return.

There is exactly one ``simpy.Environment`` per run. Sim time is in days.
Mechanisms act at whole days; the recorder samples at ``day + RECORD_PHASE``
(half a day before), so a row holds the state at the start of its date. The
number of SimPy events depends on the calendar and on the number of cadences,
never on the number of members.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

import numpy as np
import simpy

from sim.mechanisms.amnesty import Amnesty
from sim.mechanisms.attrition import Attrition
from sim.mechanisms.base import Mechanism, Step, drive
from sim.mechanisms.campaigns import Campaigns
from sim.mechanisms.congress import Congress
from sim.mechanisms.critique import Critique
from sim.mechanisms.discipline import Discipline
from sim.mechanisms.meetings import Meetings
from sim.mechanisms.membership import Membership
from sim.mechanisms.military_service import MilitaryService
from sim.mechanisms.reorganization import Reorganization
from sim.model.arrays import distinct
from sim.model.calendar import RECORD_PHASE, Calendar
from sim.model.founding import found_party
from sim.model.invariants import Invariants
from sim.model.streams import stream
from sim.model.tally import EventLog, Tally
from sim.model.world import World
from sim.run.interruption import raise_if_stopped
from sim.run.recorder import Recorder
from sim.run.resources import peak_rss_mb
from sim.run.result import Result, build_manifest, build_summary
from sim.scenario import Scenario
from sim.scenario.spans import Span

#: Mechanisms in the order they act within a day.
MECHANISMS: tuple[type[Mechanism], ...] = (
    Reorganization,
    Campaigns,
    Meetings,
    Critique,
    Membership,
    Discipline,
    Attrition,
    MilitaryService,
    Amnesty,
    Congress,
)

Progress = Callable[[int, int], None]

#: A mechanism's cadence: run ``step(day)`` on each of ``ticks``.
Cadence = tuple[np.ndarray, Step]

#: Span between whole-table invariant checks (one pass over the member table each); the cell
#: bounds are checked by re-organization itself, right after each regular re-organization.
TABLE_CHECK_EVERY = "1y"


class Simulation:
    """A scenario, a seed and the world they build; :meth:`run` returns a :class:`Result`."""

    def __init__(self, scenario: Scenario, seed: int | None = None, events: bool = False, checks: bool = True):
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        calendar = Calendar(scenario.start, scenario.duration_span)
        pop, orgs = found_party(scenario, stream(self.seed, "founding"))
        self.world = World(scenario, self.seed, calendar, pop, orgs, Tally(), EventLog(events))
        if checks:
            self.world.invariants = Invariants(self.world)
        self.mechanisms = [cls(self.world) for cls in MECHANISMS]
        self.world.mechanisms.update({mechanism.name: mechanism for mechanism in self.mechanisms})
        self.recorder = Recorder(self.world, self.mechanisms)
        self.events_processed = 0

    def _record(self, env: simpy.Environment, progress: Progress | None):
        cal = self.world.calendar
        days = np.append(cal.span_ticks(self.scenario.record_span, first=1), cal.horizon)
        for day in distinct(days).tolist():
            yield env.timeout(day + RECORD_PHASE - env.now)
            self.recorder.record(day)
            if progress:
                progress(day, cal.horizon)

    def _check_tables(self, env: simpy.Environment):
        """Whole-table invariants yearly (one pass over the member table each) and at the end of the run."""
        for day in self.world.calendar.span_ticks(Span.parse(TABLE_CHECK_EVERY), first=1).tolist():
            yield env.timeout(day - env.now)
            assert self.world.invariants is not None  # this process runs only with the checks on
            self.world.invariants.check_tables(day)

    def processes(self, env: simpy.Environment, progress: Progress | None = None) -> list[Generator]:
        """The run's SimPy processes, in the order the mechanisms act (a dozen in all, never one per member
        or cell: each wakes on its calendar ticks and updates whole cohorts with numpy, DESIGN.md).

        SimPy wakes the events of a day in the order they were scheduled, so of the
        processes woken on a day the one created first acts first, and keeps its place
        from day to day. One process per cadence, except the daily cadences (meetings,
        critique, the membership procedures, the discipline decisions: four of the
        five events of a day at 10,000 members), which share one from their second day
        on: each schedules its next day right after the one before it, so nothing ever
        acts between them, except on the second day, where a process created between
        two of them that is woken then would (:func:`shared_daily`). On day 0 each
        acts in a process of its own, where its mechanism stands. 5,500 SimPy events
        fewer in a run at 10,000 members: the wake-ups of its small days cost some 4 % of it.
        """
        timetable: list[Cadence | Generator] = []
        for mechanism in self.mechanisms:
            timetable += mechanism.cadences()
            timetable += mechanism.processes(env)
        timetable.append(self._record(env, progress))
        if self.world.invariants is not None:
            timetable.append(self._check_tables(env))
        return drive_timetable(env, timetable, self.world.calendar.daily())

    def run(self, progress: Progress | None = None) -> Result:
        started = time.perf_counter()
        env = simpy.Environment()
        self.recorder.record(0)  # the state at the start of day 0
        for process in self.processes(env, progress):
            env.process(process)
        horizon = self.world.calendar.horizon
        while env.peek() < horizon:
            env.step()
            self.events_processed += 1
            raise_if_stopped()  # a stop signal whose exception numpy swallowed inside the step (interruption)
        if self.world.invariants is not None:
            self.world.invariants.check_tables(horizon - 1)
        wall = time.perf_counter() - started
        columns = self.recorder.columns()
        events = self.world.events.frame(self.world.calendar.start64) if self.world.events.enabled else None
        manifest = build_manifest(self.scenario, self.seed, wall, self.events_processed, peak_rss_mb())
        result = Result(columns, build_summary(self.world, columns), manifest, events)
        for mechanism in self.mechanisms:
            result.summary.update(mechanism.summary(result.columns))
        return result


def drive_timetable(env: simpy.Environment, timetable: list[Cadence | Generator], days: np.ndarray) -> list[Generator]:
    """The processes that run ``timetable`` (cadences and processes, in the order they act): one per
    cadence, except the cadences on every day of ``days`` that share one (:func:`shared_daily`)."""
    sharing = shared_daily(timetable, days)
    shared_steps = [
        entry[1] for index, entry in enumerate(timetable) if index in sharing[1:] and isinstance(entry, tuple)
    ]
    processes = []
    for index, entry in enumerate(timetable):
        if not isinstance(entry, tuple):
            processes.append(entry)
            continue
        ticks, step = entry
        if index not in sharing:
            processes.append(drive(env, ticks, step))
        elif index == sharing[0]:  # the shared process, where the first of them stands
            processes.append(drive(env, ticks, step, *shared_steps))
        else:
            processes.append(drive(env, np.asarray(ticks)[:1], step))  # its first day only
    return processes


def shared_daily(timetable: list[Cadence | Generator], days: np.ndarray) -> list[int]:
    """Which entries of ``timetable`` are cadences on every day of ``days`` that can share one process.

    All of them (at least two), unless something created between the first and
    the last of them is woken on the second day: on that day it would act between
    two of them. On the first day each acts in a process of its own, where it
    stands; from the third day on nothing can come between them.
    """
    daily = [i for i, entry in enumerate(timetable) if isinstance(entry, tuple) and np.array_equal(entry[0], days)]
    if len(daily) < 2 or len(days) < 2:
        return []
    for index in range(daily[0], daily[-1]):
        entry = timetable[index]
        if index in daily:
            continue
        if not isinstance(entry, tuple):
            return []  # a process of its own: when it is first woken is not known
        if np.any(np.asarray(entry[0]) == days[1]):
            return []
    return daily


def simulate(scenario: Scenario, seed: int | None = None, events: bool = False, checks: bool = True) -> Result:
    """Run ``scenario`` once and return its outputs (the body of the API's :func:`sim.run`)."""
    return Simulation(scenario, seed=seed, events=events, checks=checks).run()
