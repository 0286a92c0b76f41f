"""A per-member reference model of the same rules: the test oracle of the vectorized engine.

DESIGN.md: "A per-member reference implementation is welcome *as a test
oracle* for small populations (statistical equivalence), never as the
engine." This module is that oracle. It is written for clarity, not speed:
every member is a Python object, every member has a SimPy process of their
own, and every rule is a few lines of plain Python that read like the bylaws.
It never calls the vectorized mechanisms of ``sim.mechanisms``; it has its
own random draws (``random.Random``, plus numpy only for Poisson draws), so
the two models agree in distribution, not draw by draw.

What is shared with the engine, on purpose:

* the day-0 state: ``sim.model.founding.found_party`` with the same founding
  stream, and the offices filled when a run is set up (``sim.model.elections``),
  read into per-member objects; each cell's meeting day of the month and its
  Party Life Critique cadence are part of that organization and are read
  from it (``sim.model.cohorts.critique_cohort``), so that the comparison isolates
  the dynamics rather than the draw of the structure;
* ``sim.model.calendar.Calendar`` for sim day <-> date (meeting dates are computed
  here with ``datetime``, independently of the calendar's vectorized helpers);
* names: statuses (``sim.model.population.Status``), ladder levels
  (``sim.model.ladder``), offices (``sim.model.roles``), sectors (``sim.model.traits``) and the
  time-series column names of the output contract (``sim.run.recorder``).

The rules, each with its source (NK Leadership Watch, *Basic Party
Organizations* = BPO; Daily NK on the army's pre-Congress assemblies = DNK):

* Membership (BPO). Once a month the applications of the month are planned:
  Poisson in number (a rate per full member per year); each comes through
  the cell of a random full member of two years' standing, with two such
  recommenders of that cell, or one plus the Youth League committee's letter
  for a Youth League member; it is filed on a uniform day of the month. The
  cell reviews it at its first meeting after the filing and forwards it or
  not; the county/city committee decides within ``county_decision_max_days``.
  A candidate is decided at the cell's last meeting before the end of the
  probation year: admitted, extended once for another year, or expelled;
  after an extension admitted or expelled.
* Attrition: each week a member may die, retire or be transferred out.
* Party Life Critique (BPO: "once a week or every two days"): at each session
  of their cell a member attends with ``attendance_probability`` and is then
  referred for discipline (insincerity) with ``referral_probability`` times
  (1 - sincerity).
* Offences (DNK names the causes): each week, for each cause with a rate, a
  member offends with the rate's weekly probability, scaled by the sector and
  (for cell secretaries and above) the cadre modifier.
* Discipline: a member has at most one pending case; it is taken up at the
  next meeting of their cell, which convicts with ``conviction_probability``
  at the cause's level, or one step above a standing punishment; expulsion
  waits for the county/city committee's ratification, and a refused one
  becomes probation; probation demotes a full member to candidate; a
  standing punishment is lifted at the first cell meeting after its
  good-conduct period, with ideological education (sincerity); recommenders
  of a member expelled within ``liability_years`` of admission are referred
  (BPO: they "bear responsibility before the party").
* Campaigns (DNK): at a campaign's end a share of its active members is
  credited as achievers.
* Amnesty orders (DNK: "lift the punishments" of members censured for
  insincerity, "warnings and severe warnings"): lift the configured causes
  and levels; educate the members punished for the other named causes.
* Congress (DNK): at the announcement bribers decide and cadres' tie groups
  are noted; every cell's general assembly, on a day of the window,
  recommends members by weighted sampling (unless its report is late); at
  the deadline the county/city committees are scored and the slots
  apportioned; ex-officio cadres are chosen first, then conferences
  (county/city, province) shortlist and select by weight.

Left out (say so when comparing): re-organization of cells and re-election
of offices (run the engine with ``organization.reorganize=false``: the
reference keeps the day-0 structure and offices, which only punishments
take away); the counting of meetings, reports, critique attendance and
findings and life reviews, which move no member; the event log. Delegate
routes are attributed (bribery, ties, achievers, ordinary) but are
compared loosely if at all.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from sim.model import ladder
from sim.model.calendar import RECORD_PHASE, Calendar
from sim.model.cohorts import EVERY_TWO_DAYS_COHORTS, critique_cohort
from sim.model.elections import Elections
from sim.model.founding import DAYS_PER_YEAR, found_party
from sim.model.member_index import MemberIndex
from sim.model.organizations import MEMBER_UNITS
from sim.model.population import Status
from sim.model.roles import CADRE_ROLES, Role
from sim.model.streams import stream
from sim.model.traits import SECTORS
from sim.run.recorder import TRANSITION_FLOWS
from sim.scenario import Scenario
from sim.scenario.sections import CongressCycle

WEEK = 7
#: Members and candidates in the party (a demoted member is a candidate again, still a member).
ACTIVE_STATUSES = frozenset({Status.CANDIDATE, Status.FULL, Status.DEMOTED})
INSINCERITY = "insincerity"
LIABILITY = "recommender_liability"
EXPULSION = ladder.code("expulsion")
PROBATION = ladder.code("probation")
REMOVAL = ladder.code("removal_from_post")


# ---------------------------------------------------------------------------
# People and cells
# ---------------------------------------------------------------------------


@dataclass
class Punishment:
    """A standing punishment: its rung on the ladder, why, when, and the meeting that lifts it."""

    level: int
    cause: str
    day: int
    lift_day: int


@dataclass(eq=False)
class Member:
    """One person, from application to leaving the party."""

    id: int
    status: Status
    cell: Cell
    joined: int = 0
    candidate_since: int = 0
    applied: int | None = None  # None: a founder (no application inside the run)
    extended: bool = False
    recommenders: tuple[Member, ...] = ()
    youth_league: bool = False
    female: bool = False
    sector: str = "field_labour"
    sincerity: float = 0.8
    wealth: float = 1.0
    ties_group: int = 0
    role: int = Role.NONE
    achiever: bool = False
    punishment: Punishment | None = None
    case_pending: bool = False
    amnestied: bool = False
    race_stage: int = 0  # 0: not in the Congress race; k: passed k selection steps
    delegate_route: str | None = None  # set when selected

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass(eq=False)
class Cell:
    """A party cell (or party team): where members apply, are critiqued, judged and recommended."""

    id: int
    meeting_day: int  # day of month (1..28) of the monthly meeting
    county: int
    province: int
    critique_every: int  # 7 (weekly) or 2 (every two days)
    critique_first: int  # first sim day of a critique session
    members: list[Member] = field(default_factory=list)

    def active_members(self) -> list[Member]:
        return [m for m in self.members if m.active]


@dataclass
class ReferenceResult:
    """What a reference run returns: a time series with the engine's column names, and headline figures."""

    timeseries: pd.DataFrame
    summary: dict


