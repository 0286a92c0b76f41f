"""Members leaving for reasons outside party discipline: death, retirement, transfer out.

Two models, by the scenario's ``attrition.model``:

* ``constant``: constant per-member hazards of death, retirement and transfer
  out, whatever the age — the analytic special case (the membership decays as
  exp(-rate t) without inflow);
* ``life_table``: deaths by age on a Gompertz law (``sim.model.lifecourse``;
  its parameters are assumptions), retirement from active party life at the
  retirement age of the member's sex (an assumption: the DPRK pension ages),
  transfers out at their constant rate.

Hazards are applied weekly to candidates and full members by Bernoulli
selection over the table's rows (``sim.model.sampling``): the work per week is
proportional to the members who leave, not to the party's size. Deaths by age
are drawn by thinning: rows are selected with the hazard of the oldest member
alive, then each is kept with its own hazard's share of it. Retirements are
found once a month by comparing the day of birth with the retirement ages.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model.arrays import distinct
from sim.model.lifecourse import DAYS_PER_YEAR, AgeThreshold, age_years, gompertz_hazard
from sim.model.population import ACTIVE, Status
from sim.model.sampling import bernoulli_rows, step_probability

STEP_DAYS = 7
REASONS = ("death", "retirement", "transfer_out")
#: The flow column of each reason, in the order of ``REASONS``.
FLOWS = tuple(f"exits_{reason}" for reason in REASONS)


class Attrition(Mechanism):
    name = "attrition"
    FLOWS = FLOWS

    def __init__(self, world):
        super().__init__(world)
        cfg = self.cfg = world.scenario.attrition
        self.life_table = cfg.model == "life_table"
        if self.life_table:
            self.rates = np.array([0.0, 0.0, cfg.transfer_out_rate])
            self.enabled = cfg.enabled
        else:
            self.rates = np.array([cfg.death_rate, cfg.retirement_rate, cfg.transfer_out_rate])
            self.enabled = cfg.enabled and self.rates.sum() > 0
        #: The reasons' cumulative shares of the constant hazards (unused when they are all 0).
        shares = (self.rates / max(float(self.rates.sum()), np.finfo(float).tiny)).cumsum()
        self.reason_cdf = shares / max(shares[-1], np.finfo(float).tiny)
        #: The weekly probability of leaving for any of the constant hazards' reasons (0: none applies).
        self.p_leave = step_probability(float(self.rates.sum()), STEP_DAYS)
        self.retirement = AgeThreshold(cfg.retirement_age_years, cfg.retirement_age_women_years)
        #: The earliest day of birth among the rows seen so far (rows ``< _seen``).
        self._oldest_birth, self._seen = 0, 0

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.enabled:
            return ()
        cal = self.world.calendar
        weekly = ((cal.every(STEP_DAYS), self.step),)
        if not self.life_table:
            return weekly
        return (*weekly, (distinct(np.concatenate(([0], cal.monthly(1)))), self.retire))

    def step(self, day: int) -> None:
        if self.p_leave > 0:
            self._constant_hazards(day)
        if self.life_table:
            self._deaths_by_age(day)

    def _constant_hazards(self, day: int) -> None:
        pop = self.world.pop
        rows = bernoulli_rows(self.rng, pop.n, self.p_leave)
        leaving = rows[ACTIVE.take(pop.status[rows])]
        if len(leaving) == 0:
            return
        # Each leaver's reason with probability rate / total: one uniform each through the cumulative
        # shares, what ``rng.choice(p=...)`` draws, without its checks of ``p`` at every step.
        reason = self.reason_cdf.searchsorted(self.rng.random(len(leaving)), side="right")
        pop.transition(leaving, Status.EXITED)
        # The week's few leavers counted by reason in one call; split by reason only for the event log.
        self.world.tally.add_all(zip(FLOWS, np.bincount(reason, minlength=len(REASONS)).tolist()))
        if self.world.events.enabled:
            for code, name in enumerate(REASONS):
                self.log_members(day, "exit", leaving[reason == code], cause=name)

    def _deaths_by_age(self, day: int) -> None:
        """This week's deaths, each active member with the weekly probability of the hazard at their age."""
        pop, cfg = self.world.pop, self.cfg
        if pop.n > self._seen:
            self._oldest_birth = min(self._oldest_birth, int(pop.birth[self._seen : pop.n].min()))
            self._seen = pop.n
        oldest = (day - self._oldest_birth) / DAYS_PER_YEAR
        p_max = step_probability(
            float(gompertz_hazard(oldest, cfg.mortality_at_30, cfg.mortality_doubling_years)), STEP_DAYS
        )
        rows = bernoulli_rows(self.rng, pop.n, p_max)
        rows = rows[ACTIVE.take(pop.status[rows])]
        hazard = gompertz_hazard(age_years(pop.birth[rows], day), cfg.mortality_at_30, cfg.mortality_doubling_years)
        p = -np.expm1(-hazard * STEP_DAYS / DAYS_PER_YEAR)
        self._exit(day, rows[self.rng.random(len(rows)) * p_max < p], "death")

    def retire(self, day: int) -> None:
        """Members who reached their sex's retirement age since the last step retire from active party life."""
        pop = self.world.pop
        rows = self.retirement.reached(pop.column("birth"), pop.column("female"), day)
        self._exit(day, rows[ACTIVE.take(pop.status[rows])], "retirement")

    def _exit(self, day: int, ids: np.ndarray, reason: str) -> None:
        self.world.pop.transition(ids, Status.EXITED)
        self.world.tally.add(f"exits_{reason}", len(ids))
        self.log_members(day, "exit", ids, cause=reason)
