"""California housing in the 13-feature form of A. Géron's ``housing.csv``."""

import numpy as np
import pandas as pd

from ._tabular import make_bunch, read_csv

__all__ = ["fetch_california_housing"]

_NUMERIC = [
    "longitude",
    "latitude",
    "housing_median_age",
    "total_rooms",
    "total_bedrooms",
    "population",
    "households",
    "median_income",
]
_OCEAN_PROXIMITY = ["<1H OCEAN", "INLAND", "ISLAND", "NEAR BAY", "NEAR OCEAN"]
_TARGET = "median_house_value"

_DESCR = """California Housing (Geron's housing.csv)
========================================

One row per block group of the 1990 US census in California (Pace and
Barry, 1997), in the form distributed with A. Geron's "Hands-On Machine
Learning" (https://github.com/ageron/handson-ml2): raw totals per block
group plus the nominal ocean_proximity, target median_house_value in US
dollars (capped at 500001; housing_median_age is capped at 52).

The 207 rows with a missing total_bedrooms are dropped, leaving 20433
rows, and ocean_proximity is one-hot encoded into 5 columns, giving the
13 input features used by the feature-leveling paper (Lu and Yang,
"Not All Features Are Equal").
This is NOT the table of sklearn.datasets.fetch_california_housing, which
has per-household averages, no ocean_proximity and the target in units
of 100,000 dollars.
"""


def fetch_california_housing(
    *, data_home=None, download_if_missing=True, return_X_y=False, as_frame=False
):
    """Load California housing with ``ocean_proximity`` (regression).

    ==============   ==============
    Samples total             20433
    Dimensionality   13 (9 if as_frame)
    Features         real + one nominal
    Target           real, 14999 - 500001
    ==============   ==============

    This is the form used in the feature-leveling paper [1]_: Géron's
    ``housing.csv`` with the 207 rows that have a missing
    ``total_bedrooms`` dropped, 8 numeric features (``longitude``,
    ``latitude``, ``housing_median_age``, ``total_rooms``,
    ``total_bedrooms``, ``population``, ``households``,
    ``median_income``) and ``ocean_proximity`` one-hot encoded into 5
    columns (``ocean_proximity_<1H OCEAN``, ``_INLAND``, ``_ISLAND``,
    ``_NEAR BAY``, ``_NEAR OCEAN``) when `as_frame` is False. The target
    is ``median_house_value`` in dollars. It differs from
    :func:`sklearn.datasets.fetch_california_housing` (8 averaged
    features, 20640 rows, target in 100k dollars).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the dataset files (``california_housing/housing.csv``),
        see :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when the file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame (``ocean_proximity`` categorical),
        ``target`` a Series and ``frame`` a DataFrame holding both;
        otherwise they are ndarrays.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` (20433, 13) float64, ``target`` (20433,) float64,
        ``feature_names``, ``target_names`` (``['median_house_value']``),
        ``DESCR`` and ``frame`` (None unless `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    References
    ----------
    .. [1] Y. Lu and R. Yang, "Not All Features Are Equal: Feature
       Leveling Deep Neural Networks for Better Interpretation" (sections
       5.1 and 9.2); data from R. K. Pace and R. Barry, "Sparse
       spatial autoregressions", Statistics & Probability Letters 33, 1997.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_california_housing
    >>> X, y = fetch_california_housing(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (20433, 13)
    """
    df = read_csv(
        ["california_housing/housing.csv"],
        data_home=data_home,
        download_if_missing=download_if_missing,
    ).dropna()
    X = df[_NUMERIC].astype(np.float64)
    X["ocean_proximity"] = pd.Categorical(
        df["ocean_proximity"], categories=_OCEAN_PROXIMITY
    )
    return make_bunch(
        X,
        df[_TARGET].astype(np.float64),
        target_names=[_TARGET],
        descr=_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
