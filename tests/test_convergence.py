"""The convergence rule of every estimator: scikit-learn's MLP's ``tol`` / ``n_iter_no_change``, capped by max_epochs."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_interp.base import ConvergenceStopping

from .test_base import ToyRegressor, ToyRowsClassifier, classification_data, regression_data  # noqa: F401


def first_stop(losses, tol, patience):
    """The epoch (1-based) at which the rule stops, computed from the loss curve alone; None: never."""
    best, misses = np.inf, 0
    for epoch, loss in enumerate(losses, start=1):
        misses = misses + 1 if loss > best - tol else 0
        best = min(best, loss)
        if misses == patience:
            return epoch
    return None


def fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("tol, patience", [(1e-2, 3), (1e-3, 5)])
def test_the_training_loss_rule_stops_at_the_first_epoch_it_holds(classification_data, tol, patience):
    X, y = classification_data
    est = fit_quietly(ToyRowsClassifier(max_epochs=400, lr=0.05, tol=tol, n_iter_no_change=patience,
                                        random_state=0), X, y)
    assert est.n_iter_ < 400
    assert est.n_iter_ == len(est.net_.history) == first_stop(est.loss_curve_, tol, patience)
    np.testing.assert_array_equal(est.loss_curve_, est.net_.history[:, "train_loss"])
    assert est.validation_loss_curve_ is None


def test_a_larger_tol_stops_sooner(classification_data):
    X, y = classification_data
    epochs = [fit_quietly(ToyRowsClassifier(max_epochs=400, lr=0.05, tol=tol, n_iter_no_change=3, random_state=0),
                          X, y).n_iter_ for tol in (1e-1, 1e-2, 1e-3)]
    assert epochs[0] < epochs[1] < epochs[2]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_early_stopping_monitors_the_validation_loss_with_tol(seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(100, 20))
    y = X[:, 0] + rng.normal(size=100)  # 20 features for 90 rows: the network soon fits the noise
    est = fit_quietly(ToyRegressor(lam=0.0, max_epochs=100, lr=0.05, early_stopping=True, tol=1e-3,
                                   n_iter_no_change=4, random_state=seed), X, y)
    valid = np.asarray(est.net_.history[:, "valid_loss"])
    np.testing.assert_array_equal(est.validation_loss_curve_, valid)
    assert est.n_iter_ == first_stop(valid, 1e-3, 4) < 100
    assert first_stop(est.loss_curve_, 1e-3, 4) is None, "the training loss kept improving: it does not decide"


def test_tol_none_trains_for_max_epochs_without_warning(classification_data):
    X, y = classification_data
    est = fit_quietly(ToyRowsClassifier(max_epochs=60, lr=0.05, tol=None, random_state=0), X, y)
    assert est.n_iter_ == 60
    assert not any(isinstance(cb, ConvergenceStopping) for _, cb in est.net_.callbacks_)


def test_stopping_at_max_epochs_before_converging_warns(classification_data):
    X, y = classification_data
    with pytest.warns(ConvergenceWarning, match=r"max_epochs=5 before converging.*tol=0\.0001"):
        est = ToyRowsClassifier(max_epochs=5, lr=0.05, random_state=0).fit(X, y)
    assert est.n_iter_ == 5
    with pytest.warns(ConvergenceWarning, match="validation loss"):
        ToyRowsClassifier(max_epochs=5, lr=0.05, early_stopping=True, random_state=0).fit(X, y)


def test_warm_fits_continue_the_curves_and_the_rule_restarts(classification_data):
    X, y = classification_data
    est = ToyRowsClassifier(max_epochs=400, lr=0.05, tol=1e-2, n_iter_no_change=3, warm_start=True,
                            random_state=0)
    first = fit_quietly(est, X, y).n_iter_
    curve = est.loss_curve_.copy()
    fit_quietly(est, X, y)
    assert first < est.n_iter_ <= first + 400
    np.testing.assert_array_equal(est.loss_curve_[:first], curve)
    assert est.n_iter_ - first == first_stop(est.loss_curve_[first:], 1e-2, 3)


def test_adam_runs_fused(classification_data):
    X, y = classification_data
    est = ToyRowsClassifier(max_epochs=2, optimizer="adam", tol=None, random_state=0).fit(X, y)
    assert est.net_.optimizer_.defaults["fused"] is True
    est = ToyRowsClassifier(max_epochs=2, optimizer="sgd", tol=None, random_state=0).fit(X, y)
    assert "fused" not in est.net_.optimizer_.defaults or not est.net_.optimizer_.defaults["fused"]


@pytest.mark.parametrize("tol", [-1e-4, "auto"])
def test_an_invalid_tol_is_rejected_at_fit(classification_data, tol):
    X, y = classification_data
    with pytest.raises(ValueError, match="tol"):
        ToyRowsClassifier(tol=tol).fit(X, y)
