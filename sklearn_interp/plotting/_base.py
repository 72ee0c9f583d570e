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


def target_index(explanation, axis, target, default=None):
    """Position of ``target`` along a class or output axis.

    Parameters
    ----------
    explanation : Explanation
    axis : {"class", "output"}
        The axis' name in ``explanation.dims``.
    target : label or int
        A class label (``coords["class"]``) or an output index; None means
        ``default`` (for outputs, None means 0).
    default : label or int, default=None

    Returns
    -------
    index : int

    Raises
    ------
    ValueError
        For a label that is not a class or an index out of range.
    """
    target = default if target is None else target
    if axis == "class":
        return class_index(explanation.coords["class"], target)
    n_outputs = axis_size(explanation, axis)
    target = 0 if target is None else target
    if not isinstance(target, (int, np.integer)) or isinstance(target, bool) or not 0 <= target < n_outputs:
        raise ValueError(f"target={target!r} is not an output index in [0, {n_outputs})")
    return int(target)


def target_name(explanation, axis, index):
    """``"class <label>"`` or ``"output <index>"`` for position ``index`` along ``axis``."""
    return f"class {explanation.coords['class'][index]}" if axis == "class" else f"output {index}"


def axis_size(explanation, dim):
    """Length of the axis named ``dim`` in ``explanation``'s arrays (0 when none has it)."""
    for key, dims in explanation.dims.items():
        if dim in dims:
            return explanation.data[key].shape[dims.index(dim)]
    return 0


def sample_prefix(explanation):
    """``"sample <label>: "`` for a one-sample view with a sample label, else ``""``."""
    sample = explanation.coords.get("sample")
    return f"sample {sample.item()}: " if sample is not None and sample.ndim == 0 else ""


def format_value(value):
    """A number for a plot label: 3 significant digits, or an integer from 1000 on; -0 shows as 0."""
    value = value + 0.0
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


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
