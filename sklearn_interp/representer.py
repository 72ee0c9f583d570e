"""Deep models trained to be explained by a few training examples (Iwata & Yoshikawa)."""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from skorch.callbacks import Callback
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._constraints import IMAGE_SHAPE, positive_int_sequence
from ._removal import contribution_removal_scores
from .base import (CONVERGENCE_PARAMETERS_DOC, RUNTIME_PARAMETERS_DOC, TRAINING_CURVES_DOC, NeuralClassifierBase,
                   NeuralRegressorBase)
from .explanation import Explanation, sample_coords
from .nn.autoencoders import conv_net, mlp
from .nn.dropout import Dropout
from .nn.representer import GATED_METHODS, METHODS, SparseRepresenterNetwork

# Adam rate of S and M for the gated methods under explanation_lr="auto" (see the parameter's doc).
GATED_EXPLANATION_LR = 0.03


class SupportMaintenance(Callback):
    """Refresh the cached support embeddings before each epoch; prune closed gates every ``prune_every`` steps.

    The gates close after a number of steps that depends little on N
    (1,000-2,000 at the defaults, at 16k and 64k rows), so pruning within
    the epoch keeps a large first epoch from paying for closed examples
    until its end.
    """

    def __init__(self, prune_every=100):
        self.prune_every = prune_every

    def initialize(self):
        self.steps_ = 0
        return self

    def on_epoch_begin(self, net, **kwargs):
        net.module_.refresh_support_embeddings()

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.steps_ += 1
            if self.steps_ % self.prune_every == 0:
                net.module_.prune(net.optimizer_)

    def on_epoch_end(self, net, **kwargs):
        net.module_.prune(net.optimizer_)


