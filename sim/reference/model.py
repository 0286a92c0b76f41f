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
Organizations* = BPO; Daily NK on the army's pre-Congress assemblies = DNK),
each in the module named after the mechanism it mirrors in
``sim.mechanisms``:

* ``sim.reference.membership`` — applications, the cell's review, the
  county/city committee's decision and the probation year (BPO);
* ``sim.reference.attrition`` — each week a member may die, retire or be
  transferred out;
* ``sim.reference.critique`` — Party Life Critique sessions and their
  referrals for insincerity (BPO);
* ``sim.reference.discipline`` — offences, cases judged at the cell meeting,
  the punishment ladder, ratification of expulsions, lifting and the
  recommenders' liability (BPO, DNK);
* ``sim.reference.campaigns`` — achievers credited at a campaign's end (DNK);
* ``sim.reference.amnesty`` — amnesty orders (DNK);
* ``sim.reference.congress`` — the Congress cycle from announcement to the
  selection of delegates (DNK).

They share ``sim.reference.people`` (members, cells, punishments),
``sim.reference.meetings`` (the monthly meeting calendar) and
``sim.reference.state`` (the clock, the draws and the counters); this module
composes them, reads the day-0 party and records the time series.

Left out (say so when comparing): re-organization of cells and re-election
of offices (run the engine with ``organization.reorganize=false``: the
reference keeps the day-0 structure and offices, which only punishments
take away); the counting of meetings, reports, critique attendance and
findings and life reviews, which move no member; the event log. Delegate
routes are attributed (bribery, ties, achievers, ordinary) but are
compared loosely if at all.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import ladder
from sim.model.calendar import RECORD_PHASE
from sim.model.cohorts import EVERY_TWO_DAYS_COHORTS, critique_cohort
from sim.model.elections import Elections
from sim.model.founding import found_party
from sim.model.member_index import MemberIndex
from sim.model.organizations import MEMBER_UNITS
from sim.model.population import Status
from sim.model.sectors import SECTORS
from sim.model.streams import stream
from sim.reference.amnesty import AmnestyRules
from sim.reference.campaigns import CampaignRules
from sim.reference.congress import CongressRules
from sim.reference.critique import CritiqueRules
from sim.reference.meetings import meeting_on_or_after, meeting_on_or_before
from sim.reference.membership import MembershipRules
from sim.reference.people import WEEK, Cell, Member
from sim.run.recorder import TRANSITION_FLOWS
from sim.scenario import Scenario
from sim.scenario.sections import by_sector

__all__ = ["ReferenceModel", "ReferenceResult", "meeting_on_or_after", "meeting_on_or_before", "run_reference"]


@dataclass
class ReferenceResult:
    """What a reference run returns: a time series with the engine's column names, and headline figures."""

    timeseries: pd.DataFrame
    summary: dict


class ReferenceModel(MembershipRules, CritiqueRules, CampaignRules, AmnestyRules, CongressRules):
    """One run of the per-member model: ``ReferenceModel(scenario, seed).run()``."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        super().__init__(scenario, seed)
        self.rows: list[dict] = []
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
        cohorts = critique_cohort(units, np.array(by_sector(sc.critique.every_two_days))[orgs.type[units]])
        weekday0 = sc.start.weekday()
        for unit, cohort in zip(units.tolist(), cohorts.tolist()):
            if cohort in EVERY_TWO_DAYS_COHORTS:
                every, first = 2, cohort - EVERY_TWO_DAYS_COHORTS[0]
            else:
                every, first = WEEK, (cohort - weekday0) % WEEK
            self.cells[unit] = Cell(
                unit,
                int(orgs.meeting_day[unit]),
                int(orgs.county[unit]),
                int(orgs.province[unit]),
                every,
                first,
                type=SECTORS[orgs.type[unit]],
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
                sincerity=c["sincerity"],
                wealth=c["wealth"],
                ties_group=c["ties_group"],
                role=c["role"],
            )
            self._enrol(member)

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
