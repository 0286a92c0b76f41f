"""A run directory is complete or absent, whatever stops the run, fills the disk or writes beside it.

Runs are real ``python -m sim run`` subprocesses on a tiny county (200 members,
8 weeks), stopped with SIGINT, SIGTERM or SIGKILL at increasing delays after
``partysim`` has started, or raced for one ``--out``. Whatever happened, the
output directory either does not exist or holds the three files of one run
(loadable, and equal to that seed's reference run), and no hidden staging
directory is left beside it (after kill -9: none once the next run is done).
The memory guard, a full disk and signals during the commit are checked in
process, with the writer or the available memory patched.
"""

from __future__ import annotations

import errno
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.run import resources, rundir
from sim.run import result as result_module
from sim.run.interruption import Terminated, exit_code, terminate_as_interrupt
from sim.run.result import Result
from tests.conftest import ROOT, SCENARIOS, UNDATED

TINY = ["population.members=200", "duration=8w", *UNDATED]
RUN_FILES = {"timeseries.parquet", "summary.json", "manifest.json"}
#: Exit codes of a run stopped by SIGINT and SIGTERM (128 + signal number).
STOPPED = {signal.SIGINT: 130, signal.SIGTERM: 143}
#: When to send a signal, as fractions of the time from main() to the run directory's appearance;
#: dense towards 1, where the save is. After it, the directory is there whatever the signal does.
DELAYS = (0.0, 0.5, 0.8, 0.9, 1.0, 1.1)
#: Where a signal lands is found in /proc/<pid>/status.
needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")


def run_args(out: Path, *extra: str) -> list[str]:
    overrides = [arg for override in TINY for arg in ("--set", override)]
    return ["run", str(SCENARIOS / "county.yaml"), *overrides, "--out", str(out), "--quiet", *extra]


def default_stop_signals() -> None:
    """In a child before exec: SIGINT and SIGTERM as a terminal would give them, whatever this process inherited.

    bash starts a background job with SIGINT ignored, and an ignored signal stays ignored across exec,
    so without this the SIGINT tests would depend on how pytest was launched.
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def start(out: Path, *extra: str) -> subprocess.Popen:
    """``partysim run`` in a subprocess; memory is not checked, so a busy test machine does not refuse it."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *run_args(out, "--ignore-memory-check", *extra)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_stop_signals,
    )


@pytest.fixture(autouse=True)
def ctrl_c_raises():
    """In this process too SIGINT raises KeyboardInterrupt, even if pytest was started with it ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def wait_until_in_main(process: subprocess.Popen) -> None:
    """Until partysim's main() has set its SIGTERM handler (Python's start-up is not partysim's to clean up)."""
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        caught = next(line for line in status.read_text().splitlines() if line.startswith("SigCgt:"))
        if int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1:
            return
        time.sleep(0.002)


def stop_after(process: subprocess.Popen, signum: int, delay: float) -> tuple[int, str]:
    """Send ``signum`` ``delay`` seconds into main(); the exit status as a shell reports it (killed by signal s: 128 + s)."""
    wait_until_in_main(process)
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    # Killed by the signal: it came after main() returned (handlers are reset at shutdown), or CPython
    # re-raised SIGINT at exit because the KeyboardInterrupt passed through code run by exec() of a
    # string (dataclasses, namedtuple) before partysim caught it. A shell reports 130 or 143 either way.
    return (128 - process.returncode if process.returncode < 0 else process.returncode), err


@pytest.fixture(scope="module")
def references(tmp_path_factory) -> dict[int, pd.DataFrame]:
    """The time series of seeds 1 and 2 as written by an undisturbed save."""
    scenario = sim.load_scenario(SCENARIOS / "county.yaml", TINY)
    directory = tmp_path_factory.mktemp("reference")
    return {seed: Result.load(sim.run(scenario, seed=seed).save(directory / str(seed))).timeseries for seed in (1, 2)}


@pytest.fixture(scope="module")
def save_seconds(tmp_path_factory) -> float:
    """Seconds from main() to the run directory's appearance in an undisturbed tiny run (scales the delays)."""
    out = tmp_path_factory.mktemp("timing") / "out"
    process = start(out)
    wait_until_in_main(process)
    started = time.monotonic()
    while not out.exists() and process.poll() is None:
        time.sleep(0.002)
    seconds = time.monotonic() - started
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return seconds


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*"))


