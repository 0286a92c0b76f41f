"""Sectors follow the unit and the office; sex follows the unit's type (sim.model.sectors, issue 16).

Rules: a member counts in the sector of their unit's type, and a holder of
party office from ``organization.party_office_from`` up counts as a party and
political worker; a workplace's units are all of its type; women join with
their type's share; the delegates' sectors then follow from who sits where and
who holds office, with every sector weight at 1.
"""

from __future__ import annotations

import numpy as np

from sim.model.organizations import Kind
from sim.model.roles import Role
from sim.model.sectors import PARTY_POLITICAL, SECTORS, code_of
from sim.run.engine import Simulation
from tests.conftest import small_scenario


def _types(**shares: float) -> dict:
    """Type shares with every type not named at 0."""
    return {name: {"share": shares.get(name, 0.0)} for name in SECTORS}


def test_workplaces_draw_their_type_by_the_shares_and_residential_cells_take_the_residential_type():
    shares = {"state_economic": 0.3, "service": 0.2, "field_labour": 0.5}
    scenario = small_scenario(
        population={"members": 60_000},
        organization={"types": _types(**shares), "residential_type": "science_education_culture"},
    )
    orgs = Simulation(scenario).world.orgs
    units = orgs.ids_of(Kind.CELL, Kind.TEAM)
    workplace = orgs.workplace[units]
    assert (orgs.type[units[~workplace]] == code_of("science_education_culture")).all()
    sites, first = np.unique(orgs.site[units[workplace]], return_index=True)
    site_type = orgs.type[units[workplace]][first]
    for name, share in shares.items():
        drawn = np.mean(site_type == code_of(name))
        assert abs(drawn - share) < 4 * np.sqrt(share * (1 - share) / len(sites)), name
    # One type per workplace: every unit of a site has the site's type.
    assert (orgs.type[units[workplace]] == site_type[np.searchsorted(sites, orgs.site[units[workplace]])]).all()


def test_organizations_formed_or_split_by_reorganization_keep_their_sites_type():
    scenario = small_scenario(population={"members": 3000}, duration="3y")
    simulation = Simulation(scenario)
    simulation.run()
    orgs = simulation.world.orgs
    below = orgs.ids_of(Kind.CELL, Kind.TEAM, Kind.BRANCH, Kind.PRIMARY, Kind.SUBPRIMARY)
    parent = orgs.parent[below]
    inside = orgs.kind[parent] != Kind.COUNTY
    assert inside.any() and (orgs.type[below[inside]] == orgs.type[parent[inside]]).all()
    assert orgs.n > Simulation(scenario).world.orgs.n, "the run formed no new organization"


def test_holders_of_party_office_count_as_party_workers_and_others_in_their_units_type():
    for office in ("org_deputy", "cell_secretary"):
        simulation = Simulation(small_scenario(organization={"party_office_from": office}))
        world = simulation.world
        pop, ids = world.pop, np.arange(world.pop.n)
        sector = world.sectors(ids)
        holder = pop.role[ids] >= Role[office.upper()]
        assert holder.any() and (~holder).any()
        assert (sector[holder] == PARTY_POLITICAL).all()
        assert (sector[~holder] == world.orgs.type[pop.cell[ids[~holder]]]).all()
    # Cell secretaries are party workers only when the scenario says so.
    cell_secretaries = np.flatnonzero(pop.role[ids] == Role.CELL_SECRETARY)
    deputy_rule = Simulation(small_scenario(organization={"party_office_from": "org_deputy"})).world
    assert (sector[cell_secretaries] == PARTY_POLITICAL).all()
    assert (deputy_rule.sectors(cell_secretaries) == deputy_rule.orgs.type[pop.cell[cell_secretaries]]).all()


def test_women_join_with_their_types_share():
    women = {"service": 0.05, "field_labour": 0.6}
    scenario = small_scenario(
        population={"members": 40_000},
        organization={
            "types": {"service": {"share": 1, "female_share": 0.05}, "field_labour": {"share": 1, "female_share": 0.6}}
            | {name: {"share": 0} for name in SECTORS if name not in women},
            "residential_type": "field_labour",
        },
    )
    world = Simulation(scenario).world
    pop = world.pop
    unit_type = world.orgs.type[pop.cell[: pop.n]]
    for name, share in women.items():
        sex = pop.female[: pop.n][unit_type == code_of(name)]
        assert abs(sex.mean() - share) < 4 * np.sqrt(share * (1 - share) / len(sex)), name


def test_the_election_handicap_of_women_lowers_their_share_of_office():
    def women_in_office(years: float) -> float:
        world = Simulation(
            small_scenario(population={"members": 20_000}, organization={"election_female_years": years})
        ).world
        pop = world.pop
        office = pop.role[: pop.n] >= Role.CELL_DEPUTY
        return float(pop.female[: pop.n][office].mean())

    # Same founding stream, so the same members: only the ranking of the ballots changes.
    assert women_in_office(30.0) < 0.5 * women_in_office(0.0)


def _congress(**selection: float) -> dict:
    scenario = small_scenario(
        population={"members": 20_000},
        duration="5y",
        organization={"types": _types(service=0.5, field_labour=0.5), "residential_type": "field_labour"},
        congress={"enabled": True, "selection": {"ties": 0, "bribery": 0, **selection}},
    )
    return Simulation(scenario).run().summary["congress"][0]


def test_delegates_sectors_emerge_from_units_and_offices_and_the_office_weight_raises_party_workers():
    """With sector weights at 1, delegates are party workers, soldiers or field labour only; the office weight
    (source: 'prioritize political officers') multiplies the party workers among them."""
    plain, prioritized = _congress(office=1.0), _congress(office=20.0)
    for report in (plain, prioritized):
        by_sector = report["by_sector"]
        assert {name for name, k in by_sector.items() if k} <= {"party_political", "service", "field_labour"}
    share = [r["by_sector"]["party_political"] / sum(r["by_sector"].values()) for r in (plain, prioritized)]
    assert share[1] > share[0] + 0.2, share
