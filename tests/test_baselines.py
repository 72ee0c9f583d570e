"""Post-hoc explainers wrapped from lime, shap and captum (sklearn_interp.baselines)."""

import copy
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_interp import SENNClassifier, SENNRegressor
from sklearn_interp.baselines import IntegratedGradientsExplainer, KernelShapExplainer, LimeExplainer

from .conftest import FAST, rendered

LIME = dict(num_samples=300, random_state=0)
SHAP = dict(nsamples=100, random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X.set_axis(X.index + 1000), y.set_axis(X.index + 1000)  # an index that is not 0..n-1


@pytest.fixture(scope="module")
def pipe(iris):
    mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
    return make_pipeline(StandardScaler(), mlp).fit(*iris)


@pytest.fixture(scope="module")
def senn(iris):
    X, y = iris
    return SENNClassifier(**FAST).fit(X.to_numpy(), y.to_numpy())


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:150], y[:150]


@pytest.fixture(scope="module")
def ridge(diabetes):
    return Ridge(alpha=0.1).fit(*diabetes)


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return X, y, make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)


def lime(estimator, **kwargs):
    return LimeExplainer(estimator, **{**LIME, **kwargs})


def kernel_shap(estimator, **kwargs):
    return KernelShapExplainer(estimator, **{**SHAP, **kwargs})


SAMPLING = [lime, kernel_shap]


# ------------------------------------------------------------------ shapes and labels
@pytest.mark.parametrize("make", SAMPLING)
def test_classifier_explanation_has_every_class_and_the_dataframes_labels(make, iris, pipe):
    X, _ = iris
    rows = X.iloc[[3, 70, 140]]
    exp = make(pipe).fit(X).explain(rows)
    assert exp["contributions"].shape == (3, 3, 4) and exp["contributions"].dtype == np.float64
    assert exp.dims["contributions"] == ("sample", "class", "feature")
    np.testing.assert_allclose(exp["probabilities"], pipe.predict_proba(rows))
    np.testing.assert_array_equal(exp["predicted_class"], pipe.predict(rows))
    assert exp.dims["probabilities"] == ("sample", "class") and exp.dims["predicted_class"] == ("sample",)
    assert exp.coords["feature"].tolist() == list(X.columns)
    assert exp.coords["sample"].tolist() == [1003, 1070, 1140]
    np.testing.assert_array_equal(exp.coords["class"], pipe.classes_)
    assert exp.meta["scope"] == "local" and exp.meta["sampling"] == "fresh"
    frame = exp.to_frame("contributions")
    assert list(frame.columns) == ["sample", "class", "feature", "value"] and len(frame) == 3 * 3 * 4
    assert frame["sample"].iloc[0] == 1003 and frame["feature"].iloc[1] == X.columns[1]
    if make is lime:
        assert exp.meta["method"] == "lime" and exp.meta["kernel_width"] == pytest.approx(1.5)
        for key in ("intercepts", "local_r2"):
            assert exp[key].shape == (3, 3) and exp.dims[key] == ("sample", "class")
        assert np.all((exp["local_r2"] > 0) & (exp["local_r2"] <= 1))
        assert len(np.unique(exp["local_r2"][0])) == 3  # one R² per class, not lime's last one
    else:
        assert exp.meta["method"] == "kernel_shap" and exp.meta["n_background"] == 10
        assert exp["base_values"].shape == (3,) and exp.dims["base_values"] == ("class",)


@pytest.mark.parametrize("make", SAMPLING)
def test_regressor_explanation_has_outputs(make, diabetes, ridge):
    X, _ = diabetes
    exp = make(ridge).fit(X).explain(X[:2])
    assert exp["contributions"].shape == (2, 1, 10)
    assert exp.dims["contributions"] == ("sample", "output", "feature")
    np.testing.assert_allclose(exp["predictions"], ridge.predict(X[:2])[:, None])
    assert exp.dims["predictions"] == ("sample", "output") and "class" not in exp.coords
    assert exp.coords["feature"].tolist() == [f"x{i}" for i in range(10)] and "sample" not in exp.coords
    assert "probabilities" not in exp.keys() and "predicted_class" not in exp.keys()


