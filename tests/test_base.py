"""The shared base carries what the five methods need, shown on small private estimators.

- a regressor whose module returns a tuple, adds an input-gradient penalty (as SENN's
  robustness loss does) and holds a stochastic gate (sampling in training only);
- a classifier whose module keeps its training rows to predict with (as the sparse
  representer does);
- a post-hoc computation over a fitted estimator's torch module (as the contrastive
  explainer does).
"""

import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from sklearn_interp.base import (
    NeuralClassifierBase,
    NeuralRegressorBase,
    TensorBatchIterator,
    TensorDataset,
    resolve_device,
)
from sklearn_interp.nn import mlp, weighted_mean

from .conftest import FAST


class GatedRobustModule(nn.Module):
    """Gate -> MLP; penalty = lam * ||d output / d x||^2 (needs input gradients)."""

    requires_input_grad = True
    generator = None  # set by the base while training

    def __init__(self, n_features, n_outputs, lam):
        super().__init__()
        self.gate_logits = nn.Parameter(torch.full((n_features,), 2.0))
        self.body = mlp((n_features, 16, n_outputs))
        self.lam = lam
        self.penalty_calls = []

    def forward(self, x):
        gate = torch.sigmoid(self.gate_logits)
        if self.training:  # straight-through sample
            gate = torch.bernoulli(gate.expand_as(x), generator=self.generator) + gate - gate.detach()
        return self.body(x * gate), gate

    def penalty(self, outputs, X, training=False, sample_weight=None):
        prediction, _ = outputs
        self.penalty_calls.append((training, torch.is_grad_enabled(), X.requires_grad))
        if not (torch.is_grad_enabled() and X.requires_grad):
            return prediction.new_zeros(())
        (grad,) = torch.autograd.grad(prediction.sum(), X, create_graph=True)
        return self.lam * weighted_mean(grad.pow(2).sum(1), sample_weight)


class ToyRegressor(NeuralRegressorBase):
    _module_params = ("lam",)

    def __init__(self, lam=0.01, max_epochs=30, batch_size=32, lr=0.01, optimizer="adam", weight_decay=0.0,
                 early_stopping=False, validation_fraction=0.1, tol=1e-4, n_iter_no_change=10, device="auto",
                 n_threads=1, inference_batch_size="auto", inference_precision="auto", random_state=None, verbose=0,
                 warm_start=False, callbacks=None):
        self.lam = lam
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose, warm_start=warm_start, callbacks=callbacks,
        )

    def _build_module(self, X, y):
        return GatedRobustModule(X.shape[1], y.shape[1], self.lam)


class TrainingRowsModule(nn.Module):
    """Logits = sum_i k(x, x_i) alpha_i over the stored training rows x_i."""

    def __init__(self, X_train, n_classes):
        super().__init__()
        self.register_buffer("X_train", torch.as_tensor(X_train))
        self.alpha = nn.Parameter(torch.zeros(len(X_train), n_classes))

    def forward(self, x):
        kernel = torch.exp(-torch.cdist(x, self.X_train).pow(2))
        return kernel @ self.alpha, kernel


class ToyRowsClassifier(NeuralClassifierBase):
    """No parameters of its own: inherits the base's training parameters."""

    def _build_module(self, X, y):
        return TrainingRowsModule(X, len(self.classes_))


ROWS_FAST = dict(max_epochs=30, batch_size=32, lr=0.05, random_state=0)


@pytest.fixture(scope="module")
def regression_data():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    return X, y / y.std()


@pytest.fixture(scope="module")
def classification_data():
    return make_classification(n_samples=200, n_features=6, n_informative=4, random_state=0)


@parametrize_with_checks([ToyRegressor(**FAST), ToyRowsClassifier(**FAST)])
def test_base_passes_sklearn_checks(estimator, check):
    check(estimator)


def test_input_gradient_penalty_runs_in_training_only(regression_data):
    X, y = regression_data
    est = ToyRegressor(max_epochs=3, early_stopping=True, random_state=0).fit(X, y)
    calls = est.net_.module_.penalty_calls
    assert (True, True, True) in calls, "training steps see an input that requires grad"
    assert (False, False, False) in calls, "validation steps run under no_grad"
    assert {call for call in calls if call[0]} == {(True, True, True)}


