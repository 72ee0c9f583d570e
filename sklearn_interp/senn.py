"""Self-explaining neural networks (Alvarez-Melis & Jaakkola, 2018)."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._constraints import IMAGE_SHAPE, positive_int_sequence
from ._removal import contribution_removal_scores, softmax
from .base import (CONVERGENCE_PARAMETERS_DOC, RUNTIME_PARAMETERS_DOC, TRAINING_CURVES_DOC, NeuralClassifierBase,
                   NeuralRegressorBase)
from .explanation import Explanation, sample_coords
from .nn.autoencoders import concept_autoencoder, conv_net, mlp
from .nn.reduction import weighted_mean


class InputConcepts(nn.Module):
    """h(x) = (x_1, ..., x_p, 1): the raw (scaled) features and a bias concept."""

    def forward(self, x):
        x = x.flatten(1)
        return torch.cat([x, torch.ones_like(x[:, :1])], dim=1)


class SENNNetwork(nn.Module):
    """f(x) = g(θ(x)_1 h(x)_1, ..., θ(x)_k h(x)_k) with g the sum, eq. (2).

    ``forward`` returns ``(outputs, concepts, relevances)``: the logits (or
    predictions) ``f(x)`` of shape (n, m), h(x) of shape (n, k) and θ(x) of
    shape (n, m, k), so that ``outputs = (relevances * concepts[:, None]).sum(-1)``.

    ``penalty`` is the rest of eq. (4): ``lam * L_θ + xi * L_h + sparsity * mean|h|``.
    L_θ (eq. 3) is ``||J_x f(x) - θ(x) J_x h(x)||_F`` for each sample, averaged
    over the batch, with the Jacobians of the training step's own forward
    pass (one extra backward pass per output and learned concept). The differentiated output is f, the logits the relevances
    are coefficients of (not the softmax probabilities, whose Jacobian also
    carries the softmax's), and the per-sample mean makes ``lam`` independent of
    the batch size. It is computed in training steps only (validation runs
    without gradients). L_h is the reconstruction error of a learned concept
    encoder (mean squared error per input value, as the authors' code).
    """

    def __init__(self, concept_encoder, concept_decoder, parameterizer, n_concepts, n_outputs,
                 lam=0.01, xi=1.0, sparsity=1e-4):
        super().__init__()
        self.concept_encoder = concept_encoder
        self.concept_decoder = concept_decoder
        self.parameterizer = parameterizer
        self.n_concepts, self.n_outputs = n_concepts, n_outputs
        self.lam, self.xi, self.sparsity = lam, xi, sparsity

    def forward(self, x):
        concepts = self.concept_encoder(x)
        relevances = self.parameterizer(x).view(len(x), self.n_outputs, self.n_concepts)
        return (relevances * concepts[:, None, :]).sum(-1), concepts, relevances

    requires_input_grad = True  # training batches arrive with grad, so L_θ reuses the forward pass

    def penalty(self, outputs, x, training=False, sample_weight=None):
        _, concepts, _ = outputs
        loss = concepts.new_zeros(())
        if self.concept_decoder is not None:
            if self.xi:
                loss = loss + self.xi * weighted_mean((self.concept_decoder(concepts) - x).pow(2), sample_weight)
            if self.sparsity:
                loss = loss + self.sparsity * weighted_mean(concepts.abs(), sample_weight)
        if self.lam and training:
            loss = loss + self.lam * weighted_mean(self.robustness(x, outputs), sample_weight)
        return loss

    def jacobians(self, x, outputs=None):
        """Per-sample Jacobians ``(J_x f, J_x h)``, shapes (n, m, d) and (n, k, d), d the input size.

        Reverse mode, one backward pass vectorized over the outputs and learned concepts, each over
        the batch's sum (the rows of a batch do not interact, so the gradient
        of the sum holds each row's own). ``outputs`` of ``self(x)`` computed
        with grad are reused; otherwise the forward pass is rerun with grad.
        Input concepts have the known Jacobian ``[I; 0]`` (the bias is constant).
        """
        x, outputs = self._with_input_grad(x, outputs)
        f, h, _ = outputs
        input_concepts = isinstance(self.concept_encoder, InputConcepts)
        rows = f if input_concepts else torch.cat([f, h], dim=1)
        # One backward pass vectorized over the rows (torch.vmap): at 7-10 rows a third of
        # a training step's time less than one pass per row, the same at 2 rows.
        basis = torch.eye(rows.shape[1], dtype=rows.dtype, device=rows.device)[:, None].expand(-1, len(x), -1)
        with torch.enable_grad():
            (grads,) = torch.autograd.grad(rows, x, basis, create_graph=self.training, retain_graph=True,
                                           is_grads_batched=True)
        jacobians = grads.flatten(2).transpose(0, 1)  # (n, rows, d)
        jacobian_f = jacobians[:, :self.n_outputs]
        if input_concepts:
            identity = torch.eye(x[0].numel(), dtype=x.dtype, device=x.device)
            jacobian_h = torch.cat([identity, identity[:1] * 0]).expand(len(x), -1, -1)
        else:
            jacobian_h = jacobians[:, self.n_outputs:]
        return jacobian_f, jacobian_h

    def _with_input_grad(self, x, outputs):
        """``(x, self(x))`` with ``x`` requiring grad: the given pair when it does, else rerun."""
        if outputs is not None and x.requires_grad:
            return x, outputs
        x = x.detach().requires_grad_(True)
        with torch.enable_grad():
            return x, self(x)

    def robustness(self, x, outputs=None):
        """L_θ of eq. (3) for each sample: ``||J_x f(x) - θ(x) J_x h(x)||_F``."""
        x, outputs = self._with_input_grad(x, outputs)
        jacobian_f, jacobian_h = self.jacobians(x, outputs)
        return (jacobian_f - outputs[2] @ jacobian_h).flatten(1).norm(dim=1)


class _SENN:
    """Parameters, module and explanations shared by the SENN classifier and regressor."""

    _structural_params = ("concepts", "n_concepts", "parameterizer", "hidden_layer_sizes", "conv_channels",
                          "image_shape")
    _module_params = ("lam", "xi", "sparsity")

    _parameter_constraints = {
        "concepts": [StrOptions({"auto", "input", "autoencoder"}), nn.Module],
        "n_concepts": [Interval(Integral, 1, None, closed="left")],
        "lam": [Interval(Real, 0, None, closed="left")],
        "xi": [Interval(Real, 0, None, closed="left")],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "parameterizer": [StrOptions({"auto"}), nn.Module],
        "hidden_layer_sizes": [positive_int_sequence(min_length=1)],
        "conv_channels": [positive_int_sequence(min_length=1)],
        "image_shape": [IMAGE_SHAPE, None],
        "n_examples": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, concepts="auto", *, n_concepts=5, lam=0.01, xi=1.0, sparsity=1e-4, parameterizer="auto",
                 hidden_layer_sizes=(64, 64), conv_channels=(32, 64), image_shape=None, n_examples=8,
                 max_epochs=100, batch_size="auto", lr=0.002, optimizer="adam", weight_decay=0.0,
                 early_stopping=True, validation_fraction=0.1, tol=1e-4, n_iter_no_change=10, device="auto",
                 n_threads=1, inference_batch_size="auto", inference_precision="auto", random_state=None, verbose=0,
                 warm_start=False, callbacks=None):
        self.concepts = concepts
        self.n_concepts = n_concepts
        self.lam = lam
        self.xi = xi
        self.sparsity = sparsity
        self.parameterizer = parameterizer
        self.hidden_layer_sizes = hidden_layer_sizes
        self.conv_channels = conv_channels
        self.image_shape = image_shape
        self.n_examples = n_examples
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose,
            warm_start=warm_start, callbacks=callbacks,
        )

    # ---------------------------------------------------------------- fitting
    def _concept_kind(self):
        if isinstance(self.concepts, nn.Module):
            return "module"
        if self.concepts == "auto":
            return "autoencoder" if len(self.input_shape_) == 3 else "input"
        return self.concepts

    def _concept_modules(self):
        """``(encoder, decoder, k)`` for the ``concepts`` parameter."""
        kind = self._concept_kind()
        if kind == "module":
            return self.concepts, None, self.n_concepts
        if kind == "input":
            if len(self.input_shape_) == 3:
                raise ValueError(
                    "concepts='input' uses the raw features as concepts and takes tabular data; for "
                    "images use concepts='autoencoder' (or 'auto')."
                )
            return InputConcepts(), None, self.input_shape_[0] + 1
        encoder, decoder = concept_autoencoder(self.input_shape_, self.n_concepts, self.hidden_layer_sizes[:1],
                                               self.conv_channels)
        return encoder, decoder, self.n_concepts

    def _parameterizer_module(self, n_relevances):
        if isinstance(self.parameterizer, nn.Module):
            return self.parameterizer
        if len(self.input_shape_) == 3:
            return conv_net(self.input_shape_, n_relevances, self.conv_channels, self.hidden_layer_sizes)
        return mlp((self.input_shape_[0], *self.hidden_layer_sizes, n_relevances))

    def _build_module(self, X, y):
        encoder, decoder, n_concepts = self._concept_modules()
        n_outputs = self._n_outputs()
        module = SENNNetwork(encoder, decoder, self._parameterizer_module(n_outputs * n_concepts), n_concepts,
                             n_outputs)
        self._check_jacobians(module, X[:8])
        return module

    @staticmethod
    def _check_jacobians(module, X):
        x = torch.as_tensor(X)
        try:
            jacobian_f, jacobian_h = (value.detach() for value in module.jacobians(x))
        except RuntimeError as error:
            raise ValueError(f"SENN could not differentiate the concepts h(x) and the output f(x): {error}") from error
        if not (torch.isfinite(jacobian_f).all() and torch.isfinite(jacobian_h).all()):
            raise ValueError(
                "The concept encoder or the parameterizer has non-finite Jacobians on the training data "
                "(e.g. sqrt or log at 0); the robustness loss L_θ (eq. 3) needs finite ones."
            )

    @torch.no_grad()
    def _after_fit(self, X, y):
        self.n_concepts_ = self.net_.module_.n_concepts
        if self._concept_kind() == "input":
            return
        concepts = self._infer(X, lambda outputs: outputs[1].cpu().numpy())
        n_examples = min(self.n_examples, len(X))
        top = np.argsort(-concepts, axis=0, kind="stable")[:n_examples].T  # (k, n_examples)
        self.concept_example_indices_ = self._position_in_fit(top)
        self.concept_example_activations_ = np.take_along_axis(concepts.T, top, axis=1)
        self.concept_examples_ = np.asarray(X[top], dtype=np.float64)
        decoder = self.net_.module_.concept_decoder
        if decoder is not None:
            # Concept i at its largest training value, the others at their mean.
            codes = np.tile(concepts.mean(axis=0), (self.n_concepts_, 1))
            codes[np.diag_indices(self.n_concepts_)] = concepts.max(axis=0)
            parameter = next(decoder.parameters())
            decoded = decoder(torch.as_tensor(codes, dtype=parameter.dtype, device=parameter.device))
            self.decoded_concepts_ = self._unscale(decoded.cpu().numpy())

    # ------------------------------------------------------------ explaining
    def _feature_name_coords(self, names=None):
        """The base's coordinates, and for input concepts ``"concept"``: the names and ``"bias"``."""
        coords = super()._feature_name_coords(names)
        if self._concept_kind() == "input":
            coords["concept"] = np.asarray([*map(str, coords["feature"]), "bias"])
        return coords

    def _concept_names(self):
        if self._concept_kind() == "input":
            return self._feature_name_coords()["concept"]
        return np.asarray([f"concept {i}" for i in range(self.n_concepts_)])

    def _explanation(self, X, output_key):
        check_is_fitted(self)
        outputs, concepts, relevances = self._predict_outputs(
            X, lambda outputs: tuple(value.cpu().numpy() for value in outputs)
        )
        contributions = relevances * concepts[:, None, :]
        data = {"concepts": concepts, "relevances": relevances, "contributions": contributions,
                output_key: outputs}
        output_axis = "class" if output_key == "logits" else "output"
        dims = {"concepts": ("sample", "concept"), "relevances": ("sample", output_axis, "concept"),
                "contributions": ("sample", output_axis, "concept"), output_key: ("sample", output_axis)}
        coords = {"concept": self._concept_names(), **sample_coords(X)}
        meta = {"method": "senn", "scope": "local", "concepts": self._concept_kind()}
        return data, dims, coords, meta

    def _removal_scores(self, X, explanation, baseline=None):
        """Faithfulness hook: a concept is removed by setting θ_i h_i to 0, as in §5.3 of the paper.

        Input concepts are the features, so those are removed as every
        explainer's features are, by replacing them with ``baseline`` (the
        training mean by default), which also lets θ(x) respond; the bias
        concept is removed by zeroing its contribution.
        """
        outputs = explanation["logits" if "logits" in explanation.keys() else "predictions"]
        scores, removed = contribution_removal_scores(outputs, explanation["contributions"], self._link)
        if self._concept_kind() == "input":
            removed[:, :-1] = super()._removal_scores(X, explanation, baseline)[1]
        return scores, removed

    def _torch_explanation(self, x):
        """``relevances`` θ(x) and ``contributions`` θ(x)·h(x) for raw inputs ``x``, differentiable.

        In the units of y for a regressor, as :meth:`explain` returns them.
        """
        _, concepts, relevances = self.net_.module_(self._scaled_tensor(x))
        scale = getattr(self, "target_scale_", None)
        if scale is not None:
            relevances = relevances * relevances.new_tensor(scale)[:, None]
        return {"relevances": relevances, "contributions": relevances * concepts[:, None, :]}

    def explain_global(self):
        """The learned concepts, grounded by the training examples that activate each most (§4).

        Returns
        -------
        explanation : Explanation
            Global explanation with keys ``example_indices`` (concept,
            example): positions in the training data of the ``n_examples``
            examples with the largest h(x)_i, largest first;
            ``example_activations`` (concept, example): their h(x)_i;
            ``examples`` (concept, example, input axes...): those rows or images
            in the units of X; and, for learned concepts
            (``concepts="autoencoder"``), ``decoded_concepts`` (concept, input
            axes...): the decoder's output for each concept at its largest
            training value, the others at their mean, in the units of X. Raises
            ValueError for ``concepts='input'``, whose concepts are the
            features themselves.
        """
        check_is_fitted(self)
        if not hasattr(self, "concept_example_indices_"):
            raise ValueError("concepts='input' uses the features as concepts; there is nothing to ground.")
        input_dims = ("feature",) if len(self.input_shape_) == 1 else ("channel", "height", "width")
        data = {
            "example_indices": self.concept_example_indices_.copy(),
            "example_activations": self.concept_example_activations_.copy(),
            "examples": self.concept_examples_.copy(),
        }
        dims = {"example_indices": ("concept", "example"), "example_activations": ("concept", "example"),
                "examples": ("concept", "example", *input_dims)}
        if hasattr(self, "decoded_concepts_"):
            data["decoded_concepts"] = self.decoded_concepts_.copy()
            dims["decoded_concepts"] = ("concept", *input_dims)
        coords = {"concept": self._concept_names(), **self._feature_name_coords()}
        meta = {"method": "senn", "scope": "global", "image": len(self.input_shape_) == 3}
        return Explanation(data, dims, coords, meta)


_PARAMETERS_DOC = """
    Parameters
    ----------
    concepts : {"auto", "input", "autoencoder"} or torch.nn.Module, default="auto"
        The concept encoder h. ``"input"``: the features themselves plus a
        bias concept (k = p + 1; tabular data only). ``"autoencoder"``:
        ``n_concepts`` concepts learned by an autoencoder trained with
        reconstruction weight ``xi`` and sparsity weight ``sparsity`` (§4): an MLP
        with concepts in (0, 1) for tabular data, small ReLU convolutions and
        unbounded (linear) concepts for images. ``"auto"``:
        ``"input"`` for tabular data, ``"autoencoder"`` for images. A module
        maps the scaled input to ``(n, n_concepts)`` concepts (no reconstruction
        loss).
    n_concepts : int, default=5
        k, the number of learned concepts (the paper's MNIST setting).
    lam : float, default=0.01 (0.5 for the regressor)
        λ in eq. (4), weight of the robustness loss L_θ of eq. (3).
    xi : float, default=1.0
        ξ in eq. (4), weight of the concept autoencoder's reconstruction loss
        L_h (mean squared error per input value).
    sparsity : float, default=1e-4
        Weight of the L1 sparsity penalty on learned concepts (the mean of ``|h(x)|``), §4.
    parameterizer : "auto" or torch.nn.Module, default="auto"
        θ: an MLP with ``hidden_layer_sizes`` (LeakyReLU) for tabular data, a
        small CNN (``conv_channels``, then an MLP) for images. A module maps the
        scaled input to ``(n, n_outputs * n_concepts)`` relevances.
    hidden_layer_sizes : tuple of int, default=(64, 64) ((32, 32) for the regressor)
        Hidden layers of the MLP parameterizer (the first also sizes the
        tabular concept autoencoder's hidden layer).
    conv_channels : tuple of int, default=(32, 64)
        Channels of the stride-2 3x3 ReLU convolutions of image encoders.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` when images come flat as ``(n, C*H*W)``;
        images may also be passed as ``(n, H, W)`` or ``(n, C, H, W)``.
    n_examples : int, default=8
        Training examples kept per learned concept for its grounding (§4).
    max_epochs : int, default=100
        Maximum number of passes over the training data: the cap of the
        convergence rule (``tol``); a fit that reaches it before the rule
        stops it warns with a ``ConvergenceWarning``.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" takes about sqrt(n_samples), a power of 2 in
        [64, 256] (the authors' scripts use 64 to 200).
    lr : float, default=0.002
        Learning rate (the authors use 2e-4 with more epochs).
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training data; the convergence
        rule (``tol``) watches its loss (which leaves out L_θ, as it needs
        gradients), and the weights of its best epoch are restored. Without
        it the training loss of a small table keeps falling long after the
        test accuracy stopped rising (ten tables of ``benchmarks run
        fit_time_defaults``: 100 epochs took a median 6.6 times as long as
        ``MLPClassifier()`` at seed 0, early stopping 2.2 times over five
        seeds; accuracy in Notes).
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
""" + CONVERGENCE_PARAMETERS_DOC + RUNTIME_PARAMETERS_DOC + """    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and the validation split.
    verbose : int, default=0
        When > 0, show a progress bar and a per-epoch table.
    warm_start : bool, default=False
        When True, ``fit`` continues training the fitted network with the
        current parameters; changing one that shapes the network
        (``concepts``, ``n_concepts``, ``parameterizer``,
        ``hidden_layer_sizes``, ``conv_channels``, ``image_shape``) fits a new
        one, with a warning.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (each fit uses a copy).
"""

_REGRESSOR_DEFAULTS_DOC = """
    The regressor's defaults differ from the classifier's in two
    parameters, chosen on small regression sets (5-fold CV, seeds 0-2 on
    diabetes, 442 rows, and make_friedman3, 1000 rows; then every set of
    ``benchmarks run small_data.regression``): ``lam=0.5`` and
    ``hidden_layer_sizes=(32, 32)`` (with ``early_stopping=True``, the
    classifier's default too). At λ = 0.01, (64, 64), without early stopping, θ(x) overfits
    diabetes, R² -0.16 (Ridge 0.49); λ = 1 alone gives 0.45-0.49 there but
    keeps θ(x) so nearly constant that make_friedman3 drops to 0.65 (an MLP
    0.80); λ = 0.5 with early stopping on (64, 64) left one diabetes seed at
    0.36; with (32, 32) the worst seed is 0.45 on diabetes and 0.78 on
    make_friedman3.
"""

_ATTRIBUTES_DOC = """
    n_features_in_ : int
        Number of features seen during fit (for images, the channels).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.
    input_shape_ : tuple of int
        Shape of one sample as the network sees it: ``(p,)`` or ``(C, H, W)``.
    input_offset_, input_scale_ : ndarray
        The scaling of X (standardized features; images mapped onto [0, 1]):
        input concepts are the scaled feature values.
    n_concepts_ : int
        k: p + 1 for input concepts, else ``n_concepts``.
    concept_example_indices_ : ndarray of shape (n_concepts_, n_examples)
        For learned concepts: the training examples that activate each concept
        most, largest first (§4 grounding).
    concept_example_activations_ : ndarray of shape (n_concepts_, n_examples)
        Their concept values h(x)_i.
    concept_examples_ : ndarray of shape (n_concepts_, n_examples) + input_shape_
        Those examples, in the units of X.
    decoded_concepts_ : ndarray of shape (n_concepts_,) + input_shape_
        For learned concepts with a decoder: the decoding of each concept at
        its largest training value, the others at their mean.
    net_ : skorch.NeuralNet
        The fitted skorch net (``net_.history`` holds the training log).
""" + TRAINING_CURVES_DOC + """"""

_NOTES_DOC = """
    Notes
    -----
    The model is linear in its concepts: the output for class (or target) c
    is ``sum_i θ(x)_{c,i} h(x)_i``, eq. (1) with g the sum (eq. 2), and the
    robustness loss L_θ (eq. 3) keeps it so locally, by pushing the Jacobian
    of f towards ``θ(x) J_x h(x)``. The Jacobians are taken by reverse mode
    from the training step's own forward pass, one backward pass vectorized over the outputs
    and learned concepts (the rows of a batch do not interact, so a
    custom ``concepts`` or ``parameterizer`` module must not mix them, e.g.
    no BatchNorm).
    Features are standardized (statistics in float64) before they reach the
    network, so input concepts are z-scores and relevances are per standard
    deviation of each feature.

    Defaults that differ from the paper and the authors' code: ``lr=0.002``
    (2e-4 there), ``batch_size="auto"``, ``max_epochs=100`` with the
    convergence rule on a held-out 10% (``early_stopping=True``): on the ten
    small tables of ``benchmarks run fit_time_defaults`` (5 seeds x 5-fold CV)
    it stopped after 15-66 epochs, its worst seed within 0.03 of
    ``MLPClassifier()``'s mean accuracy or above it on eight; on Glass (214
    rows, 17 held out per fold) and Ionosphere it stopped too soon (worst seed
    0.61 against 0.69, 0.87 against 0.92), where 30 fixed epochs
    (``early_stopping=False, tol=None, max_epochs=30``) gave 0.72 and 0.90 at
    seed 0; 100 fixed epochs, the former default, fell short on Pima, Heart
    disease and Yeast instead; L_θ is averaged over
    the samples of a batch rather than one Frobenius norm over the batch of
    the probability output; the authors' code drops the concept loss when the
    robustness penalty is on, here all three terms of eq. (4) are trained.

    References
    ----------
    D. Alvarez-Melis and T. S. Jaakkola. "Towards Robust Interpretability
    with Self-Explaining Neural Networks". NeurIPS 2018.
"""


class SENNClassifier(_SENN, NeuralClassifierBase):
    __doc__ = f"""Self-explaining neural network classifier: logits linear in concepts, eq. (1)-(4).

    Each class logit is ``f(x)_c = sum_i θ(x)_{{c,i}} h(x)_i``: concepts h(x)
    (the features, or learned by an autoencoder) weighted by relevances θ(x)
    that a network computes from x and that a robustness loss keeps stable
    (Alvarez-Melis & Jaakkola, 2018). Loss, eq. (4): cross-entropy
    + λ·L_θ + ξ·L_h (+ a sparsity penalty on learned concepts).
    {_PARAMETERS_DOC}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    {_ATTRIBUTES_DOC}
    See Also
    --------
    SENNRegressor : The same model for regression.
    PrototypeClassifier : Explanations by learned prototypes.
    {_NOTES_DOC}
    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_interp import SENNClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = SENNClassifier(max_epochs=20, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clf.explain(X[:2])["relevances"].shape
    (2, 2, 31)
    """

    _parameter_constraints = {**NeuralClassifierBase._parameter_constraints, **_SENN._parameter_constraints}

    def explain(self, X):
        """Concepts h(x), relevances θ(x) for every class, and their products.

        Parameters
        ----------
        X : array-like
            Samples, shaped like the training data.

        Returns
        -------
        explanation : Explanation
            Local explanation with keys (axes in brackets):

            - ``concepts`` (sample, concept): h(x); for input concepts the
              standardized features and ``"bias"`` (1).
            - ``relevances`` (sample, class, concept): θ(x), for every class.
            - ``contributions`` (sample, class, concept): θ(x)·h(x); their sum
              over the concepts is the logit.
            - ``logits`` (sample, class): f(x), from which ``predict_proba``
              (softmax) and ``predict`` (argmax) follow.
            - ``probabilities`` (sample, class) and ``predicted_class`` (sample,).

            For a DataFrame ``X``, its index labels the samples.
        """
        data, dims, coords, meta = self._explanation(X, "logits")
        logits = data["logits"]
        data["probabilities"] = softmax(logits)
        data["predicted_class"] = self.classes_[logits.argmax(axis=1)]
        dims.update(probabilities=("sample", "class"), predicted_class=("sample",))
        return Explanation(data, dims, {"class": self.classes_, **coords}, meta)


class SENNRegressor(_SENN, NeuralRegressorBase):
    __doc__ = f"""Self-explaining neural network regressor: predictions linear in concepts, eq. (1)-(4).

    Each target is ``f(x)_c = sum_i θ(x)_{{c,i}} h(x)_i`` (Alvarez-Melis &
    Jaakkola, 2018). Loss, eq. (4): squared error + λ·L_θ + ξ·L_h (+ a
    sparsity penalty on learned concepts).
    {_PARAMETERS_DOC}
    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    {_ATTRIBUTES_DOC}
    See Also
    --------
    SENNClassifier : The same model for classification.
    {_NOTES_DOC.replace("    References", _REGRESSOR_DEFAULTS_DOC + chr(10) + "    References")}
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn_interp import SENNRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> reg = SENNRegressor(random_state=0).fit(X_train, y_train)
    >>> reg.score(X_test, y_test) > 0.2
    True
    >>> exp = reg.explain(X_test[:2])
    >>> exp["contributions"].shape, exp["intercept"].round(1)
    ((2, 1, 11), array([151.9]))
    """

    _parameter_constraints = {**NeuralRegressorBase._parameter_constraints, **_SENN._parameter_constraints}

    def __init__(self, concepts="auto", *, n_concepts=5, lam=0.5, xi=1.0, sparsity=1e-4, parameterizer="auto",
                 hidden_layer_sizes=(32, 32), conv_channels=(32, 64), image_shape=None, n_examples=8,
                 max_epochs=100, batch_size="auto", lr=0.002, optimizer="adam", weight_decay=0.0,
                 early_stopping=True, validation_fraction=0.1, tol=1e-4, n_iter_no_change=10, device="auto",
                 n_threads=1, inference_batch_size="auto", inference_precision="auto", random_state=None, verbose=0,
                 warm_start=False, callbacks=None):
        super().__init__(
            concepts, n_concepts=n_concepts, lam=lam, xi=xi, sparsity=sparsity, parameterizer=parameterizer,
            hidden_layer_sizes=hidden_layer_sizes, conv_channels=conv_channels, image_shape=image_shape,
            n_examples=n_examples, max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
            weight_decay=weight_decay, early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose, warm_start=warm_start, callbacks=callbacks,
        )

    def explain(self, X):
        """Concepts h(x), relevances θ(x) for every target, and their products.

        Parameters
        ----------
        X : array-like
            Samples, shaped like the training data.

        Returns
        -------
        explanation : Explanation
            Local explanation with keys ``concepts`` (sample, concept),
            ``relevances`` and ``contributions`` (sample, output, concept),
            ``intercept`` (output,) and ``predictions`` (sample, output): the
            model's output, which ``predict`` returns. All in the units of y:
            the network is trained on standardized targets, so its relevances
            are scaled back by ``target_scale_`` and ``intercept`` is
            ``target_offset_`` (the mean of y), with
            ``predictions = contributions.sum(-1) + intercept``.
        """
        data, dims, coords, meta = self._explanation(X, "predictions")
        scale = self.target_scale_[:, None]
        data.update(relevances=data["relevances"] * scale, contributions=data["contributions"] * scale,
                    predictions=self._unscale_targets(data["predictions"]), intercept=self.target_offset_.copy())
        dims["intercept"] = ("output",)
        return Explanation(data, dims, coords, meta)
