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
from sim.run.engine import Simulation
from tests.conftest import small_scenario
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


def _recruits_expelled(admitted_days_ago: dict[str, int], applied: int = 1):
    """Members recruited in the run (applied on day ``applied``) with two recommenders each, expelled by day 52.

    ``admitted_days_ago`` sets their candidate_since and joined relative to the ratification day 52.
    """
    simulation = founded(
        discipline={
            "conviction_probability": 1.0,
            "expulsion_ratify_probability": 1.0,
            "ratification_days": RATIFICATION_DAYS,
            "liability_probability": 1.0,
            "liability_years": 1.0,
            "causes": {"lax_discipline": {"rate_per_year": 0.0, "level": "expulsion"}},
        }
    )
    pop = simulation.world.pop
    members = full_members(simulation)
    recruits, recommenders = members[:5], members[5:15].reshape(5, 2)
    pop.applied[recruits] = applied
    for column, days_ago in admitted_days_ago.items():
        getattr(pop, column)[recruits] = 52 - days_ago
    pop.recommender1[recruits], pop.recommender2[recruits] = recommenders[:, 0], recommenders[:, 1]
    judged(simulation, recruits, 32 + RATIFICATION_DAYS)
    assert (pop.status[recruits] == Status.EXPELLED).all()
    liable = pop.referral_cause == simulation.world.mechanisms["discipline"].causes.index("recommender_liability")
    return liable[recommenders.ravel()], liable


def test_both_recommenders_of_a_recruit_who_applied_on_day_one_and_is_expelled_within_the_window_answer():
    """BPO: the letter "bears responsibility" for the recommendation "before the party"; discipline.liability_years:
    a member expelled within this many years of admission brings liability on the recommenders."""
    answered, liable = _recruits_expelled({"candidate_since": 100, "joined": 100})
    assert answered.all() and liable.sum() == len(answered)


def test_recommenders_of_a_recruit_expelled_after_the_window_do_not_answer():
    """discipline.liability_years (one year here): expelled later than that after admission, no liability."""
    answered, liable = _recruits_expelled({"candidate_since": 450, "joined": 420})
    assert not liable.any() and not answered.any()


def test_a_full_member_expelled_within_the_window_of_full_admission_brings_liability():
    """sim/reference/discipline.py (expel): a full member's admission is the day they joined as a full member."""
    answered, _ = _recruits_expelled({"candidate_since": 500, "joined": 100})
    assert answered.all()


def test_each_proposed_expulsion_waits_its_own_ratification_delay_and_is_logged_with_its_cause():
    """Discipline step 3: the county/city committee ratifies each expulsion within
    ``ratification_days`` of the meeting — each case on its own day in that window (assumption)."""
    discipline_section = {
        "conviction_probability": 1.0,
        "expulsion_ratify_probability": 1.0,
        "ratification_days": RATIFICATION_DAYS,
        "causes": {"lax_discipline": {"rate_per_year": 0.0, "level": "expulsion"}},
    }
    simulation = Simulation(small_scenario(discipline=discipline_section), seed=1, events=True)
    world = simulation.world
    members = full_members(simulation)[:200]
    judged(simulation, members, 32 + RATIFICATION_DAYS)
    ev = world.events.frame(world.calendar.start64)
    proposed = ev[ev.kind == "expulsion_proposed"].set_index("member")
    ratified = ev[(ev.kind == "punishment") & (ev.level == "expulsion")].set_index("member")
    assert set(proposed.index) == set(ratified.index) == set(members)
    assert set(proposed.cause) == {"lax_discipline"}
    delay = ratified.day - proposed.day.reindex(ratified.index)
    assert delay.min() >= 1 and delay.max() <= RATIFICATION_DAYS and delay.nunique() > RATIFICATION_DAYS // 2
