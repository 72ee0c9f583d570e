"""The ``inference`` benchmark: inference cost and memory of PrototypeClassifier, new code vs old.

Issue #7, sections 1 and 8, and issue #15, section 4. The "new" code is this
checkout's ``sklearn_interp`` (chunked inference, ``NeuralEstimatorBase._infer``,
in float64 for tabular data and float32 for images on the CPU:
``inference_precision="auto"``); the "old" code is
commit ``3c54845`` (float32 inference in chunks of the training batch size,
all module outputs kept). Each is imported in its own worker process with
``PYTHONPATH`` set to its tree, so one script measures both; the workers
report which ``sklearn_interp`` they imported.

Where the old tree comes from: the environment variable ``INFERENCE_OLD_TREE``
(e.g. a ``git worktree add ../wt-old 3c54845``); otherwise, in the full run,
``git archive 3c54845 sklearn_interp`` is unpacked into a temporary folder. The
quick run measures the new code only (unless ``INFERENCE_OLD_TREE`` is set).

Sections
--------
speed
    ``predict_proba`` of a fitted PrototypeClassifier (batch_size 64, the old
    default, 2 epochs on a 5000-row subset; the former defaults
    ``lr=0.002, early_stopping=False`` and, where the code has it,
    ``tol=None``: ``PINNED``) on (a) 100k x 20 tabular rows (MLP
    encoder), (b) 20k 8x8 images (conv encoder; scikit-learn's digits drawn
    with replacement plus Gaussian noise, clipped to [0, 1]), (c) one-row calls,
    1000 of them (tabular and image). One persistent worker per code version,
    both fitted and warmed up first; then, ``repeats`` times, every case is
    timed once in the old worker and once in the new one, alternately, so
    machine drift hits both. Best and median of the repeats; ratio = new / old
    (goal <= 1.3).
precision
    This code only: ``predict_proba`` on the speed section's tabular rows and
    images with ``inference_precision="float32"`` and ``"float64"``, alternating,
    best of ``repeats``; the ratio float64 / float32 is what the "auto" rule
    (float64 for tabular data on the CPU, float32 for images) pays or saves.
memory
    Peak RSS growth of one call, each in a fresh process per code version and
    case: fit a small model (2000 rows, 1 epoch), generate the data, warm up on
    100 rows, ``gc.collect()``, then reset the kernel's high-water mark
    (``echo 5 > /proc/self/clear_refs``), read ``VmRSS``, make the call and
    read ``VmHWM``. ``growth_mb`` = peak during the call - RSS before it (the
    input is already resident); ``beyond_result_mb`` = growth - result size,
    the memory the call needs beyond the input and what it returns (goal <= 300
    MiB for ``predict_proba`` on 1M tabular rows). Cases: ``predict_proba`` on
    1M x 20 float64 rows, ``explain`` on 1M x 20 rows (its result is large),
    ``predict_proba`` on 200k 8x8 float64 images. ``mem_repeats`` (3) fresh
    processes per code version and case, alternating; the table gives the max
    and min growth (the machine's memory reclaim can only lower a reading).
    One more diagnostic run of the new code per case with a fixed glibc mmap
    threshold (``MALLOC_MMAP_THRESHOLD_=131072``, freed chunks above 128 KiB
    go straight back to the OS) separates the memory the call needs from what
    the allocator keeps after freeing it.

Run:  .venv/bin/python -m benchmarks run inference --threads 1
      INFERENCE_OLD_TREE=../wt-old .venv/bin/python -m benchmarks run inference --threads 1
Worker (internal): python benchmarks/inference.py {timing,memory} ...
"""

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

OLD_COMMIT = "3c54845"
SEED = 0
N_FEATURES = 20
MIB = 2**20
GOAL_SPEED_RATIO = 1.3
GOAL_MEMORY_MB = 300
# The estimator settings of both code versions (the defaults before the convergence rule); the
# new code also gets tol=None (no convergence rule), see _estimator.
PINNED = dict(lr=0.002, early_stopping=False)
# A fixed glibc mmap threshold: freed chunks above 128 KiB go back to the OS at once (a diagnostic run).
ALLOCATOR_ENV = {"MALLOC_MMAP_THRESHOLD_": "131072"}

FULL = dict(tab_rows=100_000, img_rows=20_000, one_row_calls=1000, repeats=5, fit_rows=5000, fit_epochs=2,
            batch_size=64, mem_tab_rows=1_000_000, mem_img_rows=200_000, mem_fit_rows=2000, mem_fit_epochs=1,
            mem_repeats=3, mem_allocator_check=True,
            mem_cases=("predict_proba_tabular", "explain_tabular", "predict_proba_images"),
            speed_cases=("tabular", "images", "one_row_tabular", "one_row_images"),
            precision_cases=("tabular", "images"))
