"""SparseRepresenterClassifier / Regressor (Iwata & Yoshikawa): model, objective, cost and explanations."""

import copy
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback, EarlyStopping
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import train_test_split

import sklearn_interp.nn.representer as representer_nn
from sklearn_interp import SparseRepresenterClassifier, SparseRepresenterRegressor
from sklearn_interp.nn.init import reset_parameters
from sklearn_interp.nn.representer import SparseRepresenterNetwork
from sklearn_interp.representer import SupportMaintenance

from .conftest import FAST


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def iris_model(iris):
    X_train, _, y_train, _ = iris
    return SparseRepresenterClassifier(**dict(FAST, max_epochs=100, lr=0.003)).fit(X_train, y_train)


def _features(model, X):
    """f(x) in float64, computed from the fitted module's own layers (not through explain)."""
    features = copy.deepcopy(model.net_.module_.features).double().eval()
    with torch.no_grad():
        return features(model.torch_input(X).double()).numpy()


def _expected_influences(model):
    """E[α] = max(0, min(1, mu)) * S from the module's parameters, indexed by support row."""
    module = model.net_.module_
    with torch.no_grad():
        gates = module.gate.mu.clamp(0, 1) if module.gate is not None else 1.0
        return (gates * module.influence).double().numpy()


def test_iris_accuracy_and_a_sparse_faithful_explanation(iris, iris_model):
    _, X_test, _, y_test = iris
    assert iris_model.score(X_test, y_test) >= 0.9
    assert np.count_nonzero(iris_model.influences_) <= 0.2 * 105 * 3  # of 105 rows x 3 classes
    faithful = np.mean(iris_model.predict_explained(X_test, n_examples=10) == iris_model.predict(X_test))
    assert faithful >= 0.9


