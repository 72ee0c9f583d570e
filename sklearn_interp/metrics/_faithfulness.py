"""Faithfulness of example-based explanations, and scorers for model selection (Iwata & Yoshikawa)."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import is_regressor
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils._param_validation import Interval, validate_params

from .._pipeline import final_step, require_method

_N_EXAMPLES = [Interval(Integral, 1, None, closed="left")]


def _final_step(estimator, X):
    """``(model, X as the model sees it)``: a Pipeline's last step and X through the steps before it."""
    model, X = final_step(estimator, X)
    require_method(estimator, model, "predict_explained",
                   "faithfulness compares a prediction model with its example-based explanation model, e.g. "
                   "a fitted SparseRepresenterClassifier or SparseRepresenterRegressor (or a Pipeline ending "
                   "in one).")
    return model, X


def _agreement(model, predicted, explained):
    """Eq. (19) for classifiers: the share of equal labels; R² of h against g for regressors."""
    if is_regressor(model):
        return float(r2_score(predicted, explained))
    return float(accuracy_score(predicted, explained))


def _faithfulness(model, X, predicted, n_examples, quiet):
    """:func:`_agreement` of h with U examples and g's labels ``predicted``; 0.0 when h has no example.

    A model whose ``influences_`` are all 0 has an explanation model without
    examples: 0.0, with a UserWarning unless ``quiet``. ``quiet`` (the
    scorers) also caps U at the nonzero influences, which
    ``predict_explained`` would do with a UserWarning.
    """
    influences = getattr(model, "influences_", None)
    n_nonzero = None if influences is None else int(np.count_nonzero(influences))
    if n_nonzero == 0:
        if not quiet:
            warnings.warn("The explanation model has no example: every influence is 0 (eta closed every "
                          "gate, or training was too short); its faithfulness is 0.", UserWarning)
        return 0.0
    if quiet and n_nonzero is not None:
        n_examples = min(n_examples, n_nonzero)
    return _agreement(model, predicted, model.predict_explained(X, n_examples))


@validate_params(
    {"estimator": [object], "X": ["array-like"], "n_examples": _N_EXAMPLES + [None]},
    prefer_skip_nested_validation=True,
)
def faithfulness_score(estimator, X, n_examples=10):
    """Faithfulness of the explanation model with U examples to the prediction model, eq. (19) of [1]_.

    For a classifier, the fraction of samples of ``X`` whose label by the
    prediction model g (``predict``, eq. 1) equals the label by the
    explanation model h restricted to the U training examples of largest
    influence (``predict_explained(X, n_examples)``, eqs. 21-22)::

        Faithfulness = 1/|X| sum over x in X of I(argmax_c g_c(x) = argmax_c h_c(x))

    It needs no true labels. For a regressor, eq. (19) does not apply (the
    outputs are real numbers); the score is then the coefficient of
    determination :func:`sklearn.metrics.r2_score` of h's predictions
    against g's, taking g's as the truth: 1 when h reproduces g, 0 when h
    does no better than g's mean, negative when worse; several outputs are
    averaged uniformly.

    Parameters
    ----------
    estimator : fitted estimator or Pipeline
        Has ``predict(X)`` and ``predict_explained(X, n_examples)``, such as a
        fitted :class:`~sklearn_interp.SparseRepresenterClassifier` or
        :class:`~sklearn_interp.SparseRepresenterRegressor`; or a fitted
        :class:`~sklearn.pipeline.Pipeline` whose last step has them (X goes
        through the other steps first).
    X : array-like of shape (n_samples, ...)
        Samples, as ``estimator.predict`` takes them.
    n_examples : int or None, default=10
        U, the number of training examples of the explanation model; None
        uses the estimator's own ``n_examples``. When the model has fewer
        nonzero influences, ``predict_explained``'s UserWarning is shown and
        all of them are used (the scorers use them without a warning).

    Returns
    -------
    score : float
        In [0, 1] for a classifier, higher is more faithful; R² (at most 1)
        for a regressor. 0.0, with a UserWarning, when the explanation model
        has no example at all (``influences_`` all 0, e.g. η closed every
        gate), where ``predict_explained`` raises ValueError: there is
        nothing to be faithful with. The scorers give such a grid search
        candidate 0.0 too, without the warning (a regressor's R² can be
        lower still, for an h with examples that does worse than g's mean).

    Raises
    ------
    TypeError
        If the estimator (the last step of a Pipeline) has no
        ``predict_explained``.

    See Also
    --------
    make_faithfulness_scorer : This score as a scorer for model selection.
    make_accuracy_faithfulness_scorer : Its geometric mean with the accuracy.

    References
    ----------
    .. [1] T. Iwata and Y. Yoshikawa. "Training Deep Models to be Explained
       with Fewer Examples". arXiv:2112.03508, 2021.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_interp import SparseRepresenterClassifier
    >>> from sklearn_interp.metrics import faithfulness_score
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SparseRepresenterClassifier(max_epochs=20, random_state=0).fit(X, y)
    >>> agree = clf.predict(X) == clf.predict_explained(X, n_examples=3)
    >>> faithfulness_score(clf, X, n_examples=3) == float(agree.mean())
    True
    """
    model, X = _final_step(estimator, X)
    return _faithfulness(model, X, model.predict(X), n_examples, quiet=False)


