"""Behaviour that a one-line slip in a method would break, each test checked against such a slip (issue 15).

The sparse representer's six methods (Iwata & Yoshikawa, eqs. 11-17) and its
top-U ranking (eq. 22), SENN's robustness loss L_θ (Alvarez-Melis & Jaakkola,
eq. 3), and the ownership of every random draw by the fit's generators.
"""

import copy

import numpy as np
import pytest
import torch
from scipy.special import softmax
from skorch.callbacks import Callback
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import train_test_split
from torch import nn

from sklearn_interp import (PrototypeClassifier, SENNClassifier, SENNRegressor, SparseRepresenterClassifier,
                            SparseRepresenterRegressor)
from sklearn_interp.nn import mlp
from sklearn_interp.nn.dropout import Dropout
from sklearn_interp.nn.init import reset_parameters
from sklearn_interp.nn.representer import METHODS, SparseRepresenterNetwork
from sklearn_interp.senn import InputConcepts, SENNNetwork

from .conftest import FAST


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def iris_train(iris):
    X_train, _, y_train, _ = iris
    return X_train, y_train


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:100], y[:100] / y.std()


# ------------------------------------------------------- representer methods
@pytest.mark.parametrize("method", METHODS)
def test_only_the_gated_methods_drop_examples(iris, method):
    X_train, X_test, y_train, _ = iris
    settings = dict(FAST, max_epochs=5, eta=1.0, explanation_lr=0.1)
    model = SparseRepresenterClassifier(method=method, **settings).fit(X_train, y_train)
    n_influences = np.count_nonzero(model.influences_)
    if method in ("proposed", "RPSR", "PretrainR"):
        assert n_influences < 0.5 * len(X_train) * 3
    else:
        assert n_influences == len(X_train) * 3
        assert model.explain(X_test[:2], n_examples=5)["contributions"].shape == (2, 3, 5)


@pytest.mark.parametrize("method, eta", [("RPS", 1e-3), ("RPSR", 0.0)])
def test_rps_methods_predict_with_the_explanation_model(iris, method, eta):
    X_train, X_test, y_train, _ = iris
    model = SparseRepresenterClassifier(method=method, **dict(FAST, max_epochs=10, eta=eta))
    model.fit(X_train, y_train)
    every_example = np.count_nonzero(model.influences_)
    explanation = model.explain(X_test, n_examples=every_example)
    np.testing.assert_allclose(model.predict_proba(X_test), softmax(explanation["scores"], axis=1), atol=1e-7)
    np.testing.assert_array_equal(model.predict(X_test), model.predict_explained(X_test, every_example))


@pytest.mark.parametrize("method", ["Pretrain", "PretrainR"])
def test_pretrain_first_stage_has_no_term_but_the_label_loss(method):
    generator = torch.Generator().manual_seed(0)
    features = nn.Sequential(nn.Linear(4, 5), nn.ReLU())
    module = SparseRepresenterNetwork(features, 5, 3, torch.randn(12, 4, generator=generator), method,
                                      lam=1.0, eta=0.1)
    with torch.no_grad():
        module.influence.normal_(0, 0.3, generator=generator)
    module.refresh_support_embeddings()
    module.set_stage("prediction")
    x = torch.randn(6, 4, generator=generator)
    assert module.penalty(module.train()(x), x, training=True).item() == 0.0
    module.set_stage("explanation")
    assert module.penalty(module.train()(x), x, training=True).detach().item() > 0.0


def test_pretrain_prediction_model_is_trained_on_the_labels_alone(iris):
    X_train, X_test, y_train, _ = iris
    settings = dict(FAST, max_epochs=10)
    pretrain = SparseRepresenterClassifier(method="Pretrain", **settings).fit(X_train, y_train)
    labels_only = SparseRepresenterClassifier(method="Joint", lam=0.0, **settings).fit(X_train, y_train)
    np.testing.assert_array_equal(pretrain.predict_proba(X_test), labels_only.predict_proba(X_test))
    assert len(pretrain.net_.history) == 2 * settings["max_epochs"]