def test_lime_regression_weights_have_the_models_signs(diabetes):
    X, y = diabetes
    model = LinearRegression().fit(X[:, :3], y)
    exp = lime(model, discretize_continuous=False, num_samples=500).fit(X[:, :3]).explain(X[:2, :3])
    # lime files a regression under label 1, with label 0 negated; the weights are per standardized feature,
    # a little shrunk by lime's ridge penalty (alpha=1)
    np.testing.assert_allclose(exp["contributions"][:, 0], np.tile(model.coef_ * X[:, :3].std(0), (2, 1)),
                               rtol=0.05)
    assert np.all(exp["local_r2"] > 0.99)


@pytest.mark.parametrize("make", SAMPLING)
def test_multi_output_regressor_explains_each_output(make, diabetes):
    X, y = diabetes
    model = LinearRegression().fit(X, np.c_[y, -2 * y])  # the second output is -2 times the first
    exp = make(model, sampling="fixed").fit(X).explain(X[:2])
    assert exp["contributions"].shape == (2, 2, 10)
    np.testing.assert_allclose(exp["predictions"], model.predict(X[:2]))
    # fixed sampling: both outputs see the same perturbations (lime explains one output per call)
    np.testing.assert_allclose(exp["contributions"][:, 1], -2 * exp["contributions"][:, 0],
                               rtol=1e-6, atol=1e-8)
    key = "base_values" if make is kernel_shap else "intercepts"
    np.testing.assert_allclose(exp[key][..., 1], -2 * exp[key][..., 0], rtol=1e-6)


def test_senn_classifier_is_explained_like_any_model(iris, senn):
    X = iris[0].to_numpy()
    for explainer in (lime(senn), kernel_shap(senn), IntegratedGradientsExplainer(senn)):
        exp = explainer.fit(X).explain(X[:2])
        assert exp["contributions"].shape == (2, 3, 4)
        np.testing.assert_allclose(exp["probabilities"], senn.predict_proba(X[:2]))
        assert exp.coords["feature"].tolist() == ["x0", "x1", "x2", "x3"]


# ------------------------------------------------------------------ sampling
def test_lime_fixed_sampling_gives_a_row_the_same_explanation_anywhere(iris, pipe):
    X, _ = iris
    explainer = lime(pipe, sampling="fixed", random_state=None).fit(X)
    first = explainer.explain(X.iloc[[5, 60]])["contributions"]
    again = explainer.explain(X.iloc[[100, 60, 5]])["contributions"]
    np.testing.assert_array_equal(first[0], again[2])
    np.testing.assert_array_equal(first[1], again[1])
    assert explainer.explain(X.iloc[[60, 60]])["contributions"][0].tolist() == first[1].tolist()
    assert not np.array_equal(first[0], first[1])


def test_lime_fresh_sampling_draws_anew_yet_a_refit_reproduces_the_calls(iris, pipe):
    X, _ = iris
    explainer = lime(pipe, random_state=3).fit(X)
    calls = [explainer.explain(X.iloc[[5, 5]])["contributions"] for _ in range(2)]
    assert not np.array_equal(calls[0][0], calls[0][1]) and not np.array_equal(calls[0][0], calls[1][0])
    explainer.fit(X)
    again = [explainer.explain(X.iloc[[5, 5]])["contributions"] for _ in range(2)]
    np.testing.assert_array_equal(np.array(calls), np.array(again))
    other = lime(pipe, random_state=4).fit(X).explain(X.iloc[[5]])["contributions"]
    assert not np.array_equal(other[0], calls[0][0])


def test_kernel_shap_fixed_and_fresh_sampling(wine):
    X, _, model = wine  # 13 features: 100 of 8190 coalitions are sampled
    fixed = kernel_shap(model, sampling="fixed", nsamples=60, n_background=5).fit(X)
    first = fixed.explain(X[[5, 60]])["contributions"]
    again = fixed.explain(X[[100, 60, 5]])["contributions"]
    np.testing.assert_array_equal(first[0], again[2])
    np.testing.assert_array_equal(first[1], again[1])
    fresh = kernel_shap(model, nsamples=60, n_background=5, random_state=1).fit(X)
    calls = [fresh.explain(X[[5]])["contributions"] for _ in range(2)]
    assert not np.array_equal(calls[0], calls[1])
    fresh.fit(X)
    np.testing.assert_array_equal(np.array(calls), np.array([fresh.explain(X[[5]])["contributions"]
                                                             for _ in range(2)]))