QUICK = dict(tab_rows=2000, img_rows=300, one_row_calls=20, repeats=1, fit_rows=300, fit_epochs=1,
             batch_size=64, mem_tab_rows=20_000, mem_img_rows=2000, mem_fit_rows=300, mem_fit_epochs=1,
             mem_repeats=1, mem_allocator_check=False, mem_cases=("predict_proba_tabular",),
             speed_cases=("tabular", "one_row_tabular"), precision_cases=("tabular", "images"))


# =================================================================== worker side
# Only numpy, torch, scikit-learn and the sklearn_interp found on PYTHONPATH.
def make_tabular(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, N_FEATURES))
    y = (X[:, :3].sum(axis=1) + 0.5 * rng.standard_normal(n) > 0).astype(np.int64)
    return X, y


def make_images(n, seed):
    """``n`` 8x8 float64 images in [0, 1]: digits drawn with replacement plus noise (sd 0.05)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(digits.images), n)
    X = digits.images[index] / 16.0
    X += rng.normal(0.0, 0.05, X.shape)
    np.clip(X, 0.0, 1.0, out=X)
    return X, digits.target[index].astype(np.int64)


def _estimator(epochs, batch_size):
    """A PrototypeClassifier that both code versions accept (threads/tol only where they exist)."""
    from sklearn_interp import PrototypeClassifier

    est = PrototypeClassifier(max_epochs=epochs, batch_size=batch_size, **PINNED, device="cpu",
                              random_state=SEED)
    params = est.get_params()
    if "n_threads" in params:
        est.set_params(n_threads=1)
    if "tol" in params:
        est.set_params(tol=None)
    return est


def _worker_init():
    import torch

    import sklearn_interp

    torch.set_num_threads(1)
    est = _estimator(1, 64)
    params = est.get_params()
    return {
        "sklearn_interp_file": sklearn_interp.__file__,
        "has_inference_batch_size": "inference_batch_size" in params,
        "inference_batch_size": params.get("inference_batch_size"),
        "torch_threads": torch.get_num_threads(),
    }


def _proc_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _nbytes(result):
    if isinstance(result, np.ndarray):
        return result.nbytes
    data = getattr(result, "data", None)  # an Explanation: its arrays
    return sum(np.asarray(value).nbytes for value in data.values())


def worker_memory(case, n_rows, fit_rows, fit_epochs, batch_size):
    """One fresh process, one measured call; returns the figures as a dict."""
    info = _worker_init()
    images = case.endswith("images")
    make = make_images if images else make_tabular
    X_fit, y_fit = make(fit_rows, SEED + 1)
    est = _estimator(fit_epochs, batch_size).fit(X_fit, y_fit)
    X, _ = make(n_rows, SEED + 2)
    call = est.explain if case.startswith("explain") else est.predict_proba
    call(X[:100])  # warm-up: one-time library initialisation is not the call's cost
    del X_fit, y_fit
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    before = _proc_kb("VmRSS")
    start = time.perf_counter()
    result = call(X)
    seconds = time.perf_counter() - start
    peak = _proc_kb("VmHWM")
    after = _proc_kb("VmRSS")
    growth = max(peak - before, 0) / 1024
    result_mb = _nbytes(result) / MIB
    return {
        **info,
        "case": case, "n_rows": n_rows, "input_shape": list(X.shape), "input_dtype": str(X.dtype),
        "input_mb": X.nbytes / MIB, "result_mb": result_mb, "rss_before_mb": before / 1024,
        "peak_rss_mb": peak / 1024, "rss_after_mb": after / 1024, "growth_mb": growth,
        "beyond_result_mb": growth - result_mb, "call_s": seconds,
    }


class _TimingWorker:
    """Fitted models and data of one code version; times one case per request."""

    def __init__(self, tab_rows, img_rows, one_row_calls, fit_rows, fit_epochs, batch_size, speed_cases):
        self.info = _worker_init()
        X, y = make_tabular(tab_rows, SEED)
        n_fit = min(fit_rows, tab_rows)
        self.tab = _estimator(fit_epochs, batch_size).fit(X[:n_fit], y[:n_fit])
        self.X, self.calls = X, one_row_calls
        self.rows = {"tabular": len(X), "one_row_tabular": one_row_calls}
        if any("images" in case for case in speed_cases):
            I, t = make_images(img_rows, SEED)
            n_fit = min(fit_rows, img_rows)
            self.img = _estimator(fit_epochs, batch_size).fit(I[:n_fit], t[:n_fit])
            self.I = I
            self.rows.update(images=len(I), one_row_images=one_row_calls)
        for case in speed_cases:  # warm-up
            self.time(case)
        self.info["n_rows"] = self.rows

    def time(self, case):
        """Seconds of the case's predict_proba calls; ``"images@float64"`` sets ``inference_precision`` first."""
        case, _, precision = case.partition("@")
        if precision:
            for est in (self.tab, getattr(self, "img", None)):
                if est is not None:
                    est.set_params(inference_precision=precision)
        try:
            return self._time(case)
        finally:
            if precision:
                for est in (self.tab, getattr(self, "img", None)):
                    if est is not None:
                        est.set_params(inference_precision="auto")

    def _time(self, case):
        if case == "tabular":
            est, data = self.tab, [self.X]
        elif case == "images":
            est, data = self.img, [self.I]
        else:
            est, source = (self.tab, self.X) if case == "one_row_tabular" else (self.img, self.I)
            data = [source[i % len(source)][None] for i in range(self.calls)]
        gc.collect()
        start = time.perf_counter()
        for x in data:
            est.predict_proba(x)
        return time.perf_counter() - start


