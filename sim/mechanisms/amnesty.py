"""Amnesty orders: lifting the punishments of members censured for insincerity.

Source: the pre-Congress text — "orders are being handed out to 'lift the
punishments' of party members who have been censured for 'insincerity in
their Party lives', including those who have received 'warnings and severe
warnings'", while members punished for desertion, going AWOL, lax military
discipline and "anti-socialist" activities receive ideological education to
"reward with loyalty" the party's "faith and confidence".

Timing matters: the army text has the ranks organized "ahead of" the
Congress while the assemblies run, so the shipped army and national
scenarios date their orders just before the assemblies; an order after the
assemblies can no longer change who is recommended.

An order is a dated scenario event. It lifts, through the discipline
machinery (:meth:`Discipline.lift`), exactly the configured causes and levels,
marks those members as amnestied (eligible again as delegates), and raises the
sincerity of both the amnestied and the educated members.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping

import numpy as np
import simpy

from sim.mechanisms.base import Mechanism
from sim.model import ladder


class Amnesty(Mechanism):
    name = "amnesty"
    FLOWS = ("amnestied", "educated")

    def __init__(self, world):
        super().__init__(world)
        self.cfg = world.scenario.amnesty
        #: One entry per executed order, for summary.json.
        self.executed: list[dict] = []

    def processes(self, env: simpy.Environment) -> list[Generator]:
        if not self.cfg.enabled:
            return []
        return [self._order(env, i) for i in range(len(self.cfg.orders))]

    def _order(self, env: simpy.Environment, index: int) -> Generator:
        yield env.timeout(self.world.calendar.day(self.cfg.orders[index].date) - env.now)
        self.execute(int(env.now), index)

    def execute(self, day: int, index: int) -> np.ndarray:
        """Carry out order ``index``: lift, mark amnestied, educate. Returns the amnestied ids."""
        order = self.cfg.orders[index]
        world, pop = self.world, self.world.pop
        discipline = world.mechanisms["discipline"]
        ids = discipline.punished_ids(causes=order.causes, levels=order.levels)
        causes, levels = pop.punish_cause[ids].copy(), pop.punish_level[ids].copy()
        discipline.lift(ids, day, "amnesty", education=order.education_effect)
        pop.amnestied[ids] = True
        educated = discipline.punished_ids(causes=order.educate_causes)
        pop.educate(educated, order.education_effect)
        world.tally.add("amnestied", len(ids))
        world.tally.add("educated", len(educated))
        world.events.log(day, "education", educated, pop.cell[educated])
        self.executed.append(
            {
                "date": str(order.date),
                "lifted": len(ids),
                "educated": len(educated),
                "by_cause": {
                    discipline.causes[c]: int(n)
                    for c, n in enumerate(np.bincount(causes, minlength=len(discipline.causes)))
                    if n
                },
                "by_level": {
                    lvl: int((levels == code).sum())
                    for code, lvl in enumerate(ladder.LEVELS, start=1)
                    if (levels == code).any()
                },
            }
        )
        return ids

    def summary(self, timeseries: Mapping[str, np.ndarray]) -> dict:
        return {"amnesty": self.executed} if self.executed else {}
