"""Fuzzing scenario files: every valid one runs clean, every invalid one is one line and exit 2.

Valid scenarios are drawn from the published JSON Schema (``tests/scenario_strategies.py``)
and run through the command line with the invariant checks on: a traceback, a
broken invariant (exit 3) or an incomplete output directory is a bug. Invalid
ones — a field of the wrong type or out of range, an unknown field, broken
YAML, empty files, binary junk, ``extends`` chains too deep or cyclic — must be
refused by both ``run`` and ``validate`` with exit code 2 and exactly one line
on stderr naming the file and the field, and leave no output behind.

The examples are derandomized so that CI sees the same ones on every run;
``PARTYSIM_FUZZ_SCALE=10`` multiplies them for a longer local hunt.
"""

from __future__ import annotations

import contextlib
import io
import os
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.scenario import MAX_EXTENDS_DEPTH, Scenario, ScenarioError, load_scenario, yaml_load
from tests.scenario_strategies import broken_fields, unknown_fields, valid_scenarios

SCALE = int(os.environ.get("PARTYSIM_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """Reproducible, bounded settings: the same examples on every CI run, no deadline for runs."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


def cli(*args: str | Path) -> tuple[int, str]:
    """Run the command line in-process: (exit code, stderr). An escaping exception is a traceback, hence a failure."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(arg) for arg in args])
    return code, err.getvalue()


def dump(data) -> str:
    """YAML text of a mapping; non-ASCII characters escaped, as some (NEL, U+2028) would read back as line breaks."""
    return yaml.safe_dump(data, sort_keys=False)


@contextlib.contextmanager
def scenario_file(content: str | bytes) -> Iterator[Path]:
    """The content as a scenario file alone in a fresh directory (pytest's tmp_path is per test, not per example)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        yield path


def is_yaml(text: str) -> bool:
    try:
        yaml_load(text)
    except yaml.YAMLError:
        return False
    return True


def is_scenario(path: Path) -> bool:
    try:
        load_scenario(path)
    except ScenarioError:
        return False
    return True


def assert_refused(path: Path, *named: str) -> str:
    """``run`` and ``validate`` both exit 2 with one line naming the file (and each of ``named``), writing nothing."""
    out = path.parent / "out"
    before = set(path.parent.iterdir())
    for args in (("run", path, "--out", out, "--quiet"), ("validate", path)):
        code, err = cli(*args)
        assert code == 2, f"{args[0]}: exit {code}: {err}"
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        for text in named:
            assert text in lines[0], f"{text!r} not named in: {lines[0]}"
    assert set(path.parent.iterdir()) == before, "the refused run left files behind"
    return lines[0]


def assert_runs(path: Path, data: dict) -> None:
    """The scenario runs with invariants on, writes a complete run directory, and reads back as it was drawn."""
    out = path.parent / "out"
    code, err = cli("run", path, "--out", out, "--quiet")
    assert code == 0, err
    assert {"summary.json", "manifest.json", "timeseries.parquet"} <= {p.name for p in out.iterdir()}
    assert load_scenario(path) == Scenario.model_validate(data)


#: A numpy overflow or invalid value in a valid run is a number the model cannot hold: an error here.
NUMERIC_WARNINGS_ARE_ERRORS = pytest.mark.filterwarnings("error::RuntimeWarning")


@NUMERIC_WARNINGS_ARE_ERRORS
@fuzz(300)
@given(valid_scenarios())
def test_valid_scenarios_run_with_invariants_on(data):
    with scenario_file(dump(data)) as path:
        assert_runs(path, data)


@fuzz(400)
@given(broken_fields())
def test_a_field_out_of_range_or_of_the_wrong_type_is_named(case):
    data, field = case
    with scenario_file(dump(data)) as path:
        assert_refused(path, str(path), f" {field}: expected")


@fuzz(150)
@given(unknown_fields())
def test_an_unknown_field_is_named(case):
    data, field = case
    with scenario_file(dump(data)) as path:
        assert_refused(path, str(path), f" {field}: unknown field")


#: Lines that break any YAML document they are inserted into.
YAML_BREAKERS = [
    "key: [unclosed",
    "key: {unclosed",
    'key: "unterminated',
    "\tkey: tab",
    "key: *undefined_alias",
    "key: value: nested",
    "- item",
    "key: !!python/object:os.system x",
    "@reserved",
    "? [a\n",
]


@fuzz(100)
@given(valid_scenarios(), st.sampled_from(YAML_BREAKERS), st.integers(0, 10_000))
def test_broken_yaml_is_named_with_its_line(data, breaker, where):
    lines = dump(data).splitlines()
    where %= len(lines) + 1
    text = "\n".join(lines[:where] + [breaker] + lines[where:]) + "\n"
    assume(not is_yaml(text))  # the odd insertion that stays valid YAML
    with scenario_file(text) as path:
        assert_refused(path, str(path), "(line ", "invalid YAML")


EMPTY = ["", "\n", "   \n\n", "---\n", "# only a comment\n", "~\n", "null\n", "--- \n...\n"]
NOT_A_MAPPING = ["[]\n", "- a\n- b\n", "42\n", "'text'\n", "true\n", "2016-05-10\n", "!!binary aGVsbG8=\n"]


@pytest.mark.parametrize("text", EMPTY + NOT_A_MAPPING)
def test_an_empty_file_or_a_lone_value_is_not_a_scenario(text):
    with scenario_file(text) as path:
        assert_refused(path, str(path), "expected a mapping of scenario fields")


#: Junk a file could hold: raw bytes, control characters, text that YAML reads as something odd.
JUNK = (
    st.binary(max_size=200)
    | st.text(max_size=200).map(str.encode)
    | st.text(string.printable, max_size=200).map(str.encode)
    | st.sampled_from(
        [
            b"\x00" * 8,
            b"\xef\xbb\xbfname: x\n",
            b"\xff\xfe\x00n\x00",
            "name: \u202e\u0000\n".encode(),
            b"a: &x [*x]\n",
            b"population: &p {members: 100, x: *p}\n",
        ]
    )
)


@fuzz(200)
@given(JUNK)
def test_junk_is_refused_in_one_line(content):
    with scenario_file(content) as path:
        assume(not is_scenario(path))  # junk that happens to be a scenario, e.g. `{}`
        assert_refused(path, str(path))


def nested_aliases(levels: int) -> str:
    """A 'billion laughs' document: each level refers to the previous one ten times."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@fuzz(30)
@given(
    st.sampled_from(["description", "population", "campaigns", "extends", "typo"]),
    st.integers(1, 400),
    st.sampled_from(["[", "{k: "]),
)
def test_deep_nesting_and_alias_bombs_are_refused(field, depth, opener):
    """Hundreds of levels overflowed PyYAML's recursion; ten levels of ten aliases hung the error message."""
    closer = "]" if opener == "[" else "}"
    for text in (f"{field}: {opener * depth}1{closer * depth}\n", nested_aliases(9) + f"{field}: *a8\n"):
        with scenario_file(text) as path:
            assert_refused(path, str(path))


@NUMERIC_WARNINGS_ARE_ERRORS
@fuzz(100)
@given(valid_scenarios(), st.integers(1, MAX_EXTENDS_DEPTH + 3), st.data())
def test_extends_chains_merge_or_are_refused(data, files, draw):
    """A chain of `extends` as deep as allowed merges to the same scenario; deeper ones and cycles are refused.

    Each top-level field of a valid scenario is written in one file of the chain,
    in its own folder, so that the merge and the relative paths are both exercised.
    """
    cycle_to = draw.draw(st.none() | st.integers(0, files - 1), label="last file extends")
    owner = {key: draw.draw(st.integers(0, files - 1), label=key) for key in data}
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / f"level{i}" / "scenario.yaml" for i in range(files)]
        for i, path in enumerate(paths):
            own = {key: value for key, value in data.items() if owner[key] == i}
            parent = i + 1 if i + 1 < files else cycle_to
            if parent is not None:
                own = {"extends": f"../level{parent}/scenario.yaml", **own}
            path.parent.mkdir()
            path.write_text(dump(own), encoding="utf-8")
        if cycle_to is None and files <= MAX_EXTENDS_DEPTH:
            assert_runs(paths[0], data)
        else:
            line = assert_refused(paths[0], "extends: expected")
            assert any(str(path) in line for path in paths), line


# ---------------------------------------------------------------------------
# Valid scenarios fuzzing found breaking the cell-bounds invariant (exit 3), fixed in df531f9
# ---------------------------------------------------------------------------

#: A member expelled later on a re-organization day emptied a cell the end-of-day check then blamed.
MEMBERS_LEAVE_AFTER_REORGANIZATION = """\
start: 2000-01-01
duration: 8w
population: {members: 60}
organization: {reorganize_every: 1d, cell_min: 1, cell_max: 2, cell_size_mean: 1.0, org_committee_size: 2, executive_committee_size: 2}
discipline: {causes: {insincerity: {rate_per_year: 1.0, level: expulsion}}}
"""
#: The formula dissolved a primary organization into direct cells after a small cell had found no neighbour.
FORMULA_AFTER_MERGE = """\
start: 2000-01-01
duration: 6m
population: {members: 151}
discipline:
  causes:
    insincerity: {}
    lax_discipline: {rate_per_year: 0.6, level: expulsion, cadre_modifier: 60,
                     sector_modifiers: {party_political: 90, service: 90, state_economic: 60}}
"""


@pytest.mark.parametrize(
    "text",
    [MEMBERS_LEAVE_AFTER_REORGANIZATION, FORMULA_AFTER_MERGE],
    ids=["members-leave-after-reorganization", "formula-after-merge"],
)
def test_fuzzed_scenarios_that_broke_the_cell_bounds_invariant(text):
    with scenario_file(text) as path:
        assert_runs(path, yaml_load(text))
