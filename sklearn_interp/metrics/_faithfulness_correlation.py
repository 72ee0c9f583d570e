"""Faithfulness of attributions as the correlation with the effect of removing each unit (SENN §5.3)."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import validate_params

from ._protocol import attributions, explain, explaining_model, target_indices


def _row_correlations(a, b):
    """Pearson correlation of each row of ``a`` with the same row of ``b``; NaN where either is constant."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        correlation = (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    return np.clip(correlation, -1.0, 1.0)


@validate_params(
    {"explainer": [object], "X": ["array-like"], "baseline": ["array-like", Real, None], "key": [str],
     "explain_params": [dict, None]},
    prefer_skip_nested_validation=True,
)
def faithfulness_correlation(explainer, X, *, baseline=None, key="contributions", explain_params=None):
    """Correlation of each unit's attribution with the drop of the prediction without it, §5.3 of [1]_.

    For each sample x of ``X``, with a the attributions of its predicted
    class c (``contributions[:, c]`` of ``explain(x)``; every output of a
    regressor, the correlations then averaged over the outputs) and p the
    explained score (the probability of c, or the output)::

        faithfulness(x) = corr_j( a_j(x), p(x) - p(x without unit j) )

    the Pearson correlation over the units j. Higher is more faithful: the
    units the explanation ranks as most relevant are those whose removal
    costs the prediction most.

    How a unit is removed:

    - input features (the post-hoc explainers of
      :mod:`sklearn_interp.baselines`, ``SENNClassifier(concepts="input")``'s
      concepts): replaced by ``baseline``, the training mean by default, and
      the model run again;
    - SENN's learned concepts and its bias concept: θ_i(x) h_i(x) set to 0,
      the removal the paper defines for its additive model;
    - a :class:`~sklearn_interp.PrototypeClassifier`'s prototypes: their
      terms ``W[k, j] d_j`` dropped from the logits;
    - a sparse representer's examples: their contributions dropped from the
      explanation model h's scores, the scores being h's;
    - a feature leveling network's GLM inputs (features of every level and
      the last hidden layer's units): their terms dropped from the GLM's
      logits (or prediction).

    Parameters
    ----------
    explainer : fitted explainer
        Anything whose ``explain(X)`` returns an Explanation with
        ``contributions`` (sample, class or output, unit): a fitted
        estimator of this package, a Pipeline ending in one (X goes through
        the other steps first; units and baseline are then in the last
        step's input space), or a :mod:`sklearn_interp.baselines` explainer.
    X : array-like of shape (n_samples, ...)
        Samples, as ``explainer.explain`` takes them.
    baseline : float or array-like of shape (n_features,), default=None
        Replacement value of each input feature; None: the training mean
        (for images, the pixel offset: black on [0, 1]). Ignored for units
        that are not input features.
    key : str, default="contributions"
        The explanation's array of attributions, with axes (sample, class or
        output, unit), e.g. ``"relevances"`` for SENN's θ(x) (the paper's
        relevance scores; the contributions are θ(x)·h(x)).
    explain_params : dict, default=None
        Keyword arguments of ``explain`` (e.g. ``{"n_examples": 5}``).

    Returns
    -------
    faithfulness : ndarray of shape (n_samples,)
        In [-1, 1]; NaN where the attributions or the drops are constant
        over the units (e.g. a single unit).

    Raises
    ------
    TypeError
        When the explainer (a Pipeline's last step) has no ``explain``, or
        its explanation has no ``contributions`` per class or output.

    See Also
    --------
    local_lipschitz : Stability of the same attributions.
    make_explanation_scorer : This metric as a scikit-learn scorer.

    References
    ----------
    .. [1] D. Alvarez-Melis and T. S. Jaakkola. "Towards Robust
       Interpretability with Self-Explaining Neural Networks". NeurIPS 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_interp import SENNClassifier
    >>> from sklearn_interp.metrics import faithfulness_correlation
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = SENNClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> faithfulness_correlation(clf, X[:10]).shape
    (10,)
    """
    model, X = explaining_model(explainer, X)
    if not hasattr(model, "_removal_scores"):
        raise TypeError(f"{type(model).__name__} does not say how to remove the units it explains "
                        f"(no _removal_scores method), so its faithfulness cannot be measured.")
    explanation = explain(model, X, explain_params, key)
    targets = target_indices(explanation)
    scores, removed = model._removal_scores(X, explanation, baseline)
    drops = scores[:, None, :] - removed  # (n, unit, output)
    drops = np.swapaxes(drops, 1, 2)  # (n, output, unit)
    if targets is not None:
        drops = drops[np.arange(len(drops)), targets][:, None, :]
    return _row_correlations(attributions(explanation, targets, key), drops).mean(axis=1)
