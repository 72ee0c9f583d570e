"""Explanation metrics as scikit-learn scorers, so a grid search can select by them."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ._faithfulness_correlation import faithfulness_correlation
from ._stability import local_lipschitz

# name -> (metric, greater is better)
_METRICS = {
    "faithfulness_correlation": (faithfulness_correlation, True),
    "local_lipschitz": (local_lipschitz, False),
}
_AGGREGATES = {"median": np.nanmedian, "mean": np.nanmean}


class _ExplanationScorer:
    """``scorer(estimator, X, y=None)``: the aggregated per-sample metric, negated when lower is better."""

    def __init__(self, metric, greater_is_better, aggregate, kwargs):
        self.metric = metric
        self.greater_is_better = greater_is_better
        self.aggregate = aggregate
        self.kwargs = kwargs

    def __call__(self, estimator, X, y=None):
        values = np.asarray(self.metric(estimator, X, **self.kwargs), dtype=np.float64)
        if np.isnan(values).all():
            return np.nan
        value = float(_AGGREGATES[self.aggregate](values))
        return value if self.greater_is_better else -value

    def __repr__(self):
        name = getattr(self.metric, "__name__", repr(self.metric))
        options = "".join(f", {key}={value!r}" for key, value in self.kwargs.items())
        return f"make_explanation_scorer({name}, aggregate={self.aggregate!r}{options})"


@validate_params(
    {"metric": [callable, StrOptions(set(_METRICS))], "aggregate": [StrOptions(set(_AGGREGATES))],
     "greater_is_better": ["boolean", None]},
    prefer_skip_nested_validation=True,
)
def make_explanation_scorer(metric, *, aggregate="median", greater_is_better=None, **kwargs):
    """A scikit-learn scorer of an explanation metric, to select hyperparameters by explanation quality.

    Parameters
    ----------
    metric : {"faithfulness_correlation", "local_lipschitz"} or callable
        :func:`faithfulness_correlation`, :func:`local_lipschitz` (or their
        names), or any ``metric(explainer, X, **kwargs)`` returning one value
        per sample.
    aggregate : {"median", "mean"}, default="median"
        How the per-sample values become one score; NaN values (e.g. a
        sample without neighbours) are left out.
    greater_is_better : bool, default=None
        Whether higher values are better. None: True for
        ``faithfulness_correlation``, False for ``local_lipschitz``; must be
        given for another callable.
    **kwargs
        Keyword arguments of the metric, e.g. ``eps=0.1, n_calls=10,
        random_state=0`` for :func:`local_lipschitz` (a fixed
        ``random_state`` makes the score of a deterministic explainer
        reproducible).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None)`` returns the aggregated metric on
        ``X`` (y is ignored), negated when lower is better, as scikit-learn's
        ``neg_*`` scorers are, so that greater is always better: the
        ``local_lipschitz`` scorer returns ``-median L``. NaN when every
        sample's value is NaN. It can be given as ``scoring`` to
        :class:`~sklearn.model_selection.GridSearchCV`,
        :func:`~sklearn.model_selection.cross_validate` and the like, alone
        or in a dict of scorers, and it pickles.

    See Also
    --------
    faithfulness_correlation, local_lipschitz : The metrics.

    Examples
    --------
    Select SENN's λ by stability among the candidates within one point of the
    best accuracy:

    >>> import numpy as np
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_interp import SENNClassifier
    >>> from sklearn_interp.metrics import make_explanation_scorer
    >>> X, y = load_wine(return_X_y=True)
    >>> stability = make_explanation_scorer("local_lipschitz", eps=0.5, n_calls=4, random_state=0)
    >>> def stable_within_one_point(results):
    ...     accuracy = results["mean_test_accuracy"]
    ...     stable = np.where(accuracy >= accuracy.max() - 0.01, results["mean_test_stability"], -np.inf)
    ...     return int(np.argmax(stable))
    >>> search = GridSearchCV(SENNClassifier(max_epochs=5, random_state=0), {"lam": [0.01, 1.0]}, cv=2,
    ...                       scoring={"accuracy": "accuracy", "stability": stability},
    ...                       refit=stable_within_one_point)
    >>> sorted(search.fit(scale(X), y).best_params_)
    ['lam']
    """
    if isinstance(metric, str):
        metric, default = _METRICS[metric]
    else:
        default = {function: better for function, better in _METRICS.values()}.get(metric)
    if greater_is_better is None:
        if default is None:
            raise ValueError(f"Say whether greater values of {metric!r} are better: give greater_is_better.")
        greater_is_better = default
    return _ExplanationScorer(metric, greater_is_better, aggregate, kwargs)