# ---------------------------------------------------------------------------
# The calendar of a cell's meetings (plain datetime arithmetic)
# ---------------------------------------------------------------------------


def meeting_on_or_after(cal: Calendar, day: int, meeting_day: int) -> int:
    """The first monthly meeting (on ``meeting_day`` of the month) on or after sim ``day``."""
    date = cal.date(day)
    meeting = date.replace(day=meeting_day)
    if meeting < date:
        first_next = (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        meeting = first_next.replace(day=meeting_day)
    return cal.day(meeting)


def meeting_on_or_before(cal: Calendar, day: int, meeting_day: int) -> int:
    """The last monthly meeting (on ``meeting_day`` of the month) on or before sim ``day``."""
    date = cal.date(day)
    meeting = date.replace(day=meeting_day)
    if meeting > date:
        last_previous = date.replace(day=1) - dt.timedelta(days=1)
        meeting = last_previous.replace(day=meeting_day)
    return cal.day(meeting)


def weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """``k`` items drawn one after another without replacement, each in proportion to its weight.

    Items of weight 0 are never drawn (so fewer than ``k`` may come back).
    """
    pool = [(item, w) for item, w in zip(items, weights) if w > 0]
    chosen = []
    while pool and len(chosen) < k:
        x = rng.random() * sum(w for _, w in pool)
        j = 0
        while j < len(pool) - 1 and x >= pool[j][1]:
            x -= pool[j][1]
            j += 1
        chosen.append(pool.pop(j)[0])
    return chosen


def largest_remainder(votes: dict[int, float], seats: int) -> dict[int, int]:
    """Hamilton's method: integer parts of the quotas, then the largest remainders."""
    total = sum(votes.values())
    if seats <= 0 or total <= 0:
        return dict.fromkeys(votes, 0)
    quota = {unit: v * seats / total for unit, v in votes.items()}
    result = {unit: math.floor(q) for unit, q in quota.items()}
    by_remainder = sorted(votes, key=lambda u: (-(quota[u] - result[u]), -votes[u], u))
    for unit in by_remainder[: seats - sum(result.values())]:
        result[unit] += 1
    return result


def sainte_lague(votes: dict[int, float], seats: int) -> dict[int, int]:
    """Webster's method as highest averages: each seat goes to the largest votes / (2 s + 1)."""
    result = dict.fromkeys(votes, 0)
    if sum(votes.values()) <= 0:
        return result
    for _ in range(seats):
        best = max(votes, key=lambda u: (votes[u] / (2 * result[u] + 1), -u))
        result[best] += 1
    return result


APPORTIONMENT = {"largest_remainder": largest_remainder, "sainte_lague": sainte_lague}


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


class ReferenceModel:
    """One run of the per-member model: ``ReferenceModel(scenario, seed).run()``."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else int(seed)
        self.rng = random.Random(self.seed)
        self.poisson = np.random.default_rng([self.seed, 1]).poisson
        self.cal = Calendar(scenario.start, scenario.duration_span)
        self.env = simpy.Environment()
        self.members: list[Member] = []
        self.cells: dict[int, Cell] = {}
        self.stock: Counter = Counter()  # persons by status
        self.punished: Counter = Counter()  # active members by standing punishment level
        self.flows: Counter = Counter()  # (from, to) status changes since the last row
        self.tally: Counter = Counter()  # other counts since the last row
        self.rows: list[dict] = []
        self.congress_reports: list[dict] = []
        self.achievers_by_campaign: dict[str, int] = {}
        # The Congress race in progress (reset at each announcement and opening).
        self.race = {"pool": 0, "selected": 0}
        self.bribers: set[Member] = set()
        self.cadre_ties: set[tuple[int, int]] = set()
        self.slots: dict[int, int] = {}
        self.ex_officio: dict[int, int] = {}
        self.events_processed = 0
        d = scenario.discipline
        self.lift_days = {ladder.code(level): getattr(d.lift_after_days, level) for level in ladder.STANDING_LEVELS}
        self.first_level = {name: ladder.code(spec.level) for name, spec in d.causes.items()}
        self.first_level[LIABILITY] = ladder.code(d.liability_level)
        #: Weekly offence probability of each rate-based cause, by (sector, holds a post).
        self.weekly_offences = {
            (sector, cadre): [
                (
                    cause,
                    1
                    - math.exp(
                        -spec.rate_per_year
                        * spec.sector_modifiers.get(sector, 1.0)
                        * (spec.cadre_modifier if cadre else 1.0)
                        * WEEK
                        / DAYS_PER_YEAR
                    ),
                )
                for cause, spec in d.causes.items()
                if not spec.from_critique and spec.rate_per_year > 0
            ]
            for sector in SECTORS
            for cadre in (False, True)
        }
        self.roles_allowed = 0 if d.roles_allowed_up_to == "none" else ladder.code(d.roles_allowed_up_to)
        self.delegates_allowed = 0 if d.delegates_allowed_up_to == "none" else ladder.code(d.delegates_allowed_up_to)
        self._found()

    # -- day 0 -------------------------------------------------------------
    def _found(self) -> None:
        """Read the engine's day-0 party (same founding stream and offices) into objects."""
        sc = self.scenario
        pop, orgs = found_party(sc, stream(self.seed, "founding"))
        Elections(
            pop, orgs, MemberIndex(pop), sc.organization, ladder.allowed_code(sc.discipline.roles_allowed_up_to)
        ).fill(orgs.ids_of(*MEMBER_UNITS), day=0)
        units = orgs.ids_of(*MEMBER_UNITS)
        cohorts = critique_cohort(units, sc.critique.every_two_days_share)
        weekday0 = sc.start.weekday()
        for unit, cohort in zip(units.tolist(), cohorts.tolist()):
            if cohort in EVERY_TWO_DAYS_COHORTS:
                every, first = 2, cohort - EVERY_TWO_DAYS_COHORTS[0]
            else:
                every, first = WEEK, (cohort - weekday0) % WEEK
            self.cells[unit] = Cell(
                unit, int(orgs.meeting_day[unit]), int(orgs.county[unit]), int(orgs.province[unit]), every, first
            )
        n = pop.n
        columns = {
            name: getattr(pop, name)[:n].tolist()
            for name in (
                "status",
                "cell",
                "joined",
                "candidate_since",
                "female",
                "sector",
                "sincerity",
                "wealth",
                "ties_group",
                "role",
            )
        }
        for i in range(n):
            c = {name: values[i] for name, values in columns.items()}
            member = Member(
                id=i,
                status=Status(c["status"]),
                cell=self.cells[c["cell"]],
                joined=c["joined"],
                candidate_since=c["candidate_since"],
                female=c["female"],
                sector=SECTORS[c["sector"]],
                sincerity=c["sincerity"],
                wealth=c["wealth"],
                ties_group=c["ties_group"],
                role=c["role"],
            )
            self._enrol(member)

    def _enrol(self, member: Member) -> None:
        self.members.append(member)
        member.cell.members.append(member)
        self.stock[member.status] += 1
        if member.active:
            self.env.process(self.weekly_hazards(member))
        if member.status == Status.CANDIDATE:
            self.env.process(self.probation(member, today=0))

    # -- bookkeeping ---------------------------------------------------------
    def now(self) -> int:
        return int(self.env.now)

    def wait_until(self, day: int) -> simpy.Timeout:
        return self.env.timeout(max(day - self.env.now, 0))

    def move(self, member: Member, to: Status) -> None:
        """Change a member's status, keeping the stocks and the flows."""
        was_active = member.active
        self.stock[member.status] -= 1
        self.stock[to] += 1
        self.flows[(member.status, to)] += 1
        member.status = to
        if was_active and not member.active and member.punishment is not None:
            self.punished[member.punishment.level] -= 1

    def set_punishment(self, member: Member, punishment: Punishment | None) -> None:
        if member.punishment is not None:
            self.punished[member.punishment.level] -= 1
        member.punishment = punishment
        if punishment is not None:
            self.punished[punishment.level] += 1

    def draw_traits(self, member: Member) -> None:
        """Sex, sector, sincerity and means of a newcomer, from the population section."""
        cfg, rng = self.scenario.population, self.rng
        shares = cfg.sectors.normalized()
        member.female = rng.random() < cfg.female_share
        member.sector = rng.choices(list(shares), weights=list(shares.values()))[0]
        member.sincerity = rng.betavariate(
            cfg.sincerity_mean * cfg.sincerity_concentration, (1 - cfg.sincerity_mean) * cfg.sincerity_concentration
        )
        member.wealth = rng.lognormvariate(0.0, cfg.wealth_sigma)

    # -- membership: recruitment -------------------------------------------
    def recruitment(self) -> Generator:
        """Plan each month's applications on its first day (and on day 0)."""
        cfg, cal = self.scenario.membership, self.cal
        plans = sorted({0, *cal.monthly(1).tolist()})
        for i, day in enumerate(plans):
            yield self.wait_until(day)
            days_in_month = (plans[i + 1] if i + 1 < len(plans) else cal.horizon) - day
            rate = cfg.applications_per_year + cfg.applications_per_member_year * self.stock[Status.FULL]
            n_apps = int(self.poisson(rate * days_in_month / DAYS_PER_YEAR))
            if n_apps == 0:
                continue
            min_joined = day - round(cfg.recommender_min_years * DAYS_PER_YEAR)
            vouchers = [m for m in self.members if m.status == Status.FULL and m.joined <= min_joined]
            by_cell: dict[int, list[Member]] = {}
            for m in vouchers:
                by_cell.setdefault(m.cell.id, []).append(m)
            for _ in range(n_apps):
                if not vouchers:
                    self.tally["applications_unsponsored"] += 1
                    continue
                cell = self.rng.choice(vouchers).cell  # applicants come through members who know them
                roster = by_cell[cell.id]
                # Only Youth League members, at most its age limit, carry its letter (BPO; ages: assumptions).
                span = self.scenario.attrition.retirement_age_years - cfg.min_age_years
                excess = self.rng.expovariate(1 / cfg.applicant_age_excess_mean_years)
                excess = excess if excess < span else self.rng.random() * span
                youth = cfg.min_age_years + excess <= cfg.youth_league_age_limit_years
                youth = youth and self.rng.random() < cfg.youth_league_share
                if not youth and len(roster) < 2:
                    self.tally["applications_unsponsored"] += 1
                    continue
                first, second = self.rng.sample(roster, 2) if len(roster) >= 2 else (roster[0], None)
                recommenders = (first,) if youth else (first, second)
                filing = day + self.rng.randrange(days_in_month)
                self.env.process(self.career(recommenders, youth, filing))

    # -- membership: one applicant's career --------------------------------
    def career(self, recommenders: tuple[Member, ...], youth: bool, filing: int) -> Generator:
        """File, be reviewed by the cell, decided by the county/city committee, then probation.

        The application is filed in the first recommender's cell, and only if
        that recommender is still a full member on the filing day.
        """
        cfg, rng = self.scenario.membership, self.rng
        yield self.wait_until(filing)
        if recommenders[0].status != Status.FULL:
            self.tally["applications_unsponsored"] += 1
            return
        cell = recommenders[0].cell
        member = Member(
            id=len(self.members),
            status=Status.EMPTY,
            cell=cell,
            applied=filing,
            recommenders=recommenders,
            youth_league=youth,
            ties_group=recommenders[0].ties_group,
        )
        self.draw_traits(member)
        self._enrol(member)
        self.move(member, Status.APPLICANT)
        # Reviewed with the applicant at the cell's next general meeting (BPO).
        yield self.wait_until(meeting_on_or_after(self.cal, filing + 1, cell.meeting_day))
        if rng.random() >= cfg.cell_endorse_probability:
            self.move(member, Status.REJECTED)
            return
        # The county/city committee acts within a month (BPO).
        yield self.env.timeout(rng.randint(1, cfg.county_decision_max_days))
        if rng.random() >= cfg.county_approve_probability:
            self.move(member, Status.REJECTED)
            return
        self.move(member, Status.CANDIDATE)
        member.candidate_since = self.now()
        self.env.process(self.weekly_hazards(member))
        yield from self.probation(member, today=self.now())

    def probation(self, member: Member, today: int) -> Generator:
        """Decided at the cell's last meeting before the year ends: admit, extend once, or expel (BPO)."""
        cfg, rng = self.scenario.membership, self.rng
        years = 1
        while True:
            end = member.candidate_since + years * cfg.probation_days
            yield self.wait_until(max(meeting_on_or_before(self.cal, end, member.cell.meeting_day), today))
            if member.status != Status.CANDIDATE:
                return  # left, or expelled by discipline
            day = self.now()
            if rng.random() < (cfg.second_qualify_probability if member.extended else cfg.qualify_probability):
                # The city/county committee ratifies within its month (BPO).
                yield self.env.timeout(rng.randint(1, cfg.county_decision_max_days))
                if member.status != Status.CANDIDATE:
                    return
                if rng.random() < cfg.ratify_probability:
                    self.move(member, Status.FULL)
                    member.joined = self.now()
                    return
                if member.extended:
                    self.move(member, Status.CANDIDATE_EXPELLED)
                    return
                member.extended = True
                self.tally["probation_extended"] += 1
                years, today = 2, self.now() + 1
                continue
            if not member.extended and rng.random() < cfg.extension_probability:
                member.extended = True
                self.tally["probation_extended"] += 1
                years, today = 2, day + 1
                continue
            self.move(member, Status.CANDIDATE_EXPELLED)
            return

    # -- weekly hazards: attrition and offences ----------------------------
    def weekly_hazards(self, member: Member) -> Generator:
        """Every week (days 0, 7, 14...) while active: offences of each cause, then leaving."""
        a, discipline = self.scenario.attrition, self.scenario.discipline.enabled
        reasons = {"death": a.death_rate, "retirement": a.retirement_rate, "transfer_out": a.transfer_out_rate}
        total = sum(reasons.values()) if a.enabled else 0.0
        p_leave = 1 - math.exp(-total * WEEK / DAYS_PER_YEAR)
        yield self.wait_until(-(-self.now() // WEEK) * WEEK)
        while member.active:
            if discipline:
                self.offences(member)
            if total > 0 and self.rng.random() < p_leave:
                reason = self.rng.choices(list(reasons), weights=list(reasons.values()))[0]
                self.tally[f"exits_{reason}"] += 1
                self.move(member, Status.EXITED)
                return
            yield self.env.timeout(WEEK)

    def offences(self, member: Member) -> None:
        """This week's rate-based offences; the first one referred blocks the others (one case at a time)."""
        for cause, p in self.weekly_offences[(member.sector, member.role >= Role.CELL_SECRETARY)]:
            if self.rng.random() < p:
                self.refer(member, cause)

    # -- Party Life Critique -----------------------------------------------
    def critique_sessions(self, cell: Cell) -> Generator:
        """The cell's critique sessions, weekly or every two days (BPO)."""
        cfg = self.scenario.critique
        yield self.wait_until(cell.critique_first)
        while True:
            for member in cell.active_members():
                if self.rng.random() < cfg.attendance_probability and self.rng.random() < cfg.referral_probability * (
                    1 - member.sincerity
                ):
                    self.tally["critique_referrals"] += 1
                    self.refer(member, INSINCERITY)
            yield self.env.timeout(cell.critique_every)

    # -- discipline --------------------------------------------------------
    def refer(self, member: Member, cause: str) -> None:
        """Open a case, taken up at the next meeting of the member's cell (one pending case at most)."""
        if not member.active or member.case_pending or not self.scenario.discipline.enabled:
            return
        member.case_pending = True
        self.tally["referrals"] += 1
        self.env.process(self.case(member, cause))

    def case(self, member: Member, cause: str) -> Generator:
        d, rng = self.scenario.discipline, self.rng
        yield self.wait_until(meeting_on_or_after(self.cal, self.now() + 1, member.cell.meeting_day))
        if not member.active:
            return
        if rng.random() >= d.conviction_probability:
            member.case_pending = False
            return
        level = self.first_level[cause]
        held = member.punishment.level if member.punishment else 0
        if d.escalate_repeat and held > 0:
            level = max(level, held + 1)
        level = min(level, EXPULSION)
        if level < EXPULSION:
            member.case_pending = False
            self.punish(member, level, cause)
            return
        # An expulsion waits for the county/city committee's ratification.
        yield self.env.timeout(rng.randint(1, d.expulsion_ratification_days))
        member.case_pending = False
        if not member.active:
            return
        if rng.random() >= d.expulsion_ratify_probability:
            self.tally["expulsions_not_ratified"] += 1
            self.punish(member, PROBATION, cause)
            return
        self.expel(member, cause)

    def count_issued(self, level: int, cause: str) -> None:
        self.tally["punishments_issued"] += 1
        self.tally[f"issued_{ladder.LEVELS[level - 1]}"] += 1
        self.tally[f"issued_{cause}"] += 1

    def punish(self, member: Member, level: int, cause: str) -> None:
        """A standing punishment; probation demotes a full member; lifted after good conduct."""
        day = self.now()
        self.count_issued(level, cause)
        lift_day = meeting_on_or_after(self.cal, day + self.lift_days[level], member.cell.meeting_day)
        punishment = Punishment(level, cause, day, lift_day)
        self.set_punishment(member, punishment)
        member.amnestied = False
        if level == REMOVAL or level > self.roles_allowed:
            member.role = Role.NONE
        if level == PROBATION and member.status == Status.FULL:
            self.move(member, Status.DEMOTED)
        self.env.process(self.lifting(member, punishment))

    def lifting(self, member: Member, punishment: Punishment) -> Generator:
        yield self.wait_until(punishment.lift_day)
        if member.active and member.punishment is punishment:  # not replaced, not lifted by amnesty
            self.lift(member, self.scenario.discipline.education_effect)

    def lift(self, member: Member, education: float) -> None:
        """Lift the standing punishment; a demoted member is restored; education raises sincerity."""
        self.tally["punishments_lifted"] += 1
        self.tally[f"lifted_{member.punishment.cause}"] += 1
        self.set_punishment(member, None)
        if member.status == Status.DEMOTED:
            self.move(member, Status.FULL)
        member.sincerity += education * (1 - member.sincerity)

    def expel(self, member: Member, cause: str) -> None:
        """A ratified expulsion; recommenders of a recent recruit answer for their letter (BPO)."""
        d, day = self.scenario.discipline, self.now()
        self.count_issued(EXPULSION, cause)
        admitted = member.candidate_since if member.status == Status.CANDIDATE else member.joined
        self.set_punishment(member, None)
        member.role = Role.NONE
        self.move(member, Status.EXPELLED)
        if member.applied is not None and day - admitted <= d.liability_years * DAYS_PER_YEAR:
            for recommender in member.recommenders:
                if self.rng.random() < d.liability_probability:
                    self.tally["liability_referrals"] += 1
                    self.refer(recommender, LIABILITY)

    # -- campaigns and amnesty ---------------------------------------------
    def campaign(self, index: int) -> Generator:
        """At the campaign's end, a share of its active members are credited as achievers (DNK)."""
        spec = self.scenario.campaigns[index]
        yield self.wait_until(self.cal.day(spec.end))
        credited = 0
        for member in self.members:
            if (
                member.active
                and (not spec.sectors or member.sector in spec.sectors)
                and self.rng.random() < spec.achiever_share
            ):
                member.achiever = True
                credited += 1
        self.tally["achievers_credited"] += credited
        self.achievers_by_campaign[spec.name] = credited

    def amnesty(self, index: int) -> Generator:
        """Lift the punishments of the order's causes and levels; educate the others named (DNK)."""
        order = self.scenario.amnesty.orders[index]
        yield self.wait_until(self.cal.day(order.date))
        levels = {ladder.code(level) for level in order.levels if level != "none"}
        for member in self.members:
            p = member.punishment
            if member.active and p is not None and p.cause in order.causes and p.level in levels:
                self.lift(member, order.education_effect)
                member.amnestied = True
                self.tally["amnestied"] += 1
        for member in self.members:
            p = member.punishment
            if member.active and p is not None and p.cause in order.educate_causes:
                member.sincerity += order.education_effect * (1 - member.sincerity)
                self.tally["educated"] += 1

    # -- the Congress cycle ------------------------------------------------
    def congress_cycle(self, cycle: CongressCycle) -> Generator:
        """Announcement, assemblies, deadline, inspection, conferences, Congress (DNK)."""
        day_of = self.cal.day
        steps = [(day_of(cycle.announce), 0, self.announce), (day_of(cycle.report_deadline), 1, self.close_reports)]
        if cycle.inspection is not None:
            steps.append((day_of(cycle.inspection), 2, self.inspect))
        for level, conference in enumerate(cycle.conferences):
            steps.append((day_of(conference.date), 3 + level, lambda c, level=level: self.conference(c, level)))
        steps.append((day_of(cycle.congress), 9, self.open_congress))
        for day, _, step in sorted(steps, key=lambda s: (s[0], s[1])):
            yield self.wait_until(day)
            step(cycle)

    def announce(self, cycle: CongressCycle) -> None:
        cfg = self.scenario.congress
        self.bribers = {
            m
            for m in self.members
            if m.active and m.wealth >= cfg.bribe_price and self.rng.random() < cfg.bribe_propensity
        }
        # Favouritism flows from the unit committee's core cadres, its political department (DNK).
        self.cadre_ties = {
            (m.cell.county, m.ties_group) for m in self.members if m.active and m.role == Role.COUNTY_CADRE
        }
        for member in self.members:
            member.race_stage, member.delegate_route = 0, None
        self.race = {"pool": 0, "selected": 0}
        first, last = self.cal.day(cycle.assemblies_open), self.cal.day(cycle.assemblies_close)
        for cell in self.cells.values():
            late = self.rng.random() < cfg.late_report_probability
            self.env.process(self.assembly(cell, self.rng.randint(first, last), late))

    def eligible(self, member: Member) -> bool:
        level = member.punishment.level if member.punishment else 0
        return member.active and level <= self.delegates_allowed

    def weight(self, member: Member) -> float:
        """Selection weight: loyalty, achievement, sex, sector, ties to a cadre, a bribe."""
        w = self.scenario.congress.selection
        weight = member.sincerity**w.sincerity
        weight *= w.achiever if member.achiever else 1.0
        weight *= w.female if member.female else 1.0
        weight *= w.sectors.get(member.sector, 1.0)
        weight *= 1 + w.ties * self.tied(member)
        weight *= 1 + w.bribery * (member in self.bribers)
        return weight

    def tied(self, member: Member) -> bool:
        return (member.cell.county, member.ties_group) in self.cadre_ties

    def assembly(self, cell: Cell, day: int, late: bool) -> Generator:
        """The cell's general assembly recommends members; a late report is not counted."""
        yield self.wait_until(day)
        self.tally["assemblies_held"] += 1
        if late:
            return
        candidates = [m for m in cell.members if self.eligible(m)]
        chosen = weighted_sample(
            self.rng, candidates, [self.weight(m) for m in candidates], self.scenario.congress.recommendations_per_cell
        )
        for member in chosen:
            member.race_stage = 1
        self.race["pool"] += len(chosen)
        self.tally["recommendations"] += len(chosen)

    def close_reports(self, cycle: CongressCycle) -> None:
        """Units (county/city committees) are scored on fighting power and ideology; slots follow."""
        sw, cfg = self.scenario.congress.score_weights, self.scenario.congress
        by_county: dict[int, list[Member]] = {}
        for m in self.members:
            if m.active:
                by_county.setdefault(m.cell.county, []).append(m)
        votes = {}
        for county, ms in by_county.items():
            n = len(ms)
            score = math.exp(
                sw.achievement * sum(m.achiever for m in ms) / n
                + sw.sincerity * sum(m.sincerity for m in ms) / n
                + sw.punished * sum(m.punishment is not None for m in ms) / n
            )
            votes[county] = n * score
        apportion = APPORTIONMENT[cfg.apportionment]
        self.slots = apportion(votes, cycle.delegates_total)
        self.ex_officio = apportion(votes, cycle.ex_officio_total)

    def inspect(self, cycle: CongressCycle) -> None:
        """Bribers in the race are detected and referred for bribery."""
        for member in self.members:
            if (
                member.race_stage > 0
                and member in self.bribers
                and self.rng.random() < self.scenario.congress.inspection_detection
            ):
                self.tally["bribers_detected"] += 1
                self.refer(member, "bribery")

    def conference(self, cycle: CongressCycle, level: int) -> None:
        """Ex-officio cadres first (at the first level), then a weighted choice among those still in the race."""
        if level == 0:
            self.choose_ex_officio()
        conference = cycle.conferences[level]
        last = level == len(cycle.conferences) - 1
        scope = (lambda cell: cell.county) if conference.level == "county" else (lambda cell: cell.province)
        cell_of_county = {cell.county: cell for cell in self.cells.values()}
        slots: Counter = Counter()
        for county, n in self.slots.items():
            slots[scope(cell_of_county[county])] += n
        stage = level + 1
        racers: dict[int, list[Member]] = {}
        for m in self.members:
            if m.race_stage == stage:
                m.race_stage = 0
                if self.eligible(m):
                    racers.setdefault(scope(m.cell), []).append(m)
        for unit, ms in racers.items():
            k = slots[unit] if last else math.ceil(slots[unit] * conference.shortlist_factor)
            for member in weighted_sample(self.rng, ms, [self.weight(m) for m in ms], k):
                if last:
                    member.race_stage, member.delegate_route = -1, self.route(member)
                    self.race["selected"] += 1
                else:
                    member.race_stage = stage + 1

    def choose_ex_officio(self) -> None:
        """Core cadres of each unit's committee, highest office and longest standing first."""
        by_county: dict[int, list[Member]] = {}
        for m in self.members:
            if m.role in CADRE_ROLES and self.eligible(m):
                by_county.setdefault(m.cell.county, []).append(m)
        for county, cadres in by_county.items():
            cadres.sort(key=lambda m: (-m.role, m.joined))
            for member in cadres[: self.ex_officio.get(county, 0)]:
                member.race_stage, member.delegate_route = -1, "ex_officio"
                self.race["selected"] += 1

    def route(self, member: Member) -> str:
        if member in self.bribers:
            return "bribery"
        if self.tied(member):
            return "ties"
        return "achievers" if member.achiever else "ordinary"

    def open_congress(self, cycle: CongressCycle) -> None:
        delegates = [m for m in self.members if m.race_stage == -1 and m.active]
        self.congress_reports.append(
            {
                "name": cycle.name,
                "recommended": self.race["pool"],
                "delegates_selected": len(delegates),
                "by_route": dict(Counter(m.delegate_route for m in delegates)),
            }
        )
        for member in self.members:
            member.race_stage, member.delegate_route = 0, None
        self.race = {"pool": 0, "selected": 0}

    # -- recording and running -----------------------------------------------
    def record(self) -> Generator:
        """One row per recorded date, half a day before it: stocks then, flows since the last row."""
        cal = self.cal
        days = sorted({*cal.span_ticks(self.scenario.record_span, first=1).tolist(), cal.horizon})
        for day in days:
            yield self.env.timeout(day + RECORD_PHASE - self.env.now)
            self._row(day)

    def _row(self, day: int) -> None:
        row: dict = {
            "day": day,
            "members_full": self.stock[Status.FULL],
            "members_candidate": self.stock[Status.CANDIDATE],
            "members_demoted": self.stock[Status.DEMOTED],
            "applicants": self.stock[Status.APPLICANT],
            "punished_total": sum(self.punished.values()),
        }
        for code, level in enumerate(ladder.STANDING_LEVELS, start=1):
            row[f"punished_{level}"] = self.punished[code]
        for name, pairs in TRANSITION_FLOWS.items():
            row[name] = sum(self.flows[pair] for pair in pairs)
        row.update(self.tally)
        row["delegate_pool"] = self.race["pool"]
        row["delegates_selected"] = self.race["selected"]
        self.flows.clear()
        self.tally.clear()
        self.rows.append(row)

    def processes(self) -> Iterable[Generator]:
        sc = self.scenario
        if sc.membership.enabled:
            yield self.recruitment()
        if sc.critique.enabled:
            yield from (self.critique_sessions(cell) for cell in self.cells.values())
        yield from (self.campaign(i) for i in range(len(sc.campaigns)))
        if sc.amnesty.enabled:
            yield from (self.amnesty(i) for i in range(len(sc.amnesty.orders)))
        if sc.congress.enabled:
            yield from (self.congress_cycle(cycle) for cycle in sc.congress.cycles)
        yield self.record()

    def run(self) -> ReferenceResult:
        if self.scenario.organization.reorganize:
            raise ValueError("the reference model keeps the day-0 structure: set organization.reorganize=false")
        for process in self.processes():
            self.env.process(process)
        self._row(0)  # the state at the start of day 0
        while self.env.peek() < self.cal.horizon:
            self.env.step()
            self.events_processed += 1
        frame = pd.DataFrame(self.rows).fillna(0)
        frame.insert(0, "date", self.cal.dates64(frame["day"].to_numpy()).astype("datetime64[s]"))
        summary = {
            "congress": self.congress_reports,
            "campaigns": self.achievers_by_campaign,
            "ever_members": len(self.members),
            "simpy_events": self.events_processed,
        }
        return ReferenceResult(timeseries=frame, summary=summary)


def run_reference(scenario: Scenario, seed: int | None = None) -> ReferenceResult:
    """Run the per-member reference model once (see :class:`ReferenceModel`)."""
    return ReferenceModel(scenario, seed).run()
