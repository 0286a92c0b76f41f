"""The README's two commands are what a newcomer runs first; CI runs the second one exactly."""

from __future__ import annotations

import os
import re

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"))[:2]


def test_ci_runs_exactly_the_readmes_test_command():
    test_command = readme_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_the_test_command_sets_up_what_the_tests_need_first():
    script = readme_commands()[1].split(" && ")[0]
    path = ROOT / script
    assert path.is_file() and os.access(path, os.X_OK)
    text = path.read_text(encoding="utf-8")
    assert "pip install" in text and "chromium" in text
