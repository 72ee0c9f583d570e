"""The ``compare`` benchmark: our explanations beside LIME, KernelSHAP and Integrated Gradients (issue #23).

For each set (COMPAS in the SENN paper's setting, ``fetch_compas(features="senn")``,
and the UCI sets Pima, Yeast, Vehicle, Segment, the fetchers' sets with at least
200 test rows) and one seed:

- a stratified 70/30 train/test split; features standardized by a
  ``StandardScaler`` fitted on the training rows, so that ε and the input
  norms are in standard deviations for every model and explainer;
- models: ``SENNClassifier()`` (its default λ = 0.01); SENN at the λ that
  :func:`~sklearn_interp.metrics.make_explanation_scorer` selects
  (``GridSearchCV`` over λ ∈ LAMS on one stratified 75/25 validation split
  of the training rows, scoring accuracy and the stability of θ, refit: the
  most stable λ within one point of the best validation accuracy);
  ``PrototypeClassifier()``; ``SparseRepresenterClassifier()``;
  ``FeatureLevelingClassifier()``; and ``MLPClassifier()``, what a user
  would otherwise explain post hoc. All at their defaults but
  ``random_state`` (and ``device="cpu"``);
- explainers of each model: its own explanation (SENN both θ(x), the
  paper's f_expl, and θ(x)·h(x)); ``LimeExplainer`` (5000 samples) and
  ``KernelShapExplainer`` (k-means background of 10, ``nsamples="auto"``),
  both with fresh sampling per call (what their users get) and, on the SENN
  models, also with a fixed seed per call (their smoothness without the
  sampling noise; with at most 11 features KernelSHAP's "auto" budget,
  2d + 2048 samples, covers all 2^d - 2 coalitions, so it does not sample
  and both modes agree); ``IntegratedGradientsExplainer`` on the SENN models;
- on 200 test rows (a stratified subset of the test split): accuracy (of the
  model, on the whole test split); the median faithfulness correlation
  (§5.3, features replaced by the training mean; SENN's learned units, the
  prototypes, the feature leveling GLM's inputs and the representer's
  examples removed by their terms); the median local
  Lipschitz estimate (eq. 5 in input space) in the ε-ball (ε = 0.1, a
  budget of 6 explainer calls: half random restarts, half local
  search, seed 0) and, for SENN's own θ, by gradient ascent with the same
  budget; the same divided by the median norm of that explainer's
  attributions (scale-free: SENN's θ are on the logit scale, LIME's weights
  on the probability scale); the discrete variant (neighbours among the
  explained test rows within 2x the median nearest-neighbour distance);
  and the explanation seconds per sample (``explain`` of the 200 rows,
  one thread; the fastest of up to 5 calls while they take less than 1 s in
  all, so a fast explainer's figure is not its first call's warm-up, and a
  slow one is called once).

Goals (issue #23): SENN's θ Lipschitz ≥ 10x lower than LIME's and KernelSHAP's
on the same model; SENN's explanation ≥ 1000x cheaper per sample than
KernelSHAP's. The ``summary`` section puts each ratio beside its goal, for
both SENN models, both sampling modes, the raw and the scale-free estimate and
the discrete variant. A PNG per set: the per-sample ε-ball estimates as box
plots (log scale) and the seconds per sample (log scale).

Each set is also a benchmark of its own (``compare.<set>``, its own result
file), so sets can run in parallel processes; ``compare.summary`` reads those
files. ``compare`` runs every set and the summary into one file.
``compare.leveling`` runs every set for the FeatureLeveling model alone (its
own explanation, ``contributions`` over the GLM inputs, LIME and KernelSHAP
fresh) into ``compare.leveling.json``, PNGs ``compare_leveling_<set>.png``,
so the other models' committed results need not be rerun (no λ search, no
summary; about 25 min where the full ``compare`` takes about 2.5 h of CPU).
``--quick`` is a smoke test only (iris-sized cuts, tiny budgets).
"""

