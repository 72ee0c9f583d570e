import copy

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba
from sklearn.datasets import load_diabetes, load_iris

from sklearn_interp import FeatureLevelingClassifier, FeatureLevelingRegressor
from sklearn_interp.plotting import (
    plot_glm_contributions,
    plot_level_contributions,
    plot_leveling_levels,
    plot_leveling_weights,
)

from .conftest import FAST, rendered

@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True, as_frame=True)


@pytest.fixture(scope="module")
def iris_model(iris):
    return FeatureLevelingClassifier(hidden_layer_sizes=(6, 4), **FAST).fit(*iris)


@pytest.fixture(scope="module")
def gated_model(iris_model):
    """The iris model with some gates forced to exactly 0 (to the GLM only) and some to 1 (into the layer)."""
    model = copy.deepcopy(iris_model)
    gates = model.net_.module_.gates
    with torch.no_grad():
        gates[0].log_alpha[[1, 3]] = -30.0
        gates[0].log_alpha[0] = 30.0
        gates[1].log_alpha[2] = -30.0
        gates[1].log_alpha[[4, 5]] = 30.0
    return model


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True, as_frame=True)


@pytest.fixture(scope="module")
def diabetes_model(diabetes):
    return FeatureLevelingRegressor(hidden_layer_sizes=(5, 3), **FAST).fit(*diabetes)


def heights(patches):
    return np.array([patch.get_height() for patch in patches])


def widths(ax):
    return np.array([patch.get_width() for patch in ax.patches])


def tick_labels(labels):
    return [label.get_text() for label in labels]


def levels_of(explanation):
    return np.array([int(str(name).split(":")[0][1:]) for name in explanation.coords["glm_input"]])


def test_weight_heatmaps_are_the_weights_with_the_gated_columns_masked(gated_model):
    explanation = gated_model.explain_global()
    gates, levels = explanation["gates"], levels_of(explanation)
    assert np.any((gates > 0) & (gates < 1)) and np.any(gates == 1)  # all three kinds of gate
    axes = explanation.plot()
    rendered(axes[0])
    assert len(axes) == 3
    for k, ax in enumerate(axes[:2], start=1):
        image = ax.images[0].get_array()
        weights = explanation[f"layer_weights_{k}"]
        np.testing.assert_array_equal(image.data, weights)
        closed = gates[levels == k] == 0
        np.testing.assert_array_equal(image.mask, np.broadcast_to(closed, weights.shape))
        assert tick_labels(ax.get_xticklabels()) == list(explanation.coords[f"unit_{k}"])
        assert tick_labels(ax.get_yticklabels()) == list(explanation.coords[f"unit_{k + 1}"])
        colors = [to_rgba(label.get_color()) for label in ax.get_xticklabels()]
        assert colors == [to_rgba("tab:orange" if shut else "black") for shut in closed]
        assert ax.images[0].get_clim() == (-np.abs(weights).max(), np.abs(weights).max())
        assert ax.images[0].get_cmap().name.startswith("RdBu")
        hatched = [patch for patch in ax.patches if patch.get_hatch()]
        assert sum(patch.get_width() for patch in hatched) == closed.sum()
        assert f"({closed.sum()} of {len(closed)})" in ax.get_title()
    glm = axes[2].images[0].get_array()
    np.testing.assert_array_equal(glm.data, explanation["glm_weights"])
    silent = gates >= 1  # these send (1 - gate) * a = 0 to the GLM; 0 < gate < 1 send a share
    np.testing.assert_array_equal(glm.mask, np.broadcast_to(silent, glm.shape))
    assert tick_labels(axes[2].get_xticklabels()) == list(explanation.coords["glm_input"])
    assert tick_labels(axes[2].get_yticklabels()) == ["class 0", "class 1", "class 2"]
    separators = sorted(line.get_xdata()[0] for line in axes[2].lines)
    assert separators == [3.5, 9.5]  # 4 level-1 features, then 6 level-2 units, then 4 level-3 units
    top = axes[2].child_axes[0]
    assert tick_labels(top.get_xticklabels()) == ["L1", "L2", "L3"]
    assert explanation["architecture"].item() == "2-5-4*-3"
    assert axes[0].get_title().startswith("Feature leveling network 2-5-4*-3")


