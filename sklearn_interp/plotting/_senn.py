"""Plots of :class:`~sklearn_interp.SENNClassifier` and :class:`~sklearn_interp.SENNRegressor` explanations
(Alvarez-Melis & Jaakkola, 2018)."""

import numpy as np

from ._base import class_index, new_axes, pyplot, require_one_sample
from ._registry import register_plot

INPUT_CONCEPTS = "h(x): standardized feature value (z-score); bias = 1"


def _output_axis(explanation):
    """``"class"`` for a classifier's explanation, ``"output"`` for a regressor's."""
    return explanation.dims["relevances"][-2]


def _target_index(explanation, target, predicted):
    """Index along the class (or output) axis of ``target``; ``predicted`` when it is None."""
    if _output_axis(explanation) == "output":
        n_outputs = explanation["relevances"].shape[-2]
        index = 0 if target is None else target
        if not isinstance(index, (int, np.integer)) or not 0 <= index < n_outputs:
            raise ValueError(f"target={target!r} is not an output index in [0, {n_outputs})")
        return int(index)
    return class_index(explanation.coords["class"], predicted if target is None else target)


def _target_name(explanation, index):
    if _output_axis(explanation) == "output":
        return f"output {index}"
    return f"class {explanation.coords['class'][index]}"


def _concept_note(explanation):
    if explanation.meta.get("concepts") == "input":
        return INPUT_CONCEPTS
    return "h(x): concept value"


def _fmt(value):
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _bars(explanation, ax, target, n_concepts, contributions):
    require_one_sample(explanation, "relevances")
    is_classifier = _output_axis(explanation) == "class"
    predicted = explanation["predicted_class"].item() if is_classifier else None
    k = _target_index(explanation, target, predicted)
    concepts = explanation["concepts"]
    relevances = explanation["relevances"][k]
    values = relevances * concepts if contributions else relevances
    names = explanation.coords["concept"]
    order = np.argsort(-np.abs(values), kind="stable")
    shown = order if n_concepts is None else order[:n_concepts]
    rest = order[len(shown):]
    bars = list(values[shown])
    labels = [str(names[i]) for i in shown]
    notes = [f"h={_fmt(concepts[i])}" for i in shown]
    colors = ["tab:blue" if value > 0 else "tab:red" for value in bars]
    if len(rest):
        bars.append(values[rest].sum())
        labels.append(f"other {len(rest)} concepts (sum)")
        notes.append("")
        colors.append("tab:gray")
    if contributions and "intercept" in explanation.keys():
        bars.append(explanation["intercept"][k])
        labels.append("intercept (mean of y)")
        notes.append("")
        colors.append("tab:gray")
    ax = new_axes(ax, figsize=(7, 1.6 + 0.27 * len(bars)))
    container = ax.barh(range(len(bars)), bars, color=colors)
    ax.bar_label(container, labels=notes, padding=3, fontsize=7, color="0.25")
    ax.set_yticks(range(len(bars)), labels, fontsize=8)
    ax.set_ylim(len(bars) - 0.5, -0.5)  # largest first, at the top
    ax.margins(x=0.18)
    ax.axvline(0, color="black", linewidth=0.8)
    name = _target_name(explanation, k)
    if is_classifier:
        output = explanation["logits"][k]
        about = (f"{name} (p={explanation['probabilities'][k]:.3f}"
                 f"{', predicted' if explanation.coords['class'][k] == predicted else ''})")
        total = f"logit({explanation.coords['class'][k]})"
    else:
        output = explanation["predictions"][k]
        about = name
        total = f"prediction ({name})"
    sample = explanation.coords.get("sample")
    sample = f"sample {sample.item()}: " if sample is not None else ""
    if contributions:
        ax.set_xlabel(f"contribution θ(x)_i·h(x)_i;  bars sum to {total} = {output:.4g}\n"
                      f"beside each bar: {_concept_note(explanation)}", fontsize=9)
        ax.set_title(f"{sample}SENN contributions to {about}\nconcepts sorted by |θ·h|", fontsize=10)
    else:
        ax.set_xlabel(f"relevance θ(x)_i (the output's weight on concept i);  {total} = {output:.4g}\n"
                      f"beside each bar: {_concept_note(explanation)}", fontsize=9)
        ax.set_title(f"{sample}SENN relevances for {about}\nconcepts sorted by |θ|", fontsize=10)
    return ax


