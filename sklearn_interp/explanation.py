"""The :class:`Explanation` container returned by every ``explain`` method."""

import json
import os

import numpy as np
import pandas as pd

from ._io import to_jsonable, write_text_atomic


def sample_coords(X):
    """Sample labels of ``X`` for an explanation's ``coords``.

    Parameters
    ----------
    X : array-like
        The samples an estimator explains.

    Returns
    -------
    coords : dict
        ``{"sample": X.index}`` for a pandas DataFrame or Series, else an
        empty dict (samples are then numbered from 0).
    """
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return {"sample": np.asarray(X.index)}
    return {}


class Explanation:
    """Named arrays explaining one or several predictions, or a whole model.

    Parameters
    ----------
    data : dict of str to ndarray
        The explanation's quantities. Each estimator's ``explain`` docstring
        documents its keys.
    dims : dict of str to tuple of str
        The name of each axis of each array in ``data``. Local explanations
        have ``"sample"`` as the first axis of their per-sample arrays.
    coords : dict of str to sequence, default=None
        Labels along named axes (e.g. ``"class"`` -> ``classes_``,
        ``"feature"`` -> feature names, ``"sample"`` -> a DataFrame's index).
        Axes without labels are numbered from 0. Labels are copied.
    meta : dict, default=None
        ``method`` (str), ``scope`` (``"local"`` or ``"global"``) and the
        parameters the explanation was computed with.

    Raises
    ------
    ValueError
        When ``data`` and ``dims`` have different keys, an array's number of
        axes differs from its ``dims``, two arrays disagree on the size of a
        named axis, or a coordinate's length differs from its axis' size.

    Examples
    --------
    >>> import numpy as np
    >>> exp = Explanation({"relevance": np.array([[0.5, -1.0], [2.0, 0.0]])},
    ...                   dims={"relevance": ("sample", "feature")},
    ...                   coords={"feature": ["age", "priors"]},
    ...                   meta={"method": "toy", "scope": "local"})
    >>> exp[0]["relevance"]
    array([ 0.5, -1. ])
    >>> exp[1:].to_frame("relevance")
       sample feature  value
    0       1     age    2.0
    1       1  priors    0.0
    """

    def __init__(self, data, dims, coords=None, meta=None):
        missing = set(data) ^ set(dims)
        if missing:
            raise ValueError(f"data and dims must have the same keys; mismatch: {sorted(missing)}")
        self.data = {key: np.asarray(value) for key, value in data.items()}
        self.dims = {key: tuple(dim) for key, dim in dims.items()}
        self.coords = {dim: np.array(labels) for dim, labels in (coords or {}).items()}
        self.meta = dict(meta or {})
        self._check_shapes()

    def _check_shapes(self):
        sizes = {}
        for key, value in self.data.items():
            if len(self.dims[key]) != value.ndim:
                raise ValueError(f"dims[{key!r}] names {len(self.dims[key])} axes but data[{key!r}] "
                                 f"has {value.ndim}: shape {value.shape}")
            for dim, size in zip(self.dims[key], value.shape):
                if sizes.setdefault(dim, (size, key))[0] != size:
                    raise ValueError(f"axis {dim!r} has size {size} in data[{key!r}] but "
                                     f"{sizes[dim][0]} in data[{sizes[dim][1]!r}]")
        for dim, labels in self.coords.items():
            if dim in sizes and labels.shape != (sizes[dim][0],):
                raise ValueError(f"coords[{dim!r}] has shape {labels.shape} but axis {dim!r} has "
                                 f"size {sizes[dim][0]} (in data[{sizes[dim][1]!r}])")

    def _sample_keys(self):
        return [key for key, dims in self.dims.items() if dims[:1] == ("sample",)]

    @property
    def n_samples(self):
        """Number of samples explained (0 for a global or single-sample explanation)."""
        keys = self._sample_keys()
        return len(self.data[keys[0]]) if keys else 0

    def __len__(self):
        return self.n_samples

    def __getitem__(self, index):
        """One array, or a selection of samples.

        ``exp["key"]`` is an array. An int (``exp[i]``) gives the one-sample
        view: the sample axis is dropped and ``coords["sample"]`` holds the
        sample's label. Any other numpy index over samples (slice, integer
        array, boolean mask, ``...``) keeps the sample axis, and
        ``coords["sample"]`` keeps the original labels. ``exp[None]`` and
        multi-axis indices raise IndexError.
        """
        if isinstance(index, str):
            return self.data[index]
        if not self._sample_keys():
            raise IndexError("this explanation has no sample axis to index")
        if index is None or isinstance(index, tuple):
            raise IndexError("index samples with one int, slice, integer array or boolean mask; "
                             f"got {index!r}")
        positions = np.arange(self.n_samples)[index]
        if positions.ndim > 1:
            raise IndexError(f"index samples with a 1-D index; {index!r} selects shape {positions.shape}")
        data, dims = dict(self.data), dict(self.dims)
        for key in self._sample_keys():
            data[key] = self.data[key][positions]
            if positions.ndim == 0:
                dims[key] = dims[key][1:]
        coords = {**self.coords, "sample": self._labels("sample", self.n_samples)[positions]}
        return Explanation(data, dims, coords, self.meta)

    def keys(self):
        return self.data.keys()

    def assign_coords(self, **coords):
        """A copy with new labels along some axes.

        Parameters
        ----------
        **coords : sequence
            New labels by axis name, e.g. ``feature=names``; the other axes
            keep theirs. The arrays are not copied.

        Returns
        -------
        explanation : Explanation
            The same quantities with the new labels.

        Raises
        ------
        ValueError
            When labels do not fit their axis' size.

        Examples
        --------
        >>> import numpy as np
        >>> exp = Explanation({"relevance": np.array([[0.5, -1.0]])},
        ...                   dims={"relevance": ("sample", "feature")})
        >>> exp.assign_coords(feature=["age", "priors"]).coords["feature"]
        array(['age', 'priors'], dtype='<U6')
        """
        return Explanation(self.data, self.dims, {**self.coords, **coords}, self.meta)

    def _labels(self, dim, size):
        labels = self.coords.get(dim)
        return np.arange(size) if labels is None else labels

    @classmethod
    def concat(cls, explanations):
        """Join explanations of different samples along the sample axis.

        Parameters
        ----------
        explanations : sequence of Explanation
            Explanations with a sample axis and the same ``meta``, keys, dims,
            non-sample coordinates and non-sample arrays (e.g. the chunks of a
            large ``explain``).

        Returns
        -------
        explanation : Explanation
            Their samples in order. Sample labels are concatenated when every
            part has them (e.g. a DataFrame's index); when none has, the
            samples are numbered from 0 again.
        """
        parts = list(explanations)
        if not parts:
            raise ValueError("concat needs at least one explanation")
        first = parts[0]
        for i, part in enumerate(parts):
            if not part._sample_keys():
                raise ValueError(f"explanation {i} has no sample axis")
            _check_compatible(first, part, i)
        data = dict(first.data)
        for key in first._sample_keys():
            data[key] = np.concatenate([part.data[key] for part in parts])
        coords = dict(first.coords)
        labelled = ["sample" in part.coords for part in parts]
        if any(labelled) and not all(labelled):
            raise ValueError("either every explanation or none must have coords['sample']")
        if all(labelled):
            coords["sample"] = np.concatenate([part.coords["sample"] for part in parts])
        return cls(data, first.dims, coords, first.meta)

    def to_frame(self, key=None):
        """Tidy DataFrames: one row per value, a column per axis and ``value``.

        Columns keep their dtypes: ``value`` has the array's dtype, numeric
        axis labels (sample numbers, integer classes) keep theirs, and unique
        string labels (feature names, string classes) are a Categorical whose
        categories are the labels in axis order (building 15M string cells
        would take seconds).

        Parameters
        ----------
        key : str or list of str, default=None
            One quantity, or several.

        Returns
        -------
        frame : DataFrame or dict of str to DataFrame
            For a str ``key``, that quantity's frame (columns: its axes in
            order, then ``value``). Otherwise a dict mapping each quantity in
            ``key`` (all of them when None) to its frame; quantities are kept
            apart because their axes and dtypes differ.
        """
        if isinstance(key, str):
            return self._tidy(key)
        return {name: self._tidy(name) for name in (self.data if key is None else key)}

    def _tidy(self, key):
        value, dims = self.data[key], self.dims[key]
        columns = {dim: _axis_column(self._labels(dim, size), axis, value.shape)
                   for axis, (dim, size) in enumerate(zip(dims, value.shape))}
        columns["value"] = value.ravel()
        return pd.DataFrame(columns)

    def to_dict(self):
        """A JSON-compatible dict with ``meta``, ``data``, ``dims`` and ``coords`` (NaN as None)."""
        return to_jsonable({"meta": self.meta, "data": self.data, "dims": self.dims, "coords": self.coords})

    def to_json(self, path=None, *, allow_nan=False, **kwargs):
        """Serialize to JSON; write it to ``path`` when given, else return the string.

        Parameters
        ----------
        path : str or path-like, default=None
            File to write (atomically). An existing file keeps its permissions.
        allow_nan : bool, default=False
            Passed to :func:`json.dumps`. Non-finite values are written as
            ``null`` (see :meth:`to_dict`), so the output is strict JSON
            either way.
        **kwargs
            Further :func:`json.dumps` options, e.g. ``indent``.

        Returns
        -------
        text : str or None
            The JSON text when ``path`` is None.
        """
        text = json.dumps(self.to_dict(), allow_nan=allow_nan, **kwargs)
        if path is None:
            return text
        mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else None  # keep an existing file's
        write_text_atomic(path, text, mode=mode)
        return None

    def plot(self, kind=None, ax=None, **kwargs):
        """Plot with matplotlib (imported lazily).

        Parameters
        ----------
        kind : str, default=None
            Which of the plots registered for this explanation's method and
            scope; None picks their default. An unknown kind raises ValueError
            listing the available ones.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        **kwargs
            Options of that plot.

        Returns
        -------
        ax : matplotlib Axes, or a multi-panel plot's Figure or array of Axes
            (the plot function's docstring says which).
        """
        from .plotting import get_plot

        return get_plot(self.meta.get("method"), self.meta.get("scope"), kind)(self, ax=ax, **kwargs)

    def __repr__(self):
        arrays = ", ".join(f"{key}{self.data[key].shape}" for key in self.data)
        return f"Explanation(method={self.meta.get('method')!r}, scope={self.meta.get('scope')!r}, {arrays})"


