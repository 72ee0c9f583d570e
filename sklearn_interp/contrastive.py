"""Contrastive explanations in a generative model's latent space: CDeepEx, and xGEMs to compare with.

"Why did the classifier say A and not B?" CDeepEx (Procedure 1) answers in
the input space: find a latent code z0 whose image G(z0) is the input
(Procedure 2), then the closest code ze at which the classifier finds A and B
equally likely and both more likely than every other class (eq. 2); the
explanation is G(z0) - G(ze), what would have to change.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from .base import NeuralEstimatorBase, torch_threads
from .baselines._base import is_skorch_net, torch_scores
from .explanation import Explanation, sample_coords
from .generative import VariationalAutoencoder, WassersteinGAN

_SEED_BOUND = np.iinfo(np.int32).max
_GENERATORS = {"vae": VariationalAutoencoder, "wgan": WassersteinGAN}


class ContrastiveExplainer(BaseEstimator):
    """Contrastive deep explanations (CDeepEx): why the predicted class and not the probe class.

    For an input x with predicted ("true") class t and a probe class p,
    Procedure 1 of the paper:

    1. G is a generative model of the inputs (a fitted
       :class:`~sklearn_interp.VariationalAutoencoder` or
       :class:`~sklearn_interp.WassersteinGAN`, §3.2).
    2. Procedure 2 (eq. 1): z0 = argmin_z ||G(z) - x||^2 + w * (-log D(G(z))_t)
       by the generator's :meth:`invert` (Adam from ``n_restarts`` starts),
       where the misclassification cost (weight w =
       ``misclassification_weight``) keeps G(z0) in x's predicted class; the
       residual is Δ = G(z0) - x (Procedure 2, line 5).
    3. Eq. (2): ze = argmin_z ||z - z0||^2 subject to

       - llh(t) - llh(p) = 0,
       - llh(i) - llh(t) <= -margin and llh(i) - llh(p) <= -margin for every
         other class i,

       where llh(y) = log D(G(z) - Δ)_y, the classifier's log probability of
       class y. As in eq. (2), the classifier sees G(z) - Δ = x + (G(z) -
       G(z0)): the input with the change in the generator's output, so that
       at z = z0 it sees x itself and the generator's reconstruction error
       does not enter the answer. The paper's inequality constraints read
       ``llh(t) - llh(i) <= ε``; as the text says ("all other classes are less
       probable"), they keep the others below: ε = -margin.
    4. The explanation is G(z0) - G(ze) (Procedure 1, line 4): positive where
       x has more than the contrast, negative where it has less.

    Eq. (2) is solved with an augmented Lagrangian (Bertsekas, 1999, §4.2),
    all samples at once: each sample has a multiplier λ of its equality
    constraint, multipliers μ >= 0 of its inequality constraints and a
    penalty parameter ρ. Each of ``max_iter`` outer iterations takes
    ``n_steps`` Adam steps (step size ``lr``) on z for the augmented
    Lagrangian

        ||z - z0||^2 + λ h + ρ/2 h^2 + 1/(2ρ) Σ_i (max(0, μ_i + ρ g_i)^2 - μ_i^2)

    (h the equality, g_i <= 0 the inequality constraints), then updates
    λ <- λ + ρ h and μ_i <- max(0, μ_i + ρ g_i), and multiplies ρ by
    ``rho_growth`` (up to ``rho_max``) for the samples whose largest
    violation ``max(|h|, max_i g_i)`` did not shrink below ``shrink`` times the
    previous one. Each sample's loss is summed, not averaged, and Adam's
    steps are per coordinate, so a sample's path does not depend on the
    samples beside it, up to rounding: a float32 classifier's batched
    arithmetic differs in the last bits at another batch size, and over
    hundreds of steps of a non-convex search with discrete choices (ρ's
    growth, the closest feasible iterate) that can lead a sample to another
    end point, as valid as the first (the ``contrastive`` benchmark reports
    how often). The end point is the closest iterate (to z0) that
    satisfies the problem's constraints in terms of ``constraints_satisfied``
    (see ``explain``); a sample with none ends at the last iterate.

    ``constraints=False`` gives xGEMs (Joshi et al., 2018) as the paper
    implements it to compare with (§4.1, Fig. 5: "xGEMs is very similar, but
    without the last pair of constraints"): the same search with the
    equality constraint only, so a third class may end up more likely than
    both.

    Parameters
    ----------
    estimator : estimator or torch.nn.Module
        The classifier D to explain, fitted: a classifier of this package
        (e.g. :class:`~sklearn_interp.PrototypeClassifier`), a skorch
        classifier, or a torch module returning class logits. It must take
        inputs in the units of the generator's X. skorch nets and torch
        modules receive images as (n, C, H, W) tensors (wrap a module that
        wants flat rows with ``torch.nn.Flatten``). Models without gradients
        (e.g. scikit-learn's LogisticRegression) cannot be explained.
    generator : {"vae", "wgan"} or generative model, default="vae"
        G: a :class:`~sklearn_interp.VariationalAutoencoder` or
        :class:`~sklearn_interp.WassersteinGAN`, used as it is when fitted,
        else cloned and fitted on ``fit``'s X; or the name of one to fit on
        ``fit``'s X with ``generator_params`` (and a seed drawn from
        ``random_state`` unless those set one).
    generator_params : dict, default=None
        Parameters of the generator built from its name.
    constraints : bool, default=True
        True: CDeepEx, eq. (2) with all its constraints. False: xGEMs, the
        equality constraint only. ``explain`` can override it.
    tolerance : float, default=0.05
        How far apart the probabilities of the true and probe class may be
        at the end point for ``constraints_satisfied``.
    margin : float, default=0.05
        By how much (in log probability) every other class must stay below
        the true and the probe class in the optimization (-ε of eq. 2).
    max_iter : int, default=40
        Outer iterations of the augmented Lagrangian (multiplier updates).
    n_steps : int, default=10
        Adam steps on z per outer iteration.
    lr : float, default=0.05
        Adam's step size on z, in latent units.
    rho : float, default=1.0
        Initial penalty parameter ρ.
    rho_growth : float, default=2.0
        Factor ρ grows by when a sample's violation does not shrink enough.
    rho_max : float, default=1e4
        Largest ρ.
    shrink : float, default=0.5
        A violation that is not below ``shrink`` times the previous one
        makes ρ grow.
    misclassification_weight : float, default=1.0
        Weight of Procedure 2's misclassification cost, -log D(G(z))_t;
        0 searches z0 by the reconstruction error alone.
    n_restarts : int, default=None
        Starts of Procedure 2's search; None uses the generator's.
    n_inversion_steps : int, default=None
        Adam steps of Procedure 2's search; None uses the generator's.
    batch_size : int, default=None
        Samples optimized together in one batch; None: all of them.
    classes : array-like of shape (n_classes,), default=None
        Labels of a torch module's outputs; None numbers them from 0. Other
        estimators label them with their ``classes_``.
    random_state : int, RandomState instance or None, default=None
        Seeds the generator's fit (when it is fitted here) and the random
        starts of Procedure 2; an int makes explanations reproducible. None
        draws fresh seeds from the OS, never from numpy's global RNG.
    verbose : int, default=0
        When > 0, ``explain`` prints a line per batch (samples done, share
        meeting the constraints so far); when > 1, also a line per outer
        iteration of the augmented Lagrangian.

    Attributes
    ----------
    generator_ : VariationalAutoencoder or WassersteinGAN
        The fitted generative model G.
    classes_ : ndarray of shape (n_classes,)
        The classifier's classes.
    input_shape_ : tuple of int
        Shape of one input: ``(p,)`` or ``(C, H, W)``.
    n_components_ : int
        Dimension of the latent codes.

    See Also
    --------
    VariationalAutoencoder, WassersteinGAN : The generative models.

    Notes
    -----
    Unlike the post-hoc explainers of :mod:`sklearn_interp.baselines`, this
    explainer does not derive from ``PostHocExplainer``: it explains whole
    inputs (images) rather than attributions per feature, its background
    data trains a generative model, and it explains torch modules, which have
    no ``predict``. It follows the same protocol: ``fit(X)``, then
    ``explain(X)`` returning an :class:`~sklearn_interp.Explanation`.

    References
    ----------
    A. Feghahati, C. R. Shelton, M. J. Pazzani and K. Tang. "CDeepEx:
    Contrastive Deep Explanations". ECAI 2020; this implementation follows
    the text of its anonymous ICLR 2019 submission (equation and procedure
    numbers are that text's).
    S. Joshi, O. Koyejo, B. Kim and J. Ghosh. "xGEMs: Generating Exemplars to
    Explain Black-Box Models". arXiv 2018.
    D. P. Bertsekas. Nonlinear Programming, 2nd ed., §4.2. Athena Scientific, 1999.
    """

    _parameter_constraints = {
        "estimator": "no_validation",  # checked in fit, with a message about gradients
        "generator": [StrOptions(set(_GENERATORS)), HasMethods(["invert", "torch_decoder"])],
        "generator_params": [dict, None],
        "constraints": ["boolean"],
        "tolerance": [Interval(Real, 0, 1, closed="both")],
        "margin": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "rho": [Interval(Real, 0, None, closed="neither")],
        "rho_growth": [Interval(Real, 1, None, closed="left")],
        "rho_max": [Interval(Real, 0, None, closed="neither")],
        "shrink": [Interval(Real, 0, 1, closed="neither")],
        "misclassification_weight": [Interval(Real, 0, None, closed="left")],
        "n_restarts": [Interval(Integral, 1, None, closed="left"), None],
        "n_inversion_steps": [Interval(Integral, 0, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "classes": ["array-like", None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, estimator, generator="vae", *, generator_params=None, constraints=True, tolerance=0.05,
                 margin=0.05, max_iter=40, n_steps=10, lr=0.05, rho=1.0, rho_growth=2.0, rho_max=1e4,
                 shrink=0.5, misclassification_weight=1.0, n_restarts=None, n_inversion_steps=None,
                 batch_size=None, classes=None, random_state=None, verbose=0):
        self.estimator = estimator
        self.generator = generator
        self.generator_params = generator_params
        self.constraints = constraints
        self.tolerance = tolerance
        self.margin = margin
        self.max_iter = max_iter
        self.n_steps = n_steps
        self.lr = lr
        self.rho = rho
        self.rho_growth = rho_growth
        self.rho_max = rho_max
        self.shrink = shrink
        self.misclassification_weight = misclassification_weight
        self.n_restarts = n_restarts
        self.n_inversion_steps = n_inversion_steps
        self.batch_size = batch_size
        self.classes = classes
        self.random_state = random_state
        self.verbose = verbose

    # ---------------------------------------------------------------- fitting
    def fit(self, X, y=None):
        """Check the classifier and fit (or take) the generative model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) or (n_samples, C, H, W)
            Training inputs of the generator, in the units the classifier
            takes; with a fitted generator, only their shape is checked.
        y : None
            Ignored.

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            For an estimator without gradients, one whose inputs or classes
            do not fit the generator's, or an unknown generator.
        """
        self._validate_params()
        self._check_estimator()
        rng = np.random.RandomState() if self.random_state is None else check_random_state(self.random_state)
        generator_seed, self._seed = (int(seed) for seed in rng.randint(_SEED_BOUND, size=2))
        self.generator_ = self._fitted_generator(X, generator_seed)
        self.input_shape_ = tuple(self.generator_.input_shape_)
        self.n_components_ = int(self.generator_.n_components_)
        self._check_inputs(X, "X")
        self._check_compatible()
        return self

    def _fitted_generator(self, X, seed):
        if isinstance(self.generator, str):
            params = {"random_state": seed, **(self.generator_params or {})}
            return _GENERATORS[self.generator](**params).fit(X)
        try:
            check_is_fitted(self.generator)
        except NotFittedError:
            return clone(self.generator).fit(X)
        return self.generator

    def _check_estimator(self):
        """Raise ValueError for an estimator without gradients; keep its kind."""
        estimator = self.estimator
        if isinstance(estimator, torch.nn.Module):
            self._kind = "module"
        elif is_skorch_net(estimator):
            if not getattr(estimator, "initialized_", False):
                raise ValueError(f"{type(self).__name__} explains a fitted classifier; the skorch net "
                                 f"{type(estimator).__name__} is not initialized (fit it first).")
            self._kind = "skorch"
        elif isinstance(estimator, NeuralEstimatorBase) and is_classifier(estimator):
            check_is_fitted(estimator)
            self._kind = "package"
        else:
            raise ValueError(
                f"{type(self).__name__} needs a differentiable classifier (one of sklearn_interp's, a skorch "
                f"classifier, or a torch module returning logits): eq. (2) follows the gradient of its log "
                f"probabilities; got {type(estimator).__name__}, which has none.")

    def _check_compatible(self):
        """Classes and input size of the classifier against the generator's."""
        estimator = self.estimator
        size = int(np.prod(self.input_shape_))
        if self._kind == "package" and int(np.prod(estimator.input_shape_)) != size:
            raise ValueError(f"the generator makes inputs of shape {self.input_shape_}, but "
                             f"{type(estimator).__name__} was fitted on samples of shape "
                             f"{estimator.input_shape_}.")
        with torch.no_grad():
            decoder = self.generator_.torch_decoder()
            x = decoder(torch.zeros(1, self.n_components_, device=next(decoder.parameters()).device))
            try:
                n_classes = torch_scores(estimator, x).shape[1]
            except (RuntimeError, ValueError) as error:
                raise ValueError(f"the classifier cannot take the generator's inputs of shape "
                                 f"{self.input_shape_}: {error}") from error
        if self._kind == "module":
            classes = np.arange(n_classes) if self.classes is None else np.asarray(self.classes)
        else:
            classes = getattr(estimator, "classes_", None)
            classes = np.arange(n_classes) if classes is None else np.asarray(classes)
        if len(classes) != n_classes or n_classes < 2:
            raise ValueError(f"the classifier has {n_classes} outputs but {len(classes)} class labels; "
                             "a contrastive explanation needs at least 2 classes.")
        self.classes_ = classes.copy()

    def _check_inputs(self, X, name):
        """X as (n,) + input_shape_ float64, or a ValueError naming the shapes (or columns) accepted."""
        names = getattr(self.generator_, "feature_names_in_", None)
        if isinstance(X, pd.DataFrame) and names is not None and list(X.columns) != list(names):
            raise ValueError(f"{name} has columns {list(X.columns)}, but the generator was fitted on columns "
                             f"{list(names)}; pass a DataFrame with those columns in that order.")
        X = check_array(X, dtype=np.float64, allow_nd=True, input_name=name)
        shape = self.input_shape_
        accepted = [shape, (int(np.prod(shape)),)]
        if len(shape) == 3 and shape[0] == 1:
            accepted.append(shape[1:])
        if X.shape[1:] not in accepted:
            raise ValueError(f"{name} has samples of shape {X.shape[1:]}, but the generator "
                             f"{type(self.generator_).__name__} makes inputs of shape {shape}; pass inputs "
                             f"shaped as one of {sorted(set(accepted), key=len)}.")
        return X.reshape(len(X), *shape)

    # ------------------------------------------------------------- the model
    def _proba(self, X):
        """The classifier's class probabilities of inputs ``X`` (n,) + input_shape_, float64."""
        estimator = self.estimator
        if self._kind == "package":
            if len(estimator.input_shape_) != len(self.input_shape_):
                X = X.reshape(len(X), -1)
            return np.asarray(estimator.predict_proba(_named(estimator, X)), dtype=np.float64)
        if self._kind == "skorch":
            return np.asarray(estimator.predict_proba(X.astype(np.float32)), dtype=np.float64)
        with torch.no_grad():
            return torch_scores(estimator, torch.as_tensor(X)).double().cpu().numpy()

    def _log_proba(self, x):
        """Differentiable log probabilities of input tensors ``x``, in x's dtype."""
        return torch_scores(self.estimator, x, log=True).to(x.dtype)

    def _class_indices(self, probe, n, true):
        """Probe classes as positions in ``classes_``, or a ValueError."""
        lookup = {label: i for i, label in enumerate(self.classes_.tolist())}
        labels = np.asarray(probe, dtype=object)
        if labels.ndim == 0:
            labels = np.full(n, labels.item(), dtype=object)
        if labels.shape != (n,):
            raise ValueError(f"probe must be one class label or one per sample ({n}); "
                             f"got shape {labels.shape}.")
        unknown = [label for label in labels.tolist() if label not in lookup]
        if unknown:
            raise ValueError(f"probe {unknown[0]!r} is not one of the classes {self.classes_.tolist()}.")
        indices = np.array([lookup[label] for label in labels.tolist()], dtype=np.int64)
        same = np.flatnonzero(indices == true)
        if len(same):
            raise ValueError(f"the probe class must differ from the predicted class; samples {same.tolist()} "
                             f"are predicted as their probe {self.classes_[indices[same[0]]]!r}. Ask "
                             "'why A and not B?' with B another class (probe=None: the second most likely).")
        return indices

    # ------------------------------------------------------------- explaining
    def explain(self, X, probe=None, *, constraints=None):
        """Why each input is its predicted class and not the probe class (Procedure 1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, H, W) or (n_samples, C, H, W)
            Inputs shaped like the generator's training data.
        probe : class label or array-like of shape (n_samples,), default=None
            The class B of "why not B?", for all samples or each; None
            takes each sample's second most likely class.
        constraints : bool, default=None
            Overrides the explainer's ``constraints`` (False: xGEMs).

        Returns
        -------
        explanation : Explanation
            Local explanation with keys (images have axes ``channel, row,
            column``, tabular inputs ``feature``):

            - ``input``: x, laid out as ``(n,) + input_shape_``.
            - ``reconstruction``: G(z0), Procedure 2's reconstruction.
            - ``contrast``: G(ze), the closest image the classifier finds as
              likely to be the probe as the true class.
            - ``explanation``: G(z0) - G(ze) (Procedure 1); positive where
              the input has more than the contrast (to remove to move
              towards the probe), negative where it has less (to add).
            - ``proba_before`` / ``proba_after`` (sample, class): the
              classifier's probabilities of x = G(z0) - Δ and of
              G(ze) - Δ, the inputs it sees (Δ = G(z0) - x).
            - ``z0`` / ``ze`` (sample, component): the latent codes of the
              reconstruction and of the contrast
              (``generator_.inverse_transform(ze)`` is the contrast).
            - ``latent_distance`` (sample,): ||ze - z0||.
            - ``true_class`` (sample,): the predicted class of x.
            - ``probe_class`` (sample,): the probe class.
            - ``constraints_satisfied`` (sample,): whether, in
              ``proba_after``, the true and probe class' probabilities
              differ by at most ``tolerance`` and both exceed every other
              class'.

            ``coords``: ``class`` (the classifier's classes) and, for
            tabular inputs, ``feature`` (the generator's feature names, else
            ``x0 .. x{p-1}``). ``meta``: ``method="contrastive"``,
            ``scope="local"``, ``formulation`` (``"cdeepex"`` or
            ``"xgems"``), the parameters of the search and, for tabular
            inputs, ``feature_scale`` (each feature's standard deviation in
            the generator's training data, which the plot divides the
            change by).

        Raises
        ------
        ValueError
            For inputs of another shape than the generator's, an unknown
            probe class or one equal to the predicted class.
        """
        check_is_fitted(self)
        constraints = self.constraints if constraints is None else bool(constraints)
        coords = sample_coords(X)
        X = self._check_inputs(X, "X")
        proba_before = self._proba(X)
        true = proba_before.argmax(axis=1)
        if probe is None:
            probe_index = np.argsort(-proba_before, axis=1, kind="stable")[:, 1]
        else:
            probe_index = self._class_indices(probe, len(X), true)
        size = len(X) if self.batch_size is None else self.batch_size
        z0, ze = np.empty((2, len(X), self.n_components_))
        reconstruction, contrast = np.empty((2, *X.shape))
        proba_after = np.empty_like(proba_before)
        with torch_threads(getattr(self.generator_, "n_threads", None)):
            for start in range(0, len(X), max(size, 1)):
                rows = slice(start, start + size)
                z0[rows], ze[rows], reconstruction[rows], contrast[rows] = self._explain_batch(
                    X[rows], true[rows], probe_index[rows], constraints)
                proba_after[rows] = self._proba(X[rows] + contrast[rows] - reconstruction[rows])
                if self.verbose > 0:
                    done = min(start + size, len(X))
                    met = _satisfied(proba_after[:done], true[:done], probe_index[:done], self.tolerance)
                    print(f"[{type(self).__name__}] {done}/{len(X)} samples explained, "
                          f"{met.mean():.1%} meet the constraints", flush=True)
        satisfied = _satisfied(proba_after, true, probe_index, self.tolerance)
        image = len(self.input_shape_) == 3
        input_dims = ("sample", "channel", "row", "column") if image else ("sample", "feature")
        data = {"input": (X, input_dims), "reconstruction": (reconstruction, input_dims),
                "contrast": (contrast, input_dims), "explanation": (reconstruction - contrast, input_dims),
                "proba_before": (proba_before, ("sample", "class")),
                "proba_after": (proba_after, ("sample", "class")),
                "z0": (z0, ("sample", "component")), "ze": (ze, ("sample", "component")),
                "latent_distance": (np.linalg.norm(ze - z0, axis=1), ("sample",)),
                "true_class": (self.classes_[true], ("sample",)),
                "probe_class": (self.classes_[probe_index], ("sample",)),
                "constraints_satisfied": (satisfied, ("sample",))}
        coords["class"] = self.classes_
        coords.update(self.generator_._feature_name_coords())
        meta = {"method": "contrastive", "scope": "local",
                "formulation": "cdeepex" if constraints else "xgems",
                "constraints": constraints, "tolerance": self.tolerance, "margin": self.margin,
                "max_iter": self.max_iter, "n_steps": self.n_steps, "lr": self.lr,
                "generator": type(self.generator_).__name__}
        if not image:
            meta["feature_scale"] = np.broadcast_to(self.generator_.input_scale_, self.input_shape_).copy()
        return Explanation({key: value for key, (value, _) in data.items()},
                           {key: dims for key, (_, dims) in data.items()}, coords, meta)

    def _explain_batch(self, X, true, probe, constraints):
        """z0, ze, G(z0), G(ze) of one batch of inputs (n,) + input_shape_."""
        generator = self.generator_
        dtype = generator.inference_dtype()
        decoder = generator.torch_decoder().to(dtype)
        device = next(decoder.parameters()).device
        targets = torch.as_tensor(true, device=device)
        penalty = None
        if self.misclassification_weight > 0:
            def penalty(z, decoded, rows):
                llh = self._log_proba(decoded)
                true_llh = llh[torch.arange(len(rows), device=device), targets[rows]]
                return -self.misclassification_weight * true_llh
        z0 = generator.invert(_named(generator, X), n_restarts=self.n_restarts, n_steps=self.n_inversion_steps,
                              random_state=self._seed, penalty=penalty)
        z0 = torch.as_tensor(z0, device=device, dtype=dtype)
        x = torch.tensor(X, device=device, dtype=dtype)
        with torch.no_grad():
            delta = decoder(z0) - x  # Procedure 2, line 5
        ze = self._solve(decoder, z0, delta, targets, torch.as_tensor(probe, device=device), constraints)
        with torch.no_grad():
            images = [decoder(z).double().cpu().numpy() for z in (z0, ze)]
        return z0.double().cpu().numpy(), ze.double().cpu().numpy(), *images

    def _solve(self, decoder, z0, delta, true, probe, constraints):
        """Eq. (2) by the augmented Lagrangian method, every sample at once; returns ze (n, k)."""
        n, rows = len(z0), torch.arange(len(z0), device=z0.device)

        def constraint_values(z):
            llh = self._log_proba(decoder(z) - delta)
            h = llh[rows, true] - llh[rows, probe]
            pair = torch.stack([llh[rows, true], llh[rows, probe]], dim=1)
            g = llh[:, None, :] - pair[:, :, None] + self.margin  # (n, 2, n_classes), <= 0 wanted
            return llh, h, g

        with torch.no_grad():
            llh, h, g = constraint_values(z0)
        others = torch.ones_like(llh, dtype=torch.bool)
        others[rows, true] = others[rows, probe] = False
        others = others[:, None, :].expand(n, 2, -1) & bool(constraints)
        lam = torch.zeros(n, dtype=z0.dtype, device=z0.device)
        mu = torch.zeros(others.shape, dtype=z0.dtype, device=z0.device)
        rho = torch.full_like(lam, self.rho)

        def violation(h, g):
            slack = torch.where(others, g, 0).clamp_min(0).flatten(1).amax(1)
            return torch.maximum(h.abs(), slack)

        def feasible(llh):
            proba = llh.exp()
            pt, pp = proba[rows, true], proba[rows, probe]
            ok = (pt - pp).abs() <= self.tolerance
            if constraints:
                rest = torch.where(others[:, 0], proba, -1.0).amax(1)
                ok &= torch.minimum(pt, pp) > rest
            return ok

        previous = violation(h, g)
        best = z0.clone()  # an input already on the boundary is its own answer
        best_distance = torch.where(feasible(llh), 0.0, torch.inf).to(z0.dtype)
        z = z0.clone().requires_grad_(True)
        optimizer = torch.optim.Adam([z], lr=self.lr)
        for iteration in range(self.max_iter):
            with torch.enable_grad():
                for _ in range(self.n_steps):
                    _, h, g = constraint_values(z)
                    shifted = (mu + rho[:, None, None] * g).clamp_min(0)
                    inequality = torch.where(others, shifted ** 2 - mu ** 2, 0)
                    lagrangian = ((z - z0) ** 2).sum(1) + lam * h + rho / 2 * h ** 2 \
                        + inequality.flatten(1).sum(1) / (2 * rho)
                    (z.grad,) = torch.autograd.grad(lagrangian.sum(), z)
                    optimizer.step()
            with torch.no_grad():
                llh, h, g = constraint_values(z)
                distance = ((z - z0) ** 2).sum(1)
                closer = feasible(llh) & (distance < best_distance)
                best[closer], best_distance[closer] = z[closer], distance[closer]
                lam += rho * h
                mu = torch.where(others, (mu + rho[:, None, None] * g).clamp_min(0), 0)
                current = violation(h, g)
                stalled = current > self.shrink * previous
                rho = torch.where(stalled, (rho * self.rho_growth).clamp_max(self.rho_max), rho)
                previous = current
            if self.verbose > 1:
                n_found = torch.isfinite(best_distance).sum().item()
                print(f"[{type(self).__name__}] iteration {iteration + 1}/{self.max_iter}: mean violation "
                      f"{current.mean().item():.4g}, feasible so far {n_found}/{n}")
        found = torch.isfinite(best_distance)
        return torch.where(found[:, None], best, z.detach())


def _named(estimator, X):
    """Rows ``X`` as a DataFrame with the estimator's ``feature_names_in_`` when it was fitted on one."""
    names = getattr(estimator, "feature_names_in_", None)
    return X if names is None or X.ndim != 2 else pd.DataFrame(X, columns=names)


def _satisfied(proba, true, probe, tolerance):
    """Eq. (2) at the end point: true and probe within ``tolerance`` and both above every other class."""
    rows = np.arange(len(proba))
    pt, pp = proba[rows, true], proba[rows, probe]
    rest = proba.copy()
    rest[rows, true] = rest[rows, probe] = -1.0
    return (np.abs(pt - pp) <= tolerance) & (np.minimum(pt, pp) > rest.max(axis=1))
