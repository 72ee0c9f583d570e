"""Evaluation metrics for self-explaining models and post-hoc explainers."""

from ._faithfulness import faithfulness_score, make_accuracy_faithfulness_scorer, make_faithfulness_scorer
from ._faithfulness_correlation import faithfulness_correlation
from ._scorer import make_explanation_scorer
from ._stability import lipschitz_estimate, local_lipschitz

__all__ = [
    "faithfulness_correlation",
    "faithfulness_score",
    "lipschitz_estimate",
    "local_lipschitz",
    "make_accuracy_faithfulness_scorer",
    "make_explanation_scorer",
    "make_faithfulness_scorer",
]
