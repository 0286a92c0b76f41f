"""Personal attributes of people entering the model (founders and applicants).

Sex, sector of work, sincerity in Party life and means to bribe are drawn
here, once, from the population section, so that day-0 members and later
recruits come from the same distributions (personal-tie groups are set by the
caller: neighbours on day 0, the first recommender's group for recruits).

Draws are written straight into the destination arrays, in single precision
(the precision the member table stores) where numpy offers it: founding fills
the columns of 6.5 million rows in place rather than through double-precision
temporaries.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.sections import PopulationSection

#: Sector codes, in the order of :class:`sim.scenario.sections.SectorShares`.
SECTORS = (
    "party_political",
    "state_economic",
    "service",
    "working_peoples_orgs",
    "science_education_culture",
    "field_labour",
)

#: The trait columns and their dtypes (those of the member table).
TRAITS: dict[str, type] = {"female": np.bool_, "sector": np.int8, "sincerity": np.float32, "wealth": np.float32}


def draw_traits(n: int, cfg: PopulationSection, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Trait columns for ``n`` new people."""
    traits: dict[str, np.ndarray] = {name: np.empty(n, dtype=dtype) for name, dtype in TRAITS.items()}
    fill_traits(traits, cfg, rng)
    return traits


def fill_traits(out: dict[str, np.ndarray], cfg: PopulationSection, rng: np.random.Generator) -> None:
    """Draw the traits into ``out`` (equal-length arrays of the :data:`TRAITS` dtypes, e.g. table columns).

    Wealth is exp(sigma * Z), Z standard normal (a log-normal draw in single
    precision); the sector is the number of cumulative shares a uniform draw
    reaches (what ``Generator.choice`` does with ``p``, without its int64
    indices). Sincerity stays a double-precision ``Generator.beta``: its
    algorithms cover every shape the scenario allows, single-precision gammas
    do not.
    """
    female, sector, sincerity, wealth = (out[name] for name in TRAITS)
    scratch = np.empty(len(sincerity), dtype=np.float32)
    np.less(rng.random(out=scratch, dtype=np.float32), cfg.female_share, out=female)
    shares = cfg.sectors.normalized()
    sector[:] = 0
    rng.random(out=scratch, dtype=np.float32)
    for bound in np.cumsum([shares[s] for s in SECTORS])[:-1]:
        np.add(sector, scratch >= bound, out=sector, casting="unsafe")
    a = cfg.sincerity_mean * cfg.sincerity_concentration
    b = (1 - cfg.sincerity_mean) * cfg.sincerity_concentration
    sincerity[:] = rng.beta(a, b, len(sincerity))
    rng.standard_normal(out=wealth, dtype=np.float32)
    wealth *= np.float32(cfg.wealth_sigma)
    np.exp(wealth, out=wealth)
