"""The benchmark runner: ``python -m benchmarks {list, run NAME, table, readme}``.

A benchmark is a function ``run(ctx)`` (see :class:`Context`) that records its
results section by section with ``ctx.record(...)``; every record rewrites the
result files atomically, so a long run that is stopped leaves its finished
sections behind (``"status": "running"``). Results go to
``<results_dir>/<NAME>.json`` and ``<NAME>.csv``, or ``<NAME>.quick.json`` /
``.csv`` with ``--quick``, so quick runs never overwrite full ones.
"""

import argparse
import csv
import datetime
import importlib
import io
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from sklearn_interp._io import to_jsonable, write_text_atomic


REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parent / "README.md"

# name -> (module, function, description)
BENCHMARKS = {
    "overhead": (
        "benchmarks.overhead", "run",
        "Wrapper overhead: fit of a tiny NeuralClassifierBase MLP (12-64-64-2, 6000 rows, "
        "20 epochs, batch 32/128/512) vs a hand-written PyTorch loop; peak memory.",
    ),
    "inference": (
        "benchmarks.inference", "run",
        "Inference cost and memory of PrototypeClassifier (predict_proba, explain): this code vs commit "
        "3c54845 (issue #7, sections 1 and 8).",
    ),
    "prototype": (
        "benchmarks.prototype", "run",
        "PrototypeClassifier (Li et al. 2018): all sections below, into one result file.",
    ),
    "prototype.fashion_mnist": (
        "benchmarks.prototype", "run_fashion_mnist",
        "Fashion-MNIST 60k/10k: PrototypeClassifier vs the plain-CNN ablation; prototype distances, PNG.",
    ),
    "prototype.fashion_mnist_long": (
        "benchmarks.prototype", "run_fashion_mnist_long",
        "Fashion-MNIST 60k/10k as above with a 100-epoch budget (not part of `prototype`; ~45 min).",
    ),
    "prototype.mnist": (
        "benchmarks.prototype", "run_mnist",
        "MNIST, stratified 8000/2000 split of the 10k test images: PrototypeClassifier vs plain CNN.",
    ),
    "prototype.tabular": (
        "benchmarks.prototype", "run_tabular",
        "COMPAS + UCI sets, 5-fold stratified CV: PrototypeClassifier vs LogisticRegression vs MLPClassifier.",
    ),
    "prototype.overhead": (
        "benchmarks.prototype", "run_overhead",
        "PrototypeClassifier fit vs the hand loop (COMPAS, Fashion-MNIST subset); peak memory.",
    ),
    "prototype.elastic": (
        "benchmarks.prototype", "run_elastic",
        "Cost of elastic deformation: one-epoch fit time with and without it.",
    ),
    "threads": (
        "benchmarks.threads", "run",
        "Training on a busy machine (issue #7.9): fits with n_threads=1 vs torch's default, quiet vs with "
        "busy-loop processes holding a core; GridSearchCV n_jobs=1 vs 2.",
    ),
    "senn": (
        "benchmarks.senn", "run",
        "SENNClassifier (Alvarez-Melis & Jaakkola 2018, issue #9): all sections below, into one result file.",
    ),
    "senn.compas": (
        "benchmarks.senn", "run_compas",
        "COMPAS (senn features), 5 seeds x stratified 80/20: SENNClassifier() vs MLPClassifier((64, 64)).",
    ),
    "senn.lam_sweep": (
        "benchmarks.senn", "run_lam_sweep",
        "lambda sweep on COMPAS and breast cancer, 3 seeds: accuracy and local Lipschitz estimate (Fig. 5 A/B).",
    ),
    "senn.images": (
        "benchmarks.senn", "run_images",
        "MNIST (8000/2000 of the test set) and Fashion-MNIST (10k/10k): 5 learned concepts, grounding PNGs.",
    ),
    "senn.overhead": (
        "benchmarks.senn", "run_overhead",
        "SENNClassifier(lam=0.01) fit vs the hand loop (COMPAS); epoch time lam=0.01 / lam=0.",
    ),
    "leveling": (
        "benchmarks.leveling", "run",
        "FeatureLevelingClassifier / FeatureLevelingRegressor (Lu & Yang, issue #17): all sections below, "
        "into one result file (~20 min on one core).",
    ),
    "leveling.housing": (
        "benchmarks.leveling", "run_housing",
        "California housing (13 features), seeds 0-2 x random 4:1: ours 13-64-32-1 vs the FCNN; test RMSE "
        "(standardized y), pruned architecture, open fractions, AAV per level.",
    ),
    "leveling.mnist": (
        "benchmarks.leveling", "run_mnist",
        "MNIST, stratified 8000/2000 split of the 10k test images: ours 784-300-100-10 vs the FCNN; "
        "accuracy, pruned architecture, whether the 100-unit layer is pruned.",
    ),
    "leveling.fashion_mnist": (
        "benchmarks.leveling", "run_fashion_mnist",
        "Fashion-MNIST 60k/10k: ours 784-300-100-10 vs the FCNN; accuracy, pruned architecture.",
    ),
    "leveling.binary": (
        "benchmarks.leveling", "run_binary",
        "Fashion-MNIST shirt vs T-shirt/top (12k/2k): ours 784-300-100-2 vs the FCNN; test AUC beside the "
        "paper's CIFAR cat/deer figures.",
    ),
    "leveling.overhead": (
        "benchmarks.leveling", "run_overhead",
        "FeatureLevelingClassifier fit vs the hand loop (6000-row make_classification, batch 32/128/512); "
        "goal ratio <= 1.15.",
    ),
    "contrastive": (
        "benchmarks.contrastive", "run",
        "ContrastiveExplainer (CDeepEx, issue #18): all sections below, into one result file (~45 min on one core).",
    ),
    "contrastive.mnist": (
        "benchmarks.contrastive", "run_mnist",
        "MNIST (8000/2000 split of the test images), paper's CNN (skorch) + VAE: share of 500 explanations meeting "
        "the constraints, CDeepEx vs xGEMs (goal >= 0.95 and higher), ||ze - z0||, s per explanation batched vs "
        "one by one.",
    ),
    "contrastive.fashion_mnist": (
        "benchmarks.contrastive", "run_fashion_mnist",
        "The same on Fashion-MNIST (10k training subset, 500 test images explained).",
    ),
    "contrastive.biased": (
        "benchmarks.contrastive", "run_biased",
        "§4.1's biased data (a 6x6 gray square on every 8): 'why not 8?' for 300 clean digits, share of "
        "|explanation| inside the square vs its share of the image; a classifier trained on clean data as control.",
    ),
    "contrastive.classifiers": (
        "benchmarks.contrastive", "run_classifiers",
        "The explainer with PrototypeClassifier, SENNClassifier (images), FeatureLevelingClassifier (flat rows) and "
        "the skorch CNN on the MNIST split: accuracy, share meeting the constraints, s per explanation.",
    ),
    "contrastive.scale": (
        "benchmarks.contrastive", "run_scale",
        "1000 images in batches of 100 (verbose) vs 100 and 1000 in one batch: peak RSS growth, seconds.",
    ),
    "contrastive.wgan": (
        "benchmarks.contrastive", "run_wgan",
        "The WassersteinGAN generator (80 epochs on the MNIST split): CDeepEx vs xGEMs on 200 images.",
    ),
    "out_of_core": (
        "benchmarks.out_of_core", "run",
        "Explaining rows by the million (issue #19): explain_to_parquet on a LocalCluster of 2 worker processes, "
        "1M, 3M and 10M lazily generated rows; rows per second vs the in-memory call, peak RSS per worker.",
    ),
    "representer": (
        "benchmarks.representer", "run",
        "SparseRepresenterClassifier (Iwata & Yoshikawa 2021): all sections below, into one result file.",
    ),
    "representer.uci": (
        "benchmarks.representer", "run_uci",
        "Glass/Vehicle/Segment, 3 repeats x stratified 70/10/20: six methods, eta tuned on validation; test "
        "accuracy and faithfulness at U = 5, 10, 20, 50 (Figs. 2-3); PNG (~60 min).",
    ),
    "representer.uci_segment_long": (
        "benchmarks.representer", "run_uci_segment_long",
        "Sensitivity of uci on Segment: 200 epochs (the default) and a 2000-step patience instead of 80 and 500 "
        "(not part of `representer`; ~20 min).",
    ),
    "representer.fit_time": (
        "benchmarks.representer", "run_fit_time",
        "Fit seconds of the uci runs beside the paper's Table 1, per fit and per epoch (no fits of its own).",
    ),
    "representer.scaling": (
        "benchmarks.representer", "run_scaling",
        "Epoch time of the proposed method at 1k/4k/16k/64k rows (make_classification), support rows left.",
    ),
    "representer.compas": (
        "benchmarks.representer", "run_compas",
        "COMPAS: the proposed method, eta from 3 values on validation; 4 test predictions explained by 5 examples.",
    ),
    "small_data": (
        "benchmarks.small_data", "run",
        "Defaults on small tables (issue #7.2): 10 sets x 5 seeds x 5-fold CV, PrototypeClassifier() vs "
        "MLPClassifier() vs LogisticRegression, all at defaults; goal: worst proto seed >= MLP mean - 0.03.",
    ),
    "small_data.regression": (
        "benchmarks.small_data", "run_regression",
        "Regressors at defaults on 6 regression sets (issue #15.1): 5 seeds x 5-fold R², SENNRegressor() and "
        "SparseRepresenterRegressor() vs Ridge and MLPRegressor; goal: worst seed >= better baseline - 0.05.",
    ),
    "small_data.leveling": (
        "benchmarks.small_data", "run_leveling",
        "small_data for FeatureLevelingClassifier() alone, beside the same MLPClassifier and "
        "LogisticRegression (own result file); goal: worst seed >= MLP mean - 0.03.",
    ),
    "small_data.leveling_regression": (
        "benchmarks.small_data", "run_leveling_regression",
        "small_data.regression for FeatureLevelingRegressor() alone, beside Ridge and MLPRegressor (own "
        "result file); goal: worst seed >= better baseline - 0.05.",
    ),
    "small_data.calibration": (
        "benchmarks.small_data", "run_calibration",
        "Classifiers at defaults on the 10 small_data sets (issue #15.2): 5 seeds x 5-fold accuracy, log-loss, "
        "Brier score beside MLPClassifier and LogisticRegression; the representer's faithfulness at U = 10.",
    ),
    "small_data.bs64": (
        "benchmarks.small_data", "run_bs64",
        "Sensitivity check for small_data: PrototypeClassifier(batch_size=64) under today's code (even "
        "batches, no row dropped), same splits, beside the MLP (not part of `small_data`; ~12 min).",
    ),
    "compare": (
        "benchmarks.compare", "run",
        "Explanations side by side (issue #23): SENN (default and selected λ), Prototype, SparseRepresenter and an "
        "MLP, own explanations vs LIME / KernelSHAP (fresh and fixed seed) / IG on COMPAS + 4 UCI sets; "
        "faithfulness, local Lipschitz (ε-ball, discrete, scale-free), seconds per sample; PNG per set.",
    ),
    **{f"compare.{name}": ("benchmarks.compare", f"run_{name}", f"compare on {name} only (its own result file).")
       for name in ("compas", "pima_diabetes", "yeast", "vehicle", "segment")},
    "compare.leveling": (
        "benchmarks.compare", "run_leveling",
        "compare for the FeatureLeveling model alone on every set (own result file; no SENN, no summary).",
    ),
    "compare.summary": (
        "benchmarks.compare", "run_summary",
        "The goals of compare (Lipschitz ratio >= 10, cost ratio >= 1000) from the compare.<set> result files.",
    ),
    "fit_time_defaults": (
        "benchmarks.fit_time", "run",
        "Fit time at the defaults (issue #22): our 3 classifiers and 2 regressors vs MLPClassifier/MLPRegressor on "
        "the small_data sets, 5 seeds x 5-fold, one thread; goal: median ratio <= 3, none > 5, at the same score.",
    ),
    "fit_time_defaults.classification": (
        "benchmarks.fit_time", "run_classification",
        "fit_time_defaults on the 10 classification sets only: Prototype, SENN, SparseRepresenter vs MLPClassifier.",
    ),
    "fit_time_defaults.regression": (
        "benchmarks.fit_time", "run_regression",
        "fit_time_defaults on the 6 regression sets only: SENN, SparseRepresenter vs MLPRegressor (and Ridge).",
    ),
}


def loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def default_data_home():
    """``../shared/data`` beside the repository if it exists, else None (package default)."""
    shared = REPO_ROOT.parent / "shared" / "data"
    return str(shared) if shared.is_dir() else None


def _git_commit():
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "sklearn_interp"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=10,
        ).stdout.strip()
        return {"commit": commit or None, "sklearn_interp_dirty": bool(dirty)}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "sklearn_interp_dirty": None}


def machine_info():
    import sklearn
    import skorch
    import torch

    from sklearn_interp.base import resolve_device

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "skorch": skorch.__version__,
        "numpy": np.__version__,
        "device": resolve_device("auto"),
        "cuda_available": torch.cuda.is_available(),
    }


def rows_to_csv(rows):
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (json.dumps(v) if isinstance(v, (list, dict)) else v) for k, v in row.items()})
    return buffer.getvalue()


class Context:
    """What a benchmark gets: ``quick``, ``data_home``, ``results_dir``, ``record``."""

    def __init__(self, name, quick=False, data_home=None, results_dir=None, echo=True):
        import sklearn_interp

        self.name = name
        self.quick = quick
        self.data_home = data_home
        self.results_dir = Path(results_dir or RESULTS_DIR)
        self.echo = echo
        self.stem = name + (".quick" if quick else "")
        self._start = time.perf_counter()
        self.result = {
            "benchmark": name,
            "quick": quick,
            "status": "running",
            "sklearn_interp_version": sklearn_interp.__version__,
            "git": _git_commit(),
            "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "finished_at": None,
            "wall_time_s": None,
            "data_home": data_home,
            "command": " ".join([Path(sys.executable).name, "-m", "benchmarks", *sys.argv[1:]]),
            "machine": machine_info(),
            "loadavg_start": loadavg(),
            "loadavg_end": None,
            "sections": {},
            "rows": [],
            "files": [],
        }

    @property
    def json_path(self):
        return self.results_dir / f"{self.stem}.json"

    @property
    def csv_path(self):
        return self.results_dir / f"{self.stem}.csv"

    def artifact(self, filename):
        """Path for an extra output file (e.g. a PNG), ``.quick`` infixed in quick mode."""
        stem, dot, ext = filename.rpartition(".")
        name = f"{stem}.quick.{ext}" if self.quick else filename
        path = self.results_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        rel = os.path.relpath(path, self.results_dir)
        if rel not in self.result["files"]:
            self.result["files"].append(rel)
        return path

    def record(self, section, rows, *, params=None, seeds=None, columns=None, wall_s=None, extra=None):
        """Store one finished section (its table rows and metadata) and rewrite the files."""
        rows = [{"section": section, **row} for row in rows]
        self.result["sections"][section] = {
            "params": params or {},
            "seeds": seeds or {},
            "columns": columns or ([k for k in rows[0] if k != "section"] if rows else []),
            "wall_time_s": wall_s,
            **(extra or {}),
        }
        self.result["rows"] = [r for r in self.result["rows"] if r["section"] != section] + rows
        self.result["loadavg_end"] = loadavg()
        self.write()
        if self.echo:
            print(f"\n== {self.name} / {section}" + (f"  ({wall_s:.1f} s)" if wall_s is not None else ""))
            print(format_table(rows, self.result["sections"][section]["columns"]), flush=True)

    def write(self):
        self.result["wall_time_s"] = time.perf_counter() - self._start
        clean = to_jsonable(self.result)
        write_text_atomic(self.json_path, json.dumps(clean, indent=2) + "\n")
        write_text_atomic(self.csv_path, rows_to_csv(clean["rows"]))

    def finish(self):
        self.result["status"] = "complete"
        self.result["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        self.result["loadavg_end"] = loadavg()
        self.write()


def _fmt(value):
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0:
            return "0"
        if abs(value) >= 1000 or abs(value) < 0.001:
            return f"{value:.3g}"
        return f"{value:.4g}"
    return str(value)


def format_table(rows, columns, markdown=False):
    """Fixed-width (or markdown) text table of ``rows`` restricted to ``columns``."""
    cells = [[_fmt(row.get(c)) for c in columns] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "/") for cell in line) + " |" for line in cells]
        return "\n".join(lines)
    widths = [max([len(c)] + [len(line[i]) for line in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)) for line in cells]
    return "\n".join(lines)


