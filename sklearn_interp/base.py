"""The shared base of every sklearn_interp estimator.

Validation, input scaling, label encoding, seeding, threads, device handling and
the skorch plumbing live here once. An estimator subclasses
:class:`NeuralClassifierBase` or :class:`NeuralRegressorBase` (or, unsupervised,
:class:`NeuralTransformerBase`), lists its parameters in ``__init__``
(scikit-learn style) and implements ``_build_module(X, y)``, which returns a
``torch.nn.Module``.

The module contract
-------------------
``forward(x)`` returns either the main output (logits for a classifier,
predictions for a regressor) or a tuple whose first element is the main output.
The input ``x`` is already scaled (standardized features, or pixels in
[0, 1]); a regressor's targets are standardized too (``NeuralRegressorBase``).
A module may define ``penalty(outputs, X, training, sample_weight)`` returning
the extra loss terms (already weighted) computed from that tuple and the input
batch ``X``; it is added to the criterion. ``sample_weight`` is None or the
batch's weights, normalized to mean 1 over the training rows: a term that
averages over the batch's samples averages with
:func:`sklearn_interp.nn.weighted_mean`.
An unsupervised module (:class:`NeuralTransformerBase`) has no targets: it
defines ``data_loss(outputs, X)``, one data loss per sample, in place of the
criterion.
A module with ``requires_input_grad = True`` receives, in training steps, an
input tensor that requires grad, and its penalty receives that same tensor as
``X``, so it can differentiate the outputs with respect to the input
(validation steps run under ``no_grad``, where ``torch.is_grad_enabled()`` is
False and such a penalty must return 0).

Randomness: every random draw of a fit comes from generators the fit owns, never
from torch's global RNG, so seeded fits in parallel threads are reproducible.
Linear, convolution and embedding layers are initialised from the fit's generator
(:func:`sklearn_interp.nn.init.reset_parameters`); a submodule with parameters of
its own defines ``reset_parameters(generator)``. A submodule that samples noise
(dropout, stochastic gates) declares an attribute ``generator = None``: the base
sets it to the fit's generator while training and back to None after, and the
module samples with ``generator=self.generator`` when ``self.training`` is True.

Loss weights and other hyperparameters that the module reads at training time
are listed in the estimator's ``_module_params``; the base copies them onto the
module before every fit, so ``set_params`` reaches a warm-started module too.

Training rows: ``fit`` merges identical rows (same x and y) into one whose
sample weight is the sum of theirs, drops rows of weight 0 and sorts the rest
(:func:`merge_duplicate_rows`), so a row of weight 2 is the same fit as the row
twice, in any order. The criterion and penalties average with the weights.

Inference runs the module in float64 for tabular data on the CPU and float32
otherwise (``inference_precision``, :meth:`NeuralEstimatorBase.inference_dtype`),
so ``forward`` must follow its input's dtype.
"""

import contextlib
import copy
import functools
import math
import threading
import warnings
from numbers import Integral, Real

import joblib
import numpy as np
import scipy.sparse
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, ProgressBar
from skorch.helper import predefined_split
from sklearn.base import (BaseEstimator, ClassifierMixin, ClassNamePrefixFeaturesOutMixin, RegressorMixin,
                          TransformerMixin, _fit_context)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._constraints import CALLBACKS, DEVICE
from ._removal import feature_removal_scores, softmax
from .explanation import sample_coords
from .nn.init import reset_parameters
from .nn.reduction import weighted_mean

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}

# Optimizers run as one fused kernel per step rather than a few per parameter tensor: the
# same update, and a quarter to a third of a small model's step time on the CPU.
FUSED_OPTIMIZERS = ("adam", "adamw")

# Input values per inference chunk for inference_batch_size="auto".
INFERENCE_CHUNK_VALUES = 2**19

# Numpydoc entries every estimator's docstring shares: the convergence rule's parameters and
# the training curves it leaves.
CONVERGENCE_PARAMETERS_DOC = """    tol : float or None, default=1e-4
        The convergence rule, scikit-learn's MLP's: training stops once the
        loss it watches (the training loss, penalties included, or with
        ``early_stopping`` the validation loss) has not improved on its best
        by more than ``tol`` for ``n_iter_no_change`` epochs in a row (in
        each stage of a staged method). None, without early stopping, trains
        for ``max_epochs``.
    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` after which training stops.
"""
RUNTIME_PARAMETERS_DOC = """    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available, else the CPU.
    n_threads : int or None, default=1
        Torch CPU threads used by ``fit`` and inference, restored afterwards;
        -1 uses every CPU, None keeps torch's own setting.
    inference_batch_size : int or "auto", default="auto"
        Rows per inference chunk; "auto" takes about 2**19 input values.
    inference_precision : {"auto", "float32", "float64"}, default="auto"
        Precision of prediction and explanation (training is float32).
        "auto": float64 for tabular data on the CPU (a row's output does not
        depend on the rows beside it, as scikit-learn's checks require),
        float32 for images and on a GPU, where float64 is several times
        slower (``benchmarks run inference``).
"""

TRAINING_CURVES_DOC = """    n_iter_ : int
        Epochs trained, over every fit of a warm start and every stage of a
        staged method (one training log).
    loss_curve_ : ndarray of shape (n_iter_,)
        Training loss of each epoch (the objective, penalties included).
    validation_loss_curve_ : ndarray of shape (n_iter_,) or None
        Validation loss of each epoch with ``early_stopping``, else None.
"""

# Module construction draws torch's default initial weights from the global RNG
# (they are then re-drawn from the fit's generator); the lock keeps two fits'
# save/restore of the global state from interleaving.
_GLOBAL_RNG_LOCK = threading.Lock()


class TrainingDivergedError(FloatingPointError):
    """Raised by ``fit`` when the loss or the weights become NaN or infinite."""