def test_stochastic_layer_samples_in_training_and_not_at_prediction(regression_data):
    X, y = regression_data
    est = ToyRegressor(random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.predict(X), est.predict(X))
    module, x = est.net_.module_, est.torch_input(X)
    module.train()
    assert not torch.equal(module(x)[0], module(x)[0])
    module.eval()


def test_regressor_multioutput_and_score(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -y])
    est = ToyRegressor(max_epochs=60, random_state=0).fit(X, Y)
    assert est.predict(X).shape == (len(X), 2)
    assert est.score(X, Y) > 0.8


def test_module_keeps_training_rows(classification_data):
    X, y = classification_data
    est = ToyRowsClassifier(**ROWS_FAST).fit(X, y)
    stored = est.net_.module_.X_train.cpu().numpy()
    np.testing.assert_allclose(stored, ((X - X.mean(0)) / X.std(0))[est._train_positions], rtol=1e-5, atol=1e-5)
    assert sorted(est._train_positions) == list(range(len(X))), "every row once, in the canonical order"
    assert est.score(X, y) > 0.9
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(X), est.predict_proba(X))


def test_post_hoc_gradient_through_fitted_module(classification_data):
    """What a post-hoc explainer uses: the differentiable main output of a fitted model."""
    X, y = classification_data
    est = ToyRowsClassifier(**ROWS_FAST).fit(X, y)
    x = est.torch_input(X[:3]).requires_grad_(True)
    logits = est.torch_module()(x)
    margin = (logits[:, 1] - logits[:, 0]).detach().numpy()
    np.testing.assert_allclose(margin, est.decision_function(X[:3]), rtol=1e-5, atol=1e-5)
    (grad,) = torch.autograd.grad((logits[:, 1] - logits[:, 0]).sum(), x)
    grad = grad / torch.as_tensor(est.input_scale_, dtype=grad.dtype)  # back to the units of X
    eps = 1e-3
    X_up, X_down = X[:3].copy(), X[:3].copy()
    X_up[:, 0] += eps
    X_down[:, 0] -= eps
    central_difference = (est.decision_function(X_up) - est.decision_function(X_down)) / (2 * eps)
    np.testing.assert_allclose(grad[:, 0].numpy(), central_difference, rtol=1e-3, atol=1e-4)


def test_same_random_state_reproduces_fit(classification_data):
    X, y = classification_data
    fit = lambda seed: ToyRegressor(random_state=seed).fit(X, y.astype(float)).predict(X)  # noqa: E731
    np.testing.assert_array_equal(fit(1), fit(1))
    assert not np.array_equal(fit(1), fit(2))


def test_fit_does_not_touch_global_torch_rng(classification_data):
    X, y = classification_data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ToyRegressor(max_epochs=2, random_state=0).fit(X, y.astype(float))
    np.testing.assert_array_equal(torch.rand(3), expected)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_roundtrip(classification_data, tmp_path, dump):
    X, y = classification_data
    est = ToyRegressor(random_state=0).fit(X, y.astype(float))
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(est))
    else:
        joblib.dump(est, tmp_path / "model.joblib")
        restored = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))


