"""The :class:`Explanation` container returned by every ``explain`` method."""

import json

import numpy as np
import pandas as pd

from ._io import to_jsonable, write_text_atomic


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
        ``"feature"`` -> feature names). Axes without labels are numbered.
    meta : dict, default=None
        ``method`` (str), ``scope`` (``"local"`` or ``"global"``) and the
        parameters the explanation was computed with.

    Examples
    --------
    >>> import numpy as np
    >>> exp = Explanation({"relevance": np.array([[0.5, -1.0]])},
    ...                   dims={"relevance": ("sample", "feature")},
    ...                   coords={"feature": ["age", "priors"]},
    ...                   meta={"method": "toy", "scope": "local"})
    >>> exp[0]["relevance"]
    array([ 0.5, -1. ])
    >>> exp.to_frame()
       sample feature   quantity  value
    0       0     age  relevance    0.5
    1       0  priors  relevance   -1.0
    """

    def __init__(self, data, dims, coords=None, meta=None):
        missing = set(data) ^ set(dims)
        if missing:
            raise ValueError(f"data and dims must have the same keys; mismatch: {sorted(missing)}")
        self.data = {key: np.asarray(value) for key, value in data.items()}
        self.dims = {key: tuple(dim) for key, dim in dims.items()}
        self.coords = dict(coords or {})
        self.meta = dict(meta or {})

    @property
    def n_samples(self):
        """Number of samples explained (0 for a global or single-sample explanation)."""
        for key, dims in self.dims.items():
            if dims[:1] == ("sample",):
                return len(self.data[key])
        return 0

    def __len__(self):
        return self.n_samples

    def __getitem__(self, index):
        """``exp[i]``: one sample (its sample axis dropped); ``exp["key"]``: one array."""
        if isinstance(index, str):
            return self.data[index]
        if not self.n_samples:
            raise IndexError("this explanation has no sample axis to index")
        squeeze = np.ndim(index) == 0
        data, dims = {}, {}
        for key, value in self.data.items():
            if self.dims[key][:1] == ("sample",):
                data[key] = value[index]
                dims[key] = self.dims[key][1:] if squeeze else self.dims[key]
            else:
                data[key], dims[key] = value, self.dims[key]
        coords = dict(self.coords)
        if "sample" in coords:
            coords["sample"] = np.asarray(coords["sample"])[index]
        return Explanation(data, dims, coords, self.meta)

    def keys(self):
        return self.data.keys()

    def _labels(self, dim, size):
        labels = self.coords.get(dim)
        return np.arange(size) if labels is None else np.atleast_1d(np.asarray(labels))

    def to_frame(self, keys=None):
        """Tidy long DataFrame: one row per value, a column per axis, ``quantity``, ``value``.

        Parameters
        ----------
        keys : list of str, default=None
            The quantities to include; all of them when None.
        """
        frames = []
        for key in keys or self.data:
            value, dims = self.data[key], self.dims[key]
            index = pd.MultiIndex.from_product(
                [self._labels(dim, size) for dim, size in zip(dims, value.shape)], names=dims
            ) if dims else pd.RangeIndex(1)
            frame = pd.DataFrame({"quantity": key, "value": value.reshape(-1)}, index=index)
            frames.append(frame.reset_index(drop=not dims))
        frame = pd.concat(frames, ignore_index=True)
        axes = [column for column in frame.columns if column not in ("quantity", "value")]
        return frame[axes + ["quantity", "value"]]

    def to_dict(self):
        """A JSON-compatible dict with ``meta``, ``data``, ``dims`` and ``coords`` (NaN as None)."""
        return to_jsonable({"meta": self.meta, "data": self.data, "dims": self.dims, "coords": self.coords})

    def to_json(self, path=None, **kwargs):
        """Serialize to JSON; write it to ``path`` when given, else return the string."""
        text = json.dumps(self.to_dict(), allow_nan=False, **kwargs)
        if path is None:
            return text
        write_text_atomic(path, text)
        return None

    def plot(self, ax=None, **kwargs):
        """Plot with matplotlib (imported lazily); returns the Axes."""
        from .plotting import plot_explanation

        return plot_explanation(self, ax=ax, **kwargs)

    def __repr__(self):
        arrays = ", ".join(f"{key}{self.data[key].shape}" for key in self.data)
        return f"Explanation(method={self.meta.get('method')!r}, scope={self.meta.get('scope')!r}, {arrays})"
