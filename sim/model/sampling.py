"""Sampling rare per-member events without touching every member.

A hazard of probability ``p`` per member per step is exactly an independent
Bernoulli(p) draw for every row. Drawing the gaps between selected rows from
the geometric distribution gives the same joint distribution in O(n p) work
instead of O(n). Heterogeneous hazards ``p_i <= p_max`` are handled by thinning: select
with ``p_max``, then keep each selected row with probability ``p_i / p_max``.
This is how every per-member rate in partysim scales to millions of members.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from sim.model.arrays import count_nonzero, top_within

#: Below this probability :func:`bernoulli_rows` caps the geometric gaps: a gap is at most about
#: 37 / p (the smallest uniform is 2**-53), and a chunk of a few dozen such gaps sums past the int64
#: maximum only for p below about 1e-16.
CAP_GAPS_BELOW = 1e-12
#: Up to this many rows expected, :func:`bernoulli_rows` sums the gaps in Python (:func:`_few_rows`).
FEW_EXPECTED = 8
#: Below this many gaps :func:`_geometric` is ``rng.geometric`` itself: its cost per draw is twice that of the
#: exponentials, its cost per call a third (74 draws, a 10,000-member party's day of critique: 2.1 against
#: 3.8 us; even at some 250).
FEW_GAPS = 128


def bernoulli_rows(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Rows of 0..n-1, each included independently with probability p (sorted).

    The gaps between successive included rows of a Bernoulli process are
    geometric, so the rows are a cumulative sum of geometric draws: O(n p).
    Any gap past row n ends the selection, so gaps are capped at n + 1 when p
    is tiny (below ``CAP_GAPS_BELOW``): numpy's geometric then saturates at the
    int64 maximum, and the sum would wrap around to negative rows and never
    reach n. Above it no sum of a chunk's gaps comes near the int64 maximum,
    and the cap would change no row below n. A few rows expected are summed in
    Python from the same draws (:func:`_few_rows`).
    """
    if n <= 0 or p <= 0:
        return np.empty(0, dtype=np.int64)
    if p >= 1:
        return np.arange(n, dtype=np.int64)
    expected = n * p
    size = int(expected + 5 * math.sqrt(expected) + 16)  # gaps a chunk: one chunk nearly always reaches n
    if expected <= FEW_EXPECTED and CAP_GAPS_BELOW <= p < 1 / 3:
        return _few_rows(rng, n, p, size)
    chunks: list[np.ndarray] = []
    last = -1
    while last < n:
        rows = _geometric(rng, p, size, n + 1)  # the gaps, turned into rows in place (no temporaries)
        rows[0] += last  # the offset of the chunk, carried by the sum to every row
        np.add.accumulate(rows, out=rows)  # the cumulative sum, on a day's 70 gaps twice as fast as cumsum's
        chunks.append(rows)
        last = rows.item(-1)  # a Python int: half the cost of int(rows[-1])
    rows = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return rows[: rows.searchsorted(n)]


def _few_rows(rng: np.random.Generator, n: int, p: float, size: int) -> np.ndarray:
    """:func:`bernoulli_rows` when a few rows are expected (a small party's weekly offences and exits):
    the same chunks of exponentials, their gaps ``ceil(E / -log1p(-p))`` (:func:`_geometric`) summed in
    Python up to the first row past n, rather than five array calls on a chunk of some twenty draws
    (about 1.5-4 against 5.5 us a call for 1-10 rows expected).
    """
    scale = -math.log1p(-p)
    rows: list[int] = []
    row = -1
    while True:
        for draw in rng.standard_exponential(size).tolist():
            row += math.ceil(draw / scale)
            if row >= n:
                return np.array(rows, dtype=np.int64)
            rows.append(row)


def _geometric(rng: np.random.Generator, p: float, size: int, cap: int) -> np.ndarray:
    """``rng.geometric(p, size)``, each draw capped at ``cap`` when p is below ``CAP_GAPS_BELOW``: the same
    numbers and the same state of the stream after.

    For p < 1/3 NumPy draws a geometric by inversion, one standard exponential
    each: ``ceil(-E / log1p(-p))`` (``random_geometric_inversion`` in NumPy's
    ``distributions.c``; above 1/3 it searches, and ``rng.geometric`` is used).
    Drawing the exponentials as one array and dividing in place gives the very
    same numbers in about half the time (21,300 draws: 170 -> 92 us; a national
    run's critique alone makes 32 million), ``tests/test_sampling.py`` checks
    them against ``rng.geometric`` draw for draw. On fewer than ``FEW_GAPS``
    draws the three array calls cost more than they save: ``rng.geometric``.
    """
    if p < CAP_GAPS_BELOW:  # NumPy's draws saturate at the int64 maximum (a division here could overflow)
        gaps = rng.geometric(p, size)
        return np.minimum(gaps, cap, out=gaps)
    if p >= 1 / 3 or size < FEW_GAPS:
        return rng.geometric(p, size)
    draws = rng.standard_exponential(size)
    draws /= -math.log1p(-p)
    return np.ceil(draws, out=draws).astype(np.int64)