class _SparseRepresenter:
    """Parameters, module and explanations shared by the classifier and the regressor."""

    _structural_params = ("method", "features", "hidden_layer_sizes", "dropout", "conv_channels", "image_shape")
    _module_params = ("lam", "eta", "sigma", "n_mc_samples")
    _explanation_parameters = ("influence", "gate.mu")  # S and M

    _parameter_constraints = {
        "method": [StrOptions(set(METHODS))],
        "lam": [Interval(Real, 0, None, closed="left")],
        "eta": [Interval(Real, 0, None, closed="left")],
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "n_mc_samples": [Interval(Integral, 1, None, closed="left")],
        "explanation_lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"}), None],
        "features": [StrOptions({"auto"}), nn.Module],
        "hidden_layer_sizes": [positive_int_sequence(min_length=1)],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "conv_channels": [positive_int_sequence(min_length=1)],
        "image_shape": [IMAGE_SHAPE, None],
        "n_examples": [Interval(Integral, 1, None, closed="left")],
        "store_training_data": ["boolean"],
    }

    def __init__(self, method="proposed", *, lam=1.0, eta=1e-3, sigma=0.5, n_mc_samples=1, explanation_lr="auto",
                 features="auto",
                 hidden_layer_sizes=(64, 64, 64), dropout=0.3, conv_channels=(32, 64), image_shape=None,
                 n_examples=10, store_training_data=True, max_epochs=200, batch_size=32, lr=1e-3,
                 optimizer="adam", weight_decay=0.0, early_stopping=False, validation_fraction=0.1,
                 tol=1e-4, n_iter_no_change=10, device="auto", n_threads=1, inference_batch_size="auto",
                 inference_precision="auto", random_state=None, verbose=0, warm_start=False, callbacks=None):
        self.method = method
        self.lam = lam
        self.eta = eta
        self.sigma = sigma
        self.n_mc_samples = n_mc_samples
        self.explanation_lr = explanation_lr
        self.features = features
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.conv_channels = conv_channels
        self.image_shape = image_shape
        self.n_examples = n_examples
        self.store_training_data = store_training_data
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose,
            warm_start=warm_start, callbacks=callbacks,
        )

    # ---------------------------------------------------------------- fitting
    def _feature_module(self):
        if isinstance(self.features, nn.Module):
            return self.features
        *hidden, n_features = self.hidden_layer_sizes
        if len(self.input_shape_) == 3:
            body = conv_net(self.input_shape_, n_features, self.conv_channels, hidden, dropout=self.dropout)
        else:
            body = mlp((self.input_shape_[0], *hidden, n_features), nn.ReLU, dropout=self.dropout)
        return nn.Sequential(body, nn.ReLU(), Dropout(self.dropout))

    def _build_module(self, X, y):
        if self.method == "RPSR" and self.n_mc_samples > 1:
            raise ValueError("method='RPSR' trains h on the labels with one gate draw per step (eq. 14); "
                             "n_mc_samples > 1 applies to the methods that fit h to g.")
        features = self._feature_module()
        x = torch.as_tensor(X[:2])
        with torch.no_grad():
            n_features = features.eval()(x).shape[1]
        features.train()
        return SparseRepresenterNetwork(features, n_features, self._n_outputs(), torch.as_tensor(X),
                                        self.method, classification=not self._y_numeric)

    def _method_callbacks(self):
        return [SupportMaintenance()]

    def _param_groups(self):
        rate = self.explanation_lr
        if rate == "auto":
            rate = GATED_EXPLANATION_LR if self.method in GATED_METHODS else None
        if rate is None:
            return []
        return [(name, {"lr": rate}) for name in self._explanation_parameters]

    def _train(self, module, train, valid, device, generator):
        X_train = train[0]
        if module.n_train != len(X_train):
            raise ValueError(
                f"warm_start continues a model with one influence per training example: fit it on the same "
                f"{module.n_train} training rows, or set warm_start=False."
            )
        module.support_inputs = torch.as_tensor(X_train, device=module.influence.device)
        try:
            if not self.method.startswith("Pretrain"):
                module.set_stage("joint")
                return super()._train(module, train, valid, device, generator)
            module.set_stage("prediction")
            self.net_ = super()._train(module, train, valid, device, generator)
            module.set_stage("explanation")
            return super()._train(module, train, valid, device, generator)
        finally:
            module.support_inputs = module.support_inputs.new_empty((0, *X_train.shape[1:]))

    @torch.no_grad()
    def _after_fit(self, X, y):
        module = self.net_.module_
        influences = module.expected_influences().double().cpu().numpy()
        kept = influences.any(axis=1)
        rows = self._train_positions[module.support_index.cpu().numpy()[kept]]
        self.support_indices_ = self._position_in_fit(rows)
        self.influences_ = self._unscale_targets(influences[kept], offset=False)
        self.support_embeddings_ = self._support_embeddings(X[rows])
        device = module.support_embeddings.device
        module.support_embeddings[torch.as_tensor(kept, device=device)] = torch.as_tensor(
            self.support_embeddings_, device=device)
        self.support_labels_ = self._decode_targets(y[rows])
        self._set_fitted("support_examples_", np.asarray(X[rows], dtype=np.float64)
                         if self.store_training_data else None)
        index_labels = getattr(self, "_fit_sample_labels", None)
        self._set_fitted("support_index_labels_",
                         None if index_labels is None else index_labels[self.support_indices_])

    def _set_fitted(self, name, value):
        """Set the fitted attribute ``name``; None removes it (kept from an earlier fit)."""
        if value is not None:
            setattr(self, name, value)
        elif hasattr(self, name):
            delattr(self, name)


    def _support_embeddings(self, X_support):
        if len(X_support) == 0:
            return np.zeros((0, self.net_.module_.head.in_features))
        return self._infer(X_support, lambda outputs: outputs[1].cpu().numpy())

    # ------------------------------------------------------------ explaining
    def _top_influences(self, n_examples):
        """``(rows, outputs)`` of the ``n_examples`` largest ``|E[α_nc]|`` over all (n, c), largest first (eq. 22).

        With fewer nonzero influences, a UserWarning and all of them (possibly none: h is then 0).
        """
        check_is_fitted(self)
        n_examples = self.n_examples if n_examples is None else n_examples
        if not isinstance(n_examples, Integral) or isinstance(n_examples, bool) or n_examples < 1:
            raise ValueError(f"n_examples must be a positive integer, got {n_examples!r}.")
        magnitude = np.abs(self.influences_).ravel()
        n_nonzero = int(np.count_nonzero(magnitude))
        if n_examples > n_nonzero:
            cause = "the gates closed the others" if self.method in GATED_METHODS else "the others are 0"
            warnings.warn(
                f"n_examples={n_examples} but the explanation model has only {n_nonzero} nonzero influences "
                f"({cause}); using those {n_nonzero}.", UserWarning,
            )
            n_examples = n_nonzero
        order = np.argsort(-magnitude, kind="stable")[:n_examples]
        return np.unravel_index(order, self.influences_.shape)

    def _features(self, X):
        return self._predict_outputs(X, lambda outputs: outputs[1].cpu().numpy())

    def _explained_scores(self, X, n_examples):
        """``(rows, outputs, similarities, contributions)`` of the U-example explanation model (eq. 21)."""
        rows, outputs = self._top_influences(n_examples)
        if len(rows) == 0:
            raise ValueError(
                f"The explanation model has no example: every influence is 0 (eta={self.eta} closed every "
                "gate, or training was too short). It predicts nothing; lower eta or train longer."
            )
        similarities = self._features(X) @ self.support_embeddings_[rows].T  # (n, U), eq. (3)
        contributions = np.zeros((len(similarities), self._n_outputs(), len(rows)))
        contributions[:, outputs, np.arange(len(rows))] = similarities * self.influences_[rows, outputs]
        return rows, outputs, similarities, contributions

    def _removal_scores(self, X, explanation, baseline=None):
        """Faithfulness hook: example j is removed from the explanation model h by dropping its contribution.

        The scores are h's (the softmax of ``scores`` for a classifier, the
        ``scores`` themselves for a regressor), the model the examples explain.
        """
        return contribution_removal_scores(explanation["scores"], explanation["contributions"], self._link)

    def _explained_outputs(self, contributions):
        """h's output with U examples: the contributions' sum, plus ``target_offset_`` for a regressor."""
        return contributions.sum(axis=-1) + getattr(self, "target_offset_", 0.0)

    def _examples(self, rows, include_examples):
        if include_examples is None:
            include_examples = hasattr(self, "support_examples_")
        if not include_examples:
            return None
        if not hasattr(self, "support_examples_"):
            raise ValueError("This model was fitted with store_training_data=False, so it keeps no training "
                             "rows; refit with store_training_data=True, or index your training data with "
                             "'example_indices'.")
        return self.support_examples_[rows]

    def _input_dims(self):
        return ("feature",) if len(self.input_shape_) == 1 else ("channel", "height", "width")

    def _example_data(self, rows, outputs, include_examples):
        """``(data, dims)`` of the keys on the explaining examples (``explain`` and ``explain_global``)."""
        data = {"example_indices": self.support_indices_[rows]}
        if hasattr(self, "support_index_labels_"):
            data["example_index_labels"] = self.support_index_labels_[rows]
        data.update(example_labels=self.support_labels_[rows], example_classes=self._output_labels()[outputs],
                    influences=self.influences_[rows, outputs])
        dims = {key: ("example",) for key in data}
        dims["example_labels"] = ("example", "output")[:self.support_labels_.ndim]
        examples = self._examples(rows, include_examples)
        if examples is not None:
            data["examples"] = examples
            dims["examples"] = ("example", *self._input_dims())
        return data, dims

    def explain(self, X, n_examples=None, include_examples=None):
        check_is_fitted(self)
        rows, outputs, similarities, contributions = self._explained_scores(X, n_examples)
        output_axis = self._output_axis
        data, dims = self._example_data(rows, outputs, include_examples)
        data.update(similarities=similarities, contributions=contributions,
                    scores=self._explained_outputs(contributions))
        dims.update(similarities=("sample", "example"), contributions=("sample", output_axis, "example"),
                    scores=("sample", output_axis))
        coords = {output_axis: self._output_labels(), **self._feature_name_coords(), **sample_coords(X)}
        meta = {"method": "sparse_representer", "scope": "local", "n_examples": len(rows),
                "image": len(self.input_shape_) == 3, "representer_method": self.method}
        return data, dims, coords, meta

    def explain_global(self, n_examples=None, include_examples=None):
        """The ``n_examples`` training examples of the explanation model and their influences (Fig. 4).

        Parameters
        ----------
        n_examples : int, default=None
            U; None uses the ``n_examples`` parameter.
        include_examples : bool, default=None
            Include the training rows (key ``examples``); None includes them
            when they were stored (``store_training_data=True``), True raises
            ValueError when they were not.

        Returns
        -------
        explanation : Explanation
            Global explanation with the keys on the examples of
            :meth:`explain`: ``example_indices`` (example,): positions in
            the training data; ``example_index_labels`` (example,): their
            index labels, only when fitted on a DataFrame or Series;
            ``example_labels`` (example,), (example, output) for a regressor
            with several outputs: each example's own training label (target);
            ``example_classes`` (example,): the class (or output) its
            influence acts on, not necessarily its label; ``influences``
            (example,): E[α_nc] (eq. 20 times S), largest magnitude first;
            and ``examples`` (example, input axes...) in the units of X.
        """
        check_is_fitted(self)
        rows, outputs = self._top_influences(n_examples)
        data, dims = self._example_data(rows, outputs, include_examples)
        meta = {"method": "sparse_representer", "scope": "global", "n_examples": len(rows),
                "image": len(self.input_shape_) == 3, "representer_method": self.method}
        output_axis = self._output_axis
        coords = {output_axis: self._output_labels(), **self._feature_name_coords()}
        return Explanation(data, dims, coords, meta)


