"""Scenario files: the pydantic model of every field, and loading with clear errors.

A scenario is a YAML mapping validated against :class:`Scenario`. Every field
has a documented default, a unit where it has one and a range, so that
``partysim schema`` gives editors completion and ``partysim validate`` catches
typos: unknown fields are errors. Variants say ``extends: base.yaml`` and list
only what differs; ``--set a.b=c`` overrides any field from the command line.

Errors are raised as :class:`ScenarioError` with one line naming the file, the
field path, the line (when the YAML parser knows it), what was expected and
what was found. The CLI prints that line and exits with code 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import reprlib
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import numpy as np
import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError, to_jsonable_python

from sim.scenario.sections import (
    SECTION_CONFIG,
    AmnestySection,
    AttritionSection,
    CampaignSpec,
    CongressSection,
    CritiqueSection,
    DisciplineSection,
    MeetingsSection,
    MembershipSection,
    OrganizationSection,
    PopulationSection,
)
from sim.scenario.spans import Span, shift

#: A name that is one path component: letters, digits, ``_ . -``, at least one not a dot (the default
#: output folder is ``results/<name>/``; ``..`` would put it outside ``results/``).
NAME_PATTERN = r"^[A-Za-z0-9_.-]*[A-Za-z0-9_-][A-Za-z0-9_.-]*$"


class PartysimError(Exception):
    """Any mistake of the user's, in the one line the command line prints (``partysim: error: ...``, exit 2).

    Defined in the lowest layer so that the Python API (:mod:`sim.api`) raises one type for every such
    mistake: scenario errors are one; the others (output directory, memory, executor) are re-raised as one.
    """


class ScenarioError(PartysimError):
    """A scenario (or sweep spec) that cannot be used; the message is one line for the user."""


#: The error type of a boolean written where a number is expected (its ``ctx["field"]`` is the path below the model).
BOOLEAN_FOR_NUMBER = "boolean_for_number"


def _unwrap(annotation: Any) -> Any:
    """The type inside ``Annotated[...]`` (constraints do not change what kind of value a field takes)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> list[Any]:
    """The non-null members of a union (``int | None`` -> ``[int]``), or the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [_unwrap(a) for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _number_kind(annotation: Any) -> str | None:
    """``"integer"`` or ``"number"`` when a field takes numbers only, else None (a bool is fine there)."""
    members = _members(_unwrap(annotation))
    if members and all(m in (int, float) for m in members):
        return "integer" if all(m is int for m in members) else "number"
    return None


def boolean_for_number(annotation: Any, value: Any, path: tuple = ()) -> tuple[tuple, str] | None:
    """The path and kind of the first boolean under ``value`` where ``annotation`` expects a number.

    Follows only the fields, list items and mapping values that the annotation types, so the
    walk is as deep as the models (an alias repeated a billion times is not expanded).
    """
    annotation = _unwrap(annotation)
    if isinstance(value, bool):
        kind = _number_kind(annotation)
        return (path, kind) if kind else None
    members = _members(annotation)
    if len(members) != 1:
        return None
    annotation = members[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
        fields = annotation.model_fields
        items: list[tuple[str | int, Any, Any]] = [
            (key, fields[key].annotation, item) for key, item in value.items() if isinstance(key, str) and key in fields
        ]
    elif get_origin(annotation) is list and isinstance(value, list):
        items = [(index, get_args(annotation)[0], item) for index, item in enumerate(value)]
    elif get_origin(annotation) is dict and isinstance(value, dict):
        items = [(key, get_args(annotation)[1], item) for key, item in value.items()]
    else:
        return None
    for key, child, item in items:
        found = boolean_for_number(child, item, path + (key,))
        if found:
            return found
    return None


class UserFileModel(BaseModel):
    """Base of the models of user-written files (scenarios, sweep specs): no boolean stands for a number.

    pydantic's lax mode reads ``True`` as 1 (and 1.0), so ``seed: yes`` silently ran seed 1.
    Strict mode would also refuse what lax mode rightly converts (dates written as text,
    whole numbers for floats), so only booleans are refused, and for the whole tree of
    sections at once from the top-level model: one check, not one per field. The JSON
    Schema is unchanged: ``integer`` and ``number`` never included booleans there.
    """

    @model_validator(mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, data: Any) -> Any:
        found = boolean_for_number(cls, data)
        if found:
            path, kind = found
            value = _at(data, path)
            raise PydanticCustomError(
                BOOLEAN_FOR_NUMBER, f"a valid {kind}, found a boolean ({str(value).lower()})", {"field": path}
            )
        return data


def _at(data: Any, path: tuple) -> Any:
    """The value at ``path`` in the raw data (to show the boolean the user wrote)."""
    for key in path:
        data = data[key]
    return data


def _shift_on_calendar(field: str, span: str, origin: dt.date, described: str) -> dt.date:
    """``origin`` plus ``span``, or a ValueError naming ``field`` if that date is off the calendar."""
    try:
        return shift(origin, Span.parse(span))
    except (OverflowError, ValueError):
        raise ValueError(
            f"{field}: a span that, counted from {described}, ends before the year 10000, found {span!r}"
        ) from None


class Scenario(UserFileModel):
    """One simulated world: who is in the party, how it is organized, which rules run."""

    model_config = SECTION_CONFIG

    name: str = Field(
        "scenario",
        description="Short name; the default output folder is results/<name>/<timestamp>.",
        pattern=NAME_PATTERN,
    )
    description: str = Field("", description="Free text shown in reports.")
    seed: int = Field(1, ge=0, description="Seed of the run's random streams (one stream per mechanism).")
    start: dt.date = Field(dt.date(2016, 5, 10), description="Date of sim day 0 (YYYY-MM-DD).")
    duration: str = Field("5y", description="Simulated time: a count and a unit, d/w/m/y (e.g. 5y, 18m, 260w, 400d).")
    record_every: str = Field("1w", description="Interval between time-series rows (d/w/m/y span).")
    population: PopulationSection = Field(
        default_factory=PopulationSection, description="The party on day 0: members, candidates, sectors and traits."
    )
    organization: OrganizationSection = Field(
        default_factory=OrganizationSection,
        description="The organization tree: cells, primary organizations, counties, provinces, central.",
    )
    membership: MembershipSection = Field(
        default_factory=MembershipSection,
        description="Recruitment, applications, probation of candidates and admission to full membership.",
    )
    attrition: AttritionSection = Field(
        default_factory=AttritionSection,
        description="Members leaving: death, retirement and transfer out of the party.",
    )
    meetings: MeetingsSection = Field(
        default_factory=MeetingsSection,
        description="The bylaw meeting calendar of cells, basic organizations and their committees.",
    )
    critique: CritiqueSection = Field(
        default_factory=CritiqueSection, description="Party Life Critique sessions and what they reveal."
    )
    discipline: DisciplineSection = Field(
        default_factory=DisciplineSection, description="Punishments: causes, the ladder of levels, and their lifting."
    )
    campaigns: list[CampaignSpec] = Field(default_factory=list, description="Mass campaigns that credit achievers.")
    congress: CongressSection = Field(
        default_factory=CongressSection,
        description="The pre-Congress cycle: assemblies, conferences and the selection of delegates.",
    )
    amnesty: AmnestySection = Field(
        default_factory=AmnestySection, description="Amnesty orders that lift punishments before a Congress."
    )

    @classmethod
    def load(cls, path: str | Path, overrides: list[str] | None = None) -> Scenario:
        """Read a scenario file as the command line does (:func:`load_scenario`: ``extends``, ``--set`` overrides)."""
        return load_scenario(path, overrides)

    def with_changes(self, changes: dict[str, Any]) -> Scenario:
        """A copy with fields changed, ``{"critique.every_two_days.field_labour": 0.5}``: what-ifs without files.

        Paths follow the grammar of ``--set`` (:func:`set_field`: a number indexes a list);
        values are Python values, validated as a file's are, and a mistake is a
        :class:`ScenarioError` naming the field.
        """
        data, origins = self.model_dump(mode="json"), _Origins()
        for text, value in changes.items():
            try:
                data, keys = set_field(data, field_path(text), value)
            except FieldPathError as exc:
                raise ScenarioError(f"with_changes {text}: {exc}") from None
            except ValueError as exc:
                raise ScenarioError(f"with_changes {text!r}: expected {exc}") from None
            origins.claim(keys, (f"with_changes {text}", None))
        return scenario_from_dict(data, origins, "with_changes")

    @field_validator("duration", "record_every")
    @classmethod
    def _span(cls, value: str) -> str:
        span = Span.parse(value)
        if span.count <= 0:
            raise ValueError(f"a positive span, found {value!r}")
        return str(span)

    @model_validator(mode="after")
    def _spans_on_the_calendar(self) -> Scenario:
        """The run, and every cadence counted past its end, must stay on the calendar (before the year 10000).

        A cadence's ticks are counted up to the first one after the end of the run, so a
        cadence too long to add to that date would otherwise fail in the middle of the run.
        """
        end = _shift_on_calendar("duration", self.duration, self.start, "the start")
        for name, text in (
            ("record_every", self.record_every),
            ("organization.reorganize_every", self.organization.reorganize_every),
            ("organization.threshold_check_every", self.organization.threshold_check_every),
        ):
            _shift_on_calendar(name, text, end, f"the end of the run ({end})")
        return self

    @model_validator(mode="after")
    def _dates_inside_the_run(self) -> Scenario:
        """One-off dates must fall inside the run; causes named by orders or referred to by mechanisms must exist."""
        end = shift(self.start, Span.parse(self.duration))
        dated: list[tuple[str, dt.date]] = []
        for i, cycle in enumerate(self.congress.cycles if self.congress.enabled else []):
            dated += [
                (f"congress.cycles.{i}.announce", cycle.announce),
                (f"congress.cycles.{i}.congress", cycle.congress),
            ]
        for i, order in enumerate(self.amnesty.orders if self.amnesty.enabled else []):
            dated.append((f"amnesty.orders.{i}.date", order.date))
            for key in ("causes", "educate_causes"):
                unknown = sorted(set(getattr(order, key)) - set(self.discipline.causes))
                if unknown:
                    raise ValueError(
                        f"amnesty.orders.{i}.{key}: cause names among {sorted(self.discipline.causes)}, found {unknown}"
                    )
        for i, campaign in enumerate(self.campaigns):
            dated += [(f"campaigns.{i}.start", campaign.start), (f"campaigns.{i}.end", campaign.end)]
        for name, date in dated:
            if not self.start <= date < end:
                raise ValueError(f"{name}: a date inside the run ({self.start} to {end}), found {date}")
        odd = self.organization.small_units + self.organization.abroad_teams + self.organization.extra_cells
        if sum(odd) > self.population.members:
            raise ValueError(
                f"organization: small_units, abroad_teams and extra_cells holding at most "
                f"population.members ({self.population.members}) members, found {sum(odd)}"
            )
        inspected = any(c.inspection for c in self.congress.cycles) and self.congress.enabled
        if inspected and "bribery" not in self.discipline.causes:
            raise ValueError(
                "discipline.causes: a cause named 'bribery' for the Congress inspection to refer bribers to"
            )
        if self.critique.enabled and "insincerity" not in self.discipline.causes:  # referred even with discipline off
            raise ValueError(
                "discipline.causes: a cause named 'insincerity' for Party Life Critique to refer members to"
            )
        return self

    @property
    def duration_span(self) -> Span:
        return Span.parse(self.duration)

    @property
    def record_span(self) -> Span:
        return Span.parse(self.record_every)


# ---------------------------------------------------------------------------
# Loading: YAML with line numbers, `extends`, `--set`, error formatting
# ---------------------------------------------------------------------------

#: Deepest `extends` chain followed before the chain is called a mistake.
MAX_EXTENDS_DEPTH = 16


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: dates stay text and pydantic validates them,
    so an impossible date is reported against its field like any other value."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


if yaml.__with_libyaml__:

    class _FastLoader(yaml.CSafeLoader):
        """:class:`_Loader` parsing with libyaml (C): the same resolvers, so the same nodes, lines and data."""

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers

#: What libyaml and PyYAML's own parser read differently: a tab (PyYAML refuses some libyaml
#: takes), a ``?`` (complex keys in flow collections), a byte-order mark inside the text. A
#: file holding one is parsed by PyYAML alone.
PYYAML_ONLY = re.compile("[\t?\ufeff]")
#: Deepest nesting taken from libyaml's parse. PyYAML's composer recurses once per level and
#: gives up a few hundred levels down (RecursionError), libyaml at a thousand: a file nested
#: deeper than this is parsed by PyYAML, to be refused as it always was.
LIBYAML_DEPTH = 50


def yaml_load(text: str):
    """Parse YAML text the way scenario and sweep files are parsed."""
    return yaml.load(text, Loader=_Loader)


class _Origins:
    """Where each field path came from (file and line), for error messages."""

    def __init__(self) -> None:
        self.where: dict[tuple, tuple[str, int | None]] = {}

    def record(self, node: yaml.Node, source: str, prefix: tuple = (), visited: set[int] | None = None) -> None:
        """Record the line of every path under ``node``.

        An alias is the same node again: its contents are recorded at its first
        place only, or a self-referring alias would never end and ten nested
        aliases of ten ('billion laughs') would take forever.
        """
        visited = set() if visited is None else visited
        self.where[prefix] = (source, node.start_mark.line + 1)
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                self.record(value_node, source, prefix + (key_node.value,), visited)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.record(item, source, prefix + (index,), visited)

    def claim(self, keys: tuple, place: tuple[str, int | None]) -> None:
        """Locate ``keys`` at ``place``, and every section on the way that was not located yet
        (one the path created), so an unknown name along it is reported there too."""
        for cut in range(1, len(keys)):
            self.where.setdefault(tuple(keys[:cut]), place)
        self.where[tuple(keys)] = place

    def locate(self, path: tuple, default_source: str) -> tuple[str, int | None]:
        for cut in range(len(path), -1, -1):
            found = self.where.get(tuple(path[:cut]))
            if found:
                return found
        return default_source, None


#: The ``extends`` of the files read lately, by their text: :func:`scenario_files` follows the
#: chain of a scenario just loaded without parsing its files again (5-10 ms for the national
#: chain). A few dozen texts are kept (a sweep's base, a comparison's arms).
_extends_read: dict[str, Any] = {}
EXTENDS_REMEMBERED = 32


def _read_yaml(path: Path, origins: _Origins, what: str = "scenario fields") -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: expected a YAML file, found a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc.__class__.__name__}: {exc})") from None
    try:
        node, data = _compose_and_construct(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{path}{where}: invalid YAML: {problem}") from None
    except RecursionError:  # PyYAML's parser recurses once per level of nesting
        raise ScenarioError(f"{path}: invalid YAML: expected a few levels of nesting, found hundreds") from None
    _refuse_duplicate_keys(node, path)
    if node is None or data is None:  # node is None only for an empty file, where data is None too
        raise ScenarioError(f"{path}: expected a mapping of {what}, found an empty file")
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of {what}, found {type(data).__name__}")
    origins.record(node, str(path))
    if len(_extends_read) >= EXTENDS_REMEMBERED:
        _extends_read.clear()
    _extends_read[text] = data.get("extends")
    return data


def _compose_and_construct(text: str) -> tuple[yaml.Node | None, Any]:
    """The YAML node tree of ``text`` (its lines name fields in messages) and the data built from it.

    One parse: ``yaml.load`` is the same construction from a tree it would
    compose again. libyaml parses when it can, 0.6 ms for the national
    scenario's 6 KB where PyYAML's pure-Python parser takes 5-10 ms; a text it
    refuses, or one that holds what the two read differently (``PYYAML_ONLY``),
    is parsed by PyYAML, whose errors (message, line and column) are the ones
    reported.
    """
    if yaml.__with_libyaml__ and not PYYAML_ONLY.search(text):
        try:
            node, data = _parse(_FastLoader, text)
        except Exception:  # whatever libyaml refuses, PyYAML refuses in its own words, below
            pass
        else:
            if _nested_at_most(node, LIBYAML_DEPTH):
                return node, data
    return _parse(_Loader, text)


def _nested_at_most(node: yaml.Node | None, levels: int) -> bool:
    """Whether ``node`` nests at most ``levels`` deep as written (an alias is a leaf where it stands).

    Walked in document order, so that a node is met first where it is written (its anchor),
    before the aliases that refer to it.
    """
    pending: list[tuple[yaml.Node | None, int]] = [(node, 1)]
    visited: set[int] = set()
    while pending:
        node, depth = pending.pop()
        if node is None or id(node) in visited:
            continue
        if depth > levels:
            return False
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            pending.extend((child, depth + 1) for pair in reversed(node.value) for child in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((child, depth + 1) for child in reversed(node.value))
    return True


def _parse(kind: type[yaml.SafeLoader] | type[yaml.CSafeLoader], text: str) -> tuple[yaml.Node | None, Any]:
    loader = kind(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _refuse_duplicate_keys(node: yaml.Node | None, path: Path) -> None:
    """A key written twice in one mapping is an error naming both lines (YAML would keep the second silently)."""
    pending: list[tuple[yaml.Node | None, tuple[str | int, ...]]] = [(node, ())]
    visited: set[int] = set()
    while pending:
        node, prefix = pending.pop()
        if node is None or id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict = {}
            for key_node, value_node in node.value:
                key = key_node.value
                line = key_node.start_mark.line + 1
                if isinstance(key, str) and key in first_line:
                    field = ".".join(str(p) for p in (*prefix, key))
                    raise ScenarioError(
                        f"{path} (line {line}): {field}: expected each key once in a mapping, "
                        f"found it again (first at line {first_line[key]})"
                    )
                first_line.setdefault(key, line)
                pending.append((value_node, (*prefix, key)))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((item, (*prefix, index)) for index, item in enumerate(node.value))


def scenario_argument(scenario: Any) -> Scenario:
    """The scenario argument of the Python API: a Scenario, or the path of a scenario file (loaded here)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario)
    raise ScenarioError(f"scenario: expected a Scenario or the path of a scenario file, found {_describe(scenario)}")


