"""Bit-identity of a few seeded runs across an optimisation: hashes of their outputs, recorded then compared.

Run by hand (never by pytest)::

    python benchmarks/identity_check.py --record /tmp/identity.json   # before a change
    python benchmarks/identity_check.py --check /tmp/identity.json    # after it: lists every case that differs

Each case is ``python -m sim run`` in a fresh process with ``--events``; the
hash covers the contents of ``timeseries.parquet`` and ``events.parquet``
(column names, types and values, not the file bytes, which carry the writer's
metadata) and ``summary.json``. A speed change must leave all of them equal
(the house rule: results bit-identical for a seed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (label, scenario, extra arguments): small and medium runs that between them switch on every mechanism.
CASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("county seed 3", "scenarios/county.yaml", ("--seed", "3")),
    ("county seed 1004", "scenarios/county.yaml", ("--seed", "1004")),
    ("kpa-8th-congress", "scenarios/kpa-8th-congress.yaml", ()),
    ("national 200k", "scenarios/national.yaml", ("--set", "population.members=200000")),
)


def table_digest(path: Path) -> str:
    """The hash of a table's schema and column values, independent of the file's metadata."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    digest = hashlib.sha256(str(table.schema.remove_metadata()).encode())
    for column in table.columns:
        for chunk in column.chunks:
            for buffer in chunk.buffers():
                if buffer is not None:
                    digest.update(buffer)
    return digest.hexdigest()


def case_digests(scenario: str, extra: tuple[str, ...]) -> dict[str, str]:
    """Run one case in a fresh process and hash its outputs."""
    with tempfile.TemporaryDirectory() as out:
        run = Path(out) / "run"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sim",
                "run",
                scenario,
                "--quiet",
                "--events",
                "--ignore-memory-check",
                "--out",
                str(run),
                *extra,
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        digests = {name: table_digest(run / name) for name in ("timeseries.parquet", "events.parquet")}
        digests["summary.json"] = hashlib.sha256((run / "summary.json").read_bytes()).hexdigest()
    return digests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--record", type=Path, help="write the hashes to this file")
    mode.add_argument("--check", type=Path, help="compare with the hashes in this file")
    parser.add_argument("--only", nargs="+", help="labels of the cases to run (default: all)")
    args = parser.parse_args()
    cases = [case for case in CASES if not args.only or case[0] in args.only]
    found = {label: case_digests(scenario, extra) for label, scenario, extra in cases}
    if args.record:
        args.record.write_text(json.dumps(found, indent=2))
        print(f"recorded {len(found)} cases in {args.record}")
        return
    expected = json.loads(args.check.read_text())
    differ = [f"{label}: {name}" for label, d in found.items() for name, h in d.items() if expected[label][name] != h]
    for line in differ:
        print(f"DIFFERS {line}")
    print(f"{len(found)} cases, {'all identical' if not differ else f'{len(differ)} outputs differ'}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
