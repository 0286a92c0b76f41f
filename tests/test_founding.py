"""The day-0 party follows the organizational formula (source: basic party organizations).

Cells of 5-30 (the scenario's odd units aside), primary organizations of more
than 31 at workplaces, branches at the sections of large workplaces,
sub-primary organizations for residential localities of more than 31, party
teams abroad of fewer than 5, cell committees above 20 in direct cells,
executive committees above the scenario threshold.
"""

from __future__ import annotations

import numpy as np

from sim.model.aggregates import members_below
from sim.model.founding import DAYS_PER_YEAR
from sim.model.organizations import Kind
from sim.model.population import Status
from sim.model.sectors import code_of
from sim.model.traits import TRAITS, TraitDistributions
from sim.run.engine import Simulation
from tests.conftest import small_scenario

SCENARIO = {
    "population": {"members": 6000},
    "organization": {
        "cells_per_primary_mean": 12,
        "direct_cell_share": 0.3,
        "cells_per_locality_mean": 3,
        "small_units": "[3, 4]",
        "abroad_teams": "[3]",
        "extra_cells": "[21]",
    },
}


def test_day_zero_structure_follows_the_organizational_formula():
    world = Simulation(small_scenario(**SCENARIO)).world
    orgs, pop, cfg = world.orgs, world.pop, world.scenario.organization
    size = members_below(orgs, pop.org_size)
    kind, parent = orgs.column("kind"), orgs.column("parent")
    cells, teams = orgs.ids_of(Kind.CELL), orgs.ids_of(Kind.TEAM)
    assert size[0] == world.scenario.population.members
    assert sorted(size[cells][size[cells] < cfg.cell_min].tolist()) == [3, 4]  # the odd units, until re-organized
    assert size[cells].max() <= cfg.cell_max
    assert size[teams].tolist() == [3] and orgs.abroad[teams].all() and not orgs.abroad[cells].any()
    basic = orgs.ids_of(Kind.PRIMARY, Kind.BRANCH, Kind.SUBPRIMARY)
    assert (size[basic] > cfg.primary_above).all() and orgs.committee[basic].all()
    for k in (Kind.PRIMARY, Kind.BRANCH, Kind.SUBPRIMARY):
        assert orgs.count(k) > 0, k.name
    assert (orgs.workplace[orgs.ids_of(Kind.PRIMARY)]).all() and not orgs.workplace[orgs.ids_of(Kind.SUBPRIMARY)].any()
    branches = orgs.ids_of(Kind.BRANCH)
    assert (kind[parent[branches]] == Kind.PRIMARY).all()
    assert (size[parent[branches]] > cfg.branches_above).all()
    direct = cells[kind[parent[cells]] == Kind.COUNTY]
    assert np.array_equal(orgs.committee[direct], size[direct] > cfg.cell_committee_above)
    assert 21 in size[direct[orgs.committee[direct]]]
    assert not orgs.committee[cells[kind[parent[cells]] != Kind.COUNTY]].any()
    top = orgs.ids_of(Kind.PRIMARY, Kind.SUBPRIMARY)
    assert np.array_equal(orgs.executive[top], size[top] > cfg.executive_committee_above)
    # Sizes above cells are sums over cells; the kind counts match a recount.
    assert size[orgs.ids_of(Kind.COUNTY)].sum() == world.scenario.population.members
    recount = np.bincount(kind[orgs.column("alive")], minlength=len(Kind))
    assert np.array_equal(recount, orgs.kind_counts)
    pop.check_consistency()


def test_residential_localities_above_thirty_one_form_sub_primary_organizations():
    world = Simulation(small_scenario(**SCENARIO)).world
    orgs, pop = world.orgs, world.pop
    cells = orgs.ids_of(Kind.CELL)
    residential = cells[~orgs.workplace[cells]]
    locality = np.bincount(orgs.site[residential], weights=pop.org_size[residential])
    in_subprimary = orgs.kind[orgs.parent[residential]] == Kind.SUBPRIMARY
    assert np.array_equal(in_subprimary, locality[orgs.site[residential]] > 31)


