"""Tests of sklearn_interp.metrics.lipschitz_estimate (SENN eq. 5, sample-based)."""

import numpy as np
import pytest

from sklearn_interp.metrics import lipschitz_estimate
from sklearn_interp.metrics._stability import EPS_FACTOR, default_eps


class FakeExplainer:
    """explain(X) returns fixed relevances θ (n, m, k) and concepts h (n, k)."""

    def __init__(self, relevances, concepts):
        self.relevances = np.asarray(relevances, dtype=float)
        self.concepts = np.asarray(concepts, dtype=float)

    def explain(self, X):
        assert len(X) == len(self.concepts)
        return {"relevances": self.relevances, "concepts": self.concepts}


def test_matches_hand_computed_ratio():
    # Three points on a line: 0 and 1 are neighbours (distance 1), 2 is far (distance 10 from 1).
    X = np.array([[0.0], [1.0], [11.0]])
    theta = np.array([[[1.0, 0.0]], [[4.0, 4.0]], [[0.0, 0.0]]])  # (n, 1 class, 2 concepts)
    h = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    est = lipschitz_estimate(FakeExplainer(theta, h), X, eps=2.0)
    expected = np.hypot(3.0, 4.0) / 1.0  # ||(1,0)-(4,4)|| / ||(0,0)-(1,0)||
    np.testing.assert_allclose(est[:2], [expected, expected])
    assert np.isnan(est[2])  # no neighbour within eps


def test_takes_the_max_over_neighbours_and_flattens_classes():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    theta = np.zeros((3, 2, 1))
    theta[1, 1, 0] = 2.0  # class 1 only: flattened over classes
    theta[2, 0, 0] = 6.0
    h = np.array([[0.0], [1.0], [3.0]])
    est = lipschitz_estimate(FakeExplainer(theta, h), X, eps=1.5)
    # point 0: neighbours 1 (ratio 2/1) and 2 (ratio 6/3): max 2
    # point 1: neighbours 0 (2/1) and 2 (||(6,0)-(0,2)|| / 2)
    # point 2: neighbours 0 (6/3) and 1 (sqrt(40)/2)
    np.testing.assert_allclose(est, [2.0, np.sqrt(40) / 2, np.sqrt(40) / 2])


def test_constant_relevances_give_zero():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    theta = np.ones((40, 2, 4))
    h = rng.normal(size=(40, 4))
    est = lipschitz_estimate(FakeExplainer(theta, h), X)
    assert np.all(est[~np.isnan(est)] == 0)
    assert np.sum(~np.isnan(est)) > 20


def test_neighbours_beyond_eps_are_ignored():
    X = np.array([[0.0], [1.0], [3.0]])
    theta = np.array([[[0.0]], [[1.0]], [[100.0]]])
    h = np.array([[0.0], [1.0], [2.0]])
    est = lipschitz_estimate(FakeExplainer(theta, h), X, eps=1.0)
    np.testing.assert_allclose(est[:2], [1.0, 1.0])  # point 2 (ratio 99) is 2 away from point 1
    assert np.isnan(est[2])
    wide = lipschitz_estimate(FakeExplainer(theta, h), X, eps=2.5)
    np.testing.assert_allclose(wide, [1.0, 99.0, 99.0])


def test_duplicates_are_not_neighbours_and_equal_concepts_give_inf():
    X = np.array([[0.0], [0.0], [1.0], [2.0]])
    theta = np.array([[[1.0]], [[1.0]], [[1.0]], [[2.0]]])
    h = np.array([[0.0], [0.0], [0.0], [0.0]])
    est = lipschitz_estimate(FakeExplainer(theta, h), X, eps=1.0)
    # Points 0 and 1 are the same input: not each other's neighbour; their only neighbour,
    # point 2, has the same θ and h: 0 (not 0/0).
    assert est[0] == 0 and est[1] == 0
    # Points 2 and 3: equal concepts, different relevances: inf.
    assert est[2] == np.inf and est[3] == np.inf


def test_n_neighbors_limits_the_neighbourhood():
    X = np.array([[0.0], [1.0], [2.5]])
    theta = np.array([[[0.0]], [[1.0]], [[11.0]]])
    h = np.array([[0.0], [1.0], [2.0]])
    est = lipschitz_estimate(FakeExplainer(theta, h), X, n_neighbors=1)
    np.testing.assert_allclose(est, [1.0, 1.0, 10.0])
    est = lipschitz_estimate(FakeExplainer(theta, h), X, n_neighbors=1, eps=1.2)
    np.testing.assert_allclose(est[:2], [1.0, 1.0])
    assert np.isnan(est[2])


def test_default_eps_is_factor_times_median_nearest_distinct_distance():
    X = np.array([[0.0], [0.0], [1.0], [3.0], [7.0]])
    # unique rows 0, 1, 3, 7: nearest distinct distances 1, 1, 2, 4 -> median 1.5
    assert default_eps(X) == pytest.approx(EPS_FACTOR * 1.5)


def test_on_a_fitted_senn():
    from sklearn.datasets import load_breast_cancer

    from sklearn_interp import SENNClassifier

    X, y = load_breast_cancer(return_X_y=True)
    clf = SENNClassifier(max_epochs=2, random_state=0).fit(X[:200], y[:200])
    est = lipschitz_estimate(clf, X[200:300])
    finite = est[np.isfinite(est)]
    assert est.shape == (100,) and len(finite) > 50 and np.all(finite >= 0)
    # By hand for one sample with its neighbours.
    e = clf.explain(X[200:300])
    theta, h = e["relevances"].reshape(100, -1), e["concepts"]
    i = int(np.flatnonzero(np.isfinite(est))[0])
    d = np.linalg.norm(X[200:300] - X[200 + i], axis=1)
    nb = np.flatnonzero((d > 0) & (d <= default_eps(X[200:300])))
    ratios = np.linalg.norm(theta[nb] - theta[i], axis=1) / np.linalg.norm(h[nb] - h[i], axis=1)
    assert est[i] == pytest.approx(ratios.max())
