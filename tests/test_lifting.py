"""A standing punishment is lifted at the first cell meeting after its good-conduct period.

Source: the discipline docstring (``sim.mechanisms.discipline``, step 4) after
"Basic Party Organizations": the cell is the body that evaluates members, so a
punishment ends where it was given, at a meeting of the member's cell, once
the period of good conduct for its level (``discipline.lift_after_days``) is
over — not on the day the period ends.
"""

from __future__ import annotations

import pytest

from sim.model import ladder
from sim.model.population import Status
from tests.small_world import founded, full_members, next_meeting_on_or_after

#: Short periods so a test walks through a few months of meetings, none a multiple of 28 days.
PERIODS = {"warning": 40, "severe_warning": 75, "removal_from_post": 50, "probation": 100}


def punished_world(level: str):
    """A world whose lax-discipline cases are always convicted at ``level``, lifted after short periods."""
    discipline = {
        "conviction_probability": 1.0,
        "lift_after_days": PERIODS,
        "causes": {"lax_discipline": {"rate_per_year": 0.0, "level": level}},
        "ratified_from": "expulsion",  # decided at the meeting: the lifting is the rule under test
    }
    return founded(discipline=discipline)


def convict(simulation, member: int, day: int) -> int:
    """Refer ``member`` on ``day``; return the day of the cell meeting that convicts them."""
    world = simulation.world
    discipline = world.mechanisms["discipline"]
    meeting_day = int(world.orgs.meeting_day[world.pop.cell[member]])
    meeting = next_meeting_on_or_after(simulation, day + 1, meeting_day)
    discipline.refer([member], "lax_discipline", day)
    discipline.decide(meeting)
    return meeting


@pytest.mark.parametrize("level", list(PERIODS))
def test_punishment_is_lifted_at_the_first_cell_meeting_after_its_good_conduct_period(level):
    simulation = punished_world(level)
    world, discipline = simulation.world, simulation.world.mechanisms["discipline"]
    pop = world.pop
    member = int(full_members(simulation)[0])
    meeting_day = int(world.orgs.meeting_day[pop.cell[member]])
    convicted = convict(simulation, member, day=3)
    assert pop.punish_level[member] == ladder.code(level)
    period_end = convicted + PERIODS[level]
    lifting = next_meeting_on_or_after(simulation, period_end, meeting_day)
    assert lifting > period_end, "the periods are chosen so the period does not end on a meeting day"
    for day in range(convicted + 1, lifting):
        discipline.decide(day)
        assert pop.punish_level[member] == ladder.code(level), f"lifted early, on day {day} (due {lifting})"
    discipline.decide(lifting)
    assert pop.punish_level[member] == 0
    assert pop.status[member] == Status.FULL


def test_a_punishment_whose_period_ends_on_a_meeting_day_is_lifted_at_that_meeting():
    probe = punished_world("warning")
    member = int(full_members(probe)[0])
    meeting_day = int(probe.world.orgs.meeting_day[probe.world.pop.cell[member]])
    convicted = convict(probe, member, day=3)
    period = next_meeting_on_or_after(probe, convicted + 60, meeting_day) - convicted
    # The same world (same seed), with a warning period that ends exactly on a meeting of the cell.
    simulation = founded(
        discipline={
            "conviction_probability": 1.0,
            "lift_after_days": {**PERIODS, "warning": period},
            "causes": {"lax_discipline": {"rate_per_year": 0.0, "level": "warning"}},
        }
    )
    assert convict(simulation, member, day=3) == convicted
    assert simulation.world.pop.lift_due[member] == convicted + period


def test_probation_is_served_as_a_demoted_member_and_lifting_restores_full_membership():
    simulation = punished_world("probation")
    world, discipline = simulation.world, simulation.world.mechanisms["discipline"]
    pop = world.pop
    member = int(full_members(simulation)[0])
    convict(simulation, member, day=3)
    assert pop.status[member] == Status.DEMOTED
    discipline.decide(int(pop.lift_due[member]))
    assert pop.status[member] == Status.FULL


def test_a_referral_made_on_the_cells_meeting_day_waits_for_the_next_meeting():
    simulation = punished_world("warning")
    world = simulation.world
    pop = world.pop
    member = int(full_members(simulation)[0])
    meeting_day = int(world.orgs.meeting_day[pop.cell[member]])
    today = next_meeting_on_or_after(simulation, 1, meeting_day)
    world.mechanisms["discipline"].refer([member], "lax_discipline", today)
    assert pop.referral_due[member] == next_meeting_on_or_after(simulation, today + 1, meeting_day)
    assert pop.referral_due[member] > today


def test_repeat_offence_at_the_lifting_meeting_escalates_from_the_standing_punishment():
    """Order of steps at a meeting: cases are judged before punishments are lifted."""
    simulation = punished_world("warning")
    world, discipline = simulation.world, simulation.world.mechanisms["discipline"]
    pop = world.pop
    member = int(full_members(simulation)[0])
    convict(simulation, member, day=3)
    lifting = int(pop.lift_due[member])
    discipline.refer([member], "lax_discipline", lifting - 1)
    assert pop.referral_due[member] == lifting  # the referral is decided at the lifting meeting
    discipline.decide(lifting)
    assert pop.punish_level[member] == ladder.code("severe_warning")


def test_a_punishment_replaced_before_its_lifting_is_not_lifted_at_the_old_date():
    """Which members a lifting applies to: only those whose current punishment is due that day."""
    simulation = punished_world("warning")
    world, discipline = simulation.world, simulation.world.mechanisms["discipline"]
    pop = world.pop
    member = int(full_members(simulation)[0])
    convict(simulation, member, day=3)
    first_lifting = int(pop.lift_due[member])
    # A second offence, judged before the first lifting, replaces the warning by a severe warning.
    second = convict(simulation, member, day=first_lifting - 40)
    assert second < first_lifting and pop.punish_level[member] == ladder.code("severe_warning")
    for day in range(second + 1, first_lifting + 1):
        discipline.decide(day)
    assert pop.punish_level[member] == ladder.code("severe_warning")