@pytest.mark.parametrize("sampling", ["fresh", "fixed"])
@pytest.mark.parametrize("random_state", [None, 0])
def test_kernel_shap_leaves_the_global_rng_as_it_was(wine, sampling, random_state):
    X, _, model = wine
    explainer = kernel_shap(model, nsamples=30, n_background=3, sampling=sampling, random_state=random_state)
    np.random.seed(12)
    explainer.fit(X).explain(X[:2])
    after = np.random.get_state()
    np.random.seed(12)
    expected = np.random.get_state()
    assert after[0] == expected[0] and np.array_equal(after[1], expected[1]) and after[2:] == expected[2:]


# ------------------------------------------------------------------ the methods' own properties
def test_shap_efficiency_for_every_class(iris, pipe):
    X, _ = iris
    exp = kernel_shap(pipe).fit(X).explain(X.iloc[::25])
    np.testing.assert_allclose(exp["contributions"].sum(-1) + exp["base_values"],
                               pipe.predict_proba(X.iloc[::25]), atol=1e-8)
    explainer = kernel_shap(pipe, n_background=200).fit(X)  # more rows than X: X itself is the background
    np.testing.assert_array_equal(explainer.background_, X.to_numpy())
    np.testing.assert_allclose(explainer.expected_value_, pipe.predict_proba(X).mean(0))


def test_integrated_gradients_completeness_on_senn(iris, senn):
    X = iris[0].to_numpy()
    explainer = IntegratedGradientsExplainer(senn, n_steps=50).fit(X)
    exp = explainer.explain(X[::10])
    np.testing.assert_allclose(explainer.baseline_, X.mean(0))
    expected = senn.predict_proba(X[::10]) - senn.predict_proba(X.mean(0, keepdims=True))
    # the path crosses the softmax's steep region (p goes from ~0 to ~1), so 50 steps leave a few 1e-3;
    # captum's convergence_delta is that quadrature error, to float32 precision
    np.testing.assert_allclose(exp["contributions"].sum(-1), expected, atol=5e-3)
    np.testing.assert_allclose(exp["contributions"].sum(-1) - exp["convergence_delta"], expected, atol=1e-5)
    assert exp.dims["convergence_delta"] == ("sample", "class")
    np.testing.assert_allclose(exp["base_values"], senn.predict_proba(X.mean(0, keepdims=True))[0])
    assert exp.meta == {"method": "integrated_gradients", "scope": "local", "n_steps": 50,
                        "integration_method": "gausslegendre"}
    finer = IntegratedGradientsExplainer(senn, n_steps=400).fit(X).explain(X[::10])
    np.testing.assert_allclose(finer["contributions"].sum(-1), expected, atol=1e-3)
    zero = IntegratedGradientsExplainer(senn, baseline=0.0, method="riemann_trapezoid").fit(X)
    exp = zero.explain(X[:3])
    np.testing.assert_array_equal(exp["baseline"], np.zeros(4))
    assert exp.meta["integration_method"] == "riemann_trapezoid"
    np.testing.assert_allclose(exp["contributions"].sum(-1) - exp["convergence_delta"],
                               senn.predict_proba(X[:3]) - senn.predict_proba(np.zeros((1, 4))), atol=1e-5)


def test_integrated_gradients_of_a_senn_regressor_are_in_the_units_of_y(diabetes):
    X, y = diabetes
    model = SENNRegressor(**{**FAST, "max_epochs": 5}).fit(X, y)
    exp = IntegratedGradientsExplainer(model, internal_batch_size=64).fit(X).explain(X[:4])
    expected = model.predict(X[:4]) - model.predict(X.mean(0, keepdims=True))
    np.testing.assert_allclose(exp["contributions"][:, 0].sum(-1), expected, atol=5e-3 * y.std())
    np.testing.assert_allclose(exp["contributions"].sum(-1) - exp["convergence_delta"], expected[:, None],
                               atol=1e-5 * y.std())


