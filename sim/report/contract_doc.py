"""The output contract as Markdown, generated from a real (small) run.

The documentation site (``docs/hooks.py``) lists every column of
``timeseries`` and every key of ``summary.json`` that a run of the shipped
county scenario actually writes, so that a column a mechanism adds appears
in the docs at the next build. What a column *means* is read from the code
where the code says it (the transition flows and organization counts of
``sim.run.recorder``, the ladder's levels) and otherwise from the short
glossary below; a column nobody has described yet is still listed, as
"not described yet", so that the gap shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from sim.model.ladder import LEVELS, STANDING_LEVELS
from sim.run.engine import Simulation, simulate
from sim.run.recorder import ORG_COUNTS, TRANSITION_FLOWS
from sim.run.result import Result
from sim.scenario import load_scenario

#: The run the contract is read from: the county scenario, small, over its whole five years (so that
#: the campaigns, the amnesty order and the 8th Congress cycle all happen).
SAMPLE_SCENARIO = "scenarios/county.yaml"
SAMPLE_OVERRIDES = ("population.members=300",)
SAMPLE_SEED = 1

#: Columns whose meaning the code does not state elsewhere: name -> (stock or flow, meaning).
GLOSSARY: dict[str, tuple[str, str]] = {
    "date": ("key", "the recorded date (a row's stocks are the state at the start of this date)"),
    "day": ("key", "sim day of the row, 0 at the scenario's `start`"),
    "members_full": ("stock", "full members"),
    "members_candidate": ("stock", "candidate members on probation"),
    "members_demoted": ("stock", "full members demoted to candidate by a probation punishment"),
    "applicants": ("stock", "applications filed and not yet decided"),
    "punished_total": ("stock", "active members under a standing punishment"),
    "punishments_issued": ("flow", "punishments decided (every level, expulsion included)"),
    "punishments_lifted": ("flow", "standing punishments lifted after good conduct or by amnesty"),
    "punishments_removed": ("flow", "standing punishments ended because the member left the party"),
    "punishments_replaced": ("flow", "standing punishments replaced by a heavier one"),
    "amnestied": ("flow", "punishments lifted by an amnesty order"),
    "educated": ("flow", "punished members given ideological education by an amnesty order"),
    "meetings_held": ("flow", "meetings of every body (cells, committees, general meetings)"),
    "critiques_held": ("flow", "Party Life Critique sessions"),
    "critique_attendance": ("flow", "member attendances at critique sessions"),
    "critique_findings": ("flow", "attendances that drew criticism with findings"),
    "critique_referrals": ("flow", "members referred to discipline by critique (insincerity)"),
    "referrals": ("flow", "discipline cases opened (every cause)"),
    "liability_referrals": ("flow", "recommenders referred for a recruit expelled soon after admission"),
    "expulsions_not_ratified": ("flow", "expulsions the county/city committee refused (probation instead)"),
    "discharged_to_civilian_cells": (
        "flow",
        "soldiers discharged into civilian cells inside the run, with their record (military_service.discharge_to)",
    ),
    "punishments_not_ratified": (
        "flow",
        "removals from post and demotions the county/city committee refused (the next lighter level instead)",
    ),
    "applications_unsponsored": ("flow", "planned applications that found no recommenders"),
    "probation_extended": ("flow", "candidates given their one extension of probation"),
    "delegate_pool": ("stock", "members recommended and still in the Congress race"),
    "delegates_selected": ("stock", "delegates selected in the current Congress cycle"),
    "delegates_chosen": ("flow", "delegates selected since the previous row"),
    "assemblies_held": ("flow", "pre-Congress general assemblies held"),
    "recommendations": ("flow", "members recommended by the assemblies"),
    "units_late": ("flow", "cells whose assembly report missed the deadline"),
    "bribers_detected": ("flow", "bribers caught by the anti-corruption inspection"),
    "congresses_held": ("flow", "Congresses opened"),
    "achievers_credited": ("flow", "members credited as achievers at a campaign's end"),
    "cell_meetings": ("flow", "monthly cell (and party team) meetings"),
    "cell_committee_meetings": ("flow", "meetings of cell committees"),
    "general_meetings": ("flow", "general membership meetings of primary, branch and sub-primary organizations"),
    "committee_meetings": ("flow", "meetings of those organizations' committees"),
    "executive_meetings": ("flow", "meetings of executive committees"),
    "reports_sent": ("flow", "regular reports of basic organizations to the higher committees"),
    "reviews_monthly": ("flow", "monthly life reviews"),
    "reviews_quarterly": ("flow", "quarterly life reviews"),
    "reviews_yearly": ("flow", "yearly life reviews"),
    "reorganizations": ("flow", "re-organization passes that changed something (regular or on a threshold)"),
    "cells_split": ("flow", "cells split for being above the maximum size"),
    "cells_merged": ("flow", "cells merged for being below the minimum size"),
    "units_attached": ("flow", "small units attached to a neighbour"),
    "members_reassigned": ("flow", "members moved to another cell by re-organization"),
    "orgs_formed": ("flow", "organizations formed"),
    "orgs_dissolved": ("flow", "organizations dissolved"),
    "offices_changed": ("flow", "offices filled or vacated by elections"),
    "cell_committees": ("stock", "cells with a cell committee"),
    "executive_committees": ("stock", "organizations with an executive committee"),
    "units_below_minimum": ("stock", "cells below `organization.cell_min` members"),
}


def _status(status) -> str:
    return status.name.lower().replace("_", " ")


def describe_column(name: str) -> tuple[str, str]:
    """(stock, flow or key; meaning) of a time-series column, from the code or the glossary."""
    if name in TRANSITION_FLOWS:
        moves = ", ".join(f"{_status(a)} → {_status(b)}" for a, b in TRANSITION_FLOWS[name])
        return "flow", f"status changes {moves}"
    if name in ORG_COUNTS:
        return "stock", f"organizations of kind {ORG_COUNTS[name].name.lower()}"
    if name in GLOSSARY:
        return GLOSSARY[name]
    for level in STANDING_LEVELS:
        if name == f"punished_{level}":
            return "stock", f"active members whose standing punishment is {level.replace('_', ' ')}"
    prefix, _, rest = name.partition("_")
    if prefix == "issued" and rest in LEVELS:
        return "flow", f"punishments issued at level {rest.replace('_', ' ')}"
    if prefix == "issued":
        return "flow", f"punishments issued for cause {rest}"
    if prefix == "lifted":
        return "flow", f"punishments lifted for cause {rest}"
    if prefix == "exits":
        return "flow", f"members who left the party by {rest.replace('_', ' ')}"
    return "", "not described yet"


def timeseries_table(timeseries: pd.DataFrame) -> str:
    """Every column of a run's time series: name, type, stock or flow, meaning."""
    lines = ["| column | type | kind | meaning |", "|---|---|---|---|"]
    for name in timeseries.columns:
        kind, meaning = describe_column(name)
        lines.append(f"| `{name}` | {timeseries[name].dtype} | {kind} | {meaning} |")
    return "\n".join(lines) + "\n"


