"""The ``fit_time_defaults`` benchmark: fit time at the defaults beside scikit-learn's MLP (issue #22).

Issue #22 asks that our estimators, at their DEFAULT parameters, fit within 3x
the time of scikit-learn's MLP at the same accuracy. In one run and one
process, this benchmark fits each model inside ``make_pipeline(StandardScaler(),
model)`` with only ``random_state=seed`` (and ``device="cpu"``) set:

- classification, on the ten sets of ``small_data``, 5-fold
  ``StratifiedKFold(shuffle=True, random_state=seed)``: ``PrototypeClassifier()``,
  ``SENNClassifier()``, ``SparseRepresenterClassifier()`` and ``MLPClassifier()``;
- regression, on the six sets of ``small_data.regression``, 5-fold
  ``KFold(shuffle=True, random_state=seed)``: ``SENNRegressor()``,
  ``SparseRepresenterRegressor()``, ``MLPRegressor()`` and ``Ridge()`` (Ridge
  for the R² goal only),

for seeds 0..4. All models of a seed see the same folds, interleaved fold by
fold (``small_data._cross_validate``), so a slow spell of a shared machine
hits them alike. Ours default to ``n_threads=1``; threadpoolctl limits the
BLAS/OpenMP pools (the MLPs compute in numpy) to the same count, so every model
fits on one thread whatever ``--threads`` says. Before the first set of a
task each model is fitted once for one epoch, untimed (torch's first fit in a
process costs about half a second more).

Per set and estimator it reports the mean fit seconds per fold (scaler
included), the ratio of that to the MLP's on the same set, the per-seed mean
score over folds (accuracy or R²) as mean ± std and worst seed, the baseline
and the score goal as in ``small_data``: worst seed >= MLP mean - 0.03
(classification), >= max(Ridge mean, MLP mean) - 0.05 (regression); the mean
number of epochs run (``n_iter_``, else ``len(net_.history)``) beside the cap,
and the fraction of fits that issued a ConvergenceWarning (silenced). The
summary gives per estimator the median ratio over sets and the largest ratio
with its set, the speed goal (median <= 3 and no set above 5) and how many sets
meet the score goal.

``--quick`` is a smoke test only (iris, wine; diabetes, friedman1 cut to 200
rows; seed 0, 2 folds, 2 epochs, MLP max_iter 5): its figures mean nothing.
"""

import time
import warnings

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_interp import (PrototypeClassifier, SENNClassifier, SENNRegressor, SparseRepresenterClassifier,
                            SparseRepresenterRegressor)

from .small_data import (DATASETS, GOAL_MARGIN, REGRESSION_DATASETS, REGRESSION_GOAL_MARGIN,
                         REGRESSION_SOURCES, SOURCES, _cross_validate, _pm, load, load_regression)

SPEED_GOAL = {"median": 3.0, "max": 5.0}
FULL = dict(seeds=(0, 1, 2, 3, 4), folds=5, rows=None, overrides={}, mlp_overrides={},
            datasets={"classification": DATASETS, "regression": REGRESSION_DATASETS})
QUICK = dict(seeds=(0,), folds=2, rows=200, overrides={"max_epochs": 2}, mlp_overrides={"max_iter": 5},
             datasets={"classification": ("iris", "wine"), "regression": ("diabetes", "friedman1")})
TASKS = {
    "classification": dict(ours=(PrototypeClassifier, SENNClassifier, SparseRepresenterClassifier),
                           mlp=MLPClassifier, baselines=("MLPClassifier",), metric="accuracy",
                           margin=GOAL_MARGIN, cv=StratifiedKFold, load=load, sources=SOURCES),
    "regression": dict(ours=(SENNRegressor, SparseRepresenterRegressor), mlp=MLPRegressor,
                       baselines=("Ridge", "MLPRegressor"), metric="r2", margin=REGRESSION_GOAL_MARGIN,
                       cv=KFold, load=load_regression, sources=REGRESSION_SOURCES),
}
COLUMNS = ["dataset", "n", "estimator", "fit s/fold", "MLP fit s/fold", "ratio", "mean ± std", "worst seed",
           "baseline", "worst - baseline", "goal met", "epochs", "epoch cap", "convergence warnings"]
SUMMARY_COLUMNS = ["estimator", "task", "sets", "median ratio", "max ratio", "max ratio set",
                   "speed goal met", "score goal met", "convergence warnings"]
THREADS = PrototypeClassifier().n_threads  # the default of all of ours