def _is_text(labels):
    return labels.dtype.kind in "US" or (labels.dtype == object and all(isinstance(v, str) for v in labels))


def _axis_column(labels, axis, shape):
    """``labels`` repeated along ``axis`` of an array of ``shape``, flattened in C order."""
    expand = [1] * len(shape)
    expand[axis] = len(labels)
    if _is_text(labels) and len(set(labels.tolist())) == len(labels):
        codes = np.broadcast_to(np.arange(len(labels)).reshape(expand), shape).ravel()
        return pd.Categorical.from_codes(codes, categories=labels)
    return np.broadcast_to(labels.reshape(expand), shape).ravel()


def _check_compatible(first, other, i):
    if other.meta != first.meta:
        raise ValueError(f"explanation {i} has meta {other.meta}, explanation 0 has {first.meta}")
    if other.dims != first.dims:
        raise ValueError(f"explanation {i} has dims {other.dims}, explanation 0 has {first.dims}")
    for dim in set(first.coords) | set(other.coords):
        if dim != "sample" and not np.array_equal(first.coords.get(dim), other.coords.get(dim)):
            raise ValueError(f"explanation {i} has other coords[{dim!r}] than explanation 0")
    for key in set(first.data) - set(first._sample_keys()):
        if not np.array_equal(first.data[key], other.data[key]):
            raise ValueError(f"explanation {i} has another {key!r} than explanation 0")
