"""The party on day 0: organizations, members with seniority, candidates on probation."""

from __future__ import annotations

import numpy as np

from sim.model import structure
from sim.model.lifecourse import DAYS_PER_YEAR, birth_days
from sim.model.organizations import Organizations
from sim.model.population import Population, Status
from sim.model.traits import TRAITS, fill_traits
from sim.scenario import Scenario

#: Member-table rows reserved on day 0 per day-0 member: room for recruits before the table first doubles.
CAPACITY_PER_MEMBER = 1.25


def initial_capacity(members: int) -> int:
    """Rows of the member table on day 0 (the memory estimate of sim.run.resources starts from it)."""
    return int(members * CAPACITY_PER_MEMBER) + 64


def age_excess_means(scenario: Scenario) -> np.ndarray:
    """Mean years over the minimum age of day-0 members, by organization type code (single precision)."""
    default = scenario.population.age_excess_mean_years
    types = scenario.organization.types.by_code()
    return np.array(
        [default if t.age_excess_mean_years is None else t.age_excess_mean_years for t in types], np.float32
    )


def found_party(scenario: Scenario, rng: np.random.Generator) -> tuple[Population, Organizations]:
    """Build the organization hierarchy and fill its cells with members.

    Full members get a party standing drawn from an exponential distribution
    (``seniority_mean_years``), so recommenders of two years' standing exist
    from day one (source: two recommenders of two years' standing). Candidates
    are part-way through their probation year.

    The founders are appended in one block, cell by cell, and their columns
    drawn in place: at national scale that spares the build a dozen
    temporaries of 6.5 million rows. Then the full members and the candidates
    enter their status.
    """
    cfg = scenario.population
    orgs, units, unit_members = structure.build(cfg.members, scenario.organization, rng)
    n = cfg.members
    pop = Population(capacity=initial_capacity(n), n_orgs=orgs.capacity)
    pop.ensure_orgs(orgs.n)
    pop.append(n, TRAITS, cell=np.repeat(units.astype(np.int32), unit_members))
    candidate = rng.random(n, dtype=np.float32) < cfg.candidate_share
    member_type = np.repeat(orgs.type[units], unit_members)  # each founder's unit type (sex, age)
    fill_traits(
        {name: pop.column(name) for name in TRAITS},
        member_type,
        scenario.organization.types,
        cfg,
        rng,
    )
    # Admitted the standing's whole days plus one before day 0 (the cast truncates): at least a day, even
    # when a single-precision draw is exactly 0. The column holds the single-precision standing until the cast.
    joined = pop.column("joined")
    standing = rng.standard_exponential(n, dtype=np.float32, out=joined.view(np.float32))
    standing *= np.float32(cfg.seniority_mean_years * DAYS_PER_YEAR)
    np.negative(standing, out=joined, casting="unsafe")
    joined -= 1
    np.putmask(joined, candidate, 0)  # a third faster than a boolean-mask assignment on 6.5 million rows
    # Members are stored cell by cell, so a block of neighbours shares a tie group.
    ties_group = pop.column("ties_group")
    ties_group[:] = rng.integers(0, 3, n, dtype=np.int8)
    ties_group += np.arange(n, dtype=np.int32)
    np.true_divide(ties_group, cfg.ties_group_size, out=ties_group, casting="unsafe")  # truncates: a group number
    # Ages: at least the party's minimum age, younger than the retirement age of the member's sex on day 0.
    # When every unit type has the population's mean age excess (the shipped scenarios), that one mean
    # scales the draws: no mean gathered per founder.
    birth, attrition, min_age = pop.column("birth"), scenario.attrition, scenario.membership.min_age_years
    uniform = cfg.age_distribution == "uniform"
    means = age_excess_means(scenario)
    shared = bool((means == means[0]).all())
    excess = means[0] if shared else means[member_type]
    birth_days(rng, n, 0, min_age, excess, attrition.retirement_age_years, uniform, out=birth)
    retired = np.flatnonzero(pop.column("female") & (birth <= -attrition.retirement_age_women_years * DAYS_PER_YEAR))
    retired_excess = excess if shared else excess[retired]
    birth[retired] = birth_days(
        rng, len(retired), 0, min_age, retired_excess, attrition.retirement_age_women_years, uniform
    )
    pop.transition(np.flatnonzero(~candidate), Status.FULL, source=Status.EMPTY)  # new rows: no statuses counted
    candidates = np.flatnonzero(candidate)
    pop.candidate_since[candidates] = -rng.integers(
        0, scenario.membership.probation_days, len(candidates), dtype=np.int32
    )
    pop.transition(candidates, Status.CANDIDATE, source=Status.EMPTY)
    pop.take_flows()  # founding is not a flow
    return pop, orgs
