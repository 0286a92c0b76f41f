"""The manifest's provenance (sim.run.result): package versions and the git state, asked cheaply.

Versions are read from the imported modules where they state them, and must be what the
installed distributions say; the git commands may be started ahead of the manifest (the
command line's run does) and must then give the same answers, and leave no process behind.
"""

from __future__ import annotations

import importlib
import subprocess
from importlib import metadata

import pytest

from sim.run import result


@pytest.fixture
def fresh_git_state():
    """No git answer cached or pending, before and after the test (the answers are kept once a process)."""

    def clear():
        result.end_git_commands()
        result._git_commit.cache_clear()
        result._git_dirty.cache_clear()

    clear()
    yield
    clear()


def test_versions_read_from_the_modules_are_the_installed_distributions():
    for module in ("numpy", "pyarrow", "pydantic", "simpy", "yaml"):  # imported, as in a run
        importlib.import_module(module)
    result._installed_versions.cache_clear()
    versions = result._versions()
    for name in result.PACKAGES:
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = "not installed"
        assert versions[name] == expected, name
    assert set(result.MODULE_VERSIONS) <= set(result.PACKAGES)


def test_git_commands_started_ahead_give_the_answers_asked_now(fresh_git_state):
    asked_now = (result._git(*result.GIT_COMMIT), result._git(*result.GIT_STATUS))
    result.start_git_commands()
    assert set(result._started) == {result.GIT_COMMIT, result.GIT_STATUS}
    started = dict(result._started)
    assert (result._git_commit(), result._git_dirty()) == (
        asked_now[0] or None,
        None if asked_now[1] is None else bool(asked_now[1]),
    )
    assert not result._started  # each read once, then reaped
    assert all(process is None or process.returncode is not None for process in started.values())
    result.start_git_commands()  # answered already in this process: nothing is started again
    assert not result._started


def test_git_commands_no_manifest_read_are_killed_and_reaped(fresh_git_state):
    result.start_git_commands()
    started = [process for process in result._started.values() if process is not None]
    result.end_git_commands()
    assert not result._started
    assert all(process.returncode is not None for process in started)  # waited for: no zombie


def test_without_git_the_state_is_unknown(fresh_git_state, monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "Popen", no_git)
    result.start_git_commands()
    assert result._started == {result.GIT_COMMIT: None, result.GIT_STATUS: None}
    assert (result._git_commit(), result._git_dirty()) == (None, None)
    assert not result._started