def resolve_device(device):
    """Return the torch device string that ``device`` names.

    ``"auto"`` means CUDA when ``torch.cuda.is_available()``, else CPU.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available; "
            "use device='auto' or device='cpu'."
        )
    return device


def auto_batch_size(n_samples):
    """The training batch size of ``batch_size="auto"``: about sqrt(n), a power of 2 in [64, 256].

    64 up to about 8,000 rows, 128 up to about 32,000, 256 beyond. With
    batches of almost equal size (:func:`even_batch_bounds`) 100 rows still
    get two steps per epoch. On ten small tables (``benchmarks/README.md``,
    ``small_data``) a floor of 16 (about sqrt(n)) overfit heart disease and
    Pima by up to 4.5 points, where 64 stayed within 3 points of
    ``MLPClassifier`` on every set.
    """
    return int(min(256, max(64, 2 ** round(math.log2(max(n_samples, 1)) / 2))))


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` torch intra-op threads, then restore the caller's setting.

    None leaves torch's setting alone; a negative value counts back from the
    number of CPUs (-1: all of them), as joblib's ``n_jobs`` does.
    """
    if n_threads is None:
        yield
        return
    if n_threads < 0:
        n_threads = max(1, joblib.cpu_count() + 1 + n_threads)
    previous = torch.get_num_threads()
    if previous != n_threads:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def standardization(values, sample_weight=None):
    """Per-column ``(mean, std)`` of a 2D array, weighted, in float64; a constant column gets std 1.

    The deviations are divided by their largest magnitude before squaring, so
    the squares stay finite for values in any units (1e200, 1e-200).
    """
    sample_weight = np.ones(len(values)) if sample_weight is None else sample_weight  # float64 sums
    offset = np.average(values, axis=0, weights=sample_weight)
    spread = np.abs(values - offset).max(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    scale = spread * np.sqrt(np.average(((values - offset) / spread) ** 2, axis=0, weights=sample_weight))
    return offset, np.where(scale > 0, scale, 1.0)


def merge_duplicate_rows(X, y, sample_weight):
    """The fit's rows as a weighted empirical distribution: ``(X, y, sample_weight, positions)``.

    Rows with the same x and y are merged into one whose weight is the sum of
    theirs, rows whose weight is 0 are dropped, and the rows come in one
    canonical order: sorted by value, feature by feature, then by y. A row
    of weight 2 is then the same fit as the row twice, the order of the rows
    does not matter, and neither does a change of units that keeps each
    feature's order (the scaling of X). ``positions`` holds each kept row's
    first position in ``X``.
    """
    n = len(X)
    features = np.ascontiguousarray(X).reshape(n, -1)
    targets = np.ascontiguousarray(y).reshape(n, math.prod(np.shape(y)[1:]))  # (n, 0): no targets
    fields = [(f"x{i}", features.dtype) for i in range(features.shape[1])]
    fields += [(f"y{i}", targets.dtype) for i in range(targets.shape[1])]
    rows = np.concatenate([features.view(np.uint8), targets.view(np.uint8)], axis=1)
    _, first, inverse = np.unique(rows.view(np.dtype(fields)).ravel(), return_index=True, return_inverse=True)
    weights = np.bincount(inverse.ravel(), weights=sample_weight, minlength=len(first))
    positions = first[weights > 0]
    return X[positions], y[positions], weights[weights > 0], positions


def _normalized(sample_weight):
    """Weights scaled to mean 1; None when they are all equal (the unweighted loss)."""
    if sample_weight is None or np.all(sample_weight == sample_weight[0]):
        return None
    return (sample_weight / sample_weight.mean()).astype(np.float32)


def _ndim_error(ndim):
    return ValueError(f"Expected a 2D (tabular) or 3D/4D (image) array, got X.ndim={ndim}.")


class TensorDataset(torch.utils.data.Dataset):
    """Inputs, targets and sample weights held as whole tensors on the compute device.

    ``sample_weight`` (None: every row weighs the same) holds each row's
    weight, normalized to mean 1 over the dataset, so that a batch's weighted
    mean loss is an unbiased estimate of the dataset's weighted mean loss.
    """

    def __init__(self, X, y=None, sample_weight=None, device="cpu"):
        self.X = torch.as_tensor(X, device=device)
        self.y = None if y is None else torch.as_tensor(y, device=device)
        self.sample_weight = None if sample_weight is None else torch.as_tensor(sample_weight, device=device)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], (None if self.y is None else self.y[index])


class Batch(tuple):
    """An ``(X, y)`` batch whose rows' weights ride along as ``sample_weight`` (None: equal weights).

    A 2-tuple, so skorch and callbacks unpack it as any batch.
    """

    def __new__(cls, X, y, sample_weight=None):
        batch = super().__new__(cls, (X, y))
        batch.sample_weight = sample_weight
        return batch


def even_batch_bounds(n_samples, batch_size):
    """Start/stop of ``max(1, round(n / batch_size))`` batches whose sizes differ by at most one.

    No row is dropped and batch-level loss terms see batches of (almost) one
    size: 100 rows at batch size 64 give two batches of 50, not one of 64.
    """
    n_batches = max(1, round(n_samples / batch_size))
    bounds = np.linspace(0, n_samples, n_batches + 1).round().astype(int)
    return list(zip(bounds[:-1], bounds[1:]))


class TensorBatchIterator:
    """Mini-batches sliced from a :class:`TensorDataset`, without collation.

    skorch's default ``DataLoader`` collates one sample at a time; slicing the
    whole tensors on the device is what keeps the wrapper's overhead small.
    With ``even=True`` (training) the rows are split into batches of almost
    equal size (:func:`even_batch_bounds`); otherwise into batches of
    ``batch_size`` and a last partial one. ``shuffle`` draws the order from
    ``generator``; ``transform(X_batch, generator)`` (e.g. data augmentation)
    is applied to each input batch.
    """

    def __init__(self, dataset, batch_size, shuffle=False, even=False, generator=None, transform=None):
        self.dataset = dataset
        self.batch_size = max(1, min(batch_size, len(dataset)))
        self.shuffle = shuffle
        self.even = even
        self.generator = generator
        self.transform = transform

    def _bounds(self):
        n = len(self.dataset)
        if self.even:
            return even_batch_bounds(n, self.batch_size)
        return [(start, min(start + self.batch_size, n)) for start in range(0, n, self.batch_size)]

    def __len__(self):
        return len(self._bounds())

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        weights = getattr(self.dataset, "sample_weight", None)
        order = None
        if self.shuffle:
            device = self.generator.device if self.generator is not None else X.device
            order = torch.randperm(len(X), generator=self.generator, device=device).to(X.device)
        for start, stop in self._bounds():
            index = slice(start, stop) if order is None else order[start:stop]
            X_batch = X[index] if self.transform is None else self.transform(X[index], self.generator)
            yield Batch(X_batch, None if y is None else y[index], None if weights is None else weights[index])


# skorch's NeuralNet hooks whose body is ``pass``.
_EMPTY_NET_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_end", "on_batch_end", "on_grad_computed")


