"""Stopping cleanly: SIGTERM handled like Ctrl-C, and output commits that no signal can split.

Batch schedulers, ``kill`` and container runtimes stop a process with
SIGTERM. Python's default is to die on the spot, skipping the ``finally``
blocks that remove a run's half-written staging directory. Within
:func:`terminate_as_interrupt` SIGTERM raises :class:`Terminated`, a
``KeyboardInterrupt``, so it takes the same clean-up path as Ctrl-C; the exit
code tells them apart (128 + the signal number, as a shell reports it).

A signal must never be lost. Python runs a handler between bytecodes, and an
exception it raises can be swallowed by C code that calls back into Python and
discards errors (numpy does, looking up ``__array_ufunc__`` on an ``IntEnum``
operand). So the handler first *notes* the signal, then raises; the engine
calls :func:`raise_if_stopped` between SimPy steps and the commit calls it
before its renames, so a signal whose exception was swallowed still stops the
run at the next step.

Python runs signal handlers in the main thread only, between bytecodes, so an
interruption can land between two system calls that belong together (the
renames that swap a run directory into place). :func:`signals_deferred` holds
SIGINT and SIGTERM for such a block and delivers them right after it.

A SIGINT inherited as ignored (a background job of a shell, ``nohup``) stays
ignored: that is what the parent asked for.
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


#: The stop signal received within :func:`terminate_as_interrupt` and not yet acted on (empty: none).
_received: list[int] = []


def interrupt_for(signum: int) -> KeyboardInterrupt:
    """The exception a stop signal raises: :class:`Terminated` for SIGTERM, KeyboardInterrupt for SIGINT."""
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _note_and_raise(signum: int, frame) -> None:
    """Note the signal first (a swallowed exception cannot lose it), then raise."""
    if not _received:
        _received.append(signum)
    raise interrupt_for(signum)


def stop_requested() -> int | None:
    """The stop signal received and not yet acted on, or None."""
    return _received[0] if _received else None


def raise_if_stopped() -> None:
    """A checkpoint: raise the interruption of a signal whose exception was swallowed (cheap: one list test)."""
    if _received:
        raise interrupt_for(_received[0])


def _in_main_thread() -> bool:
    """Signal handlers can only be set, and only ever run, in the main thread."""
    return threading.current_thread() is threading.main_thread()


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block SIGTERM raises :class:`Terminated` and SIGINT KeyboardInterrupt, both noted first.

    SIGINT keeps an inherited "ignore" (see the module docstring).
    """
    if not _in_main_thread():
        yield
        return
    _received.clear()
    signums = [signum for signum in STOP_SIGNALS if signal.getsignal(signum) is not signal.SIG_IGN]
    signums = [signal.SIGTERM, *(s for s in signums if s != signal.SIGTERM)]
    previous = {signum: signal.signal(signum, _note_and_raise) for signum in signums}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _received.clear()


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
    # None: set outside Python; SIG_IGN: nothing to deliver later
    held = {signum: handler for signum, handler in held.items() if handler not in (None, signal.SIG_IGN)}
    for signum in held:
        signal.signal(signum, lambda received, frame: caught.append(received))
    try:
        yield
    finally:
        for signum, handler in held.items():
            signal.signal(signum, handler)
    if caught:
        signal.raise_signal(caught[0])
