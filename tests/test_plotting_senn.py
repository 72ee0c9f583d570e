import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits

from sklearn_interp import SENNClassifier, SENNRegressor
from sklearn_interp.plotting import plot_concept_grounding

from .conftest import rendered

QUICK = dict(random_state=0, device="cpu")


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True, as_frame=True)


@pytest.fixture(scope="module")
def cancer_model(cancer):
    return SENNClassifier(max_epochs=5, **QUICK).fit(*cancer)


@pytest.fixture(scope="module")
def digits():
    digits = load_digits()
    return digits.images[:300] / 16.0, digits.target[:300]


@pytest.fixture(scope="module")
def digits_model(digits):
    return SENNClassifier(n_concepts=4, conv_channels=(8, 16), hidden_layer_sizes=(32,), max_epochs=3,
                          **QUICK).fit(*digits)


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y / y.std()


@pytest.fixture(scope="module")
def diabetes_model(diabetes):
    return SENNRegressor(max_epochs=5, **QUICK).fit(*diabetes)


def widths(ax):
    return np.array([patch.get_width() for patch in ax.patches])


def ytick_labels(ax):
    return [label.get_text() for label in ax.get_yticklabels()]


def bar_notes(ax):
    return [text.get_text() for text in ax.texts]


def test_relevance_bars_are_theta_for_the_predicted_class_largest_first(cancer, cancer_model):
    X, _ = cancer
    one = cancer_model.explain(X.iloc[[5]])[0]
    k = int(np.flatnonzero(cancer_model.classes_ == one["predicted_class"])[0])
    ax = rendered(one.plot())
    relevances, concepts = one["relevances"][k], one["concepts"]
    order = np.argsort(-np.abs(relevances), kind="stable")
    np.testing.assert_allclose(widths(ax), relevances[order])
    names = list(X.columns) + ["bias"]
    assert ytick_labels(ax) == [names[i] for i in order]
    assert bar_notes(ax) == [f"h={concepts[i]:.3g}" for i in order]
    assert np.all(np.diff(np.abs(widths(ax))) <= 0)
    assert ax.get_title().startswith(f"sample 5: SENN relevances for class {cancer_model.classes_[k]} (p=")
    assert "predicted" in ax.get_title() and "standardized feature value" in ax.get_xlabel()


def test_contribution_bars_sum_to_the_logit(cancer, cancer_model):
    X, _ = cancer
    one = cancer_model.explain(X.iloc[[0]])[0]
    k = int(np.flatnonzero(cancer_model.classes_ == one["predicted_class"])[0])
    ax = rendered(one.plot(kind="contribution"))
    contributions = one["relevances"][k] * one["concepts"]
    np.testing.assert_allclose(widths(ax), contributions[np.argsort(-np.abs(contributions), kind="stable")])
    np.testing.assert_allclose(widths(ax).sum(), one["logits"][k], rtol=1e-6)
    assert f"bars sum to logit({cancer_model.classes_[k]}) = {one['logits'][k]:.4g}" in ax.get_xlabel()


def test_top_concepts_and_other_bar_keep_the_sum(cancer, cancer_model):
    X, _ = cancer
    one = cancer_model.explain(X.iloc[[1]])[0]
    other = 1 - int(np.flatnonzero(cancer_model.classes_ == one["predicted_class"])[0])
    label = cancer_model.classes_[other]
    ax = rendered(one.plot(kind="contribution", target=label, n_concepts=4))
    assert len(ax.patches) == 5 and ytick_labels(ax)[-1] == "other 27 concepts (sum)"
    assert bar_notes(ax)[-1] == ""
    np.testing.assert_allclose(widths(ax).sum(), one["logits"][other], rtol=1e-6)
    assert f"contributions to class {label}" in ax.get_title() and "predicted" not in ax.get_title()
    ax = rendered(one.plot(n_concepts=3))
    relevances = one["relevances"][1 - other]
    order = np.argsort(-np.abs(relevances), kind="stable")
    np.testing.assert_allclose(widths(ax), [*relevances[order[:3]], relevances[order[3:]].sum()])


def test_regressor_bars_explain_output_0(diabetes, diabetes_model):
    X, _ = diabetes
    one = diabetes_model.explain(X.iloc[[3]])[0]
    ax = rendered(one.plot(kind="contribution"))
    np.testing.assert_allclose(widths(ax).sum(), diabetes_model.predict(X.iloc[[3]])[0], rtol=1e-6)
    assert ytick_labels(ax)[-1] == "intercept (mean of y)"
    np.testing.assert_allclose(widths(ax)[-1], one["intercept"][0])
    assert "prediction (output 0)" in ax.get_xlabel() and "output 0" in ax.get_title()
    ax = rendered(one.plot())
    order = np.argsort(-np.abs(one["relevances"][0]), kind="stable")
    np.testing.assert_allclose(widths(ax), one["relevances"][0][order])
    with pytest.raises(ValueError, match="not an output index"):
        one.plot(target=1)


def test_several_samples_or_a_bad_target_raise(cancer, cancer_model):
    explanation = cancer_model.explain(cancer[0].iloc[:3])
    for kind in ("relevance", "contribution", None):
        with pytest.raises(ValueError, match=r"plot one sample: explanation\[i\]\.plot\(\)"):
            explanation.plot(kind=kind)
    with pytest.raises(ValueError, match="not one of the classes"):
        explanation[0].plot(target="nope")