def test_weight_heatmaps_in_given_axes_shared_scale_and_many_columns(gated_model):
    explanation = gated_model.explain_global()
    figure, given = plt.subplots(3, 1)
    axes = plot_leveling_weights(gated_model, ax=given, shared_scale=True)
    assert list(axes) == list(given)
    rendered(axes[0])
    keys = ("layer_weights_1", "layer_weights_2", "glm_weights")
    limit = max(np.abs(explanation[key]).max() for key in keys)
    assert all(ax.images[0].get_clim() == (-limit, limit) for ax in axes)
    with pytest.raises(ValueError, match="must hold 3 Axes"):
        explanation.plot(ax=given[:2])
    figure, (left, right) = plt.subplots(1, 2)
    axes = explanation.plot(ax=right, max_labels=5)  # one Axes: the panels take its place
    rendered(axes[0])
    assert right not in figure.axes and left in figure.axes and all(ax.figure is figure for ax in axes)
    assert len(axes[0].get_xticklabels()) == 4 and len(axes[1].get_xticklabels()) == 0
    assert len(axes[1].get_yticklabels()) == 4 and len(axes[0].get_yticklabels()) == 0
    assert axes[1].get_xlabel() == "6 inputs (level L2 units; names not shown)"
    assert axes[2].get_xlabel() == "14 GLM inputs (names not shown)"


def test_levels_are_the_share_sent_to_the_glm_and_the_aav(gated_model):
    explanation = gated_model.explain_global()
    ax = rendered(explanation.plot(kind="levels"))
    gates, levels = explanation["gates"], levels_of(explanation)
    sent = 100 * np.append(1 - explanation["open_fraction"], 1.0)
    np.testing.assert_allclose(heights(ax.patches[:3]), sent)
    np.testing.assert_allclose(sent, [50, 100 / 6, 100])
    split = [100 * np.mean((gates[levels == k] > 0) & (gates[levels == k] < 1)) for k in (1, 2)]
    np.testing.assert_allclose(heights(ax.patches[3:6]), [*split, 0])
    np.testing.assert_allclose([patch.get_y() for patch in ax.patches[3:6]], sent)
    assert tick_labels(ax.get_xticklabels()) == ["L1", "L2", "L3"]
    twin = [other for other in ax.figure.axes if other is not ax][0]
    np.testing.assert_allclose(heights(twin.patches), explanation["aav"])
    assert "2-5-4*-3" in ax.get_title()
    assert not [text for text in twin.texts if text.get_text() == "none"]


def test_levels_from_an_estimator_mark_levels_without_aav(iris_model):
    aav = iris_model.explain_global()["aav"]
    assert np.isnan(aav).any()  # briefly trained: no gate of level 1 is exactly 0
    ax = rendered(plot_leveling_levels(iris_model))
    twin = [other for other in ax.figure.axes if other is not ax][0]
    np.testing.assert_allclose(heights(twin.patches), aav)
    assert [text.get_text() for text in twin.texts].count("none") == np.isnan(aav).sum()


def test_level_bars_of_the_predicted_or_chosen_class(iris, iris_model):
    X, _ = iris
    one = iris_model.explain(X.iloc[[60]])[0]
    predicted = one["predicted_class"].item()
    for target in (None, 0, 2):
        label = predicted if target is None else target
        k = int(np.flatnonzero(iris_model.classes_ == label)[0])
        ax = rendered(one.plot(target=target))
        np.testing.assert_allclose(heights(ax.patches), one["level_contributions"][k])
        np.testing.assert_allclose(heights(ax.patches).sum() + one["intercept"][k], one["logits"][k])
        title = ax.get_title()
        assert title.startswith("sample 60: ") and f"to class {label}" in title
        assert f"= logit({label}) = {one['logits'][k]:.3g}" in title
        assert f"intercept {one['intercept'][k]:.3g}" in title
        assert ("(predicted)" in title) == (label == predicted)
        assert tick_labels(ax.get_xticklabels()) == ["L1", "L2", "L3"]


