"""Matplotlib views of explanations, looked up by method, scope and kind.

matplotlib is imported only when a plot is drawn. Each method's plots live in
their own module, listed in ``PLOT_MODULES``, and register themselves with
:func:`register_plot`; ``Explanation.plot`` finds them with :func:`get_plot`.
"""

from ._base import image_mosaic
from ._baselines import plot_feature_contributions
from ._contrastive import plot_contrast
from ._leveling import (
    plot_glm_contributions,
    plot_level_contributions,
    plot_leveling_levels,
    plot_leveling_weights,
)
from ._prototype import plot_class_weights, plot_margin, plot_prototypes
from ._registry import get_plot, register_plot
from ._representer import plot_example_contributions, plot_explaining_examples, plot_global_examples
from ._senn import plot_concept_grounding, plot_contributions, plot_relevance_grid, plot_relevances

__all__ = ["get_plot", "image_mosaic", "plot_class_weights", "plot_concept_grounding", "plot_contrast",
           "plot_contributions", "plot_example_contributions", "plot_explaining_examples", "plot_feature_contributions",
           "plot_global_examples", "plot_glm_contributions", "plot_level_contributions",
           "plot_leveling_levels", "plot_leveling_weights", "plot_margin", "plot_prototypes",
           "plot_relevance_grid", "plot_relevances", "register_plot"]
