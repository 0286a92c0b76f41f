"""Offices members hold in their party organizations, ordered by rank.

Source: "Basic Party Organizations": a cell is led by a secretary and a deputy
(vice) secretary; a cell under a city/county committee with more than 20
members elects a cell committee, which elects them; primary, branch and
sub-primary general meetings elect a committee, which elects a secretary and a
deputy; larger primary and sub-primary committees elect an executive
committee. The pre-Congress text adds that "core cadres of unit party
committees" are ex-officio Congress participants.

A member holds at most one role, the highest; codes are ordered by rank so
that "at least a cell secretary" is ``role >= Role.CELL_SECRETARY``.
"""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    NONE = 0
    CELL_COMMITTEE = 1  # member of a cell committee (cells > 20 under a county committee)
    CELL_DEPUTY = 2
    CELL_SECRETARY = 3
    ORG_COMMITTEE = 4  # member of a primary/branch/sub-primary committee
    ORG_DEPUTY = 5
    ORG_SECRETARY = 6
    EXECUTIVE = 7  # member of a primary/sub-primary executive committee
    COUNTY_CADRE = 8  # core cadre of a county/city (army: unit) party committee


#: Roles whose holders are "core cadres" for ex-officio Congress participation.
CADRE_ROLES = (Role.ORG_SECRETARY, Role.EXECUTIVE, Role.COUNTY_CADRE)