def test_model_saved_with_cuda_device_loads_on_cpu_only_machine(classification_data):
    """A net whose device is CUDA unpickles on a CPU-only machine (skorch maps it to CPU)."""
    if torch.cuda.is_available():
        pytest.skip("the machine has CUDA; see test_gpu_fit_unpickles_on_cpu")
    X, y = classification_data
    est = ToyRegressor(random_state=0).fit(X, y.astype(float))
    expected = est.predict(X)
    est.net_.device = "cuda"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored = pickle.loads(pickle.dumps(est))
    assert any("CUDA" in str(warning.message) for warning in caught)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_array_equal(restored.predict(X), expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_fit_unpickles_on_cpu(classification_data, monkeypatch):
    X, y = classification_data
    est = ToyRegressor(random_state=0, device="auto").fit(X, y.astype(float))
    assert est.net_.device == "cuda"
    payload = pickle.dumps(est)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    restored = pickle.loads(payload)
    np.testing.assert_allclose(restored.predict(X), est.predict(X), rtol=1e-5)


def test_device_resolution():
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_warm_start_continues_training(classification_data):
    X, y = classification_data
    est = ToyRowsClassifier(max_epochs=5, warm_start=True, random_state=0).fit(X, y)
    module = est.net_.module_
    est.fit(X, y)
    assert est.net_.module_ is module
    assert len(est.net_.history) == 10


def test_early_stopping_and_callbacks(classification_data):
    class CountEpochs(Callback):
        def initialize(self):
            self.epochs = self.batches = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

        def on_batch_end(self, net, training=False, **kwargs):
            self.batches += training

    X, y = classification_data
    counter = CountEpochs()
    est = ToyRowsClassifier(max_epochs=300, lr=0.5, early_stopping=True, n_iter_no_change=3,
                            callbacks=[counter], random_state=0).fit(X, y)
    history = est.net_.history
    assert "valid_loss" in history[-1]
    assert len(history) < 300
    used = dict(est.net_.callbacks_)["CountEpochs"]
    assert used is not counter and not hasattr(counter, "epochs"), "the user's callback is cloned, not mutated"
    assert used.epochs == len(history)
    assert used.batches == sum(history[:, "train_batch_count"])


def test_verbose_prints_progress(classification_data, capsys):
    X, y = classification_data
    ToyRowsClassifier(max_epochs=2, verbose=1, random_state=0).fit(X, y)
    captured = capsys.readouterr()
    assert "train_loss" in captured.out
    ToyRowsClassifier(max_epochs=2, verbose=0, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""


def test_string_labels_and_dataframe_input(classification_data):
    pd = pytest.importorskip("pandas")
    X, y = classification_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = np.array(["no", "yes"])[y]
    est = ToyRowsClassifier(**FAST).fit(frame, labels)
    assert list(est.feature_names_in_) == list(frame.columns)
    assert set(est.predict(frame)) <= {"no", "yes"}
    assert est.predict_proba(frame).dtype == np.float64


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]]), [0, 1], "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0]]), [0, 1], "infinity"),
        (np.zeros((0, 3)), [], "0 sample"),
        (np.ones((4, 3)), [1, 1, 1, 1], "at least 2 classes"),
        (np.ones((4, 3, 2)), [0, 1, 0, 1], "dim 3"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), [0, 1], "could not convert"),
    ],
)
def test_bad_input_raises_clear_error(X, y, message):
    with pytest.raises(ValueError, match=message):
        ToyRowsClassifier().fit(X, y)


def test_unfitted_and_feature_count_errors(classification_data):
    X, y = classification_data
    with pytest.raises(NotFittedError):
        ToyRowsClassifier().predict(X)
    est = ToyRowsClassifier(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :3])


def test_batch_iterator_slices_without_collation():
    dataset = TensorDataset(np.arange(10, dtype=np.float32)[:, None], np.arange(10))
    batches = list(TensorBatchIterator(dataset, batch_size=4))
    assert [len(X) for X, _ in batches] == [4, 4, 2]
    generator = torch.Generator().manual_seed(0)
    even = list(TensorBatchIterator(dataset, batch_size=3, shuffle=True, even=True, generator=generator))
    assert [len(X) for X, _ in even] == [3, 4, 3], "every row, in batches of almost equal size"
    assert sorted(torch.cat([y for _, y in even]).tolist()) == list(range(10))
    whole = list(TensorBatchIterator(dataset, batch_size=64, even=True))
    assert len(whole) == 1 and len(whole[0][0]) == 10


def test_early_stopping_on_tiny_data_falls_back_to_an_unstratified_split():
    X = np.random.RandomState(0).randn(9, 2)
    y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    est = ToyRowsClassifier(max_epochs=2, early_stopping=True, random_state=0).fit(X, y)
    assert "valid_loss" in est.net_.history[-1]


def test_invalid_parameters_are_rejected_at_fit(classification_data):
    X, y = classification_data
    with pytest.raises(ValueError, match="optimizer"):
        ToyRowsClassifier(optimizer="nope").fit(X, y)
    with pytest.raises(ValueError, match="max_epochs"):
        ToyRowsClassifier(max_epochs=0).fit(X, y)


def test_input_gradient_penalty_shapes_the_fit(regression_data):
    X, y = regression_data

    def mean_squared_input_gradient(lam):
        est = ToyRegressor(lam=lam, max_epochs=40, random_state=0).fit(X, y)
        x = est.torch_input(X).requires_grad_(True)
        (grad,) = torch.autograd.grad(est.torch_module()(x).sum(), x)
        return float(grad.pow(2).sum(1).mean())

    assert mean_squared_input_gradient(10.0) < 0.5 * mean_squared_input_gradient(0.0)
