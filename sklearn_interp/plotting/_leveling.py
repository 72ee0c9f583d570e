"""Plots of :class:`~sklearn_interp.FeatureLevelingClassifier` and
:class:`~sklearn_interp.FeatureLevelingRegressor` explanations (Lu & Yang).

Before hidden layer k a gate z per unit of level k (the features for k = 1,
hidden layer k - 1's units after that) splits the unit between two routes:
``z * a`` goes on into the layer, ``(1 - z) * a`` straight to the GLM output
layer. A gate of exactly 0 sends the unit only to the GLM (a level-k
feature), a gate of exactly 1 only into the layer; a gate in between sends a
share along each route. The GLM reads every level, the last hidden layer's
units (level K + 1, which have no gate) last.
"""

import numpy as np

from ._base import (
    format_value,
    new_axes,
    pyplot,
    require_one_sample,
    sample_prefix,
    target_index,
    target_name,
)
from ._registry import register_plot

# Above this many columns (or rows) a heatmap drops its tick labels.
MAX_LABELS = 40
SENT = "gate = 0, to the GLM only"
SILENT = "gate = 1, into the next layer only"
HATCH = dict(fill=False, hatch="///", edgecolor="0.35", linewidth=0)
# The x label of the per-level plots.
LEVELS_NOTE = ("L1: the features; L<k+1>: hidden layer k's units;\n"
               "the last level: the last hidden layer's units")


def _level_colors(n_levels):
    """A colour per level (tab10, cycled)."""
    colors = pyplot().get_cmap("tab10").colors
    return [colors[k % len(colors)] for k in range(n_levels)]


def _level_of(explanation):
    """Per GLM input, the position of its level in ``coords["level"]`` (from its name, ``"L<k>:..."``)."""
    levels = [str(level) for level in explanation.coords["level"]]
    return np.array([levels.index(str(name).split(":", 1)[0]) for name in explanation.coords["glm_input"]])


def _global(explanation_or_estimator):
    """A global feature leveling explanation, taken from an estimator when given one."""
    if hasattr(explanation_or_estimator, "explain_global"):
        return explanation_or_estimator.explain_global()
    return explanation_or_estimator


