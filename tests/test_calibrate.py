"""partysim calibrate: recovery of known parameters, common random numbers, held-out targets, resume, spec errors.

Most tests use a tiny attrition-only scenario (its runs take a fraction of a second);
the recovery test uses the county scenario, reduced (2,000 members, two years, no
Congress cycle) so that its trials take seconds.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.many.calibrate import calibrate
from sim.many.calibration.study import FIT, VALIDATE, drop_torn_tail
from sim.many.runs import run_seed
from sim.report import write_report
from sim.run.engine import simulate
from sim.scenario import load_scenario
from tests.many_runs import ATTRITION_ONLY, write_scenario

pytest.importorskip("optuna")
REPO = Path(__file__).resolve().parents[1]
COUNTY = REPO / "scenarios" / "county.yaml"
#: The county, reduced so that a run takes well under a second, without its dated Congress cycle.
COUNTY_SMALL = [
    "population.members=1200",
    "duration=2y",
    "campaigns=[]",
    "congress.enabled=false",
    "amnesty.enabled=false",
]
SLOW = {**ATTRITION_ONLY, "critique": {"enabled": True}, "meetings": {"enabled": True}}


def write_spec(directory: Path, scenario: dict | None = None, name: str = "spec.yaml", **fields) -> Path:
    """A calibration of the attrition-only scenario's death rate to a final count of full members."""
    write_scenario(directory, scenario or ATTRITION_ONLY)
    spec = {
        "base": "tiny.yaml",
        "parameters": {"attrition.death_rate": {"low": 0.005, "high": 0.2, "log": True}},
        "targets": {
            "members": {
                "outcome": "final:members_full",
                "observed": 280,
                "source": "made up for the test",
                "likelihood": "poisson",
            }
        },
        "validate": {
            "targets": {
                "exits": {
                    "outcome": "summary:totals.exits",
                    "observed": 20,
                    "source": "made up for the test",
                    "likelihood": "poisson",
                }
            }
        },
        "replications": 2,
        "trials": 8,
        "batch": 2,
        "seed": 5,
        **fields,
    }
    path = directory / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    return write_spec(tmp_path_factory.mktemp("calibration"))


@pytest.fixture(scope="module")
def reference(spec, tmp_path_factory) -> Path:
    """A calibration run once, uninterrupted, on two local workers."""
    out = tmp_path_factory.mktemp("reference") / "out"
    calibrate(spec, out, workers=2, report=write_report)
    return out


def trials(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "trials.parquet")


def test_same_spec_and_seed_give_the_same_trials_whatever_the_workers(spec, reference, tmp_path):
    calibrate(spec, tmp_path / "again", workers=1)
    pd.testing.assert_frame_equal(trials(tmp_path / "again"), trials(reference))
    assert trials(reference)["attrition.death_rate"].nunique() == 8  # the trials differ by their parameters


def test_every_trial_runs_the_same_replication_seeds(reference):
    seeds: dict[str, set[int]] = {}
    for manifest in (reference / "runs").glob("t*-r*/manifest.json"):
        replication = manifest.parent.name.split("-")[1]
        seeds.setdefault(replication, set()).add(json.loads(manifest.read_text())["many_runs"]["seed"])
    assert sorted(seeds) == ["r00", "r01"]
    assert seeds == {"r00": {run_seed(5, FIT, 0)}, "r01": {run_seed(5, FIT, 1)}}
    fresh = {json.loads(m.read_text())["many_runs"]["seed"] for m in (reference / "validate").glob("*/manifest.json")}
    assert fresh == {run_seed(5, VALIDATE, 0), run_seed(5, VALIDATE, 1)}
    assert not fresh & (seeds["r00"] | seeds["r01"])  # validation runs with fresh seeds


def test_validation_targets_never_enter_the_objective(spec, reference, tmp_path):
    perturbed = yaml.safe_load(spec.read_text())
    perturbed["validate"]["targets"]["exits"]["observed"] = 2000
    path = tmp_path / "perturbed.yaml"
    write_scenario(tmp_path, ATTRITION_ONLY)
    path.write_text(yaml.safe_dump(perturbed))
    calibrate(path, tmp_path / "out", workers=2)
    pd.testing.assert_frame_equal(trials(tmp_path / "out"), trials(reference))
    fit, before = pd.read_parquet(tmp_path / "out" / "fit.parquet"), pd.read_parquet(reference / "fit.parquet")
    held_out = fit["sample"] == "validate (out-of-sample)"
    assert fit.loc[held_out, "observed"].tolist() == [2000]
    assert fit.loc[held_out, "loglik"].item() != before.loc[held_out, "loglik"].item()