@register_plot("senn", "local", "relevance", default=True)
def plot_relevances(explanation, ax=None, target=None, n_concepts=None):
    """Relevances θ(x)_i of one sample's concepts for one class or output, as bars.

    The bars are the coefficients of the concepts in the output,
    ``f(x)_target = sum_i θ(x)_{target,i} h(x)_i``, sorted by absolute value,
    largest first, and labelled with the concept's name; the concept value
    h(x)_i is written beside each bar (for input concepts, the standardized
    feature value; the bias concept is 1). Positive bars are blue, negative
    ones red.

    Parameters
    ----------
    explanation : Explanation
        A local SENN explanation of one sample (``est.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label or int, default=None
        For a classifier, the class explained; None means the predicted
        class. For a regressor, the index of the output; None means 0.
    n_concepts : int, default=None
        Show only the ``n_concepts`` largest bars and one grey bar for the sum
        of the others; all of them when None.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        For an explanation of several samples, or an unknown ``target``.

    See Also
    --------
    plot_contributions : The products θ(x)_i·h(x)_i, which sum to the output.
    """
    return _bars(explanation, ax, target, n_concepts, contributions=False)


@register_plot("senn", "local", "contribution")
def plot_contributions(explanation, ax=None, target=None, n_concepts=None):
    """Contributions θ(x)_i·h(x)_i of one sample's concepts: bars that sum to the logit or prediction.

    Sorted by absolute value, largest first, labelled with the concept's
    name, with the concept value h(x)_i beside each bar. With ``n_concepts``,
    one grey bar holds the sum of the others, so the bars always sum to the
    logit of the target class (classifier) or, with a grey bar for the
    intercept (the mean of y), the prediction (regressor).

    Parameters
    ----------
    explanation : Explanation
        A local SENN explanation of one sample (``est.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label or int, default=None
        For a classifier, the class explained; None means the predicted
        class. For a regressor, the index of the output; None means 0.
    n_concepts : int, default=None
        Show only the ``n_concepts`` largest bars and one grey bar for the sum
        of the others; all of them when None.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        For an explanation of several samples, or an unknown ``target``.
    """
    return _bars(explanation, ax, target, n_concepts, contributions=True)


