"""The search: Optuna proposes parameters, every trial runs the same seeds, the journal keeps progress.

Common random numbers
    Replication r of every trial runs with seed ``run_seed(seed, 0, r)``: trials differ
    only by their parameters, so a trial cannot win by a lucky draw and the objective is
    a smooth function of the parameters. The seed is never a search dimension.
    Validation runs use fresh seeds ``run_seed(seed, 1, r)``.

Deterministic trials, whatever the workers and however often resumed
    Trials are proposed in batches of ``batch`` (numbers b·batch … (b+1)·batch − 1): the whole
    batch is asked first, then run in parallel on the executor, then told in trial order. So
    when trial n is proposed the study holds exactly the trials before its batch, finished.
    The sampler is created afresh for every trial with the seed ``run_seed(seed, 2, n)``,
    so its draws do not depend on what this process sampled before (a resumed process has
    sampled nothing). Trial n's parameters are thus a function of the spec and n only.

Resumable
    The study lives in an Optuna ``JournalStorage`` file (``study.journal``) in the output
    directory, appended line by line. A trial's runs are run directories written atomically
    (``runs/t<n>-r<r>``) and its scores a JSON file (``trials/<n>.json``) written before it is
    told. After kill -9, ``--resume`` asks the rest of the interrupted batch, reruns its unfinished
    trials (finished runs are read back, not redone) and tells them: the study ends with the
    trials of an uninterrupted run.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

from sim.many.calibration import proportional
from sim.many.calibration.likelihoods import Score, score
from sim.many.calibration.spec import Calibration, Target
from sim.many.outcomes import Outcome
from sim.many.runs import FAILED, RunProgress, RunRecord, RunTask, run_seed, split_finished, write_json_atomic
from sim.run.result import OutputError

FIT, VALIDATE, SAMPLER = 0, 1, 2  # first element of the seed keys (see the module docstring)
JOURNAL = "study.journal"


class CalibrationUnavailable(OutputError):
    """Optuna is not installed; one line with the hint, exit code 2."""


def optuna():
    """The optuna module, or a one-line hint to install the extra."""
    try:
        import optuna as module
    except ImportError:
        raise CalibrationUnavailable(
            "partysim calibrate: expected the optuna package, found it not installed (pip install 'partysim[calibrate]')"
        ) from None
    module.logging.set_verbosity(module.logging.WARNING)
    return module


def distributions(calibration: Calibration) -> dict:
    """Optuna's distribution of every parameter: float (log) ranges, int ranges, categorical lists."""
    dist = optuna().distributions
    found = {}
    for name, p in calibration.spec.parameters.items():
        if p.values is not None:
            found[name] = dist.CategoricalDistribution(p.values)
        elif p.integer:
            assert p.low is not None and p.high is not None  # Parameter._consistent: a range has both ends
            found[name] = dist.IntDistribution(math.ceil(p.low), math.floor(p.high), log=p.log)
        else:
            found[name] = dist.FloatDistribution(p.low, p.high, log=p.log)
    return found


def sampler_for(calibration: Calibration, number: int):
    """A fresh sampler for trial ``number``, seeded by the spec's seed and the trial number."""
    samplers = optuna().samplers
    seed = run_seed(calibration.spec.seed, SAMPLER, number) % (2**32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CMA-ES's and TPE's experimental-feature notices
        if calibration.spec.sampler == "cmaes":
            return samplers.CmaEsSampler(seed=seed, independent_sampler=samplers.RandomSampler(seed=seed))
        if calibration.spec.sampler in ("random", "proportional"):  # proportional: every trial enqueued
            return samplers.RandomSampler(seed=seed)
        return samplers.TPESampler(seed=seed)


def open_study(calibration: Calibration, out: Path):
    """The study in ``out/study.journal`` (created, or loaded to resume)."""
    module = optuna()
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    path = out / JOURNAL
    lock = path.with_name(path.name + ".lock")
    # Only this process writes the journal; a lock left by a killed process would block the resume forever.
    lock.unlink(missing_ok=True)
    drop_torn_tail(path)
    storage = JournalStorage(JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path))))
    return module.create_study(
        study_name=calibration.spec.name, storage=storage, direction="maximize", load_if_exists=True
    )


def drop_torn_tail(path: Path) -> None:
    """Cut a journal line that a kill left half-written (the next line appended after it would corrupt both)."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as journal:
            journal.truncate(data.rfind(b"\n") + 1)


def target_outcomes(targets: dict[str, Target]) -> dict[str, str]:
    """Every outcome expression the targets read off a run, by its key (see :meth:`Target.expressions`)."""
    found: dict[str, str] = {}
    for name, target in targets.items():
        found |= target.expressions(name)
    return found


def replication_tasks(
    calibration: Calibration, directory: Path, prefix: str, params: dict, outcomes: dict[str, Outcome], stream: int
) -> list[RunTask]:
    """The runs of one trial (or of the validation): replication r has seed ``run_seed(seed, stream, r)``."""
    validation = stream == VALIDATE
    reps = calibration.spec.replications
    if validation:
        assert calibration.spec.validate_ is not None  # the validation runs only for a spec with a validate block
        reps = calibration.spec.validate_.replications or reps
    scenario = calibration.scenario(params, validation=validation)
    return [
        RunTask(
            f"{prefix}-r{r:02d}",
            str(directory.resolve() / f"{prefix}-r{r:02d}"),
            scenario,
            run_seed(calibration.spec.seed, stream, r),
            outcomes,
            {"calibration": calibration.spec.name, "run": prefix, "replication": r},
        )
        for r in range(reps)
    ]


@dataclass
class TrialResult:
    """One finished trial: parameters, each target's score, the objective (sum of log-likelihoods)."""

    number: int
    params: dict
    scores: dict[str, Score]
    errors: list[str]

    @property
    def value(self) -> float:
        return sum(s.loglik for s in self.scores.values()) if not self.errors else -math.inf