def _worker_main(argv):
    # sys.path[0] is this script's folder; the package under test comes from PYTHONPATH.
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p and str(Path(p).resolve()) != here]
    reply = sys.stdout
    sys.stdout = sys.stderr  # stray prints must not corrupt the JSON replies
    kind, params = argv[0], json.loads(argv[1])
    if kind == "memory":
        reply.write(json.dumps(worker_memory(**params)) + "\n")
        reply.flush()
        return 0
    worker = _TimingWorker(**params)
    reply.write(json.dumps(worker.info) + "\n")
    reply.flush()
    for line in sys.stdin:
        case = line.strip()
        if not case:
            break
        reply.write(json.dumps({"case": case, "seconds": worker.time(case)}) + "\n")
        reply.flush()
    return 0


# =================================================================== driver side
def _worker_env(tree, extra=None):
    env = dict(os.environ)
    env.update(extra or {})
    env.update(PYTHONPATH=str(tree), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONWARNINGS="ignore")
    return env


def _check_tree(info, tree):
    imported = Path(info["sklearn_interp_file"]).resolve()
    if Path(tree).resolve() not in imported.parents:
        raise RuntimeError(f"the worker for {tree} imported {imported}")


class _Worker:
    def __init__(self, tree, params):
        self.tree = tree
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "timing", json.dumps(params)],
            cwd=tree, env=_worker_env(tree), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.info = self._read()
        _check_tree(self.info, tree)

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"timing worker for {self.tree} exited (code {self.proc.wait()})")
        return json.loads(line)

    def time(self, case):
        self.proc.stdin.write(case + "\n")
        self.proc.stdin.flush()
        return self._read()["seconds"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


class _LocalWorker:
    """The quick run's new-code timing in this process (a worker process costs seconds of imports)."""

    def __init__(self, params):
        import torch

        previous = torch.get_num_threads()
        self.worker = _TimingWorker(**params)
        torch.set_num_threads(previous)
        self.info = self.worker.info

    def time(self, case):
        return self.worker.time(case)

    def close(self):
        pass


def _memory_run(tree, params, env=None):
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "memory", json.dumps(params)],
        cwd=tree, env=_worker_env(tree, env), capture_output=True, text=True, timeout=1200,
    )
    if out.returncode != 0:
        raise RuntimeError(f"memory worker for {tree} failed:\n{out.stderr[-3000:]}")
    info = json.loads(out.stdout.strip().splitlines()[-1])
    _check_tree(info, tree)
    return info


