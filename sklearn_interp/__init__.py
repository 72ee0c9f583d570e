"""sklearn_interp: self-explaining deep models with a scikit-learn API."""

from ._pipeline import explain, explain_global
from .contrastive import ContrastiveExplainer
from .explanation import Explanation
from .generative import VariationalAutoencoder, WassersteinGAN
from .leveling import FeatureLevelingClassifier, FeatureLevelingRegressor
from .prototype import PrototypeClassifier
from .representer import SparseRepresenterClassifier, SparseRepresenterRegressor
from .senn import SENNClassifier, SENNRegressor

__version__ = "0.1.0"

__all__ = ["ContrastiveExplainer", "Explanation", "FeatureLevelingClassifier", "FeatureLevelingRegressor", "PrototypeClassifier",
           "SENNClassifier", "SENNRegressor", "SparseRepresenterClassifier", "SparseRepresenterRegressor",
           "VariationalAutoencoder", "WassersteinGAN", "__version__", "explain", "explain_global"]
