"""The command line's run keeps large temporaries in the heap (sim.run.allocator)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sim import cli
from sim.run import allocator

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux only")
def test_the_thresholds_are_set_where_glibc_is_the_allocator():
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not a glibc system")
    assert allocator.keep_large_arrays_in_heap() is True


def test_nothing_is_set_off_linux(monkeypatch):
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_large_arrays_in_heap() is False


def test_a_run_from_the_command_line_sets_them_and_a_validation_does_not(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(cli, "keep_large_arrays_in_heap", lambda: calls.append(True) or True)
    scenario = str(ROOT / "scenarios" / "county.yaml")
    assert cli.main(["validate", scenario]) == 0
    assert calls == []
    out = tmp_path / "run"
    assert cli.main(["run", scenario, "--quiet", "--out", str(out), "--set", "population.members=300"]) == 0
    assert calls == [True]
    assert (out / "summary.json").exists()
