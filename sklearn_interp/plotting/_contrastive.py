"""Plots of :class:`~sklearn_interp.contrastive.ContrastiveExplainer` explanations (CDeepEx, xGEMs)."""

import numpy as np

from ._base import format_value, new_axes, pyplot, require_one_sample, sample_prefix
from ._registry import register_plot


def _as_picture(values):
    """One image (C, H, W) as a 2-D array (grayscale) or (H, W, 3) (RGB)."""
    values = np.asarray(values, dtype=float)
    return values[0] if values.shape[0] == 1 else values.transpose(1, 2, 0)


@register_plot("contrastive", "local", "contrast", default=True)
def plot_contrast(explanation, ax=None, n_features=10):
    """Input, G(z0), G(ze) and the paper's difference map (Fig. 3) of one sample.

    Four panels side by side: the input x, its reconstruction G(z0)
    (Procedure 2), the contrast G(ze) (eq. 2), and the input in gray with the
    change from G(z0) to G(ze) drawn over it: red where the contrast adds
    (G(ze) > G(z0)) and blue where it removes, with opacity growing with the
    change's size (Fig. 3: to move from the true to the probe class). The
    absence of the red and the presence of the blue regions explain why the
    input is its true class and not the probe.

    Parameters
    ----------
    explanation : Explanation
        A local contrastive explanation of one sample
        (``explainer.explain(X)[i]``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    n_features : int, default=10
        Tabular inputs: how many features to show, those with the largest
        changes.

    Returns
    -------
    ax : matplotlib Axes
        Images: five images, the input, G(z0), G(ze), and the gray input
        and the RGBA difference map of the last panel. Tabular inputs: one
        horizontal bar per feature shown, the change G(ze) - G(z0) in
        standard deviations of the feature (``meta["feature_scale"]``), red
        for an increase and blue for a decrease, labelled with the feature's
        name and its values in G(z0) and G(ze).

    Raises
    ------
    ValueError
        For an explanation of several samples.
    """
    require_one_sample(explanation, "explanation")
    if np.ndim(explanation["input"]) == 1:
        ax = _plot_tabular(explanation, ax, n_features)
    else:
        ax = _plot_image(explanation, ax)
    _set_title(explanation, ax)
    return ax


def _plot_image(explanation, ax):
    plt = pyplot()
    pictures = [_as_picture(explanation[key]) for key in ("input", "reconstruction", "contrast")]
    change = -np.asarray(explanation["explanation"], dtype=float)  # G(ze) - G(z0): red adds, blue removes
    change = change.sum(axis=0)
    limit = max(np.abs(change).max(), np.finfo(float).tiny)
    overlay = plt.get_cmap("bwr")(0.5 + 0.5 * change / limit)
    overlay[..., 3] = np.abs(change) / limit
    low = min(float(np.nanmin(picture)) for picture in pictures)
    high = max(float(np.nanmax(picture)) for picture in pictures)
    height, width = pictures[0].shape[:2]
    gap = max(1.0, width / 4)
    ax = new_axes(ax, figsize=(8, 2.6))
    titles = ["input x", "G(z0)", "G(ze)", "G(ze) − G(z0)\nred: add, blue: remove"]
    for j, picture in enumerate([*pictures, pictures[0], overlay]):
        panel = min(j, 3)
        left = panel * (width + gap)
        extent = (left - 0.5, left + width - 0.5, height - 0.5, -0.5)
        if j < 4:  # the inputs, in gray (or RGB) on one scale
            ax.imshow(picture, cmap="gray", vmin=low, vmax=high, extent=extent, interpolation="nearest",
                      alpha=0.45 if j == 3 else None)
            ax.text(left + width / 2 - 0.5, -1, titles[panel], ha="center", va="bottom", fontsize=8)
        else:  # the difference map over the faded input
            ax.imshow(picture, extent=extent, interpolation="nearest")
    ax.set_xlim(-0.5, 4 * width + 3 * gap - 0.5)
    ax.set_ylim(height - 0.5, -0.5 - max(2.0, height / 3))
    ax.set_axis_off()
    return ax


def _plot_tabular(explanation, ax, n_features):
    """Bars of the largest changes G(ze) - G(z0), in standard deviations, with the values in units of X."""
    plt = pyplot()
    before = np.asarray(explanation["reconstruction"], dtype=float)
    after = np.asarray(explanation["contrast"], dtype=float)
    scale = np.asarray(explanation.meta.get("feature_scale", np.ones_like(before)), dtype=float)
    change = (after - before) / scale
    names = np.asarray(explanation.coords.get("feature", [f"x{i}" for i in range(len(change))]))
    shown = np.argsort(-np.abs(change), kind="stable")[:n_features][::-1]
    ax = new_axes(ax, figsize=(7, 0.8 + 0.35 * len(shown)))
    limit = max(np.abs(change).max(), np.finfo(float).tiny)
    ax.barh(np.arange(len(shown)), change[shown], color=plt.get_cmap("bwr")(0.5 + 0.5 * change[shown] / limit))
    ax.set_yticks(np.arange(len(shown)), [f"{names[j]}: {format_value(before[j])} → {format_value(after[j])}"
                                          for j in shown], fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("G(ze) − G(z0), in standard deviations (red: increase, blue: decrease)")
    return ax


def _set_title(explanation, ax):
    true, probe = explanation["true_class"].item(), explanation["probe_class"].item()
    classes = list(np.asarray(explanation.coords["class"]).tolist())
    after = explanation["proba_after"]
    ok = "constraints " + ("satisfied" if explanation["constraints_satisfied"].item() else "NOT satisfied")
    formulation = {"cdeepex": "CDeepEx", "xgems": "xGEMs"}.get(explanation.meta.get("formulation"), "")
    ax.set_title(f"{sample_prefix(explanation)}{formulation}: why {true} and not {probe}?  At G(ze): "
                 f"p({true})={after[classes.index(true)]:.2f}, p({probe})={after[classes.index(probe)]:.2f}, "
                 f"{ok}", fontsize=9)
