"""Plots of the post-hoc explainers' explanations (:mod:`sklearn_interp.baselines`): LIME, Kernel SHAP and
integrated gradients."""

import numpy as np

from ._base import format_value, new_axes, require_one_sample, sample_prefix, target_index, target_name
from ._registry import register_plot

METHOD_NAMES = {"lime": "LIME", "kernel_shap": "Kernel SHAP", "integrated_gradients": "Integrated gradients"}


def _what_bars_sum_to(explanation, k, score_name, score):
    """The x label: what the method's contributions are, and what they add up to."""
    method, keys = explanation.meta.get("method"), explanation.keys()
    if method == "lime":
        label = f"LIME weight in the local linear model of {score_name} = {score:.4g}"
        if "intercepts" in keys and "local_r2" in keys:
            label += (f"\nintercept {format_value(explanation['intercepts'][k])}, "
                      f"weighted R² {explanation['local_r2'][k]:.2f}")
        if explanation.meta.get("discretize_continuous"):
            label += "; weight of the row's quartile bin of each feature"
        return label
    if "base_values" not in keys:
        return f"contribution to {score_name} = {score:.4g}"
    base = explanation["base_values"][k]
    if method == "kernel_shap":
        return (f"SHAP value; bars sum to {score_name} − its mean over the background\n"
                f"= {score:.4g} − {base:.4g}")
    return (f"integrated gradient; bars sum to about {score_name} − its value at the baseline\n"
            f"= {score:.4g} − {base:.4g}")


@register_plot("lime", "local", "contributions", default=True)
@register_plot("kernel_shap", "local", "contributions", default=True)
@register_plot("integrated_gradients", "local", "contributions", default=True)
def plot_feature_contributions(explanation, ax=None, target=None, n_features=None):
    """Contributions of one sample's features to one class or output, as bars, largest first.

    For explanations of :class:`~sklearn_interp.baselines.LimeExplainer`,
    :class:`~sklearn_interp.baselines.KernelShapExplainer` and
    :class:`~sklearn_interp.baselines.IntegratedGradientsExplainer`. The bars
    are ``contributions[target]``, sorted by absolute value and labelled with
    the feature names and their values; positive bars are blue, negative
    ones red. The x label says what the method's contributions add up to
    (SHAP: the score minus its background mean; integrated gradients: the
    score minus its value at the baseline; LIME: the weights of the local
    linear model, with its intercept and R²).

    Parameters
    ----------
    explanation : Explanation
        A local explanation of one sample (``explainer.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    target : label or int, default=None
        For a classifier, the class explained; None means the predicted
        class. For a regressor, the index of the output; None means 0.
    n_features : int, default=None
        Show only the ``n_features`` largest bars and one grey bar for the
        sum of the others; all of them when None.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        For an explanation of several samples, or an unknown ``target``.
    """
    require_one_sample(explanation, "contributions")
    axis = explanation.dims["contributions"][-2]
    predicted = explanation["predicted_class"].item() if axis == "class" else None
    k = target_index(explanation, axis, target, default=predicted)
    values = explanation["contributions"][k]
    names = explanation.coords.get("feature", np.arange(len(values)))
    order = np.argsort(-np.abs(values), kind="stable")
    shown = order if n_features is None else order[:n_features]
    rest = order[len(shown):]
    bars = list(values[shown])
    labels = [str(names[i]) for i in shown]
    colors = ["tab:blue" if value > 0 else "tab:red" for value in bars]
    if len(rest):
        bars.append(values[rest].sum())
        labels.append(f"other {len(rest)} features (sum)")
        colors.append("tab:gray")
    ax = new_axes(ax, figsize=(7, 1.6 + 0.27 * len(bars)))
    container = ax.barh(range(len(bars)), bars, color=colors)
    notes = [format_value(value) for value in bars]
    ax.bar_label(container, labels=notes, padding=3, fontsize=7, color="0.25")
    ax.set_yticks(range(len(bars)), labels, fontsize=8)
    ax.set_ylim(len(bars) - 0.5, -0.5)  # largest first, at the top
    ax.margins(x=0.18)
    ax.axvline(0, color="black", linewidth=0.8)
    name = target_name(explanation, axis, k)
    if axis == "class":
        label = explanation.coords["class"][k]
        score, score_name = explanation["probabilities"][k], f"p({label})"
        about = f"{name} (p={score:.3f}{', predicted' if label == predicted else ''})"
    else:
        score, score_name, about = explanation["predictions"][k], f"prediction ({name})", name
    ax.set_xlabel(_what_bars_sum_to(explanation, k, score_name, score), fontsize=9)
    method = explanation.meta.get("method")
    ax.set_title(f"{sample_prefix(explanation)}{METHOD_NAMES.get(method, method)} contributions to {about}\n"
                 "features sorted by |contribution|", fontsize=10)
    return ax
