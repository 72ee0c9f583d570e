"""The shared base of every sklearn_interp estimator.

Validation, label encoding, seeding, device handling and the skorch plumbing live
here once. An estimator subclasses :class:`NeuralClassifierBase` or
:class:`NeuralRegressorBase`, lists its parameters in ``__init__`` (scikit-learn
style) and implements ``_build_module(X, y)``, which returns a ``torch.nn.Module``.

The module contract
-------------------
``forward(x)`` returns either the main output (logits for a classifier,
predictions for a regressor) or a tuple whose first element is the main output.
A module may define ``penalty(outputs, X, training)`` returning the extra loss
terms (already weighted) computed from that tuple and the input batch ``X``; it
is added to the criterion.
A module with ``requires_input_grad = True`` receives, in training steps, an
input tensor that requires grad, and its penalty receives that same tensor as
``X``, so it can differentiate the outputs with respect to the input
(validation steps run under ``no_grad``, where ``torch.is_grad_enabled()`` is
False and such a penalty must return 0).
Stochastic layers sample when ``module.training`` is True; skorch sets train
mode for training steps and eval mode for validation and prediction.
"""

from numbers import Integral, Real

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, ProgressBar
from skorch.helper import predefined_split
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


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


def _ndim_error(ndim):
    return ValueError(f"Expected a 2D (tabular) or 3D/4D (image) array, got X.ndim={ndim}.")


def _as_tensor(array, device):
    # torch cannot wrap read-only arrays (e.g. joblib memmaps) without a copy.
    return torch.as_tensor(np.require(array, requirements="W"), device=device)


class TensorDataset(torch.utils.data.Dataset):
    """Inputs (and targets) held as whole tensors on the compute device."""

    def __init__(self, X, y=None, device="cpu"):
        self.X = _as_tensor(X, device)
        self.y = None if y is None else _as_tensor(y, device)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], (None if self.y is None else self.y[index])


