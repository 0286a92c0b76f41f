"""A run directory appears whole or not at all, whatever stops the run and whoever else writes it.

A run is written into a hidden staging directory beside its target
(``.<name>.partial-<host>-<pid>-<random>``), then renamed into place. The
guarantees, and what gives them:

- **Crash, Ctrl-C, SIGTERM, disk full while writing**: the staging directory is
  removed on the way out and the target is untouched, so an earlier run there
  (``--overwrite``) is not lost when the new one fails.
- **Two runs writing one target at once**: ``rename(2)`` does not replace a
  non-empty directory, so without ``--overwrite`` the first to finish wins and
  the other fails with :class:`OutputError`; with ``--overwrite``
  the last one wins. Either way the target holds one complete run, never a mix.
- **Overwriting**: the old target is renamed aside (``.<name>.old-...``), the new
  one renamed in, the old one deleted. SIGINT and SIGTERM are held during these
  steps (:func:`sim.run.interruption.signals_deferred`).
- **kill -9 or power loss**: no clean-up runs, so a staging directory (or, if the
  kill fell between the two renames of an overwrite, the old run set aside) can
  be left over. The next save to the same target removes a dead run's staging
  directory and puts a set-aside run back if the target is missing. A
  leftover is dead when it was made on this host by a process that no longer
  exists; those of live runs, and of other hosts sharing the file system, are
  left alone (a sweep's ``--resume`` clears its own).
"""

from __future__ import annotations

import errno
import glob
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.run.interruption import raise_if_stopped, signals_deferred

STAGING, SET_ASIDE = "partial", "old"


class OutputError(Exception):
    """An output location that cannot be used; the message is one line for the user."""


def reason(exc: OSError) -> str:
    """The one-line reason of an OS error (e.g. 'No space left on device')."""
    return (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0]


def check_writable(out: Path) -> None:
    """Refuse an output place this process cannot write (read-only, no permission) before any work is done.

    Probed by creating and removing a file in ``out`` if it is a directory, else in its nearest
    existing parent (``os.access`` is not enough: it says yes to root on a read-only mount).
    """
    place = out if out.is_dir() else next((p for p in out.parents if p.is_dir()), Path("."))
    try:
        fd, probe_path = tempfile.mkstemp(prefix=".partysim-probe-", dir=place)
        os.close(fd)
        os.unlink(probe_path)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write there ({reason(exc)})") from None


def check_target(target: Path, overwrite: bool) -> None:
    """Clear what dead runs left beside ``target``, then refuse a target the run may not replace.

    Called before the run (not after minutes of work): a symbolic link (the swap would replace
    the link, not what it points to), a file in the way, a non-empty directory without
    ``overwrite``, a place this process cannot write.
    """
    if target.is_symlink():
        raise OutputError(f"{target}: expected an output directory, found a symbolic link (give the path it points to)")
    check_writable(target.parent if target.is_dir() else target)
    try:
        clear_leftovers(target)
        if target.exists() and not target.is_dir():
            raise OutputError(f"{target}: expected an output directory, found a file")
        if target.is_dir() and not overwrite and any(target.iterdir()):
            raise OutputError(f"{target}: output directory exists and is not empty (use --overwrite to replace it)")
    except OSError as exc:
        raise OutputError(f"{target}: cannot use this output directory ({exc.strerror or exc})") from None


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A fresh staging directory beside ``target``, removed when the block ends (already gone after a commit)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _sibling(target, STAGING)
    staging.mkdir()
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class Abandoned(Exception):
    """The process that asked for this run is gone; the run must not be committed (see :func:`commit`)."""


def commit(staging: Path, target: Path, overwrite: bool, wanted: Callable[[], bool] | None = None) -> None:
    """Rename ``staging`` to ``target``; with ``overwrite`` an existing target is set aside first, then deleted.

    ``wanted`` is asked right before the renames (a sweep's worker: is the sweep still alive?);
    if it says no, :class:`Abandoned` is raised and nothing is committed.
    """
    raise_if_stopped()  # a signal noted while the files were written stops the run before it is committed
    with signals_deferred():
        if wanted is not None and not wanted():
            raise Abandoned(f"{target}: the process that asked for this run is gone; not written")
        set_aside = _sibling(target, SET_ASIDE) if overwrite else None
        if set_aside is not None:
            try:
                os.rename(target, set_aside)
            except FileNotFoundError:  # nothing to replace (or a concurrent run set it aside first)
                set_aside = None
        try:
            os.rename(staging, target)
        except OSError as exc:
            if set_aside is not None:
                _put_back(set_aside, target)
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise OutputError(
                    f"{target}: another run wrote this directory at the same time; "
                    f"its results are kept, this run's are not"
                ) from None
            raise
        if set_aside is not None:
            shutil.rmtree(set_aside, ignore_errors=True)


def clear_leftovers(target: Path) -> None:
    """Remove the staging directories of dead runs beside ``target``; put a set-aside run back if the target is missing."""
    if not target.parent.is_dir():
        return
    for kind in (STAGING, SET_ASIDE):
        prefix = f".{target.name}.{kind}-"
        for leftover in sorted(target.parent.glob(f"{glob.escape(prefix)}*")):
            if not _owner_is_dead(leftover.name[len(prefix) :]):
                continue
            if kind == SET_ASIDE and not target.exists():
                _put_back(leftover, target)
            else:
                shutil.rmtree(leftover, ignore_errors=True)


def _sibling(target: Path, kind: str) -> Path:
    """A hidden name beside ``target`` that says whose it is (host, process) and never collides."""
    return target.parent / f".{target.name}.{kind}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _owner_is_dead(owner: str) -> bool:
    """Whether the process named by a leftover's ``<host>-<pid>-<random>`` (see :func:`_sibling`) is known to be gone."""
    parts = owner.rsplit("-", 2)
    if os.name != "posix" or len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False  # another machine's run may still be writing; on Windows os.kill(pid, 0) would kill
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by another user
        return False
    return False


def _put_back(set_aside: Path, target: Path) -> None:
    """Rename a set-aside run back to ``target``; if a concurrent run has filled the target meanwhile, drop it."""
    try:
        os.rename(set_aside, target)
    except OSError:
        shutil.rmtree(set_aside, ignore_errors=True)
