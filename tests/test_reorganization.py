"""Re-organization keeps cells within 5-30 members (source: basic party organizations).

"The party cell consists of between five (5) and 30 party members and
candidate party members"; a residential unit with fewer than five "may attach
itself to a party cell of another residential unit, or two residential units
... can form one party cell"; "the primary party organization consists of more
than 31"; a cell under a county committee "has more than 20 members" elects a
cell committee. Worlds are built small and pushed across each threshold by
hand, then one re-organization tick runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms.reorganization import Reorganization
from sim.model.aggregates import members_below
from sim.model.organizations import MEETING_DAYS, Kind, Organizations
from sim.model.population import ACTIVE, Status
from sim.run.engine import Simulation
from tests.conftest import simulate, small_scenario

ODD = {"organization": {"small_units": "[3, 4, 2]", "abroad_teams": "[3]", "extra_cells": "[21]"}}


def _world(**sections):
    simulation = Simulation(small_scenario(**sections))
    mechanism = next(m for m in simulation.mechanisms if isinstance(m, Reorganization))
    return simulation.world, mechanism


def _active(world, unit):
    pop = world.pop
    return np.flatnonzero((pop.cell[: pop.n] == unit) & ACTIVE[pop.status[: pop.n]])


def _resize(world, mechanism, cell, size):
    """Bring ``cell`` to ``size`` active members: members leave (exits) or join from its sibling cells."""
    pop, orgs = world.pop, world.orgs
    members = _active(world, cell)
    if len(members) > size:
        pop.transition(members[: len(members) - size], Status.EXITED)
        return
    siblings = orgs.ids_of(Kind.CELL)
    siblings = siblings[(orgs.parent[siblings] == orgs.parent[cell]) & (siblings != cell)]
    donors = np.flatnonzero(np.isin(pop.cell[: pop.n], siblings) & ACTIVE[pop.status[: pop.n]])
    movers = donors[: size - len(members)]
    pop.move(movers, np.full(len(movers), cell))
    mechanism.elections.index.moved(movers)


def _assert_well_formed(world, cfg):
    pop, orgs = world.pop, world.orgs
    pop.check_consistency()
    open_members = np.flatnonzero(np.isin(pop.status[: pop.n], [Status.APPLICANT, Status.CANDIDATE, Status.FULL]))
    units = pop.cell[open_members]
    assert orgs.alive[units].all() and np.isin(orgs.kind[units], [Kind.CELL, Kind.TEAM]).all()
    cells = orgs.ids_of(Kind.CELL)
    assert pop.org_size[cells].min() >= cfg.cell_min and pop.org_size[cells].max() <= cfg.cell_max
    teams = orgs.ids_of(Kind.TEAM)
    assert orgs.abroad[teams].all()
    recount = np.bincount(orgs.kind[: orgs.n][orgs.alive[: orgs.n]], minlength=len(Kind))
    assert np.array_equal(recount, orgs.kind_counts)
    totals = members_below(orgs, pop.org_size)
    basic = orgs.ids_of(Kind.PRIMARY, Kind.BRANCH, Kind.SUBPRIMARY)
    assert (totals[basic] > cfg.primary_above).all()
    assert orgs.alive[orgs.parent[orgs.ids_of(Kind.CELL, Kind.TEAM, Kind.PRIMARY, Kind.BRANCH, Kind.SUBPRIMARY)]].all()


def test_small_units_merge_or_attach_and_teams_abroad_stay():
    world, mechanism = _world(**ODD)
    cfg = world.scenario.organization
    orgs, pop = world.orgs, world.pop
    small = orgs.ids_of(Kind.CELL)[pop.org_size[orgs.ids_of(Kind.CELL)] < cfg.cell_min]
    assert sorted(pop.org_size[small].tolist()) == [2, 3, 4]
    members = np.flatnonzero(np.isin(pop.cell[: pop.n], small))
    team = orgs.ids_of(Kind.TEAM)
    assert pop.org_size[team].tolist() == [3]
    mechanism.reorganize(day=1)
    _assert_well_formed(world, cfg)
    assert (~orgs.alive[small]).sum() >= 2  # 2+3+4 = 9: one cell absorbs the other two
    assert orgs.alive[pop.cell[members]].all()
    assert len(np.unique(pop.cell[members])) == 1
    assert orgs.alive[team].all() and pop.org_size[team].tolist() == [3]  # exempt


@pytest.mark.parametrize("size, dissolved", [(4, True), (5, False)])
def test_a_unit_of_four_is_reorganized_and_a_cell_of_five_is_not(size, dissolved):
    world, mechanism = _world()
    cell = world.orgs.ids_of(Kind.CELL)[3]
    _resize(world, mechanism, cell, size)
    mechanism.check_thresholds(day=1)
    _assert_well_formed(world, world.scenario.organization)
    assert world.orgs.alive[cell] != dissolved


@pytest.mark.parametrize("size, split", [(30, False), (31, True), (75, True)])
def test_a_cell_of_thirty_one_splits_and_thirty_does_not(size, split):
    world, mechanism = _world(population={"members": 2000})
    cell = world.orgs.ids_of(Kind.CELL)[5]
    _resize(world, mechanism, cell, size)
    members = _active(world, cell)
    n_orgs = world.orgs.n
    mechanism.check_thresholds(day=1)
    _assert_well_formed(world, world.scenario.organization)
    new_cells = np.setdiff1d(np.unique(world.pop.cell[members]), [cell])
    assert (len(new_cells) > 0) == split
    if split:
        assert world.orgs.n > n_orgs
        sizes = world.pop.org_size[np.r_[cell, new_cells]]
        assert sizes.sum() == len(members) and sizes.max() - sizes.min() <= 1  # near-equal parts (15 + 16)
        assert len(sizes) == -(-len(members) // 30)
        assert (world.orgs.parent[new_cells] == world.orgs.parent[cell]).all()


@pytest.mark.parametrize("size, committee", [(20, False), (21, True)])
def test_a_direct_cell_of_more_than_twenty_has_a_cell_committee(size, committee):
    world, mechanism = _world(organization={"direct_cell_share": 0.6})
    orgs = world.orgs
    cells = orgs.ids_of(Kind.CELL)
    cell = cells[orgs.kind[orgs.parent[cells]] == Kind.COUNTY][0]
    _resize(world, mechanism, cell, size)
    mechanism.check_thresholds(day=1)
    assert orgs.committee[cell] == committee


def test_the_committee_stocks_follow_the_threshold_checks():
    """``stocks`` keeps its committee counts between re-organizations: a threshold check that sets or
    clears a cell committee (or changes nothing) must show in the next row's counts."""
    world, mechanism = _world(organization={"direct_cell_share": 0.6})
    orgs, pop = world.orgs, world.pop
    cells = orgs.ids_of(Kind.CELL)
    cell = cells[orgs.kind[orgs.parent[cells]] == Kind.COUNTY][0]

    def counted() -> dict[str, int]:
        living = cells[orgs.alive[cells]]
        return {
            "cell_committees": int(orgs.committee[living].sum()),
            "executive_committees": int(orgs.executive[: orgs.n].sum()),
            "units_below_minimum": int((pop.org_size[living] < mechanism.cfg.cell_min).sum()),
        }

    for day, size in enumerate([21, 20, 21], start=1):
        assert mechanism.stocks() == counted()
        _resize(world, mechanism, cell, size)
        mechanism.check_thresholds(day=day)
        assert orgs.committee[cell] == (size > 20)
        assert mechanism.stocks() == counted()


