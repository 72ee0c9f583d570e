"""The ``overhead`` benchmark: the estimator base's fit vs a hand-written PyTorch loop.

The reference case of the issue: an MLP 12-64-64-2 (ReLU) on 6000 rows of
``make_classification``, 20 epochs, Adam lr 1e-3, batch sizes 32, 128 and 512,
fitted through a tiny private estimator built on :class:`NeuralClassifierBase`
and by :func:`benchmarks.harness.hand_loop` on the same module, seeds and
batches. Reports best-of-k wall times, the ratio fit/hand (goal <= 1.15) and
peak memory of one fit and one hand loop.
"""

import time

from sklearn.datasets import make_classification
from torch import nn

from sklearn_interp.base import NeuralClassifierBase
from sklearn_interp.nn.autoencoders import mlp

from .harness import time_against_hand_loop

GOAL_RATIO = 1.15
FULL = dict(n_samples=6000, n_features=12, epochs=20, batch_sizes=(32, 128, 512), repeats=5, lr=1e-3)
QUICK = dict(n_samples=600, n_features=12, epochs=2, batch_sizes=(32, 128, 512), repeats=2, lr=1e-3)
SEED = 0


class _MLPClassifier(NeuralClassifierBase):
    """A plain MLP on the shared base (benchmark helper, not public API)."""

    def __init__(self, hidden_layer_sizes=(64, 64), *, max_epochs=20, batch_size=128, lr=1e-3,
                 optimizer="adam", weight_decay=0.0, early_stopping=False, validation_fraction=0.1,
                 tol=1e-4, n_iter_no_change=10, device="cpu", n_threads=1, inference_batch_size="auto",
                 random_state=None, verbose=0, warm_start=False, callbacks=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        super().__init__(
            max_epochs=max_epochs, batch_size=batch_size, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            tol=tol, n_iter_no_change=n_iter_no_change, device=device, n_threads=n_threads,
            inference_batch_size=inference_batch_size, random_state=random_state, verbose=verbose,
            warm_start=warm_start, callbacks=callbacks,
        )

    def _build_module(self, X, y):
        sizes = (X.shape[1], *self.hidden_layer_sizes, len(self.classes_))
        return mlp(sizes, activation=nn.ReLU)


COLUMNS = ["case", "batch_size", "steps", "fit_s", "hand_s", "ratio", "ratio_median", "goal",
           "max_param_diff", "fit_peak_rss_delta_mb", "hand_peak_rss_delta_mb",
           "fit_tracemalloc_peak_mb", "hand_tracemalloc_peak_mb"]


def run(ctx):
    p = QUICK if ctx.quick else FULL
    X, y = make_classification(n_samples=p["n_samples"], n_features=p["n_features"], n_informative=8,
                               random_state=SEED)
    rows, memory_method = [], None
    start = time.perf_counter()
    for batch_size in p["batch_sizes"]:
        est = _MLPClassifier((64, 64), max_epochs=p["epochs"], batch_size=batch_size, lr=p["lr"], tol=None,
                             device="cpu", random_state=SEED)
        res = time_against_hand_loop(est, X, y, repeats=p["repeats"])
        memory_method = res.pop("memory_method")
        rows.append({"case": f"MLP {p['n_features']}-64-64-2, {p['n_samples']} rows", **res,
                     "goal": GOAL_RATIO})
    ctx.record(
        "mlp",
        rows,
        params={**p, "architecture": f"{p['n_features']}-64-64-2 ReLU", "optimizer": "adam",
                "early_stopping": False, "tol": None,
                "data": "make_classification(n_informative=8)", "device": "cpu"},
        seeds={"make_classification": SEED, "random_state": SEED},
        columns=COLUMNS,
        wall_s=time.perf_counter() - start,
        extra={"memory_method": memory_method,
               "note": f"best of {p['repeats']} alternating runs; ratio = fit_s / hand_s; memory: {memory_method}"},
    )
