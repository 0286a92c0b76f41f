"""Personal attributes of people entering the model (founders and applicants).

Sex, sector of work, sincerity in Party life, means to bribe and personal-tie
group are drawn here, once, from the population section, so that day-0
members and later recruits come from the same distributions.
"""

from __future__ import annotations

import numpy as np

from sim.sections import PopulationSection

#: Sector codes, in the order of :class:`sim.sections.SectorShares`.
SECTORS = (
    "party_political",
    "state_economic",
    "service",
    "working_peoples_orgs",
    "science_education_culture",
    "field_labour",
)


def draw_traits(n: int, cfg: PopulationSection, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Columns for ``n`` new people (ties groups are set by the caller)."""
    shares = cfg.sectors.normalized()
    a = cfg.sincerity_mean * cfg.sincerity_concentration
    b = (1 - cfg.sincerity_mean) * cfg.sincerity_concentration
    return {
        "female": rng.random(n) < cfg.female_share,
        "sector": rng.choice(len(SECTORS), size=n, p=[shares[s] for s in SECTORS]).astype(np.int8),
        "sincerity": rng.beta(a, b, n).astype(np.float32),
        "wealth": rng.lognormal(0.0, cfg.wealth_sigma, n).astype(np.float32),
    }