@register_plot("senn", "local", "grid")
def plot_relevance_grid(explanation, ax=None, target=None, n_concepts=None):
    """Heatmap of the relevances θ(x) of several samples: one row per sample, one column per concept.

    Each row holds the relevances for that sample's predicted class
    (classifier) or output 0 (regressor), unless ``target`` fixes one class or
    output for all. The colormap is diverging and centred at 0 (blue
    positive, red negative); rows are labelled with ``coords["sample"]`` (a
    DataFrame's index) and, for a classifier, the class shown.

    Parameters
    ----------
    explanation : Explanation
        A local SENN explanation of one or several samples.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label or int, default=None
        The class (classifier) or output index (regressor) shown for every
        sample; None means each sample's predicted class, or output 0.
    n_concepts : int, default=None
        Show only the ``n_concepts`` concepts with the largest mean ``|θ|`` over
        the samples shown, in their original order; all of them when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    if explanation.dims["relevances"][0] != "sample":  # one sample: a grid of one row
        explanation = _with_sample_axis(explanation)
    is_classifier = _output_axis(explanation) == "class"
    n_samples = explanation.n_samples
    if is_classifier:
        predicted = explanation["predicted_class"] if target is None else [target] * n_samples
        rows = [_target_index(explanation, None, label) for label in predicted]
    else:
        rows = [_target_index(explanation, target, None)] * n_samples
    grid = explanation["relevances"][np.arange(n_samples), rows]
    columns = np.arange(grid.shape[1])
    if n_concepts is not None:
        columns = np.sort(np.argsort(-np.abs(grid).mean(axis=0), kind="stable")[:n_concepts])
        grid = grid[:, columns]
    names = [str(name) for name in explanation.coords["concept"][columns]]
    samples = explanation.coords.get("sample", np.arange(n_samples))
    labels = [f"{sample} ({_target_name(explanation, k)})" if is_classifier else str(sample)
              for sample, k in zip(samples, rows)]
    width = max(len(name) for name in names)
    ax = new_axes(ax, figsize=(2.5 + 0.3 * len(names), 1.8 + 0.03 * width * 2.2 + 0.3 * n_samples))
    limit = np.abs(grid).max() or 1.0
    image = ax.imshow(grid, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    shown = "the class shown" if is_classifier else ("output 0" if target is None else f"output {target}")
    ax.figure.colorbar(image, ax=ax, label=f"θ(x)_i for {shown}", shrink=0.8)
    if grid.size <= 120:
        for (i, j), value in np.ndenumerate(grid):
            color = "white" if abs(value) > 0.6 * limit else "black"
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", rotation_mode="anchor", fontsize=8)
    ax.set_yticks(range(n_samples), labels, fontsize=8)
    ax.set_xlabel("concept")
    ax.set_ylabel("sample (class shown)" if is_classifier else "sample")
    what = ("each sample's predicted class" if is_classifier and target is None
            else _target_name(explanation, rows[0]) if n_samples else "")
    ax.set_title(f"SENN relevances θ(x) for {what}\n"
                 "blue: θ > 0, the output rises with the concept; red: θ < 0", fontsize=10)
    return ax


def _with_sample_axis(explanation):
    from ..explanation import Explanation

    data = {key: value[None] for key, value in explanation.data.items()}
    dims = {key: ("sample", *dims) for key, dims in explanation.dims.items()}
    coords = dict(explanation.coords)
    if "sample" in coords:
        coords["sample"] = np.atleast_1d(coords["sample"])
    return Explanation(data, dims, coords, explanation.meta)


@register_plot("senn", "global", "grounding", default=True)
def plot_concept_grounding(explanation_or_estimator, ax=None, n_examples=None):
    """Each learned concept grounded by the training examples that activate it most (§4).

    For images, a grid with one row per concept: its decoded image first
    (labelled "decoded", when the concepts have a decoder), then its top
    training examples, largest h(x)_i first, each titled with its h(x)_i; the
    concept's name starts the row. All images share one grey scale, in the
    units of X. For tabular data, a feature x concept table of the mean of
    each concept's top examples (in the units of X), coloured by its z-score
    against all the examples shown.

    Parameters
    ----------
    explanation_or_estimator : Explanation, SENNClassifier or SENNRegressor
        A global SENN explanation, or the fitted estimator to take it from.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None. For images, the grid replaces
        ``ax`` in its place in the figure (it must be part of a grid, e.g.
        from ``plt.subplots``).
    n_examples : int, default=None
        Examples shown per concept; all stored ones (the estimator's
        ``n_examples``) when None.

    Returns
    -------
    figure_or_ax : matplotlib Figure (images) or Axes (tabular data)
    """
    explanation = explanation_or_estimator
    if hasattr(explanation, "explain_global"):
        explanation = explanation.explain_global()
    if explanation.meta.get("image"):
        return _image_grounding(explanation, ax, n_examples)
    return _tabular_grounding(explanation, ax, n_examples)


def _as_rgb_or_gray(image, low, high):
    """(C, H, W) -> (H, W) or (H, W, 3) in [0, 1] for imshow."""
    image = (np.asarray(image, dtype=float) - low) / ((high - low) or 1.0)
    return image[0] if image.shape[0] == 1 else np.clip(image.transpose(1, 2, 0), 0, 1)


def _image_grounding(explanation, ax, n_examples):
    plt = pyplot()
    examples = explanation["examples"][:, :n_examples]
    activations = explanation["example_activations"][:, :n_examples]
    decoded = explanation.data.get("decoded_concepts")
    names = explanation.coords["concept"]
    n_concepts, n_shown = examples.shape[:2]
    first = 0 if decoded is None else 1
    n_cols = first + n_shown
    shown = [examples] if decoded is None else [examples, decoded]
    low, high = min(float(np.min(a)) for a in shown), max(float(np.max(a)) for a in shown)
    if ax is None:
        figure = plt.figure(figsize=(0.95 * n_cols + 1.0, 1.05 * n_concepts + 0.7), layout="constrained")
        grid = figure.add_gridspec(n_concepts, n_cols)
    else:
        figure = ax.figure
        grid = ax.get_subplotspec().subgridspec(n_concepts, n_cols)
        ax.remove()
    for i in range(n_concepts):
        tiles = [("decoded", decoded[i])] if decoded is not None else []
        tiles += [(f"h={activations[i, j]:.2f}", examples[i, j]) for j in range(n_shown)]
        for j, (title, image) in enumerate(tiles):
            tile = figure.add_subplot(grid[i, j])
            tile.imshow(_as_rgb_or_gray(image, low, high), cmap="gray", vmin=0, vmax=1)
            tile.set_xticks([])
            tile.set_yticks([])
            tile.set_title(title, fontsize=7, pad=2, fontweight="bold" if j < first else "normal")
            if j < first:
                for spine in tile.spines.values():
                    spine.set_edgecolor("tab:blue")
                    spine.set_linewidth(1.5)
            if j == 0:
                tile.set_ylabel(str(names[i]), rotation=0, ha="right", va="center", fontsize=9)
    title = f"SENN concept grounding: each concept's top {n_shown} training examples by h(x)_i"
    if decoded is not None:
        title += ("\ndecoded: the decoder's image of the concept at its largest training value, "
                  "the others at their mean")
    figure.suptitle(title, fontsize=10)
    return figure


def _tabular_grounding(explanation, ax, n_examples):
    examples = explanation["examples"][:, :n_examples].astype(float)  # (concept, example, feature)
    activations = explanation["example_activations"][:, :n_examples]
    names = explanation.coords["concept"]
    features = explanation.coords.get("feature", np.arange(examples.shape[-1]))
    n_concepts, n_shown, n_features = examples.shape
    means = examples.mean(axis=1)  # (concept, feature)
    pooled = examples.reshape(-1, n_features)
    spread = pooled.std(axis=0)
    zscores = (means - pooled.mean(axis=0)) / np.where(spread > 0, spread, 1)
    ax = new_axes(ax, figsize=(3.0 + 0.85 * n_concepts, 1.6 + 0.27 * n_features))
    image = ax.imshow(zscores.T, cmap="coolwarm", vmin=-2, vmax=2, aspect="auto")
    ax.figure.colorbar(image, ax=ax, label="z-score against all examples shown", shrink=0.6)
    if means.size <= 600:
        for (i, f), value in np.ndenumerate(means):
            ax.text(i, f, _fmt(value), ha="center", va="center", fontsize=7)
    labels = [f"{name}\nh≥{activations[i].min():.2f}" for i, name in enumerate(names)]
    ax.set_xticks(range(n_concepts), labels, fontsize=8)
    ax.set_yticks(range(n_features), [str(name) for name in features], fontsize=8)
    ax.set_xlabel("concept (lowest h(x)_i of its top examples)")
    ax.set_title(f"SENN concept grounding: mean of each concept's top {n_shown} training examples\n"
                 "values in the units of X", fontsize=10)
    return ax
