"""Plain torch building blocks: encoders, decoders and layers."""

from .autoencoders import ConvDecoder, ConvEncoder, make_autoencoder, mlp
from .layers import Standardize

__all__ = ["ConvDecoder", "ConvEncoder", "Standardize", "make_autoencoder", "mlp"]
