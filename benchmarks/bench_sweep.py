"""Throughput of ``partysim sweep``: wall time, runs per second and the pool's overhead per run.

Run by hand (never by pytest):

    python benchmarks/bench_sweep.py                          # the issue's case: 1,000 runs, 10,000 members, 5 years, 2 workers
    python benchmarks/bench_sweep.py --runs 40                # scaled down; prints the 1,000-run extrapolation
    python benchmarks/bench_sweep.py --members 3000 --workers 4

The baseline is the time of one run done in this process exactly as a worker
does it (simulate, read outcomes, save the run directory), averaged over
``--baseline`` runs spread evenly over the design (its points differ in
cost). The overhead per run is what the sweep costs beyond that:
``wall * workers / runs - baseline``, as a share of the baseline. It includes
the pool, pickling, the probe run that checks outcomes, reading the records
back and writing runs.parquet/summary.parquet. When the workers compete for
the cores (with each other or with other work) a run inside a worker is slower
than the baseline, so the script also prints the overhead beyond the run time
measured inside the workers, which is the pool's own cost.

The target is in minutes of wall time, and this shared machine's speed
varies by half from hour to hour. So that a sweep's minutes can be read
against the machine it ran on, the floor probe of ``bench_scale.py``
(``shared/bench/limit_vectorized.py 6500000 5``) runs before and after the
sweep in the same call (``--no-probe`` skips it); its time is printed beside
the issue's own measurement of the probe (3.7 s, issue 18), with the sweep's
time scaled by their ratio as an estimate of the sweep on that machine (the
probe is large-array numpy, a sweep's runs are small arrays and Python: an
indication, not a conversion).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from bench_scale import default_probe, whole_process

ROOT = Path(__file__).resolve().parents[1]
TARGET_RUNS = 1000
#: The floor probe's wall time on the machine issue 18 measured it on ("22.1 s against 3.7 s").
ISSUE_PROBE_S = 3.7


def write_spec(directory: Path, runs: int, members: int) -> Path:
    points = 10 if runs >= 10 else runs
    spec = {
        "name": "bench",
        "base": str(ROOT / "scenarios" / "county.yaml"),
        "set": [f"population.members={members}"],
        "design": "grid",
        "replications": max(1, runs // points),
        "seed": 1,
        "parameters": {"membership.qualify_probability": [round(0.5 + 0.05 * i, 2) for i in range(points)]},
        "outcomes": {
            "members": "final:members_full",
            "peak_punished": "max:punished_total",
            "admitted": "sum:admitted",
            "headline": "summary:totals.*",
        },
    }
    path = directory / "bench.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def baseline_seconds(sweep, out: Path, count: int) -> float:
    """Mean time of one run as a worker does it, in this process: ``count`` runs spread evenly over the design.

    Not its first runs: the design's points differ in cost (a higher qualifying probability keeps more members),
    and its first runs are all of its first point, one of the cheapest (in one call: the first point's runs
    0.31-0.36 s, runs spread over all points 0.357 s on average), which made the sweep's runs look slower
    in the workers than in this process.
    """
    from sim.many.runs import execute, probe

    outcomes, _ = probe(sweep.spec.outcomes, sweep.tasks(out, {})[0])
    tasks = sweep.tasks(out, outcomes)
    tasks = tasks[:: max(1, len(tasks) // count)][:count]
    started = time.perf_counter()
    for task in tasks:
        execute(task)
    return (time.perf_counter() - started) / len(tasks)


def timed_records(pool) -> list[float]:
    """Note the arrival time of each record the pool yields (for the marginal cost of a run)."""
    arrivals: list[float] = []
    run = pool.run

    def noting(tasks):
        for record in run(tasks):
            arrivals.append(time.perf_counter())
            yield record

    pool.run = noting
    return arrivals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=TARGET_RUNS, help="runs in the sweep (default 1000)")
    parser.add_argument("--members", type=int, default=10_000, help="members on day 0 (default 10,000)")
    parser.add_argument("--workers", type=int, default=2, help="local pool workers (default 2)")
    parser.add_argument(
        "--baseline",
        type=int,
        default=10,
        help="single runs timed for the baseline, spread over the design (default 10)",
    )
    parser.add_argument("--no-probe", action="store_true", help="do not time the floor probe before and after")
    args = parser.parse_args()
    probe = [sys.executable, str(default_probe()), "6500000", "5"]
    probes = [] if args.no_probe else [whole_process(probe)["wall_s"]]

    from sim.many.executors import LocalPool
    from sim.many.sweep import load_sweep, run_sweep

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        tmp = Path(tmp)
        sweep = load_sweep(write_spec(tmp, args.runs, args.members))
        runs = len(sweep.scenarios) * sweep.spec.replications
        single = baseline_seconds(sweep, tmp / "baseline", args.baseline)
        pool = LocalPool(args.workers)
        arrivals = timed_records(pool)
        try:
            started = time.perf_counter()
            report = run_sweep(sweep, tmp / "sweep", pool, show_progress=True)
            wall = time.perf_counter() - started
        finally:
            pool.close()
    if probes:
        probes.append(whole_process(probe)["wall_s"])
    per_run = wall * args.workers / runs
    overhead = per_run - single
    fresh = [r.wall_seconds for r in report.records if not r.resumed and r.wall_seconds == r.wall_seconds]
    in_worker = sum(fresh) / len(fresh)
    print(
        f"sweep: {runs} runs of {args.members:,} members x {sweep.scenarios[0].duration} on {args.workers} workers "
        f"({len(report.failed)} failed)"
    )
    print(f"single run (simulate + outcomes + save, in-process): {single:.2f} s")
    print(f"sweep wall time: {wall:.1f} s, {runs / wall:.2f} runs/s")
    print(
        f"per-run cost in the sweep (wall x workers / runs): {per_run:.2f} s; "
        f"overhead {overhead:+.3f} s = {overhead / single:+.1%} of a single run"
    )
    print(
        f"run time measured inside the workers: {in_worker:.2f} s; pool overhead beyond it "
        f"{per_run - in_worker:+.3f} s = {(per_run - in_worker) / in_worker:+.1%} (separates the pool's cost "
        f"from CPU contention between workers)"
    )
    if len(arrivals) > 1:
        marginal = (arrivals[-1] - arrivals[0]) / (len(arrivals) - 1)
        fixed = wall - marginal * runs
        print(f"marginal wall time of a run: {marginal:.3f} s; fixed cost of the sweep: {fixed:.1f} s")
    if runs != TARGET_RUNS:
        print(
            f"extrapolated to {TARGET_RUNS} runs: linearly {wall / runs * TARGET_RUNS:.0f} s "
            f"({wall / runs * TARGET_RUNS / 60:.1f} min)"
            + (
                f"; fixed + marginal {fixed + marginal * TARGET_RUNS:.0f} s "
                f"({(fixed + marginal * TARGET_RUNS) / 60:.1f} min)"
                if len(arrivals) > 1
                else ""
            )
        )
    if probes:
        projected = wall if runs == TARGET_RUNS else wall / runs * TARGET_RUNS
        if runs != TARGET_RUNS and len(arrivals) > 1:
            projected = fixed + marginal * TARGET_RUNS
        print(
            f"floor probe before and after: {probes[0]:.2f} s, {probes[1]:.2f} s (issue 18's machine: {ISSUE_PROBE_S} s); "
            f"the {TARGET_RUNS:,}-run sweep scaled by that ratio: {projected * ISSUE_PROBE_S / statistics.mean(probes):.0f} s "
            f"(an estimate: see the module's docstring)"
        )


if __name__ == "__main__":
    main()