def test_unknown_kind_lists_the_available_kinds(cancer, cancer_model, digits_model):
    with pytest.raises(ValueError, match=r"available kinds: \['contribution', 'grid', 'relevance'\]"):
        cancer_model.explain(cancer[0].iloc[:1]).plot(kind="bogus")
    with pytest.raises(ValueError, match=r"available kinds: \['grounding'\]"):
        digits_model.explain_global().plot(kind="bogus")


def test_grid_is_theta_of_each_samples_predicted_class(cancer, cancer_model):
    X, _ = cancer
    explanation = cancer_model.explain(X.iloc[10:16])
    ax = rendered(explanation.plot(kind="grid"))
    classes = cancer_model.classes_
    rows = [int(np.flatnonzero(classes == label)[0]) for label in explanation["predicted_class"]]
    expected = explanation["relevances"][np.arange(6), rows]
    image = ax.images[0]
    np.testing.assert_allclose(image.get_array(), expected)
    low, high = image.get_clim()
    assert low == -high == -np.abs(expected).max() and image.get_cmap().name == "RdBu"
    assert [label.get_text() for label in ax.get_xticklabels()] == list(X.columns) + ["bias"]
    assert ytick_labels(ax) == [f"{i} (class {classes[k]})" for i, k in zip(range(10, 16), rows)]
    ax = rendered(explanation.plot(kind="grid", target=1, n_concepts=5))
    grid = explanation["relevances"][:, 1]
    columns = np.sort(np.argsort(-np.abs(grid).mean(axis=0), kind="stable")[:5])
    np.testing.assert_allclose(ax.images[0].get_array(), grid[:, columns])


def test_regressor_grid_shows_output_0(diabetes, diabetes_model):
    X, _ = diabetes
    explanation = diabetes_model.explain(X.iloc[[7, 3, 9]])
    ax = rendered(explanation.plot(kind="grid"))
    np.testing.assert_allclose(ax.images[0].get_array(), explanation["relevances"][:, 0])
    assert ytick_labels(ax) == ["7", "3", "9"]
    assert len(ax.texts) == 3 * 11  # small grids show their values
    ax = rendered(diabetes_model.explain(X.iloc[[2]])[0].plot(kind="grid"))  # one sample: one row
    assert ax.images[0].get_array().shape == (1, 11) and ytick_labels(ax) == ["2"]


def test_image_grounding_grid_shows_decoded_concept_then_top_examples(digits_model):
    explanation = digits_model.explain_global()
    figure = explanation.plot()
    figure.canvas.draw()
    tiles = [ax for ax in figure.axes if ax.images]
    n_concepts, n_examples = explanation["examples"].shape[:2]
    assert len(tiles) == n_concepts * (1 + n_examples)
    rows = [tiles[i * (1 + n_examples):(i + 1) * (1 + n_examples)] for i in range(n_concepts)]
    for i, row in enumerate(rows):
        assert row[0].get_title() == "decoded" and row[0].get_ylabel() == f"concept {i}"
        np.testing.assert_allclose(row[0].images[0].get_array(), explanation["decoded_concepts"][i, 0])
        activations = explanation["example_activations"][i]
        assert [tile.get_title() for tile in row[1:]] == [f"h={h:.2f}" for h in activations]
        np.testing.assert_allclose(row[1].images[0].get_array(), explanation["examples"][i, 0, 0])
    assert "top 8 training examples" in figure.get_suptitle()


def test_image_grounding_without_decoder_fewer_examples_and_in_a_given_axes(digits_model):
    explanation = digits_model.explain_global()
    del explanation.data["decoded_concepts"], explanation.dims["decoded_concepts"]
    figure, (left, right) = plt.subplots(1, 2)
    assert plot_concept_grounding(explanation, ax=right, n_examples=3) is figure
    figure.canvas.draw()
    tiles = [ax for ax in figure.axes if ax.images]
    assert len(tiles) == 4 * 3 and right not in figure.axes and left in figure.axes
    assert "decoded" not in {tile.get_title() for tile in tiles}


def test_tabular_grounding_table_of_top_example_means(cancer):
    X, y = cancer
    model = SENNClassifier(concepts="autoencoder", n_concepts=3, n_examples=5, max_epochs=3, **QUICK)
    model.fit(X, y)
    ax = rendered(plot_concept_grounding(model))
    examples = model.explain_global()["examples"]
    means = examples.mean(axis=1)
    assert [text.get_text() for text in ax.texts] == [
        f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}" for value in means.ravel()]
    assert ytick_labels(ax) == list(X.columns)
    concepts = [label.get_text().split("\n")[0] for label in ax.get_xticklabels()]
    assert concepts == ["concept 0", "concept 1", "concept 2"]
    zscores = ax.images[0].get_array()
    assert zscores.shape == (30, 3)
    pooled = examples.reshape(-1, 30)
    np.testing.assert_allclose(zscores[:, 0], (means[0] - pooled.mean(axis=0)) / pooled.std(axis=0))
