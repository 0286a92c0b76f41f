"""Confidence intervals for means over replications and for differences between scenarios.

Replications of a stochastic run are independent draws of an outcome, so the
mean of n of them has a Student-t interval. A what-if comparison asks about a
*difference*: with common random numbers (the same seed for the base and the
variant in replication i) the pairs are correlated and the interval uses the
paired differences (paired t); with independent seeds it uses Welch's
unequal-variance t. Both return the same :class:`Difference` so a table can
show them side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """Mean of n values with its sample standard deviation and a t confidence interval."""

    n: int
    mean: float
    sd: float
    low: float
    high: float


@dataclass(frozen=True)
class Difference:
    """Variant minus base: mean difference, the sd of one difference, its CI and a two-sided p-value."""

    n: int
    base_mean: float
    variant_mean: float
    diff_mean: float
    diff_sd: float
    low: float
    high: float
    p_value: float


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values)]


def _t_interval(mean: float, standard_error: float, df: float, level: float) -> tuple[float, float, float]:
    """(low, high, p-value of mean = 0); a zero standard error gives a point interval."""
    if not math.isfinite(standard_error) or df <= 0:
        return math.nan, math.nan, math.nan
    if standard_error == 0:
        return mean, mean, 1.0 if mean == 0 else 0.0
    from scipy import stats  # imported here: scipy.stats takes a second to import, the CLI should not wait

    half = float(stats.t.ppf(0.5 + level / 2, df)) * standard_error
    p_value = float(2 * stats.t.sf(abs(mean) / standard_error, df))
    return mean - half, mean + half, p_value


def mean_interval(values, level: float = LEVEL) -> Interval:
    """t interval of the mean of the finite values (NaN bounds below two values)."""
    values = _finite(values)
    n = len(values)
    if n == 0:
        return Interval(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n > 1 else math.nan
    low, high, _ = _t_interval(mean, sd / math.sqrt(n), n - 1, level)
    return Interval(n, mean, sd, low, high)


def paired_difference(base, variant, level: float = LEVEL) -> Difference:
    """Paired t on replications that share seeds; pairs where either value is missing are dropped."""
    base, variant = np.asarray(base, dtype=float), np.asarray(variant, dtype=float)
    keep = np.isfinite(base) & np.isfinite(variant)
    base, variant = base[keep], variant[keep]
    diff = mean_interval(variant - base, level)
    if diff.n == 0:
        return Difference(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
    _, _, p_value = _t_interval(diff.mean, diff.sd / math.sqrt(diff.n), diff.n - 1, level)
    return Difference(
        diff.n, float(base.mean()), float(variant.mean()), diff.mean, diff.sd, diff.low, diff.high, p_value
    )


def independent_difference(base, variant, level: float = LEVEL) -> Difference:
    """Welch's t for independently seeded replications; ``diff_sd`` is sqrt(var_base + var_variant),
    the sd of one base/variant difference, so it compares directly with the paired ``diff_sd``."""
    base, variant = _finite(base), _finite(variant)
    n = min(len(base), len(variant))
    if len(base) < 2 or len(variant) < 2:
        mean = float(variant.mean() - base.mean()) if n else math.nan
        return Difference(
            n,
            float(np.mean(base)) if len(base) else math.nan,
            float(np.mean(variant)) if len(variant) else math.nan,
            mean,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
        )
    var_b, var_v = base.var(ddof=1) / len(base), variant.var(ddof=1) / len(variant)
    standard_error = math.sqrt(var_b + var_v)
    df = (var_b + var_v) ** 2 / (var_b**2 / (len(base) - 1) + var_v**2 / (len(variant) - 1)) if standard_error else 1.0
    mean = float(variant.mean() - base.mean())
    low, high, p_value = _t_interval(mean, standard_error, df, level)
    diff_sd = math.sqrt(base.var(ddof=1) + variant.var(ddof=1))
    return Difference(n, float(base.mean()), float(variant.mean()), mean, diff_sd, low, high, p_value)


def adjusted_p_values(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values of the finite ones (NaN stays NaN).

    A comparison tests every outcome of every variant at once (~17 headline numbers
    each); at 5% apiece, one or more "significant" differences among them is likely
    by chance alone. Controlling the false discovery rate (Benjamini & Hochberg 1995,
    ``scipy.stats.false_discovery_control``) keeps the expected share of false
    discoveries among the marked differences at 5%.
    """
    from scipy import stats

    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p_values, math.nan)
    finite = np.isfinite(p_values)
    if finite.any():
        adjusted[finite] = stats.false_discovery_control(p_values[finite], method="bh")
    return adjusted