def test_scores_are_the_top_influences_times_similarities_from_the_model(iris, iris_model):
    X_train, X_test, _, _ = iris
    exp = iris_model.explain(X_test, n_examples=6)
    # The six largest |E[α_nc]| over every training row and class, from the module's parameters.
    module = iris_model.net_.module_
    influences = _expected_influences(iris_model)
    order = np.argsort(-np.abs(influences).ravel(), kind="stable")[:6]
    rows, classes = np.unravel_index(order, influences.shape)
    positions = iris_model._train_positions[module.support_index.numpy()[rows]]
    np.testing.assert_array_equal(exp["example_indices"], positions)
    np.testing.assert_array_equal(exp["example_classes"], iris_model.classes_[classes])
    np.testing.assert_allclose(exp["influences"], influences[rows, classes], rtol=1e-6)
    # similarities = f(x_n)^T f(x), contributions on the example's class only, scores their sum.
    f_test = _features(iris_model, X_test)
    f_examples = _features(iris_model, X_train.iloc[positions])
    np.testing.assert_allclose(exp["similarities"], f_test @ f_examples.T, rtol=1e-6, atol=1e-9)
    expected = np.zeros((len(X_test), 3))
    for u, (n, c) in enumerate(zip(rows, classes)):
        expected[:, c] += influences[n, c] * (f_test @ f_examples[u])
    np.testing.assert_allclose(exp["scores"], expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(exp["contributions"].sum(-1), exp["scores"], atol=1e-5)
    off_class = np.ones((3, 6), bool)
    off_class[classes, np.arange(6)] = False
    assert (exp["contributions"][:, off_class] == 0).all()
    np.testing.assert_array_equal(exp["explained_class"], iris_model.classes_[expected.argmax(1)])
    np.testing.assert_array_equal(iris_model.predict_explained(X_test, 6), exp["explained_class"])
    np.testing.assert_array_equal(exp["predicted_class"], iris_model.predict(X_test))
    np.testing.assert_array_equal(exp["examples"], X_train.to_numpy()[positions])
    assert list(exp.coords["feature"]) == list(X_train.columns)
    np.testing.assert_array_equal(exp.coords["sample"], X_test.index)


def test_explain_global_lists_the_same_examples(iris, iris_model):
    X_train, y_train = iris[0], iris[2]
    local, global_ = iris_model.explain(iris[1][:2], n_examples=4), iris_model.explain_global(n_examples=4)
    for key in ("example_indices", "example_index_labels", "example_labels", "example_classes", "influences",
                "examples"):
        np.testing.assert_array_equal(local[key], global_[key])
    np.testing.assert_array_equal(global_["examples"], X_train.to_numpy()[global_["example_indices"]])
    np.testing.assert_array_equal(global_["example_labels"], y_train.to_numpy()[global_["example_indices"]])
    assert global_.meta["scope"] == "global"


def test_examples_carry_their_own_labels_and_index_labels(iris):
    X_train, X_test, y_train, _ = iris
    X_named = X_train.set_axis([f"flower {i}" for i in X_train.index])
    y_named = np.array(["setosa", "versicolor", "virginica"])[y_train]
    model = SparseRepresenterClassifier(**dict(FAST, max_epochs=10)).fit(X_named, y_named)
    np.testing.assert_array_equal(model.support_labels_, y_named[model.support_indices_])
    np.testing.assert_array_equal(model.support_index_labels_, X_named.index[model.support_indices_])
    for exp in (model.explain(X_test[:2], n_examples=5), model.explain_global(5)):
        np.testing.assert_array_equal(exp["example_labels"], y_named[exp["example_indices"]])
        np.testing.assert_array_equal(exp["example_index_labels"], X_named.index[exp["example_indices"]])
        frames = exp.to_frame(["example_labels", "example_classes"])
        for key, frame in frames.items():
            assert list(frame.columns) == ["example", "value"]
            np.testing.assert_array_equal(frame["value"], exp[key])
    model.fit(X_named.to_numpy(), y_named)  # without an index: no index labels, none left from the last fit
    assert not hasattr(model, "support_index_labels_") and "example_index_labels" not in model.explain_global(5)


def test_regressor_examples_carry_their_targets():
    X, y = load_diabetes(return_X_y=True)
    X, Y = X[:100], np.c_[y, -2 * y][:100]
    one = SparseRepresenterRegressor(**dict(FAST, max_epochs=5)).fit(X, Y[:, 0]).explain(X[:2], n_examples=4)
    assert one.dims["example_labels"] == ("example",)
    np.testing.assert_array_equal(one["example_labels"], Y[one["example_indices"], 0])
    two = SparseRepresenterRegressor(**dict(FAST, max_epochs=5)).fit(X, Y).explain_global(4)
    assert two.dims["example_labels"] == ("example", "output")
    np.testing.assert_array_equal(two["example_labels"], Y[two["example_indices"]])


def test_prediction_model_is_w_times_features(iris, iris_model):
    X_test = iris[1]
    logits = _features(iris_model, X_test) @ iris_model.net_.module_.head.weight.detach().double().numpy().T
    np.testing.assert_allclose(iris_model.predict_proba(X_test), torch.softmax(torch.tensor(logits), 1).numpy(),
                               rtol=1e-6)


def test_eta_makes_the_explanation_sparse(iris):
    X_train, _, y_train, _ = iris
    dense = SparseRepresenterClassifier(eta=0.0, **FAST).fit(X_train, y_train)
    sparse = SparseRepresenterClassifier(eta=0.05, **FAST).fit(X_train, y_train)
    assert np.count_nonzero(sparse.influences_) < 0.5 * np.count_nonzero(dense.influences_)
    # Joint has no gates: every influence stays.
    joint = SparseRepresenterClassifier(method="Joint", **FAST).fit(X_train, y_train)
    assert joint.influences_.shape == (len(X_train), 3) and np.count_nonzero(joint.influences_) == joint.influences_.size


def test_lam_trains_g_and_h_to_agree(iris):
    X_train, X_test, y_train, _ = iris
    settings = dict(FAST, eta=0.0, method="proposed")
    without = SparseRepresenterClassifier(lam=0.0, **settings).fit(X_train, y_train)
    with_lam = SparseRepresenterClassifier(lam=1.0, **settings).fit(X_train, y_train)
    def disagreement(model):
        n_nonzero = np.count_nonzero(model.influences_)
        return np.mean(model.predict_explained(X_test, n_nonzero) != model.predict(X_test))

    assert disagreement(with_lam) <= 0.05 < disagreement(without)


# ------------------------------------------------------------------ objective
def _network(n_support=12, n_features=5, n_outputs=3, method="proposed", classification=True, seed=0):
    generator = torch.Generator().manual_seed(seed)
    features = torch.nn.Sequential(torch.nn.Linear(4, n_features), torch.nn.ReLU())
    support = torch.randn(n_support, 4, generator=generator)
    module = SparseRepresenterNetwork(features, n_features, n_outputs, support, method, classification)
    reset_parameters(module, torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        module.influence.normal_(0, 0.3, generator=generator)
        if module.gate is not None:
            module.gate.mu.uniform_(-0.5, 1.5, generator=generator)
    module.refresh_support_embeddings()
    return module


def test_penalty_is_equation_11_with_lam_and_eta_on_their_own_terms():
    module = _network().eval()
    module.lam, module.eta = 0.3, 0.05
    x = torch.randn(7, 4, generator=torch.Generator().manual_seed(3))
    outputs = module(x)
    g, features = outputs
    with torch.no_grad():
        alpha = module.gate.mu.clamp(0, 1) * module.influence  # deterministic gates (eval)
        h = features @ (module.features(module.support_inputs).T @ alpha)
        mimic = -(torch.softmax(g, 1) * torch.log_softmax(h, 1)).sum(1).mean()
        omega = (0.5 * (1 + torch.erf(module.gate.mu / (0.5 * math.sqrt(2))))).sum()
        expected = 0.3 * mimic + 0.05 * omega
    torch.testing.assert_close(module.penalty(outputs, x), expected, rtol=1e-5, atol=1e-6)


def test_training_penalty_uses_the_sampled_gates_and_live_support_features():
    module = _network().train()
    module.lam, module.eta, module.n_mc_samples = 0.7, 0.0, 3
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(4))
    g, features = outputs = module(x)
    module.gate.generator = torch.Generator().manual_seed(9)
    penalty = module.penalty(outputs, x, training=True)
    draws = (module.gate.mu + 0.5 * torch.randn((3, 12, 3), generator=torch.Generator().manual_seed(9))).clamp(0, 1)
    h = torch.einsum("bk,nk,jnc->jbc", features, module.features(module.support_inputs), draws * module.influence)
    expected = 0.7 * -(torch.softmax(g, 1) * torch.log_softmax(h, -1)).sum(-1).mean()
    torch.testing.assert_close(penalty, expected, rtol=1e-5, atol=1e-6)
    module.penalty((g, features.detach()), x, training=True).backward()
    # Few open examples: their features are computed in the step, so f gets a gradient from their side.
    assert module.features[0].weight.grad.abs().sum() > 0


def test_many_open_examples_use_the_cached_embeddings(monkeypatch):
    module = _network().train()
    monkeypatch.setattr(representer_nn, "LIVE_SUPPORTS", 0)
    with torch.no_grad():
        module.support_embeddings.mul_(2.0)  # a stale cache, visibly different from f(x_n)
    rows = torch.arange(12)
    torch.testing.assert_close(module._support_features(rows, torch.float32),
                               module.support_embeddings.float())
    monkeypatch.setattr(representer_nn, "LIVE_SUPPORTS", 512)
    torch.testing.assert_close(module._support_features(rows, torch.float32),
                               module.features(module.support_inputs))


@pytest.mark.parametrize("n_closed", [2, 8])  # most rows open: a product over all rows; few: over the open ones
def test_cached_scores_sum_over_the_sampled_gates(monkeypatch, n_closed):
    monkeypatch.setattr(representer_nn, "LIVE_SUPPORTS", 0)
    module = _network().train()
    with torch.no_grad():
        module.gate.mu[:n_closed] = -10.0
        module.support_embeddings.mul_(2.0)  # the cache, not f(x_n), is used
    features = torch.randn(5, 5, generator=torch.Generator().manual_seed(1))
    module.gate.generator = torch.Generator().manual_seed(2)
    scores = module.explanation_scores(features)
    draws = (module.gate.mu + 0.5 * torch.randn((1, 12, 3), generator=torch.Generator().manual_seed(2))).clamp(0, 1)
    expected = features @ (module.support_embeddings.float().T @ (draws[0] * module.influence))
    torch.testing.assert_close(scores, expected[None])


def test_regression_mimic_loss_is_the_squared_error():
    module = _network(n_outputs=2, classification=False).eval()
    module.lam, module.eta = 2.0, 0.0
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(5))
    g, features = outputs = module(x)
    with torch.no_grad():
        h = features @ (module.support_embeddings.float().T @ (module.gate.mu.clamp(0, 1) * module.influence))
    torch.testing.assert_close(module.penalty(outputs, x), 2.0 * (h - g).pow(2).mean(), rtol=1e-5, atol=1e-6)


