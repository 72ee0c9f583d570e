"""Predictions and explanations of data larger than one machine holds: Dask arrays and DataFrames.

Every function works partition by partition through Dask's own
``map_blocks`` / ``map_partitions`` / ``delayed`` on whatever scheduler is
active (a ``dask.distributed`` Client when one is connected), so a cluster
spreads the partitions over its workers and no partition meets another.
Explanations are not gathered: :func:`explain_to_parquet` writes them, one
tidy table per quantity, one Parquet file per partition.
"""

import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ._io import create_temp_beside
from ._pipeline import explain
from .baselines._base import import_extra

__all__ = ["explain_to_parquet", "predict"]


def _dask(owner):
    return import_extra("dask", "dask", owner)


def _check_dask_collection(X, owner):
    """X as a row-chunked Dask array (2-D and up) or a Dask DataFrame, or a TypeError saying what to pass."""
    import_extra("dask.array", "dask", owner)
    import dask.array as da
    import dask.dataframe as dd

    if isinstance(X, dd.DataFrame):
        return X
    if isinstance(X, da.Array):
        if X.ndim < 2:
            raise ValueError(f"{owner} takes a Dask array of samples, shape (n_samples, ...); got {X.ndim}-D.")
        if np.isnan(X.shape[0]):
            raise ValueError(f"{owner} needs the Dask array's chunk sizes (unknown after a boolean selection): "
                             "call X.compute_chunk_sizes() first.")
        return X.rechunk({axis: -1 for axis in range(1, X.ndim)})  # partitions split rows only
    raise TypeError(f"{owner} takes a Dask array or DataFrame (e.g. dask.array.from_array(X, chunks=(10000, -1)) "
                    f"or dask.dataframe.from_pandas(df, npartitions=8)); got {type(X).__name__}. For data in "
                    "memory, call the estimator's own method.")


def predict(estimator, X, method="predict"):
    """``estimator.<method>`` of every row of a Dask array or DataFrame, lazily, partition by partition.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator (or Pipeline); it is shipped once to the workers.
    X : dask.array.Array or dask.dataframe.DataFrame
        Samples, chunked along the rows; a DataFrame keeps its columns, so an
        estimator fitted on named features gets them.
    method : {"predict", "predict_proba", "decision_function", "transform"}, default="predict"
        The method to map.

    Returns
    -------
    result : dask.array.Array or dask.dataframe.Series or DataFrame
        Lazy: ``.compute()`` it, or write it. For a Dask array, a Dask array
        of shape (n_samples,) or (n_samples, n_outputs). For a DataFrame, a
        Series (one output, named ``method``) or a DataFrame (columns: the
        classes for ``predict_proba``, else numbered), indexed like X.
    """
    X = _check_dask_collection(X, "predict")
    dask = _dask("predict")
    if not hasattr(estimator, method):
        raise ValueError(f"{type(estimator).__name__} has no method {method!r}.")
    fitted = dask.delayed(estimator, pure=True)  # one copy in the graph, not one per partition
    if hasattr(X, "map_partitions"):
        empty = _frame_of(_first_rows(X), estimator, method).iloc[:0]
        return X.map_partitions(_frame_of, fitted, method, empty=empty, meta=empty)
    probe = np.asarray(getattr(estimator, method)(_first_rows(X)))
    empty = np.empty((0,) + probe.shape[1:], dtype=probe.dtype)
    if probe.ndim == 1:
        return X.map_blocks(_call, fitted, method, empty, drop_axis=list(range(1, X.ndim)), meta=empty)
    return X.map_blocks(_call, fitted, method, empty, drop_axis=list(range(2, X.ndim)),
                        chunks=(X.chunks[0], (probe.shape[1],)), meta=empty)


def _first_rows(X, n=2):
    """The first ``n`` rows of X, computed, from the first partitions that hold any: what the estimator is probed on."""
    if hasattr(X, "head"):  # a DataFrame: head looks in one partition only
        for i in range(X.npartitions):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "Insufficient elements", UserWarning)  # a short partition
                head = X.partitions[i].head(n)
            if len(head):
                return head
        rows = X.head(0)
    else:
        rows = X[:n].compute()
    if not len(rows):
        raise ValueError("X has no rows; pass a Dask collection with at least one row.")
    return rows


def _call(block, estimator, method, empty):
    return getattr(estimator, method)(block) if len(block) else empty


