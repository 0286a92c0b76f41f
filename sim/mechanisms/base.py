"""The mechanism interface the engine drives."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping

import numpy as np
import simpy

from sim.model.world import World

Step = Callable[[int], None]


class Mechanism:
    """Base class: a named rule with its own random stream and cadences."""

    #: Stream name and identity of the mechanism; also the scenario section name.
    name: str = "mechanism"
    #: Flow columns this mechanism counts in ``world.tally`` (count since the previous row).
    FLOWS: tuple[str, ...] = ()

    def __init__(self, world: World):
        self.world = world
        self.rng = world.rng(self.name)
        world.tally.declare(self.flows())

    def flows(self) -> tuple[str, ...]:
        """Flow columns counted by this mechanism (``FLOWS`` plus any named by the scenario)."""
        return self.FLOWS

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        """(ticks, step) pairs: run ``step(day)`` on every day in ``ticks``."""
        return ()

    def log_members(self, day: int, kind: str, ids: np.ndarray, cause: str = "") -> None:
        """Log ``ids`` with their cells in the event log, if it is kept: without it, not even the cells'
        gather (a dozen calls a day on arrays of a few ids are a small party's daily cost)."""
        if self.world.events.enabled:
            self.world.events.log(day, kind, ids, self.world.pop.cell[ids], cause=cause)

    def summary(self, timeseries: Mapping[str, np.ndarray]) -> dict:
        """Headline figures this mechanism adds to summary.json, from the run's time series as one
        array per column (the recorder's; a run writes its outputs without pandas)."""
        return {}

    def stocks(self) -> dict[str, int]:
        """Stock columns this mechanism maintains (values now)."""
        return {}

    def processes(self, env: simpy.Environment) -> list[Generator]:
        """SimPy processes of this mechanism besides its cadences (dated one-off events); the engine drives the
        cadences (:func:`drive`)."""
        return []


def drive(env: simpy.Environment, ticks: np.ndarray, step: Step, *sharing: Step) -> Generator:
    """Run ``step(day)`` on each tick, sleeping until its day (the loop of every daily mechanism).

    From the second tick on, the steps ``sharing`` act right after it: cadences on the same ticks that
    the engine runs in one process (:func:`sim.run.engine.drive_timetable`); on the first tick
    each of them acts in a process of its own.
    """
    timeout = env.timeout
    every_step = (step, *sharing)
    steps: tuple[Step, ...] = (step,)  # on the first tick
    for day in np.asarray(ticks, dtype=np.int64).tolist():
        wait = day - env.now
        if wait > 0:
            yield timeout(wait)
        for each in steps:
            each(day)
        steps = every_step
