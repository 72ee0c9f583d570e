"""Evaluation metrics for self-explaining models."""

from ._stability import lipschitz_estimate

__all__ = ["lipschitz_estimate"]
