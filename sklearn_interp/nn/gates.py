"""Stochastic gates: continuous relaxations of Bernoulli variables with an L0 penalty.

One gate family for the estimators that learn sparse on/off masks:

* :class:`GaussianGate`, the Gaussian stochastic gates of Yamada et al. (2020),
  used by the sparse representer method (Iwata et al., eqs. 7-9 and 20);
* :class:`HardConcreteGate`, the hard-concrete gates of Louizos et al. (2018),
  used by feature leveling networks (Lu & Yang, eqs. 5-8).

Every gate holds one learnable parameter of a given ``shape`` and exposes

* ``forward(n_samples=None)``: the gate values ``z`` in ``[0, 1]``, sampled in
  training mode and deterministic in evaluation mode;
* ``expected_open()``: the per-gate probability ``P(z > 0)``, differentiable;
  its sum is the expected L0 norm, the sparsity regulariser;
* ``deterministic()``: the evaluation-mode value;
* ``reset_parameters(generator=None)``: the initialisation.

Randomness follows the estimator base's module contract
(:mod:`sklearn_interp.base`): a gate declares ``generator = None``; the base
sets it to the fit's ``torch.Generator`` while training and back to None after,
and the gate samples with ``generator=self.generator``, never from torch's
global RNG. The estimators always set it; a gate used on its own in training
mode with ``generator`` left as None falls back to torch's global RNG.
"""

import math
from numbers import Integral

import torch
from torch import nn


def _as_shape(shape):
    if isinstance(shape, Integral):
        return torch.Size((int(shape),))
    return torch.Size(int(s) for s in shape)


class StochasticGate(nn.Module):
    """Abstract stochastic gate with one learnable parameter of shape ``shape``.

    Subclasses set ``_param_name`` (the parameter's attribute name) and
    implement ``_sample(size)``, ``expected_open()``, ``deterministic()`` and
    ``reset_parameters(generator=None)``. ``reset_parameters`` is called at the
    end of ``__init__`` and may depend on the shape and the ``init_*``
    arguments only.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the gate array ``z`` (and of its parameter).

    Attributes
    ----------
    generator : torch.Generator or None
        Source of the training-mode noise, set by the estimator base during
        fit. None falls back to torch's global RNG.
    """

    generator = None
    _param_name = None

    def __init__(self, shape):
        if self._param_name is None:
            raise TypeError("StochasticGate is abstract; use GaussianGate or HardConcreteGate.")
        super().__init__()
        self.shape = _as_shape(shape)
        self.register_parameter(self._param_name, nn.Parameter(torch.empty(self.shape)))
        self.reset_parameters()

    @property
    def parameter(self):
        """The gate's learnable parameter (``mu`` or ``log_alpha``)."""
        return getattr(self, self._param_name)

    def forward(self, n_samples=None):
        """Gate values ``z``.

        Parameters
        ----------
        n_samples : int or None, default=None
            Number of independent Monte Carlo draws (``J`` in Iwata et al.,
            eq. 11). None returns a single draw without the leading axis.

        Returns
        -------
        z : torch.Tensor of shape ``shape`` or ``(n_samples, *shape)``
            Sampled with ``self.generator`` in training mode; the
            deterministic value (broadcast over the draws) in evaluation mode.
        """
        size = self._size(n_samples)
        if self.training:
            return self._sample(size)
        return self.deterministic().expand(size)

    def _size(self, n_samples):
        if n_samples is None:
            return self.shape
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer or None, got {n_samples!r}.")
        return torch.Size((int(n_samples), *self.shape))

    def _noise_kwargs(self):
        p = self.parameter
        return {"generator": self.generator, "dtype": p.dtype, "device": p.device}

    def _sample(self, size):
        raise NotImplementedError

    def expected_open(self):
        """Per-gate probability ``P(z > 0)``, a differentiable tensor of shape ``shape``."""
        raise NotImplementedError

    def deterministic(self):
        """Evaluation-mode gate values, a tensor of shape ``shape``."""
        raise NotImplementedError

    def reset_parameters(self, generator=None):
        """Draw the parameter's initial values from ``generator``."""
        raise NotImplementedError

    def extra_repr(self):
        return f"shape={tuple(self.shape)}"