_PARAMETERS_DOC = """
    Parameters
    ----------
    method : {"proposed", "Joint", "RPS", "RPSR", "Pretrain", "PretrainR"}, default="proposed"
        The objective (§4.3), all on the same network and code path:
        ``"proposed"``: eq. (11), g and h trained jointly, h sparse through
        the gates; ``"Joint"``: eq. (12), without gates or η; ``"RPS"``:
        eq. (13), h alone trained on the labels (and used to predict);
        ``"RPSR"``: eq. (14), RPS with the gates; ``"Pretrain"``: g trained
        alone (eq. 15) for ``max_epochs``, then h fitted to the frozen g for
        ``max_epochs`` (eq. 16); ``"PretrainR"``: the same with the gates
        (eq. 17).
    lam : float, default=1.0
        λ in eq. (10)/(11): weight of the loss between g and h.
    eta : float, default=1e-3
        η in eq. (10)/(11): weight of the expected number of open gates,
        Σ Φ(μ_nc/σ) (eq. 9), a sum over all N x C gates while the loss
        between g and h is a mean over samples, so the η that keeps a handful
        of examples grows smaller with N. The paper tunes it on validation
        data from {0, 1e-4, 1e-3, 1e-2, 0.1, 1}; too large a value closes
        every gate (``predict_explained`` then raises, and the faithfulness
        scorers score 0).
    sigma : float, default=0.5
        σ, the standard deviation of the gate noise (eq. 8).
    n_mc_samples : int, default=1
        J, gate draws per step for the loss between g and h (eq. 11).
    explanation_lr : "auto", float or None, default="auto"
        Adam learning rate of the explanation model's own parameters, the
        influences S and the gate means M; None uses ``lr`` as the paper does
        (one rate, up to 10,000 epochs). ``"auto"``: 0.03 for the gated
        methods (proposed, RPSR, PretrainR), ``lr`` for the others. Each
        gate's share of the loss is about 1/N of it, so at ``lr=1e-3`` the
        gates drift together and either all stay open or all close within 200
        epochs; at 0.03 a few examples remain and explain g (see Notes).
        Without gates nothing needs the faster rate, and for Joint it is
        harmful: all N x C influences then move 30 times faster and the loss
        between g and h, through f, swamps g's label loss (Segment, 40 epochs:
        g's test accuracy 0.14 at 0.03, 0.94 at ``lr``).
    features : "auto" or torch.nn.Module, default="auto"
        f: ``"auto"`` is an MLP with ``hidden_layer_sizes`` (ReLU, dropout
        ``dropout`` after each layer) for tabular data, or convolutions
        (``conv_channels``) then that MLP for images; its last layer's
        ``hidden_layer_sizes[-1]`` units are f(x). A module maps the scaled
        input to ``(n, K)`` features (no BatchNorm: rows must not interact).
    hidden_layer_sizes : tuple of int, default=(64, 64, 64)
        Hidden layers of f; with W they make the paper's four-layer network
        with 64 units (§4.2).
    dropout : float, default=0.3
        Dropout rate after each hidden layer (§4.2).
    conv_channels : tuple of int, default=(32, 64)
        Channels of the stride-2 3x3 ReLU convolutions of image features.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` when images come flat as ``(n, C*H*W)``.
    n_examples : int, default=10
        U, the training examples an explanation uses when ``explain``,
        ``predict_explained`` or ``explain_global`` get no ``n_examples``.
    store_training_data : bool, default=True
        Keep the training rows with a nonzero influence (``support_examples_``)
        so that explanations can show them; False saves their memory.
    max_epochs : int, default=200
        Maximum number of passes over the training data (per stage for the
        Pretrain methods): the cap of the convergence rule (``tol``); a fit
        that reaches it before the rule stops it warns with a
        ``ConvergenceWarning``.
    batch_size : int or "auto", default=32
        Minibatch size (§4.2).
    lr : float, default=1e-3
        Adam learning rate (§4.2).
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    early_stopping : bool, default=False (True for the regressor)
        Hold out ``validation_fraction`` of the training data; the convergence
        rule (``tol``) watches its loss (with deterministic gates), and the
        weights of its best epoch are restored. The held-out rows are not
        examples of h.
        The regressor stops early by default: 200 epochs overfit small data
        (diabetes, 5-fold CV, seed 0: R² 0.41 at 200 epochs, 0.48 with early
        stopping, Ridge 0.49; make_friedman1 0.89 either way). For the
        classifier it cost faithfulness (Glass 0.95 -> 0.81, Vehicle 0.98 ->
        0.87 at U = 10, 5-fold CV) and is left off.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
""" + CONVERGENCE_PARAMETERS_DOC + RUNTIME_PARAMETERS_DOC + """    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout, gate noise and the
        validation split.
    verbose : int, default=0
        When > 0, show a progress bar and a per-epoch table.
    warm_start : bool, default=False
        When True, ``fit`` continues training the fitted network on the same
        training rows (influences belong to them); changing ``method``,
        ``features``, ``hidden_layer_sizes``, ``dropout``, ``conv_channels``
        or ``image_shape`` fits a new one, with a warning.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (each fit uses a copy).
"""