def test_integrated_gradients_of_a_linear_skorch_net_are_exact(iris):
    X = np.array(iris[0], dtype=np.float32)
    torch.manual_seed(0)
    net = NeuralNetRegressor(torch.nn.Linear(4, 1), max_epochs=2, lr=0.01, verbose=0)
    net.fit(X, X[:, :1] * 2 - X[:, 1:2])
    weights = net.module_.weight.detach().numpy()[0].astype(np.float64)
    baseline = np.array([5.0, 3.0, 4.0, 1.0])
    exp = IntegratedGradientsExplainer(net, baseline=baseline).fit(X).explain(X[:5])
    np.testing.assert_allclose(exp["contributions"][:, 0], weights * (X[:5] - baseline), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(exp["predictions"], net.predict(X[:5]), rtol=1e-6)
    assert exp["contributions"].shape == (5, 1, 4) and np.abs(exp["convergence_delta"]).max() < 1e-5


def test_integrated_gradients_of_a_skorch_classifier_explain_its_probabilities(iris):
    X, y = np.array(iris[0], dtype=np.float32), iris[1].to_numpy()
    torch.manual_seed(0)
    net = NeuralNetClassifier(torch.nn.Linear(4, 3), criterion=torch.nn.CrossEntropyLoss, max_epochs=3,
                              lr=0.01, verbose=0).fit(X, y)
    exp = IntegratedGradientsExplainer(net).fit(X).explain(X[:3])
    np.testing.assert_allclose(exp["contributions"].sum(-1) + exp["base_values"], net.predict_proba(X[:3]),
                               atol=1e-3)
    np.testing.assert_array_equal(exp.coords["class"], [0, 1, 2])


def test_integrated_gradients_need_a_torch_model_on_tabular_data(iris, pipe, senn):
    X = iris[0]
    with pytest.raises(TypeError, match="differentiable torch-backed.*LimeExplainer or KernelShapExplainer"):
        IntegratedGradientsExplainer(pipe).fit(X)
    images = copy.copy(senn)
    images.input_shape_ = (1, 2, 2)
    with pytest.raises(ValueError, match="tabular data"):
        IntegratedGradientsExplainer(images).fit(X.to_numpy())
    with pytest.raises(ValueError, match="baseline has 3 values"):
        IntegratedGradientsExplainer(senn, baseline=[0.0, 1.0, 2.0]).fit(X.to_numpy())


# ------------------------------------------------------------------ faithfulness hook
def test_removal_scores_replace_one_feature_by_its_mean(iris, pipe):
    X, _ = iris
    explainer = lime(pipe).fit(X)
    rows = X.iloc[[0, 75]]
    scores, removed = explainer._removal_scores(rows, explainer.explain(rows))
    assert scores.shape == (2, 3) and removed.shape == (2, 4, 3)
    np.testing.assert_allclose(scores, pipe.predict_proba(rows))
    by_hand = rows.copy()
    by_hand.iloc[:, 2] = X.iloc[:, 2].mean()
    np.testing.assert_allclose(removed[:, 2], pipe.predict_proba(by_hand))
    _, zero = explainer._removal_scores(rows, None, baseline=0.0)
    np.testing.assert_allclose(zero[:, 1], pipe.predict_proba(rows.assign(**{X.columns[1]: 0.0})))


def test_regressor_removal_scores_have_one_output(diabetes, ridge):
    X, _ = diabetes
    scores, removed = kernel_shap(ridge).fit(X)._removal_scores(X[:3], None)
    assert scores.shape == (3, 1) and removed.shape == (3, 10, 1)
    np.testing.assert_allclose(removed[:, 4, 0] - scores[:, 0], ridge.coef_[4] * (X[:, 4].mean() - X[:3, 4]))


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("make", [lime, kernel_shap, IntegratedGradientsExplainer])
def test_bad_input_raises_sklearns_errors(make, iris, senn):
    X = iris[0].to_numpy()
    with pytest.raises(NotFittedError):
        make(SENNClassifier()).fit(X)
    with pytest.raises(NotFittedError):
        make(senn).explain(X)
    with pytest.raises(ValueError, match="X has 3 features"):  # background data the model cannot score
        make(senn).fit(X[:40, :3])
    explainer = make(senn).fit(X[:40])
    with pytest.raises(ValueError, match="X has 3 features"):
        explainer.explain(X[:2, :3])
    with pytest.raises(ValueError, match="NaN"):
        explainer.explain(np.where(np.eye(4, dtype=bool)[:2], np.nan, X[:2]))
    with pytest.raises(ValueError, match="0 sample"):
        explainer.explain(X[:0])
    with pytest.raises(ValueError, match="could not convert|numeric"):
        explainer.explain(np.array([["a", "b", "c", "d"]]))


def test_invalid_parameters_and_models(iris, pipe):
    X, y = iris
    for explainer in (lime(pipe, sampling="always"), kernel_shap(pipe, sampling="sometimes"),
                      lime(pipe, num_samples=0), kernel_shap(pipe, l1_reg="num_features(x)"),
                      IntegratedGradientsExplainer(pipe, method="simpson"), lime("not a model")):
        with pytest.raises(InvalidParameterError):
            explainer.fit(X)
    with pytest.raises(TypeError, match="no predict_proba"):
        lime(SVC().fit(X, y)).fit(X)


@pytest.mark.parametrize("make, modules, extra", [
    (lime, ["lime", "lime.lime_tabular"], "lime"),
    (kernel_shap, ["shap"], "shap"),
    (IntegratedGradientsExplainer, ["captum", "captum.attr"], "captum"),
])
def test_a_missing_library_names_its_extra(make, modules, extra, monkeypatch, iris, senn):
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)
    message = rf"needs the '{extra}' package: pip install 'sklearn-interp\[{extra}\]'"
    with pytest.raises(ImportError, match=message):
        make(senn).fit(iris[0].to_numpy())


