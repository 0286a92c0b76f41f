"""The organizational formula: which basic party organizations exist above the cells.

Source: "Basic Party Organizations" (NK Leadership Watch):

* "The primary party organization consists of more than 31 party members and
  candidate party members."
* "Branch party organizations (a sectional party organization) are
  established at workplaces and production sites ('functional units') with
  more than 31 party members and candidate party members."
* "If local party members and candidate party members cannot be organized
  based on the 'organizational formula' of the party cell, primary party
  organization and branch party organization then a sub-primary party
  organization is established."
* "If a party cell under a city (municipal) or county party committee has
  more than 20 members, then the party cell elects a Party Cell Committee."
* Primary and sub-primary committees "particularly those with higher
  membership numbers, can also elect a separate executive committee."

The rule as modelled (one function, :func:`classify`, used on day 0 and at
every re-organization):

* every cell belongs to a *site*, a workplace or a residential locality, and
  within a workplace to a *section*;
* cells directly under a county/city committee whose site has more than
  ``primary_above`` (31) members form a primary organization if the site is a
  workplace, and a sub-primary organization if it is a residential locality
  (a locality is not a workplace, so the primary/branch formula does not fit);
* inside a primary organization with more than ``branches_above`` members, the
  cells of a workplace section with more than 31 members (but not the whole
  workplace) form a branch organization;
* a primary, sub-primary or branch organization that falls to 31 members or
  fewer is dissolved: its cells stand directly under the organization above
  (a branch's under its primary, a primary's under the county/city committee);
* every primary, branch and sub-primary organization has a committee (elected
  by its general meeting); a cell directly under a county/city committee with
  more than 20 members has a cell committee; primary and sub-primary
  organizations with more than ``executive_committee_above`` members have an
  executive committee.

Everything is a handful of ``np.bincount`` calls over the organization table
(O(organizations)); members never move here, only the ``parent`` of cells.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.model.aggregates import members_below
from sim.model.arrays import distinct
from sim.model.organizations import (
    BASIC_ORGS,
    MEETING_DAYS,
    TOP_BASIC_ORGS,
    Kind,
    Organizations,
)
from sim.scenario.sections import SECTOR_NAMES, OrganizationSection


def classify(
    orgs: Organizations, unit_members: np.ndarray, cfg: OrganizationSection, rng: np.random.Generator
) -> np.ndarray:
    """Apply the organizational formula to the table; returns the ids of what changed.

    ``unit_members`` holds the members of each cell and party team (indexed by
    organization id). The result lists the cells that changed parent, the
    organizations formed and the organizations whose committee or executive
    flag changed: the units whose offices must be elected again.
    """
    totals = members_below(orgs, unit_members)
    changed = [_dissolve_small_orgs(orgs, totals, cfg)]
    # ``take`` of the cells' parents, then of per-organization flags: at national scale (half a million cells,
    # every re-organization) cheaper than indexing the kind and the totals of each cell's parent. Kinds are
    # compared as plain ints: NumPy widens the int8 codes to int64 to compare them with an IntEnum member.
    direct = orgs.ids_of(Kind.CELL)
    direct = direct[orgs.column("kind").take(orgs.parent.take(direct)) == int(Kind.COUNTY)]
    formed, totals = _form(orgs, direct, orgs.site[direct], totals, None, cfg.primary_above, rng)
    changed.append(formed)
    cells = orgs.ids_of(Kind.CELL)
    parent = orgs.parent.take(cells)
    sectioned_in = orgs.column("kind") == int(Kind.PRIMARY)  # primary organizations large enough for branches
    sectioned_in &= totals[: orgs.n] > cfg.branches_above
    inside = sectioned_in.take(parent)
    sectioned = cells[inside]
    formed, totals = _form(
        orgs, sectioned, orgs.section[sectioned], totals, totals.take(parent[inside]), cfg.primary_above, rng
    )
    changed.append(formed)
    changed.append(_set_committees(orgs, totals, cfg))
    return distinct(np.concatenate(changed))


def _dissolve_small_orgs(orgs: Organizations, totals: np.ndarray, cfg: OrganizationSection) -> np.ndarray:
    """Dissolve basic organizations of ``primary_above`` members or fewer; returns the re-attached units."""
    parent = orgs.column("parent")
    weak = orgs.living(*BASIC_ORGS) & (totals <= cfg.primary_above)  # the masks are kept: no scan of the kinds
    branch = orgs.living(Kind.BRANCH)
    weak[branch] |= weak[parent[branch]]  # the branches of a dissolved primary go with it
    if not weak.any():
        return np.empty(0, dtype=np.int64)
    # The units under a dissolved organization (its branches are dissolved with it) are the ones that move:
    # found by one lookup of the parents' flags (``take``: a byte table), the climb is theirs alone (at national
    # scale a few thousand of half a million units: 1.9 against 2.9 ms).
    units = orgs.ids_of(Kind.CELL, Kind.TEAM)
    moved = units.compress(weak.take(parent.take(units)))
    new_parent = parent[moved].astype(np.int64)
    for _ in range(2):  # a cell of a dissolved branch of a dissolved primary climbs twice
        climb = weak[new_parent]
        new_parent[climb] = parent[new_parent[climb]]
    orgs.reparent(moved, new_parent)
    orgs.dissolve(np.flatnonzero(weak))
    return moved


def _form(
    orgs: Organizations,
    cells: np.ndarray,
    keys: np.ndarray,
    totals: np.ndarray,
    whole: np.ndarray | None,
    above: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Group ``cells`` by ``keys`` (site or section); each group above ``above`` members forms an organization.

    Under a county/city committee (``whole`` is None) a workplace group forms a
    primary organization and a residential one a sub-primary organization;
    inside a primary (``whole`` = the primary's members) a section forms a
    branch unless it is the whole workplace. Returns the re-attached cells and
    the new organizations, and ``totals`` extended with the new organizations' members.
    """
    none = np.empty(0, dtype=np.int64)
    if len(cells) == 0:
        return none, totals
    key_members = np.bincount(keys, weights=totals.take(cells)).astype(np.int64)
    group_members = key_members.take(keys)
    forming = group_members > above
    if whole is not None:
        forming &= group_members < whole
    cells, keys = cells.compress(forming), keys.compress(forming)
    if len(cells) == 0:
        return none, totals
    groups, first, group_of_cell = _groups_of(keys)
    founder = cells[first]
    if whole is None:
        kind = np.where(orgs.workplace[founder], Kind.PRIMARY, Kind.SUBPRIMARY)
    else:
        kind = np.full(len(first), Kind.BRANCH)
    new = orgs.copy_rows(
        founder, kind=kind, committee=True, executive=False, meeting_day=rng.integers(1, MEETING_DAYS + 1, len(first))
    )
    orgs.reparent(cells, new[group_of_cell])
    return np.concatenate([cells, new]), np.concatenate([totals[: new[0]], key_members[groups]])


