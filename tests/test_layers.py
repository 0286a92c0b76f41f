"""The layers of ``sim`` import only downward (the import-linter contract in pyproject.toml).

cli → many | report | reference → run → mechanisms → model → scenario. The contract is
checked on the real tree, and on a copy with one deliberate upward import, so that a
contract that could never fail (a typo in a layer name, a missing package) is caught too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: import-linter is in the test extra; the console script sits beside the running interpreter.
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "sim", tree / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_layers_contract_is_kept_by_the_tree(tmp_path):
    done = _lint_imports(_copy_tree(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KEPT" in done.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("sim/model/arrays.py", "from sim.run import engine"),
        ("sim/scenario/spans.py", "from sim.model import calendar"),
        ("sim/mechanisms/base.py", "from sim.many import sweep"),
        ("sim/many/outcomes.py", "from sim.report import html"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    tree = _copy_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{upward}  # noqa: E402\n")
    done = _lint_imports(tree)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout and "is not allowed to import" in done.stdout, done.stdout
