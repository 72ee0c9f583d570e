"""The base of the post-hoc explainers: a fitted model, its scores, and their Explanation."""

import importlib
from contextlib import contextmanager

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, _fit_context, is_classifier, is_regressor
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._removal import feature_removal_scores
from ..explanation import Explanation, sample_coords

#: The Attributes every post-hoc explainer documents (joined into their docstrings).
BACKGROUND_ATTRIBUTES_DOC = """feature_means_ : ndarray of shape (n_features_in_,)
        Column means of the background data: the value that replaces a
        feature when :func:`~sklearn_interp.metrics.faithfulness_correlation`
        removes it (and integrated gradients' default baseline).
    classes_ : ndarray of shape (n_classes,)
        The classifier's classes (classifiers only).
    n_outputs_ : int
        Number of regression outputs (regressors only).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X was a DataFrame.
"""


def import_extra(module, extra, owner):
    """Import ``module``, or raise an ImportError naming the extra that installs it.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"lime.lime_tabular"``.
    extra : str
        The package and the sklearn-interp extra installing it, e.g. ``"lime"``.
    owner : str
        The class that needs it, for the message.

    Returns
    -------
    module : module
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{owner} needs the {extra!r} package: pip install 'sklearn-interp[{extra}]'") from error


def is_skorch_net(estimator):
    """Whether ``estimator`` is a skorch ``NeuralNet`` (skorch is a dependency, imported here lazily)."""
    from skorch import NeuralNet

    return isinstance(estimator, NeuralNet)


def torch_module_of(estimator):
    """The torch module of a differentiable model, in eval mode.

    ``estimator`` is a fitted estimator of this package (its
    ``torch_module()``), a fitted skorch net (its ``module_``) or a
    ``torch.nn.Module`` (itself).
    """
    if isinstance(estimator, torch.nn.Module):
        return estimator.eval()
    if is_skorch_net(estimator):
        return estimator.module_.eval()
    return estimator.torch_module()


def torch_scores(estimator, x, log=False):
    """Differentiable scores of raw inputs ``x`` (a tensor, in the units of the estimator's X).

    Parameters
    ----------
    estimator : estimator or torch.nn.Module
        A fitted estimator of this package (its module takes
        ``(x - input_offset_) / input_scale_``, see ``_scaled_tensor``), a
        fitted skorch net (its module takes ``x`` in the module's dtype and
        device, and its ``predict_nonlinearity`` is applied) or a torch
        module returning class logits (softmax applied).
    x : torch.Tensor
        Raw inputs.
    log : bool, default=False
        Return the log of the class probabilities (``log_softmax`` of the
        logits, or the log of a skorch net's probabilities, floored at the
        dtype's smallest normal number).

    Returns
    -------
    scores : torch.Tensor of shape (n, n_classes) or (n, n_outputs)
        Class probabilities (or their log), or a regressor's predictions in
        the units of y.
    """
    from ..base import NeuralRegressorBase

    module = torch_module_of(estimator)
    if isinstance(estimator, torch.nn.Module) or is_skorch_net(estimator):
        parameter = next(module.parameters(), None)
        x = x.float() if parameter is None else x.to(dtype=parameter.dtype, device=parameter.device)
        outputs = module(x)
        outputs = outputs[0] if isinstance(outputs, tuple) else outputs
        if isinstance(estimator, torch.nn.Module):
            return torch.log_softmax(outputs, dim=1) if log else torch.softmax(outputs, dim=1)
        scores = estimator._get_predict_nonlinearity()(outputs)
        return scores.clamp_min(torch.finfo(scores.dtype).tiny).log() if log else scores
    outputs = module(estimator._scaled_tensor(x))
    if isinstance(estimator, NeuralRegressorBase):
        scale, offset = (torch.as_tensor(value, dtype=outputs.dtype, device=outputs.device)
                         for value in (estimator.target_scale_, estimator.target_offset_))
        return outputs * scale + offset
    return torch.log_softmax(outputs, dim=1) if log else torch.softmax(outputs, dim=1)


@contextmanager
def seeded_global_rng(seed):
    """Seed numpy's global RNG for the block and give it back its state afterwards.

    For libraries that draw from ``np.random`` directly (SHAP's KernelExplainer):
    the caller's global RNG is left as it was, whatever the library draws.
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


class PostHocExplainer(BaseEstimator):
    """Base of the explainers that explain a fitted model from the outside.

    Subclasses set ``_method`` (``Explanation.meta["method"]``), extend
    ``_parameter_constraints``, and implement ``_fit_explainer(X)`` (build the
    library's explainer from the validated background ``X``),
    ``_explain(X, scores)`` (the contributions and the method's other arrays)
    and ``_meta()`` (the parameters an explanation was computed with).

    ``fit(X)`` keeps the background data's summary: ``n_features_in_``,
    ``feature_names_in_`` (DataFrame columns), ``feature_means_`` (the
    default baseline), ``classes_`` (classifiers) or ``n_outputs_``
    (regressors). What is explained are the model's scores: class
    probabilities (``predict_proba``) of a classifier, the predictions
    (n_samples, n_outputs) of a regressor.
    """

    _method = None
    _parameter_constraints = {"estimator": [HasMethods(["predict"])]}

    # ------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Keep the background data and build the library's explainer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Background (training) data, as the estimator's ``predict`` takes
            it; a DataFrame's column names label the features.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        check_is_fitted(self.estimator)
        self._check_estimator()
        X = validate_data(self, X, reset=True, dtype=np.float64)
        self.feature_means_ = X.mean(axis=0)
        n_outputs = self._scores(X[:1]).shape[1]  # the estimator rejects background data it cannot score
        if self._is_classifier():
            self.classes_ = np.array(self.estimator.classes_, copy=True)
        else:
            self.n_outputs_ = n_outputs
        self._fit_explainer(X)
        return self

    def _is_classifier(self):
        return is_classifier(self.estimator)

    def _check_estimator(self):
        """Raise TypeError for an estimator this method cannot explain."""
        if is_classifier(self.estimator):
            if not hasattr(self.estimator, "predict_proba"):
                raise TypeError(f"{type(self).__name__} explains class probabilities; "
                                f"{type(self.estimator).__name__} has no predict_proba (for SVC, pass "
                                "probability=True).")
        elif not is_regressor(self.estimator):
            raise TypeError(f"{type(self).__name__} explains a fitted scikit-learn classifier or regressor; "
                            f"got {type(self.estimator).__name__}.")

    def _fit_explainer(self, X):
        raise NotImplementedError

    # ------------------------------------------------------------- scores
    def _model_input(self, X):
        """Validated float64 rows as the estimator takes them.

        A DataFrame with the estimator's ``feature_names_in_`` when it was
        fitted on one (so it does not warn about missing names), float32 for a
        skorch net (its module's dtype), else the array itself.
        """
        names = getattr(self.estimator, "feature_names_in_", None)
        if names is not None and len(names) == X.shape[1]:
            return pd.DataFrame(X, columns=names)
        if is_skorch_net(self.estimator):
            return X.astype(np.float32)
        return X

    def _scores(self, X):
        """What is explained: class probabilities, or predictions as (n_samples, n_outputs); float64."""
        X = self._model_input(np.asarray(X, dtype=np.float64))
        if self._is_classifier():
            values = self.estimator.predict_proba(X)
        else:
            values = self.estimator.predict(X)
        values = np.asarray(values, dtype=np.float64)
        return values.reshape(len(values), -1)

    def _target_axis(self):
        """``"class"`` for a classifier's explanation, ``"output"`` for a regressor's."""
        return "class" if self._is_classifier() else "output"

    def _n_targets(self):
        return len(self.classes_) if self._is_classifier() else self.n_outputs_

    def _feature_names(self):
        names = getattr(self, "feature_names_in_", None)
        return np.asarray([f"x{i}" for i in range(self.n_features_in_)] if names is None else names)

    # ------------------------------------------------------------- explaining
    def explain(self, X):
        """Explain the model's scores of each row of X: one attribution per feature and class (or output).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples with the background data's features.

        Returns
        -------
        explanation : Explanation
            Local explanation with keys (axes in brackets; ``class`` for a
            classifier, ``output`` for a regressor):

            - ``contributions`` (sample, class|output, feature): the
              attribution of each feature to the score of each class (the
              probability) or output (the prediction).
            - ``probabilities`` (sample, class) and ``predicted_class``
              (sample,): the model's class probabilities and its most
              probable class, for a classifier; ``predictions`` (sample,
              output) for a regressor.
            - the method's own arrays (see the class' docstring).

            ``coords`` label the classes (``classes_``), the features
            (``feature_names_in_`` or ``x0, x1, ...``) and, for a DataFrame
            ``X``, the samples (its index). ``meta`` holds the method's name,
            ``scope="local"`` and the parameters that shaped the attributions.
        """
        check_is_fitted(self)
        coords = sample_coords(X)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        axis = self._target_axis()
        scores = self._scores(X)
        contributions, extras = self._explain(X, scores)
        data = {"contributions": np.asarray(contributions, dtype=np.float64)}
        dims = {"contributions": ("sample", axis, "feature")}
        for key, (value, value_dims) in extras.items():
            data[key] = np.asarray(value)
            dims[key] = tuple(axis if dim == "target" else dim for dim in value_dims)
        if axis == "class":
            data["probabilities"] = scores
            data["predicted_class"] = self.classes_[scores.argmax(axis=1)]
            dims.update(probabilities=("sample", "class"), predicted_class=("sample",))
            coords["class"] = self.classes_
        else:
            data["predictions"] = scores
            dims["predictions"] = ("sample", "output")
        coords["feature"] = self._feature_names()
        meta = {"method": self._method, "scope": "local", **self._meta()}
        return Explanation(data, dims, coords, meta)

    def _explain(self, X, scores):
        """``(contributions, extras)``: contributions (n, n_targets, n_features) and a dict of
        ``key -> (array, dims)``, with ``"target"`` standing for the class or output axis."""
        raise NotImplementedError

    def _meta(self):
        return {}

    # ------------------------------------------------- explanation metrics
    def _removal_scores(self, X, explanation, baseline=None):
        """Faithfulness hook (see :mod:`sklearn_interp._removal`): the units are the input features.

        Each feature is replaced by ``baseline`` (default: its mean in the
        background data, ``feature_means_``) and the scores are what the
        explainer explains: class probabilities, or the predictions.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return feature_removal_scores(self._scores, X, self.feature_means_ if baseline is None else baseline)


class SamplingExplainer(PostHocExplainer):
    """Base of the explainers that sample (LIME, KernelSHAP): ``sampling``, ``random_state``, ``verbose``.

    ``fit`` calls :meth:`_seed_sampling` before ``_fit_explainer``: ``_rng``
    is the explainer's own RandomState (seeded from an int, the instance
    given, or OS entropy for None, so None never draws from numpy's global
    RNG) and ``_seed`` the seed ``sampling="fixed"`` reuses for every row
    (``random_state``, 0 for None, or drawn once from an instance).
    """

    _parameter_constraints = {
        **PostHocExplainer._parameter_constraints,
        "sampling": [StrOptions({"fresh", "fixed"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def _fit_explainer(self, X):
        self._seed_sampling()
        self._fit_sampler(X)

    def _seed_sampling(self):
        if self.random_state is None:
            self._rng, self._seed = np.random.RandomState(), 0
            return
        self._rng = check_random_state(self.random_state)
        if isinstance(self.random_state, np.random.RandomState):
            self._seed = int(self._rng.randint(np.iinfo(np.int32).max))
        else:
            self._seed = int(self.random_state)

    def _fit_sampler(self, X):
        """Build the library's explainer from the background ``X`` (``_rng`` and ``_seed`` are set)."""
        raise NotImplementedError