_ATTRIBUTES_DOC = """
    n_features_in_ : int
        Number of features seen during fit (for images, the channels).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.
    input_shape_ : tuple of int
        Shape of one sample as the network sees it: ``(p,)`` or ``(C, H, W)``.
    input_offset_, input_scale_ : ndarray
        The scaling of X (standardized features; images mapped onto [0, 1]).
    support_indices_ : ndarray of shape (n_support,)
        Positions in the training data of the examples with a nonzero
        influence E[α_nc] for some output.
    support_index_labels_ : ndarray of shape (n_support,)
        Their index labels in the training data, only when X was a pandas
        DataFrame or Series.
    support_labels_ : ndarray of shape (n_support,) or (n_support, n_outputs)
        Their own training labels: class labels from ``classes_`` for a
        classifier; targets in the units of y for a regressor, of shape
        (n_support, n_outputs) when y has several outputs.
    influences_ : ndarray of shape (n_support, n_outputs)
        E[α_nc] = max(0, min(1, μ_nc)) S_nc (eq. 20 times S; S for the
        methods without gates) of those examples.
    support_embeddings_ : ndarray of shape (n_support, K)
        Their features f(x_n), float64.
    support_examples_ : ndarray of shape (n_support,) + input_shape_
        Their rows, in the units of X (with ``store_training_data=True``).
    net_ : skorch.NeuralNet
        The fitted skorch net (``net_.history`` holds the training log).
""" + TRAINING_CURVES_DOC + """"""

