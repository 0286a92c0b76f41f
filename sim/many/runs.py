"""One run of a sweep or comparison, as a task any executor can ship to a worker.

A :class:`RunTask` carries everything the run needs (the validated scenario,
its seed, where to write, which outcomes to read) so that a worker process,
local or on a Dask cluster, needs nothing else. :func:`execute` never raises
for a failing model: the error is returned in the :class:`RunRecord`, so one
bad parameter combination does not stop a thousand-run sweep.

The run directory is the unit of progress: :meth:`Result.save` writes it
atomically, so a run whose directory exists is finished (that is what
``--resume`` relies on) and a crash leaves at most a hidden staging directory,
removed by :func:`remove_staging`.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.many.outcomes import Outcome, OutcomeError, evaluate, expand, parse
from sim.run.engine import simulate
from sim.run.result import OutputError, Result, _versions
from sim.run.rundir import commit, reason, staged
from sim.scenario import Scenario

OK, FAILED = "ok", "failed"
#: Exit code of a sweep or comparison in which some runs failed (2 stays for bad input).
EXIT_FAILED_RUNS = 1


def run_seed(root_seed: int, *key: int) -> int:
    """The seed of the run at ``key`` (e.g. point, replication): a child of ``SeedSequence(root_seed)``.

    Keyed by position in the design, never by order of completion, so a run's seed
    is the same whatever the executor, the worker count or how often it was resumed.
    """
    child = np.random.SeedSequence(root_seed, spawn_key=tuple(int(k) for k in key))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))  # fits int64 columns


@dataclass(frozen=True)
class RunTask:
    """One run to do: scenario, seed, output directory and the outcomes to read off it."""

    run_id: str
    directory: str
    scenario: Scenario
    seed: int
    outcomes: Mapping[str, Outcome]
    labels: Mapping[str, object] = field(default_factory=dict)
    fmt: str = "parquet"
    events: bool = False  # also write events.parquet (compare --members reads who did what)

    @property
    def finished(self) -> bool:
        """A run directory exists only once complete (atomic save), so its presence means done."""
        return (Path(self.directory) / "summary.json").is_file()


@dataclass(frozen=True)
class RunRecord:
    """What came back from a run: its outcome values, or the error that stopped it."""

    run_id: str
    status: str
    values: Mapping[str, float]
    error: str | None = None
    wall_seconds: float = math.nan
    resumed: bool = False


def execute(task: RunTask) -> RunRecord:
    """Run, read the outcomes, save the run directory; a model error becomes a failed record."""
    started = time.perf_counter()
    try:
        result = simulate(task.scenario, seed=task.seed, events=task.events)
        values = evaluate(task.outcomes, result.columns, result.summary)
        save(task, result)
    except Exception as exc:
        return failure(task, exc, time.perf_counter() - started)
    return RunRecord(task.run_id, OK, values, wall_seconds=time.perf_counter() - started)


def save(task: RunTask, result: Result) -> None:
    """Write the run directory (atomically), labelled in its manifest with the run's place in the design.

    In a worker, the run is committed only while the sweep that asked for it is alive.
    """
    result.manifest["many_runs"] = {"run_id": task.run_id, "seed": task.seed, **task.labels}
    result.save(task.directory, fmt=task.fmt, overwrite=True, wanted=None if _watched is None else _watched.alive)


class ParentWatch:
    """A worker's watch on the sweep or comparison that started it: gone, the worker exits on its own.

    After kill -9 of a sweep nothing else stops its pool: a worker blocked on its queue
    would wait forever, one running a simulation would go on writing run directories.
    The sweep counts as gone when its process no longer exists or the worker's own
    parent changed (the forkserver exits when the sweep does; the worker is re-parented).
    """

    #: Seconds between two looks (a dead sweep's workers are gone within about this).
    EVERY = 0.2

    def __init__(self, sweep_pid: int):
        self.sweep_pid, self.parent_pid = sweep_pid, os.getppid()

    def alive(self) -> bool:
        if os.getppid() != self.parent_pid:
            return False
        try:
            os.kill(self.sweep_pid, 0)
        except ProcessLookupError:
            return False
        except OSError:  # exists, another user's (cannot be ours, but alive)
            return True
        return True

    def watch(self) -> None:
        while self.alive():
            time.sleep(self.EVERY)
        os._exit(EXIT_ORPHANED)


#: Exit code of a worker whose sweep is gone.
EXIT_ORPHANED = 75
_watched: ParentWatch | None = None


def watch_parent(sweep_pid: int) -> None:
    """Worker initializer: exit when the sweep ``sweep_pid`` is gone (see :class:`ParentWatch`)."""
    global _watched
    _watched = ParentWatch(sweep_pid)
    threading.Thread(target=_watched.watch, name="partysim-parent-watch", daemon=True).start()


def probe(
    expressions: Mapping[str, str], first: RunTask, optional: Iterable[str] = ()
) -> tuple[dict[str, Outcome], Result | None]:
    """Check outcome expressions against the first run, expanding ``summary:KEY.*``, before anything is written.

    The first run is done here unless it is finished already; a fresh result is returned
    so that the caller saves it once the output directory exists (the check costs no extra run).
    Raises :class:`~sim.many.outcomes.OutcomeError` ``(message, name)`` for an outcome the run cannot give,
    unless its name is ``optional`` (a default outcome some scenarios lack, e.g. without a Congress): then
    it is left out.
    """
    try:
        fresh = not first.finished
        result = (
            simulate(first.scenario, seed=first.seed, events=first.events) if fresh else Result.load(first.directory)
        )
    except Exception:
        required = {name: e for name, e in expressions.items() if name not in set(optional)}
        return {name: parse(expression) for name, expression in required.items()}, None
    expanded: dict[str, Outcome] = {}
    for name, expression in expressions.items():
        try:
            expanded.update(expand({name: expression}, result.columns, result.summary))
        except OutcomeError:
            if name not in set(optional):
                raise
    return expanded, result if fresh else None


def record_of(task: RunTask, result: Result, resumed: bool = False) -> RunRecord:
    """The record of a run whose result is at hand (the probe run, or one read back for --resume)."""
    return RunRecord(task.run_id, OK, evaluate(task.outcomes, result.columns, result.summary), resumed=resumed)


def failure(task: RunTask, exc: BaseException, wall_seconds: float = math.nan) -> RunRecord:
    """A failed record whose error names the exception and the innermost frame of the model."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return RunRecord(task.run_id, FAILED, {}, f"{type(exc).__name__}: {message}{where}", wall_seconds)


