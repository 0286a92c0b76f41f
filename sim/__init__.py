"""partysim: a discrete-event simulator of a ruling party's membership life cycle.

Python API::

    import sim
    scenario = sim.load_scenario("scenarios/county.yaml", overrides=["population.members=5000"])
    result = sim.run(scenario, seed=7)
    result.timeseries  # pandas DataFrame, one row per recorded date
    result.summary     # headline figures (dict)
    result.save("results/my-run")

Sweeps, comparisons, scenario discovery and reports: :mod:`sim.api` (``sim.sweep``,
``sim.compare``, ``sim.discover``, ``sim.report``), tables as pandas DataFrames.
"""

from __future__ import annotations

import importlib

from sim.run.result import Result
from sim.scenario import PartysimError, Scenario, ScenarioError, load_scenario

# The layer package ``sim.run`` (one run) is imported before the function ``run`` below is
# bound, so that ``sim.run`` stays the function: importing a submodule binds its name on the
# parent package only when it is first loaded.
importlib.import_module("sim.run")
importlib.import_module("sim.report")  # likewise: ``sim.report`` is the function below, not the package

__all__ = [
    "ComparisonResult",
    "DiscoveryResult",
    "PartysimError",
    "Result",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "calibrate",
    "compare",
    "discover",
    "load_scenario",
    "report",
    "run",
    "sweep",
]
__version__ = "0.1.0"


def run(scenario: Scenario | str, seed: int | None = None, events: bool = False, checks: bool = True) -> Result:
    """Run one scenario (with its own seed unless ``seed`` is given) and return the outputs.

    ``scenario`` is a :class:`Scenario` or the path of a scenario file; ``seed`` a non-negative
    integer. A bad argument raises :class:`ScenarioError` with the command line's message.

    ``events`` also collects the per-event table; ``checks`` (default on) verifies the
    model's invariants during the run (sim.model.invariants). Memory is not checked here, as it
    is by the command line: call ``sim.run.resources.check_memory([scenario])`` first to refuse
    a run too large for this machine.
    """
    from sim.run.engine import simulate
    from sim.scenario.loading import scenario_argument, seed_argument

    return simulate(scenario_argument(scenario), seed=seed_argument(seed), events=events, checks=checks)


def report(result, out=None):
    """Write the report page of a run, sweep, comparison or discovery directory, or of an API result (:func:`sim.api.report`)."""
    return importlib.import_module("sim.api").report(result, out)


#: Names served by :mod:`sim.api`, loaded on first use: ``import sim`` for one run need not load
#: sweeps and comparisons, and the layers below (which read ``sim.__version__``) must not.
API_NAMES = (
    "ComparisonResult",
    "DiscoveryResult",
    "SweepResult",
    "calibrate",
    "compare",
    "discover",
    "sweep",
)


def __getattr__(name: str):
    if name in API_NAMES:
        return getattr(importlib.import_module("sim.api"), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
