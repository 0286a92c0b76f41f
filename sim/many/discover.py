"""Scenario discovery: where in parameter space does the outcome of interest happen? (PRIM)

``partysim discover SWEEP_DIR --outcome NAME (--below X | --above X | --top Q)``
marks each point of a finished sweep as a *case of interest* when the **mean over
its replications** of the outcome is below X, above X, or in the top share Q,
and finds a box of parameter values that holds most of those cases and few
others, with the Patient Rule Induction Method (Friedman & Fisher 1999, "Bump
hunting in high-dimensional data"; as used for scenario discovery by Bryant &
Lempert 2010). EMA Workbench works on single stochastic runs; partysim's sweeps
replicate every point, so the mean is used, and the replications give what a
single run cannot: a bootstrap of how stable each box limit is.

PRIM here is the peeling phase, small and deterministic:

1. Start from the box holding every point.
2. For every parameter, try peeling the share ``alpha`` (default 5%) of the
   points in the box at its low end and at its high end (at least one distinct
   value, so grid designs peel level by level); keep the peel whose remaining
   box has the highest *density* (share of its points that are cases).
3. Repeat until the box would hold less than ``mass_min`` of the points.

Every step is a row of the **peeling trajectory**: coverage (share of all cases
inside the box), density, mass (share of points inside) and the box limits.
The box reported is the densest one whose coverage is at least
``min_coverage`` (default 0.5) — the usual trade-off of scenario discovery,
stated as a rule so that the answer is reproducible. Pasting is not done (it
rarely changes boxes by more than one peel).

Why not EMA Workbench's ``ema_workbench.analysis.prim``: it installs on Python
3.11 but brings scikit-learn, statsmodels, seaborn, platypus-opt and its own
SALib and tqdm pins for one function, and it expects one run per point. The
algorithm is forty lines of numpy; it is kept here, tested on a planted box.

**Stability.** The bootstrap resamples the replications of each point (with
replacement), recomputes the means, the cases (with the threshold fixed, or the
top-Q quantile recomputed) and PRIM, and reports for each limit of the chosen
box its 2.5%/97.5% quantiles over resamples and the share of resamples in which
the parameter is restricted at all.

Outcome ``A/B`` is the ratio of two sweep outcomes, per run (NaN where B is 0),
e.g. ``ties/delegates``: the share of delegates selected through personal ties.

Outputs (in ``--out``, default ``SWEEP_DIR/discovery``): ``discovery.parquet``
(the trajectory, one row per peel, ``low:<parameter>``/``high:<parameter>``
columns, ``chosen`` on the reported box), ``stability.parquet`` (one row per
parameter: the chosen limits and their bootstrap intervals) and
``discovery.json`` (the question, the answer, counts); ``partysim report OUT``
draws its page (:mod:`sim.report.discover_page`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.many.executors import positive_int
from sim.many.runs import OK, write_json_atomic, write_parquet_atomic
from sim.run.result import OutputError

ALPHA = 0.05
MASS_MIN = 0.05
MIN_COVERAGE = 0.5
BOOTSTRAP = 200


class DiscoveryError(OutputError):
    """A sweep directory or option discovery cannot use; one line for the user (exit code 2)."""


@dataclass(frozen=True)
class Question:
    """Which points are cases of interest: the outcome's mean ``below``/``above`` a value, or in the ``top`` share."""

    outcome: str
    below: float | None = None
    above: float | None = None
    top: float | None = None

    def __post_init__(self) -> None:
        given = [v is not None for v in (self.below, self.above, self.top)]
        if sum(given) != 1:
            raise DiscoveryError("discover: expected exactly one of --below, --above or --top")
        if self.top is not None and not 0 < self.top < 1:
            raise DiscoveryError(f"--top: expected a share between 0 and 1, found {self.top}")

    def cases(self, means: np.ndarray) -> np.ndarray:
        """Boolean per point; a point without a mean (failed runs) is never a case."""
        finite = np.isfinite(means)
        if self.below is not None:
            return finite & (means < self.below)
        if self.above is not None:
            return finite & (means > self.above)
        assert self.top is not None  # __post_init__: exactly one of below, above and top is given
        cut = np.quantile(means[finite], 1 - self.top) if finite.any() else math.inf
        return finite & (means >= cut)

    def describe(self) -> str:
        if self.below is not None:
            return f"mean {self.outcome} < {self.below:g}"
        if self.above is not None:
            return f"mean {self.outcome} > {self.above:g}"
        return f"mean {self.outcome} in the top {self.top:.0%}"


# ---------------------------------------------------------------------------
# PRIM
# ---------------------------------------------------------------------------


