"""Offices: cell secretaries and deputies, committees, executive committees, county cadres.

Source (basic party organizations): cell meetings "are led by a party cell
secretary and a deputy (vice) secretary"; a cell under a county committee with
more than 20 members elects a cell committee; primary, branch and sub-primary
general meetings elect a committee, which elects a secretary and a deputy;
larger primary and sub-primary organizations elect an executive committee.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.mechanisms.discipline import REMOVAL
from sim.model.organizations import Kind
from sim.model.population import Status
from sim.model.roles import Role
from sim.run.engine import Simulation
from tests.conftest import simulate, small_scenario

LARGE = {
    "population": {"members": 4000},
    "organization": {
        "cells_per_primary_mean": 25,
        "executive_committee_above": 250,
        "extra_cells": "[21]",
        "direct_cell_share": 0.3,
    },
}


def _offices(world) -> pd.DataFrame:
    pop, orgs = world.pop, world.orgs
    ids = np.flatnonzero(pop.role[: pop.n] != Role.NONE)
    return pd.DataFrame(
        {
            "id": ids,
            "role": pop.role[ids],
            "cell": pop.cell[ids],
            "status": pop.status[ids],
            "basic": orgs.basic_org(pop.cell[ids]),
            "parent": orgs.parent[pop.cell[ids]],
            "county": orgs.county[pop.cell[ids]],
        }
    )


def _full_non_cadres_per_cell(world) -> np.ndarray:
    pop = world.pop
    eligible = (pop.status[: pop.n] == Status.FULL) & (pop.role[: pop.n] != Role.COUNTY_CADRE)
    return np.bincount(pop.cell[: pop.n][eligible], minlength=world.orgs.n)


def assert_offices_filled(world) -> None:
    """Every bylaw office is held once, by a full member, in the organization it belongs to."""
    orgs, cfg = world.orgs, world.scenario.organization
    role = world.pop.role
    offices = _offices(world)
    assert (offices.status == Status.FULL).all()
    units = orgs.ids_of(Kind.CELL, Kind.TEAM)
    led = units[_full_non_cadres_per_cell(world)[units] >= 2]
    for office in (Role.CELL_SECRETARY, Role.CELL_DEPUTY):
        held = np.bincount(offices.cell[offices.role == office], minlength=orgs.n)
        assert (held[led] == 1).all() and (held[units] <= 1).all(), office.name
    committee = np.bincount(offices.cell[offices.role == Role.CELL_COMMITTEE], minlength=orgs.n)
    assert (committee[led[orgs.committee[led]]] == cfg.cell_committee_size - 2).all()
    assert committee[units[~orgs.committee[units]]].sum() == 0
    # Primary, sub-primary and branch organizations: a secretary and a deputy of their own ...
    basic = orgs.ids_of(Kind.PRIMARY, Kind.SUBPRIMARY, Kind.BRANCH)
    assert (role[orgs.secretary[basic]] == Role.ORG_SECRETARY).all()
    assert (role[orgs.deputy[basic]] == Role.ORG_DEPUTY).all()
    inside = orgs.basic_org(world.pop.cell[orgs.secretary[basic]]) == orgs.basic_org(basic)
    assert inside.all()
    # ... and full committees: the primary's plus one per branch, executives only where flagged.
    top = orgs.ids_of(Kind.PRIMARY, Kind.SUBPRIMARY)
    branches = np.bincount(orgs.parent[orgs.ids_of(Kind.BRANCH)], minlength=orgs.n)
    org_seats = offices[offices.role.between(Role.ORG_COMMITTEE, Role.EXECUTIVE)]
    seats = np.bincount(org_seats.basic, minlength=orgs.n)
    assert np.array_equal(seats[top], cfg.org_committee_size * (1 + branches[top]))
    executive = np.bincount(offices.basic[offices.role == Role.EXECUTIVE], minlength=orgs.n)
    assert (executive[top[orgs.executive[top]]] == cfg.executive_committee_size - 2).all()
    assert executive[top[~orgs.executive[top]]].sum() == 0
    cadres = np.bincount(offices.county[offices.role == Role.COUNTY_CADRE], minlength=orgs.n)
    assert (cadres[orgs.ids_of(Kind.COUNTY)] == cfg.county_cadres).all()


def test_day_zero_offices_follow_the_bylaws():
    world = Simulation(small_scenario(**LARGE)).world
    orgs = world.orgs
    assert orgs.count(Kind.BRANCH) > 0 and orgs.column("executive").any() and orgs.count(Kind.SUBPRIMARY) > 0
    assert_offices_filled(world)


def test_officers_are_the_senior_full_members_of_their_cell():
    simulation = Simulation(small_scenario())
    world = simulation.world
    pop, orgs = world.pop, world.orgs
    cells = orgs.ids_of(Kind.CELL)
    secretary = orgs.secretary[cells]
    cells, secretary = cells[secretary >= 0], secretary[secretary >= 0]
    elections = simulation.mechanisms[0].elections
    eligible = np.flatnonzero((pop.status[: pop.n] == Status.FULL) & (pop.role[: pop.n] != Role.COUNTY_CADRE))
    best = pd.Series(elections.score(eligible, 0)).groupby(pop.cell[eligible]).max()
    assert np.allclose(elections.score(secretary, 0), best.reindex(cells).to_numpy())
    # Seniority dominates: secretaries have longer standing than the average member.
    assert (-pop.joined[secretary]).mean() > (-pop.joined[eligible]).mean() * 1.5


def test_offices_are_held_only_by_full_members_after_a_reorganization_tick():
    scenario = small_scenario(duration="1y", **LARGE, attrition={"death_rate": 0.1, "retirement_rate": 0.1})
    simulation, _ = simulate(scenario, events=False)
    world = simulation.world
    simulation.mechanisms[0].reorganize(day=world.calendar.horizon)
    world.pop.check_consistency()
    assert_offices_filled(world)


def test_vacant_secretary_is_replaced_at_the_next_tick_and_cadres_are_promoted():
    simulation = Simulation(small_scenario(**LARGE))
    world, mechanism = simulation.world, simulation.mechanisms[0]
    pop, orgs = world.pop, world.orgs
    cells = orgs.ids_of(Kind.CELL)
    cell = cells[orgs.secretary[cells] >= 0][0]
    gone = orgs.secretary[cell]
    deputy = orgs.deputy[cell]
    cadre = np.flatnonzero(pop.role[: pop.n] == Role.COUNTY_CADRE)[0]
    pop.transition(np.array([gone, cadre]), Status.EXITED)
    mechanism.reorganize(day=10)
    assert pop.role[gone] == Role.NONE and pop.role[cadre] == Role.NONE
    assert orgs.secretary[cell] == deputy  # the next in line
    assert_offices_filled(world)


def test_a_vacant_cell_office_is_filled_by_the_cell_alone():
    """A cell under a primary organization loses its secretary: only that cell's offices change.

    The cell chosen has a primary-committee member next in line after its
    deputy; electing the whole primary again would make them the cell's deputy
    (and change the committee), electing the cell alone leaves them where they are.
    """
    simulation = Simulation(small_scenario(**LARGE))
    world, mechanism = simulation.world, simulation.mechanisms[0]
    pop, orgs, elections = world.pop, world.orgs, mechanism.elections
    mechanism.reorganize(day=5)  # settle the day-0 odd units first
    full = np.flatnonzero((pop.status[: pop.n] == Status.FULL) & (pop.role[: pop.n] <= Role.ORG_SECRETARY))
    waiting = full[(pop.role[full] == Role.NONE) | (pop.role[full] >= Role.ORG_COMMITTEE)]
    waiting = waiting[np.lexsort((-elections.score(waiting, 10), pop.cell[waiting]))]
    next_in_line = waiting[np.r_[True, pop.cell[waiting][1:] != pop.cell[waiting][:-1]]]
    officer = next_in_line[(pop.role[next_in_line] >= Role.ORG_COMMITTEE) & ~orgs.committee[pop.cell[next_in_line]]][0]
    cell = pop.cell[officer]
    gone, office = orgs.secretary[cell], pop.role[officer]
    before = pop.role[: pop.n].copy()
    pop.transition(np.array([gone]), Status.EXITED)
    mechanism.reorganize(day=10)
    changed = np.flatnonzero(pop.role[: pop.n] != before)
    assert gone in changed and (pop.cell[changed] == cell).all()
    assert pop.role[officer] == office
    assert pop.role[orgs.secretary[cell]] == Role.CELL_SECRETARY
    assert_offices_filled(world)


def test_a_vacant_organization_office_elects_the_whole_basic_organization():
    """The primary's secretary leaves: its committee is elected again, other organizations keep theirs."""
    simulation = Simulation(small_scenario(**LARGE))
    world, mechanism = simulation.world, simulation.mechanisms[0]
    pop, orgs = world.pop, world.orgs
    mechanism.reorganize(day=5)  # settle the day-0 odd units first
    primary = orgs.ids_of(Kind.PRIMARY)[0]
    gone = orgs.secretary[primary]
    deputy = orgs.deputy[primary]
    before = pop.role[: pop.n].copy()
    pop.transition(np.array([gone]), Status.EXITED)
    mechanism.reorganize(day=10)
    assert orgs.secretary[primary] == deputy  # the next in line moves up
    changed = np.flatnonzero(pop.role[: pop.n] != before)
    assert (orgs.basic_org(pop.cell[changed]) == primary).all()
    assert_offices_filled(world)