def _summary_rows(value, path: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _summary_rows(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        yield path, "list", f"{len(value)} item(s), each:"
        yield from _summary_rows(value[0], f"{path}[]")
    else:
        example = json.dumps(value, ensure_ascii=False)
        yield path, type(value).__name__ if value is not None else "null", f"`{example[:60]}`"


def summary_table(summary: dict) -> str:
    """Every key of ``summary.json`` (dotted; ``[]`` for the items of a list) with its value in the sample run."""
    lines = ["| key | type | in the sample run |", "|---|---|---|"]
    lines += [f"| `{key}` | {kind} | {example} |" for key, kind, example in _summary_rows(summary, "")]
    return "\n".join(lines) + "\n"


def sample_run(root: Path) -> Result:
    """The small county run the contract is read from (``root`` is the repository)."""
    scenario = load_scenario(root / SAMPLE_SCENARIO, list(SAMPLE_OVERRIDES))
    return simulate(scenario, seed=SAMPLE_SEED)


def sample_note() -> str:
    """Which run the generated tables come from, for the page to say so."""
    sets = " ".join(f"--set {o}" for o in SAMPLE_OVERRIDES)
    return f"Generated at build time from `partysim run {SAMPLE_SCENARIO} {sets} --seed {SAMPLE_SEED}`."


def mechanism_columns(root: Path) -> dict[str, tuple[str, ...]]:
    """The time-series columns each mechanism of the sample scenario counts or keeps, by mechanism name."""
    simulation = Simulation(load_scenario(root / SAMPLE_SCENARIO, list(SAMPLE_OVERRIDES)), seed=SAMPLE_SEED)
    return {m.name: (*m.flows(), *(k for k in m.stocks() if k not in m.flows())) for m in simulation.mechanisms}


def columns_table(names: tuple[str, ...]) -> str:
    """Time-series columns (a mechanism's outputs) with stock or flow and meaning, as a Markdown table."""
    lines = ["| column | kind | meaning |", "|---|---|---|"]
    for name in names:
        kind, meaning = describe_column(name)
        lines.append(f"| `{name}` | {kind} | {meaning} |")
    return "\n".join(lines) + "\n"


def manifest_table(manifest: dict) -> str:
    """Every key of ``manifest.json``; the resolved scenario is one key (its fields are the scenario reference)."""
    lines = ["| key | type | in the sample run |", "|---|---|---|"]
    for key, kind, example in _summary_rows(manifest, ""):
        if key.startswith("scenario."):
            continue
        lines.append(f"| `{key}` | {kind} | {example} |")
    if "scenario" in manifest:
        lines.append(
            "| `scenario` | dict | the fully resolved scenario (every field of the [scenario reference](scenario.md)) |"
        )
    return "\n".join(lines) + "\n"
