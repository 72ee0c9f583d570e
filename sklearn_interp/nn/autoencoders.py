"""Encoders and decoders shared by the estimators (tabular MLPs, small conv nets)."""

import functools
import math

from torch import nn

from .dropout import Dropout


def mlp(sizes, activation=nn.LeakyReLU, output_activation=None, dropout=0.0):
    """A fully connected stack of layers from ``sizes[0]`` through ``sizes[-1]`` units.

    ``activation`` follows every hidden layer, then :class:`Dropout` with rate
    ``dropout`` when it is positive; ``output_activation`` (a module class or
    None) follows the last one. No BatchNorm: a one-sample batch must work.
    """
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        last = i == len(sizes) - 2
        if not last:
            layers.append(activation())
            if dropout:
                layers.append(Dropout(dropout))
        elif output_activation is not None:
            layers.append(output_activation())
    return nn.Sequential(*layers)


def conv_output_sizes(size, n_layers):
    """Spatial sizes after each 3x3, stride-2, 'same'-padded convolution."""
    sizes = [size]
    for _ in range(n_layers):
        sizes.append((sizes[-1] - 1) // 2 + 1)
    return sizes


def scale_channels(channels, size):
    """Drop inner layers so that the code's feature maps stay at least 2x2.

    The paper's four layers take 28x28 to 2x2; an 8x8 image keeps two layers
    (8 -> 4 -> 2) with the first and last channel counts.
    """
    n_layers = len(channels)
    while n_layers > 1 and conv_output_sizes(size, n_layers)[-1] < 2:
        n_layers -= 1
    return (*channels[: n_layers - 1], channels[-1])


class ConvEncoder(nn.Module):
    """Stride-2 3x3 convolutions with 'same' padding, flattened to a code vector.

    With ``channels=(32, 32, 32, 10)`` and sigmoid activations this is the
    encoder of Li et al. (2018), §3.1: a 28x28 image becomes a 2x2x10 = 40-d code.
    Smaller images use fewer layers (see :func:`scale_channels`).
    """

    def __init__(self, input_shape, channels=(32, 32, 32, 10), activation=nn.Sigmoid):
        super().__init__()
        n_channels, height, width = input_shape
        channels = scale_channels(channels, min(height, width))
        layers = []
        for c_in, c_out in zip((n_channels, *channels[:-1]), channels):
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, stride=2, padding=1), activation()]
        self.layers = nn.Sequential(*layers)
        self.heights = conv_output_sizes(height, len(channels))
        self.widths = conv_output_sizes(width, len(channels))
        self.latent_shape = (channels[-1], self.heights[-1], self.widths[-1])
        self.latent_dim = math.prod(self.latent_shape)

    def forward(self, x):
        return self.layers(x).flatten(1)


class ConvDecoder(nn.Module):
    """Transposed convolutions mirroring a :class:`ConvEncoder`, back to its input size."""

    def __init__(self, encoder, output_channels, activation=nn.Sigmoid, output_activation=nn.Sigmoid):
        super().__init__()
        self.latent_shape = encoder.latent_shape
        channels = [layer.out_channels for layer in encoder.layers if isinstance(layer, nn.Conv2d)]
        c_outs = (*channels[-2::-1], output_channels)
        layers = []
        for i, (c_in, c_out) in enumerate(zip(channels[::-1], c_outs)):
            depth = len(channels) - i
            padding = (
                encoder.heights[depth - 1] - (2 * encoder.heights[depth] - 1),
                encoder.widths[depth - 1] - (2 * encoder.widths[depth] - 1),
            )
            layers.append(nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=padding))
            last = i == len(channels) - 1
            layers.append((output_activation if last else activation)())
        self.layers = nn.Sequential(*layers)

    def forward(self, z):
        return self.layers(z.view(len(z), *self.latent_shape))


def make_autoencoder(input_shape, hidden_layer_sizes=(64,), latent_dim=10,
                     conv_channels=(32, 32, 32, 10), activation=None):
    """Encoder f and decoder g for tabular ``(p,)`` or image ``(C, H, W)`` inputs.

    Both encoders end in a sigmoid, so codes lie in the unit hypercube. Image
    decoders end in a sigmoid (pixels in [0, 1]); tabular decoders are linear
    (standardized features are unbounded). ``activation`` defaults to sigmoid
    for images (the paper's choice) and LeakyReLU for tabular data.
    """
    if len(input_shape) == 3:
        activation = activation or nn.Sigmoid
        encoder = ConvEncoder(input_shape, conv_channels, activation)
        decoder = ConvDecoder(encoder, input_shape[0], activation)
        return encoder, decoder, encoder.latent_dim
    activation = activation or nn.LeakyReLU
    sizes = (input_shape[0], *hidden_layer_sizes, latent_dim)
    encoder = mlp(sizes, activation, output_activation=nn.Sigmoid)
    decoder = mlp(sizes[::-1], activation)
    return encoder, decoder, latent_dim


