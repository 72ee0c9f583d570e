"""Helpers shared by the plots: lazy matplotlib, axes, image mosaics."""

import numpy as np


def pyplot():
    """``matplotlib.pyplot``, or an ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("plotting needs matplotlib: pip install matplotlib (or sklearn-interp[plot])") from error
    return plt


def class_index(classes, label):
    """Position of ``label`` in ``classes``, or a ValueError listing the classes."""
    matches = np.flatnonzero(np.asarray(classes) == label)
    if not len(matches):
        raise ValueError(f"{label!r} is not one of the classes {np.asarray(classes).tolist()}")
    return int(matches[0])


def require_one_sample(explanation, key):
    """Raise unless ``explanation`` is a one-sample view (``explanation[i]``)."""
    if explanation.dims[key][:1] == ("sample",):
        raise ValueError("plot one sample: explanation[i].plot()")


def new_axes(ax, figsize):
    """``ax``, or the Axes of a new figure of ``figsize`` inches."""
    plt = pyplot()
    return plt.subplots(figsize=figsize, layout="constrained")[1] if ax is None else ax


def image_mosaic(images, n_cols=None, pad=1):
    """Tile images into one array, NaN between the tiles.

    Parameters
    ----------
    images : ndarray of shape (n, C, H, W) or (n, H, W)
    n_cols : int, default=None
        Tiles per row; about square when None.
    pad : int, default=1
        Pixels between tiles.

    Returns
    -------
    mosaic : ndarray of shape (rows * (H + pad) - pad, cols * (W + pad) - pad[, 3])
    n_cols : int
    """
    images = np.asarray(images, dtype=float)
    if images.ndim == 4:
        images = images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)
    n = len(images)
    n_cols = n_cols or int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))
    height, width = images.shape[1:3]
    mosaic = np.full((n_rows * (height + pad) - pad, n_cols * (width + pad) - pad, *images.shape[3:]), np.nan)
    for i, image in enumerate(images):
        top, left = divmod(i, n_cols)
        top, left = top * (height + pad), left * (width + pad)
        mosaic[top:top + height, left:left + width] = image
    return mosaic, n_cols