import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedShuffleSplit, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from sklearn_interp import (FeatureLevelingClassifier, PrototypeClassifier, SENNClassifier,
                            SparseRepresenterClassifier, datasets)
from sklearn_interp.baselines import IntegratedGradientsExplainer, KernelShapExplainer, LimeExplainer
from sklearn_interp.metrics import faithfulness_correlation, local_lipschitz, make_explanation_scorer
from sklearn_interp.metrics._protocol import attributions, explain, explaining_model, target_indices

SETS = ("compas", "pima_diabetes", "yeast", "vehicle", "segment")
LAMS = (0.01, 0.1, 1.0)
GOALS = {"lipschitz_ratio": 10.0, "cost_ratio": 1000.0}
# Model groups: "senn" is SENN at its default λ and at the selected one.
MODELS = ("senn", "prototype", "representer", "leveling", "mlp")
FULL = dict(sets=SETS, rows=None, n_explain=200, eps=0.1, n_calls=6, lime_samples=5000, shap_nsamples="auto",
            overrides={}, mlp_overrides={}, lams=LAMS, models=MODELS)
QUICK = dict(sets=("compas", "pima_diabetes"), rows=300, n_explain=12, eps=0.1, n_calls=2, lime_samples=200,
             shap_nsamples=60, overrides={"max_epochs": 2}, mlp_overrides={"max_iter": 5}, lams=(0.01, 1.0),
             models=MODELS)
SEED = 0


def _params(ctx):
    return QUICK if ctx.quick else FULL


def _load(name, data_home, rows):
    if name == "compas":
        X, y = datasets.fetch_compas(features="senn", data_home=data_home, return_X_y=True)
    else:
        X, y = getattr(datasets, f"fetch_{name}")(data_home=data_home, return_X_y=True)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    if rows is not None and rows < len(X):
        X, _, y, _ = train_test_split(X, y, train_size=rows, stratify=y, random_state=SEED)
    return X, y


def _split(X, y, n_explain):
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=SEED)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    n_explain = min(n_explain, len(X_test))
    if n_explain < len(X_test):
        explained, _ = train_test_split(np.arange(len(X_test)), train_size=n_explain, stratify=y_test,
                                        random_state=SEED)
    else:
        explained = np.arange(len(X_test))
    return X_train, X_test, y_train, y_test, X_test[np.sort(explained)]


def _stability_scorer(p):
    return make_explanation_scorer("local_lipschitz", eps=p["eps"], n_calls=p["n_calls"], random_state=SEED,
                                   key="relevances")


def stable_within_one_point(results):
    """GridSearchCV refit: the most stable candidate among those within 0.01 of the best accuracy."""
    accuracy = results["mean_test_accuracy"]
    close = accuracy >= accuracy.max() - 0.01
    return int(np.argmax(np.where(close, results["mean_test_stability"], -np.inf)))


def _select_lam(X_train, y_train, p):
    validation = StratifiedShuffleSplit(n_splits=1, test_size=0.25, random_state=SEED)
    senn = SENNClassifier(random_state=SEED, device="cpu", **p["overrides"])
    search = GridSearchCV(senn, {"lam": list(p["lams"])}, cv=validation,
                          scoring={"accuracy": "accuracy", "stability": _stability_scorer(p)},
                          refit=stable_within_one_point)
    search.fit(X_train, y_train)
    grid = [{"lam": lam, "validation_accuracy": float(acc), "validation_median_L_theta": float(-stab)}
            for lam, acc, stab in zip(p["lams"], search.cv_results_["mean_test_accuracy"],
                                      search.cv_results_["mean_test_stability"])]
    return search.best_estimator_, search.best_params_["lam"], grid


