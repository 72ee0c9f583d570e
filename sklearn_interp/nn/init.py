"""Parameter initialisation drawn from a generator owned by the fit, not torch's global RNG."""

import inspect
import math

from torch import nn

_CONV_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def _reset_linear_or_conv(layer, generator):
    # torch's own default (Linear.reset_parameters / _ConvNd.reset_parameters), with a generator.
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if layer.bias is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def _accepts_generator(method):
    try:
        return "generator" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def reset_parameters(module, generator):
    """Re-draw the random initial values of ``module``'s parameters from ``generator``.

    Linear, convolution and embedding layers get torch's default initialisation;
    a submodule with parameters of its own (e.g. prototypes) defines
    ``reset_parameters(generator)`` and is called with the generator. Layers
    whose default initialisation is not random (normalisation layers) are left
    as built. Parameters with ``requires_grad=False`` (fixed weights) are kept.
    """
    for layer in module.modules():
        if any(not p.requires_grad for p in layer.parameters(recurse=False)):
            continue
        if isinstance(layer, (nn.Linear, *_CONV_LAYERS)):
            _reset_linear_or_conv(layer, generator)
        elif isinstance(layer, nn.Embedding):
            nn.init.normal_(layer.weight, generator=generator)
            if layer.padding_idx is not None:
                layer.weight.data[layer.padding_idx].zero_()
        else:
            own = getattr(layer, "reset_parameters", None)
            if own is not None and _accepts_generator(own):
                own(generator=generator)
    return module
