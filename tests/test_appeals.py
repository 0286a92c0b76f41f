"""An expulsion the county/city committee refuses to ratify becomes probation.

Source: the discipline docstring (``sim.mechanisms.discipline``, step 3): a
cell's expulsion waits for the county/city committee's ratification (party
bylaws); refused, the member stays in the party on the next rung down, as a
member on probation (demoted to candidate status) — not with a lighter
warning and not expelled.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import ladder
from sim.model.population import Status
from tests.small_world import founded, full_members

RATIFICATION_DAYS = 20


def expelling_world(ratify_probability: float):
    return founded(
        discipline={
            "conviction_probability": 1.0,
            "expulsion_ratify_probability": ratify_probability,
            "ratification_days": RATIFICATION_DAYS,
            "causes": {"lax_discipline": {"rate_per_year": 0.0, "level": "expulsion"}},
        }
    )


def judged(simulation, members: np.ndarray, days: int) -> None:
    discipline = simulation.world.mechanisms["discipline"]
    discipline.refer(members, "lax_discipline", 0)
    for day in range(1, days):
        discipline.decide(day)


def test_a_refused_expulsion_puts_the_member_on_probation():
    simulation = expelling_world(0.0)
    pop = simulation.world.pop
    members = full_members(simulation)[:20]
    judged(simulation, members, 32 + RATIFICATION_DAYS)
    assert (pop.status[members] == Status.DEMOTED).all()
    assert (pop.punish_level[members] == ladder.code("probation")).all()


def test_a_ratified_expulsion_ends_membership():
    simulation = expelling_world(1.0)
    pop = simulation.world.pop
    members = full_members(simulation)[:20]
    judged(simulation, members, 32 + RATIFICATION_DAYS)
    assert (pop.status[members] == Status.EXPELLED).all()


@pytest.mark.parametrize("ratify_probability", [0.0, 1.0])
def test_the_county_committee_decides_within_its_ratification_days_after_the_meeting(ratify_probability):
    simulation = expelling_world(ratify_probability)
    world = simulation.world
    pop, discipline = world.pop, world.mechanisms["discipline"]
    members = full_members(simulation)[:40]
    discipline.refer(members, "lax_discipline", 0)
    meeting = pop.referral_due[members].copy()
    decided = np.full(len(members), -1)
    for day in range(1, 32 + RATIFICATION_DAYS):
        discipline.decide(day)
        newly = (decided < 0) & (pop.status[members] != Status.FULL)
        decided[newly] = day
    delay = decided - meeting
    assert (delay >= 1).all() and (delay <= RATIFICATION_DAYS).all()
    assert len(np.unique(delay)) > 1  # the committee's day varies, it is not a fixed lag
