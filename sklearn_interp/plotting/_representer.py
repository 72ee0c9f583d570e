"""Plots of :class:`~sklearn_interp.SparseRepresenterClassifier` and
:class:`~sklearn_interp.SparseRepresenterRegressor` explanations (Iwata & Yoshikawa).

An explanation uses U training examples x_n, each with an influence α on one
class (or output) c. Its contribution to class c for a sample x is α times the
similarity k = f(x_n)ᵀf(x) (eq. 3), and 0 to every other class; the
contributions to a class sum to the explanation model's score for it (eq. 21).
The plots show both an example's own training label (``example_labels``,
headed "label", or "target" for a regressor) and the class its influence acts
on (``example_classes``, headed "acts on class"): they often differ, since an
example of one class can push samples towards another.
"""

import numpy as np

from ._base import (
    format_value,
    image_mosaic,
    new_axes,
    require_one_sample,
    sample_prefix,
    target_index,
    target_name,
)
from ._registry import register_plot

NOT_STORED = "training rows not stored (store_training_data=False): indices only"
# Heading of an example's own training label (``example_labels``), by the axis the influences act on.
OWN = {"class": "label", "output": "target"}


def _axis(explanation):
    """``"class"`` or ``"output"``: the axis the influences act on (named in the coords)."""
    return "output" if "output" in explanation.coords else "class"


def _target(explanation, target):
    """``(axis, index)`` of ``target``; None means h's class (classifier) or output 0."""
    axis = _axis(explanation)
    default = explanation["explained_class"].item() if axis == "class" else None
    return axis, target_index(explanation, axis, target, default)


def _legend(axis):
    """What the label and "acts on" columns mean, for a title."""
    return (f"{OWN[axis]}: the example's own training {OWN[axis]}; acts on {axis}: the {axis} its "
            "influence α acts on")


def _has_images(explanation):
    """Whether the examples are images stored in the explanation (and there is at least one)."""
    return bool(explanation.meta.get("image")) and len(explanation.data.get("examples", ())) > 0


def _headline(explanation, axis, k):
    """What g predicts and what the U-example explanation model h says, for the title."""
    U = len(explanation["influences"])
    if axis == "output":
        return (f"g predicts {explanation['predictions'][k]:.4g}, the {U}-example model h "
                f"{explanation['scores'][k]:.4g} ({target_name(explanation, axis, k)})")
    predicted, explained = explanation["predicted_class"].item(), explanation["explained_class"].item()
    unfaithful = "" if predicted == explained else "  (unfaithful, eq. 5)"
    return f"g predicts class {predicted}, the {U}-example model h class {explained}{unfaithful}"


def _feature_columns(explanation, order, features, max_features):
    """Headers and rows of the feature values of the examples in ``order``, and a note on what is shown."""
    if "examples" not in explanation.data:
        return [], np.empty((len(order), 0)), NOT_STORED
    if explanation.meta.get("image"):  # images (there are none to show) have no feature columns
        return [], np.empty((len(order), 0)), ""
    examples = explanation["examples"][order]
    names = np.asarray(explanation.coords.get("feature", [f"x{i}" for i in range(examples.shape[1])]))
    if features is not None:
        positions = {str(name): i for i, name in enumerate(names)}
        unknown = [name for name in features if str(name) not in positions]
        if unknown:
            raise ValueError(f"features {unknown} are not among the features {names.tolist()}")
        columns = [positions[str(name)] for name in features]
    else:
        columns = list(range(len(names) if max_features is None else min(max_features, len(names))))
    note = "" if len(columns) == len(names) else f"{len(columns)} of {len(names)} features shown"
    return [str(names[i]) for i in columns], examples[:, columns], note


def _table(ax, headers, rows, title, colors=None):
    """A matplotlib table of ``rows`` (lists of str) under ``headers``, in ``ax`` or a new figure."""
    if not rows:  # no examples: every influence is 0
        rows, colors = [["none"] + [""] * (len(headers) - 1)], None
    widths = [max(len(text) for text in column) for column in zip(headers, *rows)]
    ax = new_axes(ax, figsize=(0.5 + 0.075 * sum(widths) + 0.15 * len(headers), 1.0 + 0.25 * (len(rows) + 1)))
    table = ax.table(cellText=rows, colLabels=headers, cellColours=colors, cellLoc="center",
                     bbox=(0, 0, 1, 1))
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.auto_set_column_width(list(range(len(headers))))
    for (row, _), cell in table.get_celld().items():
        if row == 0:
            cell.set_text_props(fontweight="bold")
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)
    return ax