def score_records(targets: dict[str, Target], records: list[RunRecord]) -> tuple[dict[str, Score], list[str]]:
    records = sorted(records, key=lambda r: r.run_id)
    errors = [f"{r.run_id}: {r.error}" for r in records if r.status == FAILED]
    values = [dict(r.values) for r in records if r.status != FAILED]
    if errors or not values:
        return {}, errors or ["no replication"]
    return {name: score(target, name, values) for name, target in targets.items()}, []


def search(
    calibration: Calibration, out: Path, executor, outcomes: dict[str, Outcome], total: int, show_progress: bool
) -> list[TrialResult]:
    """Run (or finish) ``total`` trials in batches (see the module docstring); every trial's result."""
    module = optuna()
    study = open_study(calibration, out)
    spaces = distributions(calibration)
    batch = calibration.spec.batch
    (out / "trials").mkdir(exist_ok=True)
    finished_states = (module.trial.TrialState.COMPLETE, module.trial.TrialState.FAIL)
    already = sum(t.state in finished_states for t in study.get_trials(deepcopy=False))
    waiting = module.trial.TrialState.WAITING
    with RunProgress(total, already=min(already, total), show=show_progress, label="trials") as progress:
        while True:
            trials = study.get_trials(deepcopy=False)
            done = sum(t.state in finished_states for t in trials)  # a prefix: trials are told in order
            if done >= total:
                break
            first = done - done % batch
            asked_before = [t for t in trials if t.state != waiting]
            last = min(first + batch, max(total, len(asked_before)))
            for number in range(len(asked_before), last):
                _ask(calibration, study, spaces, out, number, waiting)
            trials = study.get_trials(deepcopy=False)
            todo = [t for t in trials[done:last] if t.state == module.trial.TrialState.RUNNING]
            tasks = {
                t.number: replication_tasks(calibration, out / "runs", f"t{t.number:05d}", t.params, outcomes, FIT)
                for t in todo
            }
            flat = [task for group in tasks.values() for task in group]
            records, pending = split_finished(flat)
            records += list(executor.run(pending))
            by_run = {r.run_id: r for r in records}
            for trial in todo:
                scores, errors = score_records(
                    calibration.spec.targets, [by_run[t.run_id] for t in tasks[trial.number]]
                )
                result = TrialResult(trial.number, dict(trial.params), scores, errors)
                write_json_atomic(out / "trials" / f"{trial.number:05d}.json", result_json(result))
                if errors:
                    study.tell(trial.number, state=module.trial.TrialState.FAIL)
                else:
                    study.tell(trial.number, result.value)
                progress.advance(RunRecord(str(trial.number), FAILED if errors else "ok", {}))
    return [read_result(out, t.number) for t in study.get_trials(deepcopy=False)[:total]]


def _ask(calibration: Calibration, study, spaces: dict, out: Path, number: int, waiting) -> None:
    """Ask trial ``number``: the sampler's proposal, or the point enqueued for it — the warm start (trial 0)
    or the proportional step from trial ``number - 1`` (batch 1: it is finished). A kill between enqueueing
    and asking leaves the point waiting in the journal: it is asked then, not enqueued twice."""
    if not study.get_trials(deepcopy=False, states=(waiting,)):
        if number == 0 and calibration.spec.start is not None:
            study.enqueue_trial(calibration.spec.start)
        elif number > 0 and calibration.spec.sampler == "proportional":
            study.enqueue_trial(proportional.propose(calibration, read_result(out, number - 1)))
    study.sampler = sampler_for(calibration, number)
    asked = study.ask(spaces)
    if asked.number != number:
        raise OutputError(f"{out}: expected trial {number} next in the journal, found {asked.number}")


def result_json(result: TrialResult) -> dict:
    return {
        "number": result.number,
        "params": result.params,
        "errors": result.errors,
        "value": result.value,
        "scores": {
            name: {"loglik": s.loglik, "components": [c.__dict__ for c in s.components]}
            for name, s in result.scores.items()
        },
    }


def read_result(out: Path, number: int) -> TrialResult:
    from sim.many.calibration.likelihoods import Component

    data = json.loads((out / "trials" / f"{number:05d}.json").read_text(encoding="utf-8"))
    scores = {name: Score(s["loglik"], [Component(**c) for c in s["components"]]) for name, s in data["scores"].items()}
    return TrialResult(data["number"], data["params"], scores, data["errors"])
