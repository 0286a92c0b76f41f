"""Mutation testing of the model and mechanism layers, run by hand (not in CI).

mutmut (the ``mutation`` extra, configured under ``[tool.mutmut]`` in
pyproject.toml) makes small changes to the code — ``>`` for ``>=``, ``+ 1``
for ``+ 2``, a call's argument dropped — and runs, for each change, the tests
that reach the mutated function (mutmut records which tests call which
function in a first pass). A mutant that no test notices is a rule the suite
does not guard. This script runs mutmut in a scratch copy of the working tree
(so the worktree gets no ``mutants/`` directory and the installed package or
``PYTHONPATH`` cannot shadow the mutated code), narrowed to the modules and
test files asked for, then prints the kill rate and the surviving mutants
with their diffs.

    python benchmarks/mutation.py sim/model/apportionment.py sim/model/ladder.py \
        --tests tests/test_apportionment.py tests/test_congress.py

Without modules it mutates all of sim/model and sim/mechanisms against the
whole suite, which takes hours on two cores: narrow it, or sample it
(``--sample 50`` tests one mutant in 50, chosen by a hash of its name; the
results of such a run are in benchmarks/MUTATION.md). Names given with
``--mutants`` re-check those mutants only. mutmut credits the calls made while
a module-scoped fixture is built to the first test that uses it, so a test that
reads a shared run is not run against the mutants of what that run calls.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("sim", "tests", "scenarios", "sweeps", "pyproject.toml")
DEFAULT_MODULES = ("sim/model/*", "sim/mechanisms/*")
#: Exit statuses mutmut reports, and which of them count as a kill.
KILLED = ("killed", "timeout", "segfault")
#: The test selection while only generating the mutants' names (a fast file).
QUICK_SELECTION = 'pytest_add_cli_args_test_selection = ["tests/test_agenda.py"]'
#: ... and which count as a survivor: a mutant that no test reaches is a rule no test guards.
SURVIVED = ("survived", "no tests")


def mutmut_section(modules: list[str], tests: list[str], deselect: list[str]) -> str:
    """The ``[tool.mutmut]`` table for this run: the project's settings, narrowed."""
    import tomllib

    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    settings["only_mutate"] = modules
    settings["pytest_add_cli_args_test_selection"] = tests
    settings["pytest_add_cli_args"] = settings.get("pytest_add_cli_args", []) + [f"--deselect={t}" for t in deselect]
    lines = ["[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def scratch_copy(modules: list[str], tests: list[str], deselect: list[str]) -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="partysim-mutation-"))
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, ignore=shutil.ignore_patterns("__pycache__", "mutants"))
        elif source.exists():
            shutil.copy2(source, scratch / name)
    pyproject = scratch / "pyproject.toml"
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[)", "", pyproject.read_text())
    pyproject.write_text(text + "\n" + mutmut_section(modules, tests, deselect))
    return scratch


def mutmut(scratch: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args], cwd=scratch, env=env, text=True, capture_output=capture, check=False
    )


def statuses(scratch: Path, patterns: list[str]) -> dict[str, str]:
    """Mutant name -> status, from ``mutmut results --all true``, for the mutants matching ``patterns``."""
    out = mutmut(scratch, "results", "--all", "true", capture=True).stdout
    found = {}
    for line in out.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name and (not patterns or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)):
            found[name] = status
    return found


def sample(scratch: Path, patterns: list[str], every: int) -> list[str]:
    """One mutant name in ``every`` (by CRC-32 of the name) among those matching ``patterns``.

    The names come from a first ``mutmut run`` on a name that matches nothing, which
    generates the mutants and stops; it runs against one quick test file, since mutmut
    records which tests reach each function only for the mutants a run selects. Its
    ``mutants/`` directory is then removed, so that the real run records them afresh.
    """
    pyproject = scratch / "pyproject.toml"
    settings = pyproject.read_text()
    pyproject.write_text(re.sub(r"(?m)^pytest_add_cli_args_test_selection = .*$", QUICK_SELECTION, settings))
    mutmut(scratch, "run", "--max-children", "1", "no-such-mutant", capture=True)
    pyproject.write_text(settings)
    names = [
        name
        for meta in (scratch / "mutants").rglob("*.meta")
        for name in json.loads(meta.read_text())["exit_code_by_key"]
        if not patterns or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
    ]
    shutil.rmtree(scratch / "mutants")
    return sorted(name for name in names if zlib.crc32(name.encode()) % every == 0)


def per_module(found: dict[str, str]) -> dict[str, dict[str, int]]:
    """Module -> status -> count; a mutant's name is ``module.function__mutmut_N``."""
    counts: dict[str, dict[str, int]] = {}
    for name, status in found.items():
        module = name.split("__mutmut_")[0].rsplit(".", 1)[0]
        counts.setdefault(module, {}).setdefault(status, 0)
        counts[module][status] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="files or globs under sim/model and sim/mechanisms to mutate")
    parser.add_argument("--tests", nargs="+", default=["tests/"], help="test files or directories to run")
    parser.add_argument(
        "--deselect", nargs="+", default=[], help="test node ids left out (slow tests that reach the modules)"
    )
    parser.add_argument("--max-children", type=int, default=1, help="mutants tested in parallel (default 1)")
    parser.add_argument("--json", type=Path, help="also write mutant name -> status to this file")
    parser.add_argument(
        "--mutants",
        nargs="+",
        default=[],
        help="only the mutants whose names match these patterns: names from a previous run to re-check them, "
        "or a systematic sample such as '*__mutmut_*3' (every mutant numbered ...3: one in ten of each function's)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=1,
        help="test one mutant in this many, chosen by a hash of its name (a fixed, reproducible sample)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy (its mutants/ directory)")
    args = parser.parse_args(argv)
    modules = args.modules or list(DEFAULT_MODULES)
    scratch = scratch_copy(modules, args.tests, args.deselect)
    print(f"mutating {', '.join(modules)} against {' '.join(args.tests)} in {scratch}", flush=True)
    try:
        chosen = args.mutants
        if args.sample > 1:  # a sample of the patterns' mutants, and every mutant named exactly
            exact = [name for name in chosen if not any(char in name for char in "*?[")]
            chosen = sample(scratch, [name for name in chosen if name not in exact], args.sample) + exact
            print(f"sampled {len(chosen)} mutants (one in {args.sample})", flush=True)
        mutmut(scratch, "run", "--max-children", str(args.max_children), *chosen, capture=True)
        found = statuses(scratch, chosen)
        killed = sorted(name for name, status in found.items() if status in KILLED)
        survived = sorted(name for name, status in found.items() if status in SURVIVED)
        others = {name: status for name, status in found.items() if status not in KILLED + SURVIVED}
        tested = len(killed) + len(survived)
        for name in survived:
            print(f"\n--- survived: {name}")
            print(mutmut(scratch, "show", name, capture=True).stdout.strip())
        if others:
            print("\nnot tested:", ", ".join(f"{name} ({status})" for name, status in sorted(others.items())))
        for module, counts in sorted(per_module(found).items()):
            print(f"{module}: " + ", ".join(f"{status} {count}" for status, count in sorted(counts.items())))
        if args.json:
            args.json.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
        rate = len(killed) / tested if tested else float("nan")
        print(f"\nmutants {len(found)}: killed {len(killed)}, survived {len(survived)}, other {len(others)}")
        print(f"kill rate {rate:.1%} of the {tested} mutants tested")
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
