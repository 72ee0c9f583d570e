"""What the shared base guarantees every estimator, tried as a new user would (issue #7).

Each test names the section of the issue it pins: batch-independent inference (1),
small-data defaults (2), divergence (3), units (4), owned randomness (5),
warm starts (6), validation (7), bounded inference (8) and threads (9).
"""

import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_interp import PrototypeClassifier
from sklearn_interp.base import TrainingDivergedError, auto_batch_size, torch_threads

from .conftest import FAST


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def wine():
    return load_wine(return_X_y=True)


@pytest.fixture(scope="module")
def iris_model(iris):
    return PrototypeClassifier(n_prototypes=4, **FAST).fit(*iris)


class RecordBatches(Callback):
    """Record each training batch's size, the torch threads and the module's loss weights."""

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.sizes = getattr(self, "sizes", []) + [len(batch[0])]
            self.threads = torch.get_num_threads()
            self.lam_r1 = net.module_.lam_r1


def recorded(clf):
    return dict(clf.net_.callbacks_)["RecordBatches"]


# ---------------------------------------------------------------- 1. batch independence
@pytest.mark.parametrize("n_threads", [1, 2, 4])
def test_a_row_does_not_depend_on_the_rows_beside_it(iris, n_threads):
    X, y = iris
    clf = PrototypeClassifier(n_prototypes=4, **{**FAST, "max_epochs": 5}).fit(X, y)
    clf.set_params(n_threads=n_threads)
    whole = clf.decision_function(X)
    order = np.random.RandomState(0).permutation(len(X))
    np.testing.assert_allclose(clf.decision_function(X[order]), whole[order], rtol=0, atol=1e-12)
    np.testing.assert_allclose(clf.decision_function(X[7:11]), whole[7:11], rtol=0, atol=1e-12)
    clf.set_params(inference_batch_size=3)  # other chunk boundaries, same rows
    np.testing.assert_allclose(clf.decision_function(X), whole, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- 2. small-data defaults
def test_auto_batch_size_grows_with_the_data():
    assert auto_batch_size(100) == 64
    assert auto_batch_size(5_000) == 64
    assert auto_batch_size(20_000) == 128
    assert auto_batch_size(1_000_000) == 256


def test_default_batches_use_every_row_in_almost_equal_batches(iris):
    X, y = iris
    clf = PrototypeClassifier(max_epochs=2, early_stopping=False, callbacks=[RecordBatches()], random_state=0).fit(
        X[:100], y[:100])
    sizes = recorded(clf).sizes
    assert sizes == [50, 50, 50, 50], "100 rows at batch size 64: two steps per epoch, no row dropped"


def test_iris_at_default_parameters_learns_on_every_seed(iris):
    X, y = iris
    scores = [cross_val_score(make_pipeline(StandardScaler(), PrototypeClassifier(random_state=seed)),
                              X, y, cv=3).mean() for seed in range(2)]
    assert min(scores) >= 0.93, scores


# ---------------------------------------------------------------- 3. divergence
@pytest.mark.parametrize("params", [dict(lr=1e10), dict(optimizer="sgd", lr=50.0)])
def test_diverging_fit_raises_and_leaves_the_estimator_unfitted(iris, params):
    X, y = iris
    clf = PrototypeClassifier(n_prototypes=4, max_epochs=20, random_state=0, **params)
    with pytest.raises(TrainingDivergedError, match="learning rate"):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert not [name for name in vars(clf) if name.endswith("_")]


def test_diverging_warm_fit_restores_the_previous_weights(iris):
    X, y = iris
    clf = PrototypeClassifier(n_prototypes=4, warm_start=True, **FAST).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(TrainingDivergedError, match="previous fit were restored"):
        clf.set_params(lr=1e10, max_epochs=5).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_inputs_near_the_float32_limit_are_learned(iris):
    X, y = iris
    clf = PrototypeClassifier(n_prototypes=4, **FAST).fit(X * 1e38, y)
    assert clf.score(X * 1e38, y) > 0.9


def test_non_finite_values_are_never_returned(iris_model, iris):
    with pytest.raises(ValueError, match="overflow float32"):
        iris_model.predict_proba(np.full((2, 4), 1e300))
    module = iris_model.net_.module_
    weight = module.classifier.weight
    saved = weight.detach().clone()
    with torch.no_grad():
        weight[0, 0] = float("nan")
    try:
        with pytest.raises(ValueError, match="non-finite outputs"):
            iris_model.predict_proba(iris[0][:2])
    finally:
        with torch.no_grad():
            weight.copy_(saved)


# ---------------------------------------------------------------- 4. units
@pytest.mark.parametrize("column_map", [
    lambda c: c * 1e20,
    lambda c: c * 1e-25,
    lambda c: 1e8 + (c - c.mean()) / c.std(),
], ids=["times 1e20", "times 1e-25", "1e8 + N(0, 1)"])
def test_accuracy_does_not_depend_on_a_columns_units(wine, column_map):
    X, y = wine
    reference = PrototypeClassifier(n_prototypes=6, **FAST).fit(X, y)
    X_units = X.copy()
    X_units[:, 0] = column_map(X[:, 0])
    clf = PrototypeClassifier(n_prototypes=6, **FAST).fit(X_units, y)
    standardized = clf.torch_input(X_units)[:, 0].numpy()
    assert len(np.unique(standardized)) == len(np.unique(X[:, 0]))
    np.testing.assert_allclose(standardized, (X[:, 0] - X[:, 0].mean()) / X[:, 0].std(), atol=1e-5)
    assert abs(clf.score(X_units, y) - reference.score(X, y)) <= 0.02


def test_constant_column_is_kept_harmless(iris):
    X, y = iris
    X_constant = np.column_stack([X, np.full(len(X), 3.0)])
    clf = PrototypeClassifier(n_prototypes=4, **FAST).fit(X_constant, y)
    assert clf.input_scale_[-1] == 1.0
    assert np.all(clf.torch_input(X_constant)[:, -1].numpy() == 0)
    assert clf.score(X_constant, y) > 0.9


def test_image_pixels_outside_unit_range_are_scaled():
    digits = load_digits()
    X, y = digits.images[:400], digits.target[:400]  # pixels 0..16
    clf = PrototypeClassifier(n_prototypes=10, max_epochs=3, random_state=0, device="cpu").fit(X, y)
    assert float(clf.input_scale_) == 16.0 and float(clf.input_offset_) == 0.0
    x = clf.torch_input(X).numpy()
    assert x.min() == 0.0 and x.max() == 1.0
    assert clf.decoded_prototypes_.max() > 1.0, "decoded prototypes come back in the units of X"
    ones = PrototypeClassifier(n_prototypes=10, max_epochs=3, random_state=0, device="cpu").fit(X / 16.0, y)
    np.testing.assert_allclose(clf.predict_proba(X), ones.predict_proba(X / 16.0), atol=1e-5)


# ---------------------------------------------------------------- 5. owned randomness
def test_seeded_fits_in_threads_match_the_sequential_fit(iris):
    X, y = iris
    make = lambda seed: PrototypeClassifier(n_prototypes=4, **{**FAST, "random_state": seed})  # noqa: E731
    expected = {seed: make(seed).fit(X, y).predict_proba(X) for seed in (1, 2)}
    torch.manual_seed(7)
    global_state = torch.get_rng_state()
    results, errors = {}, []

    def fit(seed):
        try:
            for _ in range(2):
                results.setdefault(seed, []).append(make(seed).fit(X, y).predict_proba(X))
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=fit, args=(seed,)) for seed in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for seed in (1, 2):
        for proba in results[seed]:
            np.testing.assert_array_equal(proba, expected[seed])
    assert torch.equal(torch.get_rng_state(), global_state), "fit leaves torch's global RNG alone"


