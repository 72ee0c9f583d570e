"""Plots of :class:`~sklearn_interp.PrototypeClassifier` explanations (Li et al., 2018)."""

import numpy as np

from ._base import class_index, image_mosaic, new_axes, pyplot, require_one_sample
from ._registry import register_plot

INPUT_SPACE = "the units of X as passed to the estimator"
PIPELINE_SPACE = "the units of the estimator's input (after the pipeline's preprocessing)"


def _global(explanation_or_estimator):
    """A global explanation, and the space its feature values are in."""
    if hasattr(explanation_or_estimator, "steps"):
        return explanation_or_estimator[-1].explain_global(), PIPELINE_SPACE
    if hasattr(explanation_or_estimator, "explain_global"):
        return explanation_or_estimator.explain_global(), INPUT_SPACE
    return explanation_or_estimator, INPUT_SPACE


def _speaks_for(explanation):
    """The class each prototype stands for: the one whose logit rises most when near it."""
    return np.asarray(explanation.coords["class"])[explanation["class_weights"].argmin(axis=0)]


@register_plot("prototype", "global", "prototypes", default=True)
def plot_prototypes(explanation_or_estimator, ax=None, n_cols=None, clip=False, feature_space=None):
    """Decoded prototypes: an image grid, or a feature x prototype table for tabular data.

    Each prototype is labelled with the class it speaks for (the most negative
    weight in its column of W). Tabular values outside the feature's training
    range are hatched and counted below the table.

    Parameters
    ----------
    explanation_or_estimator : Explanation, PrototypeClassifier or Pipeline
        A global prototype explanation, or the fitted estimator (or a Pipeline
        ending in one) to take it from.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    n_cols : int, default=None
        Columns of the image grid (about square when None).
    clip : bool, default=False
        Clip tabular values to each feature's training range.
    feature_space : str, default=None
        The space of the tabular values, for the title. None says "the units
        of X as passed to the estimator", or for a Pipeline, the units after
        its preprocessing.

    Returns
    -------
    ax : matplotlib Axes
    """
    explanation, default_space = _global(explanation_or_estimator)
    speaks_for = _speaks_for(explanation)
    if explanation.meta.get("image"):
        return _image_prototypes(explanation["decoded_prototypes"], speaks_for, ax, n_cols)
    return _tabular_prototypes(explanation, speaks_for, ax, clip, feature_space or default_space)


def _image_prototypes(decoded, speaks_for, ax, n_cols):
    height, width = decoded.shape[-2:]
    pad = max(2, height // 3)  # room for the labels above each tile
    mosaic, n_cols = image_mosaic(decoded, n_cols, pad)
    n_rows = -(-len(decoded) // n_cols)
    ax = new_axes(ax, figsize=(1.1 * n_cols + 0.3, 1.3 * n_rows + 0.5))
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1)
    ax.set_ylim(mosaic.shape[0] - 0.5, -pad - 0.5)
    for j, label in enumerate(speaks_for):
        row, col = divmod(j, n_cols)
        ax.text(col * (width + pad) + width / 2 - 0.5, row * (height + pad) - 0.8, f"p{j}: {label}",
                ha="center", va="bottom", fontsize=8)
    ax.set_axis_off()
    ax.set_title("Decoded prototypes g(p_j)  (p_j: the class it speaks for)")
    return ax


def _tabular_prototypes(explanation, speaks_for, ax, clip, feature_space):
    plt = pyplot()
    decoded = explanation["decoded_prototypes"].astype(float)
    features = explanation.coords["feature"]
    n_prototypes, n_features = decoded.shape
    outside = np.zeros(decoded.shape, dtype=bool)
    if "feature_range" in explanation.data:
        low, high = explanation["feature_range"]
        outside = (decoded < low) | (decoded > high)
        if clip:
            decoded = np.clip(decoded, low, high)
    ax = new_axes(ax, figsize=(2.5 + 0.75 * n_prototypes, 1.6 + 0.28 * n_features))
    spread = decoded.std(axis=0)
    zscores = (decoded - decoded.mean(axis=0)) / np.where(spread > 0, spread, 1)
    image = ax.imshow(zscores.T, cmap="coolwarm", vmin=-2, vmax=2, aspect="auto")
    ax.figure.colorbar(image, ax=ax, label="z-score across prototypes", shrink=0.6)
    if decoded.size <= 600:
        for (j, i), value in np.ndenumerate(decoded):
            ax.text(j, i, f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}",
                    ha="center", va="center", fontsize=7)
    for j, i in zip(*np.nonzero(outside)):
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                   edgecolor="0.3", linewidth=0))
    ax.set_xticks(range(n_prototypes), [f"p{j}\n{label}" for j, label in enumerate(speaks_for)])
    ax.set_yticks(range(n_features), [str(name) for name in features])
    note = "clipped to" if clip else "outside"
    ax.set_xlabel(f"prototype (the class it speaks for)\nhatched: {outside.sum()} values {note} "
                  "the feature's training range")
    ax.set_title(f"Decoded prototypes\nvalues in {feature_space}", fontsize=10)
    return ax


