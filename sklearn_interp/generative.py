"""Generative models of the input space: a variational autoencoder and a Wasserstein GAN.

The latent models CDeepEx (the contrastive explainer) explains in: each maps
latent codes z in R^k to inputs, G : R^k -> R^n (§3.1), and back. They are
scikit-learn transformers: ``fit(X)``, ``transform(X)`` to codes,
``inverse_transform(Z)`` and ``sample(n)`` to inputs in the units of X,
``invert(X)`` for Procedure 2's search of z0 with G(z0) ≈ x, and
``torch_decoder()`` for G as a differentiable torch module.
"""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, check_is_fitted
from torch import nn

from ._constraints import IMAGE_SHAPE, positive_int_sequence
from .base import (CONVERGENCE_PARAMETERS_DOC, TRAINING_CURVES_DOC, InterpNet, NeuralTransformerBase,
                   torch_threads)
from .nn.autoencoders import generator_and_critic, variational_autoencoder
from .nn.generative import VariationalAutoencoderNetwork, WassersteinGANNetwork, latent_search

_SEED_BOUND = np.iinfo(np.int32).max

_COMMON_PARAMETERS_DOC = """    optimizer : {{"adam", "adamw", "sgd", "rmsprop"}} or torch optimizer class, \
default="adam"
        Optimizer{optimizer_note}.
    weight_decay : float, default=0.0
        L2 penalty of the optimizer.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data; the convergence
        rule (``tol``) watches its loss, and the weights of its best epoch
        are restored. {validation_loss}
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping``.
{convergence}    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available, else the CPU.
    n_threads : int or None, default=1
        Torch CPU threads used by ``fit`` and inference, restored afterwards;
        -1 uses every CPU, None keeps torch's own setting.
    inference_batch_size : int or "auto", default="auto"
        Rows per chunk in ``transform``, ``inverse_transform``, ``sample``,
        ``invert`` (divided by the number of restarts there) and the
        validation split; "auto" takes chunks of about 2**19 input values, so
        memory stays bounded.
    inference_precision : {{"auto", "float32", "float64"}}, default="auto"
        Precision of inference (training is float32). "auto": float64 for
        tabular data on the CPU (a row's code does not depend on the rows
        beside it, as scikit-learn's checks require), float32 for images and
        on a GPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling, the noise of training, the
        validation split and the random starts of ``invert``; an int makes
        fits, codes and samples reproducible.
    verbose : int, default=0
        When > 0, show a progress bar and a per-epoch table.
    warm_start : bool, default=False
        When True, ``fit`` continues training the fitted networks with the
        current parameters (the optimizer starts afresh). Changing a
        parameter that shapes them (``n_components``,
        ``hidden_layer_sizes``, ``conv_channels``, ``image_shape``) fits new
        ones, with a warning.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks, passed to the underlying net.
"""

_INVERSION_PARAMETERS_DOC = """    n_restarts : int, default={n_restarts}
        Starts of ``invert``'s search{start_note}.
    n_inversion_steps : int, default={n_steps}
        Adam steps of ``invert``'s search from each start.
    inversion_lr : float, default={lr}
        Adam's initial step size in ``invert`` (annealed to 0 along a
        cosine), in latent units: the prior N(0, I) has unit scale.
"""

_COMMON_ATTRIBUTES_DOC = """    n_components_ : int
        k, the dimension of the latent codes.
    n_features_in_ : int
        Number of features seen during fit (for images, the second axis of X).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.
    input_shape_ : tuple of int
        Shape of one sample as the networks see it: ``(p,)`` or ``(C, H, W)``.
    input_offset_, input_scale_ : ndarray
        The input scaling: the networks see ``(X - input_offset_) /
        input_scale_`` (standardized features, or pixels in [0, 1]).
    net_ : skorch.NeuralNet
        The fitted skorch net (``net_.module_`` holds the networks,
        ``net_.history`` the training log).
"""


