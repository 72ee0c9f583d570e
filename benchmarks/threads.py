"""The ``threads`` benchmark: training on a busy machine (issue #7, section 9).

OpenMP threads spin while they wait for a core, so when another process holds
a core, torch's default of one thread per core can slow a small model's
training many times over. This benchmark times the same fits on a quiet
machine and with busy-loop processes holding ``n_busy`` cores:

- ``fit``: the quickstart's fit (PrototypeClassifier on 8x8 digits, defaults
  except ``max_epochs`` and ``PINNED``, the settings the results were
  recorded with: the former defaults ``lr=0.002, early_stopping=False`` and
  ``tol=None``, so every fit runs ``max_epochs`` epochs) and a tabular fit
  (breast cancer), with the default ``n_threads=1`` and with ``n_threads=-1`` (one thread per CPU: torch's own
  default, the behaviour before ``n_threads`` existed);
- ``grid``: ``GridSearchCV(n_jobs=1)`` vs ``n_jobs=2`` over ``lam_r1`` x
  ``lam_r2``, quiet and busy.

Every configuration runs once untimed first (imports, joblib's worker
processes), then best of ``repeats``.

Ratios are taken within one run (busy / quiet, n_jobs=2 / n_jobs=1); goals:
busy within 1.5x of quiet, n_jobs=2 no slower than n_jobs=1.
"""

import multiprocessing
import os
import time
import warnings

from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import GridSearchCV

from sklearn_interp import PrototypeClassifier

FULL = dict(epochs=20, n_busy=1, repeats=3, grid_epochs=20)
QUICK = dict(epochs=1, n_busy=1, repeats=1, grid_epochs=1)
# The estimator settings the results were recorded with (the defaults before the convergence
# rule): a fixed max_epochs epochs at lr 0.002, no held-out split.
PINNED = dict(lr=0.002, early_stopping=False, tol=None)


def _spin(stop):
    while not stop.is_set():
        pass


class Busy:
    """``n`` busy-loop processes, each holding one core while the block runs."""

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        self.stop = multiprocessing.Event()
        self.processes = [multiprocessing.Process(target=_spin, args=(self.stop,), daemon=True)
                          for _ in range(self.n)]
        for process in self.processes:
            process.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()


def _best_time(fn, repeats):
    fn()  # warm-up: imports, allocator, joblib workers
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), times


def _fits(p):
    digits = load_digits()
    images, labels = digits.images / 16.0, digits.target
    X, y = load_breast_cancer(return_X_y=True)
    return {
        "digits 8x8, conv": lambda n_threads: PrototypeClassifier(
            max_epochs=p["epochs"], **PINNED, n_threads=n_threads, random_state=0,
            device="cpu").fit(images, labels),
        "breast cancer, MLP": lambda n_threads: PrototypeClassifier(
            max_epochs=p["epochs"], **PINNED, n_threads=n_threads, random_state=0, device="cpu").fit(X, y),
    }


def _grid(p, n_jobs):
    X, y = load_breast_cancer(return_X_y=True)
    search = GridSearchCV(
        PrototypeClassifier(max_epochs=p["grid_epochs"], **PINNED, random_state=0, device="cpu"),
        {"lam_r1": [0.0, 0.05], "lam_r2": [0.0, 0.05]}, cv=3, n_jobs=n_jobs,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)


def run(ctx):
    p = QUICK if ctx.quick else FULL
    rows = []
    start = time.perf_counter()
    for case, fit in _fits(p).items():
        for label, n_threads in (("n_threads=1 (default)", 1), (f"n_threads=-1 ({os.cpu_count()} CPUs)", -1)):
            quiet, quiet_all = _best_time(lambda: fit(n_threads), p["repeats"])
            with Busy(p["n_busy"]):
                busy, busy_all = _best_time(lambda: fit(n_threads), p["repeats"])
            rows.append({"case": case, "threads": label, "quiet_s": quiet, "busy_s": busy,
                         "busy_over_quiet": busy / quiet, "quiet_times_s": quiet_all, "busy_times_s": busy_all})
    ctx.record("fit", rows, params={**p, **PINNED}, seeds={"random_state": 0},
               columns=["case", "threads", "quiet_s", "busy_s", "busy_over_quiet"],
               wall_s=time.perf_counter() - start,
               extra={"note": f"best of {p['repeats']}; busy: {p['n_busy']} busy-loop process(es)"})
    rows = []
    start = time.perf_counter()
    for condition in ("quiet", "busy"):
        times = {}
        for n_jobs in (1, 2):
            if condition == "busy":
                with Busy(p["n_busy"]):
                    times[n_jobs], _ = _best_time(lambda: _grid(p, n_jobs), p["repeats"])
            else:
                times[n_jobs], _ = _best_time(lambda: _grid(p, n_jobs), p["repeats"])
        rows.append({"condition": condition, "n_jobs_1_s": times[1], "n_jobs_2_s": times[2],
                     "jobs2_over_jobs1": times[2] / times[1]})
    ctx.record("grid", rows, params={**p, **PINNED}, seeds={"random_state": 0},
               columns=["condition", "n_jobs_1_s", "n_jobs_2_s", "jobs2_over_jobs1"],
               wall_s=time.perf_counter() - start,
               extra={"note": "GridSearchCV over lam_r1 x lam_r2 (4 candidates x 3 folds), default n_threads"})
