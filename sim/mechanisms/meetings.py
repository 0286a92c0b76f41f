"""The bylaw meeting calendar of every basic party organization.

Source: "Basic Party Organizations" (NK Leadership Watch):

* party cell meetings are held at least once a month; a cell under a
  city/county committee with more than 20 members elects a cell committee,
  which meets at least once a month;
* primary, branch and sub-primary organizations hold a general membership
  meeting every three months; primary organizations with more than 500
  members may hold it once a year;
* their committees meet twice a month; where an executive committee exists,
  the committee meets once a month and the executive committee twice a month;
* basic party organizations submit regular reports to the city/county and
  provincial committees.

One daily tick finds the organizations whose cohort meets today
(``sim.model.cohorts``) and counts each kind of meeting; the work per day is
proportional to the number of organizations, never to the members.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model import cohorts
from sim.model.aggregates import members_below
from sim.model.arrays import count_nonzero
from sim.model.organizations import BASIC_ORGS, MEETING_DAYS, Kind, is_kind
from sim.model.world import World

#: Each report goes to the city/county committee and to the provincial committee.
REPORT_RECIPIENTS = 2

#: The kinds whose members are handed on to the sizes read here: everything below a primary organization.
HANDING_ON = tuple(kind for kind in Kind if kind > Kind.PRIMARY)

MEETING_KINDS = (
    "cell_meetings",
    "cell_committee_meetings",
    "general_meetings",
    "committee_meetings",
    "executive_meetings",
)


class Bodies(NamedTuple):
    """The bodies whose meetings fall on one day of the month, picked out of the meeting buckets once per
    regrouping (kinds and meeting days never change): at national scale a pass over sixteen thousand units,
    at 10,000 members a dozen calls on arrays of a few ids, either way not to be redone every day."""

    #: Cells and party teams at their monthly meeting.
    units: np.ndarray
    #: Cells and party teams at their second meeting of the month (the group as the buckets hold it).
    units_second: np.ndarray
    #: The cells (not party teams) among them, where a cell committee meets.
    cells_second: np.ndarray
    #: Basic organizations at their first meeting of the month (the general meeting's day).
    basic: np.ndarray
    #: Basic organizations at their first, then at their second meeting of the month.
    committees: np.ndarray
    #: Which of ``committees`` are at their first meeting (the first ``len(basic)``).
    first: np.ndarray


class Meetings(Mechanism):
    name = "meetings"
    FLOWS = ("meetings_held", *MEETING_KINDS, "reports_sent")

    def __init__(self, world: World):
        super().__init__(world)
        self.cfg = world.scenario.meetings
        self._sizes_month = -1
        self._sizes = np.zeros(0, dtype=np.int64)
        self._general = np.zeros(0, dtype=bool)
        self._every = self.cfg.general_meeting_every_months
        #: Day of month and month index of every day of the run, as Python ints (read every day).
        self._dom, self._month = world.calendar.dom.tolist(), world.calendar.month.tolist()
        #: The bodies meeting on each day of the month, with the regrouping of the buckets they were picked at.
        self._bodies: dict[int, tuple[int, Bodies]] = {}
        #: The direct cells by meeting day last read (held by the hierarchy cache) and where each day's run of
        #: them starts, as Python ints (:meth:`_direct_cells_meeting`).
        self._direct: tuple[np.ndarray, list[int]] | None = None

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.cfg.enabled:
            return ()
        return ((self.world.calendar.daily(), self.step),)

    def _members_below(self, month: int) -> np.ndarray:
        """Members per organization including sub-organizations, refreshed monthly.

        Only the organizations below the primary ones hand their members on
        (``HANDING_ON``): the basic organizations' sizes are exact (the yearly
        general meeting's threshold; the logged events read them and the
        units' own counts), the county level and above get part of theirs,
        which no one here reads (at 1 M members the monthly roll-up, with the
        hierarchy's runs derived again in about half of the months, took a
        fifth fewer instructions).

        Organizations created since the refresh (cells split by a
        threshold check) count their own members until the next refresh: a
        new cell has nothing below it, and new primary organizations appear
        only at regular re-organizations. Which organizations hold their
        general meeting this month (:meth:`_general_meetings`) is decided
        along with the sizes, for the same rows.
        """
        orgs, pop = self.world.orgs, self.world.pop
        if month != self._sizes_month:
            self._sizes = members_below(orgs, pop.org_size, HANDING_ON)
            self._general = self._holds_general_meeting(orgs.ids_of(*BASIC_ORGS), 0, month)
            self._sizes_month = month
        elif len(self._sizes) < orgs.n:
            known = len(self._sizes)
            self._sizes = np.concatenate([self._sizes, pop.org_size[known : orgs.n]])
            basic = known + np.flatnonzero(is_kind(orgs.kind[known : orgs.n], *BASIC_ORGS))
            self._general = np.concatenate([self._general, self._holds_general_meeting(basic, known, month)])
        return self._sizes

    def _holds_general_meeting(self, basic: np.ndarray, start: int, month: int) -> np.ndarray:
        """Whether each organization from row ``start`` on holds its general meeting in ``month``, given the
        basic organizations among them (``basic``): quarterly (every ``general_meeting_every_months``), primary
        ones yearly above the threshold."""
        orgs = self.world.orgs
        yearly = orgs.kind.take(basic) == int(Kind.PRIMARY)
        yearly &= self._sizes.take(basic) > self.cfg.general_meeting_yearly_above
        holds = np.zeros(orgs.n - start, dtype=bool)
        holds[basic - start] = cohorts.in_phase(basic, month, np.where(yearly, 12, self._every))
        return holds

    def _general_meetings(self, month: int) -> np.ndarray:
        """Which organizations hold their general meeting this month: a mask by id, decided once a month
        (and for the organizations created since), not for each day's basic organizations."""
        self._members_below(month)
        return self._general

    def _today(self, dom: int) -> Bodies:
        """The bodies meeting on day of month ``dom``, picked again only when the buckets were regrouped (and
        the cells among the units at their second meeting only if that group changed: at national scale a
        pass over sixteen thousand units, while a regrouping changes some groups only)."""
        buckets, orgs = self.world.meeting_days, self.world.orgs
        regrouping = buckets.regrouped()
        held = self._bodies.get(dom)
        if held is not None and held[0] == regrouping:
            return held[1]
        # Today's units and basic organizations, each in id order, for their first and second meetings.
        units, basic, units_second, basic_second = (
            cohorts.meeting_today(buckets, dom, group, second)
            for second in (False, True)
            for group in (cohorts.UNITS, cohorts.BASIC)
        )
        if held is not None and held[1].units_second is units_second:  # that group did not change: nor its cells
            cells_second = held[1].cells_second
        else:
            cells_second = units_second[orgs.kind.take(units_second) == int(Kind.CELL)]
        bodies = Bodies(
            units=units,
            units_second=units_second,
            cells_second=cells_second,
            basic=basic,
            committees=np.concatenate([basic, basic_second]),
            first=np.arange(len(basic) + len(basic_second)) < len(basic),
        )
        self._bodies[dom] = (regrouping, bodies)
        return bodies

    def step(self, day: int) -> None:
        world, orgs = self.world, self.world.orgs
        dom, month = self._dom[day], self._month[day]
        if dom > MEETING_DAYS:  # the 29th-31st: no body meets
            return
        today = self._today(dom)
        executive = orgs.executive.take(today.committees)
        cell_committees = orgs.committee.take(today.cells_second)
        general = self._general_meetings(month).take(today.basic)
        # Committees meet at both of the month's meetings, except at the second where an executive committee
        # exists (it meets then): counted from the executive mask (the second meetings follow the first
        # ``len(basic)``), without building the committees' own mask unless the events are logged.
        counts = [
            len(today.units),
            int(count_nonzero(cell_committees)),
            int(count_nonzero(general)),
            len(today.committees) - int(count_nonzero(executive[len(today.basic) :])),
            int(count_nonzero(executive)),
        ]
        world.tally.add_all(zip(MEETING_KINDS, counts))
        world.tally.add("meetings_held", sum(counts))
        if world.events.enabled:  # the sizes are a gather over every organization meeting today
            # Each kind of meeting: the bodies it may concern and which of them hold it (None: all of them).
            held: dict[str, tuple[np.ndarray, np.ndarray | None]] = {
                # Cells and party teams: the monthly meeting; cell committees two weeks later.
                "cell_meetings": (today.units, None),
                "cell_committee_meetings": (today.cells_second, cell_committees),
                # Primary/branch/sub-primary: general meeting quarterly, yearly above the threshold.
                "general_meetings": (today.basic, general),
                # Their committees: twice a month, or monthly with an executive meeting twice a month.
                "committee_meetings": (today.committees, today.first | ~executive),
                "executive_meetings": (today.committees, executive),
            }
            for kind, (ids, meets) in held.items():
                ids = ids if meets is None else ids.compress(meets)
                world.events.log(
                    day,
                    "meeting",
                    orgs=ids,
                    cause=kind.removesuffix("_meetings"),
                    value=self._members_below(month)[ids],
                )
        self._send_reports(day, month, dom, today.basic)

    def _send_reports(self, day: int, month: int, dom: int, basic: np.ndarray) -> None:
        """Basic organizations (and cells directly under a county committee) report upward at their monthly
        meeting, every ``report_every_months`` months (monthly, the default: no phase to test)."""
        reporting = (basic, self._direct_cells_meeting(dom))
        every = self.cfg.report_every_months
        if every > 1:
            reporting = tuple(ids[cohorts.in_phase(ids, month, every)] for ids in reporting)
        self.world.tally.add("reports_sent", REPORT_RECIPIENTS * (len(reporting[0]) + len(reporting[1])))
        if self.world.events.enabled:
            self.world.events.log(day, "report", orgs=np.sort(np.concatenate(reporting)))  # in id order

    def _direct_cells_meeting(self, dom: int) -> np.ndarray:
        """The cells directly under a county/city committee whose monthly meeting falls on this day, in id order.

        The direct cells are listed by meeting day once per state of the hierarchy
        (``Organizations.of_hierarchy``; a cell's meeting day is fixed when it is
        formed), not picked out of each day's sixteen thousand units at national scale,
        and where each day's run of them starts is found once per such list.
        """
        orgs = self.world.orgs
        cells = orgs.of_hierarchy("direct cells by meeting day", self._direct_cells)
        if self._direct is None or self._direct[0] is not cells:
            self._direct = (cells, np.searchsorted(orgs.meeting_day[cells], np.arange(MEETING_DAYS + 2)).tolist())
        first = self._direct[1]
        return cells[first[dom] : first[dom + 1]]

    def _direct_cells(self) -> np.ndarray:
        """Living cells directly under a county/city committee, by meeting day, in id order within a day."""
        orgs = self.world.orgs
        cells = np.flatnonzero(orgs.direct_cells())
        return cells[np.argsort(orgs.meeting_day[cells], kind="stable")]
