"""Plain torch building blocks: encoders, decoders and initialisation."""

from .autoencoders import ConvDecoder, ConvEncoder, concept_autoencoder, conv_net, make_autoencoder, mlp
from .init import reset_parameters

__all__ = ["ConvDecoder", "ConvEncoder", "concept_autoencoder", "conv_net", "make_autoencoder", "mlp",
           "reset_parameters"]