def test_rps_predicts_with_h_and_rpsr_adds_only_the_gate_penalty():
    module = _network(method="RPSR").eval()
    module.lam, module.eta = 5.0, 0.2
    x = torch.randn(4, 4, generator=torch.Generator().manual_seed(6))
    output, features = outputs = module(x)
    alpha = module.gate.mu.clamp(0, 1) * module.influence
    torch.testing.assert_close(output, features @ (module.support_embeddings.float().T @ alpha), rtol=1e-5,
                               atol=1e-6)
    omega = 0.5 * (1 + torch.erf(module.gate.mu / (0.5 * math.sqrt(2))))
    torch.testing.assert_close(module.penalty(outputs, x), 0.2 * omega.sum())


def test_prune_drops_closed_examples_and_their_optimizer_state():
    module = _network()
    with torch.no_grad():
        module.gate.mu[[2, 5]] = -3.0  # Φ(-6) < 1e-3 for every class
        module.gate.mu[7, :2] = -3.0  # one gate still open: kept
    optimizer = torch.optim.Adam(module.parameters())
    module.penalty(module.train()(torch.randn(3, 4)), None, training=True).backward()
    optimizer.step()
    state_before = optimizer.state[module.influence]["exp_avg"].clone()
    kept_support = module.support_index[[i for i in range(12) if i not in (2, 5)]]
    assert module.prune(optimizer) == 2
    assert module.influence.shape == module.gate.mu.shape == (10, 3)
    np.testing.assert_array_equal(module.support_index, kept_support)
    keep = [i for i in range(12) if i not in (2, 5)]
    torch.testing.assert_close(optimizer.state[module.influence]["exp_avg"], state_before[keep])
    optimizer.zero_grad()
    module.penalty(module(torch.randn(3, 4)), None, training=True).backward()
    optimizer.step()  # the optimizer runs on the pruned parameters