def _models(task, seed, p):
    spec = TASKS[task]
    models = [cls(random_state=seed, device="cpu", **p["overrides"]) for cls in spec["ours"]]
    models.append(spec["mlp"](random_state=seed, **p["mlp_overrides"]))
    if task == "regression":
        models.append(Ridge())
    return {type(model).__name__: make_pipeline(StandardScaler(), model) for model in models}


def _epochs(est):
    """Epochs (iterations) the fitted estimator ran, None for a model without any (Ridge)."""
    n = getattr(est, "n_iter_", None)
    if n is None and hasattr(est, "net_"):
        n = len(est.net_.history)
    return n


def _warm_up(task, X, y):
    with warnings.catch_warnings(), threadpool_limits(limits=THREADS):
        warnings.simplefilter("ignore")
        one_epoch = {"overrides": {"max_epochs": 1}, "mlp_overrides": {"max_iter": 1}}
        for model in _models(task, 0, one_epoch).values():
            model.fit(X, y)


def _scorer(metric):
    def score(est, X_test, y_test):
        pred = est.predict(X_test)
        value = float(np.mean(pred == y_test)) if metric == "accuracy" else float(r2_score(y_test, pred))
        epochs = _epochs(est[-1])
        return {metric: value, **({} if epochs is None else {"epochs": epochs})}
    return score


def run(ctx):
    """Classification and regression, then the summary of both."""
    run_classification(ctx)
    run_regression(ctx)


def run_classification(ctx):
    """PrototypeClassifier(), SENNClassifier(), SparseRepresenterClassifier() vs MLPClassifier()."""
    _run(ctx, "classification")


def run_regression(ctx):
    """SENNRegressor(), SparseRepresenterRegressor() vs MLPRegressor() (and Ridge for the R² goal)."""
    _run(ctx, "regression")


def _run(ctx, task):
    p, spec = (QUICK if ctx.quick else FULL), TASKS[task]
    mlp, metric = spec["mlp"].__name__, spec["metric"]
    start, rows = time.perf_counter(), []
    for name in p["datasets"][task]:
        t_set = time.perf_counter()
        X, y = spec["load"](name, ctx.data_home)
        if task == "regression" and p["rows"]:
            X, y = X[:p["rows"]], y[:p["rows"]]
        if not rows:  # one untimed 1-epoch fit of each model first: torch's first call costs ~0.5 s
            _warm_up(task, X, y)
        per_seed, fit_s, epochs, warned = {}, {}, {}, {}
        with threadpool_limits(limits=THREADS):
            for seed in p["seeds"]:
                cv = spec["cv"](p["folds"], shuffle=True, random_state=seed)
                scores, seconds = _cross_validate(_models(task, seed, p), X, y, cv, _scorer(metric),
                                                  warned=warned)
                for model, values in scores.items():
                    per_seed.setdefault(model, []).append(float(np.mean(values[metric])))
                    epochs.setdefault(model, []).extend(values.get("epochs", []))
                    fit_s.setdefault(model, []).append(seconds[model])
        means = {model: float(np.mean(values)) for model, values in per_seed.items()}
        baseline_model = max(spec["baselines"], key=means.get)
        mlp_fit = float(np.mean(fit_s[mlp]))
        caps = {model: est[-1].get_params().get("max_epochs", est[-1].get_params().get("max_iter"))
                for model, est in _models(task, 0, p).items()}
        base = means[baseline_model]
        for model, seed_scores in per_seed.items():
            fit, n_fits = float(np.mean(fit_s[model])), np.size(fit_s[model])
            worst, ours = float(np.min(seed_scores)), model not in (mlp, "Ridge")
            rows.append({
                "dataset": name, "n": len(X), "features": X.shape[1], "estimator": model, "metric": metric,
                "fit s/fold": fit, "MLP fit s/fold": mlp_fit, "ratio": fit / mlp_fit,
                "mean ± std": _pm(seed_scores), "worst seed": worst,
                "baseline": f"{baseline_model} {base:.4f}",
                "worst - baseline": worst - base if ours else None,
                "goal met": ("yes" if worst >= base - spec["margin"] else "no") if ours else None,
                "epochs": float(np.mean(epochs[model])) if epochs[model] else None,
                "epoch cap": caps[model] if epochs[model] else None,
                "convergence warnings": warned.get(model, 0) / n_fits,
                "mean": means[model], "std": float(np.std(seed_scores)), "baseline mean": base,
                "warned fits": warned.get(model, 0), "fits": n_fits, "seed_scores": seed_scores,
                "seed_fit_s": [float(np.mean(s)) for s in fit_s[model]], "source": spec["sources"][name],
            })
        print(f"  [{ctx.name}] {name:18s} ratio vs {mlp} " + "  ".join(
            f"{r['estimator']} {r['ratio']:.2f} ({r['goal met']})" for r in rows[-len(per_seed):]
            if r["goal met"] is not None) + f"  ({time.perf_counter() - t_set:.0f} s)", flush=True)
        # Rewrite the files after every set, so a stopped run keeps its finished sets.
        _record(ctx, task, p, rows, start)


