"""The organization table: central committee down to cells, as arrays with parent ids.

Source: "Basic Party Organizations" (NK Leadership Watch). Party cells of 5 to
30 members are "the starting point of party life"; primary party
organizations have more than 31 members and hold cells; cells may also stand
directly under a county/city committee. Above them are the county/city
committees, the provincial committees and the Central Committee (in the army:
units, corps and the General Political Bureau).

Like members, organizations are rows of numpy columns: the hierarchy is a
``parent`` column, per-organization aggregates come from ``np.bincount`` over
the member table, and a cell's meeting day-of-month is its cohort so that
meetings are cohort-level events (DESIGN.md).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.sections import OrganizationSection
from sim.table import ColumnTable


class Kind(IntEnum):
    CENTRAL = 0  # Central Committee, or the army's General Political Bureau
    PROVINCE = 1  # provincial committee (corps in the army)
    COUNTY = 2  # county/city committee (unit party committee in the army)
    PRIMARY = 3  # primary party organization (> 31 members)
    BRANCH = 4  # branch party organization at a workplace section
    SUBPRIMARY = 5  # sub-primary organization where the other formulas do not fit
    CELL = 6  # party cell, 5-30 members
    TEAM = 7  # party team: a temporary unit abroad or relocated, < 5 members


#: Kinds that hold members directly.
MEMBER_UNITS = (Kind.CELL, Kind.TEAM)

#: Day-of-month range for monthly meetings: 1..28 exists in every month.
MEETING_DAYS = 28


class Organizations(ColumnTable):
    """Struct-of-arrays organization table."""

    COLUMNS = {
        "kind": (np.int8, Kind.CELL),
        "parent": (np.int32, -1),
        "county": (np.int32, -1),  # county/city committee above (itself for a county)
        "province": (np.int32, -1),
        "meeting_day": (np.int8, 1),  # day of month of the monthly meeting (cohort)
        "alive": (np.bool_, True),  # False once merged away or dissolved
        "abroad": (np.bool_, False),  # a unit abroad or relocated (party teams)
        "committee": (np.bool_, False),  # has an elected committee (cell committee, org committee)
        "executive": (np.bool_, False),  # has an executive committee (large primary/sub-primary)
    }

    kind: np.ndarray
    parent: np.ndarray
    county: np.ndarray
    province: np.ndarray
    meeting_day: np.ndarray
    alive: np.ndarray
    abroad: np.ndarray
    committee: np.ndarray
    executive: np.ndarray

    def __init__(self, capacity: int):
        super().__init__(capacity)
        #: Living organizations of each kind, kept up to date by append/dissolve.
        self.kind_counts = np.zeros(len(Kind), dtype=np.int64)

    def append(self, count: int, **columns) -> np.ndarray:
        ids = super().append(count, **columns)
        self.kind_counts += np.bincount(self.kind[ids], minlength=len(Kind))
        return ids

    def dissolve(self, ids: np.ndarray) -> None:
        """Mark organizations as merged away or dissolved."""
        ids = ids[self.alive[ids]]
        self.alive[ids] = False
        self.kind_counts -= np.bincount(self.kind[ids], minlength=len(Kind))

    def ids_of(self, *kinds: Kind) -> np.ndarray:
        """Ids of living organizations of the given kinds."""
        kind = self.column("kind")
        return np.flatnonzero(np.isin(kind, kinds) & self.column("alive"))

    def count(self, kind: Kind) -> int:
        return int(self.kind_counts[kind])


def _cell_sizes(n_members: int, cfg: OrganizationSection, rng: np.random.Generator) -> np.ndarray:
    """Cell sizes in [cell_min, cell_max] with mean ~cell_size_mean summing to n_members."""
    excess = max(cfg.cell_size_mean - cfg.cell_min, 0.0)
    estimate = int(np.ceil(n_members / cfg.cell_size_mean * 1.2)) + 2
    sizes = np.clip(cfg.cell_min + rng.poisson(excess, estimate), cfg.cell_min, cfg.cell_max)
    while sizes.sum() < n_members:  # rare: top up with a second batch
        sizes = np.concatenate([sizes, np.clip(cfg.cell_min + rng.poisson(excess, estimate), cfg.cell_min, cfg.cell_max)])
    total = np.cumsum(sizes)
    n_cells = int(np.searchsorted(total, n_members)) + 1
    sizes = sizes[:n_cells].copy()
    sizes[-1] = n_members - (total[n_cells - 2] if n_cells > 1 else 0)
    if sizes[-1] < cfg.cell_min and n_cells > 1:
        # Fold the short remainder into the previous cell, or split the pair evenly.
        pair = sizes[-2] + sizes[-1]
        if pair <= cfg.cell_max:
            sizes = sizes[:-1]
            sizes[-1] = pair
        else:
            sizes[-2], sizes[-1] = pair - pair // 2, pair // 2
    return sizes.astype(np.int64)


def build(n_members: int, cfg: OrganizationSection, rng: np.random.Generator) -> tuple[Organizations, np.ndarray]:
    """Build the day-0 hierarchy; returns the table and each member's cell id.

    Cells are grouped into primary organizations (a share stands directly under
    the county/city committee); primaries and direct cells are spread evenly
    over the county/city committees, which are spread over the provinces.
    """
    sizes = _cell_sizes(n_members, cfg, rng)
    n_cells = len(sizes)
    # Group consecutive non-direct cells into primary organizations.
    direct = rng.random(n_cells) < cfg.direct_cell_share
    grouped = np.flatnonzero(~direct)
    group_lengths = 1 + rng.poisson(max(cfg.cells_per_primary_mean - 1, 0), len(grouped) + 1)
    starts = np.cumsum(group_lengths) - group_lengths
    starts = starts[starts < len(grouped)]
    primary_of_grouped = np.searchsorted(starts, np.arange(len(grouped)), side="right") - 1
    n_primaries = len(starts)
    # A "unit" is a primary org or a direct cell; units are dealt to counties in order.
    unit_of_cell = np.empty(n_cells, dtype=np.int64)
    unit_of_cell[grouped] = primary_of_grouped
    unit_of_cell[direct] = n_primaries + np.arange(int(direct.sum()))
    order = np.argsort(unit_of_cell, kind="stable")
    n_units = n_primaries + int(direct.sum())
    n_counties = cfg.provinces * cfg.counties_per_province
    county_of_unit = (np.arange(n_units) * n_counties) // max(n_units, 1)

    orgs = Organizations(1 + cfg.provinces + n_counties + n_primaries + n_cells)
    orgs.append(1, kind=Kind.CENTRAL)
    provinces = orgs.append(cfg.provinces, kind=Kind.PROVINCE, parent=0)
    orgs.province[provinces] = provinces
    county_index = np.arange(n_counties)
    counties = orgs.append(
        n_counties, kind=Kind.COUNTY, parent=provinces[county_index // cfg.counties_per_province]
    )
    orgs.county[counties] = counties
    orgs.province[counties] = orgs.parent[counties]
    primary_county = counties[county_of_unit[:n_primaries]]
    primaries = orgs.append(
        n_primaries, kind=Kind.PRIMARY, parent=primary_county, county=primary_county,
        province=orgs.province[primary_county],
    )
    cell_county = counties[county_of_unit[unit_of_cell]]
    cell_parent = np.where(direct, cell_county, primaries[np.minimum(unit_of_cell, max(n_primaries - 1, 0))] if n_primaries else cell_county)
    cells = orgs.append(
        n_cells, kind=Kind.CELL, parent=cell_parent, county=cell_county, province=orgs.province[cell_county],
        meeting_day=rng.integers(1, MEETING_DAYS + 1, n_cells),
    )
    # Members in cell order (sorted by unit so neighbours share a county).
    member_cell = np.repeat(cells[order], sizes[order])
    return orgs, member_cell