def _peel_limit(values: np.ndarray, alpha: float, low_end: bool) -> float | None:
    """The new limit after peeling ``alpha`` of ``values`` at one end (at least one distinct value); None if it cannot.

    The quantiles are numpy's ``higher``/``lower`` ones, read off the sorted values.
    """
    ordered = np.sort(values)
    last = len(ordered) - 1
    if ordered[0] == ordered[last]:
        return None
    if low_end:
        limit = ordered[math.ceil(alpha * last)]
        return float(limit if limit > ordered[0] else ordered[np.searchsorted(ordered, ordered[0], "right")])
    limit = ordered[math.floor((1 - alpha) * last)]
    return float(limit if limit < ordered[last] else ordered[np.searchsorted(ordered, ordered[last], "left") - 1])


def peel(x: np.ndarray, cases: np.ndarray, alpha: float = ALPHA, mass_min: float = MASS_MIN) -> pd.DataFrame:
    """The peeling trajectory of PRIM over points ``x`` (n × d) with boolean ``cases`` (see the module docstring).

    Columns: ``step``, ``coverage``, ``density``, ``mass``, ``points``, ``cases``, then ``low`` and ``high``
    limits per dimension (as arrays in columns ``low_<j>``, ``high_<j>``), limits inclusive.
    """
    n, d = x.shape
    total_cases = max(int(cases.sum()), 1)
    low, high = x.min(axis=0).astype(float), x.max(axis=0).astype(float)
    inside = np.ones(n, dtype=bool)
    rows = []

    def record(step: int) -> None:
        held = int(cases[inside].sum())
        rows.append(
            (
                step,
                held / total_cases,
                held / max(int(inside.sum()), 1),
                inside.mean(),
                int(inside.sum()),
                held,
                *low,
                *high,
            )
        )

    record(0)
    while True:
        best = None
        for j in range(d):
            column = x[inside, j]
            for low_end in (True, False):
                limit = _peel_limit(column, alpha, low_end)
                if limit is None:
                    continue
                keep = inside & ((x[:, j] >= limit) if low_end else (x[:, j] <= limit))
                held = np.count_nonzero(keep)
                if held < mass_min * n or held == 0:
                    continue
                density = np.count_nonzero(cases & keep) / held
                if best is None or density > best[0]:
                    best = (density, j, low_end, limit, keep)
        if best is None:
            break
        _, j, low_end, limit, inside = best
        if low_end:
            low[j] = limit
        else:
            high[j] = limit
        record(len(rows))
    columns = ["step", "coverage", "density", "mass", "points", "cases"]
    columns += [f"low_{j}" for j in range(d)] + [f"high_{j}" for j in range(d)]
    return pd.DataFrame(rows, columns=columns)


def choose(trajectory: pd.DataFrame, min_coverage: float = MIN_COVERAGE) -> int:
    """The step of the densest box with at least ``min_coverage`` (the first such step on ties)."""
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    if eligible.empty:
        eligible = trajectory.iloc[[0]]
    return int(eligible["step"].iloc[int(np.argmax(eligible["density"].to_numpy()))])


# ---------------------------------------------------------------------------
# A sweep's points and replications
# ---------------------------------------------------------------------------


@dataclass
class SweepOutcome:
    """The numeric parameters of every point, and the outcome of every (point, replication) run."""

    parameters: list[str]
    x: np.ndarray  # points × parameters
    values: np.ndarray  # points × replications, NaN for failed runs


