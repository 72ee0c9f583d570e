import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_interp import Explanation, PrototypeClassifier
from sklearn_interp.plotting import _registry, get_plot, register_plot

from .conftest import FAST, rendered


@pytest.fixture(scope="module")
def iris_frame():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture(scope="module")
def iris_model(iris_frame):
    return PrototypeClassifier(n_prototypes=5, **FAST).fit(*iris_frame)


@pytest.fixture(scope="module")
def digits_model():
    digits = load_digits()
    return PrototypeClassifier(n_prototypes=5, max_epochs=2, random_state=0, device="cpu").fit(
        digits.images[:300] / 16.0, digits.target[:300])


def texts(ax):
    return [text.get_text() for text in ax.texts]


def test_matplotlib_is_imported_only_when_plotting():
    code = ("import sys, sklearn_interp; sklearn_interp.PrototypeClassifier; "
            "assert 'matplotlib' not in sys.modules and 'sklearn_interp.plotting' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr


def test_missing_matplotlib_says_how_to_install_it(iris_model, iris_frame, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    for explanation in (iris_model.explain_global(), iris_model.explain(iris_frame[0].iloc[:1])[0]):
        with pytest.raises(ImportError, match="pip install matplotlib"):
            explanation.plot()


def test_unknown_kind_lists_the_available_kinds(iris_model):
    with pytest.raises(ValueError, match=r"kind='bogus'.*available kinds: \['prototypes', 'weights'\]"):
        iris_model.explain_global().plot(kind="bogus")


def test_registry_picks_the_default_and_registered_kinds(monkeypatch):
    monkeypatch.setattr(_registry, "_PLOTS", {})
    monkeypatch.setattr(_registry, "_DEFAULTS", {})

    @register_plot("toy", "local", "bars", default=True)
    def bars(explanation, ax=None):
        return "bars"

    @register_plot("toy", "local", "dots")
    def dots(explanation, ax=None):
        return "dots"

    exp = Explanation({"x": np.zeros(1)}, {"x": ("sample",)}, meta={"method": "toy", "scope": "local"})
    assert exp.plot() == "bars" and exp.plot(kind="dots") == "dots"
    assert get_plot("toy", "local", "dots") is dots
    with pytest.raises(ValueError, match="no plot for method='toy', scope='global'"):
        get_plot("toy", "global")


def margin_bars(ax):
    return np.array([patch.get_width() for patch in ax.patches])


def test_margin_bars_sum_to_the_logit_margin_nearest_first(iris_model, iris_frame):
    X, _ = iris_frame
    one = iris_model.explain(X.iloc[[70]])[0]
    logits = one["logits"]
    k, k2 = np.argsort(-logits)[:2]
    assert one["predicted_class"] == iris_model.classes_[k]
    ax = rendered(one.plot())
    np.testing.assert_allclose(margin_bars(ax).sum(), logits[k] - logits[k2])
    order = np.argsort(one["distances"])
    weights, distances = iris_model.class_weights_, one["distances"]
    reference = iris_model.prototype_mean_distances_
    expected = ((weights[k] - weights[k2]) * (distances - reference))[order]
    np.testing.assert_allclose(margin_bars(ax)[:-1], expected)
    np.testing.assert_allclose(margin_bars(ax)[-1], (weights[k] - weights[k2]) @ reference)
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels[:-1] == [f"p{j} ({iris_model.classes_[weights[:, j].argmin()]}), "
                           f"d={distances[j]:.2f} vs {reference[j]:.2f}" for j in order]
    assert labels[-1].startswith("baseline")
    assert ax.get_title().startswith(f"Why {iris_model.classes_[k]} (p=")


def test_margin_target_versus_and_nearest_only(iris_model, iris_frame):
    X, _ = iris_frame
    one = iris_model.explain(X.iloc[[0]])[0]
    logits = one["logits"]
    ax = rendered(one.plot(target=2, versus=1))
    np.testing.assert_allclose(margin_bars(ax).sum(), logits[2] - logits[1])
    ax = rendered(one.plot(target=2))
    runner_up = max((0, 1), key=lambda k: logits[k])
    np.testing.assert_allclose(margin_bars(ax).sum(), logits[2] - logits[runner_up])
    ax = rendered(one.plot(n_prototypes=2))
    assert len(ax.patches) == 4 and ax.get_yticklabels()[-2].get_text() == "other 3 prototypes"
    k, k2 = np.argsort(-logits)[:2]
    np.testing.assert_allclose(margin_bars(ax).sum(), logits[k] - logits[k2])


def test_margin_errors(iris_model, iris_frame):
    X, _ = iris_frame
    explanation = iris_model.explain(X.iloc[:2])
    with pytest.raises(ValueError, match="one sample"):
        explanation.plot()
    with pytest.raises(ValueError, match="not one of the classes"):
        explanation[0].plot(target="nope")
    with pytest.raises(ValueError, match="target class itself"):
        explanation[0].plot(target=1, versus=1)


def test_class_weights_heatmap(iris_model):
    fig, ax = plt.subplots()
    assert rendered(iris_model.explain_global().plot(kind="weights", ax=ax)) is ax
    np.testing.assert_array_equal(ax.images[0].get_array(), iris_model.class_weights_)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["0", "1", "2"]
    framed = sorted((round(p.get_x() + 0.5), round(p.get_y() + 0.5)) for p in ax.patches)
    assert framed == sorted(enumerate(iris_model.class_weights_.argmin(axis=0)))


def test_tabular_prototypes_show_values_in_the_estimators_units(iris_model, iris_frame):
    X, _ = iris_frame
    ax = rendered(iris_model.explain_global().plot())
    decoded = iris_model.decoded_prototypes_
    assert texts(ax) == [f"{value:.3g}" for value in decoded.ravel()]
    assert [label.get_text() for label in ax.get_yticklabels()] == list(X.columns)
    assert "units of X as passed to the estimator" in ax.get_title()
    assert "input units" not in ax.get_title()


def test_tabular_prototypes_flag_or_clip_values_outside_the_training_range(iris_model):
    explanation = iris_model.explain_global()
    decoded = explanation["decoded_prototypes"]
    low, high = explanation.data["feature_range"][0], np.median(decoded, axis=0)
    explanation.data["feature_range"][1] = high
    outside = int(((decoded < low) | (decoded > high)).sum())
    assert outside > 0
    ax = rendered(explanation.plot())
    assert sum(bool(patch.get_hatch()) for patch in ax.patches) == outside
    assert f"hatched: {outside} values outside" in ax.get_xlabel()
    ax = rendered(explanation.plot(clip=True))
    clipped = np.clip(decoded, low, high)
    assert texts(ax) == [f"{value:.3g}" for value in clipped.ravel()]
    assert f"{outside} values clipped to" in ax.get_xlabel()


def test_pipeline_prototypes_name_the_transformed_space(iris_frame):
    pipe = make_pipeline(StandardScaler(), PrototypeClassifier(n_prototypes=3, **FAST)).fit(*iris_frame)
    from sklearn_interp.plotting import plot_prototypes

    ax = rendered(plot_prototypes(pipe))
    assert "after the pipeline's preprocessing" in ax.get_title()
    assert "custom space" in rendered(plot_prototypes(pipe, feature_space="custom space")).get_title()


def test_image_prototypes_are_labelled_with_their_class(digits_model):
    ax = rendered(digits_model.explain_global().plot())
    speaks_for = digits_model.classes_[digits_model.class_weights_.argmin(axis=0)]
    assert texts(ax) == [f"p{j}: {label}" for j, label in enumerate(speaks_for)]
    mosaic = ax.images[0].get_array()
    np.testing.assert_allclose(mosaic[:8, :8], digits_model.decoded_prototypes_[0, 0])


def test_image_margin_plot(digits_model):
    one = digits_model.explain(load_digits().images[:1] / 16.0)[0]
    logits = np.sort(one["logits"])
    ax = rendered(one.plot())
    np.testing.assert_allclose(margin_bars(ax).sum(), logits[-1] - logits[-2])


def test_nearness_to_a_prototype_of_the_predicted_class_speaks_for_it(iris_model, iris_frame):
    X, _ = iris_frame
    explanation = iris_model.explain(X)
    weights, reference = iris_model.class_weights_, iris_model.prototype_mean_distances_
    checked = 0
    for i in range(len(X)):
        one = explanation[i]
        k = int(np.flatnonzero(iris_model.classes_ == one["predicted_class"])[0])
        j = int(one["nearest_prototypes"][0])
        rival = int(np.argsort(-one["logits"])[1])
        if one["prototype_class"][j] == one["predicted_class"] and one["distances"][j] < reference[j]:
            ax = rendered(one.plot())
            assert margin_bars(ax)[0] > 0, "the nearest prototype of the predicted class is a bar for it"
            assert (weights[k, j] - weights[rival, j]) * one["distances"][j] < 0, "the raw W·d term is not"
            plt.close(ax.figure)
            checked += 1
            if checked == 5:
                return
    pytest.fail(f"only {checked} samples nearest to a prototype of their predicted class")
