"""FeatureLevelingClassifier and FeatureLevelingRegressor (Lu & Yang): explanations, global view, IXOR, bad input."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_diabetes, load_iris, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_interp import FeatureLevelingClassifier, FeatureLevelingRegressor, explain
from sklearn_interp.datasets import make_ixor

from .conftest import FAST

OPEN, CLOSED = 10.0, -10.0  # log_alpha of a gate that is deterministically 1, or 0


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="module")
def classifier(iris):
    X, y = iris
    return FeatureLevelingClassifier(hidden_layer_sizes=(6, 5), **FAST).fit(X, y)


@pytest.fixture(scope="module")
def regressor():
    X, y = load_diabetes(return_X_y=True)
    return FeatureLevelingRegressor(hidden_layer_sizes=(7, 3), **FAST).fit(X, 50 * y[:, None] + [0, 3] * y[:, None])


def set_gates(estimator, *log_alphas):
    """A copy of ``estimator`` with the gates' log_alpha set (scalars fill a layer)."""
    from copy import deepcopy

    estimator = deepcopy(estimator)
    with torch.no_grad():
        for gate, log_alpha in zip(estimator.net_.module_.gates, log_alphas):
            gate.log_alpha.copy_(torch.as_tensor(log_alpha, dtype=gate.log_alpha.dtype).expand_as(gate.log_alpha))
    return estimator


def forward_by_hand(estimator, X):
    """GLM inputs recomputed with numpy from the fitted weights: [(1 - z1) x, (1 - z2) h1, h2]."""
    module = estimator.net_.module_
    a = (np.asarray(X, dtype=np.float64) - estimator.input_offset_) / estimator.input_scale_
    levels = []
    for gate, layer in zip(module.gates, module.layers):
        z = gate.deterministic().detach().double().numpy()
        levels.append((1 - z) * a)
        weight, bias = layer.weight.detach().double().numpy(), layer.bias.detach().double().numpy()
        a = np.maximum((z * a) @ weight.T + bias, 0.0)
    return np.concatenate([*levels, a], axis=1)


# ------------------------------------------------------------------ local explanations
def test_each_contribution_is_its_glm_weight_times_its_glm_input(classifier, iris):
    X = iris[0].iloc[:7]
    gated = set_gates(classifier, [OPEN, CLOSED, OPEN, 0.3], [CLOSED, OPEN, OPEN, -0.2, 0.5, OPEN])
    exp = gated.explain(X)
    weight = gated.net_.module_.glm.weight.detach().double().numpy()
    expected = weight[None] * forward_by_hand(gated, X)[:, None, :]
    np.testing.assert_allclose(exp["contributions"], expected, rtol=1e-5, atol=1e-6)
    assert exp["contributions"][:, :, 1].any() and not exp["contributions"][:, :, 0].any()  # x2 to the GLM