class TensorBatchIterator:
    """Mini-batches sliced from a :class:`TensorDataset`, without collation.

    skorch's default ``DataLoader`` collates one sample at a time; slicing the
    whole tensors on the device is what keeps the wrapper's overhead small.
    In training the last partial batch is dropped (when at least one full batch
    exists) so that batch-level loss terms see batches of one size, and
    ``transform`` (e.g. data augmentation) is applied to each input batch.
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, transform=None):
        self.dataset = dataset
        self.batch_size = max(1, min(batch_size, len(dataset)))
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.transform = transform

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        X, y = self.dataset.X, self.dataset.y
        order = torch.randperm(n).to(X.device) if self.shuffle else None
        for batch in range(len(self)):
            start = batch * self.batch_size
            index = slice(start, start + self.batch_size)
            if order is not None:
                index = order[index]
            X_batch = X[index] if self.transform is None else self.transform(X[index])
            yield X_batch, (None if y is None else y[index])


class InterpNet(NeuralNet):
    """The private skorch net behind every estimator (see the module contract)."""

    def _set_training(self, training=True):
        # skorch sets the mode of every module on every batch; skip it when unchanged.
        if self.module_.training != training:
            super()._set_training(training)

    def initialize_callbacks(self):
        self._hooked_callbacks = {}
        return super().initialize_callbacks()

    def notify(self, method_name, **cb_kwargs):
        # Call only the callbacks that override this hook: most hooks run on every
        # batch and most callbacks implement one or two of them.
        callbacks = self._hooked_callbacks.get(method_name)
        if callbacks is None:
            default = getattr(Callback, method_name)
            callbacks = [cb for _, cb in self.callbacks_ if getattr(type(cb), method_name) is not default]
            self._hooked_callbacks[method_name] = callbacks
        getattr(self, method_name)(self, **cb_kwargs)
        for callback in callbacks:
            getattr(callback, method_name)(self, **cb_kwargs)

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
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
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
            self.history.record_batch(prefix + "_loss", step["loss"].item())
            self.history.record_batch(prefix + "_batch_size", len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(prefix + "_batch_count", batch_count)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        outputs = y_pred if isinstance(y_pred, tuple) else (y_pred,)
        loss = self.criterion_(outputs[0], y_true)
        penalty = getattr(self.module_, "penalty", None)
        if penalty is not None:
            loss = loss + penalty(outputs, X, training=training)
        return loss


class NeuralEstimatorBase(BaseEstimator):
    """Fit/predict plumbing shared by all torch-backed estimators.

    Subclasses implement ``_build_module(X, y)``. ``__init__`` sets the
    training parameters, the same names and meaning in every estimator (see
    :class:`~sklearn_interp.PrototypeClassifier` for their documentation). As
    in scikit-learn's own neural networks, an estimator with parameters of its
    own lists them and the training parameters in its ``__init__`` signature
    and passes the latter to ``super().__init__``; one without inherits it.
    """

    def __init__(self, *, max_epochs=100, batch_size=64, lr=0.002, optimizer="adam", weight_decay=0.0,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10, device="auto",
                 random_state=None, verbose=0, warm_start=False, callbacks=None):
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks

    _parameter_constraints = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "callbacks": [list, None],
    }

    # ------------------------------------------------------------------ input
    def _accepts_images(self):
        return "image_shape" in self._get_param_names()

    def _sample_shape(self, X):
        """Per-sample shape the module consumes: ``(p,)`` or ``(C, H, W)``."""
        image_shape = getattr(self, "image_shape", None)
        if image_shape is not None:
            shape = (1, *image_shape) if len(image_shape) == 2 else tuple(image_shape)
            if X.ndim != 2 or X.shape[1] != np.prod(shape):
                raise ValueError(
                    f"image_shape={image_shape} expects flat X of shape (n, {int(np.prod(shape))}); "
                    f"got X of shape {X.shape}. Pass image_shape=None for (n, H, W) or (n, C, H, W) arrays."
                )
            return shape
        return (1, *X.shape[1:]) if X.ndim == 3 else X.shape[1:]

    def _validate_input(self, X, y="no_validation", reset=True):
        """Validate X (and y), cast to float32 once, reshape to the module's input."""
        # Image shapes are checked before validate_data, whose message would count "features".
        raw_shape = tuple(getattr(X, "shape", ()))
        if len(raw_shape) > 4:
            raise _ndim_error(len(raw_shape))
        if not reset and len(raw_shape) in (3, 4) and hasattr(self, "input_shape_"):
            self._check_sample_shape(raw_shape[1:])
        kwargs = dict(reset=reset, dtype=np.float32, allow_nd=self._accepts_images())
        if isinstance(y, str) and y == "no_validation":
            X = validate_data(self, X, **kwargs)
        else:
            X, y = validate_data(self, X, y, y_numeric=self._y_numeric, multi_output=self._y_numeric, **kwargs)
        if X.ndim > 4:  # nested lists have no shape to check up front
            raise _ndim_error(X.ndim)
        shape = tuple(self._sample_shape(X))
        if reset:
            self.input_shape_ = shape
        else:
            self._check_sample_shape(shape)
        X = np.ascontiguousarray(X.reshape((len(X),) + shape))
        return X if isinstance(y, str) and y == "no_validation" else (X, y)

    def _check_sample_shape(self, shape):
        if shape not in (self.input_shape_, self.input_shape_[1:]):
            raise ValueError(
                f"X has samples of shape {shape}, but {type(self).__name__} was fitted "
                f"on samples of shape {self.input_shape_}; pass data shaped like the training data."
            )

    # ---------------------------------------------------------------- fitting
    def _build_module(self, X, y):
        raise NotImplementedError

    def _train_transform(self):
        """A callable applied to each training input batch (augmentation), or None."""
        return None

    def _make_net(self, module, valid_dataset, device):
        callbacks = list(self.callbacks or [])
        if self.early_stopping:
            callbacks.append(EarlyStopping(patience=self.n_iter_no_change, load_best=True))
        if self.verbose:
            callbacks.append(ProgressBar())
        optimizer = OPTIMIZERS[self.optimizer] if isinstance(self.optimizer, str) else self.optimizer
        quiet = {} if self.verbose else {"callbacks__print_log": None}
        return InterpNet(
            module=module,
            criterion=self._criterion(),
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=TensorBatchIterator,
            iterator_train__shuffle=True,
            iterator_train__drop_last=True,
            iterator_train__transform=self._train_transform(),
            iterator_valid=TensorBatchIterator,
            train_split=None if valid_dataset is None else predefined_split(valid_dataset),
            callbacks=callbacks,
            device=device,
            verbose=int(bool(self.verbose)),
            **quiet,
        )

    def _split(self, X, y, random_state):
        if not self.early_stopping:
            return (X, y), None
        stratify = None
        if not self._y_numeric:
            counts, n_valid = np.bincount(y), int(np.ceil(self.validation_fraction * len(y)))
            if counts.min() >= 2 and len(counts) <= min(n_valid, len(y) - n_valid):
                stratify = y
        X_train, X_valid, y_train, y_valid = train_test_split(
            X, y, test_size=self.validation_fraction, random_state=random_state, stratify=stratify
        )
        return (X_train, y_train), (X_valid, y_valid)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the model to ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or an image array
            Training data; a DataFrame's column names are kept in
            ``feature_names_in_``.
        y : array-like of shape (n_samples,)
            Targets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        warm = self.warm_start and hasattr(self, "net_")
        X, y = self._validate_input(X, y, reset=not warm)
        y = self._encode_targets(y, reset=not warm)
        random_state = check_random_state(self.random_state)
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        device = self.net_.device if warm else resolve_device(self.device)
        (X_train, y_train), valid = self._split(X, y, random_state)
        valid_dataset = None if valid is None else TensorDataset(*valid, device=device)
        fork_devices = [torch.device(device)] if torch.device(device).type == "cuda" else []
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(seed)
            if warm:
                self.net_.train_split = None if valid_dataset is None else predefined_split(valid_dataset)
                self.net_.max_epochs = self.max_epochs
                self.net_.partial_fit(TensorDataset(X_train, y_train, device=device))
            else:
                module = self._build_module(X_train, y_train)
                self.net_ = self._make_net(module, valid_dataset, device)
                self.net_.fit(TensorDataset(X_train, y_train, device=device))
        self._after_fit(X, y)
        return self

    def _after_fit(self, X, y):
        """Compute fitted attributes that need the trained module (optional)."""

    # -------------------------------------------------------------- inference
    def _forward(self, X):
        """Validated ``X`` through the module in eval mode; a tuple of CPU tensors."""
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        outputs = self.net_.forward(TensorDataset(X, device=self.net_.device), training=False)
        return outputs if isinstance(outputs, tuple) else (outputs,)

    def torch_input(self, X):
        """Validate ``X`` and return it as the float32 tensor the module takes.

        For post-hoc explainers: ``est.torch_module()(est.torch_input(X))`` is
        the differentiable main output (logits or predictions).
        """
        check_is_fitted(self)
        X = self._validate_input(X, reset=False)
        return torch.as_tensor(X, device=self.net_.device)

    def torch_module(self):
        """The fitted module, in eval mode, mapping an input tensor to the main output."""
        check_is_fitted(self)
        return MainOutput(self.net_.module_).eval()

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


