"""Membership in the reference model: applications, the cell's review, the county's decision, probation.

BPO. Once a month the applications of the month are planned: Poisson in
number (a rate per full member per year); each comes through the cell of a
random full member of two years' standing, with two such recommenders of
that cell, or one plus the Youth League committee's letter for a Youth
League member; it is filed on a uniform day of the month. The cell reviews
it at its first meeting after the filing and forwards it or not; the
county/city committee decides within ``county_decision_max_days``. A
candidate is decided at the cell's last meeting before the end of the
probation year: admitted, extended once for another year, or expelled;
after an extension admitted or expelled.

Mirrors ``sim.mechanisms.membership``.
"""

from __future__ import annotations

from collections.abc import Generator

from sim.model.founding import DAYS_PER_YEAR
from sim.model.population import Status
from sim.reference.attrition import AttritionRules
from sim.reference.meetings import meeting_on_or_after, meeting_on_or_before
from sim.reference.people import Member


class MembershipRules(AttritionRules):
    """Enrolment of a person, recruitment each month, one applicant's career and the probation year."""

    def _enrol(self, member: Member) -> None:
        self.members.append(member)
        member.cell.members.append(member)
        self.stock[member.status] += 1
        if member.active:
            self.env.process(self.weekly_hazards(member))
        if member.status == Status.CANDIDATE:
            self.env.process(self.probation(member, today=0))

    def draw_traits(self, member: Member) -> None:
        """Sex (by the share of women of the cell's type), sincerity and means of a newcomer."""
        cfg, rng = self.scenario.population, self.rng
        member.female = rng.random() < getattr(self.scenario.organization.types, member.cell.type).female_share
        member.sincerity = rng.betavariate(
            cfg.sincerity_mean * cfg.sincerity_concentration, (1 - cfg.sincerity_mean) * cfg.sincerity_concentration
        )
        member.wealth = rng.lognormvariate(0.0, cfg.wealth_sigma)

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
                recommenders: tuple[Member, ...] = (first,) if youth or second is None else (first, second)
                filing = day + self.rng.randrange(days_in_month)
                self.env.process(self.career(recommenders, youth, filing))

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
            p = cfg.second_qualify_probability if member.extended else cfg.qualify_probability
            cell = member.cell.active_members()
            punished = sum(1 for m in cell if m.punishment is not None) / max(len(cell), 1)
            if rng.random() < p * (1 - cfg.guidance_effect * punished):
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
