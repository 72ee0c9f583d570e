"""Plots of :class:`~sklearn_interp.contrastive.ContrastiveExplainer` explanations (CDeepEx, xGEMs)."""

import numpy as np

from ._base import new_axes, pyplot, require_one_sample, sample_prefix
from ._registry import register_plot


def _as_picture(values):
    """One input as a 2-D array (grayscale) or (H, W, 3) (RGB); a tabular row as a 1 x p strip."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        return values[None]
    return values[0] if values.shape[0] == 1 else values.transpose(1, 2, 0)


@register_plot("contrastive", "local", "contrast", default=True)
def plot_contrast(explanation, ax=None):
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

    Returns
    -------
    ax : matplotlib Axes
        Holding five images: the input, G(z0), G(ze), and the gray input and
        the RGBA difference map of the last panel.

    Raises
    ------
    ValueError
        For an explanation of several samples.
    """
    require_one_sample(explanation, "explanation")
    plt = pyplot()
    pictures = [_as_picture(explanation[key]) for key in ("input", "reconstruction", "contrast")]
    change = -np.asarray(explanation["explanation"], dtype=float)  # G(ze) - G(z0): red adds, blue removes
    change = change.sum(axis=0) if change.ndim == 3 else change[None]
    limit = max(np.abs(change).max(), np.finfo(float).tiny)
    overlay = plt.get_cmap("bwr")(0.5 + 0.5 * change / limit)
    overlay[..., 3] = np.abs(change) / limit
    low = min(float(np.nanmin(picture)) for picture in pictures)
    high = max(float(np.nanmax(picture)) for picture in pictures)
    height, width = pictures[0].shape[:2]
    gap = max(1.0, width / 4)
    ax = new_axes(ax, figsize=(8, 2.6 if height > 1 else 1.6))
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
    true, probe = explanation["true_class"].item(), explanation["probe_class"].item()
    classes = list(np.asarray(explanation.coords["class"]).tolist())
    after = explanation["proba_after"]
    ok = "constraints " + ("satisfied" if explanation["constraints_satisfied"].item() else "NOT satisfied")
    formulation = {"cdeepex": "CDeepEx", "xgems": "xGEMs"}.get(explanation.meta.get("formulation"), "")
    ax.set_title(f"{sample_prefix(explanation)}{formulation}: why {true} and not {probe}?  At G(ze): "
                 f"p({true})={after[classes.index(true)]:.2f}, p({probe})={after[classes.index(probe)]:.2f}, "
                 f"{ok}", fontsize=9)
    return ax
