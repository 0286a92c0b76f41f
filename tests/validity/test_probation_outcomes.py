"""Probation as a two-stage Bernoulli process: shares admitted, extended then admitted, expelled.

Source ("Basic Party Organizations", NK Leadership Watch): "After one year has
elapsed, the candidate member's application is then decided by the party
cell ... The candidate member's probationary period can be extended for
another year by the party cell. In the event that candidate member does not
qualify after another probationary period ... the party cell then expels the
candidate member".

What the code models (``Membership._probation_decision``): at the first
decision a candidate qualifies with ``qualify_probability`` p; one who does
not is extended with ``extension_probability`` e (otherwise expelled at once);
an extended candidate qualifies at the second decision with
``second_qualify_probability`` p2, otherwise is expelled. Every candidate thus
ends in one of four outcomes with probabilities

    admitted at the first decision            p
    extended, then admitted                   (1 - p) e p2
    expelled at the first decision            (1 - p) (1 - e)
    extended, then expelled                   (1 - p) e (1 - p2)

(with e = 1, the bylaw's "one extension": p, (1 - p) p2, 0, (1 - p)(1 - p2)).

Special case: the day-0 candidates (part-way through their year, so every one
is decided within two years) with no applications, discipline or attrition,
so that nothing else moves a candidate. Each outcome count is binomial; the
test accepts 4 binomial standard deviations sqrt(pi (1 - pi) / n) of each share
(n about 10,000: at most 0.02 in share).

What breaks it: p2 replaced by p at the second decision (extended-then-admitted
0.24 instead of 0.12), a second extension, extension ignored, candidates left
undecided, or expulsion without the extension step.
"""

from __future__ import annotations

import pytest

from sim.model.population import Status
from sim.run.engine import Simulation
from tests.conftest import small_scenario
from tests.validity.tolerance import assert_within_sigmas, binomial_share_sd

QUALIFY, SECOND_QUALIFY = 0.6, 0.3


@pytest.mark.parametrize("extension", [1.0, 0.5], ids=["bylaw-one-extension", "extension-at-discretion"])
def test_probation_outcome_shares_follow_the_two_stage_bernoulli_process(extension: float):
    scenario = small_scenario(
        duration="25m",
        population={"members": 20_000, "candidate_share": 0.5},
        organization={"reorganize": False},
        critique={"enabled": False},
        discipline={"enabled": False},
        attrition={"enabled": False},
        membership={
            "applications_per_member_year": 0,
            "applications_per_year": 0,
            "qualify_probability": QUALIFY,
            "extension_probability": extension,
            "second_qualify_probability": SECOND_QUALIFY,
        },
    )
    simulation = Simulation(scenario, seed=3)
    pop = simulation.world.pop
    candidates = pop.ids_in(Status.CANDIDATE)
    simulation.run()
    status, extended = pop.status[candidates], pop.extended[candidates]
    assert not (status == Status.CANDIDATE).any(), "every candidate is decided within two years"
    fail = 1 - QUALIFY
    outcomes = {
        "admitted at the first decision": ((status == Status.FULL) & ~extended, QUALIFY),
        "extended, then admitted": ((status == Status.FULL) & extended, fail * extension * SECOND_QUALIFY),
        "expelled at the first decision": ((status == Status.CANDIDATE_EXPELLED) & ~extended, fail * (1 - extension)),
        "extended, then expelled": (
            (status == Status.CANDIDATE_EXPELLED) & extended,
            fail * extension * (1 - SECOND_QUALIFY),
        ),
    }
    n = len(candidates)
    assert n > 9000
    assert sum(mask.sum() for mask, _ in outcomes.values()) == n  # the four outcomes partition the candidates
    for what, (mask, share) in outcomes.items():
        assert_within_sigmas(float(mask.mean()), share, binomial_share_sd(share, n), what)
