"""Will a run fit in memory? An estimate from the scenario, checked before any work is done.

A national run holds tables of millions of rows. Started on a machine (or in a
batch job's memory limit) too small for it, it swaps or is killed by the
kernel's OOM killer minutes later, with nothing written and no message. The
command line compares this estimate with the memory available and refuses at
once (exit code 2) unless ``--ignore-memory-check`` is given; ``sim.run`` does
not check, so the Python API stays usable as it is.

The estimate is the peak resident memory of one ``partysim run`` process:

``BASE_BYTES + BYTES_PER_MEMBER * members``
    Fitted by least squares on the peak RSS (``/usr/bin/time -v``, which also
    counts saving the outputs) of ``partysim run`` without ``--events``,
    campaigns, Congress and amnesty off, 1 to 5 simulated years (the peak does
    not depend on the duration: it is reached while the party is founded and
    the member table filled):

    ===========================  =========  ================
    scenario                      members    peak RSS (MiB)
    ===========================  =========  ================
    county.yaml                         200      140
    county.yaml                   1,000,000      309
    county.yaml                   2,000,000      502
    county.yaml                   4,000,000      871
    national.yaml                 1,000,000      309
    national.yaml                 3,000,000      683
    national.yaml                 6,500,000    1,290
    national.yaml (5 y, all on)   6,500,000    1,290
    ===========================  =========  ================

    The slope is 188 bytes per member (the member table's 67 bytes a row, of
    which the reserved headroom only touches the columns not filled with
    zeros, plus the founding draws and the per-organization tables), the
    intercept 145 MB: the interpreter with numpy, pandas and pyarrow loaded.
    Rounded up to 200 bytes and 150 MB, the estimate is 4 to 8 % above every
    measurement from a million members up (1.45 GB for the national party).

growth of the member table
    Rows are never deleted, so every applicant adds one. When the day-0
    members plus the applicants of the whole run (``membership`` rates times
    the duration) exceed the table's initial capacity, the table doubles; each
    added row costs the columns' itemsizes (``sim.model.population.COLUMNS``).
    Checked on the county with 2 million members: 0.5 applications a member a
    year for 1 year (one doubling) peaked at 584 MiB, estimated 684; 1.0 for 2
    years (two doublings) at 1,033 MiB, estimated 1,004.

``--events``
    The event log is held in memory until it is written: 206 to 222 bytes an
    event (county, national, army and daily-critique scenarios at 0.3 to 2
    million members, 1 year), and 8 (county, national) to 15 (army with
    critique every two days) events per member and year, mostly critique
    findings. The estimate takes the upper figures, 220 bytes and 15 events:
    5 % above the daily-critique run (1,092 MiB with 300,000 members for a
    year), up to 1.8 times the county's.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from sim.model.calendar import Calendar
from sim.model.founding import DAYS_PER_YEAR, initial_capacity
from sim.model.population import COLUMNS
from sim.scenario import Scenario

#: Peak resident memory of a run of a (nearly) empty party: the interpreter and the libraries (bytes).
BASE_BYTES = 150_000_000
#: Peak resident memory per day-0 member (bytes; fitted, see the module docstring).
BYTES_PER_MEMBER = 200
#: Memory of one member-table row (bytes): what each row added by growth costs.
ROW_BYTES = sum(np.dtype(dtype).itemsize for dtype, _ in COLUMNS.values())
#: Event-log rows per member and simulated year, the most eventful shipped scenario (``--events``).
EVENTS_PER_MEMBER_YEAR = 15
#: Memory of one event-log row until it is written (bytes).
BYTES_PER_EVENT = 220

GB = 1_000_000_000

#: cgroup v2 and v1 (memory controller): (mount under /sys/fs/cgroup, limit file, usage file, stat key of inactive page cache).
CGROUP_FILES = {
    2: ("", "memory.max", "memory.current", "inactive_file"),
    1: ("memory", "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"),
}


class MemoryShortage(Exception):
    """The estimated peak memory exceeds what is available; the message is one line for the user."""


def estimate_peak_bytes(scenario: Scenario, events: bool = False) -> int:
    """Peak resident memory of one run of ``scenario`` (bytes; see the module docstring)."""
    members = scenario.population.members
    years = (Calendar.shift(scenario.start, scenario.duration_span) - scenario.start).days / DAYS_PER_YEAR
    membership = scenario.membership
    applicants = (membership.applications_per_member_year * members + membership.applications_per_year) * years
    rows = members + (applicants if membership.enabled else 0)
    capacity = initial_capacity(members)
    grown = capacity
    while grown < rows:
        grown *= 2
    peak: float = BASE_BYTES + BYTES_PER_MEMBER * members + ROW_BYTES * (grown - capacity)
    if events:
        peak += BYTES_PER_EVENT * EVENTS_PER_MEMBER_YEAR * members * years
    return int(peak)


def available_bytes(proc: Path = Path("/proc"), cgroups: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Memory this process can still use (bytes), or None where the system does not tell.

    The smaller of the kernel's ``MemAvailable`` (free memory plus reclaimable caches)
    and the headroom of the memory cgroups holding the process: batch schedulers
    (SLURM) and containers limit a job far below the machine's memory, and the OOM
    killer enforces the cgroup's limit, not the machine's.
    """
    known = [value for value in (_mem_available(proc), _cgroup_headroom(proc, cgroups)) if value is not None]
    return min(known, default=None)