def concept_autoencoder(input_shape, n_concepts, hidden_layer_sizes=(64,), conv_channels=(16, 32)):
    """Encoder to ``n_concepts`` concepts and the decoder back, for tabular or image input.

    Tabular input: the MLP autoencoder of :func:`make_autoencoder` with a code
    of size ``n_concepts`` in (0, 1). Images: ReLU convolutions
    (:class:`ConvEncoder`) and a linear layer to unbounded concepts, as in the
    SENN authors' image concept encoder (behind a sigmoid, every concept
    saturates at 1 within an epoch on digits and stops carrying information);
    the decoder mirrors it and ends in a sigmoid (pixels in [0, 1]).
    """
    if len(input_shape) != 3:
        encoder, decoder, _ = make_autoencoder(input_shape, hidden_layer_sizes, n_concepts)
        return encoder, decoder
    convolutions = ConvEncoder(input_shape, conv_channels, nn.ReLU)
    encoder = nn.Sequential(convolutions, nn.Linear(convolutions.latent_dim, n_concepts))
    decoder = code_to_image(convolutions, n_concepts, input_shape[0], nn.ReLU)
    return encoder, decoder


def code_to_image(convolutions, n_inputs, output_channels, activation=nn.ReLU):
    """A linear map from ``n_inputs`` values to the feature maps of ``convolutions``, then back to images.

    The feature maps go through a :class:`ConvDecoder` mirroring
    ``convolutions`` to its input size, ending in a sigmoid (pixels in [0, 1]).

    With ReLU activations this is a DCGAN-style generator (Radford et al., 2015:
    a projection of the code to small feature maps, then stride-2 transposed
    convolutions that halve the channels while doubling the size), without
    its batch normalization, so each image depends on its own code only.
    """
    return nn.Sequential(nn.Linear(n_inputs, convolutions.latent_dim), activation(),
                         ConvDecoder(convolutions, output_channels, activation))


def variational_autoencoder(input_shape, n_components, hidden_layer_sizes=(128,), conv_channels=(32, 64)):
    """Encoder to ``2 * n_components`` values (a Gaussian code's mean and log-variance) and decoder back.

    Tabular ``(p,)``: LeakyReLU MLPs through ``hidden_layer_sizes`` (the
    decoder mirrors them), linear output (standardized features). Images
    ``(C, H, W)``: ReLU convolutions (:class:`ConvEncoder`) and a linear layer
    to the code; the decoder is :func:`code_to_image`, ending in a sigmoid.
    """
    if len(input_shape) != 3:
        encoder = mlp((input_shape[0], *hidden_layer_sizes, 2 * n_components))
        decoder = mlp((n_components, *hidden_layer_sizes[::-1], input_shape[0]))
        return encoder, decoder
    convolutions = ConvEncoder(input_shape, conv_channels, nn.ReLU)
    encoder = nn.Sequential(convolutions, nn.Linear(convolutions.latent_dim, 2 * n_components))
    return encoder, code_to_image(convolutions, n_components, input_shape[0], nn.ReLU)


def generator_and_critic(input_shape, n_components, hidden_layer_sizes=(128, 128),
                         conv_channels=(64, 128, 256)):
    """Generator G from ``n_components`` noise values to an input, and a critic D to one score per input.

    Images ``(C, H, W)``: the critic is a :class:`ConvEncoder` with
    LeakyReLU(0.2) and a linear score, as the DCGAN discriminator (Radford et
    al., 2015) without batch normalization (Gulrajani et al., 2017, §4: the
    gradient penalty is taken per sample); G is :func:`code_to_image` over the
    same feature-map sizes, mirrored (ReLU, sigmoid output). Tabular ``(p,)``:
    MLPs through ``hidden_layer_sizes`` (G: ReLU, linear output for
    standardized features; D: LeakyReLU(0.2)).
    """
    leaky = functools.partial(nn.LeakyReLU, 0.2)
    if len(input_shape) != 3:
        generator = mlp((n_components, *hidden_layer_sizes, input_shape[0]), nn.ReLU)
        critic = mlp((input_shape[0], *hidden_layer_sizes, 1), leaky)
        return generator, critic
    convolutions = ConvEncoder(input_shape, conv_channels, leaky)
    critic = nn.Sequential(convolutions, nn.Linear(convolutions.latent_dim, 1))
    return code_to_image(convolutions, n_components, input_shape[0], nn.ReLU), critic


def conv_net(input_shape, n_outputs, conv_channels=(32, 64), hidden_layer_sizes=(128,), dropout=0.0):
    """ReLU convolutions (:class:`ConvEncoder`) followed by an MLP to ``n_outputs`` values."""
    convolutions = ConvEncoder(input_shape, conv_channels, nn.ReLU)
    head = mlp((convolutions.latent_dim, *hidden_layer_sizes, n_outputs), nn.ReLU, dropout=dropout)
    return nn.Sequential(convolutions, head)