def seed_argument(seed: Any) -> int | None:
    """A seed given to the Python API, validated as the files validate one: None or a non-negative integer."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ScenarioError(f"seed: expected a non-negative integer, found {_describe(seed)}")
    return int(seed)


def _merge(base: dict, override: dict) -> dict:
    """Deep merge: mappings merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _load_chain(path: Path, origins: _Origins, seen: tuple[Path, ...]) -> dict:
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in seen + (resolved,))
        raise ScenarioError(f"{path}: extends: expected a chain without cycles, found {chain}")
    if len(seen) >= MAX_EXTENDS_DEPTH:  # blame the file whose `extends` goes one level too deep
        raise ScenarioError(
            f"{seen[-1]}: extends: expected at most {MAX_EXTENDS_DEPTH} levels of extends, found more (it extends {path})"
        )
    own = _Origins()
    data = _read_yaml(path, own)
    parent = data.pop("extends", None)
    if parent is None:
        origins.where.update(own.where)
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(f"{path}: extends: expected a file name, found {_describe(parent)}")
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ScenarioError(f"{path}: extends: expected an existing scenario file, found no file at {parent_path}")
    base = _load_chain(parent_path, origins, seen + (resolved,))
    origins.where.update(own.where)  # the variant's own lines win
    return _merge(base, data)