def reload(task: RunTask) -> RunRecord:
    """The record of a run finished earlier (``--resume``), read back from its directory."""
    return record_of(task, Result.load(task.directory), resumed=True)


def prepare_output(out: Path, overwrite: bool, resume: bool | None = None) -> None:
    """Refuse to mix new runs into a non-empty directory (before anything runs); clear it for --overwrite.

    ``resume`` is None for commands that cannot resume, so the hint does not offer it.
    """
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: expected an output directory, found a file")
    if out.exists() and any(out.iterdir()) and not (resume or overwrite):
        hint = (
            "--resume to continue it or --overwrite to replace it"
            if resume is not None
            else "--overwrite to replace it"
        )
        raise OutputError(f"{out}: output directory exists and is not empty (use {hint})")


def add_output_args(parser, kind: str, default: str, accept_changes: bool = True) -> None:
    """``--out``, ``--resume``, ``--overwrite`` (and ``--accept-changes``) of a many-runs command, said alike."""
    parser.add_argument("--out", help=f"output directory (default {default})")
    parser.add_argument(
        "--resume", action="store_true", help=f"continue a killed {kind} in --out without redoing finished runs"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help=f"replace an existing output directory once the new {kind} is complete",
    )
    if accept_changes:
        parser.add_argument(
            "--accept-changes",
            action="store_true",
            help=f"with --resume: carry on although input files changed (recorded in {KIND_FILES[kind]})",
        )


#: The metadata file that says what kind of many-runs directory a directory is.
KIND_FILES = {"sweep": "sweep.json", "comparison": "comparison.json", "calibration": "calibration.json"}


@contextmanager
def output_directory(out: Path, kind: str, overwrite: bool, resume: bool = False) -> Iterator[Path]:
    """Own ``out`` for one sweep, comparison or calibration: yields the directory to write into.

    The contract of a run directory (:mod:`sim.run.rundir`), for many runs:

    - **one writer**: an exclusive lock beside ``out`` (``.<name>.lock``, released by the
      kernel even after kill -9); a second writer fails at once with one line;
    - **checked before any work**: a file in the way, a non-empty directory without
      --resume/--overwrite, a directory of another kind for --resume, an unwritable parent;
    - **--overwrite keeps the earlier result until the new one is complete**: the new one is
      written into a staging sibling and swapped in at the end (signals held during the swap);
    - **a failure to write** (full disk, permissions) is one :class:`OutputError` line, and a
      directory this call created is removed again (a resumable sweep's runs are kept on Ctrl-C).
    """
    with exclusive(out, kind):
        prepare_output(out, overwrite, resume)
        if resume:
            check_kind(out, kind)
        existed = out.exists()
        try:
            if overwrite and not resume and existed:
                with staged(out) as staging:
                    yield staging
                    commit(staging, out, overwrite=True)
            else:
                yield out
        except OutputError:  # a run that could not be written: its own line already says why
            if not existed:
                shutil.rmtree(out, ignore_errors=True)
            raise
        except OSError as exc:
            if not existed:
                shutil.rmtree(out, ignore_errors=True)
            raise OutputError(f"{out}: could not write the {kind} ({reason(exc)}); {_kept(existed, resume)}") from None


def _kept(existed: bool, resume: bool) -> str:
    if not existed:
        return "nothing was left there"
    return "the runs finished so far are kept (--resume continues)" if resume else "the earlier results are kept"


