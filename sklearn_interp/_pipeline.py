"""Explaining through a scikit-learn Pipeline: its last step explains, with the steps' feature names."""

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .explanation import sample_coords


def split_pipeline(estimator):
    """The transforming parts of a (nested) Pipeline and the model at its end.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A Pipeline whose last step may itself be a Pipeline, or any estimator.

    Returns
    -------
    transformers : list of Pipeline
        ``pipeline[:-1]`` of each nesting level that has steps before its
        last one, outermost first; empty for a plain estimator.
    model : estimator
        The innermost last step (``estimator`` itself when not a Pipeline).
    """
    transformers = []
    while isinstance(estimator, Pipeline):
        if len(estimator) > 1:
            transformers.append(estimator[:-1])
        estimator = estimator[-1]
    return transformers, estimator


def final_step(estimator, X):
    """The model at the end of a (nested) Pipeline, and X as that model sees it.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted Pipeline, or any estimator (returned with X unchanged).
    X : array-like
        Samples, as ``estimator.predict`` takes them.

    Returns
    -------
    model : estimator
        See :func:`split_pipeline`.
    X : array-like
        X through every transforming step before ``model``.
    """
    transformers, model = split_pipeline(estimator)
    return model, _transform(transformers, X)


def explain(estimator, X, **kwargs):
    """Explain predictions of an estimator, or of a Pipeline ending in one.

    For a fitted :class:`~sklearn.pipeline.Pipeline`, X goes through the
    transforming steps (``pipeline[:-1].transform(X)``; nested Pipelines too)
    and the last step explains the result. The explanation's feature axes are
    then labelled with ``pipeline[:-1].get_feature_names_out()`` (e.g. a
    ColumnTransformer's ``cat__sex_Male``, ``num__age``) instead of
    ``x0 .. x{p-1}``, whether or not the steps output pandas, and its samples
    with X's index when X is a DataFrame. For an estimator that is not a
    Pipeline this is ``estimator.explain(X, **kwargs)``.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted estimator with an ``explain`` method (any of this package),
        or a fitted Pipeline whose last step is one.
    X : array-like
        Samples, as ``estimator.predict`` takes them.
    **kwargs
        Passed to the last step's ``explain``, e.g. ``n_examples=`` for
        :class:`~sklearn_interp.SparseRepresenterClassifier`.

    Returns
    -------
    explanation : Explanation
        The last step's explanation, with the same arrays. Axes labelled by
        input features (``"feature"``; for SENN's input concepts,
        ``"concept"``: the names and ``"bias"``) carry the names of the
        transformed features; when a step has no ``get_feature_names_out``,
        they keep the names the last step has. ``meta["pipeline_steps"]``
        lists the names of the transforming steps, when there are any.

    Raises
    ------
    TypeError
        If the estimator (the last step of a Pipeline) has no ``explain``.
    sklearn.exceptions.NotFittedError
        If the estimator or Pipeline is not fitted.

    See Also
    --------
    explain_global : The same for global explanations.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.compose import ColumnTransformer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder, StandardScaler
    >>> from sklearn_interp import SENNClassifier, explain
    >>> X = pd.DataFrame({"sex": ["Male", "Female"] * 10, "age": range(20, 40)},
    ...                  index=[f"id{i}" for i in range(20)])
    >>> y = [0, 1] * 10
    >>> encode = ColumnTransformer([("cat", OneHotEncoder(sparse_output=False), ["sex"]),
    ...                             ("num", StandardScaler(), ["age"])])
    >>> pipe = make_pipeline(encode, SENNClassifier(max_epochs=2, random_state=0)).fit(X, y)
    >>> exp = explain(pipe, X[:3])
    >>> exp.coords["concept"].tolist()
    ['cat__sex_Female', 'cat__sex_Male', 'num__age', 'bias']
    >>> exp.coords["sample"].tolist()
    ['id0', 'id1', 'id2']
    >>> pipe[-1].explain(pipe[:-1].transform(X[:3])).coords["concept"].tolist()
    ['x0', 'x1', 'x2', 'bias']
    """
    transformers, model = split_pipeline(estimator)
    _check_explains(estimator, model, "explain")
    check_is_fitted(estimator)
    explanation = model.explain(_transform(transformers, X), **kwargs)
    return _relabel(explanation, transformers, model, sample_coords(X))


def explain_global(estimator, **kwargs):
    """Explain the model at the end of a Pipeline as a whole, labelled with the steps' feature names.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted estimator with an ``explain_global`` method, or a fitted
        Pipeline whose last step is one.
    **kwargs
        Passed to the last step's ``explain_global``.

    Returns
    -------
    explanation : Explanation
        The last step's global explanation, its feature axes labelled as in
        :func:`explain` (e.g. the columns of a tabular prototype network's
        ``decoded_prototypes``, in the units the last step sees).

    Raises
    ------
    TypeError
        If the estimator (the last step of a Pipeline) has no
        ``explain_global``.
    sklearn.exceptions.NotFittedError
        If the estimator or Pipeline is not fitted.

    See Also
    --------
    explain : Local explanations through a Pipeline.
    """
    transformers, model = split_pipeline(estimator)
    _check_explains(estimator, model, "explain_global")
    check_is_fitted(estimator)
    return _relabel(model.explain_global(**kwargs), transformers, model, {})


def _transform(transformers, X):
    for transformer in transformers:
        X = transformer.transform(X)
    return X


def _check_explains(estimator, model, method):
    require_method(estimator, model, method,
                   f"sklearn_interp.{method} explains with an estimator of sklearn_interp (e.g. "
                   "PrototypeClassifier, SENNClassifier, SparseRepresenterClassifier) or a Pipeline that "
                   "ends in one.")


def require_method(estimator, model, method, purpose):
    """Raise TypeError saying ``purpose`` when ``model`` (``estimator`` or its last step) lacks ``method``."""
    if not callable(getattr(model, method, None)):
        name = type(model).__name__
        subject = name if model is estimator else f"The last step of the Pipeline, {name},"
        raise TypeError(f"{subject} has no {method} method: {purpose}")


def _feature_names(transformers):
    """The names of the features the model sees, or None when a step cannot give them."""
    names = None
    try:
        for transformer in transformers:
            names = transformer.get_feature_names_out(names)
    except AttributeError:
        return None
    return names


def _relabel(explanation, transformers, model, coords):
    """``explanation`` with the transformed feature names and ``coords``, and the step names in meta."""
    if not transformers:
        return explanation
    names = _feature_names(transformers)
    if names is not None and hasattr(model, "_feature_name_coords"):
        named = model._feature_name_coords(names)
        coords = {**{dim: named[dim] for dim in named.keys() & explanation.coords.keys()}, **coords}
    relabelled = explanation.assign_coords(**coords)
    relabelled.meta["pipeline_steps"] = [name for part in transformers for name, _ in part.steps]
    return relabelled