class FieldPathError(ValueError):
    """A field path that cannot be followed into the data: at ``at``, expected ``expected``, found ``found``."""

    def __init__(self, at: str, expected: str, found: str) -> None:
        super().__init__(f"{at}: expected {expected}, found {found}")
        self.at, self.expected, self.found = at, expected, found


def field_path(text: str) -> list[str]:
    """The parts of a dotted field path (``congress.cycles.0.name``); ValueError if a part is empty.

    The one path grammar of ``--set``, a sweep spec's ``set`` and its parameters.
    """
    parts = text.strip().split(".")
    if not text.strip() or any(not p for p in parts):
        raise ValueError("a dotted field path like membership.applications_per_year")
    return parts


def _is_index(part: str) -> bool:
    return part.isascii() and part.isdigit()


def set_field(data: dict, parts: list[str], value: Any) -> tuple[dict, tuple[str | int, ...]]:
    """A copy of ``data`` with the field at ``parts`` set to ``value``, and that field's location.

    A numeric part indexes a list (``amnesty.orders.0.education_effect``) and must name an
    item the data has. A missing section is created, so that a misspelt name is reported by
    validation as an unknown field. Only the containers along the path are copied: ``data``
    itself is left as it was (a sweep sets every point on the same base). The location has
    list indices as ints, as pydantic reports them, so errors find their origin.
    """
    data = dict(data)
    node: dict | list = data
    keys: list[str | int] = []
    for depth, part in enumerate(parts):
        at = ".".join(parts[: depth + 1])
        key: str | int = part
        if isinstance(node, list):
            if not _is_index(part) or int(part) >= len(node):
                raise FieldPathError(at, f"an index below {len(node)}", repr(part))
            key = int(part)
        keys.append(key)
        if depth == len(parts) - 1:
            _set_item(node, key, value)
            break
        child = node[int(key)] if isinstance(node, list) else node.get(key)
        if child is None:
            if _is_index(parts[depth + 1]):
                raise FieldPathError(
                    at,
                    f"a list with an item {parts[depth + 1]}",
                    "none in the scenario file (write the list out to change one of its items)",
                )
            child = {}
        elif not isinstance(child, (dict, list)):
            raise FieldPathError(at, "a section", type(child).__name__)
        child = list(child) if isinstance(child, list) else dict(child)
        _set_item(node, key, child)
        node = child
    return data, tuple(keys)


