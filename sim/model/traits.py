"""Personal attributes of people entering the model (founders and applicants).

Sex, sincerity in Party life and means to bribe are drawn here, once, so
that day-0 members and later recruits come from the same distributions: sex by
the share of women of the type of the unit a person joins
(``organization.types``), the others from the population section. The sector
of work is not a trait: it follows the unit and the office
(``sim.model.sectors``). Personal-tie groups are set by the caller: neighbours
on day 0, the first recommender's group for recruits.

Draws are written straight into the destination arrays, in single precision
(the precision the member table stores) where numpy offers it: founding fills
the columns of 6.5 million rows in place rather than through double-precision
temporaries.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.sections import PopulationSection, UnitTypes

#: The trait columns and their dtypes (those of the member table).
TRAITS: dict[str, type] = {"female": np.bool_, "sincerity": np.float32, "wealth": np.float32}

#: Sincerity draws made at a time into a given array (their double-precision block stays in cache).
BETA_BLOCK = 1 << 16


def female_shares(types: UnitTypes) -> np.ndarray:
    """Share of women by organization type code (single precision, the draw's)."""
    return np.array([t.female_share for t in types.by_code()], dtype=np.float32)


class TraitDistributions:
    """The trait distributions of a run, read from the scenario once.

    Recruits are filed a few at a time on most days of a run: rebuilding the
    shares of women from the scenario's sections on every filing cost more than
    the draws themselves (at 10 k members, a filing's traits took about 15 us,
    two thirds of it that rebuild and its indexing).
    """

    def __init__(self, types: UnitTypes, cfg: PopulationSection):
        self.female_share = female_shares(types)
        #: Beta shape parameters of sincerity (mean x concentration, (1 - mean) x concentration).
        self.sincerity_a = cfg.sincerity_mean * cfg.sincerity_concentration
        self.sincerity_b = (1 - cfg.sincerity_mean) * cfg.sincerity_concentration
        self.wealth_sigma = np.float32(cfg.wealth_sigma)

    def draw(self, unit_type: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Trait columns for new people joining units of the type codes ``unit_type`` (new arrays)."""
        return self.fill({}, unit_type, rng)

    def draw_one(self, unit_type: int, rng: np.random.Generator) -> dict[str, np.generic]:
        """The traits of one person joining a unit of type code ``unit_type``, as scalars: the numbers
        :meth:`draw` gives for one, leaving the stream in the same state (the same generators, one draw
        each). Most filings of a small party are one recruit's, where the array calls cost three times
        the scalar ones (10.4 against 3.7 us) and a table row takes scalars at a tenth of an array's cost."""
        female = rng.random(dtype=np.float32) < self.female_share[unit_type]
        sincerity = np.float32(rng.beta(self.sincerity_a, self.sincerity_b))
        wealth = np.exp(rng.standard_normal(dtype=np.float32) * self.wealth_sigma)
        return {"female": female, "sincerity": sincerity, "wealth": wealth}

    def fill(
        self, out: dict[str, np.ndarray], unit_type: np.ndarray, rng: np.random.Generator
    ) -> dict[str, np.ndarray]:
        """Draw the traits into ``out`` (arrays of the :data:`TRAITS` dtypes, one row per ``unit_type``, e.g.
        table columns), into new arrays for those it lacks; returns the columns.

        A person is a woman with the share of women of their unit's type. Wealth
        is exp(sigma * Z), Z standard normal (a log-normal draw in single
        precision). Sincerity stays a double-precision ``Generator.beta``: its
        algorithms cover every shape the scenario allows, single-precision gammas
        do not. The draws make the new arrays rather than fill empty ones: a
        filing's few recruits paid more for the empty arrays than for the draws.
        """
        n = len(unit_type)
        # A given wealth array holds the sex draws' uniforms until its own draw: no temporary of n floats.
        wealth = out.get("wealth")
        uniform = rng.random(n, dtype=np.float32, out=wealth)
        # ``take``: indexing with the 8-bit type codes costs half a microsecond more on a filing's few recruits.
        female = np.less(uniform, self.female_share.take(unit_type), out=out.get("female"))
        sincerity = out.get("sincerity")
        if sincerity is None:
            sincerity = rng.beta(self.sincerity_a, self.sincerity_b, n).astype(np.float32)
        else:
            # In blocks that stay in cache: no double-precision temporary of n rows (the draws are the same,
            # one after the other, whatever the blocks).
            for start in range(0, n, BETA_BLOCK):
                stop = min(start + BETA_BLOCK, n)
                sincerity[start:stop] = rng.beta(self.sincerity_a, self.sincerity_b, stop - start)
        wealth = rng.standard_normal(n, dtype=np.float32, out=wealth)
        wealth *= self.wealth_sigma
        np.exp(wealth, out=wealth)
        return {"female": female, "sincerity": sincerity, "wealth": wealth}


def fill_traits(
    out: dict[str, np.ndarray],
    unit_type: np.ndarray,
    types: UnitTypes,
    cfg: PopulationSection,
    rng: np.random.Generator,
) -> None:
    """Draw the traits into ``out`` once (founding); see :meth:`TraitDistributions.fill`."""
    TraitDistributions(types, cfg).fill(out, unit_type, rng)
