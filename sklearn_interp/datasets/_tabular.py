"""Shared helpers that turn parsed tables into scikit-learn style Bunches."""

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._base import fetch_file


def read_csv(relpaths, *, data_home, download_if_missing, **kwargs):
    """Fetch one or more registered files and read them as one DataFrame.

    Parameters
    ----------
    relpaths : list of str
        Registry paths; several files are concatenated in order.
    data_home, download_if_missing
        Passed to :func:`~sklearn_interp.datasets._base.fetch_file`.
    **kwargs
        Passed to :func:`pandas.read_csv`.

    Returns
    -------
    frame : pandas.DataFrame
    """
    frames = [
        pd.read_csv(
            fetch_file(
                path, data_home=data_home, download_if_missing=download_if_missing
            ),
            **kwargs,
        )
        for path in relpaths
    ]
    return pd.concat(frames, ignore_index=True)


def encode_classes(labels, classes, *, name):
    """Map raw class labels to integer codes ``0..n_classes-1``.

    Parameters
    ----------
    labels : pandas.Series
        Raw labels.
    classes : dict
        Ordered mapping from raw label to class name; the code of a label
        is its position in this mapping.
    name : str
        Name of the returned Series.

    Returns
    -------
    target : pandas.Series of int64
    target_names : list of str
    """
    codes = labels.map({raw: code for code, raw in enumerate(classes)})
    if codes.isna().any():
        unknown = sorted(set(labels[codes.isna()]))
        raise ValueError(f"Unexpected class labels {unknown} in the data file.")
    return codes.astype(np.int64).rename(name), list(classes.values())


def one_hot(X):
    """Expand the ``category`` columns of `X` into float indicator columns.

    Columns keep their order; a categorical column ``c`` becomes one column
    ``c_<category>`` per category of its dtype, in the dtype's order.
    """
    parts = [
        pd.get_dummies(col, prefix=name, dtype=np.float64)
        if isinstance(col.dtype, pd.CategoricalDtype)
        else col.astype(np.float64).to_frame()
        for name, col in X.items()
    ]
    return pd.concat(parts, axis=1)


def make_bunch(X, y, *, target_names, descr, as_frame, return_X_y):
    """Build the return value shared by all tabular fetchers.

    Parameters
    ----------
    X : pandas.DataFrame
        Features; nominal features as ``category`` columns.
    y : pandas.Series
        Target, already of its final dtype.
    target_names : list of str
        Class names (classification) or the target's name (regression).
    descr : str
        Dataset description.
    as_frame, return_X_y : bool
        See the fetchers' documentation.

    Returns
    -------
    Bunch or tuple of (data, target)
    """
    X = X.reset_index(drop=True)
    y = y.reset_index(drop=True)
    if as_frame:
        data, target = X, y
        frame = pd.concat([X, y], axis=1)
    else:
        X = one_hot(X)
        data, target, frame = X.to_numpy(np.float64), y.to_numpy(), None
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=[str(c) for c in X.columns],
        target_names=list(target_names),
        DESCR=descr,
    )
