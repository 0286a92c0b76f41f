"""Office holders lose their post when punished at removal from post or above the allowance.

Source: the bylaws' ladder (``sim.model.ladder``): removal from post takes the
office away whatever the allowance; a lighter punishment takes it only when it
is heavier than ``discipline.roles_allowed_up_to`` (assumption, a scenario field).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import ladder
from sim.model.roles import Role
from tests.small_world import founded

CASES = [
    # (allowance, punishment level, keeps the post)
    ("none", "warning", False),
    ("warning", "warning", True),
    ("warning", "severe_warning", False),
    ("severe_warning", "severe_warning", True),
    ("severe_warning", "probation", False),
    ("probation", "probation", True),
    ("probation", "removal_from_post", False),  # removal from post always removes
    ("removal_from_post", "removal_from_post", False),
]


@pytest.mark.parametrize(("allowed", "level", "keeps"), CASES)
def test_office_holders_lose_their_post_above_the_allowance_or_at_removal_from_post(allowed, level, keeps):
    simulation = founded(
        discipline={
            "conviction_probability": 1.0,
            "roles_allowed_up_to": allowed,
            "ratified_from": "expulsion",  # decided at once: the allowance is the rule under test
            "causes": {"lax_discipline": {"rate_per_year": 0.0, "level": level}},
        }
    )
    world = simulation.world
    pop, discipline = world.pop, world.mechanisms["discipline"]
    holders = np.flatnonzero(pop.role[: pop.n] >= Role.CELL_SECRETARY)[:5]
    others = np.flatnonzero(pop.role[: pop.n] == Role.NONE)[:5]
    roles = pop.role[holders].copy()
    assert len(holders) == 5
    discipline.refer(np.concatenate([holders, others]), "lax_discipline", 0)
    for day in range(1, 32):  # every cell meets within a month
        discipline.decide(day)
    assert (pop.punish_level[holders] == ladder.code(level)).all()
    if keeps:
        assert (pop.role[holders] == roles).all()
    else:
        assert (pop.role[holders] == Role.NONE).all()
    assert (pop.role[others] == Role.NONE).all()