def sweep_outcome(sweep_dir: Path, outcome: str) -> SweepOutcome:
    """Read a sweep's runs.parquet; ``outcome`` is a sweep outcome's name or ``A/B``, a ratio of two."""
    meta_path, runs_path = sweep_dir / "sweep.json", sweep_dir / "runs.parquet"
    if not meta_path.is_file() or not runs_path.is_file():
        raise DiscoveryError(f"{sweep_dir}: expected a finished sweep directory (sweep.json and runs.parquet)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    runs = pd.read_parquet(runs_path)
    names = outcome.split("/") if "/" in outcome else [outcome]
    known = list(runs["outcome"].unique())
    for name in names:
        if name not in known or len(names) > 2:
            raise DiscoveryError(
                f"--outcome {outcome}: expected an outcome of the sweep (or A/B of two), one of {', '.join(known)}"
            )
    runs = runs.assign(value=runs["value"].where(runs["status"] == OK))
    wide = runs.pivot_table(index=["point", "replication"], columns="outcome", values="value", dropna=False)
    value = wide[names[0]] / wide[names[1]].where(wide[names[1]] != 0) if len(names) == 2 else wide[names[0]]
    values = value.unstack("replication").sort_index()
    numeric = [p for p in meta["parameters"] if pd.api.types.is_numeric_dtype(runs[p]) or runs[p].dtype == bool]
    if not numeric:
        raise DiscoveryError(f"{sweep_dir}: expected numeric parameters to find boxes in, found none")
    points = runs.drop_duplicates("point").set_index("point").sort_index()
    return SweepOutcome(numeric, points.loc[values.index, numeric].to_numpy(dtype=float), values.to_numpy(dtype=float))


def _means(values: np.ndarray) -> np.ndarray:
    counts = np.isfinite(values).sum(axis=1)
    sums = np.nansum(values, axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


# ---------------------------------------------------------------------------
# Discovery
# ---------------------------------------------------------------------------


@dataclass
class Discovery:
    """The trajectory (with named limits), the chosen step, and the bootstrap stability of its limits."""

    question: Question
    parameters: list[str]
    trajectory: pd.DataFrame
    chosen: int
    stability: pd.DataFrame
    points: int
    cases: int

    @property
    def box(self) -> dict[str, tuple[float, float]]:
        row = self.trajectory.set_index("step").loc[self.chosen]
        return {p: (float(row[f"low:{p}"]), float(row[f"high:{p}"])) for p in self.parameters}


def _named(trajectory: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    renames = {f"{side}_{j}": f"{side}:{p}" for j, p in enumerate(parameters) for side in ("low", "high")}
    return trajectory.rename(columns=renames)


def discover(
    data: SweepOutcome,
    question: Question,
    alpha: float = ALPHA,
    mass_min: float = MASS_MIN,
    min_coverage: float = MIN_COVERAGE,
    bootstrap: int = BOOTSTRAP,
    seed: int = 0,
) -> Discovery:
    """PRIM on the per-point means, then the bootstrap over replications (see the module docstring)."""
    cases = question.cases(_means(data.values))
    if not cases.any():
        raise DiscoveryError(f"discover: no point has {question.describe()} (nothing to find a box around)")
    trajectory = _named(peel(data.x, cases, alpha, mass_min), data.parameters)
    chosen = choose(trajectory, min_coverage)
    trajectory["chosen"] = trajectory["step"] == chosen
    box = trajectory.set_index("step").loc[chosen]
    full_low, full_high = data.x.min(axis=0), data.x.max(axis=0)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    points, reps = data.values.shape
    limits = np.full((bootstrap, len(data.parameters), 2), np.nan)
    for b in range(bootstrap):
        resampled = np.take_along_axis(data.values, rng.integers(0, reps, (points, reps)), axis=1)
        again = question.cases(_means(resampled))
        if not again.any():
            continue
        found = peel(data.x, again, alpha, mass_min)
        row = found.set_index("step").loc[choose(found, min_coverage)]
        limits[b, :, 0] = [row[f"low_{j}"] for j in range(len(data.parameters))]
        limits[b, :, 1] = [row[f"high_{j}"] for j in range(len(data.parameters))]
    rows = []
    for j, name in enumerate(data.parameters):
        low, high = limits[:, j, 0], limits[:, j, 1]
        kept = np.isfinite(low)
        restricted = (low[kept] > full_low[j]) | (high[kept] < full_high[j])
        rows.append(
            (
                name,
                float(box[f"low:{name}"]),
                float(box[f"high:{name}"]),
                bool(box[f"low:{name}"] > full_low[j] or box[f"high:{name}"] < full_high[j]),
                *(np.quantile(low[kept], [0.025, 0.975]) if kept.any() else (math.nan, math.nan)),
                *(np.quantile(high[kept], [0.025, 0.975]) if kept.any() else (math.nan, math.nan)),
                float(restricted.mean()) if kept.any() else math.nan,
                int(kept.sum()),
            )
        )
    stability = pd.DataFrame(
        rows,
        columns=[
            "parameter",
            "low",
            "high",
            "restricted",
            "low_q025",
            "low_q975",
            "high_q025",
            "high_q975",
            "restricted_share",
            "resamples",
        ],
    )
    return Discovery(question, data.parameters, trajectory, chosen, stability, len(cases), int(cases.sum()))


def write_discovery(discovery: Discovery, sweep_dir: Path, out: Path, settings: dict) -> None:
    """discovery.parquet, stability.parquet and discovery.json in ``out`` (each replaced whole)."""
    out.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(discovery.trajectory, out / "discovery.parquet")
    write_parquet_atomic(discovery.stability, out / "stability.parquet")
    chosen = discovery.trajectory.set_index("step").loc[discovery.chosen]
    write_json_atomic(
        out / "discovery.json",
        {
            "kind": "discovery",
            "sweep": str(sweep_dir),
            "question": discovery.question.describe(),
            "outcome": discovery.question.outcome,
            "parameters": discovery.parameters,
            "points": discovery.points,
            "cases": discovery.cases,
            "chosen_step": discovery.chosen,
            "coverage": float(chosen["coverage"]),
            "density": float(chosen["density"]),
            "mass": float(chosen["mass"]),
            "box": {name: list(limits) for name, limits in discovery.box.items()},
            **settings,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        },
    )


def answer(discovery: Discovery) -> str:
    """The box in words: the restricted limits, with coverage and density."""
    chosen = discovery.trajectory.set_index("step").loc[discovery.chosen]
    restricted = discovery.stability[discovery.stability["restricted"]]
    limits = [
        f"{r.parameter} in [{r.low:.4g}, {r.high:.4g}] (restricted in {r.restricted_share:.0%} of resamples)"
        for r in restricted.itertuples(index=False)
    ]
    where = " and ".join(limits) if limits else "no box narrower than the whole sweep"
    return (
        f"{discovery.question.describe()}: {discovery.cases} of {discovery.points} points. Box: {where}; "
        f"coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}, mass {chosen['mass']:.2f} "
        f"(step {discovery.chosen} of {len(discovery.trajectory) - 1})."
    )


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def add_command(commands) -> None:
    """Register ``partysim discover`` (called from sim.cli.build_parser)."""
    parser = commands.add_parser(
        "discover", help="scenario discovery (PRIM): where in a sweep's parameter space does an outcome hold?"
    )
    parser.add_argument("sweep_dir", help="a finished sweep directory (runs.parquet, sweep.json)")
    parser.add_argument("--outcome", required=True, help="a sweep outcome's name, or A/B: the ratio of two, per run")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--below", type=float, help="cases: points whose mean outcome is below this value")
    which.add_argument("--above", type=float, help="cases: points whose mean outcome is above this value")
    which.add_argument("--top", type=float, metavar="Q", help="cases: the share Q of points with the highest mean")
    parser.add_argument("--alpha", type=float, default=ALPHA, help=f"share peeled per step (default {ALPHA})")
    parser.add_argument("--mass-min", type=float, default=MASS_MIN, help=f"smallest box mass (default {MASS_MIN})")
    parser.add_argument(
        "--min-coverage",
        type=float,
        default=MIN_COVERAGE,
        help=f"the box reported is the densest with at least this coverage (default {MIN_COVERAGE})",
    )
    parser.add_argument(
        "--bootstrap", type=positive_int, default=BOOTSTRAP, help=f"resamples of the replications (default {BOOTSTRAP})"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    parser.add_argument("--out", help="output directory (default SWEEP_DIR/discovery)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.set_defaults(func=cmd_discover)


def check_settings(alpha: float, mass_min: float, min_coverage: float) -> None:
    for name, value in (("--alpha", alpha), ("--mass-min", mass_min), ("--min-coverage", min_coverage)):
        if not 0 < value < 1:
            raise DiscoveryError(f"{name}: expected a share between 0 and 1, found {value}")


def run_discovery(
    sweep_dir: str | Path,
    outcome: str,
    below: float | None = None,
    above: float | None = None,
    top: float | None = None,
    alpha: float = ALPHA,
    mass_min: float = MASS_MIN,
    min_coverage: float = MIN_COVERAGE,
    bootstrap: int = BOOTSTRAP,
    seed: int = 0,
    out: str | Path | None = None,
) -> tuple[Discovery, Path]:
    """Read the sweep, discover, write the outputs; returns the discovery and its directory."""
    sweep_dir = Path(sweep_dir)
    check_settings(alpha, mass_min, min_coverage)
    question = Question(outcome, below, above, top)
    found = discover(sweep_outcome(sweep_dir, outcome), question, alpha, mass_min, min_coverage, bootstrap, seed)
    target = Path(out) if out else sweep_dir / "discovery"
    settings = {
        "alpha": alpha,
        "mass_min": mass_min,
        "min_coverage": min_coverage,
        "bootstrap": bootstrap,
        "seed": seed,
    }
    write_discovery(found, sweep_dir, target, settings)
    return found, target


def cmd_discover(args: argparse.Namespace) -> int:
    found, out = run_discovery(
        args.sweep_dir,
        args.outcome,
        args.below,
        args.above,
        args.top,
        args.alpha,
        args.mass_min,
        args.min_coverage,
        args.bootstrap,
        args.seed,
        args.out,
    )
    if not args.quiet:
        print(answer(found))
        print(f"discovery in {out}; its report page: partysim report {out}")
    return 0