def test_pruning_between_steps_keeps_training():
    module = _network().train()
    optimizer = torch.optim.Adam(module.parameters())
    x = torch.randn(3, 4)
    loss = module.penalty(module(x), x, training=True)  # a step's graph, still referenced when pruning runs
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        module.gate.mu[[2, 5]] = -3.0
    old = module.influence
    module.prune(optimizer)
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    assert any(p is module.influence for p in parameters) and not any(p is old for p in parameters)
    optimizer.zero_grad()
    module.penalty(module(x), x, training=True).backward()
    optimizer.step()
    assert module.influence.grad.shape == (10, 3)


def test_support_maintenance_prunes_every_so_many_training_steps():
    calls = []
    net = SimpleNamespace(module_=SimpleNamespace(prune=calls.append), optimizer_="optimizer")
    callback = SupportMaintenance(prune_every=3).initialize()
    for _ in range(7):
        callback.on_batch_end(net, training=True)
    callback.on_batch_end(net, training=False)  # validation batches are not steps
    assert calls == ["optimizer", "optimizer"]


def test_loading_an_earlier_state_restores_its_examples():
    module = _network()
    earlier = copy.deepcopy(module.state_dict())
    with torch.no_grad():
        module.gate.mu[[2, 5]] = -3.0
    module.prune()
    module.load_state_dict(earlier)
    assert module.influence.shape == module.gate.mu.shape == module.gate.shape == (12, 3)
    for name, value in module.state_dict().items():
        torch.testing.assert_close(value, earlier[name])
    module.train()(torch.randn(3, 4))  # the gates draw for every restored example


