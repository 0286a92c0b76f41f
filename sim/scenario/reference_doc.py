"""The scenario reference as Markdown, generated from the JSON Schema of scenario files.

The documentation site (``docs/hooks.py``) renders every field of
``scenario_schema()`` — its path, type, default, range, unit and description —
so that the reference cannot drift from the code: a field added to a section
in ``sim/scenario/sections/`` appears in the docs at the next build, with the
description its author wrote (which is where the source or the word
"assumption" belongs, see DESIGN.md).

Paths are written as ``--set`` takes them: dots between names, ``<i>`` for
an item of a list (``amnesty.orders.<i>.date``, an index on the command line)
and ``<name>`` for an entry of a mapping (``discipline.causes.<name>.level``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from sim.scenario.loading import scenario_schema

#: Units read off a field's name where the schema states none (``json_schema_extra={"unit": ...}`` wins).
UNIT_SUFFIXES = (
    ("_probability", "probability (0–1)"),
    ("_share", "share (0–1)"),
    ("_per_year", "per member per year"),
    ("_per_member_year", "per full member per year"),
    ("_rate", "per member per year"),
    ("_days", "days"),
    ("_years", "years"),
    ("_months", "months"),
)


@dataclass(frozen=True)
class FieldDoc:
    """One leaf field of a scenario file, as the reference shows it."""

    path: str
    type: str
    default: str
    range: str
    unit: str
    description: str


def _resolve(node: dict, defs: dict) -> dict:
    """Follow a ``$ref`` (and a one-item ``allOf`` wrapper) to the definition it names."""
    if "$ref" in node:
        return {**defs[node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    if len(node.get("allOf", [])) == 1:
        return {**_resolve(node["allOf"][0], defs), **{k: v for k, v in node.items() if k != "allOf"}}
    return node


def _type_of(node: dict, defs: dict) -> str:
    node = _resolve(node, defs)
    if "enum" in node:
        return " \\| ".join(f"`{value}`" for value in node["enum"])
    if "anyOf" in node:
        return " or ".join(_type_of(option, defs) for option in node["anyOf"])
    kind = node.get("type", "object")
    if kind == "string" and node.get("format"):
        return node["format"]
    if kind == "array":
        return f"list of {_type_of(node.get('items', {}), defs)}"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        return f"mapping of name → {_type_of(node['additionalProperties'], defs)}"
    return str(kind)


def _range_of(node: dict) -> str:
    bounds = []
    if "minimum" in node:
        bounds.append(f"≥ {node['minimum']}")
    if "exclusiveMinimum" in node:
        bounds.append(f"> {node['exclusiveMinimum']}")
    if "maximum" in node:
        bounds.append(f"≤ {node['maximum']}")
    if "exclusiveMaximum" in node:
        bounds.append(f"< {node['exclusiveMaximum']}")
    if "minItems" in node:
        bounds.append(f"at least {node['minItems']} items")
    if "pattern" in node:
        bounds.append(f"pattern `{node['pattern']}`")
    for option in node.get("anyOf", []):
        inner = _range_of(option)
        if inner:
            bounds.append(inner)
    return ", ".join(bounds)


def _unit_of(path: str, node: dict) -> str:
    """The schema's ``unit`` if any, else read off the field's name or its section's (``lift_after_days.warning``)."""
    if "unit" in node:
        return str(node["unit"])
    if node.get("type") not in ("number", "integer", "string", None):
        return ""
    for name in reversed(path.split(".")[-2:]):
        if name in ("duration", "record_every") or name.endswith("_every"):
            return "span (`5y`, `18m`, `260w`, `400d`)"
        for suffix, unit in UNIT_SUFFIXES:
            if name.endswith(suffix):
                return unit
    return ""


def _default_of(node: dict) -> str:
    if "default" not in node:
        return "required" if node.get("_required") else "—"
    return f"`{json.dumps(node['default'], ensure_ascii=False)}`"


def _is_section(node: dict) -> bool:
    return node.get("type", "object") == "object" and "properties" in node


def iter_fields(schema: dict | None = None, prefix: str = "") -> Iterator[FieldDoc]:
    """Every leaf field of the scenario schema (or of the sub-schema at ``prefix``), in file order."""
    schema = scenario_schema() if schema is None else schema
    defs = schema.get("$defs", {})

    def walk(node: dict, path: str) -> Iterator[FieldDoc]:
        node = _resolve(node, defs)
        if _is_section(node):
            required = set(node.get("required", ()))
            for child, sub in node["properties"].items():
                sub = {**sub, "_required": child in required}
                yield from walk(sub, f"{path}.{child}" if path else child)
            return
        items = _resolve(node.get("items", {}), defs) if node.get("type") == "array" else {}
        extra = node.get("additionalProperties")
        entries = _resolve(extra, defs) if isinstance(extra, dict) else {}
        yield FieldDoc(
            path=path,
            type=_type_of(node, defs),
            default=_default_of(node),
            range=_range_of(node),
            unit=_unit_of(path, node),
            description=" ".join(str(node.get("description", "")).split()),
        )
        if _is_section(items):
            yield from walk(items, f"{path}.<i>")
        elif _is_section(entries):
            yield from walk(entries, f"{path}.<name>")

    node: dict = schema
    for part in filter(None, prefix.split(".")):
        node = _resolve(node, defs)["properties"][part]
    yield from walk(node, prefix)


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: no pipes, no newlines, and ``<name>`` shown rather than taken as HTML."""
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;") if text else ""


def fields_table(fields: list[FieldDoc]) -> str:
    """A Markdown table of fields: path, type, default, range, unit, description."""
    lines = ["| field | type | default | range | unit | description |", "|---|---|---|---|---|---|"]
    for f in fields:
        lines.append(
            f"| `{f.path}` | {f.type} | {f.default} | {_cell(f.range)} | {_cell(f.unit)} | {_cell(f.description)} |"
        )
    return "\n".join(lines) + "\n"


def section_reference(section: str, schema: dict | None = None) -> str:
    """The parameters of one scenario section (e.g. ``critique``), as a Markdown table."""
    return fields_table(list(iter_fields(schema, section)))


def scenario_reference(schema: dict | None = None) -> str:
    """The whole scenario reference: the top-level fields, then one heading and table per section."""
    schema = scenario_schema() if schema is None else schema
    defs = schema.get("$defs", {})
    top_level: list[str] = []
    sections: list[str] = []
    for name, node in schema["properties"].items():
        resolved = _resolve(node, defs)
        inner = _resolve(resolved.get("items", {}), defs) if resolved.get("type") == "array" else resolved
        (sections if _is_section(inner) else top_level).append(name)
    out = ["## Top-level fields\n", fields_table([f for name in top_level for f in iter_fields(schema, name)])]
    for name in sections:
        node = _resolve(schema["properties"][name], defs)
        description = " ".join(str(node.get("description", "")).split())
        out.append(f"\n## `{name}`\n")
        if description:
            out.append(f"{description}\n")
        out.append(fields_table(list(iter_fields(schema, name))))
    return "\n".join(out)