def thin(rng: np.random.Generator, ids: np.ndarray, accept: np.ndarray | float, p_max: float) -> np.ndarray:
    """Keep ``ids[i]`` with probability ``accept[i] / p_max``, or ``accept / p_max`` when it is one number for
    all (thinning step)."""
    if len(ids) == 0 or p_max <= 0:
        return ids[:0]
    return ids[thinning(rng, accept, p_max, len(ids))]


def thinning(rng: np.random.Generator, accept: np.ndarray | float, p_max: float, size: int | None = None) -> np.ndarray:
    """Which rows the thinning step keeps, each with probability ``accept[i] / p_max`` (one uniform each, in
    order; ``size`` rows when ``accept`` is one number for all): the mask behind :func:`thin`, for a caller
    that filters its rows itself (with ``compress``)."""
    return rng.random(len(cast(np.ndarray, accept)) if size is None else size) * p_max < accept


def bernoulli_split(rng: np.random.Generator, ids: np.ndarray, p: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``ids`` drawn each with probability ``p`` (one uniform per id, in order), and the others.

    The outcome of a procedure (endorsed or refused, ratified or not). When the
    draw keeps all or none (most days of a small party, with a few ids due)
    the halves are the ids and an empty slice, without the masked copies.
    """
    if len(ids) == 1:  # one uniform as a float: the same draw, without the array calls (1.5 against 4.9 us)
        drawn = rng.random() < (p.flat[0] if isinstance(p, np.ndarray) else p)
        return (ids, ids[:0]) if drawn else (ids[:0], ids)
    kept = rng.random(len(ids)) < p
    count = count_nonzero(kept)
    if count == len(ids):
        return ids, ids[:0]
    if count == 0:
        return ids[:0], ids
    return ids[kept], ids[~kept]


def bernoulli_keep(rng: np.random.Generator, ids: np.ndarray, p: float) -> np.ndarray:
    """The ids :func:`bernoulli_split` draws (the same uniforms), for a caller that has no use for the
    others: neither the count nor the complement's copy is made."""
    if len(ids) == 1:
        return ids if rng.random() < p else ids[:0]
    return ids.compress(rng.random(len(ids)) < p)


#: Up to this many integers are drawn one call each (see :func:`draw_integers`).
FEW_INTEGERS = 3


def draw_integers(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray | int:
    """``rng.integers(low, high, n)``: the same numbers, and the same state of the stream after.

    ``Generator.integers`` costs 3.3 us a call with a size, whatever the size, and 0.8 us
    without one, so the few integers of a small party's day are drawn one call each. Either
    way each draw takes 32 bits from the PCG64 stream, which keeps the spare half of a
    64-bit output in its state between calls. One integer is returned as a plain int
    (:meth:`sim.model.agenda.Agenda.push` files one day for all without grouping).
    """
    if n == 1:
        return int(rng.integers(low, high))
    if n <= FEW_INTEGERS:
        return np.array([rng.integers(low, high) for _ in range(n)])
    return rng.integers(low, high, n)


def step_probability(rate_per_year: float, days: float) -> float:
    """Probability of at least one event in ``days`` for a Poisson rate per year."""
    return float(-np.expm1(-rate_per_year * days / 365.25))


def weighted_top_k(rng: np.random.Generator, groups: np.ndarray, weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Weighted sampling without replacement of ``k[g]`` items in every group g at once.

    Gumbel-top-k (the log form of Efraimidis-Spirakis): item i gets the key
    log(w_i) + G_i with G_i standard Gumbel; the k largest keys of a group are
    a weighted sample without replacement. The best keys of every group at once
    (:func:`sim.model.arrays.top_within`) replace a loop over groups; items of
    zero weight are never chosen. Returns the selected positions, sorted.
    When every weight is positive (the usual case: the Congress's assemblies of
    420,000 members) the items are keyed where they are, without gathering the
    positive ones (42 against 40 ms; the same keys, added in the same order).
    """
    weights = np.asarray(weights, dtype=np.float64)
    positive = weights > 0
    if positive.all():
        keys = np.log(weights)
        keys += rng.gumbel(size=len(keys))
        return np.sort(top_within(np.asarray(groups), keys, np.asarray(k))[0])
    rows = np.flatnonzero(positive)
    keys = np.log(weights[rows]) + rng.gumbel(size=len(rows))
    return np.sort(rows[top_within(np.asarray(groups)[rows], keys, np.asarray(k))[0]])


def rows_where(rng: np.random.Generator, n: int, k: int, keep, max_rounds: int = 30) -> np.ndarray:
    """Up to ``k`` rows drawn uniformly (with replacement) from those of 0..n-1 that ``keep`` accepts.

    Rejection sampling in batches sized by the acceptance seen so far: O(k / acceptance)
    work instead of a pass over all n rows. ``keep(rows)`` returns the accepted rows.
    Fewer than ``k`` come back only when nearly no row is accepted.
    """
    found: list[np.ndarray] = []
    have, drawn, accepted = 0, 0, 0
    for _ in range(max_rounds):
        if have >= k or n == 0:
            break
        rate = max(accepted / drawn, 0.01) if drawn else 0.5
        batch = int((k - have) / rate * 1.2) + 16
        kept = keep(rng.integers(0, n, batch))
        drawn, accepted = drawn + batch, accepted + len(kept)
        found.append(kept)
        have += len(kept)
    rows = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
    return rows[:k]