_NOTES_DOC = """
    Notes
    -----
    The explanation with U examples (``explain``, ``predict_explained``)
    keeps the U pairs (n, c) with the largest ``|E[α_nc]|`` over all examples
    and outputs (eqs. 20-22): its pre-activation for output c is
    ``sum over kept pairs (n, c) of E[α_nc] f(x_n)^T f(x)``. Ranked by
    magnitude, since negative influences explain too (eq. 2).

    Cost: the examples' f(x_n) are needed in every step. Only examples with
    an open gate enter a step; while more than 512 are open (the early,
    dense phase, and the methods without gates) their embeddings come from a
    cache refreshed once per epoch (no gradient into f from the examples'
    side, the influences' gradients are exact given the cache); with fewer,
    they are computed in the step with their exact gradient. Examples whose
    every gate opens with probability below 1e-3 are pruned every 100 steps
    and after each epoch. See :mod:`sklearn_interp.nn.representer`.

    Defaults that follow §4.2 of the paper: four layers of 64 ReLU units,
    dropout 0.3, Adam with lr 1e-3, batch size 32, λ = 1, J = 1, σ = 0.5.
    The paper trains up to 10,000 epochs with early stopping; the default
    here is 200 epochs with ``explanation_lr=0.03`` for S and M (``"auto"``
    with gates), and η,
    tuned per dataset there, defaults to 1e-3. Measured at 200 epochs
    (stratified 70/30 split, seed 0; nonzero influences, faithfulness at
    U = 10 on the 30 %): breast cancer 2 and 1.0 (with
    ``explanation_lr=None``: every gate closed, 0 and 0.0), Glass 12 and 0.74
    (452 and 0.03), iris 8 and 1.0, wine 4 and 1.0.

    Not stated in the paper, chosen here: S starts at N(0, 0.01²), the gate
    means at 0.5 (Yamada et al.'s stochastic gates); W and h have no bias
    (eqs. 1-2); the loss between g and h is the cross-entropy of h against
    g's probabilities (squared error for regression) with no gradient
    through g's side: g learns from the labels, since letting that loss pull
    g's logits towards h cut digits test accuracy from 0.64 to 0.31; η
    weighs the sum Σ Φ(μ/σ) over all N x C gates as in eq. (11).

    Known limit: images. The paper's image experiment (CIFAR10) fits the
    MLP on ResNet features; with the convolutional f here g learns but h
    stays unfaithful: 1000 digits as 8x8 images (stratified, seed 0, the
    other 797 to test), 15 epochs (``tol=None``), defaults: g's test
    accuracy 0.85 (0.94 at λ = 0), 24 influences, faithfulness 0.19 at
    U = 10 (split and model seed 1: 0.68, 18 influences, 0.35); at λ = 0.1
    g reaches 0.945 but 3 influences stay, faithfulness 0.20 (seed 1:
    0.10). Fit images on learned features (a ``features`` module, or a
    Pipeline step) or tune λ and η.

    References
    ----------
    T. Iwata and Y. Yoshikawa. "Training Deep Models to be Explained with
    Fewer Examples". arXiv:2112.03508, 2021.
"""


