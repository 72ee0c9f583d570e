"""Kernel SHAP (Lundberg & Lee, 2017), wrapped from the ``shap`` package."""

import re
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from tqdm.auto import tqdm

from .._constraints import Satisfies
from ._base import BACKGROUND_ATTRIBUTES_DOC, SamplingExplainer, import_extra, seeded_global_rng

L1_REG = Satisfies(lambda v: isinstance(v, str) and re.fullmatch(r"num_features\(\d+\)", v),
                   "a str 'num_features(<int>)'")
L1_ALPHA = Satisfies(lambda v: v is False or (isinstance(v, Real) and not isinstance(v, bool) and v >= 0),
                     "a float >= 0 (the Lasso's alpha) or False")


class KernelShapExplainer(SamplingExplainer):
    __doc__ = f"""Kernel SHAP: Shapley values of any fitted classifier or regressor (Lundberg & Lee, 2017).

    ``shap.KernelExplainer`` estimates each feature's Shapley value by a
    weighted linear regression over coalitions of features: features outside
    a coalition take the values of a background set (here the k-means
    summary of the background data, ``shap.kmeans``, weighted by cluster
    size). The contributions of a row sum, for every class's probability (or
    every regression output), to the model's score minus its mean over the
    background (``base_values``). This class only wraps the ``shap`` package.

    Parameters
    ----------
    estimator : estimator
        A fitted scikit-learn classifier with ``predict_proba`` or a fitted
        regressor (any: of this package, an ``MLPClassifier``, a Pipeline).
        It is not refitted (``sklearn.base.clone`` would unfit it; wrap it
        in ``sklearn.frozen.FrozenEstimator`` to clone the explainer).
    n_background : int, default=10
        Number of k-means centres summarizing the background data
        (``shap.kmeans``); the background data itself when it has no more
        rows than this. The model runs on ``n_background`` rows per coalition.
    nsamples : int or "auto", default="auto"
        Coalitions evaluated per row (shap's ``nsamples``); "auto" is
        ``2 * n_features + 2048``. All ``2**n_features - 2`` of them when
        fewer, and the values are then exact.
    l1_reg : "auto", "aic", "bic", "num_features(int)", float or False, default="auto"
        shap's feature selection before the regression. "auto": "aic" when
        fewer than 20% of the coalitions are evaluated, else none (shap's
        default before 0.47; shap >= 0.47 marks it deprecated, which is not
        repeated here). False: no selection.
    sampling : {{"fresh", "fixed"}}, default="fresh"
        shap draws coalitions from numpy's global RNG; it is seeded for each
        call and given back its state afterwards. ``"fresh"``: from a
        generator seeded from ``random_state`` at fit that advances from call
        to call, so every call samples anew while a script is reproducible
        (all rows in one shap call). ``"fixed"``: every row is explained after
        seeding with ``random_state`` (0 when None), so a row always gets the
        same values, wherever and whenever it is explained (one shap call per
        row).
    random_state : int, RandomState instance or None, default=None
        Seeds the sampling; see ``sampling``.
    verbose : int, default=0
        Above 0, a progress bar over the rows.

    Attributes
    ----------
    shap_explainer_ : shap.KernelExplainer
        shap's explainer, built on the background summary.
    background_ : ndarray of shape (n_background, n_features_in_)
        The background rows (k-means centres, or the background data).
    expected_value_ : ndarray of shape (n_classes,) or (n_outputs_,)
        The model's weighted mean score over ``background_`` (shap's
        ``expected_value``).
    {BACKGROUND_ATTRIBUTES_DOC}
    See Also
    --------
    LimeExplainer : Local linear surrogates on sampled perturbations.
    IntegratedGradientsExplainer : Path integral of gradients, for torch models.

    Notes
    -----
    ``explain(X)`` adds ``base_values`` (class|output,): shap's
    ``expected_value``, so that ``contributions.sum(-1) + base_values`` is
    the model's score of each row (SHAP's efficiency property).

    References
    ----------
    S. M. Lundberg and S.-I. Lee. "A Unified Approach to Interpreting Model
    Predictions". NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_interp.baselines import KernelShapExplainer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = LogisticRegression(max_iter=500).fit(X, y)
    >>> shap = KernelShapExplainer(model, nsamples=100, random_state=0).fit(X)
    >>> exp = shap.explain(X[:2])
    >>> exp["contributions"].shape  # (sample, class, feature)
    (2, 3, 4)
    >>> total = exp["contributions"].sum(-1) + exp["base_values"]
    >>> bool(np.allclose(total, model.predict_proba(X[:2])))
    True
    """

    _method = "kernel_shap"
    _parameter_constraints = {
        **SamplingExplainer._parameter_constraints,
        "n_background": [Interval(Integral, 1, None, closed="left")],
        "nsamples": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "l1_reg": [StrOptions({"auto", "aic", "bic"}), L1_REG, L1_ALPHA],
    }

    def __init__(self, estimator, *, n_background=10, nsamples="auto", l1_reg="auto", sampling="fresh",
                 random_state=None, verbose=0):
        self.estimator = estimator
        self.n_background = n_background
        self.nsamples = nsamples
        self.l1_reg = l1_reg
        self.sampling = sampling
        self.random_state = random_state
        self.verbose = verbose

    def _fit_sampler(self, X):
        shap = import_extra("shap", "shap", type(self).__name__)
        if self.n_background < len(X):
            background = shap.kmeans(X, self.n_background)  # k-means is seeded by shap (random_state=0)
            self.background_ = np.array(background.data)
        else:
            background = self.background_ = X.copy()
        self.shap_explainer_ = shap.KernelExplainer(self._scores, background)
        expected = np.asarray(self.shap_explainer_.expected_value, dtype=np.float64)
        self.expected_value_ = np.atleast_1d(expected)

    def _shap_values(self, X, seed, silent):
        """shap's values of rows X, (n, n_targets, n_features), with the global RNG seeded by ``seed``."""
        with seeded_global_rng(seed), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="l1_reg='auto' is deprecated",
                                    category=DeprecationWarning)
            values = self.shap_explainer_.shap_values(X, nsamples=self.nsamples, l1_reg=self.l1_reg,
                                                      silent=silent)
        # (n, d, n_targets): _scores returns 2-D scores, so shap always sees a vector output
        values = np.asarray(values, dtype=np.float64)
        return values.reshape(len(X), self.n_features_in_, -1).transpose(0, 2, 1)

    def _explain(self, X, scores):
        if self.sampling == "fresh":
            seed = int(self._rng.randint(np.iinfo(np.int32).max))
            contributions = self._shap_values(X, seed, silent=not self.verbose)
        else:
            contributions = np.empty((len(X), self._n_targets(), self.n_features_in_))
            for i in tqdm(range(len(X)), disable=not self.verbose, desc=type(self).__name__):
                contributions[i] = self._shap_values(X[i:i + 1], self._seed, silent=True)[0]
        return contributions, {"base_values": (self.expected_value_.copy(), ("target",))}

    def _meta(self):
        return {"n_background": len(self.background_), "nsamples": self.nsamples, "l1_reg": self.l1_reg,
                "sampling": self.sampling}
