"""What ``fit`` takes besides X and y, and how regressors see y (issue #15, sections 1 and 4).

Sample weights (a row of weight 2 is the row twice, weights enter the loss,
the scaling and early stopping), targets standardized inside the base and
unscaled in every output, the warning for a fit that does not learn, a
one-row fit, and the inference precision.
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_diabetes, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning

from sklearn_interp import (PrototypeClassifier, SENNClassifier, SENNRegressor, SparseRepresenterClassifier,
                            SparseRepresenterRegressor)
from sklearn_interp.base import merge_duplicate_rows
from sklearn_interp.nn import weighted_mean

from .conftest import FAST

TINY = dict(FAST, max_epochs=8)
CLASSIFIERS = [
    PrototypeClassifier(n_prototypes=4, **TINY),
    SENNClassifier(**TINY),
    SparseRepresenterClassifier(**TINY),
]
REGRESSORS = [SENNRegressor(**TINY), SparseRepresenterRegressor(**TINY)]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    keep = np.random.default_rng(0).choice(len(X), 60, replace=False)
    return X[keep], y[keep]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:120], y[:120]


def _outputs(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


# ---------------------------------------------------------------- sample weights
@pytest.mark.parametrize("est", CLASSIFIERS + REGRESSORS, ids=lambda est: type(est).__name__)
def test_weight_two_is_the_row_twice_and_weight_zero_drops_it(est, iris, diabetes):
    X, y = diabetes if type(est).__name__.endswith("Regressor") else iris
    weights = np.tile([2.0, 1.0, 0.0], len(X) // 3)
    duplicated = np.repeat(np.arange(len(X)), weights.astype(int))
    order = np.random.default_rng(1).permutation(len(duplicated))
    repeated = est.__class__(**est.get_params()).fit(X[duplicated][order], y[duplicated][order])
    weighted = est.__class__(**est.get_params()).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(_outputs(weighted, X), _outputs(repeated, X))


def test_weights_reach_early_stopping_and_its_validation_loss(iris):
    X, y = iris
    weights = np.tile([3.0, 1.0], len(X) // 2)
    params = dict(TINY, n_prototypes=4, early_stopping=True, n_iter_no_change=3)
    duplicated = np.repeat(np.arange(len(X)), weights.astype(int))
    repeated = PrototypeClassifier(**params).fit(X[duplicated], y[duplicated])
    weighted = PrototypeClassifier(**params).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weighted.predict_proba(X), repeated.predict_proba(X))
    assert weighted.net_.history[:, "valid_loss"] == repeated.net_.history[:, "valid_loss"]


def test_weights_change_the_fit_and_their_scale_does_not():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), np.repeat([0, 1, 2], 20)  # labels carry no signal: the prior decides
    heavy = np.where(y == 2, 20.0, 1.0)
    plain = SENNClassifier(**FAST).fit(X, y)
    weighted = SENNClassifier(**FAST).fit(X, y, sample_weight=heavy)
    rescaled = SENNClassifier(**FAST).fit(X, y, sample_weight=heavy * 7.0)
    np.testing.assert_allclose(rescaled.predict_proba(X), weighted.predict_proba(X), rtol=1e-5)
    assert weighted.predict_proba(X)[:, 2].mean() > plain.predict_proba(X)[:, 2].mean() + 0.1  # 0.2 at seeds 0-2


def test_the_validation_loss_of_early_stopping_is_weighted(iris):
    X, y = iris
    _, distinct = np.unique(X, axis=0, return_index=True)  # no merged twins: the validation rows are the rest
    X, y = X[distinct], y[distinct]
    weights = np.linspace(0.2, 5.0, len(X))
    clf = SENNClassifier(**dict(TINY, early_stopping=True, n_iter_no_change=3)).fit(X, y, sample_weight=weights)
    valid = np.setdiff1d(np.arange(len(X)), clf._train_positions)
    proba = clf.predict_proba(X[valid])[np.arange(len(valid)), y[valid]]
    expected = np.average(-np.log(proba), weights=weights[valid])  # the best epoch's weights are restored
    assert min(clf.net_.history[:, "valid_loss"]) == pytest.approx(expected, rel=1e-4)
    assert np.mean(-np.log(proba)) != pytest.approx(expected, rel=1e-2), "the unweighted mean differs"


@pytest.mark.parametrize("est", [
    PrototypeClassifier(n_prototypes=3, lam_r1=0.0, **TINY),
    SENNClassifier(concepts="autoencoder", n_concepts=2, **TINY),
    SparseRepresenterClassifier(eta=0.0, **TINY),
], ids=lambda est: type(est).__name__)
def test_penalties_average_their_per_sample_terms_with_the_weights(est, iris):
    X, y = iris
    module = est.fit(X, y).net_.module_.double().eval()  # dropout and gates deterministic; penalties unchanged
    x = est.torch_input(X[:6]).double().requires_grad_(True)
    weights = torch.tensor([3.0, 0.5, 0.5, 1.0, 0.5, 0.5], dtype=torch.float64)
    outputs = module(x)
    weighted = module.penalty(outputs, x, training=True, sample_weight=weights)
    rows = [x[i:i + 1].detach().requires_grad_(True) for i in range(len(x))]
    by_hand = sum(w * module.penalty(module(row), row, training=True) for row, w in zip(rows, weights)) / len(rows)
    assert weighted.item() == pytest.approx(by_hand.item(), rel=1e-9)
    assert weighted.item() != pytest.approx(module.penalty(outputs, x, training=True).item(), rel=1e-3)


def test_weighted_scaling_statistics(diabetes):
    X, y = diabetes
    weights = np.linspace(0.5, 3.0, len(X))
    reg = SENNRegressor(**TINY).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(reg.input_offset_, np.average(X, axis=0, weights=weights))
    np.testing.assert_allclose(reg.target_offset_, [np.average(y, weights=weights)])
    std = np.sqrt(np.average((y - np.average(y, weights=weights)) ** 2, weights=weights))
    np.testing.assert_allclose(reg.target_scale_, [std])


def test_rows_of_weight_zero_are_not_reported_as_training_examples(iris):
    X, y = iris
    weights = np.ones(len(X))
    weights[:30] = 0.0
    clf = PrototypeClassifier(n_prototypes=4, **TINY).fit(X, y, sample_weight=weights)
    assert (clf.prototype_nearest_indices_ >= 30).all()
    np.testing.assert_array_equal(clf.prototype_nearest_examples_, X[clf.prototype_nearest_indices_])
    rep = SparseRepresenterClassifier(**TINY).fit(X, y, sample_weight=weights)
    assert (rep.support_indices_ >= 30).all()
    np.testing.assert_array_equal(rep.support_examples_, X[rep.support_indices_])


def test_a_weighted_batch_mean_is_unbiased():
    values = torch.tensor([1.0, 2.0, 3.0, 4.0])
    weights = torch.tensor([0.5, 0.5, 1.5, 1.5])  # mean 1
    assert weighted_mean(values, weights).item() == pytest.approx((0.5 + 1 + 4.5 + 6) / 4)
    assert weighted_mean(values).item() == pytest.approx(2.5)


def test_merge_duplicate_rows_is_a_weighted_empirical_distribution():
    X = np.array([[1.0, 2.0], [0.0, 5.0], [1.0, 2.0], [3.0, 1.0], [1.0, 2.0]])
    y = np.array([0, 1, 0, 0, 1])
    X_m, y_m, w_m, positions = merge_duplicate_rows(X, y, np.array([1.0, 2.0, 3.0, 0.0, 1.0]))
    np.testing.assert_array_equal(X_m, [[0.0, 5.0], [1.0, 2.0], [1.0, 2.0]])
    np.testing.assert_array_equal(y_m, [1, 0, 1])
    np.testing.assert_array_equal(w_m, [2.0, 4.0, 1.0])
    np.testing.assert_array_equal(positions, [1, 0, 4])


def test_the_order_of_the_training_rows_does_not_change_the_fit(iris):
    X, y = iris
    order = np.random.default_rng(3).permutation(len(X))
    fitted = SparseRepresenterClassifier(**TINY).fit(X, y)
    shuffled = SparseRepresenterClassifier(**TINY).fit(X[order], y[order])
    np.testing.assert_array_equal(shuffled.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(order[shuffled.support_indices_], fitted.support_indices_)


@pytest.mark.parametrize("weights, message", [
    (np.zeros(60), "zero"),
    (-np.ones(60), "Negative"),
    (np.ones(59), r"shape == \(59,\), expected \(60,\)"),
])
def test_bad_weights_raise(iris, weights, message):
    with pytest.raises(ValueError, match=message):
        PrototypeClassifier(**TINY).fit(*iris, sample_weight=weights)


def test_one_class_of_positive_weight_raises(iris):
    X, y = iris
    with pytest.raises(ValueError, match="2 classes"):
        SENNClassifier(**TINY).fit(X, y, sample_weight=(y == 0).astype(float))


# ---------------------------------------------------------------- targets in their own units
@pytest.mark.parametrize("cls", [SENNRegressor, SparseRepresenterRegressor])
def test_regressors_predict_in_the_units_of_y(cls, diabetes):
    X, y = diabetes
    params = dict(FAST, max_epochs=20)
    reg = cls(**params).fit(X, y)
    shifted = cls(**params).fit(X, 1e4 * y + 1e8)
    np.testing.assert_allclose(reg.target_offset_, [y.mean()])
    np.testing.assert_allclose(reg.target_scale_, [y.std()])
    assert reg.score(X, y) > 0.3 and abs(reg.predict(X).mean() - y.mean()) < 0.2 * y.std()
    np.testing.assert_allclose((shifted.predict(X) - 1e8) / 1e4, reg.predict(X), atol=1e-3 * y.std())


def test_senn_regressor_explains_in_the_units_of_y(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, 1e-3 * y + 7.0])
    reg = SENNRegressor(**TINY).fit(X, Y)
    exp = reg.explain(X[:5])
    np.testing.assert_allclose(exp["intercept"], Y.mean(axis=0))
    np.testing.assert_allclose(exp["predictions"], reg.predict(X[:5]), rtol=1e-12)
    np.testing.assert_allclose(exp["contributions"].sum(-1) + exp["intercept"], exp["predictions"], rtol=1e-10)
    np.testing.assert_allclose(exp["contributions"], exp["relevances"] * exp["concepts"][:, None], rtol=1e-12)
    _, _, relevances = reg.net_.module_.double()(reg.torch_input(X[:5]).double())
    np.testing.assert_allclose(exp["relevances"], relevances.detach().numpy() * Y.std(axis=0)[:, None], rtol=1e-5)
    reg.net_.module_.float()


def test_representer_regressor_explains_in_the_units_of_y(diabetes):
    X, y = diabetes
    reg = SparseRepresenterRegressor(**TINY).fit(X, y)
    exp = reg.explain(X[:5], n_examples=3)
    scaled = reg.net_.module_.expected_influences().double().numpy()[:, 0]
    assert np.isin(np.round(exp["influences"] / y.std(), 8), np.round(scaled, 8)).all()
    np.testing.assert_allclose(exp["contributions"].sum(-1) + exp["intercept"], exp["scores"], rtol=1e-12)
    np.testing.assert_allclose(exp["scores"][:, 0], reg.predict_explained(X[:5], n_examples=3), rtol=1e-12)


def test_a_one_row_fit_raises(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="at least 2 samples .* got 1 sample"):
        SENNRegressor(**TINY).fit(X[:1], y[:1])


# ---------------------------------------------------------------- a fit that does not learn
def test_a_fit_whose_loss_does_not_fall_warns_naming_lr():
    X, y = load_wine(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match=r"lr=1000\.0") as record:
        SENNClassifier(lr=1e3, max_epochs=10, early_stopping=False, random_state=0, device="cpu").fit(X, y)
    assert len(record) == 1, "not also the max_epochs warning: the lr one says what to change"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        SENNClassifier(max_epochs=10, early_stopping=False, tol=None, random_state=0, device="cpu").fit(X, y)


# ---------------------------------------------------------------- inference precision
def test_inference_precision_auto_is_float64_for_tabular_cpu_and_float32_for_images(iris):
    X, y = iris
    assert PrototypeClassifier(**TINY).fit(X, y).inference_dtype() == torch.float64
    digits = load_digits()
    images = PrototypeClassifier(**TINY).fit(digits.images[:100] / 16, digits.target[:100])
    assert images.inference_dtype() == torch.float32
    proba = images.predict_proba(digits.images[:100] / 16)
    assert proba.dtype == np.float64
    exact = images.set_params(inference_precision="float64").predict_proba(digits.images[:100] / 16)
    np.testing.assert_allclose(proba, exact, atol=1e-5)
    assert not np.array_equal(proba, exact), "float32 inference rounds differently"


# ---------------------------------------------------------------- sparse input
def test_sparse_input_is_refused_with_the_dense_encoder_settings():
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X = pd.DataFrame({"city": [f"c{i % 40}" for i in range(80)], "age": np.arange(80.0)})
    y = np.arange(80) % 2
    sparse = ColumnTransformer([("cat", OneHotEncoder(), ["city"])], remainder="passthrough")
    with pytest.raises(TypeError, match=r"sparse_output=False.*sparse_threshold=0"):
        make_pipeline(sparse, SENNClassifier(**TINY)).fit(X, y)
    dense = ColumnTransformer([("cat", OneHotEncoder(sparse_output=False), ["city"])], remainder="passthrough")
    pipe = make_pipeline(dense, SENNClassifier(**TINY)).fit(X, y)
    with pytest.raises(TypeError, match="dense X"):
        pipe[-1].predict(sparse.fit_transform(X))
