"""A member's sector of work: the type of their unit, or party work for holders of party office.

The 8th Congress report counts delegates by sector (shared/data/congresses.yaml:
party and political workers, state administrative and economic officials,
service personnel, working people's organizations, science, education, health,
culture and media, core members in field labour). Nothing about a member
decides their sector but where they sit and what office they hold: cells are
organized "at workplaces and production sites" and residential localities
(source: "Basic Party Organizations"), so a member counts in the sector of
their unit's type (``organization.types``), and a holder of party office from
``organization.party_office_from`` up counts as a party and political worker
(an assumption: the full-time functionaries). The sector is therefore never
stored: it is read off the unit and the office when it is asked for, so it
follows a member who moves (a soldier discharged into a civilian cell) or is
elected, with no column to keep in step.
"""

from __future__ import annotations

import numpy as np

from sim.model.organizations import Organizations
from sim.model.population import Population
from sim.model.roles import Role
from sim.scenario.sections import SECTOR_NAMES, OrganizationSection

#: Sector codes: position in this tuple (that of the scenario's sector fields).
SECTORS = SECTOR_NAMES
#: The code of party and political workers, the sector of every holder of party office.
PARTY_POLITICAL = SECTORS.index("party_political")


def office_role(cfg: OrganizationSection) -> Role:
    """The lowest office whose holders count as party and political workers."""
    return Role[cfg.party_office_from.upper()]


def sector_of(pop: Population, orgs: Organizations, ids: np.ndarray, office: Role) -> np.ndarray:
    """Sector codes (int8) of members ``ids``: their unit's type, or party work from ``office`` up.

    The office holders are overwritten in the gathered types, and the office is compared as a plain int:
    numpy converts an IntEnum member several times slower (a week's offences of a 10k party ask for the
    sectors of a few members at a time: 5.5 against 1.5 us a call).
    """
    sector = orgs.type[pop.cell[ids]]
    sector[pop.role[ids] >= int(office)] = PARTY_POLITICAL
    return sector


def code_of(name: str) -> int:
    """The code of a sector (or organization type) name."""
    return SECTORS.index(name)
