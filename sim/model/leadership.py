"""The central leading bodies: the Central Committee's members and alternates.

Source: shared/data/congresses.yaml — at a Congress the ex officio
participants "are members of the outgoing central leading bodies, not local
cadres" (the 8th Congress: 250 Central Committee members ex officio). The
model keeps them as members of the ordinary member table, chosen once on day
0 among full members so that the body has the scenario's size, share of
women and sector shares (assumptions, scenario fields): each sex-and-sector
stratum gets its quota by largest remainder, and inside a stratum the cadres
of county/city committees come first, in random order, then other full
members at random (assumption: the central leadership is drawn from the cadre
corps). The other members are drawn from a random sample of rows
``OVERSAMPLE`` times the body's size, so that building the body never sorts
the whole table. A stratum with too few candidates leaves its places empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.model.apportionment import largest_remainder
from sim.model.arrays import distinct
from sim.model.population import Population, Status
from sim.model.roles import Role
from sim.model.sampling import bernoulli_rows, weighted_top_k
from sim.model.sectors import SECTORS
from sim.scenario.sections.congress import CentralCommittee

#: Rows sampled per place for the non-cadre candidates (enough for the rarest stratum of a national party).
OVERSAMPLE = 200
#: Weight of a cadre against another member: in effect cadres first.
CADRE_FIRST = 1e9


@dataclass(frozen=True)
class CentralLeadership:
    """Member ids of the Central Committee; ``alternate`` marks the alternate members."""

    ids: np.ndarray
    alternate: np.ndarray

    @classmethod
    def empty(cls) -> CentralLeadership:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))


def build_central_committee(
    pop: Population,
    sectors: Callable[[np.ndarray], np.ndarray],
    spec: CentralCommittee,
    rng: np.random.Generator,
) -> CentralLeadership:
    """Choose the Central Committee among full members, stratified by sex and by sector (``sectors(ids)``)."""
    n, size = pop.n, spec.members + spec.alternates
    cadres = np.flatnonzero(pop.role[:n] == Role.COUNTY_CADRE)
    others = bernoulli_rows(rng, n, OVERSAMPLE * size / max(n, 1))
    rows = distinct(np.concatenate((cadres, others)))
    full = rows[pop.status[rows] == Status.FULL]
    stratum = sectors(full).astype(np.int64) * 2 + pop.female[full]
    shares = np.array([spec.sectors.normalized()[s] for s in SECTORS])
    by_sex = np.array([1 - spec.female_share, spec.female_share])
    quota = largest_remainder(np.outer(shares, by_sex).ravel(), size)
    weight = np.where(pop.role[full] == Role.COUNTY_CADRE, CADRE_FIRST, 1.0)
    ids = full[weighted_top_k(rng, stratum, weight, quota)]
    # Alternates are a random part of the body, so both ranks have the body's make-up.
    alternate = np.zeros(len(ids), dtype=bool)
    alternate[rng.permutation(len(ids))[: min(spec.alternates, len(ids))]] = True
    return CentralLeadership(ids, alternate)
