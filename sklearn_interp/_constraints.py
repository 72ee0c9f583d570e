"""Parameter constraints that check a value's contents, for ``_parameter_constraints``."""

from numbers import Integral

import torch
from skorch.callbacks import Callback
from sklearn.utils._param_validation import Options


class Satisfies(Options):
    """A constraint given by a predicate and the description shown in the error.

    scikit-learn's parameter validation takes ``Options`` instances as they
    are, so this subclass plugs an arbitrary check into it.
    """

    def __init__(self, predicate, description):
        super().__init__(object, set())
        self.predicate = predicate
        self.description = description

    def is_satisfied_by(self, val):
        try:
            return bool(self.predicate(val))
        except Exception:  # a malformed value is simply not satisfying
            return False

    def __str__(self):
        return self.description


def _positive_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 1


def positive_int_sequence(min_length=0):
    """A tuple or list of ints >= 1 with at least ``min_length`` entries."""
    return Satisfies(
        lambda v: isinstance(v, (tuple, list)) and len(v) >= min_length and all(map(_positive_int, v)),
        f"a tuple of at least {min_length} positive ints" if min_length else "a tuple of positive ints",
    )


IMAGE_SHAPE = Satisfies(
    lambda v: isinstance(v, (tuple, list)) and len(v) in (2, 3) and all(map(_positive_int, v)),
    "a tuple (H, W) or (C, H, W) of positive ints",
)

DEVICE = Satisfies(
    lambda v: isinstance(v, str) and (v == "auto" or torch.device(v).type in ("cpu", "cuda", "mps", "xpu")),
    "'auto' or a torch device string such as 'cpu', 'cuda' or 'cuda:1'",
)


def _is_callback(item):
    if isinstance(item, tuple):
        return len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], Callback)
    return isinstance(item, Callback)


CALLBACKS = Satisfies(
    lambda v: isinstance(v, list) and all(map(_is_callback, v)),
    "a list of skorch callbacks (instances, or (name, instance) tuples)",
)