def test_best_yaml_extends_the_base_and_runs_the_best_trial(spec, reference):
    best = yaml.safe_load((reference / "best.yaml").read_text())
    assert not Path(best["extends"]).is_absolute()
    assert (reference / best["extends"]).resolve() == (spec.parent / "tiny.yaml").resolve()
    meta = json.loads((reference / "calibration.json").read_text())
    scenario = load_scenario(reference / "best.yaml")
    assert scenario.attrition.death_rate == meta["best"]["params"]["attrition.death_rate"]
    table = trials(reference)
    assert meta["best"]["trial"] == int(table.loc[table["objective"].idxmax(), "trial"])


def start(spec: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "calibrate",
            str(spec),
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
            "--no-report",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=REPO,
    )


def test_kill_9_then_resume_ends_with_the_trials_of_an_uninterrupted_run(tmp_path):
    spec = write_spec(tmp_path, SLOW)
    reference = tmp_path / "reference"
    calibrate(spec, reference, workers=2)
    out = tmp_path / "killed"
    process = start(spec, out)
    deadline = time.monotonic() + 120
    while not (out / "runs").is_dir() or len([p for p in (out / "runs").iterdir() if p.name.startswith("t")]) < 5:
        assert process.poll() is None, f"the calibration ended before it could be killed: {process.communicate()}"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "trials.parquet").exists()
    told = len(list((out / "trials").glob("*.json")))
    assert told < 8, "every trial finished before the kill; make the runs slower"
    resumed = start(spec, out, "--resume")
    _, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    pd.testing.assert_frame_equal(trials(out), trials(reference))


def test_a_proportional_step_stays_inside_the_range_and_a_figure_never_simulated_sends_it_to_the_top(tmp_path):
    from sim.many.calibration.likelihoods import Component, Score
    from sim.many.calibration.proportional import propose
    from sim.many.calibration.spec import load_calibration
    from sim.many.calibration.study import TrialResult

    exits = {"outcome": "summary:totals.exits", "observed": 20, "source": "made up", "likelihood": "poisson"}
    fields = {"targets": {"exits": exits}, "validate": None, "batch": 1, "sampler": "proportional"}
    spec = write_spec(
        tmp_path, **fields, start={"attrition.death_rate": 0.1}, proportional={"exits": "attrition.death_rate"}
    )
    calibration = load_calibration(spec)

    def step(simulated: float) -> float:
        component = Component("", 20.0, simulated, 0.0, simulated, simulated, 0.0)
        previous = TrialResult(0, {"attrition.death_rate": 0.1}, {"exits": Score(0.0, [component])}, [])
        return propose(calibration, previous)["attrition.death_rate"]

    assert step(40.0) == pytest.approx(0.05)  # half the figure's observed value: half the rate
    assert step(1.0) == 0.2 and step(0.0) == 0.2  # 20x would leave the range [0.005, 0.2]: its top
    assert step(1e6) == 0.005


def test_a_point_enqueued_when_the_process_died_is_asked_on_resume_not_enqueued_twice(tmp_path, monkeypatch):
    """A kill between enqueueing a proportional step (or the start) and asking it leaves it waiting in the
    journal: the resumed search asks it as the same trial and ends with the trials of an uninterrupted run."""
    from sim.many.calibration import study

    exits = {"outcome": "summary:totals.exits", "observed": 20, "source": "made up", "likelihood": "poisson"}
    fields = {
        "targets": {"exits": exits},
        "validate": None,
        "trials": 5,
        "batch": 1,
        "sampler": "proportional",
        "start": {"attrition.death_rate": 0.1},
        "proportional": {"exits": "attrition.death_rate"},
    }
    spec = write_spec(tmp_path, **fields)
    calibrate(spec, tmp_path / "reference", workers=1)

    class Killed(BaseException):
        pass

    def sampler_dying_at_trial_3(calibration, number):
        if number == 3:
            raise Killed  # after the step for trial 3 is enqueued, before it is asked
        return real(calibration, number)

    real = study.sampler_for
    monkeypatch.setattr(study, "sampler_for", sampler_dying_at_trial_3)
    with pytest.raises(Killed):
        calibrate(spec, tmp_path / "killed", workers=1)
    monkeypatch.setattr(study, "sampler_for", real)
    calibrate(spec, tmp_path / "killed", workers=1, resume=True)
    pd.testing.assert_frame_equal(trials(tmp_path / "killed"), trials(tmp_path / "reference"))
    assert trials(tmp_path / "reference")["attrition.death_rate"].nunique() == 5