def _runs(flags):
    """``(start, length)`` of every run of True in a 1-d boolean array."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return list(zip(starts, ends - starts))


def _panel_axes(ax, n_panels, heights, width):
    """``n_panels`` Axes: stacked in a new figure or in the place of the one Axes ``ax``, or ``ax`` itself."""
    plt = pyplot()
    if ax is None:
        figure = plt.figure(figsize=(width, sum(heights)), layout="constrained")
        return np.array(figure.subplots(n_panels, 1, height_ratios=heights, squeeze=False)[:, 0])
    if hasattr(ax, "get_subplotspec"):  # one Axes: a grid of panels in its place
        if ax.get_subplotspec() is None:
            raise ValueError("ax must be part of a grid (e.g. from plt.subplots) "
                             f"or a sequence of {n_panels} Axes")
        figure = ax.figure
        grid = ax.get_subplotspec().subgridspec(n_panels, 1, height_ratios=heights)
        ax.remove()
        return np.array([figure.add_subplot(grid[i, 0]) for i in range(n_panels)])
    axes = np.asarray(ax, dtype=object).ravel()
    if len(axes) != n_panels:
        raise ValueError(f"ax must hold {n_panels} Axes (one per hidden layer, then the GLM), "
                         f"got {len(axes)}")
    return axes


def _heatmap(ax, values, mask, limit, cmap, columns, rows, max_labels, column_colors=None):
    """Draw ``values``, the ``mask``-ed columns grey and hatched; tick labels unless there are too many.

    Returns the image.
    """
    plt = pyplot()
    grid = np.ma.masked_array(values, mask=np.broadcast_to(mask, values.shape))
    image = ax.imshow(grid, cmap=plt.get_cmap(cmap).with_extremes(bad="0.88"), vmin=-limit, vmax=limit,
                      aspect="auto", interpolation="nearest")
    from matplotlib.patches import Rectangle

    for start, length in _runs(mask):
        ax.add_patch(Rectangle((start - 0.5, -0.5), length, values.shape[0], **HATCH))
    if len(columns) <= max_labels:
        ax.set_xticks(range(len(columns)), columns, rotation=60, ha="right", rotation_mode="anchor",
                      fontsize=7)
        for label, color in zip(ax.get_xticklabels(), column_colors or ()):
            label.set_color(color)
    else:
        ax.set_xticks([])
    if len(rows) <= max_labels:
        ax.set_yticks(range(len(rows)), rows, fontsize=7)
    else:
        ax.set_yticks([])
    return image


@register_plot("feature_leveling", "global", "weights", default=True)
def plot_leveling_weights(explanation_or_estimator, ax=None, shared_scale=False, cmap="RdBu",
                          max_labels=MAX_LABELS):
    """Every hidden layer's and the GLM's weights as heatmaps, with the gates: the paper's Fig. 2.

    One panel per hidden layer k shows its weights ``layer_weights_k``: a
    row per unit of level k + 1 (the layer's units), a column per unit of
    level k (its inputs), labelled by name. A column whose gate is 0 does not
    enter the layer (its unit goes straight to the GLM): it is masked (grey,
    hatched) and its label is orange. A last panel shows the GLM's weights
    ``glm_weights``: a row per class (or output), a column per GLM input,
    grouped by level (levels named on top, black lines between them). A
    column whose gate is 1 sends nothing to the GLM (its GLM input is
    ``(1 - gate) * a = 0``, the unit goes only into the next layer): it is
    masked and hatched (grey label); an orange label marks a gate of 0, a
    unit that reaches the GLM whole. A gate strictly between 0 and 1 splits
    its unit between both routes, so the column shows in both panels; each
    panel's title counts such gates. The last hidden layer's units always reach the
    GLM.

    The colormap is diverging and centred at 0 (blue positive, red
    negative). By default each panel has its own symmetric scale, ±max|w|
    of the weights it shows, and its own colour bar: a regressor's GLM
    weights are in the units of y, which may be far from the hidden layers'
    scale. With ``shared_scale=True`` all panels share ±max|w| over every
    panel and one colour bar. Above ``max_labels`` columns (or rows) a
    panel drops its tick labels, so MNIST-sized layers (784 inputs, 300
    units) stay legible. The first panel's title gives the pruned
    architecture in the paper's notation (``explanation["architecture"]``).

    Parameters
    ----------
    explanation_or_estimator : Explanation, FeatureLevelingClassifier or FeatureLevelingRegressor
        A global feature leveling explanation, or the fitted estimator to
        take it from.
    ax : matplotlib Axes or sequence of Axes, default=None
        Where to draw: None makes a new figure with the K + 1 panels stacked
        vertically; a sequence of K + 1 Axes (K hidden layers, then the GLM)
        is drawn into in order; a single Axes that is part of a grid (e.g.
        from ``plt.subplots``) is replaced by the K + 1 panels in its place.
    shared_scale : bool, default=False
        One colour scale for all panels instead of one per panel.
    cmap : str, default="RdBu"
        A diverging colormap.
    max_labels : int, default=40
        The most columns (and rows) a panel labels.

    Returns
    -------
    axes : ndarray of matplotlib Axes of shape (K + 1,)
        The panels: hidden layers 1..K, then the GLM. Each one's heatmap is
        ``axes[i].images[0]``; its ``get_array()`` is a masked array.

    Raises
    ------
    ValueError
        When ``ax`` is a sequence of the wrong length.
    """
    explanation = _global(explanation_or_estimator)
    levels = [str(level) for level in explanation.coords["level"]]
    n_layers = len(levels) - 1
    gates = np.asarray(explanation["gates"], dtype=float)
    level_of = _level_of(explanation)
    glm_names = [str(name) for name in explanation.coords["glm_input"]]
    weights = [np.asarray(explanation[f"layer_weights_{k}"], dtype=float) for k in range(1, n_layers + 1)]
    glm = np.asarray(explanation["glm_weights"], dtype=float)
    output_axis = explanation.dims["glm_weights"][0]
    outputs = ([f"class {label}" for label in explanation.coords["class"]] if output_axis == "class"
               else [f"output {i}" for i in range(glm.shape[0])])
    n_cols = max(len(glm_names), *(w.shape[1] for w in weights))
    width = float(np.clip(3.5 + 0.2 * min(n_cols, max_labels), 7.0, 14.0))
    label_room = 1.3 if n_cols <= max_labels else 0.4
    heights = [1.0 + label_room + 0.16 * min(w.shape[0], 25) for w in weights]
    heights.append(1.3 + label_room + 0.16 * min(glm.shape[0], 25))
    axes = _panel_axes(ax, n_layers + 1, heights, width)
    limits = [np.abs(w).max(initial=0.0) or 1.0 for w in (*weights, glm)]
    if shared_scale:
        limits = [max(limits)] * len(limits)
    images = []
    for k, (panel, w) in enumerate(zip(axes, weights), start=1):
        layer_gates = gates[level_of == k - 1]
        closed = layer_gates == 0
        columns = [str(name) for name in explanation.coords[f"unit_{k}"]]
        rows = [str(name) for name in explanation.coords[f"unit_{k + 1}"]]
        colors = ["tab:orange" if shut else "black" for shut in closed]
        images.append(_heatmap(panel, w, closed, limits[k - 1], cmap, columns, rows, max_labels, colors))
        split = int(np.count_nonzero((layer_gates > 0) & (layer_gates < 1)))
        panel.set_title(f"hidden layer {k}: W_{k}, {w.shape[0]} units x {w.shape[1]} inputs (level "
                        f"{levels[k - 1]} units)\nhatched, orange: {SENT} ({closed.sum()} of {len(closed)}); "
                        f"{split} split (0 < gate < 1)", fontsize=9)
        panel.set_ylabel(f"level {levels[k]} unit", fontsize=8)
        if len(columns) > max_labels:
            panel.set_xlabel(f"{len(columns)} inputs (level {levels[k - 1]} units; names not shown)",
                             fontsize=8)
    panel = axes[-1]
    silent = (gates >= 1) & (level_of < n_layers)
    glm_colors = ["0.5" if off else "tab:orange" if gate == 0 and level < n_layers else "black"
                  for off, gate, level in zip(silent, gates, level_of)]
    images.append(_heatmap(panel, glm, silent, limits[-1], cmap, glm_names, outputs, max_labels, glm_colors))
    starts = np.flatnonzero(np.diff(level_of, prepend=-1))
    for start in starts[1:]:
        panel.axvline(start - 0.5, color="black", linewidth=1.2)
    ends = [*starts[1:], len(glm_names)]
    top = panel.secondary_xaxis("top")
    top.set_xticks([(s + e - 1) / 2 for s, e in zip(starts, ends)], [levels[level_of[s]] for s in starts],
                   fontsize=8)
    top.tick_params(length=0)
    split = int(np.count_nonzero((gates > 0) & (gates < 1)))
    units = "" if output_axis == "class" else " (in the units of y)"
    panel.set_title(f"GLM weights{units}, inputs grouped by level\nhatched: {SILENT} ({silent.sum()} of "
                    f"{len(silent)}); orange: gate = 0; {split} split (0 < gate < 1)", fontsize=9)
    if len(glm_names) > max_labels:
        panel.set_xlabel(f"{len(glm_names)} GLM inputs (names not shown)", fontsize=8)
    architecture = str(np.asarray(explanation["architecture"]).item())
    pruned = explanation.meta.get("pruned_layers") or []
    note = f"; pruned hidden layers: {', '.join(map(str, pruned))}" if pruned else ""
    axes[0].set_title(f"Feature leveling network {architecture} (* the GLM also reads every earlier level)"
                      f"{note}\n" + axes[0].get_title(), fontsize=9)
    figure = axes[0].figure
    if shared_scale:
        figure.colorbar(images[0], ax=list(axes), label="weight (one scale for all panels)", shrink=0.8)
    else:
        for panel, image in zip(axes, images):
            figure.colorbar(image, ax=panel, label="weight", shrink=0.9)
    return axes


@register_plot("feature_leveling", "global", "levels")
def plot_leveling_levels(explanation_or_estimator, ax=None):
    """Per level, the share of units sent to the GLM and the AAV of their GLM weights: the paper's Fig. 4.

    Left bars (left axis, %): the share of a level's units whose gate is 0,
    which go only to the GLM, ``1 - open_fraction`` (the last level, the
    last hidden layer, always 100%); stacked on them, hatched, the share
    whose gate is strictly between 0 and 1, split between the GLM and the
    next layer. Right bars (right axis): the AAV, the average absolute GLM
    weight of the units whose gate is 0 (``aav``, §5.2); a level that sends
    no unit whole to the GLM has none (NaN, no bar, marked "none").

    Parameters
    ----------
    explanation_or_estimator : Explanation, FeatureLevelingClassifier or FeatureLevelingRegressor
        A global feature leveling explanation, or the fitted estimator to
        take it from.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None. The AAV bars are drawn on a
        twin Axes sharing its x axis (``ax.figure.axes``).

    Returns
    -------
    ax : matplotlib Axes
        The Axes of the shares; its first ``n_levels`` patches are the share
        bars, the next ``n_levels`` the split bars.
    """
    explanation = _global(explanation_or_estimator)
    levels = [str(level) for level in explanation.coords["level"]]
    n_levels = len(levels)
    level_of = _level_of(explanation)
    gates = np.asarray(explanation["gates"], dtype=float)
    sent = np.append(1.0 - np.asarray(explanation["open_fraction"], dtype=float), 1.0)
    split = np.array([np.mean((gates[level_of == k] > 0) & (gates[level_of == k] < 1)) if k < n_levels - 1
                      else 0.0 for k in range(n_levels)])
    aav = np.asarray(explanation["aav"], dtype=float)
    ax = new_axes(ax, figsize=(max(5.0, 1.2 * n_levels + 3.0), 4.2))
    x = np.arange(n_levels)
    colors = _level_colors(n_levels)
    ax.bar(x - 0.2, 100 * sent, width=0.38, color=colors, label="sent to the GLM (gate = 0), %")
    stacked = ax.bar(x - 0.2, 100 * split, width=0.38, bottom=100 * sent, color="white", edgecolor=colors,
                     hatch="///", label="split (0 < gate < 1), %")
    ax.bar_label(stacked, labels=[f"{100 * s:.0f}%" + (f"\n+{100 * h:.0f}% split" if h else "")
                                  for s, h in zip(sent, split)], padding=2, fontsize=7)
    ax.set_ylim(0, 140)
    ax.set_ylabel("share of the level's units (%)")
    twin = ax.twinx()
    bars = twin.bar(x + 0.2, aav, width=0.38, color="0.35", label="AAV of the GLM weights")
    twin.bar_label(bars, labels=["" if np.isnan(a) else format_value(a) for a in aav], padding=2, fontsize=7)
    for position in np.flatnonzero(np.isnan(aav)):
        twin.text(x[position] + 0.2, 0, "none", ha="center", va="bottom", fontsize=7, color="0.35")
    finite = aav[np.isfinite(aav)]
    twin.set_ylim(0, 1.4 * (finite.max() if len(finite) and finite.max() > 0 else 1.0))
    twin.set_ylabel("AAV: mean |GLM weight|\nof the units sent (gate = 0)")
    ax.set_xticks(x, levels)
    ax.set_xlabel(LEVELS_NOTE, fontsize=8)
    handles = [*ax.get_legend_handles_labels()[0], *twin.get_legend_handles_labels()[0]]
    ax.legend(handles=handles, fontsize=7, loc="upper left")
    architecture = str(np.asarray(explanation["architecture"]).item())
    ax.set_title(f"Feature leveling network {architecture}\nper level: units sent to the GLM, and their AAV",
                 fontsize=10)
    return ax


def _local_target(explanation, target):
    """``(axis, index)`` of the class or output explained; None means the predicted class, or output 0."""
    require_one_sample(explanation, "level_contributions")
    axis = explanation.dims["level_contributions"][-2]
    default = explanation["predicted_class"].item() if axis == "class" else None
    return axis, target_index(explanation, axis, target, default)


def _about(explanation, axis, k):
    """What the bars explain and the total they make with the intercept, for titles and labels."""
    name = target_name(explanation, axis, k)
    if axis == "class":
        label = explanation.coords["class"][k]
        predicted = " (predicted)" if label == explanation["predicted_class"].item() else ""
        about = f"{name}{predicted}, p={explanation['probabilities'][k]:.3f}"
        return about, f"logit({label})", explanation["logits"][k]
    return name, f"prediction ({name})", explanation["predictions"][k]


@register_plot("feature_leveling", "local", "levels", default=True)
def plot_level_contributions(explanation, ax=None, target=None):
    """One sample's contribution of each level to one class's logit, or to a prediction.

    One bar per level (``level_contributions`` of the class or output shown,
    coloured by level, value on the bar): the sum of the GLM weight times the
    GLM input over the level's units. The bars plus the GLM's intercept make
    the logit (classifier) or the prediction (regressor), both given in the
    title.

    Parameters
    ----------
    explanation : Explanation
        A local feature leveling explanation of one sample
        (``est.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label or int, default=None
        For a classifier, the class explained; None means the predicted
        class. For a regressor, the index of the output; None means 0.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        For an explanation of several samples, or an unknown ``target``.
    """
    axis, k = _local_target(explanation, target)
    values = np.asarray(explanation["level_contributions"][k], dtype=float)
    levels = [str(level) for level in explanation.coords["level"]]
    ax = new_axes(ax, figsize=(max(6.0, 0.9 * len(levels) + 3.0), 4.0))
    bars = ax.bar(range(len(levels)), values, color=_level_colors(len(levels)))
    ax.bar_label(bars, labels=[format_value(value) for value in values], padding=2, fontsize=7)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.margins(y=0.15)
    ax.set_xticks(range(len(levels)), levels)
    ax.set_xlabel(LEVELS_NOTE, fontsize=8)
    about, total, output = _about(explanation, axis, k)
    intercept = explanation["intercept"][k]
    ax.set_ylabel("sum of GLM weight x GLM input")
    ax.set_title(f"{sample_prefix(explanation)}feature leveling: each level's contribution\nto {about}\n"
                 f"bars + intercept {format_value(intercept)} = {total} = {format_value(output)}", fontsize=9)
    return ax


@register_plot("feature_leveling", "local", "contributions")
def plot_glm_contributions(explanation, ax=None, target=None, n_inputs=10):
    """One sample's largest GLM-input contributions to one class's logit, or to a prediction.

    Horizontal bars of ``contributions`` (GLM weight x GLM input) of the
    class or output shown, the ``n_inputs`` largest by absolute value first,
    labelled with the input's name (``"L1:<feature>"``, ``"L<k+1>:h<j>"``)
    and coloured by its level; one grey bar holds the sum of the others, so
    the bars plus the intercept make the logit or the prediction.

    Parameters
    ----------
    explanation : Explanation
        A local feature leveling explanation of one sample
        (``est.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label or int, default=None
        For a classifier, the class explained; None means the predicted
        class. For a regressor, the index of the output; None means 0.
    n_inputs : int or None, default=10
        How many GLM inputs get their own bar; all of them when None.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        For an explanation of several samples, an unknown ``target``, or
        ``n_inputs`` < 1.
    """
    axis, k = _local_target(explanation, target)
    if n_inputs is not None and (not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1):
        raise ValueError(f"n_inputs={n_inputs!r} must be a positive int or None")
    values = np.asarray(explanation["contributions"][k], dtype=float)
    names = [str(name) for name in explanation.coords["glm_input"]]
    levels = [str(level) for level in explanation.coords["level"]]
    level_of = _level_of(explanation)
    colors = _level_colors(len(levels))
    order = np.argsort(-np.abs(values), kind="stable")
    shown, rest = order[:n_inputs], order[len(order) if n_inputs is None else n_inputs:]
    bars = list(values[shown])
    labels = [names[i] for i in shown]
    bar_colors = [colors[level_of[i]] for i in shown]
    if len(rest):
        bars.append(values[rest].sum())
        labels.append(f"other {len(rest)} inputs (sum)")
        bar_colors.append("0.6")
    ax = new_axes(ax, figsize=(7, 1.8 + 0.27 * len(bars)))
    ax.barh(range(len(bars)), bars, color=bar_colors)
    ax.set_yticks(range(len(bars)), labels, fontsize=8)
    ax.set_ylim(len(bars) - 0.5, -0.5)  # largest first, at the top
    ax.axvline(0, color="black", linewidth=0.8)
    from matplotlib.patches import Patch

    present = sorted({level_of[i] for i in shown})
    ax.legend(handles=[Patch(color=colors[j], label=f"level {levels[j]}") for j in present], fontsize=7,
              loc="best")
    about, total, output = _about(explanation, axis, k)
    intercept = explanation["intercept"][k]
    ax.set_xlabel(f"contribution: GLM weight x GLM input;  bars + intercept {format_value(intercept)} = "
                  f"{total} = {format_value(output)}", fontsize=9)
    ax.set_title(f"{sample_prefix(explanation)}feature leveling: largest GLM-input contributions\n"
                 f"to {about}, sorted by |contribution|, coloured by level", fontsize=9)
    return ax
