"""Case-based reasoning through learned prototypes (Li, Liu, Chen & Rudin, 2018)."""

import importlib.util
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._constraints import IMAGE_SHAPE, positive_int_sequence
from ._removal import contribution_removal_scores, softmax
from .base import CONVERGENCE_PARAMETERS_DOC, TRAINING_CURVES_DOC, NeuralClassifierBase
from .explanation import Explanation, sample_coords
from .nn.autoencoders import make_autoencoder
from .nn.reduction import weighted_mean


class PrototypeNetwork(nn.Module):
    """Autoencoder (f, g) + prototype layer p + fully connected layer W.

    Inputs arrive scaled by the estimator (standardized features, or pixels in
    [0, 1]). ``forward`` returns ``(logits, distances, codes)``: logits ``W p(z)`` of eq. (2),
    the squared L2 distances ``p(z)`` of eq. (1) and the codes ``z = f(x)``.
    ``penalty`` is ``λ R + λ1 R1 + λ2 R2`` of eq. (7), with R1 and R2 taken over
    the minibatch as the paper relaxes them.
    """

    def __init__(self, encoder, decoder, latent_dim, n_prototypes, n_classes,
                 weight_matrix="learned", lam_recon=0.05, lam_r1=0.05, lam_r2=0.05):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.prototypes = nn.Parameter(torch.empty(n_prototypes, latent_dim))
        self.classifier = nn.Linear(n_prototypes, n_classes, bias=False)
        if weight_matrix == "negative_identity":
            self.classifier.weight.data = -torch.eye(n_classes)
            self.classifier.weight.requires_grad_(False)
        self.lam_recon, self.lam_r1, self.lam_r2 = lam_recon, lam_r1, lam_r2
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        """Prototypes uniform in the unit hypercube, where the sigmoid codes lie (§3.1)."""
        with torch.no_grad():
            self.prototypes.uniform_(0, 1, generator=generator)

    def distances(self, codes):
        """Squared L2 distances between codes (n, q) and prototypes (m, q): eq. (1)."""
        return (codes[:, None, :] - self.prototypes[None, :, :]).pow(2).sum(-1)

    def forward(self, x):
        codes = self.encoder(x)
        distances = self.distances(codes)
        return self.classifier(distances), distances, codes

    def penalty(self, outputs, x, training=False, sample_weight=None):
        _, distances, codes = outputs
        reconstruction = self.decoder(codes)
        recon = weighted_mean((reconstruction - x).pow(2).flatten(1).sum(1), sample_weight)  # R, eq. (4)
        r1 = distances.min(dim=0).values.mean()  # R1, eq. (5): a minimum over the batch, no sample's own term
        r2 = weighted_mean(distances.min(dim=1).values, sample_weight)  # R2, eq. (6)
        return self.lam_recon * recon + self.lam_r1 * r1 + self.lam_r2 * r2


class ElasticDeformation:
    """Random elastic deformation of an image batch (Simard et al., 2003), via kornia.

    ``sigma`` (Gaussian std) and ``alpha`` (scaling) are in pixels, as in the paper §3.2.
    """

    def __init__(self, sigma=4.0, alpha=20.0):
        self.sigma, self.alpha = sigma, alpha

    def __call__(self, images, generator=None):
        from kornia.geometry.transform import elastic_transform2d

        height, width = images.shape[-2:]
        kernel = 2 * int(3 * self.sigma) + 1
        noise = torch.rand(len(images), 2, height, width, device=images.device, generator=generator) * 2 - 1
        alpha = (self.alpha * 2 / width, self.alpha * 2 / height)
        return elastic_transform2d(images, noise, (kernel, kernel), (self.sigma, self.sigma), alpha)


def _distance_summary(outputs):
    """Per chunk: each prototype's smallest distance to a row, that row's index, and the distances' sum."""
    distances = outputs[1]
    return tuple(value[None].cpu().numpy() for value in
                 (distances.min(dim=0).values, distances.argmin(dim=0), distances.sum(dim=0)))