def assert_complete_or_none(
    out: Path, references: dict[int, pd.DataFrame], seeds: tuple[int, ...] = (1, 2)
) -> int | None:
    """The directory is absent, or one whole run of one of ``seeds``; returns that seed."""
    if not out.exists():
        return None
    assert {p.name for p in out.iterdir()} == RUN_FILES
    loaded = Result.load(out)
    seed = loaded.summary["seed"]
    assert seed in seeds and loaded.manifest["seed"] == seed, "summary and manifest of different runs"
    pd.testing.assert_frame_equal(loaded.timeseries, references[seed])
    return seed


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ---------------------------------------------------------------------------
# Existing directories
# ---------------------------------------------------------------------------


def test_existing_non_empty_directory_is_refused_without_overwrite(tmp_path, references):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    process = start(out, "--seed", "1")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "--overwrite" in one_line(err) and str(out) in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and not leftovers(out)
    process = start(out, "--seed", "1", "--overwrite")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert assert_complete_or_none(out, references) == 1 and not leftovers(out)


def test_a_file_in_the_way_is_refused_even_with_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("not a run")
    assert main(run_args(out, "--overwrite")) == 2
    assert "found a file" in one_line(capsys.readouterr().err) and out.read_text() == "not a run"


# ---------------------------------------------------------------------------
# Concurrent writers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("overwrite", [False, True], ids=["first-wins", "overwrite-last-wins"])
def test_two_runs_racing_for_one_directory_leave_one_whole_run(tmp_path, references, overwrite):
    out = tmp_path / "out"
    extra = ("--overwrite",) if overwrite else ()
    processes = {seed: start(out, "--seed", str(seed), *extra) for seed in (1, 2)}
    outcomes = {seed: (p.communicate(timeout=60)[1], p.returncode) for seed, p in processes.items()}
    succeeded = [seed for seed, (_, code) in outcomes.items() if code == 0]
    assert assert_complete_or_none(out, references) in succeeded
    assert not leftovers(out)
    for _seed, (err, code) in outcomes.items():
        assert code in (0, 2), err
        if code == 2:
            assert str(out) in one_line(err)
    if not overwrite:
        assert len(succeeded) == 1, outcomes  # the second to finish found the directory taken


# ---------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------


@needs_proc
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_run_leaves_a_complete_directory_or_none(tmp_path, references, save_seconds, signum):
    codes = []
    for i, fraction in enumerate(DELAYS):
        out = tmp_path / f"out{i}"
        code, err = stop_after(start(out, "--seed", "1"), signum, fraction * save_seconds)
        codes.append(code)
        assert code in (0, STOPPED[signum]), err
        seed = assert_complete_or_none(out, references, seeds=(1,))
        assert not leftovers(out)
        if err:
            assert "interrupted" in one_line(err) and code == STOPPED[signum]
        else:  # finished, or killed by the signal while the interpreter shut down after main() returned
            assert seed == 1
    assert codes[0] == STOPPED[signum], "the signal sent at once should have stopped the run"


@needs_proc
def test_kill_9_leaves_a_complete_directory_or_none_and_the_next_run_clears_up(tmp_path, references, save_seconds):
    for i, fraction in enumerate(DELAYS[::2]):
        out = tmp_path / f"out{i}"
        stop_after(start(out, "--seed", "1"), signal.SIGKILL, fraction * save_seconds)
        assert_complete_or_none(out, references, seeds=(1,))
        process = start(out, "--seed", "2", "--overwrite")
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert assert_complete_or_none(out, references) == 2 and not leftovers(out)