def test_early_stopping_restores_the_best_epoch_with_its_examples(iris):
    X_train, _, y_train, _ = iris

    class CloseOneGate(Callback):  # so that every epoch ends with fewer examples than the one before
        def on_epoch_end(self, net, **kwargs):
            with torch.no_grad():
                net.module_.gate.mu[-1] = -10.0

    model = SparseRepresenterClassifier(n_iter_no_change=3, callbacks=[CloseOneGate()],
                                        **dict(FAST, max_epochs=100, early_stopping=True)).fit(X_train, y_train)
    stopper = next(cb for _, cb in model.net_.callbacks_ if isinstance(cb, EarlyStopping))
    assert stopper.best_epoch_ < len(model.net_.history)  # examples were pruned after the best epoch
    state = model.net_.module_.state_dict()
    for name, value in stopper.best_model_weights_.items():  # the cached f(x_n) are refreshed after fit
        if name != "support_embeddings":
            torch.testing.assert_close(state[name], value)
    assert state["support_embeddings"].shape == stopper.best_model_weights_["support_embeddings"].shape
    assert set(model.support_indices_) <= set(model._train_positions[state["support_index"].numpy()])


def test_pretrain_freezes_g_while_fitting_h(iris):
    X_train, _, y_train, _ = iris

    class Snapshots(Callback):
        def __init__(self):
            self.states = []

        def on_train_begin(self, net, **kwargs):
            self.states.append(("begin", copy.deepcopy(net.module_.state_dict())))

        def on_train_end(self, net, **kwargs):
            self.states.append(("end", copy.deepcopy(net.module_.state_dict())))

    model = SparseRepresenterClassifier(method="PretrainR", callbacks=[Snapshots()], **dict(FAST, max_epochs=5))
    model.fit(X_train, y_train)
    history = model.net_.history
    assert len(history) == 10  # two stages of max_epochs, one log
    callbacks = [cb for _, cb in model.net_.callbacks_ if isinstance(cb, Snapshots)]
    (_, stage2_begin), (_, stage2_end) = callbacks[0].states
    for name in stage2_begin:
        if name.startswith(("features", "head")):
            torch.testing.assert_close(stage2_begin[name], stage2_end[name])
    assert not torch.equal(stage2_begin["influence"], stage2_end["influence"])


def test_random_state_reproduces_the_fit(iris):
    X_train, _, y_train, _ = iris
    torch.manual_seed(123)
    first = SparseRepresenterClassifier(**FAST).fit(X_train, y_train)
    torch.manual_seed(456)
    second = SparseRepresenterClassifier(**FAST).fit(X_train, y_train)
    np.testing.assert_array_equal(first.influences_, second.influences_)
    np.testing.assert_array_equal(first.support_indices_, second.support_indices_)