# ------------------------------------------------------- top-U explanations
def test_explanations_keep_the_largest_influences_in_magnitude_negative_ones_too(iris):
    X_train, X_test, y_train, _ = iris
    model = SparseRepresenterClassifier(method="Joint", **dict(FAST, max_epochs=1)).fit(X_train, y_train)
    model = copy.deepcopy(model)
    influences = np.zeros_like(model.influences_)
    influences[[0, 1, 2, 3, 4], [0, 1, 2, 0, 1]] = [0.2, -0.9, 0.5, -0.4, 0.1]
    model.influences_ = influences
    global_ = model.explain_global(n_examples=3)
    np.testing.assert_array_equal(global_["influences"], [-0.9, 0.5, -0.4])
    np.testing.assert_array_equal(global_["example_indices"], model.support_indices_[[1, 2, 3]])
    np.testing.assert_array_equal(global_["example_classes"], model.classes_[[1, 2, 0]])
    local = model.explain(X_test[:4], n_examples=3)
    np.testing.assert_array_equal(local["influences"], [-0.9, 0.5, -0.4])
    similarities = local["similarities"]
    expected = np.zeros((4, 3))
    for u, (influence, output) in enumerate([(-0.9, 1), (0.5, 2), (-0.4, 0)]):
        expected[:, output] += influence * similarities[:, u]
    np.testing.assert_allclose(local["scores"], expected, rtol=1e-12)


# ------------------------------------------------------ SENN robustness L_θ
def _senn_network(concepts, lam=1.0):
    if concepts == "input":
        encoder, decoder, n_concepts = InputConcepts(), None, 5
    else:
        encoder, decoder, n_concepts = nn.Sequential(mlp((4, 6, 3)), nn.Sigmoid()), mlp((3, 6, 4)), 3
    parameterizer = mlp((4, 8, 2 * n_concepts), nn.Tanh)
    module = SENNNetwork(encoder, decoder, parameterizer, n_concepts, 2, lam=lam, xi=0.0, sparsity=0.0)
    return reset_parameters(module, torch.Generator().manual_seed(0)).double()


def _robustness_by_autograd(module, x, detach_theta=False):
    """Each sample's ||J_x f(x) - θ(x) J_x h(x)||_F, from its own forward pass, differentiable."""
    values = []
    jacobian = torch.autograd.functional.jacobian
    for row in x:
        jacobian_f = jacobian(lambda z: module(z[None])[0][0], row, create_graph=True)
        jacobian_h = jacobian(lambda z: module(z[None])[1][0], row, create_graph=True)
        theta = module(row[None])[2][0]
        theta = theta.detach() if detach_theta else theta
        values.append(torch.linalg.norm(jacobian_f - theta @ jacobian_h))
    return torch.stack(values)


@pytest.mark.parametrize("concepts", ["input", "learned"])
def test_robustness_loss_is_each_samples_frobenius_norm_averaged_over_the_batch(concepts):
    module = _senn_network(concepts, lam=0.5)
    x = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    expected = _robustness_by_autograd(module, x).detach()
    value = module.robustness(x).detach()
    assert value.shape == (6,)
    np.testing.assert_allclose(value.numpy(), expected.numpy(), rtol=1e-10)
    penalty = module.penalty(module(x), x, training=True).detach()
    np.testing.assert_allclose(float(penalty), 0.5 * float(expected.mean()), rtol=1e-10)


@pytest.mark.parametrize("concepts", ["input", "learned"])
def test_robustness_loss_trains_the_parameterizer_through_theta_times_jacobian_h(concepts):
    module = _senn_network(concepts)
    x = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    parameters = list(module.parameterizer.parameters())
    expected = torch.autograd.grad(_robustness_by_autograd(module, x).mean(), parameters)
    theta_detached = _robustness_by_autograd(module, x, detach_theta=True).mean()
    without_theta = torch.autograd.grad(theta_detached, parameters)
    module.zero_grad()
    module.penalty(module(x), x, training=True).backward()
    for parameter, gradient, partial in zip(parameters, expected, without_theta):
        np.testing.assert_allclose(parameter.grad.numpy(), gradient.numpy(), rtol=1e-8, atol=1e-12)
        assert not np.allclose(gradient.numpy(), partial.numpy(), rtol=1e-3, atol=1e-6)


# ------------------------------------------------------- owned randomness
ESTIMATORS = {
    "PrototypeClassifier": (lambda **params: PrototypeClassifier(n_prototypes=4, **params), "iris_train"),
    "SENNClassifier": (SENNClassifier, "iris_train"),
    "SENNRegressor": (SENNRegressor, "diabetes"),
    "SparseRepresenterClassifier": (SparseRepresenterClassifier, "iris_train"),
    "SparseRepresenterRegressor": (SparseRepresenterRegressor, "diabetes"),
}


