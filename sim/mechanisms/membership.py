"""Recruitment, candidacy and admission to full membership.

Source: "Basic Party Organizations" (NK Leadership Watch):

* an application is submitted to the local party cell with letters of
  recommendation from two members of at least two years' standing; a Youth
  League member may replace one of them with the Youth League committee's
  letter; the recommenders "bear responsibility" for the applicant;
* the application is reviewed with the applicant at the cell's general
  meeting and forwarded to the county/city committee, which must act on it
  within a month; if approved the applicant becomes a candidate member with a
  probation of up to one year;
* after the year the cell decides and the county/city committee ratifies
  (within its month, ``county_decision_max_days``); a candidate who does not
  qualify is extended by the cell for another year; a candidate who still does
  not qualify "after another probationary period" is expelled. Expelling at
  the first decision (``extension_probability`` below 1) is an assumption the
  scenario must ask for;
* applicants are at least the party's minimum age; only Kim Il Sung Youth
  League members (at most the League's age limit) carry the League
  committee's letter in place of one recommendation.

Cohort-level: recruitment is planned once a month (eligible recommenders are
found among the members of the chosen cells through the member index),
applications are filed on days spread over the month, and every later step is
taken up from one :class:`~sim.model.agenda.Agenda` of the ids due on a given day
(the member table says which procedure each is due for), so daily work is
proportional to the people due that day, not to the party's size.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from itertools import pairwise

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model.agenda import SMALL as FEW_IDS
from sim.model.agenda import Agenda
from sim.model.arrays import distinct
from sim.model.calendar import MeetingDates
from sim.model.lifecourse import DAYS_PER_YEAR, birth_days
from sim.model.population import N_STATUS, YOUTH_LEAGUE_LETTER, Status
from sim.model.sampling import bernoulli_split, draw_integers, rows_where
from sim.model.traits import TraitDistributions
from sim.model.world import World

#: Status filter for the member index: recommenders are full members.
FULL_ONLY = np.zeros(N_STATUS, dtype=bool)
FULL_ONLY[Status.FULL] = True
#: The code of full members as a plain int: numpy compares its codes with it without widening them, and a
#: Python int compares faster than an IntEnum member.
_FULL = int(Status.FULL)

#: The procedures a member's ``due`` day can be for (the member table's ``procedure`` codes), in the order a
#: day takes them up: the cell's review of an application, the county/city committee's decision on it, the
#: cell's decision at the end of a probation and the county/city committee's ratification of an admission.
REVIEW, COUNTY, PROBATION, RATIFICATION = 1, 2, 3, 4
N_PROCEDURES = 4
#: The status a member pending each procedure is in, by procedure code (a member who left is not taken up).
PENDING_STATUS = np.array([-1, Status.APPLICANT, Status.APPLICANT, Status.CANDIDATE, Status.CANDIDATE], dtype=np.int8)
_PENDING_STATUS = PENDING_STATUS.tolist()
#: No one due for a procedure, and for any (most days of a small party).
_NOBODY = np.empty(0, dtype=np.int64)
_NOBODY.flags.writeable = False
_NONE_DUE = (_NOBODY,) * N_PROCEDURES


class Membership(Mechanism):
    name = "membership"
    FLOWS = ("applications_unsponsored", "probation_extended")

    def __init__(self, world: World):
        super().__init__(world)
        self.cfg = world.scenario.membership
        cal = world.calendar
        #: Recruitment is planned on day 0 and on the first of every month.
        self.months = distinct(np.concatenate(([0], cal.monthly(1))))
        #: Applicants and candidates by the day of their next procedure (the cell's review, the county/city
        #: committee's decision, the cell's probation decision, the ratification): one pop a day for all four.
        self.procedures = Agenda()
        #: Applicants are younger than the (men's) retirement age.
        self.max_age = world.scenario.attrition.retirement_age_years
        #: The cells' next meeting after a day of the run (application reviews), and their last meeting
        #: before the end of a first or second probation begun during the run (earlier ones ask the calendar).
        self.next_meeting = MeetingDates(cal, 0, cal.horizon + 1, later=True)
        self.last_meeting = MeetingDates(
            cal, self.cfg.probation_days, cal.horizon + 2 * self.cfg.probation_days, later=False
        )
        self._plan: dict[str, np.ndarray] = {}
        #: This month's plan's rows in filing order (by day, then row), their filing days (Python ints: a
        #: day's look and search cost a tenth of numpy's), and how many have been filed: a cursor through the
        #: sorted plan, which a day's filings take a run of (an agenda of it would split the plan into its
        #: days and sort each day's rows again at every filing).
        self._filing_rows: np.ndarray = _NOBODY
        self._filing_days: list[int] = []
        self._filed = 0
        #: The recruits' trait distributions, read from the scenario once, not at every filing.
        self.traits = TraitDistributions(world.scenario.organization.types, world.scenario.population)
        candidates = world.pop.ids_in(Status.CANDIDATE)
        self._schedule_probation_decision(candidates, world.pop.candidate_since[candidates], years=1, today=0)

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.cfg.enabled:
            return ()
        return ((self.months, self.plan_recruitment), (self.world.calendar.daily(), self.run_procedures))

    # -- monthly: who applies where, vouched for by whom --------------------
    def plan_recruitment(self, day: int) -> None:
        """Plan this month's applications: cells, filing days and recommenders."""
        world, pop, cfg = self.world, self.world.pop, self.cfg
        next_month = self.months[np.searchsorted(self.months, day, side="right") :]
        days_in_month = int(next_month[0] if len(next_month) else world.calendar.horizon) - day
        rate = (
            cfg.applications_per_year
            + world.scenario.organization.military_service.applications_per_year()
            + cfg.applications_per_member_year * pop.counts[Status.FULL]
        )
        n_apps = int(self.rng.poisson(rate * days_in_month / DAYS_PER_YEAR))
        if n_apps == 0:
            return
        min_joined = day - round(cfg.recommender_min_years * DAYS_PER_YEAR)

        def may_vouch(ids: np.ndarray) -> np.ndarray:
            full = ids.compress(pop.status.take(ids) == _FULL)  # a plain int: no widening of the codes
            return full.compress(pop.joined.take(full) <= min_joined)

        # Applicants come through members who know them: the cell of a random
        # eligible member (drawn by rejection from the table's rows), so cells
        # are chosen in proportion to the members who may vouch.
        vouchers = rows_where(self.rng, pop.n, n_apps, may_vouch)
        world.tally.add("applications_unsponsored", n_apps - len(vouchers))
        if len(vouchers) == 0:
            return
        cells = pop.cell[vouchers]
        # Who may vouch in the chosen cells (through the member index, not a pass over the table),
        # ordered by cell and id: one sort of (cell, id) packed in 64 bits. The index gives full members only.
        eligible = world.members.members_of(cells, FULL_ONLY)
        # compress and take: boolean and fancy indexing of a national plan's 200,000 ids cost 1.6 ms, these 1.2.
        eligible = eligible.compress(pop.joined.take(eligible) <= min_joined)
        key = (pop.cell.take(eligible).astype(np.int64) << 32) | eligible
        key.sort(kind="stable")  # distinct keys, mostly in cell order already (the index's): timsort's best case
        roster, roster_cells = key & 0xFFFFFFFF, key >> 32
        # Each applicant's cell's range of the roster: its run of equal cells, numbered from 1 in a table
        # over the cells (run 0 is empty: a cell without eligible members). A lookup per applicant, where a
        # binary search among the runs cost 15 times more (16,000 applicants: 1.5 against 0.1 ms).
        edges = np.flatnonzero(roster_cells[1:] != roster_cells[:-1]) + 1
        run_start = np.concatenate(([0, 0], edges))
        run_end = np.concatenate(([0], edges, [len(roster)]))
        run_of = np.zeros(len(pop.org_size), dtype=np.int32)
        run_of[roster_cells[run_start[1:]]] = np.arange(1, len(run_start), dtype=np.int32)
        run = run_of[cells]
        start = run_start[run]
        count = run_end[run] - start
        # The applicant's age in days on the filing day; only members of the
        # Youth League, who are at most its age limit, have its committee's letter.
        age = -birth_days(self.rng, len(cells), 0, cfg.min_age_years, cfg.applicant_age_excess_mean_years, self.max_age)
        youth = (age <= cfg.youth_league_age_limit_years * DAYS_PER_YEAR) & (
            self.rng.random(len(cells)) < cfg.youth_league_share
        )
        sponsored = youth | (count >= 2)
        world.tally.add("applications_unsponsored", int((~sponsored).sum()))
        start, count, youth, age = (a[sponsored] for a in (start, count, youth, age))
        # Two distinct recommenders from the cell's roster, or one plus the Youth League letter.
        pick1 = self.rng.integers(0, count)
        pick2 = (pick1 + 1 + self.rng.integers(0, np.maximum(count - 1, 1))) % count
        rec1 = roster[start + pick1]
        rec2 = np.where(youth, YOUTH_LEAGUE_LETTER, roster[start + pick2])
        # Filing days fall before the next plan, so the previous plan is fully filed. The applicant joins the
        # first recommender's tie group, read here: a member's group never changes, and one gather of the month's
        # recommenders spares the filing days theirs (at national scale, rows all over the table: cache misses).
        ties_group = pop.ties_group.take(rec1)
        self._plan = {"rec1": rec1, "rec2": rec2, "youth": youth, "age": age, "ties_group": ties_group}
        offsets = self.rng.integers(0, days_in_month, len(rec1))
        # Radix-sorted as 16-bit offsets (a month's days): a national plan's 16,000 rows 58 against 724 us.
        self._filing_rows = offsets.astype(np.int16).argsort(kind="stable")
        self._filing_days, self._filed = (day + offsets.take(self._filing_rows)).tolist(), 0

    # -- daily: filings, reviews, county decisions, probation decisions -------
    def run_procedures(self, day: int) -> None:
        self._file_applications(day)
        review, county, probation, ratification = self._due(day)
        self._cell_review(day, review)
        # A probation of a month may end at the cell's meeting on the committee's very day: due today, and
        # scheduled after the pop (the only procedure that can be), its candidates are taken up with the day's
        # others, as the committee's decision hands them over (no second pop of the agenda, whose entry for
        # them is stale by the next day's: they have been decided).
        today = self._county_decision(day, county)
        if len(today):
            probation = distinct(np.concatenate((probation, today)))
        self._probation_decision(day, probation)
        self._ratification(day, ratification)

    def _due(self, day: int) -> tuple[np.ndarray, ...]:
        """The ids due today for each procedure (review, county decision, probation decision, ratification)
        whose procedure is still pending: not rescheduled (``due`` today) and still in its status.

        Taken up at the start of the day, before any of them: only a county decision can schedule another
        procedure for the same day (:meth:`run_procedures`).
        """
        ids = self.procedures.pop(day)
        if len(ids) == 0:  # most days in a small party: no gathers on empty arrays
            return _NONE_DUE
        pop = self.world.pop
        if len(ids) <= FEW_IDS:  # a small party's day: a look at each id costs less than the array calls
            due_of, status_of, procedure_of = pop.due.item, pop.status.item, pop.procedure.item  # Python ints
            pending: tuple[list[int], ...] = ([], [], [], [], [])  # by procedure code
            for i in ids.tolist():
                code = procedure_of(i)
                if due_of(i) == day and status_of(i) == _PENDING_STATUS[code]:
                    pending[code].append(i)
            _, review, county, probation, ratification = pending
            return (
                np.array(review, dtype=np.int64) if review else _NOBODY,
                np.array(county, dtype=np.int64) if county else _NOBODY,
                np.array(probation, dtype=np.int64) if probation else _NOBODY,
                np.array(ratification, dtype=np.int64) if ratification else _NOBODY,
            )
        procedure = pop.procedure.take(ids)
        still = (pop.due.take(ids) == day) & (pop.status.take(ids) == PENDING_STATUS.take(procedure))
        # The stale entries take code 0, which no procedure has (one product, not two compressions): by
        # procedure, each in id order (a stable sort of the codes), split at the counts of the codes, code 0's
        # run dropped.
        procedure *= still
        ids = ids.take(procedure.argsort(kind="stable"))
        ends = np.bincount(procedure, minlength=N_PROCEDURES + 1).cumsum().tolist()
        return tuple(ids[start:end] for start, end in pairwise(ends))

    def _schedule(self, procedure: int, ids: np.ndarray, days: np.ndarray | int) -> None:
        """Schedule ``procedure`` for ``ids`` on ``days``."""
        pop = self.world.pop
        if len(ids) == 1 and isinstance(days, int):  # one id, one day (a small party's day): by its scalar index
            row = ids.item()
            pop.due[row] = days
            pop.procedure[row] = procedure
        else:
            pop.due[ids] = days
            pop.procedure[ids] = procedure
        self.procedures.push(ids, days)

    def _within_county_deadline(self, procedure: int, ids: np.ndarray, day: int) -> None:
        """Schedule ``procedure`` of ``ids`` on the county/city committee's day, drawn within its deadline after
        ``day``."""
        if len(ids):
            self._schedule(
                procedure, ids, day + draw_integers(self.rng, 1, self.cfg.county_decision_max_days + 1, len(ids))
            )

    def _filings(self, day: int) -> tuple[int, int]:
        """Where the plan's rows filed on ``day`` are in filing order (start and end): the next run of the
        sorted plan. The month's plan is made before its first day's filings and every day takes its own, so
        the run is that one day's rows, in row order."""
        start, days = self._filed, self._filing_days
        if start < len(days) and days[start] <= day:  # (no filing on many days of a small party)
            self._filed = bisect_right(days, day, start)
        return start, self._filed

    def _file_applications(self, day: int) -> None:
        start, end = self._filings(day)
        if start == end:
            return
        world, pop, plan = self.world, self.world.pop, self._plan
        # The applicant files with the first recommender's cell as it is today (a
        # re-organization may have merged or split the planned one); an application
        # whose recommender has left the party is not filed.
        if end - start == 1:  # two filings in three of a small party: Python scalars, which a row takes at a
            # tenth of the cost of arrays (and no array call on them)
            count = 1
            row = self._filing_rows.item(start)
            rec1 = plan["rec1"].item(row)
            cell = pop.cell.item(rec1)
            if pop.status.item(rec1) != _FULL or not world.orgs.alive.item(cell):
                world.tally.add("applications_unsponsored", 1)
                return
            traits: dict[str, np.ndarray] | dict[str, np.generic] = self.traits.draw_one(
                world.orgs.type.item(cell), self.rng
            )
            applicant = {
                "recommender2": plan["rec2"].item(row),
                "youth_league": plan["youth"].item(row),
                "birth": day - plan["age"].item(row),
                "ties_group": plan["ties_group"].item(row),
            }
        else:
            rows = self._filing_rows[start:end]
            rec1 = plan["rec1"][rows]
            # Widened once for the three lookups by cell below: numpy indexes by 32-bit ids four times slower
            # than by 64-bit ones (80 ids: 1.3 against 0.3 us; one id: 1.1 against 0.2).
            cell = pop.cell[rec1].astype(np.int64)
            filed = (pop.status[rec1] == _FULL) & world.orgs.alive[cell]
            unfiled = len(rows) - np.count_nonzero(filed)
            if unfiled:
                world.tally.add("applications_unsponsored", unfiled)
                rows, rec1, cell = rows[filed], rec1[filed], cell[filed]
                if len(rows) == 0:
                    return
            count = len(rows)
            traits = self.traits.draw(world.orgs.type[cell], self.rng)
            applicant = {
                "recommender2": plan["rec2"][rows],
                "youth_league": plan["youth"][rows],
                "birth": day - plan["age"][rows],
                "ties_group": plan["ties_group"][rows],
            }
        # The review's day is written with the applicants' other columns (no gathers by their new ids).
        review = self._review_day(cell, day)
        ids = pop.add(
            count,
            Status.APPLICANT,
            cell,
            applied=day,
            recommender1=rec1,
            due=review,
            procedure=REVIEW,
            **applicant,
            **traits,
        )
        self.procedures.push(ids, review)
        self.log_members(day, "application", ids)

    def _review_day(self, cells: np.ndarray | int, day: int) -> np.ndarray:
        """The day an application filed or moved on ``day`` is reviewed with the applicant: the next general
        meeting of their cell (``cells``; one cell's as a scalar)."""
        return self.next_meeting.of(day + 1, self.world.orgs.meeting_day[cells])

    def _schedule_review(self, ids: np.ndarray, cells: np.ndarray, day: int) -> None:
        """Schedule the review of the applications ``ids``, filed or moved on ``day`` to ``cells``."""
        self._schedule(REVIEW, ids, self._review_day(cells, day))

    def moved(self, ids: np.ndarray, day: int) -> None:
        """Members re-attached to another cell by re-organization: an application not yet reviewed
        goes to the new cell, which reviews it at its next meeting (the old entry goes stale)."""
        pop = self.world.pop
        pending = ids[pop.procedure[ids] == REVIEW]
        pending = pending[pop.status[pending] == int(Status.APPLICANT)]  # of the few flagged: a plain int, no widening
        self._schedule_review(pending, pop.cell[pending], day)

    def _cell_review(self, day: int, ids: np.ndarray) -> None:
        """The cell meeting reviews the application and forwards it to the county/city committee."""
        # An application reviewed already (moved to an earlier meeting of its new cell) leaves its old
        # entry stale, and its county decision may fall on that very day: ``_due`` takes it up as the county's.
        if len(ids) == 0:
            return
        forwarded, refused = bernoulli_split(self.rng, ids, self.cfg.cell_endorse_probability)
        self._reject(day, refused, cause="cell")
        self.log_members(day, "application_forwarded", forwarded)
        self._within_county_deadline(COUNTY, forwarded, day)

    def _reject(self, day: int, ids: np.ndarray, cause: str) -> None:
        """Reject the applications ``ids`` (``cause``: the cell's review or the committee's decision). Most
        days of a small party reject none: then neither the transition nor the log is called."""
        if len(ids):
            self.world.pop.transition(ids, Status.REJECTED, source=Status.APPLICANT)
            self.log_members(day, "application_rejected", ids, cause=cause)

    def _county_decision(self, day: int, ids: np.ndarray) -> np.ndarray:
        """The county/city committee acts within a month: candidate membership or rejection.

        Returns the new candidates whose probation decision falls on ``day`` itself (a probation of a month
        that ends at their cell's meeting on the committee's day), for :meth:`run_procedures` to take up today.
        """
        if len(ids) == 0:
            return _NOBODY
        pop = self.world.pop
        new, rejected = bernoulli_split(self.rng, ids, self.cfg.county_approve_probability)
        self._reject(day, rejected, cause="county")
        if len(new) == 0:
            return _NOBODY
        pop.transition(new, Status.CANDIDATE, source=Status.APPLICANT)
        pop.candidate_since[new] = day
        self.log_members(day, "candidate_admitted", new)
        decided = self._schedule_probation_decision(new, day, years=1, today=day)
        if isinstance(decided, int):  # one candidate's day
            return new if decided == day else _NOBODY
        return new.compress(decided == day)

    def _schedule_probation_decision(
        self, ids: np.ndarray, since: np.ndarray | int, years: int, today: int
    ) -> np.ndarray | int:
        """The cell decides at its last meeting before the probation's (first or second) end.

        Never before ``today``: day-0 candidates whose year ended before the run
        starts are decided on day 0. Returns the days of the decisions (one id's as an int).
        """
        if len(ids) == 0:
            return _NOBODY
        meeting_day, cell = self.world.orgs.meeting_day, self.world.pop.cell
        if len(ids) == 1:  # one candidate (a small party's day): scalars, not gathers and ufuncs on arrays of one
            end = (since if isinstance(since, int) else since.item(0)) + years * self.cfg.probation_days
            meeting = max(int(self.last_meeting.of(end, meeting_day[cell.item(ids.item(0))])), today)
            self._schedule(PROBATION, ids, meeting)
            return meeting
        ends = since + years * self.cfg.probation_days
        meetings = np.maximum(self.last_meeting.of(ends, meeting_day.take(cell[ids])), today)  # (32-bit ids)
        self._schedule(PROBATION, ids, meetings)
        return meetings

    def _guidance(self, punished: np.ndarray | int, members: np.ndarray | int) -> np.ndarray | float:
        """Factor on the qualifying probability by the candidate's cell: 1 - effect x its punished share
        (``punished`` of ``members``, at least 1; numbers or arrays alike).

        Source: the party cell "is obligated to 'concretely guide and
        assist' the candidate member to qualify"; a cell whose own members
        stand punished is taken to guide less (assumption: the measure and
        ``membership.guidance_effect``).
        """
        return 1 - self.cfg.guidance_effect * punished / members

    def _qualify_probability(self, ids: np.ndarray) -> np.ndarray | float:
        """Each candidate's probability to qualify: the first or the second probation's, times the guidance
        factor of their cell (:meth:`_guidance`; one id: a float).

        Two lookups per candidate in the per-cell counts the member table keeps.
        A few candidates (a small party's day) are computed in Python, with the
        same operations in the same order as on the arrays.
        """
        pop, cfg = self.world.pop, self.cfg
        if len(ids) > FEW_IDS:
            cells = pop.cell[ids].astype(np.int64)  # widened once for two lookups (see _file_applications)
            p_qualify = np.where(pop.extended[ids], cfg.second_qualify_probability, cfg.qualify_probability)
            if cfg.guidance_effect:
                p_qualify *= self._guidance(pop.org_punished[cells], np.maximum(pop.org_size[cells], 1))
            return p_qualify
        p = []
        for i in ids.tolist():  # read as Python numbers: no gathers
            cell = pop.cell.item(i)
            p.append(
                (cfg.second_qualify_probability if pop.extended.item(i) else cfg.qualify_probability)
                * self._guidance(pop.org_punished.item(cell), max(pop.org_size.item(cell), 1))
            )
        return p[0] if len(p) == 1 else np.array(p)

    def _probation_decision(self, day: int, ids: np.ndarray) -> None:
        """Admit, extend once, or expel the candidates whose probation ends (source)."""
        if len(ids) == 0:
            return
        pop, world, cfg = self.world.pop, self.world, self.cfg
        p_qualify = self._qualify_probability(ids)
        passed, failed = bernoulli_split(self.rng, ids, p_qualify)
        self.log_members(day, "probation_passed", passed)
        self._within_county_deadline(RATIFICATION, passed, day)
        if len(failed) == 0:
            return
        extend = ~pop.extended[failed] & (self.rng.random(len(failed)) < cfg.extension_probability)
        extended = failed[extend]
        pop.extended[extended] = True
        world.tally.add("probation_extended", len(extended))
        self.log_members(day, "probation_extended", extended)
        self._schedule_probation_decision(extended, pop.candidate_since[extended], years=2, today=day + 1)
        expelled = failed[~extend]
        pop.transition(expelled, Status.CANDIDATE_EXPELLED, source=Status.CANDIDATE)
        self.log_members(day, "candidate_expelled", expelled)

    def _ratification(self, day: int, ids: np.ndarray) -> None:
        """The city/county committee ratifies the cell's decision within its deadline: full membership (source).

        A candidate whose admission is not ratified has not qualified: the cell
        decides again at the end of an extended probation, or, after the
        extension, expels the candidate (source: "after another probationary period").
        """
        if len(ids) == 0:
            return
        pop, world = self.world.pop, self.world
        admitted, refused = bernoulli_split(self.rng, ids, self.cfg.ratify_probability)
        pop.transition(admitted, Status.FULL, source=Status.CANDIDATE)
        pop.joined[admitted] = day
        self.log_members(day, "admitted", admitted)
        if len(refused) == 0:
            return
        self.log_members(day, "admission_refused", refused)
        extended, expelled = refused[~pop.extended[refused]], refused[pop.extended[refused]]
        pop.extended[extended] = True
        world.tally.add("probation_extended", len(extended))
        self._schedule_probation_decision(extended, pop.candidate_since[extended], years=2, today=day + 1)
        pop.transition(expelled, Status.CANDIDATE_EXPELLED, source=Status.CANDIDATE)
        self.log_members(day, "candidate_expelled", expelled)
