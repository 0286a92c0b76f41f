"""Party Life Critique's count of the members in session: cohort totals kept from the cells that changed.

Critique draws attendance and findings on the number of active members of
the cohorts in session (source: "Basic Party Organizations", every member is
evaluated in Party Life Critique). That number is kept per cohort instead of
being summed over the cells in session each day; it must equal that sum on
every day, through admissions, exits, moves between cells and the
re-organizations that add and dissolve cells.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import critique as critique_module
from sim.mechanisms.critique import Critique
from sim.model import population as population_module
from sim.model.population import Population, Status
from tests.small_world import founded


def gathered(critique: Critique, cohorts_in_session: tuple[int, int]) -> int:
    """The members of the cohorts in session summed over their cells (the count's definition)."""
    sizes = critique.world.pop.org_size
    return sum(int(sizes[critique.cohorts.ids(key)].sum()) for key in cohorts_in_session)


#: Many admissions and transfers out, re-organized monthly: cells split, merge and dissolve.
CHURN = {
    "population": {"members": 3000},
    "membership": {"applications_per_member_year": 0.4},
    "attrition": {"transfer_out_rate": 0.1},
    "organization": {"reorganize_every": "1m"},
}
#: Soldiers discharged to civilian cells: members move between cells with no cell added or dissolved.
DISCHARGES = {
    "population": {"members": 4000, "age_excess_mean_years": 4, "age_distribution": "uniform"},
    "organization": {
        "types": {"service": {"share": 1}, "field_labour": {"share": 1}, "state_economic": {"share": 0}},
        "residential_type": "field_labour",
        "military_service": {"enabled": True, "service_years": 9, "career_share": 0, "discharge_to": ["field_labour"]},
    },
}


@pytest.mark.parametrize(("world", "seed"), [(CHURN, 1), (CHURN, 2), (DISCHARGES, 1)])
@pytest.mark.parametrize("few_cells", [critique_module.FEW_CELLS, 0])  # the changed cells counted one by one or not
def test_members_in_session_equal_the_sum_over_the_cells_in_session_on_every_day(world, seed, few_cells, monkeypatch):
    monkeypatch.setattr(critique_module, "FEW_CELLS", few_cells)
    simulation = founded(seed=seed, duration="3y", **world)
    critique = simulation.world.mechanisms["critique"]
    assert isinstance(critique, Critique)
    kept = critique.members_in
    days = []

    def checked(cohorts_in_session: tuple[int, int]) -> int:
        members = kept(cohorts_in_session)
        assert members == gathered(critique, cohorts_in_session), f"day {len(days)}"
        days.append(members)
        return members

    monkeypatch.setattr(critique, "members_in", checked)
    ts = simulation.run().timeseries
    assert len(days) == simulation.world.calendar.horizon and min(days) > 0
    # The run went through what changes the cells' sizes and the cohorts' cells.
    assert ts["admitted"].sum() > 0 and ts["exits"].sum() > 0
    if world is CHURN:
        assert critique.cohorts.regroupings > 10
        for flow in ("cells_split", "cells_merged", "members_reassigned", "orgs_dissolved"):
            assert ts[flow].sum() > 0, flow
    else:
        assert ts["discharged_to_civilian_cells"].sum() > 0


def test_the_member_table_logs_each_size_change_once_asked_and_forgets_what_it_handed_over():
    pop = Population(capacity=16, n_orgs=4)
    members = pop.add(6, Status.FULL, cell=np.array([0, 1, 1, 2, 3, 3]))  # before anyone asked: not logged
    pop.log_size_changes()
    new = pop.add(2, Status.APPLICANT, cell=2)  # not active: no size changes
    pop.transition(new, Status.CANDIDATE)
    pop.transition(members[[0, 1]], Status.EXITED)
    pop.move(members[[2, 3]], np.array([0, 0]))
    gained, lost = pop.take_size_changes()
    assert sorted(gained.tolist()) == [0, 0, 2, 2] and sorted(lost.tolist()) == [0, 1, 1, 2]
    assert [len(cells) for cells in pop.take_size_changes()] == [0, 0]
    pop.check_consistency()


@pytest.mark.parametrize(("world", "seed"), [(CHURN, 1), (DISCHARGES, 1)])
@pytest.mark.parametrize("few_members", [population_module.FEW_MEMBERS, 0])  # a few members counted in Python or not
def test_every_active_member_is_keyed_with_the_cohort_of_their_cell_on_every_day(world, seed, few_members, monkeypatch):
    """Critique draws its members in session from ``pop.unit_key``: the population keeps it through admissions,
    exits, moves and the re-organizations that add and dissolve cells."""
    monkeypatch.setattr(population_module, "FEW_MEMBERS", few_members)
    simulation = founded(seed=seed, duration="3y", **world)
    critique, pop = simulation.world.mechanisms["critique"], simulation.world.pop
    assert isinstance(critique, Critique)
    kept = critique.members_in
    days = []

    def checked(cohorts_in_session: tuple[int, int]) -> int:
        keys = critique.cohorts.keys().take(pop.cell[: pop.n])
        assert (pop.unit_key[: pop.n] == np.where(pop.active_mask(), keys, -1)).all(), f"day {len(days)}"
        days.append(cohorts_in_session)
        return kept(cohorts_in_session)

    monkeypatch.setattr(critique, "members_in", checked)
    ts = simulation.run().timeseries
    assert len(days) == simulation.world.calendar.horizon
    assert ts["admitted"].sum() > 0 and ts["exits"].sum() > 0


def test_the_member_table_keys_its_active_members_once_asked():
    pop = Population(capacity=16, n_orgs=4)
    keys = np.array([5, 6, 7, 8], dtype=np.int8)  # the key of each cell
    members = pop.add(4, Status.FULL, cell=np.array([0, 1, 2, 3]))
    applicants = pop.add(2, Status.APPLICANT, cell=np.array([1, 2]))
    assert (pop.unit_key[: pop.n] == -1).all()  # none kept before asked
    pop.key_active_members(lambda: keys)
    assert pop.unit_key[: pop.n].tolist() == [5, 6, 7, 8, -1, -1]
    pop.transition(applicants[:1], Status.CANDIDATE)
    pop.transition(members[[0, 1]], Status.EXITED)
    pop.move(members[[2, 3]], np.array([0, 0]))
    assert pop.unit_key[: pop.n].tolist() == [-1, -1, 5, 5, 6, -1]
    more = pop.add(12, Status.CANDIDATE, cell=np.array([3, 3, 2] * 4))  # grows the table past its capacity
    assert pop.unit_key[more].tolist() == [8, 8, 7] * 4 and pop.capacity > 16