# A signal landing in a garbage-collector callback (hypothesis installs one in the test process) has its
# exception printed and ignored by Python, which pytest reports as a warning: that is the swallowed case the
# handler is built for, and the test asserts that the run still stops.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_at_any_moment_of_a_run_stops_it(signum):
    """40 signals at random moments of runs under the CLI's handler: every one stops its run, none is lost.

    Many land inside a mechanism's numpy call, where an exception raised by a handler can be
    swallowed (numpy's ``__array_ufunc__`` lookup, a garbage-collector callback); the handler notes
    the signal first and the engine acts on it after the step.
    """
    scenario = sim.load_scenario(SCENARIOS / "county.yaml", ["population.members=200", "duration=1y", *UNDATED])
    started = time.perf_counter()
    sim.run(scenario, seed=1)
    run_seconds = time.perf_counter() - started
    rng = random.Random(19)
    outcomes = []
    for _ in range(40):
        timer = threading.Timer(rng.uniform(0.02, 0.5) * run_seconds, os.kill, (os.getpid(), signum))
        outcome = "lost"
        try:
            with terminate_as_interrupt():
                timer.start()
                try:
                    sim.run(scenario, seed=1)
                    outcome = "after the run"
                    timer.join()
                    time.sleep(0.05)  # a signal sent as the run ended is still handled inside the block
                    outcome = "lost"
                finally:
                    timer.cancel()
        except KeyboardInterrupt as exc:
            assert exit_code(exc) == STOPPED[signum]
            outcome = "stopped" if outcome == "lost" else outcome
        outcomes.append(outcome)
    assert "lost" not in outcomes, f"{outcomes.count('lost')} of 40 signals were lost"
    assert outcomes.count("stopped") >= 30, "most signals should land inside the run"


def test_signals_during_the_commit_are_delivered_after_it(tmp_path, references, monkeypatch):
    """SIGINT and SIGTERM between the two renames of an overwrite wait until the new run is in place."""
    out = tmp_path / "out"
    sim.run(sim.load_scenario(SCENARIOS / "county.yaml", TINY), seed=2).save(out)
    new = sim.run(sim.load_scenario(SCENARIOS / "county.yaml", TINY), seed=1)
    rename = os.rename

    def rename_then_signal(source, destination):
        rename(source, destination)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(rundir.os, "rename", rename_then_signal)
    with pytest.raises(KeyboardInterrupt):
        new.save(out, overwrite=True)
    assert assert_complete_or_none(out, references) == 1 and not leftovers(out)


@pytest.mark.parametrize(
    "stop",
    [KeyboardInterrupt, Terminated, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))],
    ids=["ctrl-c", "sigterm", "disk-full"],
)
def test_a_save_failing_midway_keeps_the_earlier_run(tmp_path, references, monkeypatch, capsys, stop):
    """Stopped between two files of the save, an --overwrite leaves the old run as it was and nothing else."""
    out = tmp_path / "out"
    assert main(run_args(out, "--seed", "2")) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write_json = result_module.write_json

    def write_one_then_fail(path: Path, data: dict) -> None:
        if any(p.suffix == ".json" for p in path.parent.iterdir()):
            raise stop
        write_json(path, data)

    monkeypatch.setattr(result_module, "write_json", write_one_then_fail)
    code = main(run_args(out, "--seed", "1", "--overwrite"))
    err = capsys.readouterr().err
    assert code == {KeyboardInterrupt: 130, Terminated: 143}.get(stop, 2)
    assert ("No space left on device" if isinstance(stop, OSError) else "interrupted") in one_line(err)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before and not leftovers(out)


def test_leftovers_of_dead_runs_are_cleared_and_those_of_live_runs_kept(tmp_path, references):
    out = tmp_path / "out"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    dead_staging = tmp_path / f".out.partial-{host}-{gone.pid}-0badc0de"
    live_staging = tmp_path / f".out.partial-{host}-{os.getpid()}-0badc0de"
    other_host = tmp_path / f".out.partial-elsewhere.example-{gone.pid}-0badc0de"
    set_aside = tmp_path / f".out.old-{host}-{gone.pid}-0badc0de"
    for leftover in (dead_staging, live_staging, other_host):
        leftover.mkdir()
        (leftover / "timeseries.parquet").write_bytes(b"half")
    sim.run(sim.load_scenario(SCENARIOS / "county.yaml", TINY), seed=2).save(set_aside)
    # kill -9 between the two renames of an overwrite: the old run set aside, the target missing;
    # it is put back, and so protected like any existing run
    with pytest.raises(rundir.OutputError, match="not empty"):
        rundir.check_target(out, overwrite=False)
    assert not dead_staging.exists() and live_staging.exists() and other_host.exists()
    assert assert_complete_or_none(out, references) == 2 and not set_aside.exists()


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------


