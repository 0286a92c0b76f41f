"""Members leaving for reasons outside party discipline: death, retirement, transfer out.

Constant per-member hazards, applied weekly to candidates and full members by
Bernoulli selection over the table's rows (``sim.model.sampling``): the work per
week is proportional to the members who leave, not to the party's size.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model.population import ACTIVE, Status
from sim.model.sampling import bernoulli_rows, step_probability

STEP_DAYS = 7
REASONS = ("death", "retirement", "transfer_out")


class Attrition(Mechanism):
    name = "attrition"
    FLOWS = tuple(f"exits_{reason}" for reason in REASONS)

    def __init__(self, world):
        super().__init__(world)
        cfg = world.scenario.attrition
        self.rates = np.array([cfg.death_rate, cfg.retirement_rate, cfg.transfer_out_rate])
        self.enabled = cfg.enabled and self.rates.sum() > 0

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.enabled:
            return ()
        return ((self.world.calendar.every(STEP_DAYS), self.step),)

    def step(self, day: int) -> None:
        pop, world = self.world.pop, self.world
        total = float(self.rates.sum())
        rows = bernoulli_rows(self.rng, pop.n, step_probability(total, STEP_DAYS))
        leaving = rows[ACTIVE[pop.status[rows]]]
        if len(leaving) == 0:
            return
        reason = self.rng.choice(len(REASONS), size=len(leaving), p=self.rates / total)
        pop.transition(leaving, Status.EXITED)
        for code, name in enumerate(REASONS):
            chosen = leaving[reason == code]
            world.tally.add(f"exits_{name}", len(chosen))
            world.events.log(day, "exit", chosen, pop.cell[chosen], cause=name)
