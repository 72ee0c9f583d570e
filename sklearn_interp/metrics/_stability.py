"""Stability of explanations: local Lipschitz estimates, eq. (5) of Alvarez-Melis & Jaakkola (2018), §5.4."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._protocol import attributions, explain, explaining_model, target_indices

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
    neighbourhoods = sample_neighbourhoods(points, eps, n_neighbors)
    return _neighbourhood_maxima(neighbourhoods, lambda i, js: ratios(relevances[i], relevances[js],
                                                                       concepts[i], concepts[js]))


def ratios(explained, explained_other, reference, reference_other):
    """Eq. (5)'s ratio ``||f(x) - f(x')|| / ||h(x) - h(x')||`` for rows of x' (Euclidean norms).

    0 where the explanations are equal (also 0/0); inf where only the
    references (concepts, or inputs) are equal.
    """
    top = np.linalg.norm(np.reshape(explained_other - explained, (len(explained_other), -1)), axis=1)
    bottom = np.linalg.norm(np.reshape(reference_other - reference, (len(reference_other), -1)), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(top == 0, 0.0, top / bottom)


def sample_neighbourhoods(points, eps, n_neighbors):
    """For each row of ``points``, the other rows within ``eps`` (and among its ``n_neighbors`` nearest).

    Rows equal to the point (duplicates, and itself) are left out. ``eps``
    and ``n_neighbors`` both None: ``eps = default_eps(points)``.
    """
    n = len(points)
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
        distances = [row_dist[row_keep][:n_neighbors] for row_dist, row_keep in zip(dist, keep)]
        indices = [row_ind[row_keep][:n_neighbors] for row_ind, row_keep in zip(ind, keep)]
    return [np.asarray(ind)[np.asarray(dist) > 0] for dist, ind in zip(distances, indices)]


def _neighbourhood_maxima(neighbourhoods, ratios_of):
    """``max(ratios_of(i, neighbours of i))`` per point; NaN for a point without neighbours."""
    estimate = np.full(len(neighbourhoods), np.nan)
    for i, neighbours in enumerate(neighbourhoods):
        if len(neighbours):
            estimate[i] = ratios_of(i, neighbours).max()
    return estimate


@validate_params(
    {
        "explainer": [object],
        "X": ["array-like"],
        "eps": [Interval(Real, 0, None, closed="neither"), None],
        "method": [StrOptions({"search", "gradient", "discrete"})],
        "n_calls": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "key": [str],
        "explain_params": [dict, None],
        "return_points": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def local_lipschitz(explainer, X, *, eps=None, method="search", n_calls=20, n_neighbors=None,
                    random_state=None, key="contributions", explain_params=None, return_points=False):
    """Local Lipschitz estimate of an explainer's attributions in input space, eq. (5) of [1]_.

    For each sample x of ``X``::

        L(x) = max over x' with ||x' - x|| <= eps of ||a(x') - a(x)|| / ||x' - x||

    with a the attributions of x's predicted class (``contributions[:, c]``
    of ``explain``, or another array named by ``key``; every output of a
    regressor), kept on that class at x',
    and Euclidean norms in the units of X as passed (standardize the
    features first if their scales differ). Lower is more stable. This is
    the paper's eq. (5) with h(x) replaced by x, as it does for raw-input
    explainers, so every explainer is measured alike;
    :func:`lipschitz_estimate` is SENN's concept-space version, and both
    compute the same ratio.

    Parameters
    ----------
    explainer : fitted explainer
        Anything whose ``explain(X)`` returns an Explanation with
        ``contributions`` (sample, class or output, unit): a fitted
        estimator of this package, a Pipeline ending in one (perturbations
        are made in the Pipeline's input space), or a
        :mod:`sklearn_interp.baselines` explainer.
    X : array-like of shape (n_samples, ...)
        The samples where L is estimated (and, for ``"discrete"``, their
        candidate neighbours). Images are compared as flat vectors.
    eps : float, default=None
        Radius of the ball (or neighbourhood). None: ``EPS_FACTOR`` (= 2)
        times the median distance from a sample of ``X`` to its nearest
        distinct sample, so that the ball reaches about as far as the
        discrete variant's neighbours.
    method : {"search", "gradient", "discrete"}, default="search"
        How the maximum is searched:

        - ``"search"``: a black-box search with a fixed budget that treats
          every explainer alike. ``n_calls // 2`` random restarts drawn
          uniformly from the ball, then local search: steps from the best
          point so far in a random direction, of half the radius at first
          and halved for a sample after each step that does not improve
          it, projected back onto the ball.
        - ``"gradient"``: gradient ascent on the ratio from a random point
          of the ball (``n_calls`` steps of normalized gradient, projected),
          for explainers whose attributions are differentiable
          (SENN, PrototypeClassifier; not through a Pipeline).
        - ``"discrete"``: the paper's sample-based variant (§5.4): x' ranges
          over the other samples of ``X`` within ``eps`` (and among the
          ``n_neighbors`` nearest, when given); no extra explainer call.
    n_calls : int, default=20
        Budget of the search: explainer calls (``"search"``: one ``explain``
        of every sample's candidate per call, plus one at X) or gradient
        steps (``"gradient"``). Ignored by ``"discrete"``.
    n_neighbors : int, default=None
        ``"discrete"`` only: at most this many nearest samples are
        neighbours (``eps=None`` then means no radius).
    random_state : int, RandomState instance or None, default=None
        Seeds the random restarts and directions (reproducible with an int,
        for a deterministic explainer).
    key : str, default="contributions"
        The explanation's array of attributions, with axes (sample, class or
        output, unit), e.g. ``"relevances"`` for SENN's θ(x), which is the
        paper's f_expl; θ(x)·h(x) varies with x even where θ is constant.
    explain_params : dict, default=None
        Keyword arguments of ``explain``.
    return_points : bool, default=False
        Also return the maximizing x' of each sample, the "adversarial"
        inputs of the paper's appendix A.7.

    Returns
    -------
    estimate : ndarray of shape (n_samples,)
        L(x) for each sample: a lower bound of the true maximum found with
        the budget. ``"discrete"``: NaN where x has no neighbour, inf where
        a neighbour has equal input but other attributions (not possible
        within a ball).
    points : ndarray of shape (n_samples, ...)
        Only with ``return_points``: the maximizing x' (x itself where the
        estimate is NaN).

    Raises
    ------
    ValueError
        With ``method="gradient"`` for an explainer whose attributions are
        not differentiable, and with ``eps=None`` when ``X`` has fewer than
        two distinct samples.

    See Also
    --------
    lipschitz_estimate : SENN's relevances over differences of concepts.
    faithfulness_correlation : Faithfulness of the same attributions.
    make_explanation_scorer : This metric as a scikit-learn scorer.

    Notes
    -----
    The paper maximizes eq. (5) by gradient ascent for SENN and by Bayesian
    optimisation with a limited budget for post-hoc explainers. Here one
    budgeted search serves every explainer; the gradient option is there to
    check that the search does not flatter a differentiable explainer.
    For explainers that sample (LIME, KernelSHAP with fresh draws), the
    ratio also measures their sampling noise, which divided by
    ``||x' - x||`` grows as x' nears x: compare the discrete variant, and
    the explainer with a fixed seed.

    References
    ----------
    .. [1] D. Alvarez-Melis and T. S. Jaakkola. "Towards Robust
       Interpretability with Self-Explaining Neural Networks". NeurIPS 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_interp import SENNClassifier
    >>> from sklearn_interp.metrics import local_lipschitz
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = scale(X)
    >>> clf = SENNClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> local_lipschitz(clf, X[:10], eps=0.1, n_calls=4, random_state=0).shape
    (10,)
    """
    n = len(X)
    if n == 0:
        raise ValueError("X has 0 samples; local_lipschitz needs at least one (two for method='discrete').")
    points = np.asarray(X, dtype=np.float64).reshape(n, -1)
    if not np.isfinite(points).all():
        raise ValueError("X contains NaN or infinite values; the explainer cannot explain them.")
    if eps is None and (method != "discrete" or n_neighbors is None):
        eps = default_eps(points)
        if not np.isfinite(eps):
            raise ValueError("eps=None needs at least two distinct samples in X; give eps.")
    if method == "discrete":
        estimate, best = _discrete(explainer, X, points, eps, n_neighbors, key, explain_params)
    else:
        search = _gradient_search if method == "gradient" else _random_search
        estimate, best = search(explainer, X, points, eps, n_calls, check_random_state(random_state), key,
                                explain_params)
    return (estimate, best.reshape(np.shape(X))) if return_points else estimate


def _like(X, points):
    """``points`` shaped like ``X`` (a DataFrame keeps its columns, so feature names still match)."""
    if hasattr(X, "columns"):
        return pd.DataFrame(points, columns=X.columns)
    return points.reshape(len(points), *np.shape(X)[1:])


def _explained(explainer, X, key, explain_params):
    model, X = explaining_model(explainer, X)
    return explain(model, X, explain_params, key)


def _discrete(explainer, X, points, eps, n_neighbors, key, explain_params):
    explanation = _explained(explainer, X, key, explain_params)
    targets = target_indices(explanation)
    values = attributions(explanation, None, key)
    rows = slice(None) if targets is None else targets
    # The neighbours' attributions are read on x's predicted class: per sample, its rows of values.
    own = values if targets is None else values[np.arange(len(values)), targets]
    neighbourhoods = sample_neighbourhoods(points, eps, n_neighbors)

    def ratios_of(i, js):
        other = values[js] if targets is None else values[js, rows[i]]
        return ratios(own[i], other, points[i], points[js])

    estimate = _neighbourhood_maxima(neighbourhoods, ratios_of)
    best = points.copy()
    for i, js in enumerate(neighbourhoods):
        if len(js):
            best[i] = points[js[np.argmax(ratios_of(i, js))]]
    return estimate, best


def _in_ball(rng, n, d, eps):
    """n points drawn uniformly from the d-ball of radius eps around 0."""
    directions = _directions(rng, n, d)
    return directions * (eps * rng.uniform(size=(n, 1)) ** (1.0 / d))


def _directions(rng, n, d):
    directions = rng.standard_normal((n, d))
    return directions / np.linalg.norm(directions, axis=1, keepdims=True)


def _project(candidates, points, eps):
    """Candidates moved onto the eps-ball around their points where they left it."""
    offsets = candidates - points
    norms = np.linalg.norm(offsets, axis=1, keepdims=True)
    return points + offsets * np.minimum(1.0, eps / np.maximum(norms, np.finfo(float).tiny))


def _random_search(explainer, X, points, eps, n_calls, rng, key, explain_params):
    n, d = points.shape
    reference = _explained(explainer, X, key, explain_params)
    targets = target_indices(reference)
    reference = attributions(reference, targets, key)
    best, best_points = np.full(n, -np.inf), points.copy()
    n_random = max(1, n_calls // 2)
    steps = np.full((n, 1), 0.5 * eps)
    for call in range(n_calls):
        if call < n_random:
            candidates = points + _in_ball(rng, n, d, eps)
        else:
            candidates = _project(best_points + steps * _directions(rng, n, d), points, eps)
        values = attributions(_explained(explainer, _like(X, candidates), key, explain_params), targets, key)
        found = ratios(reference, values, points, candidates)
        better = found > best
        if call >= n_random:
            steps[~better] *= 0.5
        best[better], best_points[better] = found[better], candidates[better]
    return best, best_points


def _gradient_search(explainer, X, points, eps, n_calls, rng, key, explain_params):
    targets = target_indices(_explained(explainer, X, key, explain_params))
    origin = torch.as_tensor(points)
    explanation_of = getattr(explainer, "_torch_explanation", lambda x: None)
    with torch.no_grad():
        if key not in (explanation_of(origin[:1]) or {}):
            raise ValueError(f"method='gradient' needs an explainer with differentiable {key!r} (SENN or "
                             f"PrototypeClassifier, not through a Pipeline); {type(explainer).__name__} has "
                             f"none. Use method='search'.")
        explainer.torch_module()  # eval mode

    def attributions_of(z):
        values = explanation_of(z)[key]
        values = values.reshape(*values.shape[:2], -1)
        if targets is None:
            return values
        return values[torch.arange(len(values)), torch.as_tensor(targets)][:, None]

    with torch.no_grad():
        reference = attributions_of(origin)
    best, best_points = np.full(len(points), -np.inf), points.copy()
    candidates = points + _in_ball(rng, *points.shape, eps)
    for step in range(n_calls):
        z = torch.as_tensor(candidates).requires_grad_(True)
        with torch.enable_grad():
            ratio = (attributions_of(z) - reference).flatten(1).norm(dim=1) / (z - origin).norm(dim=1)
            (gradient,) = torch.autograd.grad(ratio.sum(), z)
        found = ratio.detach().cpu().numpy().astype(np.float64)
        better = found > best
        best[better], best_points[better] = found[better], candidates[better]
        gradient = gradient.cpu().numpy()
        norms = np.maximum(np.linalg.norm(gradient, axis=1, keepdims=True), np.finfo(float).tiny)
        candidates = _project(candidates + 0.5 * eps * (1 - step / n_calls) * gradient / norms, points, eps)
    return best, best_points