def test_parameters_are_recovered_within_the_replication_noise(tmp_path):
    """Targets generated by the county at known rates are fitted back within 3 sd of the estimate's noise.

    Observed: the totals of K independent runs at the true values (Poisson, scale K). The
    estimate's relative sd is the outcome's relative sd over runs times sqrt(1/K + 1/R) (the
    observed total and the R common-random-number replications both carry noise), divided by
    the outcome's elasticity to the parameter: 1 for applications (a rate per member-year),
    r / (death + retirement + transfer-out) for exits and the retirement rate (the other two exit
    rates are set low, so that exits mostly tell the retirement rate).
    """
    truth = {"membership.applications_per_member_year": 0.045, "attrition.retirement_rate": 0.02}
    fixed = COUNTY_SMALL + ["attrition.death_rate=0.002", "attrition.transfer_out_rate=0.002"]
    k, reps = 6, 3
    base = load_scenario(COUNTY, fixed + [f"{n}={v}" for n, v in truth.items()])
    runs = [simulate(base, seed=9000 + i).summary["totals"] for i in range(k)]
    observed = {name: np.array([r[name] for r in runs], dtype=float) for name in ("applications", "exits")}
    spec = {
        "base": str(COUNTY),
        "set": fixed,
        "parameters": {
            "membership.applications_per_member_year": {"low": 0.01, "high": 0.1, "log": True},
            "attrition.retirement_rate": {"low": 0.002, "high": 0.08, "log": True},
        },
        "targets": {
            name: {
                "outcome": f"summary:totals.{name}",
                "observed": float(values.sum()),
                "scale": k,
                "source": f"generated: {k} county runs at the true rates",
                "likelihood": "poisson",
            }
            for name, values in observed.items()
        },
        "replications": reps,
        "trials": 20,
        "batch": 4,
        "seed": 2,
    }
    path = tmp_path / "recovery.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    found = calibrate(path, tmp_path / "out", workers=2).best.params
    attrition = base.attrition
    elasticity = {
        "membership.applications_per_member_year": ("applications", 1.0),
        "attrition.retirement_rate": (
            "exits",
            attrition.retirement_rate
            / (attrition.death_rate + attrition.retirement_rate + attrition.transfer_out_rate),
        ),
    }
    for name, (outcome, slope) in elasticity.items():
        values = observed[outcome]
        relative_sd = values.std(ddof=1) / values.mean() * math.sqrt(1 / k + 1 / reps) / slope
        assert abs(found[name] / truth[name] - 1) < 3 * relative_sd, (name, found[name], truth[name], relative_sd)
        assert 3 * relative_sd < 0.35  # a tolerance much narrower than the search range (a factor of 10 or 40)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=REPO)


