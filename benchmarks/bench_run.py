"""Wall time, peak memory and SimPy events of scenarios/county.yaml scaled up, five years.

Run by hand (never by pytest):

    python benchmarks/bench_run.py                 # 10k, 100k, 1M members
    python benchmarks/bench_run.py --sizes 10000 100000 --off critique meetings

Each size runs in a fresh subprocess so that peak RSS is that run's own. The
county file's mechanisms are all on unless switched off with ``--off``; cost
per member-week should stay flat as the party grows (linear scaling).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
import sim
from sim.run.engine import Simulation
overrides = json.loads(sys.argv[1])
scenario = sim.load_scenario(sys.argv[2], overrides)
started = time.perf_counter()
simulation = Simulation(scenario)
built = time.perf_counter() - started
result = simulation.run()
print(json.dumps({
    "build_s": built,
    "run_s": result.manifest["wall_seconds"],
    "events": result.manifest["simpy_events"],
    "weeks": simulation.world.calendar.horizon / 7,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "final_members": result.summary["final"]["members_full"],
}))
"""


def measure(scenario: Path, members: int, off: list[str]) -> dict:
    overrides = [f"population.members={members}"] + [f"{name}.enabled=false" for name in off]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(overrides), str(scenario)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "county.yaml")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--off", nargs="*", default=[], help="mechanism sections to switch off")
    args = parser.parse_args()
    print(f"{args.scenario.name}, 5 years" + (f", off: {', '.join(args.off)}" if args.off else ""))
    print(
        f"{'members':>10} {'build s':>8} {'run s':>8} {'total s':>8} {'peak MB':>8} {'events':>8} {'ns/member-week':>15}"
    )
    for members in args.sizes:
        m = measure(args.scenario, members, args.off)
        per = (m["build_s"] + m["run_s"]) / (members * m["weeks"]) * 1e9
        print(
            f"{members:>10,} {m['build_s']:>8.2f} {m['run_s']:>8.2f} {m['build_s'] + m['run_s']:>8.2f} "
            f"{m['peak_mb']:>8.0f} {m['events']:>8,} {per:>15.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
