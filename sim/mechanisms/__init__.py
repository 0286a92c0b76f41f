"""Mechanisms: one module per rule of the party's life, each a cohort-level SimPy process.

A mechanism owns one random stream, declares the flow columns it counts, and
exposes one or more cadences (arrays of sim days) with the step to run on
each. The engine turns every cadence into one SimPy process; a step updates
every member due at that tick with numpy (DESIGN.md, "the one rule").
"""