class SparseRepresenterClassifier(_SparseRepresenter, NeuralClassifierBase):
    __doc__ = f"""A classifier trained jointly with a sparse example-based explanation model.

    The prediction model g(x) = softmax(Wᵀ f(x)) (eq. 1) is trained together
    with the explanation model h(x) = softmax(Σ_n α_n f(x_n)ᵀ f(x)) (eq. 2)
    whose influences α = Z ⊙ S are made sparse by Gaussian stochastic gates
    Z (eqs. 7-9), so that a prediction is faithfully explained by a few
    training examples (Iwata & Yoshikawa). Loss, eq. (11): cross-entropy of
    g + λ·(loss between g and h) + η·(expected number of open gates).
    {_PARAMETERS_DOC}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    {_ATTRIBUTES_DOC}
    See Also
    --------
    SparseRepresenterRegressor : The same model for regression.
    sklearn_interp.metrics.faithfulness_score : Agreement of g and h (eq. 19).
    {_NOTES_DOC}
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_interp import SparseRepresenterClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SparseRepresenterClassifier(max_epochs=50, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clf.explain(X[:2], n_examples=5)["contributions"].shape
    (2, 3, 5)
    """

    _parameter_constraints = {**NeuralClassifierBase._parameter_constraints,
                              **_SparseRepresenter._parameter_constraints}

    def explain(self, X, n_examples=None, include_examples=None):
        """Explain predictions by the U training examples of largest influence (eqs. 20-22).

        Parameters
        ----------
        X : array-like
            Samples, shaped like the training data.
        n_examples : int, default=None
            U; None uses the ``n_examples`` parameter. When the model has
            fewer nonzero influences, a UserWarning says so and all of them
            are used.
        include_examples : bool, default=None
            Include the training rows (key ``examples``); None includes them
            when they were stored, True raises ValueError when they were not.

        Returns
        -------
        explanation : Explanation
            Local explanation with keys (axes in brackets):

            - ``example_indices`` (example,): positions in the training data
              (a row can appear twice: influences are per (example, class)
              pair, eq. 22);
            - ``example_index_labels`` (example,): their labels in the
              training data's index, only when it was a DataFrame or Series;
            - ``example_labels`` (example,): each example's own training
              label (its y);
            - ``example_classes`` (example,): the class its influence acts
              on, not necessarily its label: an example of class a can push
              samples towards class b (or away from it, α < 0);
            - ``influences`` (example,): E[α_nc], the α̃ of eq. (22);
            - ``similarities`` (sample, example): f(x_n)ᵀ f(x), eq. (3);
            - ``contributions`` (sample, class, example): each example's
              influence times similarity on its class, 0 on the others;
            - ``scores`` (sample, class): the U-example explanation model's
              pre-activation, the sum of the contributions over examples;
            - ``predicted_class`` (sample,): g's prediction (``predict``);
            - ``explained_class`` (sample,): h's, ``predict_explained``;
            - ``examples`` (example, input axes...): the training rows.
        """
        data, dims, coords, meta = super().explain(X, n_examples, include_examples)
        data["predicted_class"] = self.predict(X)
        data["explained_class"] = self.classes_[data["scores"].argmax(axis=1)]
        dims.update(predicted_class=("sample",), explained_class=("sample",))
        return Explanation(data, dims, coords, meta)

    def predict_explained(self, X, n_examples=None):
        """Labels predicted by the explanation model with U examples (eq. 21).

        Parameters
        ----------
        X : array-like
            Samples, shaped like the training data.
        n_examples : int, default=None
            U; None uses the ``n_examples`` parameter.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``; they agree with ``predict`` where the
            explanation is faithful (eq. 4).

        Raises
        ------
        ValueError
            When every influence is 0 (too large an ``eta`` closed every
            gate): an explanation model without examples predicts nothing.
            :func:`~sklearn_interp.metrics.faithfulness_score` and its
            scorers give such a model a faithfulness of 0 instead.
        """
        _, _, _, contributions = self._explained_scores(X, n_examples)
        return self.classes_[contributions.sum(axis=-1).argmax(axis=1)]


