"""Stopping cleanly: SIGTERM handled like Ctrl-C, and output commits that no signal can split.

Batch schedulers, ``kill`` and container runtimes stop a process with
SIGTERM. Python's default is to die on the spot, skipping the ``finally``
blocks that remove a run's half-written staging directory. Within
:func:`terminate_as_interrupt` SIGTERM raises :class:`Terminated`, a
``KeyboardInterrupt``, so it takes the same clean-up path as Ctrl-C; the exit
code tells them apart (128 + the signal number, as a shell reports it).

Python runs signal handlers in the main thread only, between bytecodes, so an
interruption can land between two system calls that belong together (the
renames that swap a run directory into place). :func:`signals_deferred` holds
SIGINT and SIGTERM for such a block and delivers them right after it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The signals a user or a scheduler stops a run with (kill -9 cannot be caught at all).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt, so both clean up the same way."""


def _raise_terminated(signum: int, frame) -> None:
    raise Terminated()


def _in_main_thread() -> bool:
    """Signal handlers can only be set, and only ever run, in the main thread."""
    return threading.current_thread() is threading.main_thread()


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block SIGTERM raises :class:`Terminated` in the main thread."""
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_code(interrupt: KeyboardInterrupt) -> int:
    """130 after Ctrl-C (SIGINT), 143 after SIGTERM."""
    return 128 + (signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM during the block, then deliver the first one that came.

    Swapping the Python-level handlers (rather than blocking the signals with
    ``pthread_sigmask``) works whatever other threads (pyarrow's, a progress bar)
    exist: the kernel may deliver a signal to any thread, but its Python handler
    always runs here. Outside the main thread no handler can interrupt the block.
    """
    if not _in_main_thread():
        yield
        return
    caught: list[int] = []
    held = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    held = {signum: handler for signum, handler in held.items() if handler is not None}  # None: set outside Python
    for signum in held:
        signal.signal(signum, lambda received, frame: caught.append(received))
    try:
        yield
    finally:
        for signum, handler in held.items():
            signal.signal(signum, handler)
    if caught:
        signal.raise_signal(caught[0])
