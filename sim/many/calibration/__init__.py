"""Calibration: fit a scenario's assumed parameters to published figures, then validate on held-out ones.

One module per concern: :mod:`.spec` (the spec file), :mod:`.likelihoods` (how a
target scores the replications of a trial), :mod:`.study` (the Optuna search under
common random numbers, resumable), :mod:`.outputs` (tables, best.yaml, importances).
:mod:`sim.many.calibrate` is the entry point the CLI and the Python API call.
"""