def _mosaic(ax, images, labels, n_cols, row_labels=None):
    """Images tiled with ``image_mosaic``, each with its label above it; rows labelled on the left.

    ``images`` may hold all-NaN tiles (left empty). Grey images share one
    scale, from the smallest to the largest value shown, in the units of X.
    """
    height, width = images.shape[-2:]
    pad = max(3, height // 2)  # room for two lines of label above each tile
    mosaic, n_cols = image_mosaic(images, n_cols, pad)
    n_rows = -(-len(images) // n_cols)
    margin = width + pad if row_labels is not None else 0
    ax = new_axes(ax, figsize=(1.3 * n_cols + 0.3 + 0.9 * (margin > 0), 1.3 * n_rows + 0.8))
    low, high = np.nanmin(mosaic), np.nanmax(mosaic)
    if mosaic.ndim == 3:  # RGB: scaled onto [0, 1], white between tiles
        ax.imshow(np.nan_to_num(np.clip((mosaic - low) / ((high - low) or 1.0), 0, 1), nan=1.0))
    else:
        ax.imshow(mosaic, cmap="gray", vmin=low, vmax=high)
    ax.set_xlim(-margin - 0.5, mosaic.shape[1] - 0.5)
    ax.set_ylim(mosaic.shape[0] - 0.5, -pad - 0.5)
    for j, label in enumerate(labels):
        row, col = divmod(j, n_cols)
        ax.text(col * (width + pad) + width / 2 - 0.5, row * (height + pad) - 0.8, label,
                ha="center", va="bottom", fontsize=7)
    for row, label in enumerate(row_labels or []):
        ax.text(-1.5, row * (height + pad) + height / 2 - 0.5, label, ha="right", va="center", fontsize=9)
    ax.set_axis_off()
    return ax


@register_plot("sparse_representer", "local", "examples", default=True)
def plot_explaining_examples(explanation, ax=None, target=None, features=None, max_features=8, n_cols=None):
    """The U training examples explaining one prediction, with their contributions to the target class.

    The examples come in the explanation's order (largest ``|influence|`` first).
    Each is shown with two classes that often differ: its own training label
    (``example_labels``, headed "label"; "target" for a regressor) and the
    class its influence α acts on (``example_classes``, headed "acts on
    class"). For images, a mosaic of the examples, each titled with its
    training row ``#n`` and label, then the class its influence acts on, its
    influence α and its contribution to the target class (α times its
    similarity to the sample when it acts on the target class, else 0). For
    tabular data, a table with one row per example: its training row, label,
    the class it acts on, influence, similarity, contribution to the target
    class and its feature values (in the units of X), the feature names as
    column headers. When the explanation holds no training rows (the model
    was fitted with ``store_training_data=False``), the table shows the same
    without the feature values, images included.

    Parameters
    ----------
    explanation : Explanation
        A local sparse representer explanation of one sample
        (``est.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label or int, default=None
        For a classifier, the class the contributions are to; None means the
        class the explanation model predicts (``explained_class``), which can
        differ from the model's prediction ``predicted_class`` (then the
        title says the explanation is unfaithful). For a regressor, the
        output index; None means 0.
    features : list of str, default=None
        Tabular data: the features shown, by name, in this order; None shows
        the first ``max_features``.
    max_features : int or None, default=8
        Tabular data without ``features``: how many of the first features
        are shown; None shows all.
    n_cols : int, default=None
        Images: tiles per row (about square when None).

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        For an explanation of several samples, an unknown ``target`` or an
        unknown feature name.
    """
    require_one_sample(explanation, "similarities")
    axis, k = _target(explanation, target)
    name = target_name(explanation, axis, k)
    title = (f"{sample_prefix(explanation)}{_headline(explanation, axis, k)}\n{_legend(axis)}\n"
             f"contribution to {name}: α·similarity if α acts on {name}, else 0")
    if _has_images(explanation):
        return _local_mosaic(explanation, ax, k, axis, title, n_cols)
    return _local_table(explanation, ax, k, axis, name, title, features, max_features)


def _local_mosaic(explanation, ax, k, axis, title, n_cols):
    contributions = explanation["contributions"][k]
    texts = [f"#{index} {OWN[axis]} {label}\nacts on {c}: α={influence:.2g}, {contribution + 0.0:+.2g}"
             for index, label, c, influence, contribution in zip(*_per_example(explanation), contributions)]
    ax = _mosaic(ax, explanation["examples"], texts, n_cols)
    ax.set_title(title + f"\ntile: #training row, {OWN[axis]}; acts on {axis}: α, contribution", fontsize=9)
    return ax


def _local_table(explanation, ax, k, axis, name, title, features, max_features):
    contributions = explanation["contributions"][k]
    order = np.arange(len(contributions))
    names, values, note = _feature_columns(explanation, order, features, max_features)
    headers = ["example", OWN[axis], f"acts on {axis}", "influence α", "similarity",
               f"contribution to {name}", *names]
    rows = [[str(index), label, str(c), *map(format_value, (influence, similarity, contribution, *row))]
            for index, label, c, influence, similarity, contribution, row in zip(
                *_per_example(explanation), explanation["similarities"], contributions, values)]
    colors = [["white"] * 5 + [_shade(value)] + ["white"] * len(names) for value in contributions]
    return _table(ax, headers, rows, title + (f"\n{note}" if note else ""), colors)


def _per_example(explanation):
    """The examples' training rows, own labels (text), the classes their influences act on, influences."""
    return (explanation["example_indices"], _label_texts(explanation), explanation["example_classes"],
            explanation["influences"])


def _label_texts(explanation):
    """Each example's own training label as text; a regressor's targets as numbers, joined by commas."""
    labels = explanation["example_labels"]
    if _axis(explanation) == "class":
        return [str(label) for label in labels]
    return [", ".join(map(format_value, np.atleast_1d(label))) for label in labels]


def _shade(value):
    """Light blue for a positive contribution, light red for a negative one, white for 0."""
    return "#cfe2f3" if value > 0 else "#f4cccc" if value < 0 else "white"


@register_plot("sparse_representer", "local", "contributions")
def plot_example_contributions(explanation, ax=None, target=None):
    """Bars of each of the U examples' contributions to the target class; they sum to its score.

    One bar per example, in the explanation's order (largest ``|influence|``
    first), labelled ``#n label l, acts on class c``: its training row, its
    own training label (``example_labels``; "target" for a regressor) and the
    class its influence acts on (``example_classes``), which often differ.
    An example acting on the target class contributes its
    influence α times its similarity k to the sample (written beside the
    bar); the others contribute 0. The bars sum to the explanation model's
    score for the target class (eq. 21), given in the x label; for a
    regressor a last grey bar holds the intercept (the mean of y, in whose
    units everything is). Positive bars are blue, negative ones red.

    Parameters
    ----------
    explanation : Explanation
        A local sparse representer explanation of one sample
        (``est.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label or int, default=None
        For a classifier, the class explained; None means the class the
        explanation model predicts (``explained_class``). For a regressor,
        the output index; None means 0.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        For an explanation of several samples or an unknown ``target``.
    """
    require_one_sample(explanation, "similarities")
    axis, k = _target(explanation, target)
    name, values = target_name(explanation, axis, k), explanation["contributions"][k]
    indices, labels, classes, _ = _per_example(explanation)
    colors = ["tab:blue" if value > 0 else "tab:red" if value < 0 else "tab:gray" for value in values]
    ticks = [f"#{index} {OWN[axis]} {label}, acts on {axis} {c}" for index, label, c in zip(indices, labels, classes)]
    notes = _bar_notes(explanation, axis, explanation.coords[axis][k])
    if "intercept" in explanation.keys():  # a regressor's h: the mean of y plus the contributions
        values = np.append(values, explanation["intercept"][k])
        colors, ticks, notes = colors + ["tab:gray"], ticks + ["intercept (mean of y)"], notes + [""]
    ax = new_axes(ax, figsize=(7, 1.8 + 0.3 * len(values)))
    container = ax.barh(range(len(values)), values, color=colors)
    ax.bar_label(container, labels=notes, padding=3, fontsize=7, color="0.25")
    ax.set_yticks(range(len(values)), ticks, fontsize=8)
    ax.set_ylim(max(len(values), 1) - 0.5, -0.5)  # the explanation's order, top down
    _room_for_notes(ax, values)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"contribution α·k to {name};  bars sum to the score of {name} = "
                  f"{explanation['scores'][k]:.4g}\nα: influence on its {axis}, k: similarity f(xₙ)ᵀf(x); "
                  f"examples acting on another {axis} contribute 0", fontsize=9)
    ax.set_ylabel(f"training example: its own {OWN[axis]}, the {axis} its α acts on")
    ax.set_title(f"{sample_prefix(explanation)}{_headline(explanation, axis, k)}\n"
                 f"contributions of the {len(values)} examples to {name}, largest |α| first", fontsize=10)
    return ax


def _room_for_notes(ax, values, share=0.45):
    """x limits leaving ``share`` of the bars' span beyond each side that has bars, for their notes."""
    low, high = float(np.min(values, initial=0.0)), float(np.max(values, initial=0.0))
    span = (high - low) or 1.0
    left, right = share if low < 0 else 0.05, share if high > 0 or low == 0 else 0.05
    ax.set_xlim(low - left * span, high + right * span)


def _bar_notes(explanation, axis, label):
    """``α=… × k=…`` beside the bars of the examples acting on class ``label``; the others' class."""
    return [f"α={format_value(influence)} × k={format_value(similarity)}" if c == label
            else f"acts on {axis} {c}"
            for _, _, c, influence, similarity in zip(*_per_example(explanation),
                                                      explanation["similarities"])]


@register_plot("sparse_representer", "global", "examples", default=True)
def plot_global_examples(explanation_or_estimator, ax=None, n_examples=None, features=None, max_features=8):
    """The training examples of the explanation model grouped by class: the paper's Fig. 4.

    Examples are grouped by the class their influence acts on
    (``example_classes``, classes in sorted order), largest ``|influence|``
    first within a class; that class is not the example's own training
    label (``example_labels``), which is shown beside it. For images, a
    mosaic with one row per class, labelled "acts on class c", each tile
    titled with its training row ``#n``, its label and influence α. For
    tabular data, a table sorted by class with the class acted on ("acts on
    class"), training row, own label ("label"; "target" for a regressor),
    influence and feature values (in the units of X) of each example.
    Without stored training rows, the table shows the same without the
    feature values, images included.

    Parameters
    ----------
    explanation_or_estimator : Explanation, SparseRepresenterClassifier or SparseRepresenterRegressor
        A global sparse representer explanation, or the fitted estimator to
        take it from (``explain_global(n_examples)``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    n_examples : int, default=None
        U: the first ``n_examples`` examples of an explanation, or the
        ``n_examples`` asked of an estimator; all of the explanation's, or
        the estimator's ``n_examples`` parameter, when None.
    features : list of str, default=None
        Tabular data: the features shown, by name; None shows the first
        ``max_features``.
    max_features : int or None, default=8
        Tabular data without ``features``: how many of the first features
        are shown; None shows all.

    Returns
    -------
    ax : matplotlib Axes
    """
    explanation = explanation_or_estimator
    if hasattr(explanation, "explain_global"):
        explanation, n_examples = explanation.explain_global(n_examples), None
    classes = explanation["example_classes"][:n_examples]
    order = np.argsort(classes, kind="stable")
    axis = _axis(explanation)
    title = (f"The {len(order)} training examples of the explanation model, grouped by the {axis} "
             f"their influence α acts on\n{_legend(axis)}")
    if _has_images(explanation) and len(order):
        return _global_mosaic(explanation, ax, order, axis, title)
    names, values, note = _feature_columns(explanation, order, features, max_features)
    indices, labels, _, influences = _per_example(explanation)
    rows = [[str(classes[i]), str(indices[i]), labels[i], *map(format_value, (influences[i], *row))]
            for i, row in zip(order, values)]
    return _table(ax, [f"acts on {axis}", "example", OWN[axis], "influence α", *names], rows,
                  title + (f"\n{note}" if note else ""))


def _global_mosaic(explanation, ax, order, axis, title):
    classes = explanation["example_classes"][order]
    labels, starts = np.unique(classes, return_index=True)
    counts = np.diff([*starts, len(order)])
    n_cols = int(counts.max(initial=1))
    examples, (indices, own, _, influences) = explanation["examples"], _per_example(explanation)
    tiles = np.full((len(labels) * n_cols, *examples.shape[1:]), np.nan)
    texts = [""] * len(tiles)
    for row, (start, count) in enumerate(zip(starts, counts)):
        for col, i in enumerate(order[start:start + count]):
            tiles[row * n_cols + col] = examples[i]
            texts[row * n_cols + col] = f"#{indices[i]} {OWN[axis]} {own[i]}\nα={influences[i]:.2g}"
    ax = _mosaic(ax, tiles, texts, n_cols, row_labels=[f"acts on {axis} {label}" for label in labels])
    ax.set_title(title + f"\ntile: #training row, {OWN[axis]}; influence α", fontsize=9)
    return ax
