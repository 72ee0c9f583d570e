"""What the explanation metrics need from an explainer, in one place.

An explainer is anything whose ``explain(X)`` returns an
:class:`~sklearn_interp.Explanation` with ``contributions`` of shape
(n_samples, n_outputs, n_units...) (or another such array, named by the
metrics' ``key``): the estimators of this package, a
:class:`~sklearn.pipeline.Pipeline` ending in one (X goes through the other
steps first), and the post-hoc explainers of :mod:`sklearn_interp.baselines`.
A classifier's explanation has the ``class`` axis and ``predicted_class``; the
metrics read the attributions of the predicted class, a regressor's those of
every output.
"""

import numpy as np

from .._pipeline import final_step, require_method


def explaining_model(explainer, X):
    """``(model, X as the model sees it)``: a Pipeline's last step and X through the steps before it."""
    model, X = final_step(explainer, X)
    require_method(explainer, model, "explain",
                   "the explanation metrics take an explainer: a fitted sklearn_interp estimator (or a "
                   "Pipeline ending in one) or a sklearn_interp.baselines explainer (LimeExplainer, "
                   "KernelShapExplainer, IntegratedGradientsExplainer) wrapping any model.")
    return model, X


def explain(model, X, explain_params, key="contributions"):
    """``model.explain(X, **explain_params)``, checked to hold ``key`` with a sample and output axis."""
    explanation = model.explain(X, **(explain_params or {}))
    dims = getattr(explanation, "dims", {}).get(key, ())
    if len(dims) < 3 or dims[0] != "sample" or dims[1] not in ("class", "output"):
        raise TypeError(
            f"{type(model).__name__}.explain must return an Explanation whose {key!r} have the axes "
            f"(sample, class or output, unit...); got axes {dims!r}."
        )
    return explanation


def target_indices(explanation):
    """Per sample, the position of its predicted class on the ``class`` axis; None for a regressor."""
    if explanation.dims["contributions"][1] != "class":
        return None
    classes = list(explanation.coords["class"])
    position = {label: i for i, label in enumerate(classes)}
    return np.array([position[label] for label in explanation["predicted_class"]], dtype=np.intp)


def attributions(explanation, targets, key="contributions"):
    """``explanation[key]`` for ``targets`` (:func:`target_indices`), (n_samples, n_targets, n_units) float64.

    A classifier has one target per sample, its predicted class (``targets``
    may be those of other samples, e.g. of the points a perturbed sample came
    from); a regressor has every output. Unit axes beyond the third (image
    pixels) are flattened.
    """
    values = np.asarray(explanation[key], dtype=np.float64)
    values = values.reshape(*values.shape[:2], -1)
    if targets is None:
        return values
    return values[np.arange(len(values)), targets][:, None, :]
