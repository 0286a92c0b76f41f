"""The scenario file format: pydantic sections, ``extends`` chains, ``--set`` overrides, clear errors.

The lowest layer: it knows nothing of the model, only what a valid scenario file is
(``loading`` for files and overrides, ``sections`` for each section's fields,
``spans`` for the ``5y``/``18m`` lengths of time the files write).
"""

from sim.scenario.loading import (
    MAX_EXTENDS_DEPTH,
    NAME_PATTERN,
    FieldPathError,
    PartysimError,
    Scenario,
    ScenarioError,
    UserFileModel,
    load_scenario,
    scenario_from_dict,
    scenario_schema,
    set_field,
    yaml_load,
)

__all__ = [
    "MAX_EXTENDS_DEPTH",
    "NAME_PATTERN",
    "FieldPathError",
    "PartysimError",
    "Scenario",
    "ScenarioError",
    "UserFileModel",
    "load_scenario",
    "scenario_from_dict",
    "scenario_schema",
    "set_field",
    "yaml_load",
]
