"""Plain torch building blocks: encoders, decoders, stochastic gates, networks and initialisation."""

from .autoencoders import (ConvDecoder, ConvEncoder, code_to_image, concept_autoencoder, conv_net,
                           generator_and_critic, make_autoencoder, mlp, variational_autoencoder)
from .dropout import Dropout
from .generative import VariationalAutoencoderNetwork, WassersteinGANNetwork, latent_search
from .gates import GaussianGate, HardConcreteGate, StochasticGate
from .init import reset_parameters
from .leveling import FeatureLevelingNetwork
from .reduction import weighted_mean

__all__ = ["ConvDecoder", "ConvEncoder", "Dropout", "FeatureLevelingNetwork", "GaussianGate",
           "HardConcreteGate", "StochasticGate", "VariationalAutoencoderNetwork", "WassersteinGANNetwork",
           "code_to_image", "concept_autoencoder", "conv_net", "generator_and_critic", "latent_search",
           "make_autoencoder", "mlp", "reset_parameters", "variational_autoencoder", "weighted_mean"]
