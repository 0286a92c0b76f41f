"""Every subcommand's faults end in one line naming the path, exit 2, before any work, nothing changed.

``run`` into a place it cannot use is refused before the simulation; ``report``
on damaged files, onto a directory, into a read-only place or a full disk is
one line and leaves an earlier page as it was.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from sim.cli import main
from sim.run import rundir
from tests.many_runs import ATTRITION_ONLY, write_scenario


@pytest.fixture
def scenario(tmp_path) -> Path:
    return write_scenario(tmp_path, ATTRITION_ONLY)


@pytest.fixture
def run_dir(tmp_path, scenario) -> Path:
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--quiet"]) == 0
    return out


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("partysim: error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def no_simulation(monkeypatch) -> None:
    from sim.run.engine import Simulation

    monkeypatch.setattr(Simulation, "run", lambda self, **kw: pytest.fail("the run started"))


def read_only(monkeypatch) -> None:
    """As on a read-only mount (patched: the tests may run as root, whom permissions do not stop)."""

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(rundir.tempfile, "mkstemp", refuse)


@pytest.mark.parametrize("name", ["timeseries.parquet", "summary.json"])
def test_report_on_a_truncated_file_names_it(run_dir, capsys, name):
    damaged = run_dir / name
    damaged.write_bytes(damaged.read_bytes()[: len(damaged.read_bytes()) // 2])
    assert main(["report", str(run_dir)]) == 2
    assert f"{damaged}: cannot read this file, is it truncated?" in one_error_line(capsys)
    assert not (run_dir / "report.html").exists()


def test_report_out_onto_a_directory_is_refused(run_dir, tmp_path, capsys):
    target = tmp_path / "page.html"
    target.mkdir()
    assert main(["report", str(run_dir), "--out", str(target)]) == 2
    assert f"--out {target}: expected a file name, found a directory" in one_error_line(capsys)


def test_report_into_a_read_only_place_is_refused_before_drawing(run_dir, tmp_path, monkeypatch, capsys):
    read_only(monkeypatch)
    out = tmp_path / "pages" / "page.html"
    assert main(["report", str(run_dir), "--out", str(out)]) == 2
    assert f"{out}: cannot write there (Read-only file system)" in one_error_line(capsys)
    assert not (tmp_path / "pages").exists()


def test_report_on_a_full_disk_keeps_the_earlier_page(run_dir, monkeypatch, capsys):
    assert main(["report", str(run_dir)]) == 0
    page = run_dir / "report.html"
    before = page.read_text()
    capsys.readouterr()

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", full)
    assert main(["report", str(run_dir)]) == 2
    assert "could not write the report (No space left on device); nothing was changed" in one_error_line(capsys)
    assert page.read_text() == before and not list(run_dir.glob(".report.html.*"))


def test_run_into_an_unwritable_out_is_refused_before_the_run(scenario, tmp_path, monkeypatch, capsys):
    read_only(monkeypatch)
    no_simulation(monkeypatch)
    out = tmp_path / "ro" / "out"
    assert main(["run", str(scenario), "--out", str(out)]) == 2
    assert f"{out}: cannot write there (Read-only file system)" in one_error_line(capsys)


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-directory", "dangling"])
def test_run_out_a_symbolic_link_is_refused_before_the_run(scenario, tmp_path, monkeypatch, capsys, dangling):
    no_simulation(monkeypatch)
    real = tmp_path / "real"
    if not dangling:
        real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert main(["run", str(scenario), "--out", str(link), "--overwrite"]) == 2
    assert f"{link}: expected an output directory, found a symbolic link" in one_error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["link", "tiny.yaml", *([] if dangling else ["real"])])