@contextmanager
def exclusive(out: Path, kind: str) -> Iterator[None]:
    """Hold an exclusive lock on ``.<name>.lock`` beside ``out``; refuse at once if another writer holds it.

    The lock file is removed on release; a writer that locked a file already removed
    (it opened the file before the previous holder removed it) tries again.
    """
    lock = out.parent / f".{out.name}.lock"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputError(
                    f"{out}: another {kind} is writing this directory now; wait for it or choose another --out"
                ) from None
            try:
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
    except OSError as exc:
        raise OutputError(f"{out}: cannot use this output directory ({reason(exc)})") from None
    try:
        yield
    finally:
        with suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def package_version() -> str:
    """partysim's version, recorded with the inputs of a many-runs directory (a new version may change runs)."""
    return _versions()["partysim"]


def changed_inputs(metadata: Path, now: dict[str, str]) -> list[str]:
    """The inputs whose digest differs from those recorded in ``metadata`` (none recorded: nothing to compare)."""
    try:
        before = json.loads(metadata.read_text(encoding="utf-8")).get("inputs")
    except (OSError, ValueError, AttributeError):
        before = None
    if not isinstance(before, dict):
        return []
    changed = (key for key in sorted(set(before) | set(now)) if before.get(key) != now.get(key))
    return [f"{Path(key).name} ({key})" if Path(key).is_absolute() else key for key in changed]


def check_kind(out: Path, kind: str) -> None:
    """``--resume`` continues only a directory of its own kind (never a run's, or a comparison's for a sweep)."""
    if not out.is_dir() or not any(out.iterdir()):
        return
    if (out / KIND_FILES[kind]).is_file():
        return
    found = next((other for other, name in KIND_FILES.items() if (out / name).is_file()), None)
    if found is None and (out / "manifest.json").is_file():
        found = "single run"
    what = f"a {found} directory" if found else f"no {KIND_FILES[kind]}"
    raise OutputError(f"{out}: --resume: expected a {kind} directory, found {what} (choose another --out)")


def remove_staging(directory: Path) -> int:
    """Delete staging and swap directories a killed run left (``.<name>.partial-*``, ``.<name>.old-*``)."""
    removed = 0
    for pattern in (".*.partial-*", ".*.old-*"):
        for leftover in directory.rglob(pattern):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
                removed += 1
    return removed


def split_finished(tasks: Iterable[RunTask]) -> tuple[list[RunRecord], list[RunTask]]:
    """Records of tasks already done (read back) and the tasks still to run.

    A finished run whose files do not read back (truncated, edited, half-copied) is removed
    and run again, rather than stopping the resume.
    """
    done, todo = [], []
    for task in tasks:
        if task.finished:
            try:
                done.append(reload(task))
                continue
            except Exception:
                shutil.rmtree(task.directory, ignore_errors=True)
        todo.append(task)
    return done, todo


class RunProgress:
    """Runs done, failed and the ETA, as a rich bar on a terminal and nothing elsewhere."""

    def __init__(self, total: int, already: int = 0, show: bool = True, label: str = "runs"):
        self.bar = None
        if show:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(stderr=True)
            if console.is_terminal:
                self.bar = Progress(
                    TextColumn(f"[bold]{label}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("{task.fields[failed]} failed"),
                    TimeRemainingColumn(),
                    console=console,
                    transient=True,
                )
                self.task = self.bar.add_task(label, total=total, completed=already, failed=0)
        self.failed = 0

    def __enter__(self) -> RunProgress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.stop()

    def advance(self, record: RunRecord) -> None:
        self.failed += record.status == FAILED
        if self.bar:
            self.bar.update(self.task, advance=1, failed=self.failed)


def print_counts(
    records: list[RunRecord], out: Path, wall_seconds: float, kind: str, quiet: bool, retry: str = ""
) -> int:
    """One line of counts (and the first errors on stderr); the exit code: 1 when some runs failed."""
    failed = [r for r in records if r.status == FAILED]
    for record in failed[:5]:
        print(f"partysim: run {record.run_id} failed: {record.error}", file=sys.stderr)
    if failed:
        more = " (errors of the first 5 above)" if len(failed) > 5 else ""
        print(f"partysim: {len(failed)} of {len(records)} runs failed{more}{retry}", file=sys.stderr)
    if quiet:
        print(f"results in {out}")
    else:
        resumed = sum(r.resumed for r in records)
        print(
            f"{kind}: {len(records) - len(failed)} runs ok ({resumed} from before), {len(failed)} failed, "
            f"{wall_seconds:.1f} s; results in {out}"
        )
    return EXIT_FAILED_RUNS if failed else 0


def _staged(path: Path) -> Path:
    return path.parent / f".{path.name}.partial-{uuid.uuid4().hex[:8]}"


def write_text_atomic(path: Path, text: str) -> None:
    """Tables and metadata of a sweep are replaced whole, never seen half-written."""
    staging = _staged(path)
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)


def write_json_atomic(path: Path, data: dict) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=str) + "\n")


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    staging = _staged(path)
    frame.to_parquet(staging, index=False)
    os.replace(staging, path)
