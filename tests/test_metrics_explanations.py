"""Tests of faithfulness_correlation, local_lipschitz and make_explanation_scorer (SENN §5.3-5.4)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine, make_blobs
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, scale
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_interp import (Explanation, PrototypeClassifier, SENNClassifier, SENNRegressor,
                            SparseRepresenterClassifier)
from sklearn_interp._removal import softmax
from sklearn_interp.metrics import (faithfulness_correlation, lipschitz_estimate, local_lipschitz,
                                    make_explanation_scorer)

from .conftest import FAST


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return scale(X), y


@pytest.fixture(scope="module")
def senn(wine):
    return SENNClassifier(**FAST).fit(*wine)


class LinearExplainer:
    """A regressor explainer whose attributions are linear in x: contributions = x @ A.T per output."""

    def __init__(self, A):
        self.A = np.asarray(A, dtype=float)

    def explain(self, X):
        X = np.asarray(X, dtype=float)
        contributions = (X @ self.A.T)[:, None, :]
        return Explanation({"contributions": contributions}, {"contributions": ("sample", "output", "unit")})


class TableExplainer:
    """A classifier explainer with given contributions, predicted classes and removal scores."""

    def __init__(self, contributions, predicted, scores, removed, classes=("a", "b", "c")):
        self.contributions, self.predicted = np.asarray(contributions, dtype=float), np.asarray(predicted)
        self.scores, self.removed, self.classes = np.asarray(scores), np.asarray(removed), np.asarray(classes)

    def explain(self, X):
        data = {"contributions": self.contributions, "predicted_class": self.predicted}
        dims = {"contributions": ("sample", "class", "unit"), "predicted_class": ("sample",)}
        return Explanation(data, dims, {"class": self.classes})

    def _removal_scores(self, X, explanation, baseline=None):
        return self.scores, self.removed


# ----------------------------------------------------------- faithfulness
def test_faithfulness_correlates_the_predicted_class_attributions_with_its_drops():
    rng = np.random.default_rng(0)
    contributions = rng.normal(size=(4, 3, 5))
    scores = softmax(rng.normal(size=(4, 3)))
    removed = softmax(rng.normal(size=(4, 5, 3)))
    predicted = np.array(["c", "a", "b", "c"])
    explainer = TableExplainer(contributions, predicted, scores, removed)
    result = faithfulness_correlation(explainer, np.zeros((4, 2)))
    for i, c in enumerate([2, 0, 1, 2]):
        drops = scores[i, c] - removed[i, :, c]
        np.testing.assert_allclose(result[i], np.corrcoef(contributions[i, c], drops)[0, 1])


def test_faithfulness_is_nan_for_constant_attributions():
    contributions = np.zeros((1, 3, 4))
    removed = np.random.default_rng(0).uniform(size=(1, 4, 3))
    result = faithfulness_correlation(TableExplainer(contributions, ["a"], np.ones((1, 3)), removed), [[0.0]])
    assert np.isnan(result).all()


def test_senn_input_concepts_remove_features_by_the_training_mean_and_the_bias_by_its_term(senn, wine):
    X = wine[0][:6]
    explanation = senn.explain(X)
    scores, removed = senn._removal_scores(X, explanation)
    np.testing.assert_allclose(scores, senn.predict_proba(X), rtol=1e-6)
    for j in (0, 7):
        replaced = X.copy()
        replaced[:, j] = senn.input_offset_[j]
        np.testing.assert_allclose(removed[:, j], senn.predict_proba(replaced), rtol=1e-6)
    without_bias = explanation["logits"] - explanation["contributions"][:, :, -1]
    np.testing.assert_allclose(removed[:, -1], softmax(without_bias), rtol=1e-6)
    given = senn._removal_scores(X, explanation, baseline=np.full(13, 2.0))[1]
    replaced = X.copy()
    replaced[:, 3] = 2.0
    np.testing.assert_allclose(given[:, 3], senn.predict_proba(replaced), rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: SENNClassifier("autoencoder", n_concepts=4, **FAST),
    lambda: PrototypeClassifier(n_prototypes=5, **FAST),
    lambda: SparseRepresenterClassifier(**FAST),
])
def test_units_that_are_not_features_are_removed_by_their_term(make, wine):
    X, y = wine
    model = make().fit(X, y)
    explanation = model.explain(X[:5])
    scores, removed = model._removal_scores(X[:5], explanation)
    outputs = explanation["scores" if "scores" in explanation.keys() else "logits"]
    np.testing.assert_allclose(scores, softmax(outputs))
    for j in (0, 2):
        np.testing.assert_allclose(removed[:, j], softmax(outputs - explanation["contributions"][:, :, j]))
    result = faithfulness_correlation(model, X[:20])
    assert result.shape == (20,) and np.all(np.abs(result[~np.isnan(result)]) <= 1)


def test_senn_regressor_faithfulness_uses_the_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = 3 * X[:, 0] - X[:, 2]
    reg = SENNRegressor(**FAST).fit(X, y)
    explanation = reg.explain(X[:5])
    scores, removed = reg._removal_scores(X[:5], explanation)
    np.testing.assert_allclose(scores[:, 0], reg.predict(X[:5]), rtol=1e-6)
    replaced = X[:5].copy()
    replaced[:, 2] = reg.input_offset_[2]
    np.testing.assert_allclose(removed[:, 2, 0], reg.predict(replaced), rtol=1e-6)
    # The features that matter have the largest contributions and the largest drops.
    assert np.nanmedian(faithfulness_correlation(reg, X[:30])) > 0.5


def test_faithfulness_through_a_pipeline_is_the_last_steps_on_transformed_data(wine):
    X, y = load_wine(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), SENNClassifier(**FAST)).fit(X, y)
    np.testing.assert_allclose(faithfulness_correlation(pipe, X[:10]),
                               faithfulness_correlation(pipe[-1], pipe[0].transform(X[:10])))


def test_faithfulness_reads_another_key(senn, wine):
    X = wine[0][:10]
    relevances = faithfulness_correlation(senn, X, key="relevances")
    assert not np.allclose(relevances, faithfulness_correlation(senn, X))
    with pytest.raises(TypeError, match="'concepts' have the axes"):
        faithfulness_correlation(senn, X, key="concepts")


def test_faithfulness_rejects_a_non_explainer_and_a_wrong_baseline(senn, wine):
    from sklearn.linear_model import LogisticRegression

    logistic = LogisticRegression().fit(*wine)
    with pytest.raises(TypeError, match="no explain method"):
        faithfulness_correlation(logistic, wine[0][:5])
    with pytest.raises(ValueError, match="one value per feature"):
        faithfulness_correlation(senn, wine[0][:5], baseline=[0.0, 1.0])
    np.testing.assert_array_equal(faithfulness_correlation(senn, wine[0][:5], baseline=0.5),
                                  faithfulness_correlation(senn, wine[0][:5], baseline=np.full(13, 0.5)))


# ----------------------------------------------------------- local_lipschitz
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_search_bounds_a_linear_explainer_by_its_operator_norm(seed):
    A = np.array([[3.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.5]])
    X = np.random.default_rng(seed).normal(size=(30, 3))
    estimate, points = local_lipschitz(LinearExplainer(A), X, eps=0.2, n_calls=30, random_state=seed,
                                       return_points=True)
    assert np.all(estimate <= 3.0 + 1e-9)
    assert np.median(estimate) > 2.7  # the local search finds the top singular direction
    assert np.all(np.linalg.norm(points - X, axis=1) <= 0.2 + 1e-9)
    recomputed = np.linalg.norm((points - X) @ A.T, axis=1) / np.linalg.norm(points - X, axis=1)
    np.testing.assert_allclose(estimate, recomputed)


def test_search_is_seeded(senn, wine):
    X = wine[0][:10]
    first = local_lipschitz(senn, X, eps=0.1, n_calls=6, random_state=0)
    np.testing.assert_array_equal(first, local_lipschitz(senn, X, eps=0.1, n_calls=6, random_state=0))
    assert not np.array_equal(first, local_lipschitz(senn, X, eps=0.1, n_calls=6, random_state=1))


@pytest.mark.parametrize("method", ["search", "gradient"])
def test_estimate_is_the_ratio_at_the_returned_point_on_the_predicted_class(senn, wine, method):
    X = wine[0][:15]
    estimate, points = local_lipschitz(senn, X, eps=0.1, method=method, n_calls=8, random_state=0,
                                       key="relevances", return_points=True)
    assert np.all(np.linalg.norm(points - X, axis=1) <= 0.1 * (1 + 1e-9))
    c = np.searchsorted(senn.classes_, senn.predict(X))
    rows = np.arange(len(X))
    here, there = senn.explain(X)["relevances"][rows, c], senn.explain(points)["relevances"][rows, c]
    recomputed = np.linalg.norm(there - here, axis=1) / np.linalg.norm(points - X, axis=1)
    np.testing.assert_allclose(estimate, recomputed, rtol=1e-3)


def test_gradient_ascent_beats_the_start_and_needs_differentiable_attributions(senn, wine):
    X = wine[0][:20]
    one_step = local_lipschitz(senn, X, eps=0.1, method="gradient", n_calls=1, random_state=0)
    ascended = local_lipschitz(senn, X, eps=0.1, method="gradient", n_calls=10, random_state=0)
    assert np.all(ascended >= one_step) and np.median(ascended) > 1.05 * np.median(one_step)
    with pytest.raises(ValueError, match="method='search'"):
        local_lipschitz(LinearExplainer(np.eye(2)), np.ones((3, 2)), eps=0.1, method="gradient")
    with pytest.raises(ValueError, match="method='search'"):
        local_lipschitz(make_pipeline(StandardScaler(), SENNClassifier(**FAST)).fit(*wine), X, eps=0.1,
                        method="gradient")


def test_discrete_variant_reads_neighbours_on_the_samples_predicted_class():
    X = np.array([[0.0], [1.0], [5.0]])
    contributions = np.zeros((3, 2, 2))
    contributions[0, 0] = [1.0, 0.0]  # sample 0 predicts class 0
    contributions[1, 1] = [0.0, 2.0]  # sample 1 predicts class 1; its class-0 row is 0
    explainer = TableExplainer(contributions, ["a", "b", "b"], None, None, classes=("a", "b"))
    estimate, points = local_lipschitz(explainer, X, eps=1.5, method="discrete", return_points=True)
    # 0 -> 1 on class 0: ||0 - (1, 0)|| / 1;  1 -> 0 on class 1: ||0 - (0, 2)|| / 1;  2: no neighbour.
    np.testing.assert_allclose(estimate[:2], [1.0, 2.0])
    assert np.isnan(estimate[2])
    np.testing.assert_array_equal(points, [[1.0], [0.0], [5.0]])


def test_discrete_variant_shares_the_ratio_of_lipschitz_estimate(senn, wine):
    """With the concepts equal to the inputs, both estimates are the same computation."""
    X = wine[0][:40]

    class ConceptsAsInputs:
        def explain(self, Z):
            return {"relevances": senn.explain(Z)["relevances"], "concepts": np.asarray(Z)}

    class AllClasses:
        def explain(self, Z):
            relevances = senn.explain(Z)["relevances"].reshape(len(Z), 1, -1)
            return Explanation({"contributions": relevances}, {"contributions": ("sample", "output", "unit")})

    np.testing.assert_allclose(local_lipschitz(AllClasses(), X, method="discrete"),
                               lipschitz_estimate(ConceptsAsInputs(), X))


def test_dataframe_input_keeps_feature_names(wine):
    X = pd.DataFrame(wine[0], columns=[f"f{i}" for i in range(13)])
    clf = SENNClassifier(**FAST).fit(X, wine[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert local_lipschitz(clf, X.iloc[:5], eps=0.1, n_calls=2, random_state=0).shape == (5,)


def test_lipschitz_rejects_bad_parameters(senn, wine):
    with pytest.raises(ValueError, match="two distinct samples"):
        local_lipschitz(senn, wine[0][:1])
    with pytest.raises(InvalidParameterError):
        local_lipschitz(senn, wine[0][:5], method="bayes")
    with pytest.raises(InvalidParameterError):
        local_lipschitz(senn, wine[0][:5], n_calls=0)
    with pytest.raises(ValueError, match="0 samples"):
        local_lipschitz(senn, wine[0][:0], eps=0.1)
    with pytest.raises(ValueError, match="NaN or infinite"):
        local_lipschitz(senn, np.where(np.eye(5, 13) > 0, np.nan, wine[0][:5]), method="discrete")


# ----------------------------------------------------------- scorer
def test_scorers_aggregate_the_metric_with_the_sign_of_better(senn, wine):
    X = wine[0][:20]
    stability = make_explanation_scorer("local_lipschitz", eps=0.1, n_calls=4, random_state=0)
    assert stability(senn, X) == -np.median(local_lipschitz(senn, X, eps=0.1, n_calls=4, random_state=0))
    faithfulness = make_explanation_scorer(faithfulness_correlation, aggregate="mean")
    assert faithfulness(senn, X, wine[1][:20]) == np.nanmean(faithfulness_correlation(senn, X))
    restored = pickle.loads(pickle.dumps(stability))
    assert restored(senn, X) == stability(senn, X)
    assert repr(stability) == ("make_explanation_scorer(local_lipschitz, aggregate='median', eps=0.1, "
                               "n_calls=4, random_state=0)")


def test_scorer_needs_a_direction_for_other_metrics():
    with pytest.raises(ValueError, match="greater_is_better"):
        make_explanation_scorer(lambda explainer, X: np.zeros(len(X)))
    scorer = make_explanation_scorer(lambda explainer, X: np.full(len(X), np.nan), greater_is_better=True)
    assert np.isnan(scorer(None, np.zeros((3, 1))))
    with pytest.raises(InvalidParameterError):
        make_explanation_scorer("stability")


def test_grid_search_selects_lam_by_stability_within_one_point_of_accuracy():
    """Both λ classify the separated blobs perfectly; accuracy alone keeps the first, stability the larger."""
    X, y = make_blobs(n_samples=120, centers=[[-3, -3, 0], [3, 3, 0]], cluster_std=1.0, random_state=0)
    stability = make_explanation_scorer("local_lipschitz", eps=0.1, n_calls=4, random_state=0,
                                        key="relevances")

    def stable_within_one_point(results):
        accuracy = results["mean_test_accuracy"]
        close = accuracy >= accuracy.max() - 0.01
        return int(np.argmax(np.where(close, results["mean_test_stability"], -np.inf)))

    grid = {"lam": [0.0, 1.0]}
    scoring = {"accuracy": "accuracy", "stability": stability}
    by_accuracy = GridSearchCV(SENNClassifier(**FAST), grid, cv=2, scoring=scoring,
                               refit="accuracy").fit(X, y)
    by_both = GridSearchCV(SENNClassifier(**FAST), grid, cv=2, scoring=scoring,
                           refit=stable_within_one_point).fit(X, y)
    np.testing.assert_array_equal(by_accuracy.cv_results_["mean_test_accuracy"], [1.0, 1.0])
    assert by_accuracy.best_params_ == {"lam": 0.0}
    assert by_both.best_params_ == {"lam": 1.0}
    assert by_both.cv_results_["mean_test_stability"][1] > 10 * by_both.cv_results_["mean_test_stability"][0]