def check_memory(scenarios: Iterable[Scenario], events: bool = False, runs_at_once: int = 1) -> None:
    """Raise :class:`MemoryShortage` if ``runs_at_once`` runs of the largest scenario would not fit in memory.

    Does nothing where the available memory is unknown.
    """
    largest = max(scenarios, key=lambda scenario: estimate_peak_bytes(scenario, events))
    needed = estimate_peak_bytes(largest, events) * runs_at_once
    available = available_bytes()
    if available is None or needed <= available:
        return
    runs = f"{runs_at_once} runs at once of " if runs_at_once > 1 else ""
    with_events = " with --events" if events else ""
    raise MemoryShortage(
        f"{runs}'{largest.name}' ({largest.population.members:,} members{with_events}) needs about "
        f"{_size(needed)} of memory, {_size(available)} is available (use --ignore-memory-check to run anyway)"
    )


def _size(size: int) -> str:
    return f"{size / GB:.1f} GB" if size >= GB else f"{size / 1e6:.0f} MB"


def _mem_available(proc: Path) -> int | None:
    """``MemAvailable`` of /proc/meminfo; elsewhere (macOS, Windows) what psutil reports as available."""
    try:
        for line in (proc / "meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil  # only here and for Windows' peak below: a run on Linux need not import it

        return int(psutil.virtual_memory().available)
    except (OSError, RuntimeError, AttributeError):  # a platform psutil does not support
        return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (2**20 bytes), on every platform.

    ``ru_maxrss`` is in kilobytes on Linux but in bytes on macOS (1024x off if read as kB);
    Windows has no ``resource`` module, psutil gives its peak working set.
    """
    try:
        import resource
    except ImportError:
        import psutil

        return psutil.Process().memory_info().peak_wset / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _cgroup_headroom(proc: Path, cgroups: Path) -> int | None:
    """Limit minus usage of this process's memory cgroup and its ancestors, the tightest; None without a limit.

    Usage counts page cache; its inactive part is reclaimed before the OOM killer acts, so it counts as free.
    """
    try:
        lines = (proc / "self" / "cgroup").read_text().splitlines()
    except OSError:
        return None
    headroom = []
    for line in lines:
        if line.count(":") < 2:
            continue
        _, controllers, path = line.split(":", 2)
        version = 2 if controllers == "" else 1 if "memory" in controllers.split(",") else None
        if version is None:
            continue
        mount, limit_file, usage_file, inactive_key = CGROUP_FILES[version]
        root = cgroups / mount
        directory = root / path.lstrip("/")
        while True:
            limit, usage = _read_int(directory / limit_file), _read_int(directory / usage_file)
            if limit is not None and usage is not None:
                headroom.append(limit - usage + _stat(directory / "memory.stat", inactive_key))
            if directory == root or root not in directory.parents:
                break
            directory = directory.parent
    return min(headroom, default=None)


def _read_int(path: Path) -> int | None:
    """The number in a cgroup file; None if it is missing or says ``max`` (no limit)."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _stat(path: Path, key: str) -> int:
    """A value of a cgroup's ``memory.stat`` (0 if absent)."""
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0
