"""Party Life Critique and the monthly, quarterly and yearly life reviews.

Source: "Basic Party Organizations" (NK Leadership Watch): every member and
candidate is evaluated in Party Life Critique, held by the cell "once a week
or every two days" depending on the job, social status or background of its
members: self-criticism first, then criticism by the other participants.
Daily NK: cells "must carry out weekly, monthly, quarterly and yearly reviews
of members".

Each cell belongs to a critique cohort (a weekday, or a day parity for cells
that meet every two days; ``sim.model.cohorts``). On each day the cohorts due hold
their sessions. Attendance and findings are binomial draws on the cohort's
member count, with the finding probability linear in (1 - sincerity) so that
the expectation equals the sum over members. Referrals for discipline (the
outcome that matters per member) are drawn per member by Bernoulli selection
and thinning (``sim.model.sampling``), in work proportional to the referrals.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model import cohorts
from sim.model.organizations import Kind, Organizations
from sim.model.sampling import bernoulli_rows, thinning
from sim.model.world import World
from sim.scenario.sections import by_sector

#: The discipline cause that critique referrals are judged under.
INSINCERITY = "insincerity"
#: Up to this many cells whose size changed are counted into their cohorts one by one, cheaper than
#: ``np.add.at`` (one cell: 0.6 against 2.6 us, sixteen 1.2 against 2.2; 32 cells 3.1 against 2.2).
FEW_CELLS = 16
#: Up to this many active members drawn in session are thinned in Python (:meth:`Critique._few_referred`).
FEW_IN_SESSION = 8


class Critique(Mechanism):
    name = "critique"
    FLOWS = (
        "critiques_held",
        "critique_attendance",
        "critique_findings",
        "critique_referrals",
        "reviews_monthly",
        "reviews_quarterly",
        "reviews_yearly",
    )

    def __init__(self, world: World):
        super().__init__(world)
        self.cfg = world.scenario.critique
        # The cadence follows the unit's job (its organization type), source: "depending on the job,
        # social status or background of the party cell members".
        share_by_type = np.array(by_sector(self.cfg.every_two_days))

        def cohort(orgs: Organizations, rows: slice) -> np.ndarray:
            ids = np.arange(rows.start, rows.stop)
            unit = orgs.kind[rows] >= int(Kind.CELL)
            return np.where(unit, cohorts.critique_cohort(ids, share_by_type[orgs.type[rows]]), -1)

        self.cohorts = cohorts.Buckets(world.orgs, cohort, cohorts.N_CRITIQUE_COHORTS)
        if self.cfg.enabled:  # the population keeps each active member's cohort (``pop.unit_key``): see _refer
            world.pop.key_active_members(self.cohorts.keys)
        #: Active members per critique cohort, by key (the last entry, which key -1 indexes, takes the changes
        #: of cells in no cohort and is never read), summed at the cohorts' regrouping ``_counted_at`` and
        #: kept up to date since from the cells whose size changed (:meth:`members_in`). Python ints: a small
        #: party's day adds one or two members and reads two totals, each a fifth of a NumPy item's cost.
        self._cohort_members = [0] * (cohorts.N_CRITIQUE_COHORTS + 1)
        self._counted_at = -1
        #: The cells (sessions) of each cohort, by key, counted with the members at a regrouping.
        self._cohort_cells = [0] * cohorts.N_CRITIQUE_COHORTS
        #: The two cohorts in session on each day of the run (:meth:`cohorts_today`), listed once.
        self._in_session = [
            (weekday, cohorts.EVERY_TWO_DAYS_COHORTS[0] + day % 2)
            for day, weekday in enumerate(world.calendar.weekday.tolist())
        ]
        #: Whether each cohort key is in session, on each day of the run: one lookup a member drawn for
        #: referral, not two comparisons (the last entry, which key -1 of a cell in no cohort reads, is False).
        #: A table for each of the fourteen pairs of cohorts, listed by day.
        tables: dict[tuple[int, int], np.ndarray] = {}
        for today in set(self._in_session):
            tables[today] = np.zeros(cohorts.N_CRITIQUE_COHORTS + 1, dtype=bool)
            tables[today][list(today)] = True
        self._in_session_table = [tables[today] for today in self._in_session]
        #: The selection probability of a referral: an attending member of sincerity 0's (thinned by sincerity).
        self._p_max = self.cfg.attendance_probability * self.cfg.referral_probability
        #: The same as a float32 array of no dimension: the factor of the acceptances (:meth:`_few_referred`).
        self._p_max32 = np.array(self._p_max, dtype=np.float32)
        #: Day of month and month index of every day of the run, as Python ints (read every day).
        self._dom, self._month = world.calendar.dom.tolist(), world.calendar.month.tolist()
        #: The reviews of the units meeting on a day of the month, by month index % 12 (:meth:`_reviews`).
        self._reviews_by_month = cohorts.GroupMemo(_reviews_by_month)

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.cfg.enabled:
            return ()
        return ((self.world.calendar.daily(), self.step),)

    def cohorts_today(self, day: int) -> tuple[int, int]:
        """The two critique cohorts in session today: the weekday's and the day parity's."""
        return self._in_session[day]

    def step(self, day: int) -> None:
        world, pop, cfg = self.world, self.world.pop, self.cfg
        today = self._in_session[day]
        members = self.members_in(today)  # (the cohorts regrouped first if organizations were added or dissolved)
        present = int(self.rng.binomial(members, cfg.attendance_probability))
        findings = int(self.rng.binomial(present, cfg.finding_probability * (1 - pop.mean_active_sincerity())))
        held = self._cohort_cells
        world.tally.add_all(
            (
                ("critiques_held", held[today[0]] + held[today[1]]),
                ("critique_attendance", present),
                ("critique_findings", findings),
            )
        )
        if world.events.enabled:  # the sizes are a gather over every cell in session
            sessions = np.concatenate((self.cohorts.ids(today[0]), self.cohorts.ids(today[1])))
            world.events.log(day, "critique", orgs=sessions, value=pop.org_size[sessions])
        self._refer(day)
        self._reviews(day)

    def members_in(self, cohorts_in_session: tuple[int, int]) -> int:
        """Active members of the cohorts in session.

        The members of each cohort are kept as totals: summed over the
        cohort's cells when the cohorts are regrouped (organizations added or
        dissolved: 53 times in a national run), then updated from the cells
        whose size changed, which the member table logs (some 800 members a
        day at national scale). Summing over the ~90,000 cells in session
        every day instead took 0.8-1.4 s of a national run, this 0.2 s. The
        cohorts' cells are counted at the regroupings too (the sessions held).
        """
        pop = self.world.pop
        if self.cohorts.regrouped() != self._counted_at:
            for key in range(self.cohorts.n_keys):
                cells = self.cohorts.ids(key)
                self._cohort_members[key] = int(pop.org_size[cells].sum())
                self._cohort_cells[key] = len(cells)
            pop.log_size_changes()  # from now on: the totals hold every change so far
            self._counted_at = self.cohorts.regroupings
        else:
            members = self._cohort_members
            for step, cells in zip((1, -1), pop.take_size_changes()):
                if len(cells) > FEW_CELLS:
                    changes = np.zeros(len(members), dtype=np.int64)
                    np.add.at(changes, self.cohorts.keys().take(cells), step)
                    for key, change in enumerate(changes.tolist()):
                        members[key] += change
                elif len(cells):  # one or two cells on most days of a small party: counted one by one
                    for key in self.cohorts.keys().take(cells).tolist():
                        members[key] += step
        weekday, parity = cohorts_in_session
        return self._cohort_members[weekday] + self._cohort_members[parity]

    def _refer(self, day: int) -> None:
        """Members whose criticism ends in a referral for discipline (insincerity in Party life)."""
        pop, p_max = self.world.pop, self._p_max
        rows = bernoulli_rows(self.rng, pop.n, p_max)
        # Whether each member drawn is an active member of a cohort in session is one gather of the cohorts the
        # population keeps for the active members (-1 for the others, ``Population.key_active_members``), not of
        # their cells, then of the cells' cohorts, then of their statuses: at 1 million members each a gather
        # at 3,000 scattered rows a day, 90 against 20 ms of a run. The gathers are ``take``s: on the 20,000 rows
        # drawn a day at national scale, a tenth faster than indexing. The filter is a ``compress``: on those
        # rows, a fifth of them kept, five times faster than a boolean index (numpy 2.4: 20,000 rows 90-170 us
        # against 15-25 us). The referred members' cells are read at the end, for the few referred.
        rows = rows.compress(self._in_session_table[day].take(pop.unit_key.take(rows)))
        if len(rows) <= FEW_IN_SESSION:
            referred = self._few_referred(rows)
        else:
            referred = rows.compress(thinning(self.rng, self._p_max32 * (1.0 - pop.sincerity.take(rows)), p_max))
        self.world.tally.add("critique_referrals", len(referred))
        discipline = self.world.mechanisms.get("discipline")
        if discipline is not None and len(referred):
            # Distinct active members in id order, with their cells: handed over as such.
            discipline.refer(referred, INSINCERITY, day, cells=pop.cell.take(referred))

    def _few_referred(self, rows: np.ndarray) -> np.ndarray:
        """:meth:`_refer`'s thinning of a few active members in session (a small party's 0-8 a day): the same
        uniforms, one per member in order, compared with the same float32 acceptances, but acceptances and
        uniforms read as lists."""
        if not len(rows):
            return rows
        p_max = self._p_max
        # float32, as thinning's: p_max as a float32 array of no dimension rounds as the Python float would (to
        # float32), and multiplies without the conversion of a Python number (10.2 against 13.0 thousand instructions)
        accept = (self._p_max32 * (1.0 - self.world.pop.sincerity.take(rows))).tolist()
        # One member: the uniform as a float, the same draw as the first of an array's (4.0 against 7.3 thousand
        # instructions).
        draws = [self.rng.random()] if len(rows) == 1 else self.rng.random(len(rows)).tolist()
        kept = [at for at, (draw, bound) in enumerate(zip(draws, accept)) if draw * p_max < bound]
        if len(kept) == 1:  # one referral (most days with any): a slice, not a gather
            return rows[kept[0] : kept[0] + 1]
        return rows.take(kept) if kept else rows[:0]

    def _reviews(self, day: int) -> None:
        """Monthly, quarterly and yearly life reviews at the cell's monthly meeting.

        The reviews of the day's units are counted for each month of the year (:func:`_reviews_by_month`) again
        only when the group of units meeting on that day of the month changed (``cohorts.GroupMemo``), not
        every day (at national scale 16,000 units a day).
        """
        dom = self._dom[day]
        units = cohorts.meeting_today(self.world.meeting_days, dom, cohorts.UNITS)
        if len(units):
            self.world.tally.add_all(self._reviews_by_month(dom, units)[self._month[day] % 12])


def _reviews_by_month(units: np.ndarray) -> list[tuple[tuple[str, int], ...]]:
    """The monthly, quarterly and yearly reviews of ``units`` in each month, by month index % 12: a unit holds
    its quarterly review in the months where (id + month) % 3 == 0 and its yearly one where (id + month) % 12
    == 0, both read from the count of the units by id % 12."""
    by_phase = np.bincount(units % 12, minlength=12).tolist()
    return [
        (
            ("reviews_monthly", len(units)),
            ("reviews_quarterly", sum(by_phase[-month % 3 :: 3])),
            ("reviews_yearly", by_phase[-month % 12]),
        )
        for month in range(12)
    ]