def _record(ctx, task, p, rows, start):
    spec = TASKS[task]
    goal = (f"worst seed >= MLP mean - {GOAL_MARGIN}" if task == "classification" else
            f"worst seed >= max(Ridge mean, MLP mean) - {REGRESSION_GOAL_MARGIN}")
    models = [f"{cls.__name__}(random_state=seed, device='cpu')" for cls in spec["ours"]]
    models += [f"{spec['mlp'].__name__}(random_state=seed)"] + (["Ridge()"] if task == "regression" else [])
    quick = "; QUICK smoke test: 2 epochs, MLP max_iter 5, 200 rows for regression; figures meaningless"
    ctx.record(
        task, rows,
        params={"datasets": list(p["datasets"][task]), "folds": p["folds"],
                "rows": p["rows"] if task == "regression" else None,
                "overrides": p["overrides"], "mlp_overrides": p["mlp_overrides"],
                "models": "make_pipeline(StandardScaler(), M) with M = " + ", ".join(models),
                "threads": f"{THREADS} (our n_threads default; BLAS/OpenMP limited to it with threadpoolctl)",
                "warm-up": "one untimed 1-epoch fit of each model on the first set",
                "score goal": goal, "sources": {name: spec["sources"][name] for name in p["datasets"][task]}},
        seeds={"seeds": list(p["seeds"]), "models": "random_state=seed",
               spec["cv"].__name__: "n_splits=folds, shuffle=True, random_state=seed"},
        columns=COLUMNS, wall_s=time.perf_counter() - start,
        extra={"note": f"{p['folds']}-fold CV, seeds {', '.join(map(str, p['seeds']))}, all models on the "
                       f"same folds, one thread; ratio: fit s/fold over {spec['mlp'].__name__}'s on the set "
                       f"(scaler included); {spec['metric']} as per-seed means over folds; goal: {goal}; "
                       "epochs: mean n_iter_ or len(net_.history); convergence warnings: fraction of fits "
                       "that issued one" + (quick if ctx.quick else "")},
    )
    _record_summary(ctx)


def _record_summary(ctx):
    rows = []
    for task in TASKS:
        task_rows = [r for r in ctx.result["rows"] if r["section"] == task and r["goal met"] is not None]
        for model in dict.fromkeys(r["estimator"] for r in task_rows):
            mine = [r for r in task_rows if r["estimator"] == model]
            slowest = max(mine, key=lambda r: r["ratio"])
            median, largest = float(np.median([r["ratio"] for r in mine])), slowest["ratio"]
            met = sum(r["goal met"] == "yes" for r in mine)
            rows.append({
                "estimator": model, "task": task, "sets": len(mine), "median ratio": median,
                "max ratio": largest, "max ratio set": slowest["dataset"],
                "speed goal met": ("yes" if median <= SPEED_GOAL["median"] and largest <= SPEED_GOAL["max"]
                                   else "no"),
                "score goal met": f"{met}/{len(mine)}", "score goal sets": met,
                "convergence warnings": sum(r["warned fits"] for r in mine) / sum(r["fits"] for r in mine),
            })
    speed = f"median ratio <= {SPEED_GOAL['median']:g} and no set above {SPEED_GOAL['max']:g}"
    ctx.record(
        "summary", rows, params={"speed goal": speed}, columns=SUMMARY_COLUMNS,
        wall_s=sum(meta["wall_time_s"] for task, meta in ctx.result["sections"].items() if task in TASKS),
        extra={"note": "ratio: mean fit s/fold over the MLP's on the same set (MLPClassifier or "
                       f"MLPRegressor); speed goal: {speed}; "
                       "score goal met: sets where the worst seed is within the margin of the baseline; "
                       "convergence warnings: fraction of all fits"
                       + ("; QUICK smoke test" if ctx.quick else "")},
    )
