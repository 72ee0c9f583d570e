"""Small layers shared by the estimators."""

import numpy as np
import torch
from torch import nn


class Standardize(nn.Module):
    """``(x - mean) / scale`` with stored training statistics (identity by default)."""

    def __init__(self, mean=0.0, scale=1.0):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    @classmethod
    def from_data(cls, X):
        """Statistics of the rows of ``X``; constant features keep scale 1."""
        mean, scale = X.mean(axis=0), X.std(axis=0)
        return cls(mean, np.where(scale > 0, scale, 1.0))

    def forward(self, x):
        return (x - self.mean) / self.scale

    def inverse(self, x):
        return x * self.scale + self.mean