def _groups_of(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct keys (small non-negative ints: sites, sections) in ascending order, the position of each
    one's first row, and each row's key's place among them (``np.unique`` with its index and inverse).

    By tables over the keys' range rather than by ``np.unique``'s sort: on the day-0 build (the direct cells of
    a million members) an eighth of its cost.
    """
    upper = int(keys.max()) + 1
    first_at = np.full(upper, len(keys))
    np.minimum.at(first_at, keys, np.arange(len(keys)))
    groups = np.flatnonzero(first_at < len(keys))
    place = np.zeros(upper, dtype=np.int64)
    place[groups] = np.arange(len(groups))
    return groups, first_at[groups], place[keys]


def _set_committees(orgs: Organizations, totals: np.ndarray, cfg: OrganizationSection) -> np.ndarray:
    """Refresh the committee and executive flags; returns the organizations whose flags changed."""
    executive = orgs.living(*TOP_BASIC_ORGS) & (totals[: orgs.n] > cfg.executive_committee_above)
    changed = np.flatnonzero(executive != orgs.column("executive"))
    orgs.executive[: orgs.n] = executive
    orgs.committee[: orgs.n] |= orgs.living(*BASIC_ORGS)
    return np.concatenate([changed, set_cell_committees(orgs, None, totals, cfg)])


def set_cell_committees(
    orgs: Organizations, cells: np.ndarray | None, unit_members: np.ndarray, cfg: OrganizationSection
) -> np.ndarray:
    """Flag the cell committees of ``cells`` (None: every living cell): direct cells of more than
    ``cell_committee_above``.

    Returns the cells whose flag changed (they elect again). Only cells above
    the size or flagged now can change: their parents are looked up, not every cell's.
    """
    if cells is None:
        # Passes over the table's sizes and flags masked by the living cells: at national scale (four fifths of
        # the table) half the cost of gathering the cells' rows by id (1.6 against 3.3 ms).
        large = unit_members[: orgs.n] > cfg.cell_committee_above
        flagged = orgs.column("committee")
        may_change = large | flagged
        may_change &= orgs.living(Kind.CELL)
        cells = np.flatnonzero(may_change)
    else:
        # ``take``: faster than indexing over the many cells of a regular re-organization.
        large = unit_members.take(cells) > cfg.cell_committee_above
        flagged = orgs.committee.take(cells)
        may_change = large | flagged
        cells = cells.compress(may_change)
    # ``compress``: over half a million rows, faster than indexing.
    flagged = flagged.compress(may_change)
    committee = large.compress(may_change) & (orgs.kind[orgs.parent[cells]] == int(Kind.COUNTY))  # see ``classify``
    orgs.committee[cells] = committee
    return cells[committee != flagged]


# ---------------------------------------------------------------------------
# Day 0
# ---------------------------------------------------------------------------


def _cell_sizes(n_members: int, cfg: OrganizationSection, rng: np.random.Generator) -> np.ndarray:
    """Cell sizes in [cell_min, cell_max] with mean ~cell_size_mean summing to n_members."""
    if n_members <= 0:
        return np.empty(0, dtype=np.int64)
    excess = max(cfg.cell_size_mean - cfg.cell_min, 0.0)
    estimate = int(np.ceil(n_members / cfg.cell_size_mean * 1.2)) + 2
    sizes = _draw_until(
        n_members, lambda: np.clip(cfg.cell_min + rng.poisson(excess, estimate), cfg.cell_min, cfg.cell_max)
    )
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


def _groups(n: int, mean: float, rng: np.random.Generator) -> np.ndarray:
    """Group index of each of n consecutive items, in groups of 1 + Poisson(mean - 1) items.

    About n / mean group lengths are drawn, not one per item: a Poisson draw
    of a small mean multiplies uniforms, so the draws were most of the cost.
    """
    estimate = int(np.ceil(n / mean * 1.2)) + 2
    lengths = _draw_until(n, lambda: 1 + rng.poisson(max(mean - 1, 0), estimate))
    return np.repeat(np.arange(len(lengths)), lengths)[:n]


def _draw_until(total: int, batch: Callable[[], np.ndarray]) -> np.ndarray:
    """Batches of lengths drawn until they add up to ``total`` at least (a second batch is rare)."""
    lengths = batch()
    while lengths.sum() < total:
        lengths = np.concatenate([lengths, batch()])
    return lengths


def _sections(site: np.ndarray, sizes: np.ndarray, n_sites: int, cfg: OrganizationSection) -> np.ndarray:
    """Workplace section of each cell (cells sorted by site); large workplaces are cut into sections.

    A workplace of S > branches_above members gets k = S // max(branch_members_mean,
    primary_above + 1 + cell_max) sections cut at multiples of S / k of its
    running member count, so every section has more than primary_above members
    (a section loses less than one cell, at most cell_max, at each cut).
    """
    site_members = np.bincount(site, weights=sizes, minlength=n_sites)
    width = max(cfg.branch_members_mean, cfg.primary_above + 1 + cfg.cell_max)
    k = np.where(site_members > cfg.branches_above, np.maximum(site_members // width, 1), 1).astype(np.int64)
    # Members before each cell within its site: the cells of a site are contiguous
    # (sorted by county, then site), but sites are not in id order.
    before = np.cumsum(sizes) - sizes
    run_start = np.flatnonzero(np.r_[True, site[1:] != site[:-1]])
    within = before - np.repeat(before[run_start], np.diff(np.r_[run_start, len(site)]))
    # In integers (the members are whole numbers): a float floor division was twice the cost of the rest.
    part = (within * k[site]) // np.maximum(site_members.astype(np.int64)[site], 1)
    offset = np.cumsum(k) - k
    return offset[site] + part


def _site_types(n_sites: int, n_workplaces: int, cfg: OrganizationSection, rng: np.random.Generator) -> np.ndarray:
    """Organization type of each site: workplaces (sites 0..n_workplaces-1) by the types' shares, the rest residential.

    Every unit of a site, and every organization later formed from them, has
    the site's type (``Organizations.copy_rows`` copies it), so a workplace's
    cells, branches and primary organization are of one type.
    """
    shares = np.array([t.share for t in cfg.types.by_code()])
    site_type = np.full(n_sites, SECTOR_NAMES.index(cfg.residential_type), dtype=np.int8)
    site_type[:n_workplaces] = rng.choice(len(shares), n_workplaces, p=shares / shares.sum())
    return site_type


def build(
    n_members: int, cfg: OrganizationSection, rng: np.random.Generator
) -> tuple[Organizations, np.ndarray, np.ndarray]:
    """Build the day-0 hierarchy; returns the table, the ids of its cells and party teams, and their members.

    Cells are workplace cells (grouped into workplaces of ~cells_per_primary_mean
    cells, large workplaces cut into sections) or residential cells (grouped into
    localities); sites are dealt at random to the county/city committees, which
    are spread over the provinces. The scenario's odd units (small residential
    units, party teams abroad, extra direct cells) each get a site of their own
    in a random county. Then :func:`classify` forms the primary, branch and
    sub-primary organizations and sets the committee flags, exactly as
    re-organization does later.
    """
    odd = np.array(cfg.small_units + cfg.abroad_teams + cfg.extra_cells, dtype=np.int64)
    if odd.sum() > n_members:
        raise ValueError(
            f"organization: small_units, abroad_teams and extra_cells hold {int(odd.sum())} members, "
            f"more than population.members ({n_members})"
        )
    odd_kind = np.repeat(
        [Kind.CELL, Kind.TEAM, Kind.CELL], [len(cfg.small_units), len(cfg.abroad_teams), len(cfg.extra_cells)]
    )
    sizes = _cell_sizes(n_members - int(odd.sum()), cfg, rng)
    residential = rng.random(len(sizes)) < cfg.direct_cell_share
    site = np.empty(len(sizes), dtype=np.int64)
    site[~residential] = _groups(int((~residential).sum()), cfg.cells_per_primary_mean, rng)
    n_workplaces = int(site[~residential].max()) + 1 if (~residential).any() else 0
    site[residential] = n_workplaces + _groups(int(residential.sum()), cfg.cells_per_locality_mean, rng)
    n_regular_sites = int(site.max()) + 1 if len(site) else 0
    site = np.concatenate([site, n_regular_sites + np.arange(len(odd))])
    sizes = np.concatenate([sizes, odd])
    kind = np.concatenate([np.full(len(residential), Kind.CELL), odd_kind])
    workplace = np.concatenate([~residential, np.zeros(len(odd), dtype=bool)])
    n_sites = n_regular_sites + len(odd)
    site_type = _site_types(n_sites, n_workplaces, cfg, rng)

    n_counties = cfg.provinces * cfg.counties_per_province
    county_of_site = (rng.permutation(n_sites) * n_counties) // max(n_sites, 1)
    # Cells sorted by county, then site (np.lexsort's order at a quarter of its cost): in site order they are the
    # workplaces' cells, then the localities', then the odd units (each numbers its sites in cell order); a
    # stable sort of their county codes (a radix sort, for codes of 16 bits) keeps that order within a county.
    by_site = np.concatenate(
        [np.flatnonzero(~residential), np.flatnonzero(residential), np.arange(len(odd)) + len(residential)]
    )
    county_code = county_of_site[site[by_site]].astype(np.min_scalar_type(n_counties))
    order = by_site[np.argsort(county_code, kind="stable")]
    site, sizes, kind, workplace = site[order], sizes[order], kind[order], workplace[order]
    section = _sections(site, sizes, n_sites, cfg)

    orgs = Organizations(2 + cfg.provinces + n_counties + 2 * len(sizes))
    orgs.append(1, kind=Kind.CENTRAL)
    provinces = orgs.append(cfg.provinces, kind=Kind.PROVINCE, parent=0)
    orgs.province[provinces] = provinces
    counties = orgs.append(
        n_counties, kind=Kind.COUNTY, parent=provinces[np.arange(n_counties) // cfg.counties_per_province]
    )
    orgs.county[counties] = counties
    orgs.province[counties] = orgs.parent[counties]
    unit_county = counties[county_of_site[site]]
    units = orgs.append(
        len(sizes),
        kind=kind,
        parent=unit_county,
        county=unit_county,
        province=orgs.province[unit_county],
        meeting_day=rng.integers(1, MEETING_DAYS + 1, len(sizes)),
        site=site,
        section=section,
        workplace=workplace,
        abroad=kind == Kind.TEAM,
        type=site_type[site],
    )
    unit_members = np.zeros(orgs.n, dtype=np.int64)
    unit_members[units] = sizes
    classify(orgs, unit_members, cfg, rng)
    return orgs, units, sizes
