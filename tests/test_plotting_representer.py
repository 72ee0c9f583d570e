import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_digits, load_iris

from sklearn_interp import SparseRepresenterClassifier, SparseRepresenterRegressor
from sklearn_interp.plotting import image_mosaic
from sklearn_interp.plotting._representer import (
    plot_example_contributions,
    plot_global_examples,
)

from .conftest import FAST, rendered


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True, as_frame=True)


@pytest.fixture(scope="module")
def iris_model(iris):
    return SparseRepresenterClassifier(**FAST).fit(*iris)


@pytest.fixture(scope="module")
def digits():
    digits = load_digits()
    return digits.data[:300] / 16.0, digits.target[:300]


@pytest.fixture(scope="module")
def digits_model(digits):
    return SparseRepresenterClassifier(image_shape=(8, 8), conv_channels=(8, 16), hidden_layer_sizes=(32,),
                                       max_epochs=3, eta=0.0, random_state=0, device="cpu").fit(*digits)


@pytest.fixture(scope="module")
def diabetes_model():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return SparseRepresenterRegressor(max_epochs=5, random_state=0, device="cpu").fit(X, y / y.std()), X


def fmt(value):
    value = value + 0.0
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def table_rows(ax):
    """The cell texts of the Axes' table, header first."""
    cells = ax.tables[0].get_celld()
    n_rows, n_cols = max(row for row, _ in cells) + 1, max(col for _, col in cells) + 1
    return [[cells[row, col].get_text().get_text() for col in range(n_cols)] for row in range(n_rows)]


def widths(ax):
    return np.array([patch.get_width() for patch in ax.patches])


def ytick_labels(ax):
    return [label.get_text() for label in ax.get_yticklabels()]


def texts(ax):
    return [text.get_text() for text in ax.texts]


def test_tabular_examples_table_lists_the_examples_in_order_with_their_contribution(iris, iris_model):
    X, y = iris
    one = iris_model.explain(X.iloc[[60]], n_examples=6)[0]
    label = one["explained_class"].item()
    k = int(np.flatnonzero(iris_model.classes_ == label)[0])
    ax = rendered(one.plot())
    header, *rows = table_rows(ax)
    assert header == ["example", "label", "acts on class", "influence α", "similarity",
                      f"contribution to class {label}", *X.columns]
    assert len(rows) == 6
    for row, i in zip(rows, range(6)):
        assert row[:6] == [str(one["example_indices"][i]), str(y[one["example_indices"][i]]),
                           str(one["example_classes"][i]), fmt(one["influences"][i]),
                           fmt(one["similarities"][i]), fmt(one["contributions"][k, i])]
        assert row[6:] == [fmt(value) for value in X.iloc[one["example_indices"][i]]]
    title = ax.get_title()
    legend = "label: the example's own training label; acts on class: the class its influence α acts on"
    assert legend in title
    assert title.startswith(f"sample 60: g predicts class {one['predicted_class'].item()}, ")
    assert f"the 6-example model h class {label}" in title


def test_tabular_examples_target_features_and_missing_rows(iris, iris_model):
    X, _ = iris
    explanation = iris_model.explain(X.iloc[[0, 100]], n_examples=5)
    one = explanation[1]
    features = ["petal width (cm)", "sepal length (cm)"]
    header, *rows = table_rows(rendered(one.plot(target=0, features=features)))
    assert header[5:] == ["contribution to class 0", "petal width (cm)", "sepal length (cm)"]
    assert [row[5] for row in rows] == [fmt(value) for value in one["contributions"][0]]
    assert [row[6] for row in rows] == [fmt(X.iloc[i, 3]) for i in one["example_indices"]]
    ax = rendered(one.plot(max_features=2))
    assert table_rows(ax)[0][6:] == list(X.columns[:2]) and "2 of 4 features shown" in ax.get_title()
    with pytest.raises(ValueError, match="not among the features"):
        one.plot(features=["petal colour"])
    with pytest.raises(ValueError, match="not one of the classes"):
        one.plot(target=7)
    with pytest.raises(ValueError, match=r"plot one sample: explanation\[i\]\.plot\(\)"):
        explanation.plot()
    bare = iris_model.explain(X.iloc[[100]], n_examples=5, include_examples=False)[0]
    ax = rendered(bare.plot())
    header, *rows = table_rows(ax)
    assert len(header) == 6 and [row[0] for row in rows] == [str(i) for i in bare["example_indices"]]
    assert "store_training_data=False" in ax.get_title()


def test_contribution_bars_are_the_contributions_and_sum_to_the_score(iris, iris_model):
    X, _ = iris
    explanation = iris_model.explain(X, n_examples=8)
    explained = np.searchsorted(iris_model.classes_, explanation["explained_class"])
    shown = np.abs(explanation["contributions"][np.arange(len(X)), explained]).sum(axis=1)
    one = explanation[int(np.argmax(shown > 0))]  # a sample drawing on examples of its class
    for target in (None, 0):
        label = one["explained_class"].item() if target is None else target
        k = int(np.flatnonzero(iris_model.classes_ == label)[0])
        ax = rendered(one.plot(kind="contributions", target=target))
        np.testing.assert_allclose(widths(ax), one["contributions"][k])
        np.testing.assert_allclose(widths(ax).sum(), one["scores"][k], rtol=1e-12)
        assert f"bars sum to the score of class {label} = {one['scores'][k]:.4g}" in ax.get_xlabel()
        assert ytick_labels(ax) == [f"#{i} label {own}, acts on class {c}" for i, own, c in zip(
            one["example_indices"], one["example_labels"], one["example_classes"])]
        acting = one["example_classes"] == label
        assert acting.any() and (target is not None or np.any(widths(ax) != 0))
        notes = [text.get_text() for text in ax.texts]
        assert all(note.startswith("α=") == on for note, on in zip(notes, acting))
        assert np.all(widths(ax)[~acting] == 0)
        assert f"contributions of the 8 examples to class {label}" in ax.get_title()


