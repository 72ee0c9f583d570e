"""Generative models over the input space: a VAE, a Wasserstein GAN with gradient penalty, latent search.

Both networks map latent codes z in R^k to inputs with ``decode(z)``, the G of
CDeepEx (§3.1); :func:`latent_search` finds a code for a given input
(Procedure 2 of CDeepEx without the misclassification cost, or with it as a
``penalty``).
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from .reduction import weighted_mean

# The Gaussian likelihood's learned noise variance stays above this (standardized units), so a
# feature that the decoder reproduces exactly (a constant one) cannot drive the loss to -infinity.
LOG_NOISE_VARIANCE_FLOOR = math.log(1e-4)


class VariationalAutoencoderNetwork(nn.Module):
    """A VAE (Kingma & Welling, 2014): Gaussian codes q(z|x) = N(mu(x), diag(sigma^2(x))), prior N(0, I).

    ``encoder`` maps an input to ``2 * n_components`` values, the mean mu and
    the log-variance of q(z|x); ``decoder`` maps a code z to the mean of
    p(x|z). ``forward`` returns ``(reconstruction, mean, log_variance)``: in
    training the reconstruction decodes a code sampled with the
    reparameterization z = mu + sigma * eps (eps drawn from ``generator``),
    otherwise it decodes mu. The negative ELBO is ``data_loss`` (the
    reconstruction's negative log-likelihood -log p(x|z) per sample) plus
    ``penalty`` (beta times KL(q(z|x) || N(0, I))).

    ``likelihood`` is ``"bernoulli"`` for pixels in [0, 1] (binary
    cross-entropy against the decoder's sigmoid output, summed over pixels) or
    ``"gaussian"`` for standardized features: N(x; decoder(z), s^2 I) with one
    learned noise variance s^2 (``log_noise_variance``, kept above 1e-4), so
    that the reconstruction term is not outweighed by the KL term on data of
    few features (a fixed s^2 = 1, the whole variance of a standardized
    feature, lets the VAE encode almost nothing).
    """

    generator = None  # the fit's torch.Generator while training (see sklearn_interp.base)

    def __init__(self, encoder, decoder, n_components, likelihood="bernoulli", beta=1.0):
        super().__init__()
        if likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"likelihood must be 'bernoulli' or 'gaussian', got {likelihood!r}.")
        self.encoder = encoder
        self.decoder = decoder
        self.n_components = n_components
        self.likelihood = likelihood
        self.beta = beta
        self.log_noise_variance = nn.Parameter(torch.zeros(())) if likelihood == "gaussian" else None

    def encode(self, x):
        """``(mean, log_variance)`` of q(z|x), each of shape (n, n_components)."""
        mean, log_variance = self.encoder(x).chunk(2, dim=1)
        return mean, log_variance

    def decode(self, z):
        """G(z): the mean of p(x|z), shaped like the inputs."""
        return self.decoder(z)

    def forward(self, x):
        mean, log_variance = self.encode(x)
        z = mean
        if self.training:
            noise = torch.randn(mean.shape, generator=self.generator, dtype=mean.dtype, device=mean.device)
            z = mean + torch.exp(0.5 * log_variance) * noise
        return self.decoder(z), mean, log_variance

    def data_loss(self, outputs, x):
        """-log p(x|z) of each sample (n,): the reconstruction term of the negative ELBO."""
        reconstruction = outputs[0]
        if self.likelihood == "bernoulli":
            return F.binary_cross_entropy(reconstruction, x, reduction="none").flatten(1).sum(1)
        log_variance = self.log_noise_variance.clamp(min=LOG_NOISE_VARIANCE_FLOOR)
        squared = (reconstruction - x).pow(2).flatten(1)
        return 0.5 * (squared / log_variance.exp() + log_variance + math.log(2 * math.pi)).sum(1)

    def penalty(self, outputs, x, training=False, sample_weight=None):
        """beta * KL(q(z|x) || N(0, I)), averaged over the batch (closed form, Kingma & Welling, App. B)."""
        _, mean, log_variance = outputs
        kl = 0.5 * (mean.pow(2) + log_variance.exp() - 1 - log_variance).sum(1)
        return self.beta * weighted_mean(kl, sample_weight)


class WassersteinGANNetwork(nn.Module):
    """A Wasserstein GAN with gradient penalty (WGAN-GP, Gulrajani et al., 2017): generator G, critic D.

    ``decoder`` is G, mapping noise z ~ N(0, I) in R^k to an input; ``critic``
    is D, mapping an input to one score. ``forward(x)`` returns the critic's
    scores. :meth:`critic_loss` and :meth:`generator_loss` are the two
    objectives of Algorithm 1 that training alternates (``n_critic`` critic
    steps per generator step); noise, fake batches and the interpolation
    weights are drawn from ``generator``.
    """

    generator = None  # the fit's torch.Generator while training (see sklearn_interp.base)

    def __init__(self, decoder, critic, n_components, gp_weight=10.0, n_critic=5):
        super().__init__()
        self.decoder = decoder
        self.critic = critic
        self.n_components = n_components
        self.gp_weight = gp_weight
        self.n_critic = n_critic

    def forward(self, x):
        return self.critic(x).squeeze(1)

    def decode(self, z):
        """G(z), shaped like the inputs."""
        return self.decoder(z)

    def sample_noise(self, n_samples, like):
        """z ~ N(0, I) of shape (n_samples, k) from ``generator``, in the dtype and device of ``like``."""
        return torch.randn((n_samples, self.n_components), generator=self.generator, dtype=like.dtype,
                           device=like.device)

    def wasserstein_estimate(self, x, fake, sample_weight=None):
        """The critic's estimate of the Wasserstein-1 distance: E[D(x)] - E[D(G(z))] (weighted over x)."""
        return weighted_mean(self(x), sample_weight) - self(fake).mean()

    def critic_loss(self, x, sample_weight=None):
        """``(loss, wasserstein)`` of a critic step, Algorithm 1 lines 3-9.

        ``loss`` is -W + gp_weight * E[(||grad D(x_hat)||_2 - 1)^2] over
        x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1] per sample, each pair's
        term weighted by its real sample's weight; ``wasserstein`` is the
        estimate W = E[D(x)] - E[D(G(z))] (detached).
        """
        with torch.no_grad():
            fake = self.decoder(self.sample_noise(len(x), x))
        wasserstein = self.wasserstein_estimate(x, fake, sample_weight)
        eps_shape = (len(x),) + (1,) * (x.ndim - 1)
        eps = torch.rand(eps_shape, generator=self.generator, dtype=x.dtype, device=x.device)
        mixed = (eps * x + (1 - eps) * fake).requires_grad_(True)
        (gradient,) = torch.autograd.grad(self(mixed).sum(), mixed, create_graph=True)
        penalty = weighted_mean((gradient.flatten(1).norm(dim=1) - 1).pow(2), sample_weight)
        return -wasserstein + self.gp_weight * penalty, wasserstein.detach()

    def generator_loss(self, n_samples, like):
        """-E[D(G(z))] over ``n_samples`` fresh noise vectors (Algorithm 1, line 11)."""
        return -self(self.decoder(self.sample_noise(n_samples, like))).mean()


def latent_search(decoder, x, starts, n_steps=200, lr=0.05, penalty=None):
    """Codes z with G(z) close to x, by batched gradient descent from several starts.

    Step 1 of CDeepEx (eq. 1, Procedure 2): z0 = argmin_z ||G(z) - I||^2,
    started from each of ``starts``; the start of the lowest final loss wins.
    Each (start, sample) pair is its own row of one batch and its loss is
    summed, not averaged, over the batch, so a row's path does not depend on
    the rows beside it. Adam's step size is annealed from ``lr`` to 0 along a
    cosine, so the last steps settle rather than oscillate.

    Parameters
    ----------
    decoder : callable
        G, a differentiable map from codes of shape (m, k) to inputs of
        shape (m,) + x.shape[1:]; its parameters are left untouched.
    x : torch.Tensor of shape (n, ...)
        The inputs I to find codes for, in G's output space.
    starts : torch.Tensor of shape (n_starts, n, k) or (n_starts, k)
        Initial codes, per sample, or shared by every sample.
    n_steps : int, default=200
        Gradient steps.
    lr : float, default=0.05
        Adam's initial step size.
    penalty : callable, default=None
        ``penalty(z, decoded)`` returning an extra cost per row, shape
        (n_starts * n,), added to ||G(z) - I||^2 (e.g. the misclassification
        cost of Procedure 2). Rows are start-major: row ``r * n + i`` is
        start r of sample i.

    Returns
    -------
    z : torch.Tensor of shape (n, k)
        The best code of each sample, detached.
    loss : torch.Tensor of shape (n,)
        Its final loss.
    """
    n = len(x)
    if starts.ndim == 2:
        starts = starts[:, None, :].expand(len(starts), n, starts.shape[-1])
    n_starts, _, k = starts.shape
    z = starts.reshape(n_starts * n, k).detach().clone().requires_grad_(True)
    target = x.unsqueeze(0).expand(n_starts, *x.shape).reshape(n_starts * n, *x.shape[1:])

    def objective(codes):
        decoded = decoder(codes)
        loss = (decoded - target).pow(2).flatten(1).sum(1)
        return loss if penalty is None else loss + penalty(codes, decoded)

    optimizer = torch.optim.Adam([z], lr=lr)
    with torch.enable_grad():
        for step in range(n_steps):
            optimizer.param_groups[0]["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / n_steps))
            (z.grad,) = torch.autograd.grad(objective(z).sum(), z)
            optimizer.step()
    with torch.no_grad():
        loss = objective(z).view(n_starts, n)
    best, rows = loss.argmin(dim=0), torch.arange(n, device=loss.device)
    return z.detach().view(n_starts, n, k)[best, rows], loss[best, rows]
