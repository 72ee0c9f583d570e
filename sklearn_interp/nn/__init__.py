"""Plain torch building blocks: encoders, decoders, stochastic gates, networks and initialisation."""

from .autoencoders import ConvDecoder, ConvEncoder, concept_autoencoder, conv_net, make_autoencoder, mlp
from .dropout import Dropout
from .gates import GaussianGate, HardConcreteGate, StochasticGate
from .init import reset_parameters
from .leveling import FeatureLevelingNetwork
from .reduction import weighted_mean

__all__ = ["ConvDecoder", "ConvEncoder", "Dropout", "FeatureLevelingNetwork", "GaussianGate",
           "HardConcreteGate", "StochasticGate", "concept_autoencoder", "conv_net", "make_autoencoder", "mlp",
           "reset_parameters", "weighted_mean"]
