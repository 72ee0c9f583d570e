"""Integrated gradients (Sundararajan et al., 2017), wrapped from ``captum``."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._removal import check_baseline
from ..base import NeuralEstimatorBase
from ._base import (BACKGROUND_ATTRIBUTES_DOC, PostHocExplainer, import_extra, is_skorch_net, torch_module_of,
                    torch_scores)

METHODS = {"riemann_right", "riemann_left", "riemann_middle", "riemann_trapezoid", "gausslegendre"}


class IntegratedGradientsExplainer(PostHocExplainer):
    __doc__ = f"""Integrated gradients of a fitted torch-backed model (Sundararajan et al., 2017).

    The attribution of feature j to the score f_c of class (or output) c at
    a row x is ``(x_j - x'_j)`` times the mean of ``df_c/dx_j`` along the
    straight path from the baseline x' to x, computed by
    ``captum.attr.IntegratedGradients``. The gradients are taken with respect
    to the raw features (the units of X), through the estimator's input
    scaling, of what LIME and SHAP explain too: the class probabilities
    (softmax of the logits), or the predictions in the units of y. The
    contributions of a row sum to ``f(x) - f(x')`` (completeness), up to the
    integral's approximation (``convergence_delta``). Deterministic. This
    class only wraps ``captum``.

    Parameters
    ----------
    estimator : estimator
        A fitted torch-backed estimator on tabular data: a classifier or
        regressor of this package (e.g. ``SENNClassifier``), whose module
        takes ``(x - input_offset_) / input_scale_``, or a fitted skorch net
        (``NeuralNetClassifier``, ``NeuralNetRegressor``), whose module takes
        float32 rows and whose ``predict_nonlinearity`` is applied. Other
        models have no gradients: use LimeExplainer or KernelShapExplainer.
    n_steps : int, default=50
        Points on the path (captum's ``n_steps``).
    method : {{"gausslegendre", "riemann_right", "riemann_left", "riemann_middle", \
"riemann_trapezoid"}}, default="gausslegendre"
        The quadrature of the path integral (captum's ``method``).
    baseline : float or array-like of shape (n_features,), default=None
        The reference x'; None is the background data's column means
        (``feature_means_``). A float is used for every feature.
    internal_batch_size : int, default=None
        Rows (times steps) per forward pass (captum's
        ``internal_batch_size``); None runs all the rows' steps at once.

    Attributes
    ----------
    integrated_gradients_ : captum.attr.IntegratedGradients
        captum's attribution method on the differentiable scores.
    baseline_ : ndarray of shape (n_features_in_,)
        The baseline x' used.
    {BACKGROUND_ATTRIBUTES_DOC}
    See Also
    --------
    LimeExplainer : Local linear surrogates on sampled perturbations.
    KernelShapExplainer : Shapley values, estimated by weighted regression.

    Notes
    -----
    ``explain(X)`` adds ``convergence_delta`` (sample, class|output):
    captum's completeness error, ``contributions.sum(-1) - (f(x) - f(x'))``;
    ``baseline`` (feature,): x'; and ``base_values`` (class|output,): the
    estimator's scores at x', so that ``contributions.sum(-1) +
    base_values`` is about the score of each row. One captum call per class
    (or output) covers all rows.

    References
    ----------
    M. Sundararajan, A. Taly and Q. Yan. "Axiomatic Attribution for Deep
    Networks". ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_interp import SENNClassifier
    >>> from sklearn_interp.baselines import IntegratedGradientsExplainer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = SENNClassifier(max_epochs=5, random_state=0, device="cpu").fit(X, y)
    >>> ig = IntegratedGradientsExplainer(model).fit(X)
    >>> exp = ig.explain(X[:2])
    >>> exp["contributions"].shape  # (sample, class, feature)
    (2, 3, 4)
    >>> total = exp["contributions"].sum(-1) + exp["base_values"]
    >>> bool(np.allclose(total, model.predict_proba(X[:2]), atol=1e-3))
    True
    """

    _method = "integrated_gradients"
    _parameter_constraints = {
        **PostHocExplainer._parameter_constraints,
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions(METHODS)],
        "baseline": ["array-like", Real, None],
        "internal_batch_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, estimator, *, n_steps=50, method="gausslegendre", baseline=None,
                 internal_batch_size=None):
        self.estimator = estimator
        self.n_steps = n_steps
        self.method = method
        self.baseline = baseline
        self.internal_batch_size = internal_batch_size

    def _check_estimator(self):
        super()._check_estimator()
        estimator = self.estimator
        if isinstance(estimator, NeuralEstimatorBase):
            if len(estimator.input_shape_) != 1:
                raise ValueError(f"{type(self).__name__} explains tabular data (2-D X); "
                                 f"{type(estimator).__name__} was fitted on samples of shape "
                                 f"{estimator.input_shape_}.")
        elif not is_skorch_net(estimator):
            raise TypeError(f"{type(self).__name__} needs a differentiable torch-backed estimator (one of "
                            f"sklearn_interp's, or a skorch net); got {type(estimator).__name__}. "
                            "Explain it with LimeExplainer or KernelShapExplainer.")

    def _fit_explainer(self, X):
        attr = import_extra("captum.attr", "captum", type(self).__name__)
        self.baseline_ = check_baseline(self.feature_means_ if self.baseline is None else self.baseline,
                                        self.n_features_in_)
        self.integrated_gradients_ = attr.IntegratedGradients(self._torch_scores)

    def _module(self):
        """The estimator's torch module, in eval mode."""
        return torch_module_of(self.estimator)

    def _torch_scores(self, x):
        """Differentiable scores of raw rows ``x`` (a tensor): probabilities, or predictions in y's units."""
        return torch_scores(self.estimator, x)

    def _device(self):
        parameter = next(self._module().parameters(), None)
        return torch.device("cpu") if parameter is None else parameter.device

    def _explain(self, X, scores):
        device = self._device()
        inputs = torch.tensor(X, dtype=torch.float64, device=device)
        baseline = torch.as_tensor(self.baseline_[None], dtype=torch.float64, device=device)
        n_targets = self._n_targets()
        contributions = np.empty((len(X), n_targets, self.n_features_in_))
        delta = np.empty((len(X), n_targets))
        for k in range(n_targets):
            attributions, convergence = self.integrated_gradients_.attribute(
                inputs, baselines=baseline, target=k, n_steps=self.n_steps, method=self.method,
                internal_batch_size=self.internal_batch_size, return_convergence_delta=True)
            contributions[:, k] = attributions.detach().cpu().double().numpy()
            delta[:, k] = convergence.detach().cpu().double().numpy()
        extras = {"convergence_delta": (delta, ("sample", "target")),
                  "baseline": (self.baseline_.copy(), ("feature",)),
                  "base_values": (self._scores(self.baseline_[None])[0], ("target",))}
        return contributions, extras

    def _meta(self):
        return {"n_steps": self.n_steps, "integration_method": self.method}