def test_example_indices_are_positions_in_the_fitted_data_with_early_stopping(iris):
    X_train, X_test, y_train, _ = iris
    model = SparseRepresenterClassifier(**dict(FAST, early_stopping=True)).fit(X_train, y_train)
    exp = model.explain(X_test[:3], n_examples=5)
    np.testing.assert_array_equal(exp["examples"], X_train.to_numpy()[exp["example_indices"]])
    assert len(model._train_positions) == len(X_train) - math.ceil(0.1 * len(X_train))


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("params", [{"lam": -0.1}, {"eta": -1.0}, {"sigma": 0.0}, {"sigma": -0.5},
                                    {"n_mc_samples": 0}, {"method": "rps"}, {"dropout": 1.0},
                                    {"explanation_lr": 0.0}, {"explanation_lr": "fast"}])
def test_bad_parameters_raise_at_fit(params, iris):
    X_train, _, y_train, _ = iris
    with pytest.raises(ValueError, match=list(params)[0]):
        SparseRepresenterClassifier(**params, **FAST).fit(X_train, y_train)


def test_too_many_examples_warns_and_uses_the_nonzero_ones(iris, iris_model):
    n_nonzero = np.count_nonzero(iris_model.influences_)
    with pytest.warns(UserWarning, match=f"only {n_nonzero} nonzero influences"):
        exp = iris_model.explain(iris[1][:2], n_examples=n_nonzero + 5)
    assert exp["influences"].shape == (n_nonzero,) and np.all(exp["influences"] != 0)
    with pytest.raises(ValueError, match="n_examples"):
        iris_model.explain(iris[1][:2], n_examples=0)


def test_an_explanation_model_without_examples_predicts_nothing(iris, iris_model):
    model = copy.deepcopy(iris_model)
    model.influences_ = np.zeros_like(model.influences_)
    with pytest.warns(UserWarning, match="only 0 nonzero influences"):
        assert model.explain_global(3)["influences"].shape == (0,)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="no example"):
        model.predict_explained(iris[1])


def test_without_stored_rows_asking_for_them_raises(iris):
    X_train, X_test, y_train, _ = iris
    model = SparseRepresenterClassifier(store_training_data=False, **FAST).fit(X_train, y_train)
    assert not hasattr(model, "support_examples_")
    assert "examples" not in model.explain(X_test[:2], 3)
    with pytest.raises(ValueError, match="store_training_data=False"):
        model.explain(X_test[:2], 3, include_examples=True)
    with pytest.raises(ValueError, match="store_training_data=False"):
        model.explain_global(3, include_examples=True)


def test_warm_start_on_other_rows_raises(iris):
    X_train, _, y_train, _ = iris
    model = SparseRepresenterClassifier(warm_start=True, **FAST).fit(X_train, y_train)
    model.fit(X_train, y_train)  # same rows: continues
    with pytest.raises(ValueError, match="same 105 training rows"):
        model.fit(X_train[:50], y_train[:50])


def test_rpsr_rejects_several_gate_draws(iris):
    X_train, _, y_train, _ = iris
    with pytest.raises(ValueError, match="RPSR"):
        SparseRepresenterClassifier(method="RPSR", n_mc_samples=2, **FAST).fit(X_train, y_train)


# ------------------------------------------------------------ other inputs
def test_regressor_explanations_rebuild_its_explained_prediction():
    X, y = load_diabetes(return_X_y=True)
    reg = SparseRepresenterRegressor(**FAST).fit(X[:300], y[:300])
    assert reg.score(X[300:], y[300:]) > 0.2
    exp = reg.explain(X[300:310], n_examples=8)
    np.testing.assert_allclose(exp["intercept"], [y[:300].mean()])
    rebuilt = exp["contributions"].sum(-1)[:, 0] + exp["intercept"][0]
    np.testing.assert_allclose(rebuilt, exp["scores"][:, 0], rtol=1e-12)
    np.testing.assert_allclose(rebuilt, reg.predict_explained(X[300:310], 8), rtol=1e-12)
    np.testing.assert_allclose(exp["predictions"][:, 0], reg.predict(X[300:310]))
    assert set(exp["example_classes"]) <= {0}