class PrototypeClassifier(NeuralClassifierBase):
    __doc__ = f"""Neural network that classifies by its distances to learned prototypes.

    An autoencoder (encoder f, decoder g) maps inputs to a latent space where a
    prototype layer computes the squared distance to each of ``n_prototypes``
    learned prototype vectors; a fully connected layer W turns the distances
    into class logits (Li et al., 2018, §2). The decoder shows the prototypes
    in input space, so every prediction is explained by the prototypes it is
    near and by W. Loss, eq. (7): cross-entropy + λ·R + λ1·R1 + λ2·R2.

    Parameters
    ----------
    n_prototypes : int, default=15
        m, the number of prototypes.
    lam_recon : float, default=0.05
        λ in eq. (7), weight of the reconstruction error R of eq. (4).
    lam_r1 : float, default=0.05
        λ1 in eq. (7), weight of R1 (eq. 5): every prototype near an encoded input.
    lam_r2 : float, default=0.05
        λ2 in eq. (7), weight of R2 (eq. 6): every encoded input near a prototype.
    weight_matrix : {{"learned", "negative_identity"}}, default="learned"
        W learned, or fixed to -I (the paper's special case; needs
        ``n_prototypes == n_classes``: each prototype then stands for one class).
    hidden_layer_sizes : tuple of int, default=(64,)
        Hidden layers of the tabular MLP encoder (mirrored by the decoder).
    latent_dim : int, default=10
        q, the code size for tabular data. Image codes are sized by the conv net.
    conv_channels : tuple of int, default=(32, 32, 32, 10)
        Feature maps of the image encoder's stride-2 3x3 convolutions (§3.1).
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` when images come flat as ``(n, C*H*W)``.
        Images may also be passed as ``(n, H, W)`` or ``(n, C, H, W)``; pixel
        values are expected in [0, 1] (the decoder ends in a sigmoid).
    elastic_deformation : bool, default=False
        Randomly deform each training image batch (§3.2; needs ``kornia``).
    elastic_sigma : float, default=4.0
        Std in pixels of the Gaussian filter smoothing the displacement field.
    elastic_alpha : float, default=20.0
        Scaling factor in pixels of the displacement field.
    max_epochs : int, default=100
        Maximum number of passes over the training data: the cap of the
        convergence rule (``tol``); a fit that reaches it before the rule
        stops it warns with a ``ConvergenceWarning``.
    batch_size : int or "auto", default="auto"
        Minibatch size (R1 and R2 are computed over each minibatch). "auto"
        takes about sqrt(n_samples), a power of 2 between 64 and 256 (the paper
        uses 250). Rows are split into batches of almost equal size; none is
        dropped.
    lr : float, default=0.002
        Learning rate (the paper uses 1e-4 for 1500 epochs; the default learns
        small data in fewer epochs, see Notes).
    optimizer : {{"adam", "adamw", "sgd", "rmsprop"}} or torch optimizer class, default="adam"
        Optimizer.
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data; the convergence
        rule (``tol``) watches its loss, and the weights of its best epoch are
        restored.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
{CONVERGENCE_PARAMETERS_DOC}    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available, else the CPU.
    n_threads : int or None, default=1
        Torch CPU threads used by ``fit`` and inference, restored afterwards.
        One thread is as fast as two for the default models on 2 cores and
        does not collapse when other processes hold the cores (see Notes);
        -1 uses every CPU, None keeps torch's own setting.
    inference_batch_size : int or "auto", default="auto"
        Rows per chunk in ``predict``, ``predict_proba``, ``explain`` and
        the validation split; "auto" takes chunks of about 2**19 input values
        (26k rows of 20 features, 668 28x28 images), so memory stays bounded.
    inference_precision : {{"auto", "float32", "float64"}}, default="auto"
        Precision of prediction and explanation (training is float32).
        "auto": float64 for tabular data on the CPU (a row's output does not
        depend on the rows beside it, as scikit-learn's checks require),
        float32 for images and on a GPU, where float64 is several times
        slower (``benchmarks run inference``).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling, augmentation and the
        validation split; an int makes fits reproducible.
    verbose : int, default=0
        When > 0, show a progress bar and a per-epoch table.
    warm_start : bool, default=False
        When True, ``fit`` continues training the fitted network with the
        current parameters (lr, optimizer, batch size, λs, early stopping,
        callbacks ... take effect; the optimizer starts afresh). Changing a
        parameter that shapes the network (``n_prototypes``,
        ``weight_matrix``, ``hidden_layer_sizes``, ``latent_dim``,
        ``conv_channels``, ``image_shape``) fits a new one, with a warning.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks, passed to the underlying net.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit (for images, the second axis of X).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.
    input_shape_ : tuple of int
        Shape of one sample as the network sees it: ``(p,)`` or ``(C, H, W)``.
    prototypes_ : ndarray of shape (n_prototypes, q)
        The prototype vectors p_j in the latent space.
    decoded_prototypes_ : ndarray of shape (n_prototypes,) + input_shape_
        g(p_j): the prototypes in input space (images, or feature values in the
        units of X).
    class_weights_ : ndarray of shape (n_classes, n_prototypes)
        W: the logit of class k is ``sum_j W[k, j] * ||f(x) - p_j||^2``. A very
        negative ``W[k, j]`` means "near prototype j speaks for class k".
    prototype_nearest_indices_ : ndarray of shape (n_prototypes,)
        Index in the training data of the example whose code is nearest to each
        prototype.
    prototype_nearest_distances_ : ndarray of shape (n_prototypes,)
        Squared latent distance from each prototype to that example.
    prototype_nearest_examples_ : ndarray of shape (n_prototypes,) + input_shape_
        Those training examples.
    prototype_mean_distances_ : ndarray of shape (n_prototypes,)
        Mean squared latent distance from the training examples to each
        prototype: what "near" and "far" mean for that prototype.
    feature_range_ : ndarray of shape (2, n_features_in_)
        Minimum and maximum of each feature in the training data (tabular
        data only).
    net_ : skorch.NeuralNet
        The fitted skorch net (``net_.history`` holds the training log).
{TRAINING_CURVES_DOC}
    See Also
    --------
    sklearn.neighbors.NearestCentroid : Prototype classifier in input space.

    Notes
    -----
    Tabular inputs are standardized with the training mean and standard
    deviation (computed in float64 before the float32 cast, so no unit or
    offset of a column loses it), so the reconstruction error weighs features
    equally; decoded prototypes come back in the units of X. Images with
    pixels outside [0, 1] are mapped onto [0, 1] by the training range. The MLP
    encoder for tabular data and the conv encoder both end in a sigmoid, so
    the prototypes are initialized uniformly in the unit hypercube (§3.1).

    Defaults that differ from the paper (its MNIST setup, §3.1-3.2), chosen so
    that small data sets train in seconds; ``n_prototypes``, the three λ, the
    conv channels and the elastic deformation's sigma and alpha do follow it:

    - ``batch_size`` (see its entry) vs the paper's 250.
    - ``max_epochs=100`` vs the paper's 1500, with the convergence rule
      (``tol``) on the training loss, which on small tables keeps falling
      past 100 epochs (the fit then warns, as ``MLPClassifier()`` does at
      its ``max_iter``).
    - ``lr=0.002`` vs the paper's 1e-4.
    - ``early_stopping=False``: all of X is trained on; the paper held out
      5,000 of MNIST's training images as a validation set. Faster defaults
      lost accuracy on the small tables of ``benchmarks run
      fit_time_defaults`` (5-fold CV, seeds 0-4, worst seed against
      ``MLPClassifier()``'s mean minus 0.03): early stopping with
      ``lr=0.005`` fit in a median 2.3 times the MLP's time, not 3, but
      missed on Glass, Vehicle and Heart disease (worst seed 0.654 vs a goal
      of 0.663, 0.784 vs 0.790, 0.795 vs 0.796), early stopping with
      ``lr=0.002`` on Glass (0.626), and 50 to 70 epochs at ``lr=0.003`` to
      0.005 on Heart disease and Pima.
    - ``optimizer="adam"``: the paper names no optimizer, only minibatch
      stochastic gradient descent.
    - ``elastic_deformation=False``: the paper deforms every MNIST training
      minibatch (§3.2); set it to True for the paper's augmentation.
    - Conv depth follows the image size: the paper's four stride-2 layers take
      28x28 to a 2x2x10 code; smaller images drop inner layers so that the
      code's feature maps stay at least 2x2 (8x8 digits keep two layers, 32 and
      10 channels, 8 -> 4 -> 2), and larger images keep four layers and get
      larger codes (64x64 gives 4x4x10).
    - Tabular data (the paper has only images) go through an MLP encoder
      (``hidden_layer_sizes``, LeakyReLU, sigmoid code of size ``latent_dim``)
      and a mirrored decoder with a linear output, on standardized inputs, so
      R (eq. 4) is measured in standardized units.
    - Each epoch splits the rows into batches of almost equal size (none
      dropped), so R1 and R2 are taken over batches of (nearly) one size; the
      paper does not say how it treats a partial batch.

    References
    ----------
    O. Li, H. Liu, C. Chen and C. Rudin. "Deep Learning for Case-Based
    Reasoning through Prototypes: A Neural Network that Explains Its
    Predictions". AAAI 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_interp import PrototypeClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = PrototypeClassifier(n_prototypes=4, max_epochs=20, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clf.explain(X[:2])["nearest_prototypes"].shape
    (2, 3)
    """

    _structural_params = ("n_prototypes", "weight_matrix", "hidden_layer_sizes", "latent_dim",
                          "conv_channels", "image_shape")
    _module_params = ("lam_recon", "lam_r1", "lam_r2")

    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "n_prototypes": [Interval(Integral, 1, None, closed="left")],
        "lam_recon": [Interval(Real, 0, None, closed="left")],
        "lam_r1": [Interval(Real, 0, None, closed="left")],
        "lam_r2": [Interval(Real, 0, None, closed="left")],
        "weight_matrix": [StrOptions({"learned", "negative_identity"})],
        "hidden_layer_sizes": [positive_int_sequence()],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "conv_channels": [positive_int_sequence(min_length=1)],
        "image_shape": [IMAGE_SHAPE, None],
        "elastic_deformation": ["boolean"],
        "elastic_sigma": [Interval(Real, 0, None, closed="neither")],
        "elastic_alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, n_prototypes=15, *, lam_recon=0.05, lam_r1=0.05, lam_r2=0.05,
                 weight_matrix="learned", hidden_layer_sizes=(64,), latent_dim=10,
                 conv_channels=(32, 32, 32, 10), image_shape=None, elastic_deformation=False,
                 elastic_sigma=4.0, elastic_alpha=20.0, max_epochs=100, batch_size="auto", lr=0.002,
                 optimizer="adam", weight_decay=0.0, early_stopping=False, validation_fraction=0.1,
                 tol=1e-4, n_iter_no_change=10, device="auto", n_threads=1, inference_batch_size="auto",
                 inference_precision="auto", random_state=None, verbose=0, warm_start=False, callbacks=None):
        self.n_prototypes = n_prototypes
        self.lam_recon = lam_recon
        self.lam_r1 = lam_r1
        self.lam_r2 = lam_r2
        self.weight_matrix = weight_matrix
        self.hidden_layer_sizes = hidden_layer_sizes
        self.latent_dim = latent_dim
        self.conv_channels = conv_channels
        self.image_shape = image_shape
        self.elastic_deformation = elastic_deformation
        self.elastic_sigma = elastic_sigma
        self.elastic_alpha = elastic_alpha
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose,
            warm_start=warm_start, callbacks=callbacks,
        )

    # ---------------------------------------------------------------- fitting
    def _build_module(self, X, y):
        n_classes = len(self.classes_)
        if self.weight_matrix == "negative_identity" and self.n_prototypes != n_classes:
            raise ValueError(
                f"weight_matrix='negative_identity' needs n_prototypes == n_classes "
                f"({n_classes}); got n_prototypes={self.n_prototypes}."
            )
        images = X.ndim == 4
        if self.elastic_deformation and not images:
            raise ValueError("elastic_deformation=True needs image input (n, H, W), (n, C, H, W) or image_shape.")
        encoder, decoder, latent_dim = make_autoencoder(
            self.input_shape_, self.hidden_layer_sizes, self.latent_dim, self.conv_channels
        )
        return PrototypeNetwork(encoder, decoder, latent_dim, self.n_prototypes, n_classes, self.weight_matrix)

    def _train_transform(self):
        if not self.elastic_deformation:
            return None
        if importlib.util.find_spec("kornia") is None:
            raise ImportError("elastic_deformation=True needs kornia: pip install 'sklearn-interp[augment]'.")
        return ElasticDeformation(self.elastic_sigma, self.elastic_alpha)

    @torch.no_grad()
    def _after_fit(self, X, y):
        module = self.net_.module_.eval()
        prototypes = module.prototypes.detach()
        self.prototypes_ = prototypes.cpu().numpy()
        self.class_weights_ = module.classifier.weight.detach().cpu().numpy()
        self.decoded_prototypes_ = self._unscale(module.decoder(prototypes).cpu().numpy())
        chunk_min, chunk_argmin, chunk_sum = self._infer(X, _distance_summary, per_chunk=True)
        self.prototype_mean_distances_ = chunk_sum.sum(axis=0) / len(X)
        best_chunk = chunk_min.argmin(axis=0)
        columns = np.arange(len(prototypes))
        nearest = best_chunk * self._inference_chunk() + chunk_argmin[best_chunk, columns]
        self.prototype_nearest_indices_ = self._position_in_fit(nearest)
        self.prototype_nearest_distances_ = chunk_min[best_chunk, columns]
        self.prototype_nearest_examples_ = np.asarray(X[nearest], dtype=np.float64)
        if X.ndim == 2:  # in the units of X, where plots flag decoded prototypes outside it
            self.feature_range_ = np.stack([X.min(axis=0), X.max(axis=0)]).astype(np.float64)

    # ------------------------------------------------------------ explaining
    def explain(self, X, n_nearest=3):
        """Explain predictions by distances to the prototypes and the weights W.

        Parameters
        ----------
        X : array-like
            Samples, shaped like the training data.
        n_nearest : int, default=3
            Number of nearest prototypes listed per sample.

        Returns
        -------
        explanation : Explanation
            Local explanation with keys (axes in brackets):

            - ``distances`` (sample, prototype): ``||f(x) - p_j||^2``, eq. (1).
            - ``contributions`` (sample, class, prototype): ``W[k, j] * distance_j``.
            - ``logits`` (sample, class): sum of the contributions over the
              prototypes, i.e. the network's own logits ``W p(z)``.
            - ``probabilities`` (sample, class): softmax of the logits, eq. (2).
            - ``nearest_prototypes`` (sample, rank): indices of the ``n_nearest``
              closest prototypes, closest first.
            - ``nearest_distances`` (sample, rank): their distances.
            - ``predicted_class`` (sample,): the predicted label.
            - ``prototype_class`` (prototype,): the class each prototype speaks
              for, the one with the most negative weight ``W[k, j]``.
            - ``mean_training_distances`` (prototype,): ``prototype_mean_distances_``,
              the reference distance the margin plot measures each d_j against.
            - ``class_weights`` (class, prototype): W.

            For a DataFrame ``X``, its index labels the samples
            (``coords["sample"]``).
        """
        check_is_fitted(self)
        if not isinstance(n_nearest, Integral) or isinstance(n_nearest, bool) or n_nearest < 1:
            raise ValueError(f"n_nearest must be an int >= 1, got {n_nearest!r}.")
        n_nearest = min(n_nearest, len(self.prototypes_))
        def distances_and_nearest(outputs):  # the ordering per chunk: no (n, m) index array at once
            distances = outputs[1].cpu().numpy()
            return distances, np.argsort(distances, axis=1, kind="stable")[:, :n_nearest].copy()

        distances, order = self._predict_outputs(X, distances_and_nearest)
        contributions = self.class_weights_.astype(np.float64)[None] * distances[:, None, :]
        logits = contributions.sum(axis=2)
        probabilities = softmax(logits)
        data = {
            "distances": distances,
            "contributions": contributions,
            "logits": logits,
            "probabilities": probabilities,
            "nearest_prototypes": order,
            "nearest_distances": np.take_along_axis(distances, order, axis=1),
            "predicted_class": self.classes_[logits.argmax(axis=1)],
            "prototype_class": self.classes_[self.class_weights_.argmin(axis=0)],
            "mean_training_distances": self.prototype_mean_distances_.copy(),
            "class_weights": self.class_weights_.astype(np.float64),
        }
        dims = {
            "distances": ("sample", "prototype"),
            "contributions": ("sample", "class", "prototype"),
            "logits": ("sample", "class"),
            "probabilities": ("sample", "class"),
            "nearest_prototypes": ("sample", "rank"),
            "nearest_distances": ("sample", "rank"),
            "predicted_class": ("sample",),
            "prototype_class": ("prototype",),
            "mean_training_distances": ("prototype",),
            "class_weights": ("class", "prototype"),
        }
        meta = {"method": "prototype", "scope": "local", "n_nearest": n_nearest}
        return Explanation(data, dims, {**self._coords(), **sample_coords(X)}, meta)

    def _removal_scores(self, X, explanation, baseline=None):
        """Faithfulness hook: prototype j is removed by dropping its term ``W[k, j] * d_j`` from the logits."""
        return contribution_removal_scores(explanation["logits"], explanation["contributions"], self._link)

    def _torch_explanation(self, x):
        """``contributions`` ``W[k, j] * d_j`` for raw inputs ``x``, differentiable."""
        distances = self.net_.module_(self._scaled_tensor(x))[1]
        return {"contributions": self.net_.module_.classifier.weight[None] * distances[:, None, :]}

    def explain_global(self):
        """The model as a whole: prototypes, their decodings, W and nearest examples.

        Returns
        -------
        explanation : Explanation
            Global explanation with keys ``prototypes`` (prototype, latent),
            ``decoded_prototypes`` (prototype, input axes...), ``class_weights``
            (class, prototype), ``nearest_training_index`` (prototype,),
            ``nearest_training_distance`` (prototype,),
            ``nearest_training_example`` (prototype, input axes...), and for
            tabular data ``feature_range`` (bound, feature): the training
            minimum and maximum of each feature. The arrays are copies.
        """
        check_is_fitted(self)
        input_dims = ("feature",) if len(self.input_shape_) == 1 else ("channel", "height", "width")
        data = {
            "prototypes": self.prototypes_,
            "decoded_prototypes": self.decoded_prototypes_,
            "class_weights": self.class_weights_,
            "nearest_training_index": self.prototype_nearest_indices_,
            "nearest_training_distance": self.prototype_nearest_distances_,
            "nearest_training_example": self.prototype_nearest_examples_,
        }
        dims = {
            "prototypes": ("prototype", "latent"),
            "decoded_prototypes": ("prototype", *input_dims),
            "class_weights": ("class", "prototype"),
            "nearest_training_index": ("prototype",),
            "nearest_training_distance": ("prototype",),
            "nearest_training_example": ("prototype", *input_dims),
        }
        coords = self._coords()
        if hasattr(self, "feature_range_"):
            data["feature_range"] = self.feature_range_
            dims["feature_range"] = ("bound", "feature")
            coords["bound"] = ["min", "max"]
        data = {key: value.copy() for key, value in data.items()}
        meta = {"method": "prototype", "scope": "global", "image": len(self.input_shape_) == 3}
        return Explanation(data, dims, coords, meta)

    def _coords(self):
        return {"class": self.classes_, "prototype": np.arange(len(self.prototypes_)),
                **self._feature_name_coords()}