class SparseRepresenterRegressor(_SparseRepresenter, NeuralRegressorBase):
    __doc__ = f"""A regressor trained jointly with a sparse example-based explanation model.

    g(x) = Wᵀ f(x) (eq. 1) and h(x) = Σ_n α_n f(x_n)ᵀ f(x) (eq. 2), r the
    identity, trained with eq. (11) and squared errors (Iwata & Yoshikawa).
    {_PARAMETERS_DOC}
    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    {_ATTRIBUTES_DOC}
    See Also
    --------
    SparseRepresenterClassifier : The same model for classification.
    {_NOTES_DOC}
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn_interp import SparseRepresenterRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = SparseRepresenterRegressor(random_state=0).fit(X, y)
    >>> exp = reg.explain(X[:2], n_examples=5)
    >>> exp["scores"].shape, exp["intercept"].round(1)
    ((2, 1), array([152.1]))
    """

    _parameter_constraints = {**NeuralRegressorBase._parameter_constraints,
                              **_SparseRepresenter._parameter_constraints}

    def __init__(self, method="proposed", *, lam=1.0, eta=1e-3, sigma=0.5, n_mc_samples=1, explanation_lr="auto",
                 features="auto", hidden_layer_sizes=(64, 64, 64), dropout=0.3, conv_channels=(32, 64),
                 image_shape=None, n_examples=10, store_training_data=True, max_epochs=200, batch_size=32, lr=1e-3,
                 optimizer="adam", weight_decay=0.0, early_stopping=True, validation_fraction=0.1,
                 tol=1e-4, n_iter_no_change=10, device="auto", n_threads=1, inference_batch_size="auto",
                 inference_precision="auto", random_state=None, verbose=0, warm_start=False, callbacks=None):
        super().__init__(
            method, lam=lam, eta=eta, sigma=sigma, n_mc_samples=n_mc_samples, explanation_lr=explanation_lr,
            features=features, hidden_layer_sizes=hidden_layer_sizes, dropout=dropout, conv_channels=conv_channels,
            image_shape=image_shape, n_examples=n_examples, store_training_data=store_training_data,
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose, warm_start=warm_start, callbacks=callbacks,
        )

    def explain(self, X, n_examples=None, include_examples=None):
        """Explain predictions by the U training examples of largest influence (eqs. 20-22).

        Parameters
        ----------
        X : array-like
            Samples, shaped like the training data.
        n_examples : int, default=None
            U; None uses the ``n_examples`` parameter (see the classifier).
        include_examples : bool, default=None
            Include the training rows (key ``examples``).

        Returns
        -------
        explanation : Explanation
            Keys as for :meth:`SparseRepresenterClassifier.explain` with an
            ``output`` axis instead of ``class``, ``example_labels`` holding
            each example's own training target, (example,) for one output
            and (example, output) for several, ``example_classes`` holding
            the output index each influence acts on, ``intercept`` (output,):
            ``target_offset_``, the mean of y, and ``predictions`` (sample,
            output): g's prediction. Everything is in the units of y:
            ``influences`` and ``contributions`` are scaled by
            ``target_scale_``, and ``scores = contributions.sum(-1) +
            intercept`` is ``predict_explained``.
        """
        data, dims, coords, meta = super().explain(X, n_examples, include_examples)
        data["predictions"] = self.predict(X).reshape(len(data["scores"]), -1)
        data["intercept"] = self.target_offset_.copy()
        dims.update(predictions=("sample", "output"), intercept=("output",))
        return Explanation(data, dims, coords, meta)

    def predict_explained(self, X, n_examples=None):
        """Targets predicted by the explanation model with U examples (eq. 21).

        Parameters
        ----------
        X : array-like
            Samples, shaped like the training data.
        n_examples : int, default=None
            U; None uses the ``n_examples`` parameter.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The sum of the U examples' contributions plus ``target_offset_``
            (the mean of y), in the units of y.

        Raises
        ------
        ValueError
            When every influence is 0 (see the classifier).
        """
        _, _, _, contributions = self._explained_scores(X, n_examples)
        return self._decode_targets(self._explained_outputs(contributions))