def test_images_are_explained_by_training_images():
    digits = load_digits()
    X, y = digits.images[:300], digits.target[:300]
    model = SparseRepresenterClassifier(conv_channels=(8, 16), hidden_layer_sizes=(32, 32), max_epochs=15, eta=1e-3,
                                        random_state=0, device="cpu", lr=0.01).fit(X, y)
    X_test, y_test = digits.images[300:500], digits.target[300:500]
    majority = DummyClassifier(strategy="most_frequent").fit(X, y).score(X_test, y_test)
    assert model.score(X_test, y_test) > 3 * majority
    exp = model.explain(digits.images[300:302], n_examples=4)
    assert exp["examples"].shape == (4, 1, 8, 8) and exp.meta["image"]
    np.testing.assert_array_equal(exp["examples"][:, 0], X[exp["example_indices"]])


def test_dataframe_and_pipeline_use(iris):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_train, X_test, y_train, y_test = iris
    pipe = make_pipeline(StandardScaler(), SparseRepresenterClassifier(**FAST)).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.85
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = pipe[-1].explain(pipe[:-1].transform(X_test), n_examples=3).to_frame("contributions")
    assert len(frame) == len(X_test) * 3 * 3


def test_explanation_parameters_train_at_their_own_rate(iris, iris_model):
    groups = iris_model.net_.optimizer_.param_groups
    module = iris_model.net_.module_
    rates = {id(p): group["lr"] for group in groups for p in group["params"]}
    assert rates[id(module.influence)] == rates[id(module.gate.mu)] == 0.03
    assert rates[id(module.head.weight)] == iris_model.lr
    paper = SparseRepresenterClassifier(explanation_lr=None, **FAST).fit(iris[0], iris[2])
    assert {group["lr"] for group in paper.net_.optimizer_.param_groups} == {FAST["lr"]}
    ungated = SparseRepresenterClassifier(method="Joint", **dict(FAST, max_epochs=1)).fit(iris[0], iris[2])
    assert {group["lr"] for group in ungated.net_.optimizer_.param_groups} == {FAST["lr"]}
    chosen = SparseRepresenterClassifier(method="Joint", explanation_lr=0.2, **dict(FAST, max_epochs=1))
    groups = chosen.fit(iris[0], iris[2]).net_.optimizer_.param_groups
    assert [p for group in groups if group["lr"] == 0.2 for p in group["params"]] == [chosen.net_.module_.influence]


def test_fit_prunes_examples_whose_gates_closed(iris):
    X_train, X_test, y_train, _ = iris
    model = SparseRepresenterClassifier(explanation_lr=0.1, **dict(FAST, max_epochs=60)).fit(X_train, y_train)
    module = model.net_.module_
    assert len(module.support_index) < 105 == module.n_train
    assert module.influence.shape == module.gate.mu.shape == (len(module.support_index), 3)
    threshold = 0.5 * -3.0902  # sigma times the standard normal quantile of 1e-3
    assert (module.gate.mu.max(dim=1).values >= threshold).all()
    assert set(model.support_indices_) <= set(model._train_positions[module.support_index.numpy()])
    model.predict_explained(X_test, 1)


def test_any_feature_module_can_be_f(iris):
    X_train, X_test, y_train, _ = iris
    features = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh())
    model = SparseRepresenterClassifier(features=features, eta=0.0, **FAST).fit(X_train, y_train)
    assert model.net_.module_.head.in_features == 8 and model.support_embeddings_.shape[1] == 8
    np.testing.assert_allclose(model.support_embeddings_, _features(model, X_train.iloc[model.support_indices_]),
                               rtol=1e-6, atol=1e-9)
    assert model.explain(X_test[:2], n_examples=3)["similarities"].shape == (2, 3)
