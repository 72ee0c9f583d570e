import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.dummy import DummyClassifier
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_interp import SparseRepresenterClassifier, SparseRepresenterRegressor
from sklearn_interp.metrics import (
    faithfulness_score,
    make_accuracy_faithfulness_scorer,
    make_faithfulness_scorer,
)

from .conftest import FAST

GRID = {"clf__lam": [0.0, 1.0], "clf__eta": [0.0, 0.01]}


class FixedClassifier(ClassifierMixin, BaseEstimator):
    """g and h with fixed labels: they agree on 3 of 4 samples; records the U it was asked for."""

    def predict(self, X):
        return np.array(["a", "b", "b", "a"])[: len(X)]

    def predict_explained(self, X, n_examples=None):
        self.n_examples_asked_ = n_examples
        return np.array(["a", "b", "a", "a"])[: len(X)]


class FixedRegressor(RegressorMixin, BaseEstimator):
    def predict(self, X):
        return np.array([1.0, 2.0, 3.0, 4.0])

    def predict_explained(self, X, n_examples=None):
        return np.array([1.0, 2.0, 3.0, 5.0])


def pipeline(**params):
    return Pipeline([("scale", StandardScaler()), ("clf", SparseRepresenterClassifier(**dict(FAST, tol=None, **params)))])


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def fitted_classifier(iris):
    return SparseRepresenterClassifier(**FAST).fit(*iris)


@pytest.fixture(scope="module")
def fitted_pipeline(iris):
    return pipeline().fit(*iris)


def test_faithfulness_is_the_share_of_agreeing_labels_eq19(iris, fitted_classifier):
    X, clf = iris[0], fitted_classifier
    agree = clf.predict(X) == clf.predict_explained(X, n_examples=1)  # one example: one class
    assert 0 < agree.mean() < 1  # a case where the score could be wrong both ways
    assert faithfulness_score(clf, X, n_examples=1) == agree.mean()


def test_fixed_estimator_gives_exact_values():
    X, y = np.zeros((4, 2)), np.array(["a", "b", "a", "b"])
    estimator = FixedClassifier()
    assert faithfulness_score(estimator, X, n_examples=7) == 0.75
    assert estimator.n_examples_asked_ == 7
    # accuracy of g = 2/4 (samples 0 and 1)
    assert make_accuracy_faithfulness_scorer(7)(estimator, X, y) == np.sqrt(0.5 * 0.75)
    assert make_faithfulness_scorer(7)(estimator, X, y) == 0.75


def test_pipeline_uses_its_last_step_on_transformed_input(iris, fitted_pipeline):
    X, y = iris
    clf, Xt = fitted_pipeline[-1], fitted_pipeline[:-1].transform(X)
    expected = np.mean(clf.predict(Xt) == clf.predict_explained(Xt, n_examples=5))
    assert faithfulness_score(fitted_pipeline, X, n_examples=5) == expected
    accuracy = accuracy_score(y, fitted_pipeline.predict(X))
    assert make_accuracy_faithfulness_scorer(5)(fitted_pipeline, X, y) == np.sqrt(accuracy * expected)


