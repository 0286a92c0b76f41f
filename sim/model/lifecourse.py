"""Ages, the life table and retirement: the arithmetic of a member's life course.

A member's age is never stored: the table keeps the day of birth (``birth``,
sim days), so ages advance with the calendar at no cost, and an age at any day
is ``(day - birth) / 365.25``. Mortality follows a Gompertz law — the hazard
doubles every ``mortality_doubling_years`` from ``mortality_at_30`` at age 30 —
the classic shape of adult human mortality (Gompertz 1825). No life table of
DPRK party members is published; both parameters are assumptions and scenario
fields (sim.scenario.sections.membership.AttritionSection).
"""

from __future__ import annotations

import numpy as np

DAYS_PER_YEAR = 365.25


def age_years(birth: np.ndarray, day: int) -> np.ndarray:
    """Ages in years on ``day`` of people born on the days ``birth``."""
    return (day - birth.astype(np.float64)) / DAYS_PER_YEAR


def gompertz_hazard(age: np.ndarray | float, at_30: float, doubling_years: float) -> np.ndarray:
    """Yearly death hazard at ``age`` (years): ``at_30`` at age 30, doubling every ``doubling_years``."""
    return at_30 * np.exp2((np.asarray(age, dtype=np.float64) - 30.0) / doubling_years)


def gompertz_cumulative(age: np.ndarray, years: float, at_30: float, doubling_years: float) -> np.ndarray:
    """Integrated hazard from ``age`` to ``age + years``: the log of the inverse survival probability."""
    rate = np.log(2.0) / doubling_years
    return gompertz_hazard(age, at_30, doubling_years) / rate * np.expm1(rate * years)


def birth_days(
    rng: np.random.Generator,
    n: int,
    day: int,
    min_age: float,
    excess_mean: float | np.ndarray,
    max_age: float,
    uniform: bool = False,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Days of birth of ``n`` people aged at least ``min_age`` on ``day``, the excess exponential
    (``uniform``: uniform on 0..2 ``excess_mean``; one mean for all, or one per person).

    The excess over ``min_age`` has mean ``excess_mean`` years and is cut off
    below ``max_age`` (redrawn uniformly below it where it passes: a small
    share when the mean is well below the span). Single precision, in place:
    at national scale no double-precision temporaries of 6.5 million rows.
    The days are written to ``out`` (int32, e.g. a table column) when it is
    given, else to a new array; ``out`` holds the single-precision years until
    they are cast (no temporary of n floats).
    """
    span = np.float32(max(max_age - min_age, 1.0 / DAYS_PER_YEAR))
    years = None if out is None else out.view(np.float32)  # the days' own memory holds the years until the cast
    if uniform:
        years = rng.random(n, dtype=np.float32, out=years)
    else:
        years = rng.standard_exponential(n, dtype=np.float32, out=years)
    years *= np.asarray(excess_mean, dtype=np.float32)
    if uniform:
        years *= np.float32(2)  # exact: the same floats as multiplying by twice the mean
    over = np.flatnonzero(years >= span)
    years[over] = rng.random(len(over), dtype=np.float32) * span
    years += np.float32(min_age)
    years *= np.float32(DAYS_PER_YEAR)
    np.ceil(years, out=years)
    np.subtract(np.float32(day), years, out=years)
    if out is None:
        return years.astype(np.int32)
    np.copyto(out, years, casting="unsafe")  # in place, element by element; the cast truncates, as astype does
    return out


class AgeThreshold:
    """Finds the rows that reached an age (one for men, one for women) since the previous look.

    A pass over the day-of-birth and sex columns per look (monthly: a few
    milliseconds at national scale), no per-member schedule: rows seen at the
    previous look are due only if they reached the age since; rows appended
    since are due if they have reached it at all.
    """

    def __init__(self, men_years: float, women_years: float):
        self.days = np.array([round(men_years * DAYS_PER_YEAR), round(women_years * DAYS_PER_YEAR)])
        self._cut = np.full(2, np.iinfo(np.int32).min, dtype=np.int64)
        self._seen = 0

    def reached(self, birth: np.ndarray, female: np.ndarray, day: int) -> np.ndarray:
        """Rows of the used columns ``birth`` and ``female`` whose age reached the threshold since the last call."""
        cut = day - self.days  # born on or before: the age is reached
        due = np.where(female, birth <= cut[1], birth <= cut[0])
        seen = min(self._seen, len(birth))
        due[:seen] &= np.where(female[:seen], birth[:seen] > self._cut[1], birth[:seen] > self._cut[0])
        self._cut, self._seen = cut, len(birth)
        return np.flatnonzero(due)