class NeuralClassifierBase(ClassifierMixin, NeuralEstimatorBase):
    """Base for classifiers: labels encoded in ``classes_``, cross-entropy on logits."""

    _y_numeric = False

    def _criterion(self):
        return torch.nn.CrossEntropyLoss

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
        logits = self._forward(X)[0].double().numpy()
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), float64."""
        return torch.softmax(self._forward(X)[0].double(), dim=1).numpy()

    def predict(self, X):
        """Predicted labels, taken from ``classes_``."""
        index = self._forward(X)[0].argmax(dim=1).numpy()
        return self.classes_[index]


class NeuralRegressorBase(RegressorMixin, NeuralEstimatorBase):
    """Base for regressors: float32 targets of shape (n, n_targets), MSE loss."""

    _y_numeric = True

    def _criterion(self):
        return torch.nn.MSELoss

    def _encode_targets(self, y, reset):
        if reset:
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        y = y.reshape(len(y), -1).astype(np.float32)
        if y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {y.shape[1]} targets, but the model was fitted with {self.n_outputs_}.")
        return y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted targets, float64, shape (n_samples,) or (n_samples, n_targets)."""
        prediction = self._forward(X)[0].double().numpy()
        return prediction.ravel() if self.n_outputs_ == 1 else prediction
