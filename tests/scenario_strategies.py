"""Hypothesis strategies for scenario files, derived from the published JSON Schema.

Why from the schema: ``partysim schema`` is the contract users and editors see.
Drawing every field from what it promises (type, range, enum, pattern) means a
field added tomorrow is fuzzed the day it lands, and a range the schema claims
but the engine cannot run is caught. Only what the schema cannot say is built
by hand below, each time naming the model rule it follows: dates inside the run
and in order, cell bounds, sector and cause names, and the run-cost caps that
keep a fuzzed run to a fraction of a second.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import string
from typing import Any

from hypothesis import strategies as st

from sim.scenario import scenario_schema
from sim.scenario.sections import DisciplineSection
from sim.scenario.sections.organization import TYPE_DEFAULTS
from sim.scenario.spans import Span, shift

SCHEMA = scenario_schema()
#: A field path: section and field names, list indexes (ints) and mapping keys.
FieldPath = tuple[Any, ...]
#: In the table of hand-built parts, "*" stands for any list index or mapping key.
ANY = "*"

# Run-cost caps (the model allows far more; a fuzzed run must take well under a second).
MEMBERS = (60, 400)
RUN_LENGTHS = ("8w", "13w", "26w", "2m", "3m", "6m", "56d", "100d", "183d")
#: Start dates: wide enough to reach calendar corner cases, and so that any span drawn below ends before 9999.
STARTS = (dt.date(1700, 1, 1), dt.date(2200, 12, 31))
#: Largest count per unit of the other spans (record_every, re-organization cadences): up to about 700 years.
SPAN_COUNTS = {"d": 250_000, "w": 36_000, "m": 8_400, "y": 700}
APPLICATIONS_PER_YEAR = 5_000.0


def resolve(node: dict) -> dict:
    """Follow a ``$ref`` into the schema's ``$defs``."""
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def node_at(path: FieldPath) -> dict:
    """The schema node describing the value at ``path`` (list indexes and mapping keys included)."""
    node = SCHEMA
    for part in path:
        node = resolve(node)
        if "anyOf" in node:
            node = next(n for n in node["anyOf"] if n.get("type") != "null")
        if node.get("type") == "array":
            node = node["items"]
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            node = node["additionalProperties"]
    return resolve(node)


def is_span(node: dict) -> bool:
    """A d/w/m/y span field: a string whose documented default is a span (duration, record_every, cadences)."""
    try:
        return node.get("type") == "string" and bool(Span.parse(node["default"]))
    except (KeyError, ValueError):
        return False


def limits(node: dict) -> tuple[Any, Any]:
    """(lowest, highest) of a numeric node, inclusive or exclusive as the node says; None where it sets none."""
    return node.get("minimum", node.get("exclusiveMinimum")), node.get("maximum", node.get("exclusiveMaximum"))


def bounds(path: FieldPath) -> tuple[Any, Any]:
    """Limits of the numeric field at ``path``."""
    return limits(node_at(path))


SECTORS = tuple(resolve(SCHEMA["$defs"]["SectorShares"])["properties"])
#: Default share of workplaces by organization type (UnitTypes: a type drawn without its share keeps it).
TYPE_SHARES = {name: fields["share"] for name, fields in TYPE_DEFAULTS.items()}
DEFAULT_CAUSES = tuple(DisciplineSection().causes)
#: Named in the model as a cause the engine reserves for itself.
RESERVED_CAUSES = ("recommender_liability",)


def spans(counts: dict[str, int]) -> st.SearchStrategy[str]:
    """Valid d/w/m/y spans up to the given count per unit."""
    return st.sampled_from(sorted(counts)).flatmap(
        lambda unit: st.integers(1, counts[unit]).map(lambda n: f"{n}{unit}")
    )


