"""Military service: soldiers join during service and leave at discharge; with a stationary inflow the
army's membership is stationary (Little's law with the analytic time in the party)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.lifecourse import DAYS_PER_YEAR, age_years
from sim.model.population import ACTIVE, Status
from tests.conftest import SCENARIOS, simulate

CONSCRIPTS = 2000
APPLICATION_SHARE = 0.5

#: Only conscription, admission and discharge act: every applicant is about 18, qualifies and is
#: ratified, and leaves at discharge (9 years after 18), nobody dies, transfers or is punished.
STATIONARY = [
    "population.members=3000",
    "population.age_excess_mean_years=3",
    "duration=12y",
    "record_every=4w",
    "campaigns=[]",
    "congress.enabled=false",
    "amnesty.enabled=false",
    "critique.enabled=false",
    "discipline.enabled=false",
    "attrition.enabled=false",
    "membership.applications_per_member_year=0",
    "membership.applications_per_year=0",
    "membership.youth_league_share=1",
    "membership.min_age_years=18",
    "membership.applicant_age_excess_mean_years=0.001",
    "membership.cell_endorse_probability=1",
    "membership.county_approve_probability=1",
    "membership.qualify_probability=1",
    "organization.military_service.enabled=true",
    f"organization.military_service.conscripts_per_year={CONSCRIPTS}",
    f"organization.military_service.application_share={APPLICATION_SHARE}",
    "organization.military_service.conscription_age_years=17",
    "organization.military_service.service_years=10",
    "organization.military_service.career_share=0",
]


@pytest.fixture(scope="module")
def stationary_army():
    return simulate(sim.load_scenario(SCENARIOS / "kpa-8th-congress.yaml", STATIONARY))


def test_army_membership_is_stationary_with_a_stationary_conscription_inflow(stationary_army):
    """After every founder is discharged (all are below 27 + 9 years), members = filed applications per
    year x years in the party (Little's law). Time in the party: admitted as a candidate at about 18 plus the
    wait for the cell meeting (~15 days) and the county decision (~15.5 days), discharged on the first
    monthly step at 27 (~15 days later): 9 years - 15.5 days. The stock at a date is Poisson (an M/G/inf
    queue), so its sd is sqrt(mean); the tolerance is 4 sd plus 15 days of inflow for the approximation."""
    simulation, result = stationary_army
    ts = result.timeseries
    late = ts[ts.day >= 10 * DAYS_PER_YEAR]
    filed_per_year = ts[ts.day >= 5 * DAYS_PER_YEAR].applications.sum() / (
        (ts.day.iloc[-1] - 5 * DAYS_PER_YEAR) / DAYS_PER_YEAR
    )
    assert filed_per_year == pytest.approx(CONSCRIPTS * APPLICATION_SHARE, rel=0.05)
    # Founders past 27 on day 0 are career soldiers: nothing else acts, so they stay to the end.
    pop = simulation.world.pop
    founders = np.flatnonzero(pop.applied[: pop.n] == 0)
    career = int((age_years(pop.birth[founders], 0) >= 27).sum())
    expected = filed_per_year * (9 - 15.5 / DAYS_PER_YEAR) + career
    tolerance = 4 * np.sqrt(expected) + filed_per_year * 15 / DAYS_PER_YEAR
    members = late.members_full + late.members_candidate
    assert abs(members.mean() - expected) < tolerance
    # Stationary: the first and the last rows of the late years agree within the same tolerance.
    assert abs(members.iloc[-1] - members.iloc[0]) < tolerance
    assert int(ts.exits_discharge.sum()) > 5000


def test_the_shipped_army_scenario_is_stationary_in_size_and_composition():
    """At its shipped defaults (every mechanism on) the army's members and candidates in the last year stay
    where they started: within 4 sd of a Poisson stock (an M/G/inf queue of admissions) of the first day's size.
    Starting with too few candidates, or with an inflow that does not replace the discharged, fails it."""
    _, result = simulate(sim.load_scenario(SCENARIOS / "kpa-8th-congress.yaml"))
    ts = result.timeseries
    late = (ts.day >= 4 * DAYS_PER_YEAR).to_numpy()
    for name, stock in (("members", ts.members_full + ts.members_candidate), ("candidates", ts.members_candidate)):
        start, mean = stock.iloc[0], stock[late].mean()
        assert abs(mean - start) < 4 * np.sqrt(start), (name, mean, start)


def test_discharged_soldiers_keep_their_record(stationary_army):
    """At discharge the row keeps its standing, recommenders and punishments: the member leaves the army's
    organization with the whole record, at the end of service."""
    simulation, result = stationary_army
    pop = simulation.world.pop
    ev = result.events
    discharged = ev[(ev.kind == "exit") & (ev.cause == "discharge")]
    ids = discharged.member.to_numpy()
    assert (pop.status[ids] == Status.EXITED).all()
    recruits = ids[pop.applied[ids] > 0]
    assert len(recruits) > 1000
    assert (pop.recommender1[recruits] >= 0).all() and (pop.joined[recruits] > 0).all()
    at = age_years(pop.birth[ids], 0) + discharged.day.to_numpy() / DAYS_PER_YEAR
    assert (at >= 27).all() and (at < 27 + 32 / DAYS_PER_YEAR).all()
    # Nobody recruited during the run is active past the end of service.
    active = ACTIVE[pop.status[: pop.n]] & (pop.applied[: pop.n] > 0)
    assert age_years(pop.birth[: pop.n][active], simulation.world.calendar.horizon).max() < 27 + 32 / DAYS_PER_YEAR


def test_discharged_soldiers_join_civilian_cells_with_their_whole_record_inside_the_run():
    """With civilian cells in the scenario (``discharge_to``), a soldier of an armed-forces unit discharged at the
    end of service moves to a cell of the given type, keeping standing, recommenders, punishment and
    achievements; nobody leaves the party by it, and their army office falls vacant."""
    from sim.model.organizations import Kind
    from sim.model.sectors import code_of
    from sim.run.engine import Simulation
    from tests.conftest import small_scenario

    scenario = small_scenario(
        population={"members": 4000, "age_excess_mean_years": 4, "age_distribution": "uniform"},
        duration="3y",
        organization={
            "types": {"service": {"share": 1}, "field_labour": {"share": 1}, "state_economic": {"share": 0}},
            "residential_type": "field_labour",
            "military_service": {
                "enabled": True,
                "service_years": 9,
                "career_share": 0,
                "discharge_to": ["field_labour"],
            },
        },
        membership={"enabled": False},
        attrition={"enabled": False},
        critique={"enabled": False},
        discipline={"enabled": False},
    )
    simulation = Simulation(scenario, events=True)
    pop = simulation.world.pop
    soldiers = np.flatnonzero(simulation.world.orgs.type[pop.cell[: pop.n]] == code_of("service"))
    pop.set_punishment(soldiers[::3], 2)
    pop.achiever[soldiers[1::3]] = True
    before = {
        name: getattr(pop, name)[: pop.n].copy() for name in ("joined", "recommender1", "punish_level", "achiever")
    }
    active_before = int(ACTIVE[pop.status[: pop.n]].sum())
    result = simulation.run()
    ev = result.events
    moved = ev[ev.kind == "discharge"].member.to_numpy()
    assert len(moved) > 100 and not (ev.cause == "discharge").any()
    assert int(ACTIVE[pop.status[: pop.n]].sum()) == active_before  # a move, not an exit
    assert (simulation.world.orgs.type[pop.cell[moved]] == code_of("field_labour")).all()
    for name, values in before.items():
        assert (getattr(pop, name)[moved] == values[moved]).all(), name
    assert result.timeseries["discharged_to_civilian_cells"].sum() == len(moved)
    # Their army offices fell vacant and were filled at the next quarterly re-organization: no armed-forces
    # unit is led by someone discharged more than a quarter before the end.
    discharged = ev[ev.kind == "discharge"]
    early = discharged[discharged.day < simulation.world.calendar.horizon - 100].member.to_numpy()
    orgs = simulation.world.orgs
    army_units = orgs.ids_of(Kind.CELL, Kind.TEAM)
    army_units = army_units[orgs.type[army_units] == code_of("service")]
    assert len(early) > 50
    assert not np.isin(orgs.secretary[army_units], early).any() and not np.isin(orgs.deputy[army_units], early).any()
