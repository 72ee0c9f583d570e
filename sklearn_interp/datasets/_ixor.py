"""The Independent XOR (IXOR) toy dataset."""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_ixor"]


def make_ixor(n_samples=1000, *, random_state=None):
    r"""Generate the Independent XOR (IXOR) toy classification problem.

    IXOR is defined in section 2.1 of Lu and Yang [1]_ to show features of
    different "levels": the features are drawn uniformly,
    :math:`x^1 \sim U[-2, 2]`, :math:`x^2 \sim U[-2, 2]`,
    :math:`x^3 \sim U[0, 1]`, and the label is

    .. math::

        y = 1 \text{ if } x^1 x^2 > 0 \text{ and } x^3 > 0.5,
        \quad y = 0 \text{ otherwise.}

    :math:`x^3` is linearly separable on its own, while
    :math:`(x^1, x^2)` form an XOR pattern that needs a hidden layer.
    About a quarter of the samples are positive.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 3), dtype float64
        Columns :math:`x^1, x^2, x^3`.
    y : ndarray of shape (n_samples,), dtype int64
        Labels in {0, 1}.

    References
    ----------
    .. [1] Y. Lu and R. Yang, "Not All Features Are Equal: Feature Leveling
       Deep Neural Networks for Better Interpretation", section 2.1.

    Examples
    --------
    >>> from sklearn_interp.datasets import make_ixor
    >>> X, y = make_ixor(5, random_state=0)
    >>> X.shape, y.shape
    ((5, 3), (5,))
    """
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    rng = check_random_state(random_state)
    low, high = np.array([-2.0, -2.0, 0.0]), np.array([2.0, 2.0, 1.0])
    X = rng.uniform(low, high, size=(n_samples, 3))
    y = ((X[:, 0] * X[:, 1] > 0) & (X[:, 2] > 0.5)).astype(np.int64)
    return X, y
