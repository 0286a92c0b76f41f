"""Military service: soldiers join the party during service and leave it at discharge.

The army's party organization (Daily NK: unit party committees, corps, the
General Political Bureau; "party-affiliated soldiers and officers") renews
itself through conscription: conscripts apply during their service (their
applications are part of the membership mechanism's inflow,
``organization.military_service.applications_per_year``) and, at the end of
service, leave the army's organization. A discharged member keeps their row
and with it their whole record (standing, punishments, recommenders,
achievements); they leave this scenario's organization, the army's, with the
exit cause ``discharge``. A share stays on as career officers until the
retirement age (``career_share``). All terms of service are assumptions
(sim.scenario.sections.organization.MilitaryServiceSection).

Discharge is found once a month by age (``sim.model.lifecourse.AgeThreshold``):
a soldier's service ends at the conscription age plus the length of service.
Day-0 members already past that age are career soldiers and stay on.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model.lifecourse import AgeThreshold
from sim.model.population import ACTIVE, Status


class MilitaryService(Mechanism):
    name = "military_service"
    FLOWS = ("exits_discharge",)

    def __init__(self, world):
        super().__init__(world)
        self.cfg = world.scenario.organization.military_service
        end = self.cfg.conscription_age_years + self.cfg.service_years
        self.end_of_service = AgeThreshold(end, end)
        # Founders already past the end of service on day 0 have stayed on: career officers, never discharged.
        self.end_of_service.reached(world.pop.column("birth"), world.pop.column("female"), 0)

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.cfg.enabled:
            return ()
        return ((np.union1d([0], self.world.calendar.monthly(1)), self.discharge),)

    def discharge(self, day: int) -> None:
        """Soldiers whose service ended since last month are discharged, except those who stay on."""
        pop, world = self.world.pop, self.world
        rows = self.end_of_service.reached(pop.column("birth"), pop.column("female"), day)
        rows = rows[ACTIVE[pop.status[rows]]]
        leaving = rows[self.rng.random(len(rows)) >= self.cfg.career_share]
        pop.transition(leaving, Status.EXITED)
        world.tally.add("exits_discharge", len(leaving))
        world.events.log(day, "exit", leaving, pop.cell[leaving], cause="discharge")