SPEC_ERRORS = [
    ("unknown field", {"replicatons": 2}, "replicatons: unknown field"),
    (
        "target without source",
        {"targets": {"m": {"outcome": "final:members_full", "observed": 1, "likelihood": "poisson"}}},
        "targets.m.source: required field",
    ),
    (
        "bad likelihood",
        {"targets": {"m": {"outcome": "final:members_full", "observed": 1, "source": "x", "likelihood": "gauss"}}},
        "targets.m.likelihood",
    ),
    (
        "normal without sd",
        {"targets": {"m": {"outcome": "final:members_full", "observed": 1, "source": "x", "likelihood": "normal"}}},
        "targets.m.sd",
    ),
    (
        "composition of a number",
        {"targets": {"m": {"outcome": "summary:totals", "observed": 3, "source": "x", "likelihood": "multinomial"}}},
        "targets.m.observed",
    ),
    (
        "bad outcome",
        {"targets": {"m": {"outcome": "last:members_full", "observed": 1, "source": "x", "likelihood": "poisson"}}},
        "targets.m.outcome",
    ),
    (
        "outcome the run lacks",
        {"targets": {"m": {"outcome": "final:no_such_column", "observed": 1, "source": "x", "likelihood": "poisson"}}},
        "targets.m.outcome",
    ),
    ("seed as a parameter", {"parameters": {"seed": {"low": 1, "high": 9}}}, "parameters.seed"),
    (
        "parameter path the scenario lacks",
        {"parameters": {"attrition.deth_rate": {"low": 0.1, "high": 0.2}}},
        "attrition.deth_rate",
    ),
    (
        "distribution",
        {"parameters": {"attrition.death_rate": {"distribution": "normal", "mean": 0.1, "sd": 0.01}}},
        "parameters.attrition.death_rate",
    ),
    (
        "validate target named like a fit target",
        {
            "validate": {
                "targets": {
                    "members": {"outcome": "final:members_full", "observed": 1, "source": "x", "likelihood": "poisson"}
                }
            }
        },
        "validate.targets.members",
    ),
    ("unknown validate field", {"validate": {"target": {}}}, "validate.target"),
    ("bad sampler", {"sampler": "grid"}, "sampler"),
    (
        "proportional without a mapping",
        {"sampler": "proportional", "start": {"attrition.death_rate": 0.05}, "batch": 1},
        "sampler: expected proportional with a figure -> parameter mapping",
    ),
    (
        "proportional with a batch",
        {
            "sampler": "proportional",
            "start": {"attrition.death_rate": 0.05},
            "proportional": {"members": "attrition.death_rate"},
        },
        "batch: expected 1 for the proportional sampler",
    ),
    (
        "proportional figure no target",
        {
            "sampler": "proportional",
            "batch": 1,
            "start": {"attrition.death_rate": 0.05},
            "proportional": {"membres": "attrition.death_rate"},
        },
        "proportional.membres",
    ),
    ("start outside the range", {"start": {"attrition.death_rate": 0.5}}, "start.attrition.death_rate"),
    (
        "start without a parameter",
        {"start": {}},
        "start: expected a value for every parameter (attrition.death_rate has none)",
    ),
    ("start naming no parameter", {"start": {"attrition.death_rate": 0.05, "attrition.x": 1}}, "start.attrition.x"),
]


@pytest.mark.parametrize(("what", "change", "named"), SPEC_ERRORS, ids=[e[0] for e in SPEC_ERRORS])
def test_every_spec_error_is_one_line_naming_file_line_and_field_exit_2_nothing_written(tmp_path, what, change, named):
    path = write_spec(tmp_path, **change)
    out = tmp_path / "out"
    done = run_cli("calibrate", str(path), "--out", str(out), "--workers", "1")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"partysim: error: {path} (line "), lines[0]
    assert named in lines[0], lines[0]
    assert not out.exists()


def test_a_start_point_is_trial_0_and_the_search_goes_on_from_it(tmp_path):
    path = write_spec(tmp_path, start={"attrition.death_rate": 0.0123}, trials=4, validate=None)
    calibrate(path, tmp_path / "out", workers=1)
    found = trials(tmp_path / "out").sort_values("trial")
    assert found["attrition.death_rate"].iloc[0] == 0.0123
    assert found["attrition.death_rate"].nunique() == 4  # the sampler proposes the others
    plain = write_spec(tmp_path, trials=4, validate=None, name="plain.yaml")
    calibrate(plain, tmp_path / "plain", workers=1)
    assert trials(tmp_path / "plain").sort_values("trial")["attrition.death_rate"].iloc[0] != 0.0123


#: Offence rates set the composition of punishments by cause (the proportional sampler's case).
CAUSES = ("lax_discipline", "absence_without_leave", "anti_socialist")
CAUSE_TRUTH = dict(zip(CAUSES, (0.1, 0.05, 0.03), strict=True))