@pytest.mark.parametrize("office", [Role.CELL_COMMITTEE, Role.ORG_COMMITTEE, Role.EXECUTIVE])
def test_a_committee_member_removed_from_post_is_replaced_at_the_next_tick(office):
    """Discipline removes a committee member from post (they stay a full member): the seat is filled again.

    Secretaries and deputies are seen vacant through the organization table;
    committee seats only through the office each member was elected to.
    """
    simulation = Simulation(small_scenario(**LARGE))
    world, mechanism = simulation.world, simulation.mechanisms[0]
    pop = world.pop
    mechanism.reorganize(day=5)  # settle the day-0 odd units first
    holder = np.flatnonzero(pop.role[: pop.n] == office)[0]
    discipline = world.mechanisms["discipline"]
    discipline._punish(6, np.array([holder]), np.array([REMOVAL], dtype=np.int8), np.array([0], dtype=np.int8))
    assert pop.role[holder] == Role.NONE and pop.status[holder] == Status.FULL
    mechanism.reorganize(day=10)
    assert pop.role[holder] == Role.NONE  # removed from post: not elected again while punished
    assert_offices_filled(world)


def test_the_election_score_is_party_standing_plus_the_sincerity_years_times_sincerity():
    """sim.model.elections: candidates are ranked by "party standing (days since admission) plus
    ``election_sincerity_years`` x sincerity" — the years counted in days."""
    scenario = small_scenario(organization={"election_sincerity_years": 4.0})
    world = Simulation(scenario).world
    elections, pop = world.mechanisms["reorganization"].elections, world.pop
    ids = np.arange(5)
    pop.joined[ids], pop.sincerity[ids] = [-100, -200, 0, -50, -10], [0.0, 0.5, 1.0, 0.25, 0.75]
    expected = 30 - pop.joined[ids] + 4.0 * 365.25 * pop.sincerity[ids].astype(np.float64)
    assert np.allclose(elections.score(ids, 30), expected)