def _old_tree(ctx, stack):
    """The old code's tree: $INFERENCE_OLD_TREE, else (full run) a ``git archive`` of OLD_COMMIT."""
    from .runner import REPO_ROOT

    env = os.environ.get("INFERENCE_OLD_TREE")
    if env:
        return Path(env).resolve(), f"INFERENCE_OLD_TREE={env}"
    if ctx.quick:
        return None, None
    folder = Path(tempfile.mkdtemp(prefix="inference-old-"))
    stack.append(folder)
    archive = subprocess.run(["git", "archive", OLD_COMMIT, "sklearn_interp"], cwd=REPO_ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder, f"git archive {OLD_COMMIT} sklearn_interp (temporary folder)"


def _speed(ctx, p, trees):
    start = time.perf_counter()
    cases = p["speed_cases"]
    params = {k: p[k] for k in ("tab_rows", "img_rows", "one_row_calls", "fit_rows", "fit_epochs", "batch_size",
                                "speed_cases")}
    workers = {}
    try:
        for version, tree in trees.items():
            local = ctx.quick and list(trees) == ["new"]
            workers[version] = _LocalWorker(params) if local else _Worker(tree, params)
        times = {version: {case: [] for case in cases} for version in workers}
        for _ in range(p["repeats"]):
            for case in cases:
                for version, worker in workers.items():  # old, new, old, new, ...
                    times[version][case].append(worker.time(case))
    finally:
        for worker in workers.values():
            worker.close()
    rows = []
    labels = {"tabular": f"predict_proba, {p['tab_rows']} x {N_FEATURES} rows (MLP encoder)",
              "images": f"predict_proba, {p['img_rows']} 8x8 images (conv encoder)",
              "one_row_tabular": f"{p['one_row_calls']} one-row predict_proba calls, tabular",
              "one_row_images": f"{p['one_row_calls']} one-row predict_proba calls, 8x8 image"}
    for case in cases:
        n = workers["new"].info["n_rows"][case]
        row = {"case": labels[case], "rows_or_calls": n}
        for version in ("old", "new"):
            if version not in times:
                continue
            ts = times[version][case]
            row[f"{version}_us_per_row_best"] = min(ts) / n * 1e6
            row[f"{version}_us_per_row_median"] = statistics.median(ts) / n * 1e6
        if "old" in times:
            old, new = times["old"][case], times["new"][case]
            row["ratio_best"] = min(new) / min(old)
            row["ratio_median"] = statistics.median(new) / statistics.median(old)
            row["goal"] = GOAL_SPEED_RATIO
            row["goal_met"] = bool(row["ratio_best"] <= GOAL_SPEED_RATIO)
        row["old_times_s"] = times.get("old", {}).get(case)
        row["new_times_s"] = times["new"][case]
        rows.append(row)
    columns = ["case", "rows_or_calls", "old_us_per_row_best", "new_us_per_row_best", "ratio_best",
               "old_us_per_row_median", "new_us_per_row_median", "ratio_median", "goal", "goal_met"]
    ctx.record(
        "speed", rows, params={**params, **PINNED, "tol": None}, seeds={"data": SEED, "random_state": SEED},
        columns=[c for c in columns if any(c in r for r in rows)], wall_s=time.perf_counter() - start,
        extra={"workers": {v: w.info for v, w in workers.items()},
               "note": f"best/median of {p['repeats']} alternating runs (old, new, old, new, ...), one thread; "
                       "us per row (per call for the one-row cases); ratio = new / old, goal <= "
                       f"{GOAL_SPEED_RATIO}"},
    )


def _precision(ctx, p, tree):
    """This code's predict_proba at inference_precision float32 and float64, and what "auto" picks."""
    start = time.perf_counter()
    cases = [case for case in ("tabular", "images") if case in p["precision_cases"]]
    params = {k: p[k] for k in ("tab_rows", "img_rows", "one_row_calls", "fit_rows", "fit_epochs", "batch_size")}
    params["speed_cases"] = list(cases)
    worker = _LocalWorker(params) if ctx.quick else _Worker(tree, params)
    precisions = ("float32", "float64")
    try:
        times = {(case, precision): [] for case in cases for precision in precisions}
        for _ in range(p["repeats"]):
            for case in cases:
                for precision in precisions:
                    times[case, precision].append(worker.time(f"{case}@{precision}"))
    finally:
        worker.close()
    rows = []
    for case in cases:
        n = worker.info["n_rows"][case]
        best = {precision: min(times[case, precision]) / n * 1e6 for precision in precisions}
        rows.append({"case": case, "rows": n,
                     "auto_picks": "float64" if case == "tabular" else "float32",
                     "float32_us_per_row_best": best["float32"], "float64_us_per_row_best": best["float64"],
                     "float64_over_float32": best["float64"] / best["float32"],
                     "float32_times_s": times[case, "float32"], "float64_times_s": times[case, "float64"]})
    ctx.record(
        "precision", rows, params={**params, **PINNED, "tol": None}, seeds={"data": SEED, "random_state": SEED},
        columns=["case", "rows", "auto_picks", "float32_us_per_row_best", "float64_us_per_row_best",
                 "float64_over_float32"],
        wall_s=time.perf_counter() - start,
        extra={"note": f"this code only, one thread, CPU; best of {p['repeats']} alternating runs; the rule of "
                       "inference_precision='auto': float64 for tabular data on the CPU (a row's output does not "
                       "depend on the rows beside it, scikit-learn's invariance checks pass), float32 for images "
                       "and on a GPU"},
    )


def _memory(ctx, p, trees):
    start = time.perf_counter()
    rows, runs = [], []
    labels = {"predict_proba_tabular": f"predict_proba, {p['mem_tab_rows']} x {N_FEATURES} rows",
              "explain_tabular": f"explain, {p['mem_tab_rows']} x {N_FEATURES} rows",
              "predict_proba_images": f"predict_proba, {p['mem_img_rows']} 8x8 images"}
    for case in p["mem_cases"]:
        n = p["mem_img_rows"] if case.endswith("images") else p["mem_tab_rows"]
        params = dict(case=case, n_rows=n, fit_rows=p["mem_fit_rows"], fit_epochs=p["mem_fit_epochs"],
                      batch_size=p["batch_size"])
        results = {version: [] for version in trees}
        for _ in range(p["mem_repeats"]):
            for version, tree in trees.items():  # old, new, old, new
                info = _memory_run(tree, params)
                results[version].append(info)
                runs.append({"version": version, **info})
                print(f"  [memory] {case:22s} {version}: growth {info['growth_mb']:.0f} MiB, "
                      f"result {info['result_mb']:.0f} MiB ({info['call_s']:.1f} s)", flush=True)
        for version in ("old", "new"):
            if version not in results:
                continue
            res = results[version]
            growth = [r["growth_mb"] for r in res]
            worst = max(res, key=lambda r: r["growth_mb"])
            row = {"case": labels[case], "code": version, "input_mb": worst["input_mb"],
                   "result_mb": worst["result_mb"], "growth_mb_max": max(growth), "growth_mb_min": min(growth),
                   "beyond_result_mb_max": worst["beyond_result_mb"], "call_s": min(r["call_s"] for r in res)}
            if case == "predict_proba_tabular":
                row["goal_mb"] = GOAL_MEMORY_MB
                row["goal_met"] = bool(row["beyond_result_mb_max"] <= GOAL_MEMORY_MB)
            rows.append(row)
        if p["mem_allocator_check"]:  # how much of the new code's growth is glibc keeping freed chunks
            info = _memory_run(trees["new"], params, ALLOCATOR_ENV)
            runs.append({"version": "new", "env": ALLOCATOR_ENV, **info})
            setting = " ".join(f"{k}={v}" for k, v in ALLOCATOR_ENV.items())
            rows.append({"case": labels[case], "code": f"new, {setting}",
                         "input_mb": info["input_mb"], "result_mb": info["result_mb"],
                         "growth_mb_max": info["growth_mb"], "growth_mb_min": info["growth_mb"],
                         "beyond_result_mb_max": info["beyond_result_mb"], "call_s": info["call_s"]})
            print(f"  [memory] {case:22s} new + {ALLOCATOR_ENV}: growth {info['growth_mb']:.0f} MiB", flush=True)
    columns = ["case", "code", "input_mb", "result_mb", "growth_mb_max", "growth_mb_min", "beyond_result_mb_max",
               "call_s", "goal_mb", "goal_met"]
    ctx.record(
        "memory", rows, params={**{k: p[k] for k in ("mem_tab_rows", "mem_img_rows", "mem_fit_rows",
                                                     "mem_fit_epochs", "mem_repeats", "batch_size")},
                                **PINNED, "tol": None},
        seeds={"data": [SEED + 1, SEED + 2], "random_state": SEED},
        columns=[c for c in columns if any(c in r for r in rows)], wall_s=time.perf_counter() - start,
        extra={"runs": runs,
               "memory_method": "fresh process per run; VmHWM after echo 5 > /proc/self/clear_refs, minus VmRSS "
                                "just before the call (input already resident)",
               "note": f"MiB; growth = peak RSS during the call - RSS before it (input resident), max/min over "
                       f"{p['mem_repeats']} fresh process(es) per code version; beyond_result = growth - result "
                       f"(of the worst run); goal: predict_proba on 1M rows <= {GOAL_MEMORY_MB} MiB beyond "
                       "input and result"},
    )


def run(ctx):
    from .runner import REPO_ROOT

    p = QUICK if ctx.quick else FULL
    temporary = []
    try:
        old, source = _old_tree(ctx, temporary)
        trees = ({"old": old} if old is not None else {}) | {"new": REPO_ROOT}
        ctx.result["old_code"] = {"commit": OLD_COMMIT, "tree": None if old is None else str(old), "source": source}
        _speed(ctx, p, trees)
        _precision(ctx, p, trees["new"])
        _memory(ctx, p, trees)
    finally:
        for folder in temporary:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(_worker_main(sys.argv[1:]))