def test_regressor_bars_explain_output_0(diabetes_model):
    model, X = diabetes_model
    one = model.explain(X.iloc[[3]], n_examples=5)[0]
    ax = rendered(plot_example_contributions(one))
    np.testing.assert_allclose(widths(ax), [*one["contributions"][0], one["intercept"][0]])
    assert ytick_labels(ax)[-1] == "intercept (mean of y)"
    np.testing.assert_allclose(widths(ax).sum(), model.predict_explained(X.iloc[[3]], n_examples=5)[0])
    first_tick = f"#{one['example_indices'][0]} target {fmt(one['example_labels'][0])}, acts on output 0"
    assert ytick_labels(ax)[0] == first_tick
    assert f"g predicts {one['predictions'][0]:.4g}" in ax.get_title()
    header, first, *_ = table_rows(rendered(one.plot()))
    assert header[:6] == ["example", "target", "acts on output", "influence α", "similarity",
                          "contribution to output 0"]
    assert first[:3] == [str(one["example_indices"][0]), fmt(one["example_labels"][0]), "0"]
    with pytest.raises(ValueError, match="not an output index"):
        one.plot(kind="contributions", target=1)


def test_image_examples_mosaic_titles_each_example(digits, digits_model):
    X, _ = digits
    one = digits_model.explain(X[:1], n_examples=6)[0]
    label = one["explained_class"].item()
    k = int(np.flatnonzero(digits_model.classes_ == label)[0])
    ax = rendered(one.plot(n_cols=3))
    assert texts(ax) == [f"#{i} label {own}\nacts on {c}: α={a:.2g}, {v + 0.0:+.2g}" for i, own, c, a, v in
                         zip(one["example_indices"], digits[1][one["example_indices"]], one["example_classes"],
                             one["influences"], one["contributions"][k])]
    expected, _ = image_mosaic(X[one["example_indices"]].reshape(-1, 8, 8), 3, pad=4)
    np.testing.assert_allclose(ax.images[0].get_array().filled(np.nan), expected)
    assert f"contribution to class {label}" in ax.get_title()
    bare = digits_model.explain(X[:1], n_examples=6, include_examples=False)[0]
    rows = table_rows(rendered(bare.plot()))[1:]
    assert [row[0] for row in rows] == [str(i) for i in bare["example_indices"]]


def test_global_image_mosaic_has_a_row_per_class(digits, digits_model):
    X, _ = digits
    explanation = digits_model.explain_global(12)
    ax = rendered(explanation.plot())
    classes = explanation["example_classes"]
    order = np.argsort(classes, kind="stable")
    labels = np.unique(classes)
    tiles = [f"#{explanation['example_indices'][i]} label {explanation['example_labels'][i]}\n"
             f"α={explanation['influences'][i]:.2g}" for i in order]
    shown = texts(ax)
    assert shown[-len(labels):] == [f"acts on class {c}" for c in labels]
    assert [text for text in shown[:-len(labels)] if text] == tiles
    n_cols = np.bincount(np.searchsorted(labels, classes)).max()
    assert ax.images[0].get_array().shape == (len(labels) * 12 - 4, n_cols * 12 - 4)
    first = order[0]  # of the first class, the largest |α|: the top left tile
    np.testing.assert_allclose(ax.images[0].get_array()[:8, :8],
                               X[explanation["example_indices"][first]].reshape(8, 8))


def test_global_table_sorted_by_class_from_an_estimator(iris, iris_model):
    X, y = iris
    _, ax = plt.subplots()
    assert plot_global_examples(iris_model, ax=ax, n_examples=7, max_features=None) is ax
    explanation = iris_model.explain_global(7)
    header, *rows = table_rows(rendered(ax))
    assert header == ["acts on class", "example", "label", "influence α", *X.columns]
    order = np.argsort(explanation["example_classes"], kind="stable")
    assert [row[:4] for row in rows] == [[str(explanation["example_classes"][i]),
                                          str(explanation["example_indices"][i]),
                                          str(y[explanation["example_indices"][i]]),
                                          fmt(explanation["influences"][i])] for i in order]
    assert rows[0][4:] == [fmt(value) for value in X.iloc[explanation["example_indices"][order[0]]]]
    assert "grouped by the class" in ax.get_title()
    assert len(table_rows(rendered(explanation.plot(n_examples=3)))) == 4


def test_unknown_kind_lists_the_available_kinds(iris, iris_model):
    with pytest.raises(ValueError, match=r"available kinds: \['contributions', 'examples'\]"):
        iris_model.explain(iris[0].iloc[:1], n_examples=3)[0].plot(kind="bogus")
    with pytest.raises(ValueError, match=r"available kinds: \['examples'\]"):
        iris_model.explain_global(3).plot(kind="bogus")
