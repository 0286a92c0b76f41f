"""The party on day 0: organizations, members with seniority, candidates on probation."""

from __future__ import annotations

import numpy as np

from sim import structure
from sim.organizations import Organizations
from sim.population import Population, Status
from sim.scenario import Scenario
from sim.traits import draw_traits

DAYS_PER_YEAR = 365.25
#: Member-table rows reserved on day 0 per day-0 member: room for recruits before the table first doubles.
CAPACITY_PER_MEMBER = 1.25


def initial_capacity(members: int) -> int:
    """Rows of the member table on day 0 (the memory estimate of sim.resources starts from it)."""
    return int(members * CAPACITY_PER_MEMBER) + 64


def found_party(scenario: Scenario, rng: np.random.Generator) -> tuple[Population, Organizations]:
    """Build the organization hierarchy and fill its cells with members.

    Full members get a party standing drawn from an exponential distribution
    (``seniority_mean_years``), so recommenders of two years' standing exist
    from day one (source: two recommenders of two years' standing). Candidates
    are part-way through their probation year.
    """
    cfg = scenario.population
    orgs, member_cell = structure.build(cfg.members, scenario.organization, rng)
    n = cfg.members
    pop = Population(capacity=initial_capacity(n), n_orgs=orgs.capacity)
    pop.ensure_orgs(orgs.n)
    candidate = rng.random(n) < cfg.candidate_share
    standing = rng.exponential(cfg.seniority_mean_years * DAYS_PER_YEAR, n)
    joined = -np.ceil(standing).astype(np.int32)
    candidate_since = -rng.integers(0, scenario.membership.probation_days, n).astype(np.int32)
    # Members are stored cell by cell, so a block of neighbours shares a tie group.
    ties_group = ((np.arange(n) + rng.integers(0, 3, n)) / cfg.ties_group_size).astype(np.int32)
    traits = draw_traits(n, cfg, rng)
    pop.add(int((~candidate).sum()), Status.FULL, member_cell[~candidate],
                       joined=joined[~candidate], ties_group=ties_group[~candidate],
                       **{k: v[~candidate] for k, v in traits.items()})
    pop.add(int(candidate.sum()), Status.CANDIDATE, member_cell[candidate],
                       candidate_since=candidate_since[candidate], joined=0,
                       ties_group=ties_group[candidate], **{k: v[candidate] for k, v in traits.items()})
    pop.take_flows()  # founding is not a flow
    return pop, orgs
