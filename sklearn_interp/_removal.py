"""Removing the units of an explanation, for faithfulness (Alvarez-Melis & Jaakkola, 2018, §5.3).

Every explainer that :func:`sklearn_interp.metrics.faithfulness_correlation`
accepts has a method ``_removal_scores(X, explanation, baseline)`` returning
``(scores, removed)``: the explained scores of ``X`` (class probabilities, or
the regression outputs), shape (n_samples, n_outputs), and the same scores
with each unit of ``explanation["contributions"]`` removed, shape
(n_samples, n_units, n_outputs). Units that are input features are removed by
:func:`feature_removal_scores`; other units the way their method defines.
"""

import numpy as np

#: Values per chunk of perturbed copies of X (rows x features): about 32 MB of float64.
_CHUNK_VALUES = 1 << 22


def softmax(logits, axis=-1):
    """Softmax along ``axis``, float64, stable for large logits."""
    logits = np.asarray(logits, dtype=np.float64)
    exp = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return exp / exp.sum(axis=axis, keepdims=True)


def check_baseline(baseline, n_features):
    """``baseline`` as a float64 vector of ``n_features`` values (a scalar is repeated)."""
    values = np.asarray(baseline, dtype=np.float64)
    if values.ndim == 0:
        values = np.full(n_features, float(values))
    values = values.reshape(-1)
    if values.shape != (n_features,):
        raise ValueError(f"baseline has {values.size} values but the explained units are {n_features} "
                         f"input features; give one value per feature (or one for all).")
    if not np.isfinite(values).all():
        raise ValueError("baseline has NaN or infinite values; give finite replacement values.")
    return values


def feature_removal_scores(score, X, baseline):
    """Scores of ``X`` and of ``X`` with each input feature replaced by its baseline value.

    Parameters
    ----------
    score : callable
        ``score(X)`` returns an array (n_samples, n_outputs): class
        probabilities or regression outputs.
    X : ndarray of shape (n_samples, ...)
        Samples; images are perturbed pixel by pixel (their flat positions).
    baseline : float or array-like of shape (n_features,)
        The value that replaces each feature (flat position).

    Returns
    -------
    scores : ndarray of shape (n_samples, n_outputs)
        ``score(X)``, float64.
    removed : ndarray of shape (n_samples, n_features, n_outputs)
        ``removed[i, j]`` is the score of ``X[i]`` with feature j set to
        ``baseline[j]``; the copies are scored in chunks of about 4M values.
    """
    X = np.asarray(X)
    n, shape = len(X), X.shape[1:]
    flat = X.reshape(n, -1)
    d = flat.shape[1]
    baseline = check_baseline(baseline, d)
    scores = _scores_2d(score, X)
    removed = np.empty((n, d, scores.shape[1]))
    chunk = max(1, _CHUNK_VALUES // (d * d))
    columns = np.arange(d)
    for start in range(0, n, chunk):
        part = flat[start:start + chunk]
        copies = np.repeat(part[:, None, :], d, axis=1)
        copies[:, columns, columns] = baseline
        values = _scores_2d(score, copies.reshape(-1, *shape).astype(X.dtype, copy=False))
        removed[start:start + len(part)] = values.reshape(len(part), d, -1)
    return scores, removed


def contribution_removal_scores(outputs, contributions, link):
    """Scores with each unit's contribution subtracted from an additive output.

    For models whose output is a sum of contributions (SENN's learned
    concepts, the prototype layer's logits, the representer's example
    scores), removing unit j is setting its contribution to 0.

    Parameters
    ----------
    outputs : ndarray of shape (n_samples, n_outputs)
        The additive output (logits, or predictions), the contributions' sum
        (plus any offset).
    contributions : ndarray of shape (n_samples, n_outputs, n_units)
    link : callable
        Maps outputs to scores along the last axis (e.g. :func:`softmax`, or
        the identity for regressors).

    Returns
    -------
    scores : ndarray of shape (n_samples, n_outputs)
    removed : ndarray of shape (n_samples, n_units, n_outputs)
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    contributions = np.asarray(contributions, dtype=np.float64)
    without = outputs[:, None, :] - np.swapaxes(contributions, 1, 2)
    return link(outputs), link(without)


def _scores_2d(score, X):
    values = np.asarray(score(X), dtype=np.float64)
    return values.reshape(len(values), -1)
