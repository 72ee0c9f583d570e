"""Evaluation metrics for self-explaining models."""

from ._faithfulness import faithfulness_score, make_accuracy_faithfulness_scorer, make_faithfulness_scorer
from ._stability import lipschitz_estimate

__all__ = [
    "faithfulness_score",
    "lipschitz_estimate",
    "make_accuracy_faithfulness_scorer",
    "make_faithfulness_scorer",
]