def from_schema(
    node: dict, path: FieldPath = (), built: dict[FieldPath, st.SearchStrategy] | None = None
) -> st.SearchStrategy:
    """Valid values of one schema node; ``built`` replaces the parts the schema cannot describe.

    An object draws any subset of its optional fields (the rest keep their
    defaults) and all of its required ones.
    """
    built = built or {}
    if path in built:
        return built[path]
    node = resolve(node)
    if "anyOf" in node:
        return st.one_of([from_schema(option, path, built) for option in node["anyOf"]])
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object" and "properties" in node:
        fields = {
            name: from_schema(sub, path + (name,), built)
            for name, sub in node["properties"].items()
            if name != "extends"
        }
        required = set(node.get("required", ()))
        return st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={k: v for k, v in fields.items() if k not in required},
        )
    if kind == "object":
        keys = st.text(min_size=1, max_size=12)
        return st.dictionaries(keys, from_schema(node["additionalProperties"], path + (ANY,), built), max_size=3)
    if kind == "array":
        return st.lists(from_schema(node["items"], path + (ANY,), built), min_size=node.get("minItems", 0), max_size=3)
    if kind == "integer":
        return st.integers(node.get("minimum"), node.get("maximum"))
    if kind == "number":
        low, high = limits(node)
        return st.floats(
            low,
            high,
            exclude_min="exclusiveMinimum" in node,
            exclude_max="exclusiveMaximum" in node,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if is_span(node):
        return spans(SPAN_COUNTS)
    if node.get("format") == "date":
        return st.dates().map(dt.date.isoformat)
    if "pattern" in node:
        return st.from_regex(node["pattern"].removeprefix("^").removesuffix("$"), fullmatch=True)
    return st.text(max_size=20)


def _window(start: dt.date, end: dt.date) -> st.SearchStrategy[dt.date]:
    """Days inside the run: one-off dates must fall in [start, end) (Scenario._dates_inside_the_run)."""
    return st.dates(start, end - dt.timedelta(days=1))


def increasing_dates(draw, start: dt.date, end: dt.date, count: int) -> list[dt.date]:
    """``count`` strictly increasing days of the run: sorted draws from its first days, the i-th moved i days on.

    Drawing distinct days instead needs a filter, which Hypothesis often fails to satisfy on a short run.
    """
    early = _window(start, end - dt.timedelta(days=count - 1))
    return [
        day + dt.timedelta(days=i)
        for i, day in enumerate(sorted(draw(st.lists(early, min_size=count, max_size=count))))
    ]


#: Fields the organization rules tie together.
TIED_ORGANIZATION_FIELDS = ("cell_min", "cell_max", "cell_size_mean", "org_committee_size", "executive_committee_size")


@st.composite
def organizations(draw, members: int) -> dict:
    """The organization section: cell bounds and odd units drawn together (OrganizationSection._cell_bounds)."""
    section = ("organization",)
    cell_min = draw(st.integers(*bounds(section + ("cell_min",))))
    lowest_max, highest_max = bounds(section + ("cell_max",))
    cell_max = draw(st.integers(max(4 * cell_min - 3, cell_min, lowest_max), highest_max))
    org_size = draw(st.integers(*bounds(section + ("org_committee_size",))))
    odd_sizes = st.lists(st.integers(1, cell_min - 1), max_size=3) if cell_min > 1 else st.just([])
    odd = {
        "small_units": odd_sizes,
        "abroad_teams": odd_sizes,
        "extra_cells": st.lists(st.integers(cell_min, cell_max), max_size=2),
    }
    built = {
        section + ("cell_min",): st.just(cell_min),
        section + ("cell_max",): st.just(cell_max),
        section + ("cell_size_mean",): st.floats(cell_min, cell_max),
        section + ("org_committee_size",): st.just(org_size),
        section + ("executive_committee_size",): st.integers(
            bounds(section + ("executive_committee_size",))[0], org_size
        ),
        **{section + (name,): strategy for name, strategy in odd.items()},
    }
    data = draw(from_schema(node_at(section), section, built))
    for name in TIED_ORGANIZATION_FIELDS:  # always written: their defaults could break the bounds drawn with them
        if name not in data:
            data[name] = draw(built[section + (name,)])
    units = sum(data.get("small_units", []) + data.get("abroad_teams", []) + data.get("extra_cells", []))
    if units > members:  # odd units hold at most population.members members (Scenario._dates_inside_the_run)
        for name in odd:
            data.pop(name, None)
    return data


#: One cause of punishment (a value of discipline.causes).
CAUSE = ("discipline", "causes", ANY)


def causes() -> st.SearchStrategy[dict]:
    """Causes of punishment by name: the default ones and invented ones, never a reserved name."""
    names = st.sampled_from(DEFAULT_CAUSES) | st.text(string.ascii_lowercase + "_", min_size=1, max_size=10)
    return st.dictionaries(
        names.filter(lambda name: name not in RESERVED_CAUSES),
        from_schema(node_at(CAUSE), CAUSE, _sector_maps()),
        max_size=6,
    )


def _sector_maps() -> dict[FieldPath, st.SearchStrategy]:
    """Mappings keyed by sector name (the model checks the names); values as the schema says."""
    paths = [("discipline", "causes", ANY, "sector_modifiers"), ("congress", "selection", "sectors")]
    return {
        path: st.dictionaries(st.sampled_from(SECTORS), from_schema(node_at(path + (ANY,))), max_size=3)
        for path in paths
    }


@st.composite
def congress_cycles(draw, start: dt.date, end: dt.date, inspection_allowed: bool) -> list[dict]:
    """Congress cycles with every date in the run, in order, and cycles that do not overlap (CongressCycle._in_order)."""
    levels = draw(st.lists(st.sampled_from([["county", "province"], ["county"], ["province"]]), min_size=1, max_size=2))
    steps = ["announce", "assemblies_open", "assemblies_close", "report_deadline"]
    dates = increasing_dates(draw, start, end, sum(len(steps) + len(lv) + 1 for lv in levels))
    cycles = []
    path = ("congress", "cycles", ANY)
    for cycle_levels in levels:
        own, dates = dates[: len(steps) + len(cycle_levels) + 1], dates[len(steps) + len(cycle_levels) + 1 :]
        conference = ("congress", "cycles", ANY, "conferences", ANY)
        conferences = [
            draw(
                from_schema(
                    node_at(conference),
                    conference,
                    {
                        conference + ("date",): st.just(day.isoformat()),
                        conference + ("level",): st.just(level),
                        conference + ("close",): st.none(),  # windows must nest (CongressCycle._in_order): left out
                    },
                )
            )
            for level, day in zip(cycle_levels, own[len(steps) : -1])
        ]
        inspection = st.none()
        if inspection_allowed:  # an inspection refers bribers to the cause 'bribery' (Scenario rule)
            inspection |= st.dates(own[0], own[-2]).map(dt.date.isoformat)
        built = {path + (step,): st.just(day.isoformat()) for step, day in zip(steps, own)}
        built |= {
            path + ("congress",): st.just(own[-1].isoformat()),
            path + ("conferences",): st.just(conferences),
            path + ("inspection",): inspection,
            path + ("credential_review",): st.none(),  # between the last close and the Congress: left out
            path + ("published",): st.none(),
        }
        cycles.append(draw(from_schema(node_at(path), path, built)))
    return cycles


#: The dated mechanisms chain the most rules (dates in order, inside the run, causes that exist).
DATED_MECHANISMS = (("congress", "enabled"), ("congress", "cycles"), ("campaigns",), ("amnesty", "orders"))


@st.composite
def valid_scenarios(draw) -> dict:
    """A valid scenario mapping (as it would be written in YAML), cheap enough to run in a test."""
    start = draw(st.dates(*STARTS))
    duration = draw(st.sampled_from(RUN_LENGTHS))
    end = shift(start, Span.parse(duration))
    window = _window(start, end)
    members = draw(st.integers(*MEMBERS))
    drawn_causes = draw(causes())
    cause_lists = st.lists(st.sampled_from(sorted(drawn_causes)), max_size=3) if drawn_causes else st.just([])
    campaign = ("campaigns", ANY)
    order = ("amnesty", "orders", ANY)
    built = {
        ("start",): st.just(start.isoformat()),
        ("duration",): st.just(duration),
        ("population", "members"): st.just(members),
        ("organization", "types"): from_schema(node_at(("organization", "types"))).filter(
            lambda types: sum({**TYPE_SHARES, **{k: v["share"] for k, v in types.items()}}.values()) > 0
        ),  # UnitTypes._positive_total
        ("organization",): organizations(members),
        ("membership", "applications_per_year"): st.floats(0, APPLICATIONS_PER_YEAR),
        ("discipline", "causes"): st.just(drawn_causes),
        ("congress", "cycles"): congress_cycles(start, end, "bribery" in drawn_causes),
        ("congress", "central_committee"): st.none(),  # it requires every cycle's ex_officio_total to be 0
        campaign + ("start",): window.map(dt.date.isoformat),
        campaign + ("end",): window.map(dt.date.isoformat),
        campaign + ("sectors",): st.lists(st.sampled_from(SECTORS), max_size=3),
        order + ("date",): window.map(dt.date.isoformat),
        order + ("causes",): cause_lists,
        order + ("educate_causes",): cause_lists,
        **_sector_maps(),
    }
    data = draw(from_schema(SCHEMA, (), built))
    for path in DATED_MECHANISMS:  # always written: left optional, each would be in about one scenario in thirty
        section = data
        for key in path[:-1]:
            section = section.setdefault(key, {})
        if path[-1] not in section:
            section[path[-1]] = draw(from_schema(node_at(path), path, built))
    if data.get("critique", {}).get("enabled", True) and "insincerity" not in drawn_causes:
        # the cause Party Life Critique refers members to (Scenario._dates_inside_the_run)
        drawn_causes["insincerity"] = draw(from_schema(node_at(CAUSE), CAUSE, _sector_maps()))
    # Written out whatever the draw: their defaults would break the rules the hand-built parts follow.
    data.update(
        start=start.isoformat(), duration=duration, discipline={**data.get("discipline", {}), "causes": drawn_causes}
    )
    data.setdefault("population", {})["members"] = members
    for item in data.get("campaigns", []):  # CampaignSpec._valid: end on or after start
        item["start"], item["end"] = sorted([item["start"], item["end"]])
    for item in data.get("amnesty", {}).get("orders", []):  # their default causes may not exist in this scenario
        item.setdefault("causes", [])
        item.setdefault("educate_causes", [])
    # A fresh copy: Hypothesis prints a failing example from how its parts were first drawn,
    # which the lines above changed.
    return copy.deepcopy(data)


# ---------------------------------------------------------------------------
# Invalid values, per schema node
# ---------------------------------------------------------------------------

#: Values of the wrong type for each JSON type; none of them is coerced by pydantic's lax mode.
WRONG_TYPES: dict[str, list] = {
    "integer": ["lots", [1, 2], {"a": 1}, None, 2.5],
    "number": ["lots", [1.5], {"a": 1}, None],
    "boolean": ["maybe", 2, 0.5, [True], None],
    "string": [5, 2.5, [1], {"a": "b"}, None],
    "array": ["text", 5, {"a": 1}, None],
    "object": ["text", 5, [1, 2], None],
}
BAD_DATES = ["2016-02-30", "2016-13-01", "soon", "10/05/2016", [2016, 5, 10]]
BAD_SPANS = ["0d", "0y", "-3m", "5x", "1.5y", "", "y", "99999999999y", "99999999999999999999d", "9" * 40 + "w"]
NON_FINITE = [float("inf"), float("-inf"), float("nan")]


def json_type(node: dict) -> str:
    """The JSON type of a node (a union counts as the type of its non-null member)."""
    if "anyOf" in node:
        return next(json_type(resolve(n)) for n in node["anyOf"] if n.get("type") != "null")  # a member may be a $ref
    return "string" if "enum" in node and "type" not in node else node["type"]


def nullable(node: dict) -> bool:
    return any(n.get("type") == "null" for n in node.get("anyOf", ()))


def bad_values(node: dict) -> st.SearchStrategy:
    """Values the field at ``node`` must reject: wrong types, out of range, huge, negative, non-finite."""
    kind = json_type(node)
    wrong = [v for v in WRONG_TYPES[kind] if not (v is None and nullable(node))]
    options = [st.sampled_from(wrong)]
    if kind in ("integer", "number"):
        low, high = limits(node)
        outside = [-(10**40), -1e300] if low is not None else []
        outside += [10**40, 1e300] if high is not None else []
        if low is not None:
            outside += [low - 1, low - 0.5] if "exclusiveMinimum" not in node else [low, low - 1]
        if high is not None:
            outside += [high + 1, high + 0.5] if "exclusiveMaximum" not in node else [high, high + 1]
        options.append(st.sampled_from(outside + NON_FINITE))
    if node.get("format") == "date" or any(n.get("format") == "date" for n in node.get("anyOf", ())):
        options.append(st.sampled_from(BAD_DATES))
    if "enum" in node:
        options.append(st.sampled_from(["nonsense", "Warning", ""]))
    if is_span(node):
        options.append(st.sampled_from(BAD_SPANS))
    if "pattern" in node:
        options.append(st.text(max_size=8).filter(lambda text: not re.fullmatch(node["pattern"].strip("^$"), text)))
    if node.get("minItems"):
        options.append(st.just([]))
    return st.one_of(options)


def slots(data: Any, path: FieldPath = ()) -> list[FieldPath]:
    """Every field path of a drawn scenario that could hold a value: present or not, inside present sections."""
    node = node_at(path)
    found = [path] if path else []
    if isinstance(data, dict) and "properties" in node:
        for name in node["properties"]:
            if name == "extends":
                continue
            found += slots(data[name], path + (name,)) if name in data else [path + (name,)]
    elif isinstance(data, dict):
        for key, value in data.items():
            found += slots(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += slots(value, path + (index,))
    return found


def set_at(data: dict, path: FieldPath, value: Any) -> dict:
    """A copy of ``data`` with ``value`` at ``path`` (missing sections created)."""
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    head = path[0]
    child = copy[head] if isinstance(copy, list) else copy.get(head, {})
    copy[head] = set_at(child, path[1:], value)
    return copy


@st.composite
def broken_fields(draw) -> tuple[dict, str]:
    """A valid scenario with one field given a value it must reject: (data, dotted field path)."""
    data = draw(valid_scenarios())
    path = draw(st.sampled_from(slots(data)))
    return set_at(data, path, draw(bad_values(node_at(path)))), ".".join(map(str, path))


@st.composite
def unknown_fields(draw) -> tuple[dict, str]:
    """A valid scenario with a field no section has, often a misspelling of a real one: (data, dotted path)."""
    data = draw(valid_scenarios())
    sections = [()] + [path for path in slots(data) if "properties" in node_at(path)]
    path = draw(st.sampled_from(sections))
    known = set(node_at(path)["properties"])
    real = draw(st.sampled_from(sorted(known)))
    typo = st.integers(0, len(real)).map(lambda i: real[:i] + real[i + 1 :] + ("_" if i == len(real) else ""))
    key = draw(
        (typo | st.text(string.ascii_letters + "_", min_size=1, max_size=12)).filter(
            lambda k: k not in known and k != "extends"
        )
    )
    return set_at(data, path + (key,), draw(st.integers() | st.text(max_size=5) | st.just(None))), ".".join(
        map(str, path + (key,))
    )
