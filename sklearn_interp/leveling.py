"""Feature leveling networks (Lu & Yang): a fully connected network whose GLM output layer sees every level."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._constraints import IMAGE_SHAPE, positive_int_sequence
from ._removal import contribution_removal_scores
from .base import (CONVERGENCE_PARAMETERS_DOC, RUNTIME_PARAMETERS_DOC, TRAINING_CURVES_DOC, NeuralClassifierBase,
                   NeuralRegressorBase)
from .explanation import Explanation, sample_coords
from .nn.leveling import FeatureLevelingNetwork


class _FeatureLeveling:
    """What the classifier and the regressor share: the network, the level names, the explanations."""

    _structural_params = ("hidden_layer_sizes", "beta", "gamma", "zeta", "init_drop_rate", "image_shape")
    _module_params = ("lam",)

    _parameter_constraints = {
        "hidden_layer_sizes": [positive_int_sequence(min_length=1)],
        "lam": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "gamma": [Interval(Real, None, 0, closed="neither")],
        "zeta": [Interval(Real, 1, None, closed="neither")],
        "init_drop_rate": [Interval(Real, 0, 1, closed="neither")],
        "image_shape": [IMAGE_SHAPE, None],
    }

    def __init__(self, hidden_layer_sizes=(64, 32), *, lam=0.01, beta=2 / 3, gamma=-0.1, zeta=1.1,
                 init_drop_rate=0.5, image_shape=None, max_epochs=100, batch_size="auto", lr=0.005,
                 optimizer="adam",
                 weight_decay=0.0, early_stopping=False, validation_fraction=0.1, tol=1e-4, n_iter_no_change=10,
                 device="auto", n_threads=1, inference_batch_size="auto", inference_precision="auto",
                 random_state=None, verbose=0, warm_start=False, callbacks=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.lam = lam
        self.beta = beta
        self.gamma = gamma
        self.zeta = zeta
        self.init_drop_rate = init_drop_rate
        self.image_shape = image_shape
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
            early_stopping=early_stopping, validation_fraction=validation_fraction, tol=tol,
            n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose, warm_start=warm_start, callbacks=callbacks,
        )

    # ---------------------------------------------------------------- fitting
    def _build_module(self, X, y):
        return FeatureLevelingNetwork(int(np.prod(self.input_shape_)), self.hidden_layer_sizes, self._n_outputs(),
                                      lam=self.lam, beta=self.beta, gamma=self.gamma, zeta=self.zeta,
                                      init_drop_rate=self.init_drop_rate)

    # ------------------------------------------------------------- explaining
    def _input_names(self):
        """Names of the input units: feature names, or ``c<channel>h<row>w<column>`` for image pixels."""
        if len(self.input_shape_) == 1:
            return [str(name) for name in self._feature_name_coords()["feature"]]
        return [f"c{c}h{h}w{w}" for c, h, w in np.ndindex(*self.input_shape_)]

    def _levels(self):
        """Per GLM input, its level (1 = the features, k + 1 = hidden layer k's units), and its name."""
        sizes = self.net_.module_.level_sizes
        levels = np.repeat(np.arange(1, len(sizes) + 1), sizes)
        names = [f"L1:{name}" for name in self._input_names()]
        for level, size in enumerate(sizes[1:], start=2):
            names += [f"L{level}:h{j}" for j in range(size)]
        return levels, np.asarray(names)

    def _glm_weights(self):
        """GLM weight (n_outputs, n_glm_inputs) and bias (n_outputs,) in the units of the outputs, float64."""
        glm = self.net_.module_.glm
        weight = glm.weight.detach().cpu().numpy().astype(np.float64)
        bias = glm.bias.detach().cpu().numpy().astype(np.float64)
        return self._unscale_targets(weight.T, offset=False).T, self._unscale_targets(bias)

    def _explanation(self, X, output_key):
        check_is_fitted(self)
        glm_inputs = self._predict_outputs(X, lambda outputs: outputs[1].cpu().numpy())
        weight, intercept = self._glm_weights()
        contributions = weight[None] * np.asarray(glm_inputs, dtype=np.float64)[:, None, :]
        levels, names = self._levels()
        starts = np.flatnonzero(np.diff(levels, prepend=0))
        level_contributions = np.add.reduceat(contributions, starts, axis=2)
        output_axis = "class" if output_key == "logits" else "output"
        data = {"contributions": contributions, "level_contributions": level_contributions, "intercept": intercept,
                output_key: contributions.sum(axis=2) + intercept}
        dims = {"contributions": ("sample", output_axis, "glm_input"),
                "level_contributions": ("sample", output_axis, "level"), "intercept": (output_axis,),
                output_key: ("sample", output_axis)}
        coords = {"glm_input": names, "level": [f"L{k}" for k in range(1, levels[-1] + 1)], **sample_coords(X)}
        return data, dims, coords, {"method": "feature_leveling", "scope": "local"}

    def _gate_values(self):
        """Deterministic gate of every GLM input (0 = straight to the GLM); the last hidden layer's units read 0."""
        module = self.net_.module_
        gates = [gate.deterministic().detach().cpu().numpy().astype(np.float64) for gate in module.gates]
        return np.concatenate([*gates, np.zeros(module.level_sizes[-1])])

    def _architecture(self, gates):
        """The pruned architecture in the paper's notation (``10-28-32*-1``) and the pruned hidden layers."""
        sizes = self.net_.module_.level_sizes
        n_open = [int(np.count_nonzero(gates[start:start + size])) for start, size in
                  zip(np.cumsum((0, *sizes[:-2])), sizes[:-1])]
        kept = n_open.index(0) if 0 in n_open else len(n_open)
        widths = [*n_open[:kept], f"{sizes[kept]}*", self._n_outputs()]
        return "-".join(map(str, widths)), np.arange(kept + 1, len(n_open) + 1)

    def explain_global(self):
        """Which features go straight to the GLM, how much each level passes on and weighs (§5.2, §6).

        Returns
        -------
        explanation : Explanation
            Global explanation with keys (axes in brackets):

            - ``level1_features`` (feature,), or (channel, height, width)
              for images: True for an input whose gate is 0, which only the
              GLM reads (a level-1 feature).
            - ``gates`` (glm_input,): the deterministic gate z before the
              next hidden layer of every GLM input. The next layer reads
              ``z * a`` and the GLM ``(1 - z) * a``: 0 sends the unit whole
              to the GLM, 1 only on; a gate in between, which a long enough
              fit rarely leaves, splits it. Units of the last hidden layer,
              which always reach the GLM, read 0.
            - ``open_fraction`` (layer,): the share of gates > 0 (open)
              before each hidden layer; 0 means the layer, and every one
              after it, receives nothing and is pruned: its units then add
              only a constant, ``relu(bias)`` times their GLM weights.
            - ``aav`` (level,): the average absolute GLM weight of the units
              of each level whose gate is 0 (AAV, §5.2), over the
              {classes|outputs}; NaN for a level that sends no unit whole,
              and for the units of a pruned layer.
            - ``glm_weights`` ({class|output}, glm_input) and
              ``layer_weights_k`` (unit_{k+1}, unit_k) for k = 1..K: the
              GLM's weights (in the units of y for a regressor) and each
              hidden layer's, for the weight heatmap (Fig. 2).
            - ``architecture`` (): the pruned architecture in the paper's
              notation, e.g. ``"10-28-32*-1"``: the open gates before each
              hidden layer that receives something, then the width of the
              last such layer, starred as the GLM also reads every earlier
              level, then the outputs.

            ``meta["pruned_layers"]`` lists the (1-based) hidden layers that
            receive nothing.
        """
        check_is_fitted(self)
        module = self.net_.module_
        levels, names = self._levels()
        gates = self._gate_values()
        reaches_glm = gates == 0
        weight, _ = self._glm_weights()
        n_levels = levels[-1]
        architecture, pruned = self._architecture(gates)
        informative = reaches_glm & ~np.isin(levels, pruned + 1)  # a pruned layer's units are constants
        aav = np.array([np.abs(weight[:, (levels == k) & informative]).mean()
                        if np.any((levels == k) & informative) else np.nan for k in range(1, n_levels + 1)])
        output_axis = self._output_axis
        n_inputs = module.level_sizes[0]
        input_dims = ("feature",) if len(self.input_shape_) == 1 else ("channel", "height", "width")
        data = {"level1_features": reaches_glm[:n_inputs].reshape(self.input_shape_), "gates": gates,
                "open_fraction": np.array([np.mean(gates[levels == k] > 0) for k in range(1, n_levels)]),
                "aav": aav, "glm_weights": weight, "architecture": np.array(architecture)}
        dims = {"level1_features": input_dims, "gates": ("glm_input",), "open_fraction": ("layer",),
                "aav": ("level",), "glm_weights": (output_axis, "glm_input"), "architecture": ()}
        unit_names = {k: names[levels == k] for k in range(1, n_levels + 1)}
        for k, layer in enumerate(module.layers, start=1):
            data[f"layer_weights_{k}"] = layer.weight.detach().cpu().numpy().astype(np.float64)
            dims[f"layer_weights_{k}"] = (f"unit_{k + 1}", f"unit_{k}")
        coords = {**self._feature_name_coords(), "glm_input": names, "layer": [f"layer{k}" for k in range(1, n_levels)],
                  "level": [f"L{k}" for k in range(1, n_levels + 1)], output_axis: self._output_labels(),
                  **{f"unit_{k}": unit_names[k] for k in unit_names}}
        meta = {"method": "feature_leveling", "scope": "global", "pruned_layers": pruned.tolist()}
        return Explanation(data, dims, coords, meta)

    def _removal_scores(self, X, explanation, baseline=None):
        """Faithfulness hook: a GLM input is removed by dropping its term ``w_j * g_j`` from the output."""
        outputs = explanation["logits" if "logits" in explanation.keys() else "predictions"]
        return contribution_removal_scores(outputs, explanation["contributions"], self._link)

    def _torch_explanation(self, x):
        """``contributions`` ``w_j * g_j`` for raw inputs ``x``, differentiable (in the units of y)."""
        module = self.net_.module_
        _, glm_inputs = module(self._scaled_tensor(x))
        contributions = module.glm.weight[None] * glm_inputs[:, None, :]
        scale = getattr(self, "target_scale_", None)
        return {"contributions": contributions if scale is None
                else contributions * contributions.new_tensor(scale)[:, None]}


_PARAMETERS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the K hidden layers (ReLU), the paper's California housing
        setup (13-64-32-1); its MNIST setup is ``(300, 100)``. At least one.
    lam : float, default=0.01
        λ of eq. (8): weight of the expected number of open gates (units
        passed on to the next layer rather than to the GLM), averaged over
        the K gated layers. The paper tries 0.01 to 0.5. The penalty counts
        gates, so inputs with many dimensions need a smaller λ: on MNIST
        (784-300-100, 6000 images, 20 epochs) λ = 0.01 closed all but 2
        pixel gates and pruned the second layer (validation accuracy 0.90),
        λ = 0.001 kept 594 pixels (0.944); the benchmarks choose λ on
        validation data. The default, with ``lr=0.005``, was chosen on the
        ten sets of ``benchmarks run small_data.leveling`` (5-fold CV
        accuracy within 0.03 of scikit-learn's MLP for every seed): λ = 0.03
        missed that on Glass by 0.003, λ = 0.1 on Vehicle by 0.015.
    beta : float, default=2/3
        Temperature of the hard-concrete gates (Louizos et al.), > 0.
    gamma : float, default=-0.1
        Lower end of the gates' stretched interval, < 0.
    zeta : float, default=1.1
        Upper end of the gates' stretched interval, > 1.
    init_drop_rate : float, default=0.5
        In (0, 1). Each gate's ``log_alpha`` starts at ``log((1 - p) / p)``
        (plus small noise), with ``p`` this rate (Louizos et al.'s
        ``droprate_init``): at 0.5 the deterministic gate starts at 0.5, and
        a sampled gate is exactly 0 with probability of about 0.17.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` when images come flat as ``(n, C*H*W)``;
        images may also be passed as ``(n, H, W)`` or ``(n, C, H, W)``. The
        network reads them flattened, pixels in [0, 1] (the paper's MNIST
        setup); level-1 units are then named by pixel, ``"L1:c0h3w5"``.
    max_epochs : int, default=100
        Maximum number of passes over the training data (the cap of the
        convergence rule, ``tol``).
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" takes about sqrt(n_samples), a power of 2 in
        [64, 256].
    lr : float, default=0.005
        Learning rate (with 0.002, Vehicle's worst seed fell 0.03 below the MLP).
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data; the
        convergence rule watches its loss and the best epoch's weights are
        restored.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
""" + CONVERGENCE_PARAMETERS_DOC + RUNTIME_PARAMETERS_DOC + """    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, the gates' noise and the validation
        split.
    verbose : int, default=0
        When > 0, show a progress bar and a per-epoch table.
    warm_start : bool, default=False
        When True, ``fit`` continues training the fitted network; changing
        a parameter that shapes it (``hidden_layer_sizes`` or a gate
        constant) fits a new one, with a warning.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (each fit uses a copy).
"""

_ATTRIBUTES_DOC = """
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.
    input_shape_ : tuple of int
        ``(p,)`` for tables, ``(C, H, W)`` for images.
    input_offset_, input_scale_ : ndarray
        The standardization of X: level-1 GLM inputs are z-scores.
    net_ : skorch.NeuralNet
        The fitted skorch net (``net_.history`` holds the training log).
""" + TRAINING_CURVES_DOC

_NOTES_DOC = """
    Notes
    -----
    Before hidden layer k a hard-concrete gate z per input dimension (eqs.
    5-7) passes the dimension on into the layer, or, where z is 0, straight
    to the GLM as a level-k feature, eq. (4). The GLM (with a learned bias,
    which the authors' code lacked) reads the features of every level and
    the last hidden layer. The paper sends ``B(z) a`` to the GLM (B(z) = 1
    iff z = 0); this implementation sends ``(1 - z) a``, the same where z is
    0 or 1, as a trained gate is, and a split of the unit between the two
    routes in between, so that the loss can compare them while a gate moves
    (with B, the gates of features that need a hidden layer closed before it
    had learned them; see :class:`~sklearn_interp.nn.FeatureLevelingNetwork`).
    Training samples a gate per sample and dimension from the fit's
    generator; prediction and explanation use the deterministic gates
    ``min(1, max(0, sigmoid(log_alpha) (zeta - gamma) + gamma))``, so a
    feature whose gate is 0 goes to the GLM for every sample.

    References
    ----------
    .. [1] Y. Lu and R. Yang. "Not All Features Are Equal: Feature Leveling
       Deep Neural Networks for Better Interpretation". arXiv:1905.10009, 2019.
    .. [2] C. Louizos, M. Welling and D. P. Kingma. "Learning Sparse Neural
       Networks through L0 Regularization". ICLR 2018.
"""

_EXPLAIN_DOC = """Each GLM input's weighted value, per level, for every {what}.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        explanation : Explanation
            Local explanation with keys (axes in brackets):

            - ``contributions`` (sample, {axis}, glm_input): weight x value of
              every GLM input; ``coords["glm_input"]`` names each by its level
              and unit, ``"L1:<feature>"`` for a (standardized) feature,
              ``"L<k+1>:h<j>"`` for unit j of hidden layer k. A unit's GLM
              input is ``(1 - z) * a`` (z its gate, see :meth:`explain_global`):
              the whole unit where z = 0, nothing where z = 1.
            - ``level_contributions`` (sample, {axis}, level): the same summed
              per level (``coords["level"]``: ``"L1"``, ...).
            - ``intercept`` ({axis},): the GLM's bias{units}.
            - {rebuilt}

            For a DataFrame ``X``, its index labels the samples.
        """


class FeatureLevelingClassifier(_FeatureLeveling, NeuralClassifierBase):
    __doc__ = f"""Feature leveling network classifier: a softmax GLM on features of every level (Lu & Yang).
    {_PARAMETERS_DOC}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    {_ATTRIBUTES_DOC}
    See Also
    --------
    FeatureLevelingRegressor : The same network with an identity GLM.
    {_NOTES_DOC}
    Examples
    --------
    >>> from sklearn_interp import FeatureLevelingClassifier
    >>> from sklearn_interp.datasets import make_ixor
    >>> X, y = make_ixor(1000, random_state=0)
    >>> clf = FeatureLevelingClassifier(random_state=0).fit(X, y)
    >>> exp = clf.explain(X[:2])
    >>> exp["contributions"].shape, exp.coords["level"].tolist()
    ((2, 2, 99), ['L1', 'L2', 'L3'])
    """

    _parameter_constraints = {**NeuralClassifierBase._parameter_constraints, **_FeatureLeveling._parameter_constraints}

    def explain(self, X):
        data, dims, coords, meta = self._explanation(X, "logits")
        logits = data["logits"]
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        data["probabilities"] = probabilities / probabilities.sum(axis=1, keepdims=True)
        data["predicted_class"] = self.classes_[logits.argmax(axis=1)]
        dims.update(probabilities=("sample", "class"), predicted_class=("sample",))
        return Explanation(data, dims, {"class": self.classes_, **coords}, meta)

    explain.__doc__ = _EXPLAIN_DOC.format(
        what="class", axis="class", units="",
        rebuilt="``logits`` (sample, class): ``contributions.sum(-1) + intercept``, the network's output, "
                "from which ``probabilities`` (softmax, = ``predict_proba``) and ``predicted_class`` "
                "(= ``predict``) follow.")


class FeatureLevelingRegressor(_FeatureLeveling, NeuralRegressorBase):
    __doc__ = f"""Feature leveling network regressor: an identity GLM on features of every level (Lu & Yang).
    {_PARAMETERS_DOC}
    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    {_ATTRIBUTES_DOC}
    See Also
    --------
    FeatureLevelingClassifier : The same network with a softmax GLM.
    {_NOTES_DOC}
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn_interp import FeatureLevelingRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = FeatureLevelingRegressor(random_state=0).fit(X, y)
    >>> exp = reg.explain(X[:2])
    >>> exp["level_contributions"].shape
    (2, 1, 3)
    """

    _parameter_constraints = {**NeuralRegressorBase._parameter_constraints, **_FeatureLeveling._parameter_constraints}

    def explain(self, X):
        data, dims, coords, meta = self._explanation(X, "predictions")
        return Explanation(data, dims, coords, meta)

    explain.__doc__ = _EXPLAIN_DOC.format(
        what="target", axis="output", units=" plus the mean of y: everything is in the units of y",
        rebuilt="``predictions`` (sample, output): ``contributions.sum(-1) + intercept``, which "
                "``predict`` returns.")
