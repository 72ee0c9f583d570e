"""The feature leveling paper's baseline: a plain fully connected ReLU network, same initial architecture.

Lu & Yang (§5) compare their network with an FCNN "under the same initial
architecture" (13-64-32-1 on California housing, 784-300-100-10 on MNIST).
Here: ``Linear -> ReLU -> ... -> Linear`` with the widths of
``hidden_layer_sizes``, trained through the same estimator base as
:class:`~sklearn_interp.FeatureLevelingClassifier` and
:class:`~sklearn_interp.FeatureLevelingRegressor`: the same input
standardization (and, for the regressor, target standardization), optimizer,
learning rate, batch size, epochs, stopping rule, seeding and batches, with
plain cross-entropy or MSE (no gates, no penalty). :func:`fcnn_like` builds one
with the training parameters of a given feature leveling estimator, so the two
always share the training budget, whatever that estimator's defaults are.
"""

from sklearn.base import is_classifier
from torch import nn

from sklearn_interp.base import NeuralClassifierBase, NeuralRegressorBase
from sklearn_interp.nn.autoencoders import mlp

# The parameters of the shared base: what an FCNN copies from the estimator it is compared with.
TRAINING_PARAMS = ("max_epochs", "batch_size", "lr", "optimizer", "weight_decay", "early_stopping",
                   "validation_fraction", "tol", "n_iter_no_change", "device", "n_threads",
                   "inference_batch_size", "inference_precision", "random_state")


class _FCNN:
    """What the classifier and the regressor share: the module and the parameters."""

    _structural_params = ("hidden_layer_sizes",)

    def __init__(self, hidden_layer_sizes=(64, 32), *, max_epochs=100, batch_size="auto", lr=0.002,
                 optimizer="adam", weight_decay=0.0, early_stopping=False, validation_fraction=0.1, tol=1e-4,
                 n_iter_no_change=10, device="cpu", n_threads=1, inference_batch_size="auto",
                 inference_precision="auto", random_state=None, verbose=0, warm_start=False, callbacks=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
            weight_decay=weight_decay, early_stopping=early_stopping,
            validation_fraction=validation_fraction, tol=tol, n_iter_no_change=n_iter_no_change,
            device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, inference_precision=inference_precision,
            random_state=random_state, verbose=verbose, warm_start=warm_start, callbacks=callbacks,
        )

    def _build_module(self, X, y):
        n_inputs = 1
        for size in self.input_shape_:
            n_inputs *= int(size)
        return nn.Sequential(nn.Flatten(), mlp((n_inputs, *self.hidden_layer_sizes, self._n_outputs()),
                                               activation=nn.ReLU))


class FCNNClassifier(_FCNN, NeuralClassifierBase):
    """Plain ReLU MLP classifier on the shared estimator base (benchmark baseline, not public API)."""


class FCNNRegressor(_FCNN, NeuralRegressorBase):
    """Plain ReLU MLP regressor on the shared estimator base (benchmark baseline, not public API)."""


def fcnn_like(estimator, **overrides):
    """An unfitted FCNN of ``estimator``'s initial architecture and training parameters.

    Parameters
    ----------
    estimator : FeatureLevelingClassifier or FeatureLevelingRegressor
        The estimator it is compared with; its ``hidden_layer_sizes`` and the
        parameters in :data:`TRAINING_PARAMS` are copied.
    **overrides
        Parameters set on the FCNN afterwards.

    Returns
    -------
    fcnn : FCNNClassifier or FCNNRegressor
        A classifier for a classifier, a regressor otherwise.
    """
    params = estimator.get_params()
    cls = FCNNClassifier if is_classifier(estimator) else FCNNRegressor
    fcnn = cls(hidden_layer_sizes=tuple(params["hidden_layer_sizes"]),
               **{name: params[name] for name in TRAINING_PARAMS})
    return fcnn.set_params(**overrides)