def test_a_run_too_large_for_the_memory_available_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(resources, "available_bytes", lambda: 50_000_000)
    out = tmp_path / "out"
    assert main(run_args(out)) == 2
    line = one_line(capsys.readouterr().err)
    assert "50 MB is available" in line and "--ignore-memory-check" in line and not out.exists()
    assert main(run_args(out, "--ignore-memory-check")) == 0 and (out / "summary.json").is_file()


def test_a_sweep_too_large_for_the_memory_available_is_refused(tmp_path, monkeypatch, capsys):
    from tests.many_runs import ATTRITION_ONLY, write_scenario, write_spec

    spec = write_spec(tmp_path, write_scenario(tmp_path, ATTRITION_ONLY))
    monkeypatch.setattr(resources, "available_bytes", lambda: 200_000_000)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "sweep"), "--workers", "2", "--quiet"]) == 2
    assert "2 runs at once" in one_line(capsys.readouterr().err) and not (tmp_path / "sweep").exists()


def test_the_estimate_matches_the_measured_national_peak():
    """6.5 million members peaked at 1,290 MiB (RSS, see sim.run.resources); the estimate is a little above."""
    national = sim.load_scenario(SCENARIOS / "national.yaml")
    measured = 1290 * 2**20
    assert measured < resources.estimate_peak_bytes(national) < measured * 1.1
    assert resources.estimate_peak_bytes(national, events=True) > 20 * resources.estimate_peak_bytes(national)


def test_recruitment_beyond_the_tables_headroom_adds_a_doubling():
    large = [*TINY, "population.members=1000000", "duration=1y"]
    steady = sim.load_scenario(SCENARIOS / "county.yaml", large)
    growing = sim.load_scenario(SCENARIOS / "county.yaml", [*large, "membership.applications_per_member_year=0.5"])
    added = resources.estimate_peak_bytes(growing) - resources.estimate_peak_bytes(steady)
    assert added == resources.ROW_BYTES * 1_250_064  # the initial 1,250,064 rows doubled once


def test_available_memory_is_the_tighter_of_the_machine_and_the_cgroup(tmp_path):
    proc, cgroups = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "meminfo").write_text("MemTotal:       8000000 kB\nMemAvailable:   4000000 kB\n")
    (proc / "self" / "cgroup").write_text("0::/job/step\n")
    assert resources.available_bytes(proc, cgroups) == 4_096_000_000  # no cgroup files: the machine's
    job = cgroups / "job"
    (job / "step").mkdir(parents=True)
    (job / "memory.max").write_text("2000000000\n")
    (job / "memory.current").write_text("1500000000\n")
    (job / "memory.stat").write_text("anon 1000000000\ninactive_file 300000000\n")
    (job / "step" / "memory.max").write_text("max\n")
    (job / "step" / "memory.current").write_text("1000000000\n")
    assert resources.available_bytes(proc, cgroups) == 800_000_000  # the job's limit, page cache reclaimable
    (proc / "self" / "cgroup").write_text("4:memory:/job\n1:cpu:/\n")
    v1 = cgroups / "memory" / "job"
    v1.mkdir(parents=True)
    (v1 / "memory.limit_in_bytes").write_text("1000000000\n")
    (v1 / "memory.usage_in_bytes").write_text("900000000\n")
    assert resources.available_bytes(proc, cgroups) == 100_000_000


def test_available_memory_without_proc_is_psutils(tmp_path):
    """Where /proc/meminfo is absent (macOS, Windows) the memory guard still knows the memory available."""
    psutil = pytest.importorskip("psutil")
    measured = resources.available_bytes(tmp_path / "no-proc", tmp_path / "no-cgroups")
    assert measured is not None and abs(measured - psutil.virtual_memory().available) < 0.2 * measured


@pytest.mark.parametrize(("platform", "maxrss", "mb"), [("linux", 2048, 2.0), ("darwin", 2 * 2**20, 2.0)])
def test_peak_memory_reads_ru_maxrss_in_the_platforms_unit(monkeypatch, platform, maxrss, mb):
    import resource

    monkeypatch.setattr(resources.sys, "platform", platform)
    monkeypatch.setattr(resource, "getrusage", lambda who: type("Usage", (), {"ru_maxrss": maxrss})())
    assert resources.peak_rss_mb() == mb
