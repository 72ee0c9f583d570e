import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from sklearn_interp import (Explanation, PrototypeClassifier, SENNClassifier, SENNRegressor,
                            SparseRepresenterClassifier, explain, explain_global)

TINY = dict(max_epochs=3, batch_size=16, random_state=0, device="cpu")
NAMES = ["cat__sex_Female", "cat__sex_Male", "num__age", "num__priors"]
ESTIMATORS = {
    "prototype": (lambda: PrototypeClassifier(n_prototypes=3, **TINY), "feature", NAMES),
    "senn": (lambda: SENNClassifier(**TINY), "concept", [*NAMES, "bias"]),
    "representer": (lambda: SparseRepresenterClassifier(n_examples=3, **TINY), "feature", NAMES),
    "regressor": (lambda: SENNRegressor(**TINY), "concept", [*NAMES, "bias"]),
}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"sex": rng.choice(["Male", "Female"], 40), "age": rng.uniform(18, 70, 40),
                      "priors": rng.poisson(2, 40).astype(float)}, index=[f"id{i}" for i in range(40)])
    return X, (X["priors"] > 2).astype(int)


def encoder():
    return ColumnTransformer([("cat", OneHotEncoder(sparse_output=False), ["sex"]),
                              ("num", StandardScaler(), ["age", "priors"])])


def fit(model, data, pandas=False):
    pipe = make_pipeline(encoder(), model)
    if pandas:
        pipe.set_output(transform="pandas")
    return pipe.fit(*data)


@pytest.fixture(scope="module", params=[False, True], ids=["numpy", "pandas"])
def fitted(request, data):
    return {name: fit(make(), data, request.param) for name, (make, _, _) in ESTIMATORS.items()}


@pytest.mark.parametrize("name", ESTIMATORS)
def test_feature_axes_carry_the_transformed_names(fitted, data, name):
    _, axis, expected = ESTIMATORS[name]
    pipe, X = fitted[name], data[0][:5]
    exp = explain(pipe, X)
    direct = pipe[-1].explain(pipe[:-1].transform(X))
    np.testing.assert_array_equal(exp.coords[axis], expected)
    np.testing.assert_array_equal(exp.coords["sample"], X.index)
    assert exp.dims == direct.dims and exp.keys() == direct.keys()
    for key in exp.keys():
        np.testing.assert_array_equal(exp[key], direct[key])
    for dim in set(direct.coords) - {axis, "feature", "sample"}:
        np.testing.assert_array_equal(exp.coords[dim], direct.coords[dim])
    assert exp.meta == {**direct.meta, "pipeline_steps": ["columntransformer"]}


def test_senn_input_concepts_have_no_feature_axis_added(fitted, data):
    assert "feature" not in explain(fitted["senn"], data[0][:2]).coords


@pytest.mark.parametrize("name", ["prototype", "representer"])
def test_global_explanations_carry_the_transformed_names(fitted, name):
    pipe = fitted[name]
    exp, direct = explain_global(pipe), pipe[-1].explain_global()
    np.testing.assert_array_equal(exp.coords["feature"], NAMES)
    for key in exp.keys():
        np.testing.assert_array_equal(exp[key], direct[key])


def test_a_plain_estimator_passes_through(data):
    X = data[0][["age", "priors"]]
    model = PrototypeClassifier(n_prototypes=3, **TINY).fit(X, data[1])
    exp, direct = explain(model, X[:4], n_nearest=2), model.explain(X[:4], n_nearest=2)
    assert exp.meta == direct.meta and exp.coords.keys() == direct.coords.keys()
    for dim in exp.coords:
        np.testing.assert_array_equal(exp.coords[dim], direct.coords[dim])
    for key in exp.keys():
        np.testing.assert_array_equal(exp[key], direct[key])


def test_keyword_arguments_reach_the_last_step(fitted, data):
    exp = explain(fitted["representer"], data[0][:4], n_examples=2)
    assert exp.meta["n_examples"] == 2 and exp["contributions"].shape == (4, 2, 2)
    with pytest.raises(TypeError, match="unexpected keyword"):
        explain(fitted["representer"], data[0][:4], n_nearest=2)


def test_nested_pipelines(data):
    X, y = data
    inner = make_pipeline(StandardScaler(), SENNClassifier(**TINY))
    pipe = Pipeline([("encode", encoder()), ("model", inner)]).fit(X, y)
    exp = explain(pipe, X[:3])
    np.testing.assert_array_equal(exp.coords["concept"], [*NAMES, "bias"])
    np.testing.assert_array_equal(exp.coords["sample"], X.index[:3])
    assert exp.meta["pipeline_steps"] == ["encode", "standardscaler"]
    direct = inner[-1].explain(inner[:-1].transform(pipe[:-1].transform(X[:3])))
    np.testing.assert_array_equal(exp["relevances"], direct["relevances"])


@pytest.mark.parametrize("as_array, expected", [(False, ["age", "priors"]), (True, ["x0", "x1"])])
def test_a_step_without_feature_names_out_keeps_the_estimators_names(data, as_array, expected):
    X = data[0][["age", "priors"]]
    step = FunctionTransformer(np.asarray if as_array else None)
    pipe = make_pipeline(step, PrototypeClassifier(n_prototypes=3, **TINY)).fit(X, data[1])
    exp = explain(pipe, X[:3])
    np.testing.assert_array_equal(exp.coords["feature"], expected)
    np.testing.assert_array_equal(exp.coords["sample"], X.index[:3])
    assert exp.meta["pipeline_steps"] == ["functiontransformer"]


def test_an_unfitted_pipeline_raises_not_fitted(data):
    with pytest.raises(NotFittedError):
        explain(make_pipeline(encoder(), SENNClassifier(**TINY)), data[0])
    with pytest.raises(NotFittedError):
        explain_global(make_pipeline(encoder(), PrototypeClassifier(**TINY)))


def test_a_last_step_without_explain_says_what_to_use(data):
    pipe = make_pipeline(encoder(), LogisticRegression()).fit(*data)
    message = "the Pipeline, LogisticRegression, has no explain method.*a Pipeline that ends in one"
    with pytest.raises(TypeError, match=message):
        explain(pipe, data[0])
    with pytest.raises(TypeError, match="^LogisticRegression has no explain_global method"):
        explain_global(pipe[-1])


class FirstColumn(BaseEstimator):
    """An explaining estimator from outside the package: it knows nothing of feature-name axes."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.shape(X)[1]
        return self

    def explain(self, X):
        return Explanation({"x": np.asarray(X)[:, 0]}, {"x": ("sample",)}, meta={"method": "first"})


def test_any_estimator_with_explain_gets_sample_labels(data):
    pipe = make_pipeline(encoder(), FirstColumn()).fit(*data)
    exp = explain(pipe, data[0][:3])
    np.testing.assert_array_equal(exp["x"], pipe[:-1].transform(data[0][:3])[:, 0])
    np.testing.assert_array_equal(exp.coords["sample"], data[0].index[:3])
    assert exp.meta == {"method": "first", "pipeline_steps": ["columntransformer"]}
