"""What a run returns and how it is written: the output contract of DESIGN.md.

A run directory holds ``timeseries.parquet``, ``summary.json``,
``manifest.json`` and, with ``--events``, ``events.parquet`` (``.csv`` with
``--format csv``). It is written atomically: everything goes to a hidden
temporary sibling directory which is renamed into place at the end, so a
reader never sees half a run and a crash leaves no output directory
(:mod:`sim.run.rundir` says how, including concurrent writers and kill -9).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import platform
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.model.population import Status
from sim.run.rundir import OutputError, check_target, commit, staged

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("parquet", "csv")
PACKAGES = ("partysim", "numpy", "simpy", "pandas", "pyarrow", "pydantic", "pyyaml")


@dataclass
class Result:
    """The outputs of one run.

    The time series is held as named numpy columns (``columns``: the date
    first, then the counts), the form the recorder builds and the Parquet
    writer takes; :attr:`timeseries` is the same table as a pandas DataFrame,
    built when first asked for. pandas is imported there and not before: it
    costs about a fifth of a second of CPU to import, a sixth of the whole
    process of a 10k-member run.
    """

    columns: dict[str, np.ndarray]
    summary: dict
    manifest: dict
    events: pd.DataFrame | None = None
    extra: dict = field(default_factory=dict)

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per recorded date (a pandas DataFrame of :attr:`columns`)."""
        import pandas as pd

        return pd.DataFrame(self.columns)

    def save(
        self,
        directory: str | Path,
        fmt: str = "parquet",
        overwrite: bool = False,
        wanted: Callable[[], bool] | None = None,
    ) -> Path:
        """Write the run directory atomically; returns its path.

        Any failure to write (a full disk, permissions) is an :class:`OutputError` that
        leaves nothing behind and an existing directory at ``directory`` as it was.
        ``wanted`` is asked right before the commit (:func:`sim.run.rundir.commit`).
        """
        if fmt not in FORMATS:
            raise OutputError(f"--format: expected one of {', '.join(FORMATS)}, found {fmt!r}")
        target = Path(directory)
        check_target(target, overwrite)
        try:
            with staged(target) as staging:
                write_columns(self.columns, staging / "timeseries", fmt)
                if self.events is not None:
                    write_table(self.events, staging / "events", fmt)
                write_json(staging / "summary.json", self.summary)
                write_json(staging / "manifest.json", self.manifest)
                commit(staging, target, overwrite, wanted)
        except OSError as exc:
            reason = (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0]
            raise OutputError(f"{target}: could not write the run ({reason}); nothing was changed there") from None
        return target

    @classmethod
    def load(cls, directory: str | Path) -> Result:
        directory = Path(directory)
        timeseries = read_table(directory / "timeseries")
        events_path = directory / "events"
        events = (
            read_table(events_path) if any(events_path.with_suffix(s).exists() for s in (".parquet", ".csv")) else None
        )
        return cls(
            columns={name: timeseries[name].to_numpy() for name in timeseries.columns},
            summary=json.loads((directory / "summary.json").read_text()),
            manifest=json.loads((directory / "manifest.json").read_text()),
            events=events,
        )


def write_columns(columns: dict[str, np.ndarray], stem: Path, fmt: str) -> None:
    """Write a table of numpy columns of integers, floats and timestamps as ``stem.parquet`` or ``stem.csv``.

    Parquet goes through pyarrow directly: pandas' writer converts and checks
    the columns one by one, and would have to be imported (a fifth of a second
    of CPU). The file holds the same schema and values; only pandas' own
    metadata (``b"pandas"``, which says the index is a plain range) is left
    out, and pandas reads the table back the same without it. The values are
    stored plain, not dictionary-encoded: a run's few hundred rows of a hundred
    columns gain little from a dictionary, and building one per column is an
    eighth of the write. The file is built in memory and written at once: given
    a path, pyarrow first works out which file system it names, as long again
    as building the file (the bytes are the same). CSV is pandas' text, as
    :func:`write_table` writes it.
    """
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = [_arrow_array(values) for values in columns.values()]
        table = pa.Table.from_arrays(arrays, names=list(columns))
        built = pa.BufferOutputStream()
        pq.write_table(table, built, use_dictionary=False)
        stem.with_suffix(".parquet").write_bytes(built.getvalue())
    else:
        import pandas as pd

        write_table(pd.DataFrame(columns), stem, fmt)


def _arrow_array(values: np.ndarray):
    """A numpy column of integers, floats or timestamps as an Arrow array of the same type, sharing its memory.

    Built from the buffer: ``pyarrow.array`` imports pandas to check whether
    it was given pandas objects. Only types whose Arrow layout is numpy's are
    taken (Arrow packs booleans in bits and stores days as 32-bit dates).
    """
    import pyarrow as pa

    kind = values.dtype.kind
    if not (kind in "iuf" or (kind == "M" and np.datetime_data(values.dtype)[0] in ("s", "ms", "us", "ns"))):
        raise TypeError(f"no Arrow buffer layout for a column of {values.dtype}")
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(
        pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values.view(np.uint8))]
    )


def write_table(frame: pd.DataFrame, stem: Path, fmt: str) -> None:
    """Write a DataFrame (the event log: its text columns take pandas' conversions) as ``stem.parquet`` or ``.csv``."""
    if fmt == "parquet":
        frame.to_parquet(stem.with_suffix(".parquet"), index=False)
    else:
        frame.to_csv(stem.with_suffix(".csv"), index=False)


