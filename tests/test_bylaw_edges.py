"""Every size threshold of the bylaws, tested on both sides of its edge.

Source: "Basic Party Organizations" (NK Leadership Watch): a cell has between
five and 30 members (smaller units attach or merge, party teams abroad are
exempt, larger cells split); "the primary party organization consists of more
than 31 party members"; a cell under a city/county committee "with more than
20 members" elects a cell committee; "primary party organizations with more
than 500 members" may hold the general meeting once a year. Branches (more
than ``branches_above``) and executive committees (more than
``executive_committee_above``) are scenario thresholds of the same form.

The organizational formula is tested on hand-built tables through
:func:`sim.model.structure.classify`; the re-organization and meeting rules on
a small founded world driven by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.aggregates import members_below
from sim.model.organizations import Kind, Organizations
from sim.model.structure import build, classify
from sim.scenario.sections import OrganizationSection
from sim.scenario.sections.meetings import MeetingsSection
from tests.small_world import founded

CFG = OrganizationSection()


def county_with(sizes: list[int], sites: list[int], workplace: bool = True, sections: list[int] | None = None):
    """A central committee, a province, a county and cells of ``sizes`` directly under it."""
    orgs = Organizations(8 + 2 * len(sizes))
    orgs.append(1, kind=Kind.CENTRAL)
    orgs.append(1, kind=Kind.PROVINCE, parent=0, province=1)
    orgs.append(1, kind=Kind.COUNTY, parent=1, county=2, province=1)
    cells = orgs.append(
        len(sizes),
        kind=Kind.CELL,
        parent=2,
        county=2,
        province=1,
        site=np.asarray(sites),
        section=np.asarray(sections if sections is not None else sites),
        workplace=workplace,
    )
    members = np.zeros(len(orgs.kind), dtype=np.int64)  # room for the organizations formed
    members[cells] = sizes
    return orgs, cells, members


def classified(sizes, sites, **kwargs):
    orgs, cells, members = county_with(sizes, sites, **kwargs)
    classify(orgs, members, CFG, np.random.default_rng(0))
    return orgs, cells, members


# -- 31 / 32: primary and sub-primary organizations --------------------------------------------
def test_a_workplace_of_31_members_forms_no_primary_organization():
    orgs, cells, _ = classified([16, 15], [0, 0])
    assert orgs.count(Kind.PRIMARY) == 0
    assert (orgs.parent[cells] == 2).all()


def test_a_workplace_of_more_than_31_members_forms_a_primary_organization():
    orgs, cells, _ = classified([16, 16], [0, 0])
    [primary] = orgs.ids_of(Kind.PRIMARY)
    assert (orgs.parent[cells] == primary).all()
    assert orgs.committee[primary]


def test_a_residential_locality_of_more_than_31_members_forms_a_sub_primary_organization():
    orgs, _, _ = classified([16, 16], [0, 0], workplace=False)
    assert orgs.count(Kind.SUBPRIMARY) == 1 and orgs.count(Kind.PRIMARY) == 0
    orgs, _, _ = classified([16, 15], [0, 0], workplace=False)
    assert orgs.count(Kind.SUBPRIMARY) == 0


@pytest.mark.parametrize(("remaining", "survives"), [(16, True), (15, False)])
def test_a_primary_organization_that_falls_to_31_members_is_dissolved(remaining, survives):
    orgs, cells, members = classified([16, 16], [0, 0])
    [primary] = orgs.ids_of(Kind.PRIMARY)
    members[cells[1]] = remaining
    classify(orgs, members, CFG, np.random.default_rng(0))
    assert bool(orgs.alive[primary]) == survives
    assert (orgs.parent[cells] == (primary if survives else 2)).all()


def test_the_cells_of_the_branches_of_a_dissolved_primary_organization_go_to_the_county_committee():
    """A dissolved primary organization takes its branches with it: their cells climb two levels, to the
    county/city committee; a cell of another site stays where it is."""
    orgs, cells, members = classified([30] * 6 + [10], [0] * 6 + [1], sections=[0, 0, 0, 1, 1, 1, 2])
    [primary] = orgs.ids_of(Kind.PRIMARY)
    branches = orgs.ids_of(Kind.BRANCH)
    assert len(branches) == 2 and set(orgs.parent[cells[:6]].tolist()) == set(branches.tolist())
    members[cells[:6]] = 5  # 30 members: no primary organization
    classify(orgs, members, CFG, np.random.default_rng(0))
    assert not orgs.alive[primary] and not orgs.alive[branches].any()
    assert (orgs.parent[cells] == 2).all()


# -- branches_above (150 / 151) and executive_committee_above (300 / 301) -----------------------
@pytest.mark.parametrize(("sizes", "branches"), [([30, 30, 15, 30, 30, 15], 0), ([30, 30, 16, 30, 30, 15], 2)])
def test_sections_form_branches_only_in_a_primary_of_more_than_150_members(sizes, branches):
    orgs, _, _ = classified(sizes, [0] * 6, sections=[0, 0, 0, 1, 1, 1])
    assert orgs.count(Kind.PRIMARY) == 1
    assert orgs.count(Kind.BRANCH) == branches


@pytest.mark.parametrize(("last", "executive"), [(30, False), (31, True)])
def test_a_primary_of_more_than_300_members_elects_an_executive_committee(last, executive):
    # Ten cells in ten sections of one workplace (too small for branches): 300 or 301 members.
    orgs, _, _ = classified([30] * 9 + [last], [0] * 10, sections=list(range(10)))
    [primary] = orgs.ids_of(Kind.PRIMARY)
    assert bool(orgs.executive[primary]) == executive


# -- 20 / 21: cell committees -------------------------------------------------------------------
def test_a_direct_cell_of_more_than_20_members_has_a_cell_committee():
    orgs, cells, _ = classified([20, 21], [0, 1])
    assert orgs.committee[cells].tolist() == [False, True]


def test_a_cell_inside_a_primary_organization_has_no_cell_committee():
    orgs, cells, _ = classified([21, 21], [0, 0])
    assert orgs.count(Kind.PRIMARY) == 1
    assert not orgs.committee[cells].any()


# -- re-organization at the thresholds, on a founded world ----------------------------------------
def with_odd_units(small_units=(), abroad_teams=(), extra_cells=()):
    """The small world with only these extra units (the county scenario's own small units removed)."""
    return founded(
        organization={
            "small_units": list(small_units),
            "abroad_teams": list(abroad_teams),
            "extra_cells": list(extra_cells),
        }
    )


def odd_units(simulation, count: int) -> np.ndarray:
    """The scenario's extra units (small units, party teams, extra cells): the last sites, in that order."""
    orgs = simulation.world.orgs
    units = orgs.ids_of(Kind.CELL, Kind.TEAM)
    return units[np.argsort(orgs.site[units])][-count:]


def reorganizations(simulation) -> int:
    return simulation.world.tally.take().get("reorganizations", 0)


def grow(simulation, cell: int, by: int) -> None:
    """Move ``by`` full members into ``cell`` from a mid-sized cell that stays within every threshold."""
    world = simulation.world
    pop, orgs = world.pop, world.orgs
    cells = orgs.ids_of(Kind.CELL)
    size = pop.org_size[cells]
    donor = cells[(size >= 7 + by) & (size <= 19) & (cells != cell)][0]
    movers = world.members.members_of(np.array([donor]))[:by]
    pop.move(movers, np.full(by, cell))
    world.members.moved(movers)


@pytest.mark.parametrize(
    ("small_units", "abroad_teams", "extra_cells", "stays"),
    [([4], [], [], False), ([], [], [5, 5], True), ([], [4], [], True)],
    ids=["unit_of_4_merges", "two_cells_of_5_stay", "party_team_of_4_stays"],
)
def test_units_below_5_members_merge_or_attach_except_party_teams(small_units, abroad_teams, extra_cells, stays):
    simulation = with_odd_units(small_units, abroad_teams, extra_cells)
    world = simulation.world
    units = odd_units(simulation, len(small_units + abroad_teams + extra_cells))
    assert (world.orgs.parent[units] == world.orgs.parent[units[0]]).all()  # neighbours: they could merge
    sizes = world.pop.org_size[units].copy()
    world.mechanisms["reorganization"].reorganize(1)
    assert (world.orgs.alive[units] == stays).all()
    if stays:
        assert (world.pop.org_size[units] == sizes).all()
    assert world.pop.org_size[world.orgs.ids_of(Kind.CELL)].min() >= 5


def test_a_cell_of_30_stays_and_a_cell_of_31_splits_at_the_next_threshold_check():
    simulation = with_odd_units(extra_cells=[30])
    world, reorganization = simulation.world, simulation.world.mechanisms["reorganization"]
    [cell] = odd_units(simulation, 1)
    reorganization.check_thresholds(1)
    assert reorganizations(simulation) == 0 and world.pop.org_size[cell] == 30
    reorganization.reorganize(1)
    assert world.tally.take()["cells_split"] == 0 and world.pop.org_size[cell] == 30
    grow(simulation, cell, 1)
    n_before = world.orgs.n
    reorganization.check_thresholds(2)
    assert reorganizations(simulation) == 1
    assert world.orgs.n == n_before + 1
    assert sorted(world.pop.org_size[[cell, n_before]].tolist()) == [15, 16]


def test_a_direct_cell_growing_past_20_members_gets_its_cell_committee_at_the_next_check():
    simulation = with_odd_units(extra_cells=[19])
    world, reorganization = simulation.world, simulation.world.mechanisms["reorganization"]
    [cell] = odd_units(simulation, 1)
    assert world.orgs.kind[world.orgs.parent[cell]] == Kind.COUNTY
    grow(simulation, cell, 1)  # 20 members: still no committee
    reorganization.check_thresholds(1)
    assert reorganizations(simulation) == 0 and not world.orgs.committee[cell]
    grow(simulation, cell, 1)  # 21 members
    reorganization.check_thresholds(2)
    assert reorganizations(simulation) == 1 and world.orgs.committee[cell]


def test_a_cell_falling_below_5_members_is_merged_at_the_next_threshold_check():
    simulation = with_odd_units(extra_cells=[5])
    world, reorganization = simulation.world, simulation.world.mechanisms["reorganization"]
    [cell] = odd_units(simulation, 1)
    reorganization.check_thresholds(1)
    assert reorganizations(simulation) == 0 and world.orgs.alive[cell]
    leaver = world.members.members_of(np.array([cell]))[:1]
    target = world.orgs.ids_of(Kind.CELL)[0]
    world.pop.move(leaver, np.array([target]))
    world.members.moved(leaver)
    reorganization.check_thresholds(2)
    assert reorganizations(simulation) == 1 and not world.orgs.alive[cell]


# -- 500 / 501: the yearly general meeting ----------------------------------------------------------
def general_meetings_in_a_year(yearly_above: int | None, kind: Kind) -> tuple[int, int]:
    """Members of the largest organization of ``kind`` and the general meetings it holds in a year."""
    meetings = {} if yearly_above is None else {"general_meeting_yearly_above": yearly_above}
    simulation = founded(seed=2, **{"population.members": 2000}, meetings=meetings)
    world = simulation.world
    candidates = world.orgs.ids_of(kind)
    size = members_below(world.orgs, world.pop.org_size)
    largest = int(candidates[np.argmax(size[candidates])])
    world.events.enabled = True
    mechanism = world.mechanisms["meetings"]
    for day in range(365):
        mechanism.step(day)
    frame = world.events.frame(np.datetime64("2000-01-01"))
    general = frame[(frame.kind == "meeting") & (frame.cause == "general")]
    return int(size[largest]), int((general.org == largest).sum())


def test_general_meetings_are_yearly_only_for_primary_organizations_of_more_than_the_threshold():
    size, quarterly = general_meetings_in_a_year(None, Kind.PRIMARY)
    assert size <= 500 and quarterly == 4
    assert general_meetings_in_a_year(size, Kind.PRIMARY)[1] == 4  # exactly at the threshold: still quarterly
    assert general_meetings_in_a_year(size - 1, Kind.PRIMARY)[1] == 1  # one more member than the threshold


def test_sub_primary_organizations_above_the_threshold_still_meet_every_three_months():
    size, _ = general_meetings_in_a_year(None, Kind.SUBPRIMARY)
    assert general_meetings_in_a_year(size - 1, Kind.SUBPRIMARY)[1] == 4


def test_the_yearly_general_meeting_threshold_defaults_to_the_sources_500():
    assert MeetingsSection().general_meeting_yearly_above == 500
    assert CFG.cell_min == 5 and CFG.cell_max == 30 and CFG.primary_above == 31 and CFG.cell_committee_above == 20


def test_a_party_of_only_the_scenarios_own_units_is_built_without_regular_cells():
    """organization.extra_cells (and small_units, abroad_teams): units the scenario names; when they hold every
    member, the day-0 hierarchy has no regular cells and is still built."""
    cfg = OrganizationSection(extra_cells=[21], small_units=[], abroad_teams=[])
    orgs, units, sizes = build(21, cfg, np.random.default_rng(0))
    assert sizes.tolist() == [21] and orgs.kind[units].tolist() == [Kind.CELL]
