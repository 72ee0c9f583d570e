"""Timing and memory helpers: an estimator's ``fit`` against a hand-written PyTorch loop.

The hand loop trains the *same* module as ``fit`` does, built the same way:
the estimator (a clone) validates ``X`` and ``y`` and encodes the labels as
``fit`` does, draws the same torch seed from ``random_state``, seeds torch with
it and calls its own ``_build_module``, so architecture and initial weights are
identical. The loop then does what the skorch net does, without skorch: the same
loss (the estimator's criterion on the first output plus the module's
``penalty``), the same optimizer class, learning rate and weight decay, the same
epochs (the estimator must have ``early_stopping=False`` and ``tol=None``, so
that it trains for ``max_epochs`` epochs as the hand loop does) and batch
size, the same drop-last policy (the last partial batch is dropped when there
is at least one full batch), shuffling with ``torch.randperm``
from the same RNG stream, the same training transform (augmentation), the same
float32 tensors sliced on the device, and the same ``torch.get_num_threads()``
(both run in this process). Because every random draw happens in the same order,
the two trainings end with (numerically) the same weights; the helper checks it
and reports the largest parameter difference.

Peak memory is the peak resident set size of the process during one call,
measured on Linux by resetting the kernel's high-water mark
(``echo 5 > /proc/self/clear_refs``) and reading ``VmHWM`` afterwards;
elsewhere it falls back to the ``resource.getrusage`` max-RSS delta (which is 0
when the call does not exceed the process's earlier peak). Optionally also the
peak of Python-level allocations seen by ``tracemalloc`` (numpy arrays are
tracked; torch's C++ allocator is not).
"""

import gc
import sys
import time
import tracemalloc

import numpy as np
import torch
from skorch.callbacks import Callback
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from sklearn_interp.base import (FUSED_OPTIMIZERS, OPTIMIZERS, _normalized, _set_generator, even_batch_bounds,
                                 merge_duplicate_rows, resolve_device, torch_threads)
from sklearn_interp.nn import weighted_mean

__all__ = ["EpochLog", "hand_loop", "peak_memory", "prepare_like_fit", "stratified_subset", "time_against_hand_loop"]


def stratified_subset(X, y, n, seed=0):
    """The first ``n`` rows of a fixed stratified shuffle (all rows when n is None)."""
    if n is None or n >= len(X):
        return X, y
    index, _ = train_test_split(np.arange(len(X)), train_size=n, stratify=y, random_state=seed)
    return X[index], y[index]


