"""Matplotlib views of explanations. matplotlib is imported only when a plot is made."""

import numpy as np

from .explanation import Explanation


def _axes(ax, figsize=None):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def _global(explanation_or_estimator):
    if isinstance(explanation_or_estimator, Explanation):
        return explanation_or_estimator
    return explanation_or_estimator.explain_global()


def image_mosaic(images, n_cols=None, pad=1):
    """Tile images of shape (n, C, H, W) or (n, H, W) into one (rows*H, cols*W[, 3]) array."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)
    n = len(images)
    n_cols = n_cols or int(np.ceil(np.sqrt(n)))
    n_rows = int(np.ceil(n / n_cols))
    height, width = images.shape[1:3]
    mosaic = np.full((n_rows * (height + pad) - pad, n_cols * (width + pad) - pad, *images.shape[3:]), np.nan)
    for i, image in enumerate(images):
        row, col = divmod(i, n_cols)
        mosaic[row * (height + pad):row * (height + pad) + height, col * (width + pad):col * (width + pad) + width] = image
    return mosaic, n_cols


def plot_prototypes(explanation_or_estimator, ax=None, n_cols=None):
    """Decoded prototypes: an image grid, or a prototype x feature heatmap for tabular data.

    Parameters
    ----------
    explanation_or_estimator : Explanation or fitted PrototypeClassifier
        A global prototype explanation, or the estimator to take it from.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    n_cols : int, default=None
        Columns of the image grid (about square when None).

    Returns
    -------
    ax : matplotlib Axes
    """
    explanation = _global(explanation_or_estimator)
    decoded = explanation["decoded_prototypes"]
    if explanation.meta.get("image"):
        mosaic, n_cols = image_mosaic(decoded, n_cols)
        height, width = decoded.shape[-2:]
        ax = _axes(ax, figsize=(1.2 * n_cols, 1.2 * mosaic.shape[0] / (height + 1) + 0.5))
        ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1)
        for j in range(len(decoded)):
            row, col = divmod(j, n_cols)
            ax.text(col * (width + 1) + 0.5, row * (height + 1) + 1.5, f"p{j}", color="tab:red", fontsize=7)
        ax.set_axis_off()
        ax.set_title("Decoded prototypes")
        return ax
    features = explanation.coords["feature"]
    ax = _axes(ax, figsize=(max(4, 0.5 * len(features)), max(3, 0.4 * len(decoded))))
    spread = decoded.std(axis=0)
    standardized = (decoded - decoded.mean(axis=0)) / np.where(spread > 0, spread, 1)
    ax.imshow(standardized, cmap="coolwarm", aspect="auto")
    ax.set_xticks(range(len(features)), features, rotation=90)
    ax.set_yticks(range(len(decoded)), [f"p{j}" for j in range(len(decoded))])
    if decoded.size <= 400:
        for (j, i), value in np.ndenumerate(decoded):
            ax.text(i, j, f"{value:.3g}", ha="center", va="center", fontsize=6)
    ax.set_title("Decoded prototypes (values in input units; colour: z-score per feature)")
    return ax


def plot_class_weights(explanation_or_estimator, ax=None):
    """Heatmap of W (class x prototype): the paper's Table 1, transposed.

    Returns
    -------
    ax : matplotlib Axes
    """
    explanation = _global(explanation_or_estimator)
    weights = explanation["class_weights"]
    classes = explanation.coords["class"]
    ax = _axes(ax, figsize=(max(4, 0.45 * weights.shape[1]), max(3, 0.4 * len(classes))))
    limit = np.abs(weights).max() or 1.0
    image = ax.imshow(weights, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    ax.figure.colorbar(image, ax=ax, label="W[k, j]")
    ax.set_xticks(range(weights.shape[1]), [f"p{j}" for j in range(weights.shape[1])])
    ax.set_yticks(range(len(classes)), [str(c) for c in classes])
    ax.set_xlabel("prototype")
    ax.set_ylabel("class")
    ax.set_title("Class weights W (negative: near this prototype favours the class)")
    return ax


def plot_prototype_explanation(explanation, ax=None, target=None):
    """One sample: each prototype's contribution W[k, j]·d_j to the logit of class k.

    Parameters
    ----------
    explanation : Explanation
        A local prototype explanation of one sample (``clf.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label, default=None
        The class k whose logit is decomposed; None means the predicted class.

    Returns
    -------
    ax : matplotlib Axes
    """
    if explanation.dims["distances"][:1] == ("sample",):
        raise ValueError("plot one sample: explanation[i].plot()")
    classes = np.asarray(explanation.coords["class"])
    predicted = explanation["predicted_class"].item()
    target = predicted if target is None else target
    if target not in classes:
        raise ValueError(f"target={target!r} is not one of the classes {classes.tolist()}")
    k = int(np.flatnonzero(classes == target)[0])
    contributions = explanation["contributions"][k]
    distances = explanation["distances"]
    ax = _axes(ax, figsize=(6, max(3, 0.3 * len(distances))))
    colors = ["tab:red" if value < 0 else "tab:blue" for value in contributions]
    ax.barh(range(len(distances)), contributions, color=colors)
    ax.set_yticks(range(len(distances)), [f"p{j} (d={d:.2f})" for j, d in enumerate(distances)])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    probability = explanation["probabilities"][k]
    ax.set_xlabel(f"contribution W[{target}, j]·d_j to the logit of {target}")
    ax.set_title(f"Predicted {predicted}; p({target})={probability:.3f}; nearest: "
                 + ", ".join(f"p{j}" for j in explanation["nearest_prototypes"]))
    return ax


def plot_explanation(explanation, ax=None, kind=None, **kwargs):
    """Dispatch ``Explanation.plot`` on the explanation's method and scope.

    For a global prototype explanation, ``kind`` is ``"prototypes"`` (default)
    or ``"weights"``.
    """
    method, scope = explanation.meta.get("method"), explanation.meta.get("scope")
    if method == "prototype" and scope == "local":
        return plot_prototype_explanation(explanation, ax=ax, **kwargs)
    if method == "prototype" and scope == "global":
        plot = plot_class_weights if kind == "weights" else plot_prototypes
        return plot(explanation, ax=ax, **kwargs)
    raise ValueError(f"no plot for method={method!r}, scope={scope!r}")