class GaussianGate(StochasticGate):
    r"""Gaussian stochastic gates (Yamada et al., 2020; Iwata et al., eqs. 8-9).

    In training mode

    .. math:: z = \max(0, \min(1, \mu + \epsilon)), \quad \epsilon \sim \mathcal{N}(0, \sigma^2),

    the probability of an open gate is :math:`P(z > 0) = \Phi(\mu / \sigma)`
    with :math:`\Phi` the standard normal CDF, so the expected number of open
    gates (the regulariser :math:`\Omega`, eq. 9) is
    :math:`\sum \Phi(\mu / \sigma)`. In evaluation mode
    :math:`z = \max(0, \min(1, \mu))`.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the gate array.
    sigma : float, default=0.5
        Noise standard deviation; Iwata et al. use 0.5 in all experiments, as
        does Yamada et al.'s reference code.
    init_mean : float, default=0.5
        Mean of the initial ``mu``. Iwata et al. do not state an
        initialisation; Yamada et al.'s code starts at ``mu = 0.5 +
        0.01 N(0, 1)`` (their ``hard_sigmoid`` shifts by 0.5), i.e. the gates
        start half open with ``P(z > 0) = Phi(1) ~ 0.84`` at ``sigma = 0.5``.

    Attributes
    ----------
    mu : torch.nn.Parameter of shape ``shape``
        Gate means.
    """

    _param_name = "mu"

    def __init__(self, shape, sigma=0.5, init_mean=0.5):
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma!r}.")
        self.sigma = float(sigma)
        self.init_mean = float(init_mean)
        super().__init__(shape)

    def _sample(self, size):
        eps = torch.randn(size, **self._noise_kwargs())
        return (self.mu + self.sigma * eps).clamp(0.0, 1.0)

    def expected_open(self):
        r""":math:`\Phi(\mu / \sigma)` per gate (Iwata et al., eq. 9)."""
        return 0.5 * (1.0 + torch.erf(self.mu / (self.sigma * math.sqrt(2.0))))

    def deterministic(self):
        r""":math:`\max(0, \min(1, \mu))`."""
        return self.mu.clamp(0.0, 1.0)

    def reset_parameters(self, generator=None):
        """Draw ``mu`` from ``N(init_mean, 0.01**2)`` (Yamada et al.'s code)."""
        with torch.no_grad():
            nn.init.normal_(self.mu, self.init_mean, 0.01, generator=generator)

    def extra_repr(self):
        return f"{super().extra_repr()}, sigma={self.sigma}"


class HardConcreteGate(StochasticGate):
    r"""Hard-concrete L0 gates (Louizos et al., 2018; Lu & Yang, eqs. 6-8).

    In training mode, with :math:`u \sim U(0, 1)`,

    .. math::

        s = \operatorname{sigmoid}\big((\log u - \log(1 - u) + \log\alpha) / \beta\big), \quad
        \bar s = s (\zeta - \gamma) + \gamma, \quad
        z = \min(1, \max(0, \bar s)).

    The probability of an open gate (the L0 penalty, Lu & Yang eq. 8
    :math:`1 - Q(s \le 0 \mid \phi)`) is
    :math:`\operatorname{sigmoid}(\log\alpha - \beta \log(-\gamma / \zeta))`.
    In evaluation mode
    :math:`z = \min(1, \max(0, \operatorname{sigmoid}(\log\alpha)(\zeta - \gamma) + \gamma))`.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the gate array.
    beta : float, default=2/3
        Temperature of the concrete distribution.
    gamma : float, default=-0.1
        Lower end of the stretched interval, ``gamma < 0``.
    zeta : float, default=1.1
        Upper end of the stretched interval, ``zeta > 1``.
    init_drop_rate : float, default=0.5
        ``log_alpha`` starts at ``log(1 - p) - log(p)`` plus ``N(0, 0.01**2)``
        noise, with ``p`` this rate (Louizos et al.'s code, ``droprate_init``).

    Attributes
    ----------
    log_alpha : torch.nn.Parameter of shape ``shape``
        Gate location parameters.
    """

    _param_name = "log_alpha"

    def __init__(self, shape, beta=2 / 3, gamma=-0.1, zeta=1.1, init_drop_rate=0.5):
        if not beta > 0:
            raise ValueError(f"beta must be positive, got {beta!r}.")
        if not (gamma < 0 and zeta > 1):
            raise ValueError(f"Need gamma < 0 < 1 < zeta, got gamma={gamma!r}, zeta={zeta!r}.")
        if not 0 < init_drop_rate < 1:
            raise ValueError(f"init_drop_rate must lie in (0, 1), got {init_drop_rate!r}.")
        self.beta, self.gamma, self.zeta = float(beta), float(gamma), float(zeta)
        self.init_drop_rate = float(init_drop_rate)
        super().__init__(shape)

    def _stretch_clamp(self, s):
        return (s * (self.zeta - self.gamma) + self.gamma).clamp(0.0, 1.0)

    def _sample(self, size):
        u = torch.rand(size, **self._noise_kwargs())
        logistic = torch.logit(u, eps=1e-6)  # log u - log(1 - u), u kept off 0 and 1
        return self._stretch_clamp(torch.sigmoid((logistic + self.log_alpha) / self.beta))

    def expected_open(self):
        r""":math:`\operatorname{sigmoid}(\log\alpha - \beta \log(-\gamma / \zeta))` per gate."""
        return torch.sigmoid(self.log_alpha - self.beta * math.log(-self.gamma / self.zeta))

    def deterministic(self):
        r""":math:`\min(1, \max(0, \operatorname{sigmoid}(\log\alpha)(\zeta - \gamma) + \gamma))`."""
        return self._stretch_clamp(torch.sigmoid(self.log_alpha))

    def reset_parameters(self, generator=None):
        """Draw ``log_alpha`` from ``N(log(1 - p) - log(p), 0.01**2)``, ``p = init_drop_rate``."""
        p = self.init_drop_rate
        with torch.no_grad():
            nn.init.normal_(self.log_alpha, math.log(1 - p) - math.log(p), 0.01, generator=generator)

    def extra_repr(self):
        return f"{super().extra_repr()}, beta={self.beta}, gamma={self.gamma}, zeta={self.zeta}"