@pytest.mark.parametrize("size, kept", [(31, False), (32, True)])
def test_a_primary_organization_needs_more_than_thirty_one_members(size, kept):
    world, mechanism = _world()
    orgs, pop = world.orgs, world.pop
    primary = orgs.ids_of(Kind.PRIMARY)[0]
    cells = orgs.ids_of(Kind.CELL)
    cells = cells[orgs.parent[cells] == primary]
    excess = int(pop.org_size[cells].sum()) - size
    assert excess > 0
    # Members leave from the largest cells first, keeping every cell at 5 or more.
    room = pop.org_size[cells] - world.scenario.organization.cell_min
    leave = np.minimum(room, np.maximum(excess - (np.cumsum(room) - room), 0))
    for cell, k in zip(cells.tolist(), leave.tolist()):
        pop.transition(_active(world, cell)[:k], Status.EXITED)
    mechanism.reorganize(day=1)
    _assert_well_formed(world, world.scenario.organization)
    assert orgs.alive[primary] == kept
    parent = orgs.parent[cells[orgs.alive[cells]]]
    assert (parent == primary).all() if kept else (orgs.kind[parent] == Kind.COUNTY).all()


def test_a_group_of_direct_cells_growing_past_thirty_one_forms_a_primary_organization():
    world, mechanism = _world()
    orgs, _pop = world.orgs, world.pop
    cells = orgs.ids_of(Kind.CELL)
    direct = cells[(orgs.kind[orgs.parent[cells]] == Kind.COUNTY) & orgs.workplace[cells]]
    if len(direct) == 0:  # a workplace cell of its own: a dissolved primary's
        direct = cells[orgs.kind[orgs.parent[cells]] == Kind.COUNTY][:1]
        orgs.workplace[direct] = True
    cell = direct[0]
    _resize(world, mechanism, cell, 30)
    mechanism.check_thresholds(day=1)  # nothing to do yet: a cell of 30 under the county
    assert orgs.kind[orgs.parent[cell]] == Kind.COUNTY
    _resize(world, mechanism, cell, 32)
    mechanism.check_thresholds(day=2)  # the threshold check splits it into 16 + 16 ...
    assert orgs.kind[orgs.parent[cell]] == Kind.COUNTY
    mechanism.reorganize(day=3)  # ... and the regular tick sees a workplace of more than 31
    assert orgs.kind[orgs.parent[cell]] == Kind.PRIMARY
    _assert_well_formed(world, world.scenario.organization)


