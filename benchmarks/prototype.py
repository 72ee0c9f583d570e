"""The ``prototype`` benchmark: PrototypeClassifier (Li, Liu, Chen & Rudin, AAAI 2018).

Sections (each also runnable alone as ``prototype.<section>``):

fashion_mnist
    The standard 60000/10000 split, the paper's architecture (conv channels
    32/32/32/10, sigmoid, 15 prototypes, lambda = lambda1 = lambda2 = 0.05,
    batch 250) for a small epoch budget, beside the paper's 89.95 % (1500
    epochs, lr 1e-4, elastic deformation), and the plain-CNN ablation
    (:mod:`benchmarks.cnn`) for the same budget. Interpretability figures and
    a PNG of the decoded prototypes (with each one's nearest training image).
mnist
    The 60000 MNIST training images are not available here, so: a fixed
    stratified split of the 10000 test images, 8000 train / 2000 test
    (``train_test_split(..., stratify=y, random_state=0)``), beside the
    paper's 99.22 % (55000 training images) and its CNN ablation 99.23 %.
tabular
    COMPAS (two-year recidivism, default features) and six UCI sets, 5-fold
    stratified CV accuracy of PrototypeClassifier vs StandardScaler +
    LogisticRegression and StandardScaler + MLPClassifier (hidden layers
    64-10-15, the widths of the prototype network's classification path).
overhead
    PrototypeClassifier.fit vs the hand loop of :mod:`benchmarks.harness`
    (COMPAS, and a Fashion-MNIST subset), with peak memory.
elastic
    The cost of elastic deformation: one-epoch fits with and without it.
"""

import functools
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_interp import PrototypeClassifier
from sklearn_interp import datasets

from .cnn import CNNClassifier
from .harness import EpochLog, peak_memory, stratified_subset, time_against_hand_loop

SEED = 0
PAPER = {
    "fashion_mnist": {"PrototypeClassifier": 0.8995},
    "fashion_mnist_long": {"PrototypeClassifier": 0.8995},
    "mnist": {"PrototypeClassifier": 0.9922, "CNN (ablation)": 0.9923},
}
PAPER_TRAINING = "1500 epochs, Adam lr 1e-4, batch 250, elastic deformation (sigma 4, alpha 20)"

# Budgets. The full ones are sized to finish in about 45 minutes on 2 CPU cores.
FULL = {
    "fashion_mnist": dict(n_train=None, n_test=None, epochs=25, batch_size=250, lr=2e-3),
    "fashion_mnist_long": dict(n_train=None, n_test=None, epochs=100, batch_size=250, lr=2e-3),
    "mnist": dict(n_train=8000, n_test=2000, epochs=60, batch_size=250, lr=2e-3),
    "tabular": dict(datasets=("compas", "glass", "vehicle", "segment", "ionosphere", "pima_diabetes",
                              "heart_disease"),
                    folds=5, epochs=100, batch_size=64, lr=2e-3, n_prototypes=15, mlp_max_iter=500),
    "overhead": dict(compas_rows=None, compas_epochs=20, compas_batch_sizes=(64, 250), fmnist_rows=2000,
                     fmnist_epochs=2, fmnist_batch_size=250, repeats=3),
    "elastic": dict(n_train=2000, epochs=1, batch_size=250, repeats=2),
}
QUICK = {
    "fashion_mnist": dict(n_train=500, n_test=200, epochs=1, batch_size=100, lr=2e-3),
    "fashion_mnist_long": dict(n_train=500, n_test=200, epochs=2, batch_size=100, lr=2e-3),
    "mnist": dict(n_train=400, n_test=200, epochs=1, batch_size=100, lr=2e-3),
    "tabular": dict(datasets=("compas", "glass", "vehicle", "segment", "ionosphere"),
                    folds=2, epochs=1, batch_size=64, lr=2e-3, n_prototypes=15, mlp_max_iter=5),
    "overhead": dict(compas_rows=500, compas_epochs=1, compas_batch_sizes=(64,), fmnist_rows=200,
                     fmnist_epochs=1, fmnist_batch_size=100, repeats=1),
    "elastic": dict(n_train=200, epochs=1, batch_size=100, repeats=1),
}

IMAGE_COLUMNS = ["dataset", "model", "n_train", "n_test", "epochs", "batch_size", "lr", "test_acc",
                 "paper_test_acc", "fit_s", "peak_rss_delta_mb", "final_train_loss",
                 "proto_nearest_sqdist_mean", "proto_nearest_sqdist_max", "test_nearest_proto_sqdist_mean",
                 "classes_covered"]