def test_the_proportional_sampler_scales_each_parameter_by_its_figure_and_finds_the_rates(tmp_path):
    """Rates of offence set the punishments by cause: counts made at known rates with the fit's own seeds are
    recovered from rates 2x, 0.5x and 1.5x off. Trial n + 1 is trial n times observed/simulated, exactly; the
    tenth trial is within 3 sd of the truth, the sd of a rate being that of a Poisson count of its punishments
    over the replications (a rate is recovered as precisely as its count measures it)."""
    rate = {c: f"discipline.causes.{c}.rate_per_year" for c in CAUSES}
    truth = {rate[c]: v for c, v in CAUSE_TRUTH.items()}
    seeds = [run_seed(5, FIT, r) for r in range(2)]
    runs = [
        simulate(load_scenario(COUNTY, [*COUNTY_SMALL, *(f"{k}={v}" for k, v in truth.items())]), seed=s).summary
        for s in seeds
    ]
    by_cause = [r["punishments"]["issued_by_cause"] for r in runs]
    keys = [*CAUSES, "insincerity"]
    observed = {k: float(np.mean([b[k] for b in by_cause])) for k in keys}
    spec = {
        "base": str(COUNTY),
        "set": COUNTY_SMALL,
        "parameters": {rate[c]: {"low": 0.001, "high": 1.0, "log": True} for c in CAUSES},
        "targets": {
            "causes": {
                "outcome": "summary:punishments.issued_by_cause",
                "observed": observed,
                "source": "runs at known rates",
                "likelihood": "multinomial",
            }
        },
        "replications": 2,
        "trials": 10,
        "batch": 1,
        "seed": 5,
        "sampler": "proportional",
        "start": {rate[c]: v * f for (c, v), f in zip(CAUSE_TRUTH.items(), (2, 0.5, 1.5), strict=True)},
        "proportional": {f"causes:{c}": rate[c] for c in CAUSES},
    }
    path = tmp_path / "proportional.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    calibrate(path, tmp_path / "out", workers=1)
    found = trials(tmp_path / "out")
    params = found.groupby("trial")[list(rate.values())].first().sort_index()
    for n in range(9):
        result = json.loads((tmp_path / "out" / "trials" / f"{n:05d}.json").read_text())
        simulated = {c["component"]: c["simulated_mean"] for c in result["scores"]["causes"]["components"]}
        for c in CAUSES:
            assert params.loc[n + 1, rate[c]] == pytest.approx(params.loc[n, rate[c]] * observed[c] / simulated[c])
    for c in CAUSES:
        relative_sd = 1 / math.sqrt(observed[c] * 2)
        assert abs(params.iloc[-1][rate[c]] / CAUSE_TRUTH[c] - 1) < 3 * relative_sd, (c, params[rate[c]].tolist())
        assert abs(params.iloc[0][rate[c]] / CAUSE_TRUTH[c] - 1) > 3 * relative_sd  # the start is far off


def test_report_shows_in_sample_and_out_of_sample_fit_with_sources(reference):
    page = (reference / "report.html").read_text()
    for text in ("fit (in-sample)", "validate (out-of-sample)", "made up for the test", "Optimisation history"):
        assert text in page
    assert "Parameter importances" in page and "Profiles of the best trials" in page


def test_a_journal_line_torn_by_a_kill_is_dropped_on_resume(tmp_path):
    journal = tmp_path / "study.journal"
    journal.write_bytes(b'{"op_code": 0}\n{"op_co')
    drop_torn_tail(journal)
    assert journal.read_bytes() == b'{"op_code": 0}\n'


def test_without_optuna_the_command_says_how_to_install_it_in_one_line(spec, tmp_path):
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "optuna.py").write_text("raise ImportError('blocked for the test')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(blocker)])}
    done = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(spec), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "partysim: error: partysim calibrate: expected the optuna package, found it not installed "
        "(pip install 'partysim[calibrate]')"
    ]
    assert not (tmp_path / "out").exists()


def test_the_python_api_calibrates_as_the_command_does(spec, reference, tmp_path):
    import sim

    found = sim.calibrate(spec, tmp_path / "api", workers=1, write_report=False)
    assert found.out == tmp_path / "api" and not (found.out / "report.html").exists()
    pd.testing.assert_frame_equal(trials(found.out), trials(reference))
    missing = tmp_path / "missing.yaml"
    with pytest.raises(sim.PartysimError, match=f"^{re.escape(str(missing))}: file not found$"):
        sim.calibrate(missing, tmp_path / "none")
    assert not (tmp_path / "none").exists()
