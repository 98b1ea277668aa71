"""Optuna's own decisions for the scenarios of optuna-conformance.test.ts.

stdin: {"scenarios": [{"pruner": "median"|"asha", "options": {...}, "completed": [[v, ...], ...],
        "others": [[v, ...], ...], "curve": [v, ...]}]}  (null = NaN)
stdout: {"decisions": ["prune"|"continue", ...], "optuna": "<version>"}

Median: completed trials report epoch k's value at step k-1 (Optuna's steps start at zero); the other,
unfinished trials are PRUNED trials with their values (Optuna counts COMPLETE trials only); the candidate
reports its curve at steps 0.. and asks should_prune after each, as a worker does; the first prune stops it.
ASHA: the resource is epochs, so epoch k is step k; every trial's rung values are the system attributes
Optuna's pruner writes (completed_rung_j at rung epoch r_j the trial reached); the candidate reports epoch
by epoch and asks should_prune after each, as a worker does; the first prune stops it.
"""
import json
import math
import sys
import warnings

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")


def num(v):
    return math.nan if v is None else float(v)


def rungs(options, length):
    r, eta, s = options["minResource"], options["reductionFactor"], options["minEarlyStoppingRate"]
    out, at = [], r * eta ** s
    while at <= length:
        out.append(at)
        at *= eta
    return out


def decide(scenario):
    o = scenario["options"]
    if scenario["pruner"] == "median":
        pruner = optuna.pruners.MedianPruner(n_startup_trials=o["startupCandidates"], n_warmup_steps=o["warmupEpochs"],
                                             interval_steps=o["interval"], n_min_trials=o["minCandidates"])
    else:
        pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=o["minResource"], reduction_factor=o["reductionFactor"],
                                                        min_early_stopping_rate=o["minEarlyStoppingRate"], bootstrap_count=o["bootstrapCount"])
    study = optuna.create_study(direction="maximize", pruner=pruner)
    dist = {"x": FloatDistribution(0, 1)}
    step_of = (lambda e: e - 1) if scenario["pruner"] == "median" else (lambda e: e)
    for state, curves in ((TrialState.COMPLETE, scenario["completed"]), (TrialState.PRUNED, scenario["others"])):
        for curve in curves:
            values = {step_of(e + 1): num(v) for e, v in enumerate(curve)}
            attrs = {}
            if scenario["pruner"] == "asha":
                for j, at in enumerate(rungs(o, len(curve))):
                    if not math.isnan(num(curve[at - 1])):
                        attrs[f"completed_rung_{j}"] = num(curve[at - 1])
            study.add_trial(create_trial(state=state, value=num(curve[-1]) if state == TrialState.COMPLETE else None,
                                         params={"x": 0.5}, distributions=dist, intermediate_values=values, system_attrs=attrs))
    trial = study.ask()
    for e, v in enumerate(scenario["curve"]):
        trial.report(num(v), step_of(e + 1))
        if trial.should_prune():
            return "prune"
    return "continue"


def main():
    request = json.load(sys.stdin)
    print(json.dumps({"decisions": [decide(s) for s in request["scenarios"]], "optuna": optuna.__version__}))


if __name__ == "__main__":
    main()
