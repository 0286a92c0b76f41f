"""Throughput of ``partysim calibrate``: trials per minute of the county scenario on 2 workers.

Run by hand (never by pytest):

    python benchmarks/bench_calibrate.py                       # 16 trials × 4 replications, county (3,000 members, 5 years)
    python benchmarks/bench_calibrate.py --trials 8 --members 1000
    python benchmarks/bench_calibrate.py --national            # also the shipped national calibration (long)

A trial is ``replications`` runs with the seeds every trial shares, plus the sampler's
proposal and the bookkeeping (journal, per-trial scores); the script prints the wall time,
trials per minute, and the time per run inside the trials for comparison with a single run.
``--national`` runs ``calibrations/national-8th.yaml`` with its own budget and prints its wall
time and the trial at which the best value stopped improving (the plateau).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]


def county_spec(directory: Path, members: int, trials: int, replications: int) -> Path:
    spec = {
        "name": "bench-calibrate",
        "base": str(ROOT / "scenarios" / "county.yaml"),
        "set": [f"population.members={members}"],
        "parameters": {
            "membership.applications_per_member_year": {"low": 0.01, "high": 0.08, "log": True},
            "attrition.retirement_rate": {"low": 0.002, "high": 0.04, "log": True},
        },
        "targets": {
            "applications": {
                "outcome": "summary:totals.applications",
                "observed": round(members * 0.03 * 5),
                "source": "benchmark: a made-up figure",
                "likelihood": "poisson",
            },
            "exits": {
                "outcome": "summary:totals.exits",
                "observed": round(members * 0.023 * 5),
                "source": "benchmark: a made-up figure",
                "likelihood": "poisson",
            },
        },
        "replications": replications,
        "trials": trials,
        "batch": 4,
        "seed": 1,
    }
    path = directory / "bench.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def plateau(out: Path) -> int:
    """The first trial whose objective equals the final best (later trials did not improve it)."""
    table = pd.read_parquet(out / "trials.parquet").drop_duplicates("trial")
    best = table["objective"].max()
    return int(table.loc[table["objective"] == best, "trial"].min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--national", action="store_true", help="also time calibrations/national-8th.yaml")
    args = parser.parse_args()

    from sim.many.calibrate import calibrate

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        spec = county_spec(tmp, args.members, args.trials, args.replications)
        started = time.perf_counter()
        found = calibrate(spec, tmp / "county", workers=args.workers)
        wall = time.perf_counter() - started
        runs = args.trials * args.replications
        print(
            f"county ({args.members:,} members, 5 y): {args.trials} trials × {args.replications} replications "
            f"on {args.workers} workers in {wall:.1f} s: {args.trials / wall * 60:.1f} trials/min "
            f"({wall * args.workers / runs:.2f} s of a worker per run); best trial {found.best.number}, "
            f"plateau from trial {plateau(tmp / 'county')}"
        )
        if args.national:
            started = time.perf_counter()
            found = calibrate(ROOT / "calibrations" / "national-8th.yaml", tmp / "national", workers=args.workers)
            wall = time.perf_counter() - started
            meta = json.loads((tmp / "national" / "calibration.json").read_text())
            print(
                f"national-8th: {meta['trials']} trials in {wall / 60:.1f} min; best trial {found.best.number} "
                f"(log-likelihood {found.best.value:.1f}), plateau from trial {plateau(tmp / 'national')}"
            )


if __name__ == "__main__":
    main()
