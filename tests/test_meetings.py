"""Bylaw conformance of the meeting calendar, counted over one simulated year.

Source: "Basic Party Organizations": cell meetings at least monthly; cell
committees monthly; general membership meetings of primary, branch and
sub-primary organizations every three months (primary ones above 500 members
may meet yearly); their committees twice a month, or monthly with an
executive committee that meets twice a month; Party Life Critique weekly or
every two days. Daily NK: monthly, quarterly and yearly life reviews.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.aggregates import members_below
from sim.model.organizations import Kind
from sim.model.sectors import code_of
from sim.run.engine import Simulation
from tests.conftest import small_scenario

BASIC = (Kind.PRIMARY, Kind.BRANCH, Kind.SUBPRIMARY)


def _year(organization: dict | None = None, **sections) -> Simulation:
    scenario = small_scenario(
        duration="1y",
        population={"members": 4000},
        organization={"reorganize": False, **(organization or {})},
        membership={"enabled": False},
        attrition={"enabled": False},
        **sections,
    )
    return Simulation(scenario, events=True, checks=False)


def _set_members(simulation: Simulation, org: int, total: int) -> None:
    """Give ``org`` exactly ``total`` members below it: all in its first cell, its other cells empty."""
    orgs, pop = simulation.world.orgs, simulation.world.pop
    below = np.flatnonzero(orgs.column("parent") == org)
    cells = below[orgs.kind[below] == Kind.CELL]
    pop.org_size[cells] = 0
    pop.org_size[cells[0]] = total


def _count(simulation: Simulation, mechanism: str, kind: str) -> pd.DataFrame:
    """Step one mechanism through every day of the year; events of ``kind`` per (org, cause)."""
    step = simulation.world.mechanisms[mechanism].step
    for day in range(simulation.world.calendar.horizon):
        step(day)
    events = simulation.world.events.frame(simulation.world.calendar.dates64(0))
    return events[events.kind == kind].groupby(["org", "cause"]).size().unstack(fill_value=0)


def test_every_body_meets_on_its_bylaw_cadence_over_a_year():
    simulation = _year()
    orgs = simulation.world.orgs
    basic = orgs.ids_of(*BASIC)
    primary = orgs.ids_of(Kind.PRIMARY)
    # Threshold edges: one primary of exactly 500 members, one of 501; one with an executive committee.
    edge_500, edge_501 = primary[:2]
    for org, total in ((edge_500, 500), (edge_501, 501)):
        _set_members(simulation, org, total)
    orgs.executive[edge_500] = True
    orgs.executive[edge_501] = False
    counts = _count(simulation, "meetings", "meeting")
    units = orgs.ids_of(Kind.CELL, Kind.TEAM)
    assert (counts.loc[units, "cell"] == 12).all()
    committees = units[orgs.committee[units] & (orgs.kind[units] == Kind.CELL)]
    assert len(committees) and (counts.loc[committees, "cell_committee"] == 12).all()
    assert counts.loc[edge_500, "general"] == 4 and counts.loc[edge_501, "general"] == 1
    others = np.setdiff1d(basic, [edge_500, edge_501])
    assert (counts.loc[others, "general"] == 4).all()
    executive = basic[orgs.executive[basic]]
    plain = basic[~orgs.executive[basic]]
    assert (counts.loc[plain, "committee"] == 24).all() and (counts.reindex(plain)["executive"].fillna(0) == 0).all()
    assert (counts.loc[executive, "committee"] == 12).all() and (counts.loc[executive, "executive"] == 24).all()


def test_the_meetings_counted_per_kind_are_the_meetings_held_as_logged():
    """The flows count each kind's meetings from the masks (the committees' from the executive mask),
    the event log lists the bodies meeting: the two agree, executive committees included."""
    simulation = _year()
    orgs = simulation.world.orgs
    primary = orgs.ids_of(Kind.PRIMARY)
    orgs.executive[primary[::2]] = True
    counts = _count(simulation, "meetings", "meeting").sum()
    held = simulation.world.tally.take()
    assert counts["executive"] > 0
    for cause, total in counts.items():
        assert held[f"{cause}_meetings"] == total, cause
    assert held["meetings_held"] == counts.sum()


def test_only_primary_organizations_may_meet_yearly_above_500_members():
    """Branch and sub-primary organizations keep the quarterly general meeting whatever their size.

    Source: the three kinds "hold a general membership meeting ... every three
    months"; only "primary party organizations with more than 500" members may
    hold it once a year. Fails if the yearly exception applied to every basic
    organization (1 meeting instead of 4).
    """
    simulation = _year(organization={"cells_per_primary_mean": 12})  # large primaries, split into branches
    orgs = simulation.world.orgs
    large = [orgs.ids_of(Kind.BRANCH)[0], orgs.ids_of(Kind.SUBPRIMARY)[0]]
    for org in large:
        _set_members(simulation, org, 501)
    counts = _count(simulation, "meetings", "meeting")
    assert (counts.loc[large, "general"] == 4).all()
    assert counts.loc[orgs.parent[large[0]], "general"] == 1  # the branch's primary is now above 500


def test_basic_organizations_formed_or_dissolved_mid_month_hold_general_meetings_in_their_phase():
    """Which basic organizations hold their general meeting is decided once a month; those formed since
    meet from the day they exist, in the months where (id + month) % 3 == 0, those dissolved no more.
    Checked on the branches and sub-primary organizations (always quarterly) against the living ones
    meeting each day."""
    simulation = _year()
    world, rng = simulation.world, np.random.default_rng(8)
    meetings, orgs, cal = world.mechanisms["meetings"], world.orgs, world.calendar
    expected = []
    for day in range(cal.horizon):
        dom, month = int(cal.dom[day]), int(cal.month[day])
        if dom == 10:  # mid-month: a branch formed under a primary, a basic organization dissolved
            parent = rng.choice(orgs.ids_of(Kind.PRIMARY), 1)
            orgs.append(1, kind=Kind.BRANCH, parent=parent, meeting_day=rng.integers(11, 29, 1))
            world.pop.ensure_orgs(orgs.n)
            orgs.dissolve(rng.choice(orgs.ids_of(*BASIC), 1))
        quarterly = orgs.ids_of(Kind.BRANCH, Kind.SUBPRIMARY)
        meeting = quarterly[(orgs.meeting_day[quarterly] == dom) & ((quarterly + month) % 3 == 0)]
        expected += [(int(org), day) for org in meeting]
        meetings.step(day)
    events = world.events.frame(cal.dates64(0))
    general = events[(events.kind == "meeting") & (events.cause == "general")]
    general = general[np.isin(orgs.kind[general.org.to_numpy()], [Kind.BRANCH, Kind.SUBPRIMARY])]
    held = list(zip(general.org.tolist(), cal.days_of(general.date.to_numpy()).tolist()))
    assert sorted(held) == sorted(expected) and len(expected) > 0


def test_life_reviews_are_monthly_quarterly_and_yearly_at_every_cell():
    """Each cell and party team holds 12 monthly, 4 quarterly and 1 yearly life review a year.

    Source (Daily NK): cells "must carry out weekly, monthly, quarterly and
    yearly reviews of members"; the weekly one is Party Life Critique (above).
    Exact counts over the year: fails if a review were skipped, held at every
    meeting, or on the wrong cadence.
    """
    simulation = _year()
    _count(simulation, "critique", "critique")
    held = simulation.world.tally.take()
    units = len(simulation.world.orgs.ids_of(Kind.CELL, Kind.TEAM))
    assert (held["reviews_monthly"], held["reviews_quarterly"], held["reviews_yearly"]) == (
        12 * units,
        4 * units,
        units,
    )


def test_life_reviews_follow_the_units_meeting_that_day_as_cells_are_formed_and_dissolved():
    """The quarterly and yearly reviews fall in the months where (id + month) % 3 and % 12 are 0 for the units
    meeting that day, whatever units were formed or dissolved since the last month."""
    simulation = _year()
    world, rng = simulation.world, np.random.default_rng(5)
    critique, orgs = world.mechanisms["critique"], world.orgs
    for day in range(world.calendar.horizon):
        if day % 9 == 0:  # a cell formed under a random parent of a random cell, another dissolved
            cells = orgs.ids_of(Kind.CELL)
            parent = orgs.parent[rng.choice(cells, 1)]
            orgs.append(1, kind=Kind.CELL, parent=parent, meeting_day=rng.integers(1, 29, 1))
            world.pop.ensure_orgs(orgs.n)
            orgs.dissolve(rng.choice(cells, 1))
        dom, month = int(world.calendar.dom[day]), int(world.calendar.month[day])
        living = orgs.ids_of(Kind.CELL, Kind.TEAM)
        units = living[orgs.meeting_day[living] == dom] if dom <= 28 else living[:0]
        world.tally.take()
        critique._reviews(day)
        held = world.tally.take()
        expected = (len(units), int(((units + month) % 3 == 0).sum()), int(((units + month) % 12 == 0).sum()))
        assert (held["reviews_monthly"], held["reviews_quarterly"], held["reviews_yearly"]) == expected


def _reports(simulation: Simulation) -> pd.DataFrame:
    """The report events of a year of meetings alone."""
    meetings = simulation.world.mechanisms["meetings"]
    for day in range(simulation.world.calendar.horizon):
        meetings.step(day)
    events = simulation.world.events.frame(simulation.world.calendar.dates64(0))
    return events[events.kind == "report"]


def test_reports_go_up_monthly_from_every_basic_organization():
    simulation = _year()
    orgs = simulation.world.orgs
    reports = _reports(simulation).groupby("org").size()
    assert set(reports.index) >= set(orgs.ids_of(*BASIC))
    assert (reports == 12).all()


def test_reports_come_from_the_basic_organizations_and_the_cells_directly_under_a_county_committee():
    """Source: basic party organizations report to the city/county and provincial committees; a cell
    directly under a county/city committee stands for its own basic organization and reports too."""
    simulation = _year()
    orgs = simulation.world.orgs
    reporting = set(_reports(simulation).org.tolist())
    cells = orgs.ids_of(Kind.CELL)
    direct = cells[orgs.kind[orgs.parent[cells]] == Kind.COUNTY]
    assert len(direct) > 0
    assert reporting == set(orgs.ids_of(*BASIC).tolist()) | set(direct.tolist())


def test_reports_every_three_months_go_up_in_the_months_where_id_plus_month_is_a_multiple_of_three():
    simulation = _year(meetings={"report_every_months": 3})
    reports = _reports(simulation)
    months = simulation.world.calendar.month_index(simulation.world.calendar.days_of(reports.date.to_numpy()))
    assert len(reports) > 0 and ((reports.org.to_numpy() + months) % 3 == 0).all()
    assert (reports.groupby("org").size() == 4).all()
    assert simulation.world.tally.take()["reports_sent"] == 2 * len(reports)


def test_party_life_critique_is_every_two_days_by_the_units_job_and_weekly_otherwise():
    """Source: "Depending on the job ... Party Life Critique can happen once a week or every two days"."""
    cadence = {"party_political": 0.0, "service": 1.0, "field_labour": 0.5}
    simulation = _year(critique={"every_two_days": cadence})
    counts = _count(simulation, "critique", "critique").sum(axis=1)
    orgs = simulation.world.orgs
    units = orgs.ids_of(Kind.CELL, Kind.TEAM)
    sessions = counts.loc[units].to_numpy()
    assert set(sessions) <= {52, 53, 182, 183}  # weekly or every two days over the year
    frequent = sessions > 100
    service, field = orgs.type[units] == code_of("service"), orgs.type[units] == code_of("field_labour")
    assert service.any() and field.any() and (~service & ~field).any()
    assert frequent[service].all() and not frequent[~service & ~field].any()
    assert 0.3 < frequent[field].mean() < 0.7  # half of the field-labour cells, by the units' fixed hash


def test_engine_events_depend_on_the_calendar_not_on_the_members():
    def events(members: int) -> int:
        scenario = small_scenario(duration="1y", population={"members": members})
        return Simulation(scenario).run().manifest["simpy_events"]

    small, large = events(10_000), events(100_000)
    assert abs(large - small) <= 0.01 * small, (small, large)


def test_critique_refers_only_members_of_the_units_in_session_that_day():
    """Party-life critique: a member is criticised (and may be referred for insincerity) at a session of their own
    cell — on the cell's weekday, or every two days for the frequent cohorts (critique.every_two_days, by the unit's type)."""
    scenario = small_scenario(critique={"referral_probability": 1.0, "attendance_probability": 1.0})
    world = Simulation(scenario, seed=1).world
    critique, pop = world.mechanisms["critique"], world.pop
    pop.sincerity[: pop.n] = 0.0  # every member present would be referred
    day = 3
    critique._refer(day)
    referred = np.flatnonzero(pop.referral_due[: pop.n] > day)
    in_session = np.concatenate([critique.cohorts.ids(key) for key in critique.cohorts_today(day)])
    members_in_session = np.isin(pop.cell[: pop.n], in_session) & (pop.status[: pop.n] != 0)
    assert len(referred) > 10 and np.isin(pop.cell[referred], in_session).all()
    assert len(referred) <= members_in_session.sum()


def test_critique_thins_a_few_members_in_session_as_the_arrays_do_with_the_same_draws():
    """The Python path for a few active members in session (``_few_referred``): the same members referred and the
    same uniforms drawn as the array path (thinning by sincerity), one member's uniform drawn as a float."""
    from sim.model.sampling import thinning

    world = Simulation(small_scenario(), seed=2).world
    critique, pop = world.mechanisms["critique"], world.pop
    p_max = critique._p_max
    pop.sincerity[: pop.n] = np.linspace(0.0, 1.0, pop.n, dtype=np.float32)
    kept = dropped = one_active = one_kept = 0
    for seed in range(40):
        picker = np.random.default_rng(seed)
        rows = np.sort(picker.choice(pop.n, size=seed % 9, replace=False)).astype(np.int64)
        reference = np.random.default_rng(seed)
        expected = rows.compress(thinning(reference, p_max * (1.0 - pop.sincerity.take(rows)), p_max))
        critique.rng = np.random.default_rng(seed)
        got = critique._few_referred(rows)
        assert got.dtype == np.int64 and got.tolist() == expected.tolist(), seed
        assert critique.rng.random() == reference.random()
        kept += len(got)
        dropped += len(rows) - len(got)
        one_active += len(rows) == 1  # one uniform drawn as a float
        one_kept += len(got) == 1  # one member referred: a slice of the rows
    assert kept and dropped and one_active and one_kept


def test_the_sizes_read_are_those_of_everything_below_each_basic_organization_and_unit():
    """The monthly sizes are rolled up from below the primary organizations only: for the bodies that meet
    (basic organizations, cells, party teams) they are the whole roll-up's."""
    simulation = _year(organization={"cells_per_primary_mean": 12})  # branches within primaries
    orgs, pop = simulation.world.orgs, simulation.world.pop
    assert orgs.ids_of(Kind.BRANCH).size and orgs.ids_of(Kind.SUBPRIMARY).size
    pop.org_size[: orgs.n] = np.random.default_rng(0).integers(0, 40, orgs.n)
    sizes = simulation.world.mechanisms["meetings"]._members_below(0)
    meeting = orgs.column("kind") >= Kind.PRIMARY
    assert sizes[meeting].tolist() == members_below(orgs, pop.org_size)[meeting].tolist()
