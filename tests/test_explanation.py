import json
import os

import numpy as np
import pandas as pd
import pytest

from sklearn_interp import Explanation
from sklearn_interp.explanation import sample_coords


@pytest.fixture
def explanation():
    return Explanation(
        {"relevance": np.arange(8.0).reshape(4, 2), "label": np.array([3, 1, 4, 1]),
         "bias": np.array([0.5, -0.5])},
        dims={"relevance": ("sample", "feature"), "label": ("sample",), "bias": ("feature",)},
        coords={"feature": ["age", "priors"]},
        meta={"method": "toy", "scope": "local"},
    )


def test_int_index_gives_the_one_sample_view(explanation):
    assert len(explanation) == 4
    for index in (1, np.int64(1)):
        one = explanation[index]
        np.testing.assert_array_equal(one["relevance"], [2.0, 3.0])
        assert one.dims["relevance"] == ("feature",) and one.n_samples == 0
        assert one.coords["sample"] == 1
    np.testing.assert_array_equal(one["bias"], explanation["bias"])
    with pytest.raises(IndexError, match="no sample axis"):
        one[0]


@pytest.mark.parametrize("index, positions", [
    (slice(0, 2), [0, 1]),
    ([0, 3], [0, 3]),
    (np.array([True, False, True, False]), [0, 2]),
    (Ellipsis, [0, 1, 2, 3]),
    (slice(None, None, -2), [3, 1]),
])
def test_numpy_indices_keep_the_sample_axis_and_labels(explanation, index, positions):
    part = explanation[index]
    assert part.dims == explanation.dims and len(part) == len(positions)
    np.testing.assert_array_equal(part["relevance"], explanation["relevance"][positions])
    np.testing.assert_array_equal(part.coords["sample"], positions)
    np.testing.assert_array_equal(part["bias"], explanation["bias"])
    frame = part.to_frame("relevance")
    np.testing.assert_array_equal(frame["sample"], np.repeat(positions, 2))
    np.testing.assert_array_equal(part[1:].coords["sample"], positions[1:])


@pytest.mark.parametrize("index", [None, (0, 1), np.array([True, False]), True, np.zeros((2, 2), dtype=int)])
def test_bad_indices_raise_index_error(explanation, index):
    with pytest.raises(IndexError):
        explanation[index]


def test_sample_labels_survive_indexing():
    exp = Explanation({"x": np.arange(3.0)}, dims={"x": ("sample",)}, coords={"sample": ["a", "b", "c"]})
    assert exp[2].coords["sample"] == "c"
    assert exp[[2, 0]].to_frame("x")["sample"].tolist() == ["c", "a"]


def test_assign_coords_relabels_a_copy(explanation):
    relabelled = explanation.assign_coords(feature=["sex", "age"], sample=list("abcd"))
    assert relabelled.coords["feature"].tolist() == ["sex", "age"] and relabelled.meta == explanation.meta
    assert relabelled[1].coords["sample"] == "b"
    assert explanation.coords["feature"].tolist() == ["age", "priors"] and "sample" not in explanation.coords
    np.testing.assert_array_equal(relabelled["relevance"], explanation["relevance"])
    with pytest.raises(ValueError, match="coords\\['feature'\\] has shape \\(3,\\)"):
        explanation.assign_coords(feature=["a", "b", "c"])


@pytest.mark.parametrize("data, dims, coords, message", [
    ({"a": np.zeros((2, 3))}, {"a": ("sample",)}, None, "dims\\['a'\\] names 1 axes"),
    ({"a": np.zeros((2, 3)), "b": np.zeros(4)}, {"a": ("sample", "feature"), "b": ("feature",)}, None,
     "axis 'feature' has size 4 in data\\['b'\\]"),
    ({"a": np.zeros((2, 3))}, {"a": ("sample", "feature")}, {"feature": ["u", "v"]},
     "coords\\['feature'\\] has shape \\(2,\\)"),
    ({"a": np.zeros(2)}, {"b": ("sample",)}, None, "same keys"),
])
def test_construction_validates_dims_and_coords(data, dims, coords, message):
    with pytest.raises(ValueError, match=message):
        Explanation(data, dims, coords)


def test_to_frame_keeps_dtypes(explanation):
    frame = explanation.to_frame("relevance")
    assert list(frame.columns) == ["sample", "feature", "value"]
    assert frame["sample"].dtype.kind == "i" and frame["value"].dtype == np.float64
    assert list(frame["feature"].cat.categories) == ["age", "priors"]
    assert frame.loc[(frame["sample"] == 2) & (frame["feature"] == "priors"), "value"].item() == 5.0
    frames = explanation.to_frame()
    assert set(frames) == {"relevance", "label", "bias"}
    assert frames["label"]["value"].dtype.kind == "i" and list(frames["bias"].columns) == ["feature", "value"]
    assert list(explanation.to_frame(["bias"])) == ["bias"]


def test_to_frame_of_a_scalar_and_of_string_values():
    exp = Explanation({"p": np.array("cat"), "c": np.array([["x", "y"]])},
                      dims={"p": (), "c": ("sample", "class")}, coords={"class": np.array([10, 20])})
    assert exp.to_frame("p")["value"].tolist() == ["cat"]
    frame = exp.to_frame("c")
    assert frame["class"].tolist() == [10, 20] and frame["class"].dtype.kind == "i"
    assert frame["value"].tolist() == ["x", "y"]


