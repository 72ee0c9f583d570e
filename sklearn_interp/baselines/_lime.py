"""LIME for tabular data (Ribeiro et al., 2016), wrapped from the ``lime`` package."""

from numbers import Integral, Real

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.utils._param_validation import Interval
from tqdm.auto import tqdm

from ._base import BACKGROUND_ATTRIBUTES_DOC, SamplingExplainer, import_extra


class _ScoreRecordingRidge(Ridge):
    """lime's default local model, ``Ridge(alpha=1)``, keeping the R² of each fit.

    lime fits one local model per label but its explanation keeps only the
    last label's ``score``; this keeps all of them, in order.
    """

    def score(self, X, y, sample_weight=None):
        value = super().score(X, y, sample_weight=sample_weight)
        self.__dict__.setdefault("recorded_scores", []).append(value)
        return value


class LimeExplainer(SamplingExplainer):
    __doc__ = f"""LIME: local linear surrogates of any fitted classifier or regressor (Ribeiro et al., 2016).

    For each row, ``lime.lime_tabular.LimeTabularExplainer`` samples
    ``num_samples`` perturbations around it (from the background data's
    per-feature statistics), weighs them by an exponential kernel of their
    distance to the row, and fits a weighted ridge regression of the model's
    score on them. The coefficients of that local model are the
    contributions: one per feature, for every class's probability (or every
    regression output). This class only wraps the ``lime`` package.

    Parameters
    ----------
    estimator : estimator
        A fitted scikit-learn classifier with ``predict_proba`` or a fitted
        regressor (any: of this package, an ``MLPClassifier``, a Pipeline).
        It is not refitted (``sklearn.base.clone`` would unfit it; wrap it
        in ``sklearn.frozen.FrozenEstimator`` to clone the explainer).
    num_samples : int, default=5000
        Perturbations sampled per row (lime's ``num_samples``).
    kernel_width : float, default=None
        Width of the exponential kernel on the distance of standardized
        features; None is lime's ``0.75 * sqrt(n_features)``.
    discretize_continuous : bool, default=True
        lime's ``discretize_continuous``: features are binned into the
        quartiles of the background data, perturbations resample the bins,
        and each contribution is the weight of "the feature in the row's
        bin" (lime's default). False: the weight of the standardized feature.
    sampling : {{"fresh", "fixed"}}, default="fresh"
        ``"fresh"``: one random generator, seeded from ``random_state`` at
        fit, advances from call to call, so every call samples anew (what
        LIME users get) while a script is reproducible. ``"fixed"``: every
        row is explained with the generators reseeded from ``random_state``
        (0 when None), so a row always gets the same explanation, wherever
        and whenever it is explained (LIME's smoothness without its sampling
        noise).
    random_state : int, RandomState instance or None, default=None
        Seeds the sampling; see ``sampling``.
    verbose : int, default=0
        Above 0, a progress bar over the rows.

    Attributes
    ----------
    lime_explainer_ : lime.lime_tabular.LimeTabularExplainer
        lime's explainer, built on the background data.
    kernel_width_ : float
        The kernel width used.
    {BACKGROUND_ATTRIBUTES_DOC}
    See Also
    --------
    KernelShapExplainer : Shapley values, estimated by weighted regression.
    IntegratedGradientsExplainer : Path integral of gradients, for torch models.

    Notes
    -----
    ``explain(X)`` adds, for every row and class (or output), ``intercepts``
    (sample, class|output), the local model's intercept (lime's
    ``intercept``), and ``local_r2`` (sample, class|output), its weighted R²
    on the perturbations (lime's ``score``). lime's regression mode explains
    one output, so a multi-output regressor is explained output by output.
    Perturbations are scored with the estimator's ``predict_proba`` (or
    ``predict``), ``num_samples`` rows per call. A fitted LimeExplainer cannot
    be pickled (lime's explainer holds local functions).

    References
    ----------
    M. T. Ribeiro, S. Singh and C. Guestrin. "'Why Should I Trust You?':
    Explaining the Predictions of Any Classifier". KDD 2016.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_interp.baselines import LimeExplainer
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> model = LogisticRegression(max_iter=500).fit(X, y)
    >>> lime = LimeExplainer(model, num_samples=300, random_state=0).fit(X)
    >>> exp = lime.explain(X.iloc[[0, 50]])
    >>> exp["contributions"].shape  # (sample, class, feature)
    (2, 3, 4)
    >>> exp.coords["feature"][:2].tolist()
    ['sepal length (cm)', 'sepal width (cm)']
    """

    _method = "lime"
    _parameter_constraints = {
        **SamplingExplainer._parameter_constraints,
        "num_samples": [Interval(Integral, 2, None, closed="left")],
        "kernel_width": [Interval(Real, 0, None, closed="neither"), None],
        "discretize_continuous": ["boolean"],
    }

    def __init__(self, estimator, *, num_samples=5000, kernel_width=None, discretize_continuous=True,
                 sampling="fresh", random_state=None, verbose=0):
        self.estimator = estimator
        self.num_samples = num_samples
        self.kernel_width = kernel_width
        self.discretize_continuous = discretize_continuous
        self.sampling = sampling
        self.random_state = random_state
        self.verbose = verbose

    def _fit_sampler(self, X):
        lime_tabular = import_extra("lime.lime_tabular", "lime", type(self).__name__)
        width = 0.75 * np.sqrt(X.shape[1]) if self.kernel_width is None else self.kernel_width  # as lime
        self.kernel_width_ = float(width)
        self.lime_explainer_ = lime_tabular.LimeTabularExplainer(
            training_data=X, mode="classification" if self._is_classifier() else "regression",
            feature_names=[str(name) for name in self._feature_names()],
            discretize_continuous=self.discretize_continuous, kernel_width=self.kernel_width_,
            feature_selection="none", random_state=self._rng)

    def _use_rng(self, rng):
        """Point every RNG lime draws from at ``rng``: the explainer's (normal draws, bin choices),
        its discretizer's (``undiscretize``'s truncated normals) and its LimeBase's."""
        explainer = self.lime_explainer_
        explainer.random_state = explainer.base.random_state = rng
        if explainer.discretizer is not None:
            explainer.discretizer.random_state = rng

    def _explain_row(self, row, predict, labels):
        """lime's explanation of one row: (coefficients (labels, d), intercepts, R²s)."""
        if self.sampling == "fixed":
            self._use_rng(np.random.RandomState(self._seed))
        local_model = _ScoreRecordingRidge(alpha=1.0, fit_intercept=True)
        explanation = self.lime_explainer_.explain_instance(
            row, predict, labels=labels, num_features=self.n_features_in_, num_samples=self.num_samples,
            model_regressor=local_model)
        keys = labels if self._is_classifier() else [1]  # lime files a regression under label 1
        weights = np.zeros((len(keys), self.n_features_in_))
        for i, key in enumerate(keys):
            features, values = zip(*explanation.local_exp[key])
            weights[i, list(features)] = values
        intercepts = [explanation.intercept[key] for key in keys]
        return weights, intercepts, local_model.recorded_scores

    def _explain(self, X, scores):
        n, d, k = len(X), self.n_features_in_, self._n_targets()
        contributions, intercepts, local_r2 = np.zeros((n, k, d)), np.zeros((n, k)), np.zeros((n, k))
        if self.sampling == "fresh":
            self._use_rng(self._rng)
        if self._is_classifier():
            tasks = [(list(range(k)), self._scores, slice(None))]
        else:  # lime's regression mode explains one 1-D output
            tasks = [([0], lambda Z, j=j: self._scores(Z)[:, j], slice(j, j + 1)) for j in range(k)]
        for i in tqdm(range(n), disable=not self.verbose, desc=type(self).__name__):
            for labels, predict, targets in tasks:
                weights, bias, r2 = self._explain_row(X[i], predict, labels)
                contributions[i, targets], intercepts[i, targets], local_r2[i, targets] = weights, bias, r2
        extras = {"intercepts": (intercepts, ("sample", "target")),
                  "local_r2": (local_r2, ("sample", "target"))}
        return contributions, extras

    def _meta(self):
        return {"num_samples": self.num_samples, "kernel_width": self.kernel_width_,
                "discretize_continuous": self.discretize_continuous, "sampling": self.sampling}