def test_global_seed_does_not_change_a_seeded_fit(iris):
    X, y = iris
    torch.manual_seed(0)
    first = PrototypeClassifier(n_prototypes=4, **FAST).fit(X, y).predict_proba(X)
    torch.manual_seed(1)
    torch.rand(100)
    second = PrototypeClassifier(n_prototypes=4, **FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_augmentation_draws_from_the_fit_generator():
    pytest.importorskip("kornia")
    digits = load_digits()
    X, y = digits.images[:200] / 16.0, digits.target[:200]
    fit = lambda: PrototypeClassifier(n_prototypes=5, max_epochs=2, elastic_deformation=True,  # noqa: E731
                                      random_state=3, device="cpu").fit(X, y).predict_proba(X)
    torch.manual_seed(0)
    first = fit()
    torch.manual_seed(1)
    np.testing.assert_array_equal(fit(), first)


# ---------------------------------------------------------------- 6. warm start
def test_warm_fit_takes_every_changed_training_parameter(iris):
    X, y = iris
    clf = PrototypeClassifier(n_prototypes=4, warm_start=True, callbacks=[RecordBatches()], **FAST).fit(X, y)
    clf.set_params(lr=0.005, optimizer="sgd", batch_size=8, lam_r1=7.0, max_epochs=2)
    clf.fit(X, y)
    net = clf.net_
    assert isinstance(net.optimizer_, torch.optim.SGD) and net.optimizer_.param_groups[0]["lr"] == 0.005
    assert recorded(clf).lam_r1 == 7.0 and net.module_.lam_r1 == 7.0
    assert max(recorded(clf).sizes) <= 9, "batch_size=8 splits 150 rows into batches of 8 or 9"
    assert len(net.history) == FAST["max_epochs"] + 2, "the training log continues"


def test_structural_change_refits_from_scratch_with_a_warning(iris):
    X, y = iris
    clf = PrototypeClassifier(n_prototypes=4, warm_start=True, **FAST).fit(X, y)
    clf.set_params(n_prototypes=6)
    with pytest.warns(UserWarning, match="n_prototypes changed"):
        clf.fit(X, y)
    assert clf.prototypes_.shape[0] == 6
    assert clf.explain(X[:3])["distances"].shape == (3, 6)
    assert len(clf.net_.history) == FAST["max_epochs"]


def test_warm_fit_follows_early_stopping_switches(iris):
    X, y = iris
    clf = PrototypeClassifier(n_prototypes=4, warm_start=True, **FAST).fit(X, y)
    clf.set_params(early_stopping=True, n_iter_no_change=2, max_epochs=200, lr=0.05)
    clf.fit(X, y)
    assert "valid_loss" in clf.net_.history[-1]
    assert len(clf.net_.history) < FAST["max_epochs"] + 200, "early stopping stopped the warm fit"
    clf.set_params(early_stopping=False, max_epochs=2, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, y)
    assert "valid_loss" not in clf.net_.history[-1]


def test_user_callbacks_are_cloned(iris):
    X, y = iris
    callback = RecordBatches()
    clf = PrototypeClassifier(n_prototypes=4, callbacks=[callback], **FAST).fit(X, y)
    assert not hasattr(callback, "sizes") and recorded(clf) is not callback


# ---------------------------------------------------------------- 7. validation at fit
@pytest.mark.parametrize("params, name", [
    (dict(hidden_layer_sizes=(-3,)), "hidden_layer_sizes"),
    (dict(hidden_layer_sizes="64"), "hidden_layer_sizes"),
    (dict(conv_channels=(0, 8)), "conv_channels"),
    (dict(image_shape=(3, -1, 2)), "image_shape"),
    (dict(device="tpu9"), "device"),
    (dict(callbacks=[1]), "callbacks"),
    (dict(batch_size="big"), "batch_size"),
    (dict(n_threads=0), "n_threads"),
    (dict(inference_precision="float16"), "inference_precision"),
])
def test_parameter_contents_are_checked_at_fit(iris, params, name):
    X, y = iris
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        PrototypeClassifier(**params).fit(X, y)


@pytest.mark.parametrize("n_nearest", [0, 1.5, "2", True])
def test_explain_rejects_bad_n_nearest(iris_model, iris, n_nearest):
    with pytest.raises(ValueError, match="n_nearest"):
        iris_model.explain(iris[0][:2], n_nearest=n_nearest)


def test_any_image_layout_of_the_fitted_shape_is_accepted():
    digits = load_digits()
    X, y = digits.images[:300] / 16.0, digits.target[:300]
    for fitted in (X[:, None], X, X.reshape(len(X), -1)):
        image_shape = (8, 8) if fitted.ndim == 2 else None
        clf = PrototypeClassifier(n_prototypes=5, max_epochs=2, image_shape=image_shape, random_state=0,
                                  device="cpu").fit(fitted, y)
        expected = clf.predict_proba(fitted)
        for layout in (X[:, None], X, X.reshape(len(X), -1)):
            np.testing.assert_array_equal(clf.predict_proba(layout), expected)
        with pytest.raises(ValueError, match=r"fitted on images of shape \(1, 8, 8\)"):
            clf.predict(np.zeros((2, 7, 7)))


def test_torch_input_does_not_alias_the_callers_array(iris_model, iris):
    X = iris[0].astype(np.float32)
    x = iris_model.torch_input(X)
    x.zero_()
    assert X.any()


def test_string_column_error_names_it_and_points_to_column_transformer(iris):
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(city="paris")
    with pytest.raises(ValueError, match=r"\['city'\].*ColumnTransformer"):
        PrototypeClassifier(**FAST).fit(frame, y)


# ---------------------------------------------------------------- 8. bounded inference
def test_chunked_inference_keeps_only_what_the_method_returns(iris_model, iris):
    X, _ = iris
    chunked = PrototypeClassifier(n_prototypes=4, **FAST).fit(*iris).set_params(inference_batch_size=16)
    np.testing.assert_allclose(chunked.predict_proba(X), iris_model.predict_proba(X), atol=1e-12)
    chunks = []
    original = chunked._scale
    chunked._scale = lambda rows: chunks.append(len(rows)) or original(rows)
    labels = chunked.predict(X)
    assert chunks == [16] * 9 + [6]
    assert labels.shape == (150,)


# ---------------------------------------------------------------- 9. threads
def test_fit_uses_n_threads_and_restores_the_callers_setting(iris):
    X, y = iris
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(3)
        clf = PrototypeClassifier(n_prototypes=4, n_threads=2, callbacks=[RecordBatches()], **FAST).fit(X, y)
        assert recorded(clf).threads == 2
        assert torch.get_num_threads() == 3
        clf.set_params(n_threads=None)
        clf.predict(X)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(previous)


def test_thread_scope_restores_after_an_error():
    previous = torch.get_num_threads()
    with pytest.raises(RuntimeError):
        with torch_threads(1 if previous != 1 else 2):
            raise RuntimeError
    assert torch.get_num_threads() == previous