def test_verbose_shows_a_progress_bar_over_rows(iris, pipe, capsys):
    X, _ = iris
    lime(pipe, verbose=1).fit(X).explain(X.iloc[:2])
    kernel_shap(pipe, verbose=1, sampling="fixed").fit(X).explain(X.iloc[:2])
    err = capsys.readouterr().err
    assert "LimeExplainer" in err and "KernelShapExplainer" in err and "2/2" in err
    lime(pipe).fit(X).explain(X.iloc[:2])
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ plots
def widths(ax):
    return np.array([patch.get_width() for patch in ax.patches])


def ytick_labels(ax):
    return [label.get_text() for label in ax.get_yticklabels()]


@pytest.mark.parametrize("make", [lime, kernel_shap, IntegratedGradientsExplainer])
def test_plot_bars_are_the_predicted_class_contributions_largest_first(make, iris, senn):
    X = pd.DataFrame(iris[0].to_numpy(), columns=iris[0].columns)
    exp = make(senn).fit(X.to_numpy()).explain(X.iloc[[60]].to_numpy()).assign_coords(feature=X.columns)
    one = exp[0]
    k = int(np.flatnonzero(senn.classes_ == one["predicted_class"])[0])
    ax = rendered(one.plot())
    values = one["contributions"][k]
    order = np.argsort(-np.abs(values), kind="stable")
    np.testing.assert_allclose(widths(ax), values[order])
    assert ytick_labels(ax) == [X.columns[i] for i in order]
    assert ax.get_title().startswith("sample 0: ") and f"class {senn.classes_[k]} (p=" in ax.get_title()
    assert "predicted" in ax.get_title()
    ax = rendered(one.plot(kind="contributions", target=senn.classes_[(k + 1) % 3], n_features=2))
    values = one["contributions"][(k + 1) % 3]
    order = np.argsort(-np.abs(values), kind="stable")
    np.testing.assert_allclose(widths(ax), [*values[order[:2]], values[order[2:]].sum()])
    assert ytick_labels(ax)[-1] == "other 2 features (sum)" and "predicted" not in ax.get_title()
    with pytest.raises(ValueError, match=r"plot one sample"):
        exp.plot()


def test_plot_of_a_regressor_shows_output_0(diabetes, ridge):
    X, _ = diabetes
    one = kernel_shap(ridge).fit(X).explain(X[:1])[0]
    ax = rendered(one.plot())
    np.testing.assert_allclose(widths(ax).sum() + one["base_values"][0], one["predictions"][0])
    assert "output 0" in ax.get_title() and "prediction (output 0)" in ax.get_xlabel()
    with pytest.raises(ValueError, match="not an output index"):
        one.plot(target=1)


# ------------------------------------------------------------------ with the package's metrics and tools
def test_explanation_metrics_take_the_explainers(iris, pipe):
    from sklearn_interp.metrics import faithfulness_correlation, local_lipschitz

    X, _ = iris
    explainer = kernel_shap(pipe, sampling="fixed").fit(X)
    correlations = faithfulness_correlation(explainer, X.iloc[[0, 60, 120]])
    assert correlations.shape == (3,) and np.all(np.abs(correlations) <= 1)
    assert local_lipschitz(explainer, X.iloc[[0, 60]], eps=0.1, n_calls=2, random_state=0).shape == (2,)


def test_explanations_serialize_and_unfitted_explainers_clone(iris, pipe):
    from sklearn.base import clone

    X, _ = iris
    for explainer in (lime(pipe), kernel_shap(pipe)):
        exp = explainer.fit(X).explain(X.iloc[:2])
        text = exp.to_json()
        assert '"method": "' + exp.meta["method"] + '"' in text and "sepal length (cm)" in text
        params = clone(explainer).get_params()
        assert params["random_state"] == 0 and params["sampling"] == "fresh"
