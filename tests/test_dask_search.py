"""GridSearchCV of a SparseRepresenterClassifier run on a dask cluster through joblib."""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_interp import SparseRepresenterClassifier
from sklearn_interp.metrics import make_accuracy_faithfulness_scorer

from .conftest import FAST

distributed = pytest.importorskip("distributed")

GRID = {"clf__lam": [0.5, 1.0], "clf__eta": [0.0, 0.01]}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A Client of a two-process LocalCluster on 127.0.0.1, closed after the tests even when they fail."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None,
                                  local_directory=str(tmp_path_factory.mktemp("dask"))) as cluster:
        with distributed.Client(cluster) as client:
            yield client


def search(n_jobs):
    pipe = Pipeline([("scale", StandardScaler()), ("clf", SparseRepresenterClassifier(**FAST))])
    return GridSearchCV(pipe, GRID, scoring=make_accuracy_faithfulness_scorer(5), cv=2, n_jobs=n_jobs,
                        error_score="raise")


@pytest.mark.slow  # about 30-50 s on two cores: two worker processes start and import torch
def test_grid_search_on_a_dask_cluster_equals_the_local_one(client):
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "n_examples=5 but", UserWarning)  # few examples may remain
        local = search(n_jobs=1).fit(X, y)
        with distributed.get_task_stream(client) as tasks, joblib.parallel_config(backend="dask"):
            remote = search(n_jobs=-1).fit(X, y)
    # The fits and scores ran as tasks on the cluster's workers (joblib may batch them).
    workers = {task["worker"] for task in tasks.data}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    for key in ["mean_test_score", "split0_test_score", "split1_test_score"]:
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