def _frame_of(frame, estimator, method, empty=None):
    """``method`` of a pandas partition as a Series or DataFrame indexed like it (``empty`` for no rows)."""
    if not len(frame):
        return empty
    values = np.asarray(getattr(estimator, method)(frame))
    if values.ndim == 1:
        return pd.Series(values, index=frame.index, name=method)
    classes = getattr(estimator, "classes_", None)
    columns = classes if method == "predict_proba" and classes is not None else range(values.shape[1])
    return pd.DataFrame(values, index=frame.index, columns=[str(c) for c in columns])


def explain_to_parquet(estimator, X, path, *, keys=None, overwrite=False, **kwargs):
    """Explain every row of a Dask array or DataFrame and write the explanation to Parquet, never gathering it.

    Each partition is explained where it lies (``explain(estimator, part)``,
    Pipelines included) and written as one file per quantity:
    ``path/<key>/part-<partition>.parquet``, the tidy table of
    :meth:`Explanation.to_frame` (a column per axis, then ``value``). The
    ``sample`` column holds the DataFrame's index labels, or for a Dask
    array the global row numbers. An empty partition writes no file. Each
    file is written to a temporary name and renamed, so a stopped run leaves
    only whole files.

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted estimator with ``explain`` (any of this package), or a
        Pipeline ending in one.
    X : dask.array.Array or dask.dataframe.DataFrame
        Samples, chunked along the rows.
    path : str or path-like
        Folder to write into; created if missing.
    keys : list of str, default=None
        The quantities to write; None writes every quantity with a sample
        axis. Quantities without one (the same for every sample) are not
        written: take them from ``estimator.explain(X_small)``.
    overwrite : bool, default=False
        Whether to replace the folders of ``keys`` when they already hold
        files (else a FileExistsError, so that parts of two runs never mix).
    **kwargs
        Passed to ``explain`` (e.g. ``n_examples=``).

    Returns
    -------
    written : dict of str to pathlib.Path
        The folder of each quantity; ``pandas.read_parquet(written[key])``
        reads it back whole, ``dask.dataframe.read_parquet`` lazily.
    """
    X = _check_dask_collection(X, "explain_to_parquet")
    dask = _dask("explain_to_parquet")
    import_extra("pyarrow", "dask", "explain_to_parquet")
    parts = np.asarray(X.to_delayed(), dtype=object).ravel()
    offsets = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]) if hasattr(X, "chunks") else [None] * len(parts)
    sample_keys = _sample_keys(estimator, X, keys, kwargs)
    root = Path(path)
    folders = {key: root / key for key in sample_keys}
    for key, folder in folders.items():
        if folder.exists() and any(folder.iterdir()):
            if not overwrite:
                raise FileExistsError(f"{folder} already holds files; pass overwrite=True to replace them, or "
                                      "another path.")
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
    fitted = dask.delayed(estimator, pure=True)
    tasks = [dask.delayed(_explain_part)(fitted, part, offset, i, folders, kwargs)
             for i, (part, offset) in enumerate(zip(parts, offsets))]
    dask.compute(*tasks)
    return folders


def _sample_keys(estimator, X, keys, kwargs):
    """The requested quantities, checked on an explanation of two rows."""
    sample = explain(estimator, _first_rows(X), **kwargs)
    with_samples = [key for key, dims in sample.dims.items() if dims[:1] == ("sample",)]
    if keys is None:
        return with_samples
    for key in keys:
        if key not in sample.dims:
            raise ValueError(f"{key!r} is not a key of the explanation; its keys are {list(sample.dims)}.")
        if key not in with_samples:
            raise ValueError(f"{key!r} has no sample axis (it is the same for every sample); take it from "
                             "estimator.explain(X_small) instead.")
    return list(keys)


def _explain_part(estimator, part, offset, index, folders, kwargs):
    """Explain one partition and write its files (none for an empty partition); returns its number of rows."""
    if not len(part):
        return 0
    explanation = explain(estimator, part, **kwargs)
    if offset is not None:
        explanation = explanation.assign_coords(sample=np.arange(offset, offset + len(part)))
    for key, folder in folders.items():
        target = folder / f"part-{index:05d}.parquet"
        fd, tmp = create_temp_beside(target, ".tmp")
        try:
            with os.fdopen(fd, "wb") as stream:
                explanation.to_frame(key).to_parquet(stream, index=False)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return len(part)
