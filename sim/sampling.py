"""Sampling rare per-member events without touching every member.

A hazard of probability ``p`` per member per step is exactly an independent
Bernoulli(p) draw for every row. Drawing ``K ~ Binomial(n, p)`` and then a
uniform subset of ``K`` distinct rows (Floyd's algorithm in
``Generator.choice``) gives the same joint distribution in O(K) work instead of
O(n). Heterogeneous hazards ``p_i <= p_max`` are handled by thinning: select
with ``p_max``, then keep each selected row with probability ``p_i / p_max``.
This is how every per-member rate in partysim scales to millions of members.
"""

from __future__ import annotations

import numpy as np


def bernoulli_rows(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Rows of 0..n-1, each included independently with probability p (sorted)."""
    if n <= 0 or p <= 0:
        return np.empty(0, dtype=np.int64)
    if p >= 1:
        return np.arange(n, dtype=np.int64)
    k = int(rng.binomial(n, p))
    rows = rng.choice(n, size=k, replace=False, shuffle=False).astype(np.int64)
    rows.sort()
    return rows


def thin(rng: np.random.Generator, ids: np.ndarray, accept: np.ndarray, p_max: float) -> np.ndarray:
    """Keep ``ids[i]`` with probability ``accept[i] / p_max`` (thinning step)."""
    if len(ids) == 0 or p_max <= 0:
        return ids[:0]
    return ids[rng.random(len(ids)) * p_max < accept]


def step_probability(rate_per_year: float, days: float) -> float:
    """Probability of at least one event in ``days`` for a Poisson rate per year."""
    return float(-np.expm1(-rate_per_year * days / 365.25))


def weighted_top_k(rng: np.random.Generator, groups: np.ndarray, weights: np.ndarray,
                   k: np.ndarray) -> np.ndarray:
    """Weighted sampling without replacement of ``k[g]`` items in every group g at once.

    Efraimidis-Spirakis: item i gets the key log(u_i) / w_i; the k largest keys
    of a group are a weighted sample without replacement. One sort of the
    candidates replaces a loop over groups. Returns the selected positions.
    """
    n = len(groups)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    with np.errstate(divide="ignore"):
        keys = np.log(rng.random(n)) / weights  # -inf for zero weights
    order = np.lexsort((-keys, groups))
    sorted_groups = groups[order]
    first = np.searchsorted(sorted_groups, sorted_groups, side="left")
    rank = np.arange(n) - first
    chosen = order[(rank < k[sorted_groups]) & np.isfinite(keys[order])]
    return np.sort(chosen)