@functools.lru_cache(maxsize=2)
def _fashion_train(data_home):
    """The 60000 Fashion-MNIST training images, read once per process."""
    return datasets.fetch_fashion_mnist(subset="train", data_home=data_home)


def _params(section, ctx):
    return (QUICK if ctx.quick else FULL)[section]


def _fit_image_model(est, X_train, y_train, X_test, y_test, tag):
    est.set_params(callbacks=[EpochLog(tag)])
    start = time.perf_counter()
    _, memory = peak_memory(lambda: est.fit(X_train, y_train))
    fit_s = time.perf_counter() - start
    acc = float(np.mean(est.predict(X_test) == y_test))
    row = {
        "n_train": len(X_train), "n_test": len(X_test), "epochs": est.max_epochs,
        "batch_size": est.batch_size, "lr": est.lr, "test_acc": acc, "fit_s": fit_s,
        "peak_rss_delta_mb": memory["peak_rss_delta_mb"],
        "final_train_loss": float(est.net_.history[-1, "train_loss"]),
    }
    est.set_params(callbacks=None)
    return row, memory["method"], list(est.net_.history[:, "train_loss"])


def _prototype_figures(clf, y_train, X_test):
    """Interpretability figures of a fitted PrototypeClassifier."""
    nearest = clf.prototype_nearest_distances_
    test_distances = clf.explain(X_test, n_nearest=1)["nearest_distances"][:, 0]
    classes = np.unique(y_train[clf.prototype_nearest_indices_])
    return {
        "proto_nearest_sqdist_mean": float(np.mean(nearest)),
        "proto_nearest_sqdist_max": float(np.max(nearest)),
        "test_nearest_proto_sqdist_mean": float(np.mean(test_distances)),
        "classes_covered": f"{len(classes)}/{len(clf.classes_)}",
    }


