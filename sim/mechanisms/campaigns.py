"""Mass campaigns that credit achievers.

Source: the pre-Congress text — Pyongyang ordered units to prioritize members
"who have accomplished great achievements in this year's flood recovery
efforts, closing the border and the 80-day campaign". A campaign is a dated
scenario event; at its end a share of the active members of the sectors that
took part is credited as achievers (``pop.achiever``), whom the Congress
selection then prefers.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from sim.mechanisms.base import Mechanism
from sim.model.population import ACTIVE
from sim.model.sampling import bernoulli_rows
from sim.model.traits import SECTORS


class Campaigns(Mechanism):
    name = "campaigns"
    FLOWS = ("achievers_credited",)

    def __init__(self, world):
        super().__init__(world)
        #: Achievers credited by each campaign that has ended.
        self.credited: dict[str, int] = {}

    def processes(self, env: simpy.Environment) -> list[Generator]:
        return [self._campaign(env, i) for i in range(len(self.world.scenario.campaigns))]

    def _campaign(self, env: simpy.Environment, index: int) -> Generator:
        spec = self.world.scenario.campaigns[index]
        yield env.timeout(self.world.calendar.day(spec.end) - env.now)
        self.credit(int(env.now), index)

    def credit(self, day: int, index: int) -> np.ndarray:
        """Credit a share of the campaign's active members as achievers."""
        spec = self.world.scenario.campaigns[index]
        pop = self.world.pop
        rows = bernoulli_rows(self.rng, pop.n, spec.achiever_share)
        rows = rows[ACTIVE[pop.status[rows]]]
        if spec.sectors:
            rows = rows[np.isin(pop.sector[rows], [SECTORS.index(s) for s in spec.sectors])]
        pop.achiever[rows] = True
        self.world.tally.add("achievers_credited", len(rows))
        self.world.events.log(day, "achiever", rows, pop.cell[rows], cause=spec.name)
        self.credited[spec.name] = len(rows)
        return rows

    def summary(self, timeseries) -> dict:
        return (
            {
                "campaigns": [
                    {
                        "name": c.name,
                        "start": str(c.start),
                        "end": str(c.end),
                        "achievers": self.credited.get(c.name, 0),
                    }
                    for c in self.world.scenario.campaigns
                ]
            }
            if self.world.scenario.campaigns
            else {}
        )