# --------------------------------------------------------------------- memory
def _proc_status_kb(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _maxrss_kb():
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform == "darwin" else rss  # bytes on macOS, kB on Linux


def peak_memory(fn, *, trace_python=False):
    """Call ``fn()`` and measure its peak memory; returns ``(result, info)``.

    ``info`` holds ``method``, ``rss_before_mb``, ``peak_rss_mb`` and
    ``peak_rss_delta_mb`` (peak RSS during the call minus RSS before it), and
    with ``trace_python`` the ``tracemalloc_peak_mb`` of Python allocations.
    """
    gc.collect()
    if _reset_hwm() and _proc_status_kb("VmHWM") is not None:
        method = "peak RSS: VmHWM after resetting it via /proc/self/clear_refs (Linux)"
        before = _proc_status_kb("VmRSS")
        read_peak = lambda: _proc_status_kb("VmHWM")  # noqa: E731
    else:
        method = "resource.getrusage ru_maxrss delta (0 if the earlier process peak was higher)"
        before = _maxrss_kb()
        read_peak = _maxrss_kb
    if trace_python:
        tracemalloc.start()
    try:
        result = fn()
    finally:
        traced = tracemalloc.get_traced_memory()[1] if trace_python else None
        if trace_python:
            tracemalloc.stop()
    peak = read_peak()
    info = {
        "method": method,
        "rss_before_mb": before / 1024,
        "peak_rss_mb": peak / 1024,
        "peak_rss_delta_mb": max(peak - before, 0) / 1024,
    }
    if trace_python:
        info["tracemalloc_peak_mb"] = traced / 2**20
    return result, info


class EpochLog(Callback):
    """Print one line per epoch (the long runs' progress log)."""

    def __init__(self, tag):
        self.tag = tag

    def on_epoch_end(self, net, **kwargs):
        h = net.history[-1]
        print(f"  [{self.tag}] epoch {h['epoch']}: train_loss {h['train_loss']:.4f} ({h['dur']:.1f} s)",
              flush=True)


# ---------------------------------------------------------------- hand loop
def prepare_like_fit(estimator, X, y):
    """Validate, merge, scale and encode as ``fit`` does; return ``(est, X, y, weights, random_state, device)``.

    ``est`` is an unfitted clone holding the validation state
    (``classes_``, ``input_shape_``, ...) that ``_build_module`` reads; ``X`` is
    scaled as the module sees it, its rows merged and ordered as ``fit`` does
    (:func:`~sklearn_interp.base.merge_duplicate_rows`), with the normalized
    weights of the merged rows (None when all are equal).
    """
    est = clone(estimator)
    if est.early_stopping:
        raise ValueError("time_against_hand_loop compares plain training loops; use early_stopping=False.")
    if est.tol is not None:
        raise ValueError("time_against_hand_loop compares max_epochs epochs of both loops; use tol=None "
                         "(the convergence rule may stop the fit earlier).")
    est._validate_params()
    X, y = est._validate_input(X, y, reset=True)
    y = est._encode_targets(y, reset=True)
    X, y, weights, _ = merge_duplicate_rows(X, y, np.ones(len(X)))
    est._fit_input_scaling(X, weights)
    est._fit_target_scaling(y, weights)
    return (est, est._scale(X), est._scale_targets(y), _normalized(weights), est.random_state,
            resolve_device(est.device))


def hand_loop(est, X, y, weights, random_state, device):
    """Train ``est``'s module with a plain PyTorch loop; returns the trained module.

    ``est``, ``X``, ``y``, ``weights``, ``random_state``, ``device`` come from
    :func:`prepare_like_fit`; the generators, initial weights, batches and
    the weighted batch means of the loss are those of ``fit``.
    """
    init_generator, generator = est._fit_generators(check_random_state(random_state), device)
    with torch_threads(est.n_threads):
        module = est._init_module(X, y, init_generator).to(device)
        est._configure_module(module)
        optimizer_class = OPTIMIZERS[est.optimizer] if isinstance(est.optimizer, str) else est.optimizer
        fused = {"fused": True} if est.optimizer in FUSED_OPTIMIZERS else {}  # as the base runs them
        optimizer = optimizer_class(module.parameters(), lr=est.lr, weight_decay=est.weight_decay, **fused)
        criterion = est._criterion()(reduction="none").to(device)
        transform = est._train_transform()
        penalty = getattr(module, "penalty", None)
        input_grad = getattr(module, "requires_input_grad", False)
        X_t = torch.as_tensor(X, device=device)
        y_t = torch.as_tensor(y, device=device)
        w_t = None if weights is None else torch.as_tensor(weights, device=device)
        n = len(X_t)
        bounds = even_batch_bounds(n, max(1, min(est._training_batch_size(n), n)))
        module.train()
        _set_generator(module, generator)
        for _ in range(est.max_epochs):
            order = torch.randperm(n, generator=generator, device=generator.device).to(device)
            for start, stop in bounds:
                index = order[start:stop]
                xb = X_t[index]
                if transform is not None:
                    xb = transform(xb, generator)
                yb = y_t[index]
                wb = None if w_t is None else w_t[index]
                optimizer.zero_grad()
                xin = xb.detach().requires_grad_(True) if input_grad else xb
                outputs = module(xin)
                outputs = outputs if isinstance(outputs, tuple) else (outputs,)
                loss = weighted_mean(criterion(outputs[0], yb), wb)
                if penalty is not None:
                    loss = loss + penalty(outputs, xin, training=True, sample_weight=wb)
                loss.backward()
                optimizer.step()
    return module


def _max_param_diff(module_a, module_b):
    diffs = [
        (a.detach().double() - b.detach().double()).abs().max().item()
        for a, b in zip(module_a.state_dict().values(), module_b.state_dict().values())
        if a.numel()
    ]
    return max(diffs) if diffs else 0.0


def time_against_hand_loop(estimator, X, y, *, repeats=3, warmup=True, memory=True, trace_python=True):
    """Best-of-``repeats`` wall time of ``estimator.fit(X, y)`` vs the hand loop.

    Fits and hand loops alternate (fit, hand, fit, hand, ...) so that drifts in
    machine load hit both. With ``warmup`` a one-epoch fit and hand loop run
    first, untimed. With ``memory`` one more (untimed) fit and hand loop measure
    peak memory (see :func:`peak_memory`).

    Returns a dict: ``fit_s`` and ``hand_s`` (best of ``repeats``),
    ``ratio`` (fit_s / hand_s, the wrapper overhead), ``ratio_median``, every
    time in ``fit_times_s``/``hand_times_s``, ``fit_epochs_s`` (the epochs'
    time from skorch's history in the best fit, i.e. without validation and
    ``_after_fit``), ``max_param_diff`` (largest absolute difference between the
    weights trained by ``fit`` and by the hand loop), the threads, sizes and
    steps, and the memory figures.
    """
    est, X_v, y_v, w_v, seed, device = prepare_like_fit(estimator, X, y)
    if warmup:
        one = clone(estimator).set_params(max_epochs=1)
        one.fit(X, y)
        est_one, *_ = prepare_like_fit(one, X, y)
        hand_loop(est_one, X_v, y_v, w_v, seed, device)
    fit_times, hand_times, epoch_times = [], [], []
    fitted = module = None
    for _ in range(repeats):
        fitted = clone(estimator)
        gc.collect()
        start = time.perf_counter()
        fitted.fit(X, y)
        fit_times.append(time.perf_counter() - start)
        epoch_times.append(float(sum(fitted.net_.history[:, "dur"])))
        gc.collect()
        start = time.perf_counter()
        module = hand_loop(est, X_v, y_v, w_v, seed, device)
        hand_times.append(time.perf_counter() - start)
    n = len(X_v)
    batch_size = max(1, min(est._training_batch_size(n), n))
    best = int(np.argmin(fit_times))
    result = {
        "n_samples": n,
        "batch_size": batch_size,
        "epochs": est.max_epochs,
        "steps": est.max_epochs * len(even_batch_bounds(n, batch_size)),
        "repeats": repeats,
        "torch_threads": est.n_threads,
        "device": device,
        "fit_s": min(fit_times),
        "hand_s": min(hand_times),
        "ratio": min(fit_times) / min(hand_times),
        "ratio_median": float(np.median(fit_times) / np.median(hand_times)),
        "fit_times_s": fit_times,
        "hand_times_s": hand_times,
        "fit_epochs_s": epoch_times[best],
        "max_param_diff": _max_param_diff(fitted.net_.module_, module),
    }
    if memory:
        _, fit_memory = peak_memory(lambda: clone(estimator).fit(X, y), trace_python=trace_python)
        _, hand_memory = peak_memory(lambda: hand_loop(est, X_v, y_v, w_v, seed, device), trace_python=trace_python)
        result["memory_method"] = fit_memory.pop("method")
        hand_memory.pop("method")
        result.update({f"fit_{key}": value for key, value in fit_memory.items()})
        result.update({f"hand_{key}": value for key, value in hand_memory.items()})
    return result