def _models(X_train, y_train, p):
    """The fitted models by label, their fit seconds (the selected SENN's: its whole search), the search.

    Only the groups in ``p["models"]`` (see :data:`MODELS`); without "senn"
    there is no λ search (``lam`` None, ``grid`` empty).
    """
    ours = dict(random_state=SEED, device="cpu", **p["overrides"])
    models, selected, lam, grid, selection_s = {}, None, None, [], None
    if "senn" in p["models"]:
        start = time.perf_counter()
        selected, lam, grid = _select_lam(X_train, y_train, p)
        selection_s = time.perf_counter() - start
        # The same model when λ is the default (same data, parameters and seed): measured once.
        same = lam == SENNClassifier().lam
        default = "SENN λ=0.01 (default = selected)" if same else "SENN λ=0.01 (default)"
        models[default] = SENNClassifier(**ours)
        if not same:
            models[f"SENN λ={lam:g} (selected)"] = selected
    others = {"prototype": ("Prototype", lambda: PrototypeClassifier(**ours)),
              "representer": ("SparseRepresenter", lambda: SparseRepresenterClassifier(**ours)),
              "leveling": ("FeatureLeveling", lambda: FeatureLevelingClassifier(**ours)),
              "mlp": ("MLP", lambda: MLPClassifier(random_state=SEED, **p["mlp_overrides"]))}
    models.update({label: make() for group, (label, make) in others.items() if group in p["models"]})
    fit_s = {}
    for name, model in models.items():
        start = time.perf_counter()
        if model is not selected:
            model.fit(X_train, y_train)
        fit_s[name] = selection_s if model is selected else time.perf_counter() - start
    return models, fit_s, lam, grid


def _explainers(name, model, X_train, p):
    """``(explainer label, explainer, key, is the model's own explanation)`` for one model."""
    senn = name.startswith("SENN")
    if senn:
        own = [("own θ (relevances)", model, "relevances", True),
               ("own θ·h (contributions)", model, "contributions", True)]
    else:
        own = [] if name == "MLP" else [("own (contributions)", model, "contributions", True)]
    modes = ("fresh", "fixed") if senn else ("fresh",)
    post_hoc = [(f"LIME {mode}", LimeExplainer(model, num_samples=p["lime_samples"], sampling=mode,
                                               random_state=SEED)) for mode in modes]
    post_hoc += [(f"KernelSHAP {mode}", KernelShapExplainer(model, nsamples=p["shap_nsamples"], sampling=mode,
                                                          random_state=SEED)) for mode in modes]
    if senn:
        post_hoc.append(("IntegratedGradients", IntegratedGradientsExplainer(model)))
    return own + [(label, explainer.fit(X_train), "contributions", False) for label, explainer in post_hoc]


def _attribution_norms(explainer, X, key):
    model, X = explaining_model(explainer, X)
    explanation = explain(model, X, None, key)
    values = attributions(explanation, target_indices(explanation), key)
    return np.linalg.norm(values.reshape(len(X), -1), axis=1)


def _timed_norms(explainer, X, key):
    """Attribution norms, and the seconds per sample of ``explain`` (fastest of up to 5 calls within 1 s)."""
    times = []
    while len(times) < 5 and sum(times) < 1.0:
        start = time.perf_counter()
        norms = _attribution_norms(explainer, X, key)
        times.append(time.perf_counter() - start)
    return norms, min(times) / len(X)


def _measure(explainer, key, own, X_explain, p):
    norms, seconds = _timed_norms(explainer, X_explain, key)
    search = dict(eps=p["eps"], n_calls=p["n_calls"], random_state=SEED, key=key)
    ball = local_lipschitz(explainer, X_explain, **search)
    gradient = None
    if own:
        try:
            gradient = local_lipschitz(explainer, X_explain, method="gradient", **search)
        except ValueError:  # attributions that are not differentiable (the representer's)
            pass
    discrete = local_lipschitz(explainer, X_explain, method="discrete", key=key)
    faithfulness = faithfulness_correlation(explainer, X_explain, key=key)
    scale = float(np.median(norms))
    return {
        "faithfulness_median": float(np.nanmedian(faithfulness)),
        "L_ball_median": float(np.median(ball)),
        "L_ball_gradient_median": None if gradient is None else float(np.median(gradient)),
        "L_ball_scale_free": float(np.median(ball)) / scale if scale > 0 else None,
        "L_discrete_median": float(np.nanmedian(discrete)),
        "L_discrete_scale_free": float(np.nanmedian(discrete)) / scale if scale > 0 else None,
        "attribution_norm_median": scale,
        "seconds_per_sample": seconds,
    }, ball


