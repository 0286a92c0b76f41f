"""What a calibration leaves: trials.parquet, fit.parquet, importances.parquet, best.yaml.

- ``trials.parquet``: one row per trial, target and component (a composition has one
  component per category, a count one with component ""), with every parameter value, the
  simulated mean and sd over the replications (on the observed figure's scale), the target's
  log-likelihood ``loglik`` (repeated on each component row of the target: take one row per
  trial and target to add them up) and the trial's ``objective`` (their sum).
- ``fit.parquet``: the best trial's fit (``sample`` = "fit (in-sample)") and the held-out
  prediction (``sample`` = "validate (out-of-sample)"): observed, simulated mean, the 95 %
  interval of single runs (2.5 and 97.5 % quantiles over replications), standardized error
  (miss / sd of the observation model) and the target's log-likelihood.
- ``importances.parquet``: Optuna's fANOVA importance of each parameter for the objective.
- ``best.yaml``: a scenario that ``extends`` the base (relative path) with the fixed ``set``
  and the fitted values; ``partysim run best.yaml`` runs it as is.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from sim.many.calibration.spec import Calibration, Target
from sim.many.calibration.study import TrialResult
from sim.many.runs import write_parquet_atomic, write_text_atomic
from sim.scenario.loading import _load_chain, _Origins, field_path, load_scenario, parse_override, set_field

IN_SAMPLE, OUT_OF_SAMPLE = "fit (in-sample)", "validate (out-of-sample)"
#: A fANOVA forest's seed: importances are reproducible like everything else.
FANOVA_SEED = 0


def trials_table(calibration: Calibration, results: list[TrialResult]) -> pd.DataFrame:
    names = calibration.parameter_names
    rows = []
    for result in results:
        fixed = [result.number, "failed" if result.errors else "ok", "; ".join(result.errors) or None]
        fixed += [result.params.get(n) for n in names]
        for target, s in result.scores.items():
            for c in s.components:
                rows.append(
                    (*fixed, target, c.component, c.observed, c.simulated_mean, c.simulated_sd, s.loglik, result.value)
                )
        if not result.scores:
            rows.append((*fixed, None, None, *([float("nan")] * 4), result.value))
    columns = ["trial", "status", "error", *names, "target", "component", "observed", "simulated_mean"]
    columns += ["simulated_sd", "loglik", "objective"]
    return pd.DataFrame(rows, columns=columns)


def fit_rows(sample: str, targets: dict[str, Target], scores: dict) -> list[tuple]:
    rows = []
    for name, s in scores.items():
        target = targets[name]
        for c in s.components:
            rows.append(
                (sample, name, c.component, target.likelihood, target.source, c.observed, c.simulated_mean)
                + (c.simulated_sd, c.low, c.high, c.standardized_error, s.loglik)
            )
    return rows


FIT_COLUMNS = ["sample", "target", "component", "likelihood", "source", "observed", "simulated_mean"]
FIT_COLUMNS += ["simulated_sd", "run_low", "run_high", "standardized_error", "loglik"]


def importances(study_trials, module) -> pd.DataFrame:
    """fANOVA importances of the parameters for the objective; empty when it cannot be computed."""
    try:
        found = module.importance.get_param_importances(
            study_trials, evaluator=module.importance.FanovaImportanceEvaluator(seed=FANOVA_SEED)
        )
    except (ImportError, ValueError, RuntimeError):  # scikit-learn missing, or too few finished trials
        return pd.DataFrame(columns=["parameter", "importance"])
    return pd.DataFrame(sorted(found.items()), columns=["parameter", "importance"])


def best_scenario_data(calibration: Calibration, params: dict, out: Path) -> dict:
    """The overrides of best.yaml: `set` and the fitted values; a list along a path is written out whole.

    ``extends`` merges mappings key by key but replaces lists, so a field inside a list
    item (``amnesty.orders.0.education_effect``) is written as the whole list, the other
    items as the base has them.
    """
    data = _load_chain(calibration.base_path, _Origins(), ())
    paths = []
    for text in calibration.spec.set:
        parts, value = parse_override(text)
        data, _ = set_field(data, parts, value)
        paths.append(parts)
    for name, value in params.items():
        data, _ = set_field(data, field_path(name), value)
        paths.append(field_path(name))
    override: dict = {}
    for parts in paths:
        node, source = override, data
        for depth, part in enumerate(parts):
            if isinstance(source[part], list) or depth == len(parts) - 1:
                node[part] = source[part]
                break
            node = node.setdefault(part, {})
            source = source[part]
    relative = os.path.relpath(calibration.base_path, out.resolve())
    return {"extends": relative, **override}


def write_best(calibration: Calibration, params: dict, out: Path) -> Path:
    """best.yaml, checked to load as the very scenario the best trial ran."""
    data = best_scenario_data(calibration, params, out)
    header = (
        f"# Calibrated by partysim calibrate {calibration.path} (spec seed {calibration.spec.seed}):\n"
        f"# the best trial's parameters on top of {data['extends']}. Run it with: partysim run best.yaml\n"
    )
    path = out / "best.yaml"
    write_text_atomic(path, header + yaml.safe_dump(data, sort_keys=False))
    if load_scenario(path) != calibration.scenario(params):
        raise RuntimeError("best.yaml does not load as the best trial's scenario")  # a bug, not a user mistake
    return path


def write_tables(calibration: Calibration, out: Path, results: list[TrialResult], fit: list[tuple]) -> None:
    write_parquet_atomic(trials_table(calibration, results), out / "trials.parquet")
    write_parquet_atomic(pd.DataFrame(fit, columns=FIT_COLUMNS), out / "fit.parquet")
