"""Sample-based stability of explanations (Alvarez-Melis & Jaakkola, 2018, §5.4)."""

from numbers import Integral, Real

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval, validate_params

#: ``eps=None`` (and ``n_neighbors=None``) takes this multiple of the median
#: distance from a sample to its nearest distinct sample in ``X``.
EPS_FACTOR = 2.0


def _as_rows(values, n):
    values = np.asarray(values, dtype=np.float64)
    if len(values) != n:
        raise ValueError(f"explain(X) returned {len(values)} rows for {n} samples.")
    return values.reshape(n, -1)


def default_eps(X):
    """``EPS_FACTOR`` times the median distance from each sample to its nearest distinct sample.

    Samples equal to every other sample's value (no distinct sample at all)
    are skipped; returns ``inf`` when all samples are equal.
    """
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    unique = np.unique(X, axis=0)
    if len(unique) < 2:
        return np.inf
    # Nearest *distinct* point: among unique rows the nearest other row.
    distances, _ = NearestNeighbors(n_neighbors=2).fit(unique).kneighbors(unique)
    return EPS_FACTOR * float(np.median(distances[:, 1]))


@validate_params(
    {
        "estimator": [object],
        "X": ["array-like"],
        "eps": [Interval(Real, 0, None, closed="neither"), None],
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def lipschitz_estimate(estimator, X, eps=None, n_neighbors=None):
    """Sample-based local Lipschitz estimate of a SENN's relevances, eq. (5) of [1]_.

    For each sample ``x_i`` of ``X``::

        L(x_i) = max over x_j in N(x_i) of ||θ(x_i) - θ(x_j)||_2 / ||h(x_i) - h(x_j)||_2

    where θ are the relevances (every class or output, flattened) and h the
    concepts returned by ``estimator.explain(X)``, and the neighbourhood
    ``N(x_i)`` holds the other samples of ``X`` within distance ``eps`` of
    ``x_i`` (Euclidean, in the units of ``X`` as passed). Lower is more
    stable: explanations that change little, relative to the change of the
    concepts, between nearby inputs.

    Parameters
    ----------
    estimator : fitted estimator
        Anything whose ``explain(X)`` returns a mapping with ``"relevances"``
        (shape ``(n, ...)``) and ``"concepts"`` (shape ``(n, ...)``), such as
        a fitted :class:`~sklearn_interp.SENNClassifier` or
        :class:`~sklearn_interp.SENNRegressor`.
    X : array-like of shape (n_samples, ...)
        The finite sample: the points where the estimate is computed and
        their candidate neighbours. Images are compared as flat vectors.
    eps : float, default=None
        Radius of the neighbourhoods. None: when ``n_neighbors`` is also None,
        ``EPS_FACTOR`` (= 2) times the median distance from a sample to its
        nearest distinct sample in ``X``, so that most samples have a few
        neighbours; when ``n_neighbors`` is given, no radius (pure
        nearest-neighbour neighbourhoods).
    n_neighbors : int, default=None
        If given, only the ``n_neighbors`` nearest distinct samples (within
        ``eps`` when given) are neighbours.

    Returns
    -------
    estimate : ndarray of shape (n_samples,)
        L(x_i) for each sample; NaN where ``x_i`` has no neighbour. A pair
        with equal concepts but different relevances gives ``inf``; one where
        both are equal gives 0.

    Notes
    -----
    The paper's eq. (5) maximises the ratio over a continuous ball
    ``B_eps(x_i)`` (by gradient ascent for SENN, Bayesian optimisation for
    post-hoc explainers) and, for SENN, takes ``f_expl(x) = θ(x)`` over
    differences of concepts h(x) rather than of inputs. Its §5.4 also
    defines the weaker, sample-based version used for Fig. 5 (A/B), which
    this function computes: the ball is replaced by the neighbourhood
    ``N_eps(x) = {x' in X : ||x - x'|| <= eps}`` within the finite sample
    (eq. 5 writes argmax; the estimate is the maximum value). Samples equal
    to ``x_i`` (duplicate rows, and ``x_i`` itself) are not neighbours: the
    same input has the same explanation, and the ratio would be 0/0. The
    value depends on ``eps`` and on the sample's density, so compare
    estimates computed on the same ``X`` with the same ``eps``.

    References
    ----------
    .. [1] D. Alvarez-Melis and T. S. Jaakkola. "Towards Robust
       Interpretability with Self-Explaining Neural Networks". NeurIPS 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_interp import SENNClassifier
    >>> from sklearn_interp.metrics import lipschitz_estimate
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = SENNClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> lipschitz_estimate(clf, X[:50]).shape
    (50,)
    """
    n = len(X)
    explanation = estimator.explain(X)
    relevances = _as_rows(explanation["relevances"], n)
    concepts = _as_rows(explanation["concepts"], n)
    points = np.asarray(X, dtype=np.float64).reshape(n, -1)
    if eps is None and n_neighbors is None:
        eps = default_eps(points)
    search = NearestNeighbors().fit(points)
    if n_neighbors is None:
        distances, indices = search.radius_neighbors(points, radius=eps, sort_results=True)
    else:
        # Ask for enough neighbours to skip duplicates of x_i (distance 0).
        n_duplicates = np.unique(points, axis=0, return_counts=True)[1].max()
        k = min(n, n_neighbors + n_duplicates)
        dist, ind = search.kneighbors(points, n_neighbors=k)
        keep = dist > 0
        if eps is not None:
            keep &= dist <= eps
        distances, indices = [], []
        for row_dist, row_ind, row_keep in zip(dist, ind, keep):
            distances.append(row_dist[row_keep][:n_neighbors])
            indices.append(row_ind[row_keep][:n_neighbors])
    estimate = np.full(n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(n):
            neighbours = np.asarray(indices[i])[np.asarray(distances[i]) > 0]
            if len(neighbours) == 0:
                continue
            numerator = np.linalg.norm(relevances[neighbours] - relevances[i], axis=1)
            denominator = np.linalg.norm(concepts[neighbours] - concepts[i], axis=1)
            ratio = np.where(numerator == 0, 0.0, numerator / denominator)
            estimate[i] = ratio.max()
    return estimate