def run_set(ctx, name, p=None, png_prefix="compare"):
    p = p or _params(ctx)
    start_set = time.perf_counter()
    X, y = _load(name, ctx.data_home, p["rows"])
    X_train, X_test, y_train, y_test, X_explain = _split(X, y, p["n_explain"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models, fit_s, lam, grid = _models(X_train, y_train, p)
    rows, per_sample = [], {}
    for model_name, model in models.items():
        accuracy = float(model.score(X_test, y_test))
        for label, explainer, key, own in _explainers(model_name, model, X_train, p):
            started = time.perf_counter()
            measured, ball = _measure(explainer, key, own, X_explain, p)
            per_sample[f"{model_name} | {label}"] = ball
            rows.append({"dataset": name, "model": model_name, "explainer": label, "test_acc": accuracy,
                         **measured, "fit_s": fit_s[model_name], "wall_s": time.perf_counter() - started})
            print(f"  [{name}] {model_name} / {label}: L {measured['L_ball_median']:.4g}, "
                  f"faithfulness {measured['faithfulness_median']:.3f}, "
                  f"{measured['seconds_per_sample']:.3g} s/sample",
                  flush=True)
    png = ctx.artifact(f"{png_prefix}_{name}.png")
    _png(rows, per_sample, png, name)
    columns = ["model", "explainer", "test_acc", "faithfulness_median", "L_ball_median",
               "L_ball_gradient_median", "L_ball_scale_free", "L_discrete_median", "L_discrete_scale_free",
               "seconds_per_sample"]
    ctx.record(name, rows, columns=columns, wall_s=time.perf_counter() - start_set,
               params={**{k: v for k, v in p.items() if k != "sets"}, "seed": SEED, "n_train": len(X_train),
                       "n_test": len(X_test), "n_features": X.shape[1], "n_classes": len(np.unique(y))},
               extra={"lam_grid": grid, "selected_lam": lam, "png": png.name,
                      "note": ("" if lam is None else f"selected λ = {lam:g}; ")
                              + f"per-sample ε-ball estimates in {png.name}"})
    return rows


def _png(rows, per_sample, path, name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(per_sample)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 0.32 * len(labels) + 1.8), sharey=True)
    values = [np.clip(per_sample[label], 1e-6, None) for label in labels]
    left.boxplot(values, orientation="horizontal", showfliers=True, flierprops={"markersize": 2})
    left.set_xscale("log")
    left.set_yticks(range(1, len(labels) + 1), labels, fontsize=7)
    left.set_xlabel("local Lipschitz estimate in the ε-ball (per test sample, log)")
    left.invert_yaxis()
    seconds = [row["seconds_per_sample"] for row in rows]
    right.barh(range(1, len(labels) + 1), seconds, color="tab:gray")
    right.set_xscale("log")
    right.set_xlabel("explanation seconds per sample (log)")
    fig.suptitle(f"{name}: stability and cost of each explainer (lower is better)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summary_rows(rows_by_set):
    """Per set and SENN model: the goal ratios, against LIME and KernelSHAP explaining that same model."""
    out = []
    for name, rows in rows_by_set.items():
        for model in dict.fromkeys(r["model"] for r in rows if r["model"].startswith("SENN")):
            by = {r["explainer"]: r for r in rows if r["model"] == model}
            senn = by["own θ (relevances)"]
            shap_cost = by["KernelSHAP fresh"]["seconds_per_sample"] / senn["seconds_per_sample"]
            for other in ("LIME fresh", "LIME fixed", "KernelSHAP fresh", "KernelSHAP fixed"):
                if other not in by:
                    continue
                ratio = {column: _ratio(by[other][column], senn[column])
                         for column in ("L_ball_median", "L_ball_scale_free", "L_discrete_median",
                                        "L_discrete_scale_free")}
                theta_h = by["own θ·h (contributions)"]["L_ball_median"]
                out.append({"dataset": name, "model": model, "test_acc": senn["test_acc"], "versus": other,
                            "L_ratio_ball": ratio["L_ball_median"],
                            "L_ratio_ball_scale_free": ratio["L_ball_scale_free"],
                            "L_ratio_discrete": ratio["L_discrete_median"],
                            "L_ratio_discrete_scale_free": ratio["L_discrete_scale_free"],
                            "L_ratio_ball_vs_theta_h": _ratio(by[other]["L_ball_median"], theta_h),
                            "goal_L_met": bool(ratio["L_ball_median"] >= GOALS["lipschitz_ratio"]),
                            "goal_L_met_scale_free": bool((ratio["L_ball_scale_free"] or 0)
                                                          >= GOALS["lipschitz_ratio"]),
                            "cost_ratio_vs_kernelshap": shap_cost,
                            "goal_cost_met": bool(shap_cost >= GOALS["cost_ratio"])})
    return out


def _ratio(numerator, denominator):
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _record_summary(ctx, rows_by_set):
    start = time.perf_counter()
    rows = summary_rows(rows_by_set)
    columns = ["dataset", "model", "test_acc", "versus", "L_ratio_ball", "L_ratio_ball_scale_free",
               "L_ratio_discrete", "L_ratio_discrete_scale_free", "L_ratio_ball_vs_theta_h", "goal_L_met",
               "goal_L_met_scale_free", "cost_ratio_vs_kernelshap", "goal_cost_met"]
    met = sum(r["goal_L_met"] for r in rows)
    met_scale_free = sum(r["goal_L_met_scale_free"] for r in rows)
    ctx.record("summary", rows, columns=columns, wall_s=time.perf_counter() - start,
               extra={"goals": GOALS,
                      "note": f"Lipschitz goal (ratio of medians, ε-ball, θ) met in {met} of {len(rows)} "
                              f"comparisons ({met_scale_free} scale-free); ratios are the other "
                              "explainer's median L over SENN's θ (≥ 10 is the goal), cost is KernelSHAP's "
                              "seconds per sample over SENN's (≥ 1000)"})


def run(ctx):
    rows_by_set = {name: run_set(ctx, name) for name in _params(ctx)["sets"]}
    _record_summary(ctx, rows_by_set)


def run_leveling(ctx):
    """Every set for the FeatureLeveling model alone (own result file ``compare.leveling``, no summary)."""
    p = {**_params(ctx), "models": ("leveling",)}
    for name in p["sets"]:
        run_set(ctx, name, p, png_prefix="compare_leveling")


def run_summary(ctx):
    """The summary of the per-set result files ``compare.<set>.json`` in the results folder."""
    rows_by_set = {}
    for name in _params(ctx)["sets"]:
        path = Path(ctx.results_dir) / f"compare.{name}{'.quick' if ctx.quick else ''}.json"
        if path.exists():
            rows_by_set[name] = [r for r in json.loads(path.read_text())["rows"] if r["section"] == name]
    if not rows_by_set:
        raise FileNotFoundError(f"no compare.<set> result files in {ctx.results_dir}; run those first.")
    _record_summary(ctx, rows_by_set)


def _set_runner(name):
    def run_one(ctx):
        run_set(ctx, name)

    run_one.__name__ = f"run_{name}"
    return run_one


for _name in SETS:
    globals()[f"run_{_name}"] = _set_runner(_name)