def test_logits_rebuild_from_contributions_and_give_predict_proba_and_predict(classifier, iris):
    X = iris[0].iloc[::10]
    exp = classifier.explain(X)
    np.testing.assert_allclose(exp["contributions"].sum(-1) + exp["intercept"], exp["logits"], atol=1e-5)
    np.testing.assert_allclose(exp["probabilities"], classifier.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(exp["predicted_class"], classifier.predict(X))
    np.testing.assert_array_equal(exp.coords["sample"], X.index)
    np.testing.assert_array_equal(exp.coords["class"], classifier.classes_)


def test_level_contributions_sum_the_contributions_of_each_level(classifier, iris):
    exp = classifier.explain(iris[0].iloc[:5])
    contributions = exp["contributions"]
    bounds = [0, 4, 10, 15]  # 4 features, 6 then 5 hidden units
    for level in range(3):
        np.testing.assert_allclose(exp["level_contributions"][:, :, level],
                                   contributions[:, :, bounds[level]:bounds[level + 1]].sum(-1))
    assert list(exp.coords["level"]) == ["L1", "L2", "L3"]


def test_glm_inputs_are_named_by_level_feature_name_and_unit(classifier, iris):
    names = list(classifier.explain(iris[0].iloc[:1]).coords["glm_input"])
    assert names[:4] == [f"L1:{column}" for column in iris[0].columns]
    assert names[4:] == [f"L2:h{j}" for j in range(6)] + [f"L3:h{j}" for j in range(5)]


def test_regressor_explanation_is_in_the_units_of_y_for_each_output(regressor):
    X, _ = load_diabetes(return_X_y=True)
    exp = regressor.explain(X[:6])
    np.testing.assert_allclose(exp["contributions"].sum(-1) + exp["intercept"], exp["predictions"], rtol=1e-6)
    np.testing.assert_allclose(exp["predictions"], regressor.predict(X[:6]), rtol=1e-5)
    module = regressor.net_.module_
    weight = module.glm.weight.detach().double().numpy() * regressor.target_scale_[:, None]
    np.testing.assert_allclose(exp["contributions"], weight[None] * forward_by_hand(regressor, X[:6])[:, None],
                               rtol=1e-5, atol=1e-6)
    assert exp.dims["contributions"] == ("sample", "output", "glm_input")


def test_images_are_read_flat_and_their_pixels_named(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((40, 1, 3, 4))
    y = (X[:, 0, 0, 0] > 0.5).astype(int)
    clf = FeatureLevelingClassifier(hidden_layer_sizes=(5,), **{**FAST, "max_epochs": 2}).fit(X, y)
    exp = clf.explain(X[:2])
    assert exp["contributions"].shape == (2, 2, 12 + 5)
    assert exp.coords["glm_input"][5] == "L1:c0h1w1"
    glob = clf.explain_global()
    assert glob["level1_features"].shape == (1, 3, 4)
    assert glob.dims["level1_features"] == ("channel", "height", "width")
    np.testing.assert_allclose(clf.predict_proba(X.reshape(40, 3, 4)), clf.predict_proba(X))


# ------------------------------------------------------------------ global explanation
def test_explain_global_reads_the_gates(classifier):
    gated = set_gates(classifier, [OPEN, CLOSED, OPEN, CLOSED], [CLOSED, OPEN, OPEN, CLOSED, OPEN, CLOSED])
    glob = gated.explain_global()
    np.testing.assert_array_equal(glob["level1_features"], [False, True, False, True])
    np.testing.assert_array_equal(glob.coords["feature"], gated.feature_names_in_)
    np.testing.assert_allclose(glob["open_fraction"], [0.5, 0.5])
    assert str(glob["architecture"]) == "2-3-5*-3" and glob.meta["pruned_layers"] == []
    weight = np.abs(gated.net_.module_.glm.weight.detach().double().numpy())
    expected = [weight[:, [1, 3]].mean(), weight[:, [4, 7, 9]].mean(), weight[:, 10:].mean()]
    np.testing.assert_allclose(glob["aav"], expected, rtol=1e-6)
    np.testing.assert_array_equal(glob["gates"] == 0, [False, True, False, True, True, False, False, True, False,
                                                        True] + [True] * 5)
    np.testing.assert_allclose(glob["layer_weights_2"], gated.net_.module_.layers[1].weight.detach().numpy())
    assert glob.dims["layer_weights_1"] == ("unit_2", "unit_1")


@pytest.mark.parametrize("gates, architecture, pruned, silent_levels", [
    ((OPEN, CLOSED), "4-6*-3", [2], [True, False, True]),  # nothing enters layer 2: the paper's 291-300*-10
    ((CLOSED, OPEN), "4*-3", [1, 2], [False, True, True]),  # every feature straight to the GLM: a GLM
    ((OPEN, OPEN), "4-6-5*-3", [], [True, True, False]),
])
def test_architecture_in_the_papers_notation_reports_pruned_layers(classifier, gates, architecture, pruned,
                                                                    silent_levels):
    glob = set_gates(classifier, *gates).explain_global()
    assert str(glob["architecture"]) == architecture and glob.meta["pruned_layers"] == pruned
    np.testing.assert_array_equal(np.isnan(glob["aav"]), silent_levels)  # sends nothing, or constants


def test_a_pruned_layer_adds_only_a_constant(classifier, iris):
    gated = set_gates(classifier, OPEN, CLOSED)
    level3 = gated.explain(iris[0])["level_contributions"][:, :, 2]
    np.testing.assert_allclose(level3, np.broadcast_to(level3[:1], level3.shape), atol=1e-6)


def test_global_explanation_serializes(classifier, tmp_path):
    path = tmp_path / "global.json"
    set_gates(classifier, OPEN, OPEN).explain_global().to_json(path, allow_nan=True)
    assert path.stat().st_size > 0


# ------------------------------------------------------------------ the method
def test_ixor_keeps_the_xor_features_in_the_hidden_layer_and_prunes_the_second(ixor_fits):
    """§2.3 on IXOR (3-16-8-2): (x1, x2) go through one hidden layer, whose units go straight to the GLM.

    The paper also reports x3 straight to the GLM; our fits keep it in the hidden layer too (see the
    README's Plots section), so that part of the claim is not asserted.
    """
    for clf, accuracy in ixor_fits:
        glob = clf.explain_global()
        assert not glob["level1_features"][:2].any()
        assert str(glob["architecture"]).endswith("-16*-2") and glob.meta["pruned_layers"] == [2]
        assert accuracy >= 0.95


@pytest.fixture(scope="module")
def ixor_fits():
    X, y = make_ixor(2000, random_state=0)
    X_test, y_test = make_ixor(2000, random_state=1)
    fits = []
    for seed in (0, 1):
        clf = FeatureLevelingClassifier(hidden_layer_sizes=(16, 8), lam=0.05, **{
            **FAST, "max_epochs": 60, "tol": None, "random_state": seed}).fit(X, y)
        fits.append((clf, clf.score(X_test, y_test)))
    return fits


def test_a_larger_lam_sends_more_features_straight_to_the_glm():
    X, y = make_regression(400, 6, n_informative=6, noise=1.0, random_state=0)
    open_fractions = [FeatureLevelingRegressor(hidden_layer_sizes=(8,), lam=lam, **{**FAST, "max_epochs": 60})
                      .fit(X, y).explain_global()["open_fraction"][0] for lam in (0.0, 2.0)]
    assert open_fractions[0] == 1.0 and open_fractions[1] == 0.0


def test_random_state_reproduces_a_fit_and_seeds_the_gate_noise(iris):
    X, y = iris
    fits = [FeatureLevelingClassifier(hidden_layer_sizes=(6, 5), **{**FAST, "max_epochs": 3, "random_state": seed})
            .fit(X, y).net_.module_ for seed in (0, 0, 1)]
    for a, b in zip(fits[0].parameters(), fits[1].parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(fits[0].gates[0].log_alpha, fits[2].gates[0].log_alpha)


def test_grid_search_over_lam_in_a_pipeline(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), FeatureLevelingClassifier(hidden_layer_sizes=(6,), **{
        **FAST, "max_epochs": 3}))
    search = GridSearchCV(pipe, {"featurelevelingclassifier__lam": [0.0, 0.5]}, cv=2).fit(X, y)
    assert search.best_params_["featurelevelingclassifier__lam"] in (0.0, 0.5)
    assert explain(search.best_estimator_, X.iloc[:2])["contributions"].shape == (2, 3, 4 + 6)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("params, match", [
    ({"lam": -0.1}, "lam"),
    ({"hidden_layer_sizes": ()}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes"),
    ({"beta": 0.0}, "beta"),
    ({"gamma": 0.0}, "gamma"),
    ({"zeta": 1.0}, "zeta"),
    ({"init_drop_rate": 1.0}, "init_drop_rate"),
])
@pytest.mark.parametrize("estimator", [FeatureLevelingClassifier, FeatureLevelingRegressor])
def test_bad_parameters_raise_at_fit(estimator, params, match):
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=match):
        estimator(**{**FAST, **params}).fit(X, y)


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_explanations_need_a_fit_and_the_fitted_feature_count(classifier):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FeatureLevelingClassifier().explain_global()
    with pytest.raises(ValueError, match="features"):
        classifier.explain(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="NaN"):
        classifier.explain(pd.DataFrame(np.full((1, 4), np.nan), columns=classifier.feature_names_in_))


def test_torch_explanation_is_the_explanation_in_the_units_of_y(regressor):
    X, _ = load_diabetes(return_X_y=True)
    regressor.torch_module()  # evaluation mode: deterministic gates
    contributions = regressor._torch_explanation(torch.as_tensor(X[:4]))["contributions"]
    np.testing.assert_allclose(contributions.detach().double().numpy(), regressor.explain(X[:4])["contributions"],
                               rtol=1e-4, atol=1e-5)
