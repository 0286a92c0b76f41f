"""Where the runs of a sweep or comparison execute: this process, a local process pool, or Dask.

Every executor takes a list of :class:`~sim.many.runs.RunTask` and yields one
:class:`~sim.many.runs.RunRecord` per task *as runs finish* (in any order). The
caller sorts the records by run, and each run's seed is fixed by its place in
the design, so the tables a sweep writes do not depend on the executor or on
the number of workers.

- ``InProcess`` (``--workers 1``): no pool, easiest to debug and profile.
- ``LocalPool`` (default, ``--workers`` = the machine's cores): a
  ``ProcessPoolExecutor`` whose workers start from a forkserver that has
  already imported the model, so starting them costs little and no lock held
  by a thread of this process (the progress bar) is copied into a child. The
  workers are started as the pool is made, in the background, so that the
  forkserver's imports (half a second of CPU) overlap the sweep's probe run
  instead of following it.
- ``DaskCluster`` (``--scheduler tcp://host:8786`` or ``--dask-local N``):
  Dask distributed. Workers write run directories themselves, so on a cluster
  ``--out`` must be on a file system every worker sees.

A local worker that dies (killed, out of memory) breaks its pool: the runs in
flight and those not yet started are recorded as failed with the reason, and
``--resume`` redoes them. Dask reschedules the work of a lost worker itself.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from sim.many.runs import RunRecord, RunTask, execute, failure, watch_parent
from sim.run.interruption import exit_code
from sim.run.resources import check_memory
from sim.scenario import Scenario

EXIT_USAGE = 2


class ExecutorError(Exception):
    """An executor that cannot be started (unreachable scheduler, bad worker count); one line for the user."""


class Executor(Protocol):
    """Runs tasks and yields their records as they finish."""

    description: str

    def run(self, tasks: list[RunTask]) -> Iterator[RunRecord]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """The cores this process may use (respects CPU affinity, e.g. in containers and batch jobs)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class InProcess:
    """Runs one task after another in this process."""

    description = "in-process"

    def run(self, tasks: list[RunTask]) -> Iterator[RunRecord]:
        for task in tasks:
            yield execute(task)

    def close(self) -> None:
        pass


class LocalPool:
    """A pool of worker processes on this machine."""

    def __init__(self, workers: int):
        self.workers = workers
        self.description = f"local pool, {workers} workers"
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.many.runs"])
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=watch_parent, initargs=(os.getpid(),)
        )
        self.starting = threading.Thread(target=self._start_workers, name="partysim-pool-start", daemon=True)
        self.starting.start()

    def _start_workers(self) -> None:
        """Start every worker now: a submit starts a worker and waits for the forkserver to come up
        (to import the model), which this thread does while the caller goes on (the probe run)."""
        try:
            for _ in range(self.workers):
                self.pool.submit(os.getpid)
        except (BrokenProcessPool, RuntimeError):  # a broken or closed pool: the first real submit says why
            pass

    def run(self, tasks: list[RunTask]) -> Iterator[RunRecord]:
        # At most two tasks per worker in flight: a killed sweep loses little queued work,
        # and records stream back while the rest are still waiting to be submitted.
        pending = iter(tasks)
        running = {}
        while True:
            for task in pending:
                try:
                    running[self.pool.submit(execute, task)] = task
                except BrokenProcessPool as exc:  # a worker died: this pool runs nothing more
                    yield failure(task, exc)
                    yield from (failure(rest, exc) for rest in pending)
                    break
                if len(running) >= 2 * self.workers:
                    break
            if not running:
                return
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                error = future.exception()
                yield failure(task, error) if error else future.result()

    def close(self) -> None:
        self.starting.join()
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskCluster:
    """A Dask distributed client: on a running scheduler, or on a ``LocalCluster`` it starts."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "Dask executor: expected the dask[distributed] package, found it not installed "
                "(pip install 'partysim[dask]')"
            ) from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="10s")
                self.description = f"dask scheduler {scheduler}"
            else:
                self.cluster = LocalCluster(
                    n_workers=local_workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self.client = Client(self.cluster)
                self.description = f"dask local cluster, {local_workers} workers"
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"--scheduler {scheduler}: expected a reachable Dask scheduler, found {type(exc).__name__}: {exc}"
            ) from None

    def run(self, tasks: list[RunTask]) -> Iterator[RunRecord]:
        from distributed import as_completed

        futures = {
            self.client.submit(execute, task, key=f"partysim-{task.run_id}-{task.seed}", pure=False): task
            for task in tasks
        }
        for future in as_completed(futures):
            task = futures[future]
            if future.status == "error":
                yield failure(task, future.exception())
            else:
                yield future.result()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None) -> Executor:
    """The executor the command-line options ask for (see the module docstring)."""
    if scheduler and dask_local:
        raise ExecutorError("--scheduler and --dask-local: expected one of them, found both")
    if scheduler or dask_local:
        return DaskCluster(scheduler, dask_local)
    workers = default_workers() if workers is None else workers
    return InProcess() if workers == 1 else LocalPool(workers)


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, found {value}")
    return value


def add_executor_args(parser: argparse.ArgumentParser) -> None:
    """--workers / --scheduler / --dask-local / --quiet / --ignore-memory-check, shared by ``sweep`` and ``compare``."""
    parser.add_argument(
        "--workers", type=positive_int, help="local worker processes (default: the cores; 1 runs in this process)"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--dask-local", type=positive_int, metavar="N", help="run on a Dask LocalCluster of N workers")
    parser.add_argument(
        "--quiet", action="store_true", help="print only where the results went (no progress bar, no table)"
    )
    parser.add_argument(
        "--ignore-memory-check",
        action="store_true",
        help="start even if the runs at once on this machine would need more memory than is available",
    )


def check_local_memory(args: argparse.Namespace, scenarios: list[Scenario], runs: int) -> None:
    """Refuse (MemoryShortage, exit 2) when the runs this machine would do at once do not fit in its memory.

    Every local worker holds one run; on a Dask scheduler the runs use the cluster's memory, not this machine's.
    """
    if args.ignore_memory_check or args.scheduler:
        return
    workers = args.dask_local or args.workers or default_workers()
    check_memory(scenarios, runs_at_once=min(workers, runs))


def with_executor(args: argparse.Namespace, work: Callable[[Executor], int], after_interrupt: str) -> int:
    """Start the executor the options ask for, run ``work`` on it, always shut it down.

    An executor that cannot start is a usage error (exit 2, one line); Ctrl-C says what was kept.
    """
    try:
        executor = make_executor(args.workers, args.scheduler, args.dask_local)
    except ExecutorError as exc:
        print(f"partysim: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return work(executor)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (sim.run.interruption)
        print(f"partysim: interrupted; {after_interrupt}", file=sys.stderr)
        return exit_code(exc)
    finally:
        executor.close()
