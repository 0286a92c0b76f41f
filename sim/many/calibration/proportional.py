"""The proportional sampler: a multiplicative fixed-point iteration, for parameters that each set one figure.

Where each published figure follows mainly one positive parameter — the delegates of a sector
and the share of workplaces of its type, the delegates who hold office and the weight of
office — trial n + 1 multiplies each such parameter by the ratio of its figure's observed to
simulated value in trial n::

    p(n + 1) = clip(p(n) × observed / simulated(n), low, high)

This is the iteration of iterative proportional fitting (raking): for a composition whose
category k has a simulated share proportional to its parameter, one step lands on the observed
shares. It converges when each figure's elasticity to its own parameter lies between 0 and 2
and the figures depend on one another's parameters less than on their own (a share's
elasticity to its own weight is 1 − share); each step needs only the trial before it, so the
trials run one at a time (``batch: 1``), from ``start`` (trial 0). Parameters not mapped to a
figure keep their values from ``start``. Simulated figures are the mean over the trial's
replications (common random numbers, as for every sampler), so a step follows the
replications' noise too: once the search stalls within that noise, the best trial is the one
the objective ranks first.

Mapped in the spec as figure -> parameter, a figure being a target's name or, for a
composition, ``target:category``::

    sampler: proportional
    proportional:
      sectors_8th:service: organization.types.service.share
      sectors_8th:party_political: congress.selection.office
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.many.calibration.spec import Calibration
from sim.run.result import OutputError

if TYPE_CHECKING:  # the search (sim.many.calibration.study) calls propose: no import back at run time
    from sim.many.calibration.study import TrialResult


def propose(calibration: Calibration, previous: TrialResult) -> dict:
    """Trial n + 1's parameters from trial n's (``previous``): each mapped one scaled by observed/simulated."""
    mapping = calibration.spec.proportional
    assert mapping is not None  # spec._check_proportional: sampler proportional has a mapping
    if previous.errors:
        raise OutputError(f"trial {previous.number} failed ({previous.errors[0]}): no figures to propose from")
    params = dict(previous.params)
    for figure, name in mapping.items():
        target, _, category = figure.partition(":")
        component = next(c for c in previous.scores[target].components if c.component == category)
        bounds = calibration.spec.parameters[name]
        assert bounds.low is not None and bounds.high is not None  # checked with the mapping: a positive range
        ratio = component.observed / component.simulated_mean if component.simulated_mean > 0 else math.inf
        params[name] = min(max(params[name] * ratio, bounds.low), bounds.high)
    return params
