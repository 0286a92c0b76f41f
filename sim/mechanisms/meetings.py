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

import numpy as np

from sim.mechanisms.base import Mechanism, Step
from sim.model import cohorts
from sim.model.aggregates import members_below
from sim.model.organizations import MEETING_DAYS, Kind
from sim.model.world import World

#: Each report goes to the city/county committee and to the provincial committee.
REPORT_RECIPIENTS = 2

MEETING_KINDS = (
    "cell_meetings",
    "cell_committee_meetings",
    "general_meetings",
    "committee_meetings",
    "executive_meetings",
)


class Meetings(Mechanism):
    name = "meetings"
    FLOWS = ("meetings_held", *MEETING_KINDS, "reports_sent")

    def __init__(self, world: World):
        super().__init__(world)
        self.cfg = world.scenario.meetings
        self._sizes_month = -1
        self._sizes = np.zeros(0, dtype=np.int64)
        self._every = self.cfg.general_meeting_every_months
        #: Day of month and month index of every day of the run, as Python ints (read every day).
        self._dom, self._month = world.calendar.dom.tolist(), world.calendar.month.tolist()
        orgs = world.orgs  # its columns are read at each call: they are reallocated as the table grows
        #: The cells (not party teams) among a day's units, and which of a day's basic organizations are primary
        #: ones: kinds never change, so they are picked once per change of the day's group, not every day.
        self._cells_of = cohorts.GroupMemo(lambda units: units[orgs.kind.take(units) == Kind.CELL])
        self._primary_of = cohorts.GroupMemo(lambda basic: orgs.kind.take(basic) == Kind.PRIMARY)

    def cadences(self) -> Iterable[tuple[np.ndarray, Step]]:
        if not self.cfg.enabled:
            return ()
        return ((self.world.calendar.daily(), self.step),)

    def _members_below(self, month: int) -> np.ndarray:
        """Members per organization including sub-organizations, refreshed monthly.

        Organizations created since the refresh (cells split by a
        threshold check) count their own members until the next refresh: a
        new cell has nothing below it, and new primary organizations appear
        only at regular re-organizations.
        """
        orgs, pop = self.world.orgs, self.world.pop
        if month != self._sizes_month:
            self._sizes = members_below(orgs, pop.org_size)
            self._sizes_month = month
        elif len(self._sizes) < orgs.n:
            self._sizes = np.concatenate([self._sizes, pop.org_size[len(self._sizes) : orgs.n]])
        return self._sizes

    def step(self, day: int) -> None:
        world, orgs, cfg = self.world, self.world.orgs, self.cfg
        dom, month = self._dom[day], self._month[day]
        if dom > MEETING_DAYS:  # the 29th-31st: no body meets
            return
        # Today's units and basic organizations, each in id order, for their first and second meetings.
        units, basic, units_second, basic_second = (
            cohorts.meeting_today(world.meeting_days, dom, group, second)
            for second in (False, True)
            for group in (cohorts.UNITS, cohorts.BASIC)
        )
        held: dict[str, np.ndarray] = {}
        # Cells and party teams: the monthly meeting; cell committees two weeks later.
        held["cell_meetings"] = units
        cells_second = self._cells_of(dom, units_second)
        held["cell_committee_meetings"] = cells_second[orgs.committee[cells_second]]
        # Primary/branch/sub-primary: general meeting quarterly, yearly above the threshold.
        yearly = self._primary_of(dom, basic) & (self._members_below(month)[basic] > cfg.general_meeting_yearly_above)
        held["general_meetings"] = basic[cohorts.in_phase(basic, month, np.where(yearly, 12, self._every))]
        # Their committees: twice a month, or monthly with an executive meeting twice a month.
        executive_second = orgs.executive[basic_second]
        held["committee_meetings"] = np.concatenate([basic, basic_second[~executive_second]])
        held["executive_meetings"] = np.concatenate([basic[orgs.executive[basic]], basic_second[executive_second]])
        total = 0
        for kind, ids in held.items():
            world.tally.add(kind, len(ids))
            total += len(ids)
            if world.events.enabled:  # the sizes are a gather over every organization meeting today
                world.events.log(
                    day,
                    "meeting",
                    orgs=ids,
                    cause=kind.removesuffix("_meetings"),
                    value=self._members_below(month)[ids],
                )
        world.tally.add("meetings_held", total)
        self._send_reports(day, month, dom, basic)

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
        formed), not picked out of each day's sixteen thousand units at national scale.
        """
        orgs = self.world.orgs
        cells = orgs.of_hierarchy("direct cells by meeting day", self._direct_cells)
        first = orgs.of_hierarchy(
            "first direct cell of each meeting day",
            lambda: np.searchsorted(orgs.meeting_day[cells], np.arange(MEETING_DAYS + 2)),
        )
        return cells[first[dom] : first[dom + 1]]

    def _direct_cells(self) -> np.ndarray:
        """Living cells directly under a county/city committee, by meeting day, in id order within a day."""
        orgs = self.world.orgs
        cells = np.flatnonzero(orgs.direct_cells())
        return cells[np.argsort(orgs.meeting_day[cells], kind="stable")]
