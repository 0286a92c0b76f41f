"""The organization table's kind lookups: every way of asking for kinds gives what the lookup table gives;
the living organizations of some kinds are those the ids list; the direct cells are the living cells right
under a county/city committee."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from sim.model.organizations import Kind, Organizations, is_kind, of_kind


def test_is_kind_agrees_with_the_lookup_table_for_every_set_of_kinds():
    """``is_kind`` compares codes when the kinds are one range (cells and teams, the basic organizations)
    and looks them up otherwise: both must give ``of_kind(*kinds)[codes]``."""
    codes = np.random.default_rng(5).integers(0, len(Kind), 1000).astype(np.int8)
    for size in range(1, len(Kind) + 1):
        for kinds in combinations(list(Kind), size):
            np.testing.assert_array_equal(is_kind(codes, *kinds), of_kind(*kinds)[codes])


def test_direct_cells_are_the_living_cells_right_under_a_county_committee_and_follow_the_hierarchy():
    orgs = Organizations(16)
    county, primary = orgs.append(2, kind=np.array([Kind.COUNTY, Kind.PRIMARY]), parent=np.array([-1, 0]))
    cells = orgs.append(4, kind=Kind.CELL, parent=np.array([county, county, primary, county]))
    orgs.append(1, kind=Kind.TEAM, parent=county)
    assert np.flatnonzero(orgs.direct_cells()).tolist() == [cells[0], cells[1], cells[3]]
    orgs.dissolve(cells[:1])
    orgs.reparent(cells[1:2], np.array([primary]))
    orgs.reparent(cells[2:3], np.array([county]))
    assert np.flatnonzero(orgs.direct_cells()).tolist() == [cells[2], cells[3]]


def test_the_living_organizations_of_some_kinds_are_those_listed_and_follow_the_hierarchy():
    """``living(*kinds)`` is the mask of ``ids_of(*kinds)``: living organizations of those kinds, kept up to
    date through appends (of those kinds or others, none, past the capacity), dissolutions (of those kinds or
    others) and re-attachments."""
    orgs = Organizations(16)
    county, primary = orgs.append(2, kind=np.array([Kind.COUNTY, Kind.PRIMARY]), parent=np.array([-1, 0]))
    orgs.append(4, kind=Kind.CELL, parent=np.array([county, county, primary, county]))
    orgs.append(1, kind=Kind.TEAM, parent=county)

    def check() -> None:
        for kinds in ((Kind.CELL,), (Kind.CELL, Kind.TEAM), (Kind.PRIMARY, Kind.BRANCH, Kind.SUBPRIMARY)):
            expected = is_kind(orgs.kind[: orgs.n], *kinds) & orgs.alive[: orgs.n]
            np.testing.assert_array_equal(orgs.living(*kinds), expected)
            assert orgs.ids_of(*kinds).tolist() == np.flatnonzero(expected).tolist()

    check()
    orgs.dissolve(np.array([primary, 3]))
    check()
    orgs.append(2, kind=np.array([Kind.BRANCH, Kind.CELL]), parent=np.array([county, county]))
    check()
    orgs.reparent(np.array([3]), np.array([primary]))
    orgs.dissolve(np.array([8]))  # the branch: the cells' masks and ids stay
    check()
    orgs.append(0)
    orgs.append(12, kind=Kind.CELL, parent=county)  # past the capacity
    check()
    orgs.dissolve(np.array([9, 12, 12]))
    check()