def test_contribution_bars_are_the_largest_glm_inputs_coloured_by_level(iris, iris_model):
    X, _ = iris
    one = iris_model.explain(X.iloc[[120]])[0]
    k = 1
    values = one["contributions"][k]
    order = np.argsort(-np.abs(values), kind="stable")
    ax = rendered(one.plot(kind="contributions", target=1, n_inputs=5))
    np.testing.assert_allclose(widths(ax), [*values[order[:5]], values[order[5:]].sum()])
    np.testing.assert_allclose(widths(ax).sum() + one["intercept"][k], one["logits"][k])
    names = one.coords["glm_input"]
    assert tick_labels(ax.get_yticklabels()) == [*names[order[:5]], "other 9 inputs (sum)"]
    levels = levels_of(one)
    colors = plt.get_cmap("tab10").colors
    assert [patch.get_facecolor() for patch in ax.patches[:5]] == [
        to_rgba(colors[levels[i] - 1]) for i in order[:5]]
    assert "to class 1" in ax.get_title()
    ax = rendered(plot_glm_contributions(one, n_inputs=None))
    predicted = int(np.flatnonzero(iris_model.classes_ == one["predicted_class"].item())[0])
    all_values = one["contributions"][predicted]
    np.testing.assert_allclose(widths(ax), all_values[np.argsort(-np.abs(all_values), kind="stable")])
    assert len(ax.patches) == 14
    assert len(rendered(one.plot(kind="contributions")).patches) == 11  # 10 by default and the rest
    with pytest.raises(ValueError, match="n_inputs=0 must be a positive int"):
        one.plot(kind="contributions", n_inputs=0)


def test_regressor_bars_explain_output_0(diabetes, diabetes_model):
    X, _ = diabetes
    one = diabetes_model.explain(X.iloc[[3]])[0]
    ax = rendered(plot_level_contributions(one))
    np.testing.assert_allclose(heights(ax.patches), one["level_contributions"][0])
    prediction = diabetes_model.predict(X.iloc[[3]])[0]
    np.testing.assert_allclose(heights(ax.patches).sum() + one["intercept"][0], prediction, rtol=1e-5)
    assert "to output 0" in ax.get_title() and "= prediction (output 0) = " in ax.get_title()
    ax = rendered(one.plot(kind="contributions", target=0, n_inputs=3))
    values = one["contributions"][0]
    order = np.argsort(-np.abs(values), kind="stable")
    np.testing.assert_allclose(widths(ax)[:3], values[order[:3]])
    for kind in ("levels", "contributions"):
        with pytest.raises(ValueError, match=r"target=1 is not an output index in \[0, 1\)"):
            one.plot(kind=kind, target=1)
    explanation = diabetes_model.explain_global()
    axes = explanation.plot()
    rendered(axes[0])
    np.testing.assert_array_equal(axes[2].images[0].get_array().data, explanation["glm_weights"])
    assert tick_labels(axes[2].get_yticklabels()) == ["output 0"] and "units of y" in axes[2].get_title()


def test_several_samples_or_a_bad_target_raise(iris, iris_model):
    explanation = iris_model.explain(iris[0].iloc[:3])
    for kind in ("levels", "contributions", None):
        with pytest.raises(ValueError, match=r"plot one sample: explanation\[i\]\.plot\(\)"):
            explanation.plot(kind=kind)
        with pytest.raises(ValueError, match="not one of the classes"):
            explanation[0].plot(kind=kind, target="setosa")


def test_defaults_and_unknown_kinds(iris, iris_model):
    one = iris_model.explain(iris[0].iloc[:1])[0]
    assert len(rendered(one.plot()).patches) == 3  # the level bars
    with pytest.raises(ValueError, match=r"available kinds: \['contributions', 'levels'\]"):
        one.plot(kind="bogus")
    explanation = iris_model.explain_global()
    assert len(explanation.plot()) == 3  # the weight heatmaps
    with pytest.raises(ValueError, match=r"available kinds: \['levels', 'weights'\]"):
        explanation.plot(kind="bogus")
