"""MNIST and Fashion-MNIST, read from their gzip-compressed IDX files."""

import gzip
import struct

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._base import fetch_file

__all__ = ["fetch_fashion_mnist", "fetch_mnist"]

_IMAGE_MAGIC, _LABEL_MAGIC = 2051, 2049
_SUBSET_PREFIX = {"train": "train", "test": "t10k"}
_PIXEL_NAMES = [f"pixel_{i}" for i in range(28 * 28)]

_MNIST_DESCR = """MNIST handwritten digits
========================

70000 grey-scale 28x28 images of handwritten digits 0-9 (60000 training,
10000 test), from Y. LeCun, C. Cortes and C. J. C. Burges, "The MNIST
database of handwritten digits". Read from the four IDX files
(train|t10k)-(images-idx3|labels-idx1)-ubyte.gz. Pixels are scaled from
0..255 to [0, 1] (float32).
"""

_FASHION_DESCR = """Fashion-MNIST
=============

70000 grey-scale 28x28 images of Zalando articles in 10 classes (60000
training, 10000 test), a drop-in replacement for MNIST: H. Xiao, K. Rasul
and R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking
Machine Learning Algorithms", arXiv:1708.07747, 2017. Pixels are scaled
from 0..255 to [0, 1] (float32).
"""

_FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def _read_idx(path, magic):
    """Read a gzip-compressed IDX file of unsigned bytes into an ndarray."""
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    found, count = struct.unpack(">II", raw[:8])
    if found != magic:
        raise ValueError(f"{path} is not an IDX file with magic {magic}.")
    if magic == _LABEL_MAGIC:
        return np.frombuffer(raw, np.uint8, offset=8).reshape(count)
    rows, cols = struct.unpack(">II", raw[8:16])
    return np.frombuffer(raw, np.uint8, offset=16).reshape(count, rows, cols)


def _load_idx_dataset(
    dataset,
    subset,
    *,
    flat,
    data_home,
    download_if_missing,
    return_X_y,
    as_frame,
    target_names,
    descr,
):
    """Shared body of :func:`fetch_mnist` and :func:`fetch_fashion_mnist`."""
    if subset not in _SUBSET_PREFIX:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    if as_frame and not flat:
        raise ValueError("as_frame=True requires flat=True.")
    prefix = f"{dataset}/{_SUBSET_PREFIX[subset]}"
    paths = [
        fetch_file(
            f"{prefix}-{kind}-ubyte.gz",
            data_home=data_home,
            download_if_missing=download_if_missing,
        )
        for kind in ("images-idx3", "labels-idx1")
    ]
    images = _read_idx(paths[0], _IMAGE_MAGIC)
    data = (images.astype(np.float32) / 255.0).reshape(
        (len(images), -1) if flat else (len(images), 1, *images.shape[1:])
    )
    target = _read_idx(paths[1], _LABEL_MAGIC).astype(np.int64)
    frame = None
    if as_frame:
        data = pd.DataFrame(data, columns=_PIXEL_NAMES)
        target = pd.Series(target, name="class")
        frame = pd.concat([data, target], axis=1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=list(_PIXEL_NAMES),
        target_names=list(target_names),
        DESCR=descr,
    )


def fetch_mnist(
    *,
    subset="train",
    flat=False,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    as_frame=False,
):
    """Load the MNIST handwritten digits (classification).

    =================   ==============
    Classes                         10
    Samples total        60000 + 10000
    Dimensionality      (1, 28, 28) or 784
    Features            float32, [0, 1]
    =================   ==============

    Files are read from ``<data_home>/mnist/`` (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``) and downloaded from Google's CVDF mirror
    of LeCun's files when missing. Test files and training labels are
    verified by the SHA-256 of their uncompressed content, so any correct
    copy passes whatever its gzip header. For the training images only
    the SHA-256 of LeCun's original ``.gz`` file is documented, so only an
    unmodified copy of that file is accepted (a recompressed one is
    rejected with a checksum error).

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        The 60000 training or the 10000 test images.
    flat : bool, default=False
        If True, ``data`` has shape ``(n, 784)``; otherwise
        ``(n, 1, 28, 28)`` (channel-first, as PyTorch convolutions expect).
    data_home : str or path-like, default=None
        Folder holding the dataset files, see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when a file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True (requires ``flat=True``), ``data`` is a DataFrame with
        columns ``pixel_0`` ... ``pixel_783``, ``target`` a Series and
        ``frame`` a DataFrame holding both.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` float32 in [0, 1], ``target`` int64 digits,
        ``feature_names`` (``pixel_<i>``, row-major), ``target_names``
        (``'0'`` ... ``'9'``), ``DESCR`` and ``frame`` (None unless
        `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_mnist
    >>> X, y = fetch_mnist(subset="test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype  # doctest: +SKIP
    ((10000, 1, 28, 28), dtype('float32'))
    """
    return _load_idx_dataset(
        "mnist",
        subset,
        flat=flat,
        data_home=data_home,
        download_if_missing=download_if_missing,
        return_X_y=return_X_y,
        as_frame=as_frame,
        target_names=[str(d) for d in range(10)],
        descr=_MNIST_DESCR,
    )


def fetch_fashion_mnist(
    *,
    subset="train",
    flat=False,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    as_frame=False,
):
    """Load Zalando's Fashion-MNIST (classification).

    =================   ==============
    Classes                         10
    Samples total        60000 + 10000
    Dimensionality      (1, 28, 28) or 784
    Features            float32, [0, 1]
    =================   ==============

    Files are looked for in ``<data_home>/fashion_mnist/``, then in
    ``/usr/share/datasets/fashion-mnist/`` (where the Debian/Ubuntu package
    ``dataset-fashion-mnist`` installs them), and downloaded from Zalando's
    server otherwise. All files are verified by the SHA-256 of their
    uncompressed content.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        The 60000 training or the 10000 test images.
    flat : bool, default=False
        If True, ``data`` has shape ``(n, 784)``; otherwise
        ``(n, 1, 28, 28)``.
    data_home : str or path-like, default=None
        Folder holding the dataset files, see
        :func:`~sklearn_interp.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise a :class:`FileNotFoundError` when a file is not
        available locally instead of downloading it.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True (requires ``flat=True``), ``data`` is a DataFrame with
        columns ``pixel_0`` ... ``pixel_783``, ``target`` a Series and
        ``frame`` a DataFrame holding both.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        With ``data`` float32 in [0, 1], ``target`` int64 class codes,
        ``feature_names``, ``target_names`` (``'T-shirt/top'``,
        ``'Trouser'``, ``'Pullover'``, ``'Dress'``, ``'Coat'``,
        ``'Sandal'``, ``'Shirt'``, ``'Sneaker'``, ``'Bag'``,
        ``'Ankle boot'``), ``DESCR`` and ``frame`` (None unless
        `as_frame`).
    (data, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from sklearn_interp.datasets import fetch_fashion_mnist
    >>> fmnist = fetch_fashion_mnist(subset="test", flat=True)  # doctest: +SKIP
    >>> fmnist.data.shape, fmnist.target_names[0]  # doctest: +SKIP
    ((10000, 784), 'T-shirt/top')
    """
    return _load_idx_dataset(
        "fashion_mnist",
        subset,
        flat=flat,
        data_home=data_home,
        download_if_missing=download_if_missing,
        return_X_y=return_X_y,
        as_frame=as_frame,
        target_names=_FASHION_CLASSES,
        descr=_FASHION_DESCR,
    )