def _with_training_seed(model, seed):
    """``model`` with its initial weights from one fixed seed and its training draws from ``seed``."""
    model._fit_generators = lambda random_state, device: (
        torch.Generator().manual_seed(0), torch.Generator(device=device).manual_seed(seed))
    return model


@pytest.mark.filterwarnings("ignore:.*did not learn")  # 3 epochs tell two fits apart
@pytest.mark.parametrize("name", ESTIMATORS)
def test_every_estimator_fit_follows_its_random_state_and_training_generator(name, request):
    make, data = ESTIMATORS[name]
    X, y = request.getfixturevalue(data)
    settings = dict(max_epochs=3, batch_size=32, lr=0.01, device="cpu")

    def outputs(model):
        model.fit(X, y)
        return model.predict_proba(X) if hasattr(model, "classes_") else model.predict(X)

    first = outputs(make(random_state=1, **settings))
    np.testing.assert_array_equal(outputs(make(random_state=1, **settings)), first)
    assert np.abs(outputs(make(random_state=2, **settings)) - first).max() > 1e-3
    same_init = [outputs(_with_training_seed(make(**settings), seed)) for seed in (1, 2)]
    assert np.abs(same_init[0] - same_init[1]).max() > 1e-3


class FirstTrainingDraws(Callback):
    """Records the first training-mode gate draw, and the first dropout layer's first input and output."""

    def on_train_begin(self, net, **kwargs):
        self.draws = {"initial gate means": [net.module_.gate.mu.detach().clone()]}
        dropout = next(layer for layer in net.module_.modules() if isinstance(layer, Dropout))
        self._handles = [net.module_.gate.register_forward_hook(self._record("gate")),
                         dropout.register_forward_hook(self._record("dropout"))]

    def _record(self, name):
        def hook(layer, inputs, output):
            if layer.training and name not in self.draws:
                tensors = [value for value in (*inputs, output) if torch.is_tensor(value)]
                self.draws[name] = [tensor.detach().clone() for tensor in tensors]
        return hook

    def on_train_end(self, net, **kwargs):
        for handle in self._handles:
            handle.remove()


def _first_draws(X, y, training_seed):
    model = SparseRepresenterClassifier(callbacks=[FirstTrainingDraws()], **dict(FAST, max_epochs=1))
    _with_training_seed(model, training_seed).fit(X, y)
    return next(cb for _, cb in model.net_.callbacks_ if isinstance(cb, FirstTrainingDraws)).draws


def test_representer_gate_noise_and_dropout_masks_come_from_the_fits_training_generator(iris_train):
    X_train, y_train = iris_train
    first, again, other = (_first_draws(X_train, y_train, seed) for seed in (1, 1, 2))
    torch.testing.assert_close(other["initial gate means"], first["initial gate means"], rtol=0, atol=0)
    torch.testing.assert_close(again["gate"], first["gate"], rtol=0, atol=0)
    assert not torch.equal(other["gate"][0], first["gate"][0])
    torch.testing.assert_close(again["dropout"][1], first["dropout"][1], rtol=0, atol=0)
    (x_first, out_first), (x_other, out_other) = first["dropout"], other["dropout"]
    both_nonzero = (x_first != 0) & (x_other != 0)
    assert both_nonzero.sum() > 100
    assert ((out_first != 0) != (out_other != 0))[both_nonzero].any(), "other dropout masks"


def test_dropout_draws_its_masks_from_its_generator_only():
    layer = Dropout(0.3).train()
    x = torch.ones(16, 40)
    global_state = torch.get_rng_state()
    layer.generator = torch.Generator().manual_seed(5)
    first, second = layer(x), layer(x)
    layer.generator = torch.Generator().manual_seed(5)
    torch.testing.assert_close(layer(x), first, rtol=0, atol=0)
    layer.generator = torch.Generator().manual_seed(6)
    assert not torch.equal(layer(x), first)
    assert not torch.equal(second, first)
    assert torch.equal(torch.get_rng_state(), global_state)
    np.testing.assert_allclose(np.unique(first.numpy()), [0.0, 1 / 0.7], rtol=1e-6)
    assert torch.equal(layer.eval()(x), x)
