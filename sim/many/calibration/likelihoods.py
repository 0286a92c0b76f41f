"""How one target scores a trial: the log-likelihood of the observed figure given the replications.

The replications of a trial estimate the model's expectation of each outcome;
the likelihood then asks how probable the published figure is if the model's
expectation were the truth:

- ``poisson``: a count, observed ~ Poisson(simulated mean × scale);
- ``binomial``: k of n (women among the delegates), observed ~ Binomial(n, p), p the
  simulated mean of outcome / denominator;
- ``normal``: an estimate with a stated sd (members around 2021), observed ~ N(mean × scale, sd);
- ``multinomial``: a composition (delegates by sector), observed counts ~ Multinomial(n, p),
  p the simulated mean shares;
- ``dirichlet_multinomial``: the same with over-dispersion ``concentration`` (the
  published composition is one draw of a noisier process than the model's).

Simulated probabilities are kept off 0 and 1 by :data:`FLOOR`: a category the model never
fills would otherwise give −∞ and no gradient for the sampler to follow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: Smallest simulated probability or rate used in a likelihood (see the module docstring).
FLOOR = 1e-6

COUNT_LIKELIHOODS = ("poisson", "binomial", "normal")
COMPOSITION_LIKELIHOODS = ("multinomial", "dirichlet_multinomial")


def poisson(observed: float, mean: float) -> float:
    from scipy import stats  # imported here: scipy.stats takes a second to import, and a run never needs it

    return float(stats.poisson.logpmf(round(observed), max(mean, FLOOR)))


def binomial(observed: float, n: float, p: float) -> float:
    from scipy import stats

    return float(stats.binom.logpmf(round(observed), round(n), min(max(p, FLOOR), 1 - FLOOR)))


def normal(observed: float, mean: float, sd: float) -> float:
    from scipy import stats

    return float(stats.norm.logpdf(observed, mean, sd))


def multinomial(observed: np.ndarray, shares: np.ndarray) -> float:
    from scipy import stats

    p = np.maximum(shares, FLOOR)
    return float(stats.multinomial.logpmf(np.rint(observed).astype(int), int(np.rint(observed).sum()), p / p.sum()))


def dirichlet_multinomial(observed: np.ndarray, shares: np.ndarray, concentration: float) -> float:
    """log P(observed) under a Dirichlet-multinomial with mean ``shares`` and total concentration α₀."""
    from scipy import special

    k = np.rint(observed)
    n = k.sum()
    p = np.maximum(shares, FLOOR)
    alpha = concentration * p / p.sum()
    return float(
        special.gammaln(concentration)
        + special.gammaln(n + 1)
        - special.gammaln(n + concentration)
        + np.sum(special.gammaln(k + alpha) - special.gammaln(alpha) - special.gammaln(k + 1))
    )


@dataclass(frozen=True)
class Component:
    """One figure of a target (a composition has one per category), on the observed figure's scale."""

    component: str
    observed: float
    simulated_mean: float
    simulated_sd: float
    low: float
    high: float
    standardized_error: float


@dataclass(frozen=True)
class Score:
    """A target's log-likelihood given a trial's replications, with the figures it compared."""

    loglik: float
    components: list[Component]


def score(target, name: str, replications: Sequence[Mapping[str, float]]) -> Score:
    """Score ``target`` against the outcome values of every replication (see the module docstring).

    Each replication is first put on the observed figure's scale (× ``scale``; a share of the
    observed total for binomial and composition targets); their mean is the model's expectation.
    The standardized error divides the miss by the sd of the observation model at that expectation.
    """
    if isinstance(target.observed, dict):
        keys = list(target.observed)
        counts = np.array([[r.get(f"{name}:{k}", np.nan) for k in keys] for r in replications], dtype=float)
        observed = np.array([target.observed[k] for k in keys], dtype=float)
        n = observed.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            per_run = counts / counts.sum(axis=1, keepdims=True) * n
        expected = per_run.mean(axis=0)
        p = expected / n
        q = np.maximum(p, FLOOR)  # the likelihood's floor: a category the model never fills still has an error
        if target.likelihood == "multinomial":
            loglik = multinomial(observed, p) if np.isfinite(p).all() else -np.inf
            variance = n * q * (1 - q)
        else:
            alpha = target.concentration
            loglik = dirichlet_multinomial(observed, p, alpha) if np.isfinite(p).all() else -np.inf
            variance = n * q * (1 - q) * (n + alpha) / (1 + alpha)
        return Score(loglik, [_component(k, observed[i], per_run[:, i], variance[i]) for i, k in enumerate(keys)])
    values = np.array([r.get(name, np.nan) for r in replications], dtype=float)
    figure = float(target.observed)
    if target.likelihood == "binomial":
        n = target.observed_denominator
        totals = np.array([r.get(f"{name}:of", np.nan) for r in replications], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            per_run = values / totals * n
        p = per_run.mean() / n
        loglik, variance = binomial(figure, n, p), n * p * (1 - p)
    else:
        per_run = values * target.scale
        mean = per_run.mean()
        if target.likelihood == "poisson":
            loglik, variance = poisson(figure, mean), mean
        else:
            loglik, variance = normal(figure, mean, target.sd), target.sd**2
    if not np.isfinite(per_run).all():
        loglik = -np.inf
    return Score(loglik, [_component("", figure, per_run, variance)])


def _component(label: str, observed: float, per_run: np.ndarray, variance: float) -> Component:
    mean = float(per_run.mean())
    sd = float(per_run.std(ddof=1)) if len(per_run) > 1 else float("nan")
    low, high = (float(q) for q in np.quantile(per_run, [0.025, 0.975])) if np.isfinite(per_run).all() else (mean, mean)
    z = (observed - mean) / np.sqrt(variance) if variance > 0 else float("nan")
    return Component(label, float(observed), mean, sd, low, high, float(z))
