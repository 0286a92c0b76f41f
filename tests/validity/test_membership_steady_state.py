"""Birth-death steady state: with constant application rate, long-run full membership ~ lambda*p/mu.

With applications arriving as a Poisson process of rate lambda per year, each
leading to full membership with probability p (county approval times survival
through candidacy) and every member leaving at rate mu per year, full
membership is an M/G/infinity queue: at stationarity it is Poisson with mean
lambda*p/mu. Starting at that mean, E[N(t)] stays there; the standard error of
the mean over R independent seeds is sqrt(mean/R).
"""

from __future__ import annotations

import math

import numpy as np

from sim.run.engine import Simulation
from tests.conftest import small_scenario

LAMBDA = 250.0  # applications per year
APPROVE = 0.8
MU = 0.1  # exits per member per year
#: Mean candidacy: up to a year, decided at the last cell meeting before the
#: anniversary (on average half a month early).
CANDIDACY_DAYS = 365 - 14.7
REPLICATIONS = 6


def test_long_run_full_membership_matches_lambda_p_over_mu():
    survive = math.exp(-MU * CANDIDACY_DAYS / 365.25)
    expected_full = LAMBDA * APPROVE * survive / MU
    expected_candidates = LAMBDA * APPROVE * CANDIDACY_DAYS / 365.25
    members = round(expected_full + expected_candidates)
    scenario = small_scenario(
        duration="20y",
        record_every="1y",
        population={"members": members, "candidate_share": round(expected_candidates / members, 4)},
        membership={
            "applications_per_year": LAMBDA,
            "applications_per_member_year": 0,
            "cell_endorse_probability": 1,
            "county_approve_probability": APPROVE,
            "qualify_probability": 1,
        },
        attrition={"death_rate": MU, "retirement_rate": 0, "transfer_out_rate": 0},
    )
    finals = [Simulation(scenario, seed=seed).run().timeseries["members_full"].iloc[-1] for seed in range(REPLICATIONS)]
    standard_error = math.sqrt(expected_full / REPLICATIONS)
    assert abs(np.mean(finals) - expected_full) < 4 * standard_error, (np.mean(finals), expected_full)
