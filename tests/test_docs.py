"""The documentation site: generated from the code, so that it cannot drift, and built strictly.

The scenario reference and each concept page's parameters come from the JSON
Schema (sim.scenario.reference_doc), the output contract from a real run
(sim.report.contract_doc), both filled in at build time by docs/hooks.py.
These tests check that nothing the code defines is missing from what the
generators write, and that ``mkdocs build --strict`` (broken links, missing
pages, unknown generated blocks) passes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim import cli
from sim.report import contract_doc
from sim.run.engine import MECHANISMS
from sim.scenario import scenario_schema
from sim.scenario.reference_doc import FieldDoc, fields_table, iter_fields, scenario_reference, section_reference

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def schema_paths(schema: dict) -> list[str]:
    """Every field path of the schema, walked here independently of the generator."""
    defs = schema["$defs"]

    def deref(node: dict) -> dict:
        while "$ref" in node:
            node = defs[node["$ref"].split("/")[-1]]
        return node

    def walk(node: dict, path: str) -> list[str]:
        node = deref(node)
        if "properties" in node:
            return [p for name, sub in node["properties"].items() for p in walk(sub, f"{path}.{name}".lstrip("."))]
        paths = [path]
        if node.get("type") == "array" and "properties" in deref(node.get("items", {})):
            paths += walk(node["items"], f"{path}.<i>")
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and "properties" in deref(extra):
            paths += walk(extra, f"{path}.<name>")
        return paths

    return walk(schema, "")


def test_every_scenario_field_appears_in_the_generated_reference():
    schema = scenario_schema()
    reference = scenario_reference(schema)
    paths = schema_paths(schema)
    assert len(paths) > 100
    missing = [path for path in paths if f"| `{path}` |" not in reference]
    assert not missing
    assert [f.path for f in iter_fields(schema)] == paths


def test_every_scenario_field_and_section_says_what_it_is():
    """House rule: each field says its unit and meaning (or that it is an assumption) in its description."""
    schema = scenario_schema()
    defs = schema["$defs"]
    undescribed = []

    def walk(node: dict, path: str) -> None:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[-1]]
        for name, field in node.get("properties", {}).items():
            if not field.get("description"):
                undescribed.append(f"{path}{name}")
            walk(field, f"{path}{name}.")

    walk(schema, "")
    assert not undescribed


def test_every_field_of_the_reference_has_its_default_and_range_from_the_schema():
    rows = {f.path: f for f in iter_fields()}
    referral = rows["critique.referral_probability"]
    field = scenario_schema()["$defs"]["CritiqueSection"]["properties"]["referral_probability"]
    assert referral.default == f"`{field['default']}`"
    assert referral.range == f"≥ {field['minimum']}, ≤ {field['maximum']}"
    assert referral.description == field["description"]
    assert referral.unit == "probability (0–1)"
    assert rows["discipline.lift_after_days.warning"].unit == "days"


def test_angle_brackets_in_a_description_are_shown_not_taken_as_html():
    row = FieldDoc(path="name", type="string", default="—", range="", unit="", description="results/<name>/<timestamp>")
    assert "results/&lt;name&gt;/&lt;timestamp&gt;" in fields_table([row])


def test_a_section_reference_lists_only_that_section():
    table = section_reference("critique")
    assert "`critique.attendance_probability`" in table
    assert "`discipline." not in table


def test_every_concept_page_of_a_mechanism_shows_its_rule_parameters_and_outputs():
    for mechanism in MECHANISMS:
        page = (DOCS / "concepts" / f"{mechanism.name}.md").read_text()
        assert f"<!-- gen:rule {mechanism.name} -->" in page
        assert f"<!-- gen:outputs {mechanism.name} -->" in page
        assert re.search(r"^<!-- gen:parameters [a-z ]+ -->$", page, re.MULTILINE), mechanism.name


@pytest.fixture(scope="module")
def sample():
    return contract_doc.sample_run(ROOT)


def test_every_timeseries_column_and_summary_key_of_a_run_is_in_the_output_contract(sample):
    columns = contract_doc.timeseries_table(sample.timeseries)
    assert all(f"| `{name}` |" in columns for name in sample.timeseries.columns)
    keys = contract_doc.summary_table(sample.summary)
    for section in ("final", "totals"):
        assert all(f"| `{section}.{key}` |" in keys for key in sample.summary[section])


def test_the_transition_flows_and_ladder_columns_are_described_from_the_code():
    assert contract_doc.describe_column("admitted") == ("flow", "status changes candidate → full")
    assert contract_doc.describe_column("punished_warning")[0] == "stock"
    assert contract_doc.describe_column("no_such_column") == ("", "not described yet")


def test_the_documented_exit_codes_are_the_command_lines():
    page = (DOCS / "reference" / "outputs.md").read_text()
    for code in (cli.EXIT_USAGE, cli.EXIT_INVARIANT):
        assert re.search(rf"^\| {code} \|", page, re.MULTILINE), code


def test_the_docs_build_strict_passes(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    page = (tmp_path / "site" / "reference" / "scenario" / "index.html").read_text()
    assert "critique.referral_probability" in page
    assert "gen:" not in (tmp_path / "site" / "concepts" / "congress" / "index.html").read_text()
