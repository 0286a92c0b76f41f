"""Many runs: sweeps, paired comparisons, their executors (local pool, Dask), designs,
the outcome grammar, confidence intervals.

Imports :mod:`sim.run` and the layers below it.
"""