def test_coords_are_copied():
    classes = np.array([0, 1])
    exp = Explanation({"p": np.zeros((1, 2))}, dims={"p": ("sample", "class")}, coords={"class": classes})
    exp.coords["class"][0] = 7
    assert classes[0] == 0


def test_sample_coords_of_pandas_input():
    frame = pd.DataFrame({"a": [1.0, 2.0]}, index=[10, 42])
    np.testing.assert_array_equal(sample_coords(frame)["sample"], [10, 42])
    np.testing.assert_array_equal(sample_coords(frame["a"])["sample"], [10, 42])
    assert sample_coords(np.zeros((2, 1))) == {} and sample_coords([[1.0]]) == {}


def test_concat_joins_samples_and_checks_compatibility(explanation):
    joined = Explanation.concat([explanation[:1], explanation[1:3], explanation[3:]])
    for key in explanation.keys():
        np.testing.assert_array_equal(joined[key], explanation[key])
    np.testing.assert_array_equal(joined.coords["sample"], [0, 1, 2, 3])
    unlabelled = Explanation.concat([explanation, explanation])
    assert "sample" not in unlabelled.coords and len(unlabelled) == 8
    assert unlabelled.to_frame("label")["sample"].tolist() == list(range(8))
    other = Explanation(explanation.data, explanation.dims, {"feature": ["a", "b"]}, explanation.meta)
    with pytest.raises(ValueError, match="coords\\['feature'\\]"):
        Explanation.concat([explanation, other])
    with pytest.raises(ValueError, match="meta"):
        Explanation.concat([explanation, Explanation(explanation.data, explanation.dims, explanation.coords)])
    with pytest.raises(ValueError, match="either every explanation or none"):
        Explanation.concat([explanation[:2], explanation])
    with pytest.raises(ValueError, match="no sample axis"):
        Explanation.concat([explanation[0]])
    with pytest.raises(ValueError, match="at least one"):
        Explanation.concat([])


def test_json_round_trip_and_options(explanation):
    loaded = json.loads(explanation.to_json())
    assert loaded["coords"]["feature"] == ["age", "priors"] and loaded["data"]["bias"] == [0.5, -0.5]
    assert json.loads(explanation.to_json(allow_nan=True, indent=2)) == loaded


def test_json_is_strict_with_missing_values():
    exp = Explanation({"relevance": np.array([[np.nan, 1.0]])}, dims={"relevance": ("sample", "feature")})
    assert json.loads(exp.to_json())["data"]["relevance"] == [[None, 1.0]]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_to_json_keeps_the_permissions_of_an_existing_file(explanation, tmp_path):
    path = tmp_path / "exp.json"
    path.write_text("old")
    path.chmod(0o600)
    explanation.to_json(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["meta"]["method"] == "toy"


def test_unknown_method_has_no_plot(explanation):
    with pytest.raises(ValueError, match="no plot for method='toy'"):
        explanation.plot()


@pytest.fixture(scope="module")
def iris_model():
    from sklearn.datasets import load_iris

    from sklearn_interp import PrototypeClassifier

    from .conftest import FAST

    X, y = load_iris(return_X_y=True, as_frame=True)
    return PrototypeClassifier(n_prototypes=4, **FAST).fit(X, y), X


def test_explain_global_returns_copies_of_the_fitted_state(iris_model):
    clf, _ = iris_model
    fitted = {name: getattr(clf, name).copy() for name in
              ("prototypes_", "decoded_prototypes_", "class_weights_", "prototype_nearest_indices_",
               "prototype_nearest_examples_", "feature_range_", "classes_")}
    first = clf.explain_global()
    for value in list(first.data.values()) + [first.coords["class"]]:
        value[...] = 0
    for name, value in fitted.items():
        np.testing.assert_array_equal(getattr(clf, name), value)
    second = clf.explain_global()
    np.testing.assert_array_equal(second["class_weights"], fitted["class_weights_"])
    np.testing.assert_array_equal(second["feature_range"], fitted["feature_range_"])


def test_explain_keeps_the_dataframe_index_as_sample_labels(iris_model):
    clf, X = iris_model
    part = X.iloc[[120, 5, 60]]
    explanation = clf.explain(part)
    np.testing.assert_array_equal(explanation.coords["sample"], [120, 5, 60])
    assert explanation[1].coords["sample"] == 5
    frame = explanation.to_frame("predicted_class")
    assert frame["sample"].tolist() == [120, 5, 60]
    np.testing.assert_array_equal(frame["value"], clf.predict(part))
    with pytest.warns(UserWarning, match="feature names"):
        assert "sample" not in clf.explain(part.to_numpy()).coords
    joined = Explanation.concat([clf.explain(X.iloc[:70]), clf.explain(X.iloc[70:])])
    np.testing.assert_array_equal(joined.coords["sample"], X.index)
    np.testing.assert_allclose(joined["logits"], clf.explain(X)["logits"])
