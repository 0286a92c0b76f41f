"""The command line starts without the heavy libraries a run never uses (issue 18: the whole process counts).

scipy.stats takes about a second to import on the benchmark machine; only calibration
likelihoods and many-run statistics use it, and they import it when they compute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import UNDATED

ROOT = Path(__file__).resolve().parents[1]


def _printed_by_fresh_interpreter(code: str) -> str:
    """What ``code`` prints in a new interpreter that imports this checkout's ``sim`` (nothing imported before)."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_the_command_line_imports_no_scipy_or_matplotlib():
    code = "import sys, sim.cli; print(sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules))"
    assert _printed_by_fresh_interpreter(code) == "[]"


def test_a_one_run_command_registers_no_many_run_command():
    code = (
        "import sys; from sim.cli import build_parser; build_parser('run'); "
        "print(sorted(m for m in sys.modules if m.startswith('sim.many')))"
    )
    assert _printed_by_fresh_interpreter(code) == "[]"


def test_the_help_still_lists_every_command():
    from sim.cli import build_parser

    help_text = build_parser().format_help()
    for command in ("run", "validate", "schema", "sweep", "compare", "discover", "calibrate", "report"):
        assert command in help_text


def test_a_quiet_run_imports_no_rich(tmp_path):
    """``run --quiet`` shows nothing: the tables and the progress bar's library stay unloaded."""
    sets = [arg for text in ("population.members=200", "duration=4w", *UNDATED) for arg in ("--set", text)]
    code = (
        "import sys; from sim.cli import main; "
        f"code = main(['run', 'scenarios/county.yaml', *{sets!r}, '--quiet', '--out', {str(tmp_path / 'run')!r}]); "
        "print(code, 'rich' in sys.modules)"
    )
    assert _printed_by_fresh_interpreter(code).splitlines()[-1] == "0 False"


def test_only_the_program_freezes_its_objects_out_of_the_collector():
    """Called as the program (no argv), main spares the run and the shutdown collections of what the process loaded (sim.cli.main); called with argv, not."""
    code = (
        "import gc, sys; from sim.cli import main; main(['validate', 'scenarios/county.yaml']); "
        "called = gc.get_freeze_count(); sys.argv = ['partysim', 'validate', 'scenarios/county.yaml']; main(); "
        "print(called, gc.get_freeze_count() > 0)"
    )
    assert _printed_by_fresh_interpreter(code).splitlines()[-1] == "0 True"


def test_a_run_imports_no_numpy_ma(tmp_path):
    """numpy's set routines without ``assume_unique`` (``np.union1d``, ``np.setdiff1d``) sort through
    ``np.unique``, which imports ``numpy.ma`` (5 ms of every process): a run's sorted distinct values come
    from ``sim.model.arrays.distinct``. The national scenario at a small size takes every mechanism's path."""
    code = (
        "import sys; from sim.cli import main; "
        "code = main(['run', 'scenarios/national.yaml', '--set', 'population.members=5000', '--quiet', "
        f"'--out', {str(tmp_path / 'run')!r}]); "
        "print(code, 'numpy.ma' in sys.modules)"
    )
    assert _printed_by_fresh_interpreter(code).splitlines()[-1] == "0 False"