class _LatentGenerativeModel(NeuralTransformerBase):
    """What the VAE and the GAN share: codes, decoding, sampling and Procedure 2's latent search.

    The module defines ``decode(z)`` (G, in the module's input space) and
    ``n_components``; subclasses implement ``transform``.
    """

    _structural_params = ("n_components", "hidden_layer_sizes", "conv_channels", "image_shape")

    _parameter_constraints = {
        **NeuralTransformerBase._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [positive_int_sequence()],
        "conv_channels": [positive_int_sequence(min_length=1)],
        "image_shape": [IMAGE_SHAPE, None],
        "n_restarts": [Interval(Integral, 1, None, closed="left")],
        "n_inversion_steps": [Interval(Integral, 0, None, closed="left")],
        "inversion_lr": [Interval(Real, 0, None, closed="neither")],
    }

    # ---------------------------------------------------------------- fitting
    def _fit_generators(self, random_state, device):
        generators = super()._fit_generators(random_state, device)
        self._latent_seed = int(random_state.randint(_SEED_BOUND))  # invert's starts when it is given no seed
        return generators

    def _after_fit(self, X, y):
        self.n_components_ = int(self.net_.module_.n_components)

    # ------------------------------------------------------------ conversions
    def _output_layout(self, values):
        """Module-space outputs (n,) + input_shape_ in the units and layout of X, float64.

        Images come back as ``(n, C, H, W)``, or flat ``(n, C*H*W)`` when the
        estimator takes them flat (``image_shape`` set).
        """
        values = self._unscale(values)
        return values.reshape(len(values), -1) if self.image_shape is not None else values

    def _check_codes(self, Z):
        Z = check_array(Z, dtype=(np.float64, np.float32), input_name="Z")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but {type(self).__name__} has latent codes of n_components_="
                f"{self.n_components_} dimensions; pass Z of shape (n_samples, {self.n_components_})."
            )
        return Z

    def _decode(self, codes):
        """G of latent codes (array or tensor, (n, k)) in the units and layout of X, chunk by chunk."""
        dtype = self.inference_dtype()
        module = self.net_.inference_module(dtype)
        chunk, device = self._inference_chunk(), self.net_.device
        result = np.empty((len(codes), *self.input_shape_))
        with torch.no_grad(), torch_threads(self.n_threads):
            for start in range(0, len(codes), chunk):
                z = torch.as_tensor(codes[start:start + chunk]).to(device=device, dtype=dtype)
                result[start:start + len(z)] = module.decode(z).double().cpu().numpy()
        return self._output_layout(result)

    def inverse_transform(self, Z):
        """Map latent codes to inputs: G(z), in the units of X.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components_)
            Latent codes.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_) or (n_samples, C, H, W)
            The decoded inputs, float64; images as ``(n, C, H, W)``, or flat
            when the estimator takes them flat (``image_shape`` set).
        """
        check_is_fitted(self)
        return self._decode(self._check_codes(Z))

    def sample(self, n_samples=1, random_state=None):
        """Draw inputs G(z) for codes z from the prior N(0, I).

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the codes: an int gives the same samples on every call
            (and device); None draws from numpy's global random state.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features_in_) or (n_samples, C, H, W)
            The samples in the units of X, laid out as ``inverse_transform``
            returns them (for the VAE, the decoder's means: pixel intensities,
            not binarized pixels).
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be an int >= 1, got {n_samples!r}.")
        return self._decode(self._prior_codes(n_samples, random_state))

    def _prior_codes(self, n_samples, random_state):
        """``n_samples`` codes drawn from N(0, I) (float64, on the CPU), seeded by ``random_state``."""
        seed = int(check_random_state(random_state).randint(_SEED_BOUND))
        generator = torch.Generator().manual_seed(seed)
        return torch.randn((n_samples, self.n_components_), generator=generator, dtype=torch.float64)

    def torch_decoder(self):
        """G as a differentiable torch module: latent codes (n, k) to inputs in the units of X.

        Returns
        -------
        decoder : torch.nn.Module
            A copy of the fitted decoder (the VAE's) or generator (the
            GAN's), in eval mode, float32, on the fitted device, with frozen
            weights (gradients flow to the codes only). It maps a tensor of
            codes of shape ``(n, n_components_)`` to inputs of shape
            ``(n,) + input_shape_`` in the units of X (images as (n, C, H, W),
            whatever layout X had). ``decoder.double()`` runs it in float64.
        """
        check_is_fitted(self)
        decoder = DecoderInUnits(copy.deepcopy(self.net_.module_.decoder), self.input_offset_,
                                 self.input_scale_, self.input_shape_)
        return decoder.to(self.net_.device).eval().requires_grad_(False)

    # --------------------------------------------------------- latent search
    def _search_starts(self, module, x, random_starts):
        """Starts of ``invert``'s search for scaled inputs ``x``: (n_restarts, n, k) or (n_restarts, k)."""
        return random_starts

    def invert(self, X, *, n_restarts=None, n_steps=None, lr=None, random_state=None, penalty=None,
               return_residual=False):
        """Find latent codes z0 with G(z0) ≈ x: step 1 of CDeepEx (eq. 1, Procedure 2).

        z0 = argmin_z ||G(z) - x||^2 (squared error in the networks' input
        space: standardized features, or pixels in [0, 1]), by Adam from
        ``n_restarts`` starts; the start of the lowest final error wins.
        The random starts are drawn from N(0, I) once per call and shared by
        every sample, and each sample's search runs on its own (its loss
        summed, not averaged, over the batch), so a sample's code does not
        depend on the samples beside it. Samples are searched in batches of
        bounded memory (``inference_batch_size``).

        Parameters
        ----------
        X : array-like
            Inputs, shaped like the training data.
        n_restarts : int, default=None
            Starts of the search; None uses the estimator's ``n_restarts``.
        n_steps : int, default=None
            Adam steps from each start; None uses ``n_inversion_steps``.
        lr : float, default=None
            Adam's initial step size (annealed to 0 along a cosine); None
            uses ``inversion_lr``.
        random_state : int, RandomState instance or None, default=None
            Seeds the random starts; None uses a seed drawn at fit (from the
            estimator's ``random_state``), so repeated calls agree.
        penalty : callable, default=None
            An extra cost added to ||G(z) - x||^2, such as Procedure 2's
            misclassification cost: ``penalty(z, decoded, rows)`` returns a
            tensor of one cost per row, where a row is one start of one
            sample: ``z`` (n_rows, k) are the codes, ``decoded`` G(z) in the
            units of X, shaped ``(n_rows,) + input_shape_``, and ``rows``
            (n_rows,) the positions in X of the rows' samples. The tensors
            are in the search's dtype (:meth:`inference_dtype`) and device.
        return_residual : bool, default=False
            Also return Δ = G(z0) - x (Procedure 2, line 5).

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
            The codes z0, float64.
        residual : ndarray, shaped as ``inverse_transform`` returns inputs
            Δ = G(z0) - x in the units of X; only with ``return_residual``.
        """
        check_is_fitted(self)
        n_restarts = self.n_restarts if n_restarts is None else n_restarts
        n_steps = self.n_inversion_steps if n_steps is None else n_steps
        lr = self.inversion_lr if lr is None else lr
        for name, value, low in (("n_restarts", n_restarts, 1), ("n_steps", n_steps, 0)):
            if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
        if not isinstance(lr, Real) or isinstance(lr, bool) or not lr > 0:
            raise ValueError(f"lr must be a float > 0, got {lr!r}.")
        X = self._validate_input(X, reset=False)
        seed = self._latent_seed if random_state is None else random_state
        dtype, device = self.inference_dtype(), self.net_.device
        random_starts = self._prior_codes(n_restarts, seed).to(device=device, dtype=dtype)
        module = self.net_.inference_module(dtype)
        offset, scale = (torch.as_tensor(value, device=device, dtype=dtype)
                         for value in (self.input_offset_, self.input_scale_))
        chunk = max(1, self._inference_chunk() // n_restarts)
        codes = np.empty((len(X), self.n_components_))
        decoded = np.empty((len(X), *self.input_shape_)) if return_residual else None
        with torch_threads(self.n_threads):
            for start in range(0, len(X), chunk):
                x = torch.as_tensor(self._scale(X[start:start + chunk]), device=device).to(dtype)
                with torch.no_grad():
                    starts = self._search_starts(module, x, random_starts)
                extra = None
                if penalty is not None:
                    rows = torch.arange(start, start + len(x), device=device).repeat(n_restarts)

                    def extra(z, output, rows=rows):
                        return penalty(z, output * scale + offset, rows)
                z, _ = latent_search(module.decode, x, starts, n_steps=n_steps, lr=lr, penalty=extra)
                codes[start:start + len(x)] = z.double().cpu().numpy()
                if return_residual:
                    with torch.no_grad():
                        decoded[start:start + len(x)] = module.decode(z).double().cpu().numpy()
        if not return_residual:
            return codes
        reconstruction = self._output_layout(decoded)
        return codes, reconstruction - X.reshape(reconstruction.shape)


class DecoderInUnits(nn.Module):
    """A decoder followed by the estimator's inverse input scaling: codes to inputs in the units of X."""

    def __init__(self, decoder, offset, scale, input_shape):
        super().__init__()
        self.decoder = decoder
        self.input_shape = tuple(input_shape)
        self.register_buffer("offset", torch.as_tensor(np.asarray(offset), dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(np.asarray(scale), dtype=torch.float32))

    def forward(self, z):
        x = self.decoder(z).reshape(len(z), *self.input_shape)
        return x * self.scale + self.offset


_VAE_INVERSION_PARAMETERS_DOC = _INVERSION_PARAMETERS_DOC.format(
    n_restarts=1, n_steps=100, lr=0.05,
    start_note=": the first\n        is the encoder's mean, the others are drawn from N(0, I)")
_VAE_COMMON_PARAMETERS_DOC = _COMMON_PARAMETERS_DOC.format(
    optimizer_note="",
    validation_loss="The validation loss is the negative ELBO with the codes\n        at their means.",
    convergence=CONVERGENCE_PARAMETERS_DOC)


class VariationalAutoencoder(_LatentGenerativeModel):
    __doc__ = f"""Variational autoencoder: a latent Gaussian model of the inputs (Kingma & Welling, 2014).

    An encoder maps an input x to q(z|x) = N(mu(x), diag(sigma^2(x))) over
    codes z in R^k, a decoder G maps a code to p(x|z); both are trained
    together by maximizing the evidence lower bound (ELBO),
    E_q[log p(x|z)] - beta * KL(q(z|x) || N(0, I)), with the
    reparameterization z = mu + sigma * eps. One of the two latent models
    CDeepEx explains in (§3.2, App. 6.1): ``transform`` gives the encoder's
    mean mu(x), ``inverse_transform`` G(z), ``sample`` G(z) for z ~ N(0, I),
    and ``invert`` refines mu(x) into z0 = argmin_z ||G(z) - x||^2
    (Procedure 2).

    Parameters
    ----------
    n_components : int, default=20
        k, the dimension of the latent codes.
    beta : float, default=1.0
        Weight of the KL term (1: the ELBO; beta > 1 is the beta-VAE of
        Higgins et al., 2017, smoother codes and blurrier reconstructions).
    hidden_layer_sizes : tuple of int, default=(128,)
        Hidden layers of the tabular MLP encoder (mirrored by the decoder).
    conv_channels : tuple of int, default=(32, 64)
        Feature maps of the image encoder's stride-2 3x3 convolutions
        (mirrored by the decoder's transposed convolutions); smaller images
        drop inner layers so that the smallest maps stay at least 2x2.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` when images come flat as ``(n, C*H*W)``.
        Images may also be passed as ``(n, H, W)`` or ``(n, C, H, W)``;
        pixels are expected in [0, 1] (other ranges are mapped onto it by
        the training range).
{_VAE_INVERSION_PARAMETERS_DOC}    max_epochs : int, default=100
        Maximum number of passes over the training data: the cap of the
        convergence rule (``tol``).
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" takes about sqrt(n_samples), a power of 2
        between 64 and 256.
    lr : float, default=0.002
        Learning rate.
{_VAE_COMMON_PARAMETERS_DOC}
    Attributes
    ----------
{_COMMON_ATTRIBUTES_DOC}    noise_variance_ : float or None
        s^2, the learned variance of the Gaussian likelihood p(x|z) for
        tabular data, in standardized units (None for images).
{TRAINING_CURVES_DOC}
    See Also
    --------
    WassersteinGAN : The other latent model of CDeepEx, trained adversarially.
    sklearn.decomposition.PCA : A linear latent model with the same API.

    Notes
    -----
    Likelihood p(x|z): images (pixels in [0, 1]) are Bernoulli, as in
    Kingma & Welling's MNIST experiments (the decoder ends in a sigmoid and
    the reconstruction term is the binary cross-entropy summed over the
    pixels); standardized tabular features are Gaussian, N(G(z), s^2 I),
    with one learned variance s^2 (at least 1e-4), as the "sigma-VAE" of
    Rybkin et al. (2021): with s^2 fixed at 1 (a feature's whole variance),
    reconstructing a feature well gains less than its code costs in KL, and
    the VAE encodes little.

    Architecture: images go through ReLU convolutions and a linear layer to
    the mean and log-variance of the code, and back through a linear layer
    and mirrored transposed convolutions (``conv_channels``; the MLP of the
    paper's App. 6.1, 4096-784-400-120, is for 64x64 MNIST and a fixed
    size). Tabular data go through LeakyReLU MLPs (``hidden_layer_sizes``).
    No batch normalization, so every code and every decoded input depends
    on its own sample only.

    Defaults: ``n_components=20`` is the code size of Kingma & Welling's
    MNIST figures (the paper's MLP VAE uses 120 on 64x64 images);
    ``lr=0.002`` and the convergence rule are the package's.

    References
    ----------
    D. P. Kingma and M. Welling. "Auto-Encoding Variational Bayes". ICLR 2014.

    "CDEEPEx: Contrastive Deep Explanations". Anonymous ICLR 2019
    submission (``../shared/papers/cdeepex_contrastive.txt``).

    O. Rybkin, K. Daniilidis and S. Levine. "Simple and Effective VAE
    Training with Calibrated Decoders". ICML 2021.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_interp import VariationalAutoencoder
    >>> X = load_digits().images / 16.0
    >>> vae = VariationalAutoencoder(n_components=8, max_epochs=3, random_state=0).fit(X)
    >>> vae.transform(X[:3]).shape
    (3, 8)
    >>> vae.inverse_transform(vae.transform(X[:3])).shape
    (3, 1, 8, 8)
    >>> vae.sample(2, random_state=0).shape
    (2, 1, 8, 8)
    """

    _module_params = ("beta",)

    _parameter_constraints = {
        **_LatentGenerativeModel._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, n_components=20, *, beta=1.0, hidden_layer_sizes=(128,), conv_channels=(32, 64),
                 image_shape=None, n_restarts=1, n_inversion_steps=100, inversion_lr=0.05, max_epochs=100,
                 batch_size="auto", lr=0.002, optimizer="adam", weight_decay=0.0, early_stopping=False,
                 validation_fraction=0.1, tol=1e-4, n_iter_no_change=10, device="auto", n_threads=1,
                 inference_batch_size="auto", inference_precision="auto", random_state=None, verbose=0,
                 warm_start=False, callbacks=None):
        self.n_components = n_components
        self.beta = beta
        self.hidden_layer_sizes = hidden_layer_sizes
        self.conv_channels = conv_channels
        self.image_shape = image_shape
        self.n_restarts = n_restarts
        self.n_inversion_steps = n_inversion_steps
        self.inversion_lr = inversion_lr
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
            weight_decay=weight_decay, early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose, warm_start=warm_start, callbacks=callbacks,
        )

    def _build_module(self, X, y):
        encoder, decoder = variational_autoencoder(self.input_shape_, self.n_components,
                                                   self.hidden_layer_sizes, self.conv_channels)
        likelihood = "bernoulli" if len(self.input_shape_) == 3 else "gaussian"
        return VariationalAutoencoderNetwork(encoder, decoder, self.n_components, likelihood, self.beta)

    def _after_fit(self, X, y):
        super()._after_fit(X, y)
        log_variance = self.net_.module_.log_noise_variance
        self.noise_variance_ = None if log_variance is None else float(
            log_variance.detach().clamp(min=np.log(1e-4)).exp())

    def _search_starts(self, module, x, random_starts):
        """The encoder's mean first, then the random starts."""
        mean, _ = module.encode(x)
        starts = random_starts[:, None, :].expand(len(random_starts), len(x), mean.shape[1]).clone()
        starts[0] = mean
        return starts

    def transform(self, X):
        """Encode inputs: the mean mu(x) of q(z|x).

        Parameters
        ----------
        X : array-like
            Inputs, shaped like the training data.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
            The codes, float64.
        """
        return self._predict_outputs(X, lambda outputs: outputs[1].cpu().numpy())


class WassersteinNet(InterpNet):
    """The private net of :class:`WassersteinGAN`: alternating critic and generator steps (WGAN-GP).

    skorch's loop, callbacks and history run as for every estimator; one
    training step is one critic step on the batch, and every ``n_critic``-th
    also one generator step (Gulrajani et al., 2017, Algorithm 1, with the
    critic's iterations spread over consecutive batches). The critic and the
    generator have optimizers of their own, of the same kind and settings
    (``optimizer_`` and ``generator_optimizer_``). The history's
    ``train_loss`` is the critic's Wasserstein estimate on the batch before
    its step, ``train_critic_loss`` the critic's objective (with the
    gradient penalty) and ``train_generator_loss`` the generator's.
    """

    def initialize_optimizer(self, *args, **kwargs):
        parts = {"optimizer_": self.module_.critic, "generator_optimizer_": self.module_.decoder}
        for name, part in parts.items():
            args, kwargs = self.get_params_for_optimizer("optimizer", part.named_parameters())
            setattr(self, name, self.optimizer(*args, **kwargs))
        self.critic_steps_ = 0
        return self

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        module, X = self.module_, batch[0]
        self.optimizer_.zero_grad(set_to_none=True)
        loss, wasserstein = module.critic_loss(X, getattr(batch, "sample_weight", None))
        loss.backward()
        self.notify("on_grad_computed", named_parameters=list(module.critic.named_parameters()), batch=batch)
        self.optimizer_.step()
        self.history.record_batch("train_critic_loss", loss.item())
        self.critic_steps_ += 1
        if self.critic_steps_ % module.n_critic == 0:
            self.generator_optimizer_.zero_grad(set_to_none=True)
            module.critic.requires_grad_(False)  # the generator's step leaves the critic's gradients alone
            try:
                generator_loss = module.generator_loss(len(X), X)
                generator_loss.backward()
            finally:
                module.critic.requires_grad_(True)
            self.generator_optimizer_.step()
            self.history.record_batch("train_generator_loss", generator_loss.item())
        return {"loss": wasserstein, "y_pred": None}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        X = batch[0]
        with torch.no_grad():
            fake = self.module_.decoder(self.module_.sample_noise(len(X), X))
            loss = self.module_.wasserstein_estimate(X, fake, getattr(batch, "sample_weight", None))
        return {"loss": loss, "y_pred": None}


_GAN_INVERSION_PARAMETERS_DOC = _INVERSION_PARAMETERS_DOC.format(
    n_restarts=5, n_steps=500, lr=0.2, start_note=", drawn from N(0, I) (Procedure 2, line 2)")
_GAN_COMMON_PARAMETERS_DOC = _COMMON_PARAMETERS_DOC.format(
    optimizer_note=" of each network (Adam with ``beta_1`` and ``beta_2``:\n        Algorithm 1)",
    validation_loss="The validation loss is the critic's Wasserstein\n        estimate on the held-out "
                    "rows, a rough monitor (the critic changes\n        too).",
    convergence=CONVERGENCE_PARAMETERS_DOC.replace("default=1e-4", "default=None"))
_GAN_TRAINING_CURVES_DOC = TRAINING_CURVES_DOC.replace(
    "Training loss of each epoch (the objective, penalties included).",
    "The critic's Wasserstein estimate E[D(x)] - E[D(G(z))] of each epoch\n        (mean over its "
    "batches), which Gulrajani et al. find to track sample\n        quality (§5.3); the objectives "
    "are in ``net_.history``.")

class WassersteinGAN(_LatentGenerativeModel):
    __doc__ = f"""Wasserstein GAN with gradient penalty: a generator G of inputs from Gaussian noise.

    A generator G maps noise z ~ N(0, I) in R^k to inputs; a critic D scores
    inputs, trained to estimate the Wasserstein-1 distance between the data
    and G's samples, W = max_D E[D(x)] - E[D(G(z))] over 1-Lipschitz D,
    which G minimizes. The Lipschitz constraint is enforced softly by the
    gradient penalty gp_weight * E[(||grad D(x_hat)||_2 - 1)^2] on points
    x_hat between real and generated samples (WGAN-GP, Gulrajani et al.,
    2017, Algorithm 1): the stable successor of the weight-clipped WGAN
    (Arjovsky et al., 2017) the CDeepEx paper trains its G with (§3.2).
    ``inverse_transform`` and ``sample`` give G(z); ``transform`` and
    ``invert`` find z0 = argmin_z ||G(z) - x||^2 (Procedure 2 without the
    classifier's term) by gradient descent from several random starts.

    Parameters
    ----------
    n_components : int, default=100
        k, the dimension of the noise z (DCGAN's 100; the paper uses 200 on
        Fashion-MNIST).
    n_critic : int, default=5
        n_critic, critic steps per generator step (Algorithm 1).
    gp_weight : float, default=10.0
        λ of Algorithm 1, the weight of the gradient penalty.
    beta_1 : float, default=0.5
        Adam's beta_1, for both networks (with ``optimizer`` "adam" or
        "adamw"; other optimizers ignore it).
    beta_2 : float, default=0.9
        Adam's beta_2, for both networks.
    hidden_layer_sizes : tuple of int, default=(128, 128)
        Hidden layers of the tabular MLPs (G: ReLU; D: LeakyReLU(0.2)).
    conv_channels : tuple of int, default=(64, 128, 256)
        Feature maps of the critic's stride-2 3x3 convolutions, mirrored by
        G's transposed convolutions; smaller images drop inner layers so that
        the smallest maps stay at least 2x2.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` when images come flat as ``(n, C*H*W)``.
        Images may also be passed as ``(n, H, W)`` or ``(n, C, H, W)``;
        pixels are expected in [0, 1] (other ranges are mapped onto it by
        the training range).
{_GAN_INVERSION_PARAMETERS_DOC}    max_epochs : int, default=200
        Passes over the training data: each batch is one critic step, every
        ``n_critic``-th batch also a generator step.
    batch_size : int or "auto", default="auto"
        Minibatch size, of real and of generated samples; "auto" takes about
        sqrt(n_samples), a power of 2 between 64 and 256 (Algorithm 1's
        m = 64).
    lr : float, default=1e-4
        Learning rate of both networks (Algorithm 1's α).
{_GAN_COMMON_PARAMETERS_DOC}
    Attributes
    ----------
{_COMMON_ATTRIBUTES_DOC}{_GAN_TRAINING_CURVES_DOC}
    See Also
    --------
    VariationalAutoencoder : The other latent model of CDeepEx, with an encoder.

    Notes
    -----
    Training, as Algorithm 1 of Gulrajani et al. with their defaults: Adam
    with α = 1e-4, β1 = 0.5, β2 = 0.9 (those of their code; Algorithm 1
    states β1 = 0), λ = 10, n_critic = 5. An epoch is a pass of the critic
    over the data; a generator step follows every n_critic critic steps,
    across epochs. ``tol=None``: the Wasserstein estimate is not a loss to
    converge (the critic moves with G), so training runs ``max_epochs``;
    with a number, the convergence rule watches ``loss_curve_``.

    Architecture: DCGAN-like (Radford et al., 2015), as the CDeepEx paper's
    (App. 6.1): the critic is stride-2 convolutions with LeakyReLU(0.2) and
    a linear score; G projects z linearly to the critic's smallest feature
    maps and goes back up through stride-2 transposed convolutions with
    ReLU, ending in a sigmoid (pixels in [0, 1], where the paper's tanh
    gives [-1, 1]). Neither network uses batch normalization: the gradient
    penalty is taken per sample (Gulrajani et al., §4), and G(z) must depend
    on z alone so that ``invert`` and the explainer can differentiate it
    sample by sample (with batch normalization, G in eval mode is not the G
    that was trained). Tabular data use MLPs (``hidden_layer_sizes``) with a
    linear output on standardized features.

    Inversion: ``transform`` is ``invert`` with the estimator's
    ``n_restarts``, ``n_inversion_steps`` and ``inversion_lr`` and the
    random starts of the fit's seed, so repeated calls give the same codes.
    An input far from G's range keeps a large residual ``invert(...,
    return_residual=True)`` (the paper's Δ).

    References
    ----------
    I. Gulrajani, F. Ahmed, M. Arjovsky, V. Dumoulin and A. Courville.
    "Improved Training of Wasserstein GANs". NeurIPS 2017.

    M. Arjovsky, S. Chintala and L. Bottou. "Wasserstein Generative
    Adversarial Networks". ICML 2017.

    A. Radford, L. Metz and S. Chintala. "Unsupervised Representation
    Learning with Deep Convolutional Generative Adversarial Networks".
    ICLR 2016.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_interp import WassersteinGAN
    >>> X = load_digits().images / 16.0
    >>> gan = WassersteinGAN(n_components=16, conv_channels=(16, 32), max_epochs=2, random_state=0).fit(X)
    >>> gan.sample(2, random_state=0).shape
    (2, 1, 8, 8)
    >>> Z, residual = gan.invert(X[:3], n_restarts=2, n_steps=20, return_residual=True)
    >>> Z.shape, residual.shape
    ((3, 16), (3, 1, 8, 8))
    """

    _module_params = ("gp_weight", "n_critic")
    _net_class = WassersteinNet

    _parameter_constraints = {
        **_LatentGenerativeModel._parameter_constraints,
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, n_components=100, *, n_critic=5, gp_weight=10.0, beta_1=0.5, beta_2=0.9,
                 hidden_layer_sizes=(128, 128), conv_channels=(64, 128, 256), image_shape=None, n_restarts=5,
                 n_inversion_steps=500, inversion_lr=0.2, max_epochs=200, batch_size="auto", lr=1e-4,
                 optimizer="adam", weight_decay=0.0, early_stopping=False, validation_fraction=0.1, tol=None,
                 n_iter_no_change=10, device="auto", n_threads=1, inference_batch_size="auto",
                 inference_precision="auto", random_state=None, verbose=0, warm_start=False, callbacks=None):
        self.n_components = n_components
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.hidden_layer_sizes = hidden_layer_sizes
        self.conv_channels = conv_channels
        self.image_shape = image_shape
        self.n_restarts = n_restarts
        self.n_inversion_steps = n_inversion_steps
        self.inversion_lr = inversion_lr
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
            weight_decay=weight_decay, early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose, warm_start=warm_start, callbacks=callbacks,
        )

    def _build_module(self, X, y):
        decoder, critic = generator_and_critic(self.input_shape_, self.n_components, self.hidden_layer_sizes,
                                               self.conv_channels)
        return WassersteinGANNetwork(decoder, critic, self.n_components, self.gp_weight, self.n_critic)

    def _net_options(self):
        if self.optimizer in ("adam", "adamw"):
            return {"optimizer__betas": (self.beta_1, self.beta_2)}
        return {}

    def _check_loss_decreased(self, net):
        """No "did not learn" warning: the Wasserstein estimate is not a loss that falls from its start."""
        return True

    def transform(self, X):
        """Find the codes of inputs: :meth:`invert` with the estimator's search parameters.

        Parameters
        ----------
        X : array-like
            Inputs, shaped like the training data.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
            The codes z0 = argmin_z ||G(z) - x||^2 found, float64.
        """
        return self.invert(X)