def test_founders_are_stored_cell_by_cell_with_their_standing_or_probation():
    """Full members joined an exponential standing (at least a day) before day 0; candidates are part-way through
    their probation; neighbouring rows are cell mates."""
    scenario = small_scenario(population={"members": 20_000, "candidate_share": 0.1})
    pop = Simulation(scenario).world.pop
    n, cfg = pop.n, scenario.population
    assert n == cfg.members and (np.diff(pop.cell[:n]) >= 0).all()
    full, candidate = pop.status[:n] == Status.FULL, pop.status[:n] == Status.CANDIDATE
    assert (full | candidate).all()
    # Binomial share and exponential mean, each within four standard errors.
    assert abs(candidate.mean() - 0.1) < 4 * np.sqrt(0.1 * 0.9 / n)
    standing = -pop.joined[:n][full].astype(np.float64)
    mean_days = cfg.seniority_mean_years * DAYS_PER_YEAR
    assert standing.min() >= 1 and abs(standing.mean() - 0.5 - mean_days) < 4 * mean_days / np.sqrt(full.sum())
    assert (pop.joined[:n][candidate] == 0).all() and (pop.candidate_since[:n][full] == 0).all()
    since = pop.candidate_since[:n][candidate]
    assert since.min() > -scenario.membership.probation_days and since.max() <= 0


def test_new_people_draw_sex_by_their_units_type_and_traits_from_the_population_section():
    """Sex by the type's share of women, sincerity (Beta) and wealth (log-normal), within four standard errors."""
    scenario = small_scenario(
        population={"sincerity_mean": 0.7, "sincerity_concentration": 5, "wealth_sigma": 0.8},
        organization={"types": {"service": {"female_share": 0.05}, "field_labour": {"female_share": 0.4}}},
    )
    cfg, types = scenario.population, scenario.organization.types
    n = 200_000
    unit_type = np.repeat(np.array([code_of("service"), code_of("field_labour")], dtype=np.int8), n // 2)
    traits = TraitDistributions(types, cfg).draw(unit_type, np.random.default_rng(1))
    assert {name: column.dtype for name, column in traits.items()} == {name: np.dtype(t) for name, t in TRAITS.items()}
    for code, share in ((code_of("service"), 0.05), (code_of("field_labour"), 0.4)):
        women = traits["female"][unit_type == code]
        assert abs(women.mean() - share) < 4 * np.sqrt(share * (1 - share) / len(women))
    sincerity_sd = np.sqrt(0.7 * 0.3 / (5 + 1))
    assert abs(traits["sincerity"].mean() - 0.7) < 4 * sincerity_sd / np.sqrt(n)
    log_wealth = np.log(traits["wealth"].astype(np.float64))
    assert abs(log_wealth.mean()) < 4 * 0.8 / np.sqrt(n)
    assert abs(log_wealth.std() - 0.8) < 4 * 0.8 / np.sqrt(2 * n)


def test_traits_drawn_as_new_arrays_are_the_ones_filled_into_columns():
    """Recruits' traits (new arrays) and founders' (written into the table's columns) are the same draws."""
    scenario = small_scenario()
    traits = TraitDistributions(scenario.organization.types, scenario.population)
    unit_type = np.array([code_of("service"), code_of("field_labour"), code_of("service")], dtype=np.int8)
    drawn = traits.draw(unit_type, np.random.default_rng(7))
    columns = {name: np.zeros(len(unit_type), dtype=dtype) for name, dtype in TRAITS.items()}
    filled = traits.fill(columns, unit_type, np.random.default_rng(7))
    for name in TRAITS:
        assert filled[name] is columns[name]
        assert drawn[name].dtype == columns[name].dtype and np.array_equal(drawn[name], columns[name]), name


def test_one_recruits_traits_drawn_as_scalars_are_the_draws_of_an_array_of_one():
    """A filing of one recruit draws scalars: the same values and dtypes as an array of one, and the stream
    left in the same state."""
    scenario = small_scenario(organization={"types": {"service": {"female_share": 0.5}}})
    traits = TraitDistributions(scenario.organization.types, scenario.population)
    one, arrays = np.random.default_rng(11), np.random.default_rng(11)
    for _ in range(500):
        code = code_of("service")
        scalars = traits.draw_one(code, one)
        drawn = traits.draw(np.array([code], dtype=np.int8), arrays)
        for name, dtype in TRAITS.items():
            assert np.asarray(scalars[name]).dtype == np.dtype(dtype), name
            assert scalars[name].tobytes() == drawn[name].tobytes(), name
    assert one.random() == arrays.random()
