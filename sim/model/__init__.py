"""The model's state and its machinery.

Member and organization tables (structs of numpy arrays), the party on day 0
(structure, founding, traits), offices and elections, the calendar and the agenda of
deferred procedures, cohorts of units that meet on the same day, sampling of rare
events, one random stream per mechanism, roll-ups up the hierarchy, apportionment of
slots, the punishment ladder, the counters mechanisms add to, the invariants every run
checks, and the :class:`~sim.model.world.World` that holds one run's state.
Imports only :mod:`sim.scenario` below it.
"""
