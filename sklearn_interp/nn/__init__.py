"""Plain torch building blocks: encoders, decoders and initialisation."""

from .autoencoders import ConvDecoder, ConvEncoder, make_autoencoder, mlp
from .init import reset_parameters

__all__ = ["ConvDecoder", "ConvEncoder", "make_autoencoder", "mlp", "reset_parameters"]
