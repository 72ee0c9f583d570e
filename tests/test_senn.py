"""SENNClassifier and SENNRegressor (Alvarez-Melis & Jaakkola, 2018): model, loss and explanations."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from sklearn_interp import SENNClassifier, SENNRegressor
from sklearn_interp.nn import mlp
from sklearn_interp.senn import InputConcepts, SENNNetwork

from .conftest import FAST


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def cancer_model(cancer):
    X_train, _, y_train, _ = cancer
    return SENNClassifier(**FAST).fit(X_train, y_train)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.images[:400] / 16.0, data.target[:400]


@pytest.fixture(scope="module")
def digits_model(digits):
    X, y = digits
    return SENNClassifier(n_concepts=4, conv_channels=(8, 16), hidden_layer_sizes=(32,), max_epochs=5,
                          lr=0.01, random_state=0, device="cpu").fit(X, y)


def test_breast_cancer_accuracy(cancer, cancer_model):
    _, X_test, _, y_test = cancer
    assert cancer_model.score(X_test, y_test) >= 0.93


def test_regressor_learns_diabetes():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    # On 331 rows θ(x) overfits unless L_θ keeps it nearly constant (a large lam).
    reg = SENNRegressor(max_epochs=40, lam=1.0, random_state=0, device="cpu").fit(X_train, y_train)
    assert reg.score(X_test, y_test) > 0.2
    explanation = reg.explain(X_test[:5])
    assert explanation["relevances"].shape == (5, 1, 11)
    np.testing.assert_allclose(explanation["intercept"], [y_train.mean()])
    rebuilt = explanation["contributions"].sum(-1)[:, 0] + explanation["intercept"][0]
    np.testing.assert_allclose(rebuilt, reg.predict(X_test[:5]), rtol=1e-10)


def test_contributions_rebuild_the_logits_and_predictions(cancer, cancer_model):
    _, X_test, _, _ = cancer
    explanation = cancer_model.explain(X_test[:30])
    logits = explanation["logits"]
    assert explanation["relevances"].shape == (30, 2, 31) and explanation["concepts"].shape == (30, 31)
    np.testing.assert_allclose(explanation["contributions"].sum(-1), logits, atol=1e-5)
    np.testing.assert_allclose(logits[:, 1] - logits[:, 0], cancer_model.decision_function(X_test[:30]), atol=1e-9)
    np.testing.assert_allclose(explanation["probabilities"], cancer_model.predict_proba(X_test[:30]), atol=1e-12)
    np.testing.assert_array_equal(explanation["predicted_class"], cancer_model.predict(X_test[:30]))


def test_each_attribution_is_what_the_model_computes(cancer, cancer_model):
    """Concepts are the standardized features and a bias; relevances are θ(x) for every class."""
    X_train, X_test, _, _ = cancer
    explanation = cancer_model.explain(X_test[:10])
    standardized = (X_test[:10].to_numpy() - X_train.mean().to_numpy()) / X_train.std(ddof=0).to_numpy()
    np.testing.assert_allclose(explanation["concepts"][:, :-1], standardized, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(explanation["concepts"][:, -1], 1.0)
    module = cancer_model.net_.module_.eval()
    with torch.no_grad():
        theta = module.parameterizer(cancer_model.torch_input(X_test[:10])).double().numpy().reshape(10, 2, 31)
    np.testing.assert_allclose(explanation["relevances"], theta, rtol=1e-4, atol=1e-5)
    expected = explanation["relevances"] * explanation["concepts"][:, None, :]
    np.testing.assert_allclose(explanation["contributions"], expected, rtol=1e-12)
    assert not np.allclose(expected[:, 0], expected[:, 1]), "classes differ, so a swap would show"


def test_concepts_are_named_by_feature_and_samples_by_index(cancer, cancer_model):
    _, X_test, _, _ = cancer
    explanation = cancer_model.explain(X_test[:4])
    assert list(explanation.coords["concept"]) == [*X_test.columns, "bias"]
    np.testing.assert_array_equal(explanation.coords["sample"], X_test.index[:4])


def _numerical_jacobian(function, x, eps=1e-6):
    columns = []
    for i in range(x.numel()):
        step = torch.zeros_like(x).flatten()
        step[i] = eps
        step = step.view_as(x)
        columns.append((function(x + step) - function(x - step)) / (2 * eps))
    return torch.stack(columns, dim=-1)


def _toy_network(n_features=4, n_concepts=3, n_outputs=2, concepts="learned", lam=1.0, xi=1.0, sparsity=1.0):
    torch.manual_seed(0)
    if concepts == "input":
        encoder, decoder, n_concepts = InputConcepts(), None, n_features + 1
    else:
        encoder = nn.Sequential(mlp((n_features, 6, n_concepts)), nn.Sigmoid())
        decoder = mlp((n_concepts, 6, n_features))
    parameterizer = mlp((n_features, 8, n_outputs * n_concepts), nn.Tanh)
    return SENNNetwork(encoder, decoder, parameterizer, n_concepts, n_outputs, lam, xi, sparsity).double()


@pytest.mark.parametrize("concepts", ["input", "learned"])
def test_robustness_loss_matches_finite_differences(concepts):
    module = _toy_network(concepts=concepts)
    x = torch.randn(5, 4, dtype=torch.float64)
    _, _, relevances = module(x)
    for i in range(len(x)):
        jacobian_f = _numerical_jacobian(lambda z: module(z[None])[0][0], x[i])
        jacobian_h = _numerical_jacobian(lambda z: module(z[None])[1][0], x[i])
        expected = torch.linalg.norm(jacobian_f - relevances[i] @ jacobian_h)
        value = module.robustness(x[i:i + 1]).detach()
        assert float(value) == pytest.approx(float(expected.detach()), rel=1e-6)


def test_robustness_loss_is_zero_for_constant_relevances():
    module = _toy_network(concepts="input")
    last = module.parameterizer[-1]
    with torch.no_grad():
        for layer in module.parameterizer:
            if isinstance(layer, nn.Linear):
                layer.weight.zero_()
        last.bias.copy_(torch.randn_like(last.bias))
    x = torch.randn(6, 4, dtype=torch.float64)
    assert float(module.robustness(x).detach().max()) < 1e-12


def test_penalty_is_equation_4_with_each_weight_on_its_own_term():
    lam, xi, sparsity = 0.3, 2.0, 0.05
    module = _toy_network(lam=lam, xi=xi, sparsity=sparsity)
    x = torch.randn(7, 4, dtype=torch.float64)
    outputs = module(x)
    _, concepts, relevances = outputs
    recon = (module.concept_decoder(concepts) - x).pow(2).mean()
    robust = module.robustness(x).mean()
    expected = lam * robust + xi * recon + sparsity * concepts.abs().mean()
    value = lambda tensor: float(tensor.detach())  # noqa: E731
    assert value(module.penalty(outputs, x, training=True)) == pytest.approx(value(expected), rel=1e-10)
    assert value(module.penalty(outputs, x, training=False)) == pytest.approx(
        value(xi * recon + sparsity * concepts.abs().mean()), rel=1e-10), "validation leaves out L_θ only"


@pytest.mark.parametrize("term, reaches", [
    ("lam", "parameterizer"), ("xi", "concept_decoder"), ("sparsity", "concept_encoder"),
])
def test_every_term_reaches_the_gradient(term, reaches):
    """All three terms of eq. (4) train (the authors' code dropped the concept loss with L_θ on)."""
    weights = {"lam": 0.0, "xi": 0.0, "sparsity": 0.0, term: 1.0}
    module = _toy_network(**weights)
    x = torch.randn(8, 4, dtype=torch.float64)
    module.penalty(module(x), x, training=True).backward()
    gradient = sum(float(p.grad.abs().sum()) for p in getattr(module, reaches).parameters() if p.grad is not None)
    assert gradient > 0
    if term != "lam":
        assert all(p.grad is None or not p.grad.any() for p in module.parameterizer.parameters())


def test_all_terms_are_trained_together(digits):
    X, y = digits
    clf = SENNClassifier(n_concepts=4, conv_channels=(8, 16), hidden_layer_sizes=(32,), max_epochs=1, lam=0.5,
                         xi=1.0, sparsity=0.1, random_state=0, device="cpu").fit(X, y)
    module = clf.net_.module_
    x = clf.torch_input(X[:16])
    module.zero_grad()
    module.train()
    module.penalty(module(x), x, training=True).backward()
    module.eval()
    for part in ("concept_encoder", "concept_decoder", "parameterizer"):
        assert any(p.grad is not None and p.grad.any() for p in getattr(module, part).parameters()), part


def test_lam_makes_the_model_locally_linear_in_its_concepts(cancer):
    X_train, X_test, y_train, _ = cancer

    def mean_robustness(lam):
        clf = SENNClassifier(lam=lam, **FAST).fit(X_train, y_train)
        module = clf.net_.module_
        x = clf.torch_input(X_test[:50])
        return float(module.robustness(x).detach().mean())

    assert mean_robustness(1.0) < 0.5 * mean_robustness(0.0)


def test_learned_concepts_are_grounded_by_their_top_training_examples(digits, digits_model):
    X, _ = digits
    concepts = digits_model.explain(X)["concepts"]
    global_exp = digits_model.explain_global()
    indices = global_exp["example_indices"]
    assert indices.shape == (4, 8)
    for i in range(4):
        np.testing.assert_array_equal(np.sort(concepts[indices[i], i]), np.sort(concepts[:, i])[-8:])
        np.testing.assert_allclose(global_exp["example_activations"][i], concepts[indices[i], i], rtol=1e-6)
        np.testing.assert_array_equal(global_exp["examples"][i], X[indices[i]][:, None])
    assert global_exp["decoded_concepts"].shape == (4, 1, 8, 8)
    global_exp["examples"][:] = 0
    assert digits_model.concept_examples_.any(), "explain_global returns copies"


def test_input_concepts_have_no_grounding(cancer_model):
    with pytest.raises(ValueError, match="nothing to ground"):
        cancer_model.explain_global()


def test_image_layouts_and_accuracy(digits, digits_model):
    X, y = digits
    majority = DummyClassifier(strategy="most_frequent").fit(X, y).score(X, y)
    assert digits_model.score(X, y) > 3 * majority
    np.testing.assert_array_equal(digits_model.predict(X.reshape(len(X), -1)), digits_model.predict(X))


@pytest.mark.parametrize("params, message", [
    (dict(lam=-1.0), "'lam' parameter"),
    (dict(n_concepts=0), "'n_concepts' parameter"),
    (dict(xi=-0.1), "'xi' parameter"),
    (dict(concepts="pixels"), "'concepts' parameter"),
])
def test_bad_parameters_raise_at_fit(cancer, params, message):
    X_train, _, y_train, _ = cancer
    with pytest.raises(ValueError, match=message):
        SENNClassifier(**params).fit(X_train, y_train)


def test_images_with_input_concepts_raise(digits):
    X, y = digits
    with pytest.raises(ValueError, match="concepts='input'.*tabular"):
        SENNClassifier(concepts="input").fit(X, y)


class SqrtConcepts(nn.Module):
    def forward(self, x):
        return torch.sqrt(x.abs())  # d/dx is sign(0) * inf = NaN where x is 0


def test_concepts_with_non_finite_jacobians_raise(cancer):
    X_train, _, y_train, _ = cancer
    X = X_train.assign(constant=1.0)  # a constant feature is scaled to exactly 0
    with pytest.raises(ValueError, match="non-finite Jacobians"):
        SENNClassifier(concepts=SqrtConcepts(), n_concepts=31, **FAST).fit(X, y_train)


def test_grid_search_over_lam_in_a_pipeline(cancer):
    X_train, _, y_train, _ = cancer
    pipe = make_pipeline(StandardScaler(), SENNClassifier(**{**FAST, "max_epochs": 5}))
    search = GridSearchCV(pipe, {"sennclassifier__lam": [0.0, 0.1]}, cv=2).fit(X_train, y_train)
    results = search.cv_results_
    majority = DummyClassifier(strategy="most_frequent").fit(X_train, y_train).score(X_train, y_train)
    assert np.all(results["mean_test_score"] > majority + 0.1), "every candidate fitted and scored"
    best = int(np.argmax(results["mean_test_score"]))
    assert search.best_params_ == results["params"][best]
    refitted = search.best_estimator_[-1]
    assert refitted.lam == refitted.net_.module_.lam == results["params"][best]["sennclassifier__lam"]


def test_same_random_state_reproduces_the_fit(cancer):
    X_train, X_test, y_train, _ = cancer
    fit = lambda seed: SENNClassifier(**{**FAST, "max_epochs": 3, "random_state": seed}).fit(  # noqa: E731
        X_train, y_train).predict_proba(X_test)
    np.testing.assert_array_equal(fit(1), fit(1))
    assert not np.array_equal(fit(1), fit(2))


def test_string_labels_and_dataframe_explanation(cancer):
    X_train, X_test, y_train, _ = cancer
    labels = np.array(["benign", "malignant"])[y_train]
    clf = SENNClassifier(**{**FAST, "max_epochs": 5}).fit(X_train, labels)
    frame = clf.explain(X_test[:3]).to_frame("relevances")
    assert set(frame["class"]) == {"benign", "malignant"}
    assert isinstance(frame, pd.DataFrame) and len(frame) == 3 * 2 * 31


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
@pytest.mark.parametrize("X, message", [
    (np.zeros((2, 5)), "5 features"),
    (np.full((2, 30), np.nan), "NaN"),
    (np.zeros((0, 30)), "0 sample"),
])
def test_explain_rejects_bad_input(cancer_model, X, message):
    with pytest.raises(ValueError, match=message):
        cancer_model.explain(X)


def test_explain_before_fit_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SENNClassifier().explain(np.zeros((2, 30)))