def run_benchmark(name, quick=False, data_home=None, results_dir=None, echo=True, threads=None):
    """Run benchmark ``name``; returns the result dict (also written to the files).

    ``threads`` sets ``torch.set_num_threads`` for the run (restored after it);
    None keeps torch's default. The count used is recorded in the results.
    """
    import torch

    if name not in BENCHMARKS:
        raise KeyError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
    module_name, function, _ = BENCHMARKS[name]
    function = getattr(importlib.import_module(module_name), function)
    if data_home is None:
        data_home = default_data_home()
    previous_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        ctx = Context(name, quick=quick, data_home=data_home, results_dir=results_dir, echo=echo)
        ctx.result["threads_requested"] = threads
        ctx.write()
        function(ctx)
        ctx.finish()
    finally:
        torch.set_num_threads(previous_threads)
    if echo:
        print(f"\nwrote {ctx.json_path} and {ctx.csv_path} ({ctx.result['wall_time_s']:.1f} s)")
    return ctx.result


def _load(values):
    return "n/a" if not values else "/".join(f"{v:.2f}" for v in values)


def paper_summary(results_dir, names):
    """One table of every result row that has a paper figure beside it."""
    rows = []
    for name in names:
        path = Path(results_dir) / f"{name}.json"
        if not path.exists():
            continue
        for row in json.loads(path.read_text())["rows"]:
            if row.get("paper_test_acc") is not None:
                rows.append({"benchmark": name, **row})
    if not rows:
        return ""
    columns = ["benchmark", "dataset", "model", "n_train", "epochs", "test_acc", "paper_test_acc"]
    return "### Ours beside the papers\n\n" + format_table(rows, columns, markdown=True) + "\n"