@register_plot("prototype", "global", "weights")
def plot_class_weights(explanation_or_estimator, ax=None):
    """Heatmap of W (class x prototype): the paper's Table 1, transposed.

    The cell of the class each prototype speaks for (its most negative
    weight) is framed.

    Parameters
    ----------
    explanation_or_estimator : Explanation, PrototypeClassifier or Pipeline
        A global prototype explanation, or the fitted estimator to take it from.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    plt = pyplot()
    explanation = _global(explanation_or_estimator)[0]
    weights = explanation["class_weights"]
    classes = explanation.coords["class"]
    n_classes, n_prototypes = weights.shape
    ax = new_axes(ax, figsize=(2.2 + 0.5 * n_prototypes, 1.4 + 0.4 * n_classes))
    limit = np.abs(weights).max() or 1.0
    image = ax.imshow(weights, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    ax.figure.colorbar(image, ax=ax, label="W[k, j]")
    if weights.size <= 400:
        for (k, j), value in np.ndenumerate(weights):
            color = "white" if abs(value) > 0.6 * limit else "black"
            ax.text(j, k, f"{value:.1f}".replace("-0.0", "0.0"), ha="center", va="center", fontsize=7, color=color)
    for j, k in enumerate(weights.argmin(axis=0)):
        ax.add_patch(plt.Rectangle((j - 0.5, k - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=1.5))
    ax.set_xticks(range(n_prototypes), [f"p{j}" for j in range(n_prototypes)])
    ax.set_yticks(range(n_classes), [str(label) for label in classes])
    ax.set_xlabel("prototype j")
    ax.set_ylabel("class k")
    ax.set_title("Class weights W: logit_k = Σ_j W[k, j]·d_j\n"
                 "negative: near p_j raises class k; framed: the class p_j speaks for", fontsize=10)
    return ax


@register_plot("prototype", "local", "margin", default=True)
def plot_margin(explanation, ax=None, target=None, versus=None, n_prototypes=None):
    """Why class ``target`` rather than ``versus``: each prototype's share of the logit margin.

    The margin is ``logit_target - logit_versus = sum_j (W[target, j] -
    W[versus, j]) * d_j``. Each prototype is measured against its mean distance
    to the training data r_j (``mean_training_distances``): prototype j's bar
    is ``(W[target, j] - W[versus, j]) * (d_j - r_j)``, and one "baseline" bar
    holds the margin of a sample at the mean distance from every prototype,
    ``sum_j (W[target, j] - W[versus, j]) * r_j``; the bars sum to the margin.
    A positive bar favours ``target``: being nearer than usual to a prototype
    of ``target`` (or farther than usual from one of ``versus``) speaks for
    it. Prototypes are sorted nearest first and labelled with the class they
    speak for and their squared latent distance d_j.

    Parameters
    ----------
    explanation : Explanation
        A local prototype explanation of one sample (``clf.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label, default=None
        The class explained; None means the predicted class.
    versus : label, default=None
        The class compared with; None means the most likely other class
        (the runner-up when ``target`` is the predicted class).
    n_prototypes : int, default=None
        Show only the nearest ``n_prototypes`` and one bar for the total of
        the others; all of them when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    require_one_sample(explanation, "distances")
    classes = np.asarray(explanation.coords["class"])
    logits, probabilities = explanation["logits"], explanation["probabilities"]
    k = class_index(classes, explanation["predicted_class"].item() if target is None else target)
    rivals = [i for i in np.argsort(-logits, kind="stable") if i != k]
    k2 = rivals[0] if versus is None else class_index(classes, versus)
    if k2 == k:
        raise ValueError(f"versus={versus!r} is the target class itself")
    difference = explanation["class_weights"][k] - explanation["class_weights"][k2]
    distances, reference = explanation["distances"], explanation["mean_training_distances"]
    shares = difference * (distances - reference)
    order = np.argsort(distances, kind="stable")
    shown, rest = order[:n_prototypes], order[len(order) if n_prototypes is None else n_prototypes:]
    values = list(shares[shown])
    labels = [f"p{j} ({explanation['prototype_class'][j]}), d={distances[j]:.2f} vs {reference[j]:.2f}"
              for j in shown]
    colors = ["tab:blue" if value > 0 else "tab:red" for value in values]
    if len(rest):
        values.append(shares[rest].sum())
        labels.append(f"other {len(rest)} prototypes")
        colors.append("tab:gray")
    values.append(float(difference @ reference))
    labels.append("baseline: every d_j at its mean")
    colors.append("tab:gray")
    ax = new_axes(ax, figsize=(7, 1.8 + 0.32 * len(values)))
    ax.barh(range(len(values)), values, color=colors)
    ax.set_yticks(range(len(values)), labels)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    a, b = classes[k], classes[k2]
    ax.set_xlabel(f"(W[{a}, j] − W[{b}, j])·(d_j − mean d_j);  sum = logit({a}) − logit({b}) = "
                  f"{logits[k] - logits[k2]:.3g}\n> 0 favours {a}, < 0 favours {b}; nearer than usual to a "
                  f"prototype of {a} favours {a}")
    ax.set_title(f"Why {a} (p={probabilities[k]:.3f}) rather than {b} (p={probabilities[k2]:.3f})\n"
                 "prototypes nearest first: p_j (its class), squared latent distance d_j vs its mean",
                 fontsize=10)
    return ax
