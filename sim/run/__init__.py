"""One run: the engine (one simpy.Environment), the recorder, the result and its output
contract, the run directory, resource guards and signal handling.

Imports :mod:`sim.mechanisms`, :mod:`sim.model` and :mod:`sim.scenario` below it.
"""
