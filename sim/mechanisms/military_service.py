"""Military service: soldiers join the party during service and leave it at discharge.

The army's party organization (Daily NK: unit party committees, corps, the
General Political Bureau; "party-affiliated soldiers and officers") renews
itself through conscription: conscripts apply during their service (their
applications are part of the membership mechanism's inflow,
``organization.military_service.applications_per_year``) and, at the end of
service, leave the army's organization. A discharged member keeps their row
and with it their whole record (standing, punishments, recommenders,
achievements). Where the scenario holds civilian cells too
(``military_service.discharge_to``), the member moves to one of them, a
random living cell of the given types, inside the run: their army office, if
any, falls vacant and is filled at the next re-organization, and an
application of theirs not yet reviewed goes to the new cell. Otherwise they
leave this scenario's organization, the army's, with the exit cause
``discharge``. A share stays on as career officers until the retirement age
(``career_share``). All terms of service are assumptions
(sim.scenario.sections.organization.MilitaryServiceSection). Soldiers are
every member of an army scenario (``organization.army``), and the members
of armed-forces units (type ``service``) elsewhere.

Discharge is found once a month by age (``sim.model.lifecourse.AgeThreshold``):
a soldier's service ends at the conscription age plus the length of service.
Day-0 members already past that age are career soldiers and stay on.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model.arrays import distinct
from sim.model.lifecourse import AgeThreshold
from sim.model.organizations import Kind
from sim.model.population import ACTIVE, Status
from sim.model.roles import Role
from sim.model.sectors import code_of


class MilitaryService(Mechanism):
    name = "military_service"
    FLOWS = ("exits_discharge", "discharged_to_civilian_cells")

    def __init__(self, world):
        super().__init__(world)
        self.cfg = world.scenario.organization.military_service
        end = self.cfg.conscription_age_years + self.cfg.service_years
        self.end_of_service = AgeThreshold(end, end)
        # Founders already past the end of service on day 0 have stayed on: career officers, never discharged
        # (a pass over the founders, taken only when soldiers are discharged at all).
        if self.cfg.enabled:
            self.end_of_service.reached(world.pop.column("birth"), world.pop.column("female"), 0)

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.cfg.enabled:
            return ()
        return ((distinct(np.concatenate(([0], self.world.calendar.monthly(1)))), self.discharge),)

    def discharge(self, day: int) -> None:
        """Soldiers whose service ended since last month are discharged, except those who stay on."""
        pop, world = self.world.pop, self.world
        rows = self.end_of_service.reached(pop.column("birth"), pop.column("female"), day)
        rows = rows[ACTIVE.take(pop.status[rows])]
        if not world.scenario.organization.army:
            rows = rows[world.orgs.type.take(pop.cell[rows]) == code_of("service")]
        leaving = rows[self.rng.random(len(rows)) >= self.cfg.career_share]
        civilian = self._civilian_cells()
        if len(civilian) == 0:
            pop.transition(leaving, Status.EXITED)
            world.tally.add("exits_discharge", len(leaving))
            world.events.log(day, "exit", leaving, pop.cell[leaving], cause="discharge")
            return
        pop.role[leaving] = Role.NONE  # the army office falls vacant (Elections.vacancies)
        world.move(leaving, civilian[self.rng.integers(0, len(civilian), len(leaving))], day)
        world.tally.add("discharged_to_civilian_cells", len(leaving))
        world.events.log(day, "discharge", leaving, pop.cell[leaving])

    def _civilian_cells(self) -> np.ndarray:
        """Living cells of the types discharged soldiers join (none: they leave the organization)."""
        if not self.cfg.discharge_to:
            return np.zeros(0, dtype=np.int64)
        orgs = self.world.orgs
        cells = orgs.ids_of(Kind.CELL)
        return cells[np.isin(orgs.type[cells], [code_of(name) for name in self.cfg.discharge_to])]