def markdown_report(results_dir=None, names=None):
    """Markdown tables of the full (non-quick) result files, as they are on disk."""
    results_dir = Path(results_dir or RESULTS_DIR)
    names = names or ["overhead", "prototype", "prototype.fashion_mnist_long", "prototype.overhead",
                      "small_data", "small_data.bs64", "inference", "threads", "senn", "representer.uci",
                      "representer.uci_segment_long", "representer.fit_time", "representer.scaling", "representer.compas",
                      "small_data.regression", "small_data.calibration", "fit_time_defaults.classification",
                      "fit_time_defaults.regression", "compare.summary", "compare.compas", "compare.pima_diabetes",
                      "compare.yeast", "compare.vehicle", "compare.segment", "leveling",
                      "small_data.leveling", "small_data.leveling_regression", "compare.leveling", "contrastive",
                      "out_of_core"]
    parts = [paper_summary(results_dir, names)]
    for name in names:
        path = results_dir / f"{name}.json"
        if not path.exists():
            parts.append(f"### `{name}`\n\nNo result file yet (`.venv/bin/python -m benchmarks run {name}`).\n")
            continue
        result = json.loads(path.read_text())
        machine = result["machine"]
        wall = result.get("wall_time_s")
        header = (
            f"### `{name}` — {result['status']}, sklearn_interp {result['sklearn_interp_version']}, "
            f"{result['started_at']}, {wall / 60:.1f} min\n\n"
            f"Machine: {machine['platform']}, {machine['cpu_count']} CPUs, torch threads "
            f"{machine['torch_threads']} (--threads {result.get('threads_requested')}), device {machine['device']}; torch {machine['torch']}, "
            f"scikit-learn {machine['sklearn']}, skorch {machine['skorch']}. "
            f"Load average (1/5/15 min) at start: {_load(result.get('loadavg_start'))}, "
            f"at end: {_load(result.get('loadavg_end'))}.\n"
        )
        parts.append(header)
        for section, meta in result["sections"].items():
            rows = [r for r in result["rows"] if r["section"] == section]
            wall = meta.get("wall_time_s")
            title = f"**{section}**" + (f" ({wall / 60:.1f} min)" if wall is not None else "")
            note = meta.get("note")
            parts.append(title + (f" — {note}" if note else "") + "\n\n" + format_table(rows, meta["columns"], markdown=True) + "\n")
    return "\n".join(parts)


BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def update_readme(results_dir=None, readme=README):
    """Replace the block between the results markers of the README with :func:`markdown_report`."""
    text = Path(readme).read_text()
    if BEGIN not in text or END not in text:
        raise ValueError(f"{readme} lacks the {BEGIN} / {END} markers.")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    block = "\n_Generated by `.venv/bin/python -m benchmarks readme` from `benchmarks/results/*.json`; do not edit by hand._\n\n"
    write_text_atomic(readme, head + BEGIN + "\n" + block + markdown_report(results_dir) + "\n" + END + tail)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the benchmarks")
    run = sub.add_parser("run", help="run one benchmark")
    run.add_argument("name", choices=list(BENCHMARKS))
    run.add_argument("--quick", action="store_true", help="tiny smoke-test version (results: NAME.quick.json)")
    run.add_argument("--data-home", default=None, help="data folder (default: ../shared/data if present)")
    run.add_argument("--results-dir", default=None, help=f"output folder (default: {RESULTS_DIR})")
    run.add_argument("--threads", type=int, default=None,
                     help="torch.set_num_threads for the run (default: torch's default, one per core)")
    table = sub.add_parser("table", help="print the markdown tables of the full result files")
    table.add_argument("--results-dir", default=None)
    readme = sub.add_parser("readme", help="rewrite the results block of benchmarks/README.md")
    readme.add_argument("--results-dir", default=None)
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, (_, _, description) in BENCHMARKS.items():
            print(f"{name:26s} {description}")
    elif args.command == "run":
        run_benchmark(args.name, quick=args.quick, data_home=args.data_home, results_dir=args.results_dir,
                      threads=args.threads)
    elif args.command == "table":
        print(markdown_report(args.results_dir))
    elif args.command == "readme":
        update_readme(args.results_dir)
        print(f"updated {README}")
    return 0
