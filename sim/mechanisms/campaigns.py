"""Mass campaigns that credit achievers.

Source: the pre-Congress text — Pyongyang ordered units to prioritize members
"who have accomplished great achievements in this year's flood recovery
efforts, closing the border and the 80-day campaign". A campaign is a dated
scenario event. It credits a share of the active members of the sectors that
took part as achievers (``pop.achiever``) in ``installments`` evenly spaced
dates inside the campaign, the last on its end day (assumption: speed battles
report their achievers as they progress), so that the achievers credited
before a Congress tier's election are the ones it can prefer.

Every credit is kept with its day (:meth:`Campaigns.achievers_on`): a tier
counts only credits made before its day and, where the campaign says so, not
older than ``credit_valid_days``.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping

import numpy as np
import simpy

from sim.mechanisms.base import Mechanism
from sim.model.population import ACTIVE
from sim.model.sampling import bernoulli_rows
from sim.model.sectors import SECTORS


class Campaigns(Mechanism):
    name = "campaigns"
    FLOWS = ("achievers_credited",)

    def __init__(self, world):
        super().__init__(world)
        #: Achievers credited by each campaign so far.
        self.credited: dict[str, int] = {}
        #: (day, campaign index, member ids) of every installment credited.
        self.credits: list[tuple[int, int, np.ndarray]] = []
        #: Which members hold the credits that counted at the last call of :meth:`achievers_on`
        #: (up to the last one credited), with the indices of those credits.
        self._held: tuple[tuple, np.ndarray] | None = None

    def processes(self, env: simpy.Environment) -> list[Generator]:
        return [self._campaign(env, i) for i in range(len(self.world.scenario.campaigns))]

    def credit_days(self, index: int) -> list[int]:
        """Sim days of the campaign's installments, evenly spaced, the last on its end day."""
        spec, cal = self.world.scenario.campaigns[index], self.world.calendar
        first, last = cal.day(spec.start), cal.day(spec.end)
        k = spec.installments
        return [first + ((last - first) * (i + 1)) // k for i in range(k)]

    def _campaign(self, env: simpy.Environment, index: int) -> Generator:
        spec = self.world.scenario.campaigns[index]
        for day in self.credit_days(index):
            if day > env.now:
                yield env.timeout(day - env.now)
            self.credit(int(env.now), index, spec.achiever_share / spec.installments)

    def credit(self, day: int, index: int, share: float | None = None) -> np.ndarray:
        """Credit ``share`` (default: the campaign's whole share) of the campaign's active members as achievers."""
        spec = self.world.scenario.campaigns[index]
        pop = self.world.pop
        rows = bernoulli_rows(self.rng, pop.n, spec.achiever_share if share is None else share)
        rows = rows[ACTIVE[pop.status[rows]]]
        if spec.sectors:
            rows = rows[np.isin(self.world.sectors(rows), [SECTORS.index(s) for s in spec.sectors])]
        pop.achiever[rows] = True
        self.credits.append((day, index, rows))
        self.world.tally.add("achievers_credited", len(rows))
        self.world.events.log(day, "achiever", rows, pop.cell[rows], cause=spec.name)
        self.credited[spec.name] = self.credited.get(spec.name, 0) + len(rows)
        return rows

    def achievers_on(self, day: int, n: int | None = None) -> np.ndarray:
        """Whether each of the first ``n`` members holds a credit that counts on ``day``.

        A credit counts if it was made before ``day`` and, when its campaign sets
        ``credit_valid_days``, less than that many days before. Without ``n``: up to
        the last member credited (those after hold none), no copy of a table-long array.
        """
        specs = self.world.scenario.campaigns

        def valid(credited: int, index: int) -> bool:
            days = specs[index].credit_valid_days
            return credited < day and (days is None or day - credited < days)

        counting = tuple(i for i, (credited, index, _) in enumerate(self.credits) if valid(credited, index))
        if self._held is None or self._held[0] != counting:
            reach = max((int(self.credits[i][2].max()) + 1 for i in counting if len(self.credits[i][2])), default=0)
            holds = np.zeros(reach, dtype=bool)  # up to the last member credited: those after hold no credit
            for i in counting:
                holds[self.credits[i][2]] = True
            holds.flags.writeable = False
            self._held = (counting, holds)  # the same credits count until one is made or expires
        holds = self._held[1]
        if n is None:
            return holds
        if len(holds) >= n:
            return holds[:n]
        grown = np.zeros(n, dtype=bool)
        grown[: len(holds)] = holds
        grown.flags.writeable = False
        return grown

    def summary(self, timeseries: Mapping[str, np.ndarray]) -> dict:
        return (
            {
                "campaigns": [
                    {
                        "name": c.name,
                        "start": str(c.start),
                        "end": str(c.end),
                        "installments": c.installments,
                        "achievers": self.credited.get(c.name, 0),
                    }
                    for c in self.world.scenario.campaigns
                ]
            }
            if self.world.scenario.campaigns
            else {}
        )