def test_grid_search_over_lam_and_eta_scores_by_the_geometric_mean(iris):
    X, y = iris
    scorer = make_accuracy_faithfulness_scorer(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # n_examples=5 may exceed a candidate's nonzero influences: no warning
        search = GridSearchCV(pipeline(), GRID, scoring=scorer, cv=2, error_score="raise").fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    params = search.cv_results_["params"]
    # lam=0 with eta > 0 closes every gate: no explanation model, the worst faithfulness.
    collapsed = np.array([p["clf__lam"] == 0.0 and p["clf__eta"] > 0 for p in params])
    assert (scores[collapsed] == 0).all() and (scores[~collapsed] > 0).all()
    # The best candidate's CV score, refitted by hand on the same folds (fits are seeded).
    by_hand = [scorer(clone(search.estimator).set_params(**search.best_params_).fit(X[train], y[train]),
                      X[test], y[test])
               for train, test in StratifiedKFold(2).split(X, y)]
    assert search.best_score_ == pytest.approx(np.mean(by_hand), abs=1e-12)
    best = search.best_estimator_
    accuracy = accuracy_score(y, best.predict(X))
    n_examples = min(5, np.count_nonzero(best[-1].influences_))
    assert scorer(best, X, y) == np.sqrt(accuracy * faithfulness_score(best, X, n_examples))


def test_a_candidate_whose_gates_all_close_scores_0_without_warning(iris):
    X, y = iris
    closed = pipeline(eta=10.0).fit(X, y)
    assert closed[-1].influences_.shape == (0, 3)
    scoring = {"faithfulness": make_faithfulness_scorer(5), "both": make_accuracy_faithfulness_scorer(5)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search = GridSearchCV(pipeline(), {"clf__eta": [0.0, 10.0]}, scoring=scoring, refit="both", cv=2,
                              error_score="raise").fit(X, y)
    for name in scoring:
        open_gates, closed_gates = search.cv_results_[f"mean_test_{name}"]
        assert open_gates > 0 and closed_gates == 0.0
    assert search.best_params_ == {"clf__eta": 0.0}
    with pytest.warns(UserWarning, match="no example"):
        assert faithfulness_score(closed, X) == 0.0
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="no example"):
        closed[-1].predict_explained(closed[:-1].transform(X))  # called directly, it still raises


@pytest.mark.parametrize("factory", [make_faithfulness_scorer, make_accuracy_faithfulness_scorer])
def test_scorers_use_every_nonzero_influence_without_warning(factory, iris, fitted_classifier):
    X, y = iris
    n_nonzero = np.count_nonzero(fitted_classifier.influences_)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        score = factory(n_nonzero + 5)(fitted_classifier, X, y)
    assert score == factory(n_nonzero)(fitted_classifier, X, y)


def test_scorers_in_a_dict_with_cross_validate(iris):
    X, y = iris
    scoring = {"accuracy": "accuracy", "faithfulness": make_faithfulness_scorer(10),
               "both": make_accuracy_faithfulness_scorer(10)}
    result = cross_validate(pipeline(lam=1.0, eta=0.0), X, y, scoring=scoring, cv=2, error_score="raise")
    assert np.allclose(result["test_both"], np.sqrt(result["test_accuracy"] * result["test_faithfulness"]))


@pytest.mark.parametrize("factory", [make_faithfulness_scorer, make_accuracy_faithfulness_scorer])
def test_scorers_pickle_and_have_a_readable_repr(factory, iris, fitted_pipeline):
    scorer = factory(4)
    assert repr(scorer) == f"{factory.__name__}(n_examples=4)"
    restored = pickle.loads(pickle.dumps(scorer))
    assert repr(restored) == repr(scorer)
    assert restored(fitted_pipeline, *iris) == scorer(fitted_pipeline, *iris)


def test_regressor_faithfulness_is_r2_of_h_against_g():
    X, y = load_diabetes(return_X_y=True)
    reg = SparseRepresenterRegressor(**FAST).fit(X, y / y.std())
    expected = r2_score(reg.predict(X), reg.predict_explained(X, n_examples=10))
    assert faithfulness_score(reg, X, n_examples=10) == expected
    # R² is not symmetric: g's predictions are the truth.
    assert faithfulness_score(FixedRegressor(), np.zeros((4, 1))) == 1 - 1 / 5


def test_an_estimator_without_predict_explained_is_a_type_error(iris):
    X, y = iris
    model = DummyClassifier().fit(X, y)
    with pytest.raises(TypeError, match="DummyClassifier.*predict_explained"):
        faithfulness_score(model, X)
    with pytest.raises(TypeError, match="DummyClassifier"):
        pipe = Pipeline([("scale", StandardScaler()), ("dummy", model)]).fit(X, y)
        make_accuracy_faithfulness_scorer()(pipe, X, y)


def test_geometric_mean_scorer_rejects_regressors():
    with pytest.raises(ValueError, match="needs a classifier"):
        make_accuracy_faithfulness_scorer()(FixedRegressor(), np.zeros((4, 1)), np.zeros(4))


def test_the_warning_of_predict_explained_passes_through(iris, fitted_classifier):
    X, clf = iris[0], fitted_classifier
    n_nonzero = np.count_nonzero(clf.influences_)
    with pytest.warns(UserWarning, match="nonzero influences"):
        score = faithfulness_score(clf, X, n_examples=n_nonzero + 1)
    assert score == faithfulness_score(clf, X, n_examples=n_nonzero)


@pytest.mark.parametrize("n_examples", [0, 2.5, "10"])
def test_invalid_n_examples(n_examples):
    with pytest.raises(ValueError, match="n_examples"):
        make_faithfulness_scorer(n_examples)