def _save_prototype_png(clf, y_train, target_names, path, title):
    """Grid: decoded prototypes (top) over their nearest training images (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    decoded = clf.decoded_prototypes_[:, 0]
    nearest = clf.prototype_nearest_examples_[:, 0]
    m = len(decoded)
    fig, axes = plt.subplots(2, m, figsize=(1.1 * m, 2.9), squeeze=False)
    for j in range(m):
        label = y_train[clf.prototype_nearest_indices_[j]]
        name = target_names[label] if target_names is not None else str(label)
        axes[0, j].imshow(decoded[j], cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(f"p{j}\n{name}", fontsize=6)
        axes[1, j].imshow(nearest[j], cmap="gray", vmin=0, vmax=1)
        axes[1, j].set_title(f"d={clf.prototype_nearest_distances_[j]:.2f}", fontsize=6)
        for ax in axes[:, j]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("decoded", fontsize=7)
    axes[1, 0].set_ylabel("nearest\ntrain", fontsize=7)
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _image_benchmark(ctx, section, dataset, X_train, y_train, X_test, y_test, target_names, split_note):
    p = _params(section, ctx)
    start = time.perf_counter()
    rows, losses = [], {}
    proto = PrototypeClassifier(batch_size=p["batch_size"], lr=p["lr"], max_epochs=p["epochs"],
                                early_stopping=False, tol=None, device="cpu", random_state=SEED)
    row, method, losses["PrototypeClassifier"] = _fit_image_model(proto, X_train, y_train, X_test, y_test,
                                                                  f"{dataset} proto")
    row.update(_prototype_figures(proto, y_train, X_test))
    rows.append({"dataset": dataset, "model": "PrototypeClassifier", **row,
                 "paper_test_acc": PAPER[section].get("PrototypeClassifier")})
    png = ctx.artifact(f"prototype_{section}_prototypes.png")
    _save_prototype_png(proto, y_train, target_names, png,
                        f"{dataset}: {proto.n_prototypes} decoded prototypes (top) and their nearest "
                        f"training images (bottom), {p['epochs']} epochs, test acc {row['test_acc']:.4f}")
    cnn = CNNClassifier(batch_size=p["batch_size"], lr=p["lr"], max_epochs=p["epochs"], tol=None, device="cpu",
                        random_state=SEED)
    row, _, losses["CNN (ablation)"] = _fit_image_model(cnn, X_train, y_train, X_test, y_test, f"{dataset} cnn")
    rows.append({"dataset": dataset, "model": "CNN (ablation)", **row,
                 "paper_test_acc": PAPER[section].get("CNN (ablation)")})
    ctx.record(
        section, rows,
        params={**p, "n_prototypes": proto.n_prototypes, "lam_recon": proto.lam_recon, "lam_r1": proto.lam_r1,
                "lam_r2": proto.lam_r2, "conv_channels": proto.conv_channels, "optimizer": "adam",
                "early_stopping": False, "tol": None,
                "elastic_deformation": False, "split": split_note, "paper_training": PAPER_TRAINING,
                "cnn": "ConvEncoder(32/32/32/10, ReLU) -> Linear(40,15) -> ReLU -> Linear(15,10)"},
        seeds={"random_state": SEED},
        columns=IMAGE_COLUMNS,
        wall_s=time.perf_counter() - start,
        extra={"memory_method": method, "train_loss_per_epoch": losses, "png": png.name,
               "note": f"{split_note}; {p['epochs']} epochs at lr {p['lr']} (paper: {PAPER_TRAINING})"},
    )


def run_fashion_mnist(ctx, section="fashion_mnist"):
    p = _params(section, ctx)
    train = _fashion_train(ctx.data_home)
    X_test, y_test = datasets.fetch_fashion_mnist(subset="test", data_home=ctx.data_home, return_X_y=True)
    X_train, y_train = stratified_subset(train.data, train.target, p["n_train"])
    X_test, y_test = stratified_subset(X_test, y_test, p["n_test"])
    note = ("standard split, 60000 train / 10000 test" if p["n_train"] is None
            else f"stratified subsets: {len(X_train)} train / {len(X_test)} test")
    _image_benchmark(ctx, section, "Fashion-MNIST", X_train, y_train, X_test, y_test,
                     train.target_names, note)


def run_fashion_mnist_long(ctx):
    """Fashion-MNIST with a 4x longer budget (100 epochs), run on its own (~45 min on 2 cores)."""
    run_fashion_mnist(ctx, section="fashion_mnist_long")


def run_mnist(ctx):
    p = _params("mnist", ctx)
    mnist = datasets.fetch_mnist(subset="test", data_home=ctx.data_home)
    X_train, X_test, y_train, y_test = train_test_split(
        mnist.data, mnist.target, train_size=p["n_train"], test_size=p["n_test"], stratify=mnist.target,
        random_state=SEED,
    )
    note = (f"stratified split of the 10000 MNIST test images (training images unavailable): "
            f"{len(X_train)} train / {len(X_test)} test, random_state={SEED}")
    _image_benchmark(ctx, "mnist", "MNIST (10k test set split)", X_train, y_train, X_test, y_test,
                     mnist.target_names, note)


def _tabular_models(p):
    return {
        "PrototypeClassifier": PrototypeClassifier(
            n_prototypes=p["n_prototypes"], max_epochs=p["epochs"], batch_size=p["batch_size"], lr=p["lr"],
            early_stopping=False, tol=None, device="cpu", random_state=SEED),
        "LogisticRegression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "MLPClassifier": make_pipeline(
            StandardScaler(), MLPClassifier(hidden_layer_sizes=(64, 10, 15), max_iter=p["mlp_max_iter"],
                                            random_state=SEED)),
    }


def run_tabular(ctx):
    p = _params("tabular", ctx)
    start = time.perf_counter()
    rows = []
    cv = StratifiedKFold(n_splits=p["folds"], shuffle=True, random_state=SEED)
    for name in p["datasets"]:
        X, y = getattr(datasets, f"fetch_{name}")(data_home=ctx.data_home, return_X_y=True)
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        for model_name, model in _tabular_models(p).items():
            scores, times, distances = [], [], []
            for train, test in cv.split(X, y):
                est = clone(model)
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    est.fit(X[train], y[train])
                times.append(time.perf_counter() - t0)
                scores.append(float(np.mean(est.predict(X[test]) == y[test])))
                if model_name == "PrototypeClassifier":
                    distances.append(float(np.mean(est.prototype_nearest_distances_)))
            row = {"dataset": name, "model": model_name, "n_samples": len(X), "n_features": X.shape[1],
                   "n_classes": len(np.unique(y)), "cv_acc_mean": float(np.mean(scores)),
                   "cv_acc_std": float(np.std(scores)), "fit_s_mean": float(np.mean(times)),
                   "fold_acc": scores}
            if distances:
                row["proto_nearest_sqdist_mean"] = float(np.mean(distances))
            rows.append(row)
            print(f"  [tabular] {name:14s} {model_name:20s} {row['cv_acc_mean']:.4f} ± {row['cv_acc_std']:.4f}",
                  flush=True)
    ctx.record(
        "tabular", rows,
        params={**p, "prototype": "PrototypeClassifier defaults (hidden (64,), latent 10, lambdas 0.05) with "
                f"n_prototypes={p['n_prototypes']}, max_epochs={p['epochs']}, batch_size={p['batch_size']}, "
                f"lr={p['lr']}, early_stopping=False, tol=None",
                "logistic": "StandardScaler + LogisticRegression(max_iter=2000)",
                "mlp": f"StandardScaler + MLPClassifier((64, 10, 15), max_iter={p['mlp_max_iter']})",
                "compas": "fetch_compas(features='default'), 16 columns, two_year_recid"},
        seeds={"StratifiedKFold": SEED, "random_state": SEED},
        columns=["dataset", "model", "n_samples", "n_features", "n_classes", "cv_acc_mean", "cv_acc_std",
                 "fit_s_mean", "proto_nearest_sqdist_mean"],
        wall_s=time.perf_counter() - start,
        extra={"note": f"{p['folds']}-fold stratified CV (shuffle, random_state={SEED}); no paper figures "
                       "(Li et al. report no tabular results)"},
    )


def run_overhead(ctx):
    p = _params("overhead", ctx)
    start = time.perf_counter()
    rows, method = [], None
    X, y = datasets.fetch_compas(data_home=ctx.data_home, return_X_y=True)
    X, y = stratified_subset(np.asarray(X), np.asarray(y), p["compas_rows"])
    for batch_size in p["compas_batch_sizes"]:
        est = PrototypeClassifier(max_epochs=p["compas_epochs"], batch_size=batch_size, lr=0.002,
                                  early_stopping=False, tol=None, device="cpu", random_state=SEED)
        res = time_against_hand_loop(est, X, y, repeats=p["repeats"])
        method = res.pop("memory_method")
        rows.append({"case": f"COMPAS {len(X)} rows", **res})
    fmnist = _fashion_train(ctx.data_home)
    X, y = stratified_subset(fmnist.data, fmnist.target, p["fmnist_rows"])
    est = PrototypeClassifier(max_epochs=p["fmnist_epochs"], batch_size=p["fmnist_batch_size"], lr=0.002,
                              early_stopping=False, tol=None, device="cpu", random_state=SEED)
    res = time_against_hand_loop(est, X, y, repeats=p["repeats"])
    res.pop("memory_method")
    rows.append({"case": f"Fashion-MNIST {len(X)} images", **res})
    ctx.record(
        "overhead", rows,
        params={**p, "lr": 0.002, "early_stopping": False, "tol": None}, seeds={"random_state": SEED},
        columns=["case", "batch_size", "epochs", "steps", "fit_s", "hand_s", "ratio", "ratio_median",
                 "fit_epochs_s", "max_param_diff", "fit_peak_rss_delta_mb", "hand_peak_rss_delta_mb",
                 "fit_tracemalloc_peak_mb", "hand_tracemalloc_peak_mb"],
        wall_s=time.perf_counter() - start,
        extra={"memory_method": method,
               "note": f"best of {p['repeats']}; fit_s includes validation and _after_fit (prototype "
                       "statistics over the training set), fit_epochs_s only skorch's epochs"},
    )


def run_elastic(ctx):
    p = _params("elastic", ctx)
    start = time.perf_counter()
    fmnist = _fashion_train(ctx.data_home)
    X, y = stratified_subset(fmnist.data, fmnist.target, p["n_train"])
    times = {False: [], True: []}
    for _ in range(p["repeats"]):
        for elastic in (False, True):
            est = PrototypeClassifier(max_epochs=p["epochs"], batch_size=p["batch_size"], lr=0.002,
                                      early_stopping=False, tol=None, device="cpu", random_state=SEED,
                                      elastic_deformation=elastic)
            t0 = time.perf_counter()
            est.fit(X, y)
            times[elastic].append(time.perf_counter() - t0)
    rows = [{"case": f"Fashion-MNIST {len(X)} images, {p['epochs']} epoch(s)", "batch_size": p["batch_size"],
             "fit_s_plain": min(times[False]), "fit_s_elastic": min(times[True]),
             "elastic_cost_ratio": min(times[True]) / min(times[False])}]
    ctx.record("elastic", rows, params={**p, "lr": 0.002, "early_stopping": False, "tol": None,
                                        "elastic_sigma": 4.0, "elastic_alpha": 20.0},
               seeds={"random_state": SEED}, wall_s=time.perf_counter() - start,
               extra={"note": f"best of {p['repeats']}; kornia elastic_transform2d per training batch"})


SECTIONS = [run_fashion_mnist, run_mnist, run_tabular, run_overhead, run_elastic]


def run(ctx):
    for section in SECTIONS:
        section(ctx)