def _set_item(node: dict | list, key: str | int, value: Any) -> None:
    """``node[key] = value`` in a mapping or a list (whose keys ``set_field`` made ints)."""
    if isinstance(node, list):
        node[int(key)] = value
    else:
        node[key] = value


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse ``a.b.c=value``; the value is read as a YAML scalar (numbers, booleans, dates)."""
    if "=" not in text:
        raise ScenarioError(f"--set {text}: expected path.to.field=value, found no '='")
    key, raw = text.split("=", 1)
    try:
        parts = field_path(key)
    except ValueError as exc:
        raise ScenarioError(f"--set {text}: expected {exc}") from None
    try:
        value = yaml_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return parts, value


def apply_overrides(
    data: dict, overrides: list[str], origins: _Origins, places: list[tuple[str, int | None]] | None = None
) -> dict:
    """Apply ``a.b.c=value`` overrides (see :func:`set_field`); ``places`` says where each was written.

    By default an override is located at its ``--set`` option; a sweep spec passes its
    ``set`` lines instead.
    """
    for index, text in enumerate(overrides):
        written = f"--set {text}"
        if places:  # a spec's `set:` entry: its file and line, not an option the user never typed
            source, line = places[index]
            written = f"{source} (line {line}): set.{index}" if line else f"{source}: set.{index}"
        try:
            parts, value = parse_override(text)
        except ScenarioError as exc:
            raise ScenarioError(str(exc).replace(f"--set {text}", written, 1)) from None
        try:
            data, keys = set_field(data, parts, value)
        except FieldPathError as exc:
            raise ScenarioError(f"{written}: {exc}") from None
        origins.claim(keys, places[index] if places else (f"--set {text}", None))
    return dict(data)


def _describe(value: Any) -> str:
    """What an error says it found, short even for a huge input (a few items of a few levels)."""
    text = reprlib.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(exc: ValidationError, origins: _Origins, default_source: str) -> str:
    """The first error as one line: file (line N): field.path: expected ..., found ..."""
    error = exc.errors(include_url=False)[0]
    path = tuple(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    named = re.match(r"^([A-Za-z_][\w.]*): (.*)$", message)
    if named and error["type"] == "value_error":
        # A cross-field check names the field it is about: report it there.
        path += tuple(int(p) if p.isdigit() else p for p in named.group(1).split("."))
        message = named.group(2)
    if error["type"] == BOOLEAN_FOR_NUMBER:  # found by the model's before-validator, at a field below it
        path += tuple(error["ctx"]["field"])
    field = ".".join(str(p) for p in path) or "(top level)"
    source, line = origins.locate(path, default_source)
    where = f"{source} (line {line})" if line else source
    kind = error["type"]
    if kind == "extra_forbidden":
        guess = _did_you_mean(exc.title, path)
        hint = f"did you mean {guess}?" if guess else "check the spelling; partysim schema --fields lists the fields"
        return f"{where}: {field}: unknown field ({hint})"
    if kind == "missing":
        return f"{where}: {field}: required field is missing"
    message = message[0].lower() + message[1:] if message else message
    found = f", found {_describe(error['input'])}" if "input" in error and "found" not in message else ""
    more = len(exc.errors()) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {field}: expected {message}{found}{tail}".replace("expected input should be", "expected")


def scenario_files(path: str | Path) -> list[Path]:
    """The file and every file of its ``extends`` chain, the file first (each resolved; the chain is valid)."""
    files: list[Path] = []
    path = Path(path).resolve()
    while path not in files and len(files) <= MAX_EXTENDS_DEPTH:
        files.append(path)
        text = path.read_text(encoding="utf-8")
        parent = _extends_read[text] if text in _extends_read else (yaml_load(text) or {}).get("extends")
        if not isinstance(parent, str):
            break
        path = (path.parent / parent).resolve()
    return files


def file_digests(paths: list[Path]) -> dict[str, str]:
    """``path -> sha256`` of input files, recorded so that a changed input is seen (resume, audits)."""
    return {str(path): hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in paths}


def _did_you_mean(model_name: str, path: tuple) -> str | None:
    """The known field closest to the unknown last part of ``path`` (difflib), in the model named by the error.

    difflib is imported here, for the mistake, not by every run (a millisecond of import).
    """
    import difflib

    models = {cls.__name__: cls for cls in _subclasses(UserFileModel)}
    model = models.get(model_name)
    for part in path[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue  # an item of a list: the list's model was taken already
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    if model is None or not isinstance(path[-1], str):
        return None
    close = difflib.get_close_matches(path[-1], list(model.model_fields), n=1, cutoff=0.6)
    return ".".join(str(p) for p in (*path[:-1], close[0])) if close else None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a field holds, directly, in a union, or as the items of a list or dict."""
    for member in _members(_unwrap(annotation)):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
        if get_origin(member) in (list, dict, tuple):
            found = _model_in(get_args(member)[-1]) if get_args(member) else None
            if found:
                return found
    return None


