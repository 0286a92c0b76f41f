"""Members age with the calendar, die by the life table, retire at their age; applicants' ages (assumptions)."""

from __future__ import annotations

import numpy as np

from sim.model.lifecourse import DAYS_PER_YEAR, age_years, gompertz_cumulative
from sim.model.population import ACTIVE, YOUTH_LEAGUE_LETTER, Status
from tests.conftest import simulate, small_scenario

#: Only ageing and death act: no recruitment, discipline, transfers or retirement within the run.
DEATHS_ONLY = {
    "population": {"members": 20000},
    "membership": {"enabled": False},
    "discipline": {"enabled": False},
    "critique": {"enabled": False},
    "organization": {"reorganize": False},
    "attrition": {
        "model": "life_table",
        "transfer_out_rate": 0.0,
        "mortality_at_30": 0.004,
        "retirement_age_years": 100,
        "retirement_age_women_years": 100,
    },
}


def test_ages_advance_with_the_calendar_and_deaths_follow_the_life_table():
    """Deaths over two years: the sum of each founder's Gompertz death probability, within 4 sd of its
    Poisson-binomial variance."""
    simulation, result = simulate(small_scenario(duration="2y", **DEATHS_ONLY), events=False)
    world = simulation.world
    pop, cfg, horizon = world.pop, world.scenario.attrition, world.calendar.horizon
    founders = np.arange(pop.n)
    age0 = age_years(pop.birth[founders], 0)
    # Weekly steps on days 0, 7, ..: a member is at risk for the whole weeks started before the horizon.
    weeks = -(-horizon // 7)
    p = -np.expm1(
        -gompertz_cumulative(age0, weeks * 7 / DAYS_PER_YEAR, cfg.mortality_at_30, cfg.mortality_doubling_years)
    )
    expected, sd = p.sum(), np.sqrt((p * (1 - p)).sum())
    deaths = int(result.timeseries.exits_death.sum())
    assert sd > 10
    assert abs(deaths - expected) < 4 * sd
    # The dead are older than the living: the hazard rises with age, and ages move with the calendar.
    dead = pop.status[founders] == Status.EXITED
    assert (
        age_years(pop.birth[founders][dead], horizon).mean() > age_years(pop.birth[founders][~dead], horizon).mean() + 5
    )
    assert np.allclose(age_years(pop.birth[founders], horizon) - age0, horizon / DAYS_PER_YEAR)


def test_members_retire_at_the_retirement_age_of_their_sex():
    scenario = small_scenario(
        duration="3y", attrition={"model": "life_table"}, population={"age_excess_mean_years": 40}
    )
    simulation, result = simulate(scenario, events=True)
    pop, cfg, horizon = simulation.world.pop, scenario.attrition, simulation.world.calendar.horizon
    active = ACTIVE[pop.status[: pop.n]]
    female = pop.female[: pop.n]
    age = age_years(pop.birth[: pop.n], horizon)
    # Monthly retirement steps: nobody active is older than the age plus a month.
    assert age[active & ~female].max() < cfg.retirement_age_years + 32 / DAYS_PER_YEAR
    assert age[active & female].max() < cfg.retirement_age_women_years + 32 / DAYS_PER_YEAR
    ev = result.events
    retired = ev[(ev.kind == "exit") & (ev.cause == "retirement")]
    assert len(retired) > 20
    ids = retired.member.to_numpy()
    limit = np.where(pop.female[ids], cfg.retirement_age_women_years, cfg.retirement_age_years)
    at = age_years(pop.birth[ids], 0) + retired.day.to_numpy() / DAYS_PER_YEAR
    assert (at >= limit).all() and (at < limit + 32 / DAYS_PER_YEAR).all()


def test_nobody_below_the_minimum_age_is_admitted():
    scenario = small_scenario(membership={"applications_per_member_year": 0.2, "min_age_years": 20})
    simulation, _ = simulate(scenario, events=False)
    pop = simulation.world.pop
    applicants = np.flatnonzero(pop.applied[: pop.n] > 0)
    assert len(applicants) > 100
    at_application = (pop.applied[applicants] - pop.birth[applicants]) / DAYS_PER_YEAR
    assert at_application.min() >= 20
    founders = np.flatnonzero(pop.applied[: pop.n] == 0)
    assert (age_years(pop.birth[founders], 0) >= 20).all()


def test_only_youth_league_members_within_its_age_limit_carry_a_league_letter():
    scenario = small_scenario(membership={"applications_per_member_year": 0.2, "youth_league_share": 1.0})
    simulation, _ = simulate(scenario, events=False)
    pop, cfg = simulation.world.pop, scenario.membership
    applicants = np.flatnonzero(pop.applied[: pop.n] > 0)
    letter = pop.recommender2[applicants] == YOUTH_LEAGUE_LETTER
    league = pop.youth_league[applicants]
    at_application = (pop.applied[applicants] - pop.birth[applicants]) / DAYS_PER_YEAR
    assert np.array_equal(letter, league)
    assert not league[at_application > cfg.youth_league_age_limit_years].any()
    # With every applicant of League age in the League, exactly the older ones come without a letter.
    assert np.array_equal(league, at_application <= cfg.youth_league_age_limit_years)
    assert 0 < (~league).sum() < len(applicants)


def test_day_zero_ages_follow_the_age_structure_of_each_organization_type():
    """An organization type may have its own mean age excess (organization.types.X.age_excess_mean_years); the
    others keep the population's. Exponential excess cut at the retirement age: means within four standard
    errors of the truncated exponential's mean (computed, not assumed)."""
    from sim.model.lifecourse import DAYS_PER_YEAR
    from sim.model.sectors import code_of
    from sim.run.engine import Simulation
    from tests.conftest import small_scenario

    scenario = small_scenario(
        population={"members": 40_000, "age_excess_mean_years": 20},
        organization={"types": {"service": {"share": 1, "age_excess_mean_years": 4}, "field_labour": {"share": 1}}}
        | {"residential_type": "field_labour"},
    )
    world = Simulation(scenario).world
    pop = world.pop
    men = ~pop.female[: pop.n]
    excess = -pop.birth[: pop.n] / DAYS_PER_YEAR - scenario.membership.min_age_years
    span = scenario.attrition.retirement_age_years - scenario.membership.min_age_years
    unit_type = world.orgs.type[pop.cell[: pop.n]]
    for name, mean in (("service", 4.0), ("field_labour", 20.0)):
        drawn = excess[men & (unit_type == code_of(name))]
        # Exponential(mean) with the part beyond the span redrawn uniformly below it.
        tail = np.exp(-span / mean)
        expected = (mean - (span + mean) * tail) + tail * span / 2
        assert abs(drawn.mean() - expected) < 4 * mean / np.sqrt(len(drawn)) + 1 / DAYS_PER_YEAR, name
