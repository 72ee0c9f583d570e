"""The paper's ablation baseline: a plain CNN of the prototype network's size.

Li et al. (2018, §3.3) compare their network with "a regular convolutional
neural network": the same encoder with ReLU instead of sigmoid, no decoder,
and the prototype layer replaced by a fully connected layer with 15 outputs.
Here: the package's :class:`~sklearn_interp.nn.autoencoders.ConvEncoder`
(3x3 stride-2 convolutions, channels 32/32/32/10, ReLU) -> Linear(40, 15)
-> ReLU -> Linear(15, n_classes), trained through the same estimator base as
:class:`~sklearn_interp.PrototypeClassifier` (same optimizer, batches,
drop-last policy and seeding), with plain cross-entropy.
"""

from torch import nn

from sklearn_interp.base import NeuralClassifierBase
from sklearn_interp.nn.autoencoders import ConvEncoder


class PlainCNN(nn.Module):
    def __init__(self, input_shape, n_classes, conv_channels=(32, 32, 32, 10), n_hidden=15):
        super().__init__()
        self.encoder = ConvEncoder(input_shape, conv_channels, activation=nn.ReLU)
        self.head = nn.Sequential(
            nn.Linear(self.encoder.latent_dim, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_classes)
        )

    def forward(self, x):
        return self.head(self.encoder(x))


class CNNClassifier(NeuralClassifierBase):
    """Plain CNN on the shared estimator base (benchmark baseline, not public API)."""

    def __init__(self, conv_channels=(32, 32, 32, 10), n_hidden=15, image_shape=None, *, max_epochs=10,
                 batch_size=250, lr=2e-3, optimizer="adam", weight_decay=0.0, early_stopping=False,
                 validation_fraction=0.1, tol=1e-4, n_iter_no_change=10, device="cpu", random_state=None,
                 verbose=0, warm_start=False, callbacks=None):
        self.conv_channels = conv_channels
        self.n_hidden = n_hidden
        self.image_shape = image_shape
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, random_state=random_state,
            verbose=verbose,
            warm_start=warm_start, callbacks=callbacks,
        )

    def _build_module(self, X, y):
        return PlainCNN(self.input_shape_, len(self.classes_), self.conv_channels, self.n_hidden)
