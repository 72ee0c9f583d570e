"""Choosing λ and η of a sparse representer model by accuracy and faithfulness, locally or on dask.
================================================================================================

Iwata & Yoshikawa tune η "using the validation data, where the geometric
mean of the test accuracy and faithfulness was used as the measurement"
(§4.2). This example does that with GridSearchCV over λ and η of a
SparseRepresenterClassifier in a Pipeline on the Glass data (one of the
paper's datasets), scored by sqrt(accuracy (eq. 18) x faithfulness with
U = 10 examples (eq. 19)). It prints the best parameters, the held-out
accuracy and faithfulness, and the 10 training examples of the best
model's global explanation (eqs. 20-22), in the units of the data, and
saves the plot of the three examples that explain one held-out glass.

The search runs in this process, or through joblib's dask backend on a dask
cluster (needs ``pip install sklearn-interp[dask]``): ``--scheduler`` connects
to a running scheduler (its workers must have sklearn_interp installed),
``--local-cluster`` starts two worker processes on 127.0.0.1.

Run from a shell::

    python examples/representer_grid_search.py [DATA_HOME] [OUT_DIR] [--quick]
        [--scheduler tcp://HOST:PORT | --local-cluster]

Glass is read from DATA_HOME, default the package's data home, and
downloaded there when missing; OUT_DIR defaults to examples/output; ``--quick``: a 2x2 grid trained briefly. The
full 3x6 grid, 54 fits and a refit, takes under a minute on 2 cores.
"""

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_interp import SparseRepresenterClassifier, explain
from sklearn_interp.datasets import fetch_glass
from sklearn_interp.metrics import faithfulness_score, make_accuracy_faithfulness_scorer

U = 10
# η from the paper's §4.2; λ around its default of 1 (Figs. 6-7 vary it).
FULL = dict(grid={"clf__lam": [0.1, 1.0, 10.0], "clf__eta": [0.0, 1e-4, 1e-3, 1e-2, 0.1, 1.0]},
            max_epochs=200, cv=3)
QUICK = dict(grid={"clf__lam": [0.1, 1.0], "clf__eta": [0.0, 0.01]}, max_epochs=20, cv=2)

# beside this script (sphinx-gallery, which runs the examples for the docs, defines no __file__)
OUTPUT_DIR = Path(sys.argv[0]).resolve().parent / "output"


def make_search(grid, max_epochs, cv):
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", SparseRepresenterClassifier(max_epochs=max_epochs, random_state=0))])
    return GridSearchCV(pipe, grid, scoring=make_accuracy_faithfulness_scorer(U), cv=cv)


def fit(search, X, y, scheduler=None, local_cluster=False):
    """Fit ``search`` here, or on the dask cluster at ``scheduler`` or a new local one."""
    if scheduler is None and not local_cluster:
        return search.fit(X, y)
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        if local_cluster:
            scheduler = stack.enter_context(LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                                         dashboard_address=None))
        client = stack.enter_context(Client(scheduler))
        print(f"searching on the dask cluster at {client.scheduler.address} "
              f"({len(client.scheduler_info()['workers'])} workers)")
        with joblib.parallel_config(backend="dask"):
            return search.set_params(n_jobs=-1).fit(X, y)


def global_explanation(best, X_train):
    """The U examples of the best model's explanation model, with their rows of ``X_train``.

    "label" is the example's own glass type; "acts on class" the class its
    influence pushes towards (α > 0) or away from (α < 0).
    """
    explanation = best[-1].explain_global(U, include_examples=False)
    rows = X_train.iloc[explanation["example_indices"]]
    return pd.DataFrame({"label": explanation["example_labels"], "acts on class": explanation["example_classes"],
                         "influence": explanation["influences"]}, index=rows.index.rename("row")).join(rows)


def main(data_home=None, out_dir=None, scheduler=None, local_cluster=False, quick=False):
    glass = fetch_glass(data_home=data_home)
    X = pd.DataFrame(glass.data, columns=glass.feature_names)
    y = np.asarray(glass.target_names)[glass.target]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

    settings = QUICK if quick else FULL
    search = fit(make_search(**settings), X_train, y_train, scheduler, local_cluster)
    best = search.best_estimator_
    print(f"best parameters: {search.best_params_} (cross-validated sqrt(accuracy x faithfulness) "
          f"{search.best_score_:.3f})")
    print(f"test accuracy: {best.score(X_test, y_test):.3f}, faithfulness with U={U} examples: "
          f"{faithfulness_score(best, X_test, n_examples=U):.3f} ({len(X_test)} held-out glasses)")
    print(f"\nthe {U} training examples of the explanation model:")
    print(global_explanation(best, X_train).round(3).to_string())

    out_dir = Path(out_dir or OUTPUT_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    ax = explain(best, X_test.iloc[:1], n_examples=3)[0].plot()
    ax.figure.savefig(out_dir / "representer_glass_explanation.png", dpi=100, bbox_inches="tight")
    print(f"saved the 3 examples that explain glass {X_test.index[0]} in {out_dir}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Choosing λ and η of a sparse representer model by accuracy and faithfulness, locally or on dask.')
    parser.add_argument("data_home", nargs="?", default=None, help="folder holding glass/glass.data")
    parser.add_argument("out_dir", nargs="?", default=None, help="where to save the PNG")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a running dask scheduler, e.g. tcp://127.0.0.1:8786")
    where.add_argument("--local-cluster", action="store_true", help="start a local dask cluster")
    parser.add_argument("--quick", action="store_true", help="a small grid trained briefly (for tests)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(**vars(parse_args()))
