"""The command line starts without the heavy libraries a run never uses (issue 18: the whole process counts).

scipy.stats takes about a second to import on the benchmark machine; only calibration
likelihoods and many-run statistics use it, and they import it when they compute.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_command_line_imports_no_scipy_or_matplotlib():
    code = "import sys, sim.cli; print(sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"