class _FaithfulnessScorer:
    """Scorer ``scorer(estimator, X, y=None)``: :func:`faithfulness_score` with U examples (eq. 19)."""

    def __init__(self, n_examples):
        self.n_examples = n_examples

    def __call__(self, estimator, X, y=None):
        model, X = _final_step(estimator, X)
        return _faithfulness(model, X, model.predict(X), self.n_examples, quiet=True)

    def __repr__(self):
        return f"make_faithfulness_scorer(n_examples={self.n_examples!r})"


class _AccuracyFaithfulnessScorer:
    """Scorer ``scorer(estimator, X, y)``: sqrt(accuracy (eq. 18) x faithfulness (eq. 19))."""

    def __init__(self, n_examples):
        self.n_examples = n_examples

    def __call__(self, estimator, X, y):
        model, X = _final_step(estimator, X)
        if is_regressor(model):
            raise ValueError(
                f"The accuracy-faithfulness scorer needs a classifier, got the regressor {model!r}; "
                f"use make_faithfulness_scorer (R² of h against g) or a regression score."
            )
        predicted = model.predict(X)
        faithfulness = _faithfulness(model, X, predicted, self.n_examples, quiet=True)
        return float(np.sqrt(accuracy_score(y, predicted) * faithfulness))

    def __repr__(self):
        return f"make_accuracy_faithfulness_scorer(n_examples={self.n_examples!r})"


@validate_params({"n_examples": _N_EXAMPLES}, prefer_skip_nested_validation=True)
def make_faithfulness_scorer(n_examples=10):
    """A scorer of the faithfulness with U examples, eq. (19) of Iwata & Yoshikawa.

    Parameters
    ----------
    n_examples : int, default=10
        U, the number of training examples of the explanation model.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None)`` returns
        ``faithfulness_score(estimator, X, n_examples)`` (y is ignored:
        faithfulness needs no labels) without its warnings: with fewer
        nonzero influences than ``n_examples`` it uses all of them, and a
        model without any (every gate closed) scores 0.0, so a grid search
        ranks it last rather than giving it ``error_score``. It can be given
        as ``scoring`` to
        :class:`~sklearn.model_selection.GridSearchCV`,
        :func:`~sklearn.model_selection.cross_validate` and the like, alone
        or in a dict of scorers, and it pickles (for parallel backends).

    See Also
    --------
    faithfulness_score : The score, also for regressors and Pipelines.

    Examples
    --------
    >>> from sklearn_interp.metrics import make_faithfulness_scorer
    >>> make_faithfulness_scorer(5)
    make_faithfulness_scorer(n_examples=5)
    """
    return _FaithfulnessScorer(n_examples)


@validate_params({"n_examples": _N_EXAMPLES}, prefer_skip_nested_validation=True)
def make_accuracy_faithfulness_scorer(n_examples=10):
    """A scorer of the geometric mean of accuracy and faithfulness, for model selection (§4.2 of [1]_).

    Iwata & Yoshikawa tune η on validation data by "the geometric mean of
    the test accuracy and faithfulness"::

        score = sqrt(Accuracy x Faithfulness)

    with the accuracy of the prediction model g against the true labels
    (eq. 18) and the faithfulness of the explanation model with U examples
    to g (eq. 19, :func:`faithfulness_score`). The score is 0 when either
    is 0, so neither an accurate but unexplainable model nor a faithfully
    explained but inaccurate one is selected.

    Parameters
    ----------
    n_examples : int, default=10
        U, the number of training examples of the explanation model.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``, for classifiers only (ValueError for a
        regressor, whose faithfulness is an R² and may be negative). Like
        :func:`make_faithfulness_scorer` it does not warn: it uses all the
        nonzero influences when there are fewer than ``n_examples``, and a
        model without any scores 0.0. It can be given as ``scoring`` to
        :class:`~sklearn.model_selection.GridSearchCV`,
        :func:`~sklearn.model_selection.cross_validate` and the like, alone
        or in a dict of scorers, and it pickles (for parallel backends).

    See Also
    --------
    make_faithfulness_scorer : The faithfulness alone.

    References
    ----------
    .. [1] T. Iwata and Y. Yoshikawa. "Training Deep Models to be Explained
       with Fewer Examples". arXiv:2112.03508, 2021.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_interp import SparseRepresenterClassifier
    >>> from sklearn_interp.metrics import make_accuracy_faithfulness_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GridSearchCV(SparseRepresenterClassifier(max_epochs=10, random_state=0),
    ...                       {"eta": [0.0, 1e-4]}, scoring=make_accuracy_faithfulness_scorer(10), cv=2)
    >>> sorted(search.fit(X, y).best_params_)
    ['eta']
    """
    return _AccuracyFaithfulnessScorer(n_examples)