def test_a_long_run_keeps_every_unit_within_bounds_and_members_in_one_unit():
    scenario = small_scenario(
        duration="3y",
        **ODD,
        membership={"applications_per_member_year": 0.6, "qualify_probability": 0.95},
        attrition={"death_rate": 0.05, "transfer_out_rate": 0.05},
    )
    simulation, result = simulate(scenario, events=True)
    ts = result.timeseries
    assert ts["cells_split"].sum() > 0 and ts["cells_merged"].sum() + ts["units_attached"].sum() > 0
    assert ts["orgs_formed"].sum() > 0
    mechanism = simulation.mechanisms[0]
    mechanism.reorganize(day=simulation.world.calendar.horizon)
    _assert_well_formed(simulation.world, scenario.organization)
    split_events = result.events[result.events.kind == "cell_split"]
    assert len(split_events) >= ts["cells_split"].sum()  # one event per new cell


def test_disabled_reorganization_leaves_the_day_zero_structure():
    scenario = small_scenario(organization={"reorganize": False}, membership={"applications_per_member_year": 0.3})
    _, result = simulate(scenario, events=False)
    ts = result.timeseries
    assert ts[["reorganizations", "cells_split", "members_reassigned"]].to_numpy().sum() == 0
    assert ts["cells"].nunique() == 1


def test_cells_split_off_get_meeting_days_spread_over_the_whole_month():
    """Re-organization (module docstring): "the new cells get a meeting day of their own" — any of the month's
    meeting days (``MEETING_DAYS``), drawn uniformly (assumption)."""
    world, mechanism = _world()
    cells = world.orgs.ids_of(Kind.CELL)
    world.pop.org_size[cells] = 10 * mechanism.cfg.cell_max  # ten parts each: only the new cells' days are read
    new = mechanism._split_large_cells(0, cells)[len(cells) :]
    days = world.orgs.meeting_day[new]
    assert len(new) == 9 * len(cells) > 200
    assert set(days.tolist()) == set(range(1, MEETING_DAYS + 1))


def test_small_cells_of_one_parent_merge_in_order_while_the_running_count_stays_under_twice_the_minimum():
    """Re-organization (module docstring): small cells under the same parent "are taken in order and grouped while
    their running member count stays under 2 * cell_min"; a group merges into its first unit (source: two
    residential units with fewer than five "can form one party cell")."""
    world, mechanism = _world(organization={"small_units": "[4, 4, 2, 4, 4, 3]"})
    orgs, pop = world.orgs, world.pop
    cells = orgs.ids_of(Kind.CELL)
    small = cells[pop.org_size[cells] < mechanism.cfg.cell_min]
    assert pop.org_size[small].tolist() == [4, 4, 2, 4, 4, 3] and len(set(orgs.parent[small])) == 1
    members = [_active(world, cell) for cell in small]
    mechanism._merge_small_units(1, cells)
    # Running counts 0, 4, 8 | 10, 14, 18: two groups of 10 and 11 members.
    assert all((pop.cell[m] == small[0]).all() for m in members[:3])
    assert all((pop.cell[m] == small[3]).all() for m in members[3:])
    assert pop.org_size[small[[0, 3]]].tolist() == [10, 11]


def test_what_is_derived_from_the_hierarchy_is_derived_again_once_it_changes():
    """Cached answers (``ids_of``, ``of_hierarchy``) follow every append, dissolve and reparent."""
    orgs = Organizations(16)
    orgs.append(1, kind=Kind.COUNTY)
    cells = orgs.append(3, kind=Kind.CELL, parent=0)

    def parents() -> np.ndarray:
        return orgs.column("parent").copy()

    assert orgs.of_hierarchy("parents", parents).tolist() == [-1, 0, 0, 0]
    primary = orgs.append(1, kind=Kind.PRIMARY, parent=0)
    orgs.reparent(cells[:2], primary[[0, 0]])
    assert orgs.of_hierarchy("parents", parents).tolist() == [-1, 4, 4, 0, 0]
    assert orgs.ids_of(Kind.CELL).tolist() == cells.tolist()
    orgs.dissolve(cells[:1])
    assert orgs.ids_of(Kind.CELL).tolist() == cells[1:].tolist()
    assert not orgs.ids_of(Kind.CELL).flags.writeable