class ConvergenceStopping(EarlyStopping):
    """scikit-learn's MLP's convergence rule as a skorch callback (see ``_stopping_callback``).

    An epoch whose monitored loss is above the best so far minus
    ``threshold`` (tol) is a miss; ``patience`` misses in a row stop training.
    The best epoch is the one of the lowest loss, whatever the margin, and
    its weights are the ones ``load_best`` restores, as scikit-learn's
    ``best_loss_`` and best validation score are (skorch's ``EarlyStopping``
    moves its best only on an improvement of ``threshold``).
    """

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.best_score_ = np.inf

    def on_epoch_end(self, net, **kwargs):
        score = net.history[-1, self.monitor]
        self.misses_ = self.misses_ + 1 if score > self.best_score_ - self.threshold else 0
        if score < self.best_score_:
            self.best_score_, self.best_epoch_ = score, net.history[-1, "epoch"]
            if self.load_best:
                self.best_model_weights_ = copy.deepcopy(net.module_.state_dict())
        if self.misses_ == self.patience:
            self._sink(f"Stopping since {self.monitor} has not improved by more than {self.threshold} in the last "
                       f"{self.patience} epochs.", verbose=net.verbose)
            raise KeyboardInterrupt

    def stopped(self):
        """Whether the rule ended the last fit (rather than ``max_epochs``)."""
        return self.misses_ >= self.patience


