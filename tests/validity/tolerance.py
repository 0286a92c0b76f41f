"""Tolerances of the validity tests, derived from the variance of what is compared (never guessed).

Every validity test compares a simulated estimate with the analytic mean of a
special case and accepts a gap of at most ``SIGMAS`` standard deviations of
that estimate, the standard deviation coming from the analytic variance. With
a normal estimate a correct model fails one comparison with probability
6.3e-5; the seeds are fixed, so a test that passes keeps passing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

#: Accepted gap in standard deviations (two-sided false alarm 6.3e-5 under normality).
SIGMAS = 4.0


def assert_within_sigmas(observed: float, expected: float, sd: float, what: str) -> None:
    """Fail with the numbers when ``observed`` is more than ``SIGMAS`` sds from ``expected``."""
    gap = abs(observed - expected)
    assert gap <= SIGMAS * sd, (
        f"{what}: simulated {observed:.5g}, analytic {expected:.5g}, gap {gap:.3g} > {SIGMAS:g} sd = {SIGMAS * sd:.3g}"
    )


def binomial_share_sd(share: float, trials: int) -> float:
    """Standard deviation of the observed share of ``trials`` Bernoulli(``share``) outcomes."""
    return math.sqrt(share * (1 - share) / trials)


def time_average_variance(days: np.ndarray, autocovariance: Callable[[np.ndarray], np.ndarray]) -> float:
    """Variance of the mean of a stationary series sampled on ``days``: (1/n^2) sum_ij C(|t_i - t_j|)."""
    lags = np.abs(np.subtract.outer(days, days))
    return float(autocovariance(lags).sum()) / len(days) ** 2
