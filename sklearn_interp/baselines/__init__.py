"""Post-hoc explainers of any fitted model, wrapped from their own libraries, to compare with.

Each explainer takes a fitted scikit-learn classifier or regressor, is fitted
on background (training) data and returns the same
:class:`~sklearn_interp.Explanation` as this package's models: the
attribution of every feature to every class's probability (or every
regression output), in ``contributions`` (sample, class|output, feature).
The libraries are optional: ``pip install 'sklearn-interp[baselines]'``
installs all three (or the extras ``lime``, ``shap``, ``captum``).

- :class:`LimeExplainer`: LIME (Ribeiro et al., 2016), from ``lime``.
- :class:`KernelShapExplainer`: Kernel SHAP (Lundberg & Lee, 2017), from ``shap``.
- :class:`IntegratedGradientsExplainer`: integrated gradients
  (Sundararajan et al., 2017), from ``captum``, for torch-backed estimators.
"""

from ._captum import IntegratedGradientsExplainer
from ._lime import LimeExplainer
from ._shap import KernelShapExplainer

__all__ = ["IntegratedGradientsExplainer", "KernelShapExplainer", "LimeExplainer"]