def read_table(stem: Path) -> pd.DataFrame:
    import pandas as pd

    parquet = stem.with_suffix(".parquet")
    if parquet.exists():
        return pd.read_parquet(parquet)
    return pd.read_csv(stem.with_suffix(".csv"), parse_dates=["date"])


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")


def _versions() -> dict[str, str]:
    """Versions of Python and of the packages a run uses (a dict of the caller's own)."""
    return dict(_installed_versions())


#: Distribution name -> (module, attribute) where the module, once imported, states the version
#: of its distribution, the same text (tests/test_run_outputs.py checks it). Read there rather
#: than from the distribution's metadata file: pydantic's is 140 KB parsed as an e-mail message
#: (importlib.metadata), 5-9 ms of a process. partysim and pandas (not imported by a run) are
#: looked up.
MODULE_VERSIONS = {
    "numpy": ("numpy", "__version__"),
    "simpy": ("simpy", "__version__"),
    "pyarrow": ("pyarrow", "__version__"),
    "pydantic": ("pydantic", "VERSION"),
    "pyyaml": ("yaml", "__version__"),
}


@functools.cache
def _installed_versions() -> tuple[tuple[str, str], ...]:
    """Looked up once a process, like the git state below: they describe the code this process loaded,
    and a sweep's worker makes hundreds of runs (the lookups and two git processes: 4 ms of CPU and
    9 ms of wall time a run)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        module, attribute = MODULE_VERSIONS.get(name, ("", ""))
        stated = getattr(sys.modules.get(module), attribute, None)
        if isinstance(stated, str):
            versions[name] = stated
            continue
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return tuple(versions.items())


#: The git commands whose output the manifest records.
GIT_COMMIT = ("rev-parse", "HEAD")
GIT_STATUS = ("status", "--porcelain", "--untracked-files=no")
#: Git commands started ahead of the manifest (:func:`start_git_commands`), by their arguments;
#: None where git could not be started.
_started: dict[tuple[str, ...], subprocess.Popen | None] = {}


def start_git_commands() -> None:
    """Start the manifest's git commands now, so that they run beside the simulation, on another core.

    The command line's run calls this before simulating: the manifest, built when the run ends,
    then reads their output instead of waiting for two git processes (9 ms of wall time). What
    they report is the source tree as the run started, the code this process loaded. A command
    already answered in this process is not started again (see :func:`_git_commit`); one the
    run never reads is ended by :func:`end_git_commands`.
    """
    for args, answer in ((GIT_COMMIT, _git_commit), (GIT_STATUS, _git_dirty)):
        if args not in _started and not answer.cache_info().currsize:
            _started[args] = _start_git(args)


def end_git_commands() -> None:
    """Kill and reap the git commands started ahead that no manifest read (a run stopped early)."""
    while _started:
        _, process = _started.popitem()
        if process is not None:
            process.kill()
            process.wait()


def _start_git(args: tuple[str, ...]) -> subprocess.Popen | None:
    """A git command started in the package's source tree, or None (no git)."""
    here = Path(__file__).resolve().parent
    try:
        return subprocess.Popen(["git", *args], cwd=here, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    except (OSError, subprocess.SubprocessError):
        return None


def _git(*args: str) -> str | None:
    """The output of a git command in the package's source tree (started ahead or now), or None (no git, not a checkout)."""
    process = _started.pop(args) if args in _started else _start_git(args)
    if process is None:
        return None
    try:
        out, _ = process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    return out.strip() if process.returncode == 0 else None


@functools.cache
def _git_commit() -> str | None:
    """The commit of the source tree, or None (asked once a process)."""
    return _git(*GIT_COMMIT) or None


@functools.cache
def _git_dirty() -> bool | None:
    """Whether the source tree has uncommitted changes (then the commit alone does not reproduce the run);
    asked once a process, when its first run is recorded."""
    status = _git(*GIT_STATUS)
    return None if status is None else bool(status)


def build_manifest(scenario, seed: int, wall_seconds: float, events_processed: int, peak_rss_mb: float) -> dict:
    """Everything needed to reproduce and audit the run."""
    return {
        "scenario": scenario.model_dump(mode="json"),
        "seed": seed,
        "versions": _versions(),
        "git_commit": _git_commit(),
        "git_dirty": _git_dirty(),
        "platform": platform.platform(),
        "cwd": str(Path.cwd()),
        "command": sys.argv,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 3),
        "simpy_events": events_processed,
        "peak_rss_mb": round(peak_rss_mb, 1),
    }


#: Summary keys: flows summed over the run.
TOTALS = (
    "applications",
    "candidates_approved",
    "admitted",
    "candidates_expelled",
    "expelled",
    "exits",
    "punishments_issued",
    "punishments_lifted",
    "amnestied",
    "meetings_held",
    "critiques_held",
)


def build_summary(world, columns: dict[str, np.ndarray]) -> dict:
    """Headline figures from the time series' columns: final stocks, flow totals (the mechanisms add theirs)."""
    summary = {
        "scenario": world.scenario.name,
        "seed": world.seed,
        "start": str(world.calendar.start),
        "end": str(world.calendar.end),
        "final": {
            name: int(columns[name][-1])
            for name in ("members_full", "members_candidate", "applicants", "punished_total", "cells", "primary_orgs")
        },
        "initial": {name: int(columns[name][0]) for name in ("members_full", "members_candidate")},
        "totals": {name: int(columns[name].sum()) for name in TOTALS if name in columns},
        "ever_members": int(
            world.pop.counts[
                [Status.CANDIDATE, Status.FULL, Status.CANDIDATE_EXPELLED, Status.EXPELLED, Status.EXITED]
            ].sum()
        ),
    }
    return summary