class InterpNet(NeuralNet):
    """The private skorch net behind every estimator (see the module contract)."""

    def inference_module(self, dtype):
        """A copy of ``module_`` in ``dtype`` and eval mode, for inference; remade whenever a weight changes.

        The copy is keyed by the dtype and by the identity, version counter
        and shape of every tensor of the module (training steps and
        ``load_state_dict`` bump the counters; pruning changes shapes), so a
        warm fit, or weights edited by hand, are never served stale.
        """
        tensors = [*self.module_.parameters(), *self.module_.buffers()]
        key = (dtype, *((id(tensor), tensor._version, tensor.shape) for tensor in tensors))
        cached = self.__dict__.get("_inference_cache")
        if cached is None or cached[0] != key:
            module = copy.deepcopy(self.module_).to(dtype).eval()
            cached = self.__dict__["_inference_cache"] = (key, module)
        return cached[1]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_inference_cache", None)
        return state

    def _set_training(self, training=True):
        # skorch sets the mode of every module on every batch; skip it when unchanged.
        if self.module_.training != training:
            super()._set_training(training)

    def initialize_callbacks(self):
        self._hooks = {}
        return super().initialize_callbacks()

    def notify(self, method_name, **cb_kwargs):
        # Call only the hooks that do something: most hooks run on every batch, most
        # callbacks implement one or two of them, and the net's own are empty but for
        # on_batch_begin and on_epoch_begin (which start the history's records).
        hooks = self._hooks.get(method_name)
        if hooks is None:
            default = getattr(Callback, method_name)
            hooks = [cb for _, cb in self.callbacks_ if getattr(type(cb), method_name) is not default]
            if method_name not in _EMPTY_NET_HOOKS or getattr(type(self), method_name) is not getattr(
                    NeuralNet, method_name):
                hooks.insert(0, self)
            self._hooks[method_name] = hooks
        for hook in hooks:
            getattr(hook, method_name)(self, **cb_kwargs)

    def infer(self, x, **fit_params):
        if torch.is_tensor(x) and not fit_params:  # batches from TensorBatchIterator are in place
            return self.module_(x)
        return super().infer(x, **fit_params)

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = batch
        if getattr(self.module_, "requires_input_grad", False):
            Xi = Xi.detach().requires_grad_(True)  # the same tensor reaches forward and penalty
        y_pred = self.infer(Xi, **fit_params)
        data_loss, penalty = self.loss_terms(y_pred, yi, X=Xi, training=True,
                                             sample_weight=getattr(batch, "sample_weight", None))
        if penalty is None:
            data_loss.backward()
            return {"loss": data_loss, "y_pred": y_pred}
        loss = data_loss + penalty
        loss.backward()
        return {"loss": loss, "data_loss": data_loss.detach(), "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        Xi, yi = batch
        with torch.no_grad():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False,
                                 sample_weight=getattr(batch, "sample_weight", None))
        return {"loss": loss, "y_pred": y_pred}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # skorch's loop, with the batch size read as len() of a tensor batch: skorch's
        # generic get_len costs more than a small model's whole step.
        if iterator is None:
            return
        batch_count = 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            loss = step["loss"].item()
            if not math.isfinite(loss):
                raise TrainingDivergedError(
                    f"the {prefix} loss became {loss} in epoch {len(self.history)}, batch {batch_count + 1}"
                )
            self.history.record_batch(prefix + "_loss", loss)
            if "data_loss" in step:
                self.history.record_batch(prefix + "_data_loss", step["data_loss"].item())
            self.history.record_batch(prefix + "_batch_size", len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(prefix + "_batch_count", batch_count)

    def get_loss(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        """The criterion's weighted mean over the batch plus the module's penalty (see :meth:`loss_terms`)."""
        data_loss, penalty = self.loss_terms(y_pred, y_true, X, training, sample_weight)
        return data_loss if penalty is None else data_loss + penalty

    def loss_terms(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        """``(data_loss, penalty)``: the criterion's weighted mean over the batch, and the module's penalty.

        The criterion is built with ``reduction="none"``; ``sample_weight`` is
        the batch's slice of the normalized weights (None: equal weights) and
        reaches the module's penalty too. ``penalty`` is None for a module
        without one. Training steps of a module with a penalty record the data
        loss alone in the history as ``train_data_loss`` (without one it is
        ``train_loss``).
        """
        outputs = y_pred if isinstance(y_pred, tuple) else (y_pred,)
        data_loss = weighted_mean(self.criterion_(outputs[0], y_true), sample_weight)
        penalty = getattr(self.module_, "penalty", None)
        if penalty is None:
            return data_loss, None
        return data_loss, penalty(outputs, X, training=training, sample_weight=sample_weight)


class UnsupervisedNet(InterpNet):
    """The private net of a :class:`NeuralTransformerBase`: the module computes its own data loss.

    There are no targets: the data loss is the weighted batch mean of
    ``module.data_loss(outputs, X)``, one value per sample (e.g. the negative
    log-likelihood of a reconstruction of ``X``); the criterion skorch
    requires is not called. The module's penalty is added as in
    :class:`InterpNet`.
    """

    def loss_terms(self, y_pred, y_true, X=None, training=False, sample_weight=None):
        outputs = y_pred if isinstance(y_pred, tuple) else (y_pred,)
        data_loss = weighted_mean(self.module_.data_loss(outputs, X), sample_weight)
        penalty = getattr(self.module_, "penalty", None)
        if penalty is None:
            return data_loss, None
        return data_loss, penalty(outputs, X, training=training, sample_weight=sample_weight)


def _set_generator(module, generator):
    """Hand ``generator`` to every submodule that declares a ``generator`` attribute."""
    for layer in module.modules():
        if hasattr(layer, "generator"):
            layer.generator = generator


class NeuralEstimatorBase(BaseEstimator):
    """Fit/predict plumbing shared by all torch-backed estimators.

    Subclasses implement ``_build_module(X, y)``. ``__init__`` sets the
    training parameters, the same names and meaning in every estimator (see
    :class:`~sklearn_interp.PrototypeClassifier` for their documentation). As
    in scikit-learn's own neural networks, an estimator with parameters of its
    own lists them and the training parameters in its ``__init__`` signature
    and passes the latter to ``super().__init__``; one without inherits it.

    Subclasses also list ``_structural_params`` (parameters that shape the
    module: changing one makes a warm fit start from scratch, with a warning)
    and ``_module_params`` (hyperparameters the module reads while training,
    copied onto it before every fit).
    """

    _structural_params = ()
    _module_params = ()
    _net_class = InterpNet

    def __init__(self, *, max_epochs=100, batch_size="auto", lr=0.002, optimizer="adam", weight_decay=0.0,
                 early_stopping=False, validation_fraction=0.1, tol=1e-4, n_iter_no_change=10, device="auto",
                 n_threads=1, inference_batch_size="auto", inference_precision="auto", random_state=None,
                 verbose=0, warm_start=False, callbacks=None):
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.n_threads = n_threads
        self.inference_batch_size = inference_batch_size
        self.inference_precision = inference_precision
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks

    _parameter_constraints = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [DEVICE],
        "n_threads": [Interval(Integral, 1, None, closed="left"), Interval(Integral, None, -1, closed="right"),
                      None],
        "inference_batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "inference_precision": [StrOptions({"auto", "float32", "float64"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [CALLBACKS, None],
    }

    # ------------------------------------------------------------------ input
    @classmethod
    @functools.cache
    def _accepts_images(cls):
        return "image_shape" in cls._get_param_names()

    def _image_shape(self):
        """``(C, H, W)`` from the ``image_shape`` parameter, or None."""
        image_shape = getattr(self, "image_shape", None)
        if image_shape is None:
            return None
        return (1, *image_shape) if len(image_shape) == 2 else tuple(image_shape)

    def _canonical_array(self, X, reset):
        """Bring image input to the layout the model was (or is being) fitted on.

        Fit: ``(n, H, W)`` becomes ``(n, 1, H, W)``. Predict: any of the three
        image layouts of the fitted shape is accepted and laid out as at fit.
        """
        shape = tuple(getattr(X, "shape", ()))
        if len(shape) > 4:
            raise _ndim_error(len(shape))
        if not self._accepts_images() or len(shape) < 2:
            return X
        if reset:
            return np.asarray(X)[:, None] if len(shape) == 3 else X
        fitted = getattr(self, "input_shape_", ())
        if len(fitted) != 3:
            return X
        if shape[1:] not in (fitted, fitted[1:] if fitted[0] == 1 else fitted, (math.prod(fitted),)):
            raise ValueError(
                f"X has samples of shape {shape[1:]}, but {type(self).__name__} was fitted on images of "
                f"shape {fitted} (C, H, W); pass images as (n, C, H, W), as (n, H, W) when C is 1, "
                f"or flat as (n, {math.prod(fitted)})."
            )
        X = np.asarray(X)
        flat_fit = self.n_features_in_ == math.prod(fitted) != fitted[0]
        return X.reshape(len(X), -1) if flat_fit else X.reshape((len(X), *fitted))

    def _check_dense(self, X):
        if scipy.sparse.issparse(X):
            raise TypeError(
                f"{type(self).__name__} takes dense X, got a sparse {type(X).__name__} of shape {X.shape}: the "
                "network reads every value. In a Pipeline, have the encoder output a dense array "
                "(OneHotEncoder(sparse_output=False), or ColumnTransformer(..., sparse_threshold=0)), or pass "
                "X.toarray() when it fits in memory."
            )

    @staticmethod
    def _check_no_string_columns(X):
        dtypes = getattr(X, "dtypes", None)
        if dtypes is None or not hasattr(dtypes, "items"):
            return
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        bad = [str(name) for name, dtype in dtypes.items() if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype))]
        if bad:
            raise ValueError(
                f"X has non-numeric columns {bad}; encode them first, e.g. in a Pipeline with "
                "sklearn.compose.ColumnTransformer and OneHotEncoder (or OrdinalEncoder) for those columns."
            )

    def _validate_input(self, X, y="no_validation", reset=True):
        """Validate X (and y); return X shaped as the module's samples, float64 or float32, unscaled."""
        self._check_dense(X)
        self._check_no_string_columns(X)
        X = self._canonical_array(X, reset)
        kwargs = dict(reset=reset, dtype=(np.float64, np.float32), allow_nd=self._accepts_images())
        if isinstance(y, str) and y == "no_validation":
            X = validate_data(self, X, **kwargs)
        else:
            X, y = validate_data(self, X, y, y_numeric=self._y_numeric, multi_output=self._y_numeric, **kwargs)
        if X.ndim > 4:  # nested lists have no shape to check up front
            raise _ndim_error(X.ndim)
        shape = self._sample_shape(X)
        if reset:
            self.input_shape_ = shape
        elif shape != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {shape}, but {type(self).__name__} was fitted "
                f"on samples of shape {self.input_shape_}; pass data shaped like the training data."
            )
        X = X.reshape((len(X),) + shape)
        return X if isinstance(y, str) and y == "no_validation" else (X, y)

    def _sample_shape(self, X):
        """Per-sample shape the module consumes: ``(p,)`` or ``(C, H, W)``."""
        image_shape = self._image_shape()
        if image_shape is None:
            return tuple(X.shape[1:])
        if X.ndim != 2 or X.shape[1] != math.prod(image_shape):
            raise ValueError(
                f"image_shape={self.image_shape} expects flat X of shape (n, {math.prod(image_shape)}); "
                f"got X of shape {X.shape}. Pass image_shape=None for (n, H, W) or (n, C, H, W) arrays."
            )
        return image_shape

    def _feature_name_coords(self, names=None):
        """Labels of the explanation axes that come from the input feature names.

        Parameters
        ----------
        names : array-like of str, default=None
            The feature names; None uses ``feature_names_in_``, else
            ``x0 .. x{p-1}``.

        Returns
        -------
        coords : dict of str to ndarray
            ``{"feature": names}`` for tabular data, ``{}`` for images.
            Estimators with more such axes (e.g. SENN's input concepts)
            extend it.
        """
        if len(self.input_shape_) != 1:
            return {}
        if names is None:
            names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = [f"x{i}" for i in range(self.input_shape_[0])]
        return {"feature": np.asarray(names)}

    # ----------------------------------------------------------- input scaling
    def _fit_input_scaling(self, X, sample_weight=None):
        """Set ``input_offset_`` and ``input_scale_``, computed in float64 (weighted by ``sample_weight``).

        Tabular features are standardized (mean 0, std 1; a constant feature
        keeps scale 1). Images keep pixels in [0, 1] as they are; images with
        values outside [0, 1] (e.g. 0..255) are mapped onto [0, 1] by the
        training range, one offset and scale for all pixels.
        """
        if X.ndim == 2:
            offset, scale = standardization(X, sample_weight)
        else:
            low, high = float(X.min()), float(X.max())
            inside = low >= 0 and high <= 1
            offset = np.float64(0.0 if inside else low)
            scale = np.float64(1.0 if inside else (high - low) or 1.0)
        self.input_offset_ = np.asarray(offset, dtype=np.float64)
        self.input_scale_ = np.asarray(scale, dtype=np.float64)

    def _scale(self, X):
        """Validated X in the module's input space: ``(X - input_offset_) / input_scale_`` as float32."""
        with np.errstate(over="ignore"):
            scaled = np.ascontiguousarray((X - self.input_offset_) / self.input_scale_, dtype=np.float32)
        if not np.isfinite(scaled).all():
            raise ValueError(
                "X has values so far outside the range of the training data that they overflow "
                "float32 once scaled like it; check their units."
            )
        return scaled

    def _unscale(self, X):
        """Module-space values back in the units of X, float64."""
        return np.asarray(X, dtype=np.float64) * self.input_scale_ + self.input_offset_

    def _fit_target_scaling(self, y, sample_weight):
        """Regressors standardize their targets (see :class:`NeuralRegressorBase`); classifiers do nothing."""

    def _scale_targets(self, y):
        """Targets as the criterion sees them: class indices as they are (classifiers)."""
        return y

    def _unscale_targets(self, values, offset=True):
        """Module outputs in the units of the targets: logits as they are (classifiers), float64."""
        return np.asarray(values, dtype=np.float64)

    # ---------------------------------------------------------------- fitting
    def _build_module(self, X, y):
        raise NotImplementedError

    def _train_transform(self):
        """A callable ``(X_batch, generator) -> X_batch`` applied to training batches, or None."""
        return None

    def _training_batch_size(self, n_samples):
        return auto_batch_size(n_samples) if self.batch_size == "auto" else self.batch_size

    def _init_module(self, X, y, generator):
        """Build the module and draw its initial weights from ``generator``."""
        with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
            module = self._build_module(X, y)
        return reset_parameters(module, generator)

    def _configure_module(self, module):
        for name in self._module_params:
            setattr(module, name, getattr(self, name))

    def _param_groups(self):
        """skorch's ``optimizer__param_groups``: ``[(name pattern, {option: value}), ...]``; none by default."""
        return []

    def _method_callbacks(self):
        """skorch callbacks that the method itself needs in every fit (e.g. to refresh caches)."""
        return []

    def _net_options(self):
        """Extra keyword arguments of the skorch net (e.g. ``optimizer__betas``); none by default."""
        return {}

    def _make_net(self, module, n_train, valid_dataset, device, generator):
        callbacks = [*self._method_callbacks(), *copy.deepcopy(list(self.callbacks or []))]
        stopping = self._stopping_callback()
        if stopping is not None:
            callbacks.append(stopping)
        if self.verbose:
            callbacks.append(ProgressBar())
        optimizer = OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str) else self.optimizer
        options = {} if self.verbose else {"callbacks__print_log": None}
        if self.optimizer in FUSED_OPTIMIZERS and torch.device(device).type in ("cpu", "cuda"):
            options["optimizer__fused"] = True
        options.update(self._net_options())
        return self._net_class(
            module=module,
            criterion=self._criterion(),
            criterion__reduction="none",
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            optimizer__param_groups=self._param_groups(),
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self._training_batch_size(n_train),
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=True,
            iterator_train__even=True,
            iterator_train__generator=generator,
            iterator_train__transform=self._train_transform(),
            iterator_valid=TensorBatchIterator,
            iterator_valid__batch_size=self._inference_chunk(),
            train_split=None if valid_dataset is None else predefined_split(valid_dataset),
            callbacks=callbacks,
            device=device,
            verbose=int(bool(self.verbose)),
            **options,
        )

    def _stopping_callback(self):
        """The convergence rule, scikit-learn's MLP's: stop when the monitored loss has stalled.

        Training stops once the loss has not improved on its best by more
        than ``tol`` for ``n_iter_no_change`` epochs in a row: the training
        loss (the whole objective, penalties included), or with
        ``early_stopping`` the validation loss, whose best weights are
        restored. None (``tol=None`` without early stopping): train for
        ``max_epochs``.
        """
        if self.early_stopping:
            return ConvergenceStopping(monitor="valid_loss", patience=self.n_iter_no_change,
                                       threshold=self.tol or 0.0, load_best=True)
        if self.tol is None:
            return None
        return ConvergenceStopping(monitor="train_loss", patience=self.n_iter_no_change, threshold=self.tol,
                                   load_best=False)

    def _split(self, X, y, sample_weight, random_state):
        """``(train, valid, train_positions)``: ``(X, y, sample_weight)`` of each part.

        ``valid`` is None without early stopping.

        The validation rows are drawn at random (stratified by class where
        every class has two rows) and keep their weights, so the validation
        loss of early stopping is weighted as the training loss is.
        ``train_positions`` are the training rows' positions in ``X``.
        """
        positions = np.arange(len(X))
        if not self.early_stopping:
            return (X, y, sample_weight), None, positions
        stratify = None
        if not self._y_numeric:
            counts, n_valid = np.bincount(y), int(np.ceil(self.validation_fraction * len(y)))
            if counts.min() >= 2 and len(counts) <= min(n_valid, len(y) - n_valid):
                stratify = y
        train, valid = train_test_split(positions, test_size=self.validation_fraction, random_state=random_state,
                                        stratify=stratify)
        return (X[train], y[train], sample_weight[train]), (X[valid], y[valid], sample_weight[valid]), train

    def _structure(self):
        return {name: getattr(self, name) for name in self._structural_params}

    def _warm(self):
        """Whether this fit continues the fitted module (warning when a structural parameter changed)."""
        if not (self.warm_start and hasattr(self, "net_")):
            return False
        changed = sorted(
            name for name, value in self._structure().items() if self._fitted_structure.get(name) != value
        )
        if changed:
            warnings.warn(
                f"warm_start=True but {', '.join(changed)} changed since the last fit, which changes the "
                "network's structure: fitting a new network from scratch.",
                UserWarning,
            )
            return False
        return True

    def _fit_generators(self, random_state, device):
        """The fit's own generators: one for initial weights (CPU), one for training draws (on device)."""
        seeds = random_state.randint(np.iinfo(np.int32).max, size=2)
        init = torch.Generator().manual_seed(int(seeds[0]))
        train = torch.Generator(device=device).manual_seed(int(seeds[1]))
        return init, train

    def _forget_fit(self):
        for name in [name for name in vars(self) if name.endswith("_") and not name.startswith("__")]:
            delattr(self, name)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or an image array
            Training data; a DataFrame's column names are kept in
            ``feature_names_in_``.
        y : array-like of shape (n_samples,)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the loss (and in the input
            and target scaling, and the validation loss of early stopping);
            None weighs every row the same. Identical rows are merged into
            one weighted row, so a row of weight 2 is the same fit as the row
            twice; rows of weight 0 are left out (and not reported as
            training examples).

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ValueError
            For invalid input, fewer than 2 rows of positive weight, or
            (classifiers) fewer than 2 classes among them.
        TrainingDivergedError
            When the loss or the weights become NaN or infinite. A first fit
            leaves the estimator unfitted; a warm fit restores the weights it
            started from.

        Warns
        -----
        ConvergenceWarning
            When the training loss of the last epoch is no lower than that of
            the first batch: the learning rate is likely too large.
        """
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        """The body of ``fit`` (``y`` is None for an unsupervised estimator: see :meth:`_validate_input`)."""
        warm = self._warm()
        sample_labels = sample_coords(X).get("sample")
        X, y = self._validate_input(X, y, reset=not warm)
        X, y, weights, fit_positions = self._weighted_rows(X, y, sample_weight)
        y = self._encode_targets(y, reset=not warm)
        X_fit, y_fit, weights, merged = merge_duplicate_rows(X, y, weights)
        if not warm:
            self._fit_input_scaling(X_fit, weights)
            self._fit_target_scaling(y_fit, weights)
        random_state = check_random_state(self.random_state)
        device = self.net_.device if warm else resolve_device(self.device)
        init_generator, train_generator = self._fit_generators(random_state, device)
        train, valid, positions = self._split(self._scale(X_fit), self._scale_targets(y_fit), weights, random_state)
        self._fit_positions = fit_positions
        self._train_positions = merged[positions]
        with torch_threads(self.n_threads):
            module = self.net_.module_ if warm else self._init_module(train[0], train[1], init_generator)
            snapshot = copy.deepcopy(module.state_dict()) if warm else None
            try:
                self.net_ = self._train(module, train, valid, device, train_generator)
            except TrainingDivergedError as error:
                self._after_divergence(module, snapshot, error)
        self._fitted_structure = self._structure()
        self._set_training_curves()
        self._fit_sample_labels = sample_labels
        try:
            self._after_fit(X, y)
        finally:
            del self._fit_sample_labels, self._fit_positions
        return self

    def _set_training_curves(self):
        """``n_iter_``, ``loss_curve_`` and ``validation_loss_curve_`` from the training log (all fits of a warm start)."""
        history = self.net_.history
        self.n_iter_ = len(history)
        self.loss_curve_ = np.asarray(history[:, "train_loss"], dtype=np.float64)
        self.validation_loss_curve_ = (
            np.array([epoch.get("valid_loss", np.nan) for epoch in history]) if self.early_stopping else None)

    def _weighted_rows(self, X, y, sample_weight):
        """``(X, y, weights, positions)`` of the rows with a positive weight (all rows without weights).

        ``positions`` (None when every row is kept) are their positions in the
        X given to ``fit``.
        """
        if sample_weight is None:
            weights, positions = np.ones(len(X)), None
        else:
            weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
            positions = np.flatnonzero(weights > 0)
            if len(positions) == len(X):
                positions = None
            else:
                X, y, weights = X[positions], y[positions], weights[positions]
        if len(X) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples (rows of positive weight) to fit; got "
                f"{len(X)} sample."
            )
        return X, y, weights, positions

    def _position_in_fit(self, positions):
        """Positions among the rows ``_after_fit`` receives, mapped to positions in the X given to ``fit``.

        For ``_after_fit`` of estimators that report training rows by
        position: rows of weight 0 are not among the rows it receives.
        """
        return positions if self._fit_positions is None else self._fit_positions[positions]

    def _train(self, module, train, valid, device, generator):
        """Train ``module`` on ``train`` (and ``valid``): ``(X, y, sample_weight)`` in the module's units."""
        self._configure_module(module)
        valid_dataset = None if valid is None else self._dataset(*valid, device=device)
        net = self._make_net(module, len(train[0]), valid_dataset, device, generator)
        net.initialize()
        if hasattr(self, "net_") and self.net_.module_ is module:
            net.history_ = self.net_.history_  # a warm fit continues the training log
        epochs_before = len(net.history)
        _set_generator(net.module_, generator)
        try:
            net.partial_fit(self._dataset(*train, device=device))
        finally:
            _set_generator(net.module_, None)
        bad = [name for name, value in net.module_.named_parameters() if not torch.isfinite(value).all()]
        if bad:
            raise TrainingDivergedError(f"the weights {bad} became non-finite")
        if epochs_before > 0 or self._check_loss_decreased(net):
            self._check_converged(net, len(net.history) - epochs_before)
        return net

    @staticmethod
    def _dataset(X, y, sample_weight, device):
        return TensorDataset(X, y, _normalized(sample_weight), device=device)

    def _check_converged(self, net, epochs):
        """Warn (ConvergenceWarning) when ``max_epochs`` epochs ran and the convergence rule did not stop them."""
        stopping = next((cb for _, cb in net.callbacks_ if isinstance(cb, ConvergenceStopping)), None)
        if stopping is None or epochs < self.max_epochs or stopping.stopped():
            return
        monitored = "validation" if self.early_stopping else "training"
        warnings.warn(
            f"{type(self).__name__} stopped at max_epochs={self.max_epochs} before converging: the {monitored} "
            f"loss still improved by more than tol={self.tol or 0.0} within the last n_iter_no_change="
            f"{self.n_iter_no_change} epochs. Raise max_epochs (or refit with warm_start=True) to train it "
            "longer.",
            ConvergenceWarning,
        )

    def _check_loss_decreased(self, net):
        """Warn (ConvergenceWarning) when the data loss of the last epoch is no lower than the first batch's.

        Returns whether it decreased.

        The data loss is the criterion alone (cross-entropy, squared error),
        without the method's penalty, which may rightly grow while the model
        learns (a loss between g and h that starts near 0). Only for a
        network trained from its initial weights: a warm fit may start where
        the loss no longer falls.
        """
        history = net.history
        key = "train_data_loss" if "train_data_loss" in history[0]["batches"][0] else "train_loss"
        last = [batch for batch in history[-1]["batches"] if key in batch]
        sizes = np.array([batch["train_batch_size"] for batch in last])
        final = float(np.dot([batch[key] for batch in last], sizes) / sizes.sum())
        initial = history[0]["batches"][0][key]
        if final >= initial:
            warnings.warn(
                f"{type(self).__name__} did not learn: the training loss of the last epoch ({final:.4g}, without "
                f"the method's penalty) is no lower than that of the first batch ({initial:.4g}) after "
                f"{len(history)} epochs. The learning rate lr={self.lr} is likely too large (or far too small) "
                "for this data; try a lower lr. (A penalty weight too large for the data can also trade "
                "the data loss away.)",
                ConvergenceWarning,
            )
        return final < initial

    def _after_divergence(self, module, snapshot, error):
        if snapshot is None:
            self._forget_fit()
            state = "The estimator is left unfitted."
        else:
            module.load_state_dict(snapshot)
            state = "The weights of the previous fit were restored."
        raise TrainingDivergedError(
            f"Training diverged: {error}. The learning rate is likely too large for this data "
            f"(lr={self.lr}, optimizer={self.optimizer!r}): lower lr, or check X for extreme values "
            f"or units. {state}"
        ) from None

    def _after_fit(self, X, y):
        """Compute fitted attributes that need the trained module (optional).

        ``X`` (validated, unscaled) and ``y`` (encoded: class indices, or
        targets in their own units) are the rows of positive weight; an
        estimator that reports training rows by position maps its positions
        in ``X`` through :meth:`_position_in_fit`.
        """

    # -------------------------------------------------------------- inference
    def _inference_chunk(self):
        if self.inference_batch_size != "auto":
            return self.inference_batch_size
        shape = getattr(self, "input_shape_", (1,))
        return max(1, INFERENCE_CHUNK_VALUES // math.prod(shape))

    def inference_dtype(self):
        """The torch dtype inference runs in (see ``inference_precision``).

        ``"auto"``: float64 for tabular data on the CPU, so that a row's output
        does not depend on the rows beside it (float32 matrix products round
        differently with the batch's shape and the CPU's threads;
        scikit-learn's invariance checks compare at 1e-7, float64 rounding
        stays near 1e-15); float32 for images (float64 convolutions take a
        generic CPU path several times slower) and on a GPU (where float64
        is many times slower).
        """
        check_is_fitted(self)
        if self.inference_precision != "auto":
            return getattr(torch, self.inference_precision)
        on_cpu = torch.device(self.net_.device).type == "cpu"
        return torch.float64 if on_cpu and len(self.input_shape_) == 1 else torch.float32

    def _infer(self, X, reduce, per_chunk=False):
        """Run validated, unscaled ``X`` through the module in eval mode, chunk by chunk.

        Each chunk is scaled, cast to float32 (the training precision) and run
        in :meth:`inference_dtype` (float64: module parameters upcast);
        ``reduce(outputs)`` receives the chunk's output tuple as float64
        tensors and maps it to an array or a tuple of arrays, so only what the
        caller needs is kept: one row per sample, or with ``per_chunk=True``
        one row per chunk (a summary such as a minimum). The arrays are
        written into preallocated results, never held twice.
        """
        dtype = self.inference_dtype()
        module = self.net_.inference_module(dtype)
        chunk, device, results = self._inference_chunk(), self.net_.device, None
        with torch.no_grad(), torch_threads(self.n_threads):
            for start in range(0, len(X), chunk):
                x = torch.as_tensor(self._scale(X[start:start + chunk]), device=device).to(dtype)
                outputs = module(x)
                outputs = tuple(output.double() for output in (outputs if isinstance(outputs, tuple) else (outputs,)))
                if not torch.isfinite(outputs[0]).all():
                    raise ValueError(
                        "The model produced non-finite outputs (NaN or infinity) for rows "
                        f"{start} to {start + len(x) - 1}; their values are likely far outside the "
                        "range of the training data (check their units)."
                    )
                parts = reduce(outputs)
                parts = parts if isinstance(parts, tuple) else (parts,)
                if results is None:  # one array per returned part, filled chunk by chunk
                    n_rows = -(-len(X) // chunk) if per_chunk else len(X)
                    results = [np.empty((n_rows, *part.shape[1:]), dtype=part.dtype) for part in parts]
                row = start // chunk if per_chunk else start
                for result, part in zip(results, parts):
                    result[row:row + len(part)] = part
        return tuple(results) if len(results) > 1 else results[0]

    def _predict_outputs(self, X, reduce):
        """Validate ``X`` and :meth:`_infer` it."""
        check_is_fitted(self)
        return self._infer(self._validate_input(X, reset=False), reduce)

    def torch_input(self, X):
        """Validate ``X`` and return it as the float32 tensor the module takes (a copy, scaled).

        For post-hoc explainers: ``est.torch_module()(est.torch_input(X))`` is
        the differentiable main output (logits or predictions).
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        return torch.as_tensor(self._scale(X), device=self.net_.device)

    def torch_module(self):
        """The fitted module, in eval mode, mapping an input tensor to the main output."""
        check_is_fitted(self)
        return MainOutput(self.net_.module_).eval()

    # ------------------------------------------------- explanation metrics
    def _removal_scores(self, X, explanation, baseline=None):
        """Faithfulness hook (see :mod:`sklearn_interp._removal`) for units that are the input features.

        Each feature is replaced by ``baseline`` (default: the training mean,
        ``input_offset_``; for images the pixel offset, black on [0, 1]) and
        the scores are ``_output_scores``: class probabilities, or the
        predictions as (n_samples, n_outputs). Estimators whose units are not
        the input features override this.
        """
        X = self._validate_input(X, reset=False)
        return feature_removal_scores(self._output_scores, X, self.input_offset_ if baseline is None else baseline)

    def _torch_explanation(self, x):
        """Differentiable arrays of :meth:`explain` (a dict of tensors) for raw inputs ``x``, or None.

        :func:`sklearn_interp.metrics.local_lipschitz` ascends their gradient
        (``method="gradient"``) where an estimator defines this.
        """
        return None

    def _scaled_tensor(self, x):
        """``(x - input_offset_) / input_scale_`` in torch, differentiable, in the module's dtype and device."""
        parameter = next(self.net_.module_.parameters())
        x = x.to(dtype=parameter.dtype, device=parameter.device).reshape(len(x), *self.input_shape_)
        offset, scale = (torch.as_tensor(value, dtype=parameter.dtype, device=parameter.device)
                         for value in (self.input_offset_, self.input_scale_))
        return (x - offset) / scale

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = self._accepts_images()
        return tags


class MainOutput(torch.nn.Module):
    """Wrap a module so that it returns only the first element of a tuple output."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        outputs = self.module(x)
        return outputs[0] if isinstance(outputs, tuple) else outputs


def _main_numpy(outputs):
    return outputs[0].cpu().numpy()


class NeuralClassifierBase(ClassifierMixin, NeuralEstimatorBase):
    """Base for classifiers: labels encoded in ``classes_``, cross-entropy on logits."""

    _y_numeric = False
    _output_axis = "class"

    def _criterion(self):
        return torch.nn.CrossEntropyLoss

    def _n_outputs(self):
        return len(self.classes_)

    def _output_labels(self):
        """Labels of the module's outputs: the classes."""
        return self.classes_

    def _encode_targets(self, y, reset):
        check_classification_targets(y)
        if reset:
            encoder = LabelEncoder().fit(y)
            if len(encoder.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in y; "
                    f"got only one class: {encoder.classes_[0]!r}."
                )
            self.classes_ = encoder.classes_
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(f"y contains labels not seen in the first fit: {unseen!r}.")
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def decision_function(self, X):
        """Class logits, float64, shape (n_samples, n_classes).

        For two classes, shape (n_samples,): the logit of ``classes_[1]`` minus
        that of ``classes_[0]`` (scikit-learn's convention).
        """
        logits = self._predict_outputs(X, _main_numpy)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), float64."""
        return self._predict_outputs(X, lambda outputs: torch.softmax(outputs[0], dim=1).cpu().numpy())

    def _output_scores(self, X):
        return self.predict_proba(X)

    @staticmethod
    def _link(outputs):
        """Scores from additive outputs: the softmax of logits."""
        return softmax(outputs)

    def _decode_targets(self, encoded):
        """Class indices back to labels from ``classes_``."""
        return self.classes_[encoded]

    def predict(self, X):
        """Predicted labels, taken from ``classes_``."""
        index = self._predict_outputs(X, lambda outputs: outputs[0].argmax(dim=1).cpu().numpy())
        return self._decode_targets(index)


class NeuralRegressorBase(RegressorMixin, NeuralEstimatorBase):
    """Base for regressors: targets standardized per output, MSE loss.

    The module is trained on ``(y - target_offset_) / target_scale_`` (weighted
    mean and standard deviation of each output, in float64, before the
    float32 cast), so the learning rate and the loss weights mean the same
    for targets in any units; ``predict`` and every explained quantity come
    back in the units of y (``_unscale_targets``).
    """

    _y_numeric = True
    _output_axis = "output"

    def _criterion(self):
        return torch.nn.MSELoss

    def _n_outputs(self):
        return self.n_outputs_

    def _output_labels(self):
        """Labels of the module's outputs: the target indices."""
        return np.arange(self.n_outputs_)

    def _encode_targets(self, y, reset):
        if reset:
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {y.shape[1]} targets, but the model was fitted with {self.n_outputs_}.")
        return y

    def _fit_target_scaling(self, y, sample_weight):
        """Set ``target_offset_`` and ``target_scale_`` (n_outputs,): weighted mean and std, float64."""
        self.target_offset_, self.target_scale_ = standardization(y, sample_weight)

    def _scale_targets(self, y):
        with np.errstate(over="ignore"):
            scaled = np.ascontiguousarray((y - self.target_offset_) / self.target_scale_, dtype=np.float32)
        if not np.isfinite(scaled).all():
            raise ValueError("y has values so far outside the range of the first fit's targets that they overflow "
                             "float32 once scaled like them; check their units.")
        return scaled

    def _unscale_targets(self, values, offset=True):
        """Module outputs (..., n_outputs) in the units of y, float64; ``offset=False`` for a term of a sum."""
        values = np.asarray(values, dtype=np.float64) * self.target_scale_
        return values + self.target_offset_ if offset else values

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _decode_targets(self, y):
        """Targets as y had them: shape (n,) for one output, (n, n_outputs) for several; float64."""
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return y.ravel() if self.n_outputs_ == 1 else y

    def predict(self, X):
        """Predicted targets, float64, shape (n_samples,) or (n_samples, n_targets)."""
        return self._decode_targets(
            self._predict_outputs(X, lambda outputs: self._unscale_targets(outputs[0].cpu().numpy())))

    def _output_scores(self, X):
        return self.predict(X).reshape(len(X), -1)

    @staticmethod
    def _link(outputs):
        """Scores from additive outputs: the predictions themselves."""
        return np.asarray(outputs, dtype=np.float64)


class NeuralTransformerBase(ClassNamePrefixFeaturesOutMixin, TransformerMixin, NeuralEstimatorBase):
    """Base for unsupervised estimators: ``fit(X)`` without targets, ``transform`` to latent codes.

    The fit is the supervised one (validation, input scaling, merged
    duplicate rows, seeding, the skorch net) with targets of width 0: ``y``
    is ignored, the split is not stratified, and the module defines
    ``data_loss(outputs, X)``, the per-sample data loss that
    :class:`UnsupervisedNet` averages (a ``penalty`` is added as usual).
    Subclasses set ``n_components_``, the width of ``transform``'s output,
    which also names its columns (``get_feature_names_out``: the class name
    in lower case followed by 0, 1, ...).
    """

    _y_numeric = True  # no class labels to stratify the validation split by
    _net_class = UnsupervisedNet

    def _criterion(self):
        return torch.nn.MSELoss  # skorch needs one; UnsupervisedNet asks the module for its data loss

    def _validate_input(self, X, y="no_validation", reset=True):
        """Validate X; with ``y=None`` (fit), also return the width-0 targets the fit carries along."""
        if y is None:
            X = super()._validate_input(X, reset=reset)
            return X, np.zeros((len(X), 0), dtype=np.float32)
        return super()._validate_input(X, y, reset=reset)

    def _encode_targets(self, y, reset):
        return y

    @property
    def _n_features_out(self):
        return self.n_components_

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Fit the model to ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or an image array
            Training data; a DataFrame's column names are kept in
            ``feature_names_in_``.
        y : None
            Ignored; present for API consistency (pipelines pass it along).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row in the loss (and in the input
            scaling, and the validation loss of early stopping); None weighs
            every row the same. Identical rows are merged into one weighted
            row, so a row of weight 2 is the same fit as the row twice; rows
            of weight 0 are left out.

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ValueError
            For invalid input or fewer than 2 rows of positive weight.
        TrainingDivergedError
            When the loss or the weights become NaN or infinite. A first fit
            leaves the estimator unfitted; a warm fit restores the weights it
            started from.
        """
        return self._fit(X, None, sample_weight)