def _subclasses(cls: type[BaseModel]) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, merge (`extends`), override (`--set`) and validate a scenario file."""
    path = Path(path)
    origins = _Origins()
    data = _load_chain(path, origins, ())
    if "base" in data and ("parameters" in data or "design" in data):
        kind, command = ("calibration spec", "calibrate") if "targets" in data else ("sweep spec", "sweep")
        raise ScenarioError(
            f"{path}: expected a scenario file, found a {kind} (it has base: and parameters:); "
            f"run it with: partysim {command} {path}"
        )
    data = apply_overrides(data, list(overrides or []), origins)
    return scenario_from_dict(data, origins, str(path))


def scenario_from_dict(data: dict, origins: _Origins | None = None, source: str = "<scenario>") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, origins or _Origins(), source)) from None


def field_rows(model: type[BaseModel] = Scenario, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """Every field of the file format as (path, type, default, description), sections before their fields.

    What ``partysim schema --fields`` prints: the JSON Schema is for editors, this is for people.
    """
    rows = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        section = _model_in(info.annotation)
        if section is not None and get_origin(_unwrap(info.annotation)) is None:
            rows.append((path, "section", "", info.description or ""))
            rows += field_rows(section, f"{path}.")
            continue
        default = "" if info.is_required() else _as_written(info.get_default(call_default_factory=True))
        kind = getattr(_unwrap(info.annotation), "__name__", None) or str(info.annotation).replace("typing.", "")
        rows.append((path, kind, default, info.description or ""))
    return rows


def _as_written(value: Any) -> str:
    """A default as a scenario file writes it (JSON/YAML scalars), cut to a short cell."""
    text = json.dumps(to_jsonable_python(value), separators=(", ", ": "))
    return text if len(text) <= 40 else text[:37] + "..."


def scenario_schema() -> dict:
    """JSON Schema of scenario files (``partysim schema``)."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Path of a base scenario (relative to this file); this file lists only what differs.",
    }
    return schema
